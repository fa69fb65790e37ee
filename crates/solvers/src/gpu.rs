//! The device-resident FISTA (cargo feature `cuda`): the LASSO
//! `min_x ½‖A x − y‖₂² + λ‖x‖₁` with a sparse `A` in GPU memory
//! ([`GpuCsr`](cstk_linop::gpu::GpuCsr)).
//!
//! Every vector (`x`, the extrapolated point, `A x`, the residual, the gradient) lives on
//! the device for the whole solve: `y` (and a warm start) go in once, `x` comes out once;
//! each iteration moves only the handful of scalars the host needs for its decisions
//! (objective, relative change, the restart test, the duality gap). The iteration is the
//! CPU [`Fista`]'s, step for step: the same step (`1.01·‖A‖₂²` from the same power
//! iteration, or [`Step::Fixed`]), momentum, adaptive restart, stopping rules, history
//! and [`Solution`]; the elementwise updates round exactly as the CPU's, the sums differ
//! only in summation order, so the two solutions agree to rounding (1e-10 relative is
//! the documented bound).
//!
//! ```
//! use cstk_linop::{CsrMatrix, gpu::{Gpu, GpuCsr}};
//! use cstk_solvers::fista::{Fista, lambda_max};
//! let a = CsrMatrix::try_from_raw_parts(2, 3, vec![0, 2, 3], vec![0, 2, 1], vec![1.0, 1.0, 1.0]).unwrap();
//! let y = [1.0, 2.0];
//! let lam = 0.1 * lambda_max(&a, &y);
//! if let Ok(gpu) = Gpu::new(0) {
//!     let d = GpuCsr::upload(&gpu, &a).unwrap();
//!     let on_gpu = Fista::params().tol(1e-12).solve_l1_gpu(&d, &y, lam).unwrap();
//!     let on_cpu = Fista::params().tol(1e-12).solve_l1(&a, &y, lam).unwrap();
//!     assert!(on_gpu.x.iter().zip(&on_cpu.x).all(|(g, c)| (g - c).abs() <= 1e-10));
//! }
//! ```

use crate::fista::{Criterion, Fista, Step, l1_gap_from};
use crate::solution::{
    Observer, Progress, Recorder, Solution, StopReason, check_finite, check_measurements,
    diverged_error, invalid, shape_mismatch,
};
use crate::vecops::norm_sq;
use cstk_linop::gpu::{GpuCsr, GpuVec, StepStats};
use cstk_linop::{NormEstimate, PowerIteration, Result};
use std::ops::ControlFlow;

/// The device operations the loop needs: a sparse operator and BLAS-1 kernels on its
/// vectors. [`GpuCsr`] is the implementation; the tests add a host one, which checks the
/// loop itself against the CPU solver on machines without a GPU.
pub(crate) trait Device {
    type V;
    fn dims(&self) -> (usize, usize);
    fn upload(&self, x: &[f64]) -> Result<Self::V>;
    fn zeros(&self, n: usize) -> Result<Self::V>;
    fn download(&self, v: &Self::V, out: &mut [f64]) -> Result<()>;
    fn copy(&self, src: &Self::V, dst: &mut Self::V) -> Result<()>;
    fn spmv(&self, x: &Self::V, y: &mut Self::V) -> Result<()>;
    fn spmv_t(&self, y: &Self::V, x: &mut Self::V) -> Result<()>;
    fn norm_est(&self, p: &PowerIteration) -> Result<NormEstimate>;
    fn lincomb(&self, a: f64, u: &Self::V, b: f64, v: &Self::V, out: &mut Self::V) -> Result<()>;
    fn extrapolate(&self, xn: &Self::V, xo: &Self::V, beta: f64, out: &mut Self::V) -> Result<()>;
    fn shrink_step(
        &self,
        z: &Self::V,
        g: &Self::V,
        s: f64,
        t: f64,
        out: &mut Self::V,
    ) -> Result<()>;
    fn sum_sq_diff(&self, u: &Self::V, v: &Self::V) -> Result<f64>;
    fn step_stats(&self, z: &Self::V, xn: &Self::V, xo: &Self::V) -> Result<StepStats>;
    fn residual_stats(&self, y: &Self::V, ax: &Self::V, res: &mut Self::V) -> Result<(f64, f64)>;
    fn max_abs(&self, v: &Self::V) -> Result<f64>;
}

