//! `cstk recover`: sparse recovery of a 1-D signal `x` from `y = A x` with any solver.

use super::device::Device;
use crate::matrix_file::{AnyCsr, load_matrix};
use anyhow::{Context, Result, bail};
use cstk_linop::io::npy;
use cstk_linop::{Complex, CsrMatrix, LinOp, Scalar};
use cstk_solvers::Solution;
use cstk_solvers::admm::AdmmBp;
use cstk_solvers::cd::ElasticNet;
use cstk_solvers::cosamp::Cosamp;
use cstk_solvers::fista::Fista;
use cstk_solvers::iht::Iht;
use cstk_solvers::omp::Omp;
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

/// The solvers `--solver` accepts.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SolverName {
    /// Orthogonal matching pursuit (needs --sparsity or --tol)
    Omp,
    /// FISTA on ½‖Ax − y‖² + λ‖x‖₁ (needs --lambda)
    Fista,
    /// ISTA on ½‖Ax − y‖² + λ‖x‖₁ (needs --lambda)
    Ista,
    /// Coordinate descent on the same objective, as scikit-learn's Lasso with alpha = λ/m (real data; needs --lambda)
    Cd,
    /// ADMM for basis pursuit: min ‖x‖₁ s.t. Ax = y
    #[value(name = "admm-bp")]
    AdmmBp,
    /// Normalized iterative hard thresholding (needs --sparsity)
    Iht,
    /// CoSaMP (needs --sparsity)
    Cosamp,
}

/// Arguments of `cstk recover`.
#[derive(clap::Args, Debug)]
pub struct RecoverArgs {
    /// The sensing matrix A (m × n): Matrix Market (.mtx) or a 2-D NumPy array (.npy), real or complex
    #[arg(long)]
    pub matrix: PathBuf,
    /// The measurements y (length m): a 1-D NumPy array (.npy), real or complex
    #[arg(long)]
    pub measurements: PathBuf,
    /// The solver
    #[arg(long, value_enum)]
    pub solver: SolverName,
    /// Sparsity k (omp, iht, cosamp)
    #[arg(long)]
    pub sparsity: Option<usize>,
    /// λ of ½‖Ax − y‖² + λ‖x‖₁ (fista, ista, cd; cd uses scikit-learn's alpha = λ/m)
    #[arg(long, allow_negative_numbers = true)]
    pub lambda: Option<f64>,
    /// Iteration limit (default: the solver's own)
    #[arg(long)]
    pub iters: Option<usize>,
    /// Tolerance (default: the solver's own; omp: stop when ‖Ax − y‖² ≤ tol)
    #[arg(long, allow_negative_numbers = true)]
    pub tol: Option<f64>,
    /// Output: the recovered x as a 1-D .npy array
    #[arg(long)]
    pub out: PathBuf,
    /// Print the report as JSON on stdout
    #[arg(long)]
    pub json: bool,
    /// Where sparse products run: cpu, or cuda (needs a build with `--features cuda` and an NVIDIA GPU; real A from .mtx; fista, ista, iht)
    #[arg(long, value_enum, default_value_t = Device::Cpu)]
    pub device: Device,
}

