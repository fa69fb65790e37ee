//! Normalized iterative hard thresholding (Blumensath & Davies 2010) for
//! `min ‖A x − y‖₂ subject to ‖x‖₀ ≤ k`, on any [`LinOp`].
//!
//! Each iteration takes a gradient step `x + μ Aᴴ(y − A x)` with the step `μ` that is exact
//! for the current support (`μ = ‖g_S‖² / ‖A g_S‖²`), keeps the `k` largest entries, and —
//! when the support changes — shrinks `μ` until `μ ≤ (1 − c)‖Δx‖² / ‖A Δx‖²` (`c = 0.01`,
//! shrink factor `κ = 2`), which guarantees convergence without knowing `‖A‖`.
//!
//! ```
//! use cstk_linop::{DenseOp, LinOp};
//! use cstk_solvers::iht::Iht;
//! let a = DenseOp::new(nalgebra::DMatrix::<f64>::identity(4, 4));
//! let sol = Iht::params(1).solve(&a, &[0.1, -3.0, 0.2, 0.0]).unwrap();
//! assert_eq!(sol.x, vec![0.0, -3.0, 0.0, 0.0]);
//! ```

use crate::prox::{keep_largest_with, largest_indices};
use crate::solution::{
    Observer, Progress, Recorder, Solution, StopReason, check_iteration_params, check_measurements,
    diverged_error, invalid, stop_after,
};
use crate::vecops::{norm, norm_sq};
use cstk_linop::{LinOp, Result, Scalar};
use std::ops::ControlFlow;

/// Normalized IHT parameters.
///
/// | field | default | meaning | valid |
/// |---|---|---|---|
/// | `k` | — | sparsity | `1..=n` |
/// | `max_iter` | 1000 | iteration limit | ≥ 1 |
/// | `tol` | 1e-10 | stop when `‖x_k − x_{k−1}‖ ≤ tol·‖x_k‖` or `‖A x − y‖ ≤ tol·‖y‖` | > 0 |
/// | `record_history` | `true` | keep per-iteration figures | |
///
/// ```
/// let p = cstk_solvers::iht::Iht::params(5).max_iter(200);
/// assert_eq!((p.k, p.max_iter), (5, 200));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Iht {
    /// Sparsity.
    pub k: usize,
    /// Iteration limit.
    pub max_iter: usize,
    /// Tolerance.
    pub tol: f64,
    /// Record the history.
    pub record_history: bool,
}

impl Iht {
    /// Defaults for sparsity `k`.
    ///
    /// ```
    /// assert_eq!(cstk_solvers::iht::Iht::params(3).tol, 1e-10);
    /// ```
    pub fn params(k: usize) -> Self {
        Iht {
            k,
            max_iter: 1000,
            tol: 1e-10,
            record_history: true,
        }
    }

    /// Runs normalized IHT from `x = 0`.
    ///
    /// # Errors
    /// `k` outside `1..=n` or larger than `m`, bad `tol`/`max_iter`, `y` of the wrong length,
    /// NaN/Inf in `y` or in the iterates.
    ///
    /// ```
    /// use cstk_linop::Identity;
    /// assert!(cstk_solvers::iht::Iht::params(0).solve(&Identity::new(3), &[1.0, 2.0, 3.0]).is_err());
    /// ```
    pub fn solve<T: Scalar, A: LinOp<T> + ?Sized>(&self, a: &A, y: &[T]) -> Result<Solution<T>> {
        self.solve_with(a, y, &mut |_| ControlFlow::Continue(()))
    }

