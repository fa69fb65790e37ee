//! Regularization grids: the one place where paths and cross-validation get their α values.

use crate::Result;
use crate::solution::invalid;

/// The geometric grid `α_max · 10^(linspace(0, log10 eps, n))`, descending from `α_max` to
/// `eps · α_max` (scikit-learn's `_alpha_grid`: `np.geomspace(α_max, α_max·eps, n)`).
/// When `α_max` is 0 (a zero `X` or `y`) every value is `f64::EPSILON`, where the solution
/// is `w = 0` (scikit-learn falls back to `finfo.resolution`).
///
/// ```
/// use cstk_solvers::grid::geometric_grid;
/// let g = geometric_grid(2.0, 1e-2, 3);
/// assert_eq!(g[0], 2.0);
/// assert!((g[1] - 0.2).abs() < 1e-15 && (g[2] - 0.02).abs() < 1e-16);
/// assert_eq!(geometric_grid(0.0, 1e-3, 2), vec![f64::EPSILON; 2]);
/// ```
pub fn geometric_grid(alpha_max: f64, eps: f64, n: usize) -> Vec<f64> {
    if alpha_max <= f64::EPSILON {
        return vec![f64::EPSILON; n];
    }
    let lo = eps.log10();
    (0..n)
        .map(|i| {
            let t = if n == 1 {
                0.0
            } else {
                lo * i as f64 / (n - 1) as f64
            };
            alpha_max * 10f64.powf(t)
        })
        .collect()
}

/// The grid a path runs on: the explicit `alphas` sorted into descending order, or
/// [`geometric_grid`]`(alpha_max(), eps, n_alphas)` (`alpha_max` is only called then).
///
/// # Errors
/// [`crate::Error::InvalidParam`] for an empty explicit grid or one with a value that is not
/// finite and positive, `n_alphas = 0` or `eps` outside `(0, 1]` (without `alphas`), and
/// whatever `alpha_max` returns.
///
/// ```
/// use cstk_solvers::grid::resolve_grid;
/// let g = resolve_grid(Some(&[0.1, 1.0]), 0, 0.0, || unreachable!()).unwrap();
/// assert_eq!(g, vec![1.0, 0.1]);
/// assert_eq!(resolve_grid(None, 2, 0.5, || Ok(4.0)).unwrap(), vec![4.0, 2.0]);
/// assert!(resolve_grid(Some(&[]), 10, 0.1, || Ok(1.0)).is_err());
/// assert!(resolve_grid(None, 10, 0.0, || Ok(1.0)).is_err());
/// ```
pub fn resolve_grid(
    alphas: Option<&[f64]>,
    n_alphas: usize,
    eps: f64,
    alpha_max: impl FnOnce() -> Result<f64>,
) -> Result<Vec<f64>> {
    match alphas {
        Some(a) => {
            if a.is_empty() {
                return Err(invalid("alphas", "[]", "a non-empty grid"));
            }
            if let Some(&v) = a.iter().find(|v| !(v.is_finite() && **v > 0.0)) {
                return Err(invalid("alphas", v, "finite values > 0"));
            }
            let mut a = a.to_vec();
            a.sort_by(|u, v| v.total_cmp(u));
            Ok(a)
        }
        None => {
            if n_alphas == 0 {
                return Err(invalid("n_alphas", 0, "≥ 1"));
            }
            if !(eps > 0.0 && eps <= 1.0) {
                return Err(invalid("eps", eps, "a number in (0, 1]"));
            }
            Ok(geometric_grid(alpha_max()?, eps, n_alphas))
        }
    }
}
