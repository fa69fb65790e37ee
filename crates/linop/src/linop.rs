//! The [`LinOp`] trait: a linear map with an adjoint, applied into caller buffers.

use crate::Scalar;
use std::sync::Arc;

/// A linear operator `A: Tⁿ → Tᵐ` with its adjoint `Aᴴ: Tᵐ → Tⁿ`.
///
/// `apply` computes `y ← A x` and `adjoint` computes `x ← Aᴴ y`, overwriting the
/// output buffer. Operators that need temporary storage say how much in
/// [`scratch_len`](LinOp::scratch_len); the `*_with_scratch` methods take it from the
/// caller (so an iterative solver allocates nothing per iteration), while
/// [`apply`](LinOp::apply) / [`adjoint`](LinOp::adjoint) allocate it when it is non-zero.
///
/// Buffers of the wrong length are a programming error and panic with a message
/// naming both lengths.
///
/// ```
/// use cstk_linop::{Diagonal, LinOp};
/// let d = Diagonal::new(vec![1.0, 2.0, 3.0]);
/// let mut y = vec![0.0; 3];
/// d.apply(&[1.0, 1.0, 1.0], &mut y);
/// assert_eq!(y, [1.0, 2.0, 3.0]);
/// assert_eq!(d.adjoint_vec(&y), vec![1.0, 4.0, 9.0]);
/// ```
pub trait LinOp<T: Scalar>: Send + Sync {
    /// Number of rows `m` (length of `y`).
    fn nrows(&self) -> usize;
    /// Number of columns `n` (length of `x`).
    fn ncols(&self) -> usize;
    /// Length of the scratch buffer `*_with_scratch` needs (for `apply` and `adjoint` alike).
    fn scratch_len(&self) -> usize {
        0
    }
    /// `y ← A x` using caller-provided scratch of at least [`scratch_len`](LinOp::scratch_len).
    fn apply_with_scratch(&self, x: &[T], y: &mut [T], scratch: &mut [T]);
    /// `x ← Aᴴ y` using caller-provided scratch of at least [`scratch_len`](LinOp::scratch_len).
    fn adjoint_with_scratch(&self, y: &[T], x: &mut [T], scratch: &mut [T]);

    /// `y ← A x`; allocates scratch only if the operator needs some.
    fn apply(&self, x: &[T], y: &mut [T]) {
        let mut s = vec![T::zero(); self.scratch_len()];
        self.apply_with_scratch(x, y, &mut s);
    }
    /// `x ← Aᴴ y`; allocates scratch only if the operator needs some.
    fn adjoint(&self, y: &[T], x: &mut [T]) {
        let mut s = vec![T::zero(); self.scratch_len()];
        self.adjoint_with_scratch(y, x, &mut s);
    }
    /// Allocating form of [`apply`](LinOp::apply).
    fn apply_vec(&self, x: &[T]) -> Vec<T> {
        let mut y = vec![T::zero(); self.nrows()];
        self.apply(x, &mut y);
        y
    }
    /// Allocating form of [`adjoint`](LinOp::adjoint).
    fn adjoint_vec(&self, y: &[T]) -> Vec<T> {
        let mut x = vec![T::zero(); self.ncols()];
        self.adjoint(y, &mut x);
        x
    }
    /// `(nrows, ncols)`.
    fn shape(&self) -> (usize, usize) {
        (self.nrows(), self.ncols())
    }
}

macro_rules! forward_linop {
    ($($ty:ty),*) => {$(
        impl<T: Scalar, L: LinOp<T> + ?Sized> LinOp<T> for $ty {
            #[inline]
            fn nrows(&self) -> usize { (**self).nrows() }
            #[inline]
            fn ncols(&self) -> usize { (**self).ncols() }
            #[inline]
            fn scratch_len(&self) -> usize { (**self).scratch_len() }
            #[inline]
            fn apply_with_scratch(&self, x: &[T], y: &mut [T], s: &mut [T]) {
                (**self).apply_with_scratch(x, y, s)
            }
            #[inline]
            fn adjoint_with_scratch(&self, y: &[T], x: &mut [T], s: &mut [T]) {
                (**self).adjoint_with_scratch(y, x, s)
            }
        }
    )*};
}
forward_linop!(&L, Box<L>, Arc<L>);
