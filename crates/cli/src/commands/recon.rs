//! `cstk recon`: MRI-like image reconstruction from undersampled k-space.
//!
//! Forward model `y = M F x`: `F` the unitary centered 2-D DFT
//! (`k = fftshift(fft2(ifftshift(x)))/√N`, DC at `(NY/2, NX/2)` — BART's `fft -u`), `M` the
//! sampling mask. Methods:
//! - `zero-filled`: `x = Fᴴ Mᴴ y`;
//! - `l1-wavelet`: `min ½‖M F x − y‖² + λ‖W x‖₁`, `W` an orthonormal wavelet transform
//!   (periodization), solved as a LASSO in `z = W x` by FISTA with adaptive restart, stopped
//!   on the duality gap (a certificate: `P(x) − P* ≤ gap`); by default with cycle spinning,
//!   which shifts the wavelet grid at random every iteration (BART's `pics -R W` shifts one
//!   grid, `--cycle-spin single`; the default `paired` averages two grids an odd shift apart
//!   in each prox, 3–6 dB better at 100 iterations; `--cycle-spin off` keeps the grid fixed);
//! - `tv`: `min ½‖M F x − y‖² + λ TV(x)` (isotropic), Chambolle–Pock.
//!
//! `--lambda` is a fraction of `λ_max = ‖W Fᴴ Mᴴ y‖∞` (for `l1-wavelet` the smallest λ
//! whose solution is 0), so one default transfers across images and intensities (the
//! defaults grow by `s = 256/√(NY·NX)` (tv: `s²`) below 256² pixels, where the best fraction is larger);
//! `--lambda-abs` gives λ itself. `metrics.json` records both.

use super::phantom::MAX_PHANTOM;
use crate::plot::{Panel, write_convergence_png, write_montage_png};
use anyhow::{Context, Result, bail};
use cstk_linop::io::cfl::read_cfl;
use cstk_linop::io::npy::{NpyOrder, read_npy, write_npy};
use cstk_linop::io::png::{read_gray_image, write_gray_png};
use cstk_linop::transforms::fourier::Fft2;
use cstk_linop::transforms::wavelet::{Dwt2, Wavelet};
use cstk_linop::{Complex, Compose, LinOp};
use cstk_measure::mask::{Mask, MaskKind, MaskParams};
use cstk_measure::metrics::{nrmse, psnr, ssim};
use cstk_measure::phantom::shepp_logan;
use cstk_measure::signals::add_noise;
use cstk_solvers::fista::{Fista, Step, lambda_max_synthesis};
use cstk_solvers::prox::CycleSpinL1;
use cstk_solvers::tv::TvRegularized;
use cstk_solvers::{Progress, Solution, StopReason};
use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Instant;

type C64 = Complex<f64>;

/// Reconstruction method.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Inverse FFT of the zero-filled k-space
    ZeroFilled,
    /// ℓ1 penalty on orthonormal wavelet coefficients (FISTA)
    L1Wavelet,
    /// Isotropic total variation (Chambolle–Pock)
    Tv,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::ZeroFilled => "zero-filled",
            Method::L1Wavelet => "l1-wavelet",
            Method::Tv => "tv",
        }
    }

    /// The default `--lambda` (a fraction of λ_max), from the λ sweeps in the README: the
    /// best fraction falls with the image size down to 256², so images with fewer pixels get
    /// it times `s = 256/√(ny·nx)` (64²: 4×, which the sweeps at 64² and 128² bear out), tv
    /// times `s²` (128²: 4×, the best of its sweep there: 36.9 dB against 31.6 at 2×).
    fn default_lambda(self, cycle_spin: bool, ny: usize, nx: usize) -> f64 {
        let s = (DEFAULT_PHANTOM as f64 / ((ny * nx) as f64).sqrt()).max(1.0);
        match self {
            Method::ZeroFilled => 0.0,
            Method::L1Wavelet if cycle_spin => DEFAULT_LAMBDA_WAVELET * s,
            Method::L1Wavelet => DEFAULT_LAMBDA_WAVELET_FIXED * s,
            Method::Tv => DEFAULT_LAMBDA_TV * s * s,
        }
    }
}

