//! The point-spread function of a sampling mask, in the image domain and under a sparsifying
//! transform: the incoherence measure of compressed-sensing MRI (Lustig, Donoho & Pauly,
//! "Sparse MRI", 2007).
//!
//! With `F` the unitary centered 2-D DFT ([`Fft2::new(ny, nx, true)`](Fft2)) and `M` the
//! diagonal 0/1 mask, undersampled reconstruction by zero filling is `Fᴴ M F`. Its response to
//! a unit impulse — or, under a transform `Ψ`, to a unit coefficient — spreads energy from the
//! main lobe into side lobes; the ratio of the largest side lobe to the main lobe says how
//! much a sparse coefficient leaks into the others (0: none; 1: an alias as strong as the
//! coefficient itself).

use cstk_linop::{Complex, Error, Fft2, LinOp, Result};

use crate::mask::Mask;

/// A point-spread function: magnitudes on the mask's `ny × nx` grid and its main and largest
/// side lobe.
///
/// * `values[p]` = `|PSF_p|`, row-major (`p = row · nx + column`);
/// * `peak` = `values[peak_at]`, the main lobe (the impulse's own position, by definition —
///   not necessarily the largest value);
/// * `max_sidelobe` = `max_{p ≠ peak_at} values[p]`, attained first at `sidelobe_at`;
/// * `sidelobe_ratio` = `max_sidelobe / peak`.
///
/// ```
/// use cstk_measure::{diagnostics::psf, mask::Mask};
/// let p = psf(&Mask::from_fn(8, 8, |_, _| true))?;
/// assert_eq!((p.ny, p.nx, p.values.len()), (8, 8, 64));
/// assert_eq!(p.peak_at, 4 * 8 + 4);
/// assert!((p.peak - 1.0).abs() < 1e-15 && p.sidelobe_ratio < 1e-15);
/// # Ok::<(), cstk_measure::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Psf {
    /// Rows of the grid.
    pub ny: usize,
    /// Columns of the grid.
    pub nx: usize,
    /// `|PSF|`, row-major, `ny · nx` values.
    pub values: Vec<f64>,
    /// `|PSF|` at the main lobe `peak_at`.
    pub peak: f64,
    /// Row-major index of the main lobe.
    pub peak_at: usize,
    /// The largest `|PSF|` away from `peak_at`.
    pub max_sidelobe: f64,
    /// Row-major index of `max_sidelobe` (the lowest on ties).
    pub sidelobe_at: usize,
    /// `max_sidelobe / peak`.
    pub sidelobe_ratio: f64,
}

/// The image-domain point-spread function `|Fᴴ M F δ|` of a mask, with `δ` the unit impulse at
/// the image centre `(ny / 2, nx / 2)` and `F` the unitary centered 2-D DFT.
///
/// The main lobe sits at the centre and equals the sampled fraction `count / (ny·nx)`. Since
/// `F δ` is the flat spectrum `1/√N`, this is computed as `|Fᴴ M 1| / √N` (one inverse FFT).
///
/// # Errors
/// [`Error::InvalidParam`] (`mask`) when the mask samples no point or has fewer than 2 points.
///
/// ```
/// use cstk_measure::{diagnostics::psf, mask::Mask};
/// // every other row: the image folds onto itself half a field of view away
/// let p = psf(&Mask::from_fn(16, 16, |ky, _| ky % 2 == 0))?;
/// assert_eq!(p.peak_at, 8 * 16 + 8);
/// assert!((p.peak - 0.5).abs() < 1e-15);
/// assert_eq!(p.sidelobe_at, 8); // (0, 8): the centre moved by ny / 2 rows
/// assert!((p.sidelobe_ratio - 1.0).abs() < 1e-14);
/// # Ok::<(), cstk_measure::Error>(())
/// ```
pub fn psf(mask: &Mask) -> Result<Psf> {
    check_mask(mask)?;
    let (ny, nx) = mask.shape();
    let fft = Fft2::<f64>::new(ny, nx, true)?;
    let w = 1.0 / ((ny * nx) as f64).sqrt();
    let k: Vec<Complex<f64>> = mask
        .as_slice()
        .iter()
        .map(|&s| Complex::new(if s { w } else { 0.0 }, 0.0))
        .collect();
    let img = fft.adjoint_vec(&k);
    Ok(summarize(ny, nx, &img, (ny / 2) * nx + nx / 2))
}

