//! ADMM basis pursuit: exact recovery of sparse signals, optimality against a known
//! minimizer and against linear-programming references (SciPy/HiGHS, `data/admm`), the
//! certified finish, nonnegative basis pursuit, complex and `f32` data, bad inputs.

mod common;

use common::{json_data, rel_err, vecf};
use cstk_measure::DenseEnsemble;
use cstk_measure::signals::{Amplitude, sparse_signal};
use cstk_solvers::admm::AdmmBp;
use cstk_solvers::{Error, StopReason};
use nalgebra::{DMatrix, DVector};
use num_complex::Complex;

#[test]
fn recovers_sparse_signals_exactly() {
    for seed in 0..5 {
        let (m, n, k) = (80, 200, 10);
        let a = DenseEnsemble::Gaussian.matrix::<f64>(m, n, seed).unwrap();
        let x = sparse_signal::<f64>(n, k, Amplitude::Gaussian, seed)
            .unwrap()
            .x;
        let y = (&a * nalgebra::DVector::from_column_slice(&x))
            .as_slice()
            .to_vec();
        let sol = AdmmBp::params().solve(&a, &y).unwrap();
        assert!(sol.converged(), "seed {seed}: {:?}", sol.stop);
        assert!(
            rel_err(&sol.x, &x) < 1e-6,
            "seed {seed}: {}",
            rel_err(&sol.x, &x)
        );
        // feasibility of the returned iterate
        let r = &a * nalgebra::DVector::from_column_slice(&sol.x)
            - nalgebra::DVector::from_column_slice(&y);
        assert!(r.norm() < 1e-6 * nalgebra::DVector::from_column_slice(&y).norm());
    }
}

#[test]
fn complex_basis_pursuit() {
    let (m, n, k) = (60, 150, 6);
    let a = DenseEnsemble::Gaussian
        .matrix::<Complex<f64>>(m, n, 9)
        .unwrap();
    let x = sparse_signal::<Complex<f64>>(n, k, Amplitude::Gaussian, 9)
        .unwrap()
        .x;
    let y = (&a * nalgebra::DVector::from_column_slice(&x))
        .as_slice()
        .to_vec();
    let sol = AdmmBp::params().solve(&a, &y).unwrap();
    assert!(sol.converged());
    assert!(rel_err(&sol.x, &x) < 1e-6, "{}", rel_err(&sol.x, &x));
}

#[test]
fn minimizer_when_the_sparse_solution_is_not_unique_in_l0() {
    // x0 + x2 = 1, x1 + x2 = 1: feasible x = (1 − t, 1 − t, t), ‖x‖₁ = 2 − t for t ≤ 1,
    // minimized at t = 1 with value 1.
    let a = DMatrix::<f64>::from_row_slice(2, 3, &[1.0, 0.0, 1.0, 0.0, 1.0, 1.0]);
    let sol = AdmmBp::params().solve(&a, &[1.0, 1.0]).unwrap();
    assert!((sol.objective - 1.0).abs() < 1e-7);
    assert!((sol.x[2] - 1.0).abs() < 1e-7);
    assert_eq!(sol.history.len(), sol.iterations);
}