/// l1-wavelet with paired cycle spinning (the default): the best fraction of the sweep on
/// the default problem (256² phantom, 4× Cartesian, 24 ACS lines, 100 iterations: 57.7 dB;
/// 1.75e-4 gives 57.9, 1.5e-4 57.3, 2.5e-4 56.2) and at 512² (59.7 dB); 128² and 64² peak
/// at 2× and 4× it, as the size scaling gives. Poisson and radial masks prefer about 1e-4.
/// Single shifts (`--cycle-spin single`) peak at 1e-4 (51.2 dB).
const DEFAULT_LAMBDA_WAVELET: f64 = 2e-4;
/// l1-wavelet on a fixed grid (`--cycle-spin false`): the sweep's best (31.1 dB on the
/// default problem; flat from 3e-4 to 7e-4).
const DEFAULT_LAMBDA_WAVELET_FIXED: f64 = 5e-4;
/// tv at its default 1000 iterations: the sweep's best (51.9 dB on the default problem; 49.1
/// at 3e-4, 45.5 at 5e-4, 36.9 at 2e-3, 34.2 at 1e-4).
const DEFAULT_LAMBDA_TV: f64 = 2e-4;
const DEFAULT_PHANTOM: usize = 256;

/// Cycle spinning of l1-wavelet (`--cycle-spin`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spin {
    /// Two grids an odd shift apart, averaged in every prox
    #[value(alias = "true")]
    Paired,
    /// One random grid per iteration (BART's `pics`)
    Single,
    /// A fixed grid
    #[value(alias = "false")]
    Off,
}

impl Spin {
    fn name(self) -> &'static str {
        match self {
            Spin::Paired => "paired",
            Spin::Single => "single",
            Spin::Off => "off",
        }
    }
}

