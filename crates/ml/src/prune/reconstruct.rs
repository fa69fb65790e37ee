//! Layer-wise reconstruction pruning of a linear layer: choose the kept weights (and, for
//! the solver methods, new values for them) so that the layer's output on calibration data
//! changes as little as possible.
//!
//! For a weight `W` (`[out, in]`) and calibration inputs `X` (`n × in`, one sample per row),
//! the layer output is `X Wᵀ`; each output row `w` (a row of `W`) contributes the column
//! `X w`, so the problem splits into one sparse least-squares problem per output row:
//!
//! ```text
//! minimize ‖X ŵ − X w‖₂²   subject to   ŵ having the target sparsity pattern
//! ```
//!
//! | [`Reconstruction`] | support | new weights |
//! |---|---|---|
//! | `Magnitude` | top-k of \|w_j\| per row | no (mask only) |
//! | `Wanda` (Sun et al. 2023) | top-k of \|w_j\| · ‖X_{:,j}‖₂ per row | no (mask only) |
//! | `Omp` | OMP on the Gram matrix `G = XᵀX` with target `G w` | least squares on the support |
//! | `Lasso` | LASSO path, top-k of the first solution with ≥ k nonzeros | least squares on the support |
//! | `SparseGpt` (Frantar & Alistarh 2023) | smallest `w_j² / U_jj²` (`U` the Cholesky factor of `H⁻¹`) pruned, column block by column block | OBS updates of the remaining columns |
//!
//! **Targets** ([`Target`]): `Sparsity(s)` keeps exactly `k = in − round(s · in)` weights in
//! every output row (per-row sparsity, as Wanda and SparseGPT report it; `round` halves to
//! even, as everywhere in [`crate::prune`]); `Nm { n, m }` keeps `n` of every `m`
//! consecutive inputs of every row ([`satisfies_nm`](super::satisfies_nm) holds for the
//! result). N:M is offered by `Magnitude`, `Wanda` and `SparseGpt`; `Omp` and `Lasso` select
//! a support per row and return an error for N:M.
//!
//! **Precision.** Weights are `f32` (as in the rest of [`crate::prune`]); calibration inputs
//! are `f64` — they feed the Gram matrix and the solvers of [`cstk_solvers`], which run in
//! double precision — and every computation runs in `f64` before the result is rounded to
//! `f32`. The Gram matrix `G = XᵀX` is computed once per layer, in parallel over its rows,
//! each entry one sequential dot product: results do not depend on the thread count. Rows
//! of `W` are solved in parallel for `Omp` and `Lasso` (each row on its own).
//!
//! ```
//! use cstk_ml::prune::{LayerPruner, Reconstruction, Target, relative_output_error};
//! // 4 outputs, 8 inputs; 32 calibration samples whose inputs 2k and 2k+1 are nearly equal.
//! let w: Vec<f32> = (0..32).map(|i| ((i * 7 % 11) as f32 - 5.0) / 4.0).collect();
//! let x: Vec<f64> = (0..32 * 8)
//!     .map(|i| {
//!         let (s, j) = (i / 8, i % 8);
//!         let base = ((s * 5 + j / 2 * 3) % 13) as f64 - 6.0;
//!         base + 0.01 * ((s * 3 + j) % 7) as f64
//!     })
//!     .collect();
//! let (shape, x_shape) = ([4, 8], [32, 8]);
//! let err = |m| {
//!     let p = LayerPruner::new(m, Target::Sparsity(0.5)).prune(&w, &shape, &x, &x_shape).unwrap();
//!     assert!(p.mask.keep().chunks(8).all(|r| r.iter().filter(|&&k| k).count() == 4));
//!     relative_output_error(&w, &p.weight, &shape, &x, &x_shape).unwrap()
//! };
//! assert!(err(Reconstruction::Omp) < err(Reconstruction::Magnitude));
//! assert!(err(Reconstruction::SparseGpt) < err(Reconstruction::Magnitude));
//! ```

use super::{Mask, l1_unstructured, n_to_prune, nm_semi_structured};
use crate::{Error, Result};
use cstk_solvers::cd::ElasticNet;
use cstk_solvers::omp::{Omp, omp_gram};
use nalgebra::DMatrix;
use rayon::prelude::*;

