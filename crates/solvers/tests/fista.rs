//! ISTA/FISTA: known answers, optimality (KKT) and the duality-gap certificate, agreement of
//! the variants, complex MRI-like recovery with a wavelet, degenerate inputs, observers, no
//! allocation per iteration.

use cstk_linop::testing::{in_pool, random_vec};
use cstk_linop::{Complex, Dct1, DenseOp, Dwt2, Fft2, Identity, LinOp, LinOpExt, Wavelet};
use cstk_measure::signals::{Amplitude, sparse_signal};
use cstk_measure::{DenseEnsemble, MaskKind, MaskParams};
use cstk_solvers::fista::{Criterion, Fista, Step, lambda_max, lambda_max_synthesis};
use cstk_solvers::{Error, StopReason};
use nalgebra::DMatrix;
use std::ops::ControlFlow;

type C64 = Complex<f64>;

/// A 60 × 200 Gaussian LASSO problem with an 8-sparse truth and a little noise.
fn problem(seed: u64) -> (DenseOp<f64>, Vec<f64>) {
    let a = DenseEnsemble::Gaussian
        .operator::<f64>(60, 200, seed)
        .unwrap();
    let x = sparse_signal::<f64>(200, 8, Amplitude::Gaussian, seed)
        .unwrap()
        .x;
    let mut y = a.apply_vec(&x);
    let e: Vec<f64> = random_vec(60, seed + 100);
    for (v, n) in y.iter_mut().zip(e) {
        *v += 0.01 * n;
    }
    (a, y)
}

/// max over i of the KKT violation of ½‖Ax − y‖² + λ‖x‖₁, relative to λ.
fn kkt_violation(a: &DenseOp<f64>, y: &[f64], x: &[f64], lambda: f64) -> f64 {
    let r: Vec<f64> = a.apply_vec(x).iter().zip(y).map(|(u, v)| v - u).collect();
    let c = a.adjoint_vec(&r);
    let mut worst: f64 = 0.0;
    for (ci, xi) in c.iter().zip(x) {
        let v = if *xi != 0.0 {
            (ci - lambda * xi.signum()).abs()
        } else {
            (ci.abs() - lambda).max(0.0)
        };
        worst = worst.max(v / lambda);
    }
    worst
}

#[test]
fn orthonormal_problem_is_soft_thresholding() {
    // A = DCT (orthonormal): x* = soft(Aᵀ y, λ)
    let a = Dct1::<f64>::new(64).unwrap();
    let y: Vec<f64> = random_vec(64, 3);
    let c = a.adjoint_vec(&y);
    let lam = 0.3;
    let want: Vec<f64> = c
        .iter()
        .map(|v| v.signum() * (v.abs() - lam).max(0.0))
        .collect();
    for f in [Fista::params(), Fista::ista()] {
        let sol = f.tol(1e-12).solve_l1(&a, &y, lam).unwrap();
        assert!(sol.converged(), "{:?}", sol.stop);
        for (g, w) in sol.x.iter().zip(&want) {
            assert!((g - w).abs() < 1e-10, "{g} vs {w}");
        }
    }
}

#[test]
fn variants_reach_the_same_minimizer_and_certify_it() {
    let (a, y) = problem(1);
    let lam = 0.1 * lambda_max(&a, &y);
    let runs = [
        ("fista", Fista::params()),
        ("fista-norestart", Fista::params().restart(false)),
        ("ista", Fista::ista().max_iter(100_000)),
        (
            "fista-backtracking",
            Fista::params().step(Step::Backtracking {
                initial_lipschitz: 1.0,
                increase: 2.0,
            }),
        ),
    ];
    let mut objectives = Vec::new();
    for (name, f) in runs {
        let sol = f
            .tol(1e-11)
            .max_iter(100_000)
            .solve_l1(&a, &y, lam)
            .unwrap();
        assert!(sol.converged(), "{name}: {:?}", sol.stop);
        assert!(
            sol.gap >= 0.0 && sol.gap <= 1e-11 * sol.objective,
            "{name}: gap {}",
            sol.gap
        );
        assert!(kkt_violation(&a, &y, &sol.x, lam) < 1e-4, "{name}");
        objectives.push((name, sol.objective, sol.iterations));
    }
    let best = objectives.iter().map(|o| o.1).fold(f64::INFINITY, f64::min);
    for (name, obj, _) in &objectives {
        assert!((obj - best) / best < 1e-8, "{name}: {obj} vs {best}");
    }
    // acceleration pays: FISTA needs far fewer iterations than ISTA
    assert!(objectives[0].2 * 3 < objectives[2].2, "{objectives:?}");
}

