//! Proximal operators: `prox_{s·g}(v) = argmin_z g(z) + ‖z − v‖² / (2 s)`.
//!
//! ```
//! use cstk_solvers::prox::{L1, Prox};
//! let mut v = vec![3.0f64, -0.5, -2.0];
//! L1::new(1.0).prox(&mut v, 1.0);
//! assert_eq!(v, vec![2.0, 0.0, -1.0]);
//! ```
//!
//! | type | `g(x)` | prox | scalars |
//! |---|---|---|---|
//! | [`L1`] | `λ Σ \|x_i\|` | soft threshold at `λ·step` | all |
//! | [`HardThreshold`] | `λ ‖x‖₀` | keep `v_i` iff `\|v_i\| > √(2λ·step)` | all |
//! | [`GroupL1`] | `λ Σ_g ‖x_g‖₂` | block soft threshold at `λ·step` | all |
//! | [`ElasticNet`] | `l1 ‖x‖₁ + (l2/2) ‖x‖₂²` | soft threshold at `l1·step`, then `/(1 + l2·step)` | all |
//! | [`L1Ball`] | indicator of `‖x‖₁ ≤ r` | projection (moduli projected, phases kept) | all |
//! | [`L2Ball`] | indicator of `‖x‖₂ ≤ r` | radial projection | all |
//! | [`LinfBall`] | indicator of `max \|x_i\| ≤ r` (the conjugate of `r‖·‖₁`) | clip each modulus | all |
//! | [`BoxSet`] | indicator of `lo ≤ x_i ≤ hi` | clamp | real |
//! | [`NonNegative`] | indicator of `x_i ≥ 0` | `max(x_i, 0)` | real |
//!
//! [`keep_largest`] and [`largest_indices`] are the projection onto `k`-sparse vectors used
//! by IHT and CoSaMP.
//!
//! **Indicators.** The prox of an indicator is the projection onto its set and ignores `step`.
//! Their [`Prox::value`] is `0` inside the set and `f64::INFINITY` outside, with a relative
//! tolerance for rounding of `1e-12` for `f64`/`Complex<f64>` and `4·f32::EPSILON` for
//! `f32`/`Complex<f32>` (relative to the radius or bound), so that the value of a projection
//! is always `0`.
//!
//! **Parameters.** Every type has a `try_new` that checks its parameters and returns
//! [`cstk_linop::Error::InvalidParam`]; use it for values that come from users. The plain
//! `new` (and the public fields) assume valid values.
//!
//! **Allocation.** No `prox` allocates, except [`L1Ball`]'s, which needs a scratch vector of
//! at most `v.len()` moduli.

use crate::solution::invalid;
use cstk_linop::{Complex, Result, Scalar, check_len};
use num_traits::Zero;
use rayon::prelude::*;

/// A function `g` with a computable proximal map, applied in place.
///
/// ```
/// use cstk_solvers::prox::{L1, Prox};
/// let g = L1::new(0.5);
/// assert_eq!(Prox::<f64>::value(&g, &[1.0, -2.0]), 1.5);
/// ```
pub trait Prox<T: Scalar>: Send + Sync {
    /// Replaces `v` by `prox_{step·g}(v) = argmin_z g(z) + ‖z − v‖² / (2·step)` (`step > 0`).
    fn prox(&self, v: &mut [T], step: f64);

    /// `g(x)`; `f64::INFINITY` outside the domain of an indicator function.
    fn value(&self, x: &[T]) -> f64;
}

// ---------------------------------------------------------------------------------------
// Parameter checks and numeric helpers
// ---------------------------------------------------------------------------------------

/// `Ok(x)` if `x` is finite and `≥ 0`.
fn check_weight(name: &'static str, x: f64) -> Result<f64> {
    if x.is_finite() && x >= 0.0 {
        Ok(x)
    } else {
        Err(invalid(name, x, "a finite number ≥ 0"))
    }
}

/// The relative feasibility tolerance of indicator values for the scalar type `T`.
#[inline]
fn rel_tol<T: Scalar>() -> f64 {
    if std::mem::size_of::<T::RealField>() == 4 {
        4.0 * f32::EPSILON as f64
    } else {
        1e-12
    }
}

#[inline]
fn to_real<T: Scalar>(x: f64) -> T::RealField {
    T::from_f64_parts(x, 0.0).real()
}

/// `|x|` in `f64` (exact for real types; for complex ones `√(re² + im²)`, within an ulp or
/// two of `hypot` and several times faster, with `hypot` where the squares would over- or
/// underflow).
#[inline]
fn modulus_f64<T: Scalar>(x: T) -> f64 {
    let c = x.to_c64();
    if T::IS_COMPLEX {
        complex_modulus(c)
    } else {
        c.re.abs()
    }
}

/// `|c|` of a complex `f64`: see [`modulus_f64`].
#[inline(always)]
fn complex_modulus(c: cstk_linop::Complex<f64>) -> f64 {
    let s = c.re * c.re + c.im * c.im;
    if (1e-300..1e300).contains(&s) {
        s.sqrt()
    } else {
        c.norm()
    }
}

/// `‖x‖₂` in `f64`, rescaled when the plain sum of squares over- or underflows.
fn norm2_f64<T: Scalar>(x: &[T]) -> f64 {
    let ss: f64 = x.iter().map(|v| v.to_c64().norm_sqr()).sum();
    if ss.is_finite() && (ss >= f64::MIN_POSITIVE || ss == 0.0) {
        return ss.sqrt();
    }
    let scale = x.iter().map(|&v| modulus_f64(v)).fold(0.0f64, f64::max);
    if scale == 0.0 || !scale.is_finite() {
        return if ss.is_nan() { f64::NAN } else { scale };
    }
    let ss: f64 = x.iter().map(|v| (v.to_c64() / scale).norm_sqr()).sum();
    scale * ss.sqrt()
}

/// Soft threshold at `θ`, computed in `f64` (one rounding per part). A negative `θ` grows
/// the nonzero moduli by `|θ|` (zeros stay zero).
fn shrink_f64<T: Scalar>(v: &mut [T], theta: f64) {
    let cut = theta.max(0.0);
    for x in v {
        let c = x.to_c64();
        if T::IS_COMPLEX {
            let m = complex_modulus(c);
            *x = if m > cut {
                let q = (m - theta) / m;
                T::from_f64_parts(c.re * q, c.im * q)
            } else {
                T::zero()
            };
        } else {
            let m = c.re.abs();
            *x = if m > cut {
                T::from_f64_parts((m - theta).copysign(c.re), 0.0)
            } else {
                T::zero()
            };
        }
    }
}

