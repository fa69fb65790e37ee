//! Fast transforms as operators: the measurement side of compressed sensing (Fourier,
//! DCT, Walsh–Hadamard) and the sparsifying side (wavelets, finite differences).
//!
//! Conventions shared by every 2-D transform here:
//! - an image of `ny` rows and `nx` columns is a row-major (C-order) slice of length
//!   `ny * nx`, entry `(i, j)` at `i * nx + j` — the layout of NumPy arrays and `.npy` files;
//! - plans, filters and index maps are built once by the constructor; `apply`/`adjoint`
//!   allocate nothing when called through `*_with_scratch` (the scratch covers every task
//!   of a parallel pass, so no per-thread allocation happens per call);
//! - results are identical for any number of threads.

pub mod dct;
pub mod diff;
pub mod fourier;
pub mod hadamard;
pub mod wavelet;
