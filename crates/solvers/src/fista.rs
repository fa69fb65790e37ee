//! ISTA and FISTA (proximal gradient) for `min_x ½‖A x − y‖₂² + g(x)`, with the ℓ1 case
//! certified by a duality gap — also in synthesis form with an orthonormal sparsifying
//! operator `W`, `min_x ½‖A x − y‖₂² + λ‖W x‖₁` (the MRI problem).
//!
//! | problem | call | stopping |
//! |---|---|---|
//! | `½‖Ax − y‖² + g(x)`, any [`Prox`] | [`Fista::solve`] | relative change |
//! | `½‖Ax − y‖² + λ‖x‖₁` (LASSO, no `1/n`) | [`Fista::solve_l1`] | duality gap (relative to the objective) |
//! | `½‖Ax − y‖² + λ‖Wx‖₁`, `W` orthonormal | [`Fista::solve_l1_synthesis`] | duality gap of the LASSO in `z = Wx` |
//!
//! The ½ is on the data term and there is no `1/n`: scikit-learn's `Lasso(alpha)` on `n`
//! samples is `λ = n·alpha` here. [`lambda_max`] / [`lambda_max_synthesis`] give the smallest
//! `λ` whose solution is 0, so `λ` can be set as a fraction of it.
//!
//! ```
//! use cstk_linop::{DenseOp, LinOp};
//! use cstk_solvers::fista::{lambda_max, Fista};
//! let a = DenseOp::from_row_slice(2, 3, &[1.0, 0.0, 1.0, 0.0, 1.0, 1.0]).unwrap();
//! let y = [1.0, 2.0];
//! let lam = 0.1 * lambda_max(&a, &y);
//! let sol = Fista::params().tol(1e-10).solve_l1(&a, &y, lam).unwrap();
//! assert!(sol.converged() && sol.gap <= 1e-10 * sol.objective);
//! ```

use crate::prox::{L1, Prox};
use crate::solution::{
    Observer, Progress, Recorder, Solution, StopReason, check_finite, check_measurements,
    diverged_error, invalid, shape_mismatch,
};
use crate::vecops::{max_modulus, norm_sq, re_dot};
use cstk_linop::{Adjoint, Compose, LinOp, PowerIteration, Result, Scalar};
use std::ops::ControlFlow;

/// How the step size is chosen.
///
/// ```
/// use cstk_solvers::fista::{Fista, Step};
/// let f = Fista::params().step(Step::Backtracking { initial_lipschitz: 1.0, increase: 2.0 });
/// assert!(matches!(f.step, Step::Backtracking { .. }));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Step {
    /// `1/L` with `L = 1.01·‖A‖₂²` from power iteration (the 1% covers the estimate's error).
    PowerIteration,
    /// A given step `0 < s ≤ 1/‖A‖₂²` (larger steps may diverge).
    Fixed(f64),
    /// Beck–Teboulle backtracking: start from `L = initial_lipschitz`, multiply by
    /// `increase > 1` until the quadratic upper bound holds (no norm estimate needed).
    Backtracking {
        /// The starting Lipschitz estimate (> 0).
        initial_lipschitz: f64,
        /// The factor by which `L` grows on each failed trial (> 1).
        increase: f64,
    },
}

/// What decides convergence.
///
/// ```
/// use cstk_solvers::fista::{Criterion, Fista};
/// assert_eq!(Fista::params().criterion, Criterion::Auto);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Criterion {
    /// The duality gap where the problem has one (ℓ1), else the relative change.
    Auto,
    /// `‖x_k − x_{k−1}‖ ≤ tol · ‖x_k‖`.
    RelativeChange,
    /// `gap ≤ tol · objective` (ℓ1 problems only).
    Gap,
}

