//! ADMM (Boyd et al. 2011): basis pursuit `min ‖x‖₁ subject to A x = y` ([`AdmmBp`], §6.2)
//! and the generalized LASSO `min ½‖A x − y‖² + λ‖D x‖₁` ([`AdmmLasso`], §6.4.1).
//!
//! Basis pursuit:
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
//! `A Aᴴ = LLᴴ` is factored once (Cholesky, `m × m`) and folded into `W = L⁻¹A`, so an
//! iteration costs two matrix–vector products (one `n × n` product when `2m > n`). It
//! stops when the primal residual `‖x − z‖` and the dual residual `ρ‖z − z_prev‖` are below `√n·abs_tol + rel_tol·scale` (Boyd's §3.3.1 rule);
//! `ρ` is rebalanced when one residual exceeds the other tenfold (§3.4.1), checked every 10
//! iterations during the first 2,000 (then fixed: rebalancing at every step can trap the
//! iterates in a cycle, and ADMM converges for any fixed `ρ`).
//!
//! **Certified finish** (`certify`, on by default). ADMM identifies the support of the
//! solution long before its iterates converge, so whenever the support of `z` has stayed the
//! same for a while (10, 20, 40, … iterations) the solver tries to prove it optimal: it solves
//! `A_S x_S = y` on the support `S` (QR), checks that the equations hold and the signs (phases)
//! agree with `z`, then corrects ADMM's dual estimate `ρu` to a `ν` with `A_Sᴴν = sign(x_S)`
//! exactly (the minimal change) and checks `|Aᴴν|ᵢ ≤ 1` off the support. Those are the
//! optimality conditions of basis pursuit, so when they hold `x` is an exact solution (to
//! rounding) and the solver stops with `gap = ‖x‖₁ − Re νᴴy`. It turns a slowly converging
//! run into an exact one, which phase-transition experiments need near the transition.
//! The attempts are rationed so that, after a first free one, they cost at most about half
//! the iterations' work (an attempt is a QR factorization of `A_S`, `O(m s²)`).
//!
//! **Nonnegative basis pursuit** (`nonnegative`, real scalar types): the linear program
//! `min 1ᵀx subject to A x = y, x ≥ 0`. The ℓ1 step becomes `z ← max(x̂ + u − 1/ρ, 0)` and the
//! certificate asks for `x_S > 0`, `A_Sᵀν = 1` on the support and `(Aᵀν)ᵢ ≤ 1` off it; the
//! objective is `Σx`.
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
    Observer, Progress, Recorder, Solution, StopReason, check_finite, check_measurements,
    diverged_error, invalid, shape_mismatch, stop_after,
};
use crate::vecops::{diff_norm, eps, norm};
use cstk_linop::{Error, LinOp, Result, Scalar};
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
/// | `certify` | `true` | stop early with an exact, certified solution (module docs) | |
/// | `nonnegative` | `false` | solve `min 1ᵀx s.t. Ax = y, x ≥ 0` instead (real `T` only) | |
/// | `record_history` | `true` | keep per-iteration figures | |
///
/// The returned `x` is the ℓ1 iterate `z` (exact zeros off the support), or the certified
/// solution when the certificate held (then `gap` is the certified duality gap
/// `‖x‖₁ − Re νᴴy / max(1, ‖Aᴴν‖∞)`, otherwise NaN); the equation residual `‖x − z‖` of the
/// last iterate is the last [`History::residual`](crate::History) entry. `y = 0` returns
/// `x = 0` after no iterations (gap 0 when `certify` is on).
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
    /// Try the optimality certificate on a stable support.
    pub certify: bool,
    /// Nonnegative basis pursuit (`x ≥ 0`, objective `Σx`).
    pub nonnegative: bool,
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
            certify: true,
            nonnegative: false,
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

    /// Sets both tolerances.
    pub fn tol(mut self, abs_tol: f64, rel_tol: f64) -> Self {
        self.abs_tol = abs_tol;
        self.rel_tol = rel_tol;
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

    /// Solves `min ‖x‖₁ s.t. A x = y` (with `nonnegative`: `min 1ᵀx s.t. A x = y, x ≥ 0`)
    /// for a dense `A` with full row rank (`m ≤ n`).
    ///
    /// # Errors
    /// Invalid parameters; `y` of the wrong length; NaN/Inf in `A` or `y`; `A` without full
    /// row rank ([`Error::InvalidParam`] naming `A`: `A Aᴴ` is not positive definite);
    /// `nonnegative` with a complex `T` ([`Error::InvalidParam`] naming `nonnegative`).
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
        if self.nonnegative && T::IS_COMPLEX {
            return Err(invalid(
                "nonnegative",
                format!("true with {}", T::NAME),
                "false for complex data (x ≥ 0 needs a real scalar type)",
            ));
        }
        let (m, n) = a.shape();
        check_measurements(y, m)?;
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
        let mut rec = Recorder::new(self.record_history, observer);
        if y.iter().all(|v| *v == T::zero()) {
            // x = 0 is feasible and has the least possible norm; ν = 0 certifies it
            return Ok(Solution {
                x: vec![T::zero(); n],
                iterations: 0,
                stop: StopReason::Converged,
                history: rec.finish(),
                objective: 0.0,
                gap: if self.certify { 0.0 } else { f64::NAN },
            });
        }
        let yv = DVector::from_column_slice(y);
        let projector = Projector::new(a, &chol, &yv);

        let mut x = DVector::<T>::zeros(n);
        let mut z = DVector::<T>::zeros(n);
        let mut z_old = DVector::<T>::zeros(n);
        let mut u = DVector::<T>::zeros(n);
        let mut v = DVector::<T>::zeros(n);
        let mut av = DVector::<T>::zeros(m);
        let mut rho = self.rho;
        let alpha = T::from_f64_parts(self.relaxation, 0.0);
        let one_minus_alpha = T::from_f64_parts(1.0 - self.relaxation, 0.0);
        let sqrt_n = (n as f64).sqrt();
        let mut stop = StopReason::MaxIterations;
        let mut iterations = 0;
        let mut objective = 0.0;
        // support tracking for the certificate
        let mut on_support = vec![false; n];
        let mut stable = 0usize;
        let mut next_try = CERTIFY_AFTER;
        let mut certified: Option<Certified<T>> = None;
        // work (in flops) the certificate may still spend: it earns a share of every iteration
        let iteration_cost = projector.cost();
        let mut credit = certify_cost(m, n, m); // the first attempt is free

        for k in 1..=self.max_iter {
            iterations = k;
            // x ← Π(z − u)
            v.copy_from(&z);
            v -= &u;
            projector.apply(&v, &mut x, &mut av);
            // relaxation and z-update
            z_old.copy_from(&z);
            for i in 0..n {
                let xh = alpha * x[i] + one_minus_alpha * z_old[i];
                v[i] = xh; // keep x̂ in v
                z[i] = xh + u[i];
            }
            if self.nonnegative {
                nonneg_shrink(z.as_mut_slice(), 1.0 / rho);
            } else {
                soft_threshold(z.as_mut_slice(), 1.0 / rho);
            }
            for i in 0..n {
                u[i] += v[i] - z[i];
            }
            // residuals
            let r = diff_norm(x.as_slice(), z.as_slice());
            let s = rho * diff_norm(z.as_slice(), z_old.as_slice());
            let eps_pri =
                sqrt_n * self.abs_tol + self.rel_tol * norm(x.as_slice()).max(norm(z.as_slice()));
            let eps_dual = sqrt_n * self.abs_tol + self.rel_tol * rho * norm(u.as_slice());
            objective = l1_norm(z.as_slice());
            if !(objective.is_finite() && r.is_finite()) {
                return Err(diverged_error("admm-bp", k, "iterate", objective + r));
            }
            if self.certify {
                let mut changed = false;
                let mut s_len = 0usize;
                for (flag, zi) in on_support.iter_mut().zip(z.iter()) {
                    let now = *zi != T::zero();
                    changed |= now != *flag;
                    s_len += usize::from(now);
                    *flag = now;
                }
                credit += CERTIFY_SHARE * iteration_cost;
                if changed {
                    stable = 0;
                    next_try = CERTIFY_AFTER;
                } else {
                    stable += 1;
                }
                let attempt_cost = certify_cost(m, n, s_len);
                if stable >= next_try && credit >= attempt_cost {
                    next_try = 2 * stable;
                    credit -= attempt_cost;
                    certified = certify(a, &chol, &yv, &z, &u, rho, self.nonnegative);
                }
            }
            if let Some(c) = &certified {
                objective = l1_norm(&c.x);
            }
            let flow = rec.record(Progress {
                iteration: k,
                objective,
                residual: r,
                rel_change: s / rho / norm(z.as_slice()).max(f64::MIN_POSITIVE),
                step: rho,
                ..Progress::default()
            });
            if let Some(reason) =
                stop_after(certified.is_some() || (r <= eps_pri && s <= eps_dual), flow)
            {
                stop = reason;
                break;
            }
            if self.adaptive_rho && k % RHO_EVERY == 0 && k <= RHO_UNTIL {
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
        let (x, gap) = match certified {
            Some(c) => (c.x, c.gap),
            None => (z.as_slice().to_vec(), f64::NAN),
        };
        Ok(Solution {
            x,
            iterations,
            stop,
            history: rec.finish(),
            objective,
            gap,
        })
    }
}

/// The projection `Π(v) = v − Aᴴ(AAᴴ)⁻¹(Av − y)` onto `{Ax = y}` with the Cholesky factor
/// `AAᴴ = LLᴴ` folded in, so an iteration is plain matrix–vector products: with
/// `W = L⁻¹A` and `c = L⁻¹y`, `Π(v) = v − Wᴴ(Wv − c)` (`2mn` operations), or, when that is
/// more than `n²`, `Π(v) = Pv + q` with `P = I − WᴴW` and `q = Wᴴc`.
enum Projector<T: Scalar> {
    Factor { w: DMatrix<T>, c: DVector<T> },
    Full { p: DMatrix<T>, q: DVector<T> },
}

impl<T: Scalar> Projector<T> {
    /// Flops of one [`apply`](Self::apply) (real multiply–adds; the certificate's budget).
    fn cost(&self) -> f64 {
        match self {
            Projector::Factor { w, .. } => 2.0 * (w.nrows() * w.ncols()) as f64,
            Projector::Full { p, .. } => (p.nrows() * p.ncols()) as f64,
        }
    }

    fn new(a: &DMatrix<T>, chol: &nalgebra::Cholesky<T, nalgebra::Dyn>, y: &DVector<T>) -> Self {
        let (m, n) = a.shape();
        let l = chol.l();
        let w = l.solve_lower_triangular(a).expect("L is nonsingular");
        let c = l.solve_lower_triangular(y).expect("L is nonsingular");
        if 2 * m <= n {
            Projector::Factor { w, c }
        } else {
            let q = w.ad_mul(&c);
            let mut p = -w.ad_mul(&w);
            for i in 0..n {
                p[(i, i)] += T::one();
            }
            Projector::Full { p, q }
        }
    }

    /// `x ← Π(v)`; `scratch` has length `m`.
    fn apply(&self, v: &DVector<T>, x: &mut DVector<T>, scratch: &mut DVector<T>) {
        match self {
            Projector::Factor { w, c } => {
                scratch.copy_from(c);
                scratch.gemv(T::one(), w, v, -T::one());
                x.copy_from(v);
                x.gemv_ad(-T::one(), w, scratch, T::one());
            }
            Projector::Full { p, q } => {
                x.copy_from(q);
                x.gemv(T::one(), p, v, T::one());
            }
        }
    }
}

/// ρ is rebalanced every `RHO_EVERY` iterations and not after `RHO_UNTIL`: changing it at
/// every iteration can trap the iterates in a cycle, and ADMM converges for a fixed ρ.
const RHO_EVERY: usize = 10;
const RHO_UNTIL: usize = 2000;

/// Iterations with an unchanged support before the first certificate attempt (then 2×, 4×, …).
const CERTIFY_AFTER: usize = 10;

/// The share of the iterations' work the certificate attempts may use.
const CERTIFY_SHARE: f64 = 0.5;

/// Flops of one certificate attempt on a support of size `s` (multiply–adds, as
/// [`Projector::cost`]): QR of `A_S` and its `Q`, two products with `A`, the correction.
fn certify_cost(m: usize, n: usize, s: usize) -> f64 {
    let (m, n, s) = (m as f64, n as f64, s as f64);
    2.0 * m * s * s - 2.0 / 3.0 * s * s * s + 2.0 * m * n + m * m
}

/// `v_i ← max(v_i − t, 0)` (real types; the nonnegative ℓ1 step).
#[inline]
fn nonneg_shrink<T: Scalar>(v: &mut [T], t: f64) {
    for x in v {
        let r = x.to_c64().re - t;
        *x = if r > 0.0 {
            T::from_f64_parts(r, 0.0)
        } else {
            T::zero()
        };
    }
}

/// A basis-pursuit solution proven optimal.
struct Certified<T> {
    x: Vec<T>,
    gap: f64,
}

/// The optimality certificate of basis pursuit on the support of `z` (module docs): `None`
/// when any condition fails (the caller iterates on). `nonneg`: the certificate of
/// `min 1ᵀx s.t. Ax = y, x ≥ 0` instead (real `T`).
fn certify<T: Scalar>(
    a: &DMatrix<T>,
    chol: &nalgebra::Cholesky<T, nalgebra::Dyn>,
    y: &DVector<T>,
    z: &DVector<T>,
    u: &DVector<T>,
    rho: f64,
    nonneg: bool,
) -> Option<Certified<T>> {
    let (m, n) = a.shape();
    let support: Vec<usize> = (0..n).filter(|&i| z[i] != T::zero()).collect();
    let s = support.len();
    if s == 0 || s > m {
        return None;
    }
    // rounding scale of T: f32 types certify to ~3e-5, f64 types to ~1.5e-9 (relative)
    let eps = eps::<T>();
    let tol = eps.sqrt() * 1e-1;
    let a_s = a.select_columns(&support);
    let qr = a_s.clone().qr();
    let (q, r) = (qr.q(), qr.r());
    let diag: Vec<f64> = (0..s).map(|i| r[(i, i)].to_c64().norm()).collect();
    let diag_max = diag.iter().copied().fold(0.0f64, f64::max);
    if diag.iter().any(|&d| d <= diag_max * eps * s as f64) {
        return None; // A_S is (numerically) rank deficient
    }
    let xs = r.solve_upper_triangular(&q.ad_mul(y))?;
    let y_norm = norm(y.as_slice());
    if norm((y - &a_s * &xs).as_slice()) > tol * y_norm {
        return None;
    }
    // signs (phases) of x_S, which must agree with z's; nonnegative: x_S > 0 and sign 1
    let mut sgn = DVector::<T>::zeros(s);
    for (j, &i) in support.iter().enumerate() {
        let xv = xs[j].to_c64();
        let zv = z[i].to_c64();
        let mx = xv.norm();
        if mx == 0.0 || (xv.conj() * zv).re <= 0.0 || (nonneg && xv.re <= 0.0) {
            return None;
        }
        sgn[j] = T::from_f64_parts(xv.re / mx, xv.im / mx);
    }
    // ν0 = (AAᴴ)⁻¹A(ρu) (ρu ≈ Aᴴν at convergence), then the least change with A_Sᴴν = sgn:
    // ν = ν0 + Q R⁻ᴴ(sgn − A_Sᴴν0)
    let mut nu = a * (u * T::from_f64_parts(rho, 0.0));
    chol.solve_mut(&mut nu);
    let d = &sgn - a_s.ad_mul(&nu);
    let t = r.adjoint().solve_lower_triangular(&d)?;
    nu.gemv(T::one(), &q, &t, T::one());
    let g = a.ad_mul(&nu);
    if !g.iter().all(|v| v.is_finite_value()) {
        return None;
    }
    // the support equations must hold as computed (they fail when A_S is too ill-conditioned
    // for the correction), and the constraint |Aᴴν|ᵢ ≤ 1 (nonnegative: (Aᵀν)ᵢ ≤ 1) off it
    let mut on = vec![false; n];
    for (j, &i) in support.iter().enumerate() {
        on[i] = true;
        let miss = (g[i] - sgn[j]).to_c64().norm();
        if miss.is_nan() || miss > tol {
            return None;
        }
    }
    let measure = |v: T| {
        let c = v.to_c64();
        if nonneg { c.re } else { c.norm() }
    };
    let worst_off = (0..n)
        .filter(|&i| !on[i])
        .map(|i| measure(g[i]))
        .fold(f64::NEG_INFINITY, f64::max);
    if worst_off.is_nan() || worst_off > 1.0 + tol {
        return None;
    }
    // ν / max(1, max_i measure) is exactly dual feasible: its value bounds the optimum below
    let worst = g.iter().map(|&v| measure(v)).fold(1.0f64, f64::max);
    let mut x = vec![T::zero(); n];
    for (j, &i) in support.iter().enumerate() {
        x[i] = xs[j];
    }
    let primal = l1_norm(&x);
    let dual = nu.dotc(y).to_c64().re / worst;
    Some(Certified {
        x,
        gap: (primal - dual).abs(),
    })
}

setters!(AdmmBp {
    /// Sets `ρ`.
    rho: f64,
    /// Sets the over-relaxation `α`.
    relaxation: f64,
    /// Residual balancing on or off.
    adaptive_rho: bool,
    /// Sets `max_iter`.
    max_iter: usize,
    /// The optimality certificate on or off.
    certify: bool,
    /// Nonnegative basis pursuit on or off.
    nonnegative: bool,
    /// History recording on or off.
    record_history: bool,
});

/// ADMM for the generalized LASSO `min_x ½‖A x − y‖₂² + λ‖D x‖₁` (Boyd et al. 2011, §6.4.1)
/// for any operators `A` (`m × n`) and `D` (`p × n`) — `D = I` is the LASSO, `D` a
/// finite-difference operator gives total variation (fused LASSO):
///
/// ```text
/// x ← argmin ½‖A x − y‖² + (ρ/2)‖D x − z + u‖²   ((AᴴA + ρDᴴD) x = Aᴴy + ρDᴴ(z − u), by CG)
/// z ← soft(D x + u, λ/ρ)
/// u ← u + D x − z
/// ```
///
/// The linear system is solved matrix-free by conjugate gradients, warm-started from the
/// previous `x`, to a relative residual of `cg_tol`. Stopping as [`AdmmBp`] (Boyd's primal
/// and dual residuals `‖Dx − z‖`, `ρ‖Dᴴ(z − z_prev)‖`).
///
/// | field | default | meaning | valid |
/// |---|---|---|---|
/// | `rho` | 1.0 | penalty `ρ` | > 0 |
/// | `max_iter` | 5,000 | ADMM iterations | ≥ 1 |
/// | `abs_tol`, `rel_tol` | 1e-10, 1e-8 | stopping tolerances | ≥ 0, > 0 |
/// | `cg_tol` | 1e-12 | relative residual of the inner CG solves | > 0 |
/// | `cg_max_iter` | 500 | CG iterations per solve | ≥ 1 |
/// | `record_history` | `true` | keep per-iteration figures | |
///
/// ```
/// use cstk_linop::Identity;
/// use cstk_solvers::admm::AdmmLasso;
/// // A = D = I: soft thresholding of y
/// let sol = AdmmLasso::params().solve(&Identity::new(2), &Identity::new(2), &[3.0f64, 0.5], 1.0).unwrap();
/// assert!((sol.x[0] - 2.0).abs() < 1e-6 && sol.x[1].abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdmmLasso {
    /// Penalty.
    pub rho: f64,
    /// Iteration limit.
    pub max_iter: usize,
    /// Absolute tolerance.
    pub abs_tol: f64,
    /// Relative tolerance.
    pub rel_tol: f64,
    /// Inner CG relative tolerance.
    pub cg_tol: f64,
    /// Inner CG iteration limit.
    pub cg_max_iter: usize,
    /// Record the history.
    pub record_history: bool,
}

