//! CoSaMP, compressive sampling matching pursuit (Needell & Tropp 2009), for
//! `min ‖A x − y‖₂ subject to ‖x‖₀ ≤ k` with a dense `A`.
//!
//! Each iteration merges the `2k` largest correlations `|Aᴴ r|` with the current support,
//! solves the least-squares problem on those (at most `3k`) columns by QR, and keeps the `k`
//! largest coefficients.
//!
//! ```
//! use cstk_solvers::cosamp::Cosamp;
//! let a = nalgebra::DMatrix::<f64>::identity(4, 4);
//! let sol = Cosamp::params(2).solve(&a, &[0.1, -3.0, 2.0, 0.0]).unwrap();
//! assert_eq!(sol.x, vec![0.0, -3.0, 2.0, 0.0]);
//! ```

use crate::iht::validate_sparsity;
use crate::prox::{largest_indices, real_to_f64};
use crate::solution::{
    Observer, Progress, Recorder, Solution, StopReason, check_finite, check_iteration_params,
    check_measurements, diverged_error, stop_after,
};
use crate::vecops::norm;
use cstk_linop::{Result, Scalar};
use nalgebra::{DMatrix, DVector};
use std::ops::ControlFlow;

/// CoSaMP parameters.
///
/// | field | default | meaning | valid |
/// |---|---|---|---|
/// | `k` | — | sparsity | `1..=min(m, n)`, and `3k ≤ m` is advisable |
/// | `max_iter` | 100 | iteration limit | ≥ 1 |
/// | `tol` | 1e-10 | stop when `‖A x − y‖ ≤ tol·‖y‖` or the residual stops decreasing | > 0 |
/// | `record_history` | `true` | keep per-iteration figures | |
///
/// ```
/// assert_eq!(cstk_solvers::cosamp::Cosamp::params(4).max_iter, 100);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cosamp {
    /// Sparsity.
    pub k: usize,
    /// Iteration limit.
    pub max_iter: usize,
    /// Tolerance.
    pub tol: f64,
    /// Record the history.
    pub record_history: bool,
}

impl Cosamp {
    /// Defaults for sparsity `k`.
    ///
    /// ```
    /// assert_eq!(cstk_solvers::cosamp::Cosamp::params(3).k, 3);
    /// ```
    pub fn params(k: usize) -> Self {
        Cosamp {
            k,
            max_iter: 100,
            tol: 1e-10,
            record_history: true,
        }
    }

    /// Runs CoSaMP from `x = 0`.
    ///
    /// # Errors
    /// `k` outside `1..=min(m, n)`, bad parameters, `y` of the wrong length, NaN/Inf in `A`
    /// or `y`.
    ///
    /// ```
    /// let a = nalgebra::DMatrix::<f64>::identity(3, 3);
    /// assert!(cstk_solvers::cosamp::Cosamp::params(4).solve(&a, &[1.0, 2.0, 3.0]).is_err());
    /// ```
    pub fn solve<T: Scalar>(&self, a: &DMatrix<T>, y: &[T]) -> Result<Solution<T>> {
        self.solve_with(a, y, &mut |_| ControlFlow::Continue(()))
    }

    /// [`solve`](Self::solve) with an observer.
    ///
    /// ```
    /// use cstk_solvers::{cosamp::Cosamp, StopReason};
    /// let a = nalgebra::DMatrix::<f64>::identity(3, 3);
    /// let sol = Cosamp::params(1)
    ///     .solve_with(&a, &[1.0, 5.0, 0.5], &mut |_| std::ops::ControlFlow::Break(()))
    ///     .unwrap();
    /// assert!(matches!(sol.stop, StopReason::Interrupted | StopReason::Converged));
    /// ```
    pub fn solve_with<T: Scalar>(
        &self,
        a: &DMatrix<T>,
        y: &[T],
        observer: Observer,
    ) -> Result<Solution<T>> {
        let (m, n) = a.shape();
        validate_sparsity(self.k, m, n)?;
        check_iteration_params(self.max_iter, self.tol)?;
        check_measurements(y, m)?;
        check_finite("matrix A", a.as_slice())?;

        let yv = DVector::from_column_slice(y);
        let y_norm = real_to_f64::<T>(yv.norm());
        let mut rec = Recorder::new(self.record_history, observer);
        let mut x = vec![T::zero(); n];
        let mut r = yv.clone();
        let mut res_norm = y_norm;
        let mut stop = StopReason::MaxIterations;
        let mut iterations = 0;
        let mut c = DVector::<T>::zeros(n);
        if y_norm == 0.0 {
            stop = StopReason::Converged;
        }
        let mut support: Vec<usize> = Vec::new();
        for it in 1..=self.max_iter {
            if stop == StopReason::Converged {
                break;
            }
            iterations = it;
            c.gemv_ad(T::one(), a, &r, T::zero());
            let omega = largest_indices(c.as_slice(), (2 * self.k).min(n));
            let mut t: Vec<usize> = omega.into_iter().chain(support.iter().copied()).collect();
            t.sort_unstable();
            t.dedup();
            t.truncate(m); // at most m columns keep the least-squares problem determined
            let sub = a.select_columns(&t);
            let b = least_squares(sub, &yv);
            let keep = largest_indices(b.as_slice(), self.k);
            let mut x_new = vec![T::zero(); n];
            for &j in &keep {
                x_new[t[j]] = b[j];
            }
            let xv = DVector::from_column_slice(&x_new);
            r = &yv - a * &xv;
            let new_res = real_to_f64::<T>(r.norm());
            if !new_res.is_finite() {
                return Err(diverged_error("cosamp", it, "residual", new_res));
            }
            let change = norm(
                &x_new
                    .iter()
                    .zip(&x)
                    .map(|(u, v)| *u - *v)
                    .collect::<Vec<T>>(),
            ) / norm(&x_new).max(f64::MIN_POSITIVE);
            let stalled = new_res >= res_norm * (1.0 - 1e-12) && it > 1;
            if !stalled || new_res < res_norm {
                x = x_new;
                support = keep.iter().map(|&j| t[j]).collect();
                res_norm = new_res;
            }
            let flow = rec.record(Progress {
                iteration: it,
                objective: 0.5 * res_norm * res_norm,
                residual: res_norm,
                rel_change: change,
                ..Progress::default()
            });
            if let Some(reason) = stop_after(res_norm <= self.tol * y_norm || stalled, flow) {
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

setters!(Cosamp {
    /// Sets `max_iter`.
    max_iter: usize,
    /// Sets `tol`.
    tol: f64,
    /// History recording on or off.
    record_history: bool,
});

/// `argmin_b ‖B b − y‖₂` by Householder QR (columns of `B` assumed independent; a singular
/// `R` falls back to the minimum-norm solution by SVD).
fn least_squares<T: Scalar>(b: DMatrix<T>, y: &DVector<T>) -> DVector<T> {
    let cols = b.ncols();
    let qr = b.clone().qr();
    let qty = qr.q().adjoint() * y;
    let r = qr.r();
    let rhs = qty.rows(0, cols).into_owned();
    match r.solve_upper_triangular(&rhs) {
        Some(sol) if sol.iter().all(|v| v.is_finite_value()) => sol,
        _ => {
            let svd = b.svd(true, true);
            let eps = T::from_f64_parts(1e-12, 0.0).real();
            svd.solve(y, eps).unwrap_or_else(|_| DVector::zeros(cols))
        }
    }
}
