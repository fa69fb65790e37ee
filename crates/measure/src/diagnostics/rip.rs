//! An empirical lower bound on the restricted isometry constant `δ_k`.
//!
//! `δ_k` is the smallest `δ` with `(1 − δ)‖x‖² ≤ ‖A x‖² ≤ (1 + δ)‖x‖²` for every `k`-sparse
//! `x`, i.e. `δ_k = max_{|S| = k} max(λmax(A_Sᴴ A_S) − 1, 1 − λmin(A_Sᴴ A_S))`. The maximum
//! over all `C(n, k)` supports is out of reach (computing `δ_k` is NP-hard), so
//! [`rip_lower_bound`] takes it over the supports it tests: random ones, and two grown
//! greedily. Every tested support only raises the bound, never past the true `δ_k`.

use super::coherence::{check_finite, max_coherence, real_to_f64};
use crate::rng::{self, Domain, sample_indices};
use cstk_linop::scalar::dot;
use cstk_linop::{Error, Result, Scalar};
use nalgebra::{DMatrix, SymmetricEigen};
use rayon::prelude::*;

/// Parameters of [`rip_lower_bound`]: public fields, consuming setters.
///
/// | field | default | meaning | valid range |
/// |---|---|---|---|
/// | `k` | (required) | support size (sparsity level) | `1 ≤ k ≤ min(m, n)` |
/// | `random_trials` | 1000 | number of uniformly random `k`-supports tested | any; at least 1 when `greedy` is off |
/// | `greedy` | `true` | also test two supports grown greedily (one raising `λmax`, one lowering `λmin`) | |
/// | `seed` | 0 | seed of the random supports: trial `t` draws from [`rng::stream`]`(seed, Domain::RIP, t)` | any |
///
/// ```
/// use cstk_measure::diagnostics::RipParams;
/// let p = RipParams::new(5).random_trials(200).greedy(false).seed(7);
/// assert_eq!((p.k, p.random_trials, p.greedy, p.seed), (5, 200, false, 7));
/// assert_eq!(RipParams::new(5).random_trials, 1000);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RipParams {
    /// Support size `k` (`1 ≤ k ≤ min(m, n)`).
    pub k: usize,
    /// Number of uniformly random supports to test (default 1000).
    pub random_trials: usize,
    /// Whether to test the two greedily grown supports (default `true`).
    pub greedy: bool,
    /// Seed of the random supports (default 0).
    pub seed: u64,
}

impl RipParams {
    /// The defaults of the table above for support size `k`.
    ///
    /// ```
    /// let p = cstk_measure::diagnostics::RipParams::new(3);
    /// assert!(p.greedy && p.seed == 0);
    /// ```
    pub fn new(k: usize) -> Self {
        RipParams {
            k,
            random_trials: 1000,
            greedy: true,
            seed: 0,
        }
    }

    /// Sets the support size `k`.
    ///
    /// ```
    /// assert_eq!(cstk_measure::diagnostics::RipParams::new(3).k(4).k, 4);
    /// ```
    pub fn k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }

    /// Sets the number of random supports.
    ///
    /// ```
    /// let p = cstk_measure::diagnostics::RipParams::new(3).random_trials(10);
    /// assert_eq!(p.random_trials, 10);
    /// ```
    pub fn random_trials(mut self, trials: usize) -> Self {
        self.random_trials = trials;
        self
    }

    /// Turns the greedy supports on or off.
    ///
    /// ```
    /// assert!(!cstk_measure::diagnostics::RipParams::new(3).greedy(false).greedy);
    /// ```
    pub fn greedy(mut self, greedy: bool) -> Self {
        self.greedy = greedy;
        self
    }

    /// Sets the seed of the random supports.
    ///
    /// ```
    /// assert_eq!(cstk_measure::diagnostics::RipParams::new(3).seed(9).seed, 9);
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

