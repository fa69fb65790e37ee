//! Total-variation regularized least squares on images by the primal–dual algorithm of
//! Chambolle & Pock (2011):
//!
//! ```text
//! min_x  ½‖A x − y‖₂² + λ TV(x),   TV(x) = Σ_pixels √(|∇_v x|² + |∇_h x|²)   (isotropic)
//!                                   or     Σ_pixels (|∇_v x| + |∇_h x|)       (anisotropic)
//! ```
//!
//! with forward differences and Neumann boundaries ([`Gradient2`]). The problem is written
//! as `min_x F(K x)` with `K = [A; ∇]` and `F(u, v) = ½‖u − y‖² + λ‖v‖`; the iteration is
//!
//! ```text
//! p ← (p + σ(A x̄) − σ y) / (1 + σ)           (prox of the conjugate of ½‖· − y‖²)
//! q ← Π_{‖·‖ ≤ λ}(q + σ ∇x̄)                   (projection onto pixelwise λ-balls)
//! x⁺ ← x − τ (Aᴴ p + ∇ᴴ q),   x̄ ← x⁺ + θ(x⁺ − x)
//! ```
//!
//! with `τ σ ‖K‖² < 1` (`‖K‖` by power iteration). It works for any [`LinOp`] `A` — a
//! masked Fourier transform for MRI, the identity for denoising — real or complex.
//!
//! ```
//! use cstk_linop::Identity;
//! use cstk_solvers::tv::TvRegularized;
//! // denoise a 2 × 2 image with one bright pixel: TV flattens it
//! let y = [1.0f64, 0.0, 0.0, 0.0];
//! let sol = TvRegularized::params(2, 2, 0.1).solve(&Identity::new(4), &y).unwrap();
//! assert!(sol.x[0] < 1.0 && sol.x[1] > 0.0);
//! ```

use crate::solution::{
    Observer, Progress, Recorder, Solution, StopReason, check_finite, check_iteration_params,
    check_measurements, diverged_error, invalid, shape_mismatch, stop_after,
};
use cstk_linop::{Boundary, Gradient2, LinOp, PowerIteration, Result, Scalar};
use std::ops::ControlFlow;

/// Which total variation.
///
/// ```
/// use cstk_solvers::tv::{TvKind, TvRegularized};
/// assert_eq!(TvRegularized::params(4, 4, 1.0).kind, TvKind::Isotropic);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TvKind {
    /// `Σ √(|∇_v x|² + |∇_h x|²)` (rotation invariant; the usual choice).
    Isotropic,
    /// `Σ |∇_v x| + |∇_h x|`.
    Anisotropic,
}

/// Parameters of TV-regularized least squares on an `ny × nx` image (row-major).
///
/// | field | default | meaning | valid |
/// |---|---|---|---|
/// | `ny`, `nx` | — | image shape | ≥ 1 |
/// | `lambda` | — | weight `λ` of the TV term | finite, ≥ 0 |
/// | `kind` | `Isotropic` | see [`TvKind`] | |
/// | `max_iter` | 500 | iteration limit | ≥ 1 |
/// | `tol` | 1e-6 | stop when `‖x_k − x_{k−1}‖ ≤ tol·‖x_k‖` | > 0 |
/// | `record_history` | `true` | per-iteration objective (costs one extra `A` product) | |
///
/// ```
/// let p = cstk_solvers::tv::TvRegularized::params(8, 8, 0.5).max_iter(100);
/// assert_eq!((p.ny, p.nx, p.max_iter), (8, 8, 100));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TvRegularized {
    /// Image rows.
    pub ny: usize,
    /// Image columns.
    pub nx: usize,
    /// TV weight.
    pub lambda: f64,
    /// Isotropic or anisotropic.
    pub kind: TvKind,
    /// Iteration limit.
    pub max_iter: usize,
    /// Relative-change tolerance.
    pub tol: f64,
    /// Record the history (and compute the objective each iteration).
    pub record_history: bool,
}

impl TvRegularized {
    /// Defaults for an `ny × nx` image and weight `λ`.
    ///
    /// ```
    /// assert_eq!(cstk_solvers::tv::TvRegularized::params(2, 3, 0.1).tol, 1e-6);
    /// ```
    pub fn params(ny: usize, nx: usize, lambda: f64) -> Self {
        TvRegularized {
            ny,
            nx,
            lambda,
            kind: TvKind::Isotropic,
            max_iter: 500,
            tol: 1e-6,
            record_history: true,
        }
    }

