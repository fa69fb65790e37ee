//! Why compressed sensing works on images: they are compressible in a transform. This
//! example builds a piecewise-smooth test image and compares how few coefficients the
//! pixel basis, the DCT, Walsh–Hadamard and db4 wavelets need to hold 99.9% of its energy,
//! then the best 5%-term approximation in each; it also shows the centered unitary k-space
//! and the total variation from the gradient operator.
//!
//! Run: `cargo run --release --example transforms`

use cstk::linop::transforms::dct::Dct2;
use cstk::linop::transforms::diff::{Boundary, Gradient2};
use cstk::linop::transforms::fourier::Fft2;
use cstk::linop::transforms::hadamard::Hadamard;
use cstk::linop::transforms::wavelet::{Dwt2, Wavelet};
use cstk::linop::{Complex, LinOp};

const N: usize = 256;

/// Ellipses, a smooth ramp and a bar: the kind of image MRI reconstruction deals with.
fn test_image() -> Vec<f64> {
    let mut img = vec![0.0; N * N];
    for i in 0..N {
        for j in 0..N {
            let (y, x) = (i as f64 / N as f64 - 0.5, j as f64 / N as f64 - 0.5);
            let mut v = 0.0;
            if (x / 0.40).powi(2) + (y / 0.45).powi(2) < 1.0 {
                v += 0.6 + 0.2 * y; // smooth inside the head
            }
            if ((x - 0.12) / 0.10).powi(2) + (y / 0.22).powi(2) < 1.0 {
                v += 0.3;
            }
            if (x + 0.15).abs() < 0.04 && y.abs() < 0.2 {
                v -= 0.25;
            }
            img[i * N + j] = v;
        }
    }
    img
}

/// Fraction of coefficients holding `share` of the energy, and the PSNR of keeping the
/// largest `keep` fraction (through the orthonormal transform's adjoint = inverse).
fn compressibility(op: &dyn LinOp<f64>, img: &[f64], share: f64, keep: f64) -> (f64, f64) {
    let c = op.apply_vec(img);
    let mut mags: Vec<f64> = c.iter().map(|v| v * v).collect();
    mags.sort_by(|a, b| b.total_cmp(a));
    let total: f64 = mags.iter().sum();
    let mut acc = 0.0;
    let needed = mags
        .iter()
        .position(|m| {
            acc += m;
            acc >= share * total
        })
        .map_or(mags.len(), |k| k + 1);
    let k = (keep * c.len() as f64) as usize;
    let threshold = mags[k.saturating_sub(1)].sqrt();
    let kept: Vec<f64> = c
        .iter()
        .map(|&v| if v.abs() >= threshold { v } else { 0.0 })
        .collect();
    let approx = op.adjoint_vec(&kept);
    let mse = approx
        .iter()
        .zip(img)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        / img.len() as f64;
    let peak = img.iter().cloned().fold(0.0, f64::max);
    (
        needed as f64 / c.len() as f64,
        10.0 * (peak * peak / mse).log10(),
    )
}

/// The 2-D Walsh–Hadamard transform as rows then columns of the 1-D one (a composition a
/// user would write); orthonormal, so adjoint = inverse.
struct Hadamard2(Hadamard);
impl LinOp<f64> for Hadamard2 {
    fn nrows(&self) -> usize {
        N * N
    }
    fn ncols(&self) -> usize {
        N * N
    }
    fn apply_with_scratch(&self, x: &[f64], y: &mut [f64], _s: &mut [f64]) {
        let mut t = vec![0.0; N * N];
        for (src, dst) in x.chunks(N).zip(t.chunks_mut(N)) {
            self.0.apply(src, dst);
        }
        let mut col = vec![0.0; N];
        let mut out = vec![0.0; N];
        for j in 0..N {
            for i in 0..N {
                col[i] = t[i * N + j];
            }
            self.0.apply(&col, &mut out);
            for i in 0..N {
                y[i * N + j] = out[i];
            }
        }
    }
    fn adjoint_with_scratch(&self, y: &[f64], x: &mut [f64], s: &mut [f64]) {
        self.apply_with_scratch(y, x, s) // symmetric and its own inverse
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let img = test_image();
    println!("{N}x{N} piecewise-smooth test image\n");
    println!(
        "{:<22} {:>22} {:>26}",
        "basis", "coefs for 99.9% energy", "PSNR keeping largest 5%"
    );
    let identity = cstk::linop::Identity::new(N * N);
    let dct = Dct2::<f64>::new(N, N)?;
    let wht = Hadamard2(Hadamard::sequency(N)?);
    let db4 = Dwt2::<f64>::new(N, N, Wavelet::new("db4")?, 4)?;
    let haar = Dwt2::<f64>::new(N, N, Wavelet::new("haar")?, 4)?;
    for (name, op) in [
        ("pixels", &identity as &dyn LinOp<f64>),
        ("Walsh–Hadamard", &wht),
        ("DCT-II", &dct),
        ("Haar, 4 levels", &haar),
        ("db4, 4 levels", &db4),
    ] {
        let (frac, psnr) = compressibility(op, &img, 0.999, 0.05);
        println!("{name:<22} {:>21.2}% {:>23.1} dB", 100.0 * frac, psnr);
    }

    // centered unitary k-space: energy is preserved and DC sits at (N/2, N/2)
    let f = Fft2::<f64>::new(N, N, true)?;
    let z: Vec<Complex<f64>> = img.iter().map(|&v| Complex::new(v, 0.0)).collect();
    let k = f.apply_vec(&z);
    let e_img: f64 = img.iter().map(|v| v * v).sum();
    let e_k: f64 = k.iter().map(|v| v.norm_sqr()).sum();
    println!(
        "\nk-space: energy ratio {:.12}, DC at centre {:.4} (= sum/N = {:.4})",
        e_k / e_img,
        k[(N / 2) * N + N / 2].re,
        img.iter().sum::<f64>() / N as f64
    );
    let back = f.adjoint_vec(&k);
    let err = back
        .iter()
        .zip(&z)
        .map(|(a, b)| (a - b).norm())
        .fold(0.0, f64::max);
    println!("inverse FFT error {err:.1e}");

    // total variation: the l1 norm of the gradient, what TV regularization minimizes
    let g = Gradient2::new(N, N, Boundary::Neumann)?;
    let d = g.apply_vec(&img);
    let (dy, dx) = g.components(&d);
    let tv_iso: f64 = dy.iter().zip(dx).map(|(a, b)| (a * a + b * b).sqrt()).sum();
    // edges: steps above 0.01 (the ramp inside changes by 0.0008 per pixel)
    let edges = dy
        .iter()
        .zip(dx)
        .filter(|(a, b)| a.hypot(**b) > 0.01)
        .count();
    println!(
        "gradient: {:.2}% of pixels are edges (|∇x| > 0.01), isotropic TV = {tv_iso:.2}",
        100.0 * edges as f64 / (N * N) as f64
    );
    Ok(())
}