/// How the kept weights are chosen (and updated); see the [module docs](self).
///
/// ```
/// use cstk_ml::prune::Reconstruction;
/// assert_ne!(Reconstruction::Wanda, Reconstruction::SparseGpt);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reconstruction {
    /// Per-row magnitude pruning: keep the `k` largest `|w_j|` of each row (ties: the smaller
    /// index is pruned first, as [`l1_unstructured`]); weights unchanged.
    Magnitude,
    /// Wanda (Sun, Liu, Bair & Kolter 2023, "A simple and effective pruning approach for
    /// large language models"): keep the `k` largest `|w_j| · ‖X_{:,j}‖₂` of each row; weights
    /// unchanged.
    Wanda,
    /// SparseGPT (Frantar & Alistarh 2023), after `fasterprune` of the reference
    /// implementation (github.com/IST-DASLab/sparsegpt): `H = XᵀX/n + λI` with `λ = percdamp`
    /// times the mean of the diagonal, `U` the upper Cholesky factor of `H⁻¹`, columns
    /// processed in blocks of `blocksize`; in each block the pruned entries are those of
    /// smallest `w_j² / U_jj²` (for N:M, chosen per group of `m` columns when the group is
    /// reached, as the reference does), and each column's pruning error `(w_j − q_j)/U_jj` is
    /// propagated to the later columns through row `j` of `U`. Inputs that are always zero
    /// (`H_jj = 0`) get zero weights and `H_jj = 1`, as in the reference.
    ///
    /// **Per-row counts.** The reference picks the unstructured mask of a block with one
    /// threshold over the whole `out × blocksize` block, so each row's sparsity is only
    /// approximately the target. Here the mask is chosen per row within each block, pruning
    /// `round(s · i₂) − round(s · i₁)` entries of the block of columns `i₁..i₂`; the counts
    /// telescope, so every row prunes exactly `round(s · in)` entries, as the other methods
    /// do. (Within a row, the entries pruned per block are still the reference's: those of
    /// smallest `w_j² / U_jj²` at the start of the block.) In N:M mode the pattern holds
    /// exactly, as in the reference.
    SparseGpt,
    /// Orthogonal Matching Pursuit ([`omp_gram`]) on `G = XᵀX` with the target correlations
    /// `Xᵀ(X w) = G w`, `k` atoms per row; the result is the least-squares fit on the
    /// selected support. If OMP stops with fewer than `k` atoms (the row is explained exactly,
    /// or the next atom is linearly dependent on those selected), the mask is filled up to `k`
    /// with the unselected inputs of largest Wanda score, whose weights stay zero.
    Omp,
    /// The LASSO path (scikit-learn's objective `(1/(2n))‖X w − y‖² + α‖w‖₁` with
    /// `fit_intercept(false)`, [`ElasticNet::lasso`]) for `y = X w`: from `α_max = ‖G w‖∞/n`
    /// down a geometric grid of `lasso_alphas` values to `lasso_eps · α_max`, each fit
    /// warm-started from the previous one, stopping at the first α whose solution has at
    /// least `k` nonzeros (or at the end of the grid). The support is the `k` entries of
    /// largest magnitude of that solution (ties: the smaller index pruned first), filled up
    /// with the inputs of largest Wanda score when the solution has fewer than `k` nonzeros;
    /// the weights are then refit by least squares on the support (debiasing):
    /// `G_SS ŵ_S = (G w)_S`, by Cholesky, or by SVD when `G_SS` is singular.
    Lasso,
}

/// The sparsity pattern asked for; see the [module docs](self).
///
/// ```
/// use cstk_ml::prune::Target;
/// assert_ne!(Target::Sparsity(0.5), Target::Nm { n: 2, m: 4 });
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    /// Prune `round(s · in)` weights of every output row, `s ∈ [0, 1)`.
    Sparsity(f64),
    /// Keep `n` of every `m` consecutive inputs of every row, `1 ≤ n < m`, `in` a multiple
    /// of `m`.
    Nm {
        /// Weights kept per group.
        n: usize,
        /// Group size.
        m: usize,
    },
}

/// The result of [`LayerPruner::prune`]: the pruned (and, for the solver methods,
/// reconstructed) weight and its mask.
///
/// `weight` is zero wherever `mask` is `false`; it may also be zero at a few kept entries
/// (see [`Reconstruction::Omp`], and SparseGPT's always-zero inputs).
///
/// ```
/// use cstk_ml::prune::{LayerPruner, Reconstruction, Target};
/// let w = [1.0f32, -2.0, 0.5, 3.0];
/// let x = [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0];
/// let p = LayerPruner::new(Reconstruction::Magnitude, Target::Sparsity(0.5))
///     .prune(&w, &[1, 4], &x, &[3, 4])
///     .unwrap();
/// assert_eq!(p.weight, vec![0.0, -2.0, 0.0, 3.0]);
/// assert_eq!(p.mask.keep(), &[false, true, false, true]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Pruned {
    /// The pruned weight, `[out, in]`, row-major.
    pub weight: Vec<f32>,
    /// Which entries are kept (`true`).
    pub mask: Mask,
}

