//! Sparse matrices: COO (construction), CSR and CSC (compressed rows/columns), BSR (dense
//! `r×c` blocks), with conversions between all four and dense, SpMV and transposed SpMV.
//!
//! Compressed formats store indices as `u32` (12 bytes per stored `f64`, as scipy's
//! `int32` indices), so each dimension must be below 2³². Row/column pointers are `usize`.
//!
//! | format | build from | apply `A x` | adjoint `Aᴴ y` |
//! |---|---|---|---|
//! | [`CooMatrix`] | triplets, `push` | via CSR | via CSR |
//! | [`CsrMatrix`] | raw parts, COO, dense | row gather, parallel, rows split by nnz | scatter in a fixed number of partial sums |
//! | [`CscMatrix`] | raw parts, COO, dense | scatter (as CSR's adjoint) | column gather, parallel |
//! | [`BsrMatrix`] | raw parts, CSR | block-row gather, parallel | block scatter in fixed partial sums |
//!
//! Every product is bit-identical for any number of threads: rows are summed in storage
//! order, and scatters use a partition fixed by the matrix, never by the thread count.

mod bsr;
mod compressed;
mod coo;
mod csc;
mod csr;

pub use bsr::BsrMatrix;
pub use coo::CooMatrix;
pub use csc::CscMatrix;
pub use csr::CsrMatrix;

/// A storage layout, for memory-footprint reports ([`CsrMatrix::memory_bytes_as`]).
///
/// ```
/// use cstk_linop::{CsrMatrix, SparseFormat};
/// let a = CsrMatrix::<f64>::identity(4);
/// assert_eq!(a.memory_bytes_as(SparseFormat::Dense).unwrap(), 16 * 8);
/// assert_eq!(a.memory_bytes_as(SparseFormat::Csr).unwrap(), a.memory_bytes());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SparseFormat {
    /// Every entry stored.
    Dense,
    /// Triplets with `usize` row and column indices.
    Coo,
    /// Compressed sparse rows.
    Csr,
    /// Compressed sparse columns.
    Csc,
    /// Block sparse rows with `r × c` blocks.
    Bsr {
        /// Block height.
        r: usize,
        /// Block width.
        c: usize,
    },
}

impl std::fmt::Display for SparseFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SparseFormat::Dense => write!(f, "dense"),
            SparseFormat::Coo => write!(f, "COO"),
            SparseFormat::Csr => write!(f, "CSR"),
            SparseFormat::Csc => write!(f, "CSC"),
            SparseFormat::Bsr { r, c } => write!(f, "BSR {r}x{c}"),
        }
    }
}

/// Fraction of stored entries, `nnz / (m n)` (0 for an empty shape).
pub(crate) fn density(nnz: usize, m: usize, n: usize) -> f64 {
    let total = m as f64 * n as f64;
    if total == 0.0 {
        0.0
    } else {
        nnz as f64 / total
    }
}

/// The largest dimension a compressed format can index with `u32`.
pub(crate) const MAX_DIM: usize = u32::MAX as usize;
