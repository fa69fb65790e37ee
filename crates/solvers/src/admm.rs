//! ADMM for basis pursuit: `min ‖x‖₁ subject to A x = y` (Boyd et al. 2011, §6.2).
//!
//! The splitting `x = z` with `x` constrained to the affine set `{A x = y}` and `z` carrying
//! the ℓ1 norm gives the iteration (scaled form, over-relaxation `α`)
//!
//! ```text
//! x ← Π(z − u)                       Π(v) = v − Aᴴ (A Aᴴ)⁻¹ (A v − y)
//! x̂ ← α x + (1 − α) z
//! z ← soft(x̂ + u, 1/ρ)
//! u ← u + x̂ − z
//! ```
//!
//! `A Aᴴ` is factored once (Cholesky, `m × m`), so an iteration costs two products with `A`
//! and two triangular solves. It stops when the primal residual `‖x − z‖` and the dual
//! residual `ρ‖z − z_prev‖` are below `√n·abs_tol + rel_tol·scale` (Boyd's §3.3.1 rule);
//! `ρ` is rebalanced when one residual exceeds the other tenfold (§3.4.1).
//!
//! ```
//! use cstk_solvers::admm::AdmmBp;
//! use nalgebra::DMatrix;
//! // two equations, three unknowns; the sparsest solution of x0 + x2 = 1, x1 + x2 = 1 is x2 = 1
//! let a = DMatrix::<f64>::from_row_slice(2, 3, &[1.0, 0.0, 1.0, 0.0, 1.0, 1.0]);
//! let sol = AdmmBp::params().solve(&a, &[1.0, 1.0]).unwrap();
//! assert!(sol.converged());
//! assert!((sol.x[2] - 1.0).abs() < 1e-6 && sol.x[0].abs() < 1e-6);
//! ```

use crate::prox::{l1_norm, soft_threshold};
use crate::solution::{
    Observer, Progress, Recorder, Solution, StopReason, check_finite, diverged_error, invalid,
    shape_mismatch,
};
use cstk_linop::{Error, Result, Scalar};
use nalgebra::{DMatrix, DVector};
use std::ops::ControlFlow;

/// ADMM basis-pursuit parameters.
///
/// | field | default | meaning | valid |
/// |---|---|---|---|
/// | `rho` | 1.0 | initial penalty `ρ` | > 0 |
/// | `relaxation` | 1.6 | over-relaxation `α` (1 = none) | (0, 2) |
/// | `adaptive_rho` | `true` | rebalance `ρ` when a residual dominates tenfold | |
/// | `max_iter` | 10,000 | iteration limit | ≥ 1 |
/// | `abs_tol` | 1e-10 | absolute tolerance (scaled by `√n`) | ≥ 0 |
/// | `rel_tol` | 1e-8 | relative tolerance | > 0 |
/// | `record_history` | `true` | keep per-iteration figures | |
///
/// The returned `x` is the ℓ1 iterate `z` (exact zeros off the support); its equation
/// residual `‖A z − y‖` is the last [`History::residual`](crate::History) entry.
///
/// ```
/// let p = cstk_solvers::admm::AdmmBp::params().rho(2.0).max_iter(500);
/// assert_eq!((p.rho, p.max_iter), (2.0, 500));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdmmBp {
    /// Initial penalty.
    pub rho: f64,
    /// Over-relaxation.
    pub relaxation: f64,
    /// Residual balancing.
    pub adaptive_rho: bool,
    /// Iteration limit.
    pub max_iter: usize,
    /// Absolute tolerance.
    pub abs_tol: f64,
    /// Relative tolerance.
    pub rel_tol: f64,
    /// Record the history.
    pub record_history: bool,
}

impl Default for AdmmBp {
    fn default() -> Self {
        AdmmBp {
            rho: 1.0,
            relaxation: 1.6,
            adaptive_rho: true,
            max_iter: 10_000,
            abs_tol: 1e-10,
            rel_tol: 1e-8,
            record_history: true,
        }
    }
}