/// The transform point-spread function `|Ψ Fᴴ M F Ψᴴ e_index|` of a mask (Lustig et al.
/// 2007): how a unit coefficient `index` of the transform `Ψ` leaks into the other
/// coefficients after undersampling. The main lobe is at `index`.
///
/// `psi` maps row-major `ny × nx` images to `ny·nx` coefficients (an orthonormal wavelet
/// transform such as [`Dwt2`](cstk_linop::Dwt2) on sizes its levels divide, or any square
/// operator); `values` are laid out like its coefficients. With `Ψ = I` this is [`psf`]
/// moved from the centre to `index`.
///
/// # Errors
/// * [`Error::ShapeMismatch`] (`psi`) unless `psi` is `ny·nx × ny·nx`.
/// * [`Error::InvalidParam`] (`index`) unless `index < ny·nx`, or when the main lobe is 0
///   (the mask samples nothing of atom `index`, so the response is 0 everywhere);
///   (`mask`) as for [`psf`].
///
/// ```
/// use cstk_linop::{Complex, Dwt2, Wavelet};
/// use cstk_measure::{diagnostics::tpsf, mask::Mask};
/// let mask = Mask::from_fn(32, 32, |ky, kx| (ky + 3 * kx) % 4 == 0 || ky.abs_diff(16) < 4);
/// let psi = Dwt2::<Complex<f64>>::new(32, 32, Wavelet::new("db4")?, 2)?;
/// let t = tpsf(&mask, &psi, 200)?;
/// assert_eq!(t.peak_at, 200);
/// assert!(t.sidelobe_ratio > 0.0 && t.sidelobe_ratio < 1.0);
/// # Ok::<(), cstk_measure::Error>(())
/// ```
pub fn tpsf(mask: &Mask, psi: &dyn LinOp<Complex<f64>>, index: usize) -> Result<Psf> {
    check_mask(mask)?;
    let (ny, nx) = mask.shape();
    let n = ny * nx;
    if psi.shape() != (n, n) {
        return Err(Error::ShapeMismatch {
            context: "tpsf: transform psi against the mask".into(),
            expected: format!("{n} x {n} (images and coefficients of the {ny} x {nx} mask)"),
            got: format!("{} x {}", psi.nrows(), psi.ncols()),
        });
    }
    if index >= n {
        return Err(Error::InvalidParam {
            name: "index",
            value: index.to_string(),
            expected: format!("a coefficient index below {n}"),
        });
    }
    let fft = Fft2::<f64>::new(ny, nx, true)?;
    let mut e = vec![Complex::new(0.0, 0.0); n];
    e[index] = Complex::new(1.0, 0.0);
    let atom = psi.adjoint_vec(&e);
    let mut k = fft.apply_vec(&atom);
    for (v, &s) in k.iter_mut().zip(mask.as_slice()) {
        if !s {
            *v = Complex::new(0.0, 0.0);
        }
    }
    let coeffs = psi.apply_vec(&fft.adjoint_vec(&k));
    let out = summarize(ny, nx, &coeffs, index);
    if out.peak == 0.0 {
        return Err(Error::InvalidParam {
            name: "index",
            value: index.to_string(),
            expected: "an atom the mask samples (its transform PSF is zero everywhere)".into(),
        });
    }
    Ok(out)
}

/// [`Error::InvalidParam`] for a mask with no sampled point or fewer than 2 points.
fn check_mask(mask: &Mask) -> Result<()> {
    let (ny, nx) = mask.shape();
    if ny * nx < 2 {
        return Err(Error::InvalidParam {
            name: "mask",
            value: format!("a {ny} x {nx} mask"),
            expected: "at least 2 points (a side lobe needs somewhere to be)".into(),
        });
    }
    if mask.count() == 0 {
        return Err(Error::InvalidParam {
            name: "mask",
            value: format!("a {ny} x {nx} mask sampling nothing"),
            expected: "at least one sampled point".into(),
        });
    }
    Ok(())
}

/// Magnitudes, main lobe at `peak_at`, and the first largest side lobe.
fn summarize(ny: usize, nx: usize, response: &[Complex<f64>], peak_at: usize) -> Psf {
    let values: Vec<f64> = response.iter().map(|v| v.norm()).collect();
    let peak = values[peak_at];
    let (mut max_sidelobe, mut sidelobe_at) = (-1.0, usize::MAX);
    for (p, &v) in values.iter().enumerate() {
        if p != peak_at && v > max_sidelobe {
            (max_sidelobe, sidelobe_at) = (v, p);
        }
    }
    Psf {
        ny,
        nx,
        peak,
        peak_at,
        max_sidelobe,
        sidelobe_at,
        sidelobe_ratio: max_sidelobe / peak,
        values,
    }
}
