//! ℓ₁-regularized (and elastic-net) binary logistic regression by a proximal Newton method
//! with coordinate-descent inner solves and working sets, certified by a duality gap.
//!
//! **Objective.** Labels `y_i ∈ {0, 1}`, margins `z_i = x_iᵀw + b`, `n` samples:
//!
//! ```text
//! (1/n) Σ_i [log(1 + exp(z_i)) − y_i z_i]  +  α ρ ‖w‖₁  +  (α (1 − ρ) / 2) ‖w‖₂²
//! ```
//!
//! with `ρ = l1_ratio` (1 = pure ℓ₁) — the scaling of [`crate::cd`]'s Lasso, so α lines up
//! with the Lasso's. The intercept `b` is free (not penalized) unless `penalize_intercept`,
//! in which case it is `b = s·v` for a synthetic constant feature of value
//! `s = intercept_scaling` whose weight `v` is penalized like the others (`αρ|v| +
//! α(1−ρ)v²/2`): liblinear's semantics.
//!
//! **scikit-learn.** `LogisticRegression(l1_ratio=ρ, C=C)` minimizes
//! `C Σ_i log(1 + exp(−ỹ_i z_i)) + ρ‖w‖₁ + ((1−ρ)/2)‖w‖²` (`ỹ = 2y − 1`; scikit-learn 1.9
//! does *not* divide the loss by `n` for saga/liblinear). Multiplying the objective above by
//! `n C` gives exactly that problem for `α = 1 / (n C)` ([`LogisticL1::from_sklearn_c`]):
//! `solver="saga"` is `penalize_intercept: false`, `solver="liblinear"` is
//! `penalize_intercept: true` with the same `intercept_scaling` ([`LogisticL1::liblinear`]).
//!
//! **Algorithm** (glmnet / liblinear's newGLMNET / skglm's ProxNewton). Outer iterations
//! compute `Xᵀθ` for the current dual point (one pass over X), the duality gap, and a
//! working set: the nonzero coefficients plus the features that most violate their dual
//! constraint `|x_jᵀθ| ≤ αρ` (at least 10, at least twice the support). On the working set
//! proximal Newton steps minimize the second-order model of the loss plus the exact penalty
//! by cyclic coordinate descent (the intercept, when free, is one more unpenalized
//! coordinate of the same model), followed by an Armijo backtracking line search on the
//! true objective. Losses and probabilities use overflow-free forms
//! (`log(1+eᶻ) = max(z,0) + log1p(e^{−|z|})`), so separable data cannot overflow; with
//! `α > 0` a minimizer exists and the iterates stay bounded.
//!
//! **Stopping rule and `tol`.** The dual of the problem is
//! `max_θ (1/n) Σ_i H(q_i) − R*(Xᵀθ)` with `q = y − nθ ∈ [0,1]ⁿ`, `H` the binary entropy,
//! `R*` the conjugate of the penalty (ρ = 1: the constraint `‖Xᵀθ‖∞ ≤ α`), and `Σθ_i = 0`
//! when the intercept is free. The dual point is built from the fitted probabilities `p`:
//! `p` is shifted toward the labels so that `Σ(y − p̃) = 0` (free intercept), `θ = (y −
//! p̃)/n`, then scaled into `‖Xᵀθ‖∞ ≤ αρ` when `ρ = 1`. The solver stops when
//! `gap = P(w, b) − D(θ) ≤ tol · P(w, b)`, which certifies a *relative* objective error
//! `(P − P*)/P* ≤ tol / (1 − tol)`. [`LogisticFit::dual_gap`] is that gap (in this scaling).
//!
//! **Determinism.** `Xᵀθ` and the working-set curvatures are computed with each entry by one
//! sequential sum (rayon over fixed blocks of entries); everything else is sequential.
//! Results are bit-identical for any thread count.
//!
//! ```
//! use cstk_solvers::logistic::{LogisticL1, logistic_alpha_max};
//! use nalgebra::DMatrix;
//! let x = DMatrix::from_fn(40, 6, |i, j| (((i * 7 + j * 13) % 17) as f64 - 8.0) / 5.0);
//! let y: Vec<f64> = (0..40).map(|i| if x[(i, 1)] - x[(i, 4)] > 0.1 { 1.0 } else { 0.0 }).collect();
//! let amax = logistic_alpha_max(&x, &y, true).unwrap();
//! let fit = LogisticL1::new(amax / 10.0).tol(1e-10).fit(&x, &y).unwrap();
//! assert!(fit.stop.converged() && fit.dual_gap <= 1e-10 * fit.objective);
//! assert!(fit.coef[1] > 0.0 && fit.coef[4] < 0.0);
//! let mut prob = vec![0.0; 40];
//! fit.predict_proba(&x, &mut prob).unwrap();
//! assert!(prob.iter().all(|&p| (0.0..=1.0).contains(&p)));
//! ```

// Coordinate descent is index arithmetic over several parallel arrays.
#![allow(clippy::needless_range_loop)]

use crate::design::{Column, DesignMatrix};
use crate::grid::resolve_grid;
use crate::prox::soft_threshold;
use crate::solution::{check_finite, invalid, no_observer, shape_mismatch};
use crate::{History, Observer, Progress, Recorder, Result, Solution, StopReason};
use nalgebra::DMatrix;
use rayon::prelude::*;

/// ℓ₁ / elastic-net logistic regression (see the [module docs](self) for the objective,
/// algorithm and stopping rule).
///
/// | name | default | meaning | valid range |
/// |------|---------|---------|-------------|
/// | `alpha` | 1.0 | α, overall penalty strength (`1 / (n C)` in scikit-learn's terms) | finite, > 0 |
/// | `l1_ratio` | 1.0 | ρ, share of the ℓ₁ penalty (1 = pure ℓ₁) | [0, 1] |
/// | `fit_intercept` | true | fit an intercept `b` | |
/// | `penalize_intercept` | false | liblinear semantics: `b = s·v`, `v` penalized | |
/// | `intercept_scaling` | 1.0 | `s`, the synthetic feature's value (only with `penalize_intercept`) | finite, > 0 |
/// | `max_iter` | 200 | maximum number of proximal Newton steps | ≥ 1 |
/// | `tol` | 1e-6 | stop when duality gap ≤ `tol · objective` | finite, > 0 |
/// | `max_cd_passes` | 50 | coordinate-descent passes per Newton step (at most) | ≥ 1 |
/// | `record_history` | false | fill [`LogisticFit::history`] (one entry per gap check) | |
///
/// ```
/// use cstk_solvers::logistic::LogisticL1;
/// let m = LogisticL1::from_sklearn_c(0.5, 100);
/// assert_eq!(m.alpha, 1.0 / 50.0);
/// assert!(m.clone().l1_ratio(0.5).tol(1e-8).max_iter(50).fit_intercept(false).tol > 0.0);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LogisticL1 {
    /// α, the overall penalty strength.
    pub alpha: f64,
    /// ρ, the share of the ℓ₁ penalty.
    pub l1_ratio: f64,
    /// Fit an intercept.
    pub fit_intercept: bool,
    /// Penalize the intercept as a synthetic feature (liblinear).
    pub penalize_intercept: bool,
    /// The synthetic feature's value `s`.
    pub intercept_scaling: f64,
    /// Maximum number of proximal Newton steps.
    pub max_iter: usize,
    /// Relative duality-gap tolerance.
    pub tol: f64,
    /// Maximum coordinate-descent passes per Newton step.
    pub max_cd_passes: usize,
    /// Record a history.
    pub record_history: bool,
}