impl Device for GpuCsr {
    type V = GpuVec;
    fn dims(&self) -> (usize, usize) {
        (self.nrows(), self.ncols())
    }
    fn upload(&self, x: &[f64]) -> Result<GpuVec> {
        self.gpu().upload(x)
    }
    fn zeros(&self, n: usize) -> Result<GpuVec> {
        self.gpu().zeros(n)
    }
    fn download(&self, v: &GpuVec, out: &mut [f64]) -> Result<()> {
        self.gpu().download(v, out)
    }
    fn copy(&self, src: &GpuVec, dst: &mut GpuVec) -> Result<()> {
        self.gpu().copy(src, dst)
    }
    fn spmv(&self, x: &GpuVec, y: &mut GpuVec) -> Result<()> {
        GpuCsr::spmv(self, x, y)
    }
    fn spmv_t(&self, y: &GpuVec, x: &mut GpuVec) -> Result<()> {
        GpuCsr::spmv_t(self, y, x)
    }
    fn norm_est(&self, p: &PowerIteration) -> Result<NormEstimate> {
        GpuCsr::norm_est(self, p)
    }
    fn lincomb(&self, a: f64, u: &GpuVec, b: f64, v: &GpuVec, out: &mut GpuVec) -> Result<()> {
        self.gpu().lincomb(a, u, b, v, out)
    }
    fn extrapolate(&self, xn: &GpuVec, xo: &GpuVec, beta: f64, out: &mut GpuVec) -> Result<()> {
        self.gpu().extrapolate(xn, xo, beta, out)
    }
    fn shrink_step(&self, z: &GpuVec, g: &GpuVec, s: f64, t: f64, out: &mut GpuVec) -> Result<()> {
        self.gpu().shrink_step(z, g, s, t, out)
    }
    fn sum_sq_diff(&self, u: &GpuVec, v: &GpuVec) -> Result<f64> {
        self.gpu().sum_sq_diff(u, v)
    }
    fn step_stats(&self, z: &GpuVec, xn: &GpuVec, xo: &GpuVec) -> Result<StepStats> {
        self.gpu().step_stats(z, xn, xo)
    }
    fn residual_stats(&self, y: &GpuVec, ax: &GpuVec, res: &mut GpuVec) -> Result<(f64, f64)> {
        self.gpu().residual_stats(y, ax, res)
    }
    fn max_abs(&self, v: &GpuVec) -> Result<f64> {
        self.gpu().max_abs(v)
    }
}

impl Fista {
    /// [`solve_l1`](Fista::solve_l1) on the GPU: the LASSO `½‖A x − y‖₂² + λ‖x‖₁` (the ½
    /// on the data term, no `1/n`) with every vector in device memory. Same parameters,
    /// stopping rules and [`Solution`] as the CPU solver, which it equals to rounding.
    ///
    /// [`Step::Backtracking`] is not available here (its trial loop needs the objective on
    /// the host at every trial); `PowerIteration` runs on the device.
    ///
    /// # Errors
    /// As [`solve_l1`](Fista::solve_l1), plus [`cstk_linop::Error::Device`] when a device
    /// operation fails, and an invalid-parameter error for backtracking.
    ///
    /// ```
    /// use cstk_linop::{CsrMatrix, gpu::{Gpu, GpuCsr}};
    /// use cstk_solvers::fista::Fista;
    /// if let Ok(gpu) = Gpu::new(0) {
    ///     let d = GpuCsr::upload(&gpu, &CsrMatrix::<f64>::identity(2)).unwrap();
    ///     let sol = Fista::params().solve_l1_gpu(&d, &[3.0, -1.0], 2.0).unwrap();
    ///     assert!((sol.x[0] - 1.0).abs() < 1e-9 && sol.x[1] == 0.0);
    /// }
    /// ```
    pub fn solve_l1_gpu(&self, a: &GpuCsr, y: &[f64], lambda: f64) -> Result<Solution<f64>> {
        self.solve_l1_gpu_with(a, y, lambda, None, &mut |_| ControlFlow::Continue(()))
    }

