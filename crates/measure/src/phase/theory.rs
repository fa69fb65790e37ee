//! The theoretical ℓ1 phase transition ρ_W(δ) of Donoho & Tanner, computed through the
//! minimax risk of soft thresholding.
//!
//! With `n` measurements of a `k`-sparse signal of length `N`, write δ = n/N (undersampling)
//! and ρ = k/n (sparsity). For Gaussian (and, empirically, many other) sensing matrices,
//! ℓ1 minimisation recovers the signal with overwhelming probability for large `N` when
//! ρ < ρ_W(δ) and fails when ρ > ρ_W(δ).
//!
//! * Real classes ([`SignalClass::Signed`], [`SignalClass::Nonnegative`]): the state-evolution
//!   formula of Donoho, Maleki & Montanari (PNAS 2009, "Message-passing algorithms for
//!   compressed sensing"),
//!   ρ(δ) = max_{z ≥ 0} [1 − (κ/δ) g(z)] / [1 + z² − κ g(z)],
//!   g(z) = (1 + z²)Φ(−z) − zφ(z), κ = 2 (signed, cross-polytope) or κ = 1
//!   (nonnegative, simplex). It coincides with the combinatorial-geometry weak thresholds
//!   ρ_W^± and ρ_W^+ of Donoho & Tanner.
//! * Complex class: the curve δ = M(ε), ρ = ε/δ, where M is the minimax MSE of complex soft
//!   thresholding (Maleki, Anitori, Yang & Baraniuk, IEEE Trans. Inf. Theory 2013,
//!   "Asymptotic analysis of complex LASSO via complex approximate message passing").
//!
//! [`minimax_risk`] gives M(ε) for all three classes (Donoho, Johnstone, Maleki & Montanari
//! 2011, "Compressed sensing over ℓp-balls: minimax mean square error"); for the real classes
//! the curve δ = M(ε), ρ = ε/δ is the same as the DMM formula.
//!
//! ```
//! use cstk_measure::phase::theory::{weak_threshold, SignalClass};
//! let rho = weak_threshold(0.5, SignalClass::Signed)?;
//! assert!((rho - 0.3857).abs() < 1e-4);
//! # Ok::<(), cstk_measure::Error>(())
//! ```

use crate::{Error, Result};
use std::fmt;
use std::str::FromStr;

/// Which signal class the ℓ1 threshold is for.
///
/// ```
/// use cstk_measure::phase::theory::SignalClass;
/// let c: SignalClass = "nonnegative".parse()?;
/// assert_eq!(c, SignalClass::Nonnegative);
/// assert_eq!(c.name(), "nonnegative");
/// # Ok::<(), cstk_measure::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignalClass {
    /// Real signals of any sign: basis pursuit, the cross-polytope threshold ρ_W^±.
    Signed,
    /// Nonnegative real signals with BP constrained to x ≥ 0: the simplex threshold ρ_W^+.
    Nonnegative,
    /// Complex signals (complex BP / c-LASSO): Maleki, Anitori, Yang & Baraniuk (2013).
    Complex,
}

impl SignalClass {
    /// All classes, in declaration order.
    ///
    /// ```
    /// use cstk_measure::phase::theory::SignalClass;
    /// assert_eq!(SignalClass::ALL.len(), 3);
    /// assert_eq!(SignalClass::ALL[0], SignalClass::Signed);
    /// ```
    pub const ALL: [SignalClass; 3] = [
        SignalClass::Signed,
        SignalClass::Nonnegative,
        SignalClass::Complex,
    ];

    /// The lower-case name: `"signed"`, `"nonnegative"` or `"complex"` (what [`FromStr`]
    /// accepts).
    ///
    /// ```
    /// use cstk_measure::phase::theory::SignalClass;
    /// assert_eq!(SignalClass::Signed.name(), "signed");
    /// assert_eq!(SignalClass::Complex.to_string(), "complex");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            SignalClass::Signed => "signed",
            SignalClass::Nonnegative => "nonnegative",
            SignalClass::Complex => "complex",
        }
    }
}

