//! Image-quality metrics for real images: [`psnr`], [`nrmse`] and [`ssim`].
//!
//! Images are `f64` slices in row-major order (`ny` rows of `nx` pixels). The definitions
//! follow scikit-image's `skimage.metrics` exactly (`peak_signal_noise_ratio`,
//! `normalized_root_mse` with the default `'euclidean'` normalization, and
//! `structural_similarity` with the Wang et al. 2004 settings), and sums use NumPy's pairwise
//! summation, so results agree with scikit-image to a few units in the last place.
//!
//! Every function checks its input and returns an error instead of panicking: lengths that
//! differ, empty images, NaN or infinite pixels, a `data_range` that is not finite and
//! positive, and (for [`ssim`]) a shape that does not match the length or is smaller than the
//! 11 × 11 Gaussian window.
//!
//! ```
//! use cstk_measure::metrics::{nrmse, psnr, ssim};
//! let truth: Vec<f64> = (0..16 * 16).map(|k| (k % 16) as f64 / 15.0).collect();
//! let test: Vec<f64> = truth.iter().map(|v| v + 0.01).collect();
//! assert!((psnr(&truth, &test, 1.0).unwrap() - 40.0).abs() < 1e-9);
//! assert!(nrmse(&truth, &test).unwrap() < 0.03);
//! assert!(ssim(&truth, &test, 16, 16, 1.0).unwrap() > 0.99);
//! ```

use crate::{Error, Result};
use rayon::prelude::*;

/// SSIM constants of Wang et al. 2004 (and scikit-image's defaults).
const K1: f64 = 0.01;
const K2: f64 = 0.03;
const SIGMA: f64 = 1.5;
/// Radius of the Gaussian window: `int(3.5 * 1.5 + 0.5) = 5`, i.e. 11 taps.
const RADIUS: usize = 5;
/// Side of the Gaussian window.
const WIN: usize = 2 * RADIUS + 1;

/// Peak signal-to-noise ratio in decibels: `10·log10(data_range² / MSE)`, where
/// `MSE = mean((truth − test)²)`; `f64::INFINITY` when the images are identical.
///
/// Equal to `skimage.metrics.peak_signal_noise_ratio(truth, test, data_range=data_range)`.
///
/// # Errors
/// [`Error::ShapeMismatch`] if the lengths differ; [`Error::InvalidParam`] if the images are
/// empty or `data_range` is not finite and positive; [`Error::NonFinite`] for a NaN or
/// infinite pixel.
///
/// ```
/// use cstk_measure::metrics::psnr;
/// let truth = [0.0, 0.5, 1.0, 0.25];
/// let test = [0.1, 0.5, 0.9, 0.25];
/// // MSE = (0.01 + 0.01) / 4 = 0.005, so PSNR = 10·log10(1 / 0.005) ≈ 23.01 dB.
/// let p = psnr(&truth, &test, 1.0).unwrap();
/// assert!((p - 10.0 * (1.0f64 / 0.005).log10()).abs() < 1e-9);
/// assert_eq!(psnr(&truth, &truth, 1.0).unwrap(), f64::INFINITY);
/// assert!(psnr(&truth, &test[..3], 1.0).is_err());
/// ```
pub fn psnr(truth: &[f64], test: &[f64], data_range: f64) -> Result<f64> {
    check_pair(truth, test, "psnr")?;
    check_range(data_range)?;
    let err = mse(truth, test);
    if err == 0.0 {
        return Ok(f64::INFINITY);
    }
    Ok(10.0 * (data_range * data_range / err).log10())
}

/// Normalized root-mean-square error `‖truth − test‖₂ / ‖truth‖₂`.
///
/// Equal to `skimage.metrics.normalized_root_mse(truth, test)` (normalization
/// `'euclidean'`, computed as skimage does: `sqrt(MSE) / sqrt(mean(truth²))`).
///
/// # Errors
/// [`Error::ShapeMismatch`] if the lengths differ; [`Error::InvalidParam`] if the images are
/// empty or `truth` is all zeros (the norm to divide by is zero); [`Error::NonFinite`] for a
/// NaN or infinite pixel.
///
/// ```
/// use cstk_measure::metrics::nrmse;
/// let truth = [3.0, 4.0];
/// let test = [3.0, 3.0];
/// // ‖(0, 1)‖ / ‖(3, 4)‖ = 1 / 5.
/// assert!((nrmse(&truth, &test).unwrap() - 0.2).abs() < 1e-15);
/// assert!(nrmse(&[0.0, 0.0], &test).is_err());
/// ```
pub fn nrmse(truth: &[f64], test: &[f64]) -> Result<f64> {
    check_pair(truth, test, "nrmse")?;
    let n = truth.len();
    let power = pairwise_sum(n, &|k| truth[k] * truth[k]) / n as f64;
    if power == 0.0 {
        return Err(Error::InvalidParam {
            name: "truth",
            value: "all zeros".into(),
            expected: "an image with a nonzero norm".into(),
        });
    }
    Ok(mse(truth, test).sqrt() / power.sqrt())
}