/// Arguments of `cstk recon`.
#[derive(clap::Args, Debug)]
pub struct ReconArgs {
    /// Input: the modified Shepp–Logan phantom of this size, 16 to 4096 (the default input,
    /// 256, when no other is given)
    #[arg(long, value_name = "N", conflicts_with_all = ["image", "kspace"])]
    pub phantom: Option<usize>,
    /// Input: an image (PNG, JPEG or TIFF; colour converted to BT.601 luma); k-space is
    /// simulated from it
    #[arg(long, value_name = "FILE", conflicts_with = "kspace")]
    pub image: Option<PathBuf>,
    /// Input: measured k-space, complex .npy (NY × NX, DC at the centre) or BART .cfl/.hdr
    /// (dims[0] = NX, dims[1] = NY); needs --mask
    #[arg(long, value_name = "FILE", requires = "mask")]
    pub kspace: Option<PathBuf>,
    /// The sampling mask of --kspace (.png, .npy or BART .cfl, NY × NX, 1 = sampled)
    #[arg(long, value_name = "FILE", requires = "kspace")]
    pub mask: Option<PathBuf>,
    /// Ground truth of --kspace for metrics (.png, .npy or .cfl; magnitude is compared)
    #[arg(long, value_name = "FILE", requires = "kspace")]
    pub truth: Option<PathBuf>,
    /// Simulated sampling: cartesian, poisson, radial, golden, random or vd-random
    #[arg(long, default_value = "cartesian")]
    pub sampling: String,
    /// Simulated acceleration NY·NX / samples (≥ 1)
    #[arg(long, default_value_t = 4.0, allow_negative_numbers = true)]
    pub accel: f64,
    /// Fully sampled central lines (cartesian) or square side (others) [default: 3/32 of
    /// the rows, 24 for 256, between 2 and 24]
    #[arg(long, allow_negative_numbers = true)]
    pub acs: Option<usize>,
    /// Seed of the mask, the noise and cycle spinning
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub seed: u64,
    /// Add white complex Gaussian noise to the simulated k-space at this SNR (dB)
    #[arg(long, value_name = "DB", allow_negative_numbers = true)]
    pub noise_snr: Option<f64>,
    /// Reconstruction method
    #[arg(long, value_enum, default_value_t = Method::L1Wavelet)]
    pub method: Method,
    /// Wavelet of l1-wavelet (haar, dbN, symN, coifN); Haar suits piecewise-constant images
    /// such as the phantom (db4 loses 4–20 dB there), smoother wavelets smooth images
    #[arg(long, default_value = "haar")]
    pub wavelet: String,
    /// Wavelet levels [default: the largest ≤ 4 the image size allows]
    #[arg(long, allow_negative_numbers = true)]
    pub levels: Option<usize>,
    /// λ as a fraction of λ_max = ‖W Fᴴ Mᴴ y‖∞ [default: 2e-4 for l1-wavelet (5e-4 with
    /// --cycle-spin off), 2e-4 for tv; times s = 256/√(NY·NX) (tv: s²) for images under 256²
    /// pixels]
    #[arg(long, allow_negative_numbers = true, conflicts_with = "lambda_abs")]
    pub lambda: Option<f64>,
    /// λ itself (absolute)
    #[arg(long, allow_negative_numbers = true)]
    pub lambda_abs: Option<f64>,
    /// Iteration limit [default: 100 for l1-wavelet; 1000 for tv, whose Chambolle–Pock
    /// iterations are cheaper and which usually stops on --tol well before]
    #[arg(long, allow_negative_numbers = true)]
    pub iters: Option<usize>,
    /// Stop when the duality gap ≤ tol · objective (l1-wavelet without cycle spinning) or the
    /// relative change ≤ tol (tv, cycle spinning)
    #[arg(long, default_value_t = 1e-5, allow_negative_numbers = true)]
    pub tol: f64,
    /// l1-wavelet: random circular shifts of the wavelet grid every iteration against its
    /// block artifacts. `paired` (the default; also `true` or the bare flag) averages two
    /// grids an odd shift apart in each prox, `single` shifts one grid as BART does, `off`
    /// (also `false`) keeps the grid fixed and stops on the duality gap
    #[arg(long, value_enum, value_name = "MODE", num_args = 0..=1, default_missing_value = "paired")]
    pub cycle_spin: Option<Spin>,
    /// Output directory
    #[arg(long, default_value = "cstk-out")]
    pub out: PathBuf,
    /// No progress bar
    #[arg(long)]
    pub quiet: bool,
    /// Print metrics.json on stdout
    #[arg(long)]
    pub json: bool,
}

impl ReconArgs {
    /// How l1-wavelet spins the wavelet grid: `--cycle-spin`, paired by default (off for the
    /// other methods).
    fn spin(&self) -> Spin {
        if self.method == Method::L1Wavelet {
            self.cycle_spin.unwrap_or(Spin::Paired)
        } else {
            Spin::Off
        }
    }

    /// Whether l1-wavelet spins the wavelet grid at all.
    fn cycle_spin(&self) -> bool {
        self.spin() != Spin::Off
    }

    /// `--iters`, or the method's default.
    fn iters(&self) -> usize {
        self.iters.unwrap_or(match self.method {
            Method::Tv => 1000,
            _ => 100,
        })
    }
}

/// The reconstruction problem: measured samples, mask, and the truth when known.
struct Problem {
    ny: usize,
    nx: usize,
    /// The centered unitary FFT of `ny × nx` images (planned once, used for simulation and
    /// reconstruction).
    fft: Fft2<f64>,
    mask: Mask,
    /// Samples in the mask's row-major order.
    y: Vec<C64>,
    truth: Option<Vec<C64>>,
    source: String,
}

