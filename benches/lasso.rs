//! Coordinate-descent LASSO on a compressed-sensing problem: X 1,000 × 5,000 Gaussian
//! (N(0, 1/n), cstk's `DenseEnsemble::Gaussian`, seed 1), a 50-sparse ±1 truth (seed 2) and
//! white noise at 20 dB SNR (seed 3).
//!
//! - `path`: [`LassoPath`] with 100 α on `α_max · [1, 1e-3]`, tol 1e-4, no intercept
//!   (scikit-learn's `lasso_path` defaults), with working sets + screening (the default) and
//!   with scikit-learn's own iteration (`working_sets: false`).
//! - `single`: one α = α_max / 20 (~50–100 nonzeros), tol 1e-6, intercept fitted
//!   (scikit-learn's `Lasso` defaults otherwise).
//!
//! `benches/peers/lasso_sklearn.py` times scikit-learn's `lasso_path` and `Lasso` and celer's
//! `Lasso` on a problem of the same distribution that it draws itself with NumPy (the two do
//! not share files by default, so the data differ in the draw, not in distribution). For the
//! very same data: `python3 benches/peers/lasso_sklearn.py 5 --save /tmp` writes
//! `/tmp/lasso_X.npy` and `/tmp/lasso_y.npy`, and `CSTK_LASSO_DATA=/tmp cargo bench --bench
//! lasso` reads them instead of drawing.
//!
//! Run: `cargo bench --bench lasso`.

use criterion::{Criterion, criterion_group, criterion_main};
use cstk::solvers::cd::{ElasticNet, LassoPath, alpha_max};
use std::hint::black_box;

mod common;

const N: usize = 1000;
const P: usize = 5000;

fn bench_lasso(c: &mut Criterion) {
    let (x, y) = common::lasso_problem();
    let alpha = alpha_max(&x, &y, 1.0, true).expect("alpha_max") / 20.0;
    let single = ElasticNet::lasso(alpha).tol(1e-6).max_iter(100_000);
    let fit = single.fit(&x, &y).expect("fit");
    let nnz = fit.coef.iter().filter(|&&c| c != 0.0).count();
    eprintln!(
        "single α = {alpha:.4e}: {nnz} nonzeros, {} epochs, {}",
        fit.n_iter, fit.stop
    );

    let mut group = c.benchmark_group(format!("lasso_{N}x{P}"));
    group.sample_size(10);
    group.bench_function("path_100", |b| {
        b.iter(|| black_box(LassoPath::default().fit(&x, &y).expect("path")))
    });
    group.bench_function("path_100_sklearn_iteration", |b| {
        b.iter(|| {
            black_box(
                LassoPath::default()
                    .working_sets(false)
                    .fit(&x, &y)
                    .expect("path"),
            )
        })
    });
    group.bench_function("single_tol1e-6", |b| {
        b.iter(|| black_box(single.fit(&x, &y).expect("fit")))
    });
    group.bench_function("single_tol1e-6_sklearn_iteration", |b| {
        b.iter(|| black_box(single.clone().working_sets(false).fit(&x, &y).expect("fit")))
    });
    group.bench_function("single_tol1e-6_1thread", |b| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("pool");
        pool.install(|| b.iter(|| black_box(single.fit(&x, &y).expect("fit"))))
    });
    group.finish();
}

criterion_group!(benches, bench_lasso);
criterion_main!(benches);
