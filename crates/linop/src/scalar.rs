//! The scalar types operators work over: `f32`, `f64`, `Complex<f32>`, `Complex<f64>`.

use nalgebra::ComplexField;
use num_complex::Complex;
use num_traits::{One, Zero};

/// A field element an operator can act on: one of `f32`, `f64`, `Complex<f32>`, `Complex<f64>`.
///
/// It is nalgebra's [`ComplexField`] (so `conjugate()`, `modulus()`, `T::zero()` …
/// are available) plus the few conversions cstk needs for I/O and test vectors.
/// `T::RealField` is the matching real type (`f64` for `Complex<f64>`).
///
/// Pitfall inherited from simba: on `Complex<R>`, `v.scale(k)` resolves to
/// `ComplexField::scale`; write `v * T::from_real(k)` to stay unambiguous.
///
/// ```
/// use cstk_linop::Scalar;
/// use num_complex::Complex;
/// let z = Complex::<f64>::from_f64_parts(1.0, -2.0);
/// assert_eq!(z.to_c64(), Complex::new(1.0, -2.0));
/// assert_eq!(f32::from_f64_parts(1.5, 9.0), 1.5); // a real type drops the imaginary part
/// assert!(Complex::<f32>::IS_COMPLEX && !f64::IS_COMPLEX);
/// ```
pub trait Scalar:
    ComplexField<RealField: Copy + Default + PartialOrd>
    + Copy
    + Default
    + PartialEq
    + Send
    + Sync
    + 'static
{
    /// `true` for the complex types.
    const IS_COMPLEX: bool;
    /// Size of one value in bytes (used by memory-footprint reports).
    const BYTES: usize = std::mem::size_of::<Self>();
    /// Short name used in messages: `"f32"`, `"f64"`, `"complex64"`, `"complex128"`.
    const NAME: &'static str;
    /// Builds a value from real and imaginary parts; real types ignore `im`.
    fn from_f64_parts(re: f64, im: f64) -> Self;
    /// Widens to `Complex<f64>` (exact for every supported type).
    fn to_c64(self) -> Complex<f64>;
    /// `true` when no part is NaN or infinite.
    fn is_finite_value(self) -> bool {
        let c = self.to_c64();
        c.re.is_finite() && c.im.is_finite()
    }
}

impl Scalar for f32 {
    const IS_COMPLEX: bool = false;
    const NAME: &'static str = "f32";
    #[inline]
    fn from_f64_parts(re: f64, _im: f64) -> Self {
        re as f32
    }
    #[inline]
    fn to_c64(self) -> Complex<f64> {
        Complex::new(self as f64, 0.0)
    }
}

impl Scalar for f64 {
    const IS_COMPLEX: bool = false;
    const NAME: &'static str = "f64";
    #[inline]
    fn from_f64_parts(re: f64, _im: f64) -> Self {
        re
    }
    #[inline]
    fn to_c64(self) -> Complex<f64> {
        Complex::new(self, 0.0)
    }
}

impl Scalar for Complex<f32> {
    const IS_COMPLEX: bool = true;
    const NAME: &'static str = "complex64";
    #[inline]
    fn from_f64_parts(re: f64, im: f64) -> Self {
        Complex::new(re as f32, im as f32)
    }
    #[inline]
    fn to_c64(self) -> Complex<f64> {
        Complex::new(self.re as f64, self.im as f64)
    }
}

impl Scalar for Complex<f64> {
    const IS_COMPLEX: bool = true;
    const NAME: &'static str = "complex128";
    #[inline]
    fn from_f64_parts(re: f64, im: f64) -> Self {
        Complex::new(re, im)
    }
    #[inline]
    fn to_c64(self) -> Complex<f64> {
        self
    }
}

/// `Σ conj(a_i) b_i`, the inner product operators' adjoints are defined by.
///
/// ```
/// use cstk_linop::scalar::dot;
/// assert_eq!(dot(&[1.0, 2.0], &[3.0, 4.0]), 11.0);
/// ```
pub fn dot<T: Scalar>(a: &[T], b: &[T]) -> T {
    crate::check_len("dot: second vector", a.len(), b.len());
    a.iter()
        .zip(b)
        .fold(T::zero(), |acc, (&x, &y)| acc + x.conjugate() * y)
}

/// Euclidean norm `‖a‖₂`, computed without overflow for large entries.
///
/// ```
/// use cstk_linop::scalar::norm2;
/// assert_eq!(norm2(&[3.0f64, 4.0]), 5.0);
/// ```
pub fn norm2<T: Scalar>(a: &[T]) -> T::RealField {
    let mut scale = T::RealField::zero();
    let mut ssq = T::RealField::one();
    for &v in a {
        for part in [v.real(), v.imaginary()] {
            let p = part.abs();
            if p != T::RealField::zero() {
                if scale < p {
                    let r = scale / p;
                    ssq = T::RealField::one() + ssq * r * r;
                    scale = p;
                } else {
                    let r = p / scale;
                    ssq += r * r;
                }
            }
        }
    }
    scale * ssq.sqrt()
}