pub fn run(args: RecoverArgs) -> Result<()> {
    if args.out.extension().and_then(|e| e.to_str()) != Some("npy") {
        bail!(
            "--out {}: expected a .npy file name for the recovered signal",
            args.out.display()
        );
    }
    args.device.check_available()?;
    #[cfg(feature = "cuda")]
    if args.device == Device::Cuda {
        gpu::check_request(&args)?;
    }
    let loaded =
        load_matrix(&args.matrix).with_context(|| format!("--matrix {}", args.matrix.display()))?;
    let header = npy::read_npy_header(&args.measurements)
        .with_context(|| format!("--measurements {}", args.measurements.display()))?;
    if header.shape.len() != 1 && !(header.shape.len() == 2 && header.shape[1] == 1) {
        bail!(
            "--measurements {}: expected a 1-D array (length m), got shape {:?}",
            args.measurements.display(),
            header.shape
        );
    }
    let complex = header.dtype.is_complex() || matches!(loaded.matrix, AnyCsr::Complex(_));
    if complex && args.device == Device::Cuda {
        bail!(
            "--device cuda: the GPU path needs real data, but {} is complex; use --device cpu",
            if matches!(loaded.matrix, AnyCsr::Complex(_)) {
                format!("--matrix {}", args.matrix.display())
            } else {
                format!("--measurements {}", args.measurements.display())
            }
        );
    }
    let report = if complex {
        let a = match loaded.matrix {
            AnyCsr::Complex(a) => a,
            AnyCsr::Real(a) => {
                let (m, n, indptr, indices, data) = a.into_raw_parts();
                let data = data.into_iter().map(|v| Complex::new(v, 0.0)).collect();
                CsrMatrix::try_from_raw_parts(m, n, indptr, indices, data)?
            }
        };
        let y: Vec<Complex<f64>> = npy::read_npy_vector(&args.measurements)
            .with_context(|| format!("--measurements {}", args.measurements.display()))?;
        recover(&args, &a, &y)?
    } else {
        let AnyCsr::Real(a) = loaded.matrix else {
            unreachable!("complex handled above")
        };
        let y: Vec<f64> = npy::read_npy_vector(&args.measurements)
            .with_context(|| format!("--measurements {}", args.measurements.display()))?;
        recover_real(&args, &a, &y)?
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let on = match args.device {
            Device::Cpu => String::new(),
            Device::Cuda => format!(" on {}", report["device"].as_str().unwrap_or("the GPU")),
        };
        println!(
            "{} on {}x{}: {} iterations, {}; {} nonzeros, residual ‖Ax − y‖ = {:.6e}, {:.3} s{on}; wrote {}",
            report["solver"].as_str().unwrap_or(""),
            report["m"],
            report["n"],
            report["iterations"],
            report["stop_reason"].as_str().unwrap_or(""),
            report["nonzeros"],
            report["residual"].as_f64().unwrap_or(f64::NAN),
            report["seconds"].as_f64().unwrap_or(f64::NAN),
            args.out.display()
        );
    }
    Ok(())
}

fn need<V: Copy>(v: Option<V>, flag: &str, solver: &str) -> Result<V> {
    v.with_context(|| format!("{flag} is required by --solver {solver}"))
}

/// Real data: on the CPU, or on the GPU with `--device cuda` (in a build with the feature).
fn recover_real(args: &RecoverArgs, a: &CsrMatrix<f64>, y: &[f64]) -> Result<serde_json::Value> {
    #[cfg(feature = "cuda")]
    if args.device == Device::Cuda {
        return gpu::recover(args, a, y);
    }
    recover(args, a, y)
}

/// Runs the chosen solver on real or complex data on the CPU and writes x; returns the report.
fn recover<T: Scalar>(args: &RecoverArgs, a: &CsrMatrix<T>, y: &[T]) -> Result<serde_json::Value> {
    check_inputs(args, a, y)?;
    let start = Instant::now();
    let sol = solve_cpu(args, a, y)?;
    let seconds = start.elapsed().as_secs_f64();
    finish(args, a, y, &sol, seconds, "cpu")
}

/// The checks of y and the numeric flags, made before any solver (or device) runs.
fn check_inputs<T: Scalar>(args: &RecoverArgs, a: &CsrMatrix<T>, y: &[T]) -> Result<()> {
    let (m, n) = (a.nrows(), a.ncols());
    if y.len() != m {
        bail!(
            "--measurements {}: length {} does not match the {} rows of --matrix {} ({m} x {n})",
            args.measurements.display(),
            y.len(),
            m,
            args.matrix.display()
        );
    }
    if let Some(i) = y.iter().position(|v| !v.is_finite_value()) {
        bail!(
            "--measurements {}: non-finite value {} at index {i}",
            args.measurements.display(),
            y[i].to_c64()
        );
    }
    if let Some(l) = args.lambda
        && !(l.is_finite() && l >= 0.0)
    {
        bail!("--lambda {l}: expected a finite number ≥ 0");
    }
    if let Some(t) = args.tol
        && !(t.is_finite() && t > 0.0)
    {
        bail!("--tol {t}: expected a finite number > 0");
    }
    if args.iters == Some(0) {
        bail!("--iters 0: expected at least 1");
    }
    Ok(())
}

/// FISTA (or ISTA) with the flags' settings, and λ.
fn fista_params(args: &RecoverArgs) -> Result<(Fista, f64)> {
    let lambda = need(args.lambda, "--lambda", solver_name(args.solver))?;
    let mut f = if args.solver == SolverName::Ista {
        Fista::ista()
    } else {
        Fista::params()
    };
    f = f.record_history(false);
    if let Some(i) = args.iters {
        f = f.max_iter(i);
    }
    if let Some(t) = args.tol {
        f = f.tol(t);
    }
    Ok((f, lambda))
}

