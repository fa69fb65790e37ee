//! Orthogonal Matching Pursuit (OMP): greedy sparse least squares with scikit-learn's
//! semantics (`OrthogonalMatchingPursuit`, `orthogonal_mp`, `orthogonal_mp_gram`).
//!
//! OMP approximately solves
//!
//! ```text
//! minimize ‖y − A x‖₂²   subject to   ‖x‖₀ ≤ k        (or: until ‖y − A x‖₂² ≤ tol)
//! ```
//!
//! by adding, one per iteration, the atom (column of `A`) most correlated with the residual,
//! `j = argmax |a_jᴴ r|`, and refitting `x` on the selected atoms by least squares.
//!
//! ```
//! use cstk_solvers::omp::Omp;
//! use cstk_linop::nalgebra::DMatrix;
//! // y = 2·a₁ − a₃ with a 3 × 4 dictionary
//! let a = DMatrix::from_row_slice(3, 4, &[
//!     1.0, 0.0, 0.5, 0.0,
//!     0.0, 1.0, 0.5, 0.0,
//!     0.0, 0.0, 0.0, 1.0f64,
//! ]);
//! let y = [0.0, 2.0, -1.0];
//! let sol = Omp::params().n_nonzero(2).solve(&a, &y).unwrap();
//! assert_eq!(sol.iterations, 2);
//! assert!((sol.x[1] - 2.0).abs() < 1e-14 && (sol.x[3] + 1.0).abs() < 1e-14);
//! assert!(sol.converged());
//! ```
//!
//! # How it is computed
//!
//! * **Incremental Cholesky.** The Gram matrix `G_SS = A_Sᴴ A_S` of the selected atoms is
//!   factored as `L Lᴴ`; adding atom `j` appends one row: solve `L l = A_Sᴴ a_j`, new diagonal
//!   `√(‖a_j‖² − ‖l‖²)`. The coefficients `x_S` come from two triangular solves of
//!   `L Lᴴ x_S = A_Sᴴ y`, and the residual `r = y − A_S x_S` is formed explicitly: O(m·k) per
//!   iteration beyond the correlations.
//! * **Correlations through Gram columns.** `Aᴴ r = Aᴴ y − Σ_{s∈S} (Aᴴ a_s) x_s`. The columns
//!   `Aᴴ a_s` of the full Gram matrix are computed when an atom is first selected — and, in the
//!   same pass over `A` (a cache-blocked GEMM), for the next most correlated atoms too, which
//!   are usually the ones selected next. On the benchmark problem (k = 50, a 1000 × 5000
//!   Gaussian matrix, noisy 50-sparse `y`) `A` is read 5 times (once for `Aᴴ y` and the column
//!   norms, then 4 batches of 16) instead of 50. The cache holds at most `k + 16` columns.
//! * [`omp_gram`] takes the Gram matrix `AᴴA` and `Aᴴ y` (one column per signal) directly, like
//!   scikit-learn's `orthogonal_mp_gram`, and solves the signals in parallel.
//!
//! Every loop that runs in parallel splits its work by the problem's shape only, and each
//! output entry is summed in a fixed order: results are bit-identical for any number of
//! threads.

use crate::solution::{Observer, Progress, Recorder, Solution, StopReason};
use crate::solution::{check_finite, invalid, no_observer, shape_mismatch};
use crate::vecops::eps;
use cstk_linop::nalgebra::{DMatrix, DMatrixView, DMatrixViewMut};
use cstk_linop::{Error, Result, Scalar};
use num_traits::Zero;
use rayon::prelude::*;
use std::ops::ControlFlow;