impl Default for LogisticL1 {
    fn default() -> Self {
        LogisticL1 {
            alpha: 1.0,
            l1_ratio: 1.0,
            fit_intercept: true,
            penalize_intercept: false,
            intercept_scaling: 1.0,
            max_iter: 200,
            tol: 1e-6,
            max_cd_passes: 50,
            record_history: false,
        }
    }
}

setters!(LogisticL1 {
    /// Sets `alpha`.
    alpha: f64,
    /// Sets `l1_ratio`.
    l1_ratio: f64,
    /// Sets `fit_intercept`.
    fit_intercept: bool,
    /// Sets `penalize_intercept`.
    penalize_intercept: bool,
    /// Sets `intercept_scaling`.
    intercept_scaling: f64,
    /// Sets `max_iter`.
    max_iter: usize,
    /// Sets `tol`.
    tol: f64,
    /// Sets `max_cd_passes`.
    max_cd_passes: usize,
    /// Sets `record_history`.
    record_history: bool,
});

/// The result of [`LogisticL1::fit`].
#[derive(Clone, Debug, PartialEq)]
pub struct LogisticFit {
    /// Coefficients `w` (one per feature).
    pub coef: Vec<f64>,
    /// Intercept `b` (0 without `fit_intercept`; `s·v` with `penalize_intercept`).
    pub intercept: f64,
    /// Final objective (the module-level formula, with its `1/n`).
    pub objective: f64,
    /// Final duality gap (same scaling).
    pub dual_gap: f64,
    /// Proximal Newton steps taken.
    pub n_iter: usize,
    /// Why the solver stopped.
    pub stop: StopReason,
    /// Per-gap-check records (empty unless `record_history`).
    pub history: History,
}

impl From<LogisticFit> for Solution<f64> {
    fn from(f: LogisticFit) -> Self {
        Solution {
            x: f.coef,
            iterations: f.n_iter,
            stop: f.stop,
            history: f.history,
            objective: f.objective,
            gap: f.dual_gap,
        }
    }
}

impl LogisticFit {
    /// `out ← X w + b` for new rows (see [`decision_function`]).
    ///
    /// # Errors
    /// [`crate::Error::ShapeMismatch`] if `x` does not have `coef.len()` columns or `out`
    /// does not have `x.nrows()` entries.
    ///
    /// ```
    /// use cstk_solvers::logistic::LogisticFit;
    /// use nalgebra::DMatrix;
    /// let fit = LogisticFit { coef: vec![2.0], intercept: -1.0, objective: 0.0, dual_gap: 0.0,
    ///     n_iter: 0, stop: cstk_solvers::StopReason::Converged, history: Default::default() };
    /// let mut z = vec![0.0; 2];
    /// fit.decision_function(&DMatrix::from_column_slice(2, 1, &[0.0, 1.0]), &mut z).unwrap();
    /// assert_eq!(z, vec![-1.0, 1.0]);
    /// ```
    pub fn decision_function<'a>(
        &self,
        x: impl Into<DesignMatrix<'a>>,
        out: &mut [f64],
    ) -> Result<()> {
        decision_function(x.into(), &self.coef, self.intercept, out)
    }

    /// `out ← P(y = 1 | x) = σ(x w + b)` for new rows.
    ///
    /// # Errors
    /// As [`LogisticFit::decision_function`].
    ///
    /// ```
    /// use cstk_solvers::logistic::LogisticFit;
    /// use nalgebra::DMatrix;
    /// let fit = LogisticFit { coef: vec![1.0], intercept: 0.0, objective: 0.0, dual_gap: 0.0,
    ///     n_iter: 0, stop: cstk_solvers::StopReason::Converged, history: Default::default() };
    /// let mut p = vec![0.0; 1];
    /// fit.predict_proba(&DMatrix::from_element(1, 1, 0.0), &mut p).unwrap();
    /// assert_eq!(p, vec![0.5]);
    /// ```
    pub fn predict_proba<'a>(&self, x: impl Into<DesignMatrix<'a>>, out: &mut [f64]) -> Result<()> {
        self.decision_function(x, out)?;
        out.iter_mut().for_each(|z| *z = sigmoid(*z));
        Ok(())
    }
}

/// `out ← X w + b` (the margins; `σ` of them are probabilities of class 1).
///
/// # Errors
/// [`crate::Error::ShapeMismatch`] if `coef.len() != x.ncols()` or `out.len() != x.nrows()`.
///
/// ```
/// use cstk_solvers::logistic::decision_function;
/// use nalgebra::DMatrix;
/// let x = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 3.0, 4.0]);
/// let mut z = vec![0.0; 2];
/// decision_function((&x).into(), &[1.0, -1.0], 0.5, &mut z).unwrap();
/// assert_eq!(z, vec![-0.5, -0.5]);
/// ```
pub fn decision_function(
    x: DesignMatrix<'_>,
    coef: &[f64],
    intercept: f64,
    out: &mut [f64],
) -> Result<()> {
    if coef.len() != x.ncols() {
        return Err(shape_mismatch("coefficients", x.ncols(), coef.len()));
    }
    if out.len() != x.nrows() {
        return Err(shape_mismatch("output", x.nrows(), out.len()));
    }
    x.mul_vec(coef, out);
    out.iter_mut().for_each(|z| *z += intercept);
    Ok(())
}

/// The logistic function `1 / (1 + e^{−z})`, without overflow for any `z`.
///
/// ```
/// use cstk_solvers::logistic::sigmoid;
/// assert_eq!(sigmoid(0.0), 0.5);
/// assert_eq!(sigmoid(-1000.0), 0.0);
/// assert_eq!(sigmoid(1000.0), 1.0);
/// ```
#[inline]
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// `log(1 + eᶻ)` without overflow.
#[inline]
fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}