#[test]
fn bad_inputs() {
    let a = DMatrix::from_row_slice(2, 3, &[1.0, 2.0, 3.0, 2.0, 4.0, 6.0]); // rank 1
    let e = AdmmBp::params().solve(&a, &[1.0, 2.0]).unwrap_err();
    assert!(e.to_string().contains("full row rank"), "{e}");
    let a = DMatrix::from_row_slice(2, 3, &[1.0, 0.0, 1.0, 0.0, 1.0, 1.0]);
    assert!(matches!(
        AdmmBp::params().solve(&a, &[1.0]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        AdmmBp::params().solve(&a, &[1.0, f64::NAN]),
        Err(Error::NonFinite { .. })
    ));
    let mut bad = a.clone();
    bad[(1, 1)] = f64::INFINITY;
    assert!(matches!(
        AdmmBp::params().solve(&bad, &[1.0, 1.0]),
        Err(Error::NonFinite { .. })
    ));
    assert!(AdmmBp::params().rho(0.0).solve(&a, &[1.0, 1.0]).is_err());
    assert!(
        AdmmBp::params()
            .relaxation(2.0)
            .solve(&a, &[1.0, 1.0])
            .is_err()
    );
    let sol = AdmmBp::params().max_iter(3).solve(&a, &[1.0, 1.0]).unwrap();
    assert_eq!(sol.stop, StopReason::MaxIterations);
    // zero y: x = 0
    let sol = AdmmBp::params().solve(&a, &[0.0, 0.0]).unwrap();
    assert!(sol.x.iter().all(|v| *v == 0.0));
}

#[test]
fn generalized_lasso_matches_anisotropic_tv_by_chambolle_pock() {
    use cstk_linop::{Boundary, Gradient2, Identity};
    use cstk_solvers::admm::AdmmLasso;
    use cstk_solvers::tv::{TvKind, TvRegularized};
    let (ny, nx) = (8, 8);
    let y: Vec<f64> = cstk_linop::testing::random_vec(ny * nx, 4);
    let d = Gradient2::new(ny, nx, Boundary::Neumann).unwrap();
    let lam = 0.2;
    let admm = AdmmLasso::params()
        .tol(1e-12, 1e-10)
        .max_iter(20_000)
        .solve(&Identity::new(ny * nx), &d, &y, lam)
        .unwrap();
    assert!(admm.converged(), "{:?}", admm.stop);
    let cp = TvRegularized::params(ny, nx, lam)
        .kind(TvKind::Anisotropic)
        .tol(1e-12)
        .max_iter(100_000)
        .solve(&Identity::new(ny * nx), &y)
        .unwrap();
    assert!(
        (admm.objective - cp.objective).abs() < 1e-7 * cp.objective,
        "{} vs {}",
        admm.objective,
        cp.objective
    );
    let dx: f64 = admm
        .x
        .iter()
        .zip(&cp.x)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        .sqrt();
    assert!(dx < 1e-4, "{dx}");
}

#[test]
fn generalized_lasso_bad_inputs() {
    use cstk_linop::Identity;
    use cstk_solvers::admm::AdmmLasso;
    let id = Identity::new(3);
    assert!(matches!(
        AdmmLasso::params().solve(&id, &Identity::new(2), &[1.0f64; 3], 0.1),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        AdmmLasso::params().solve(&id, &id, &[1.0f64; 2], 0.1),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(
        AdmmLasso::params()
            .solve(&id, &id, &[1.0f64; 3], -0.1)
            .is_err()
    );
    assert!(
        AdmmLasso::params()
            .rho(0.0)
            .solve(&id, &id, &[1.0f64; 3], 0.1)
            .is_err()
    );
    assert!(matches!(
        AdmmLasso::params().solve(&id, &id, &[1.0, f64::NAN, 0.0], 0.1),
        Err(Error::NonFinite { .. })
    ));
}

/// `A` and the problems of `data/admm/reference.json` (see `make_reference.py`).
fn reference() -> (DMatrix<f64>, Vec<serde_json::Value>) {
    let d = json_data("admm/reference.json");
    let (m, n) = (
        d["m"].as_u64().unwrap() as usize,
        d["n"].as_u64().unwrap() as usize,
    );
    let a = DMatrix::from_row_slice(m, n, &vecf(&d["a_row_major"]));
    (a, d["problems"].as_array().unwrap().clone())
}

fn problem<'a>(problems: &'a [serde_json::Value], name: &str) -> &'a serde_json::Value {
    problems.iter().find(|p| p["name"] == name).unwrap()
}

fn residual(a: &DMatrix<f64>, x: &[f64], y: &[f64]) -> f64 {
    (a * DVector::from_column_slice(x) - DVector::from_column_slice(y)).norm()
        / DVector::from_column_slice(y).norm()
}

#[test]
fn matches_linear_programming_optima() {
    let (a, problems) = reference();
    for p in &problems {
        let name = p["name"].as_str().unwrap();
        let y = vecf(&p["y"]);
        let mut cases = vec![(false, vecf(&p["x_bp"]), p["objective_bp"].as_f64().unwrap())];
        if p.get("x_nonneg").is_some() {
            cases.push((
                true,
                vecf(&p["x_nonneg"]),
                p["objective_nonneg"].as_f64().unwrap(),
            ));
        }
        for (nonneg, x_ref, obj_ref) in cases {
            // certified: exact
            let sol = AdmmBp::params()
                .nonnegative(nonneg)
                .max_iter(50_000)
                .solve(&a, &y)
                .unwrap();
            let tag = format!("{name} nonneg={nonneg}");
            assert_eq!(sol.stop, StopReason::Converged, "{tag}");
            assert!(sol.gap.is_finite(), "{tag}: not certified");
            assert!(
                (sol.objective - obj_ref).abs() <= 1e-9 * obj_ref,
                "{tag}: {} vs {obj_ref}",
                sol.objective
            );
            assert!(
                rel_err(&sol.x, &x_ref) <= 1e-7,
                "{tag}: {}",
                rel_err(&sol.x, &x_ref)
            );
            assert!(sol.gap <= 1e-9 * obj_ref, "{tag}: gap {}", sol.gap);
            assert!(residual(&a, &sol.x, &y) < 1e-12, "{tag}");
            if nonneg {
                assert!(sol.x.iter().all(|v| *v >= 0.0), "{tag}");
            }
            // plain ADMM, to tight tolerances: the same optimum
            let plain = AdmmBp::params()
                .nonnegative(nonneg)
                .certify(false)
                .tol(1e-13, 1e-12)
                .max_iter(100_000)
                .solve(&a, &y)
                .unwrap();
            assert!(plain.gap.is_nan(), "{tag}");
            // it gets there where its residuals settle; near the phase transition
            // (signed_k25, nonneg_k17 unconstrained) it is still ~1e-6 to 1e-5 off after
            // 100,000 iterations, and says so (the case for the certificate)
            let err = (plain.objective - obj_ref).abs() / obj_ref;
            if plain.converged() {
                assert!(err <= 1e-9, "{tag} plain: {err:e}");
                assert!(rel_err(&plain.x, &x_ref) <= 1e-7, "{tag} plain");
            } else {
                assert_eq!(plain.stop, StopReason::MaxIterations, "{tag}");
                assert!(err <= 1e-4, "{tag} plain: {err:e}");
            }
            assert!(
                sol.iterations * 20 < plain.iterations,
                "{tag}: {} vs {}",
                sol.iterations,
                plain.iterations
            );
        }
    }
    // the references are what they claim: BP recovers the 8-sparse x, not the 25-sparse one
    let x8 = vecf(&problem(&problems, "signed_k8")["x_true"]);
    assert!(rel_err(&vecf(&problem(&problems, "signed_k8")["x_bp"]), &x8) < 1e-12);
    let x25 = vecf(&problem(&problems, "signed_k25")["x_true"]);
    assert!(rel_err(&vecf(&problem(&problems, "signed_k25")["x_bp"]), &x25) > 0.1);
}

#[test]
fn certificate_stops_early_with_an_exact_solution() {
    let (m, n, k) = (80, 200, 20);
    let a = DenseEnsemble::Gaussian.matrix::<f64>(m, n, 3).unwrap();
    let x = sparse_signal::<f64>(n, k, Amplitude::Gaussian, 3)
        .unwrap()
        .x;
    let y = (&a * DVector::from_column_slice(&x)).as_slice().to_vec();
    let cert = AdmmBp::params().solve(&a, &y).unwrap();
    let plain = AdmmBp::params().certify(false).solve(&a, &y).unwrap();
    assert_eq!(cert.stop, StopReason::Converged);
    assert!(
        cert.gap.is_finite() && cert.gap <= 1e-12 * cert.objective,
        "{}",
        cert.gap
    );
    assert!(plain.gap.is_nan());
    assert!(
        cert.iterations < plain.iterations,
        "{} vs {}",
        cert.iterations,
        plain.iterations
    );
    // exact to rounding, where plain ADMM is only within its tolerance
    assert!(rel_err(&cert.x, &x) < 1e-13, "{}", rel_err(&cert.x, &x));
    assert!(rel_err(&plain.x, &x) > rel_err(&cert.x, &x));
    assert!(rel_err(&plain.x, &x) < 1e-6);
    let l1: f64 = x.iter().map(|v| v.abs()).sum();
    assert!((cert.objective - l1).abs() < 1e-13 * l1);
    assert_eq!(cert.history.len(), cert.iterations);
}

#[test]
fn complex_basis_pursuit_is_certified() {
    let (m, n, k) = (50, 128, 8);
    let a = DenseEnsemble::Gaussian
        .matrix::<Complex<f64>>(m, n, 21)
        .unwrap();
    let x = sparse_signal::<Complex<f64>>(n, k, Amplitude::Gaussian, 21)
        .unwrap()
        .x;
    let y = (&a * DVector::from_column_slice(&x)).as_slice().to_vec();
    let sol = AdmmBp::params().solve(&a, &y).unwrap();
    assert_eq!(sol.stop, StopReason::Converged);
    assert!(
        sol.gap.is_finite(),
        "not certified after {}",
        sol.iterations
    );
    assert!(rel_err(&sol.x, &x) < 1e-8, "{}", rel_err(&sol.x, &x));
    let l1: f64 = x.iter().map(|v| v.norm()).sum();
    assert!((sol.objective - l1).abs() < 1e-8 * l1);
    assert!(sol.gap <= 1e-9 * l1);
    // the same problem with the phases of x rotated: still certified, phases kept
    let rot = Complex::from_polar(1.0, 2.0);
    let yr: Vec<_> = y.iter().map(|v| v * rot).collect();
    let xr: Vec<_> = x.iter().map(|v| v * rot).collect();
    let sol = AdmmBp::params().solve(&a, &yr).unwrap();
    assert!(sol.gap.is_finite() && rel_err(&sol.x, &xr) < 1e-8);
}

#[test]
fn single_precision() {
    let (m, n, k) = (40, 100, 5);
    let a = DenseEnsemble::Gaussian.matrix::<f32>(m, n, 5).unwrap();
    let x = sparse_signal::<f32>(n, k, Amplitude::Gaussian, 5)
        .unwrap()
        .x;
    let y = (&a * DVector::from_column_slice(&x)).as_slice().to_vec();
    for certify in [true, false] {
        // (the default tolerances are below f32 rounding; the certificate does not need them)
        let sol = AdmmBp::params()
            .certify(certify)
            .tol(1e-7, 1e-6)
            .solve(&a, &y)
            .unwrap();
        assert!(sol.converged(), "certify={certify}: {:?}", sol.stop);
        assert!(
            rel_err(&sol.x, &x) < 1e-4,
            "certify={certify}: {}",
            rel_err(&sol.x, &x)
        );
        assert_eq!(sol.gap.is_finite(), certify);
    }
    let sol = AdmmBp::params()
        .nonnegative(true)
        .solve(&a, &y.iter().map(|_| 0.0f32).collect::<Vec<_>>())
        .unwrap();
    assert!(sol.x.iter().all(|v| *v == 0.0));
}

#[test]
fn nonnegative_basis_pursuit_beyond_the_signed_transition() {
    // m = 40, n = 100, k = 17 nonnegative: signed BP fails, nonnegative BP recovers x (LP)
    let (a, problems) = reference();
    let p = problem(&problems, "nonneg_k17");
    let (x, y) = (vecf(&p["x_true"]), vecf(&p["y"]));
    let signed = AdmmBp::params().solve(&a, &y).unwrap();
    assert!(rel_err(&signed.x, &x) > 0.05, "{}", rel_err(&signed.x, &x));
    assert!(signed.x.iter().any(|v| *v < 0.0));
    let sol = AdmmBp::params().nonnegative(true).solve(&a, &y).unwrap();
    assert_eq!(sol.stop, StopReason::Converged);
    assert!(sol.gap.is_finite() && sol.gap <= 1e-12 * sol.objective);
    assert!(rel_err(&sol.x, &x) < 1e-12, "{}", rel_err(&sol.x, &x));
    let sum: f64 = x.iter().sum();
    assert!((sol.objective - sum).abs() < 1e-12 * sum);
    // more sparse: recovers from Gaussian ensembles too
    let (m, n, k) = (40, 100, 12);
    let a = DenseEnsemble::Gaussian.matrix::<f64>(m, n, 8).unwrap();
    let x: Vec<f64> = sparse_signal::<f64>(n, k, Amplitude::Gaussian, 8)
        .unwrap()
        .x
        .iter()
        .map(|v| v.abs())
        .collect();
    let y = (&a * DVector::from_column_slice(&x)).as_slice().to_vec();
    let sol = AdmmBp::params().nonnegative(true).solve(&a, &y).unwrap();
    assert!(sol.gap.is_finite() && rel_err(&sol.x, &x) < 1e-12);
    // A ≥ 0 entrywise and y ≤ 0: no x ≥ 0 solves A x = y, so nothing may be certified
    let a = a.map(f64::abs);
    let neg: Vec<f64> = (&a * DVector::from_column_slice(&x))
        .iter()
        .map(|v| -v)
        .collect();
    let sol = AdmmBp::params()
        .nonnegative(true)
        .max_iter(2000)
        .solve(&a, &neg)
        .unwrap();
    assert!(!sol.converged(), "{:?}", sol.stop);
    assert!(sol.gap.is_nan());
    assert!(sol.x.iter().all(|v| *v >= 0.0));
}

#[test]
fn nonnegative_rejects_complex_data() {
    let a = DMatrix::from_row_slice(1, 2, &[Complex::new(1.0, 0.0), Complex::new(0.0, 1.0)]);
    let e = AdmmBp::params()
        .nonnegative(true)
        .solve(&a, &[Complex::new(1.0, 0.0)])
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidParam {
                name: "nonnegative",
                ..
            }
        ),
        "{e}"
    );
    // f32 complex too; plain complex BP is fine
    let a32 = a.map(|v| Complex::new(v.re as f32, v.im as f32));
    assert!(
        AdmmBp::params()
            .nonnegative(true)
            .solve(&a32, &[Complex::new(1.0f32, 0.0)])
            .is_err()
    );
    assert!(
        AdmmBp::params()
            .solve(&a, &[Complex::new(1.0, 0.0)])
            .is_ok()
    );
}