pub fn run(args: ReconArgs) -> Result<()> {
    validate(&args)?;
    let problem = load(&args)?;
    let (ny, nx) = (problem.ny, problem.nx);
    if problem.y.is_empty() {
        bail!("the mask samples nothing: expected at least one sampled k-space point");
    }
    // A clone shares the FFT plans (no new planning).
    let a = Compose::try_new(problem.mask.to_restriction(), problem.fft.clone())?;
    let zero_filled = a.adjoint_vec(&problem.y);

    let wavelet = Wavelet::new(&args.wavelet).map_err(|e| flag_err("--wavelet", e))?;
    let levels = choose_levels(&args, wavelet, ny, nx)?;
    let w = Dwt2::<C64>::new(ny, nx, wavelet, levels).map_err(|e| flag_err("--levels", e))?;
    let lambda_max = lambda_max_synthesis(&a, &w, &problem.y);
    let fraction = args
        .lambda
        .unwrap_or(args.method.default_lambda(args.cycle_spin(), ny, nx));
    let lambda = args.lambda_abs.unwrap_or(fraction * lambda_max);

    let t0 = Instant::now();
    let mut bar = crate::progress::ProgressBar::new(
        args.iters(),
        !args.quiet && std::io::stderr().is_terminal(),
    );
    let mut observer = |p: &Progress| {
        bar.update(p.iteration, &format!("objective {:.4e}", p.objective));
        ControlFlow::Continue(())
    };
    let sol: Solution<C64> = match args.method {
        Method::ZeroFilled => Solution {
            x: zero_filled.clone(),
            iterations: 0,
            stop: StopReason::Converged,
            history: Default::default(),
            objective: f64::NAN,
            gap: f64::NAN,
        },
        Method::L1Wavelet if args.cycle_spin() => {
            let g = CycleSpinL1::new(w.clone(), ny, nx, lambda, args.seed)?
                .paired(args.spin() == Spin::Paired);
            Fista::params()
                .max_iter(args.iters())
                .tol(args.tol)
                .step(Step::Fixed(1.0))
                .solve_with(&a, &problem.y, &g, None, &mut observer)?
        }
        Method::L1Wavelet => Fista::params()
            .max_iter(args.iters())
            .tol(args.tol)
            .step(Step::Fixed(1.0))
            .solve_l1_synthesis_with(&a, &w, &problem.y, lambda, None, &mut observer)?,
        Method::Tv => TvRegularized::params(ny, nx, lambda)
            .max_iter(args.iters())
            .tol(args.tol)
            .solve_with(&a, &problem.y, None, &mut observer)?,
    };
    bar.finish();
    let seconds = t0.elapsed().as_secs_f64();
    if let StopReason::Diverged {
        iteration,
        what,
        value,
    } = sol.stop
    {
        bail!(
            "the {} solver diverged at iteration {iteration}: {what} = {value}",
            args.method.name()
        );
    }

    let mag = |v: &[C64]| v.iter().map(|c| c.norm()).collect::<Vec<f64>>();
    let (recon_mag, zf_mag) = (mag(&sol.x), mag(&zero_filled));
    let truth_mag = problem.truth.as_deref().map(mag);
    let scale = match &truth_mag {
        Some(t) => t.iter().fold(0.0f64, |m, v| m.max(*v)),
        None => recon_mag.iter().fold(0.0f64, |m, v| m.max(*v)),
    };
    let scale = if scale > 0.0 { scale } else { 1.0 };
    let metrics = match &truth_mag {
        Some(t) => Some(Metrics {
            psnr: psnr(t, &recon_mag, scale)?,
            ssim: ssim_or_nan(t, &recon_mag, ny, nx, scale)?,
            nrmse: nrmse(t, &recon_mag)?,
            zf_psnr: psnr(t, &zf_mag, scale)?,
            zf_ssim: ssim_or_nan(t, &zf_mag, ny, nx, scale)?,
        }),
        None => None,
    };
    let json = metrics_json(
        &args,
        &problem,
        &sol,
        metrics.as_ref(),
        (lambda, fraction, lambda_max),
        levels,
        seconds,
    );

    // Outputs: every file through a temporary file and a rename.
    let out = &args.out;
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create the output directory {}", out.display()))?;
    write_gray_png(&out.join("recon.png"), ny, nx, &recon_mag, 0.0, scale)?;
    write_npy(&out.join("recon.npy"), &[ny, nx], &sol.x, NpyOrder::C)?;
    write_gray_png(&out.join("zero_filled.png"), ny, nx, &zf_mag, 0.0, scale)?;
    problem.mask.write_png(&out.join("mask.png"))?;
    let mut panels = Vec::new();
    let error_mag: Option<Vec<f64>> = truth_mag.as_ref().map(|t| {
        t.iter()
            .zip(&recon_mag)
            .map(|(a, b)| (a - b).abs())
            .collect()
    });
    if let (Some(t), Some(e)) = (&truth_mag, &error_mag) {
        // The error image at 5× gain so small errors show.
        write_gray_png(&out.join("error.png"), ny, nx, e, 0.0, scale / 5.0)?;
        panels.push(panel("truth", ny, nx, t, scale));
    }
    panels.push(panel("zero-filled", ny, nx, &zf_mag, scale));
    panels.push(panel(args.method.name(), ny, nx, &recon_mag, scale));
    if let Some(e) = &error_mag {
        panels.push(panel("error x5", ny, nx, e, scale / 5.0));
    }
    write_montage_png(&out.join("montage.png"), &panels)?;
    write_convergence_png(
        &out.join("convergence.png"),
        &sol.history.objective,
        &sol.history.rel_change,
    )?;
    let text = serde_json::to_string_pretty(&json)? + "\n";
    cstk_linop::io::atomic_write(&out.join("metrics.json"), |w| w.write_all(text.as_bytes()))?;

    if args.json {
        println!("{text}");
    } else {
        summary(&args, &problem, &sol, metrics.as_ref(), seconds);
    }
    Ok(())
}

