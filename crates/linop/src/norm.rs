//! Estimating the operator norm `‖A‖₂` (largest singular value) by power iteration, e.g.
//! for the step size `1/‖A‖₂²` of ISTA/FISTA.

use crate::scalar::norm2;
use crate::{Error, LinOp, Result, Scalar, testing};
use nalgebra::ComplexField;

/// Parameters of the power iteration that estimates `‖A‖₂ = σ_max(A)`, the largest
/// singular value of an operator.
///
/// Starting from a seeded random unit vector `x₀` ([`testing::random_vec`]), each
/// iteration computes `u = A x / ‖A x‖`, the estimate `σ_k = ‖Aᴴ u‖`, and
/// `x ← Aᴴ u / ‖Aᴴ u‖`: power iteration on `AᴴA`, with both half-steps normalized so that
/// no intermediate overflows. Each `σ_k` is `‖Aᴴ u‖` for a unit `u`, so (up to rounding)
/// a lower bound of `‖A‖₂`; in exact arithmetic the sequence increases to `‖A‖₂` for
/// almost every start, its relative error shrinking by about `ρ⁴` per iteration, where
/// `ρ = σ₂/σ₁` is the gap between the two largest singular values.
///
/// The iteration stops when `|σ_k − σ_{k−1}| ≤ tol · σ_k` (converged) or after `max_iter`
/// iterations (not converged; the estimate is still a lower bound). The rule bounds the
/// last change, not the error: the error left is about `ρ⁴/(1 − ρ⁴)` times the last
/// change, which is below it for a clear gap (`ρ < 0.8`) but several times it for the
/// close top singular values of a plain random matrix (`ρ ≈ 0.95`, about 4 times).
/// Lower `tol` when more digits matter; for a step size `1/L`, a slightly low `L` is
/// usually covered by a safety factor such as `1.01 L`.
///
/// | name | default | meaning | valid range |
/// |---|---|---|---|
/// | `max_iter` | `100` | most iterations (each one `apply`, one `adjoint`) | `≥ 1` |
/// | `tol` | `1e-6` | largest relative change of the estimate to stop at | finite, `≥ 0` |
/// | `seed` | `0` | seed of the random start vector (`ChaCha8Rng`) | any `u64` |
///
/// With `tol = 0` the iteration runs until the estimate stops changing at all, or
/// `max_iter`. Parameters are checked by [`run`](PowerIteration::run)
/// ([`Error::InvalidParam`]).
///
/// ```
/// use cstk_linop::{Diagonal, PowerIteration};
/// let d = Diagonal::new(vec![1.0, -3.0, 2.0]);
/// let est = PowerIteration::default().tol(1e-12).max_iter(1000).seed(7).run(&d)?;
/// assert!(est.converged);
/// assert!((est.norm - 3.0).abs() < 1e-9);
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PowerIteration {
    /// Largest number of iterations (`≥ 1`).
    pub max_iter: usize,
    /// Relative change of the estimate at which to stop (finite, `≥ 0`).
    pub tol: f64,
    /// Seed of the random start vector.
    pub seed: u64,
}

impl Default for PowerIteration {
    fn default() -> Self {
        Self {
            max_iter: 100,
            tol: 1e-6,
            seed: 0,
        }
    }
}

/// The result of [`PowerIteration::run`].
///
/// ```
/// use cstk_linop::{Identity, PowerIteration};
/// let est = PowerIteration::default().run::<f64, _>(&Identity::new(4))?;
/// assert!((est.norm - 1.0).abs() < 1e-12);
/// assert!(est.converged && est.iterations <= 2);
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NormEstimate {
    /// The estimate of `‖A‖₂`, a lower bound up to rounding (`0` for the zero operator or
    /// an empty shape).
    pub norm: f64,
    /// Iterations run (each one `apply` and one `adjoint`).
    pub iterations: usize,
    /// `true` when the relative change of the estimate fell to `tol` (or the operator
    /// maps the start vector to zero); `false` when `max_iter` was reached first.
    pub converged: bool,
}

impl PowerIteration {
    /// Sets `max_iter`, the largest number of iterations (`≥ 1`).
    ///
    /// ```
    /// assert_eq!(cstk_linop::PowerIteration::default().max_iter(20).max_iter, 20);
    /// ```
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Sets `tol`, the relative change of the estimate at which to stop (finite, `≥ 0`).
    ///
    /// ```
    /// assert_eq!(cstk_linop::PowerIteration::default().tol(1e-9).tol, 1e-9);
    /// ```
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Sets `seed`, the seed of the random start vector.
    ///
    /// ```
    /// assert_eq!(cstk_linop::PowerIteration::default().seed(3).seed, 3);
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks the parameters: [`Error::InvalidParam`] names the first bad one.
    ///
    /// ```
    /// use cstk_linop::PowerIteration;
    /// assert!(PowerIteration::default().validate().is_ok());
    /// assert!(PowerIteration::default().max_iter(0).validate().is_err());
    /// assert!(PowerIteration::default().tol(f64::NAN).validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        if self.max_iter == 0 {
            return Err(Error::InvalidParam {
                name: "max_iter",
                value: self.max_iter.to_string(),
                expected: "at least 1".into(),
            });
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(Error::InvalidParam {
                name: "tol",
                value: self.tol.to_string(),
                expected: "a finite value >= 0".into(),
            });
        }
        Ok(())
    }

    /// Estimates `‖A‖₂` of `op`.
    ///
    /// Allocates the two work vectors and `op.scratch_len()` of scratch once; the
    /// iterations allocate nothing. Errors: [`Error::InvalidParam`] for bad parameters,
    /// [`Error::NonFinite`] (naming the iteration) when `A x` or `Aᴴ u` is NaN or
    /// infinite. An operator that maps the start vector to exactly zero (with
    /// probability one, the zero operator) gives `norm = 0`, converged.
    ///
    /// ```
    /// use cstk_linop::{DenseOp, PowerIteration};
    /// // singular values 5 and 1
    /// let a = DenseOp::from_row_slice(2, 2, &[3.0, 2.0, 2.0, 3.0])?;
    /// let est = PowerIteration::default().run(&a)?;
    /// assert!(est.converged);
    /// assert!((est.norm - 5.0).abs() < 1e-9);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn run<T: Scalar, L: LinOp<T> + ?Sized>(&self, op: &L) -> Result<NormEstimate> {
        self.validate()?;
        // `&L` is sized even when `L` is not, so it coerces to `&dyn LinOp<T>`: one
        // non-generic (in the operator) loop per scalar type.
        let op: &dyn LinOp<T> = &op;
        run_dyn(self, op)
    }
}