/// Multiplies every entry by the real `q` (computed in `f64`, one rounding per part).
fn scale_f64<T: Scalar>(v: &mut [T], q: f64) {
    for x in v {
        let c: Complex<f64> = x.to_c64();
        *x = T::from_f64_parts(c.re * q, c.im * q);
    }
}

/// A real part widened to `f64` (exact).
#[inline]
pub(crate) fn real_to_f64<T: Scalar>(r: T::RealField) -> f64 {
    T::from_real(r).to_c64().re
}

// ---------------------------------------------------------------------------------------
// L1
// ---------------------------------------------------------------------------------------

/// `g(x) = λ‖x‖₁` (for complex `x`, `λ Σ |x_i|`); its prox is the soft threshold at `λ·step`:
/// shrink each modulus by the threshold, keep the sign (phase).
///
/// ```
/// use cstk_solvers::prox::{L1, Prox};
/// use cstk_linop::Complex;
/// let mut v = vec![Complex::new(3.0f64, 4.0)]; // modulus 5
/// L1::new(1.0).prox(&mut v, 2.0);                  // threshold 2 → modulus 3
/// assert!((v[0] - Complex::new(1.8, 2.4)).norm() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct L1 {
    /// The weight λ ≥ 0.
    pub lambda: f64,
}

impl L1 {
    /// `λ‖·‖₁`; `lambda` must be finite and `≥ 0` (use [`L1::try_new`] for user values).
    ///
    /// ```
    /// assert_eq!(cstk_solvers::prox::L1::new(0.1).lambda, 0.1);
    /// ```
    pub fn new(lambda: f64) -> Self {
        L1 { lambda }
    }

    /// `λ‖·‖₁`, or [`Error::InvalidParam`] unless `lambda` is finite and `≥ 0`.
    ///
    /// ```
    /// use cstk_solvers::prox::L1;
    /// assert!(L1::try_new(0.1).is_ok());
    /// assert!(L1::try_new(-1.0).is_err() && L1::try_new(f64::NAN).is_err());
    /// ```
    pub fn try_new(lambda: f64) -> Result<Self> {
        Ok(L1 {
            lambda: check_weight("lambda", lambda)?,
        })
    }
}

impl<T: Scalar> Prox<T> for L1 {
    fn prox(&self, v: &mut [T], step: f64) {
        soft_threshold(v, self.lambda * step);
    }

    fn value(&self, x: &[T]) -> f64 {
        self.lambda * l1_norm(x)
    }
}

/// `Σ |x_i|` in `f64`.
///
/// ```
/// assert_eq!(cstk_solvers::prox::l1_norm(&[1.0f64, -2.0]), 3.0);
/// ```
pub fn l1_norm<T: Scalar>(x: &[T]) -> f64 {
    x.iter().map(|&v| modulus_f64(v)).sum()
}