/// Layer-wise reconstruction pruning of a linear layer; see the [module docs](self).
///
/// | name | default | meaning | valid range |
/// |------|---------|---------|-------------|
/// | `method` | (given) | how the support and weights are chosen | — |
/// | `target` | (given) | per-row sparsity or N:M | `s ∈ [0, 1)`; `1 ≤ n < m`, `m` divides `in` |
/// | `blocksize` | 128 | SparseGPT's column block | `≥ 1`; a multiple of `m` for N:M |
/// | `percdamp` | 0.01 | SparseGPT's dampening `λ / mean(diag H)` | finite, `≥ 0` |
/// | `lasso_alphas` | 100 | LASSO grid size (α_max included) | `≥ 2` |
/// | `lasso_eps` | 1e-4 | LASSO `α_min / α_max` | `(0, 1)` |
/// | `lasso_tol` | 1e-6 | LASSO duality-gap tolerance, relative to `‖y‖²` | finite, `> 0` |
/// | `lasso_max_iter` | 1000 | LASSO epochs per α | `≥ 1` |
///
/// Parameters that the chosen method does not use are still validated.
///
/// ```
/// use cstk_ml::prune::{LayerPruner, Reconstruction, Target, satisfies_nm};
/// let w: Vec<f32> = (0..16).map(|i| (i as f32 * 0.37).sin()).collect();
/// let x: Vec<f64> = (0..40).map(|i| (i as f64 * 0.71).cos()).collect(); // 10 × 4
/// let p = LayerPruner::new(Reconstruction::SparseGpt, Target::Nm { n: 2, m: 4 })
///     .blocksize(4)
///     .prune(&w, &[4, 4], &x, &[10, 4])
///     .unwrap();
/// assert!(satisfies_nm(&p.weight, &[4, 4], 2, 4));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LayerPruner {
    /// How the support and weights are chosen.
    pub method: Reconstruction,
    /// The sparsity pattern.
    pub target: Target,
    /// SparseGPT's column block size.
    pub blocksize: usize,
    /// SparseGPT's relative dampening.
    pub percdamp: f64,
    /// LASSO grid size.
    pub lasso_alphas: usize,
    /// LASSO `α_min / α_max`.
    pub lasso_eps: f64,
    /// LASSO tolerance.
    pub lasso_tol: f64,
    /// LASSO epochs per α.
    pub lasso_max_iter: usize,
}

impl LayerPruner {
    /// A pruner with the defaults of the table on [`LayerPruner`].
    ///
    /// ```
    /// use cstk_ml::prune::{LayerPruner, Reconstruction, Target};
    /// let p = LayerPruner::new(Reconstruction::SparseGpt, Target::Sparsity(0.5));
    /// assert_eq!((p.blocksize, p.percdamp), (128, 0.01));
    /// ```
    pub fn new(method: Reconstruction, target: Target) -> Self {
        LayerPruner {
            method,
            target,
            blocksize: 128,
            percdamp: 0.01,
            lasso_alphas: 100,
            lasso_eps: 1e-4,
            lasso_tol: 1e-6,
            lasso_max_iter: 1000,
        }
    }

    /// Sets `blocksize`.
    ///
    /// ```
    /// use cstk_ml::prune::{LayerPruner, Reconstruction, Target};
    /// assert_eq!(LayerPruner::new(Reconstruction::SparseGpt, Target::Sparsity(0.5)).blocksize(64).blocksize, 64);
    /// ```
    pub fn blocksize(mut self, blocksize: usize) -> Self {
        self.blocksize = blocksize;
        self
    }

    /// Sets `percdamp`.
    ///
    /// ```
    /// use cstk_ml::prune::{LayerPruner, Reconstruction, Target};
    /// assert_eq!(LayerPruner::new(Reconstruction::SparseGpt, Target::Sparsity(0.5)).percdamp(0.1).percdamp, 0.1);
    /// ```
    pub fn percdamp(mut self, percdamp: f64) -> Self {
        self.percdamp = percdamp;
        self
    }

    /// Sets `lasso_alphas`.
    ///
    /// ```
    /// use cstk_ml::prune::{LayerPruner, Reconstruction, Target};
    /// assert_eq!(LayerPruner::new(Reconstruction::Lasso, Target::Sparsity(0.5)).lasso_alphas(50).lasso_alphas, 50);
    /// ```
    pub fn lasso_alphas(mut self, n: usize) -> Self {
        self.lasso_alphas = n;
        self
    }

    /// Sets `lasso_eps`.
    ///
    /// ```
    /// use cstk_ml::prune::{LayerPruner, Reconstruction, Target};
    /// assert_eq!(LayerPruner::new(Reconstruction::Lasso, Target::Sparsity(0.5)).lasso_eps(1e-3).lasso_eps, 1e-3);
    /// ```
    pub fn lasso_eps(mut self, eps: f64) -> Self {
        self.lasso_eps = eps;
        self
    }

