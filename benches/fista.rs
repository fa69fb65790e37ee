//! FISTA's per-iteration overhead beyond its two operator products: 100 iterations of FISTA
//! on a 1,000 × 5,000 dense Gaussian A (fixed step, no history, no early stop) against 100
//! bare `A x` + `Aᵀ r` pairs on the same operator, on 1 and 2 threads. The overhead is
//! `fista / products − 1` (target: under 10%).
//!
//! Run: `cargo bench --bench fista`

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use cstk::linop::{LinOp, opnorm_est, testing::random_vec};
use cstk::measure::DenseEnsemble;
use cstk::solvers::fista::{Criterion as Stop, Fista, Step, lambda_max};
use std::hint::black_box;

const ITERS: usize = 100;

fn bench_fista(c: &mut Criterion) {
    let (m, n) = (1000, 5000);
    let a = DenseEnsemble::Gaussian
        .operator::<f64>(m, n, 1)
        .expect("matrix");
    let y: Vec<f64> = random_vec(m, 2);
    let lam = 0.1 * lambda_max(&a, &y);
    let step = 1.0 / opnorm_est(&a).expect("norm").powi(2);
    let fista = Fista::params()
        .max_iter(ITERS)
        .tol(1e-300)
        .criterion(Stop::RelativeChange)
        .step(Step::Fixed(step))
        .record_history(false);

    let mut group = c.benchmark_group(format!("fista_{m}x{n}_{ITERS}it"));
    group.sample_size(10);
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        group.bench_with_input(BenchmarkId::new("fista", threads), &threads, |b, _| {
            pool.install(|| b.iter(|| black_box(fista.solve_l1(&a, &y, lam).expect("solve"))))
        });
        let x: Vec<f64> = random_vec(n, 3);
        let mut ax = vec![0.0; m];
        let mut g = vec![0.0; n];
        group.bench_with_input(BenchmarkId::new("products", threads), &threads, |b, _| {
            pool.install(|| {
                b.iter(|| {
                    for _ in 0..ITERS {
                        a.apply(black_box(&x), &mut ax);
                        a.adjoint(black_box(&ax), &mut g);
                    }
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_fista);
criterion_main!(benches);