impl fmt::Display for SignalClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses the names given by [`SignalClass::name`] (exactly, lower case).
///
/// ```
/// use cstk_measure::phase::theory::SignalClass;
/// assert_eq!("complex".parse::<SignalClass>()?, SignalClass::Complex);
/// assert!("positive".parse::<SignalClass>().is_err());
/// # Ok::<(), cstk_measure::Error>(())
/// ```
impl FromStr for SignalClass {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        SignalClass::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| Error::InvalidParam {
                name: "class",
                value: format!("{s:?}"),
                expected: "one of \"signed\", \"nonnegative\", \"complex\"".into(),
            })
    }
}

/// ρ_W(δ), the weak ℓ1 phase transition for `class`, for δ ∈ (0, 1]; ρ_W(1) = 1.
///
/// Accurate to about 1e-12 absolute for δ ∈ [1e-300, 1]; a call costs a few microseconds.
/// Below 1e-300 (where the Gaussian tails underflow) the value at 1e-300 is returned, which
/// is within 10% of the true curve down to the smallest subnormal.
///
/// # Errors
/// [`Error::InvalidParam`] when δ is NaN or outside (0, 1].
///
/// ```
/// use cstk_measure::phase::theory::{weak_threshold, SignalClass};
/// let signed = weak_threshold(0.25, SignalClass::Signed)?;
/// let nonneg = weak_threshold(0.25, SignalClass::Nonnegative)?;
/// let complex = weak_threshold(0.25, SignalClass::Complex)?;
/// assert!(0.0 < signed && signed < nonneg && signed < complex && complex < 1.0);
/// assert_eq!(weak_threshold(1.0, SignalClass::Signed)?, 1.0);
/// assert!(weak_threshold(0.0, SignalClass::Signed).is_err());
/// # Ok::<(), cstk_measure::Error>(())
/// ```
pub fn weak_threshold(delta: f64, class: SignalClass) -> Result<f64> {
    // `!(a && b)` so that NaN is rejected too.
    if !(delta > 0.0 && delta <= 1.0) {
        return Err(Error::InvalidParam {
            name: "delta",
            value: format!("{delta}"),
            expected: "0 < delta <= 1".into(),
        });
    }
    if delta == 1.0 {
        return Ok(1.0);
    }
    // Below ~1e-300 the Gaussian tails the formulas need underflow; the curve is so flat
    // there (ρ ≈ 1/(2 ln(1/δ)) ≈ 7e-4) that evaluating at the floor is within 10%.
    let delta = delta.max(DELTA_FLOOR);
    let rho = match class {
        SignalClass::Signed | SignalClass::Nonnegative => dmm_threshold(delta, class),
        SignalClass::Complex => minimax_threshold(delta, class),
    };
    Ok(rho.clamp(f64::MIN_POSITIVE, 1.0))
}

/// The minimax MSE of soft thresholding over ε-sparse priors and its minimising threshold:
/// `(M(ε), τ*)` with M(ε) = min_τ [ε(1 + τ²) + (1 − ε) R0(τ)], for ε ∈ [0, 1].
///
/// Noise has unit variance (E|Z|² = 1, circular for [`SignalClass::Complex`]) and τ is in
/// units of the noise standard deviation. R0(τ) is the risk at a zero coordinate:
/// 2[(1 + τ²)Φ(−τ) − τφ(τ)] (signed), (1 + τ²)Φ(−τ) − τφ(τ) (nonnegative, positive soft
/// thresholding) and e^{−τ²} − τ√π erfc(τ) (complex). At ε = 0 the result is
/// `(0.0, f64::INFINITY)`; at ε = 1 it is `(1.0, 0.0)`.
///
/// The weak threshold is the curve δ = M(ε), ρ = ε/δ.
///
/// # Errors
/// [`Error::InvalidParam`] when ε is NaN or outside [0, 1].
///
/// ```
/// use cstk_measure::phase::theory::{minimax_risk, weak_threshold, SignalClass};
/// let (m, tau) = minimax_risk(0.1, SignalClass::Signed)?;
/// assert!(m > 0.1 && m < 1.0 && tau > 0.0);
/// // The point (δ, ρ) = (M(ε), ε/M(ε)) lies on the phase transition.
/// let rho = weak_threshold(m, SignalClass::Signed)?;
/// assert!((rho - 0.1 / m).abs() < 1e-10);
/// assert!(minimax_risk(1.5, SignalClass::Signed).is_err());
/// # Ok::<(), cstk_measure::Error>(())
/// ```
pub fn minimax_risk(epsilon: f64, class: SignalClass) -> Result<(f64, f64)> {
    if !(0.0..=1.0).contains(&epsilon) {
        return Err(Error::InvalidParam {
            name: "epsilon",
            value: format!("{epsilon}"),
            expected: "0 <= epsilon <= 1".into(),
        });
    }
    if epsilon == 0.0 {
        return Ok((0.0, f64::INFINITY));
    }
    if epsilon == 1.0 {
        return Ok((1.0, 0.0));
    }
    let (m, tau, _) = minimax_inner(epsilon, class);
    Ok((m, tau))
}