/// Parameters of Orthogonal Matching Pursuit; see the [module docs](self) for the method.
///
/// | name | default | meaning | valid range |
/// |---|---|---|---|
/// | `n_nonzero` | `None` | stop after this many atoms (`k`) | `1 ≤ k ≤ min(m, n)` |
/// | `tol` | `None` | stop when the squared residual `‖y − A x‖₂² ≤ tol` (scikit-learn's `tol`, not a relative norm) | finite, `≥ 0` |
/// | `record_history` | `false` | keep the per-iteration [`History`](crate::History) | — |
///
/// With neither `n_nonzero` nor `tol` set, `k = max(1, ⌊0.1·n⌋)` (scikit-learn's default),
/// clamped to `min(m, n)`. With only `tol` set, up to `min(m, n)` atoms are tried. With both
/// set, OMP stops at whichever is met first (scikit-learn ignores `n_nonzero_coefs` when `tol`
/// is given).
///
/// The solver also stops early, with [`StopReason::Converged`], when no unselected atom
/// correlates with the residual beyond rounding (`max |a_jᴴ r| ≤ 64·ε·max |a_jᴴ y|`): `y` is
/// then explained as well as any further atom could explain it (e.g. `y = 0`, or an exactly
/// `k`-sparse `y` with `n_nonzero > k`; scikit-learn would go on adding atoms with coefficients
/// at rounding level). If the most correlated atom is linearly dependent on those selected
/// (its squared distance to their span is at most `100·ε·‖a_j‖²`, e.g. a zero column), it
/// stops with [`StopReason::Breakdown`] (`what` names the dependent atom; scikit-learn warns
/// and stops likewise). Only with `tol` alone and all `min(m, n)` atoms used without meeting
/// it is the stop [`StopReason::MaxIterations`].
///
/// [`Solution::iterations`] is the number of atoms selected, [`Solution::objective`] the final
/// `‖y − A x‖₂²` ([`Solution::gap`] is `NaN`); the history records `objective = ‖y − A x‖₂²`
/// and `residual = ‖y − A x‖₂` after each atom.
///
/// Costs: one pass over `A` for `Aᴴ y` and the column norms, one pass per batch of Gram
/// columns (see the [module docs](self)), and O(n·t + m·t + t²) for iteration `t`. Memory
/// beyond the input: `n·(k + 16)` scalars for the Gram-column cache, `m·16` for a batch, and
/// O(k²) for the factor; nothing is allocated per iteration except when the cache grows.
///
/// ```
/// use cstk_solvers::omp::Omp;
/// let p = Omp::params().n_nonzero(8).tol(1e-6).record_history(true);
/// assert_eq!((p.n_nonzero, p.tol, p.record_history), (Some(8), Some(1e-6), true));
/// assert_eq!(Omp::default(), Omp::params());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Omp {
    /// Number of atoms to select (`k`); see the table.
    pub n_nonzero: Option<usize>,
    /// Stop when `‖y − A x‖₂² ≤ tol`; see the table.
    pub tol: Option<f64>,
    /// Record the per-iteration history.
    pub record_history: bool,
}

/// Atoms whose Gram columns are computed per pass over `A`: the atom selected plus the next
/// most correlated ones.
const BATCH: usize = 16;
/// Columns of `A` per parallel task in the passes over `A` (fixed: results do not depend on
/// the thread count).
const COL_BLOCK: usize = 128;
/// Entries of the correlation vector per parallel task.
const ROW_BLOCK: usize = 2048;
/// nalgebra hands products with every dimension above this to `matrixmultiply`.
const SMALL_DIM: usize = 5;
/// Marks an atom whose Gram column is not cached.
const NO_SLOT: usize = usize::MAX;

impl Omp {
    /// The defaults (see the table on [`Omp`]).
    ///
    /// ```
    /// assert_eq!(cstk_solvers::omp::Omp::params().n_nonzero, None);
    /// ```
    pub fn params() -> Self {
        Self::default()
    }

    /// Sets `n_nonzero` (the number of atoms `k`).
    ///
    /// ```
    /// assert_eq!(cstk_solvers::omp::Omp::params().n_nonzero(5).n_nonzero, Some(5));
    /// ```
    pub fn n_nonzero(mut self, k: usize) -> Self {
        self.n_nonzero = Some(k);
        self
    }

