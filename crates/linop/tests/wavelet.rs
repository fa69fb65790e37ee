//! Wavelet transforms against PyWavelets 1.8.0 reference coefficients
//! (`tests/data/wavelet/gen_wavelet_refs.py`), filter properties, adjoints, inverses,
//! layouts, errors and thread-count independence.

mod common;

use common::allocations;
use cstk_linop::io::npy::read_npy;
use cstk_linop::testing::{assert_close, dot_test, in_pool, random_vec};
use cstk_linop::transforms::wavelet::{
    Block, Dwt1, Dwt2, Subband, Swt1, Swt2, Wavelet, WaveletFamily, dwt_max_level, swt_max_level,
};
use cstk_linop::{Complex, Error, LinOp, Scalar};
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/wavelet")
}

/// The script's `signal(i) = ((i·7919 + 13) mod 2003)/2003 − 0.5`, bit for bit.
fn signal(n: usize) -> Vec<f64> {
    (0..n as u64)
        .map(|i| ((i * 7919 + 13) % 2003) as f64 / 2003.0 - 0.5)
        .collect()
}

/// The script's `coeffs(i) = ((i·104729 + 7) mod 4001)/4001 − 0.5`.
fn coeffs(n: usize) -> Vec<f64> {
    (0..n as u64)
        .map(|i| ((i * 104729 + 7) % 4001) as f64 / 4001.0 - 0.5)
        .collect()
}

fn w(name: &str) -> Wavelet {
    Wavelet::new(name).unwrap()
}

/// One reference file: `{kind}_{wavelet}_{n<N> | <NY>x<NX>}_L{levels}.npy`.
struct Case {
    wavelet: Wavelet,
    dims: Vec<usize>,
    levels: usize,
    path: PathBuf,
}

impl Case {
    fn name(&self) -> String {
        self.path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }
}

fn cases(kind: &str) -> Vec<Case> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(data_dir()).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let parts: Vec<&str> = stem.split('_').collect();
        if parts.len() != 4 || parts[0] != kind {
            continue;
        }
        let dims = match parts[2].strip_prefix('n') {
            Some(n) => vec![n.parse().unwrap()],
            None => parts[2].split('x').map(|v| v.parse().unwrap()).collect(),
        };
        let levels = parts[3].strip_prefix('L').unwrap().parse().unwrap();
        out.push(Case {
            wavelet: w(parts[1]),
            dims,
            levels,
            path,
        });
    }
    out.sort_by_key(|c| c.name());
    assert!(!out.is_empty(), "no {kind} reference files");
    out
}

fn to<T: Scalar>(v: &[f64]) -> Vec<T> {
    v.iter().map(|&x| T::from_f64_parts(x, 0.0)).collect()
}

// ---------------------------------------------------------------------------------------
// filters
// ---------------------------------------------------------------------------------------

#[test]
fn signal_formula_reproduces_the_script() {
    let want = read_npy::<f64>(&data_dir().join("signal_check.npy")).unwrap();
    assert_eq!(
        want.data,
        signal(64),
        "inputs are defined by formula: bits must agree"
    );
}

#[test]
fn wavelet_table_is_complete() {
    let names: Vec<&str> = Wavelet::all().map(|w| w.name()).collect();
    let mut want = vec!["haar".to_string()];
    want.extend((1..=20).map(|n| format!("db{n}")));
    want.extend((2..=20).map(|n| format!("sym{n}")));
    want.extend((1..=17).map(|n| format!("coif{n}")));
    assert_eq!(names, want);
    for wav in Wavelet::all() {
        let n = wav.order();
        let (len, vm) = match wav.family() {
            WaveletFamily::Haar => (2, 1),
            WaveletFamily::Daubechies | WaveletFamily::Symlets => (2 * n, n),
            WaveletFamily::Coiflets => (6 * n, 2 * n),
            _ => unreachable!("no other family in the table"),
        };
        assert_eq!(wav.filter_len(), len, "{wav}");
        assert_eq!(wav.dec_hi().len(), len, "{wav}");
        assert_eq!(wav.vanishing_moments(), vm, "{wav}");
        assert_eq!(Wavelet::new(wav.name()).unwrap(), wav);
        assert_eq!(wav.name().parse::<Wavelet>().unwrap(), wav);
    }
    assert_eq!(w("haar").dec_lo(), w("db1").dec_lo());
}

/// Orthonormality `Σ_k h_k h_{k+2m} = δ_m` (also for `g`, and `h ⟂ g` at even shifts),
/// `Σ h = √2`, `Σ g = 0`, `g[k] = (−1)^(k+1) h[F−1−k]` exactly, and the vanishing moments
/// of `g`. The tolerance fits the published precision: PyWavelets' Daubechies and Coiflet
/// filters are exact to about 1e-16, its symlets to 12–13 digits (1.4e-11 for sym20).
#[test]
fn filters_are_orthonormal_with_vanishing_moments() {
    for wav in Wavelet::all() {
        let (h, g) = (wav.dec_lo(), wav.dec_hi());
        let f = h.len();
        let tol = if wav.family() == WaveletFamily::Symlets {
            5e-11
        } else {
            1e-14
        };
        for m in 0..f / 2 {
            let shifted = |a: &[f64], b: &[f64]| -> f64 {
                (0..f - 2 * m).map(|k| a[k] * b[k + 2 * m]).sum::<f64>()
            };
            let delta = if m == 0 { 1.0 } else { 0.0 };
            for (what, v) in [
                ("h·h", shifted(h, h) - delta),
                ("g·g", shifted(g, g) - delta),
                ("h·g", shifted(h, g)),
                ("g·h", shifted(g, h)),
            ] {
                assert!(v.abs() <= tol, "{wav}: {what} at shift 2·{m}: {v:e}");
            }
        }
        let sh: f64 = h.iter().sum();
        let sg: f64 = g.iter().sum();
        assert!((sh - 2f64.sqrt()).abs() <= 1e-14, "{wav}: Σh = {sh}");
        assert!(sg.abs() <= tol, "{wav}: Σg = {sg:e}");
        for k in 0..f {
            let want = if k % 2 == 1 {
                h[f - 1 - k]
            } else {
                -h[f - 1 - k]
            };
            assert_eq!(g[k], want, "{wav}: g[{k}]");
        }
        // Σ_k t_k^p g_k = 0 for p < vanishing moments, with t_k = k mapped onto [−1, 1] (an
        // affine change of variable keeps the moments zero), measured relative to
        // Σ_k |t_k^p g_k|, the scale of its rounding error
        let c = (f as f64 - 1.0) / 2.0;
        let moment = |p: i32| -> f64 {
            let terms = g
                .iter()
                .enumerate()
                .map(|(k, &gk)| ((k as f64 - c) / c).powi(p) * gk);
            terms.clone().sum::<f64>().abs() / terms.map(f64::abs).sum::<f64>()
        };
        for p in 0..wav.vanishing_moments() as i32 {
            assert!(moment(p) <= tol, "{wav}: moment {p}: {:e}", moment(p));
        }
        // … and not one more: the count is exact
        let p = wav.vanishing_moments() as i32;
        assert!(
            moment(p) > 10.0 * tol,
            "{wav}: moment {p} vanishes: {:e}",
            moment(p)
        );
    }
}