// ---------------------------------------------------------------------------------------
// Special functions.

/// The smallest δ evaluated (see [`weak_threshold`]).
const DELTA_FLOOR: f64 = 1e-300;
const SQRT_2: f64 = std::f64::consts::SQRT_2;
/// 1/√(2π).
const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;
/// √π.
const SQRT_PI: f64 = 1.772_453_850_905_516;

fn normal_pdf(z: f64) -> f64 {
    INV_SQRT_2PI * (-0.5 * z * z).exp()
}

/// Φ(−z) = P(X > z), accurate in the upper tail.
fn normal_sf(z: f64) -> f64 {
    0.5 * libm::erfc(z / SQRT_2)
}

/// Partial moments of a standard normal above z ≥ 0: `(m1, m2, m3)` with
/// m_n = E[(X − z)₊ⁿ].
///
/// m_n = φ(z) I_n(z) with I_n(z) = ∫₀^∞ tⁿ e^{−zt − t²/2} dt, and I_n/I_{n−1} = r_n with
/// r_n = n/(z + r_{n+1}). For z ≥ 2 the ratios are evaluated by that continued fraction
/// (backward recurrence, all terms positive) so that m_n = Φ(−z) r_1 ⋯ r_n carries no
/// cancellation; below 2 the closed forms lose at most a few bits.
fn tail_moments(z: f64) -> (f64, f64, f64) {
    let q = normal_sf(z);
    if z < 2.0 {
        let p = normal_pdf(z);
        let m1 = p - z * q;
        let m2 = (1.0 + z * z) * q - z * p;
        let m3 = 2.0 * m1 - z * m2;
        (m1, m2, m3)
    } else {
        const DEPTH: usize = 120;
        // r_k ≈ √k for k ≫ z²; start the recurrence from that.
        let mut r = (DEPTH as f64 + 1.0).sqrt();
        let (mut r1, mut r2, mut r3) = (0.0, 0.0, 0.0);
        for k in (1..=DEPTH).rev() {
            r = k as f64 / (z + r);
            match k {
                3 => r3 = r,
                2 => r2 = r,
                1 => r1 = r,
                _ => {}
            }
        }
        let m1 = q * r1;
        let m2 = m1 * r2;
        (m1, m2, m2 * r3)
    }
}

/// The risk of soft thresholding at τ applied to pure unit noise, with what the solvers need.
#[derive(Clone, Copy, Debug)]
struct ZeroRisk {
    /// R0(τ).
    r0: f64,
    /// 1 − R0(τ), computed without cancellation where R0 is close to 1.
    c: f64,
    /// R0'(τ) (negative).
    d1: f64,
    /// R0''(τ) (positive).
    d2: f64,
}

