//! What a feature selection reports: the selected features (indices and names), the
//! coefficients, the regularization path and the cross-validation curve.

use crate::cv::{CvCurve, CvFit, CvRule};
use crate::logistic::LogisticCvFit;
use crate::scale::Standardizer;
use crate::stability::StabilityFit;
use cstk_solvers::cd::PathFit;
use nalgebra::DMatrix;

/// scikit-learn's `SelectFromModel` threshold for L1-penalized models: a feature is
/// selected when `|coef| > 1e-5`.
pub const L1_THRESHOLD: f64 = 1e-5;

/// How the features were selected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// LASSO at a given α.
    Lasso,
    /// LASSO with α by cross-validation.
    LassoCv,
    /// ElasticNet with (ρ, α) by cross-validation.
    ElasticNetCv,
    /// L1-penalized logistic regression (α by cross-validation, or given).
    LogisticL1,
    /// Stability selection.
    Stability,
}

impl Method {
    /// The name used on the command line and in reports (`lasso`, `lasso-cv`, `enet-cv`,
    /// `logistic-l1`, `stability`).
    ///
    /// ```
    /// assert_eq!(cstk_ml::Method::ElasticNetCv.name(), "enet-cv");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Method::Lasso => "lasso",
            Method::LassoCv => "lasso-cv",
            Method::ElasticNetCv => "enet-cv",
            Method::LogisticL1 => "logistic-l1",
            Method::Stability => "stability",
        }
    }
}

/// A regularization path: `coefs` is `n_features × n_alphas` (column `k` belongs to
/// `alphas[k]`, descending). For stability selection the "coefficients" are the selection
/// probabilities.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    /// The grid, descending.
    pub alphas: Vec<f64>,
    /// One column per α.
    pub coefs: DMatrix<f64>,
}

impl From<&PathFit> for Path {
    fn from(p: &PathFit) -> Self {
        Path {
            alphas: p.alphas.clone(),
            coefs: p.coefs.clone(),
        }
    }
}

/// The outcome of a feature selection, whatever the method.
///
/// ```
/// use cstk_ml::{ElasticNetCv, Features, SelectionReport};
/// use nalgebra::DMatrix;
/// let x = DMatrix::from_fn(40, 6, |i, j| (((i * i * 3 + i * (2 * j + 5) + j * 13) % 31) as f64 - 15.0) / 9.0);
/// let y: Vec<f64> = (0..40).map(|i| 2.0 * x[(i, 4)]).collect();
/// let names: Vec<String> = ["a", "b", "c", "d", "e", "f"].map(String::from).to_vec();
/// let f = Features::dense(x).with_names(names).unwrap();
/// let fit = ElasticNetCv::lasso().full_path(true).fit(&f, &y).unwrap();
/// let r = SelectionReport::from_cv(&fit, &f, false);
/// assert_eq!(r.selected_names(), vec!["e"]);
/// assert_eq!(r.path.unwrap().coefs.nrows(), 6);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SelectionReport {
    /// The method.
    pub method: Method,
    /// Every feature's name.
    pub names: Vec<String>,
    /// Selected features, increasing.
    pub selected: Vec<usize>,
    /// Coefficients on the scale the model was fitted on (standardized when it was);
    /// empty for stability selection.
    pub coef: Vec<f64>,
    /// Intercept on that scale.
    pub intercept: f64,
    /// Coefficients in the units of the original features.
    pub coef_original: Vec<f64>,
    /// Intercept in the original units.
    pub intercept_original: f64,
    /// The α of the final model (none for stability selection).
    pub alpha: Option<f64>,
    /// The ρ of the final model.
    pub l1_ratio: Option<f64>,
    /// The path on all the data (coefficients, or selection probabilities).
    pub path: Option<Path>,
    /// The cross-validation curve of the chosen ρ.
    pub cv: Option<CvCurve>,
    /// The rule that chose α from `cv`.
    pub rule: Option<CvRule>,
    /// Per-feature selection probability (stability selection).
    pub probabilities: Option<Vec<f64>>,
}