/// Soft threshold in place: `v_i ← sign(v_i) · max(|v_i| − t, 0)` (complex: the modulus
/// shrinks, the phase stays).
///
/// ```
/// let mut v = vec![1.5f64, -0.2];
/// cstk_solvers::prox::soft_threshold(&mut v, 0.5);
/// assert_eq!(v, vec![1.0, 0.0]);
/// ```
#[inline]
pub fn soft_threshold<T: Scalar>(v: &mut [T], t: f64) {
    if T::IS_COMPLEX {
        // in f64 (one rounding per part for single-precision types)
        for x in v {
            let c = x.to_c64();
            let m = complex_modulus(c);
            *x = if m > t {
                let q = (m - t) / m;
                T::from_f64_parts(c.re * q, c.im * q)
            } else {
                T::zero()
            };
        }
    } else {
        let tr = to_real::<T>(t);
        for x in v {
            let r = x.real();
            let s = if r > tr {
                r - tr
            } else if r < -tr {
                r + tr
            } else {
                T::RealField::zero()
            };
            *x = T::from_real(s);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Hard threshold and k-sparse projection
// ---------------------------------------------------------------------------------------

/// `g(x) = λ‖x‖₀` (the number of nonzero entries times λ); its prox is the hard threshold
/// at `√(2λ·step)`: `v_i` is kept if `|v_i| > √(2λ·step)` and set to `0` otherwise (a tie
/// goes to `0`). NaN entries are kept, so that a solver's NaN check sees them.
///
/// `g` is not convex; the prox is still an exact global minimizer (of each coordinate's
/// `λ·[z ≠ 0] + |z − v|²/(2·step)`).
///
/// ```
/// use cstk_solvers::prox::{HardThreshold, Prox};
/// let g = HardThreshold::new(0.5); // threshold √(2·0.5·1) = 1
/// let mut v = vec![1.5f64, -1.0, 0.3, -2.0];
/// g.prox(&mut v, 1.0);
/// assert_eq!(v, vec![1.5, 0.0, 0.0, -2.0]);
/// assert_eq!(g.value(&v), 1.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HardThreshold {
    /// The weight λ ≥ 0.
    pub lambda: f64,
}

impl HardThreshold {
    /// `λ‖·‖₀`; `lambda` must be finite and `≥ 0` (use [`HardThreshold::try_new`] for user
    /// values).
    ///
    /// ```
    /// assert_eq!(cstk_solvers::prox::HardThreshold::new(0.1).lambda, 0.1);
    /// ```
    pub fn new(lambda: f64) -> Self {
        HardThreshold { lambda }
    }

    /// `λ‖·‖₀`, or [`Error::InvalidParam`] unless `lambda` is finite and `≥ 0`.
    ///
    /// ```
    /// use cstk_solvers::prox::HardThreshold;
    /// assert!(HardThreshold::try_new(0.0).is_ok());
    /// assert!(HardThreshold::try_new(-0.5).is_err());
    /// ```
    pub fn try_new(lambda: f64) -> Result<Self> {
        Ok(HardThreshold {
            lambda: check_weight("lambda", lambda)?,
        })
    }
}

impl<T: Scalar> Prox<T> for HardThreshold {
    fn prox(&self, v: &mut [T], step: f64) {
        let t = (2.0 * self.lambda * step).sqrt();
        for x in v {
            if modulus_f64(*x) <= t {
                *x = T::zero();
            }
        }
    }

    fn value(&self, x: &[T]) -> f64 {
        self.lambda * x.iter().filter(|v| !v.is_zero()).count() as f64
    }
}

/// The indices of the `k` entries of largest modulus, in increasing order (all indices if
/// `k ≥ v.len()`). Ties are broken by the lower index; NaN moduli rank above everything.
///
/// O(n) on average (`select_nth_unstable` on a copy of the moduli) plus `O(k log k)` to sort
/// the result.
///
/// ```
/// use cstk_solvers::prox::largest_indices;
/// assert_eq!(largest_indices(&[1.0f64, -3.0, 2.0, 3.0], 2), vec![1, 3]);
/// assert_eq!(largest_indices(&[1.0f64, 1.0, 1.0], 2), vec![0, 1]); // ties → lower index
/// ```
pub fn largest_indices<T: Scalar>(v: &[T], k: usize) -> Vec<usize> {
    let n = v.len();
    if k >= n {
        return (0..n).collect();
    }
    if k == 0 {
        return Vec::new();
    }
    let mut keyed = ranked_moduli(v);
    keyed.select_nth_unstable_by(k - 1, by_modulus_desc);
    let mut idx: Vec<usize> = keyed[..k].iter().map(|&(_, i)| i).collect();
    idx.sort_unstable();
    idx
}

/// Projection onto the `k`-sparse vectors (the prox of the indicator of `‖x‖₀ ≤ k`): keeps
/// the `k` entries of largest modulus and sets the others to `0`. Ties are broken by the
/// lower index; NaN moduli rank above everything (so they survive). Nothing changes if
/// `k ≥ v.len()`.
///
/// O(n) on average; allocates one vector of `(modulus, index)` pairs.
///
/// ```
/// let mut v = vec![0.5f64, -3.0, 2.0, 1.0, 2.0];
/// cstk_solvers::prox::keep_largest(&mut v, 2);
/// assert_eq!(v, vec![0.0, -3.0, 2.0, 0.0, 0.0]); // the tie at 2.0 keeps index 2
/// ```
pub fn keep_largest<T: Scalar>(v: &mut [T], k: usize) {
    keep_largest_with(v, k, &mut Vec::new());
}

/// [`keep_largest`] with a caller-owned buffer for the `(modulus, index)` pairs, so a solver
/// loop (IHT) allocates nothing after the first call.
///
/// ```
/// let mut buf = Vec::new();
/// let mut v = vec![0.5f64, -3.0, 2.0];
/// cstk_solvers::prox::keep_largest_with(&mut v, 1, &mut buf);
/// assert_eq!(v, vec![0.0, -3.0, 0.0]);
/// ```
pub fn keep_largest_with<T: Scalar>(v: &mut [T], k: usize, buf: &mut Vec<(f64, usize)>) {
    let n = v.len();
    if k >= n {
        return;
    }
    if k == 0 {
        v.fill(T::zero());
        return;
    }
    buf.clear();
    buf.extend(v.iter().enumerate().map(|(i, &x)| (modulus_f64(x), i)));
    buf.select_nth_unstable_by(k - 1, by_modulus_desc);
    for &(_, i) in &buf[k..] {
        v[i] = T::zero();
    }
}

fn ranked_moduli<T: Scalar>(v: &[T]) -> Vec<(f64, usize)> {
    v.iter()
        .enumerate()
        .map(|(i, &x)| (modulus_f64(x), i))
        .collect()
}

/// Larger modulus first, then lower index (a strict total order).
#[inline]
fn by_modulus_desc(a: &(f64, usize), b: &(f64, usize)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

// ---------------------------------------------------------------------------------------
// Group L1
// ---------------------------------------------------------------------------------------

/// The group lasso penalty (ℓ2,1 norm) `g(x) = λ Σ_g ‖x_g‖₂` over contiguous groups;
/// its prox is the block soft threshold
/// `x_g ← max(1 − λ·step/‖v_g‖₂, 0) · v_g`.
///
/// The groups are given by their boundaries `groups = [0, b₁, …, n]`: group `g` is
/// `groups[g]..groups[g + 1]`, and `x` must have length `n = groups.last()`.
/// [`GroupL1::try_new`] checks that the boundaries start at 0 and increase strictly.
/// `prox` and `value` panic if the length of `x` is not `n`.
///
/// ```
/// use cstk_solvers::prox::{GroupL1, Prox};
/// let g = GroupL1::try_new(1.0, vec![0, 2, 3])?; // groups {0, 1} and {2}
/// let mut v = vec![3.0f64, 4.0, 0.5];            // ‖v_0‖ = 5, ‖v_1‖ = 0.5
/// g.prox(&mut v, 1.0);
/// assert!((v[0] - 2.4).abs() < 1e-15 && (v[1] - 3.2).abs() < 1e-15 && v[2] == 0.0);
/// assert!((g.value(&v) - 4.0).abs() < 1e-15);
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GroupL1 {
    /// The weight λ ≥ 0.
    pub lambda: f64,
    /// The group boundaries `[0, b₁, …, n]`, strictly increasing.
    pub groups: Vec<usize>,
}

impl GroupL1 {
    /// `λ Σ_g ‖x_g‖₂`; the values must be valid (see [`GroupL1::try_new`], which checks them).
    ///
    /// ```
    /// let g = cstk_solvers::prox::GroupL1::new(0.5, vec![0, 3, 5]);
    /// assert_eq!((g.num_groups(), g.dim()), (2, 5));
    /// ```
    pub fn new(lambda: f64, groups: Vec<usize>) -> Self {
        GroupL1 { lambda, groups }
    }

    /// `λ Σ_g ‖x_g‖₂`, or [`Error::InvalidParam`] unless `lambda` is finite and `≥ 0` and
    /// `groups` is non-empty, starts at 0 and increases strictly.
    ///
    /// ```
    /// use cstk_solvers::prox::GroupL1;
    /// assert!(GroupL1::try_new(0.5, vec![0, 2, 4]).is_ok());
    /// assert!(GroupL1::try_new(0.5, vec![0, 2, 2]).is_err()); // empty group
    /// assert!(GroupL1::try_new(0.5, vec![1, 2]).is_err());    // does not start at 0
    /// assert!(GroupL1::try_new(-0.5, vec![0, 2]).is_err());
    /// ```
    pub fn try_new(lambda: f64, groups: Vec<usize>) -> Result<Self> {
        let lambda = check_weight("lambda", lambda)?;
        if groups.first() != Some(&0) {
            return Err(invalid(
                "groups",
                format!("{groups:?}"),
                "boundaries starting at 0",
            ));
        }
        if let Some(w) = groups.windows(2).find(|w| w[1] <= w[0]) {
            return Err(invalid(
                "groups",
                format!("{groups:?}"),
                &format!(
                    "strictly increasing boundaries (found {} then {})",
                    w[0], w[1]
                ),
            ));
        }
        Ok(GroupL1 { lambda, groups })
    }

    /// Groups of `size` consecutive entries covering `0..n` (the last one shorter if `size`
    /// does not divide `n`), or [`Error::InvalidParam`] for an invalid `lambda` or `size = 0`.
    ///
    /// ```
    /// let g = cstk_solvers::prox::GroupL1::try_uniform(1.0, 7, 3)?;
    /// assert_eq!(g.groups, vec![0, 3, 6, 7]);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn try_uniform(lambda: f64, n: usize, size: usize) -> Result<Self> {
        if size == 0 {
            return Err(invalid("size", size, "a group size ≥ 1"));
        }
        let mut groups: Vec<usize> = (0..n).step_by(size).collect();
        groups.push(n);
        if n == 0 {
            groups = vec![0];
        }
        GroupL1::try_new(lambda, groups)
    }

    /// The number of groups.
    ///
    /// ```
    /// assert_eq!(cstk_solvers::prox::GroupL1::new(1.0, vec![0, 1, 4]).num_groups(), 2);
    /// ```
    pub fn num_groups(&self) -> usize {
        self.groups.len().saturating_sub(1)
    }

    /// The length `n` of the vectors the penalty applies to (the last boundary).
    ///
    /// ```
    /// assert_eq!(cstk_solvers::prox::GroupL1::new(1.0, vec![0, 1, 4]).dim(), 4);
    /// ```
    pub fn dim(&self) -> usize {
        self.groups.last().copied().unwrap_or(0)
    }

    /// The index range of group `g` (panics if `g ≥ num_groups()`).
    ///
    /// ```
    /// assert_eq!(cstk_solvers::prox::GroupL1::new(1.0, vec![0, 1, 4]).group(1), 1..4);
    /// ```
    pub fn group(&self, g: usize) -> std::ops::Range<usize> {
        self.groups[g]..self.groups[g + 1]
    }
}

impl<T: Scalar> Prox<T> for GroupL1 {
    fn prox(&self, v: &mut [T], step: f64) {
        check_len("GroupL1::prox: v", self.dim(), v.len());
        let t = self.lambda * step;
        for w in self.groups.windows(2) {
            let g = &mut v[w[0]..w[1]];
            let norm = norm2_f64(g);
            if norm <= t {
                g.fill(T::zero());
            } else if t > 0.0 {
                let q = to_real::<T>(1.0 - t / norm);
                for x in g {
                    *x = x.scale(q);
                }
            }
        }
    }

    fn value(&self, x: &[T]) -> f64 {
        check_len("GroupL1::value: x", self.dim(), x.len());
        let s: f64 = self
            .groups
            .windows(2)
            .map(|w| norm2_f64(&x[w[0]..w[1]]))
            .sum();
        self.lambda * s
    }
}

// ---------------------------------------------------------------------------------------
// Elastic net
// ---------------------------------------------------------------------------------------

/// `g(x) = l1·‖x‖₁ + (l2/2)·‖x‖₂²`; its prox is the soft threshold at `l1·step` followed by
/// a division by `1 + l2·step`.
///
/// scikit-learn's `ElasticNet(alpha, l1_ratio)` penalty is `l1 = alpha·l1_ratio`,
/// `l2 = alpha·(1 − l1_ratio)` (with its data term `‖y − Ax‖²/(2·n_samples)`).
///
/// ```
/// use cstk_solvers::prox::{ElasticNet, Prox};
/// let g = ElasticNet::new(1.0, 2.0);
/// let mut v = vec![4.0f64, -0.5];
/// g.prox(&mut v, 0.5); // threshold 0.5, then divide by 1 + 2·0.5 = 2
/// assert_eq!(v, vec![1.75, 0.0]);
/// assert_eq!(g.value(&v), 1.75 + 1.75 * 1.75);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ElasticNet {
    /// The ℓ1 weight `l1 ≥ 0`.
    pub l1: f64,
    /// The squared-ℓ2 weight `l2 ≥ 0` (the penalty is `(l2/2)‖x‖²`).
    pub l2: f64,
}

impl ElasticNet {
    /// `l1‖x‖₁ + (l2/2)‖x‖²`; both weights must be finite and `≥ 0` (use
    /// [`ElasticNet::try_new`] for user values).
    ///
    /// ```
    /// assert_eq!(cstk_solvers::prox::ElasticNet::new(0.1, 0.2).l2, 0.2);
    /// ```
    pub fn new(l1: f64, l2: f64) -> Self {
        ElasticNet { l1, l2 }
    }

    /// `l1‖x‖₁ + (l2/2)‖x‖²`, or [`Error::InvalidParam`] unless both weights are finite and
    /// `≥ 0`.
    ///
    /// ```
    /// use cstk_solvers::prox::ElasticNet;
    /// assert!(ElasticNet::try_new(0.1, 0.0).is_ok());
    /// assert!(ElasticNet::try_new(0.1, -1.0).is_err());
    /// ```
    pub fn try_new(l1: f64, l2: f64) -> Result<Self> {
        Ok(ElasticNet {
            l1: check_weight("l1", l1)?,
            l2: check_weight("l2", l2)?,
        })
    }
}

impl<T: Scalar> Prox<T> for ElasticNet {
    fn prox(&self, v: &mut [T], step: f64) {
        let t = to_real::<T>(self.l1 * step);
        let d = to_real::<T>(1.0 + self.l2 * step);
        if T::IS_COMPLEX {
            for x in v {
                let m = x.modulus();
                *x = if m > t {
                    x.scale((m - t) / (m * d))
                } else {
                    T::zero()
                };
            }
        } else {
            for x in v {
                let r = x.real();
                let s = if r > t {
                    (r - t) / d
                } else if r < -t {
                    (r + t) / d
                } else {
                    T::RealField::zero()
                };
                *x = T::from_real(s);
            }
        }
    }

    fn value(&self, x: &[T]) -> f64 {
        let sq: f64 = x.iter().map(|v| v.to_c64().norm_sqr()).sum();
        self.l1 * l1_norm(x) + 0.5 * self.l2 * sq
    }
}

// ---------------------------------------------------------------------------------------
// Projections
// ---------------------------------------------------------------------------------------

fn check_radius(r: f64) -> Result<f64> {
    check_weight("radius", r)
}

/// The indicator of the ℓ1 ball `{x : Σ |x_i| ≤ r}`; its prox (for any step) is the
/// Euclidean projection: `v` itself if inside, else the soft threshold of `v` at the unique
/// `θ > 0` with `Σ max(|v_i| − θ, 0) = r` (complex: the moduli are projected, the phases
/// kept).
///
/// `θ` is found by the sort-based algorithm of Duchi et al. (2008), applied only to the
/// moduli above the lower bound `(‖v‖₁ − r)/n` (so usually far fewer than `n`): O(n log n)
/// at worst. **Allocates** a scratch vector of those moduli. The result is then polished
/// (at most three O(n) passes) so that `‖p‖₁ = r` up to about one rounding per entry. A `v` with
/// NaN or infinite entries is left as is (for the solver's NaN check).
///
/// ```
/// use cstk_solvers::prox::{L1Ball, Prox};
/// let ball = L1Ball::new(1.0);
/// let mut v = vec![2.0f64, -1.0, 0.1];
/// ball.prox(&mut v, 1.0); // θ = 1: (2 − 1) + (1 − 1) = 1
/// assert_eq!(v, vec![1.0, 0.0, 0.0]);
/// assert_eq!(ball.value(&v), 0.0);
/// assert_eq!(ball.value(&[2.0f64]), f64::INFINITY);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct L1Ball {
    /// The radius `r ≥ 0`.
    pub radius: f64,
}

