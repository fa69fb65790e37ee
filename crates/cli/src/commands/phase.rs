//! `cstk phase`: Donoho–Tanner phase-transition experiments (resumable, shardable), and
//! `cstk phase merge` to combine shards.

use super::recover::{SolverName, lasso_cd, solver_name};
use crate::plot::{PhaseCurve, write_phase_png};
use crate::progress::ProgressBar;
use anyhow::{Context, Result, bail};
use cstk_linop::{Complex, DenseOp, Scalar};
use cstk_measure::phase::theory::weak_threshold;
use cstk_measure::phase::{
    Ensemble, Grid, LOG_FILE, PhaseLog, PhaseResults, Problem, Settings, Shard, parse_amplitude,
    run_to_dir, write_tables,
};
use cstk_solvers::admm::AdmmBp;
use cstk_solvers::cosamp::Cosamp;
use cstk_solvers::fista::{Fista, lambda_max};
use cstk_solvers::iht::Iht;
use cstk_solvers::omp::Omp;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `cstk phase`.
#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct PhaseArgs {
    #[command(subcommand)]
    pub command: Option<PhaseCommand>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// `cstk phase` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum PhaseCommand {
    /// Combine the output directories of shards (`--shard I/N` runs) of one experiment into
    /// one: refuses directories with different settings or overlapping cells; writes
    /// results.jsonl, phase.csv, timing.csv and phase.png into --out.
    Merge(MergeArgs),
}

/// Arguments of `cstk phase merge`.
#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// Output directories of the shards (each holds a results.jsonl)
    #[arg(required = true, num_args = 1..)]
    pub dirs: Vec<PathBuf>,
    /// Output directory for the merged experiment
    #[arg(long)]
    pub out: PathBuf,
}

/// Arguments of a `cstk phase` run.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Signal length n
    #[arg(long, default_value_t = 200)]
    pub n: usize,
    /// Uniform grid NDxNR: δ = i/ND (i = 1..ND), ρ = j/NR (j = 1..NR)
    #[arg(long, default_value = "20x20", conflicts_with_all = ["deltas", "rhos"])]
    pub grid: String,
    /// Explicit undersampling ratios δ = m/n, comma-separated, increasing, in (0, 1]
    #[arg(
        long,
        value_delimiter = ',',
        requires = "rhos",
        allow_negative_numbers = true
    )]
    pub deltas: Option<Vec<f64>>,
    /// Explicit sparsity ratios ρ = k/m, comma-separated, increasing, in (0, 1]
    #[arg(
        long,
        value_delimiter = ',',
        requires = "deltas",
        allow_negative_numbers = true
    )]
    pub rhos: Option<Vec<f64>>,
    /// Trials per cell
    #[arg(long, default_value_t = 20)]
    pub trials: usize,
    /// Matrix ensemble: gaussian, rademacher, sparse (8 per column; sparse:S for S),
    /// partial-fourier (complex signals), partial-dct, srht (n a power of two)
    #[arg(long, default_value = "gaussian")]
    pub ensemble: String,
    /// Amplitudes of the nonzeros: gaussian, rademacher (constant amplitude, random sign),
    /// uniform (moduli in [1, 2], random sign)
    #[arg(long, default_value = "gaussian")]
    pub amplitudes: String,
    /// Nonnegative signals (real ensembles; with admm-bp, basis pursuit constrained to
    /// x ≥ 0, compared with the simplex threshold)
    #[arg(long)]
    pub nonnegative: bool,
    /// The solver: admm-bp (basis pursuit, solved to optimality with a certificate), omp,
    /// iht and cosamp (given k), cd, fista and ista (the LASSO with a small λ)
    #[arg(long, value_enum, default_value = "admm-bp")]
    pub solver: SolverName,
    /// λ of cd, fista and ista as a fraction of λ_max = ‖Aᴴy‖∞
    #[arg(long, default_value_t = 1e-4, allow_negative_numbers = true)]
    pub lambda_ratio: f64,
    /// Success: ‖x̂ − x‖/‖x‖ below this
    #[arg(long, default_value_t = 1e-3, allow_negative_numbers = true)]
    pub success_tol: f64,
    /// Master seed; every trial's seed derives from (seed, n, m, k, trial)
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Run only shard I of N (cells c with c mod N = I), e.g. for a Slurm job array:
    /// --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT; combine with `cstk phase merge`
    #[arg(long, default_value = "0/1")]
    pub shard: String,
    /// Output directory: results.jsonl (the resumable log), phase.csv, timing.csv,
    /// phase.png. Rerunning with the same directory and settings skips finished cells.
    #[arg(long, required = true)]
    pub out: Option<PathBuf>,
    /// No progress bar
    #[arg(long)]
    pub quiet: bool,
}