impl Default for AdmmLasso {
    fn default() -> Self {
        AdmmLasso {
            rho: 1.0,
            max_iter: 5000,
            abs_tol: 1e-10,
            rel_tol: 1e-8,
            cg_tol: 1e-12,
            cg_max_iter: 500,
            record_history: true,
        }
    }
}

impl AdmmLasso {
    /// The defaults.
    ///
    /// ```
    /// assert_eq!(cstk_solvers::admm::AdmmLasso::params().rho, 1.0);
    /// ```
    pub fn params() -> Self {
        Self::default()
    }

    /// Sets both tolerances.
    pub fn tol(mut self, abs_tol: f64, rel_tol: f64) -> Self {
        self.abs_tol = abs_tol;
        self.rel_tol = rel_tol;
        self
    }

    /// Solves `min ½‖A x − y‖² + λ‖D x‖₁` from `x = 0`.
    ///
    /// # Errors
    /// Bad parameters, mismatched shapes (`D` must have `A`'s columns), NaN/Inf in `y` or
    /// in the iterates.
    ///
    /// ```
    /// use cstk_linop::Identity;
    /// use cstk_solvers::admm::AdmmLasso;
    /// assert!(AdmmLasso::params().solve(&Identity::new(2), &Identity::new(3), &[1.0f64, 2.0], 0.1).is_err());
    /// ```
    pub fn solve<T: Scalar, A: LinOp<T> + ?Sized, D: LinOp<T> + ?Sized>(
        &self,
        a: &A,
        d: &D,
        y: &[T],
        lambda: f64,
    ) -> Result<Solution<T>> {
        self.solve_with(a, d, y, lambda, &mut |_| ControlFlow::Continue(()))
    }