    /// Sets `lasso_tol`.
    ///
    /// ```
    /// use cstk_ml::prune::{LayerPruner, Reconstruction, Target};
    /// assert_eq!(LayerPruner::new(Reconstruction::Lasso, Target::Sparsity(0.5)).lasso_tol(1e-8).lasso_tol, 1e-8);
    /// ```
    pub fn lasso_tol(mut self, tol: f64) -> Self {
        self.lasso_tol = tol;
        self
    }

    /// Sets `lasso_max_iter`.
    ///
    /// ```
    /// use cstk_ml::prune::{LayerPruner, Reconstruction, Target};
    /// assert_eq!(LayerPruner::new(Reconstruction::Lasso, Target::Sparsity(0.5)).lasso_max_iter(50).lasso_max_iter, 50);
    /// ```
    pub fn lasso_max_iter(mut self, max_iter: usize) -> Self {
        self.lasso_max_iter = max_iter;
        self
    }

    /// Prunes the linear weight `weight` (`shape = [out, in]`, row-major) against the
    /// calibration inputs `x` (`x_shape = [n, in]`, row-major, one sample per row).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when `weight` or `x` do not match their shapes or the
    /// calibration width differs from the layer's input width (the message names both);
    /// [`Error::InvalidParam`] for a shape that is not 2-D with nonzero dimensions, a target
    /// or parameter out of range (see the table), or N:M with `Omp`/`Lasso`;
    /// [`Error::NonFinite`] for NaN or infinite weights or inputs. Solver errors (a
    /// non-finite intermediate) are passed on.
    ///
    /// ```
    /// use cstk_ml::prune::{LayerPruner, Reconstruction, Target};
    /// let p = LayerPruner::new(Reconstruction::Wanda, Target::Sparsity(0.5));
    /// let w = [1.0f32, 1.0, 1.0, 1.0];
    /// // Input 2 is ten times larger than the others: Wanda keeps its weight.
    /// let x = [1.0, 0.0, 10.0, 0.5, 0.0, 1.0, 10.0, 0.5];
    /// let out = p.prune(&w, &[1, 4], &x, &[2, 4]).unwrap();
    /// assert_eq!(out.mask.keep()[2], true);
    /// let err = p.prune(&w, &[1, 4], &x, &[4, 2]).unwrap_err();
    /// assert!(err.to_string().contains("2") && err.to_string().contains("4"));
    /// assert!(p.prune(&[f32::NAN, 1.0, 1.0, 1.0], &[1, 4], &x, &[2, 4]).is_err());
    /// ```
    pub fn prune(
        &self,
        weight: &[f32],
        shape: &[usize],
        x: &[f64],
        x_shape: &[usize],
    ) -> Result<Pruned> {
        let (out, d, n) = check_layer(weight, shape, x, x_shape, "LayerPruner::prune")?;
        self.validate(d)?;
        // Weights pruned per row (for Sparsity); N:M always prunes.
        if let Target::Sparsity(s) = self.target
            && n_to_prune(s, d)? == 0
        {
            return Ok(Pruned {
                weight: weight.to_vec(),
                mask: Mask::ones(shape)?,
            });
        }
        match self.method {
            Reconstruction::Magnitude => {
                let mask = match self.target {
                    Target::Sparsity(s) => per_row_l1(weight, d, s, shape)?,
                    Target::Nm { n, m } => nm_semi_structured(weight, shape, n, m)?,
                };
                let weight = mask.applied(weight)?;
                Ok(Pruned { weight, mask })
            }
            Reconstruction::Wanda => {
                let norms = column_norms(x, n, d);
                let scores: Vec<f32> = weight
                    .iter()
                    .enumerate()
                    .map(|(i, &w)| (f64::from(w).abs() * norms[i % d]) as f32)
                    .collect();
                let mask = match self.target {
                    Target::Sparsity(s) => per_row_l1(&scores, d, s, shape)?,
                    Target::Nm { n, m } => nm_semi_structured(&scores, shape, n, m)?,
                };
                let weight = mask.applied(weight)?;
                Ok(Pruned { weight, mask })
            }
            Reconstruction::SparseGpt => {
                let g = gram(x, n, d);
                let (w, keep) = self.sparsegpt(weight, out, d, n, g)?;
                Ok(Pruned {
                    weight: w,
                    mask: Mask::new(keep, shape)?,
                })
            }
            Reconstruction::Omp | Reconstruction::Lasso => {
                // `validate` has rejected N:M for these methods.
                let s = match self.target {
                    Target::Sparsity(s) => s,
                    Target::Nm { .. } => 0.0,
                };
                let k = d - n_to_prune(s, d)?;
                if k == 0 {
                    // round(s · in) = in: everything is pruned.
                    return Ok(Pruned {
                        weight: vec![0.0; out * d],
                        mask: Mask::new(vec![false; out * d], shape)?,
                    });
                }
                let g = gram(x, n, d);
                let rows = if self.method == Reconstruction::Omp {
                    omp_rows(weight, d, &g, k)?
                } else {
                    self.lasso_rows(weight, d, x, n, &g, k)?
                };
                let mut w = Vec::with_capacity(out * d);
                let mut keep = Vec::with_capacity(out * d);
                for (vals, kept) in rows {
                    w.extend(vals.iter().map(|&v| v as f32));
                    keep.extend(kept);
                }
                Ok(Pruned {
                    weight: w,
                    mask: Mask::new(keep, shape)?,
                })
            }
        }
    }