/// Indices of the coefficients above [`L1_THRESHOLD`] in magnitude.
pub fn support(coef: &[f64]) -> Vec<usize> {
    (0..coef.len())
        .filter(|&j| coef[j].abs() > L1_THRESHOLD)
        .collect()
}

impl SelectionReport {
    /// From one fitted model: its coefficients and intercept on the fitted scale, and the
    /// scaler that made that scale (if any); selected are the coefficients above
    /// [`L1_THRESHOLD`]. α, ρ, the path and the CV curve are left empty for the caller.
    ///
    /// ```
    /// use cstk_ml::{Features, Method, SelectionReport};
    /// use nalgebra::DMatrix;
    /// let f = Features::dense(DMatrix::zeros(2, 3));
    /// let r = SelectionReport::from_model(Method::Lasso, &f, vec![0.0, 2.0, 1e-9], 1.0, None);
    /// assert_eq!((&r.selected, r.selected_names()), (&vec![1], vec!["x1"]));
    /// ```
    pub fn from_model(
        method: Method,
        features: &crate::Features,
        coef: Vec<f64>,
        intercept: f64,
        standardizer: Option<&Standardizer>,
    ) -> Self {
        let (coef_original, intercept_original) = match standardizer {
            Some(s) => s.unscale(&coef, intercept),
            None => (coef.clone(), intercept),
        };
        SelectionReport {
            method,
            names: features.names().to_vec(),
            selected: support(&coef),
            coef,
            intercept,
            coef_original,
            intercept_original,
            alpha: None,
            l1_ratio: None,
            path: None,
            cv: None,
            rule: None,
            probabilities: None,
        }
    }

    /// From a cross-validated ElasticNet / LASSO (`enet`: report as `enet-cv`, else
    /// `lasso-cv`).
    pub fn from_cv(fit: &CvFit, features: &crate::Features, enet: bool) -> Self {
        let method = if enet {
            Method::ElasticNetCv
        } else {
            Method::LassoCv
        };
        let m = fit.standardizer.as_ref();
        SelectionReport {
            alpha: Some(fit.alpha),
            l1_ratio: Some(fit.l1_ratio),
            path: fit.path.as_ref().map(Path::from),
            cv: Some(fit.curve().clone()),
            rule: Some(fit.rule),
            ..Self::from_model(method, features, fit.coef.clone(), fit.intercept, m)
        }
    }

    /// From a cross-validated L1 logistic regression.
    pub fn from_logistic(fit: &LogisticCvFit, features: &crate::Features) -> Self {
        let m = fit.standardizer.as_ref();
        SelectionReport {
            alpha: Some(fit.alpha),
            l1_ratio: Some(fit.l1_ratio),
            path: fit.path.as_ref().map(|p| Path {
                alphas: p.alphas.clone(),
                coefs: p.coefs.clone(),
            }),
            cv: Some(fit.curve.clone()),
            rule: Some(fit.rule),
            ..Self::from_model(
                Method::LogisticL1,
                features,
                fit.coef.clone(),
                fit.intercept,
                m,
            )
        }
    }

    /// From stability selection: the path holds the selection probabilities.
    pub fn from_stability(fit: &StabilityFit, features: &crate::Features) -> Self {
        SelectionReport {
            method: Method::Stability,
            names: features.names().to_vec(),
            selected: fit.selected.clone(),
            coef: Vec::new(),
            intercept: 0.0,
            coef_original: Vec::new(),
            intercept_original: 0.0,
            alpha: None,
            l1_ratio: None,
            path: Some(Path {
                alphas: fit.alphas.clone(),
                coefs: fit.probabilities.clone(),
            }),
            cv: None,
            rule: None,
            probabilities: Some(fit.max_probability.clone()),
        }
    }

    /// The names of the selected features.
    pub fn selected_names(&self) -> Vec<&str> {
        self.selected
            .iter()
            .map(|&j| self.names[j].as_str())
            .collect()
    }
}