impl AdmmBp {
    /// The defaults.
    ///
    /// ```
    /// assert_eq!(cstk_solvers::admm::AdmmBp::params().relaxation, 1.6);
    /// ```
    pub fn params() -> Self {
        Self::default()
    }

    /// Sets `ρ`.
    pub fn rho(mut self, rho: f64) -> Self {
        self.rho = rho;
        self
    }

    /// Sets the over-relaxation `α`.
    pub fn relaxation(mut self, alpha: f64) -> Self {
        self.relaxation = alpha;
        self
    }

    /// Residual balancing on or off.
    pub fn adaptive_rho(mut self, on: bool) -> Self {
        self.adaptive_rho = on;
        self
    }

    /// Sets `max_iter`.
    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = n;
        self
    }

    /// Sets both tolerances.
    pub fn tol(mut self, abs_tol: f64, rel_tol: f64) -> Self {
        self.abs_tol = abs_tol;
        self.rel_tol = rel_tol;
        self
    }

    /// History recording on or off.
    pub fn record_history(mut self, on: bool) -> Self {
        self.record_history = on;
        self
    }

    fn validate(&self) -> Result<()> {
        if !(self.rho.is_finite() && self.rho > 0.0) {
            return Err(invalid("rho", self.rho, "a finite number > 0"));
        }
        if !(self.relaxation > 0.0 && self.relaxation < 2.0) {
            return Err(invalid("relaxation", self.relaxation, "a number in (0, 2)"));
        }
        if self.max_iter == 0 {
            return Err(invalid("max_iter", 0, "at least 1"));
        }
        if !(self.abs_tol.is_finite() && self.abs_tol >= 0.0) {
            return Err(invalid("abs_tol", self.abs_tol, "a finite number ≥ 0"));
        }
        if !(self.rel_tol.is_finite() && self.rel_tol > 0.0) {
            return Err(invalid("rel_tol", self.rel_tol, "a finite number > 0"));
        }
        Ok(())
    }

    /// Solves `min ‖x‖₁ s.t. A x = y` for a dense `A` with full row rank (`m ≤ n`).
    ///
    /// # Errors
    /// Invalid parameters; `y` of the wrong length; NaN/Inf in `A` or `y`; `A` without full
    /// row rank ([`Error::InvalidParam`] naming `A`: `A Aᴴ` is not positive definite).
    ///
    /// ```
    /// use cstk_solvers::admm::AdmmBp;
    /// let a = nalgebra::DMatrix::<f64>::from_row_slice(1, 2, &[1.0, 2.0]);
    /// let sol = AdmmBp::params().solve(&a, &[4.0]).unwrap(); // x = (0, 2)
    /// assert!((sol.x[1] - 2.0).abs() < 1e-6);
    /// ```
    pub fn solve<T: Scalar>(&self, a: &DMatrix<T>, y: &[T]) -> Result<Solution<T>> {
        self.solve_with(a, y, &mut |_| ControlFlow::Continue(()))
    }

    /// [`solve`](Self::solve) with an observer called after every iteration.
    ///
    /// ```
    /// use cstk_solvers::{admm::AdmmBp, StopReason};
    /// let a = nalgebra::DMatrix::from_row_slice(1, 2, &[1.0, 2.0]);
    /// let sol = AdmmBp::params()
    ///     .solve_with(&a, &[4.0], &mut |_| std::ops::ControlFlow::Break(()))
    ///     .unwrap();
    /// assert_eq!(sol.stop, StopReason::Interrupted);
    /// ```
    pub fn solve_with<T: Scalar>(
        &self,
        a: &DMatrix<T>,
        y: &[T],
        observer: Observer,
    ) -> Result<Solution<T>> {
        self.validate()?;
        let (m, n) = a.shape();
        if y.len() != m {
            return Err(shape_mismatch("measurements y", m, y.len()));
        }
        check_finite("measurements y", y)?;
        check_finite("matrix A", a.as_slice())?;
        if m == 0 || n == 0 {
            return Err(invalid("A", format!("{m} x {n}"), "a non-empty matrix"));
        }
        let aat = a * a.adjoint();
        let chol = aat.cholesky().ok_or_else(|| Error::InvalidParam {
            name: "A",
            value: format!("{m} x {n} matrix"),
            expected: "full row rank for basis pursuit (A Aᴴ must be positive definite; \
                       remove dependent rows or use the LASSO)"
                .into(),
        })?;
        let yv = DVector::from_column_slice(y);

        let mut rec = Recorder::new(self.record_history, observer);
        let mut x = DVector::<T>::zeros(n);
        let mut z = DVector::<T>::zeros(n);
        let mut z_old = DVector::<T>::zeros(n);
        let mut u = DVector::<T>::zeros(n);
        let mut v = DVector::<T>::zeros(n);
        let mut av = DVector::<T>::zeros(m);
        let mut back = DVector::<T>::zeros(n);
        let mut rho = self.rho;
        let alpha = T::from_f64_parts(self.relaxation, 0.0);
        let one_minus_alpha = T::from_f64_parts(1.0 - self.relaxation, 0.0);
        let sqrt_n = (n as f64).sqrt();
        let mut stop = StopReason::MaxIterations;
        let mut iterations = 0;
        let mut objective = 0.0;

        for k in 1..=self.max_iter {
            iterations = k;
            // x ← Π(z − u)
            v.copy_from(&z);
            v -= &u;
            av.gemv(T::one(), a, &v, T::zero());
            av -= &yv;
            chol.solve_mut(&mut av);
            back.gemv_ad(T::one(), a, &av, T::zero());
            x.copy_from(&v);
            x -= &back;
            // relaxation and z-update
            z_old.copy_from(&z);
            for i in 0..n {
                let xh = alpha * x[i] + one_minus_alpha * z_old[i];
                v[i] = xh; // keep x̂ in v
                z[i] = xh + u[i];
            }
            soft_threshold(z.as_mut_slice(), 1.0 / rho);
            for i in 0..n {
                u[i] += v[i] - z[i];
            }
            // residuals
            let r = norm_diff(&x, &z);
            let s = rho * norm_diff(&z, &z_old);
            let eps_pri = sqrt_n * self.abs_tol + self.rel_tol * norm(&x).max(norm(&z));
            let eps_dual = sqrt_n * self.abs_tol + self.rel_tol * rho * norm(&u);
            objective = l1_norm(z.as_slice());
            if !(objective.is_finite() && r.is_finite()) {
                return Err(diverged_error("admm-bp", k, "iterate", objective + r));
            }
            let flow = rec.record(Progress {
                iteration: k,
                objective,
                residual: r,
                rel_change: s / rho / norm(&z).max(f64::MIN_POSITIVE),
                step: rho,
                ..Progress::default()
            });
            if r <= eps_pri && s <= eps_dual {
                stop = StopReason::Converged;
                break;
            }
            if flow.is_break() {
                stop = StopReason::Interrupted;
                break;
            }
            if self.adaptive_rho {
                let factor = if r > 10.0 * s {
                    2.0
                } else if s > 10.0 * r {
                    0.5
                } else {
                    1.0
                };
                if factor != 1.0 {
                    rho *= factor;
                    u.scale_mut(T::from_f64_parts(1.0 / factor, 0.0).real());
                }
            }
        }
        Ok(Solution {
            x: z.as_slice().to_vec(),
            iterations,
            stop,
            history: rec.finish(),
            objective,
            gap: f64::NAN,
        })
    }
}

fn norm<T: Scalar>(v: &DVector<T>) -> f64 {
    v.iter().map(|x| x.to_c64().norm_sqr()).sum::<f64>().sqrt()
}

fn norm_diff<T: Scalar>(a: &DVector<T>, b: &DVector<T>) -> f64 {
    a.iter()
        .zip(b.iter())
        .map(|(x, y)| (*x - *y).to_c64().norm_sqr())
        .sum::<f64>()
        .sqrt()
}
