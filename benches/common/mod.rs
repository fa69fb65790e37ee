//! Helpers shared by the criterion benches (each bench uses its own subset).

#![allow(dead_code)]

use cstk::linop::CsrMatrix;
use cstk::linop::io::npy::{read_npy_matrix, read_npy_vector};
use cstk::measure::DenseEnsemble;
use cstk::measure::signals::{Amplitude, add_noise, sparse_signal};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

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

/// An `m × n` CSR with `per_row` distinct uniformly random columns in each row and values
/// uniform in [−1, 1) (the SpMV benches' matrix; seeded).
pub fn random_csr(m: usize, n: usize, per_row: usize, seed: u64) -> CsrMatrix<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut indptr = Vec::with_capacity(m + 1);
    let mut indices = Vec::with_capacity(m * per_row);
    let mut data = Vec::with_capacity(m * per_row);
    indptr.push(0);
    let mut row: Vec<u32> = Vec::with_capacity(per_row);
    for _ in 0..m {
        row.clear();
        while row.len() < per_row.min(n) {
            let j = rng.random_range(0..n as u32);
            if !row.contains(&j) {
                row.push(j);
            }
        }
        row.sort_unstable();
        indices.extend_from_slice(&row);
        data.extend((0..row.len()).map(|_| rng.random_range(-1.0..1.0)));
        indptr.push(indices.len());
    }
    CsrMatrix::try_from_raw_parts(m, n, indptr, indices, data).expect("valid CSR")
}