    /// Solves from `x = 0`.
    ///
    /// # Errors
    /// Bad parameters, `A` not of `ny·nx` columns, `y` of the wrong length, NaN/Inf in `y`
    /// or in the iterates.
    ///
    /// ```
    /// use cstk_linop::Identity;
    /// let p = cstk_solvers::tv::TvRegularized::params(2, 2, -1.0);
    /// assert!(p.solve(&Identity::new(4), &[0.0f64; 4]).is_err());
    /// ```
    pub fn solve<T: Scalar, A: LinOp<T> + ?Sized>(&self, a: &A, y: &[T]) -> Result<Solution<T>> {
        self.solve_with(a, y, None, &mut |_| ControlFlow::Continue(()))
    }

    /// [`solve`](Self::solve) from a warm start, with an observer.
    ///
    /// ```
    /// use cstk_linop::Identity;
    /// use cstk_solvers::{tv::TvRegularized, StopReason};
    /// let sol = TvRegularized::params(2, 2, 0.1)
    ///     .solve_with(&Identity::new(4), &[1.0f64, 0.0, 0.0, 0.0], None, &mut |_| std::ops::ControlFlow::Break(()))
    ///     .unwrap();
    /// assert_eq!(sol.stop, StopReason::Interrupted);
    /// ```
    pub fn solve_with<T: Scalar, A: LinOp<T> + ?Sized>(
        &self,
        a: &A,
        y: &[T],
        x0: Option<&[T]>,
        observer: Observer,
    ) -> Result<Solution<T>> {
        let (ny, nx) = (self.ny, self.nx);
        if ny == 0 || nx == 0 {
            return Err(invalid(
                "shape",
                format!("{ny}x{nx}"),
                "an image of at least 1x1",
            ));
        }
        if !(self.lambda.is_finite() && self.lambda >= 0.0) {
            return Err(invalid("lambda", self.lambda, "a finite number ≥ 0"));
        }
        check_iteration_params(self.max_iter, self.tol)?;
        let n = ny * nx;
        let (m, na) = a.shape();
        if na != n {
            return Err(shape_mismatch("operator A columns (image pixels)", n, na));
        }
        check_measurements(y, m)?;
        if let Some(x0) = x0 {
            if x0.len() != n {
                return Err(shape_mismatch("warm start x0", n, x0.len()));
            }
            check_finite("warm start x0", x0)?;
        }

        let grad = Gradient2::new(ny, nx, Boundary::Neumann)?;
        // ‖K‖² = ‖AᴴA + ∇ᴴ∇‖ ≤ ‖A‖² + ‖∇‖² (< ‖A‖² + 8)
        let a_norm = PowerIteration::default().run(a)?.norm;
        let k_norm = (1.01 * a_norm * a_norm + 8.0).sqrt();
        let tau = 0.99 / k_norm;
        let sigma = 0.99 / k_norm;

        let mut scratch = vec![T::zero(); a.scratch_len().max(LinOp::<T>::scratch_len(&grad))];
        let mut x = x0.map_or_else(|| vec![T::zero(); n], <[T]>::to_vec);
        let mut x_bar = x.clone();
        let mut x_new = vec![T::zero(); n];
        let mut p = vec![T::zero(); m];
        let mut q = vec![T::zero(); 2 * n];
        let mut ax = vec![T::zero(); m];
        let mut gx = vec![T::zero(); 2 * n];
        let mut back = vec![T::zero(); n];
        let mut back2 = vec![T::zero(); n];
        let mut rec = Recorder::new(self.record_history, observer);
        let s_t = T::from_f64_parts(sigma, 0.0);
        let inv = T::from_f64_parts(1.0 / (1.0 + sigma), 0.0);
        let tau_t = T::from_f64_parts(tau, 0.0);
        let lam = self.lambda;
        let mut stop = StopReason::MaxIterations;
        let mut iterations = 0;
        let mut objective = f64::NAN;

        for k in 1..=self.max_iter {
            iterations = k;
            // dual updates
            a.apply_with_scratch(&x_bar, &mut ax, &mut scratch);
            for ((pi, ai), yi) in p.iter_mut().zip(&ax).zip(y) {
                *pi = (*pi + *ai * s_t - *yi * s_t) * inv;
            }
            grad.apply_with_scratch(&x_bar, &mut gx, &mut scratch);
            for (qi, gi) in q.iter_mut().zip(&gx) {
                *qi += *gi * s_t;
            }
            project_dual(&mut q, n, lam, self.kind);
            // primal update
            a.adjoint_with_scratch(&p, &mut back, &mut scratch);
            grad.adjoint_with_scratch(&q, &mut back2, &mut scratch);
            let mut dx = 0.0;
            let mut xn = 0.0;
            for ((xo, (b1, b2)), xnew) in
                x.iter().zip(back.iter().zip(&back2)).zip(x_new.iter_mut())
            {
                *xnew = *xo - (*b1 + *b2) * tau_t;
                dx += (*xnew - *xo).to_c64().norm_sqr();
                xn += xnew.to_c64().norm_sqr();
            }
            for ((xb, xnew), xo) in x_bar.iter_mut().zip(&x_new).zip(&x) {
                *xb = *xnew + *xnew - *xo;
            }
            std::mem::swap(&mut x, &mut x_new);
            let rel = dx.sqrt() / xn.sqrt().max(f64::MIN_POSITIVE);
            if !rel.is_finite() {
                return Err(diverged_error("tv", k, "iterate change", rel));
            }
            if self.record_history {
                objective = self.objective(a, &grad, y, &x, &mut ax, &mut gx, &mut scratch);
            }
            let flow = rec.record(Progress {
                iteration: k,
                objective,
                rel_change: rel,
                step: tau,
                ..Progress::default()
            });
            if let Some(reason) = stop_after(rel <= self.tol, flow) {
                stop = reason;
                break;
            }
        }
        objective = self.objective(a, &grad, y, &x, &mut ax, &mut gx, &mut scratch);
        Ok(Solution {
            x,
            iterations,
            stop,
            history: rec.finish(),
            objective,
            gap: f64::NAN,
        })
    }