struct Metrics {
    psnr: f64,
    ssim: f64,
    nrmse: f64,
    zf_psnr: f64,
    zf_ssim: f64,
}

fn panel<'a>(label: &'a str, ny: usize, nx: usize, data: &'a [f64], hi: f64) -> Panel<'a> {
    Panel {
        label,
        ny,
        nx,
        data,
        lo: 0.0,
        hi,
    }
}

/// SSIM, or NaN (`null` in metrics.json) for images smaller than its Gaussian window (small
/// measured k-space such as BART's 8 × 8 examples), which have no SSIM but still have PSNR
/// and NRMSE.
fn ssim_or_nan(truth: &[f64], test: &[f64], ny: usize, nx: usize, range: f64) -> Result<f64> {
    match ssim(truth, test, ny, nx, range) {
        Err(cstk_measure::Error::InvalidParam { name: "shape", .. }) => Ok(f64::NAN),
        r => Ok(r?),
    }
}

fn flag_err(flag: &str, e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{flag}: {e}")
}

/// Flag checks that need no file.
fn validate(args: &ReconArgs) -> Result<()> {
    if let Some(n) = args.phantom
        && !(16..=MAX_PHANTOM).contains(&n)
    {
        bail!("--phantom {n}: expected a size of at least 16 and at most {MAX_PHANTOM}");
    }
    if !(args.accel.is_finite() && args.accel >= 1.0) {
        bail!("--accel {}: expected an acceleration ≥ 1", args.accel);
    }
    if let Some(l) = args.lambda
        && !(l.is_finite() && l >= 0.0)
    {
        bail!("--lambda {l}: expected a fraction of λ_max ≥ 0");
    }
    if let Some(l) = args.lambda_abs
        && !(l.is_finite() && l >= 0.0)
    {
        bail!("--lambda-abs {l}: expected a finite λ ≥ 0");
    }
    if args.iters == Some(0) {
        bail!("--iters 0: expected at least 1 iteration");
    }
    if !(args.tol.is_finite() && args.tol > 0.0) {
        bail!("--tol {}: expected a finite tolerance > 0", args.tol);
    }
    if let Some(s) = args.noise_snr
        && !s.is_finite()
    {
        bail!("--noise-snr {s}: expected a finite SNR in dB");
    }
    if args.kspace.is_some() && args.noise_snr.is_some() {
        bail!("--noise-snr applies to simulated k-space (--phantom, --image), not --kspace");
    }
    if matches!(args.cycle_spin, Some(Spin::Paired | Spin::Single))
        && args.method != Method::L1Wavelet
    {
        bail!("--cycle-spin applies to --method l1-wavelet only");
    }
    Wavelet::new(&args.wavelet).map_err(|e| flag_err("--wavelet", e))?;
    if args.out.exists() && !args.out.is_dir() {
        bail!(
            "--out {}: exists and is not a directory; expected a directory (created if missing)",
            args.out.display()
        );
    }
    Ok(())
}