#[test]
fn dwt_max_level_matches_pywt() {
    let t = read_npy::<f64>(&data_dir().join("dwt_max_level.npy")).unwrap();
    let lens = [2, 4, 6, 8, 16, 40, 102];
    assert_eq!(t.shape, vec![201, lens.len()]);
    for n in 0..201 {
        for (j, &f) in lens.iter().enumerate() {
            assert_eq!(
                dwt_max_level(n, f) as f64,
                t.data[n * lens.len() + j],
                "dwt_max_level({n}, {f})"
            );
        }
    }
    assert_eq!(dwt_max_level(100, 1), 0);
    assert_eq!(dwt_max_level(100, 0), 0);
    assert_eq!(w("db4").dwt_max_level(1024), 7);
    assert_eq!(
        [1, 2, 3, 4, 12, 64, 96].map(swt_max_level),
        [0, 1, 0, 2, 2, 6, 5]
    );
}

#[test]
fn unknown_wavelet_names_list_the_families() {
    for bad in ["db0", "db21", "sym1", "coif18", "bior2.2", "DB4", ""] {
        let err = Wavelet::new(bad).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidParam {
                    name: "wavelet",
                    ..
                }
            ),
            "{bad}: {err}"
        );
        let msg = err.to_string();
        for fam in ["haar", "db1..db20", "sym2..sym20", "coif1..coif17"] {
            assert!(msg.contains(fam), "{msg}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// against PyWavelets
// ---------------------------------------------------------------------------------------

#[test]
fn dwt1_matches_pywt_wavedec() {
    for case in cases("dwt1") {
        let n = case.dims[0];
        let want = read_npy::<f64>(&case.path).unwrap();
        let op = Dwt1::<f64>::new(n, case.wavelet, case.levels).unwrap();
        assert_eq!(op.shape(), (want.data.len(), n), "{}", case.name());
        let got = op.apply_vec(&signal(n));
        assert_close(&got, &want.data, 1e-12, &case.name());
        // every band where the layout says (lengths as pywt's list)
        let mut end = op.approx_range().end;
        for l in (1..=case.levels).rev() {
            let r = op.detail_range(l);
            assert_eq!(
                (r.start, r.len()),
                (end, op.level_len(l)),
                "{}",
                case.name()
            );
            end = r.end;
        }
        assert_eq!(end, op.coeff_len());
    }
}

#[test]
fn dwt2_matches_pywt_wavedec2_coeffs_to_array() {
    for case in cases("dwt2") {
        let (ny, nx) = (case.dims[0], case.dims[1]);
        let want = read_npy::<f64>(&case.path).unwrap();
        let op = Dwt2::<f64>::new(ny, nx, case.wavelet, case.levels).unwrap();
        let (ay, ax) = op.coeff_shape();
        assert_eq!(want.shape, vec![ay, ax], "{}", case.name());
        assert_eq!(op.shape(), (ay * ax, ny * nx));
        let got = op.apply_vec(&signal(ny * nx));
        assert_close(&got, &want.data, 1e-12, &case.name());
        for g in op.gaps() {
            assert!(g.indices(ax).all(|i| got[i] == 0.0), "{}: gap", case.name());
        }
    }
}

#[test]
fn swt1_matches_pywt_swt_normalized() {
    for case in cases("swt1") {
        let n = case.dims[0];
        let want = read_npy::<f64>(&case.path).unwrap();
        assert_eq!(want.shape, vec![case.levels + 1, n]);
        let op = Swt1::<f64>::new(n, case.wavelet, case.levels).unwrap();
        let x = signal(n);
        let got = op.apply_vec(&x);
        assert_close(&got, &want.data, 1e-12, &case.name());
        // norm=True, trim_approx=True: energy is conserved (symlets to their precision)
        let e = |v: &[f64]| v.iter().map(|a| a * a).sum::<f64>();
        let tol = if case.wavelet.family() == WaveletFamily::Symlets {
            1e-10
        } else {
            1e-12
        };
        assert!((e(&got) - e(&x)).abs() <= tol * e(&x), "{}", case.name());
    }
}

#[test]
fn swt2_matches_pywt_swt2_normalized() {
    for case in cases("swt2") {
        let (ny, nx) = (case.dims[0], case.dims[1]);
        let want = read_npy::<f64>(&case.path).unwrap();
        assert_eq!(want.shape, vec![3 * case.levels + 1, ny, nx]);
        let op = Swt2::<f64>::new(ny, nx, case.wavelet, case.levels).unwrap();
        let got = op.apply_vec(&signal(ny * nx));
        assert_close(&got, &want.data, 1e-12, &case.name());
        // the ranges follow pywt's list [cA, (cH, cV, cD) per level, coarsest first]
        let n = ny * nx;
        assert_eq!(op.approx_range(), 0..n);
        for l in 1..=case.levels {
            for band in Subband::ALL {
                let r = op.detail_range(l, band);
                assert_eq!(r.start / n, 1 + 3 * (case.levels - l) + band.index());
            }
        }
    }
}

#[test]
fn adjoint_equals_pywt_waverec_for_dyadic_sizes() {
    for case in cases("idwt1") {
        let n = case.dims[0];
        let want = read_npy::<f64>(&case.path).unwrap();
        let op = Dwt1::<f64>::new(n, case.wavelet, case.levels).unwrap();
        assert!(op.is_orthogonal());
        assert_close(&op.adjoint_vec(&coeffs(n)), &want.data, 1e-12, &case.name());
    }
    for case in cases("idwt2") {
        let (ny, nx) = (case.dims[0], case.dims[1]);
        let want = read_npy::<f64>(&case.path).unwrap();
        let op = Dwt2::<f64>::new(ny, nx, case.wavelet, case.levels).unwrap();
        assert!(op.is_orthogonal());
        assert_eq!(op.coeff_shape(), (ny, nx));
        assert_close(
            &op.adjoint_vec(&coeffs(ny * nx)),
            &want.data,
            1e-12,
            &case.name(),
        );
    }
}

/// The subband positions of `coeffs_to_array(wavedec2(x(20 × 12), 'haar', level=3))`, as
/// PyWavelets reports them in `coeff_slices` (cH = 'da' bottom-left, cV = 'ad' top-right).
#[test]
fn dwt2_blocks_match_pywt_coeff_slices() {
    let op = Dwt2::<f64>::new(20, 12, w("haar"), 3).unwrap();
    assert_eq!(op.coeff_shape(), (21, 13));
    let b = |r: std::ops::Range<usize>, c: std::ops::Range<usize>| Block { rows: r, cols: c };
    assert_eq!(op.approx_block(), b(0..3, 0..2));
    // (level, 'da', 'ad', 'dd') from pywt, level 3 = coeff_slices[1]
    let want = [
        (3, b(3..6, 0..2), b(0..3, 2..4), b(3..6, 2..4)),
        (2, b(6..11, 0..3), b(0..5, 4..7), b(6..11, 4..7)),
        (1, b(11..21, 0..6), b(0..10, 7..13), b(11..21, 7..13)),
    ];
    for (l, h, v, d) in want {
        assert_eq!(op.detail_block(l, Subband::Horizontal), h, "level {l} H");
        assert_eq!(op.detail_block(l, Subband::Vertical), v, "level {l} V");
        assert_eq!(op.detail_block(l, Subband::Diagonal), d, "level {l} D");
        assert_eq!(op.level_shape(l), h.shape());
    }
    // blocks and gaps tile the array exactly once
    let mut hits = vec![0u8; 21 * 13];
    let mut blocks = vec![op.approx_block()];
    for l in 1..=3 {
        blocks.extend(Subband::ALL.map(|s| op.detail_block(l, s)));
    }
    blocks.extend(op.gaps().iter().cloned());
    for blk in &blocks {
        for i in blk.indices(13) {
            hits[i] += 1;
        }
    }
    assert!(hits.iter().all(|&h| h == 1));
    // H really is the detail along axis 0: an image constant along axis 0 has none
    let img: Vec<f64> = (0..240).map(|i| ((i % 12) as f64).sqrt()).collect();
    let c = op.apply_vec(&img);
    for l in 1..=3 {
        let hb = op.detail_block(l, Subband::Horizontal).copy_from(&c, 13);
        assert!(hb.iter().all(|v| v.abs() < 1e-12), "level {l}");
        let vb = op.detail_block(l, Subband::Vertical).copy_from(&c, 13);
        assert!(vb.iter().any(|v| v.abs() > 1e-3), "level {l}");
    }
}

// ---------------------------------------------------------------------------------------
// adjoints, inverses, tight frames
// ---------------------------------------------------------------------------------------

fn dwt1_configs() -> Vec<(usize, &'static str, usize)> {
    vec![
        (10, "haar", 3),
        (12, "db2", 2),
        (22, "sym2", 2),
        (64, "db4", 3),
        (64, "db20", 0),
        (158, "db20", 2),
        (406, "coif17", 2),
        (1, "haar", 0),
        (33, "coif1", 2),
    ]
}

fn dwt2_configs() -> Vec<(usize, usize, &'static str, usize)> {
    vec![
        (20, 12, "haar", 3),
        (21, 26, "db2", 2),
        (24, 40, "db4", 1),
        (32, 32, "sym8", 1),
        (60, 62, "db8", 2),
        (5, 3, "haar", 1),
        (7, 9, "db1", 0),
    ]
}

fn swt1_configs() -> Vec<(usize, &'static str, usize)> {
    vec![
        (16, "haar", 4),
        (64, "db2", 3),
        (32, "coif17", 2),
        (40, "sym20", 3),
    ]
}

fn swt2_configs() -> Vec<(usize, usize, &'static str, usize)> {
    vec![(8, 16, "haar", 3), (16, 8, "db4", 2), (8, 8, "coif5", 2)]
}

fn dot_all<T: Scalar>(rtol: f64) {
    for (n, name, l) in dwt1_configs() {
        let op = Dwt1::<T>::new(n, w(name), l).unwrap();
        dot_test(&op, rtol).unwrap_or_else(|e| panic!("Dwt1 {n} {name} L{l} {}: {e}", T::NAME));
    }
    for (ny, nx, name, l) in dwt2_configs() {
        let op = Dwt2::<T>::new(ny, nx, w(name), l).unwrap();
        dot_test(&op, rtol)
            .unwrap_or_else(|e| panic!("Dwt2 {ny}x{nx} {name} L{l} {}: {e}", T::NAME));
    }
    for (n, name, l) in swt1_configs() {
        let op = Swt1::<T>::new(n, w(name), l).unwrap();
        dot_test(&op, rtol).unwrap_or_else(|e| panic!("Swt1 {n} {name} L{l} {}: {e}", T::NAME));
    }
    for (ny, nx, name, l) in swt2_configs() {
        let op = Swt2::<T>::new(ny, nx, w(name), l).unwrap();
        dot_test(&op, rtol)
            .unwrap_or_else(|e| panic!("Swt2 {ny}x{nx} {name} L{l} {}: {e}", T::NAME));
    }
}

#[test]
fn dot_test_f64() {
    dot_all::<f64>(1e-12);
}

#[test]
fn dot_test_f32() {
    dot_all::<f32>(1e-5);
}

#[test]
fn dot_test_complex64() {
    dot_all::<Complex<f64>>(1e-12);
}

#[test]
fn dot_test_complex32() {
    dot_all::<Complex<f32>>(1e-5);
}

/// With every level length even, `Wᵀ W = W Wᵀ = I`: the adjoint inverts, from either side.
#[test]
fn dyadic_dwt_is_orthogonal() {
    for name in [
        "haar", "db2", "db4", "db8", "sym8", "sym20", "coif1", "coif5", "db20",
    ] {
        let wav = w(name);
        // symlets are published to 12–13 digits
        let tol = if name.starts_with("sym") {
            1e-10
        } else {
            1e-12
        };
        let n = 128;
        let l = wav.dwt_max_level(n);
        let op = Dwt1::<f64>::new(n, wav, l).unwrap();
        assert!(op.is_orthogonal() && op.nrows() == n);
        let x: Vec<f64> = random_vec(n, 1);
        assert_close(&op.adjoint_vec(&op.apply_vec(&x)), &x, tol, name);
        assert_close(&op.apply_vec(&op.adjoint_vec(&x)), &x, tol, name);

        let (ny, nx) = (64, 96);
        let l = wav
            .dwt_max_level(ny)
            .min(wav.dwt_max_level(nx))
            .min(swt_max_level(ny).min(swt_max_level(nx)));
        if l == 0 {
            continue;
        }
        let op = Dwt2::<f64>::new(ny, nx, wav, l).unwrap();
        assert!(op.is_orthogonal());
        let x: Vec<f64> = random_vec(ny * nx, 2);
        assert_close(&op.adjoint_vec(&op.apply_vec(&x)), &x, tol, name);
        assert_close(&op.apply_vec(&op.adjoint_vec(&x)), &x, tol, name);
    }
}

/// The operator `cstk recon` builds (complex scalars, 256 × 256, levels 1–4) is orthonormal:
/// `‖Wx‖ = ‖x‖`, `WᴴW x = x`, `WWᴴ z = z`. At this size the row and column passes run in
/// several parallel tasks and column strips, which the small cases above do not reach.
#[test]
fn complex_dwt2_at_recon_sizes_is_orthonormal() {
    let n = 256;
    for name in ["haar", "db2", "db4", "sym4"] {
        // symlets are published to 12–13 digits
        let tol = if name.starts_with("sym") {
            1e-10
        } else {
            1e-12
        };
        for l in 1..=4 {
            let what = format!("{name} L{l}");
            let op = Dwt2::<Complex<f64>>::new(n, n, w(name), l).unwrap();
            assert!(op.is_orthogonal() && op.nrows() == n * n, "{what}");
            let x: Vec<Complex<f64>> = random_vec(n * n, 10 + l as u64);
            let z: Vec<Complex<f64>> = random_vec(n * n, 20 + l as u64);
            let norm = |v: &[Complex<f64>]| v.iter().map(|c| c.norm_sqr()).sum::<f64>().sqrt();
            let wx = op.apply_vec(&x);
            let rel = (norm(&wx) - norm(&x)).abs() / norm(&x);
            assert!(rel < tol, "{what}: |‖Wx‖ − ‖x‖|/‖x‖ = {rel:e}");
            assert_close(&op.adjoint_vec(&wx), &x, tol, &format!("{what}: WᴴWx"));
            assert_close(
                &op.apply_vec(&op.adjoint_vec(&z)),
                &z,
                tol,
                &format!("{what}: WWᴴz"),
            );
        }
    }
}

/// With odd intermediate lengths the transform pads (as PyWavelets does): still injective
/// and correctly adjoint, but no longer orthogonal.
#[test]
fn odd_lengths_are_not_orthogonal_but_adjoint() {
    let op = Dwt1::<f64>::new(10, w("haar"), 3).unwrap();
    assert!(!op.is_orthogonal());
    assert_eq!(op.coeff_len(), 2 + 2 + 3 + 5);
    // Wᵀ W x ≠ x for a generic x, while the dot test holds (checked in dot_test_*)
    let x: Vec<f64> = random_vec(10, 3);
    let wtwx = op.adjoint_vec(&op.apply_vec(&x));
    assert!(wtwx.iter().zip(&x).any(|(a, b)| (a - b).abs() > 1e-3));
    // the columns of W still have unit norm away from the padded samples
    let mut e = vec![0.0; 10];
    e[0] = 1.0;
    let c = op.apply_vec(&e);
    assert!((c.iter().map(|v| v * v).sum::<f64>() - 1.0).abs() < 1e-12);
    let op2 = Dwt2::<f64>::new(24, 40, w("haar"), 4).unwrap();
    assert!(!op2.is_orthogonal());
    assert_eq!(op2.coeff_shape(), (2 + 2 + 3 + 6 + 12, 3 + 3 + 5 + 10 + 20));
}

/// `norm=True, trim_approx=True`: a tight frame, `Sᴴ S = I` (not `S Sᴴ`).
#[test]
fn swt_is_a_tight_frame() {
    for (n, name, l) in swt1_configs() {
        let op = Swt1::<f64>::new(n, w(name), l).unwrap();
        let tol = if name.starts_with("sym") {
            1e-10
        } else {
            1e-12
        };
        let x: Vec<f64> = random_vec(n, 4);
        assert_close(&op.adjoint_vec(&op.apply_vec(&x)), &x, tol, name);
    }
    for (ny, nx, name, l) in swt2_configs() {
        let op = Swt2::<f64>::new(ny, nx, w(name), l).unwrap();
        let x: Vec<Complex<f64>> = random_vec(ny * nx, 5);
        let op_c = Swt2::<Complex<f64>>::new(ny, nx, w(name), l).unwrap();
        assert_close(&op_c.adjoint_vec(&op_c.apply_vec(&x)), &x, 1e-12, name);
        let xr: Vec<f64> = random_vec(ny * nx, 6);
        assert_close(&op.adjoint_vec(&op.apply_vec(&xr)), &xr, 1e-12, name);
    }
}

/// The stationary transform is translation-invariant: shifting the signal circularly
/// shifts every band.
#[test]
fn swt_commutes_with_circular_shifts() {
    let (n, s) = (64, 5);
    let op = Swt1::<f64>::new(n, w("db4"), 3).unwrap();
    let x = signal(n);
    let xs: Vec<f64> = (0..n).map(|i| x[(i + n - s) % n]).collect();
    let (c, cs) = (op.apply_vec(&x), op.apply_vec(&xs));
    for band in 0..4 {
        let b = &c[band * n..(band + 1) * n];
        let shifted: Vec<f64> = (0..n).map(|i| b[(i + n - s) % n]).collect();
        assert_close(&cs[band * n..(band + 1) * n], &shifted, 1e-12, "band");
    }
}

/// Filters are real: a complex transform is the real transform of each part.
#[test]
fn complex_transforms_act_on_real_and_imaginary_parts() {
    let (ny, nx) = (21, 26);
    let re = signal(ny * nx);
    let im = coeffs(ny * nx);
    let z: Vec<Complex<f64>> = re
        .iter()
        .zip(&im)
        .map(|(&a, &b)| Complex::new(a, b))
        .collect();
    let op_r = Dwt2::<f64>::new(ny, nx, w("db2"), 2).unwrap();
    let op_c = Dwt2::<Complex<f64>>::new(ny, nx, w("db2"), 2).unwrap();
    let (cr, ci, cz) = (op_r.apply_vec(&re), op_r.apply_vec(&im), op_c.apply_vec(&z));
    let want: Vec<Complex<f64>> = cr
        .iter()
        .zip(&ci)
        .map(|(&a, &b)| Complex::new(a, b))
        .collect();
    assert_close(&cz, &want, 1e-15, "complex Dwt2");
    let (ar, ai, az) = (
        op_r.adjoint_vec(&cr),
        op_r.adjoint_vec(&ci),
        op_c.adjoint_vec(&cz),
    );
    let want: Vec<Complex<f64>> = ar
        .iter()
        .zip(&ai)
        .map(|(&a, &b)| Complex::new(a, b))
        .collect();
    assert_close(&az, &want, 1e-15, "complex Dwt2 adjoint");

    // f32 against the f64 reference
    let op32 = Dwt2::<f32>::new(ny, nx, w("db2"), 2).unwrap();
    let got = op32.apply_vec(&to::<f32>(&re));
    let got64: Vec<f64> = got.iter().map(|&v| v as f64).collect();
    assert_close(&got64, &cr, 1e-5, "f32 Dwt2");
}

#[test]
fn level_zero_is_the_identity() {
    let x = signal(12);
    let op = Dwt1::<f64>::new(12, w("db4"), 0).unwrap();
    assert_eq!(op.apply_vec(&x), x);
    assert_eq!(op.adjoint_vec(&x), x);
    assert_eq!(op.approx_range(), 0..12);
    let op = Dwt2::<f64>::new(3, 4, w("db4"), 0).unwrap();
    assert_eq!(
        (op.coeff_shape(), op.approx_block().shape()),
        ((3, 4), (3, 4))
    );
    assert_eq!(op.apply_vec(&x), x);
}

// ---------------------------------------------------------------------------------------
// errors and panics
// ---------------------------------------------------------------------------------------

#[test]
fn levels_beyond_the_limits_are_errors() {
    let is_levels = |e: Error| matches!(e, Error::InvalidParam { name: "levels", .. });
    // dwt_max_level(64, 40) = 0 for db20; (1024, 8) = 7 for db4
    assert!(is_levels(Dwt1::<f64>::new(64, w("db20"), 1).unwrap_err()));
    let err = Dwt1::<f64>::new(1024, w("db4"), 8).unwrap_err();
    assert!(err.to_string().contains("at most 7"), "{err}");
    assert!(is_levels(err));
    // 2-D: the smaller side decides (dwt_max_level(20, 4) = 2)
    assert!(Dwt2::<f64>::new(20, 400, w("db2"), 2).is_ok());
    assert!(is_levels(
        Dwt2::<f64>::new(20, 400, w("db2"), 3).unwrap_err()
    ));
    // stationary: 2^L must divide every side, L ≥ 1
    assert!(is_levels(Swt1::<f64>::new(12, w("haar"), 3).unwrap_err()));
    assert!(is_levels(Swt1::<f64>::new(16, w("haar"), 0).unwrap_err()));
    assert!(is_levels(
        Swt2::<f64>::new(16, 12, w("haar"), 3).unwrap_err()
    ));
    // empty signals
    for err in [
        Dwt1::<f64>::new(0, w("haar"), 0).unwrap_err(),
        Dwt2::<f64>::new(4, 0, w("haar"), 0).unwrap_err(),
        Swt1::<f64>::new(0, w("haar"), 1).unwrap_err(),
        Swt2::<f64>::new(0, 4, w("haar"), 1).unwrap_err(),
    ] {
        assert!(matches!(err, Error::InvalidParam { .. }), "{err}");
    }
}

#[test]
#[should_panic(expected = "expected length 11, got 10")]
fn wrong_output_length_panics_naming_both() {
    let op = Dwt1::<f64>::new(10, w("haar"), 2).unwrap();
    let mut y = vec![0.0; 10];
    op.apply(&signal(10), &mut y);
}

#[test]
#[should_panic(expected = "scratch")]
fn short_scratch_panics() {
    let op = Dwt2::<f64>::new(16, 16, w("db2"), 2).unwrap();
    let mut y = vec![0.0; 256];
    let mut s = vec![0.0; op.scratch_len() - 1];
    op.apply_with_scratch(&signal(256), &mut y, &mut s);
}

#[test]
#[should_panic(expected = "out of range 1..=2")]
fn detail_level_out_of_range_panics() {
    Dwt2::<f64>::new(16, 16, w("db2"), 2)
        .unwrap()
        .detail_block(3, Subband::Diagonal);
}

// ---------------------------------------------------------------------------------------
// threads and scratch
// ---------------------------------------------------------------------------------------

fn same_for_1_and_2_threads<L: LinOp<f64>>(op: &L, what: &str) {
    let x: Vec<f64> = random_vec(op.ncols(), 11);
    let y: Vec<f64> = random_vec(op.nrows(), 12);
    let run = || (op.apply_vec(&x), op.adjoint_vec(&y));
    let (a1, b1) = in_pool(1, run);
    let (a2, b2) = in_pool(2, run);
    assert!(
        a1.iter().zip(&a2).all(|(p, q)| p.to_bits() == q.to_bits()),
        "{what}: apply differs between 1 and 2 threads"
    );
    assert!(
        b1.iter().zip(&b2).all(|(p, q)| p.to_bits() == q.to_bits()),
        "{what}: adjoint differs between 1 and 2 threads"
    );
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    same_for_1_and_2_threads(
        &Dwt2::<f64>::new(256, 200, w("db4"), 4).unwrap(),
        "Dwt2 256x200",
    );
    same_for_1_and_2_threads(
        &Dwt2::<f64>::new(99, 130, w("sym8"), 2).unwrap(),
        "Dwt2 99x130",
    );
    // long enough for the parallel line chunks
    same_for_1_and_2_threads(
        &Dwt1::<f64>::new(100_003, w("db8"), 3).unwrap(),
        "Dwt1 100003",
    );
    same_for_1_and_2_threads(
        &Swt1::<f64>::new(1 << 16, w("db2"), 3).unwrap(),
        "Swt1 65536",
    );
    same_for_1_and_2_threads(
        &Swt2::<f64>::new(128, 96, w("coif1"), 2).unwrap(),
        "Swt2 128x96",
    );
}

/// `*_with_scratch` reads nothing from the scratch it is given (garbage in, same result),
/// and an over-long scratch is fine.
#[test]
fn scratch_contents_do_not_matter() {
    let op = Dwt2::<f64>::new(60, 62, w("db8"), 2).unwrap();
    let x = signal(60 * 62);
    let want = op.apply_vec(&x);
    let mut y = vec![f64::NAN; op.nrows()];
    let mut s = vec![f64::NAN; op.scratch_len() + 7];
    op.apply_with_scratch(&x, &mut y, &mut s);
    assert_eq!(y, want);
    let back = op.adjoint_vec(&want);
    let mut xb = vec![f64::NAN; op.ncols()];
    s.fill(f64::NAN);
    op.adjoint_with_scratch(&want, &mut xb, &mut s);
    assert_eq!(xb, back);
}

// ---------------------------------------------------------------------------------------
// Haar fast path (Dwt2 with the Haar wavelet and every level's sizes even)
// ---------------------------------------------------------------------------------------

type C64 = Complex<f64>;

/// One band of a plain periodization DWT level, straight from PyWavelets' definition:
/// `out[i] = Σ_j f[j]·x[(2i + 1 − j) mod n]` (`f` = `dec_lo` or `dec_hi`; even `n`).
fn ref_band(x: &[C64], f: &[f64]) -> Vec<C64> {
    let n = x.len();
    (0..n / 2)
        .map(|i| {
            f.iter()
                .enumerate()
                .map(|(j, &c)| x[(2 * i + 1 + n * f.len() - j) % n] * c)
                .sum()
        })
        .collect()
}

/// The transpose of [`ref_band`] for both bands: `x[(2i + 1 − j) mod n] += h[j]·lo[i] +
/// g[j]·hi[i]`.
fn ref_band_adjoint(lo: &[C64], hi: &[C64], h: &[f64], g: &[f64]) -> Vec<C64> {
    let n = 2 * lo.len();
    let mut x = vec![C64::new(0.0, 0.0); n];
    for i in 0..lo.len() {
        for j in 0..h.len() {
            x[(2 * i + 1 + n * h.len() - j) % n] += lo[i] * h[j] + hi[i] * g[j];
        }
    }
    x
}

fn column(a: &[C64], w: usize, c: usize) -> Vec<C64> {
    a.iter().skip(c).step_by(w).copied().collect()
}

/// An independent `wavedec2(…, "haar", "periodization")` + `coeffs_to_array` for sizes
/// divisible by `2^levels`: rows then columns, level by level, from the filter definitions.
fn ref_haar2(x: &[C64], ny: usize, nx: usize, levels: usize) -> Vec<C64> {
    let (h, g) = (w("haar").dec_lo(), w("haar").dec_hi());
    let mut out = vec![C64::new(0.0, 0.0); ny * nx];
    let (mut a, mut sy, mut sx) = (x.to_vec(), ny, nx);
    for _ in 0..levels {
        let (my, mx) = (sy / 2, sx / 2);
        // along each row: x-low (lx) and x-high (hx), sy × mx each
        let (mut lx, mut hx) = (Vec::new(), Vec::new());
        for row in a.chunks_exact(sx) {
            lx.extend(ref_band(row, h));
            hx.extend(ref_band(row, g));
        }
        let mut next = vec![C64::new(0.0, 0.0); my * mx];
        for c in 0..mx {
            let (cl, ch) = (column(&lx, mx, c), column(&hx, mx, c));
            let (ll, hl) = (ref_band(&cl, h), ref_band(&cl, g));
            let (lh, hh) = (ref_band(&ch, h), ref_band(&ch, g));
            for r in 0..my {
                next[r * mx + c] = ll[r];
                out[r * nx + mx + c] = lh[r]; // V: top-right
                out[(my + r) * nx + c] = hl[r]; // H: bottom-left
                out[(my + r) * nx + mx + c] = hh[r]; // D
            }
        }
        (a, sy, sx) = (next, my, mx);
    }
    for r in 0..sy {
        out[r * nx..r * nx + sx].copy_from_slice(&a[r * sx..(r + 1) * sx]);
    }
    out
}

/// The transpose of [`ref_haar2`], coarsest level first.
fn ref_haar2_adjoint(y: &[C64], ny: usize, nx: usize, levels: usize) -> Vec<C64> {
    let (h, g) = (w("haar").dec_lo(), w("haar").dec_hi());
    let (ly, lx) = (ny >> levels, nx >> levels);
    let mut a: Vec<C64> = (0..ly)
        .flat_map(|r| y[r * nx..r * nx + lx].iter().copied())
        .collect();
    for l in (1..=levels).rev() {
        let (my, mx) = (ny >> l, nx >> l);
        let at = |r: usize, c: usize| y[r * nx + c];
        // columns back: x-low rows from (cA, H), x-high rows from (V, D)
        let (mut lxt, mut hxt) = (
            vec![C64::default(); 2 * my * mx],
            vec![C64::default(); 2 * my * mx],
        );
        for c in 0..mx {
            let ll = column(&a, mx, c);
            let hl: Vec<C64> = (0..my).map(|r| at(my + r, c)).collect();
            let lh: Vec<C64> = (0..my).map(|r| at(r, mx + c)).collect();
            let hh: Vec<C64> = (0..my).map(|r| at(my + r, mx + c)).collect();
            let (cl, ch) = (
                ref_band_adjoint(&ll, &hl, h, g),
                ref_band_adjoint(&lh, &hh, h, g),
            );
            for r in 0..2 * my {
                lxt[r * mx + c] = cl[r];
                hxt[r * mx + c] = ch[r];
            }
        }
        a = lxt
            .chunks_exact(mx)
            .zip(hxt.chunks_exact(mx))
            .flat_map(|(lo, hi)| ref_band_adjoint(lo, hi, h, g))
            .collect();
    }
    a
}

/// `(ny, nx, levels)` on which Haar takes the fast path.
/// (256 × 256 with 1 level splits its only, last, level into parallel jobs.)
const HAAR_SHAPES: [(usize, usize, usize); 8] = [
    (8, 8, 1),
    (256, 256, 1),
    (2, 2, 1),
    (16, 32, 3),
    (64, 48, 4),
    (256, 256, 4),
    (24, 40, 3),
    (128, 64, 6),
];

/// The fast path against the plain reference and against `db1` (the same filters through
/// the generic path), apply and adjoint, with complex inputs cut to `T`.
fn haar_matches_reference<T: Scalar>(rtol: f64) {
    for (ny, nx, levels) in HAAR_SHAPES {
        let op = Dwt2::<T>::new(ny, nx, w("haar"), levels).unwrap();
        let generic = Dwt2::<T>::new(ny, nx, w("db1"), levels).unwrap();
        assert!(op.is_orthogonal() && op.coeff_shape() == (ny, nx));
        let what = format!("haar {ny}x{nx} L{levels} {}", T::NAME);
        let x: Vec<T> = random_vec(ny * nx, 5);
        let y: Vec<T> = random_vec(ny * nx, 6);
        let wide = |v: &[T]| v.iter().map(|t| t.to_c64()).collect::<Vec<_>>();
        let narrow = |v: Vec<C64>| {
            v.into_iter()
                .map(|z| T::from_f64_parts(z.re, z.im))
                .collect::<Vec<T>>()
        };
        let fwd = op.apply_vec(&x);
        let adj = op.adjoint_vec(&y);
        let want_fwd = narrow(ref_haar2(&wide(&x), ny, nx, levels));
        let want_adj = narrow(ref_haar2_adjoint(&wide(&y), ny, nx, levels));
        assert_close(&fwd, &want_fwd, rtol, &format!("{what} apply vs reference"));
        assert_close(
            &adj,
            &want_adj,
            rtol,
            &format!("{what} adjoint vs reference"),
        );
        assert_close(
            &fwd,
            &generic.apply_vec(&x),
            rtol,
            &format!("{what} apply vs db1"),
        );
        assert_close(
            &adj,
            &generic.adjoint_vec(&y),
            rtol,
            &format!("{what} adjoint vs db1"),
        );
    }
}

#[test]
fn haar_fast_path_matches_reference_f64() {
    haar_matches_reference::<f64>(1e-12);
}

#[test]
fn haar_fast_path_matches_reference_complex64() {
    haar_matches_reference::<C64>(1e-12);
}

#[test]
fn haar_fast_path_matches_reference_f32() {
    haar_matches_reference::<f32>(1e-5);
}

#[test]
fn haar_fast_path_matches_reference_complex32() {
    haar_matches_reference::<Complex<f32>>(1e-5);
}

/// The reference itself agrees with PyWavelets (one `wavedec2` file on the fast path).
#[test]
fn haar_reference_matches_pywt() {
    let want = read_npy::<f64>(&data_dir().join("dwt2_haar_32x32_L5.npy")).unwrap();
    let x: Vec<C64> = signal(32 * 32).iter().map(|&v| C64::new(v, 0.0)).collect();
    let got: Vec<f64> = ref_haar2(&x, 32, 32, 5).iter().map(|z| z.re).collect();
    assert_close(&got, &want.data, 1e-12, "reference haar 32x32 L5");
}

#[test]
fn haar_fast_path_round_trips() {
    for (ny, nx, levels) in HAAR_SHAPES {
        let op = Dwt2::<C64>::new(ny, nx, w("haar"), levels).unwrap();
        let x: Vec<C64> = random_vec(ny * nx, 7);
        let back = op.adjoint_vec(&op.apply_vec(&x));
        assert_close(
            &back,
            &x,
            1e-14,
            &format!("haar {ny}x{nx} L{levels} W^T W x"),
        );
        let c: Vec<C64> = random_vec(ny * nx, 8);
        let again = op.apply_vec(&op.adjoint_vec(&c));
        assert_close(
            &again,
            &c,
            1e-14,
            &format!("haar {ny}x{nx} L{levels} W W^T c"),
        );
        dot_test(&op, 1e-12).unwrap();
    }
}

/// Haar with an odd level size is not orthogonal and keeps the generic path: bit for bit
/// what `db1` (same filters, always generic) gives, and PyWavelets' coefficients.
#[test]
fn haar_with_odd_level_sizes_uses_the_generic_path() {
    for (ny, nx, levels) in [(20, 12, 3), (21, 26, 4), (24, 40, 4), (20, 10, 2)] {
        let op = Dwt2::<f64>::new(ny, nx, w("haar"), levels).unwrap();
        assert!(!op.is_orthogonal(), "{ny}x{nx} L{levels}");
        let generic = Dwt2::<f64>::new(ny, nx, w("db1"), levels).unwrap();
        let x = signal(ny * nx);
        let y: Vec<f64> = random_vec(op.nrows(), 9);
        assert_eq!(
            op.apply_vec(&x),
            generic.apply_vec(&x),
            "{ny}x{nx} L{levels}"
        );
        assert_eq!(
            op.adjoint_vec(&y),
            generic.adjoint_vec(&y),
            "{ny}x{nx} L{levels}"
        );
        let path = data_dir().join(format!("dwt2_haar_{ny}x{nx}_L{levels}.npy"));
        if path.exists() {
            let want = read_npy::<f64>(&path).unwrap();
            assert_close(
                &op.apply_vec(&x),
                &want.data,
                1e-12,
                &path.to_string_lossy(),
            );
        }
    }
}

#[test]
fn haar_fast_path_is_thread_count_independent() {
    let op = Dwt2::<f64>::new(512, 512, w("haar"), 4).unwrap();
    let opc = Dwt2::<C64>::new(512, 512, w("haar"), 4).unwrap();
    let op1 = Dwt2::<f64>::new(512, 512, w("haar"), 1).unwrap();
    let x: Vec<f64> = random_vec(512 * 512, 21);
    let y: Vec<f64> = random_vec(512 * 512, 22);
    let xc: Vec<C64> = random_vec(512 * 512, 23);
    let run = || {
        (
            op.apply_vec(&x),
            op.adjoint_vec(&y),
            opc.apply_vec(&xc),
            opc.adjoint_vec(&opc.apply_vec(&xc)),
            op1.apply_vec(&x),
            op1.adjoint_vec(&y),
        )
    };
    let one = in_pool(1, run);
    let three = in_pool(3, run);
    let bits = |v: &[f64]| v.iter().map(|p| p.to_bits()).collect::<Vec<_>>();
    let cbits = |v: &[C64]| {
        v.iter()
            .map(|p| (p.re.to_bits(), p.im.to_bits()))
            .collect::<Vec<_>>()
    };
    assert!(
        bits(&one.0) == bits(&three.0),
        "apply differs for 1 and 3 threads"
    );
    assert!(
        bits(&one.1) == bits(&three.1),
        "adjoint differs for 1 and 3 threads"
    );
    assert!(cbits(&one.2) == cbits(&three.2), "complex apply differs");
    assert!(cbits(&one.3) == cbits(&three.3), "complex adjoint differs");
    assert!(bits(&one.4) == bits(&three.4), "1-level apply differs");
    assert!(bits(&one.5) == bits(&three.5), "1-level adjoint differs");
}

#[test]
fn dwt2_with_scratch_does_not_allocate() {
    // One worker: every parallel job runs on the measured thread (allocation_counter counts
    // the current thread's allocations).
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    // 512 × 512 splits the Haar levels into several parallel jobs; 16 × 8 runs inline
    for (ny, nx, l) in [(512, 512, 4), (16, 8, 3), (16, 8, 1)] {
        let haar = Dwt2::<C64>::new(ny, nx, w("haar"), l).unwrap();
        assert_eq!(allocations(&haar, &pool), 0, "haar {ny}x{nx} L{l}");
        let haar32 = Dwt2::<f32>::new(ny, nx, w("haar"), l).unwrap();
        assert_eq!(allocations(&haar32, &pool), 0, "haar f32 {ny}x{nx} L{l}");
    }
    let generic = Dwt2::<f64>::new(96, 130, w("db2"), 3).unwrap();
    assert_eq!(allocations(&generic, &pool), 0, "db2 96x130");
}
