//! ℓ₁ logistic regression ([`LogisticL1`], proximal Newton) against scikit-learn's
//! `LogisticRegression(l1_ratio=1)` with `solver="saga"` and `solver="liblinear"`.
//!
//! Problems:
//! - `dense`: X of `benches/lasso.rs` (1,000 × 5,000 Gaussian, `common::lasso_problem`),
//!   labels `y_i = 1` if `y_lasso_i > median(y_lasso)` else 0, where `y_lasso` is the lasso
//!   problem's noisy response `X w* + noise` (500 ones; the median is the mean of the two
//!   middle values, NumPy's `np.median`). scikit-learn's `C = 0.5` (α = 1/(nC) = 2e-3,
//!   ~15 nonzeros).
//! - `breast_cancer`: scikit-learn's breast-cancer data (569 × 30), standardized with
//!   `StandardScaler`, `C = 0.1`. Read from `DIR/logistic_bc_X.npy` and
//!   `DIR/logistic_bc_y.npy` (written by the peer script); skipped when
//!   `CSTK_LASSO_DATA` is unset or the files are absent.
//!
//! Cases: scikit-learn's saga semantics (free intercept, [`LogisticL1::from_sklearn_c`]) at
//! tol 1e-6 (on 1 and 2 threads for `dense`) and 1e-10, and liblinear's semantics (penalized
//! intercept, `intercept_scaling` 1, [`LogisticL1::liblinear`]) at tol 1e-6. cstk's `tol`
//! is a relative duality gap, scikit-learn's is not, so equal tols are not equal accuracy:
//! compare the objectives. Before timing, each case prints its nonzeros and its objective in
//! scikit-learn's scaling, `C Σ log(1 + exp(−ỹ z)) + ‖w‖₁` (+ |b| for liblinear), which is
//! `n·C` times cstk's objective.
//!
//! `benches/peers/logistic_sklearn.py` times scikit-learn on the same files and prints the
//! same objective:
//!
//! ```sh
//! python3 benches/peers/lasso_sklearn.py 1 --save DIR
//! python3 benches/peers/logistic_sklearn.py 3 DIR     # also writes DIR/logistic_bc_*.npy
//! CSTK_LASSO_DATA=DIR cargo bench --bench logistic
//! ```
//!
//! Run: `cargo bench --bench logistic` (dense problem on cstk's own draw only).

use criterion::{
    BenchmarkGroup, Criterion, criterion_group, criterion_main, measurement::WallTime,
};
use cstk::linop::io::npy::{read_npy_matrix, read_npy_vector};
use cstk::solvers::logistic::LogisticL1;
use nalgebra::DMatrix;
use std::hint::black_box;

mod common;

/// scikit-learn's C for the dense problem.
const DENSE_C: f64 = 0.5;
/// scikit-learn's C for the breast-cancer problem.
const BC_C: f64 = 0.1;

/// Labels of the dense problem: 1 where `y_lasso` exceeds its median (NumPy's: the mean of
/// the two middle values for even length), else 0.
fn labels_above_median(y_lasso: &[f64]) -> Vec<f64> {
    let mut s = y_lasso.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    let median = if s.len().is_multiple_of(2) {
        (s[m - 1] + s[m]) / 2.0
    } else {
        s[m]
    };
    y_lasso
        .iter()
        .map(|&v| if v > median { 1.0 } else { 0.0 })
        .collect()
}

/// The breast-cancer files from `CSTK_LASSO_DATA`, if present.
fn breast_cancer() -> Option<(DMatrix<f64>, Vec<f64>)> {
    let Ok(dir) = std::env::var("CSTK_LASSO_DATA") else {
        eprintln!("breast_cancer: skipped (set CSTK_LASSO_DATA=DIR, see the module docs)");
        return None;
    };
    let dir = std::path::Path::new(&dir);
    let (xp, yp) = (dir.join("logistic_bc_X.npy"), dir.join("logistic_bc_y.npy"));
    if !(xp.exists() && yp.exists()) {
        eprintln!(
            "breast_cancer: skipped ({} absent; run benches/peers/logistic_sklearn.py with DIR)",
            xp.display()
        );
        return None;
    }
    let x = read_npy_matrix::<f64>(&xp).expect("logistic_bc_X.npy");
    let y = read_npy_vector::<f64>(&yp).expect("logistic_bc_y.npy");
    Some((x, y))
}

/// Fits once and prints nonzeros and the objective in scikit-learn's scaling.
fn report(name: &str, model: &LogisticL1, c: f64, x: &DMatrix<f64>, y: &[f64]) {
    let fit = model.fit(x, y).expect("fit");
    let nnz = fit.coef.iter().filter(|&&w| w != 0.0).count();
    let sk_obj = x.nrows() as f64 * c * fit.objective;
    eprintln!(
        "{name}: {nnz} nonzeros, intercept {:.6}, sklearn objective {sk_obj:.10e} \
         (cstk {:.6e}, gap {:.2e}), {} Newton steps, {}",
        fit.intercept, fit.objective, fit.dual_gap, fit.n_iter, fit.stop
    );
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool")
}

/// Reports and times the three cases of one problem (`threads`: extra pool sizes for the
/// first case).
fn cases(
    group: &mut BenchmarkGroup<'_, WallTime>,
    prefix: &str,
    c: f64,
    x: &DMatrix<f64>,
    y: &[f64],
    threads: &[usize],
) {
    let n = x.nrows();
    let saga6 = LogisticL1::from_sklearn_c(c, n).tol(1e-6);
    let saga10 = LogisticL1::from_sklearn_c(c, n).tol(1e-10);
    let liblinear6 = LogisticL1::liblinear(c, n, 1.0).tol(1e-6);
    let named = [
        ("saga_tol1e-6", &saga6),
        ("saga_tol1e-10", &saga10),
        ("liblinear_tol1e-6", &liblinear6),
    ];
    for (name, model) in named {
        report(&format!("{prefix} {name}"), model, c, x, y);
    }
    for (name, model) in named {
        group.bench_function(name, |b| {
            b.iter(|| black_box(model.fit(x, y).expect("fit")))
        });
    }
    for &t in threads {
        let suffix = if t == 1 { "thread" } else { "threads" };
        let pool = pool(t);
        group.bench_function(format!("saga_tol1e-6_{t}{suffix}"), |b| {
            pool.install(|| b.iter(|| black_box(saga6.fit(x, y).expect("fit"))))
        });
    }
}

fn bench_logistic(c: &mut Criterion) {
    let (x, y_lasso) = common::lasso_problem();
    let y = labels_above_median(&y_lasso);
    let (n, p) = x.shape();
    let mut group = c.benchmark_group(format!("logistic_{n}x{p}"));
    group.sample_size(10);
    cases(&mut group, "dense", DENSE_C, &x, &y, &[1, 2]);
    group.finish();

    if let Some((x, y)) = breast_cancer() {
        let (n, p) = x.shape();
        let mut group = c.benchmark_group(format!("logistic_breast_cancer_{n}x{p}"));
        cases(&mut group, "breast_cancer", BC_C, &x, &y, &[]);
        group.finish();
    }
}

criterion_group!(benches, bench_logistic);
criterion_main!(benches);
