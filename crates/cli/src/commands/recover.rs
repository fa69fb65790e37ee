//! `cstk recover`: sparse recovery of a 1-D signal `x` from `y = A x` with any solver.

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
}

pub fn run(args: RecoverArgs) -> Result<()> {
    if args.out.extension().and_then(|e| e.to_str()) != Some("npy") {
        bail!(
            "--out {}: expected a .npy file name for the recovered signal",
            args.out.display()
        );
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
        recover(&args, &a, &y)?
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "{} on {}x{}: {} iterations, {}; {} nonzeros, residual ‖Ax − y‖ = {:.6e}, {:.3} s; wrote {}",
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

/// Runs the chosen solver on real or complex data and writes x; returns the report.
fn recover<T: Scalar>(args: &RecoverArgs, a: &CsrMatrix<T>, y: &[T]) -> Result<serde_json::Value> {
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
    let name = solver_name(args.solver);
    let start = Instant::now();
    let sol: Solution<T> = match args.solver {
        SolverName::Fista | SolverName::Ista => {
            let lambda = need(args.lambda, "--lambda", name)?;
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
            f.solve_l1(a, y, lambda)?
        }
        SolverName::Iht => {
            let k = need(args.sparsity, "--sparsity", name)?;
            let mut p = Iht::params(k).record_history(false);
            if let Some(i) = args.iters {
                p = p.max_iter(i);
            }
            if let Some(t) = args.tol {
                p = p.tol(t);
            }
            p.solve(a, y)?
        }
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
    };
    let seconds = start.elapsed().as_secs_f64();
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
        "solver": name,
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
