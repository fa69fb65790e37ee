//! Everything an experiment starts from, all seeded: sensing ensembles, a k-sparse signal with
//! noise at a given SNR, their coherence and restricted-isometry diagnostics, and MRI sampling
//! masks with their point-spread functions (written as PNG into `./cstk-out/masks/`).
//!
//! Run: `cargo run --release --example measure`

use cstk::linop::nalgebra::DMatrix;
use cstk::linop::{Complex, Dwt2, LinOp, Wavelet, testing::matrix_of};
use cstk::measure::diagnostics::{RipParams, mutual_coherence, psf, rip_lower_bound, tpsf};
use cstk::measure::ensembles::{partial_dct, partial_fourier, sparse_random, srht};
use cstk::measure::mask::{MaskKind, MaskParams};
use cstk::measure::signals::{Amplitude, add_noise, sparse_signal};
use cstk::measure::{DenseEnsemble, Error};
use std::path::Path;

fn main() -> Result<(), Error> {
    let (m, n, k, seed) = (128, 512, 10, 2024);

    // 1. Ensembles: the same (m, n, seed) gives the same matrix on every machine.
    println!(
        "ensemble          coherence  (Welch bound {:.4})   δ_{k} ≥",
        { cstk::measure::diagnostics::welch_bound(m, n) }
    );
    let rip = RipParams::new(k).random_trials(200).seed(seed);
    let dense: Vec<(&str, DMatrix<f64>)> = vec![
        ("gaussian", DenseEnsemble::Gaussian.matrix(m, n, seed)?),
        ("rademacher", DenseEnsemble::Rademacher.matrix(m, n, seed)?),
        ("sphere", DenseEnsemble::Sphere.matrix(m, n, seed)?),
        (
            "sparse s=8",
            sparse_random::<f64>(m, n, 8, seed)?.to_dense(),
        ),
        (
            "partial dct",
            matrix_of::<f64, _>(&partial_dct::<f64>(m, n, seed)?),
        ),
        ("srht", matrix_of::<f64, _>(&srht(m, n, seed)?)),
    ];
    for (name, a) in &dense {
        let mu = mutual_coherence(a)?;
        let d = rip_lower_bound(a, &rip)?;
        println!(
            "{name:16}  {:.4}                        {:.3}",
            mu.value, d.delta
        );
    }
    let pf = partial_fourier::<f64>(m, n, seed)?;
    let mu = mutual_coherence(&matrix_of::<Complex<f64>, _>(&pf))?;
    println!("{:16}  {:.4}  (complex)", "partial fourier", mu.value);

    // 2. A k-sparse signal, its measurements, and noise at exactly 30 dB.
    let a = DenseEnsemble::Gaussian.operator::<f64>(m, n, seed)?;
    let x = sparse_signal::<f64>(n, k, Amplitude::Gaussian, seed)?;
    let y = a.apply_vec(&x.x);
    let noisy = add_noise(&y, 30.0, seed)?;
    println!(
        "\nsignal: {k} nonzeros at {:?}; measurements ‖y‖ = {:.3}, noise σ = {:.4} (SNR {:.2} dB)",
        x.support,
        y.iter().map(|v| v * v).sum::<f64>().sqrt(),
        noisy.sigma,
        noisy.snr_db
    );

    // 3. Sampling masks for a 256 × 256 k-space at 4x, and how incoherent their aliasing is.
    let out = Path::new("cstk-out/masks");
    std::fs::create_dir_all(out).map_err(|e| Error::Io {
        path: out.to_path_buf(),
        source: e,
    })?;
    let wavelet = Dwt2::<Complex<f64>>::new(256, 256, Wavelet::new("db4")?, 4)?;
    println!("\nmask        accel   PSF side/main   wavelet TPSF side/main");
    for kind in MaskKind::ALL {
        let mask = MaskParams::new(kind, 256, 256, 4.0)
            .acs(if kind == MaskKind::Cartesian { 24 } else { 16 })
            .seed(seed)
            .generate()?;
        let p = psf(&mask)?;
        // a coarse-scale wavelet coefficient near the middle of the image
        let t = tpsf(&mask, &wavelet, 8 * 256 + 8)?;
        mask.write_png(&out.join(format!("{}.png", kind.name())))?;
        println!(
            "{:10}  {:5.2}   {:13.3}   {:.3}",
            kind.name(),
            mask.acceleration(),
            p.sidelobe_ratio,
            t.sidelobe_ratio
        );
    }
    println!("\nmasks written to {}/", out.display());
    Ok(())
}