/// Mean structural similarity index (Wang, Bovik, Sheikh & Simoncelli 2004) of two
/// `ny × nx` row-major images.
///
/// Computed exactly as `skimage.metrics.structural_similarity(truth, test,
/// gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=data_range)`:
///
/// * local means `μ`, variances `σ²` and covariance `σ_xy` from a normalized Gaussian
///   window with σ = 1.5 truncated at 3.5σ (11 taps), applied separably (rows then
///   columns, as `scipy.ndimage.gaussian_filter`) with population (not sample) statistics;
/// * `SSIM = (2μ_xμ_y + C1)(2σ_xy + C2) / ((μ_x² + μ_y² + C1)(σ_x² + σ_y² + C2))` with
///   `C1 = (0.01·R)²`, `C2 = (0.03·R)²`, `R = data_range`;
/// * the mean of the SSIM map after cropping 5 pixels on every border (skimage's `crop`).
///
/// scikit-image filters with scipy's `'reflect'` boundary mode, but the cropped pixels are
/// exactly those whose 11 × 11 window lies inside the image, so the boundary mode never
/// reaches the result and only the interior is computed. The work is parallel over rows
/// (rayon) with a fixed summation order, so the result does not depend on the number of
/// threads.
///
/// # Errors
/// [`Error::ShapeMismatch`] if the lengths differ or `ny·nx` is not the length;
/// [`Error::InvalidParam`] if the images are empty, `data_range` is not finite and
/// positive, or a side is below the window size 11 (skimage raises there too);
/// [`Error::NonFinite`] for a NaN or infinite pixel.
///
/// ```
/// use cstk_measure::metrics::ssim;
/// let (ny, nx) = (12, 20);
/// let truth: Vec<f64> = (0..ny * nx).map(|k| ((k / nx) as f64 * 0.3).sin() * 0.5 + 0.5).collect();
/// assert!((ssim(&truth, &truth, ny, nx, 1.0).unwrap() - 1.0).abs() < 1e-12);
/// let darker: Vec<f64> = truth.iter().map(|v| 0.8 * v).collect();
/// let s = ssim(&truth, &darker, ny, nx, 1.0).unwrap();
/// assert!(s > 0.5 && s < 1.0);
/// assert!(ssim(&truth, &truth, 10, 24, 1.0).is_err()); // 10 rows < 11
/// ```
pub fn ssim(truth: &[f64], test: &[f64], ny: usize, nx: usize, data_range: f64) -> Result<f64> {
    check_pair(truth, test, "ssim")?;
    check_range(data_range)?;
    if ny.checked_mul(nx) != Some(truth.len()) {
        return Err(Error::ShapeMismatch {
            context: "ssim image shape".into(),
            expected: format!("ny·nx = {} pixels", truth.len()),
            got: format!("{ny} × {nx}"),
        });
    }
    if ny < WIN || nx < WIN {
        return Err(Error::InvalidParam {
            name: "shape",
            value: format!("{ny} × {nx}"),
            expected: format!("both sides ≥ {WIN} (the Gaussian window size)"),
        });
    }
    let w = gaussian_weights();
    let c1 = (K1 * data_range) * (K1 * data_range);
    let c2 = (K2 * data_range) * (K2 * data_range);
    let (y0, y1) = (RADIUS, ny - RADIUS);
    let (x0, x1) = (RADIUS, nx - RADIUS);

    // One output row at a time: filter the five quantities vertically into `buf` (5 · nx),
    // then horizontally, then form the SSIM map row and its pairwise sum.
    let row_sums: Vec<f64> = (y0..y1)
        .into_par_iter()
        .map_init(
            || (vec![0.0f64; 5 * nx], vec![0.0f64; nx]),
            |(buf, srow), i| {
                let (ux, rest) = buf.split_at_mut(nx);
                let (uy, rest) = rest.split_at_mut(nx);
                let (uxx, rest) = rest.split_at_mut(nx);
                let (uyy, uxy) = rest.split_at_mut(nx);
                let centre_a = &truth[i * nx..(i + 1) * nx];
                let centre_b = &test[i * nx..(i + 1) * nx];
                for c in 0..nx {
                    let (a, b) = (centre_a[c], centre_b[c]);
                    ux[c] = a * w[0];
                    uy[c] = b * w[0];
                    uxx[c] = (a * a) * w[0];
                    uyy[c] = (b * b) * w[0];
                    uxy[c] = (a * b) * w[0];
                }
                // scipy's symmetric-kernel order: centre, then the outermost pair inwards.
                for j in (1..=RADIUS).rev() {
                    let wj = w[j];
                    let up_a = &truth[(i - j) * nx..(i - j + 1) * nx];
                    let dn_a = &truth[(i + j) * nx..(i + j + 1) * nx];
                    let up_b = &test[(i - j) * nx..(i - j + 1) * nx];
                    let dn_b = &test[(i + j) * nx..(i + j + 1) * nx];
                    for c in 0..nx {
                        let (pa, qa, pb, qb) = (up_a[c], dn_a[c], up_b[c], dn_b[c]);
                        ux[c] += (pa + qa) * wj;
                        uy[c] += (pb + qb) * wj;
                        uxx[c] += (pa * pa + qa * qa) * wj;
                        uyy[c] += (pb * pb + qb * qb) * wj;
                        uxy[c] += (pa * pb + qa * qb) * wj;
                    }
                }
                for c in x0..x1 {
                    let h = |v: &[f64]| {
                        let mut acc = v[c] * w[0];
                        for j in (1..=RADIUS).rev() {
                            acc += (v[c - j] + v[c + j]) * w[j];
                        }
                        acc
                    };
                    let (mx, my) = (h(ux), h(uy));
                    let (mxx, myy, mxy) = (h(uxx), h(uyy), h(uxy));
                    let vx = mxx - mx * mx;
                    let vy = myy - my * my;
                    let vxy = mxy - mx * my;
                    let a1 = 2.0 * mx * my + c1;
                    let a2 = 2.0 * vxy + c2;
                    let b1 = mx * mx + my * my + c1;
                    let b2 = vx + vy + c2;
                    srow[c] = (a1 * a2) / (b1 * b2);
                }
                let s = &srow[x0..x1];
                pairwise_sum(s.len(), &|k| s[k])
            },
        )
        .collect();
    let total = row_sums.iter().fold(0.0, |acc, &r| acc + r);
    Ok(total / ((y1 - y0) * (x1 - x0)) as f64)
}

