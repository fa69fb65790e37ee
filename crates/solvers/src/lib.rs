//! # cstk-solvers
//!
//! Proximal operators and sparse-recovery algorithms over [`cstk_linop::LinOp`]s and slices:
//! ISTA/FISTA (with a sparsifying operator and a duality-gap certificate), OMP, coordinate
//! descent for the LASSO and ElasticNet with scikit-learn's semantics and regularization
//! paths, ℓ₁ logistic regression by proximal Newton ([`logistic`]), and more. Every solver
//! returns a [`Solution`] (x, iterations, [`StopReason`], [`History`]) and accepts an
//! observer called once per iteration.
//!
//! Errors are [`cstk_linop::Error`] (re-exported as [`Error`]): invalid parameters, shape
//! mismatches, and NaN/Inf in the data or in the iterates (naming the iteration).

#![warn(missing_docs)]

/// Consuming setters for public fields of a parameter struct (one per field, documented).
macro_rules! setters {
    ($t:ty { $($(#[$m:meta])* $name:ident : $ty:ty),* $(,)? }) => {
        impl $t { $( $(#[$m])* #[must_use] pub fn $name(mut self, v: $ty) -> Self { self.$name = v; self } )* }
    };
}

pub mod admm;
pub mod cd;
pub mod cosamp;
pub mod design;
pub mod fista;
#[cfg(feature = "cuda")]
pub mod gpu;
pub mod grid;
pub mod iht;
pub mod logistic;
pub mod omp;
pub mod prox;
pub mod solution;
pub mod tv;
mod vecops;

pub use cstk_linop::{Error, Result};
pub use solution::{History, Observer, Progress, Recorder, Solution, StopReason};