/// The loss of one sample: `log(1 + eᶻ) − y z`.
#[inline]
fn loss1(z: f64, y: f64) -> f64 {
    if y > 0.5 { softplus(-z) } else { softplus(z) }
}

/// Binary entropy `−q ln q − (1 − q) ln(1 − q)` (0 at 0 and 1).
#[inline]
fn entropy(q: f64) -> f64 {
    let t = |v: f64| if v > 0.0 { -v * v.ln() } else { 0.0 };
    t(q) + t(1.0 - q)
}

impl LogisticL1 {
    /// Penalty `alpha`, other parameters at their defaults.
    ///
    /// ```
    /// assert_eq!(cstk_solvers::logistic::LogisticL1::new(0.1).alpha, 0.1);
    /// ```
    pub fn new(alpha: f64) -> Self {
        LogisticL1 {
            alpha,
            ..Default::default()
        }
    }

    /// scikit-learn's `LogisticRegression(l1_ratio=1, C=c, solver="saga")` on `n_samples`
    /// samples: `α = 1 / (n_samples · c)`, free intercept.
    ///
    /// ```
    /// let m = cstk_solvers::logistic::LogisticL1::from_sklearn_c(2.0, 10);
    /// assert_eq!(m.alpha, 0.05);
    /// ```
    pub fn from_sklearn_c(c: f64, n_samples: usize) -> Self {
        LogisticL1::new(1.0 / (n_samples as f64 * c))
    }

    /// scikit-learn's `LogisticRegression(l1_ratio=1, C=c, solver="liblinear",
    /// intercept_scaling=s)`: `α = 1 / (n_samples · c)`, penalized intercept of scale `s`.
    ///
    /// ```
    /// let m = cstk_solvers::logistic::LogisticL1::liblinear(1.0, 4, 10.0);
    /// assert!(m.penalize_intercept && m.intercept_scaling == 10.0 && m.alpha == 0.25);
    /// ```
    pub fn liblinear(c: f64, n_samples: usize, intercept_scaling: f64) -> Self {
        LogisticL1 {
            penalize_intercept: true,
            intercept_scaling,
            ..LogisticL1::from_sklearn_c(c, n_samples)
        }
    }

    fn validate(&self) -> Result<()> {
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return Err(invalid("alpha", self.alpha, "a finite number > 0"));
        }
        validate_common(
            self.l1_ratio,
            self.intercept_scaling,
            self.tol,
            self.max_iter,
            self.max_cd_passes,
        )
    }

    fn opts(&self) -> Opts {
        Opts {
            tol: self.tol,
            max_iter: self.max_iter,
            max_cd: self.max_cd_passes,
        }
    }

    /// Fits from `w = 0` (and the optimal intercept of the null model).
    ///
    /// # Errors
    /// [`crate::Error::ShapeMismatch`] if `y.len() != x.nrows()`;
    /// [`crate::Error::NonFinite`] for NaN/Inf in `x` or `y`;
    /// [`crate::Error::InvalidParam`] for labels other than 0/1, a single class in `y`, or
    /// parameters out of range.
    ///
    /// ```
    /// use cstk_solvers::logistic::LogisticL1;
    /// use nalgebra::DMatrix;
    /// let x = DMatrix::from_column_slice(4, 1, &[0.0, 1.0, 2.0, 3.0]);
    /// assert!(LogisticL1::new(0.1).fit(&x, &[1.0, 1.0, 1.0, 1.0]).is_err()); // one class
    /// assert!(LogisticL1::new(0.1).fit(&x, &[0.0, 2.0, 1.0, 1.0]).is_err()); // label 2
    /// assert!(LogisticL1::new(0.1).fit(&x, &[0.0, 0.0, 1.0, 1.0]).is_ok());
    /// ```
    pub fn fit<'a>(&self, x: impl Into<DesignMatrix<'a>>, y: &[f64]) -> Result<LogisticFit> {
        self.fit_with_observer(x, y, None, &mut no_observer())
    }

    /// Fits from the warm start `(w0, b0)` (`b0` is the intercept `b`, also with
    /// `penalize_intercept`; ignored without `fit_intercept`).
    ///
    /// ```
    /// use cstk_solvers::logistic::LogisticL1;
    /// use nalgebra::DMatrix;
    /// let x = DMatrix::from_fn(30, 4, |i, j| (((i * 5 + j * 11) % 13) as f64 - 6.0) / 4.0);
    /// let y: Vec<f64> = (0..30).map(|i| (x[(i, 0)] + 0.3 * x[(i, 2)] > 0.0) as u8 as f64).collect();
    /// let m = LogisticL1::new(0.01).tol(1e-9);
    /// let cold = m.fit(&x, &y).unwrap();
    /// let warm = m.fit_warm(&x, &y, &cold.coef, cold.intercept).unwrap();
    /// assert!(warm.n_iter <= 1 && warm.stop.converged());
    /// ```
    pub fn fit_warm<'a>(
        &self,
        x: impl Into<DesignMatrix<'a>>,
        y: &[f64],
        w0: &[f64],
        b0: f64,
    ) -> Result<LogisticFit> {
        self.fit_with_observer(x, y, Some((w0, b0)), &mut no_observer())
    }

    /// Fits from `(w0, b0)` (or the null model), calling `observer` after every gap check
    /// (`iteration` = Newton steps so far); a `Break` stops with
    /// [`StopReason::Interrupted`].
    ///
    /// ```
    /// use cstk_solvers::logistic::LogisticL1;
    /// use cstk_solvers::StopReason;
    /// use nalgebra::DMatrix;
    /// use std::ops::ControlFlow;
    /// let x = DMatrix::from_fn(30, 8, |i, j| (((i * 31 + j * 17) % 23) as f64 - 11.0) / 7.0);
    /// let y: Vec<f64> = (0..30).map(|i| (x[(i, 0)] > x[(i, 5)]) as u8 as f64).collect();
    /// let mut stop = |_: &cstk_solvers::Progress| ControlFlow::Break(());
    /// let fit = LogisticL1::new(1e-3).fit_with_observer(&x, &y, None, &mut stop).unwrap();
    /// assert_eq!(fit.stop, StopReason::Interrupted);
    /// ```
    pub fn fit_with_observer<'a>(
        &self,
        x: impl Into<DesignMatrix<'a>>,
        y: &[f64],
        start: Option<(&[f64], f64)>,
        observer: Observer<'_>,
    ) -> Result<LogisticFit> {
        self.validate()?;
        let icpt = Intercept::of(
            self.fit_intercept,
            self.penalize_intercept,
            self.intercept_scaling,
        );
        let pb = Problem::new(x.into(), y, icpt, self.alpha, self.l1_ratio)?;
        let mut w = vec![0.0; pb.p];
        let mut v = pb.null_intercept();
        if let Some((w0, b0)) = start {
            if w0.len() != pb.p {
                return Err(shape_mismatch("warm start w0", pb.p, w0.len()));
            }
            check_finite("warm start w0", w0)?;
            check_finite("warm start b0", &[b0])?;
            w.copy_from_slice(w0);
            v = match icpt {
                Intercept::None => 0.0,
                Intercept::Free => b0,
                Intercept::Penalized(s) => b0 / s,
            };
        }
        let mut rec = Recorder::new(self.record_history, observer);
        let mut ws = Workspace::new(pb.n, pb.p);
        let out = solve(&pb, &mut w, &mut v, &self.opts(), &mut ws, &mut rec)?;
        Ok(LogisticFit {
            coef: w,
            intercept: pb.intercept(v),
            objective: out.objective,
            dual_gap: out.gap,
            n_iter: out.n_iter,
            stop: out.stop,
            history: rec.finish(),
        })
    }
}