/// ISTA / FISTA parameters; `solve*` runs them.
///
/// | field | default | meaning | valid |
/// |---|---|---|---|
/// | `max_iter` | 500 | iteration limit (reaching it is [`StopReason::MaxIterations`]) | ≥ 1 |
/// | `tol` | 1e-6 | tolerance of the [`Criterion`] | > 0 |
/// | `criterion` | `Auto` | gap for ℓ1 problems, relative change otherwise | |
/// | `gap_every` | 10 | check the duality gap every this many iterations (it costs one `Aᴴ` product) | ≥ 1 |
/// | `step` | `PowerIteration` | step-size rule, see [`Step`] | |
/// | `accelerate` | `true` | FISTA (Beck & Teboulle 2009); `false` is ISTA | |
/// | `restart` | `true` | adaptive restart (O'Donoghue & Candès 2015, gradient scheme) | |
/// | `record_history` | `true` | keep per-iteration figures in [`Solution::history`] | |
///
/// Each iteration costs one `A` and one `Aᴴ` product (the objective at the iterate comes
/// for free: `A z` is updated from `A x` linearly), plus `O(n)` vector work.
///
/// ```
/// use cstk_solvers::fista::Fista;
/// let ista = Fista::params().accelerate(false).max_iter(2000);
/// assert!(!ista.accelerate && ista.max_iter == 2000);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fista {
    /// Iteration limit.
    pub max_iter: usize,
    /// Tolerance of the criterion.
    pub tol: f64,
    /// What decides convergence.
    pub criterion: Criterion,
    /// Gap check period.
    pub gap_every: usize,
    /// Step-size rule.
    pub step: Step,
    /// FISTA momentum (else ISTA).
    pub accelerate: bool,
    /// Adaptive restart of the momentum.
    pub restart: bool,
    /// Record the history.
    pub record_history: bool,
}

impl Default for Fista {
    fn default() -> Self {
        Fista {
            max_iter: 500,
            tol: 1e-6,
            criterion: Criterion::Auto,
            gap_every: 10,
            step: Step::PowerIteration,
            accelerate: true,
            restart: true,
            record_history: true,
        }
    }
}

setters!(Fista {
    /// Sets `max_iter`.
    max_iter: usize,
    /// Sets `tol`.
    tol: f64,
    /// Sets the criterion.
    criterion: Criterion,
    /// Sets the gap check period.
    gap_every: usize,
    /// Sets the step rule.
    step: Step,
    /// FISTA (`true`) or ISTA (`false`).
    accelerate: bool,
    /// Adaptive restart on or off.
    restart: bool,
    /// History recording on or off.
    record_history: bool,
});

impl Fista {
    /// The defaults (FISTA with restart, step from power iteration).
    ///
    /// ```
    /// assert_eq!(cstk_solvers::fista::Fista::params().max_iter, 500);
    /// ```
    pub fn params() -> Self {
        Self::default()
    }