    /// Sets `tol`, the bound on the squared residual norm.
    ///
    /// ```
    /// assert_eq!(cstk_solvers::omp::Omp::params().tol(0.5).tol, Some(0.5));
    /// ```
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = Some(tol);
        self
    }

    /// Sets `record_history`.
    ///
    /// ```
    /// assert!(cstk_solvers::omp::Omp::params().record_history(true).record_history);
    /// ```
    pub fn record_history(mut self, on: bool) -> Self {
        self.record_history = on;
        self
    }

    /// Runs OMP on the dense `m × n` dictionary `a` and measurements `y` (length `m`).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `y.len() != m`; [`Error::InvalidParam`] for an empty matrix,
    /// `n_nonzero` outside `1..=min(m, n)` or a negative or non-finite `tol`;
    /// [`Error::NonFinite`] for NaN/Inf in `a` or `y`.
    ///
    /// ```
    /// use cstk_solvers::omp::Omp;
    /// use cstk_linop::nalgebra::DMatrix;
    /// let a = DMatrix::<f64>::identity(4, 4);
    /// let err = Omp::params().n_nonzero(5).solve(&a, &[1.0; 4]).unwrap_err();
    /// assert!(err.to_string().contains("n_nonzero"));
    /// let sol = Omp::params().tol(0.5).solve(&a, &[3.0, 0.0, -0.6, 0.5]).unwrap();
    /// assert_eq!(sol.x, vec![3.0, 0.0, -0.6, 0.0]); // ‖r‖² = 0.25 ≤ 0.5 after two atoms
    /// ```
    pub fn solve<T: Scalar>(&self, a: &DMatrix<T>, y: &[T]) -> Result<Solution<T>> {
        let mut observer = no_observer();
        self.solve_with(a, y, &mut observer)
    }

    /// [`Omp::solve`] with an observer called after each atom; returning
    /// `ControlFlow::Break(())` stops with [`StopReason::Interrupted`] and the fit so far.
    ///
    /// # Errors
    /// As [`Omp::solve`].
    ///
    /// ```
    /// use cstk_solvers::{omp::Omp, Progress, StopReason};
    /// use cstk_linop::nalgebra::DMatrix;
    /// use std::ops::ControlFlow;
    /// let a = DMatrix::<f64>::identity(3, 3);
    /// let mut stop_after_one = |p: &Progress| if p.iteration == 1 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) };
    /// let sol = Omp::params().n_nonzero(3).solve_with(&a, &[1.0, 2.0, 3.0], &mut stop_after_one).unwrap();
    /// assert_eq!((sol.iterations, sol.stop), (1, StopReason::Interrupted));
    /// assert_eq!(sol.x, vec![0.0, 0.0, 3.0]);
    /// ```
    pub fn solve_with<T: Scalar>(
        &self,
        a: &DMatrix<T>,
        y: &[T],
        observer: Observer<'_>,
    ) -> Result<Solution<T>> {
        self.solve_dense(a, y, observer).map(|(sol, _)| sol)
    }

    /// [`Omp::solve_with`], also returning the number of batched passes over `A`.
    fn solve_dense<T: Scalar>(
        &self,
        a: &DMatrix<T>,
        y: &[T],
        observer: Observer<'_>,
    ) -> Result<(Solution<T>, usize)> {
        let (m, n) = a.shape();
        if m == 0 || n == 0 {
            return Err(invalid(
                "a",
                format!("{m} x {n} matrix"),
                "at least one row and one column",
            ));
        }
        if y.len() != m {
            return Err(shape_mismatch("omp: measurements y", m, y.len()));
        }
        let limit = self.limit(m.min(n), n)?;
        check_finite("omp: measurements y", y)?;

        let data = a.as_slice();
        let mut alpha = vec![T::zero(); n];
        let mut diag = vec![0.0f64; n];
        alpha
            .par_chunks_mut(COL_BLOCK)
            .zip(diag.par_chunks_mut(COL_BLOCK))
            .zip(data.par_chunks(COL_BLOCK * m))
            .for_each(|((al, dg), blk)| {
                for ((aj, dj), col) in al.iter_mut().zip(dg.iter_mut()).zip(blk.chunks_exact(m)) {
                    *aj = dot_c(col, y);
                    *dj = norm_sq(col);
                }
            });
        // NaN/Inf in `a` make a column's squared norm non-finite (a fused check: one pass)
        if diag.iter().any(|d| !d.is_finite()) || alpha.iter().any(|v| !v.is_finite_value()) {
            check_finite("omp: matrix a", data)?;
            return Err(invalid(
                "a",
                "a column whose squared norm or correlation with y overflows",
                "finite column norms and correlations (rescale a or y)",
            ));
        }
        let mut src = DenseGram::new(data, m, n, y, limit.atoms);
        let mut rec = Recorder::new(self.record_history, observer);
        let out = omp_core(&mut src, &alpha, &diag, &limit, &mut rec);
        Ok((out.into_solution(n, rec), src.passes))
    }

    /// The stopping rule for a problem with `n` columns and `max_atoms = min(m, n)`.
    fn limit(&self, max_atoms: usize, n: usize) -> Result<Limit> {
        if let Some(t) = self.tol
            && !(t.is_finite() && t >= 0.0)
        {
            return Err(invalid("tol", t, "a finite number ≥ 0"));
        }
        let (atoms, by_count) = match (self.n_nonzero, self.tol) {
            (Some(k), _) => {
                if k == 0 || k > max_atoms {
                    return Err(invalid(
                        "n_nonzero",
                        k,
                        &format!(
                            "1 ≤ n_nonzero ≤ {max_atoms} (min of the matrix's rows and columns)"
                        ),
                    ));
                }
                (k, true)
            }
            (None, Some(_)) => (max_atoms, false),
            (None, None) => (max_atoms.min(default_atoms(n)), true),
        };
        Ok(Limit {
            atoms,
            by_count,
            tol: self.tol,
        })
    }
}

/// scikit-learn's default number of atoms, `max(1, ⌊0.1·n⌋)`, where `n` is the number of
/// columns; clamped to `max_atoms` by the caller.
fn default_atoms(n: usize) -> usize {
    (n / 10).max(1)
}