    /// [`solve`](Self::solve) with an observer.
    ///
    /// ```
    /// use cstk_linop::Identity;
    /// use cstk_solvers::{admm::AdmmLasso, StopReason};
    /// let sol = AdmmLasso::params()
    ///     .solve_with(&Identity::new(1), &Identity::new(1), &[1.0f64], 0.1, &mut |_| std::ops::ControlFlow::Break(()))
    ///     .unwrap();
    /// assert_eq!(sol.stop, StopReason::Interrupted);
    /// ```
    pub fn solve_with<T: Scalar, A: LinOp<T> + ?Sized, D: LinOp<T> + ?Sized>(
        &self,
        a: &A,
        d: &D,
        y: &[T],
        lambda: f64,
        observer: Observer,
    ) -> Result<Solution<T>> {
        if !(self.rho.is_finite() && self.rho > 0.0) {
            return Err(invalid("rho", self.rho, "a finite number > 0"));
        }
        if self.max_iter == 0 || self.cg_max_iter == 0 {
            return Err(invalid("max_iter", 0, "at least 1"));
        }
        if !(self.rel_tol > 0.0 && self.abs_tol >= 0.0 && self.cg_tol > 0.0) {
            return Err(invalid(
                "tol",
                format!(
                    "abs {}, rel {}, cg {}",
                    self.abs_tol, self.rel_tol, self.cg_tol
                ),
                "abs ≥ 0, rel > 0, cg > 0",
            ));
        }
        if !(lambda.is_finite() && lambda >= 0.0) {
            return Err(invalid("lambda", lambda, "a finite number ≥ 0"));
        }
        let (m, n) = a.shape();
        let (p, nd) = d.shape();
        if nd != n {
            return Err(shape_mismatch("operator D columns (= A's columns)", n, nd));
        }
        check_measurements(y, m)?;

        let mut sa = vec![T::zero(); a.scratch_len()];
        let mut sd = vec![T::zero(); d.scratch_len()];
        let mut x = vec![T::zero(); n];
        let mut z = vec![T::zero(); p];
        let mut z_old = vec![T::zero(); p];
        let mut u = vec![T::zero(); p];
        let mut dx = vec![T::zero(); p];
        let mut aty = vec![T::zero(); n];
        a.adjoint_with_scratch(y, &mut aty, &mut sa);
        let mut rhs = vec![T::zero(); n];
        let mut tmp_p = vec![T::zero(); p];
        let mut tmp_n = vec![T::zero(); n];
        let mut cg = Cg::new(n, m, p);
        let mut rec = Recorder::new(self.record_history, observer);
        let mut rho = self.rho;
        let sqrt_n = (n as f64).sqrt();
        let sqrt_p = (p as f64).sqrt();
        let mut stop = StopReason::MaxIterations;
        let mut iterations = 0;
        let mut objective = f64::NAN;

        for k in 1..=self.max_iter {
            iterations = k;
            // x-update: (AᴴA + ρDᴴD) x = Aᴴy + ρDᴴ(z − u)
            for ((t, zi), ui) in tmp_p.iter_mut().zip(&z).zip(&u) {
                *t = *zi - *ui;
            }
            d.adjoint_with_scratch(&tmp_p, &mut tmp_n, &mut sd);
            let rho_t = T::from_f64_parts(rho, 0.0);
            for ((r, a0), t) in rhs.iter_mut().zip(&aty).zip(&tmp_n) {
                *r = *a0 + *t * rho_t;
            }
            cg.solve(
                a,
                d,
                rho,
                &rhs,
                &mut x,
                self.cg_tol,
                self.cg_max_iter,
                &mut sa,
                &mut sd,
            );
            // z-update
            d.apply_with_scratch(&x, &mut dx, &mut sd);
            z_old.copy_from_slice(&z);
            for ((zi, di), ui) in z.iter_mut().zip(&dx).zip(&u) {
                *zi = *di + *ui;
            }
            soft_threshold(&mut z, lambda / rho);
            for ((ui, di), zi) in u.iter_mut().zip(&dx).zip(&z) {
                *ui += *di - *zi;
            }
            // residuals
            let r = diff_norm(&dx, &z);
            for ((t, zi), zo) in tmp_p.iter_mut().zip(&z).zip(&z_old) {
                *t = *zi - *zo;
            }
            d.adjoint_with_scratch(&tmp_p, &mut tmp_n, &mut sd);
            let s = rho * norm(&tmp_n);
            d.adjoint_with_scratch(&u, &mut tmp_n, &mut sd);
            let eps_pri = sqrt_p * self.abs_tol + self.rel_tol * norm(&dx).max(norm(&z));
            let eps_dual = sqrt_n * self.abs_tol + self.rel_tol * rho * norm(&tmp_n);
            if self.record_history || k == self.max_iter {
                objective = lasso_objective(a, y, &x, &dx, lambda, &mut cg.am, &mut sa);
            }
            if !(r.is_finite() && s.is_finite()) {
                return Err(diverged_error("admm-lasso", k, "residual", r + s));
            }
            let flow = rec.record(Progress {
                iteration: k,
                objective,
                residual: r,
                rel_change: s,
                step: rho,
                ..Progress::default()
            });
            if let Some(reason) = stop_after(r <= eps_pri && s <= eps_dual, flow) {
                stop = reason;
                break;
            }
            let factor = if r > 10.0 * s {
                2.0
            } else if s > 10.0 * r {
                0.5
            } else {
                1.0
            };
            if factor != 1.0 {
                rho *= factor;
                let inv = T::from_f64_parts(1.0 / factor, 0.0);
                for ui in u.iter_mut() {
                    *ui *= inv;
                }
            }
        }
        d.apply_with_scratch(&x, &mut dx, &mut sd);
        objective = lasso_objective(a, y, &x, &dx, lambda, &mut cg.am, &mut sa);
        Ok(Solution {
            x,
            iterations,
            stop,
            history: rec.finish(),
            objective,
            gap: f64::NAN,
        })
    }
}

