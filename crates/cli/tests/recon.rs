//! `cstk recon` and `cstk phantom`: the default run, each input kind (phantom, image,
//! measured k-space as .npy or BART .cfl), and every bad-input case of the issue.

mod common;

use common::{assert_fails, assert_fails_leaving_nothing, cstk, s, scratch_dir};
use cstk_linop::io::cfl::{read_cfl, write_cfl};
use cstk_linop::io::npy::{NpyOrder, read_npy, write_npy};
use cstk_linop::transforms::fourier::Fft2;
use cstk_linop::{Complex, LinOp};
use cstk_measure::mask::{Mask, MaskKind, MaskParams};
use cstk_measure::phantom::shepp_logan;
use std::path::{Path, PathBuf};
use std::process::Output;

type C64 = Complex<f64>;

fn metrics(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("metrics.json")).expect("metrics.json");
    serde_json::from_str(&text).expect("json")
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        common::stderr(o)
    );
}

fn f(m: &serde_json::Value, key: &str) -> f64 {
    m[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number: {m}"))
}

/// `recon.npy`: shape and complex values.
fn recon_npy(dir: &Path) -> (Vec<usize>, Vec<C64>) {
    let a = read_npy::<C64>(&dir.join("recon.npy")).expect("recon.npy");
    (a.shape, a.data)
}

fn max_abs_diff(a: &[C64], b: &[C64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).norm())
        .fold(0.0, f64::max)
}

/// The centered unitary k-space of a real `ny × nx` image (the convention of `cstk recon`).
fn kspace(img: &[f64], ny: usize, nx: usize) -> Vec<C64> {
    let x: Vec<C64> = img.iter().map(|&v| C64::new(v, 0.0)).collect();
    Fft2::<f64>::new(ny, nx, true).unwrap().apply_vec(&x)
}

/// The 64 × 48 crop (columns 8..56) of the 64 × 64 phantom: non-square, so a transposed
/// shape anywhere fails.
fn phantom_64x48() -> Vec<f64> {
    let p = shepp_logan(64).unwrap();
    (0..64)
        .flat_map(|r| p[r * 64 + 8..r * 64 + 56].to_vec())
        .collect()
}

/// A variable-density Poisson-disc mask, acceleration 4.
fn poisson_mask(ny: usize, nx: usize) -> Mask {
    MaskParams::new(MaskKind::Poisson, ny, nx, 4.0)
        .acs(8)
        .seed(3)
        .generate()
        .unwrap()
}

/// Writes `k` (row-major `ny × nx`) as BART's `.cfl/.hdr`: dims `[nx, ny]`.
fn write_kspace_cfl(path: &Path, k: &[C64], ny: usize, nx: usize) {
    let k32: Vec<Complex<f32>> = k
        .iter()
        .map(|c| Complex::new(c.re as f32, c.im as f32))
        .collect();
    write_cfl(path, &[nx, ny], &k32).unwrap();
}