    /// ISTA: the defaults without momentum.
    ///
    /// ```
    /// assert!(!cstk_solvers::fista::Fista::ista().accelerate);
    /// ```
    pub fn ista() -> Self {
        Fista {
            accelerate: false,
            ..Self::default()
        }
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if self.max_iter == 0 {
            return Err(invalid("max_iter", 0, "at least 1"));
        }
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return Err(invalid("tol", self.tol, "a finite number > 0"));
        }
        if self.gap_every == 0 {
            return Err(invalid("gap_every", 0, "at least 1"));
        }
        match self.step {
            Step::Fixed(s) if !(s.is_finite() && s > 0.0) => {
                Err(invalid("step", s, "a finite step > 0"))
            }
            Step::Backtracking {
                initial_lipschitz,
                increase,
            } if !(initial_lipschitz.is_finite()
                && initial_lipschitz > 0.0
                && increase.is_finite()
                && increase > 1.0) =>
            {
                Err(invalid(
                    "step",
                    format!("backtracking from L = {initial_lipschitz}, factor {increase}"),
                    "initial_lipschitz > 0 and increase > 1, both finite",
                ))
            }
            _ => Ok(()),
        }
    }

    /// Minimizes `½‖A x − y‖₂² + g(x)` from `x = 0`.
    ///
    /// # Errors
    /// Invalid parameters, `y` of the wrong length, NaN/Inf in `y`, or a non-finite
    /// objective during the iterations ([`cstk_linop::Error::NonFinite`] naming the
    /// iteration).
    ///
    /// ```
    /// use cstk_linop::Identity;
    /// use cstk_solvers::{fista::Fista, prox::L1};
    /// // prox of the identity problem: soft thresholding of y
    /// let sol = Fista::params().tol(1e-12).solve(&Identity::new(3), &[2.0f64, -0.5, 1.0], &L1::new(1.0)).unwrap();
    /// assert!(sol.x.iter().zip([1.0, 0.0, 0.0]).all(|(a, b)| (a - b).abs() < 1e-9));
    /// ```
    pub fn solve<T: Scalar, A: LinOp<T> + ?Sized, G: Prox<T> + ?Sized>(
        &self,
        a: &A,
        y: &[T],
        g: &G,
    ) -> Result<Solution<T>> {
        self.solve_with(a, y, g, None, &mut |_| ControlFlow::Continue(()))
    }

    /// [`solve`](Self::solve) from a warm start `x0` (or 0), with an observer called after
    /// every iteration.
    ///
    /// ```
    /// use cstk_linop::Identity;
    /// use cstk_solvers::{fista::Fista, prox::L1};
    /// use std::ops::ControlFlow;
    /// let mut iters = 0;
    /// let sol = Fista::params()
    ///     .solve_with(&Identity::new(2), &[3.0, 1.0], &L1::new(0.5), Some(&[1.0, 1.0]), &mut |p| {
    ///         iters = p.iteration;
    ///         if p.iteration == 3 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    ///     })
    ///     .unwrap();
    /// assert!(iters <= 3);
    /// ```
    pub fn solve_with<T: Scalar, A: LinOp<T> + ?Sized, G: Prox<T> + ?Sized>(
        &self,
        a: &A,
        y: &[T],
        g: &G,
        x0: Option<&[T]>,
        observer: Observer,
    ) -> Result<Solution<T>> {
        run(self, a, y, g, None, x0, observer)
    }

    /// Minimizes the LASSO `½‖A x − y‖₂² + λ‖x‖₁` from `x = 0`; with [`Criterion::Auto`]
    /// it stops when the duality gap is at most `tol` times the objective, and reports the
    /// gap in [`Solution::gap`]. `λ ≥ λ_max` ([`lambda_max`]) returns `x = 0` at once.
    ///
    /// # Errors
    /// As [`solve`](Self::solve), and `λ` negative or not finite.
    ///
    /// ```
    /// use cstk_linop::Identity;
    /// use cstk_solvers::fista::Fista;
    /// let sol = Fista::params().solve_l1(&Identity::new(2), &[3.0f64, -1.0], 2.0).unwrap();
    /// assert!((sol.x[0] - 1.0).abs() < 1e-9 && sol.x[1] == 0.0);
    /// ```
    pub fn solve_l1<T: Scalar, A: LinOp<T> + ?Sized>(
        &self,
        a: &A,
        y: &[T],
        lambda: f64,
    ) -> Result<Solution<T>> {
        self.solve_l1_with(a, y, lambda, None, &mut |_| ControlFlow::Continue(()))
    }

    /// [`solve_l1`](Self::solve_l1) from a warm start, with an observer.
    ///
    /// ```
    /// use cstk_linop::Identity;
    /// use cstk_solvers::fista::Fista;
    /// let sol = Fista::params()
    ///     .solve_l1_with(&Identity::new(1), &[3.0f64], 1.0, Some(&[2.0]), &mut |_| std::ops::ControlFlow::Continue(()))
    ///     .unwrap();
    /// assert!((sol.x[0] - 2.0).abs() < 1e-9);
    /// ```
    pub fn solve_l1_with<T: Scalar, A: LinOp<T> + ?Sized>(
        &self,
        a: &A,
        y: &[T],
        lambda: f64,
        x0: Option<&[T]>,
        observer: Observer,
    ) -> Result<Solution<T>> {
        if !(lambda.is_finite() && lambda >= 0.0) {
            return Err(invalid("lambda", lambda, "a finite number ≥ 0"));
        }
        run(self, a, y, &L1::new(lambda), Some(lambda), x0, observer)
    }

    /// Minimizes `½‖A x − y‖₂² + λ‖W x‖₁` for an orthonormal `W` (`WᴴW = I`, e.g. an
    /// orthogonal wavelet transform) by solving the LASSO in `z = W x` with the operator
    /// `A Wᴴ` and returning `x = Wᴴ z`; the duality gap of that LASSO certifies the solution.
    ///
    /// # Errors
    /// As [`solve_l1`](Self::solve_l1), and a shape mismatch if `W` is not square with
    /// `A`'s number of columns.
    ///
    /// ```
    /// use cstk_linop::{Dct1, Identity, LinOp};
    /// use cstk_solvers::fista::{lambda_max_synthesis, Fista};
    /// // denoise a DCT-sparse signal: A = I, W = DCT
    /// let w = Dct1::<f64>::new(32).unwrap();
    /// let mut z = vec![0.0; 32];
    /// z[3] = 5.0;
    /// let y = w.adjoint_vec(&z); // x = Wᴴ z
    /// let a = Identity::new(32);
    /// let lam = 0.2 * lambda_max_synthesis(&a, &w, &y);
    /// let sol = Fista::params().tol(1e-12).solve_l1_synthesis(&a, &w, &y, lam).unwrap();
    /// let coef = w.apply_vec(&sol.x);
    /// assert!((coef[3] - 4.0).abs() < 1e-8); // shrunk by λ = 1
    /// ```
    pub fn solve_l1_synthesis<T: Scalar, A: LinOp<T>, W: LinOp<T>>(
        &self,
        a: &A,
        w: &W,
        y: &[T],
        lambda: f64,
    ) -> Result<Solution<T>> {
        self.solve_l1_synthesis_with(a, w, y, lambda, None, &mut |_| ControlFlow::Continue(()))
    }

    /// [`solve_l1_synthesis`](Self::solve_l1_synthesis) from a warm start `x0` (in the
    /// signal domain), with an observer.
    ///
    /// ```
    /// use cstk_linop::Identity;
    /// use cstk_solvers::fista::Fista;
    /// let sol = Fista::params()
    ///     .solve_l1_synthesis_with(&Identity::new(2), &Identity::new(2), &[3.0f64, 0.1], 1.0, None,
    ///         &mut |_| std::ops::ControlFlow::Continue(()))
    ///     .unwrap();
    /// assert!((sol.x[0] - 2.0).abs() < 1e-9 && sol.x[1] == 0.0);
    /// ```
    pub fn solve_l1_synthesis_with<T: Scalar, A: LinOp<T>, W: LinOp<T>>(
        &self,
        a: &A,
        w: &W,
        y: &[T],
        lambda: f64,
        x0: Option<&[T]>,
        observer: Observer,
    ) -> Result<Solution<T>> {
        let b = Compose::try_new(a, Adjoint::new(w))?;
        let z0 = x0.map(|x0| {
            let mut z = vec![T::zero(); w.nrows()];
            if x0.len() == w.ncols() {
                w.apply(x0, &mut z);
            }
            z
        });
        if let Some(x0) = x0
            && x0.len() != w.ncols()
        {
            return Err(shape_mismatch("warm start x0", w.ncols(), x0.len()));
        }
        let mut sol = self.solve_l1_with(&b, y, lambda, z0.as_deref(), observer)?;
        sol.x = w.adjoint_vec(&sol.x);
        Ok(sol)
    }
}

