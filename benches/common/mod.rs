//! Helpers shared by the criterion benches (each bench uses its own subset).

#![allow(dead_code)]

use cstk::linop::io::npy::{read_npy_matrix, read_npy_vector};
use cstk::measure::DenseEnsemble;
use cstk::measure::signals::{Amplitude, add_noise, sparse_signal};

/// The environment variable `key` parsed as `T`, or `default` when it is unset or does not
/// parse (the benches take their sizes and parameters this way).
pub fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// The LASSO benchmark problem of `benches/lasso.rs` and `benches/select.rs`: X 1,000 × 5,000
/// Gaussian (N(0, 1/n), cstk's `DenseEnsemble::Gaussian`, seed 1), a 50-sparse ±1 truth
/// (seed 2) and white noise at 20 dB SNR (seed 3) — or, when `CSTK_LASSO_DATA=DIR` is set,
/// `DIR/lasso_X.npy` and `DIR/lasso_y.npy` as written by `benches/peers/lasso_sklearn.py
/// --save DIR` (then cstk and scikit-learn time exactly the same data).
pub fn lasso_problem() -> (nalgebra::DMatrix<f64>, Vec<f64>) {
    const N: usize = 1000;
    const P: usize = 5000;
    if let Ok(dir) = std::env::var("CSTK_LASSO_DATA") {
        let dir = std::path::Path::new(&dir);
        let x = read_npy_matrix::<f64>(&dir.join("lasso_X.npy")).expect("lasso_X.npy");
        let y = read_npy_vector::<f64>(&dir.join("lasso_y.npy")).expect("lasso_y.npy");
        eprintln!("data from {}: {} × {}", dir.display(), x.nrows(), x.ncols());
        return (x, y);
    }
    let x = DenseEnsemble::Gaussian
        .matrix::<f64>(N, P, 1)
        .expect("matrix");
    let w = sparse_signal::<f64>(P, 50, Amplitude::Rademacher, 2).expect("signal");
    let clean = &x * nalgebra::DVector::from_vec(w.x);
    let y = add_noise(clean.as_slice(), 20.0, 3).expect("noise").y;
    (x, y)
}