#[test]
fn phantom_recon_beats_zero_filled_and_writes_every_output() {
    let dir = scratch_dir("recon-phantom");
    let out = dir.join("out");
    let o = cstk(&[
        "recon",
        "--phantom",
        "128",
        "--iters",
        "60",
        "--quiet",
        "--out",
        s(&out),
    ]);
    ok(&o);
    for f in [
        "recon.png",
        "recon.npy",
        "zero_filled.png",
        "mask.png",
        "error.png",
        "convergence.png",
        "montage.png",
        "metrics.json",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let m = metrics(&out);
    let (p, zf) = (f(&m, "psnr_db"), f(&m, "zero_filled_psnr_db"));
    assert!(p > zf + 3.0, "PSNR {p} vs zero-filled {zf}");
    assert!((f(&m, "acceleration") - 4.0).abs() < 0.5);
    let tv = dir.join("tv");
    let o = cstk(&[
        "recon",
        "--phantom",
        "128",
        "--method",
        "tv",
        "--quiet",
        "--out",
        s(&tv),
    ]);
    ok(&o);
    let ptv = f(&metrics(&tv), "psnr_db");
    // the default λ (2e-4 · 4 at 128²) and iterations (1000): 36.9 dB
    assert!(ptv > zf + 12.0, "tv PSNR {ptv} vs zero-filled {zf}");
}

#[test]
fn paired_cycle_spinning_beats_single_shifts() {
    let dir = scratch_dir("recon-spin");
    let run = |mode: &str, iters: &str, size: &str| {
        let out = dir.join(format!("{mode}-{iters}"));
        let o = cstk(&[
            "recon",
            "--phantom",
            size,
            "--iters",
            iters,
            "--cycle-spin",
            mode,
            "--quiet",
            "--out",
            s(&out),
        ]);
        ok(&o);
        metrics(&out)
    };
    // 128², default λ (4e-4 of λ_max), 100 iterations: 40.9 dB paired, 38.5 single
    let (paired, single) = (run("paired", "100", "128"), run("single", "100", "128"));
    assert_eq!(paired["cycle_spin"], "paired");
    assert_eq!(single["cycle_spin"], "single");
    let (pp, ps) = (f(&paired, "psnr_db"), f(&single, "psnr_db"));
    assert!(pp > 39.5 && pp > ps + 1.0, "paired {pp} dB vs single {ps}");
    // the boolean spellings of earlier versions
    assert_eq!(run("true", "3", "64")["cycle_spin"], "paired");
    let off = run("false", "3", "64");
    assert_eq!(off["cycle_spin"], "off");
    assert!(
        !off["duality_gap"].is_null(),
        "a fixed grid reports its gap: {off}"
    );
}

#[test]
fn phantom_command_writes_png_and_npy() {
    let dir = scratch_dir("phantom-cmd");
    for ext in ["png", "npy"] {
        let f = dir.join(format!("p.{ext}"));
        let o = cstk(&["phantom", "--size", "32", "--out", s(&f)]);
        ok(&o);
        assert!(f.is_file());
    }
    // The .npy holds the library's phantom exactly.
    let a = read_npy::<f64>(&dir.join("p.npy")).unwrap();
    assert_eq!(a.shape, vec![32, 32]);
    assert_eq!(a.data, shepp_logan(32).unwrap());
}

/// A PNG input: the phantom written by `cstk phantom`, reconstructed; every metrics.json
/// field is present and consistent, and l1-wavelet beats zero-filled by a margin.
#[test]
fn image_png_input_beats_zero_filled_with_complete_metrics() {
    let dir = scratch_dir("recon-image-png");
    let png = dir.join("p.png");
    ok(&cstk(&["phantom", "--size", "64", "--out", s(&png)]));
    let out = dir.join("out");
    let o = cstk(&[
        "recon",
        "--image",
        s(&png),
        "--sampling",
        "poisson",
        "--iters",
        "100",
        "--quiet",
        "--json",
        "--out",
        s(&out),
    ]);
    ok(&o);
    let m = metrics(&out);
    // --json prints the same metrics.json on stdout.
    let printed: serde_json::Value = serde_json::from_str(&common::stdout(&o)).unwrap();
    assert_eq!(printed["psnr_db"], m["psnr_db"]);
    let (p, zf) = (f(&m, "psnr_db"), f(&m, "zero_filled_psnr_db"));
    assert!(p > zf + 5.0, "PSNR {p} vs zero-filled {zf}");
    assert!(p > 23.0, "PSNR {p}");
    let (ss, zss) = (f(&m, "ssim"), f(&m, "zero_filled_ssim"));
    assert!(ss > zss && ss <= 1.0 && zss > 0.0, "SSIM {ss} vs {zss}");
    let nrmse = f(&m, "nrmse");
    assert!(nrmse > 0.0 && nrmse < 0.3, "NRMSE {nrmse}");
    assert!((f(&m, "acceleration") - 4.0).abs() < 0.5);
    assert_eq!(m["method"], "l1-wavelet");
    assert_eq!(m["input"], s(&png));
    assert_eq!(m["shape"], serde_json::json!([64, 64]));
    let (lambda, lmax) = (f(&m, "lambda"), f(&m, "lambda_max"));
    // the default fraction, 2e-4 at 256², times 256/64 at 64²
    assert!(lmax > 0.0 && (lambda - 8e-4 * lmax).abs() <= 1e-12 * lmax);
    let it = m["iterations"].as_u64().unwrap();
    assert!((1..=100).contains(&it), "iterations {it}");
    assert!(m["converged"].is_boolean());
    let secs = f(&m, "seconds");
    assert!((0.0..60.0).contains(&secs), "seconds {secs}");
    let (shape, x) = recon_npy(&out);
    assert_eq!((shape, x.len()), (vec![64, 64], 64 * 64));
}

/// Colour is converted to BT.601 luma: with full sampling (`--accel 1`) zero-filled returns
/// the input image itself, so recon.npy is 0.299 R + 0.587 G + 0.114 B.
#[test]
fn image_rgb_png_is_converted_to_luma() {
    let dir = scratch_dir("recon-image-rgb");
    let (n, path) = (32u32, dir.join("rgb.png"));
    let px = |x: u32, y: u32| [(8 * x) as u8, (8 * y) as u8, ((x * y) % 256) as u8];
    image::RgbImage::from_fn(n, n, |x, y| image::Rgb(px(x, y)))
        .save(&path)
        .unwrap();
    let out = dir.join("out");
    let o = cstk(&[
        "recon",
        "--image",
        s(&path),
        "--accel",
        "1",
        "--method",
        "zero-filled",
        "--quiet",
        "--out",
        s(&out),
    ]);
    ok(&o);
    let m = metrics(&out);
    assert!((f(&m, "acceleration") - 1.0).abs() < 1e-12);
    assert_eq!(m["method"], "zero-filled");
    assert_eq!(m["iterations"], 0);
    let (shape, x) = recon_npy(&out);
    assert_eq!(shape, vec![32, 32]);
    for (i, v) in x.iter().enumerate() {
        let [r, g, b] = px((i % 32) as u32, (i / 32) as u32);
        let luma = (0.299 * r as f64 + 0.587 * g as f64 + 0.114 * b as f64) / 255.0;
        assert!(
            (v.re - luma).abs() < 1e-9 && v.im.abs() < 1e-9,
            "pixel {i}: {v} vs luma {luma}"
        );
    }
}

/// JPEG and TIFF inputs are read too (TIFF losslessly: the same PSNR as the PNG run).
#[test]
fn image_jpeg_and_tiff_inputs_reconstruct() {
    let dir = scratch_dir("recon-image-jpeg-tiff");
    let img = shepp_logan(64).unwrap();
    let gray = image::GrayImage::from_fn(64, 64, |x, y| {
        image::Luma([(img[(y * 64 + x) as usize] * 255.0).round() as u8])
    });
    let mut psnrs = Vec::new();
    for name in ["p.png", "p.tif", "p.jpg"] {
        let path = dir.join(name);
        gray.save(&path).unwrap();
        let out = dir.join(format!("out-{name}"));
        let o = cstk(&[
            "recon",
            "--image",
            s(&path),
            "--sampling",
            "poisson",
            "--iters",
            "40",
            "--quiet",
            "--out",
            s(&out),
        ]);
        ok(&o);
        let m = metrics(&out);
        let (p, zf) = (f(&m, "psnr_db"), f(&m, "zero_filled_psnr_db"));
        assert!(p > zf + 3.0, "{name}: PSNR {p} vs zero-filled {zf}");
        psnrs.push(p);
    }
    assert!((psnrs[0] - psnrs[1]).abs() < 1e-9, "png vs tiff {psnrs:?}");
    assert!((psnrs[0] - psnrs[2]).abs() < 3.0, "png vs jpeg {psnrs:?}");
}

/// Measured k-space (.npy) with the mask that `--phantom` used gives exactly the
/// `--phantom` run: same conventions (centered, unitary, row-major NY × NX); mask and
/// truth as .png, .npy or .cfl all agree.
#[test]
fn kspace_npy_matches_the_simulated_phantom_run() {
    let dir = scratch_dir("recon-kspace-npy");
    let n = 64;
    let sim = dir.join("sim");
    ok(&cstk(&[
        "recon",
        "--phantom",
        "64",
        "--sampling",
        "poisson",
        "--iters",
        "80",
        "--quiet",
        "--out",
        s(&sim),
    ]));
    let truth = shepp_logan(n).unwrap();
    let k = kspace(&truth, n, n);
    let (kp, tp) = (dir.join("k.npy"), dir.join("t.npy"));
    write_npy(&kp, &[n, n], &k, NpyOrder::C).unwrap();
    write_npy(&tp, &[n, n], &truth, NpyOrder::C).unwrap();
    // The same mask as .npy and as .cfl (dims [nx, ny]).
    let mask = Mask::read(&sim.join("mask.png")).unwrap();
    let (mnpy, mcfl) = (dir.join("m.npy"), dir.join("m.cfl"));
    mask.write(&mnpy).unwrap();
    let mvals: Vec<Complex<f32>> = (0..n * n)
        .map(|i| Complex::new(mask.as_slice()[i] as u8 as f32, 0.0))
        .collect();
    write_cfl(&mcfl, &[n, n], &mvals).unwrap();
    let p_sim = f(&metrics(&sim), "psnr_db");
    let (_, x_sim) = recon_npy(&sim);
    for (i, m) in [s(&sim.join("mask.png")), s(&mnpy), s(&mcfl)]
        .into_iter()
        .enumerate()
    {
        let out = dir.join(format!("out{i}"));
        let o = cstk(&[
            "recon",
            "--kspace",
            s(&kp),
            "--mask",
            m,
            "--truth",
            s(&tp),
            "--iters",
            "80",
            "--quiet",
            "--out",
            s(&out),
        ]);
        ok(&o);
        let mm = metrics(&out);
        let (p, zf) = (f(&mm, "psnr_db"), f(&mm, "zero_filled_psnr_db"));
        assert!(
            p > zf + 5.0 && p > 23.0,
            "{m}: PSNR {p} vs zero-filled {zf}"
        );
        assert!(
            (p - p_sim).abs() < 1e-6,
            "{m}: PSNR {p} vs --phantom {p_sim}"
        );
        let (shape, x) = recon_npy(&out);
        assert_eq!(shape, vec![n, n]);
        let d = max_abs_diff(&x, &x_sim);
        assert!(d < 1e-9, "{m}: recon differs from --phantom by {d}");
    }
}

/// Real-valued k-space `.npy` (float64) is read as complex with zero imaginary parts (the
/// npy reader's widening), as is an integer-valued one: no error.
#[test]
fn kspace_real_npy_is_widened_to_complex() {
    let dir = scratch_dir("recon-kspace-real");
    let n = 16;
    let k: Vec<f64> = (0..n * n).map(|i| ((i * 7) % 5) as f64).collect();
    let (kp, mp) = (dir.join("k.npy"), dir.join("m.npy"));
    write_npy(&kp, &[n, n], &k, NpyOrder::C).unwrap();
    Mask::from_fn(n, n, |_, _| true).write(&mp).unwrap();
    let out = dir.join("out");
    ok(&cstk(&[
        "recon",
        "--kspace",
        s(&kp),
        "--mask",
        s(&mp),
        "--method",
        "zero-filled",
        "--quiet",
        "--out",
        s(&out),
    ]));
    let kc: Vec<C64> = k.iter().map(|&v| C64::new(v, 0.0)).collect();
    let want = Fft2::<f64>::new(n, n, true).unwrap().adjoint_vec(&kc);
    let d = max_abs_diff(&recon_npy(&out).1, &want);
    assert!(d < 1e-12, "{d}");
    assert!(metrics(&out)["psnr_db"].is_null()); // no --truth, no metrics
}

/// BART round trip: the same (f32-rounded) non-square k-space as .cfl/.hdr and as .npy
/// gives the same recon.npy; the truth may be .cfl too.
#[test]
fn kspace_cfl_round_trip_equals_npy_input() {
    let dir = scratch_dir("recon-kspace-cfl");
    let (ny, nx) = (64, 48);
    let truth = phantom_64x48();
    let k = kspace(&truth, ny, nx);
    // f32 values both ways, so the two inputs are identical.
    let k: Vec<C64> = k
        .iter()
        .map(|c| C64::new(c.re as f32 as f64, c.im as f32 as f64))
        .collect();
    let (kcfl, knpy, mp, tnpy, tcfl) = (
        dir.join("k.cfl"),
        dir.join("k.npy"),
        dir.join("m.png"),
        dir.join("t.npy"),
        dir.join("t"),
    );
    write_kspace_cfl(&kcfl, &k, ny, nx);
    write_npy(&knpy, &[ny, nx], &k, NpyOrder::C).unwrap();
    poisson_mask(ny, nx).write(&mp).unwrap();
    write_npy(&tnpy, &[ny, nx], &truth, NpyOrder::C).unwrap();
    let t32: Vec<Complex<f32>> = truth.iter().map(|&v| Complex::new(v as f32, 0.0)).collect();
    write_cfl(&tcfl, &[nx, ny], &t32).unwrap();
    // The .cfl file reads back as written (dims [nx, ny], row-major image).
    let back = read_cfl(&kcfl).unwrap();
    assert_eq!(
        (back.dims.clone(), back.as_image().unwrap()),
        (vec![nx, ny], (ny, nx))
    );
    let run = |kspace: &Path, truth: &Path, name: &str| -> (serde_json::Value, Vec<C64>) {
        let out = dir.join(name);
        let o = cstk(&[
            "recon",
            "--kspace",
            s(kspace),
            "--mask",
            s(&mp),
            "--truth",
            s(truth),
            "--iters",
            "60",
            "--quiet",
            "--out",
            s(&out),
        ]);
        ok(&o);
        let (shape, x) = recon_npy(&out);
        assert_eq!(shape, vec![ny, nx], "{name}");
        (metrics(&out), x)
    };
    let (m_npy, x_npy) = run(&knpy, &tnpy, "npy");
    let (m_cfl, x_cfl) = run(&kcfl, &tnpy, "cfl");
    // the .hdr name and the bare base name select the same pair
    let (_, x_hdr) = run(&dir.join("k.hdr"), &tnpy, "hdr");
    let (m_tcfl, _) = run(&dir.join("k"), &tcfl, "base");
    assert_eq!(m_npy["shape"], serde_json::json!([64, 48]));
    assert!(max_abs_diff(&x_npy, &x_cfl) < 1e-12);
    assert!(max_abs_diff(&x_npy, &x_hdr) < 1e-12);
    let (p_npy, p_cfl) = (f(&m_npy, "psnr_db"), f(&m_cfl, "psnr_db"));
    assert!((p_npy - p_cfl).abs() < 1e-9);
    assert!(
        p_npy > f(&m_npy, "zero_filled_psnr_db") + 3.0,
        "PSNR {p_npy}"
    );
    // An f32 truth differs from the f64 one by < 1e-7: PSNR within 1e-3 dB.
    assert!((f(&m_tcfl, "psnr_db") - p_npy).abs() < 1e-3);
}

/// BART's own files (`bart phantom -x 8`, `bart fft -u 3`, `bart poisson` reshaped to
/// 8 × 8): full sampling zero-filled gives back BART's phantom, so the two Fourier
/// conventions agree; an 8 × 8 truth has PSNR and NRMSE but no SSIM (null, not an error).
#[test]
fn bart_reference_files_reconstruct() {
    let data = common::workspace_root().join("crates/linop/tests/data/cfl");
    let dir = scratch_dir("recon-bart");
    let ones = dir.join("ones.npy");
    Mask::from_fn(8, 8, |_, _| true).write(&ones).unwrap();
    let out = dir.join("full");
    ok(&cstk(&[
        "recon",
        "--kspace",
        s(&data.join("kspace8.cfl")),
        "--mask",
        s(&ones),
        "--truth",
        s(&data.join("phantom8.cfl")),
        "--method",
        "zero-filled",
        "--quiet",
        "--out",
        s(&out),
    ]));
    let ph = read_cfl(&data.join("phantom8")).unwrap();
    let want: Vec<C64> = ph
        .data
        .iter()
        .map(|c| C64::new(c.re as f64, c.im as f64))
        .collect();
    let d = max_abs_diff(&recon_npy(&out).1, &want);
    assert!(d < 1e-5, "zero-filled vs BART phantom: {d}");
    let m = metrics(&out);
    assert!(f(&m, "psnr_db") > 90.0, "{m}");
    assert!(
        m["ssim"].is_null() && m["zero_filled_ssim"].is_null(),
        "{m}"
    );
    // BART's Poisson mask (.cfl) with l1-wavelet.
    let out = dir.join("poisson");
    ok(&cstk(&[
        "recon",
        "--kspace",
        s(&data.join("kspace8.cfl")),
        "--mask",
        s(&data.join("mask8_2d.cfl")),
        "--truth",
        s(&data.join("phantom8.cfl")),
        "--iters",
        "50",
        "--quiet",
        "--out",
        s(&out),
    ]));
    let m = metrics(&out);
    assert!((f(&m, "acceleration") - 64.0 / 31.0).abs() < 1e-9, "{m}");
    assert!(f(&m, "psnr_db") > 10.0 && f(&m, "nrmse") < 0.6, "{m}");
}

/// Every bad input of the issue: exit 2, one `error:` line naming the flag or file and
/// what was expected, no panic, and the (empty) output directory left empty.
#[test]
fn bad_inputs_fail_cleanly_and_write_nothing() {
    let dir = scratch_dir("recon-bad-inputs");
    let n = 32;
    let p = |name: &str| dir.join(name);
    let k = kspace(&shepp_logan(n).unwrap(), n, n);
    write_npy(&p("k.npy"), &[n, n], &k, NpyOrder::C).unwrap();
    write_kspace_cfl(&p("k.cfl"), &k, n, n);
    write_npy(&p("t.npy"), &[n, n], &shepp_logan(n).unwrap(), NpyOrder::C).unwrap();
    poisson_mask(n, n).write(&p("m.png")).unwrap();
    poisson_mask(n, n).write(&p("m.npy")).unwrap();
    // Garbage under good names, and a .cfl without its .hdr.
    for name in ["garbage.npy", "garbage.png", "garbage.cfl", "garbage.hdr"] {
        std::fs::write(p(name), "this is not data\n").unwrap();
    }
    std::fs::write(p("lonely.cfl"), [0u8; 16]).unwrap();
    // k-space of the wrong kind or values.
    let mut nan = k.clone();
    nan[5 * n + 7] = C64::new(f64::NAN, 0.0);
    write_npy(&p("nan.npy"), &[n, n], &nan, NpyOrder::C).unwrap();
    let mut inf = k.clone();
    inf[3] = C64::new(0.0, f64::INFINITY);
    write_npy(&p("inf.npy"), &[n, n], &inf, NpyOrder::C).unwrap();
    write_kspace_cfl(&p("nan.cfl"), &nan, n, n);
    write_npy(&p("k3d.npy"), &[2, n, n / 2], &k, NpyOrder::C).unwrap();
    write_npy(
        &p("k_other.npy"),
        &[n, 2 * n],
        &[k.clone(), k.clone()].concat(),
        NpyOrder::C,
    )
    .unwrap();
    std::fs::write(p("k.txt"), "1 2 3\n").unwrap();
    // Truths of the wrong shape or values.
    write_npy(
        &p("t_small.npy"),
        &[16, 16],
        &shepp_logan(16).unwrap(),
        NpyOrder::C,
    )
    .unwrap();
    let mut tnan = shepp_logan(n).unwrap();
    tnan[40] = f64::NAN;
    write_npy(&p("t_nan.npy"), &[n, n], &tnan, NpyOrder::C).unwrap();
    write_npy(&p("t_zero.npy"), &[n, n], &vec![0.0; n * n], NpyOrder::C).unwrap();
    // Masks of the wrong shape or values.
    poisson_mask(n, 2 * n).write(&p("m_wide.png")).unwrap();
    let mut half = vec![0.0; n * n];
    half[n * n / 2] = 0.5;
    write_npy(&p("m_half.npy"), &[n, n], &half, NpyOrder::C).unwrap();
    let mut two = vec![1.0; n * n];
    two[7] = 2.0;
    write_npy(&p("m_two.npy"), &[n, n], &two, NpyOrder::C).unwrap();
    image::GrayImage::from_fn(n as u32, n as u32, |x, _| image::Luma([(x * 8) as u8]))
        .save(p("m_gray.png"))
        .unwrap();
    Mask::from_fn(n, n, |_, _| false)
        .write(&p("m_empty.npy"))
        .unwrap();
    Mask::from_fn(n, n, |_, _| false)
        .write(&p("m_empty.png"))
        .unwrap();
    let mut cnan = vec![Complex::new(1.0f32, 0.0); n * n];
    cnan[9] = Complex::new(0.5, 0.0);
    write_cfl(&p("m_half.cfl"), &[n, n], &cnan).unwrap();
    // Images: tiny, garbage.
    image::GrayImage::new(8, 8).save(p("tiny.png")).unwrap();
    let img = p("img.png");
    image::GrayImage::from_fn(32, 32, |x, y| image::Luma([(x * y) as u8]))
        .save(&img)
        .unwrap();

    let ks = s(&p("k.npy")).to_string();
    let ms = s(&p("m.png")).to_string();
    let measured = |kspace: &str, mask: &str| -> Vec<String> {
        vec![
            "--kspace".into(),
            kspace.into(),
            "--mask".into(),
            mask.into(),
        ]
    };
    let with_truth = |truth: &str| -> Vec<String> {
        let mut v = measured(&ks, &ms);
        v.extend(["--truth".into(), truth.into()]);
        v
    };
    let phantom = |flags: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = vec!["--phantom".into(), "32".into()];
        v.extend(flags.iter().map(|f| f.to_string()));
        v
    };
    let ps = |name: &str| s(&p(name)).to_string();
    let cases: Vec<(Vec<String>, Vec<String>)> = vec![
        // missing or unreadable files
        (measured(&ps("none.npy"), &ms), vec![ps("none.npy")]),
        (
            measured(&ps("none.cfl"), &ms),
            vec!["--kspace".into(), ps("none.hdr")],
        ),
        (
            measured(&ks, &ps("none.png")),
            vec!["--mask".into(), ps("none.png")],
        ),
        (
            with_truth(&ps("none.npy")),
            vec!["--truth".into(), ps("none.npy")],
        ),
        (
            vec!["--image".into(), ps("none.png")],
            vec!["--image".into(), ps("none.png")],
        ),
        (
            measured(&ps("garbage.npy"), &ms),
            vec!["--kspace".into(), ps("garbage.npy")],
        ),
        (
            measured(&ps("garbage.cfl"), &ms),
            vec!["--kspace".into(), "Dimensions".into()],
        ),
        (
            measured(&ps("lonely.cfl"), &ms),
            vec!["--kspace".into(), ps("lonely.hdr")],
        ),
        (
            measured(&ks, &ps("garbage.png")),
            vec!["--mask".into(), ps("garbage.png")],
        ),
        (
            measured(&ks, &ps("garbage.npy")),
            vec!["--mask".into(), ps("garbage.npy")],
        ),
        (
            with_truth(&ps("garbage.npy")),
            vec!["--truth".into(), ps("garbage.npy")],
        ),
        (
            vec!["--image".into(), ps("garbage.png")],
            vec!["--image".into(), ps("garbage.png")],
        ),
        (
            vec!["--image".into(), ps("tiny.png")],
            vec!["--image".into(), "at least 16x16".into()],
        ),
        (
            measured(&ps("k.txt"), &ms),
            vec!["--kspace".into(), "expected .npy or .cfl".into()],
        ),
        (
            measured(&ps("k3d.npy"), &ms),
            vec!["--kspace".into(), "2-D".into()],
        ),
        // shapes
        (
            measured(&ks, &ps("m_wide.png")),
            vec!["--mask".into(), "32x64".into(), "32x32".into()],
        ),
        (
            measured(&ps("k_other.npy"), &ms),
            vec!["--mask".into(), "32x32".into(), "32x64".into()],
        ),
        (
            with_truth(&ps("t_small.npy")),
            vec!["--truth".into(), "16x16".into(), "32x32".into()],
        ),
        // values
        (
            measured(&ks, &ps("m_half.npy")),
            vec!["--mask".into(), "0.5".into(), "0 and 1".into()],
        ),
        (
            measured(&ks, &ps("m_two.npy")),
            vec!["--mask".into(), "2".into(), "0 and 1".into()],
        ),
        (
            measured(&ks, &ps("m_gray.png")),
            vec!["--mask".into(), "gray level".into()],
        ),
        (
            measured(&ks, &ps("m_half.cfl")),
            vec!["--mask".into(), "0.5".into()],
        ),
        (
            measured(&ks, &ps("m_empty.npy")),
            vec!["--mask".into(), "samples nothing".into()],
        ),
        (
            measured(&ks, &ps("m_empty.png")),
            vec!["--mask".into(), "samples nothing".into()],
        ),
        (
            measured(&ps("nan.npy"), &ms),
            vec![
                "--kspace".into(),
                "NaN".into(),
                "row 5, column 7".into(),
                "not finite".into(),
            ],
        ),
        (
            measured(&ps("inf.npy"), &ms),
            vec!["--kspace".into(), "inf".into(), "not finite".into()],
        ),
        (
            measured(&ps("nan.cfl"), &ms),
            vec!["--kspace".into(), "not finite".into()],
        ),
        (
            with_truth(&ps("t_nan.npy")),
            vec!["--truth".into(), "not finite".into()],
        ),
        (
            with_truth(&ps("t_zero.npy")),
            vec!["--truth".into(), "all zeros".into()],
        ),
        // flags
        (
            phantom(&["--accel", "0.5"]),
            vec!["--accel 0.5".into(), "≥ 1".into()],
        ),
        (phantom(&["--accel", "nan"]), vec!["--accel".into()]),
        (
            phantom(&["--lambda", "-1"]),
            vec!["--lambda -1".into(), "≥ 0".into()],
        ),
        (
            phantom(&["--lambda-abs", "-1"]),
            vec!["--lambda-abs -1".into(), "≥ 0".into()],
        ),
        (
            phantom(&["--wavelet", "db99"]),
            vec!["--wavelet".into(), "db99".into()],
        ),
        (
            phantom(&["--wavelet", "nonsense"]),
            vec!["--wavelet".into(), "nonsense".into()],
        ),
        (
            phantom(&["--levels", "6"]),
            vec!["--levels 6".into(), "at most 5".into()],
        ),
        (phantom(&["--levels", "-1"]), vec!["--levels".into()]),
        (
            phantom(&["--iters", "0"]),
            vec!["--iters 0".into(), "at least 1".into()],
        ),
        (
            phantom(&["--tol", "0"]),
            vec!["--tol 0".into(), "> 0".into()],
        ),
        (phantom(&["--noise-snr", "inf"]), vec!["--noise-snr".into()]),
        (
            phantom(&["--method", "magic"]),
            vec!["--method".into(), "magic".into()],
        ),
        (
            phantom(&["--sampling", "spiral"]),
            vec!["--sampling".into(), "spiral".into()],
        ),
        (
            phantom(&["--method", "tv", "--cycle-spin"]),
            vec!["--cycle-spin".into()],
        ),
        (
            vec!["--phantom".into(), "8".into()],
            vec!["--phantom 8".into(), "at least 16".into()],
        ),
        (
            vec!["--phantom".into(), "1000000".into()],
            vec!["--phantom 1000000".into(), "at most 4096".into()],
        ),
        (vec!["--kspace".into(), ks.clone()], vec!["--mask".into()]),
        (
            vec![
                "--image".into(),
                s(&img).into(),
                "--kspace".into(),
                ks.clone(),
            ],
            vec!["--image".into(), "--kspace".into()],
        ),
        (
            {
                let mut v = measured(&ks, &ms);
                v.extend(["--noise-snr".into(), "20".into()]);
                v
            },
            vec!["--noise-snr".into()],
        ),
    ];
    for (i, (args, needles)) in cases.iter().enumerate() {
        let out = dir.join(format!("out{i}"));
        std::fs::create_dir(&out).unwrap();
        let mut argv: Vec<&str> = vec!["recon"];
        argv.extend(args.iter().map(String::as_str));
        argv.extend(["--quiet", "--out", s(&out)]);
        let o = cstk(&argv);
        let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
        eprintln!("case {i}: {args:?} -> {}", common::stderr(&o).trim_end());
        assert_fails_leaving_nothing(&o, &needles, &out);
        // A missing --out directory is not created either.
        let fresh = dir.join(format!("fresh{i}")).join("sub");
        argv.truncate(argv.len() - 1);
        argv.push(s(&fresh));
        assert_fails(&cstk(&argv), &needles);
        assert!(
            !fresh.parent().unwrap().exists(),
            "case {i} created {}",
            fresh.display()
        );
    }
}