impl L1Ball {
    /// The ℓ1 ball of radius `radius` (finite, `≥ 0`; use [`L1Ball::try_new`] for user values).
    ///
    /// ```
    /// assert_eq!(cstk_solvers::prox::L1Ball::new(2.0).radius, 2.0);
    /// ```
    pub fn new(radius: f64) -> Self {
        L1Ball { radius }
    }

    /// The ℓ1 ball, or [`Error::InvalidParam`] unless `radius` is finite and `≥ 0`.
    ///
    /// ```
    /// use cstk_solvers::prox::L1Ball;
    /// assert!(L1Ball::try_new(0.0).is_ok() && L1Ball::try_new(-1.0).is_err());
    /// ```
    pub fn try_new(radius: f64) -> Result<Self> {
        Ok(L1Ball {
            radius: check_radius(radius)?,
        })
    }
}

/// The `θ` of the ℓ1-ball projection for `Σ|v_i| = s > r > 0` (Duchi et al. 2008 on the
/// moduli above the lower bound `(s − r)/n`).
fn l1_ball_threshold<T: Scalar>(v: &[T], s: f64, r: f64) -> f64 {
    let theta0 = (s - r) / v.len() as f64;
    let mut u: Vec<f64> = v
        .iter()
        .map(|&x| modulus_f64(x))
        .filter(|&m| m > theta0)
        .collect();
    u.sort_unstable_by(|a, b| b.total_cmp(a));
    let mut theta = theta0;
    let mut cum = 0.0;
    for (j, &m) in u.iter().enumerate() {
        cum += m;
        let t = (cum - r) / (j + 1) as f64;
        if m > t {
            theta = t;
        } else {
            break;
        }
    }
    theta.max(0.0)
}

