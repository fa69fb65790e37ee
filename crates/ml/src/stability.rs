//! Stability selection (Meinshausen & Bühlmann 2010) with the randomized LASSO.

use crate::Result;
use crate::cv::{check_data, setters};
use crate::data::Features;
use crate::scale::{Standardizer, maybe_standardize};
use cstk_measure::rng::{self, Domain, sample_indices, uniform01};
use cstk_solvers::cd::{LassoPath, alpha_max};
use cstk_solvers::grid::resolve_grid;
use cstk_solvers::solution::invalid;
use nalgebra::DMatrix;
use rayon::prelude::*;

/// The random stream of resample `b` (row subset, then feature weights).
const STABILITY: Domain = Domain::new(*b"stabsel\0");

/// Stability selection: the LASSO (or ElasticNet) path is fitted on many random
/// subsamples with randomly reweighted penalties, and a feature is selected when it is
/// chosen in at least a fraction `threshold` of them for some α of the region Λ.
///
/// Resample `b` draws `⌊sample_fraction · n⌋` rows without replacement and a weight
/// `W_j ~ U[weakness, 1]` per feature (the randomized LASSO: penalty `α Σ_j |w_j| / W_j`,
/// i.e. column `j` scaled by `W_j`; `weakness = 1` is plain subsampling), then fits the
/// path on a grid from the whole data's `α_max` down to `eps · α_max`. Π_j(α) is the
/// fraction of resamples whose path has `w_j ≠ 0` at α; the stable set is
/// `{j : max_{α∈Λ} Π_j(α) ≥ threshold}`.
///
/// The region Λ is the whole grid, or with `max_false_positives = Some(v)` its longest
/// prefix (largest α first) for which Meinshausen–Bühlmann's bound on the expected number
/// of falsely selected features, `E[V] ≤ q_Λ² / ((2·threshold − 1) p)` with `q_Λ` the mean
/// size of a resample's selections over Λ, is at most `v`. The bound for the region used is
/// reported either way ([`StabilityFit::error_bound`]).
///
/// Every resample has its own ChaCha8 stream derived from `(seed, b)`
/// (`cstk_measure::rng`), and resamples run in parallel: the result is identical for any
/// thread count.
///
/// | name | default | meaning | valid range |
/// |------|---------|---------|-------------|
/// | `n_resamples` | 100 | number of subsamples | ≥ 1 |
/// | `sample_fraction` | 0.5 | share of the rows in each | (0, 1], ≥ 2 rows |
/// | `weakness` | 0.5 | lower end of the penalty weights (1 = no randomization) | (0, 1] |
/// | `n_alphas` | 30 | grid size | ≥ 1 |
/// | `eps` | 1e-2 | `α_min / α_max` of the grid | (0, 1] |
/// | `alphas` | `None` | explicit grid | finite, > 0 |
/// | `threshold` | 0.6 | selection probability needed | (0.5, 1] |
/// | `max_false_positives` | `None` | bound `E[V]` to restrict Λ | > 0 |
/// | `l1_ratio` | 1.0 | ρ of the ElasticNet (1 = LASSO) | (0, 1] |
/// | `fit_intercept` | true | fit an intercept | |
/// | `standardize` | true | standardize features first (penalties compare across features) | |
/// | `tol` | 1e-4 | duality-gap tolerance of each path | finite, ≥ 0 |
/// | `max_iter` | 1000 | epochs per α | ≥ 1 |
/// | `seed` | 0 | random seed | any |
///
/// ```
/// use cstk_ml::{Features, StabilitySelection};
/// use nalgebra::DMatrix;
/// let x = DMatrix::from_fn(80, 20, |i, j| (((i * i * 3 + i * (2 * j + 5) + j * 13) % 31) as f64 - 15.0) / 9.0);
/// let y: Vec<f64> = (0..80).map(|i| 2.0 * x[(i, 3)] - 3.0 * x[(i, 7)]).collect();
/// let fit = StabilitySelection::default().n_resamples(40).seed(1).fit(&Features::dense(x), &y).unwrap();
/// assert!(fit.selected.contains(&3) && fit.selected.contains(&7));
/// assert_eq!(fit.max_probability[3], 1.0);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct StabilitySelection {
    /// Number of subsamples.
    pub n_resamples: usize,
    /// Share of the rows in each subsample.
    pub sample_fraction: f64,
    /// Lower end of the penalty weights.
    pub weakness: f64,
    /// Grid size.
    pub n_alphas: usize,
    /// `α_min / α_max`.
    pub eps: f64,
    /// Explicit grid.
    pub alphas: Option<Vec<f64>>,
    /// Selection probability needed.
    pub threshold: f64,
    /// Bound on the expected number of false selections that restricts the region.
    pub max_false_positives: Option<f64>,
    /// ρ.
    pub l1_ratio: f64,
    /// Fit an intercept.
    pub fit_intercept: bool,
    /// Standardize first.
    pub standardize: bool,
    /// Duality-gap tolerance.
    pub tol: f64,
    /// Epochs per α.
    pub max_iter: usize,
    /// Random seed.
    pub seed: u64,
}