    /// `½‖A x − y‖² + λ TV(x)`.
    #[allow(clippy::too_many_arguments)]
    fn objective<T: Scalar, A: LinOp<T> + ?Sized>(
        &self,
        a: &A,
        grad: &Gradient2,
        y: &[T],
        x: &[T],
        ax: &mut [T],
        gx: &mut [T],
        scratch: &mut [T],
    ) -> f64 {
        a.apply_with_scratch(x, ax, scratch);
        grad.apply_with_scratch(x, gx, scratch);
        let data: f64 = ax
            .iter()
            .zip(y)
            .map(|(u, v)| (*u - *v).to_c64().norm_sqr())
            .sum();
        0.5 * data + self.lambda * tv_value(gx, x.len(), self.kind)
    }
}

setters!(TvRegularized {
    /// Sets the TV kind.
    kind: TvKind,
    /// Sets `max_iter`.
    max_iter: usize,
    /// Sets `tol`.
    tol: f64,
    /// History recording on or off.
    record_history: bool,
});

/// The total variation from the stacked gradient `[∇_v x | ∇_h x]` of `n` pixels.
///
/// ```
/// use cstk_linop::{Boundary, Gradient2, LinOp};
/// use cstk_solvers::tv::{tv_value, TvKind};
/// let g = Gradient2::new(1, 3, Boundary::Neumann).unwrap().apply_vec(&[0.0, 3.0, 3.0]);
/// assert_eq!(tv_value(&g, 3, TvKind::Isotropic), 3.0);
/// ```
pub fn tv_value<T: Scalar>(g: &[T], n: usize, kind: TvKind) -> f64 {
    let (gv, gh) = g.split_at(n);
    gv.iter()
        .zip(gh)
        .map(|(a, b)| {
            let (a, b) = (a.to_c64().norm_sqr(), b.to_c64().norm_sqr());
            match kind {
                TvKind::Isotropic => (a + b).sqrt(),
                TvKind::Anisotropic => a.sqrt() + b.sqrt(),
            }
        })
        .sum()
}

/// Projects the stacked dual `[q_v | q_h]` onto `{‖(q_v, q_h)_i‖ ≤ λ}` pixelwise (isotropic)
/// or `{|q| ≤ λ}` entrywise (anisotropic).
fn project_dual<T: Scalar>(q: &mut [T], n: usize, lambda: f64, kind: TvKind) {
    let (qv, qh) = q.split_at_mut(n);
    match kind {
        TvKind::Isotropic => {
            for (a, b) in qv.iter_mut().zip(qh.iter_mut()) {
                let nrm = (a.to_c64().norm_sqr() + b.to_c64().norm_sqr()).sqrt();
                if nrm > lambda {
                    let s = T::from_f64_parts(lambda / nrm, 0.0);
                    *a *= s;
                    *b *= s;
                }
            }
        }
        TvKind::Anisotropic => {
            for v in qv.iter_mut().chain(qh.iter_mut()) {
                let nrm = v.to_c64().norm();
                if nrm > lambda {
                    *v *= T::from_f64_parts(lambda / nrm, 0.0);
                }
            }
        }
    }
}