setters!(AdmmLasso {
    /// Sets `ρ`.
    rho: f64,
    /// Sets `max_iter`.
    max_iter: usize,
    /// Sets the inner CG tolerance.
    cg_tol: f64,
    /// Sets the inner CG iteration limit.
    cg_max_iter: usize,
    /// History recording on or off.
    record_history: bool,
});

/// `½‖A x − y‖² + λ‖D x‖₁` given `D x`.
fn lasso_objective<T: Scalar, A: LinOp<T> + ?Sized>(
    a: &A,
    y: &[T],
    x: &[T],
    dx: &[T],
    lambda: f64,
    ax: &mut [T],
    scratch: &mut [T],
) -> f64 {
    a.apply_with_scratch(x, ax, scratch);
    0.5 * diff_norm(ax, y).powi(2) + lambda * l1_norm(dx)
}

/// Conjugate gradients on `(AᴴA + ρDᴴD) x = b`, buffers allocated once.
struct Cg<T> {
    r: Vec<T>,
    p: Vec<T>,
    q: Vec<T>,
    t: Vec<T>,
    am: Vec<T>,
    dp: Vec<T>,
}

impl<T: Scalar> Cg<T> {
    fn new(n: usize, m: usize, p: usize) -> Self {
        Cg {
            r: vec![T::zero(); n],
            p: vec![T::zero(); n],
            q: vec![T::zero(); n],
            t: vec![T::zero(); n],
            am: vec![T::zero(); m],
            dp: vec![T::zero(); p],
        }
    }