/// `--out` naming an existing regular file: refused up front, naming the flag; the file
/// is left as it was.
#[test]
fn out_that_is_a_file_is_refused_and_left_alone() {
    let dir = scratch_dir("recon-out-file");
    let file: PathBuf = dir.join("taken");
    std::fs::write(&file, "keep me\n").unwrap();
    let o = cstk(&["recon", "--phantom", "32", "--quiet", "--out", s(&file)]);
    assert_fails(&o, &["--out", s(&file), "not a directory"]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me\n");
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

/// `cstk phantom` bad input: too small, unknown extension; nothing written.
#[test]
fn phantom_command_bad_input() {
    let dir = scratch_dir("phantom-bad");
    for (args, needles) in [
        (
            vec!["--size", "8", "--out", "p.png"],
            vec!["--size 8", "at least 16"],
        ),
        (vec!["--size", "-3", "--out", "p.png"], vec!["--size"]),
        (
            vec!["--size", "32", "--out", "p.jpg"],
            vec!["--out", "expected .png or .npy"],
        ),
    ] {
        let out = dir.join(args[3]);
        let mut argv = vec!["phantom"];
        argv.extend(&args[..3]);
        argv.push(s(&out));
        assert_fails_leaving_nothing(&cstk(&argv), &needles, &dir);
    }
}
