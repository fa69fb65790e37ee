//! # cstk — a compressed-sensing toolkit
//!
//! This facade re-exports the member crates under short names:
//!
//! | module | crate | what it holds |
//! |---|---|---|
//! | [`linop`] | `cstk-linop` | the [`LinOp`](linop::LinOp) trait, combinators, dense and sparse matrices, `.npy` / Matrix Market I/O |
//! | [`measure`] | `cstk-measure` | seeded sensing matrices, signals, sampling masks, diagnostics |
//! | [`solvers`] | `cstk-solvers` | proximal operators and sparse-recovery algorithms |
//! | [`ml`] | `cstk-ml` | L1 feature selection and weight pruning |
//!
//! Cargo feature `cuda` (off by default) adds the GPU backend: `linop::gpu` (`GpuCsr`,
//! SpMV on the device) and `Fista::solve_l1_gpu` (a device-resident FISTA); CUDA is loaded
//! at run time, so the feature builds without the CUDA toolkit.
//!
//! ```
//! use cstk::linop::{CooMatrix, LinOp};
//! let a = CooMatrix::<f64>::try_from_triplets(2, 2, vec![0, 1], vec![0, 1], vec![2.0, 3.0])
//!     .unwrap()
//!     .to_csr();
//! let mut y = [0.0; 2];
//! a.apply(&[1.0, 1.0], &mut y);
//! assert_eq!(y, [2.0, 3.0]);
//! ```

pub use cstk_linop as linop;
pub use cstk_measure as measure;
pub use cstk_ml as ml;
pub use cstk_solvers as solvers;

/// The README's code blocks, compiled and run as doctests so the README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