/// OMP on precomputed Gram data, for many signals sharing one dictionary (scikit-learn's
/// `orthogonal_mp_gram`): `gram = AᴴA` (`n × n`, Hermitian), `xty = Aᴴ Y` (`n × p`, one column
/// per signal) and, optionally, `norms_y_sq[i] = ‖y_i‖₂²` (needed for `tol` and for residuals
/// in the history; without them the history's residuals are `NaN`).
///
/// Signals are solved in parallel (rayon); each result depends only on its own column, so the
/// output is bit-identical for any thread count. `params` is as for [`Omp`], with `n` in place
/// of `min(m, n)` (the number of rows of `A` is unknown here). The residual is tracked as
/// `‖y‖² − Re(x_Sᴴ Aᴴ y)`, accurate to about `ε·‖y‖²`.
///
/// # Errors
/// [`Error::ShapeMismatch`] for a non-square `gram`, `xty` with other than `n` rows or
/// `norms_y_sq` with other than `p` entries; [`Error::InvalidParam`] as for [`Omp::solve`], for
/// negative norms, or for `tol` without `norms_y_sq`; [`Error::NonFinite`] for NaN/Inf in any
/// input.
///
/// ```
/// use cstk_solvers::omp::{omp_gram, Omp};
/// use cstk_linop::nalgebra::DMatrix;
/// let a = DMatrix::from_row_slice(3, 3, &[1.0, 0.0, 0.6, 0.0, 1.0, 0.8, 0.0, 0.0, 0.0f64]);
/// let ys = DMatrix::from_row_slice(3, 2, &[2.0, 0.0, 0.0, -1.0, 0.0, 0.0]);
/// let (gram, xty) = (a.transpose() * &a, a.transpose() * &ys);
/// let sols = omp_gram(&gram, &xty, Some(&[4.0, 1.0]), &Omp::params().n_nonzero(1)).unwrap();
/// assert_eq!(sols[0].x, vec![2.0, 0.0, 0.0]);
/// assert_eq!(sols[1].x, vec![0.0, -1.0, 0.0]);
/// ```
pub fn omp_gram<T: Scalar>(
    gram: &DMatrix<T>,
    xty: &DMatrix<T>,
    norms_y_sq: Option<&[f64]>,
    params: &Omp,
) -> Result<Vec<Solution<T>>> {
    let n = gram.nrows();
    if n == 0 {
        return Err(invalid(
            "gram",
            "0 x 0 matrix",
            "at least one row and one column",
        ));
    }
    if gram.ncols() != n {
        return Err(Error::ShapeMismatch {
            context: "omp_gram: gram (must be square)".to_string(),
            expected: format!("{n} x {n}"),
            got: format!("{} x {}", n, gram.ncols()),
        });
    }
    if xty.nrows() != n {
        return Err(shape_mismatch("omp_gram: rows of xty", n, xty.nrows()));
    }
    let p = xty.ncols();
    if let Some(norms) = norms_y_sq {
        if norms.len() != p {
            return Err(shape_mismatch("omp_gram: norms_y_sq", p, norms.len()));
        }
        check_finite("omp_gram: norms_y_sq", norms)?;
        if let Some(&v) = norms.iter().find(|&&v| v < 0.0) {
            return Err(invalid("norms_y_sq", v, "squared norms ≥ 0"));
        }
    } else if let Some(t) = params.tol {
        return Err(invalid(
            "tol",
            t,
            "no tol unless norms_y_sq is given (the residual needs ‖y‖²)",
        ));
    }
    let limit = params.limit(n, n)?;
    check_finite("omp_gram: gram", gram.as_slice())?;
    check_finite("omp_gram: xty", xty.as_slice())?;
    let diag: Vec<f64> = (0..n).map(|j| gram[(j, j)].to_c64().re).collect();
    let src = GramMatrix {
        gram: gram.as_slice(),
        n,
    };
    let record = params.record_history;
    Ok(xty
        .as_slice()
        .par_chunks(n)
        .enumerate()
        .map(|(i, alpha)| {
            let mut src = GramSignal {
                g: src,
                norm_y_sq: norms_y_sq.map(|v| v[i]),
            };
            let mut observer = no_observer();
            let mut rec = Recorder::new(record, &mut observer);
            let out = omp_core(&mut src, alpha, &diag, &limit, &mut rec);
            out.into_solution(n, rec)
        })
        .collect())
}

// ---------------------------------------------------------------------------------------
// The algorithm, shared by the dense and the Gram variants
// ---------------------------------------------------------------------------------------

/// When to stop.
struct Limit {
    /// Most atoms to select.
    atoms: usize,
    /// `true` when `atoms` is the user's (or the default) `k`: reaching it is convergence.
    by_count: bool,
    /// Bound on `‖r‖²`.
    tol: Option<f64>,
}

/// Where the columns `Aᴴ a_j` of the Gram matrix and the residual norm come from.
trait GramSource<T: Scalar>: Sync {
    /// Makes [`GramSource::column`]`(j)` available; `c` are the current correlations and
    /// `selected` marks the atoms already chosen (a cache may compute the columns of the next
    /// candidates in the same pass).
    fn ensure(&mut self, j: usize, c: &[T], selected: &[bool]);
    /// `Aᴴ a_j` (length `n`).
    fn column(&self, j: usize) -> &[T];
    /// `‖y − A_S x_S‖²` for the support and coefficients (`alpha_s = A_Sᴴ y`); `NaN` when it
    /// cannot be computed.
    fn residual_sq(&mut self, support: &[usize], coef: &[T], alpha_s: &[T]) -> f64;
    /// Called when an atom is added to the support (cache bookkeeping).
    fn select(&mut self, _j: usize) {}
}

