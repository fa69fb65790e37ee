//! # cstk-measure
//!
//! Everything random in cstk, reproducible by construction: seeded sensing ensembles
//! (Gaussian, Rademacher, sphere, sparse, partial Fourier/DCT, SRHT and structurally random
//! matrices), sparse and compressible signals with noise at a given SNR, MRI sampling masks,
//! and diagnostics (mutual coherence, an empirical RIP bound, the point-spread function of a
//! mask), and [`phase`]-transition experiments built on them (the solver is any closure).
//! The same seed gives bit-identical output on every platform and for any number of
//! threads; [`rng`] says how.
//!
//! ```
//! use cstk_measure::{DenseEnsemble, signals::{sparse_signal, Amplitude}};
//! use cstk_linop::LinOp;
//! let a = DenseEnsemble::Gaussian.operator::<f64>(64, 256, 7).unwrap();
//! let x = sparse_signal::<f64>(256, 8, Amplitude::Gaussian, 7).unwrap();
//! let y = a.apply_vec(&x.x);
//! assert_eq!(y.len(), 64);
//! ```

#![warn(missing_docs)]

pub mod diagnostics;
pub mod ensembles;
pub mod mask;
pub mod metrics;
pub mod phantom;
pub mod phase;
pub mod rng;
pub mod signals;

pub use cstk_linop::{Error, Result};
pub use ensembles::{DenseEnsemble, Randomizer, SubsampledTransform};
pub use mask::{Mask, MaskKind, MaskParams};
