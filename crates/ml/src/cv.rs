//! K-fold cross-validation over a regularization path: the shared engine, the CV curve
//! with its two choice rules, and [`ElasticNetCv`] (scikit-learn's `LassoCV` /
//! `ElasticNetCV`).

use crate::data::Features;
use crate::folds::{Folds, train_set};
use crate::scale::{Standardizer, maybe_standardize};
use crate::{Error, Result};
use cstk_solvers::StopReason;
use cstk_solvers::cd::{ElasticNet, LassoPath, PathFit, alpha_max};
use cstk_solvers::grid::resolve_grid;
use cstk_solvers::solution::invalid;
use nalgebra::DMatrix;
use rayon::prelude::*;

/// How the regularization strength is chosen from the cross-validation curve.
///
/// ```
/// use cstk_ml::CvRule;
/// assert_eq!(CvRule::default(), CvRule::MinError);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CvRule {
    /// The α of least mean error (scikit-learn's `LassoCV`; the first one on ties).
    #[default]
    MinError,
    /// The largest α whose mean error is within one standard error of the least
    /// (Breiman's / glmnet's `lambda.1se`): a sparser model that is statistically as good.
    OneStandardError,
}

/// Per-fold validation errors along a grid of α, and the two choices they give.
///
/// `se[k]` is the standard error of the mean over folds, `std(errors[k, :], ddof = 1) /
/// √K`; `index_1se` is the smallest index (largest α, the grid is descending) at or before
/// `index_min` whose mean is at most `mean[index_min] + se[index_min]`.
///
/// ```
/// use cstk_ml::CvCurve;
/// use nalgebra::DMatrix;
/// // 3 α × 2 folds
/// let e = DMatrix::from_row_slice(3, 2, &[4.0, 6.0, 2.0, 2.2, 1.0, 3.0]);
/// let c = CvCurve::new(vec![1.0, 0.1, 0.01], e);
/// assert_eq!(c.mean, vec![5.0, 2.1, 2.0]);
/// assert_eq!((c.index_min, c.index_1se), (2, 1)); // 2.1 ≤ 2.0 + se = 2.0 + 1.0
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CvCurve {
    /// The grid, descending.
    pub alphas: Vec<f64>,
    /// Validation error, `n_alphas × n_folds` (scikit-learn's `mse_path_` layout).
    pub errors: DMatrix<f64>,
    /// Mean over folds.
    pub mean: Vec<f64>,
    /// Standard error of the mean over folds.
    pub se: Vec<f64>,
    /// Index of the least mean error (first on ties).
    pub index_min: usize,
    /// Index chosen by the one-standard-error rule.
    pub index_1se: usize,
}

impl CvCurve {
    /// Builds the curve from per-fold errors (`alphas.len() × K`, `K ≥ 1`). Panics on a
    /// shape mismatch or an empty grid.
    pub fn new(alphas: Vec<f64>, errors: DMatrix<f64>) -> Self {
        assert!(!alphas.is_empty() && errors.nrows() == alphas.len() && errors.ncols() > 0);
        let k = errors.ncols() as f64;
        let mean: Vec<f64> = errors.row_iter().map(|r| r.sum() / k).collect();
        let se: Vec<f64> = errors
            .row_iter()
            .zip(&mean)
            .map(|(r, m)| {
                if k < 2.0 {
                    0.0
                } else {
                    (r.iter().map(|e| (e - m) * (e - m)).sum::<f64>() / (k - 1.0)).sqrt() / k.sqrt()
                }
            })
            .collect();
        let index_min = argmin(&mean);
        let bound = mean[index_min] + se[index_min];
        let index_1se = (0..=index_min)
            .find(|&i| mean[i] <= bound)
            .unwrap_or(index_min);
        CvCurve {
            alphas,
            errors,
            mean,
            se,
            index_min,
            index_1se,
        }
    }

    /// The index `rule` chooses.
    pub fn index(&self, rule: CvRule) -> usize {
        match rule {
            CvRule::MinError => self.index_min,
            CvRule::OneStandardError => self.index_1se,
        }
    }

    /// The α of least mean error.
    pub fn alpha_min(&self) -> f64 {
        self.alphas[self.index_min]
    }

    /// The α of the one-standard-error rule.
    pub fn alpha_1se(&self) -> f64 {
        self.alphas[self.index_1se]
    }
}

/// First index of the least value (NaN never wins).
fn argmin(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x < v[best] || v[best].is_nan() {
            best = i;
        }
    }
    best
}