    /// [`solve`](Self::solve) with an observer.
    ///
    /// ```
    /// use cstk_linop::Identity;
    /// use cstk_solvers::iht::Iht;
    /// let sol = Iht::params(1)
    ///     .solve_with(&Identity::new(2), &[1.0, 2.0], &mut |_| std::ops::ControlFlow::Continue(()))
    ///     .unwrap();
    /// assert_eq!(sol.x, vec![0.0, 2.0]);
    /// ```
    pub fn solve_with<T: Scalar, A: LinOp<T> + ?Sized>(
        &self,
        a: &A,
        y: &[T],
        observer: Observer,
    ) -> Result<Solution<T>> {
        let (m, n) = a.shape();
        validate_sparsity(self.k, m, n)?;
        check_iteration_params(self.max_iter, self.tol)?;
        check_measurements(y, m)?;

        const C: f64 = 0.01;
        const KAPPA: f64 = 2.0;
        let mut scratch = vec![T::zero(); a.scratch_len()];
        let mut x = vec![T::zero(); n];
        let mut x_new = vec![T::zero(); n];
        let mut g = vec![T::zero(); n];
        let mut gs = vec![T::zero(); n];
        let mut d = vec![T::zero(); n];
        let mut ax = vec![T::zero(); m];
        let mut ad = vec![T::zero(); m];
        let mut r = y.to_vec();
        let y_norm = norm(y);
        let mut rec = Recorder::new(self.record_history, observer);
        let mut support = vec![false; n];
        let mut ranked = Vec::with_capacity(n);
        let mut new_support = vec![false; n];
        let mut stop = StopReason::MaxIterations;
        let mut iterations = 0;
        let mut res_norm = y_norm;
        if y_norm == 0.0 {
            return Ok(Solution {
                x,
                iterations: 0,
                stop: StopReason::Converged,
                history: rec.finish(),
                objective: 0.0,
                gap: f64::NAN,
            });
        }
        for it in 1..=self.max_iter {
            iterations = it;
            a.adjoint_with_scratch(&r, &mut g, &mut scratch);
            if it == 1 {
                for i in largest_indices(&g, self.k) {
                    support[i] = true;
                }
            }
            // step exact on the current support
            for ((gsi, gi), &s) in gs.iter_mut().zip(&g).zip(&support) {
                *gsi = if s { *gi } else { T::zero() };
            }
            a.apply_with_scratch(&gs, &mut ad, &mut scratch);
            let num = norm_sq(&gs);
            let den = norm_sq(&ad);
            if num == 0.0 {
                stop = StopReason::Converged; // stationary on the support
                break;
            }
            let mut mu = if den > 0.0 { num / den } else { 1.0 };
            loop {
                let m_t = T::from_f64_parts(mu, 0.0);
                for ((xn, xi), gi) in x_new.iter_mut().zip(&x).zip(&g) {
                    *xn = *xi + *gi * m_t;
                }
                keep_largest_with(&mut x_new, self.k, &mut ranked);
                for (ns, v) in new_support.iter_mut().zip(&x_new) {
                    *ns = *v != T::zero();
                }
                for ((di, xn), xi) in d.iter_mut().zip(&x_new).zip(&x) {
                    *di = *xn - *xi;
                }
                a.apply_with_scratch(&d, &mut ad, &mut scratch);
                if new_support == support {
                    break;
                }
                let dd = norm_sq(&d);
                let add = norm_sq(&ad);
                if add == 0.0 || mu <= (1.0 - C) * dd / add {
                    break;
                }
                mu /= KAPPA * (1.0 - C);
            }
            // A x_new = A x + A d
            for (axi, adi) in ax.iter_mut().zip(&ad) {
                *axi += *adi;
            }
            for ((ri, yi), axi) in r.iter_mut().zip(y).zip(&ax) {
                *ri = *yi - *axi;
            }
            res_norm = norm(&r);
            let change = norm(&d) / norm(&x_new).max(f64::MIN_POSITIVE);
            std::mem::swap(&mut x, &mut x_new);
            std::mem::swap(&mut support, &mut new_support);
            if !res_norm.is_finite() {
                return Err(diverged_error("iht", it, "residual", res_norm));
            }
            let flow = rec.record(Progress {
                iteration: it,
                objective: 0.5 * res_norm * res_norm,
                residual: res_norm,
                rel_change: change,
                step: mu,
                ..Progress::default()
            });
            if let Some(reason) =
                stop_after(change <= self.tol || res_norm <= self.tol * y_norm, flow)
            {
                stop = reason;
                break;
            }
        }
        Ok(Solution {
            x,
            iterations,
            stop,
            history: rec.finish(),
            objective: 0.5 * res_norm * res_norm,
            gap: f64::NAN,
        })
    }
}

setters!(Iht {
    /// Sets `max_iter`.
    max_iter: usize,
    /// Sets `tol`.
    tol: f64,
    /// History recording on or off.
    record_history: bool,
});

/// `k` must be in `1..=min(m, n)`: more atoms than measurements cannot be identified.
pub(crate) fn validate_sparsity(k: usize, m: usize, n: usize) -> Result<()> {
    if k == 0 || k > n || k > m {
        return Err(invalid(
            "k",
            k,
            &format!(
                "a sparsity in 1..={} (at most m = {m} and n = {n})",
                m.min(n)
            ),
        ));
    }
    Ok(())
}
