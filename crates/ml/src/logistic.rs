//! L1-penalized logistic regression for binary classification, with the penalty chosen by
//! stratified K-fold cross-validation on the held-out log-loss.

use crate::cv::{CvCurve, CvRule, check_data, cross_validate, setters};
use crate::data::Features;
use crate::folds::Folds;
use crate::scale::{Standardizer, maybe_standardize};
use crate::{Error, Result};
use cstk_solvers::StopReason;
use cstk_solvers::grid::resolve_grid;
use cstk_solvers::logistic::{LogisticL1, LogisticPath, LogisticPathFit, logistic_alpha_max};
use cstk_solvers::solution::invalid;
use nalgebra::DMatrix;

/// The two classes of a binary target: the smaller value becomes 0, the larger 1.
///
/// # Errors
/// [`Error::InvalidParam`] naming `y` unless there are exactly two distinct values.
///
/// ```
/// let (classes, y01) = cstk_ml::logistic::binary_labels(&[3.0, -1.0, 3.0]).unwrap();
/// assert_eq!((classes, y01), ([-1.0, 3.0], vec![1.0, 0.0, 1.0]));
/// assert!(cstk_ml::logistic::binary_labels(&[1.0, 1.0]).is_err());
/// ```
pub fn binary_labels(y: &[f64]) -> Result<([f64; 2], Vec<f64>)> {
    let mut c: Vec<f64> = y.to_vec();
    c.sort_by(f64::total_cmp);
    c.dedup();
    if c.len() != 2 {
        let shown: Vec<String> = c.iter().take(5).map(|v| v.to_string()).collect();
        return Err(Error::InvalidParam {
            name: "y",
            value: format!(
                "{} distinct value(s) ({}{})",
                c.len(),
                shown.join(", "),
                if c.len() > 5 { ", …" } else { "" }
            ),
            expected: "exactly two classes for binary logistic regression".into(),
        });
    }
    let classes = [c[0], c[1]];
    Ok((
        classes,
        y.iter().map(|&v| f64::from(u8::from(v == c[1]))).collect(),
    ))
}

/// Mean log-loss (cross-entropy, natural log, scikit-learn's `log_loss`) of the margins
/// `z = Xw + b` for every column of a path, against labels in {0, 1}.
fn path_log_loss(x: &Features, y: &[f64], coefs: &DMatrix<f64>, intercepts: &[f64]) -> Vec<f64> {
    let d = x.design();
    let mut z = vec![0.0; y.len()];
    coefs
        .column_iter()
        .zip(intercepts)
        .map(|(w, &b)| {
            d.mul_vec(w.as_slice(), &mut z);
            z.iter()
                .zip(y)
                .map(|(&z, &y)| {
                    let z = z + b;
                    // log(1 + e^z) − y z, overflow-free.
                    z.max(0.0) + (-z.abs()).exp().ln_1p() - y * z
                })
                .sum::<f64>()
                / y.len() as f64
        })
        .collect()
}