/// Checks the data shared by every estimator of this crate: one finite target per sample,
/// finite features, at least one sample.
pub(crate) fn check_data(x: &Features, y: &[f64]) -> Result<()> {
    if y.len() != x.n_samples() {
        return Err(Error::ShapeMismatch {
            context: "target y (one value per sample of X)".into(),
            expected: x.n_samples().to_string(),
            got: y.len().to_string(),
        });
    }
    if y.is_empty() {
        return Err(Error::InvalidParam {
            name: "X",
            value: "0 samples".into(),
            expected: "at least one sample".into(),
        });
    }
    x.check_finite()?;
    if let Some((i, v)) = y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(Error::NonFinite {
            context: "target y".into(),
            position: format!("sample {i}"),
            value: v.to_string(),
        });
    }
    Ok(())
}

/// Runs `score(train_x, train_y, test_x, test_y)` on every fold in parallel (one task per
/// fold; each is deterministic, so the result does not depend on the thread count), calls
/// `tick` as each fold finishes, and returns the per-α errors as an `n_alphas × K` matrix.
pub(crate) fn cross_validate<F>(
    x: &Features,
    y: &[f64],
    test_sets: &[Vec<usize>],
    n_alphas: usize,
    tick: &(dyn Fn() + Sync),
    score: F,
) -> Result<DMatrix<f64>>
where
    F: Fn(&Features, &[f64], &Features, &[f64]) -> Result<Vec<f64>> + Sync,
{
    let n = x.n_samples();
    let per_fold: Vec<Vec<f64>> = test_sets
        .par_iter()
        .map(|test| {
            let train = train_set(test, n);
            let pick = |idx: &[usize]| idx.iter().map(|&i| y[i]).collect::<Vec<_>>();
            let e = score(&x.rows(&train), &pick(&train), &x.rows(test), &pick(test));
            tick();
            e
        })
        .collect::<Result<_>>()?;
    let mut e = DMatrix::zeros(n_alphas, test_sets.len());
    for (f, v) in per_fold.iter().enumerate() {
        debug_assert_eq!(v.len(), n_alphas);
        e.column_mut(f).copy_from_slice(v);
    }
    Ok(e)
}

/// Mean squared error of `b + X w` against `y`, for every column of a path; `pred` is
/// scratch of `y.len()`.
pub(crate) fn path_mse(
    x: &Features,
    y: &[f64],
    coefs: &DMatrix<f64>,
    intercepts: &[f64],
) -> Vec<f64> {
    let d = x.design();
    let mut pred = vec![0.0; y.len()];
    coefs
        .column_iter()
        .zip(intercepts)
        .map(|(w, &b)| {
            d.mul_vec(w.as_slice(), &mut pred);
            pred.iter()
                .zip(y)
                .map(|(p, y)| (y - p - b) * (y - p - b))
                .sum::<f64>()
                / y.len() as f64
        })
        .collect()
}