fn validate_common(
    l1_ratio: f64,
    intercept_scaling: f64,
    tol: f64,
    max_iter: usize,
    max_cd: usize,
) -> Result<()> {
    if !(0.0..=1.0).contains(&l1_ratio) {
        return Err(invalid("l1_ratio", l1_ratio, "a number in [0, 1]"));
    }
    if !(intercept_scaling.is_finite() && intercept_scaling > 0.0) {
        return Err(invalid(
            "intercept_scaling",
            intercept_scaling,
            "a finite number > 0",
        ));
    }
    if !(tol.is_finite() && tol > 0.0) {
        return Err(invalid("tol", tol, "a finite number > 0"));
    }
    if max_iter == 0 {
        return Err(invalid("max_iter", 0, "≥ 1"));
    }
    if max_cd == 0 {
        return Err(invalid("max_cd_passes", 0, "≥ 1"));
    }
    Ok(())
}

/// The smallest α for which the ℓ₁ solution (ρ = 1) is `w = 0`: with a free intercept
/// `‖Xᵀ(y − ȳ)‖∞ / n` (the null model's intercept is `logit(ȳ)`), without one
/// `‖Xᵀ(y − ½)‖∞ / n`. For ρ < 1 divide by ρ. (With a penalized intercept, as in
/// [`LogisticPath`], the synthetic column `s·1` joins the max of the no-intercept formula,
/// giving the α at which the intercept, too, is zero.)
///
/// # Errors
/// As [`LogisticL1::fit`] for `x` and `y`.
///
/// ```
/// use cstk_solvers::logistic::{logistic_alpha_max, LogisticL1};
/// use nalgebra::DMatrix;
/// let x = DMatrix::from_fn(12, 3, |i, j| ((i * 3 + j * 5) % 7) as f64);
/// let y: Vec<f64> = (0..12).map(|i| (i % 3 == 0) as u8 as f64).collect();
/// let amax = logistic_alpha_max(&x, &y, true).unwrap();
/// let fit = LogisticL1::new(amax).fit(&x, &y).unwrap();
/// assert!(fit.coef.iter().all(|&c| c == 0.0));
/// let fit = LogisticL1::new(0.9 * amax).tol(1e-10).fit(&x, &y).unwrap();
/// assert!(fit.coef.iter().any(|&c| c != 0.0));
/// ```
pub fn logistic_alpha_max<'a>(
    x: impl Into<DesignMatrix<'a>>,
    y: &[f64],
    fit_intercept: bool,
) -> Result<f64> {
    let icpt = Intercept::of(fit_intercept, false, 1.0);
    let pb = Problem::new(x.into(), y, icpt, 1.0, 1.0)?;
    Ok(pb.alpha_max())
}

/// A regularization path: fits for a descending grid of α, each warm-started from the
/// previous one.
///
/// | name | default | meaning | valid range |
/// |------|---------|---------|-------------|
/// | `n_alphas` | 100 | grid size (ignored with `alphas`) | ≥ 1 |
/// | `eps` | 1e-3 | `α_min / α_max` | (0, 1] |
/// | `alphas` | `None` | explicit grid (sorted into descending order) | finite, > 0 |
/// | `l1_ratio` | 1.0 | ρ | (0, 1] |
/// | `fit_intercept` | true | fit an intercept | |
/// | `penalize_intercept` | false | liblinear semantics | |
/// | `intercept_scaling` | 1.0 | synthetic feature value | finite, > 0 |
/// | `max_iter` | 200 | Newton steps per α | ≥ 1 |
/// | `tol` | 1e-6 | per-α relative duality gap | finite, > 0 |
/// | `max_cd_passes` | 50 | CD passes per Newton step | ≥ 1 |
///
/// The default grid is `α_max · 10^(linspace(0, log10(eps), n_alphas))` with α_max from
/// [`logistic_alpha_max`] divided by ρ (with a penalized intercept, including the
/// synthetic column); the first column of the path is then `w = 0`.
///
/// ```
/// use cstk_solvers::logistic::LogisticPath;
/// use nalgebra::DMatrix;
/// let x = DMatrix::from_fn(30, 5, |i, j| (((i * 7 + j * 3) % 11) as f64 - 5.0) / 3.0);
/// let y: Vec<f64> = (0..30).map(|i| (x[(i, 2)] > 0.0) as u8 as f64).collect();
/// let path = LogisticPath::default().n_alphas(8).eps(1e-2).fit(&x, &y).unwrap();
/// assert_eq!(path.coefs.ncols(), 8);
/// assert!(path.coefs.column(0).iter().all(|&c| c == 0.0));
/// assert!(path.coefs[(2, 7)] > 0.0);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LogisticPath {
    /// Grid size.
    pub n_alphas: usize,
    /// `α_min / α_max`.
    pub eps: f64,
    /// Explicit grid.
    pub alphas: Option<Vec<f64>>,
    /// ρ.
    pub l1_ratio: f64,
    /// Fit an intercept.
    pub fit_intercept: bool,
    /// Penalize the intercept (liblinear).
    pub penalize_intercept: bool,
    /// The synthetic feature's value.
    pub intercept_scaling: f64,
    /// Newton steps per α.
    pub max_iter: usize,
    /// Relative duality-gap tolerance per α.
    pub tol: f64,
    /// CD passes per Newton step.
    pub max_cd_passes: usize,
}

impl Default for LogisticPath {
    fn default() -> Self {
        LogisticPath {
            n_alphas: 100,
            eps: 1e-3,
            alphas: None,
            l1_ratio: 1.0,
            fit_intercept: true,
            penalize_intercept: false,
            intercept_scaling: 1.0,
            max_iter: 200,
            tol: 1e-6,
            max_cd_passes: 50,
        }
    }
}