/// Binary L1-penalized logistic regression with α chosen by cross-validation (the
/// counterpart of scikit-learn's `LogisticRegressionCV(l1_ratios=[1], scoring="neg_log_loss")`
/// in the α scaling of [`cstk_solvers::logistic`]):
///
/// ```text
/// (1/n) Σ_i [log(1 + exp(z_i)) − y_i z_i] + αρ‖w‖₁ + (α(1−ρ)/2)‖w‖²,   z = Xw + b
/// ```
///
/// (scikit-learn's `C` is `1 / (n α)`). The grid runs from the whole data's `α_max` (the
/// least α giving `w = 0`) down to `eps · α_max`; every fold's path is computed on it with
/// warm starts, the validation error is the mean held-out log-loss, and the chosen α is
/// refitted on all the data. The target may hold any two values (the smaller is class 0).
/// Folds are stratified by default (scikit-learn's `StratifiedKFold(5)`, the default of
/// its classifiers), run in parallel, and give the same result for any thread count.
///
/// | name | default | meaning | valid range |
/// |------|---------|---------|-------------|
/// | `n_alphas` | 50 | grid size | ≥ 1 |
/// | `eps` | 1e-2 | `α_min / α_max` | (0, 1] |
/// | `alphas` | `None` | explicit grid | finite, > 0 |
/// | `l1_ratio` | 1.0 | ρ (1 = pure L1) | (0, 1] |
/// | `folds` | `Folds::stratified(5)` | the splits | ≥ 2 folds |
/// | `rule` | `MinError` | minimum mean log-loss or one standard error | |
/// | `fit_intercept` | true | fit an unpenalized intercept | |
/// | `standardize` | false | scale features to unit variance first | |
/// | `tol` | 1e-6 | relative duality gap of every fit | finite, > 0 |
/// | `max_iter` | 200 | proximal Newton steps per α | ≥ 1 |
/// | `full_path` | false | also compute the path on all the data | |
///
/// ```
/// use cstk_ml::{Features, LogisticL1Cv};
/// use nalgebra::DMatrix;
/// let x = DMatrix::from_fn(120, 10, |i, j| (((i * i * 3 + i * (2 * j + 5) + j * 13) % 31) as f64 - 15.0) / 9.0);
/// let y: Vec<f64> = (0..120).map(|i| f64::from(u8::from(x[(i, 2)] - x[(i, 6)] > 0.0))).collect();
/// let fit = LogisticL1Cv::default().fit(&Features::dense(x), &y).unwrap();
/// assert!(fit.coef[2] > 0.0 && fit.coef[6] < 0.0);
/// assert_eq!(fit.classes, [0.0, 1.0]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LogisticL1Cv {
    /// Grid size.
    pub n_alphas: usize,
    /// `α_min / α_max`.
    pub eps: f64,
    /// Explicit grid.
    pub alphas: Option<Vec<f64>>,
    /// ρ.
    pub l1_ratio: f64,
    /// The splits.
    pub folds: Folds,
    /// Choice rule.
    pub rule: CvRule,
    /// Fit an intercept.
    pub fit_intercept: bool,
    /// Standardize features first.
    pub standardize: bool,
    /// Relative duality-gap tolerance.
    pub tol: f64,
    /// Proximal Newton steps per α.
    pub max_iter: usize,
    /// Also compute the whole-data path.
    pub full_path: bool,
}

impl Default for LogisticL1Cv {
    fn default() -> Self {
        LogisticL1Cv {
            n_alphas: 50,
            eps: 1e-2,
            alphas: None,
            l1_ratio: 1.0,
            folds: Folds::stratified(5),
            rule: CvRule::MinError,
            fit_intercept: true,
            standardize: false,
            tol: 1e-6,
            max_iter: 200,
            full_path: false,
        }
    }
}

