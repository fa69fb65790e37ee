//! Helpers shared by the solver tests.

#![allow(dead_code)] // each test binary uses its own subset

/// `‖a − b‖ / ‖b‖`.
pub fn rel_err<T: cstk_linop::Scalar>(a: &[T], b: &[T]) -> f64 {
    let d: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (*x - *y).to_c64().norm_sqr())
        .sum();
    let n: f64 = b.iter().map(|y| y.to_c64().norm_sqr()).sum();
    (d / n).sqrt()
}
