//! The sparse random ensemble: `s` nonzeros `±1/√s` per column (expander graphs, sparse
//! Johnson–Lindenstrauss).

use super::dense::check_dims;
use crate::rng::{self, Domain, coin, sample_indices};
use cstk_linop::{CscMatrix, Error, Result, Scalar};
use rayon::prelude::*;

/// An `m × n` sparse random matrix with exactly `s` nonzeros in every column, at rows drawn
/// uniformly without replacement, each `±1/√s` with a random sign — so every column has unit
/// norm. Stored CSC (one column per stream: `rng::stream(seed, Domain::SPARSE, j)`, filled in
/// parallel, bit-identical for any thread count); [`CscMatrix::to_csr`] gives the CSR form.
/// Entries are real even for complex `T`.
///
/// This is the adjacency matrix of a random left-`s`-regular bipartite graph (an expander with
/// high probability), the ensemble of sparse-JL embeddings and of sparse recovery with
/// expanders (Berinde, Gilbert, Indyk, Karloff & Strauss 2008).
///
/// # Errors
/// [`Error::InvalidParam`] if `m`, `n` or `s` is 0 or `s > m`.
///
/// ```
/// use cstk_measure::ensembles::sparse_random;
/// use cstk_linop::LinOp;
/// let a = sparse_random::<f64>(100, 400, 8, 5).unwrap();
/// assert_eq!(a.nnz(), 8 * 400);
/// assert!(a.data().iter().all(|v| (v.abs() - 8f64.sqrt().recip()).abs() < 1e-15));
/// let csr = a.to_csr(); // same matrix, row-compressed
/// assert_eq!(csr.apply_vec(&vec![1.0; 400]), a.apply_vec(&vec![1.0; 400]));
/// assert!(sparse_random::<f64>(10, 40, 11, 5).is_err());
/// ```
pub fn sparse_random<T: Scalar>(m: usize, n: usize, s: usize, seed: u64) -> Result<CscMatrix<T>> {
    check_dims(m, n)?;
    if s == 0 || s > m {
        return Err(Error::InvalidParam {
            name: "s",
            value: s.to_string(),
            expected: format!("nonzeros per column in 1..={m} (at most m = {m})"),
        });
    }
    if m > u32::MAX as usize {
        return Err(Error::InvalidParam {
            name: "m",
            value: m.to_string(),
            expected: format!("at most {} rows (32-bit indices)", u32::MAX),
        });
    }
    let mut indices = vec![0u32; n * s];
    let mut data = vec![T::zero(); n * s];
    let v = 1.0 / (s as f64).sqrt();
    indices
        .par_chunks_mut(s)
        .zip(data.par_chunks_mut(s))
        .enumerate()
        .for_each(|(j, (idx, val))| {
            let mut r = rng::stream(seed, Domain::SPARSE, j as u64);
            let rows = sample_indices(&mut r, m, s);
            for ((i, d), row) in idx.iter_mut().zip(val.iter_mut()).zip(rows) {
                *i = row as u32;
                *d = T::from_f64_parts(if coin(&mut r) { -v } else { v }, 0.0);
            }
        });
    let indptr = (0..=n).map(|j| j * s).collect();
    CscMatrix::try_from_raw_parts(m, n, indptr, indices, data)
}