pub fn run(args: PhaseArgs) -> Result<()> {
    match args.command {
        Some(PhaseCommand::Merge(m)) => merge(m),
        None => run_experiment(args.run),
    }
}

/// Reads and checks the flags into settings.
fn settings(args: &RunArgs) -> Result<(Settings, Shard)> {
    if args.n == 0 {
        bail!("--n 0: expected a positive signal length");
    }
    let grid = match (&args.deltas, &args.rhos) {
        (Some(d), Some(r)) => Grid::new(args.n, d.clone(), r.clone()).context("--deltas/--rhos")?,
        _ => {
            let parsed = args
                .grid
                .split_once(['x', 'X'])
                .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)));
            let Some((nd, nr)) = parsed else {
                bail!("--grid {}: expected NDxNR, e.g. 20x20", args.grid);
            };
            Grid::uniform(args.n, nd, nr).with_context(|| format!("--grid {}", args.grid))?
        }
    };
    if args.trials == 0 {
        bail!("--trials 0: expected at least 1");
    }
    if !(args.success_tol.is_finite() && args.success_tol > 0.0) {
        bail!(
            "--success-tol {}: expected a finite number > 0",
            args.success_tol
        );
    }
    let ensemble: Ensemble = args.ensemble.parse().context("--ensemble")?;
    let amplitudes = parse_amplitude(&args.amplitudes).context("--amplitudes")?;
    let shard: Shard = args.shard.parse().context("--shard")?;
    let name = solver_name(args.solver);
    let lasso = matches!(
        args.solver,
        SolverName::Cd | SolverName::Fista | SolverName::Ista
    );
    if lasso
        && !(args.lambda_ratio.is_finite() && args.lambda_ratio > 0.0 && args.lambda_ratio < 1.0)
    {
        bail!(
            "--lambda-ratio {}: expected a number in (0, 1)",
            args.lambda_ratio
        );
    }
    if args.nonnegative && lasso {
        bail!(
            "--nonnegative with --solver {name}: not available (the LASSO solvers have no \
             nonnegativity constraint); use admm-bp, omp, iht or cosamp"
        );
    }
    if args.solver == SolverName::Cd && ensemble.is_complex() {
        bail!(
            "--solver cd with --ensemble {}: cd supports real data only; use fista or admm-bp",
            ensemble.name()
        );
    }
    let solver = if lasso {
        format!("{name}(lambda={}*lambda_max)", args.lambda_ratio)
    } else {
        name.to_string()
    };
    let s = Settings::new(grid, args.trials, &solver)
        .ensemble(ensemble)
        .amplitudes(amplitudes)
        .nonnegative(args.nonnegative)
        .success_tol(args.success_tol)
        .seed(args.seed);
    s.validate().context("settings")?;
    Ok((s, shard))
}