setters!(LogisticPath {
    /// Sets `n_alphas`.
    n_alphas: usize,
    /// Sets `eps`.
    eps: f64,
    /// Sets `alphas`.
    alphas: Option<Vec<f64>>,
    /// Sets `l1_ratio`.
    l1_ratio: f64,
    /// Sets `fit_intercept`.
    fit_intercept: bool,
    /// Sets `penalize_intercept`.
    penalize_intercept: bool,
    /// Sets `intercept_scaling`.
    intercept_scaling: f64,
    /// Sets `max_iter`.
    max_iter: usize,
    /// Sets `tol`.
    tol: f64,
    /// Sets `max_cd_passes`.
    max_cd_passes: usize,
});

/// The result of [`LogisticPath::fit`].
#[derive(Clone, Debug, PartialEq)]
pub struct LogisticPathFit {
    /// The grid, descending.
    pub alphas: Vec<f64>,
    /// Coefficients, `n_features × n_alphas` (column `k` belongs to `alphas[k]`).
    pub coefs: DMatrix<f64>,
    /// Intercepts (zeros without `fit_intercept`).
    pub intercepts: Vec<f64>,
    /// Objective values.
    pub objectives: Vec<f64>,
    /// Final duality gaps.
    pub dual_gaps: Vec<f64>,
    /// Newton steps per α.
    pub n_iters: Vec<usize>,
    /// Stop reason per α.
    pub stops: Vec<StopReason>,
}

impl LogisticPath {
    /// Computes the path.
    ///
    /// # Errors
    /// As [`LogisticL1::fit`]; [`crate::Error::InvalidParam`] for a bad grid.
    ///
    /// ```
    /// use cstk_solvers::logistic::LogisticPath;
    /// use nalgebra::DMatrix;
    /// let x = DMatrix::from_fn(10, 2, |i, j| (i + j) as f64);
    /// let y: Vec<f64> = (0..10).map(|i| (i >= 5) as u8 as f64).collect();
    /// assert!(LogisticPath::default().alphas(Some(vec![])).fit(&x, &y).is_err());
    /// let p = LogisticPath::default().alphas(Some(vec![0.01, 0.1])).fit(&x, &y).unwrap();
    /// assert_eq!(p.alphas, vec![0.1, 0.01]);
    /// ```
    pub fn fit<'a>(&self, x: impl Into<DesignMatrix<'a>>, y: &[f64]) -> Result<LogisticPathFit> {
        if !(self.l1_ratio > 0.0 && self.l1_ratio <= 1.0) {
            return Err(invalid("l1_ratio", self.l1_ratio, "a number in (0, 1]"));
        }
        validate_common(
            self.l1_ratio,
            self.intercept_scaling,
            self.tol,
            self.max_iter,
            self.max_cd_passes,
        )?;
        let icpt = Intercept::of(
            self.fit_intercept,
            self.penalize_intercept,
            self.intercept_scaling,
        );
        let mut pb = Problem::new(x.into(), y, icpt, 1.0, self.l1_ratio)?;
        let alphas = resolve_grid(self.alphas.as_deref(), self.n_alphas, self.eps, || {
            Ok(pb.alpha_max() / self.l1_ratio)
        })?;
        let k = alphas.len();
        let mut out = LogisticPathFit {
            coefs: DMatrix::zeros(pb.p, k),
            intercepts: vec![0.0; k],
            objectives: vec![0.0; k],
            dual_gaps: vec![0.0; k],
            n_iters: vec![0; k],
            stops: Vec::with_capacity(k),
            alphas,
        };
        let opts = Opts {
            tol: self.tol,
            max_iter: self.max_iter,
            max_cd: self.max_cd_passes,
        };
        let mut w = vec![0.0; pb.p];
        let mut v = pb.null_intercept();
        let mut ws = Workspace::new(pb.n, pb.p);
        let mut obs = no_observer();
        for (i, &alpha) in out.alphas.iter().enumerate() {
            pb.set_alpha(alpha, self.l1_ratio);
            let mut rec = Recorder::new(false, &mut obs);
            let r = solve(&pb, &mut w, &mut v, &opts, &mut ws, &mut rec)?;
            out.coefs.column_mut(i).copy_from_slice(&w);
            out.intercepts[i] = pb.intercept(v);
            out.objectives[i] = r.objective;
            out.dual_gaps[i] = r.gap;
            out.n_iters[i] = r.n_iter;
            out.stops.push(r.stop);
        }
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------
// Internals.

/// How the intercept enters: absent, free, or a penalized synthetic feature of value `s`.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Intercept {
    None,
    Free,
    Penalized(f64),
}

impl Intercept {
    fn of(fit: bool, penalize: bool, s: f64) -> Self {
        match (fit, penalize) {
            (false, _) => Intercept::None,
            (true, false) => Intercept::Free,
            (true, true) => Intercept::Penalized(s),
        }
    }

    /// The synthetic column's value (0 when absent).
    fn scale(self) -> f64 {
        match self {
            Intercept::None => 0.0,
            Intercept::Free => 1.0,
            Intercept::Penalized(s) => s,
        }
    }
}

struct Problem<'a> {
    x: DesignMatrix<'a>,
    y: &'a [f64],
    n: usize,
    p: usize,
    icpt: Intercept,
    /// `αρ`, `α(1 − ρ)`.
    l1: f64,
    l2: f64,
    /// `Σ y_i`.
    n_pos: f64,
}

const BLOCK: usize = 64;

impl<'a> Problem<'a> {
    fn new(
        x: DesignMatrix<'a>,
        y: &'a [f64],
        icpt: Intercept,
        alpha: f64,
        l1_ratio: f64,
    ) -> Result<Self> {
        let (n, p) = (x.nrows(), x.ncols());
        if y.len() != n {
            return Err(shape_mismatch("labels y", n, y.len()));
        }
        if n == 0 {
            return Err(invalid("y", "[]", "at least one sample"));
        }
        x.check_finite("design matrix x")?;
        check_finite("labels y", y)?;
        if let Some(&v) = y.iter().find(|&&v| v != 0.0 && v != 1.0) {
            return Err(invalid("y", v, "labels 0 or 1"));
        }
        let n_pos: f64 = y.iter().sum();
        if n_pos == 0.0 || n_pos == n as f64 {
            return Err(invalid(
                "y",
                format!("all labels {}", y[0]),
                "both classes 0 and 1 present",
            ));
        }
        let mut pb = Problem {
            x,
            y,
            n,
            p,
            icpt,
            l1: 0.0,
            l2: 0.0,
            n_pos,
        };
        pb.set_alpha(alpha, l1_ratio);
        Ok(pb)
    }

