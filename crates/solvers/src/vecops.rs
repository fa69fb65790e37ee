//! Small `f64` reductions over slices of any scalar type, shared by the solvers (the
//! figures they report and compare are `f64` whatever the scalar type).

use cstk_linop::Scalar;

/// `Σ |v_i|²`.
#[inline]
pub(crate) fn norm_sq<T: Scalar>(v: &[T]) -> f64 {
    v.iter().map(|x| x.to_c64().norm_sqr()).sum()
}

/// `‖v‖₂`.
#[inline]
pub(crate) fn norm<T: Scalar>(v: &[T]) -> f64 {
    norm_sq(v).sqrt()
}

/// `‖a − b‖₂`.
#[inline]
pub(crate) fn diff_norm<T: Scalar>(a: &[T], b: &[T]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (*x - *y).to_c64().norm_sqr())
        .sum::<f64>()
        .sqrt()
}

/// `Re Σ conj(a_i) b_i`.
#[inline]
pub(crate) fn re_dot<T: Scalar>(a: &[T], b: &[T]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| {
            let (x, y) = (x.to_c64(), y.to_c64());
            x.re * y.re + x.im * y.im
        })
        .sum()
}

/// `max_i |v_i|` (0 for an empty slice).
#[inline]
pub(crate) fn max_modulus<T: Scalar>(v: &[T]) -> f64 {
    v.iter()
        .map(|x| x.to_c64().norm())
        .fold(0.0, |m, x| if x > m { x } else { m })
}

/// Machine epsilon of `T`'s real type, as `f64`.
pub(crate) fn eps<T: Scalar>() -> f64 {
    if std::mem::size_of::<T::RealField>() == 4 {
        f64::from(f32::EPSILON)
    } else {
        f64::EPSILON
    }
}