/// The result of [`rip_lower_bound`]: `δ_k ≥ delta`.
///
/// With `λmin(S)`, `λmax(S)` the extreme eigenvalues of `A_Sᴴ A_S` (columns as given, not
/// normalized) and the minimum / maximum over the tested supports:
/// * `lower = 1 − min_S λmin(S)` and `upper = max_S λmax(S) − 1` (either may be negative);
/// * `delta = max(lower, upper)` (≥ 0 up to rounding);
/// * `worst_support` = the support (sorted) attaining `delta`: the first tested support with
///   the smallest `λmin` when `lower ≥ upper`, else the first with the largest `λmax`
///   (random trials in order, then the greedy `λmax` support, then the greedy `λmin` one);
/// * `supports_tested` = `random_trials`, plus 2 with `greedy`.
///
/// ```
/// use cstk_measure::diagnostics::{rip_lower_bound, RipParams};
/// use nalgebra::DMatrix;
/// let a = DMatrix::<f64>::identity(8, 8) * 2.0; // ‖A x‖² = 4‖x‖²
/// let r = rip_lower_bound(&a, &RipParams::new(3).random_trials(5))?;
/// assert!((r.upper - 3.0).abs() < 1e-12 && (r.lower + 3.0).abs() < 1e-12);
/// assert_eq!((r.delta, r.supports_tested, r.worst_support.len()), (r.upper, 7, 3));
/// # Ok::<(), cstk_measure::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RipEstimate {
    /// The support size.
    pub k: usize,
    /// `max(lower, upper)`: a lower bound on `δ_k`.
    pub delta: f64,
    /// `1 − min λmin(A_Sᴴ A_S)` over the tested supports.
    pub lower: f64,
    /// `max λmax(A_Sᴴ A_S) − 1` over the tested supports.
    pub upper: f64,
    /// The tested support attaining `delta`, sorted ascending.
    pub worst_support: Vec<usize>,
    /// Number of `k`-supports whose eigenvalues were computed.
    pub supports_tested: usize,
}