impl<T: Scalar> Prox<T> for L1Ball {
    fn prox(&self, v: &mut [T], _step: f64) {
        let r = self.radius;
        let s: f64 = v.iter().map(|&x| modulus_f64(x)).sum();
        if s <= r || !s.is_finite() {
            return;
        }
        if r <= 0.0 {
            v.fill(T::zero());
            return;
        }
        let theta = l1_ball_threshold(v, s, r);
        shrink_f64(v, theta);
        // Polish: the rounding error of θ grows with ‖v‖₁/r; Michelot steps on the result
        // (shift the nonzero moduli by the mean excess `(‖p‖₁ − r)/#nonzero`) remove it.
        let slack = 0.25 * rel_tol::<T>() * r;
        for _ in 0..3 {
            let (s, active) = v.iter().fold((0.0f64, 0usize), |(s, a), &x| {
                let m = modulus_f64(x);
                (s + m, a + usize::from(m > 0.0))
            });
            let excess = s - r;
            if excess.abs() <= slack || !excess.is_finite() || active == 0 {
                break;
            }
            shrink_f64(v, excess / active as f64);
        }
    }

    fn value(&self, x: &[T]) -> f64 {
        let s: f64 = x.iter().map(|&v| modulus_f64(v)).sum();
        if s <= self.radius * (1.0 + rel_tol::<T>()) {
            0.0
        } else {
            f64::INFINITY
        }
    }
}

/// The indicator of the Euclidean ball `{x : ‖x‖₂ ≤ r}`; its prox (for any step) is the
/// projection `v · min(1, r/‖v‖₂)`. A `v` with NaN or infinite entries is left as is.
///
/// ```
/// use cstk_solvers::prox::{L2Ball, Prox};
/// let ball = L2Ball::new(1.0);
/// let mut v = vec![3.0f64, 4.0];
/// ball.prox(&mut v, 1.0);
/// assert!((v[0] - 0.6).abs() < 1e-15 && (v[1] - 0.8).abs() < 1e-15);
/// assert_eq!(ball.value(&v), 0.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct L2Ball {
    /// The radius `r ≥ 0`.
    pub radius: f64,
}

impl L2Ball {
    /// The ℓ2 ball of radius `radius` (finite, `≥ 0`; use [`L2Ball::try_new`] for user values).
    ///
    /// ```
    /// assert_eq!(cstk_solvers::prox::L2Ball::new(2.0).radius, 2.0);
    /// ```
    pub fn new(radius: f64) -> Self {
        L2Ball { radius }
    }

    /// The ℓ2 ball, or [`Error::InvalidParam`] unless `radius` is finite and `≥ 0`.
    ///
    /// ```
    /// use cstk_solvers::prox::L2Ball;
    /// assert!(L2Ball::try_new(1.0).is_ok() && L2Ball::try_new(f64::INFINITY).is_err());
    /// ```
    pub fn try_new(radius: f64) -> Result<Self> {
        Ok(L2Ball {
            radius: check_radius(radius)?,
        })
    }
}

impl<T: Scalar> Prox<T> for L2Ball {
    fn prox(&self, v: &mut [T], _step: f64) {
        let norm = norm2_f64(v);
        if norm > self.radius && norm.is_finite() {
            if self.radius <= 0.0 {
                v.fill(T::zero());
            } else {
                scale_f64(v, self.radius / norm);
            }
        }
    }

    fn value(&self, x: &[T]) -> f64 {
        if norm2_f64(x) <= self.radius * (1.0 + rel_tol::<T>()) {
            0.0
        } else {
            f64::INFINITY
        }
    }
}

/// The indicator of the ℓ∞ ball `{x : max |x_i| ≤ r}` — the conjugate of `r‖·‖₁`, so
/// `v = prox_{s·λ‖·‖₁}(v) + s·Π_{λ}(v/s)` (Moreau). Its prox (for any step) clips each
/// modulus at `r`: `v_i · min(1, r/|v_i|)` (real: clamp to `[−r, r]`).
///
/// ```
/// use cstk_solvers::prox::{LinfBall, Prox};
/// let ball = LinfBall::new(1.0);
/// let mut v = vec![3.0f64, -0.5, -2.0];
/// ball.prox(&mut v, 1.0);
/// assert_eq!(v, vec![1.0, -0.5, -1.0]);
/// assert_eq!(ball.value(&v), 0.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinfBall {
    /// The radius `r ≥ 0`.
    pub radius: f64,
}