impl Default for StabilitySelection {
    fn default() -> Self {
        StabilitySelection {
            n_resamples: 100,
            sample_fraction: 0.5,
            weakness: 0.5,
            n_alphas: 30,
            eps: 1e-2,
            alphas: None,
            threshold: 0.6,
            max_false_positives: None,
            l1_ratio: 1.0,
            fit_intercept: true,
            standardize: true,
            tol: 1e-4,
            max_iter: 1000,
            seed: 0,
        }
    }
}

setters!(StabilitySelection {
    /// Sets `n_resamples`.
    n_resamples: usize,
    /// Sets `sample_fraction`.
    sample_fraction: f64,
    /// Sets `weakness`.
    weakness: f64,
    /// Sets `n_alphas`.
    n_alphas: usize,
    /// Sets `eps`.
    eps: f64,
    /// Sets `alphas`.
    alphas: Option<Vec<f64>>,
    /// Sets `threshold`.
    threshold: f64,
    /// Sets `max_false_positives`.
    max_false_positives: Option<f64>,
    /// Sets `l1_ratio`.
    l1_ratio: f64,
    /// Sets `fit_intercept`.
    fit_intercept: bool,
    /// Sets `standardize`.
    standardize: bool,
    /// Sets `tol`.
    tol: f64,
    /// Sets `max_iter`.
    max_iter: usize,
    /// Sets `seed`.
    seed: u64,
});

/// The result of [`StabilitySelection::fit`].
#[derive(Clone, Debug, PartialEq)]
pub struct StabilityFit {
    /// The grid, descending.
    pub alphas: Vec<f64>,
    /// Selection probabilities Π_j(α), `n_features × n_alphas`.
    pub probabilities: DMatrix<f64>,
    /// Mean number of features a resample selects at each α.
    pub mean_selected: Vec<f64>,
    /// Number of grid points in the region Λ (a prefix of `alphas`).
    pub region: usize,
    /// `max_{α∈Λ} Π_j(α)` per feature (0 when Λ is empty).
    pub max_probability: Vec<f64>,
    /// The stable set, increasing.
    pub selected: Vec<usize>,
    /// `q_Λ`: mean size of a resample's selections over Λ.
    pub q: f64,
    /// Meinshausen–Bühlmann's bound on the expected number of false selections in Λ.
    pub error_bound: f64,
    /// The scaler (with `standardize`).
    pub standardizer: Option<Standardizer>,
}

impl StabilitySelection {
    fn validate(&self, n: usize) -> Result<()> {
        if self.n_resamples == 0 {
            return Err(invalid("n_resamples", 0, "≥ 1"));
        }
        let m = (self.sample_fraction * n as f64).floor();
        if !(self.sample_fraction > 0.0 && self.sample_fraction <= 1.0) || m < 2.0 {
            return Err(invalid(
                "sample_fraction",
                self.sample_fraction.to_string(),
                &format!("a number in (0, 1] leaving at least 2 of the {n} samples"),
            ));
        }
        if !(self.weakness > 0.0 && self.weakness <= 1.0) {
            return Err(invalid(
                "weakness",
                self.weakness.to_string(),
                "a number in (0, 1]",
            ));
        }
        if !(self.threshold > 0.5 && self.threshold <= 1.0) {
            return Err(invalid(
                "threshold",
                self.threshold.to_string(),
                "a number in (0.5, 1]",
            ));
        }
        if let Some(v) = self.max_false_positives
            && !(v > 0.0 && v.is_finite())
        {
            return Err(invalid(
                "max_false_positives",
                v.to_string(),
                "a finite number > 0",
            ));
        }
        if !(self.l1_ratio > 0.0 && self.l1_ratio <= 1.0) {
            return Err(invalid(
                "l1_ratio",
                self.l1_ratio.to_string(),
                "a number in (0, 1]",
            ));
        }
        Ok(())
    }

