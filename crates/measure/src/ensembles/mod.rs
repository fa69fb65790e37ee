//! Seeded random sensing ensembles, each a [`LinOp`](cstk_linop::LinOp).
//!
//! | ensemble | type | entries / structure | columns |
//! |---|---|---|---|
//! | Gaussian, Rademacher, sphere | [`DenseEnsemble`] → `DMatrix` or [`DenseOp`](cstk_linop::DenseOp) | `N(0,1/m)`, `±1/√m`, uniform on the sphere | unit norm in expectation (sphere: exactly) |
//! | sparse (expander, sparse-JL) | [`sparse_random`] → [`CscMatrix`](cstk_linop::CscMatrix) | `s` entries `±1/√s` per column | unit norm |
//! | partial Fourier | [`partial_fourier`] → [`SubsampledTransform`] | `√(n/m)` · random rows of the unitary DFT | unit norm |
//! | partial DCT | [`partial_dct`] | `√(n/m)` · random rows of the orthonormal DCT-II | unit norm in expectation |
//! | SRHT | [`srht`] | `√(n/m)·R·H·D`, random signs `D` | unit norm |
//! | structurally random | [`SubsampledTransform::new`] | any orthonormal transform, [`Randomizer`] signs or permutation | unit norm in expectation |
//!
//! Every ensemble is normalized so that `E‖a_j‖² = 1`, the convention of compressed-sensing
//! theory (and of Donoho–Tanner phase diagrams). All draws follow [`crate::rng`]: bit-identical
//! for a seed on every platform and any number of threads.
//!
//! ```
//! use cstk_measure::{DenseEnsemble, ensembles::{partial_dct, sparse_random}};
//! use cstk_linop::LinOp;
//! let g = DenseEnsemble::Gaussian.operator::<f64>(32, 128, 1).unwrap();
//! let s = sparse_random::<f64>(32, 128, 4, 1).unwrap();
//! let d = partial_dct::<f64>(32, 128, 1).unwrap();
//! assert_eq!(g.shape(), LinOp::<f64>::shape(&s));
//! assert_eq!(g.shape(), LinOp::<f64>::shape(&d));
//! ```

mod dense;
mod sparse;
mod subsampled;

pub use dense::DenseEnsemble;
pub use sparse::sparse_random;
pub use subsampled::{Randomizer, SubsampledTransform, partial_dct, partial_fourier, srht};