/// The wavelet levels: `--levels` (checked), or the largest `L ≤ 4` within PyWavelets'
/// maximum for which `2^L` divides both sides (so that `W` is orthonormal).
fn choose_levels(args: &ReconArgs, wavelet: Wavelet, ny: usize, nx: usize) -> Result<usize> {
    let max = wavelet.dwt_max_level(ny).min(wavelet.dwt_max_level(nx));
    let divides = |l: usize| ny.is_multiple_of(1 << l) && nx.is_multiple_of(1 << l);
    match args.levels {
        Some(l) => {
            if l > max {
                bail!(
                    "--levels {l}: expected at most {max} for {ny}x{nx} images and {} (filter length {})",
                    wavelet.name(),
                    wavelet.filter_len()
                );
            }
            if !divides(l) {
                bail!(
                    "--levels {l}: 2^{l} must divide the image sides {ny}x{nx} (the transform must be orthonormal)"
                );
            }
            Ok(l)
        }
        None => {
            let l = (0..=max.min(4)).rev().find(|&l| divides(l)).unwrap_or(0);
            if l == 0 && args.method == Method::L1Wavelet {
                bail!(
                    "the image sides {ny}x{nx} are odd: l1-wavelet needs even sides (crop or pad the image by one pixel)"
                );
            }
            Ok(l)
        }
    }
}

/// Reads or simulates the problem; nothing is written.
fn load(args: &ReconArgs) -> Result<Problem> {
    if let Some(kpath) = &args.kspace {
        let mpath = args
            .mask
            .as_ref()
            .expect("clap requires --mask with --kspace");
        let (ny, nx, k) = read_complex_image(kpath, "--kspace")?;
        let mask = read_mask(mpath)?;
        if (mask.ny(), mask.nx()) != (ny, nx) {
            bail!(
                "--mask {}: shape {}x{} differs from the k-space shape {ny}x{nx}",
                mpath.display(),
                mask.ny(),
                mask.nx()
            );
        }
        if mask.count() == 0 {
            bail!(
                "--mask {}: samples nothing (all zeros); expected at least one 1",
                mpath.display()
            );
        }
        let truth = match &args.truth {
            Some(t) => {
                let (ty, tx, v) = read_complex_image(t, "--truth")?;
                if (ty, tx) != (ny, nx) {
                    bail!(
                        "--truth {}: shape {ty}x{tx} differs from the k-space shape {ny}x{nx}",
                        t.display()
                    );
                }
                if v.iter().all(|c| c.norm() == 0.0) {
                    bail!(
                        "--truth {}: all zeros; expected a nonzero image (NRMSE divides by its norm)",
                        t.display()
                    );
                }
                Some(v)
            }
            None => None,
        };
        let y = mask.to_restriction().apply_vec(&k);
        return Ok(Problem {
            ny,
            nx,
            fft: Fft2::new(ny, nx, true)?,
            mask,
            y,
            truth,
            source: kpath.display().to_string(),
        });
    }
    let (ny, nx, truth, source) = match &args.image {
        Some(p) => {
            let img =
                read_gray_image(p).map_err(|e| anyhow::anyhow!("--image {}: {e}", p.display()))?;
            if img.ny < 16 || img.nx < 16 {
                bail!(
                    "--image {}: {}x{} pixels; expected at least 16x16",
                    p.display(),
                    img.ny,
                    img.nx
                );
            }
            check_finite_real(&img.data, "--image", p)?;
            let truth: Vec<C64> = img.data.iter().map(|&v| C64::new(v, 0.0)).collect();
            (img.ny, img.nx, truth, p.display().to_string())
        }
        None => {
            let n = args.phantom.unwrap_or(DEFAULT_PHANTOM);
            let img = shepp_logan(n)?;
            let truth: Vec<C64> = img.iter().map(|&v| C64::new(v, 0.0)).collect();
            (n, n, truth, format!("phantom {n}"))
        }
    };
    let kind: MaskKind = args
        .sampling
        .parse()
        .map_err(|e| flag_err("--sampling", e))?;
    let mask = MaskParams::new(kind, ny, nx, args.accel)
        .acs(args.acs.unwrap_or((ny * 3 / 32).clamp(2, 24)))
        .seed(args.seed)
        .generate()
        .map_err(|e| {
            anyhow::anyhow!(
                "--sampling {} --accel {} --acs: {e}",
                args.sampling,
                args.accel
            )
        })?;
    let fft = Fft2::<f64>::new(ny, nx, true)?;
    let k = fft.apply_vec(&truth);
    let mut y = mask.to_restriction().apply_vec(&k);
    if let Some(snr) = args.noise_snr {
        y = add_noise(&y, snr, args.seed)?.y;
    }
    Ok(Problem {
        ny,
        nx,
        fft,
        mask,
        y,
        truth: Some(truth),
        source,
    })
}