    fn set_alpha(&mut self, alpha: f64, l1_ratio: f64) {
        self.l1 = alpha * l1_ratio;
        self.l2 = alpha * (1.0 - l1_ratio);
    }

    fn intercept(&self, v: f64) -> f64 {
        v * self.icpt.scale()
    }

    /// The intercept coordinate at the start of a cold fit: `logit(ȳ)` when free (the null
    /// model's optimum), else 0.
    fn null_intercept(&self) -> f64 {
        match self.icpt {
            Intercept::Free => (self.n_pos / (self.n as f64 - self.n_pos)).ln(),
            _ => 0.0,
        }
    }

    fn alpha_max(&self) -> f64 {
        let n = self.n as f64;
        let c = match self.icpt {
            Intercept::Free => self.n_pos / n,
            _ => 0.5,
        };
        let r: Vec<f64> = self.y.iter().map(|&y| (y - c) / n).collect();
        let mut v = vec![0.0; self.p];
        self.xt(&r, &mut v);
        let m = v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        match self.icpt {
            Intercept::Penalized(s) => m.max((r.iter().sum::<f64>() * s).abs()),
            _ => m,
        }
    }

    /// `out ← Xᵀ r`, each entry one sequential dot product (thread-count independent).
    fn xt(&self, r: &[f64], out: &mut [f64]) {
        let x = self.x;
        out.par_chunks_mut(BLOCK).enumerate().for_each(|(bi, o)| {
            for (k, o) in o.iter_mut().enumerate() {
                *o = x.col(bi * BLOCK + k).dot(r);
            }
        });
    }

    /// Column `j` dotted with `r`; `j == p` is the synthetic intercept column.
    #[inline]
    fn dot(&self, j: usize, r: &[f64]) -> f64 {
        if j == self.p {
            self.icpt.scale() * r.iter().sum::<f64>()
        } else {
            self.x.col(j).dot(r)
        }
    }

    /// `r ← r + c · x_j` (`j == p`: the intercept column).
    #[inline]
    fn axpy(&self, j: usize, c: f64, r: &mut [f64]) {
        if j == self.p {
            let c = c * self.icpt.scale();
            r.iter_mut().for_each(|r| *r += c);
        } else {
            self.x.col(j).axpy(c, r);
        }
    }

    /// `r ← r + c · h ∘ x_j`.
    #[inline]
    fn axpy_weighted(&self, j: usize, c: f64, h: &[f64], r: &mut [f64]) {
        if j == self.p {
            let c = c * self.icpt.scale();
            r.iter_mut().zip(h).for_each(|(r, h)| *r += c * h);
            return;
        }
        match self.x.col(j) {
            Column::Dense(x) => r
                .iter_mut()
                .zip(x)
                .zip(h)
                .for_each(|((r, x), h)| *r += c * x * h),
            Column::Sparse(idx, v) => {
                for (&i, x) in idx.iter().zip(v) {
                    let i = i as usize;
                    r[i] += c * x * h[i];
                }
            }
        }
    }

    /// `Σ_i h_i x_ij²`.
    #[inline]
    fn weighted_sq(&self, j: usize, h: &[f64]) -> f64 {
        if j == self.p {
            let s = self.icpt.scale();
            return s * s * h.iter().sum::<f64>();
        }
        match self.x.col(j) {
            Column::Dense(x) => x.iter().zip(h).map(|(x, h)| x * x * h).sum(),
            Column::Sparse(idx, v) => idx.iter().zip(v).map(|(&i, x)| x * x * h[i as usize]).sum(),
        }
    }

    /// Whether coordinate `j` (features, then the intercept at `p`) is penalized.
    #[inline]
    fn penalized(&self, j: usize) -> bool {
        j < self.p || matches!(self.icpt, Intercept::Penalized(_))
    }

    /// The penalty of the coefficient vector (features and the intercept coordinate).
    fn penalty(&self, w: &[f64], v: f64) -> f64 {
        let mut l1: f64 = w.iter().map(|c| c.abs()).sum();
        let mut l2: f64 = w.iter().map(|c| c * c).sum();
        if self.penalized(self.p) {
            l1 += v.abs();
            l2 += v * v;
        }
        self.l1 * l1 + 0.5 * self.l2 * l2
    }

    /// Mean loss at margins `z`.
    fn loss(&self, z: &[f64]) -> f64 {
        z.iter()
            .zip(self.y)
            .map(|(&z, &y)| loss1(z, y))
            .sum::<f64>()
            / self.n as f64
    }

    /// `z ← X w + s v`.
    fn margins(&self, w: &[f64], v: f64, z: &mut [f64]) {
        self.x.mul_vec(w, z);
        let b = self.intercept(v);
        if b != 0.0 {
            z.iter_mut().for_each(|z| *z += b);
        }
    }
}

struct Opts {
    tol: f64,
    max_iter: usize,
    max_cd: usize,
}

/// Buffers reused across Newton steps and path points.
struct Workspace {
    z: Vec<f64>,
    prob: Vec<f64>,
    theta: Vec<f64>,
    xt: Vec<f64>,
    g: Vec<f64>,
    h: Vec<f64>,
    gq: Vec<f64>,
    q: Vec<f64>,
    ztry: Vec<f64>,
    order: Vec<usize>,
}

impl Workspace {
    fn new(n: usize, p: usize) -> Self {
        Workspace {
            z: vec![0.0; n],
            prob: vec![0.0; n],
            theta: vec![0.0; n],
            xt: vec![0.0; p],
            g: vec![0.0; n],
            h: vec![0.0; n],
            gq: vec![0.0; n],
            q: vec![0.0; n],
            ztry: vec![0.0; n],
            order: Vec::with_capacity(p),
        }
    }
}

struct Outcome {
    objective: f64,
    gap: f64,
    n_iter: usize,
    stop: StopReason,
}

const WS_MIN: usize = 10;
const ARMIJO: f64 = 1e-4;
const MAX_BACKTRACK: usize = 60;
const MAX_INNER: usize = 30;
/// Working sets up to this size run coordinate descent on their weighted Gram matrix.
const GRAM_MAX: usize = 512;