/// IHT with the flags' settings.
fn iht_params(args: &RecoverArgs) -> Result<Iht> {
    let k = need(args.sparsity, "--sparsity", solver_name(args.solver))?;
    let mut p = Iht::params(k).record_history(false);
    if let Some(i) = args.iters {
        p = p.max_iter(i);
    }
    if let Some(t) = args.tol {
        p = p.tol(t);
    }
    Ok(p)
}

/// The chosen solver on the CPU.
fn solve_cpu<T: Scalar>(args: &RecoverArgs, a: &CsrMatrix<T>, y: &[T]) -> Result<Solution<T>> {
    let name = solver_name(args.solver);
    Ok(match args.solver {
        SolverName::Fista | SolverName::Ista => {
            let (f, lambda) = fista_params(args)?;
            f.solve_l1(a, y, lambda)?
        }
        SolverName::Iht => iht_params(args)?.solve(a, y)?,
        SolverName::Omp | SolverName::Cosamp | SolverName::AdmmBp | SolverName::Cd => {
            let dense = a.to_dense();
            match args.solver {
                SolverName::Omp => {
                    if args.sparsity.is_none() && args.tol.is_none() {
                        bail!("--sparsity or --tol is required by --solver omp");
                    }
                    let mut p = Omp::params().record_history(false);
                    if let Some(k) = args.sparsity {
                        p = p.n_nonzero(k);
                    }
                    if let Some(t) = args.tol {
                        p = p.tol(t);
                    }
                    p.solve(&dense, y)?
                }
                SolverName::Cosamp => {
                    let k = need(args.sparsity, "--sparsity", name)?;
                    let mut p = Cosamp::params(k).record_history(false);
                    if let Some(i) = args.iters {
                        p = p.max_iter(i);
                    }
                    if let Some(t) = args.tol {
                        p = p.tol(t);
                    }
                    p.solve(&dense, y)?
                }
                SolverName::AdmmBp => {
                    let mut p = AdmmBp::params().record_history(false);
                    if let Some(i) = args.iters {
                        p = p.max_iter(i);
                    }
                    if let Some(t) = args.tol {
                        p = p.tol(p.abs_tol, t);
                    }
                    p.solve(&dense, y)?
                }
                _ => cd(args, &dense, y)?,
            }
        }
    })
}

/// Writes x and returns the report; `device` is `"cpu"` or the GPU's name.
fn finish<T: Scalar>(
    args: &RecoverArgs,
    a: &CsrMatrix<T>,
    y: &[T],
    sol: &Solution<T>,
    seconds: f64,
    device: &str,
) -> Result<serde_json::Value> {
    let (m, n) = (a.nrows(), a.ncols());
    let ax = a.apply_vec(&sol.x);
    let residual = ax
        .iter()
        .zip(y)
        .map(|(u, v)| (*u - *v).to_c64().norm_sqr())
        .sum::<f64>()
        .sqrt();
    npy::write_npy_vector(&args.out, &sol.x)
        .with_context(|| format!("--out {}", args.out.display()))?;
    Ok(json!({
        "solver": solver_name(args.solver),
        "m": m,
        "n": n,
        "dtype": T::NAME,
        "iterations": sol.iterations,
        "stop_reason": sol.stop.to_string(),
        "converged": sol.converged(),
        "nonzeros": sol.x.iter().filter(|v| **v != T::zero()).count(),
        "residual": residual,
        "objective": finite_or_null(sol.objective),
        "duality_gap": finite_or_null(sol.gap),
        "lambda": args.lambda,
        "seconds": seconds,
        "out": args.out.display().to_string(),
        "device": device,
    }))
}

/// Coordinate descent needs real data; λ of ½‖Ax − y‖² + λ‖x‖₁ is scikit-learn's α·m.
fn cd<T: Scalar>(
    args: &RecoverArgs,
    dense: &cstk_linop::nalgebra::DMatrix<T>,
    y: &[T],
) -> Result<Solution<T>> {
    let lambda = need(args.lambda, "--lambda", "cd")?;
    if T::IS_COMPLEX {
        bail!("--solver cd supports real data only; use fista for complex A or y");
    }
    Ok(lasso_cd(dense, y, lambda, args.iters, args.tol)?)
}

