//! The device-resident FISTA against the CPU solver (feature `cuda`). Without a GPU these
//! tests print why they are skipped and pass; the loop itself is checked against the CPU
//! solver on every machine by the unit tests of `cstk_solvers::gpu`.
#![cfg(feature = "cuda")]

use cstk_linop::gpu::{Gpu, GpuCsr, SpmvEngine};
use cstk_linop::{CooMatrix, CsrMatrix, LinOp};
use cstk_solvers::StopReason;
use cstk_solvers::fista::{Criterion, Fista, Step, lambda_max};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

/// Says why a test is skipped on the real stderr (libtest captures `eprintln!` of passing
/// tests, which would hide it).
fn skip(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{msg}");
}

fn device(test: &str) -> Option<Arc<Gpu>> {
    match Gpu::new(0) {
        Ok(g) => Some(g),
        Err(e) => {
            skip(&format!("{test}: skipped, no usable GPU ({e})"));
            None
        }
    }
}

/// `m × n`, ~`per_row` nonzeros per row; `power_law`: Pareto row lengths (some rows of
/// thousands of entries), as in web graphs or bag-of-words designs.
fn matrix(m: usize, n: usize, per_row: usize, power_law: bool, seed: u64) -> CsrMatrix<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut r, mut c, mut v) = (vec![], vec![], vec![]);
    for i in 0..m {
        let len = if power_law {
            let u: f64 = rng.random_range(1e-4..1.0);
            ((per_row as f64 / 3.0) * u.powf(-1.0 / 1.2)).clamp(1.0, n as f64) as usize
        } else {
            per_row
        };
        for _ in 0..len {
            r.push(i);
            c.push(rng.random_range(0..n));
            v.push(rng.random_range(-1.0..1.0));
        }
    }
    CooMatrix::try_from_triplets(m, n, r, c, v)
        .unwrap()
        .to_csr()
}

fn rel(a: &[f64], b: &[f64]) -> f64 {
    let d: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt();
    d / b
        .iter()
        .map(|y| y * y)
        .sum::<f64>()
        .sqrt()
        .max(f64::MIN_POSITIVE)
}

#[test]
fn gpu_fista_equals_cpu_fista_within_1e_10() {
    let Some(g) = device("gpu_fista_equals_cpu_fista") else {
        return;
    };
    for (m, n, per_row, power_law) in [(2000, 6000, 20, false), (3000, 8000, 30, true)] {
        let a = matrix(m, n, per_row, power_law, 3);
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
                    rel(&dev.x, &cpu.x) <= 1e-10,
                    "{engine:?} {m}×{n} power-law {power_law} {p:?}: {:.2e}",
                    rel(&dev.x, &cpu.x)
                );
                assert!((dev.objective - cpu.objective).abs() <= 1e-10 * cpu.objective);
            }
        }
    }
}

#[test]
fn gpu_fista_solves_a_known_problem_and_is_deterministic() {
    let Some(g) = device("gpu_fista_known_problem") else {
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
    let a = matrix(500, 1500, 10, false, 8);
    let y = a.apply_vec(&vec![0.5; 1500]);
    let d = GpuCsr::upload(&g, &a).unwrap();
    let p = Fista::params().tol(1e-8);
    let (s1, s2) = (
        p.solve_l1_gpu(&d, &y, 1.0).unwrap(),
        p.solve_l1_gpu(&d, &y, 1.0).unwrap(),
    );
    assert_eq!(s1.x, s2.x, "bit-identical on a rerun");
}