/// `λ_max = ‖Aᴴ y‖_∞`: for `λ ≥ λ_max` the LASSO `½‖Ax − y‖² + λ‖x‖₁` is solved by `x = 0`.
///
/// ```
/// use cstk_linop::Identity;
/// assert_eq!(cstk_solvers::fista::lambda_max(&Identity::new(2), &[1.0, -3.0]), 3.0);
/// ```
pub fn lambda_max<T: Scalar, A: LinOp<T> + ?Sized>(a: &A, y: &[T]) -> f64 {
    max_modulus(&a.adjoint_vec(y))
}

/// `λ_max = ‖W Aᴴ y‖_∞` for `½‖Ax − y‖² + λ‖W x‖₁` with orthonormal `W`.
///
/// ```
/// use cstk_linop::Identity;
/// let lm = cstk_solvers::fista::lambda_max_synthesis(&Identity::new(2), &Identity::new(2), &[1.0, -3.0]);
/// assert_eq!(lm, 3.0);
/// ```
pub fn lambda_max_synthesis<T: Scalar, A: LinOp<T> + ?Sized, W: LinOp<T> + ?Sized>(
    a: &A,
    w: &W,
    y: &[T],
) -> f64 {
    max_modulus(&w.apply_vec(&a.adjoint_vec(y)))
}