/// The mask of `--kspace`: `.png` or `.npy` ([`Mask::read`]), or a BART `.cfl/.hdr` pair
/// (dims `[NX, NY]`, real values 0 or 1, as `bart poisson` writes after a reshape).
fn read_mask(p: &Path) -> Result<Mask> {
    let err = |e: &dyn std::fmt::Display| anyhow::anyhow!("--mask {}: {e}", p.display());
    if !matches!(crate::ext::ext_lower(p).as_str(), "cfl" | "hdr" | "") {
        return Mask::read(p).map_err(|e| err(&e));
    }
    let a = read_cfl(p).map_err(|e| err(&e))?;
    let (ny, nx) = a.as_image().map_err(|e| err(&e))?;
    if let Some(i) = a
        .data
        .iter()
        .position(|c| c.im != 0.0 || (c.re != 0.0 && c.re != 1.0))
    {
        bail!(
            "--mask {}: entry (ky {}, kx {}) = {}; expected only 0 (not sampled) and 1 (sampled)",
            p.display(),
            i / nx,
            i % nx,
            a.data[i]
        );
    }
    Mask::new(ny, nx, a.data.iter().map(|c| c.re == 1.0).collect()).map_err(|e| err(&e))
}

fn check_finite_real(v: &[f64], flag: &str, p: &Path) -> Result<()> {
    if let Some(i) = v.iter().position(|x| !x.is_finite()) {
        bail!(
            "{flag} {}: value {} at index {i} is not finite",
            p.display(),
            v[i]
        );
    }
    Ok(())
}