/// The trial solver for `cstk phase`: each recover solver with the settings a phase
/// experiment needs (BP to optimality, greedy methods given k, the LASSO at a small λ).
fn solve<T: Scalar>(
    solver: SolverName,
    lambda_ratio: f64,
    p: &Problem<'_, T>,
) -> cstk_linop::Result<Vec<T>> {
    let op = || DenseOp::new(p.a.clone());
    let sol = match solver {
        SolverName::AdmmBp => AdmmBp::params()
            .record_history(false)
            .max_iter(20_000)
            .nonnegative(p.nonnegative)
            .solve(p.a, p.y)?,
        SolverName::Omp => Omp::params()
            .record_history(false)
            .n_nonzero(p.k)
            .solve(p.a, p.y)?,
        SolverName::Cosamp => Cosamp::params(p.k).record_history(false).solve(p.a, p.y)?,
        SolverName::Iht => Iht::params(p.k).record_history(false).solve(&op(), p.y)?,
        SolverName::Fista | SolverName::Ista => {
            let a = op();
            let lambda = lambda_ratio * lambda_max(&a, p.y);
            let f = if solver == SolverName::Ista {
                Fista::ista()
            } else {
                Fista::params()
            };
            f.record_history(false)
                .max_iter(20_000)
                .tol(1e-9)
                .solve_l1(&a, p.y, lambda)?
        }
        SolverName::Cd => {
            let lambda = lambda_ratio * lambda_max(&op(), p.y);
            lasso_cd(p.a, p.y, lambda, Some(100_000), Some(1e-12))?
        }
    };
    Ok(sol.x)
}

fn run_experiment(args: RunArgs) -> Result<()> {
    let (settings, shard) = settings(&args)?;
    let out = args.out.clone().context("--out is required")?;
    let start = Instant::now();
    let on = !args.quiet && std::io::stderr().is_terminal();
    let total = settings.grid.deltas.len() * settings.grid.rhos.len();
    let mut bar: Option<ProgressBar> = None;
    let mut ran = 0usize;
    let progress = |r: &cstk_measure::phase::CellResult, done: usize, to_do: usize| {
        ran = done;
        bar.get_or_insert_with(|| ProgressBar::new(to_do, on))
            .update(
                done,
                &format!(
                    "cells; delta {} rho {}: {}/{} recovered",
                    r.cell.delta,
                    r.cell.rho,
                    r.successes,
                    r.trials()
                ),
            );
    };
    let (solver, ratio) = (args.solver, args.lambda_ratio);
    let results = if settings.ensemble.is_complex() {
        run_to_dir::<Complex<f64>, _, _>(
            &settings,
            shard,
            &out,
            &|p| solve(solver, ratio, p),
            progress,
        )
    } else {
        run_to_dir::<f64, _, _>(
            &settings,
            shard,
            &out,
            &|p| solve(solver, ratio, p),
            progress,
        )
    }
    .with_context(|| format!("--out {}", out.display()))?;
    if let Some(b) = bar.as_mut() {
        b.finish();
    }
    write_png(&out, &results, args.solver)?;
    let errors: usize = results.cells.values().map(|c| c.solver_errors()).sum();
    println!(
        "{} on {} (n = {}, {} trials per cell, shard {shard}): {} of {} cells done ({} resumed) in {:.1} s{}",
        settings.solver,
        settings.ensemble.name(),
        settings.grid.n,
        settings.trials,
        results.cells.len(),
        total,
        results.cells.len() - ran,
        start.elapsed().as_secs_f64(),
        if errors > 0 {
            format!("; {errors} trials failed with a solver error (see timing.csv)")
        } else {
            String::new()
        }
    );
    print_transition(&results, is_l1(args.solver));
    println!(
        "wrote {}, phase.csv, timing.csv, phase.png",
        out.join(LOG_FILE).display()
    );
    Ok(())
}

/// Solvers of the ℓ1 problem, whose diagrams show the ℓ1 weak threshold.
fn is_l1(s: SolverName) -> bool {
    matches!(
        s,
        SolverName::AdmmBp | SolverName::Cd | SolverName::Fista | SolverName::Ista
    )
}