/// A lower bound on the restricted isometry constant `δ_k` of `a`'s columns (as given, not
/// normalized) from random and greedy supports; see [`RipEstimate`] for the definitions.
///
/// * **Random**: `random_trials` uniformly random `k`-subsets, trial `t` drawn by
///   [`sample_indices`] from `rng::stream(seed, Domain::RIP, t)`, evaluated in parallel.
///   Cost `k²m + O(k³)` each.
/// * **Greedy**: two supports grown one column at a time from the most coherent pair of
///   columns (for `k = 1`: the longest / shortest column): one adds the column that raises
///   `λmax(A_Sᴴ A_S)` most, the other the column that lowers `λmin` most (the first column on
///   ties). A candidate's new extreme eigenvalue is the outermost root of the secular
///   equation of the bordered Gram matrix, found by bisection from the eigendecomposition
///   of the current `A_Sᴴ A_S`. Cost: `n²m` for the coherent pair, then per step `nm` (inner
///   products with the new column) and `O(n(s² + 60 s))` for the candidates, about
///   `n²m + k·n·(m + k² + 60 k)` per support — milliseconds for 128 × 512 and `k = 10`.
///
/// The result is bit-identical for any number of rayon threads.
///
/// # Errors
/// * [`Error::InvalidParam`] (`k`) unless `1 ≤ k ≤ min(m, n)`; (`random_trials`) when it is 0
///   and `greedy` is off.
/// * [`Error::NonFinite`] at the first NaN or infinite entry of `a` (as `(row, column)`), or
///   when a Gram matrix overflows.
///
/// ```
/// use cstk_measure::diagnostics::{rip_lower_bound, RipParams};
/// use nalgebra::DMatrix;
/// // orthonormal columns are an exact isometry: δ_k = 0
/// let q = DMatrix::<f64>::identity(6, 4);
/// let r = rip_lower_bound(&q, &RipParams::new(2))?;
/// assert!(r.delta.abs() < 1e-12);
/// // two equal unit columns: A (e_0 − e_1) = 0, so δ_2 = 1
/// let mut a = DMatrix::<f64>::identity(6, 4);
/// a.set_column(3, &a.column(0).clone_owned());
/// let r = rip_lower_bound(&a, &RipParams::new(2).random_trials(0))?;
/// assert!((r.delta - 1.0).abs() < 1e-12);
/// assert_eq!(r.worst_support, vec![0, 3]);
/// # Ok::<(), cstk_measure::Error>(())
/// ```
pub fn rip_lower_bound<T: Scalar>(a: &DMatrix<T>, params: &RipParams) -> Result<RipEstimate> {
    let (m, n) = a.shape();
    let k = params.k;
    if k == 0 || k > m.min(n) {
        return Err(Error::InvalidParam {
            name: "k",
            value: k.to_string(),
            expected: format!("1 ≤ k ≤ min(m, n) = {} for a {m} x {n} matrix", m.min(n)),
        });
    }
    if params.random_trials == 0 && !params.greedy {
        return Err(Error::InvalidParam {
            name: "random_trials",
            value: "0".into(),
            expected: "at least 1 when greedy is off (no support would be tested)".into(),
        });
    }
    check_finite(a, "RIP estimate")?;

    let seed = params.seed;
    let mut tested: Vec<Tested> = (0..params.random_trials as u64)
        .into_par_iter()
        .map(|t| {
            let s = sample_indices(&mut rng::stream(seed, Domain::RIP, t), n, k);
            extremes(a, s)
        })
        .collect();
    if params.greedy {
        tested.push(extremes(a, greedy_support(a, k, Grow::RaiseMax)?));
        tested.push(extremes(a, greedy_support(a, k, Grow::LowerMin)?));
    }

    let (mut imin, mut imax) = (0, 0);
    for (i, t) in tested.iter().enumerate() {
        if !(t.lmin.is_finite() && t.lmax.is_finite()) {
            return Err(Error::NonFinite {
                context: "RIP estimate: eigenvalues of a Gram matrix (overflow?)".into(),
                position: format!("support {:?}", t.support),
                value: format!("[{}, {}]", t.lmin, t.lmax),
            });
        }
        if t.lmin < tested[imin].lmin {
            imin = i;
        }
        if t.lmax > tested[imax].lmax {
            imax = i;
        }
    }
    let lower = 1.0 - tested[imin].lmin;
    let upper = tested[imax].lmax - 1.0;
    let worst = if lower >= upper { imin } else { imax };
    let supports_tested = tested.len();
    Ok(RipEstimate {
        k,
        delta: lower.max(upper),
        lower,
        upper,
        worst_support: tested.swap_remove(worst).support,
        supports_tested,
    })
}

/// A tested support with the extreme eigenvalues of its Gram matrix.
struct Tested {
    support: Vec<usize>,
    lmin: f64,
    lmax: f64,
}

/// Column `j` of `a` as a slice.
#[inline]
fn col<T: Scalar>(a: &DMatrix<T>, j: usize) -> &[T] {
    let m = a.nrows();
    &a.as_slice()[j * m..(j + 1) * m]
}

/// The Gram matrix `A_Sᴴ A_S` of the columns `s` (both triangles filled).
fn gram<T: Scalar>(a: &DMatrix<T>, s: &[usize]) -> DMatrix<T> {
    let k = s.len();
    let mut g = DMatrix::<T>::zeros(k, k);
    for u in 0..k {
        for t in 0..=u {
            let v = dot(col(a, s[t]), col(a, s[u]));
            g[(t, u)] = v;
            g[(u, t)] = v.conjugate();
        }
        g[(u, u)] = T::from_real(g[(u, u)].real());
    }
    g
}