impl LinfBall {
    /// The ℓ∞ ball of radius `radius` (finite, `≥ 0`; use [`LinfBall::try_new`] for user
    /// values).
    ///
    /// ```
    /// assert_eq!(cstk_solvers::prox::LinfBall::new(2.0).radius, 2.0);
    /// ```
    pub fn new(radius: f64) -> Self {
        LinfBall { radius }
    }

    /// The ℓ∞ ball, or [`Error::InvalidParam`] unless `radius` is finite and `≥ 0`.
    ///
    /// ```
    /// use cstk_solvers::prox::LinfBall;
    /// assert!(LinfBall::try_new(1.0).is_ok() && LinfBall::try_new(f64::NAN).is_err());
    /// ```
    pub fn try_new(radius: f64) -> Result<Self> {
        Ok(LinfBall {
            radius: check_radius(radius)?,
        })
    }
}

impl<T: Scalar> Prox<T> for LinfBall {
    fn prox(&self, v: &mut [T], _step: f64) {
        let r = self.radius;
        if T::IS_COMPLEX {
            for x in v {
                let c = x.to_c64();
                let m = c.norm();
                if m > r {
                    let q = r / m;
                    *x = T::from_f64_parts(c.re * q, c.im * q);
                }
            }
        } else {
            let hi = to_real::<T>(r);
            let lo = to_real::<T>(-r);
            for x in v {
                let re = x.real();
                if re > hi {
                    *x = T::from_real(hi);
                } else if re < lo {
                    *x = T::from_real(lo);
                }
            }
        }
    }

    fn value(&self, x: &[T]) -> f64 {
        let bound = self.radius * (1.0 + rel_tol::<T>());
        if x.iter().all(|&v| modulus_f64(v) <= bound) {
            0.0
        } else {
            f64::INFINITY
        }
    }
}

/// The indicator of the box `{x : lo ≤ x_i ≤ hi}` (real scalars only); its prox (for any
/// step) clamps each entry. The bounds may be infinite (`lo = 0, hi = ∞` is the
/// nonnegative orthant); NaN entries stay NaN.
///
/// ```
/// use cstk_solvers::prox::{BoxSet, Prox};
/// let b = BoxSet::try_new(-1.0, 2.0)?;
/// let mut v = vec![-3.0f64, 0.5, 7.0];
/// b.prox(&mut v, 1.0);
/// assert_eq!(v, vec![-1.0, 0.5, 2.0]);
/// assert_eq!(b.value(&v), 0.0);
/// assert_eq!(b.value(&[3.0]), f64::INFINITY);
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BoxSet {
    /// The lower bound (may be `−∞`).
    pub lo: f64,
    /// The upper bound (may be `+∞`), `hi ≥ lo`.
    pub hi: f64,
}

impl BoxSet {
    /// The box `[lo, hi]`; the bounds must be valid (see [`BoxSet::try_new`]).
    ///
    /// ```
    /// assert_eq!(cstk_solvers::prox::BoxSet::new(0.0, 1.0).hi, 1.0);
    /// ```
    pub fn new(lo: f64, hi: f64) -> Self {
        BoxSet { lo, hi }
    }

    /// The box `[lo, hi]`, or [`Error::InvalidParam`] if a bound is NaN, `lo > hi`,
    /// `lo = +∞` or `hi = −∞` (an empty set).
    ///
    /// ```
    /// use cstk_solvers::prox::BoxSet;
    /// assert!(BoxSet::try_new(0.0, f64::INFINITY).is_ok());
    /// assert!(BoxSet::try_new(1.0, 0.0).is_err());
    /// assert!(BoxSet::try_new(f64::NAN, 0.0).is_err());
    /// ```
    pub fn try_new(lo: f64, hi: f64) -> Result<Self> {
        if lo.is_nan() || lo == f64::INFINITY {
            return Err(invalid("lo", lo, "a number < +∞"));
        }
        if hi.is_nan() || hi == f64::NEG_INFINITY {
            return Err(invalid("hi", hi, "a number > −∞"));
        }
        if lo > hi {
            return Err(invalid("hi", hi, &format!("hi ≥ lo = {lo}")));
        }
        Ok(BoxSet { lo, hi })
    }
}

impl<T: Scalar<RealField = T>> Prox<T> for BoxSet {
    fn prox(&self, v: &mut [T], _step: f64) {
        let lo = T::from_f64_parts(self.lo, 0.0);
        let hi = T::from_f64_parts(self.hi, 0.0);
        for x in v {
            if *x < lo {
                *x = lo;
            } else if *x > hi {
                *x = hi;
            }
        }
    }

    fn value(&self, x: &[T]) -> f64 {
        let tol = rel_tol::<T>();
        let lo = self.lo - tol * self.lo.abs();
        let hi = self.hi + tol * self.hi.abs();
        if x.iter().all(|&v| {
            let v = real_to_f64::<T>(v);
            lo <= v && v <= hi
        }) {
            0.0
        } else {
            f64::INFINITY
        }
    }
}

/// The indicator of the nonnegative orthant `{x : x_i ≥ 0}` (real scalars only); its prox
/// (for any step) is `max(v_i, 0)`. NaN entries stay NaN.
///
/// ```
/// use cstk_solvers::prox::{NonNegative, Prox};
/// let mut v = vec![-1.0f32, 2.0];
/// NonNegative.prox(&mut v, 1.0);
/// assert_eq!(v, vec![0.0, 2.0]);
/// assert_eq!(NonNegative.value(&v), 0.0);
/// assert_eq!(NonNegative.value(&[-1e-30f32]), f64::INFINITY);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NonNegative;

impl<T: Scalar<RealField = T>> Prox<T> for NonNegative {
    fn prox(&self, v: &mut [T], _step: f64) {
        for x in v {
            if *x < T::zero() {
                *x = T::zero();
            }
        }
    }

    fn value(&self, x: &[T]) -> f64 {
        if x.iter().all(|&v| v >= T::zero()) {
            0.0
        } else {
            f64::INFINITY
        }
    }
}