#[test]
fn history_and_observer() {
    let (a, y) = problem(2);
    let lam = 0.2 * lambda_max(&a, &y);
    let sol = Fista::params().solve_l1(&a, &y, lam).unwrap();
    let h = &sol.history;
    assert_eq!(h.len(), sol.iterations);
    assert!(h.elapsed.windows(2).all(|w| w[0] <= w[1]));
    assert!(h.gap.iter().filter(|g| !g.is_nan()).count() >= sol.iterations / 10);
    assert!(h.step.iter().all(|s| *s > 0.0));
    // the final gap is small; objectives decrease overall
    assert!(h.objective.last().unwrap() < &h.objective[0]);

    let mut seen = Vec::new();
    let sol = Fista::params()
        .record_history(false)
        .solve_l1_with(&a, &y, lam, None, &mut |p| {
            seen.push(p.iteration);
            if p.iteration == 5 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert_eq!(sol.stop, StopReason::Interrupted);
    assert_eq!(seen, vec![1, 2, 3, 4, 5]);
    assert!(sol.history.is_empty());
    assert!(sol.gap.is_finite()); // a final certificate even when interrupted
}

#[test]
fn lambda_above_lambda_max_gives_zero_at_once() {
    let (a, y) = problem(3);
    let lm = lambda_max(&a, &y);
    let sol = Fista::params().solve_l1(&a, &y, lm * 1.0001).unwrap();
    assert_eq!(sol.iterations, 0);
    assert!(sol.x.iter().all(|v| *v == 0.0));
    assert_eq!(sol.gap, 0.0);
    // just below λ_max: one nonzero
    let sol = Fista::params()
        .tol(1e-12)
        .solve_l1(&a, &y, lm * 0.999)
        .unwrap();
    assert_eq!(sol.x.iter().filter(|v| **v != 0.0).count(), 1);
}

#[test]
fn degenerate_inputs() {
    // zero matrix: λ_max = 0, x = 0
    let zero = DenseOp::new(DMatrix::<f64>::zeros(5, 7));
    let sol = Fista::params().solve_l1(&zero, &[1.0; 5], 0.1).unwrap();
    assert!(sol.x.iter().all(|v| *v == 0.0) && sol.converged());
    // λ = 0 on a zero matrix: nothing to do, converges
    let sol = Fista::params().solve_l1(&zero, &[1.0; 5], 0.0).unwrap();
    assert!(sol.x.iter().all(|v| *v == 0.0));
    // zero y
    let (a, _) = problem(4);
    let sol = Fista::params().solve_l1(&a, &[0.0; 60], 0.5).unwrap();
    assert!(sol.x.iter().all(|v| *v == 0.0) && sol.iterations == 0);
    // duplicate columns: the objective is still minimized (split weight is fine)
    let mut m = DMatrix::<f64>::from_column_slice(20, 10, &random_vec::<f64>(200, 5));
    let c0 = m.column(0).clone_owned();
    m.set_column(1, &c0);
    let dup = DenseOp::new(m);
    let y: Vec<f64> = random_vec(20, 6);
    let lam = 0.1 * lambda_max(&dup, &y);
    let sol = Fista::params()
        .tol(1e-12)
        .max_iter(50_000)
        .solve_l1(&dup, &y, lam)
        .unwrap();
    assert!(sol.converged());
    assert!(kkt_violation(&dup, &y, &sol.x, lam) < 1e-5);
    // NaN / wrong shapes / bad parameters are errors
    let mut bad = vec![1.0; 60];
    bad[7] = f64::NAN;
    let e = Fista::params().solve_l1(&a, &bad, 0.1).unwrap_err();
    assert!(
        matches!(e, Error::NonFinite { .. }) && e.to_string().contains("7"),
        "{e}"
    );
    assert!(matches!(
        Fista::params().solve_l1(&a, &[1.0; 59], 0.1),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(Fista::params().solve_l1(&a, &[1.0; 60], -1.0).is_err());
    assert!(Fista::params().solve_l1(&a, &[1.0; 60], f64::NAN).is_err());
    assert!(
        Fista::params()
            .tol(0.0)
            .solve_l1(&a, &[1.0; 60], 0.1)
            .is_err()
    );
    assert!(
        Fista::params()
            .max_iter(0)
            .solve_l1(&a, &[1.0; 60], 0.1)
            .is_err()
    );
    assert!(
        Fista::params()
            .step(Step::Fixed(-1.0))
            .solve_l1(&a, &[1.0; 60], 0.1)
            .is_err()
    );
    let l1 = cstk_solvers::prox::L1::new(0.1);
    assert!(
        Fista::params()
            .criterion(Criterion::Gap)
            .solve(&a, &[1.0; 60], &l1)
            .is_err()
    );
}

#[test]
fn too_large_a_step_is_reported_as_divergence() {
    let (a, y) = problem(5);
    let l = cstk_linop::opnorm_est(&a).unwrap().powi(2);
    let sol = Fista::ista()
        .step(Step::Fixed(5.0 / l))
        .max_iter(10_000)
        .solve_l1(&a, &y, 1e-3)
        .unwrap();
    assert!(
        matches!(
            sol.stop,
            StopReason::Diverged {
                what: "objective",
                ..
            }
        ),
        "{:?}",
        sol.stop
    );
}

#[test]
fn complex_fista_recovers_a_wavelet_sparse_image_from_partial_fourier() {
    let (ny, nx) = (32, 32);
    let w = Dwt2::<C64>::new(ny, nx, Wavelet::new("db4").unwrap(), 2).unwrap();
    // 30 nonzero complex wavelet coefficients
    let z = sparse_signal::<C64>(ny * nx, 30, Amplitude::Gaussian, 11)
        .unwrap()
        .x;
    let x_true = w.adjoint_vec(&z);
    let mask = MaskParams::new(MaskKind::VdRandom, ny, nx, 2.5)
        .acs(6)
        .seed(3)
        .generate()
        .unwrap();
    let a = mask
        .to_restriction()
        .compose(Fft2::<f64>::new(ny, nx, true).unwrap())
        .unwrap();
    let y = a.apply_vec(&x_true);
    let lam = 1e-4 * lambda_max_synthesis(&a, &w, &y);
    let sol = Fista::params()
        .tol(1e-9)
        .max_iter(5_000)
        .solve_l1_synthesis(&a, &w, &y, lam)
        .unwrap();
    assert!(sol.converged(), "{:?} after {}", sol.stop, sol.iterations);
    let err: f64 = sol
        .x
        .iter()
        .zip(&x_true)
        .map(|(u, v)| (u - v).norm_sqr())
        .sum::<f64>()
        .sqrt();
    let nrm: f64 = x_true.iter().map(|v| v.norm_sqr()).sum::<f64>().sqrt();
    println!(
        "{} iterations, relative error {}",
        sol.iterations,
        err / nrm
    );
    assert!(err / nrm < 1e-3, "relative error {}", err / nrm);
    // the zero-filled reconstruction is far worse
    let zf = a.adjoint_vec(&y);
    let zf_err: f64 = zf
        .iter()
        .zip(&x_true)
        .map(|(u, v)| (u - v).norm_sqr())
        .sum::<f64>()
        .sqrt();
    assert!(zf_err / nrm > 0.1);
}

#[test]
fn identity_prox_problem_and_warm_start() {
    let sol = Fista::params()
        .solve(
            &Identity::new(3),
            &[2.0f64, -0.5, 1.0],
            &cstk_solvers::prox::L1::new(1.0),
        )
        .unwrap();
    assert!(sol.converged());
    assert!((sol.x[0] - 1.0).abs() < 1e-6 && sol.x[1] == 0.0 && sol.x[2].abs() < 1e-6);
    // a warm start at the solution converges at once
    let (a, y) = problem(6);
    let lam = 0.1 * lambda_max(&a, &y);
    let cold = Fista::params().tol(1e-10).solve_l1(&a, &y, lam).unwrap();
    let warm = Fista::params()
        .tol(1e-10)
        .solve_l1_with(&a, &y, lam, Some(&cold.x), &mut |_| {
            ControlFlow::Continue(())
        })
        .unwrap();
    assert!(warm.iterations <= 10, "{}", warm.iterations);
}

#[test]
fn no_allocation_per_iteration() {
    let (a, y) = problem(7);
    let lam = 0.1 * lambda_max(&a, &y);
    let count = |iters: usize| {
        in_pool(1, || {
            allocation_counter::measure(|| {
                let f = Fista::params()
                    .record_history(false)
                    .criterion(Criterion::RelativeChange)
                    .tol(1e-300)
                    .step(Step::Fixed(1e-3))
                    .max_iter(iters);
                let _ = f.solve_l1(&a, &y, lam).unwrap();
            })
            .count_total
        })
    };
    assert_eq!(count(10), count(200));
}
