//! `cstk mask`: an MRI sampling mask (cartesian, Poisson disc, radial, golden angle, random,
//! variable-density random) written as a PNG or `.npy` file.

use crate::shape::parse_shape_2d;
use anyhow::Result;
use cstk_linop::Error;
use cstk_measure::mask::{MaskKind, MaskParams};
use std::path::PathBuf;

/// Arguments of `cstk mask`.
#[derive(clap::Args, Debug)]
pub struct MaskArgs {
    /// Mask kind: cartesian (whole rows, 1-D variable density), poisson (variable-density
    /// Poisson disc), radial (equally spaced spokes), golden (golden-angle spokes), random
    /// (uniform points), vd-random (points with 2-D variable density)
    #[arg(long)]
    pub kind: String,
    /// Grid NYxNX: NY rows (ky) of NX columns (kx), DC at (NY/2, NX/2)
    #[arg(long, default_value = "256x256")]
    pub shape: String,
    /// Requested acceleration NY·NX / samples (at least 1); cartesian hits it to the nearest
    /// line, random and vd-random exactly, poisson within --tol, radial and golden with the
    /// nearest spoke count
    #[arg(long, allow_negative_numbers = true)]
    pub accel: f64,
    /// Side of the fully sampled central calibration square (cartesian: central rows)
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub acs: usize,
    /// Seed of the random stream (radial and golden use none)
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub seed: u64,
    /// Cartesian and vd-random: density falloff exponent, density (1 − d)^P at normalized
    /// distance d from DC [default: 2]
    #[arg(long, allow_negative_numbers = true)]
    pub power: Option<f64>,
    /// Poisson: accepted |achieved − requested acceleration| [default: 0.1]
    #[arg(long, allow_negative_numbers = true)]
    pub tol: Option<f64>,
    /// Poisson: candidates thrown around an active point before it retires [default: 30]
    #[arg(long, allow_negative_numbers = true)]
    pub max_attempts: Option<usize>,
    /// Poisson: keep samples outside the ellipse inscribed in the grid (cropped by default)
    #[arg(long)]
    pub no_crop_corner: bool,
    /// Output: .png (8-bit gray, 255 = sampled) or .npy (float64, 1 = sampled, shape (NY, NX))
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: MaskArgs) -> Result<()> {
    let kind: MaskKind = args.kind.parse().map_err(with_flag)?;
    let (ny, nx) = parse_shape_2d(&args.shape)?;
    if args.power.is_some() && !kind.uses_power() {
        anyhow::bail!("--power applies to --kind cartesian and vd-random only, not {kind}");
    }
    if kind != MaskKind::Poisson {
        for (given, flag) in [
            (args.tol.is_some(), "--tol"),
            (args.max_attempts.is_some(), "--max-attempts"),
            (args.no_crop_corner, "--no-crop-corner"),
        ] {
            if given {
                anyhow::bail!("{flag} applies to --kind poisson only, not {kind}");
            }
        }
    }
    let mut params = MaskParams::new(kind, ny, nx, args.accel)
        .acs(args.acs)
        .seed(args.seed)
        .crop_corner(!args.no_crop_corner);
    if let Some(power) = args.power {
        params = params.power(power);
    }
    if let Some(tol) = args.tol {
        params = params.tol(tol);
    }
    if let Some(max_attempts) = args.max_attempts {
        params = params.max_attempts(max_attempts);
    }
    let mask = params.generate().map_err(with_flag)?;
    mask.write(&args.out).map_err(with_flag)?;
    println!(
        "{kind} {ny}x{nx}: {} of {} samples, acceleration {:.3} (requested {}), fraction {:.4}",
        mask.count(),
        ny * nx,
        mask.acceleration(),
        args.accel,
        mask.sampled_fraction()
    );
    Ok(())
}

/// The library's parameter errors prefixed with the flag that set the parameter.
fn with_flag(e: Error) -> anyhow::Error {
    let flag = match &e {
        Error::InvalidParam { name: "path", .. } => "--out".to_string(),
        Error::InvalidParam { name, .. } => format!("--{}", name.replace('_', "-")),
        _ => return e.into(),
    };
    anyhow::Error::new(e).context(flag)
}
