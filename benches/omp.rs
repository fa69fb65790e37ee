//! Orthogonal Matching Pursuit with k = 50 atoms on a 1,000 × 5,000 Gaussian `f64` dictionary
//! (N(0, 1/m) entries, `DenseEnsemble::Gaussian`, seed 1), `y = A x + 0.01·e` with `x`
//! 50-sparse (N(0, 1) values, seed 2) and `e` standard normal (seed 3), on 1 and 2 threads.
//! Also `omp_gram` (precomputed `AᵀA`, `Aᵀ Y`) for 16 signals sharing the dictionary.
//! `benches/peers/omp_sklearn.py` times scikit-learn's `OrthogonalMatchingPursuit` (and
//! `orthogonal_mp_gram`) on the same problem: set `CSTK_BENCH_DUMP=DIR` to have this bench
//! write `DIR/a.npy` and `DIR/y.npy`, and pass `--data DIR` to the script.
//!
//! Run: `cargo bench --bench omp` (set `CSTK_BENCH_M`, `CSTK_BENCH_N`, `CSTK_BENCH_K` to
//! change the size).

mod common;

use common::env_or;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use cstk::linop::io::npy::{NpyOrder, write_npy_matrix, write_npy_vector};
use cstk::linop::nalgebra::DMatrix;
use cstk::measure::DenseEnsemble;
use cstk::measure::signals::{Amplitude, sparse_signal};
use cstk::solvers::omp::{Omp, omp_gram};
use std::hint::black_box;
use std::path::Path;

fn bench_omp(c: &mut Criterion) {
    let (m, n, k) = (
        env_or("CSTK_BENCH_M", 1000),
        env_or("CSTK_BENCH_N", 5000),
        env_or("CSTK_BENCH_K", 50),
    );
    let a = DenseEnsemble::Gaussian
        .matrix::<f64>(m, n, 1)
        .expect("matrix");
    let x = sparse_signal::<f64>(n, k, Amplitude::Gaussian, 2).expect("signal");
    let e = sparse_signal::<f64>(m, m, Amplitude::Gaussian, 3)
        .expect("noise")
        .x;
    let ax = &a * DMatrix::from_column_slice(n, 1, &x.x);
    let y: Vec<f64> = ax.iter().zip(&e).map(|(v, e)| v + 0.01 * e).collect();
    if let Ok(dir) = std::env::var("CSTK_BENCH_DUMP") {
        let dir = Path::new(&dir);
        std::fs::create_dir_all(dir).expect("dump dir");
        write_npy_matrix(&dir.join("a.npy"), &a, NpyOrder::Fortran).expect("a.npy");
        write_npy_vector(&dir.join("y.npy"), &y).expect("y.npy");
    }
    let params = Omp::params().n_nonzero(k);
    let sol = params.solve(&a, &y).expect("omp");
    let found = x.support.iter().filter(|&&j| sol.x[j] != 0.0).count();
    eprintln!(
        "omp {m}x{n} k={k}: {found}/{k} true atoms found, ‖r‖² = {:.4e}",
        sol.objective
    );

    let mut group = c.benchmark_group(format!("omp_f64_{m}x{n}_k{k}"));
    group.sample_size(20);
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        group.bench_with_input(BenchmarkId::new("solve", threads), &threads, |b, _| {
            pool.install(|| b.iter(|| params.solve(black_box(&a), black_box(&y)).expect("omp")))
        });
    }
    group.finish();

    // the Gram variant: 16 signals y_i = y + 0.01·i·e_shifted, Gram data precomputed
    let p = 16;
    let ys = DMatrix::from_fn(m, p, |i, q| y[i] + 0.01 * (q as f64) * e[(i + 7 * q) % m]);
    let gram = a.transpose() * &a;
    let xty = a.transpose() * &ys;
    let mut group = c.benchmark_group(format!("omp_gram_f64_n{n}_k{k}_signals{p}"));
    group.sample_size(20);
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        group.bench_with_input(BenchmarkId::new("omp_gram", threads), &threads, |b, _| {
            pool.install(|| {
                b.iter(|| omp_gram(black_box(&gram), black_box(&xty), None, &params).expect("omp"))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_omp);
criterion_main!(benches);