/// `λ‖W x‖₁` for an orthonormal `W` (square, `WᴴW = I`) acting on `ny × nx` images
/// (row-major), with cycle spinning: every [`prox`](Prox::prox) call draws a random circular
/// shift `S` of the image and applies the exact prox of `λ‖W S x‖₁`,
/// `x ← Sᴴ Wᴴ soft(W S x, λ·step)`. Averaged over iterations this removes the blocky
/// artifacts of a fixed wavelet grid (BART's `pics -R W` shifts the same way). With
/// [`paired`](CycleSpinL1::paired) each call averages the proxes on two grids, the second
/// offset from the first by an odd shift in each axis (see there). Shifts come from a
/// seeded generator, so runs repeat exactly. [`value`](Prox::value) is `λ‖W x‖₁` (the
/// unshifted grid). Buffers are allocated once.
///
/// ```
/// use cstk_linop::transforms::wavelet::{Dwt2, Wavelet};
/// use cstk_solvers::prox::{CycleSpinL1, Prox};
/// let w = Dwt2::<f64>::new(8, 8, Wavelet::new("haar")?, 2)?;
/// let g = CycleSpinL1::new(w, 8, 8, 0.5, 7)?;
/// let mut v = vec![1.0f64; 64]; // constant: only the 2 × 2 approximation band is nonzero
/// g.prox(&mut v, 1.0);
/// // its four coefficients, 4 each, shrink by 0.5: every pixel drops by 0.5/4
/// assert!(v.iter().all(|&x| (x - (1.0 - 0.5 / 4.0)).abs() < 1e-12));
/// # Ok::<(), cstk_linop::Error>(())
/// ```
pub struct CycleSpinL1<T: Scalar, W: cstk_linop::LinOp<T>> {
    w: W,
    ny: usize,
    nx: usize,
    lambda: f64,
    spin: bool,
    paired: bool,
    /// Coefficients left unpenalized (sorted indices), e.g. the coarsest approximation band.
    keep: Vec<usize>,
    state: std::sync::Mutex<SpinState<T>>,
}

struct SpinState<T> {
    rng: crate::cd::SplitMix64,
    /// One set of buffers per grid (two when paired), so the pair runs concurrently.
    grids: Vec<Grid<T>>,
}

/// The buffers of one grid's prox.
struct Grid<T> {
    shifted: Vec<T>,
    coef: Vec<T>,
    kept: Vec<T>,
    /// `W`'s scratch.
    scratch: Vec<T>,
}

impl<T: Scalar> Grid<T> {
    fn new(n: usize, scratch_len: usize, kept: usize) -> Self {
        Grid {
            shifted: vec![T::zero(); n],
            coef: vec![T::zero(); n],
            kept: vec![T::zero(); kept],
            scratch: vec![T::zero(); scratch_len],
        }
    }
}

impl<T: Scalar, W: cstk_linop::LinOp<T>> CycleSpinL1<T, W> {
    /// `λ‖W·‖₁` with cycle spinning for `ny × nx` images; `seed` drives the shifts.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] when `lambda` is negative or not finite, or when `W` is not
    /// square of size `ny·nx`.
    ///
    /// ```
    /// use cstk_linop::Identity;
    /// use cstk_solvers::prox::CycleSpinL1;
    /// assert!(CycleSpinL1::<f64, _>::new(Identity::new(6), 2, 3, 0.1, 0).is_ok());
    /// assert!(CycleSpinL1::<f64, _>::new(Identity::new(6), 2, 2, 0.1, 0).is_err());
    /// ```
    pub fn new(w: W, ny: usize, nx: usize, lambda: f64, seed: u64) -> Result<Self> {
        let lambda = check_weight("lambda", lambda)?;
        let n = ny * nx;
        if w.nrows() != n || w.ncols() != n {
            return Err(invalid(
                "W",
                format!("{} x {}", w.nrows(), w.ncols()),
                &format!("a square transform of the {ny} x {nx} image ({n} x {n})"),
            ));
        }
        let scratch_len = w.scratch_len();
        Ok(CycleSpinL1 {
            w,
            ny,
            nx,
            lambda,
            spin: true,
            paired: false,
            keep: Vec::new(),
            state: std::sync::Mutex::new(SpinState {
                rng: crate::cd::SplitMix64(seed),
                grids: vec![Grid::new(n, scratch_len, 0)],
            }),
        })
    }

    /// Turns the random shifts off (`false`: the plain prox of `λ‖W x‖₁`).
    ///
    /// ```
    /// use cstk_linop::Identity;
    /// use cstk_solvers::prox::{CycleSpinL1, Prox};
    /// let g = CycleSpinL1::<f64, _>::new(Identity::new(4), 2, 2, 1.0, 0).unwrap().spin(false);
    /// let mut v = vec![3.0, -0.5, 0.0, 2.0];
    /// g.prox(&mut v, 1.0);
    /// assert_eq!(v, vec![2.0, 0.0, 0.0, 1.0]);
    /// ```
    pub fn spin(mut self, on: bool) -> Self {
        self.spin = on;
        self
    }

    /// Paired shifts (`true`): every prox averages the proxes on two wavelet grids, a random
    /// one `S₁` and `S₂ = S₁` moved by a random odd number of pixels along each axis,
    /// `x ← ½ (S₁ᴴ Wᴴ soft(W S₁ x) + S₂ᴴ Wᴴ soft(W S₂ x))`. An odd offset moves the block
    /// boundaries of every level of a dyadic wavelet, so the pair cancels most of the
    /// grid's artifacts within one step instead of over many: on 4× Cartesian MRI
    /// (256², Haar) 100 FISTA iterations gain 3–6 dB over single shifts and vary far less
    /// from seed to seed, for twice the wavelet work per prox. The average of two proxes is
    /// itself the prox of a convex function (the proximal average), so FISTA stays
    /// well defined. Without spinning (`spin(false)`) this has no effect.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Dwt2, Wavelet};
    /// use cstk_solvers::prox::{CycleSpinL1, Prox};
    /// // one level of Haar: only the parity of a shift matters, and a pair always holds
    /// // one even and one odd grid, so the result is the same for every seed
    /// for seed in 0..4 {
    ///     let w = Dwt2::<f64>::new(8, 8, Wavelet::new("haar")?, 1)?;
    ///     let g = CycleSpinL1::new(w, 8, 8, 0.1, seed)?.paired(true);
    ///     // a vertical edge between columns 3 and 4
    ///     let mut v: Vec<f64> = (0..64).map(|i| if i % 8 < 4 { 0.0 } else { 1.0 }).collect();
    ///     g.prox(&mut v, 1.0);
    ///     // even grid: the 2 × 2 blocks of ones keep 1.9 of their coefficient 2 (0.95 a
    ///     // pixel); odd grid: the blocks across the edge keep 0.9 of their mean and
    ///     // detail coefficients, 1 each (0.9 on the bright side, 0 on the dark side)
    ///     assert_eq!(v[3], 0.0);
    ///     assert!((v[4] - 0.925).abs() < 1e-12 && (v[5] - 0.95).abs() < 1e-12);
    /// }
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn paired(mut self, on: bool) -> Self {
        self.paired = on;
        let (n, scratch_len, kept) = (self.ny * self.nx, self.w.scratch_len(), self.keep.len());
        let st = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        st.grids
            .resize_with(if on { 2 } else { 1 }, || Grid::new(n, scratch_len, kept));
        self
    }