/// The support, coefficients and stop reason of one run.
struct Outcome<T> {
    support: Vec<usize>,
    coef: Vec<T>,
    stop: StopReason,
    /// `‖y − A x‖²` at the end (`NaN` when unknown).
    rsq: f64,
}

impl<T: Scalar> Outcome<T> {
    fn into_solution(self, n: usize, rec: Recorder<'_>) -> Solution<T> {
        let mut x = vec![T::zero(); n];
        for (&s, &v) in self.support.iter().zip(&self.coef) {
            x[s] = v;
        }
        Solution {
            x,
            iterations: self.support.len(),
            stop: self.stop,
            history: rec.finish(),
            objective: self.rsq,
            gap: f64::NAN,
        }
    }
}

/// The stop reason for an atom that is linearly dependent on the selected ones.
fn dependent_atom(iteration: usize, pivot: f64) -> StopReason {
    StopReason::Breakdown {
        iteration,
        what: "omp: squared distance of the best atom to the span of the selected atoms \
               (linearly dependent atom)",
        value: pivot,
    }
}

fn omp_core<T: Scalar, S: GramSource<T>>(
    src: &mut S,
    alpha: &[T],
    diag: &[f64],
    limit: &Limit,
    rec: &mut Recorder<'_>,
) -> Outcome<T> {
    let n = alpha.len();
    let k = limit.atoms;
    let eps = eps::<T>();
    let mut c = alpha.to_vec();
    let mut selected = vec![false; n];
    let mut support: Vec<usize> = Vec::with_capacity(k);
    let mut alpha_s: Vec<T> = Vec::with_capacity(k);
    let mut coef: Vec<T> = Vec::with_capacity(k);
    let mut chol = Chol::with_capacity(k);
    let mut g_s: Vec<T> = Vec::with_capacity(k);
    let alpha_max = alpha.iter().fold(0.0f64, |acc, v| acc.max(mod_sq(*v)));
    // |a_jᴴ r|² below this is rounding: (64 ε max |a_jᴴ y|)²
    let floor = (64.0 * eps) * (64.0 * eps) * alpha_max;
    let mut last_rsq = src.residual_sq(&[], &[], &[]);

    let stop = loop {
        if support.len() == k {
            break if limit.by_count {
                StopReason::Converged
            } else {
                StopReason::MaxIterations
            };
        }
        let Some((j, cj)) = argmax_unselected(&c, &selected) else {
            break StopReason::MaxIterations;
        };
        if cj <= floor {
            break StopReason::Converged;
        }
        src.ensure(j, &c, &selected);
        let gj = src.column(j);
        g_s.clear();
        g_s.extend(support.iter().map(|&s| gj[s]));
        let iteration = support.len() + 1;
        if let Err(pivot) = chol.push(&g_s, diag[j], 100.0 * eps * diag[j]) {
            break dependent_atom(iteration, pivot);
        }
        src.select(j);
        selected[j] = true;
        support.push(j);
        alpha_s.push(alpha[j]);
        coef.resize(support.len(), T::zero());
        chol.solve(&alpha_s, &mut coef);

        // c = α − Σ_s (Aᴴ a_s) x_s, in row blocks; each entry sums over s in order.
        let src_ref: &S = src;
        c.par_chunks_mut(ROW_BLOCK)
            .zip(alpha.par_chunks(ROW_BLOCK))
            .enumerate()
            .for_each(|(b, (cb, ab))| {
                cb.copy_from_slice(ab);
                let r0 = b * ROW_BLOCK;
                for (&s, &xs) in support.iter().zip(&coef) {
                    let col = &src_ref.column(s)[r0..r0 + cb.len()];
                    for (ci, &gi) in cb.iter_mut().zip(col) {
                        *ci -= gi * xs;
                    }
                }
            });

        let rsq = src.residual_sq(&support, &coef, &alpha_s);
        last_rsq = rsq;
        let progress = Progress {
            iteration,
            objective: rsq,
            residual: rsq.sqrt(),
            ..Progress::default()
        };
        if let ControlFlow::Break(()) = rec.record(progress) {
            break StopReason::Interrupted;
        }
        if let Some(tol) = limit.tol
            && rsq <= tol
        {
            break StopReason::Converged;
        }
    };
    Outcome {
        support,
        coef,
        stop,
        rsq: last_rsq,
    }
}

/// The unselected index with the largest `|c_j|²` (the first on ties) and that value.
fn argmax_unselected<T: Scalar>(c: &[T], selected: &[bool]) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    for (j, (&v, &sel)) in c.iter().zip(selected).enumerate() {
        if sel {
            continue;
        }
        let q = mod_sq(v);
        if best.is_none_or(|(_, b)| q > b) {
            best = Some((j, q));
        }
    }
    best
}