/// The extreme eigenvalues of `A_Sᴴ A_S` for the support `s` (sorted on return).
fn extremes<T: Scalar>(a: &DMatrix<T>, mut s: Vec<usize>) -> Tested {
    s.sort_unstable();
    let eig = gram(a, &s).symmetric_eigenvalues();
    let (mut lmin, mut lmax) = (f64::INFINITY, f64::NEG_INFINITY);
    for &l in eig.iter() {
        let l = real_to_f64::<T>(l);
        lmin = if l < lmin || l.is_nan() { l } else { lmin };
        lmax = if l > lmax || l.is_nan() { l } else { lmax };
    }
    Tested {
        support: s,
        lmin,
        lmax,
    }
}

/// Which extreme eigenvalue a greedy support pushes outwards.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Grow {
    /// Add the column that raises `λmax` most.
    RaiseMax,
    /// Add the column that lowers `λmin` most.
    LowerMin,
}

/// A `k`-support grown greedily (see [`rip_lower_bound`]), sorted.
fn greedy_support<T: Scalar>(a: &DMatrix<T>, k: usize, grow: Grow) -> Result<Vec<usize>> {
    let n = a.ncols();
    let norm2: Vec<f64> = (0..n)
        .into_par_iter()
        .map(|j| dot(col(a, j), col(a, j)).to_c64().re)
        .collect();
    let first_best = |score: &[Option<f64>]| -> usize {
        let mut best: Option<(f64, usize)> = None;
        for (j, &s) in score.iter().enumerate() {
            let Some(s) = s else { continue };
            let wins = match best {
                None => true,
                Some((b, _)) => match grow {
                    Grow::RaiseMax => s > b,
                    Grow::LowerMin => s < b,
                },
            };
            if wins {
                best = Some((s, j));
            }
        }
        best.expect("a candidate column remains").1
    };
    if k == 1 {
        let score: Vec<Option<f64>> = norm2.iter().map(|&v| Some(v)).collect();
        return Ok(vec![first_best(&score)]);
    }

    let (_, (i0, j0)) = max_coherence(a, true)?;
    let mut support = vec![i0, j0];
    let mut in_support = vec![false; n];
    in_support[i0] = true;
    in_support[j0] = true;
    // p[t·n + c] = ⟨a_{S_t}, a_c⟩ for the members S_t of the support
    let mut p = vec![T::zero(); k * n];
    let inner_products = |p: &mut [T], s: usize| {
        p.par_iter_mut()
            .enumerate()
            .for_each(|(c, v)| *v = dot(col(a, s), col(a, c)));
    };
    inner_products(&mut p[..n], i0);
    inner_products(&mut p[n..2 * n], j0);

    while support.len() < k {
        let s = support.len();
        let mut g = DMatrix::<T>::zeros(s, s);
        for u in 0..s {
            for t in 0..s {
                g[(t, u)] = p[t * n + support[u]];
            }
        }
        let eig = SymmetricEigen::new(g);
        let lam: Vec<f64> = eig
            .eigenvalues
            .iter()
            .map(|&l| real_to_f64::<T>(l))
            .collect();
        let uh = eig.eigenvectors.adjoint();
        let score: Vec<Option<f64>> = (0..n)
            .into_par_iter()
            .map_init(
                || vec![0.0; s],
                |w, c| {
                    if in_support[c] {
                        return None;
                    }
                    // w_i = |(Uᴴ b)_i|², b_t = ⟨a_{S_t}, a_c⟩
                    for (i, wi) in w.iter_mut().enumerate() {
                        let mut z = T::zero();
                        for t in 0..s {
                            z += uh[(i, t)] * p[t * n + c];
                        }
                        *wi = z.to_c64().norm_sqr();
                    }
                    Some(bordered_extreme(&lam, w, norm2[c], grow))
                },
            )
            .collect();
        let c = first_best(&score);
        support.push(c);
        in_support[c] = true;
        if support.len() < k {
            inner_products(&mut p[s * n..(s + 1) * n], c);
        }
    }
    support.sort_unstable();
    Ok(support)
}