    /// Checks the parameters against the input width `d`.
    fn validate(&self, d: usize) -> Result<()> {
        let invalid = |name, value: String, expected: String| {
            Err(Error::InvalidParam {
                name,
                value,
                expected,
            })
        };
        match self.target {
            Target::Sparsity(s) => {
                n_to_prune(s, d).map_err(|_| Error::InvalidParam {
                    name: "sparsity",
                    value: s.to_string(),
                    expected: "a fraction in [0, 1)".into(),
                })?;
            }
            Target::Nm { n, m } => {
                if m < 2 || n == 0 || n >= m {
                    return invalid(
                        "target",
                        format!("{n}:{m}"),
                        "N:M with m ≥ 2 and 1 ≤ n < m".into(),
                    );
                }
                if !d.is_multiple_of(m) {
                    return invalid(
                        "target",
                        format!("{n}:{m}"),
                        format!("m dividing the input width {d}"),
                    );
                }
                if matches!(self.method, Reconstruction::Omp | Reconstruction::Lasso) {
                    return invalid(
                        "target",
                        format!("{n}:{m} with {:?}", self.method),
                        "Target::Sparsity (Omp and Lasso select an unstructured support)".into(),
                    );
                }
                if !self.blocksize.is_multiple_of(m) {
                    return invalid(
                        "blocksize",
                        self.blocksize.to_string(),
                        format!("a multiple of m = {m} for N:M"),
                    );
                }
            }
        }
        if self.blocksize == 0 {
            return invalid("blocksize", "0".into(), "≥ 1".into());
        }
        if !(self.percdamp.is_finite() && self.percdamp >= 0.0) {
            return invalid(
                "percdamp",
                self.percdamp.to_string(),
                "a finite number ≥ 0".into(),
            );
        }
        if self.lasso_alphas < 2 {
            return invalid("lasso_alphas", self.lasso_alphas.to_string(), "≥ 2".into());
        }
        if !(self.lasso_eps > 0.0 && self.lasso_eps < 1.0) {
            return invalid(
                "lasso_eps",
                self.lasso_eps.to_string(),
                "a number in (0, 1)".into(),
            );
        }
        if !(self.lasso_tol.is_finite() && self.lasso_tol > 0.0) {
            return invalid(
                "lasso_tol",
                self.lasso_tol.to_string(),
                "a finite number > 0".into(),
            );
        }
        if self.lasso_max_iter == 0 {
            return invalid("lasso_max_iter", "0".into(), "≥ 1".into());
        }
        Ok(())
    }