/// Primal objective, duality gap and the dual correlations `Xᵀθ` (in `ws.xt`) at `(w, v)`;
/// `ws.z` must hold the margins.
fn primal_dual(pb: &Problem<'_>, w: &[f64], v: f64, ws: &mut Workspace) -> (f64, f64) {
    let n = pb.n as f64;
    let primal = pb.loss(&ws.z) + pb.penalty(w, v);
    for (p, &z) in ws.prob.iter_mut().zip(&ws.z) {
        *p = sigmoid(z);
    }
    // Free intercept: shift p toward the labels so that Σ(y − p̃) = 0 (stays in [0, 1]).
    if pb.icpt == Intercept::Free {
        let r: f64 = pb.y.iter().zip(&ws.prob).map(|(y, p)| y - p).sum();
        if r > 0.0 {
            let room: f64 =
                pb.y.iter()
                    .zip(&ws.prob)
                    .filter(|(y, _)| **y > 0.5)
                    .map(|(_, p)| 1.0 - p)
                    .sum();
            let t = (r / room).min(1.0);
            for (p, &y) in ws.prob.iter_mut().zip(pb.y) {
                if y > 0.5 {
                    *p += t * (1.0 - *p);
                }
            }
        } else if r < 0.0 {
            let room: f64 =
                pb.y.iter()
                    .zip(&ws.prob)
                    .filter(|(y, _)| **y < 0.5)
                    .map(|(_, p)| *p)
                    .sum();
            let t = (-r / room).min(1.0);
            for (p, &y) in ws.prob.iter_mut().zip(pb.y) {
                if y < 0.5 {
                    *p *= 1.0 - t;
                }
            }
        }
    }
    for ((t, &y), &p) in ws.theta.iter_mut().zip(pb.y).zip(&ws.prob) {
        *t = (y - p) / n;
    }
    pb.xt(&ws.theta, &mut ws.xt);
    let vb = if pb.penalized(pb.p) {
        pb.dot(pb.p, &ws.theta)
    } else {
        0.0
    };
    let (dual_pen, scale) = if pb.l2 > 0.0 {
        let f = |c: f64| {
            let e = (c.abs() - pb.l1).max(0.0);
            e * e
        };
        let mut s: f64 = ws.xt.iter().map(|&c| f(c)).sum();
        if pb.penalized(pb.p) {
            s += f(vb);
        }
        (s / (2.0 * pb.l2), 1.0)
    } else {
        let m = ws.xt.iter().fold(vb.abs(), |m, c| m.max(c.abs()));
        (0.0, if m > pb.l1 { pb.l1 / m } else { 1.0 })
    };
    // q = y − nθ·scale = y + scale (p̃ − y).
    let ent: f64 =
        pb.y.iter()
            .zip(&ws.prob)
            .map(|(&y, &p)| entropy(y + scale * (p - y)))
            .sum();
    let dual = ent / n - dual_pen;
    (primal, (primal - dual).max(0.0))
}

/// Max violation of the optimality conditions of feature `j`, given its gradient `g`
/// (the smooth part's, ℓ₂ term included) and value `c`.
#[inline]
fn violation(g: f64, c: f64, l1: f64, penalized: bool) -> f64 {
    if !penalized {
        g.abs()
    } else if c != 0.0 {
        (g + l1 * c.signum()).abs()
    } else {
        (g.abs() - l1).max(0.0)
    }
}