#[inline]
fn mod_sq<T: Scalar>(v: T) -> f64 {
    v.to_c64().norm_sqr()
}

/// `Σ conj(a_i) b_i` with four partial sums (vectorizable; the order depends on the length
/// only).
fn dot_c<T: Scalar>(a: &[T], b: &[T]) -> T {
    let mut acc = [T::zero(); 4];
    let (ac, bc) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ar, br) = (ac.remainder(), bc.remainder());
    for (x, y) in ac.zip(bc) {
        for q in 0..4 {
            acc[q] += x[q].conjugate() * y[q];
        }
    }
    let mut tail = T::zero();
    for (&x, &y) in ar.iter().zip(br) {
        tail += x.conjugate() * y;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// `‖a‖²` as `f64` (real type's arithmetic, four partial sums).
fn norm_sq<T: Scalar>(a: &[T]) -> f64 {
    let mut acc = [T::RealField::zero(); 4];
    let ac = a.chunks_exact(4);
    let ar = ac.remainder();
    for x in ac {
        for q in 0..4 {
            acc[q] += x[q].modulus_squared();
        }
    }
    let mut tail = T::RealField::zero();
    for &x in ar {
        tail += x.modulus_squared();
    }
    let s = (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail;
    T::from_real(s).to_c64().re
}

// ---------------------------------------------------------------------------------------
// Incremental Cholesky factor of the selected atoms' Gram matrix
// ---------------------------------------------------------------------------------------

/// Lower-triangular `L` with `L Lᴴ = G_SS`, rows packed one after another (row `i` holds
/// `i + 1` entries), so that adding an atom appends a row.
struct Chol<T: Scalar> {
    rows: Vec<T>,
    size: usize,
    /// Scratch for the new row and the forward solve.
    tmp: Vec<T>,
}

impl<T: Scalar> Chol<T> {
    fn with_capacity(k: usize) -> Self {
        Chol {
            rows: Vec::with_capacity(k * (k + 1) / 2),
            size: 0,
            tmp: Vec::with_capacity(k),
        }
    }

    #[inline]
    fn row(&self, i: usize) -> &[T] {
        let start = i * (i + 1) / 2;
        &self.rows[start..start + i + 1]
    }

    /// Appends the atom with `g[s] = a_sᴴ a_j` (over the current atoms) and `d = ‖a_j‖²`;
    /// `Err(pivot)` (and no change) when `pivot = d − ‖L⁻¹g‖² ≤ min_pivot`.
    fn push(&mut self, g: &[T], d: f64, min_pivot: f64) -> std::result::Result<(), f64> {
        let k = self.size;
        // l = L⁻¹ g (forward substitution)
        self.tmp.clear();
        for i in 0..k {
            let row = self.row(i);
            let mut s = g[i];
            for (p, &lp) in self.tmp.iter().enumerate() {
                s -= row[p] * lp;
            }
            let v = s / row[i];
            self.tmp.push(v);
        }
        let ll: f64 = self.tmp.iter().map(|&v| mod_sq(v)).sum();
        let pivot = d - ll;
        if pivot.is_nan() || pivot <= min_pivot {
            return Err(pivot);
        }
        // the new row of L is lᴴ
        for i in 0..k {
            let v = self.tmp[i].conjugate();
            self.rows.push(v);
        }
        self.rows.push(T::from_f64_parts(pivot.sqrt(), 0.0));
        self.size += 1;
        Ok(())
    }

    /// Solves `L Lᴴ x = b` (both of length `size`).
    fn solve(&mut self, b: &[T], x: &mut [T]) {
        let k = self.size;
        // L z = b
        for i in 0..k {
            let row = self.row(i);
            let mut s = b[i];
            for (p, &zp) in x[..i].iter().enumerate() {
                s -= row[p] * zp;
            }
            x[i] = s / row[i];
        }
        // Lᴴ x = z: x_i = (z_i − Σ_{p>i} conj(L_pi) x_p) / L_ii
        for i in (0..k).rev() {
            let mut s = x[i];
            for (p, &xp) in x.iter().enumerate().take(k).skip(i + 1) {
                s -= self.row(p)[i].conjugate() * xp;
            }
            x[i] = s / self.row(i)[i];
        }
    }
}

// ---------------------------------------------------------------------------------------
// Gram sources
// ---------------------------------------------------------------------------------------

/// The dense variant: Gram columns `Aᴴ a_j` computed on demand in batches (one pass over `A`
/// for the selected atom and the next [`BATCH`]` − 1` most correlated unselected ones), held
/// in a cache of at most `k + BATCH` columns; the residual is formed explicitly.
struct DenseGram<'a, T: Scalar> {
    a: &'a [T],
    m: usize,
    n: usize,
    y: &'a [T],
    /// Cached columns, `n` entries per slot.
    cache: Vec<T>,
    /// Slot of each atom's column, or [`NO_SLOT`].
    slot_of: Vec<usize>,
    /// Atom held by each slot.
    atom_of: Vec<usize>,
    /// Slots whose atom is not selected (may be reused).
    spare: Vec<bool>,
    max_slots: usize,
    /// The batch's atoms, their columns of `A` (`m × b`) and the products, per column block
    /// of `A` (`COL_BLOCK × b` each).
    batch: Vec<usize>,
    cand: Vec<T>,
    tiles: Vec<T>,
    /// Residual `y − A_S x_S`.
    r: Vec<T>,
    /// Batched passes over `A` so far.
    passes: usize,
}

impl<'a, T: Scalar> DenseGram<'a, T> {
    fn new(a: &'a [T], m: usize, n: usize, y: &'a [T], k: usize) -> Self {
        DenseGram {
            a,
            m,
            n,
            y,
            cache: Vec::new(),
            slot_of: vec![NO_SLOT; n],
            atom_of: Vec::new(),
            spare: Vec::new(),
            max_slots: (k + BATCH).min(n),
            batch: Vec::with_capacity(BATCH),
            cand: Vec::new(),
            tiles: Vec::new(),
            r: vec![T::zero(); m],
            passes: 0,
        }
    }

    /// Picks the batch: `j` and the most correlated unselected, uncached atoms (first index
    /// on ties), at most as many as free or spare slots allow.
    fn pick_batch(&mut self, j: usize, c: &[T], selected: &[bool]) {
        let spare = self.spare.iter().filter(|&&s| s).count();
        let room = (self.max_slots - self.atom_of.len() + spare).clamp(1, BATCH);
        self.batch.clear();
        self.batch.push(j);
        // (|c|², index) of the best candidates, sorted best first
        let mut best: [(f64, usize); BATCH] = [(f64::NEG_INFINITY, usize::MAX); BATCH];
        let want = room - 1;
        if want > 0 {
            for (i, (&v, &sel)) in c.iter().zip(selected).enumerate() {
                if sel || i == j || self.slot_of[i] != NO_SLOT {
                    continue;
                }
                let q = mod_sq(v);
                if q > best[want - 1].0 {
                    let mut p = want - 1;
                    while p > 0 && q > best[p - 1].0 {
                        best[p] = best[p - 1];
                        p -= 1;
                    }
                    best[p] = (q, i);
                }
            }
        }
        self.batch.extend(
            best[..want]
                .iter()
                .filter(|(q, _)| q.is_finite())
                .map(|&(_, i)| i),
        );
    }

    /// A slot for a new column: a fresh one while under `max_slots`, else a spare one (its
    /// atom is evicted).
    fn take_slot(&mut self) -> usize {
        if self.atom_of.len() < self.max_slots {
            self.atom_of.push(NO_SLOT);
            self.spare.push(false);
            self.cache.resize(self.atom_of.len() * self.n, T::zero());
            return self.atom_of.len() - 1;
        }
        let slot = self
            .spare
            .iter()
            .position(|&s| s)
            .expect("omp: a spare cache slot (the cache holds k + BATCH columns)");
        self.slot_of[self.atom_of[slot]] = NO_SLOT;
        self.spare[slot] = false;
        slot
    }

    /// One pass over `A`: `tiles = Aᴴ [a_b for b in batch]`, then into cache slots.
    fn compute_batch(&mut self) {
        let (m, n, b) = (self.m, self.n, self.batch.len());
        self.passes += 1;
        self.cand.clear();
        for &j in &self.batch {
            self.cand.extend_from_slice(&self.a[j * m..(j + 1) * m]);
        }
        self.tiles.resize(n * b, T::zero());
        let cand = &self.cand;
        self.tiles
            .par_chunks_mut(COL_BLOCK * b)
            .zip(self.a.par_chunks(COL_BLOCK * m))
            .for_each(|(tile, blk)| block_adjoint_product(blk, m, cand, b, tile));
        // take every slot before filling any, so that no column of this batch is evicted
        let mut slots = [NO_SLOT; BATCH];
        for slot in slots.iter_mut().take(b) {
            *slot = self.take_slot();
        }
        for (q, &slot) in slots[..b].iter().enumerate() {
            let atom = self.batch[q];
            self.atom_of[slot] = atom;
            self.slot_of[atom] = slot;
            self.spare[slot] = true;
            let dst = &mut self.cache[slot * n..(slot + 1) * n];
            for (blk, d) in self
                .tiles
                .chunks(COL_BLOCK * b)
                .zip(dst.chunks_mut(COL_BLOCK))
            {
                let w = d.len();
                d.copy_from_slice(&blk[q * w..(q + 1) * w]);
            }
        }
    }
}

/// `tile = blkᴴ cand` for a block of `w = blk.len() / m` columns of `A` and `b` candidate
/// columns (`cand`, `m × b`); `tile` is `w × b`, column-major. Real types go through
/// `matrixmultiply` (nalgebra's `gemm` on a transposed view), complex ones through a loop of
/// dot products.
fn block_adjoint_product<T: Scalar>(blk: &[T], m: usize, cand: &[T], b: usize, tile: &mut [T]) {
    let w = blk.len() / m;
    if !T::IS_COMPLEX && w > SMALL_DIM && b > SMALL_DIM && m > SMALL_DIM {
        let at = DMatrixView::from_slice_with_strides(blk, w, m, m, 1);
        let cv = DMatrixView::from_slice(cand, m, b);
        DMatrixViewMut::from_slice(tile, w, b).gemm(T::one(), &at, &cv, T::zero());
    } else {
        for (q, cq) in cand.chunks_exact(m).enumerate() {
            for (i, col) in blk.chunks_exact(m).enumerate() {
                tile[i + q * w] = dot_c(col, cq);
            }
        }
    }
}

impl<T: Scalar> GramSource<T> for DenseGram<'_, T> {
    fn ensure(&mut self, j: usize, c: &[T], selected: &[bool]) {
        if self.slot_of[j] == NO_SLOT {
            self.pick_batch(j, c, selected);
            self.compute_batch();
        }
    }

    fn column(&self, j: usize) -> &[T] {
        let slot = self.slot_of[j];
        &self.cache[slot * self.n..(slot + 1) * self.n]
    }

    fn select(&mut self, j: usize) {
        self.spare[self.slot_of[j]] = false;
    }

    fn residual_sq(&mut self, support: &[usize], coef: &[T], _alpha_s: &[T]) -> f64 {
        let m = self.m;
        self.r.copy_from_slice(self.y);
        for (&s, &xs) in support.iter().zip(coef) {
            for (ri, &ai) in self.r.iter_mut().zip(&self.a[s * m..(s + 1) * m]) {
                *ri -= ai * xs;
            }
        }
        norm_sq(&self.r)
    }
}