/// The duality gap of `½‖Ax − y‖² + λ‖x‖₁` at `x` given the residual `rho = y − A x`,
/// `c = Aᴴ rho` and `P(x)`: the dual point is `θ = rho · min(1, λ/‖c‖∞)`,
/// `D(θ) = ½‖y‖² − ½‖y − θ‖²`.
fn l1_gap<T: Scalar>(y: &[T], rho: &[T], c: &[T], lambda: f64, primal: f64) -> f64 {
    l1_gap_from(
        norm_sq(y),
        re_dot(y, rho),
        norm_sq(rho),
        max_modulus(c),
        lambda,
        primal,
    )
}

/// [`l1_gap`] from its reductions: `‖y‖²`, `Re⟨y, ρ⟩`, `‖ρ‖²`, `‖Aᴴρ‖∞` (shared with the
/// device FISTA, which computes them on the GPU).
pub(crate) fn l1_gap_from(
    yy: f64,
    y_rho: f64,
    rho_sq: f64,
    cmax: f64,
    lambda: f64,
    primal: f64,
) -> f64 {
    let s = if cmax > lambda { lambda / cmax } else { 1.0 };
    // ‖y − sρ‖² = ‖y‖² − 2 s Re⟨y, ρ⟩ + s²‖ρ‖²
    let y_minus = yy - 2.0 * s * y_rho + s * s * rho_sq;
    let dual = 0.5 * yy - 0.5 * y_minus;
    (primal - dual).max(0.0)
}

