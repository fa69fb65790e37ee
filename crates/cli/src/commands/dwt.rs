//! `cstk dwt`: multilevel orthonormal wavelet transform of a signal or image, with the
//! coefficients in PyWavelets' `coeffs_to_array` layout.

use crate::ext::has_ext;
use crate::shape::parse_shape;
use anyhow::{Context, Result, bail};
use cstk_linop::io::npy::{self, NpyOrder};
use cstk_linop::io::png::{read_gray_png, write_gray_png};
use cstk_linop::transforms::wavelet::{Dwt1, Dwt2, Wavelet};
use cstk_linop::{Complex, LinOp, Scalar};
use std::path::{Path, PathBuf};

/// Arguments of `cstk dwt`.
#[derive(clap::Args, Debug)]
pub struct DwtArgs {
    /// Wavelet: haar, db1–db20, sym2–sym20, coif1–coif17
    #[arg(long)]
    pub wavelet: String,
    /// Number of levels (default: the maximum, as pywt.dwt_max_level)
    #[arg(long)]
    pub level: Option<usize>,
    /// Reconstruct a signal/image from a coefficient array instead
    #[arg(long)]
    pub inverse: bool,
    /// With --inverse: the shape of the signal (N) or image (NYxNX); default: the shape
    /// of the coefficient array (they agree when 2^level divides the sizes)
    #[arg(long)]
    pub shape: Option<String>,
    /// Input: .npy (1-D signal or 2-D image, real or complex; with --inverse the
    /// coefficient array) or .png (an image, converted to gray in [0, 1])
    #[arg(long)]
    pub input: PathBuf,
    /// Output .npy: the coefficient array (forward) or the reconstruction (--inverse)
    #[arg(long)]
    pub out: PathBuf,
    /// Also write a PNG picture (2-D only): the coefficient array with each subband
    /// scaled to its own largest magnitude, or the reconstructed image (magnitude)
    #[arg(long)]
    pub png: Option<PathBuf>,
}

/// Input data: its shape (1 or 2 dimensions) and values, real or complex.
enum Data {
    Real(Vec<usize>, Vec<f64>),
    Complex(Vec<usize>, Vec<Complex<f64>>),
}

pub fn run(args: DwtArgs) -> Result<()> {
    if !has_ext(&args.out, "npy") {
        bail!("--out {}: expected a .npy file", args.out.display());
    }
    let wavelet = Wavelet::new(&args.wavelet).context("--wavelet")?;
    if args.shape.is_some() && !args.inverse {
        bail!("--shape applies to --inverse only");
    }
    if let Some(p) = &args.png
        && !has_ext(p, "png")
    {
        bail!("--png {}: expected a .png file", p.display());
    }
    let data = read_input(&args.input, args.inverse)?;
    match data {
        Data::Real(shape, v) => transform(&args, wavelet, &shape, &v),
        Data::Complex(shape, v) => transform(&args, wavelet, &shape, &v),
    }
}

fn read_input(path: &Path, inverse: bool) -> Result<Data> {
    if has_ext(path, "png") {
        if inverse {
            bail!(
                "--input {}: --inverse reads a .npy coefficient array",
                path.display()
            );
        }
        let img = read_gray_png(path)?;
        return Ok(Data::Real(vec![img.ny, img.nx], img.data));
    }
    if !has_ext(path, "npy") {
        bail!("--input {}: expected a .npy or .png file", path.display());
    }
    let h = npy::read_npy_header(path)?;
    if h.shape.is_empty() || h.shape.len() > 2 {
        bail!(
            "--input {}: expected a 1-D signal or a 2-D image, got shape {:?}",
            path.display(),
            h.shape
        );
    }
    let data = if h.dtype.is_complex() {
        let a = npy::read_npy::<Complex<f64>>(path)?;
        Data::Complex(a.shape, a.data)
    } else {
        let a = npy::read_npy::<f64>(path)?;
        Data::Real(a.shape, a.data)
    };
    let finite = match &data {
        Data::Real(_, v) => v.iter().position(|x| !x.is_finite()),
        Data::Complex(_, v) => v.iter().position(|x| !x.is_finite_value()),
    };
    if let Some(k) = finite {
        bail!(
            "--input {}: non-finite value at flat index {k}; expected finite numbers",
            path.display()
        );
    }
    Ok(data)
}