    /// [`solve_l1_gpu`](Fista::solve_l1_gpu) from a warm start `x0` (copied in once), with
    /// an observer called after every iteration (as the CPU solver's).
    ///
    /// # Errors
    /// As [`solve_l1_gpu`](Fista::solve_l1_gpu).
    ///
    /// ```
    /// use cstk_linop::{CsrMatrix, gpu::{Gpu, GpuCsr}};
    /// use cstk_solvers::fista::Fista;
    /// if let Ok(gpu) = Gpu::new(0) {
    ///     let d = GpuCsr::upload(&gpu, &CsrMatrix::<f64>::identity(1)).unwrap();
    ///     let sol = Fista::params()
    ///         .solve_l1_gpu_with(&d, &[3.0], 1.0, Some(&[2.0]), &mut |_| std::ops::ControlFlow::Continue(()))
    ///         .unwrap();
    ///     assert!((sol.x[0] - 2.0).abs() < 1e-9);
    /// }
    /// ```
    pub fn solve_l1_gpu_with(
        &self,
        a: &GpuCsr,
        y: &[f64],
        lambda: f64,
        x0: Option<&[f64]>,
        observer: Observer,
    ) -> Result<Solution<f64>> {
        run_device(self, a, y, lambda, x0, observer)
    }
}

