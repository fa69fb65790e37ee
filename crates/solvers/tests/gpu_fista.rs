//! The device-resident FISTA against the CPU solver (feature `cuda`). Without a GPU these
//! tests print why they are skipped and pass; the loop itself is checked against the CPU
//! solver on every machine by the unit tests of `cstk_solvers::gpu`.
#![cfg(feature = "cuda")]

use cstk_linop::gpu::{GpuCsr, SpmvEngine};
use cstk_linop::testing::{gpu_or_skip, random_sparse, rel_err, skip};
use cstk_linop::{CsrMatrix, LinOp};
use cstk_solvers::StopReason;
use cstk_solvers::fista::{Criterion, Fista, Step, lambda_max};

#[test]
fn gpu_fista_equals_cpu_fista_within_1e_10() {
    let Some(g) = gpu_or_skip("gpu_fista_equals_cpu_fista") else {
        return;
    };
    for (m, n, per_row, power_law) in [(2000, 6000, 20, false), (3000, 8000, 30, true)] {
        let a = random_sparse(m, n, per_row, power_law, 3);
        let truth: Vec<f64> = (0..n)
            .map(|i| if i % 97 == 0 { 1.0 } else { 0.0 })
            .collect();
        let y = a.apply_vec(&truth);
        let lmax = lambda_max(&a, &y);
        for engine in [SpmvEngine::Kernels, SpmvEngine::Cusparse] {
            let Ok(d) = GpuCsr::upload(&g, &a).unwrap().with_engine(engine) else {
                skip(&format!("{engine:?}: skipped (cuSPARSE not found)"));
                continue;
            };
            for (p, frac) in [
                (Fista::params().tol(1e-10).max_iter(5000), 0.05),
                (
                    Fista::params()
                        .tol(1e-9)
                        .criterion(Criterion::RelativeChange)
                        .max_iter(5000),
                    0.2,
                ),
                (Fista::ista().tol(1e-8).max_iter(300), 0.1),
                (Fista::params().step(Step::Fixed(1e-3)).max_iter(300), 0.1),
            ] {
                let lam = frac * lmax;
                let cpu = p.solve_l1(&a, &y, lam).unwrap();
                let dev = p.solve_l1_gpu(&d, &y, lam).unwrap();
                assert!(cpu.iterations > 10);
                assert_eq!(cpu.stop, dev.stop, "{engine:?} {p:?}");
                assert!(
                    rel_err(&dev.x, &cpu.x) <= 1e-10,
                    "{engine:?} {m}×{n} power-law {power_law} {p:?}: {:.2e}",
                    rel_err(&dev.x, &cpu.x)
                );
                assert!((dev.objective - cpu.objective).abs() <= 1e-10 * cpu.objective);
            }
        }
    }
}

#[test]
fn gpu_fista_solves_a_known_problem_and_is_deterministic() {
    let Some(g) = gpu_or_skip("gpu_fista_known_problem") else {
        return;
    };
    // A = I: the LASSO's solution is the soft threshold of y
    let d = GpuCsr::upload(&g, &CsrMatrix::<f64>::identity(1000)).unwrap();
    let y: Vec<f64> = (0..1000).map(|i| (i as f64 - 500.0) / 100.0).collect();
    let sol = Fista::params()
        .tol(1e-14)
        .solve_l1_gpu(&d, &y, 1.0)
        .unwrap();
    assert_eq!(sol.stop, StopReason::Converged);
    for (xi, yi) in sol.x.iter().zip(&y) {
        let want = yi.signum() * (yi.abs() - 1.0).max(0.0);
        assert!((xi - want).abs() < 1e-10, "{xi} vs {want}");
    }
    let a = random_sparse(500, 1500, 10, false, 8);
    let y = a.apply_vec(&vec![0.5; 1500]);
    let d = GpuCsr::upload(&g, &a).unwrap();
    let p = Fista::params().tol(1e-8);
    let (s1, s2) = (
        p.solve_l1_gpu(&d, &y, 1.0).unwrap(),
        p.solve_l1_gpu(&d, &y, 1.0).unwrap(),
    );
    assert_eq!(s1.x, s2.x, "bit-identical on a rerun");
}
