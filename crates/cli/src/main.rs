//! `cstk` — the command-line front end of the cstk compressed-sensing toolkit.
//!
//! A thin shell: parse flags, read files, call the libraries, write files.
//! Every error is one line on stderr and exit code 2; outputs are written atomically.

mod commands;
mod ext;
mod matrix_file;
mod plot;
mod progress;
mod shape;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// cstk — compressed-sensing toolkit: linear operators, sparse matrices, sampling masks,
/// sparse recovery.
#[derive(Parser, Debug)]
#[command(name = "cstk", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Describe a matrix file (.mtx or .npy): shape, stored entries, density, memory per
    /// storage format, estimated operator norm ‖A‖₂, symmetry.
    Info(commands::info::InfoArgs),
    /// Convert a matrix between Matrix Market (.mtx, sparse) and NumPy (.npy, dense).
    Convert(commands::convert::ConvertArgs),
    /// Multilevel orthonormal wavelet transform (periodization) of a .npy signal/image or a
    /// .png image; coefficients in PyWavelets' coeffs_to_array layout, or the inverse.
    Dwt(commands::dwt::DwtArgs),
    /// MRI sampling mask on an NYxNX k-space grid (DC at the centre): cartesian lines,
    /// variable-density Poisson disc, radial or golden-angle spokes, uniform or
    /// variable-density random points. Writes .png or .npy (1 = sampled) and prints the
    /// achieved acceleration.
    Mask(commands::mask::MaskArgs),
    /// Sparse recovery of a 1-D signal x from y = A x with any solver (omp, fista, ista, cd,
    /// admm-bp, iht, cosamp); --lambda is the λ of ½‖Ax − y‖² + λ‖x‖₁ for every solver
    /// (scikit-learn's alpha = λ/m). Writes x as .npy and prints iterations, stop reason,
    /// residual and time (JSON with --json).
    Recover(commands::recover::RecoverArgs),
    /// The modified Shepp–Logan phantom (Toft's intensities), N × N, as .png or .npy.
    Phantom(commands::phantom::PhantomArgs),
    /// MRI-like reconstruction from undersampled k-space (the default input is the built-in
    /// 256 × 256 phantom): zero-filled, l1-wavelet (FISTA, duality-gap certificate) or tv.
    /// Conventions: k = fftshift(fft2(ifftshift(x)))/√N with DC at (NY/2, NX/2), as BART's
    /// `fft -u`; --lambda is a fraction of λ_max = ‖W Fᴴ Mᴴ y‖∞. Writes recon.png,
    /// recon.npy, zero_filled.png, mask.png, error.png, convergence.png, montage.png and
    /// metrics.json into --out.
    Recon(Box<commands::recon::ReconArgs>),
    /// L1 feature selection from a CSV (header row) or .npy/.mtx table: cross-validated LASSO
    /// or ElasticNet (scikit-learn's LassoCV/ElasticNetCV, same folds, same answers), L1
    /// logistic regression, or stability selection. Writes selected.json (selected features
    /// with names and coefficients, CV curve), coef.npy, path.png and cv.png into --out.
    Select(Box<commands::select::SelectArgs>),
    /// The lottery-ticket experiment (Frankle & Carbin) on the bundled 8×8 digits: train an
    /// MLP, prune 20% of the remaining weights per round by magnitude, retrain from the
    /// original initialisation (rewind) and from a random one with the same mask; prints a
    /// table of test accuracy and ReLU activation sparsity vs remaining weights and writes
    /// lottery.json and lottery.png into --out.
    Lottery(commands::lottery::LotteryArgs),
    /// Prune model weights (.safetensors with F16/BF16/F32/F64 tensors, or .npy) by
    /// magnitude (per tensor or global), at random, by whole slices (structured) or N:M
    /// (2:4), as torch.nn.utils.prune does; writes them back in their own dtypes and prints a
    /// per-tensor table: shape, sparsity, bytes dense/CSR/BSR 2×2/4×4, time of W·x dense vs
    /// CSR.
    Prune(commands::prune::PruneArgs),
    /// Donoho–Tanner phase-transition experiment: success rate of a solver (admm-bp, omp,
    /// iht, cosamp, cd, fista) over a grid of undersampling δ = m/n and sparsity ρ = k/m,
    /// trials in parallel, every trial seeded from (seed, n, m, k, trial) so results are
    /// bit-identical on rerun. Appends each finished cell to DIR/results.jsonl (rerun to
    /// resume), writes phase.csv, timing.csv and phase.png (heat map, empirical 50%
    /// transition and the l1 weak threshold ρ_W(δ)). --shard I/N runs a part; `cstk phase
    /// merge` combines parts.
    Phase(Box<commands::phase::PhaseArgs>),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help, --version, and the help shown for a bare `cstk`: clap prints them as usual
        Err(e)
            if !e.use_stderr()
                || e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand =>
        {
            e.exit()
        }
        Err(e) => {
            eprintln!("error: {}", clap_one_line(&e));
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Info(args) => commands::info::run(args),
        Command::Convert(args) => commands::convert::run(args),
        Command::Dwt(args) => commands::dwt::run(args),
        Command::Mask(args) => commands::mask::run(args),
        Command::Recover(args) => commands::recover::run(args),
        Command::Phantom(args) => commands::phantom::run(args),
        Command::Recon(args) => commands::recon::run(*args),
        Command::Select(args) => commands::select::run(*args),
        Command::Lottery(args) => commands::lottery::run(args),
        Command::Prune(args) => commands::prune::run(args),
        Command::Phase(args) => commands::phase::run(*args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            ExitCode::from(2)
        }
    }
}

/// A usage error of clap on one line: its first paragraph (which names the flag), without
/// the usage and `--help` hint that follow.
fn clap_one_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let first = text.split("\n\n").next().unwrap_or_default();
    let msg = first
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    msg.strip_prefix("error: ").unwrap_or(&msg).to_string()
}

/// The error and its causes on one line, skipping a cause whose text the message already
/// holds (library errors often print their source themselves).
fn one_line(e: &anyhow::Error) -> String {
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !msg.contains(&c) {
            msg.push_str(": ");
            msg.push_str(&c);
        }
    }
    msg
}