#[test]
fn degenerate_inputs() {
    // y = 0: x = 0 at once, certified by ν = 0
    let a = DenseEnsemble::Gaussian.matrix::<f64>(10, 30, 1).unwrap();
    let sol = AdmmBp::params().solve(&a, &[0.0; 10]).unwrap();
    assert!(sol.x.iter().all(|v| *v == 0.0) && sol.x.len() == 30);
    assert_eq!(
        (sol.iterations, sol.stop.clone()),
        (0, StopReason::Converged)
    );
    assert_eq!((sol.objective, sol.gap), (0.0, 0.0));
    assert!(
        AdmmBp::params()
            .certify(false)
            .solve(&a, &[0.0; 10])
            .unwrap()
            .gap
            .is_nan()
    );
    // the rank check still comes first
    let rank1 = DMatrix::from_row_slice(2, 3, &[1.0, 2.0, 3.0, 2.0, 4.0, 6.0]);
    assert!(AdmmBp::params().solve(&rank1, &[0.0, 0.0]).is_err());

    // a whole segment of minimizers, x = (t, 2 − t): ADMM's symmetric iterate (1, 1) has a
    // support larger than m = 1, which is never certified (but is optimal)
    let a = DMatrix::<f64>::from_row_slice(1, 2, &[1.0, 1.0]);
    let sol = AdmmBp::params().solve(&a, &[2.0]).unwrap();
    assert!(sol.converged());
    assert!(sol.gap.is_nan());
    assert!((sol.objective - 2.0).abs() < 1e-7);
    assert!((sol.x[0] - 1.0).abs() < 1e-6 && (sol.x[1] - 1.0).abs() < 1e-6);

    // a duplicated column: the weight splits over both copies (A_S rank deficient), so the
    // certificate must not fire, and the optimum is still found
    let base = DenseEnsemble::Gaussian.matrix::<f64>(20, 50, 2).unwrap();
    let mut a = DMatrix::<f64>::zeros(20, 51);
    a.columns_mut(0, 50).copy_from(&base);
    a.column_mut(50).copy_from(&base.column(0));
    let mut x = vec![0.0; 50];
    x[0] = 1.5;
    x[7] = -2.0;
    x[30] = 0.7;
    let y = (&base * DVector::from_column_slice(&x)).as_slice().to_vec();
    let sol = AdmmBp::params().solve(&a, &y).unwrap();
    assert!(sol.converged());
    assert!((sol.objective - 4.2).abs() < 1e-6, "{}", sol.objective);
    assert!((sol.x[0] + sol.x[50] - 1.5).abs() < 1e-6);
    if sol.gap.is_finite() {
        // only possible if one copy was dropped exactly; then it must be a true optimum
        assert!(sol.x[0] == 0.0 || sol.x[50] == 0.0);
        assert!((sol.objective - 4.2).abs() < 1e-12);
    }

    // k > m: the signed minimizer's support has at most m entries and is certified exactly
    // when it is a true optimum (checked against the LP in matches_linear_programming_optima);
    // a larger support never is
    let (m, n) = (20, 60);
    let a = DenseEnsemble::Gaussian.matrix::<f64>(m, n, 4).unwrap();
    let x = sparse_signal::<f64>(n, 30, Amplitude::Gaussian, 4)
        .unwrap()
        .x;
    let y = (&a * DVector::from_column_slice(&x)).as_slice().to_vec();
    let sol = AdmmBp::params().solve(&a, &y).unwrap();
    if sol.gap.is_finite() {
        assert!(sol.x.iter().filter(|v| **v != 0.0).count() <= m);
        assert!(residual(&a, &sol.x, &y) < 1e-12);
        assert!(sol.objective <= x.iter().map(|v| v.abs()).sum::<f64>());
    }
}