/// The loop of [`crate::fista`]'s `run` for `g = λ‖·‖₁`, on device vectors.
pub(crate) fn run_device<D: Device>(
    p: &Fista,
    a: &D,
    y: &[f64],
    lambda: f64,
    x0: Option<&[f64]>,
    observer: Observer,
) -> Result<Solution<f64>> {
    p.validate()?;
    if !(lambda.is_finite() && lambda >= 0.0) {
        return Err(invalid("lambda", lambda, "a finite number ≥ 0"));
    }
    if let Step::Backtracking { .. } = p.step {
        return Err(invalid(
            "step",
            "backtracking",
            "PowerIteration or Fixed on the GPU (backtracking runs on the CPU solver)",
        ));
    }
    let (m, n) = a.dims();
    check_measurements(y, m)?;
    if let Some(x0) = x0 {
        if x0.len() != n {
            return Err(shape_mismatch("warm start x0", n, x0.len()));
        }
        check_finite("warm start x0", x0)?;
    }
    let use_gap = matches!(p.criterion, Criterion::Auto | Criterion::Gap);
    let yy = norm_sq(y);

    // the one transfer in
    let dy = a.upload(y)?;
    let mut x = match x0 {
        Some(x0) => a.upload(x0)?,
        None => a.zeros(n)?,
    };
    let mut x_new = a.zeros(n)?;
    let mut z = a.zeros(n)?;
    a.copy(&x, &mut z)?;
    let mut grad = a.zeros(n)?;
    let mut ax = a.zeros(m)?;
    let mut ax_new = a.zeros(m)?;
    let mut az = a.zeros(m)?;
    let mut res = a.zeros(m)?;
    let mut rec = Recorder::new(p.record_history, observer);

    a.spmv(&x, &mut ax)?;
    a.copy(&ax, &mut az)?;
    let mut objective = 0.5 * a.sum_sq_diff(&ax, &dy)? + lambda * a.step_stats(&x, &x, &x)?.l1;
    let start_objective = objective;

    let finish =
        |x: &D::V, iterations, stop, rec: Recorder, objective, gap| -> Result<Solution<f64>> {
            let mut host = vec![0.0; n];
            a.download(x, &mut host)?; // the one transfer out
            Ok(Solution {
                x: host,
                iterations,
                stop,
                history: rec.finish(),
                objective,
                gap,
            })
        };

    // λ ≥ λ_max with a zero start: 0 is optimal (the gap at 0 is exactly 0).
    if x0.is_none() {
        a.spmv_t(&dy, &mut grad)?;
        if a.max_abs(&grad)? <= lambda {
            return finish(&x, 0, StopReason::Converged, rec, objective, 0.0);
        }
    }

    let mut lipschitz = match p.step {
        Step::PowerIteration => {
            let est = a.norm_est(&PowerIteration::default())?;
            1.01 * est.norm * est.norm
        }
        Step::Fixed(s) => 1.0 / s,
        Step::Backtracking { .. } => unreachable!("refused above"),
    };
    if lipschitz.is_nan() || lipschitz <= 0.0 {
        lipschitz = 1.0;
    }

    let mut t = 1.0f64;
    let mut gap = f64::NAN;
    let mut gap_at = usize::MAX;
    let mut stop = StopReason::MaxIterations;
    let mut iterations = 0;
    let gap_now = |ax: &D::V, res: &mut D::V, grad: &mut D::V, objective: f64| -> Result<f64> {
        let (y_rho, rho_sq) = a.residual_stats(&dy, ax, res)?;
        a.spmv_t(res, grad)?;
        let cmax = a.max_abs(grad)?;
        Ok(l1_gap_from(yy, y_rho, rho_sq, cmax, lambda, objective))
    };
    for k in 1..=p.max_iter {
        iterations = k;
        // gradient at z: Aᵀ(A z − y)
        a.lincomb(1.0, &az, -1.0, &dy, &mut res)?;
        a.spmv_t(&res, &mut grad)?;
        let s = 1.0 / lipschitz;
        a.shrink_step(&z, &grad, s, lambda * s, &mut x_new)?;
        a.spmv(&x_new, &mut ax_new)?;
        let f_new = 0.5 * a.sum_sq_diff(&ax_new, &dy)?;
        let st = a.step_stats(&z, &x_new, &x)?;
        objective = f_new + lambda * st.l1;
        if !objective.is_finite() {
            return Err(diverged_error("fista (GPU)", k, "objective", objective));
        }
        let rel_change = st.step_sq.sqrt() / st.norm_sq.sqrt().max(f64::MIN_POSITIVE);

        let mut beta = 0.0;
        if p.accelerate {
            let t_new = 0.5 * (1.0 + (1.0 + 4.0 * t * t).sqrt());
            if p.restart && st.momentum_dot > 0.0 {
                t = 1.0;
            } else {
                beta = (t - 1.0) / t_new;
                t = t_new;
            }
        }
        a.extrapolate(&x_new, &x, beta, &mut z)?;
        a.extrapolate(&ax_new, &ax, beta, &mut az)?;
        std::mem::swap(&mut x, &mut x_new);
        std::mem::swap(&mut ax, &mut ax_new);

        let mut converged = false;
        let check_gap = use_gap && (k % p.gap_every == 0 || k == p.max_iter);
        if check_gap {
            gap = gap_now(&ax, &mut res, &mut grad, objective)?;
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
        gap = gap_now(&ax, &mut res, &mut grad, objective)?;
    }
    finish(&x, iterations, stop, rec, objective, gap)
}

#[cfg(test)]
mod tests {
    //! The loop on a host implementation of [`Device`] (plain sequential sums, the CSR's
    //! own products) against the CPU solver: what the GPU adds is only summation order.
    use super::*;
    use cstk_linop::gpu::StepStats;
    use cstk_linop::testing::{random_sparse, random_vec, rel_err as rel};
    use cstk_linop::{CsrMatrix, LinOp};

    struct Host<'a>(&'a CsrMatrix<f64>);

    fn sum(it: impl Iterator<Item = f64>) -> f64 {
        // pairwise-free, strictly sequential: a different order from the CPU's vecops
        it.fold(0.0, |s, v| s + v)
    }

    impl Device for Host<'_> {
        type V = Vec<f64>;
        fn dims(&self) -> (usize, usize) {
            (self.0.nrows(), self.0.ncols())
        }
        fn upload(&self, x: &[f64]) -> Result<Vec<f64>> {
            Ok(x.to_vec())
        }
        fn zeros(&self, n: usize) -> Result<Vec<f64>> {
            Ok(vec![0.0; n])
        }
        fn download(&self, v: &Vec<f64>, out: &mut [f64]) -> Result<()> {
            out.copy_from_slice(v);
            Ok(())
        }
        fn copy(&self, src: &Vec<f64>, dst: &mut Vec<f64>) -> Result<()> {
            dst.copy_from_slice(src);
            Ok(())
        }
        fn spmv(&self, x: &Vec<f64>, y: &mut Vec<f64>) -> Result<()> {
            self.0.apply(x, y);
            Ok(())
        }
        fn spmv_t(&self, y: &Vec<f64>, x: &mut Vec<f64>) -> Result<()> {
            self.0.adjoint(y, x);
            Ok(())
        }
        fn norm_est(&self, p: &PowerIteration) -> Result<NormEstimate> {
            p.run(self.0)
        }
        fn lincomb(
            &self,
            a: f64,
            u: &Vec<f64>,
            b: f64,
            v: &Vec<f64>,
            out: &mut Vec<f64>,
        ) -> Result<()> {
            for ((o, u), v) in out.iter_mut().zip(u).zip(v) {
                *o = a * u + b * v;
            }
            Ok(())
        }
        fn extrapolate(
            &self,
            xn: &Vec<f64>,
            xo: &Vec<f64>,
            beta: f64,
            out: &mut Vec<f64>,
        ) -> Result<()> {
            for ((o, a), b) in out.iter_mut().zip(xn).zip(xo) {
                *o = a + (a - b) * beta;
            }
            Ok(())
        }
        fn shrink_step(
            &self,
            z: &Vec<f64>,
            g: &Vec<f64>,
            s: f64,
            t: f64,
            out: &mut Vec<f64>,
        ) -> Result<()> {
            for ((o, z), g) in out.iter_mut().zip(z).zip(g) {
                let r = z - g * s;
                *o = if r > t {
                    r - t
                } else if r < -t {
                    r + t
                } else {
                    0.0
                };
            }
            Ok(())
        }
        fn sum_sq_diff(&self, u: &Vec<f64>, v: &Vec<f64>) -> Result<f64> {
            Ok(sum(u.iter().zip(v).map(|(a, b)| (a - b) * (a - b))))
        }
        fn step_stats(&self, z: &Vec<f64>, xn: &Vec<f64>, xo: &Vec<f64>) -> Result<StepStats> {
            let it = || {
                z.iter()
                    .zip(xn)
                    .zip(xo)
                    .map(|((z, a), b)| (*z, *a, *a - *b))
            };
            Ok(StepStats {
                l1: sum(it().map(|(_, a, _)| a.abs())),
                step_sq: sum(it().map(|(_, _, d)| d * d)),
                norm_sq: sum(it().map(|(_, a, _)| a * a)),
                momentum_dot: sum(it().map(|(z, a, d)| (z - a) * d)),
            })
        }
        fn residual_stats(
            &self,
            y: &Vec<f64>,
            ax: &Vec<f64>,
            res: &mut Vec<f64>,
        ) -> Result<(f64, f64)> {
            for ((r, y), a) in res.iter_mut().zip(y).zip(ax) {
                *r = y - a;
            }
            Ok((
                sum(y.iter().zip(res.iter()).map(|(y, r)| y * r)),
                sum(res.iter().map(|r| r * r)),
            ))
        }
        fn max_abs(&self, v: &Vec<f64>) -> Result<f64> {
            Ok(v.iter().fold(0.0f64, |m, a| {
                if a.is_nan() || m.is_nan() {
                    f64::NAN
                } else {
                    m.max(a.abs())
                }
            }))
        }
    }

    fn problem(m: usize, n: usize, k: usize, seed: u64) -> (CsrMatrix<f64>, Vec<f64>) {
        // a seeded sparse matrix with 12 nonzeros per row and a k-sparse signal plus noise
        let a = random_sparse(m, n, 12, false, seed);
        let mut x = vec![0.0; n];
        for j in 0..k {
            x[(j * 7919) % n] = if j % 2 == 0 { 1.0 } else { -2.0 };
        }
        let mut y = a.apply_vec(&x);
        let noise: Vec<f64> = random_vec(m, seed + 1);
        for (yi, e) in y.iter_mut().zip(noise) {
            *yi += 0.01 * e;
        }
        (a, y)
    }

    #[test]
    fn the_device_loop_equals_the_cpu_solver() {
        let (a, y) = problem(300, 800, 20, 5);
        let lmax = crate::fista::lambda_max(&a, &y);
        for (params, frac) in [
            (Fista::params().tol(1e-10).max_iter(5000), 0.05),
            (Fista::params().tol(1e-10).max_iter(5000), 0.3),
            (
                Fista::params()
                    .tol(1e-9)
                    .max_iter(3000)
                    .criterion(Criterion::RelativeChange),
                0.1,
            ),
            (Fista::ista().tol(1e-8).max_iter(400), 0.2),
            (
                Fista::params().tol(1e-10).max_iter(5000).restart(false),
                0.1,
            ),
            (
                Fista::params()
                    .tol(1e-10)
                    .max_iter(5000)
                    .step(Step::Fixed(0.01)),
                0.1,
            ),
        ] {
            let lam = frac * lmax;
            let cpu = params.solve_l1(&a, &y, lam).unwrap();
            let dev = run_device(&params, &Host(&a), &y, lam, None, &mut |_| {
                ControlFlow::Continue(())
            })
            .unwrap();
            assert!(cpu.iterations > 20, "{params:?}: a real run");
            assert_eq!(cpu.stop, dev.stop, "{params:?} λ = {frac}·λmax");
            assert_eq!(cpu.iterations, dev.iterations, "{params:?} λ = {frac}·λmax");
            assert!(
                rel(&dev.x, &cpu.x) <= 1e-10,
                "{params:?}: {}",
                rel(&dev.x, &cpu.x)
            );
            assert!((dev.objective - cpu.objective).abs() <= 1e-12 * cpu.objective);
            assert_eq!(cpu.history.len(), dev.history.len());
        }
    }

    #[test]
    fn the_device_loop_handles_the_edges_as_the_cpu_does() {
        let (a, y) = problem(50, 120, 5, 9);
        let lmax = crate::fista::lambda_max(&a, &y);
        let host = Host(&a);
        let go = |p: &Fista, lam: f64, x0: Option<&[f64]>| {
            run_device(p, &host, &y, lam, x0, &mut |_| ControlFlow::Continue(()))
        };
        // λ ≥ λ_max: zero at once
        let s = go(&Fista::params(), 1.5 * lmax, None).unwrap();
        assert_eq!((s.iterations, s.gap), (0, 0.0));
        assert!(s.x.iter().all(|v| *v == 0.0));
        // warm start equals the CPU's warm start
        let x0 = vec![0.1; 120];
        let p = Fista::params().tol(1e-10).max_iter(3000);
        let cpu = p
            .solve_l1_with(&a, &y, 0.1 * lmax, Some(&x0), &mut |_| {
                ControlFlow::Continue(())
            })
            .unwrap();
        let dev = go(&p, 0.1 * lmax, Some(&x0)).unwrap();
        assert!(rel(&dev.x, &cpu.x) <= 1e-10);
        // refused inputs
        assert!(go(&Fista::params(), -1.0, None).is_err());
        assert!(go(&Fista::params(), f64::NAN, None).is_err());
        let bt = Fista::params().step(Step::Backtracking {
            initial_lipschitz: 1.0,
            increase: 2.0,
        });
        assert!(
            go(&bt, 0.1, None)
                .unwrap_err()
                .to_string()
                .contains("backtracking")
        );
        assert!(go(&Fista::params(), 0.1, Some(&[1.0])).is_err());
        let mut bad = y.clone();
        bad[3] = f64::INFINITY;
        assert!(
            run_device(&Fista::params(), &host, &bad, 0.1, None, &mut |_| {
                ControlFlow::Continue(())
            })
            .is_err()
        );
        // the observer can stop it
        let s = run_device(
            &Fista::params().tol(1e-14),
            &host,
            &y,
            0.01 * lmax,
            None,
            &mut |p| {
                if p.iteration == 3 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
        )
        .unwrap();
        assert_eq!((s.iterations, s.stop), (3, StopReason::Interrupted));
        assert!(s.gap.is_finite(), "a final certificate is computed");
    }
}
