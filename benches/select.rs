//! Cross-validated LASSO (`cstk_ml::ElasticNetCv::lasso()`, scikit-learn's `LassoCV`) on the
//! problem of `benches/lasso.rs`: X 1,000 × 5,000 Gaussian, 50-sparse truth, 20 dB SNR
//! (`benches/common::lasso_problem`). 5 contiguous folds (`KFold(5)`) × 100 α on
//! `α_max · [1, 1e-3]`, tol 1e-4, intercept fitted, then the refit at the chosen α —
//! scikit-learn's defaults.
//!
//! `benches/peers/lassocv_sklearn.py` times `LassoCV(cv=KFold(5))` (sequential and
//! `n_jobs=-1`). For identical data: `python3 benches/peers/lasso_sklearn.py 1 --save /tmp`,
//! then `CSTK_LASSO_DATA=/tmp cargo bench --bench select` and
//! `python3 benches/peers/lassocv_sklearn.py 3 /tmp`.
//!
//! Run: `cargo bench --bench select`.

use criterion::{Criterion, criterion_group, criterion_main};
use cstk::ml::{ElasticNetCv, Features, Folds};
use std::hint::black_box;

mod common;

fn bench_select(c: &mut Criterion) {
    let (x, y) = common::lasso_problem();
    let (n, p) = x.shape();
    let features = Features::dense(x);
    let cv = ElasticNetCv::lasso().folds(Folds::kfold(5));
    let fit = cv.fit(&features, &y).expect("fit");
    let nnz = fit.coef.iter().filter(|&&c| c != 0.0).count();
    eprintln!(
        "LassoCV: α = {:.4e} (index {} of 100), {nnz} nonzeros",
        fit.alpha,
        fit.curve().index_min
    );
    let mut group = c.benchmark_group(format!("lassocv_{n}x{p}"));
    group.sample_size(10);
    group.bench_function("5fold_100alpha", |b| {
        b.iter(|| black_box(cv.fit(&features, &y).expect("fit")))
    });
    group.bench_function("5fold_100alpha_1thread", |b| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("pool");
        pool.install(|| b.iter(|| black_box(cv.fit(&features, &y).expect("fit"))))
    });
    group.finish();
}

criterion_group!(benches, bench_select);
criterion_main!(benches);