    /// Leaves the coefficients at `indices` unpenalized (`λ Σ_{i ∉ keep} |(Wx)_i|`): MRI
    /// practice (BART, SigPy) does not shrink the coarsest approximation band, whose
    /// shrinkage would only lower the image's contrast. Out-of-range indices are ignored.
    ///
    /// ```
    /// use cstk_linop::Identity;
    /// use cstk_solvers::prox::{CycleSpinL1, Prox};
    /// let g = CycleSpinL1::<f64, _>::new(Identity::new(4), 2, 2, 1.0, 0).unwrap()
    ///     .spin(false)
    ///     .keep(vec![0]);
    /// let mut v = vec![3.0, -0.5, 0.0, 2.0];
    /// g.prox(&mut v, 1.0);
    /// assert_eq!(v, vec![3.0, 0.0, 0.0, 1.0]);
    /// assert_eq!(g.value(&v), 1.0);
    /// ```
    pub fn keep(mut self, mut indices: Vec<usize>) -> Self {
        let n = self.ny * self.nx;
        indices.retain(|&i| i < n);
        indices.sort_unstable();
        indices.dedup();
        let st = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        for g in &mut st.grids {
            g.kept.resize(indices.len(), T::zero());
        }
        self.keep = indices;
        self
    }
}

/// Rows per rayon job in the cycle-spinning passes (elementwise, so the result does not
/// depend on the thread count).
const SPIN_ROWS: usize = 16;
/// Images smaller than this run the cycle-spinning passes on one thread.
const SPIN_PAR_MIN: usize = 1 << 15;

/// `out[(i + dy) mod ny, (j + dx) mod nx] = v[i, j]` (row-major `ny × nx`), or with `avg`,
/// `out ← ½ (out + shifted v)`.
fn circshift<T: Scalar>(
    v: &[T],
    out: &mut [T],
    (ny, nx): (usize, usize),
    (dy, dx): (usize, usize),
    avg: bool,
) {
    let half = T::from_f64_parts(0.5, 0.0);
    let rows = |(b, block): (usize, &mut [T])| {
        for (r, dst) in block.chunks_exact_mut(nx).enumerate() {
            let i = (b * SPIN_ROWS + r + ny - dy) % ny;
            let src = &v[i * nx..(i + 1) * nx];
            if avg {
                let (d1, d0) = dst.split_at_mut(dx);
                for (o, s) in d0
                    .iter_mut()
                    .zip(&src[..nx - dx])
                    .chain(d1.iter_mut().zip(&src[nx - dx..]))
                {
                    *o = (*o + *s) * half;
                }
            } else {
                dst[dx..].copy_from_slice(&src[..nx - dx]);
                dst[..dx].copy_from_slice(&src[nx - dx..]);
            }
        }
    };
    if ny * nx >= SPIN_PAR_MIN {
        out.par_chunks_mut(SPIN_ROWS * nx)
            .enumerate()
            .for_each(rows);
    } else {
        out.chunks_mut(SPIN_ROWS * nx).enumerate().for_each(rows);
    }
}

impl<T: Scalar, W: cstk_linop::LinOp<T>> CycleSpinL1<T, W> {
    /// The prox on the wavelet grid shifted by `(dy, dx)`, left shifted in `g.shifted`:
    /// `g.shifted ← Wᴴ soft(W S v)`.
    fn grid_prox(&self, g: &mut Grid<T>, v: &[T], step: f64, shift: (usize, usize)) {
        let nx = self.nx;
        circshift(v, &mut g.shifted, (self.ny, nx), shift, false);
        self.w
            .apply_with_scratch(&g.shifted, &mut g.coef, &mut g.scratch);
        for (k, &i) in self.keep.iter().enumerate() {
            g.kept[k] = g.coef[i];
        }
        let t = self.lambda * step;
        if g.coef.len() >= SPIN_PAR_MIN {
            g.coef
                .par_chunks_mut(SPIN_ROWS * nx)
                .for_each(|c| soft_threshold(c, t));
        } else {
            soft_threshold(&mut g.coef, t);
        }
        for (k, &i) in self.keep.iter().enumerate() {
            g.coef[i] = g.kept[k];
        }
        self.w
            .adjoint_with_scratch(&g.coef, &mut g.shifted, &mut g.scratch);
    }

    /// The inverse of the shift `(dy, dx)`.
    fn unshift(&self, (dy, dx): (usize, usize)) -> (usize, usize) {
        ((self.ny - dy) % self.ny, (self.nx - dx) % self.nx)
    }
}

impl<T: Scalar, W: cstk_linop::LinOp<T>> Prox<T> for CycleSpinL1<T, W> {
    fn prox(&self, v: &mut [T], step: f64) {
        let dims = (self.ny, self.nx);
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let st = &mut *guard;
        let s1 = if self.spin {
            (st.rng.below(dims.0), st.rng.below(dims.1))
        } else {
            (0, 0)
        };
        let (first, rest) = st.grids.split_first_mut().expect("one grid at least");
        match rest.first_mut() {
            Some(second) if self.spin => {
                // the second grid: an odd offset in 1..n along each axis (0 for one pixel)
                let odd = |rng: &mut crate::cd::SplitMix64, n: usize| {
                    if n < 2 { 0 } else { 2 * rng.below(n / 2) + 1 }
                };
                let (oy, ox) = (odd(&mut st.rng, dims.0), odd(&mut st.rng, dims.1));
                let s2 = ((s1.0 + oy) % dims.0, (s1.1 + ox) % dims.1);
                let input: &[T] = v;
                rayon::join(
                    || self.grid_prox(first, input, step, s1),
                    || self.grid_prox(second, input, step, s2),
                );
                circshift(&first.shifted, v, dims, self.unshift(s1), false);
                circshift(&second.shifted, v, dims, self.unshift(s2), true);
            }
            _ => {
                self.grid_prox(first, v, step, s1);
                circshift(&first.shifted, v, dims, self.unshift(s1), false);
            }
        }
    }

    fn value(&self, x: &[T]) -> f64 {
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let g = &mut guard.grids[0];
        self.w.apply_with_scratch(x, &mut g.coef, &mut g.scratch);
        for &i in &self.keep {
            g.coef[i] = T::zero();
        }
        self.lambda * l1_norm(&g.coef)
    }
}