    /// SparseGPT's `fasterprune` (see [`Reconstruction::SparseGpt`]); returns the weights and
    /// the kept flags, row-major.
    fn sparsegpt(
        &self,
        weight: &[f32],
        out: usize,
        d: usize,
        n: usize,
        g: DMatrix<f64>,
    ) -> Result<(Vec<f32>, Vec<bool>)> {
        let mut h = g / n as f64;
        let mut w = DMatrix::from_fn(out, d, |r, c| f64::from(weight[r * d + c]));
        for j in 0..d {
            if h[(j, j)] == 0.0 {
                h[(j, j)] = 1.0;
                w.column_mut(j).fill(0.0);
            }
        }
        let damp = self.percdamp * h.diagonal().mean();
        for j in 0..d {
            h[(j, j)] += damp;
        }
        let not_pd = || Error::InvalidParam {
            name: "percdamp",
            value: self.percdamp.to_string(),
            expected: "a dampening that makes XᵀX/n + λI numerically positive definite".into(),
        };
        let hinv = h.cholesky().ok_or_else(not_pd)?.inverse();
        // Upper factor: H⁻¹ = Uᵀ U.
        let u = hinv.cholesky().ok_or_else(not_pd)?.l().transpose();
        let mut keep = vec![true; out * d];
        let bs = self.blocksize;
        let mut scores = Vec::with_capacity(bs);
        for i1 in (0..d).step_by(bs) {
            let i2 = (i1 + bs).min(d);
            let count = i2 - i1;
            let mut w1 = w.columns(i1, count).into_owned();
            let mut err1 = DMatrix::<f64>::zeros(out, count);
            let hinv1 = u.view((i1, i1), (count, count));
            // pruned[r * count + c]: entry (r, i1 + c) is pruned.
            let mut pruned = vec![false; out * count];
            let score = |w1: &DMatrix<f64>, r: usize, c: usize| {
                let q = hinv1[(c, c)];
                w1[(r, c)] * w1[(r, c)] / (q * q)
            };
            if let Target::Sparsity(s) = self.target {
                let np = n_to_prune(s, i2)? - n_to_prune(s, i1)?;
                for r in 0..out {
                    scores.clear();
                    scores.extend((0..count).map(|c| score(&w1, r, c)));
                    for c in smallest(&scores, np) {
                        pruned[r * count + c] = true;
                    }
                }
            }
            for i in 0..count {
                if let Target::Nm { n, m } = self.target
                    && i % m == 0
                {
                    for r in 0..out {
                        scores.clear();
                        scores.extend((i..i + m).map(|c| score(&w1, r, c)));
                        for c in smallest_keep_lower(&scores, m - n) {
                            pruned[r * count + i + c] = true;
                        }
                    }
                }
                let dd = hinv1[(i, i)];
                for r in 0..out {
                    let wv = w1[(r, i)];
                    if pruned[r * count + i] {
                        w1[(r, i)] = 0.0;
                        err1[(r, i)] = wv / dd;
                    }
                }
                // W1[:, i+1:] -= err1[:, i] ⊗ Hinv1[i, i+1:]
                for c in i + 1..count {
                    let hc = hinv1[(i, c)];
                    if hc != 0.0 {
                        for r in 0..out {
                            w1[(r, c)] -= err1[(r, i)] * hc;
                        }
                    }
                }
            }
            w.columns_mut(i1, count).copy_from(&w1);
            if i2 < d {
                let upd = &err1 * u.view((i1, i2), (count, d - i2));
                let mut rest = w.columns_mut(i2, d - i2);
                rest -= upd;
            }
            for r in 0..out {
                for c in 0..count {
                    keep[r * d + i1 + c] = !pruned[r * count + c];
                }
            }
        }
        let weight = (0..out * d)
            .map(|i| {
                if keep[i] {
                    w[(i / d, i % d)] as f32
                } else {
                    0.0
                }
            })
            .collect();
        Ok((weight, keep))
    }

    /// The LASSO method (see [`Reconstruction::Lasso`]) for every row, in parallel.
    fn lasso_rows(
        &self,
        weight: &[f32],
        d: usize,
        x: &[f64],
        n: usize,
        g: &DMatrix<f64>,
        k: usize,
    ) -> Result<Vec<(Vec<f64>, Vec<bool>)>> {
        let xm = DMatrix::from_row_slice(n, d, x);
        let norms: Vec<f64> = (0..d).map(|j| g[(j, j)].max(0.0).sqrt()).collect();
        let steps = self.lasso_alphas - 1;
        weight
            .par_chunks(d)
            .map(|row| {
                let w: Vec<f64> = row.iter().map(|&v| f64::from(v)).collect();
                let gw = g * nalgebra::DVector::from_column_slice(&w);
                let y: Vec<f64> = (&xm * nalgebra::DVector::from_column_slice(&w))
                    .iter()
                    .copied()
                    .collect();
                let amax = gw.amax() / n as f64;
                let mut coef = vec![0.0; d];
                if amax > 0.0 {
                    for t in 1..=steps {
                        let alpha = amax * self.lasso_eps.powf(t as f64 / steps as f64);
                        let fit = ElasticNet::lasso(alpha)
                            .fit_intercept(false)
                            .tol(self.lasso_tol)
                            .max_iter(self.lasso_max_iter)
                            .fit_warm(&xm, &y, &coef)?;
                        coef = fit.coef;
                        if coef.iter().filter(|&&c| c != 0.0).count() >= k {
                            break;
                        }
                    }
                }
                let kept = support_with_fill(&coef, &w, &norms, k);
                let vals = refit(g, gw.as_slice(), &kept);
                Ok((vals, kept))
            })
            .collect()
    }
}