/// The proximal-gradient loop shared by every entry point.
fn run<T: Scalar, A: LinOp<T> + ?Sized, G: Prox<T> + ?Sized>(
    p: &Fista,
    a: &A,
    y: &[T],
    g: &G,
    lambda: Option<f64>,
    x0: Option<&[T]>,
    observer: Observer,
) -> Result<Solution<T>> {
    p.validate()?;
    let (m, n) = a.shape();
    check_measurements(y, m)?;
    if let Some(x0) = x0 {
        if x0.len() != n {
            return Err(shape_mismatch("warm start x0", n, x0.len()));
        }
        check_finite("warm start x0", x0)?;
    }
    let use_gap = lambda.is_some()
        && match p.criterion {
            Criterion::Auto | Criterion::Gap => true,
            Criterion::RelativeChange => false,
        };
    if p.criterion == Criterion::Gap && lambda.is_none() {
        return Err(invalid(
            "criterion",
            "gap",
            "the relative-change criterion (a general prox has no duality gap here)",
        ));
    }

    let mut scratch = vec![T::zero(); a.scratch_len()];
    let mut x = x0.map_or_else(|| vec![T::zero(); n], <[T]>::to_vec);
    let mut x_new = vec![T::zero(); n];
    let mut z = x.clone();
    let mut grad = vec![T::zero(); n];
    let mut ax = vec![T::zero(); m];
    let mut ax_new = vec![T::zero(); m];
    let mut az = vec![T::zero(); m];
    let mut res = vec![T::zero(); m];
    let mut rec = Recorder::new(p.record_history, observer);

    a.apply_with_scratch(&x, &mut ax, &mut scratch);
    az.copy_from_slice(&ax);
    let data = |ax: &[T]| -> f64 {
        0.5 * ax
            .iter()
            .zip(y)
            .map(|(u, v)| (*u - *v).to_c64().norm_sqr())
            .sum::<f64>()
    };
    let mut objective = data(&ax) + g.value(&x);
    let start_objective = objective;

    // λ ≥ λ_max with a zero start: 0 is optimal (the gap at 0 is exactly 0).
    if let Some(lam) = lambda
        && x0.is_none()
    {
        a.adjoint_with_scratch(y, &mut grad, &mut scratch);
        if max_modulus(&grad) <= lam {
            return Ok(Solution {
                x,
                iterations: 0,
                stop: StopReason::Converged,
                history: rec.finish(),
                objective,
                gap: 0.0,
            });
        }
    }

    let (mut lipschitz, backtrack) = match p.step {
        Step::PowerIteration => {
            let est = PowerIteration::default().run(a)?;
            (1.01 * est.norm * est.norm, None)
        }
        Step::Fixed(s) => (1.0 / s, None),
        Step::Backtracking {
            initial_lipschitz,
            increase,
        } => (initial_lipschitz, Some(increase)),
    };
    if lipschitz.is_nan() || lipschitz <= 0.0 {
        // A = 0: any x minimizes the data term; the prox of g at 0 with a unit step.
        lipschitz = 1.0;
    }

    let mut t = 1.0f64;
    let mut gap = f64::NAN;
    let mut gap_at = usize::MAX; // the iteration `gap` belongs to
    let mut stop = StopReason::MaxIterations;
    let mut iterations = 0;
    for k in 1..=p.max_iter {
        iterations = k;
        // gradient at z: Aᴴ(A z − y)
        for ((r, u), v) in res.iter_mut().zip(&az).zip(y) {
            *r = *u - *v;
        }
        a.adjoint_with_scratch(&res, &mut grad, &mut scratch);
        let fz = 0.5 * norm_sq(&res);
        // proximal step, with backtracking on L if asked
        loop {
            let s = 1.0 / lipschitz;
            let sr = T::from_f64_parts(s, 0.0);
            for ((xn, zi), gi) in x_new.iter_mut().zip(&z).zip(&grad) {
                *xn = *zi - *gi * sr;
            }
            g.prox(&mut x_new, s);
            a.apply_with_scratch(&x_new, &mut ax_new, &mut scratch);
            let Some(increase) = backtrack else { break };
            // f(x⁺) ≤ f(z) + Re⟨∇f(z), x⁺ − z⟩ + (L/2)‖x⁺ − z‖²
            let f_new = data(&ax_new);
            let (mut lin, mut quad) = (0.0, 0.0);
            for ((xn, zi), gi) in x_new.iter().zip(&z).zip(&grad) {
                let d = (*xn - *zi).to_c64();
                let gg = gi.to_c64();
                lin += gg.re * d.re + gg.im * d.im;
                quad += d.norm_sqr();
            }
            // (with room for the rounding of f near convergence, where both sides agree
            // to the last bits and x⁺ ≈ z)
            let slack = 1e-12 * fz.max(f_new) + 1e-300;
            if f_new <= fz + lin + 0.5 * lipschitz * quad + slack {
                break;
            }
            lipschitz *= increase;
            if !lipschitz.is_finite() {
                return Err(diverged_error(
                    "fista",
                    k,
                    "backtracking Lipschitz estimate",
                    lipschitz,
                ));
            }
        }
        let f_new = data(&ax_new);
        objective = f_new + g.value(&x_new);
        if !objective.is_finite() {
            return Err(diverged_error("fista", k, "objective", objective));
        }
        // relative change
        let mut dx = 0.0;
        for (xn, xo) in x_new.iter().zip(&x) {
            dx += (*xn - *xo).to_c64().norm_sqr();
        }
        let xn_norm = norm_sq(&x_new).sqrt();
        let rel_change = dx.sqrt() / xn_norm.max(f64::MIN_POSITIVE);

        // momentum (with adaptive restart), z and A z
        let mut beta = 0.0;
        if p.accelerate {
            let t_new = 0.5 * (1.0 + (1.0 + 4.0 * t * t).sqrt());
            // restart when the step x_new − x points against the momentum direction
            let restart = p.restart && {
                let mut d = 0.0;
                for ((zi, xn), xo) in z.iter().zip(&x_new).zip(&x) {
                    let (u, v) = ((*zi - *xn).to_c64(), (*xn - *xo).to_c64());
                    d += u.re * v.re + u.im * v.im;
                }
                d > 0.0
            };
            if restart {
                t = 1.0;
            } else {
                beta = (t - 1.0) / t_new;
                t = t_new;
            }
        }
        let b = T::from_f64_parts(beta, 0.0);
        for ((zi, xn), xo) in z.iter_mut().zip(&x_new).zip(&x) {
            *zi = *xn + (*xn - *xo) * b;
        }
        for ((azi, an), ao) in az.iter_mut().zip(&ax_new).zip(&ax) {
            *azi = *an + (*an - *ao) * b;
        }
        std::mem::swap(&mut x, &mut x_new);
        std::mem::swap(&mut ax, &mut ax_new);

        // convergence
        let mut converged = false;
        let check_gap = use_gap && (k % p.gap_every == 0 || k == p.max_iter);
        if check_gap {
            let lam = lambda.unwrap_or(0.0);
            for ((r, u), v) in res.iter_mut().zip(&ax).zip(y) {
                *r = *v - *u;
            }
            a.adjoint_with_scratch(&res, &mut grad, &mut scratch);
            gap = l1_gap(y, &res, &grad, lam, objective);
            gap_at = k;
            converged = gap <= p.tol * objective.max(f64::MIN_POSITIVE);
        } else if !use_gap {
            converged = rel_change <= p.tol;
        }
        let flow = rec.record(Progress {
            iteration: k,
            objective,
            gap: if check_gap { gap } else { f64::NAN },
            residual: (2.0 * f_new).sqrt(),
            rel_change,
            step: 1.0 / lipschitz,
            elapsed: 0.0,
        });
        if converged {
            stop = StopReason::Converged;
            break;
        }
        if objective > 1e8 * start_objective.max(f64::MIN_POSITIVE) && k > 1 {
            stop = StopReason::Diverged {
                iteration: k,
                what: "objective",
                value: objective,
            };
            break;
        }
        if flow.is_break() {
            stop = StopReason::Interrupted;
            break;
        }
    }
    if use_gap && gap_at != iterations {
        // final certificate when the loop ended between checks
        for ((r, u), v) in res.iter_mut().zip(&ax).zip(y) {
            *r = *v - *u;
        }
        a.adjoint_with_scratch(&res, &mut grad, &mut scratch);
        gap = l1_gap(y, &res, &grad, lambda.unwrap_or(0.0), objective);
    }
    Ok(Solution {
        x,
        iterations,
        stop,
        history: rec.finish(),
        objective,
        gap,
    })
}