fn zero_risk(tau: f64, class: SignalClass) -> ZeroRisk {
    match class {
        SignalClass::Signed | SignalClass::Nonnegative => {
            let kappa = if class == SignalClass::Signed {
                2.0
            } else {
                1.0
            };
            let (m1, m2, _) = tail_moments(tau);
            let r0 = kappa * m2;
            let c = if class == SignalClass::Signed && tau < 1.0 {
                // 1 − 2[(1+τ²)Φ(−τ) − τφ(τ)] = (1+τ²) erf(τ/√2) + 2τφ(τ) − τ².
                (1.0 + tau * tau) * libm::erf(tau / SQRT_2) + 2.0 * tau * normal_pdf(tau)
                    - tau * tau
            } else {
                1.0 - r0
            };
            ZeroRisk {
                r0,
                c,
                d1: -2.0 * kappa * m1,
                d2: 2.0 * kappa * normal_sf(tau),
            }
        }
        SignalClass::Complex => {
            // |Z| has density 2r e^{−r²}; R0 = E(|Z| − τ)₊². Substituting r = τ + s/√2
            // turns it into Gaussian partial moments at z = √2 τ:
            // R0 = √π τ m2(√2τ) + (√(2π)/2) m3(√2τ) = e^{−τ²} − τ√π erfc(τ).
            let z = SQRT_2 * tau;
            let (_, m2, m3) = tail_moments(z);
            let r0 = SQRT_PI * tau * m2 + (SQRT_PI / SQRT_2) * m3;
            let erfc = libm::erfc(tau);
            ZeroRisk {
                r0,
                c: -libm::expm1(-tau * tau) + tau * SQRT_PI * erfc,
                d1: -SQRT_PI * erfc,
                d2: 2.0 * (-tau * tau).exp(),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Solvers.

/// Safeguarded Newton for a decreasing function `f` with `f(lo) > 0 > f(hi)`;
/// `f` returns `(value, derivative)`.
///
/// The safeguard is that of `rtsafe` (Numerical Recipes): bisect whenever the Newton step
/// leaves the bracket or would not halve the step before last, so that the crawl of Newton
/// on exponentially small tails (steps of ~1/z) cannot stall it.
fn decreasing_root(mut lo: f64, mut hi: f64, f: impl Fn(f64) -> (f64, f64)) -> f64 {
    let mut x = 0.5 * (lo + hi);
    let mut step_old = hi - lo;
    let mut step = step_old;
    for _ in 0..400 {
        let (v, d) = f(x);
        if v == 0.0 {
            return x;
        }
        if v > 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let newton = x - v / d;
        let use_newton =
            d < 0.0 && newton > lo && newton < hi && (2.0 * v).abs() <= (step_old * d).abs();
        step_old = step;
        let next = if use_newton { newton } else { 0.5 * (lo + hi) };
        step = (next - x).abs();
        x = next;
        if step <= 2.0 * f64::EPSILON * x.abs() || hi - lo <= 4.0 * f64::EPSILON * hi.abs() {
            break;
        }
    }
    x
}

/// Minimax risk for 0 < ε < 1: `(M, τ*, dM/dε)`.
fn minimax_inner(epsilon: f64, class: SignalClass) -> (f64, f64, f64) {
    // F(τ) = ε(1+τ²) + (1−ε)R0(τ) is strictly convex; F'(0) < 0. Find F'(τ) = 0, i.e. the
    // root of the decreasing function −F'.
    let neg_fprime = |tau: f64| {
        let z = zero_risk(tau, class);
        (
            -(2.0 * epsilon * tau + (1.0 - epsilon) * z.d1),
            -(2.0 * epsilon + (1.0 - epsilon) * z.d2),
        )
    };
    let mut hi = 1.0;
    while neg_fprime(hi).0 > 0.0 && hi < 1e3 {
        hi *= 2.0;
    }
    let tau = decreasing_root(0.0, hi, neg_fprime);
    let z = zero_risk(tau, class);
    let m = epsilon * (1.0 + tau * tau) + (1.0 - epsilon) * z.r0;
    // Envelope theorem: dM/dε = 1 + τ² − R0(τ).
    (m, tau, tau * tau + z.c)
}

/// ρ(δ) for the real classes by the Donoho–Maleki–Montanari formula.
///
/// With R0 = κg, the objective is ρ(z) = (δ − R0)/(δ(1 + z² − R0)). Its stationarity
/// condition is h(z) = −R0'(z)(1 + z² − δ) − 2z(δ − R0(z)) = 0, with
/// h'(z) = −R0''(z)(1 + z² − δ) − 2(δ − R0(z)). At any zero of h with z > 0, δ > R0 (the
/// first term of h is positive), so h' < 0 there: the zero is unique, h(0) > 0, and it is
/// the maximiser. Solving h = 0 gives z to machine precision, and ρ with it.
fn dmm_threshold(delta: f64, class: SignalClass) -> f64 {
    let h = |z: f64| {
        let r = zero_risk(z, class);
        let gap = delta - r.r0;
        (
            -r.d1 * (1.0 + z * z - delta) - 2.0 * z * gap,
            -r.d2 * (1.0 + z * z - delta) - 2.0 * gap,
        )
    };
    // The maximiser sits near √(2 ln(1/δ)); widen until h changes sign.
    let mut hi = (2.0 * (1.0 / delta).ln()).sqrt() + 2.0;
    while h(hi).0 >= 0.0 && hi < 1e3 {
        hi *= 1.5;
    }
    let z = decreasing_root(0.0, hi, h);
    let r = zero_risk(z, class);
    let numerator = if r.r0 > 0.5 {
        (delta - 1.0) + r.c
    } else {
        delta - r.r0
    };
    numerator / (delta * (z * z + r.c))
}

/// ρ(δ) by solving M(ε) = δ for ε (M is increasing and concave in ε, M(ε) ≥ ε).
fn minimax_threshold(delta: f64, class: SignalClass) -> f64 {
    let (mut lo, mut hi) = (0.0, delta);
    // Newton on a concave increasing function lands left of the root and then climbs
    // monotonically; the bracket guards against rounding.
    let mut eps = 0.5 * delta;
    for _ in 0..200 {
        let (m, _, dm) = minimax_inner(eps, class);
        let v = m - delta;
        if v == 0.0 {
            break;
        }
        if v < 0.0 {
            lo = eps;
        } else {
            hi = eps;
        }
        let newton = eps - v / dm;
        let next = if dm > 0.0 && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        let done =
            (next - eps).abs() <= 4.0 * f64::EPSILON * eps || hi - lo <= 4.0 * f64::EPSILON * hi;
        eps = next;
        if done {
            break;
        }
    }
    eps / delta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continued_fraction_matches_closed_form_at_the_switch() {
        for &z in &[2.0, 2.5, 3.0, 4.0] {
            let q = normal_sf(z);
            let p = normal_pdf(z);
            let m1 = p - z * q;
            let m2 = (1.0 + z * z) * q - z * p;
            let m3 = 2.0 * m1 - z * m2;
            let (a1, a2, a3) = tail_moments(z);
            assert!((a1 / m1 - 1.0).abs() < 1e-13, "z={z}");
            assert!((a2 / m2 - 1.0).abs() < 1e-12, "z={z}");
            assert!((a3 / m3 - 1.0).abs() < 1e-10, "z={z}");
        }
    }

    #[test]
    fn complex_risk_matches_closed_form() {
        for i in 0..=40 {
            let tau = i as f64 * 0.1;
            let closed = (-tau * tau).exp() - tau * SQRT_PI * libm::erfc(tau);
            let r = zero_risk(tau, SignalClass::Complex);
            assert!((r.r0 - closed).abs() <= 1e-14 + 1e-10 * closed, "tau={tau}");
            assert!((r.c - (1.0 - closed)).abs() < 1e-14, "tau={tau}");
        }
    }

    #[test]
    fn signed_complement_is_consistent() {
        for i in 0..=20 {
            let tau = i as f64 * 0.05;
            let r = zero_risk(tau, SignalClass::Signed);
            assert!((r.c - (1.0 - r.r0)).abs() < 1e-15, "tau={tau}");
        }
    }
}