    /// `q ← (AᴴA + ρDᴴD) v`.
    #[allow(clippy::too_many_arguments)]
    fn normal<A: LinOp<T> + ?Sized, D: LinOp<T> + ?Sized>(
        am: &mut [T],
        dp: &mut [T],
        t: &mut [T],
        a: &A,
        d: &D,
        rho: f64,
        v: &[T],
        q: &mut [T],
        sa: &mut [T],
        sd: &mut [T],
    ) {
        a.apply_with_scratch(v, am, sa);
        a.adjoint_with_scratch(am, q, sa);
        d.apply_with_scratch(v, dp, sd);
        d.adjoint_with_scratch(dp, t, sd);
        let r = T::from_f64_parts(rho, 0.0);
        for (qi, ti) in q.iter_mut().zip(t.iter()) {
            *qi += *ti * r;
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn solve<A: LinOp<T> + ?Sized, D: LinOp<T> + ?Sized>(
        &mut self,
        a: &A,
        d: &D,
        rho: f64,
        b: &[T],
        x: &mut [T],
        tol: f64,
        max_iter: usize,
        sa: &mut [T],
        sd: &mut [T],
    ) {
        let Cg { r, p, q, t, am, dp } = self;
        Self::normal(am, dp, t, a, d, rho, x, q, sa, sd);
        for ((ri, bi), qi) in r.iter_mut().zip(b).zip(q.iter()) {
            *ri = *bi - *qi;
        }
        p.copy_from_slice(r);
        let b_norm = norm(b).max(f64::MIN_POSITIVE);
        let mut rr = norm(r).powi(2);
        for _ in 0..max_iter {
            if rr.sqrt() <= tol * b_norm {
                break;
            }
            Self::normal(am, dp, t, a, d, rho, p, q, sa, sd);
            let pq: f64 = p
                .iter()
                .zip(q.iter())
                .map(|(u, v)| {
                    let (u, v) = (u.to_c64(), v.to_c64());
                    u.re * v.re + u.im * v.im
                })
                .sum();
            if pq <= 0.0 {
                break;
            }
            let alpha = T::from_f64_parts(rr / pq, 0.0);
            for ((xi, pi), (ri, qi)) in x.iter_mut().zip(p.iter()).zip(r.iter_mut().zip(q.iter())) {
                *xi += *pi * alpha;
                *ri -= *qi * alpha;
            }
            let rr_new = norm(r).powi(2);
            let beta = T::from_f64_parts(rr_new / rr, 0.0);
            for (pi, ri) in p.iter_mut().zip(r.iter()) {
                *pi = *ri + *pi * beta;
            }
            rr = rr_new;
        }
    }
}