/// Prints the empirical 50% transition next to ρ_W(δ).
fn print_transition(results: &PhaseResults, l1: bool) {
    let theory = results.theory();
    let mut worst: Option<(f64, f64)> = None;
    for (p, t) in results.transition().iter().zip(&theory) {
        if let Some(r) = p.rho
            && (0.1..=0.9).contains(&p.delta)
        {
            let d = (r - t).abs();
            if worst.is_none_or(|(w, _)| d > w) {
                worst = Some((d, p.delta));
            }
        }
    }
    if let Some((d, delta)) = worst {
        println!(
            "50% transition vs rho_W(delta) ({}, {}): largest gap {:.3} in rho at delta {} over delta in [0.1, 0.9]",
            results.settings.signal_class().name(),
            if l1 {
                "the l1 threshold"
            } else {
                "for reference"
            },
            d,
            delta
        );
    }
}

/// `phase.png`: the success heat map with the empirical 50% transition and, for ℓ1
/// solvers, ρ_W(δ).
fn write_png(dir: &Path, results: &PhaseResults, solver: SolverName) -> Result<()> {
    let g = &results.settings.grid;
    let transition = results.transition();
    let tx: Vec<f64> = transition.iter().map(|p| p.delta).collect();
    let ty: Vec<f64> = transition
        .iter()
        .map(|p| p.rho.unwrap_or(f64::NAN))
        .collect();
    let class = results.settings.signal_class();
    let dx: Vec<f64> = (1..=200).map(|i| i as f64 / 200.0).collect();
    let dy: Vec<f64> = dx
        .iter()
        .map(|&d| weak_threshold(d, class).unwrap_or(f64::NAN))
        .collect();
    let theory_label = format!("l1 weak threshold rho_W ({})", class.name());
    let mut curves = vec![PhaseCurve {
        label: "empirical 50% success",
        x: &tx,
        y: &ty,
        dots: true,
    }];
    if is_l1(solver) {
        curves.push(PhaseCurve {
            label: &theory_label,
            x: &dx,
            y: &dy,
            dots: false,
        });
    }
    let s = &results.settings;
    let title = format!(
        "{} on {}, {} signals, n = {}, {} trials/cell",
        s.solver,
        s.ensemble.name(),
        cstk_measure::phase::amplitude_name(s.amplitudes)
            + if s.nonnegative { " nonnegative" } else { "" },
        g.n,
        s.trials
    );
    write_phase_png(
        &dir.join("phase.png"),
        &g.deltas,
        &g.rhos,
        &results.fractions(),
        &curves,
        &title,
    )
    .with_context(|| format!("writing {}", dir.join("phase.png").display()))
}

fn merge(args: MergeArgs) -> Result<()> {
    let mut runs = Vec::with_capacity(args.dirs.len());
    let mut names = Vec::with_capacity(args.dirs.len());
    for d in &args.dirs {
        let path = d.join(LOG_FILE);
        runs.push(PhaseLog::read(&path).with_context(|| format!("{}", d.display()))?);
        names.push(d.display().to_string());
    }
    let merged = PhaseResults::merge(runs, &names)?;
    let total = merged.expected_cells();
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("--out {}: cannot create the directory", args.out.display()))?;
    PhaseLog::write(&args.out.join(LOG_FILE), &merged)
        .with_context(|| format!("--out {}", args.out.display()))?;
    write_tables(&args.out, &merged).with_context(|| format!("--out {}", args.out.display()))?;
    let solver = solver_of(&merged.settings.solver);
    write_png(&args.out, &merged, solver)?;
    if merged.cells.len() < total {
        eprintln!(
            "warning: {} of {} cells are missing (shards not run or not finished); rerun \
             `cstk phase` with the same settings and --out {} to fill them in",
            total - merged.cells.len(),
            total,
            args.out.display()
        );
    }
    println!(
        "merged {} runs: {} of {} cells; wrote {}, phase.csv, timing.csv, phase.png",
        args.dirs.len(),
        merged.cells.len(),
        total,
        args.out.join(LOG_FILE).display()
    );
    print_transition(&merged, is_l1(solver));
    Ok(())
}

/// The solver of a recorded settings name (`"cd(lambda=…)"` → cd).
fn solver_of(recorded: &str) -> SolverName {
    use clap::ValueEnum;
    let base = recorded.split('(').next().unwrap_or(recorded);
    SolverName::from_str(base, true).unwrap_or(SolverName::Omp)
}
