//! Standardization as scikit-learn's `StandardScaler` does it, and the map of coefficients
//! fitted on standardized features back to the original units.

use crate::data::{Features, column_moments};
use std::borrow::Cow;

/// Per-feature mean and scale (`x' = (x − mean) / scale`), fitted like scikit-learn's
/// `StandardScaler()`: population standard deviation (`ddof = 0`), and scale 1 for a
/// constant feature (scikit-learn's `_is_constant_feature` test).
///
/// Sparse features are scaled but not centered (`StandardScaler(with_mean=False)`, the only
/// form scikit-learn accepts for sparse input); with an intercept in the model the fitted
/// coefficients are the same either way, only the intercept differs, and
/// [`Standardizer::unscale`] accounts for it.
///
/// ```
/// use cstk_ml::{Features, Standardizer};
/// use nalgebra::DMatrix;
/// let x = Features::dense(DMatrix::from_row_slice(4, 2, &[1.0, 5.0, 2.0, 5.0, 3.0, 5.0, 4.0, 5.0]));
/// let s = Standardizer::fit(&x);
/// assert!((s.mean[0] - 2.5).abs() < 1e-15 && (s.scale[0] - 1.25f64.sqrt()).abs() < 1e-15);
/// assert_eq!(s.scale[1], 1.0); // constant column
/// let xs = s.transform(&x).to_dense();
/// assert!((xs[(0, 0)] + 1.5 / 1.25f64.sqrt()).abs() < 1e-15 && xs[(0, 1)] == 0.0);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Standardizer {
    /// Column means.
    pub mean: Vec<f64>,
    /// Column scales (standard deviations, 1 for constant columns).
    pub scale: Vec<f64>,
    /// Whether [`Standardizer::transform`] subtracts the mean (dense input only).
    pub centered: bool,
}

impl Standardizer {
    /// Fits the means and scales of `x`.
    pub fn fit(x: &Features) -> Self {
        let n = x.n_samples() as f64;
        let (mean, std) = column_moments(&x.design());
        let eps = f64::EPSILON;
        let scale = mean
            .iter()
            .zip(&std)
            .map(|(&m, &s)| {
                let var = s * s;
                if var <= n * eps * var + (n * m * eps).powi(2) {
                    1.0
                } else {
                    s
                }
            })
            .collect();
        Standardizer {
            mean,
            scale,
            centered: !x.is_sparse(),
        }
    }

    /// The standardized copy of `x` (fitted on any data with the same features).
    /// Panics if `x` has a different number of features.
    pub fn transform(&self, x: &Features) -> Features {
        let w: Vec<f64> = self.scale.iter().map(|s| 1.0 / s).collect();
        let shift = (self.centered && !x.is_sparse()).then_some(self.mean.as_slice());
        x.affine_columns(&w, shift)
    }

    /// Coefficients and intercept of a model fitted on standardized features, expressed in
    /// the original units: `w_j / scale_j` and `b − Σ_j w_j (mean_j / scale_j)` when the
    /// transform centered, `b` otherwise.
    ///
    /// ```
    /// use cstk_ml::Standardizer;
    /// let s = Standardizer { mean: vec![1.0, 2.0], scale: vec![2.0, 4.0], centered: true };
    /// let (w, b) = s.unscale(&[2.0, -4.0], 0.5);
    /// assert_eq!(w, vec![1.0, -1.0]);
    /// assert_eq!(b, 0.5 - (1.0 * 1.0 - 1.0 * 2.0));
    /// ```
    pub fn unscale(&self, coef: &[f64], intercept: f64) -> (Vec<f64>, f64) {
        let w: Vec<f64> = coef.iter().zip(&self.scale).map(|(c, s)| c / s).collect();
        let b = if self.centered {
            intercept - w.iter().zip(&self.mean).map(|(w, m)| w * m).sum::<f64>()
        } else {
            intercept
        };
        (w, b)
    }
}

/// `x` standardized, with its scaler, when `standardize`; otherwise `x` itself (no copy).
///
/// ```
/// use cstk_ml::{Features, scale::maybe_standardize};
/// use nalgebra::DMatrix;
/// let x = Features::dense(DMatrix::from_row_slice(2, 1, &[1.0, 3.0]));
/// let (s, xs) = maybe_standardize(&x, true);
/// assert_eq!((s.unwrap().scale[0], xs.to_dense()[(1, 0)]), (1.0, 1.0));
/// assert!(maybe_standardize(&x, false).0.is_none());
/// ```
pub fn maybe_standardize(
    x: &Features,
    standardize: bool,
) -> (Option<Standardizer>, Cow<'_, Features>) {
    if standardize {
        let s = Standardizer::fit(x);
        let t = s.transform(x);
        (Some(s), Cow::Owned(t))
    } else {
        (None, Cow::Borrowed(x))
    }
}
