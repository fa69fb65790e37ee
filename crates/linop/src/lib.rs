//! # cstk-linop
//!
//! Linear operators for compressed sensing: the [`LinOp`] trait (real and complex,
//! apply and adjoint into caller buffers), combinators, a dense operator, sparse
//! matrices in COO/CSR/CSC/BSR form with parallel SpMV, power iteration for ‖A‖₂,
//! the adjoint (dot) test, and `.npy` / Matrix Market / grayscale PNG I/O.
//!
//! ```
//! use cstk_linop::{CooMatrix, LinOp, testing::dot_test};
//! let coo = CooMatrix::<f64>::try_from_triplets(
//!     3, 2, vec![0, 1, 2, 2], vec![0, 1, 0, 0], vec![1.0, 2.0, 3.0, 4.0]).unwrap();
//! let a = coo.to_csr(); // duplicates at (2, 0) are summed: 7
//! assert_eq!(a.apply_vec(&[1.0, 1.0]), vec![1.0, 2.0, 7.0]);
//! dot_test(&a, 1e-12).unwrap();
//! ```

#![warn(missing_docs)]

pub mod combinators;
pub mod dense;
pub mod error;
#[cfg(feature = "cuda")]
pub mod gpu;
pub mod io;
pub mod linop;
pub mod norm;
pub mod scalar;
pub mod sparse;
pub mod testing;
pub mod transforms;

pub use combinators::{Adjoint, Compose, Diagonal, Identity, LinOpExt, Restriction, Scaled, Sum};
pub use dense::DenseOp;
pub use error::{Error, Result};
pub use linop::LinOp;
pub use norm::{NormEstimate, PowerIteration, opnorm_est};
pub use scalar::Scalar;
pub use sparse::{BsrMatrix, CooMatrix, CscMatrix, CsrMatrix, SparseFormat};
pub use transforms::dct::{Dct1, Dct2};
pub use transforms::diff::{Boundary, Gradient1, Gradient2};
pub use transforms::fourier::{Fft1, Fft2, FftReal};
pub use transforms::hadamard::{Hadamard, HadamardOrder};
pub use transforms::wavelet::{Block, Dwt1, Dwt2, Subband, Swt1, Swt2, Wavelet};

pub use nalgebra;
pub use num_complex::{self, Complex};

/// Panics unless a buffer has the length an operator needs; the message names both.
///
/// The single place where operators check buffer lengths (a wrong length is a
/// programming error, not a data error). `#[cold]` keeps it out of hot loops.
///
/// ```should_panic
/// cstk_linop::check_len("apply: output y", 3, 4); // panics: "... expected length 3, got 4"
/// ```
#[inline]
#[track_caller]
pub fn check_len(what: &str, expected: usize, got: usize) {
    if expected != got {
        len_mismatch(what, expected, got)
    }
}

/// The first `need` entries of a caller's scratch buffer; panics (via [`check_len`], naming
/// both lengths) when the buffer is shorter than an operator's
/// [`scratch_len`](LinOp::scratch_len).
#[inline]
#[track_caller]
pub(crate) fn scratch_prefix<'a, T>(what: &str, scratch: &'a mut [T], need: usize) -> &'a mut [T] {
    if scratch.len() < need {
        check_len(what, need, scratch.len());
    }
    &mut scratch[..need]
}

#[cold]
#[inline(never)]
#[track_caller]
fn len_mismatch(what: &str, expected: usize, got: usize) -> ! {
    panic!("{what}: expected length {expected}, got {got}")
}