fn transform<T: Scalar>(args: &DwtArgs, wavelet: Wavelet, shape: &[usize], v: &[T]) -> Result<()> {
    let signal_shape = match (&args.shape, args.inverse) {
        (Some(s), true) => parse_shape(s)?,
        _ => shape.to_vec(),
    };
    if signal_shape.len() != shape.len() {
        bail!(
            "--shape has {} dimension(s) but the coefficient array has {}",
            signal_shape.len(),
            shape.len()
        );
    }
    let max_level = signal_shape
        .iter()
        .map(|&n| wavelet.dwt_max_level(n))
        .min()
        .unwrap_or(0);
    let level = args.level.unwrap_or(max_level);
    let level_ctx = || {
        format!(
            "--level {level} for shape {signal_shape:?} and {}",
            wavelet.name()
        )
    };
    let (op, coeff_shape): (Box<dyn LinOp<T>>, Vec<usize>) = if signal_shape.len() == 1 {
        let w = Dwt1::<T>::new(signal_shape[0], wavelet, level).with_context(level_ctx)?;
        check_invertible(args.inverse, w.is_orthogonal(), &signal_shape, level)?;
        let c = vec![w.coeff_len()];
        (Box::new(w), c)
    } else {
        let w = Dwt2::<T>::new(signal_shape[0], signal_shape[1], wavelet, level)
            .with_context(level_ctx)?;
        check_invertible(args.inverse, w.is_orthogonal(), &signal_shape, level)?;
        let (cy, cx) = w.coeff_shape();
        (Box::new(w), vec![cy, cx])
    };
    if args.png.is_some() && signal_shape.len() != 2 {
        bail!("--png: pictures are written for 2-D images only; the input is 1-D");
    }
    let (out, out_shape) = if args.inverse {
        if shape != coeff_shape.as_slice() {
            bail!(
                "--input {}: coefficient array of shape {shape:?}, but a signal of shape \
                 {signal_shape:?} at level {level} has coefficients of shape {coeff_shape:?}",
                args.input.display()
            );
        }
        (op.adjoint_vec(v), signal_shape.clone())
    } else {
        (op.apply_vec(v), coeff_shape.clone())
    };
    npy::write_npy(&args.out, &out_shape, &out, NpyOrder::C)?;
    if let Some(png) = &args.png {
        let mag: Vec<f64> = out.iter().map(|v| v.to_c64().norm()).collect();
        let (ny, nx) = (out_shape[0], out_shape[1]);
        if args.inverse {
            let hi = mag.iter().cloned().fold(0.0, f64::max);
            write_gray_png(png, ny, nx, &mag, 0.0, hi)?;
        } else {
            let w = Dwt2::<f64>::new(signal_shape[0], signal_shape[1], wavelet, level)?;
            write_gray_png(png, ny, nx, &subband_picture(&w, &mag), 0.0, 1.0)?;
        }
        eprintln!("wrote {}", png.display());
    }
    eprintln!(
        "wrote {} ({} {:?}, {} level(s) of {})",
        args.out.display(),
        if args.inverse {
            "signal"
        } else {
            "coefficients"
        },
        out_shape,
        level,
        wavelet.name()
    );
    Ok(())
}

fn check_invertible(inverse: bool, orthogonal: bool, shape: &[usize], level: usize) -> Result<()> {
    if inverse && !orthogonal {
        bail!(
            "--inverse: shape {shape:?} is not divisible by 2^{level}, so the periodized \
             transform at level {level} is not orthogonal and cstk has no exact inverse for \
             it; use a level whose 2^level divides every size"
        );
    }
    Ok(())
}

/// `|c|` with every subband divided by its own largest magnitude (cells no subband covers
/// stay 0), the usual way to look at a 2-D wavelet decomposition.
fn subband_picture(w: &Dwt2<f64>, mag: &[f64]) -> Vec<f64> {
    use cstk_linop::transforms::wavelet::Subband;
    let nx = w.coeff_shape().1;
    let mut out = vec![0.0; mag.len()];
    let mut blocks = vec![w.approx_block()];
    for l in 1..=w.levels() {
        blocks.extend(Subband::ALL.map(|b| w.detail_block(l, b)));
    }
    for b in blocks {
        let hi = b.indices(nx).map(|k| mag[k]).fold(0.0, f64::max);
        if hi > 0.0 {
            for k in b.indices(nx) {
                out[k] = mag[k] / hi;
            }
        }
    }
    out
}