/// The normalized 11-tap Gaussian of `scipy.ndimage.gaussian_filter1d` (σ = 1.5,
/// truncate = 3.5); index `j` is the weight at offset `±j`.
fn gaussian_weights() -> [f64; RADIUS + 1] {
    let mut full = [0.0f64; WIN];
    let scale = -0.5 / (SIGMA * SIGMA);
    for (k, v) in full.iter_mut().enumerate() {
        let x = k as f64 - RADIUS as f64;
        *v = (scale * (x * x)).exp();
    }
    let sum = pairwise_sum(WIN, &|k| full[k]);
    let mut w = [0.0f64; RADIUS + 1];
    for (j, v) in w.iter_mut().enumerate() {
        *v = full[RADIUS + j] / sum;
    }
    w
}

/// Mean of `(truth − test)²` with NumPy's pairwise summation.
fn mse(truth: &[f64], test: &[f64]) -> f64 {
    let n = truth.len();
    pairwise_sum(n, &|k| {
        let d = truth[k] - test[k];
        d * d
    }) / n as f64
}

/// NumPy's pairwise summation (`pairwise_sum` in `loops_utils.h`) of `f(0) … f(n−1)`.
fn pairwise_sum(n: usize, f: &dyn Fn(usize) -> f64) -> f64 {
    fn go(off: usize, n: usize, f: &dyn Fn(usize) -> f64) -> f64 {
        if n < 8 {
            let mut res = 0.0;
            for k in 0..n {
                res += f(off + k);
            }
            res
        } else if n <= 128 {
            let mut r = [0.0f64; 8];
            for (k, v) in r.iter_mut().enumerate() {
                *v = f(off + k);
            }
            let mut i = 8;
            while i < n - n % 8 {
                for (k, v) in r.iter_mut().enumerate() {
                    *v += f(off + i + k);
                }
                i += 8;
            }
            let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            while i < n {
                res += f(off + i);
                i += 1;
            }
            res
        } else {
            let mut n2 = n / 2;
            n2 -= n2 % 8;
            go(off, n2, f) + go(off + n2, n - n2, f)
        }
    }
    go(0, n, f)
}

fn check_pair(truth: &[f64], test: &[f64], context: &str) -> Result<()> {
    if truth.len() != test.len() {
        return Err(Error::ShapeMismatch {
            context: format!("{context}: truth vs test"),
            expected: format!("{} pixels", truth.len()),
            got: format!("{} pixels", test.len()),
        });
    }
    if truth.is_empty() {
        return Err(Error::InvalidParam {
            name: "image",
            value: "empty".into(),
            expected: "at least one pixel".into(),
        });
    }
    for (name, img) in [("truth", truth), ("test", test)] {
        if let Some(k) = img.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                context: format!("{context} {name} image"),
                position: k.to_string(),
                value: img[k].to_string(),
            });
        }
    }
    Ok(())
}

fn check_range(data_range: f64) -> Result<()> {
    if !(data_range.is_finite() && data_range > 0.0) {
        return Err(Error::InvalidParam {
            name: "data_range",
            value: data_range.to_string(),
            expected: "a finite value > 0".into(),
        });
    }
    Ok(())
}