/// The relative output error `‖X Wᵀ − X Ŵᵀ‖_F / ‖X Wᵀ‖_F` of a pruned weight `pruned`
/// against the dense `weight` (both `shape = [out, in]`) on the inputs `x`
/// (`x_shape = [n, in]`), computed in `f64`. When `X Wᵀ = 0` it is `0` if `X Ŵᵀ = 0` too and
/// `+∞` otherwise.
///
/// # Errors
/// As [`LayerPruner::prune`] for shapes and non-finite values (also in `pruned`).
///
/// ```
/// use cstk_ml::prune::relative_output_error;
/// // X = I₂, so X Wᵀ = Wᵀ: the error is ‖W − Ŵ‖_F / ‖W‖_F = 1 / 2.
/// let (w, p) = ([1.0f32, 1.0, 1.0, 1.0], [1.0f32, 0.0, 1.0, 1.0]);
/// let e = relative_output_error(&w, &p, &[2, 2], &[1.0, 0.0, 0.0, 1.0], &[2, 2]).unwrap();
/// assert!((e - 0.5).abs() < 1e-15);
/// ```
pub fn relative_output_error(
    weight: &[f32],
    pruned: &[f32],
    shape: &[usize],
    x: &[f64],
    x_shape: &[usize],
) -> Result<f64> {
    let (out, d, n) = check_layer(weight, shape, x, x_shape, "relative_output_error")?;
    check_finite32(pruned, shape, "relative_output_error: pruned")?;
    // Per sample: (Σ_o (x·d_o)², Σ_o (x·w_o)²), summed in sample order afterwards.
    let parts: Vec<(f64, f64)> = x
        .par_chunks(d)
        .map(|xs| {
            let (mut num, mut den) = (0.0, 0.0);
            for o in 0..out {
                let (wr, pr) = (&weight[o * d..(o + 1) * d], &pruned[o * d..(o + 1) * d]);
                let (mut a, mut b) = (0.0, 0.0);
                for j in 0..d {
                    a += xs[j] * f64::from(wr[j]);
                    b += xs[j] * f64::from(pr[j]);
                }
                num += (a - b) * (a - b);
                den += a * a;
            }
            (num, den)
        })
        .collect();
    debug_assert_eq!(parts.len(), n);
    let (num, den) = parts
        .iter()
        .fold((0.0, 0.0), |(a, b), &(c, e)| (a + c, b + e));
    Ok(if den > 0.0 {
        (num / den).sqrt()
    } else if num == 0.0 {
        0.0
    } else {
        f64::INFINITY
    })
}

/// Validates a layer and its calibration inputs; returns `(out, in, n)`.
fn check_layer(
    weight: &[f32],
    shape: &[usize],
    x: &[f64],
    x_shape: &[usize],
    context: &str,
) -> Result<(usize, usize, usize)> {
    let two_d = |s: &[usize], name| {
        if s.len() != 2 || s[0] == 0 || s[1] == 0 {
            return Err(Error::InvalidParam {
                name,
                value: format!("{s:?}"),
                expected: "a 2-D shape with nonzero dimensions".into(),
            });
        }
        Ok((s[0], s[1]))
    };
    let (out, d) = two_d(shape, "shape")?;
    let (n, dx) = two_d(x_shape, "x_shape")?;
    if dx != d {
        return Err(Error::ShapeMismatch {
            context: format!("{context}: calibration inputs"),
            expected: format!("width {d} (the layer's input width, shape {shape:?})"),
            got: format!("calibration width {dx} (x_shape {x_shape:?})"),
        });
    }
    check_finite32(weight, shape, &format!("{context}: weight"))?;
    let nx = n.checked_mul(d).ok_or_else(|| Error::InvalidParam {
        name: "x_shape",
        value: format!("{x_shape:?}"),
        expected: "a shape whose number of elements fits in usize".into(),
    })?;
    if x.len() != nx {
        return Err(Error::ShapeMismatch {
            context: format!("{context}: x"),
            expected: format!("{nx} values for x_shape {x_shape:?}"),
            got: format!("{} values", x.len()),
        });
    }
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            context: format!("{context}: x"),
            position: format!("sample {}, input {}", i / d, i % d),
            value: x[i].to_string(),
        });
    }
    Ok((out, d, n))
}

/// Checks that `values` matches the 2-D `shape` and is finite.
fn check_finite32(values: &[f32], shape: &[usize], context: &str) -> Result<()> {
    let d = shape[1];
    super::check_shape(values.len(), shape, context)?;
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            context: context.into(),
            position: format!("row {}, input {}", i / d, i % d),
            value: values[i].to_string(),
        });
    }
    Ok(())
}

/// Per-row [`l1_unstructured`] of `values` (rows of length `d`) with amount `s`.
fn per_row_l1(values: &[f32], d: usize, s: f64, shape: &[usize]) -> Result<Mask> {
    let mut keep = Vec::with_capacity(values.len());
    for row in values.chunks(d) {
        keep.extend(l1_unstructured(row, &[d], s)?.into_vec());
    }
    Mask::new(keep, shape)
}

/// `‖X_{:,j}‖₂` for every input `j`.
fn column_norms(x: &[f64], n: usize, d: usize) -> Vec<f64> {
    let mut sq = vec![0.0; d];
    for xs in x.chunks(d).take(n) {
        for (s, &v) in sq.iter_mut().zip(xs) {
            *s += v * v;
        }
    }
    sq.into_iter().map(f64::sqrt).collect()
}

