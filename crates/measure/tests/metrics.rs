//! `cstk_measure::metrics` against scikit-image. Reference: `tests/data/metrics/reference.json`
//! (made by `tests/data/metrics/make_reference.py` with skimage's `peak_signal_noise_ratio`,
//! `normalized_root_mse` and `structural_similarity(gaussian_weights=True, sigma=1.5,
//! use_sample_covariance=False)`).

use cstk_measure::Error;
use cstk_measure::metrics::{nrmse, psnr, ssim};

struct Case {
    name: String,
    ny: usize,
    nx: usize,
    data_range: f64,
    truth: Vec<f64>,
    test: Vec<f64>,
    psnr: f64,
    nrmse: f64,
    ssim: f64,
}

fn cases() -> Vec<Case> {
    let text = include_str!("data/metrics/reference.json");
    let reference: serde_json::Value = serde_json::from_str(text).unwrap();
    let list = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    reference["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().unwrap().to_string(),
            ny: c["ny"].as_u64().unwrap() as usize,
            nx: c["nx"].as_u64().unwrap() as usize,
            data_range: c["data_range"].as_f64().unwrap(),
            truth: list(&c["truth"]),
            test: list(&c["test"]),
            psnr: c["psnr"].as_f64().unwrap(),
            nrmse: c["nrmse"].as_f64().unwrap(),
            ssim: c["ssim"].as_f64().unwrap(),
        })
        .collect()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

#[test]
fn psnr_matches_skimage() {
    for c in cases() {
        let p = psnr(&c.truth, &c.test, c.data_range).unwrap();
        println!(
            "{}: psnr {p} vs {} (rel {:e})",
            c.name,
            c.psnr,
            rel(p, c.psnr)
        );
        assert!(rel(p, c.psnr) < 1e-9, "{}: {p} vs {}", c.name, c.psnr);
    }
}

#[test]
fn nrmse_matches_skimage() {
    for c in cases() {
        let e = nrmse(&c.truth, &c.test).unwrap();
        println!(
            "{}: nrmse {e} vs {} (rel {:e})",
            c.name,
            c.nrmse,
            rel(e, c.nrmse)
        );
        assert!(rel(e, c.nrmse) < 1e-9, "{}: {e} vs {}", c.name, c.nrmse);
    }
}

#[test]
fn ssim_matches_skimage() {
    for c in cases() {
        let s = ssim(&c.truth, &c.test, c.ny, c.nx, c.data_range).unwrap();
        let diff = (s - c.ssim).abs();
        println!("{}: ssim {s} vs {} (abs {diff:e})", c.name, c.ssim);
        assert!(diff < 1e-10, "{}: {s} vs {}", c.name, c.ssim);
    }
}

#[test]
fn identical_images() {
    let c = &cases()[0];
    assert_eq!(psnr(&c.truth, &c.truth, 1.0).unwrap(), f64::INFINITY);
    assert_eq!(nrmse(&c.truth, &c.truth).unwrap(), 0.0);
    let s = ssim(&c.truth, &c.truth, c.ny, c.nx, 1.0).unwrap();
    assert!((s - 1.0).abs() < 1e-12);
}

#[test]
fn ssim_is_symmetric_and_thread_independent() {
    let c = &cases()[0];
    let ab = ssim(&c.truth, &c.test, c.ny, c.nx, c.data_range).unwrap();
    let ba = ssim(&c.test, &c.truth, c.ny, c.nx, c.data_range).unwrap();
    assert!((ab - ba).abs() < 1e-14);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build();
    if let Ok(pool) = pool {
        let one = pool.install(|| ssim(&c.truth, &c.test, c.ny, c.nx, c.data_range).unwrap());
        assert_eq!(one.to_bits(), ab.to_bits());
    }
}

#[test]
fn length_and_shape_errors() {
    let a = vec![0.5; 121];
    let b = vec![0.5; 120];
    assert!(matches!(
        psnr(&a, &b, 1.0),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(nrmse(&a, &b), Err(Error::ShapeMismatch { .. })));
    assert!(matches!(
        ssim(&a, &b, 11, 11, 1.0),
        Err(Error::ShapeMismatch { .. })
    ));
    // ny·nx ≠ len
    assert!(matches!(
        ssim(&a, &a, 11, 12, 1.0),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        ssim(&a, &a, usize::MAX, 2, 1.0),
        Err(Error::ShapeMismatch { .. })
    ));
    // empty
    assert!(matches!(
        psnr(&[], &[], 1.0),
        Err(Error::InvalidParam { .. })
    ));
    assert!(matches!(nrmse(&[], &[]), Err(Error::InvalidParam { .. })));
    assert!(matches!(
        ssim(&[], &[], 0, 0, 1.0),
        Err(Error::InvalidParam { .. })
    ));
    // smaller than the 11 × 11 window on either side (skimage raises too)
    let c = vec![0.5; 10 * 20];
    assert!(matches!(
        ssim(&c, &c, 10, 20, 1.0),
        Err(Error::InvalidParam { .. })
    ));
    assert!(matches!(
        ssim(&c, &c, 20, 10, 1.0),
        Err(Error::InvalidParam { .. })
    ));
    assert!(ssim(&a, &a, 11, 11, 1.0).is_ok());
    // all-zero truth has no norm to normalize by
    assert!(matches!(
        nrmse(&[0.0; 4], &[1.0; 4]),
        Err(Error::InvalidParam { .. })
    ));
}

#[test]
fn data_range_errors() {
    let a = vec![0.5; 121];
    for r in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let e = psnr(&a, &a, r).unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidParam {
                    name: "data_range",
                    ..
                }
            ),
            "{r}"
        );
        let e = ssim(&a, &a, 11, 11, r).unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidParam {
                    name: "data_range",
                    ..
                }
            ),
            "{r}"
        );
    }
}

#[test]
fn non_finite_errors() {
    let a = vec![0.5; 121];
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut b = a.clone();
        b[37] = bad;
        assert!(matches!(psnr(&a, &b, 1.0), Err(Error::NonFinite { .. })));
        assert!(matches!(psnr(&b, &a, 1.0), Err(Error::NonFinite { .. })));
        assert!(matches!(nrmse(&a, &b), Err(Error::NonFinite { .. })));
        assert!(matches!(nrmse(&b, &a), Err(Error::NonFinite { .. })));
        assert!(matches!(
            ssim(&a, &b, 11, 11, 1.0),
            Err(Error::NonFinite { .. })
        ));
        let e = ssim(&b, &a, 11, 11, 1.0).unwrap_err();
        assert!(e.to_string().contains("37"), "{e}");
    }
}