/// ElasticNet / LASSO with α (and ρ = `l1_ratio`) chosen by K-fold cross-validation:
/// scikit-learn's `LassoCV` ([`ElasticNetCv::lasso`]) and `ElasticNetCV`
/// ([`ElasticNetCv::default`]).
///
/// The model is scikit-learn's ElasticNet, `(1/(2n))‖y − Xw − b‖² + αρ‖w‖₁ +
/// (α(1−ρ)/2)‖w‖²` (see [`cstk_solvers::cd`]). For every ρ the α grid comes from the whole
/// data (`α_max` down to `eps · α_max`, geometric), every fold's path is computed on that
/// grid with warm starts, the validation error is the mean squared error on the held-out
/// fold, and the chosen (ρ, α) is refitted on all the data — step for step what
/// `LassoCV(cv=KFold(k)).fit(X, y)` does, so with [`Folds::kfold`] the folds, curve and
/// choice are scikit-learn's. Folds run in parallel and results are identical for any
/// thread count.
///
/// | name | default | meaning | valid range |
/// |------|---------|---------|-------------|
/// | `l1_ratios` | `[0.5]` (`lasso()`: `[1.0]`) | ρ values tried | each in (0, 1] |
/// | `n_alphas` | 100 | grid size per ρ | ≥ 1 |
/// | `eps` | 1e-3 | `α_min / α_max` | (0, 1] |
/// | `alphas` | `None` | explicit grid (used for every ρ) | finite, > 0 |
/// | `folds` | `Folds::kfold(5)` | the splits | ≥ 2 folds |
/// | `rule` | `MinError` | minimum mean error or one standard error | |
/// | `fit_intercept` | true | fit an unpenalized intercept | |
/// | `standardize` | false | scale features to unit variance first (a `StandardScaler` pipeline) | |
/// | `tol` | 1e-4 | duality-gap tolerance of every fit (scikit-learn's `tol`) | finite, ≥ 0 |
/// | `max_iter` | 1000 | epochs per α | ≥ 1 |
/// | `full_path` | false | also compute the path on all the data (for plots and reports) | |
///
/// With `standardize`, the scaler is fitted once on all the data before the folds are cut
/// (what `make_pipeline(StandardScaler(), LassoCV())` does); [`CvFit::coef`] is on the
/// standardized scale and [`CvFit::coef_original`] in the original units.
///
/// ```
/// use cstk_ml::{ElasticNetCv, Features, Folds};
/// use nalgebra::DMatrix;
/// let x = DMatrix::from_fn(60, 8, |i, j| (((i * i * 3 + i * (2 * j + 5) + j * 13) % 31) as f64 - 15.0) / 9.0);
/// let y: Vec<f64> = (0..60).map(|i| 3.0 * x[(i, 2)] - 2.0 * x[(i, 5)] + 1.0).collect();
/// let fit = ElasticNetCv::lasso().folds(Folds::kfold(5)).fit(&Features::dense(x), &y).unwrap();
/// assert!((fit.coef[2] - 3.0).abs() < 0.05 && (fit.coef[5] + 2.0).abs() < 0.05);
/// assert_eq!(fit.curves[0].alphas.len(), 100);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ElasticNetCv {
    /// ρ values tried.
    pub l1_ratios: Vec<f64>,
    /// Grid size per ρ.
    pub n_alphas: usize,
    /// `α_min / α_max`.
    pub eps: f64,
    /// Explicit grid.
    pub alphas: Option<Vec<f64>>,
    /// The splits.
    pub folds: Folds,
    /// Choice rule.
    pub rule: CvRule,
    /// Fit an intercept.
    pub fit_intercept: bool,
    /// Standardize features first.
    pub standardize: bool,
    /// Duality-gap tolerance.
    pub tol: f64,
    /// Epochs per α.
    pub max_iter: usize,
    /// Also compute the whole-data path.
    pub full_path: bool,
}

impl Default for ElasticNetCv {
    fn default() -> Self {
        ElasticNetCv {
            l1_ratios: vec![0.5],
            n_alphas: 100,
            eps: 1e-3,
            alphas: None,
            folds: Folds::default(),
            rule: CvRule::MinError,
            fit_intercept: true,
            standardize: false,
            tol: 1e-4,
            max_iter: 1000,
            full_path: false,
        }
    }
}