/// `G = XᵀX` (`d × d`), in parallel over its rows; every entry is one sequential dot product
/// over the samples, so `G` is exactly symmetric and independent of the thread count.
fn gram(x: &[f64], n: usize, d: usize) -> DMatrix<f64> {
    // Xᵀ, row-major: input j's samples are contiguous.
    let mut xt = vec![0.0; n * d];
    for (s, xs) in x.chunks(d).enumerate() {
        for (j, &v) in xs.iter().enumerate() {
            xt[j * n + s] = v;
        }
    }
    let rows: Vec<f64> = (0..d)
        .into_par_iter()
        .flat_map_iter(|i| {
            let xi = &xt[i * n..(i + 1) * n];
            let xt = &xt;
            (0..d).map(move |j| {
                xi.iter()
                    .zip(&xt[j * n..(j + 1) * n])
                    .map(|(a, b)| a * b)
                    .sum::<f64>()
            })
        })
        .collect();
    DMatrix::from_row_slice(d, d, &rows)
}

/// The indices of the `count` smallest scores (ties: the smaller index first).
fn smallest(scores: &[f64], count: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(a.cmp(&b)));
    order.truncate(count);
    order
}

/// The indices of the `count` smallest scores, keeping the lower index of a tie (the tie
/// rule of [`nm_semi_structured`]).
fn smallest_keep_lower(scores: &[f64], count: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(b.cmp(&a)));
    order.truncate(count);
    order
}

/// The indices of the `count` largest scores, in increasing order of score (ties: the
/// smaller index is dropped first, as [`l1_unstructured`] prunes it first).
fn largest(scores: &[f64], count: usize) -> Vec<usize> {
    let mut order = smallest(scores, scores.len());
    order.drain(..scores.len() - count);
    order
}

/// The `k` entries of largest `|coef|` (ties: the smaller index pruned first), filled up by
/// the Wanda score `|w_j| ‖X_{:,j}‖` among the rest when `coef` has fewer than `k` nonzeros.
fn support_with_fill(coef: &[f64], w: &[f64], norms: &[f64], k: usize) -> Vec<bool> {
    let d = coef.len();
    let nnz = coef.iter().filter(|&&c| c != 0.0).count().min(k);
    let mut keep = vec![false; d];
    let mags: Vec<f64> = coef.iter().map(|c| c.abs()).collect();
    for j in largest(&mags, nnz) {
        keep[j] = true;
    }
    if nnz < k {
        let free: Vec<usize> = (0..d).filter(|&j| !keep[j]).collect();
        let scores: Vec<f64> = free.iter().map(|&j| w[j].abs() * norms[j]).collect();
        for c in largest(&scores, k - nnz) {
            keep[free[c]] = true;
        }
    }
    keep
}

/// Least squares on the support: solves `G_SS v = b_S` (Cholesky, SVD when singular) and
/// scatters `v` into a length-`d` vector.
fn refit(g: &DMatrix<f64>, b: &[f64], keep: &[bool]) -> Vec<f64> {
    let s: Vec<usize> = (0..keep.len()).filter(|&j| keep[j]).collect();
    let gss = DMatrix::from_fn(s.len(), s.len(), |a, c| g[(s[a], s[c])]);
    let bs = nalgebra::DVector::from_iterator(s.len(), s.iter().map(|&j| b[j]));
    let v = match gss.clone().cholesky() {
        Some(ch) => ch.solve(&bs),
        None => {
            let eps = 1e-12 * gss.diagonal().amax();
            gss.svd(true, true)
                .solve(&bs, eps)
                .unwrap_or_else(|_| nalgebra::DVector::zeros(s.len()))
        }
    };
    let mut out = vec![0.0; keep.len()];
    for (&j, &vj) in s.iter().zip(v.iter()) {
        out[j] = vj;
    }
    out
}

/// The OMP method (see [`Reconstruction::Omp`]) for every row.
fn omp_rows(
    weight: &[f32],
    d: usize,
    g: &DMatrix<f64>,
    k: usize,
) -> Result<Vec<(Vec<f64>, Vec<bool>)>> {
    let out = weight.len() / d;
    let wt = DMatrix::from_fn(d, out, |j, o| f64::from(weight[o * d + j]));
    let xty = g * &wt;
    let norms: Vec<f64> = (0..d).map(|j| g[(j, j)].max(0.0).sqrt()).collect();
    let sols = omp_gram(g, &xty, None, &Omp::params().n_nonzero(k))?;
    Ok(sols
        .into_iter()
        .enumerate()
        .map(|(o, sol)| {
            let w: Vec<f64> = (0..d).map(|j| wt[(j, o)]).collect();
            let keep = support_with_fill(&sol.x, &w, &norms, k);
            let vals = sol
                .x
                .iter()
                .zip(&keep)
                .map(|(&v, &kp)| if kp { v } else { 0.0 })
                .collect();
            (vals, keep)
        })
        .collect())
}