setters!(LogisticL1Cv {
    /// Sets `n_alphas`.
    n_alphas: usize,
    /// Sets `eps`.
    eps: f64,
    /// Sets `alphas`.
    alphas: Option<Vec<f64>>,
    /// Sets `l1_ratio`.
    l1_ratio: f64,
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

/// The result of [`LogisticL1Cv::fit`].
#[derive(Clone, Debug, PartialEq)]
pub struct LogisticCvFit {
    /// The chosen α.
    pub alpha: f64,
    /// ρ of the model.
    pub l1_ratio: f64,
    /// The rule that chose it.
    pub rule: CvRule,
    /// The two target values: `classes[1]` is the positive class.
    pub classes: [f64; 2],
    /// Coefficients of the refit (standardized scale with `standardize`).
    pub coef: Vec<f64>,
    /// Intercept of the refit.
    pub intercept: f64,
    /// Mean log-loss per α and fold.
    pub curve: CvCurve,
    /// The whole-data path (with `full_path`).
    pub path: Option<LogisticPathFit>,
    /// The scaler (with `standardize`).
    pub standardizer: Option<Standardizer>,
    /// Objective of the refit.
    pub objective: f64,
    /// Duality gap of the refit.
    pub dual_gap: f64,
    /// Newton steps of the refit.
    pub n_iter: usize,
    /// Stop reason of the refit.
    pub stop: StopReason,
}

impl LogisticCvFit {
    /// Coefficients and intercept in the units of the original features.
    pub fn coef_original(&self) -> (Vec<f64>, f64) {
        match &self.standardizer {
            Some(s) => s.unscale(&self.coef, self.intercept),
            None => (self.coef.clone(), self.intercept),
        }
    }
}

impl LogisticL1Cv {
    fn validate(&self) -> Result<()> {
        if !(self.l1_ratio > 0.0 && self.l1_ratio <= 1.0) {
            return Err(invalid(
                "l1_ratio",
                self.l1_ratio.to_string(),
                "a number in (0, 1]",
            ));
        }
        Ok(())
    }

    fn path(&self, grid: &[f64]) -> LogisticPath {
        LogisticPath::default()
            .alphas(Some(grid.to_vec()))
            .l1_ratio(self.l1_ratio)
            .fit_intercept(self.fit_intercept)
            .tol(self.tol)
            .max_iter(self.max_iter)
    }

    /// Cross-validates, chooses α and refits on all the data.
    ///
    /// # Errors
    /// Invalid parameters or folds, a target without exactly two classes or of the wrong
    /// length, NaN/Inf in the data, and the solver's errors.
    pub fn fit(&self, x: &Features, y: &[f64]) -> Result<LogisticCvFit> {
        self.fit_with_progress(x, y, &|| {})
    }

    /// [`LogisticL1Cv::fit`], calling `tick` once per finished fold (from worker threads).
    ///
    /// # Errors
    /// As [`LogisticL1Cv::fit`].
    pub fn fit_with_progress(
        &self,
        x: &Features,
        y: &[f64],
        tick: &(dyn Fn() + Sync),
    ) -> Result<LogisticCvFit> {
        self.validate()?;
        check_data(x, y)?;
        let (classes, y) = binary_labels(y)?;
        let test_sets = self.folds.test_sets(&y)?;
        let (standardizer, scaled) = maybe_standardize(x, self.standardize);
        let x = scaled.as_ref();
        let grid = resolve_grid(self.alphas.as_deref(), self.n_alphas, self.eps, || {
            Ok(logistic_alpha_max(x.design(), &y, self.fit_intercept)? / self.l1_ratio)
        })?;
        let path = self.path(&grid);
        let errors = cross_validate(x, &y, &test_sets, grid.len(), tick, |xt, yt, xv, yv| {
            if yt.iter().all(|&v| v == yt[0]) {
                return Err(Error::InvalidParam {
                    name: "folds",
                    value: "a training fold with a single class".into(),
                    expected: "both classes in every training fold (use stratified folds)".into(),
                });
            }
            let p = path.fit(xt.design(), yt)?;
            Ok(path_log_loss(xv, yv, &p.coefs, &p.intercepts))
        })?;
        let curve = CvCurve::new(grid.clone(), errors);
        let alpha = grid[curve.index(self.rule)];
        let refit = LogisticL1::new(alpha)
            .l1_ratio(self.l1_ratio)
            .fit_intercept(self.fit_intercept)
            .tol(self.tol)
            .max_iter(self.max_iter)
            .fit(x.design(), &y)?;
        let full = if self.full_path {
            Some(path.fit(x.design(), &y)?)
        } else {
            None
        };
        Ok(LogisticCvFit {
            alpha,
            l1_ratio: self.l1_ratio,
            rule: self.rule,
            classes,
            coef: refit.coef,
            intercept: refit.intercept,
            curve,
            path: full,
            standardizer,
            objective: refit.objective,
            dual_gap: refit.dual_gap,
            n_iter: refit.n_iter,
            stop: refit.stop,
        })
    }
}