    /// Runs the resamples and selects the stable set.
    ///
    /// # Errors
    /// Invalid parameters, a target of the wrong length, NaN/Inf in the data, and the
    /// solver's errors.
    pub fn fit(&self, x: &Features, y: &[f64]) -> Result<StabilityFit> {
        self.fit_with_progress(x, y, &|| {})
    }

    /// [`StabilitySelection::fit`], calling `tick` once per finished resample (from worker
    /// threads), for progress displays.
    ///
    /// # Errors
    /// As [`StabilitySelection::fit`].
    pub fn fit_with_progress(
        &self,
        x: &Features,
        y: &[f64],
        tick: &(dyn Fn() + Sync),
    ) -> Result<StabilityFit> {
        check_data(x, y)?;
        let (n, p) = (x.n_samples(), x.n_features());
        self.validate(n)?;
        let (standardizer, scaled) = maybe_standardize(x, self.standardize);
        let x = scaled.as_ref();
        let alphas = resolve_grid(self.alphas.as_deref(), self.n_alphas, self.eps, || {
            alpha_max(x.design(), y, self.l1_ratio, self.fit_intercept)
        })?;
        let k = alphas.len();
        let m = (self.sample_fraction * n as f64).floor() as usize;
        let path = LassoPath::default()
            .alphas(Some(alphas.clone()))
            .l1_ratio(self.l1_ratio)
            .fit_intercept(self.fit_intercept)
            .tol(self.tol)
            .max_iter(self.max_iter);
        // Per resample: which (feature, α) are selected, and the size of the union of
        // selections over the first `a + 1` grid points.
        let runs: Vec<(Vec<bool>, Vec<usize>)> = (0..self.n_resamples)
            .into_par_iter()
            .map(|b| {
                let mut r = rng::stream(self.seed, STABILITY, b as u64);
                let rows = sample_indices(&mut r, n, m);
                let w: Vec<f64> = (0..p)
                    .map(|_| self.weakness + (1.0 - self.weakness) * uniform01(&mut r))
                    .collect();
                let xb = x.rows(&rows).affine_columns(&w, None);
                let yb: Vec<f64> = rows.iter().map(|&i| y[i]).collect();
                let fit = path.fit(xb.design(), &yb)?;
                let sel: Vec<bool> = fit.coefs.iter().map(|&c| c != 0.0).collect();
                let mut seen = vec![false; p];
                let mut size = 0;
                let union = (0..k)
                    .map(|a| {
                        for j in 0..p {
                            if sel[a * p + j] && !seen[j] {
                                seen[j] = true;
                                size += 1;
                            }
                        }
                        size
                    })
                    .collect();
                tick();
                Ok((sel, union))
            })
            .collect::<Result<_>>()?;
        let b = self.n_resamples as f64;
        let mut probabilities = DMatrix::zeros(p, k);
        let mut mean_selected = vec![0.0; k];
        let mut q_prefix = vec![0.0; k];
        for (sel, union) in &runs {
            for a in 0..k {
                for j in 0..p {
                    if sel[a * p + j] {
                        probabilities[(j, a)] += 1.0;
                        mean_selected[a] += 1.0;
                    }
                }
                q_prefix[a] += union[a] as f64;
            }
        }
        probabilities.iter_mut().for_each(|v| *v /= b);
        mean_selected.iter_mut().for_each(|v| *v /= b);
        q_prefix.iter_mut().for_each(|v| *v /= b);
        let bound = |q: f64| q * q / ((2.0 * self.threshold - 1.0) * p as f64);
        let region = match self.max_false_positives {
            None => k,
            Some(v) => q_prefix.iter().take_while(|&&q| bound(q) <= v).count(),
        };
        let max_probability: Vec<f64> = (0..p)
            .map(|j| {
                (0..region)
                    .map(|a| probabilities[(j, a)])
                    .fold(0.0, f64::max)
            })
            .collect();
        let selected = (0..p)
            .filter(|&j| max_probability[j] >= self.threshold)
            .collect();
        let q = if region == 0 {
            0.0
        } else {
            q_prefix[region - 1]
        };
        Ok(StabilityFit {
            alphas,
            probabilities,
            mean_selected,
            region,
            max_probability,
            selected,
            q,
            error_bound: bound(q),
            standardizer,
        })
    }
}