/// The LASSO `½‖Ax − y‖² + λ‖x‖₁` (no intercept) by coordinate descent, as scikit-learn's
/// `Lasso(alpha = λ/m)`, for a real `T`; objective and gap without sklearn's 1/m.
pub(crate) fn lasso_cd<T: Scalar>(
    dense: &cstk_linop::nalgebra::DMatrix<T>,
    y: &[T],
    lambda: f64,
    max_iter: Option<usize>,
    tol: Option<f64>,
) -> cstk_linop::Result<Solution<T>> {
    let m = dense.nrows();
    let x64 = dense.map(|v| v.to_c64().re);
    let y64: Vec<f64> = y.iter().map(|v| v.to_c64().re).collect();
    let mut p = ElasticNet::lasso(lambda / m as f64);
    p.fit_intercept = false;
    if let Some(i) = max_iter {
        p.max_iter = i;
    }
    if let Some(t) = tol {
        p.tol = t;
    }
    let fit = p.fit(&x64, &y64)?;
    // scikit-learn's objective and gap carry a 1/m; ours do not
    Ok(Solution {
        x: fit
            .coef
            .iter()
            .map(|&v| T::from_f64_parts(v, 0.0))
            .collect(),
        iterations: fit.n_iter,
        stop: fit.stop,
        history: fit.history,
        objective: fit.objective * m as f64,
        gap: fit.dual_gap * m as f64,
    })
}

fn finite_or_null(v: f64) -> serde_json::Value {
    if v.is_finite() {
        json!(v)
    } else {
        serde_json::Value::Null
    }
}

pub(crate) fn solver_name(s: SolverName) -> &'static str {
    match s {
        SolverName::Omp => "omp",
        SolverName::Fista => "fista",
        SolverName::Ista => "ista",
        SolverName::Cd => "cd",
        SolverName::AdmmBp => "admm-bp",
        SolverName::Iht => "iht",
        SolverName::Cosamp => "cosamp",
    }
}

/// `--device cuda` (cargo feature `cuda`): the real sparse A uploaded once; fista and ista
/// run device-resident, iht multiplies through the GPU.
#[cfg(feature = "cuda")]
mod gpu {
    use super::{
        Device, RecoverArgs, SolverName, check_inputs, finish, fista_params, iht_params,
        solver_name,
    };
    use crate::matrix_file::{Kind, kind_of};
    use anyhow::{Context, Result, bail};
    use cstk_linop::CsrMatrix;
    use cstk_linop::gpu::GpuCsr;
    use std::time::Instant;

    /// The solvers `--device cuda` runs.
    const GPU_SOLVERS: &str = "fista, ista and iht";

    /// What `--device cuda` needs that can be checked before reading the data: a solver
    /// that runs on the GPU and a sparse (.mtx) A.
    pub(super) fn check_request(args: &RecoverArgs) -> Result<()> {
        debug_assert_eq!(args.device, Device::Cuda);
        match args.solver {
            SolverName::Fista | SolverName::Ista | SolverName::Iht => {}
            other => bail!(
                "--device cuda with --solver {}: not available on the GPU (omp, cosamp, \
                 admm-bp and cd work on a dense copy of A on the CPU); the GPU runs \
                 {GPU_SOLVERS}, or use --device cpu",
                solver_name(other),
            ),
        }
        if kind_of(&args.matrix)? != Kind::Mtx {
            bail!(
                "--device cuda: --matrix {} is a dense NumPy array; the GPU path needs a real \
                 sparse A in a Matrix Market (.mtx) file (`cstk convert A.npy A.mtx` writes one) or \
                 --device cpu",
                args.matrix.display()
            );
        }
        Ok(())
    }

    /// The chosen solver with its products on GPU 0; writes x and returns the report.
    pub(super) fn recover(
        args: &RecoverArgs,
        a: &CsrMatrix<f64>,
        y: &[f64],
    ) -> Result<serde_json::Value> {
        check_inputs(args, a, y)?;
        // every flag is checked before the GPU is touched
        let fista = match args.solver {
            SolverName::Fista | SolverName::Ista => Some(fista_params(args)?),
            _ => None,
        };
        let iht = match args.solver {
            SolverName::Iht => Some(iht_params(args)?),
            _ => None,
        };
        let gpu = super::super::device::open_gpu()?;
        let dev = GpuCsr::upload(&gpu, a).context("--device cuda: copying --matrix to the GPU")?;
        let start = Instant::now();
        let result = match (fista, iht) {
            (Some((f, lambda)), _) => f.solve_l1_gpu(&dev, y, lambda),
            (None, Some(p)) => p.solve(&dev, y),
            (None, None) => unreachable!("check_request admits fista, ista and iht only"),
        };
        let seconds = start.elapsed().as_secs_f64();
        // a device failure inside a product shows as NaN; report the failure itself
        if let Some(e) = dev.take_error() {
            return Err(anyhow::Error::from(e).context(format!(
                "--device cuda: --solver {}",
                solver_name(args.solver)
            )));
        }
        let sol = result?;
        finish(args, a, y, &sol, seconds, gpu.name())
    }
}