/// The power iteration, over a type-erased operator.
fn run_dyn<T: Scalar>(p: &PowerIteration, op: &dyn LinOp<T>) -> Result<NormEstimate> {
    let (m, n) = (op.nrows(), op.ncols());
    if m == 0 || n == 0 {
        return Ok(NormEstimate {
            norm: 0.0,
            iterations: 0,
            converged: true,
        });
    }
    let mut x: Vec<T> = testing::random_vec(n, p.seed);
    let mut u = vec![T::zero(); m];
    let mut scratch = vec![T::zero(); op.scratch_len()];
    // Normalize the start; random_vec is never all zero for n ≥ 1 in practice, but a
    // zero start would be caught below as "A x = 0".
    normalize(&mut x);

    let mut prev = 0.0f64;
    for k in 1..=p.max_iter {
        op.apply_with_scratch(&x, &mut u, &mut scratch);
        let au = normalize(&mut u);
        if !au.is_finite() {
            return Err(non_finite("A x", k, &u));
        }
        if au == 0.0 {
            return Ok(NormEstimate {
                norm: 0.0,
                iterations: k,
                converged: true,
            });
        }
        op.adjoint_with_scratch(&u, &mut x, &mut scratch);
        let sigma = normalize(&mut x);
        if !sigma.is_finite() {
            return Err(non_finite("Aᴴ u", k, &x));
        }
        if sigma == 0.0 {
            // A x ≠ 0 but Aᴴ (A x) = 0 happens only through rounding in a degenerate
            // operator; ‖A x‖ is then the best lower bound at hand.
            return Ok(NormEstimate {
                norm: au,
                iterations: k,
                converged: true,
            });
        }
        if k > 1 && (sigma - prev).abs() <= p.tol * sigma {
            return Ok(NormEstimate {
                norm: sigma,
                iterations: k,
                converged: true,
            });
        }
        prev = sigma;
    }
    Ok(NormEstimate {
        norm: prev,
        iterations: p.max_iter,
        converged: false,
    })
}

/// Scales `v` to unit norm (when its norm is finite and non-zero) and returns the norm
/// before scaling, as `f64`.
fn normalize<T: Scalar>(v: &mut [T]) -> f64 {
    let nrm = norm2(v);
    let nrm64 = T::from_real(nrm).to_c64().re;
    if nrm64.is_finite() && nrm64 > 0.0 {
        // Divide (by a real) rather than multiply by `1/‖v‖`, which overflows for a
        // subnormal norm.
        v.iter_mut()
            .for_each(|vi| *vi = <T as ComplexField>::unscale(*vi, nrm));
    }
    nrm64
}

/// The error for a NaN or infinite intermediate vector, naming the first bad entry.
fn non_finite<T: Scalar>(what: &str, iteration: usize, v: &[T]) -> Error {
    let context = format!("power iteration ({what})");
    match v.iter().position(|x| !x.is_finite_value()) {
        Some(i) => Error::NonFinite {
            context,
            position: format!("iteration {iteration}, entry {i}"),
            value: v[i].to_c64().to_string(),
        },
        // Finite entries whose norm overflows the real type.
        None => Error::NonFinite {
            context,
            position: format!("iteration {iteration}, norm of the vector"),
            value: "inf".into(),
        },
    }
}

/// Estimates `‖A‖₂` with the default [`PowerIteration`] parameters (100 iterations at
/// most, relative tolerance `1e-6`, seed 0) and returns the estimate, converged or not
/// (it is a lower bound either way); use [`PowerIteration::run`] to see whether it
/// converged.
///
/// ```
/// use cstk_linop::{Diagonal, opnorm_est};
/// let l = opnorm_est(&Diagonal::new(vec![0.5, 4.0, -2.0]))?;
/// assert!((l - 4.0).abs() < 1e-5);
/// # Ok::<(), cstk_linop::Error>(())
/// ```
pub fn opnorm_est<T: Scalar, L: LinOp<T> + ?Sized>(op: &L) -> Result<f64> {
    PowerIteration::default().run(op).map(|e| e.norm)
}
