//! `cstk_measure::phantom::shepp_logan` against an independent numpy implementation of
//! MATLAB's `phantom('Modified Shepp-Logan', n)`: `tests/data/phantom/shepp_logan_{n}.npy`,
//! made by `tests/data/phantom/make_reference.py`.

use std::path::PathBuf;

use cstk_linop::io::npy::read_npy;
use cstk_measure::Error;
use cstk_measure::phantom::shepp_logan;

fn reference(n: usize) -> Vec<f64> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/phantom")
        .join(format!("shepp_logan_{n}.npy"));
    let a = read_npy::<f64>(&path).unwrap();
    assert_eq!(a.shape, vec![n, n]);
    a.data
}

#[test]
fn matches_numpy_reference() {
    for n in [16, 64, 100] {
        let p = shepp_logan(n).unwrap();
        let r = reference(n);
        assert_eq!(p.len(), n * n);
        let worst = p
            .iter()
            .zip(&r)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert_eq!(worst, 0.0, "n = {n}: max |difference| {worst:e}");
    }
}

#[test]
fn values_in_unit_interval() {
    for n in [16, 17, 64, 100, 255] {
        let p = shepp_logan(n).unwrap();
        assert!(p.iter().all(|&v| (0.0..=1.0).contains(&v)), "n = {n}");
        assert!(p.contains(&1.0) && p.contains(&0.0), "n = {n}");
    }
}

#[test]
fn known_values() {
    for n in [64, 100, 256] {
        let p = shepp_logan(n).unwrap();
        // All four corners are background.
        for (i, j) in [(0, 0), (0, n - 1), (n - 1, 0), (n - 1, n - 1)] {
            assert_eq!(p[i * n + j], 0.0, "n = {n}, corner ({i}, {j})");
        }
        // Pixel (n/4, n/4) is at about (x, y) = (−0.5, 0.5): inside ellipses 1 and 2 only.
        let brain = p[(n / 4) * n + n / 4];
        assert!((brain - 0.2).abs() < 1e-12, "n = {n}: {brain}");
        // Top-centre, just inside the skull (y ≈ 0.9): ellipse 1 only.
        let i = ((1.0 - 0.9) * (n - 1) as f64 / 2.0).round() as usize;
        assert_eq!(p[i * n + n / 2], 1.0, "n = {n}");
        // Row 0 is the top: the skull reaches y = +0.92 at the top but y = −0.92 at the
        // bottom too, so check orientation with ellipse 5 (centre y = +0.35, value 0.3).
        let i5 = ((1.0 - 0.35) * (n - 1) as f64 / 2.0).round() as usize;
        assert!((p[i5 * n + n / 2] - 0.3).abs() < 1e-12, "n = {n}");
        let i5_flipped = n - 1 - i5;
        assert!((p[i5_flipped * n + n / 2] - 0.3).abs() > 0.05, "n = {n}");
    }
}

#[test]
fn too_small_is_an_error() {
    for n in [0, 1, 8, 15] {
        let e = shepp_logan(n).unwrap_err();
        assert!(matches!(e, Error::InvalidParam { name: "size", .. }), "{e}");
        let msg = e.to_string();
        assert!(msg.contains("size") && msg.contains("≥ 16"), "{msg}");
    }
    assert!(shepp_logan(16).is_ok());
}