fn solve(
    pb: &Problem<'_>,
    w: &mut [f64],
    v: &mut f64,
    opts: &Opts,
    ws: &mut Workspace,
    rec: &mut Recorder<'_>,
) -> Result<Outcome> {
    let p = pb.p;
    let has_icpt = pb.icpt != Intercept::None;
    let mut n_iter = 0;
    let mut ws_size = WS_MIN;
    let mut last_obj = f64::INFINITY;
    let mut set: Vec<usize> = Vec::new();
    let mut hjj: Vec<f64> = Vec::new();
    let mut delta: Vec<f64> = Vec::new();
    let mut u: Vec<f64> = Vec::new();
    let (mut grad0, mut gram, mut gm) = (Vec::new(), Vec::new(), Vec::new());
    loop {
        pb.margins(w, *v, &mut ws.z);
        let (obj, gap) = primal_dual(pb, w, *v, ws);
        if !(obj.is_finite() && gap.is_finite()) {
            return Err(crate::solution::diverged_error(
                "logistic regression",
                n_iter,
                "objective",
                obj,
            ));
        }
        let converged = gap <= opts.tol * obj;
        let flow = rec.record(Progress {
            iteration: n_iter,
            objective: obj,
            gap,
            ..Progress::default()
        });
        let done = |stop| Outcome {
            objective: obj,
            gap,
            n_iter,
            stop,
        };
        if let Some(stop) = crate::solution::stop_after(converged, flow) {
            return Ok(done(stop));
        }
        if n_iter >= opts.max_iter {
            return Ok(done(StopReason::MaxIterations));
        }
        // Stalled: no decrease since the last gap check on the full problem.
        let stalled = obj >= last_obj;
        if stalled && set.len() >= p {
            return Ok(done(StopReason::Breakdown {
                iteration: n_iter,
                what: "line search (no decrease; duality gap)",
                value: gap,
            }));
        }
        last_obj = obj;
        // Working set: the support, then the largest dual-constraint violations.
        let nnz = w.iter().filter(|&&c| c != 0.0).count();
        ws_size = ws_size.max(2 * nnz).max(WS_MIN);
        if stalled {
            ws_size *= 2;
        }
        ws_size = ws_size.min(p);
        let (l1, l2) = (pb.l1, pb.l2);
        let mut max_viol = 0.0f64;
        ws.order.clear();
        ws.order.extend(0..p);
        let score = |j: usize| -> f64 {
            if w[j] != 0.0 {
                f64::INFINITY
            } else {
                ws.xt[j].abs() - l1
            }
        };
        for j in 0..p {
            max_viol = max_viol.max(violation(-ws.xt[j] + l2 * w[j], w[j], l1, true));
        }
        if ws_size < p {
            ws.order.select_nth_unstable_by(ws_size - 1, |&a, &b| {
                score(b).total_cmp(&score(a)).then(a.cmp(&b))
            });
            ws.order.truncate(ws_size);
            ws.order.sort_unstable();
        }
        set.clear();
        set.extend_from_slice(&ws.order);
        if has_icpt {
            set.push(p);
        }
        let target = 0.3 * max_viol;
        // Proximal Newton steps on the working set.
        let coef = |w: &[f64], v: f64, j: usize| if j == p { v } else { w[j] };
        let mut f_old = pb.loss(&ws.z) + set_penalty(pb, w, *v, &set, None, 0.0);
        for inner in 0..MAX_INNER {
            if n_iter >= opts.max_iter {
                break;
            }
            let nf = pb.n as f64;
            for (((g, h), &z), &y) in ws.g.iter_mut().zip(ws.h.iter_mut()).zip(&ws.z).zip(pb.y) {
                let s = sigmoid(z);
                *g = (s - y) / nf;
                *h = s * (1.0 - s) / nf;
            }
            // Model gradients x_jᵀg and curvatures (parallel, one sequential sum each); on
            // small working sets the whole weighted Gram matrix `X_Sᵀ H X_S`, so that
            // coordinate-descent passes cost |S|² instead of 2 n |S|.
            let m = set.len();
            let use_gram = m <= GRAM_MAX;
            grad0.clear();
            grad0.resize(m, 0.0);
            hjj.clear();
            hjj.resize(m, 0.0);
            {
                let (h, g) = (&ws.h, &ws.g);
                grad0
                    .par_iter_mut()
                    .zip(hjj.par_iter_mut())
                    .zip(set.par_iter())
                    .for_each(|((o, hd), &j)| {
                        *o = pb.dot(j, g);
                        if !use_gram {
                            *hd = pb.weighted_sq(j, h);
                        }
                    });
                if use_gram {
                    gram.clear();
                    gram.resize(m * m, 0.0);
                    let n = pb.n;
                    let set = &set;
                    gram.par_chunks_mut(m).enumerate().for_each(|(k, row)| {
                        let mut hx = vec![0.0; n];
                        pb.axpy_weighted(set[k], 1.0, h, &mut hx);
                        for (l, o) in row.iter_mut().enumerate() {
                            *o = pb.dot(set[l], &hx);
                        }
                    });
                    for k in 0..m {
                        hjj[k] = gram[k * m + k];
                    }
                }
            }
            let mut viol = 0.0f64;
            for (k, &j) in set.iter().enumerate() {
                let c = coef(w, *v, j);
                let pen = pb.penalized(j);
                let g = grad0[k] + if pen { l2 * c } else { 0.0 };
                viol = viol.max(violation(g, c, l1, pen));
            }
            if inner > 0 && viol <= target {
                break;
            }
            // Coordinate descent on the quadratic model. Column form: gq = g + h ∘ (X d);
            // Gram form: grad0 + G d kept in `gm`.
            if !use_gram {
                ws.gq.copy_from_slice(&ws.g);
            }
            gm.clear();
            gm.extend_from_slice(&grad0);
            // u: the model's minimizer (working values); delta = u − current.
            u.clear();
            u.extend(set.iter().map(|&j| coef(w, *v, j)));
            let floor = 1e-12 * hjj.iter().fold(0.0f64, |m, &x| m.max(x)) + f64::MIN_POSITIVE;
            let passes = if use_gram {
                20 * opts.max_cd
            } else {
                opts.max_cd
            };
            for _ in 0..passes {
                let mut max_change = 0.0f64;
                for (k, &j) in set.iter().enumerate() {
                    let pen = pb.penalized(j);
                    let hl2 = if pen { l2 } else { 0.0 };
                    let hh = hjj[k].max(floor) + hl2;
                    let old = u[k];
                    let gmod = if use_gram { gm[k] } else { pb.dot(j, &ws.gq) };
                    let g = gmod + hl2 * old;
                    let mut new = [old - g / hh];
                    if pen {
                        soft_threshold(&mut new, l1 / hh);
                    }
                    let d = new[0] - old;
                    if d != 0.0 {
                        u[k] = new[0];
                        if use_gram {
                            let row = &gram[k * m..(k + 1) * m];
                            gm.iter_mut().zip(row).for_each(|(o, &gk)| *o += d * gk);
                        } else {
                            pb.axpy_weighted(j, d, &ws.h, &mut ws.gq);
                        }
                        max_change = max_change.max(hh * d.abs());
                    }
                }
                if max_change <= 1e-3 * viol.max(target) {
                    break;
                }
            }
            // q = X d (sequential over the set: a fixed summation order).
            ws.q.iter_mut().for_each(|q| *q = 0.0);
            for (k, &j) in set.iter().enumerate() {
                let d = u[k] - coef(w, *v, j);
                if d != 0.0 {
                    pb.axpy(j, d, &mut ws.q);
                }
            }
            delta.clear();
            delta.extend(set.iter().zip(&u).map(|(&j, &u)| u - coef(w, *v, j)));
            // Directional derivative of the objective along d.
            let mut slope: f64 = ws.g.iter().zip(&ws.q).map(|(g, q)| g * q).sum();
            for (k, &j) in set.iter().enumerate() {
                if pb.penalized(j) {
                    let c = coef(w, *v, j);
                    slope += l2 * c * delta[k] + l1 * ((c + delta[k]).abs() - c.abs());
                }
            }
            if slope >= 0.0 || delta.iter().all(|&d| d == 0.0) {
                break;
            }
            // Armijo backtracking on the true objective.
            let mut t = 1.0;
            let mut accepted = None;
            // (every nonzero coefficient is in the working set). The slack `noise` lets a
            // Newton step through when the predicted decrease is below the rounding error
            // of the objective (near the optimum, where the step is accurate to first order
            // but decreases `f` by less than its last bits).
            let noise = 1e-13 * f_old.abs();
            for _ in 0..MAX_BACKTRACK {
                for ((zt, &z), &q) in ws.ztry.iter_mut().zip(&ws.z).zip(&ws.q) {
                    *zt = z + t * q;
                }
                let f = pb.loss(&ws.ztry) + set_penalty(pb, w, *v, &set, Some(&delta), t);
                if f <= f_old + ARMIJO * t * slope + noise {
                    accepted = Some(f);
                    break;
                }
                t *= 0.5;
            }
            let Some(f) = accepted else { break };
            for (k, &j) in set.iter().enumerate() {
                // t = 1 takes the model's values exactly (zeros stay exact zeros).
                let nv = if t == 1.0 {
                    u[k]
                } else {
                    coef(w, *v, j) + t * delta[k]
                };
                if j == p {
                    *v = nv;
                } else {
                    w[j] = nv;
                }
            }
            std::mem::swap(&mut ws.z, &mut ws.ztry);
            f_old = f;
            n_iter += 1;
        }
    }
}

/// The penalty of the working-set coordinates at `coef + t·delta` (`delta = None`: at
/// `coef`).
fn set_penalty(
    pb: &Problem<'_>,
    w: &[f64],
    v: f64,
    set: &[usize],
    delta: Option<&[f64]>,
    t: f64,
) -> f64 {
    let (mut l1, mut l2) = (0.0, 0.0);
    for (k, &j) in set.iter().enumerate() {
        if !pb.penalized(j) {
            continue;
        }
        let c = if j == pb.p { v } else { w[j] } + delta.map_or(0.0, |d| t * d[k]);
        l1 += c.abs();
        l2 += c * c;
    }
    pb.l1 * l1 + 0.5 * pb.l2 * l2
}