/// A complex 2-D array from .npy (complex or real, NY × NX) or BART .cfl (or, for
/// truths, a .png image).
fn read_complex_image(p: &Path, flag: &str) -> Result<(usize, usize, Vec<C64>)> {
    let ext = crate::ext::ext_lower(p);
    let (ny, nx, v) = match ext.as_str() {
        "npy" => {
            let a =
                read_npy::<C64>(p).map_err(|e| anyhow::anyhow!("{flag} {}: {e}", p.display()))?;
            if a.shape.len() != 2 {
                bail!(
                    "{flag} {}: shape {:?}; expected a 2-D array NY × NX",
                    p.display(),
                    a.shape
                );
            }
            (a.shape[0], a.shape[1], a.data)
        }
        "cfl" | "hdr" | "" => {
            let a = read_cfl(p).map_err(|e| anyhow::anyhow!("{flag} {}: {e}", p.display()))?;
            let (ny, nx) = a
                .as_image()
                .map_err(|e| anyhow::anyhow!("{flag} {}: {e}", p.display()))?;
            let v = a
                .data
                .iter()
                .map(|c| C64::new(c.re as f64, c.im as f64))
                .collect();
            (ny, nx, v)
        }
        "png" | "jpg" | "jpeg" | "tif" | "tiff" if flag == "--truth" => {
            let img =
                read_gray_image(p).map_err(|e| anyhow::anyhow!("{flag} {}: {e}", p.display()))?;
            (
                img.ny,
                img.nx,
                img.data.iter().map(|&v| C64::new(v, 0.0)).collect(),
            )
        }
        other => bail!(
            "{flag} {}: unknown extension {other:?}; expected .npy or .cfl",
            p.display()
        ),
    };
    if ny == 0 || nx == 0 {
        bail!("{flag} {}: empty array {ny}x{nx}", p.display());
    }
    if let Some(i) = v
        .iter()
        .position(|c| !(c.re.is_finite() && c.im.is_finite()))
    {
        bail!(
            "{flag} {}: value {} at row {}, column {} is not finite",
            p.display(),
            v[i],
            i / nx,
            i % nx
        );
    }
    Ok((ny, nx, v))
}

#[allow(clippy::too_many_arguments)]
fn metrics_json(
    args: &ReconArgs,
    p: &Problem,
    sol: &Solution<C64>,
    m: Option<&Metrics>,
    (lambda, fraction, lambda_max): (f64, f64, f64),
    levels: usize,
    seconds: f64,
) -> serde_json::Value {
    let num = |v: f64| {
        if v.is_finite() {
            serde_json::json!(v)
        } else {
            serde_json::Value::Null
        }
    };
    let regularized = args.method != Method::ZeroFilled;
    serde_json::json!({
        "input": p.source,
        "shape": [p.ny, p.nx],
        "method": args.method.name(),
        "acceleration": p.mask.acceleration(),
        "psnr_db": m.map(|m| num(m.psnr)),
        "ssim": m.map(|m| num(m.ssim)),
        "nrmse": m.map(|m| num(m.nrmse)),
        "zero_filled_psnr_db": m.map(|m| num(m.zf_psnr)),
        "zero_filled_ssim": m.map(|m| num(m.zf_ssim)),
        "lambda": if regularized { num(lambda) } else { serde_json::Value::Null },
        "lambda_fraction": if regularized && args.lambda_abs.is_none() { num(fraction) } else { serde_json::Value::Null },
        "lambda_max": num(lambda_max),
        "wavelet": if args.method == Method::L1Wavelet { serde_json::json!(args.wavelet) } else { serde_json::Value::Null },
        "levels": if args.method == Method::L1Wavelet { serde_json::json!(levels) } else { serde_json::Value::Null },
        "cycle_spin": args.spin().name(),
        "iterations": sol.iterations,
        "converged": sol.stop.converged(),
        "stop": sol.stop.to_string(),
        "objective": num(sol.objective),
        "duality_gap": num(sol.gap),
        "seconds": seconds,
    })
}

fn summary(args: &ReconArgs, p: &Problem, sol: &Solution<C64>, m: Option<&Metrics>, seconds: f64) {
    println!(
        "{}: {}x{}, acceleration {:.2}, {} — {} iterations ({}), {:.2} s",
        p.source,
        p.ny,
        p.nx,
        p.mask.acceleration(),
        args.method.name(),
        sol.iterations,
        sol.stop,
        seconds
    );
    if let Some(m) = m {
        println!(
            "PSNR {:.2} dB (zero-filled {:.2}), SSIM {:.4} (zero-filled {:.4}), NRMSE {:.4}",
            m.psnr, m.zf_psnr, m.ssim, m.zf_ssim, m.nrmse
        );
    }
    println!("wrote {}", args.out.join("{recon.png,recon.npy,zero_filled.png,mask.png,montage.png,convergence.png,metrics.json}").display());
}