macro_rules! setters {
    ($t:ty { $($(#[$m:meta])* $name:ident : $ty:ty),* $(,)? }) => {
        impl $t { $( $(#[$m])* #[must_use] pub fn $name(mut self, v: $ty) -> Self { self.$name = v; self } )* }
    };
}
pub(crate) use setters;

setters!(ElasticNetCv {
    /// Sets `l1_ratios`.
    l1_ratios: Vec<f64>,
    /// Sets `n_alphas`.
    n_alphas: usize,
    /// Sets `eps`.
    eps: f64,
    /// Sets `alphas`.
    alphas: Option<Vec<f64>>,
    /// Sets `folds`.
    folds: Folds,
    /// Sets `rule`.
    rule: CvRule,
    /// Sets `fit_intercept`.
    fit_intercept: bool,
    /// Sets `standardize`.
    standardize: bool,
    /// Sets `tol`.
    tol: f64,
    /// Sets `max_iter`.
    max_iter: usize,
    /// Sets `full_path`.
    full_path: bool,
});

/// The result of [`ElasticNetCv::fit`].
#[derive(Clone, Debug, PartialEq)]
pub struct CvFit {
    /// The chosen α.
    pub alpha: f64,
    /// The chosen ρ.
    pub l1_ratio: f64,
    /// Index of the chosen ρ in `l1_ratios` (and of its curve in `curves`).
    pub best: usize,
    /// The rule that chose α.
    pub rule: CvRule,
    /// Coefficients of the refit (on the standardized scale with `standardize`).
    pub coef: Vec<f64>,
    /// Intercept of the refit (same scale as `coef`).
    pub intercept: f64,
    /// One CV curve per ρ, in the order of `l1_ratios`.
    pub curves: Vec<CvCurve>,
    /// The whole-data path for the chosen ρ on its grid (with `full_path`).
    pub path: Option<PathFit>,
    /// The scaler (with `standardize`).
    pub standardizer: Option<Standardizer>,
    /// Duality gap of the refit (divided by `n`, as scikit-learn's `dual_gap_`).
    pub dual_gap: f64,
    /// Epochs of the refit.
    pub n_iter: usize,
    /// Stop reason of the refit.
    pub stop: StopReason,
}

impl CvFit {
    /// Coefficients and intercept in the units of the original features (the same as
    /// `coef` and `intercept` without standardization).
    pub fn coef_original(&self) -> (Vec<f64>, f64) {
        match &self.standardizer {
            Some(s) => s.unscale(&self.coef, self.intercept),
            None => (self.coef.clone(), self.intercept),
        }
    }

    /// The curve of the chosen ρ.
    pub fn curve(&self) -> &CvCurve {
        &self.curves[self.best]
    }
}

impl ElasticNetCv {
    /// `LassoCV`: ρ = 1.
    pub fn lasso() -> Self {
        ElasticNetCv {
            l1_ratios: vec![1.0],
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        if self.l1_ratios.is_empty() {
            return Err(invalid("l1_ratios", "[]", "at least one value in (0, 1]"));
        }
        if let Some(r) = self.l1_ratios.iter().find(|r| !(**r > 0.0 && **r <= 1.0)) {
            return Err(invalid("l1_ratio", r.to_string(), "a number in (0, 1]"));
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(invalid("tol", self.tol.to_string(), "a finite number ≥ 0"));
        }
        if self.max_iter == 0 {
            return Err(invalid("max_iter", 0, "≥ 1"));
        }
        Ok(())
    }

    fn path(&self, l1_ratio: f64, grid: &[f64]) -> LassoPath {
        LassoPath::default()
            .alphas(Some(grid.to_vec()))
            .l1_ratio(l1_ratio)
            .fit_intercept(self.fit_intercept)
            .tol(self.tol)
            .max_iter(self.max_iter)
    }

    /// Cross-validates, chooses (ρ, α) and refits on all the data.
    ///
    /// # Errors
    /// Invalid parameters or folds, a target of the wrong length, NaN/Inf in `X` or `y`,
    /// and the solver's errors (named by the solver).
    pub fn fit(&self, x: &Features, y: &[f64]) -> Result<CvFit> {
        self.fit_with_progress(x, y, &|| {})
    }

    /// [`ElasticNetCv::fit`], calling `tick` once per finished (fold, ρ) path — `K ·
    /// l1_ratios.len()` calls in all (from worker threads) — for progress displays.
    ///
    /// # Errors
    /// As [`ElasticNetCv::fit`].
    pub fn fit_with_progress(
        &self,
        x: &Features,
        y: &[f64],
        tick: &(dyn Fn() + Sync),
    ) -> Result<CvFit> {
        self.validate()?;
        check_data(x, y)?;
        let test_sets = self.folds.test_sets(y)?;
        let (standardizer, scaled) = maybe_standardize(x, self.standardize);
        let x = scaled.as_ref();
        let grids: Vec<Vec<f64>> = self
            .l1_ratios
            .iter()
            .map(|&r| {
                resolve_grid(self.alphas.as_deref(), self.n_alphas, self.eps, || {
                    alpha_max(x.design(), y, r, self.fit_intercept)
                })
            })
            .collect::<Result<_>>()?;
        let curves = self
            .l1_ratios
            .iter()
            .zip(&grids)
            .map(|(&r, grid)| {
                let path = self.path(r, grid);
                let e = cross_validate(x, y, &test_sets, grid.len(), tick, |xt, yt, xv, yv| {
                    let p = path.fit(xt.design(), yt)?;
                    Ok(path_mse(xv, yv, &p.coefs, &p.intercepts))
                })?;
                Ok(CvCurve::new(grid.clone(), e))
            })
            .collect::<Result<Vec<_>>>()?;
        // scikit-learn: the least mean error over all (ρ, α), first on ties; the
        // one-standard-error rule then moves along the winning ρ's curve.
        let mut best = 0;
        for (i, c) in curves.iter().enumerate() {
            if c.mean[c.index_min] < curves[best].mean[curves[best].index_min] {
                best = i;
            }
        }
        let curve = &curves[best];
        let alpha = curve.alphas[curve.index(self.rule)];
        let l1_ratio = self.l1_ratios[best];
        let refit = ElasticNet::default()
            .alpha(alpha)
            .l1_ratio(l1_ratio)
            .fit_intercept(self.fit_intercept)
            .tol(self.tol)
            .max_iter(self.max_iter)
            .fit(x.design(), y)?;
        let path = if self.full_path {
            Some(self.path(l1_ratio, &grids[best]).fit(x.design(), y)?)
        } else {
            None
        };
        Ok(CvFit {
            alpha,
            l1_ratio,
            best,
            rule: self.rule,
            coef: refit.coef,
            intercept: refit.intercept,
            curves,
            path,
            standardizer,
            dual_gap: refit.dual_gap,
            n_iter: refit.n_iter,
            stop: refit.stop,
        })
    }
}