/// The largest (`RaiseMax`) or smallest (`LowerMin`) eigenvalue of the bordered Hermitian
/// matrix `[[G, b], [bᴴ, d]]`, where `G` has eigenvalues `lam` and `w_i = |(Uᴴ b)_i|²` in
/// its eigenbasis `U`.
///
/// The new eigenvalues other than those of `G` are the roots of the secular function
/// `g(λ) = d − λ + Σ w_i / (λ − λ_i)`, which decreases on `(max λ_i, ∞)` and on
/// `(−∞, min λ_i)`. The outermost root lies between the old extreme eigenvalue and
/// `max(λmax, d) + ‖b‖` (or `min(λmin, d) − ‖b‖`) by Weyl's inequality; bisection finds it
/// to the last bit. When no root lies outside (`w` vanishes on the extreme eigenvector), the
/// old extreme eigenvalue remains the extreme one, which is where bisection then ends.
fn bordered_extreme(lam: &[f64], w: &[f64], d: f64, grow: Grow) -> f64 {
    let bnorm = w.iter().sum::<f64>().sqrt();
    let g = |x: f64| d - x + lam.iter().zip(w).map(|(&l, &wi)| wi / (x - l)).sum::<f64>();
    let (mut lo, mut hi) = match grow {
        Grow::RaiseMax => {
            let top = lam.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (top, top.max(d) + bnorm)
        }
        Grow::LowerMin => {
            let bottom = lam.iter().copied().fold(f64::INFINITY, f64::min);
            (bottom.min(d) - bnorm, bottom)
        }
    };
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if g(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_complex::Complex;

    /// The secular root agrees with a full eigendecomposition of the bordered matrix.
    #[test]
    fn bordered_extreme_matches_eigendecomposition() {
        let (m, n) = (12, 9);
        let data: Vec<Complex<f64>> = cstk_linop::testing::random_vec(m * n, 5);
        let a = DMatrix::from_column_slice(m, n, &data);
        for s in 1..n {
            let support: Vec<usize> = (0..s).collect();
            let g = gram(&a, &support);
            let eig = SymmetricEigen::new(g);
            let lam: Vec<f64> = eig.eigenvalues.iter().copied().collect();
            let uh = eig.eigenvectors.adjoint();
            for c in s..n {
                let b: Vec<Complex<f64>> = support
                    .iter()
                    .map(|&t| dot(col(&a, t), col(&a, c)))
                    .collect();
                let w: Vec<f64> = (0..s)
                    .map(|i| {
                        (0..s)
                            .map(|t| uh[(i, t)] * b[t])
                            .sum::<Complex<f64>>()
                            .norm_sqr()
                    })
                    .collect();
                let d = dot(col(&a, c), col(&a, c)).re;
                let mut full = support.clone();
                full.push(c);
                let t = extremes(&a, full);
                let up = bordered_extreme(&lam, &w, d, Grow::RaiseMax);
                let down = bordered_extreme(&lam, &w, d, Grow::LowerMin);
                assert!(
                    (up - t.lmax).abs() < 1e-10 * t.lmax,
                    "s={s} c={c}: {up} vs {}",
                    t.lmax
                );
                assert!(
                    (down - t.lmin).abs() < 1e-10 * t.lmax,
                    "s={s} c={c}: {down} vs {}",
                    t.lmin
                );
            }
        }
    }

    /// Deflation: a candidate orthogonal to the support leaves the old extremes in place
    /// unless its own norm is more extreme.
    #[test]
    fn bordered_extreme_deflated() {
        let lam = [0.5, 2.0];
        assert!((bordered_extreme(&lam, &[0.0, 0.0], 1.0, Grow::RaiseMax) - 2.0).abs() < 1e-15);
        assert!((bordered_extreme(&lam, &[0.0, 0.0], 1.0, Grow::LowerMin) - 0.5).abs() < 1e-15);
        assert!((bordered_extreme(&lam, &[0.0, 0.0], 3.0, Grow::RaiseMax) - 3.0).abs() < 1e-15);
        assert!((bordered_extreme(&lam, &[0.0, 0.0], 0.1, Grow::LowerMin) - 0.1).abs() < 1e-15);
    }
}