/// The full Gram matrix, shared by the signals of [`omp_gram`].
#[derive(Clone, Copy)]
struct GramMatrix<'a, T> {
    gram: &'a [T],
    n: usize,
}

/// One signal of [`omp_gram`].
struct GramSignal<'a, T> {
    g: GramMatrix<'a, T>,
    norm_y_sq: Option<f64>,
}

impl<T: Scalar> GramSource<T> for GramSignal<'_, T> {
    fn ensure(&mut self, _j: usize, _c: &[T], _selected: &[bool]) {}

    fn column(&self, j: usize) -> &[T] {
        &self.g.gram[j * self.g.n..(j + 1) * self.g.n]
    }

    fn residual_sq(&mut self, _support: &[usize], coef: &[T], alpha_s: &[T]) -> f64 {
        match self.norm_y_sq {
            None => f64::NAN,
            Some(ny) => {
                let explained: f64 = alpha_s
                    .iter()
                    .zip(coef)
                    .map(|(&a, &x)| (a.conjugate() * x).to_c64().re)
                    .sum();
                (ny - explained).max(0.0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_append_and_solve_match_a_direct_solve() {
        // G = [[4, 2], [2, 3]] → x for b = [2, 1]: [0.5, 0]
        let mut ch = Chol::<f64>::with_capacity(2);
        ch.push(&[], 4.0, 0.0).unwrap();
        ch.push(&[2.0], 3.0, 0.0).unwrap();
        let mut x = [0.0; 2];
        ch.solve(&[2.0, 1.0], &mut x);
        assert!((x[0] - 0.5).abs() < 1e-15 && x[1].abs() < 1e-15);
        assert_eq!(ch.push(&[4.0, 2.0], 4.0, 1e-12), Err(0.0)); // the first atom again
    }

    #[test]
    fn batched_gram_columns_read_a_few_times_on_the_benchmark_problem() {
        use cstk_measure::DenseEnsemble;
        use cstk_measure::signals::{Amplitude, sparse_signal};
        let (m, n, k) = (1000, 5000, 50);
        let a = DenseEnsemble::Gaussian.matrix::<f64>(m, n, 1).unwrap();
        let x = sparse_signal::<f64>(n, k, Amplitude::Gaussian, 2).unwrap();
        let e = sparse_signal::<f64>(m, m, Amplitude::Gaussian, 3)
            .unwrap()
            .x;
        let ax = &a * DMatrix::from_column_slice(n, 1, &x.x);
        let y: Vec<f64> = ax.iter().zip(&e).map(|(v, e)| v + 0.01 * e).collect();
        let mut observer = no_observer();
        let (sol, passes) = Omp::params()
            .n_nonzero(k)
            .solve_dense(&a, &y, &mut observer)
            .unwrap();
        assert_eq!(sol.iterations, k);
        assert!(passes <= 6, "{passes} passes over A");
    }

    #[test]
    fn default_atoms_follows_sklearn() {
        assert_eq!(default_atoms(5), 1);
        assert_eq!(default_atoms(200), 20);
        assert_eq!(default_atoms(209), 20);
    }
}
