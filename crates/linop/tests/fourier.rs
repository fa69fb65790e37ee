//! Unitary FFT operators: NumPy reference vectors (tests/data/fourier, made by
//! make_refs.py), a naive O(N²) DFT over random sizes, the adjoint (dot) test, inverse
//! round trips, `forward_real` against the complex transform, bit-identical results for any
//! thread count and for garbage-filled scratch, and no allocation per call.

use cstk_linop::io::npy::read_npy;
use cstk_linop::testing::{assert_close, assert_unitary, dot_test, in_pool, random_vec};
use cstk_linop::transforms::fourier::{Fft1, Fft2, FftReal};
use cstk_linop::{Complex, Error, LinOp, Scalar};
use proptest::prelude::*;
use std::path::Path;

type C32 = Complex<f32>;
type C64 = Complex<f64>;

const SIZES_1D: [usize; 6] = [1, 2, 5, 8, 12, 17];
const SIZES_2D: [(usize, usize); 5] = [(4, 4), (6, 10), (5, 7), (8, 3), (16, 16)];

/// A reference array from tests/data/fourier, converted to `T`.
fn load<T: Scalar>(name: &str) -> (Vec<usize>, Vec<T>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fourier")
        .join(format!("{name}.npy"));
    let a = read_npy::<T>(&path).unwrap_or_else(|e| panic!("{e}"));
    (a.shape, a.data)
}

fn to_complex<R: FftReal>(x: &[R]) -> Vec<Complex<R>> {
    x.iter().map(|&v| Complex::new(v, R::zero())).collect()
}

/// `Σₙ x[n] e^{∓2πi (k−h)(n−h)/N} / √N` with `h = N/2` when centered, else 0 (exact
/// integer phases, in f64).
fn naive_dft(x: &[C64], centered: bool, inverse: bool) -> Vec<C64> {
    let n = x.len() as i64;
    let h = if centered { n / 2 } else { 0 };
    let sign = if inverse { 1.0 } else { -1.0 };
    (0..n)
        .map(|k| {
            let sum: C64 = (0..n)
                .map(|m| {
                    let phase = ((k - h) * (m - h)).rem_euclid(n) as f64 / n as f64;
                    x[m as usize]
                        * Complex::from_polar(1.0, sign * 2.0 * std::f64::consts::PI * phase)
                })
                .sum();
            sum / (n as f64).sqrt()
        })
        .collect()
}

/// The naive 2-D DFT of a row-major `ny × nx` image: 1-D naive DFTs of rows, then columns.
fn naive_dft2(x: &[C64], ny: usize, nx: usize, centered: bool, inverse: bool) -> Vec<C64> {
    let mut rows: Vec<C64> = x
        .chunks(nx)
        .flat_map(|r| naive_dft(r, centered, inverse))
        .collect();
    for j in 0..nx {
        let col: Vec<C64> = (0..ny).map(|i| rows[i * nx + j]).collect();
        for (i, v) in naive_dft(&col, centered, inverse).into_iter().enumerate() {
            rows[i * nx + j] = v;
        }
    }
    rows
}

fn widen(x: &[C32]) -> Vec<C64> {
    x.iter().map(|v| v.to_c64()).collect()
}

// ---------------------------------------------------------------------------------------
// NumPy references
// ---------------------------------------------------------------------------------------

/// apply and adjoint of `op` on the reference input `x…_c` against `fft…`/`ifft…` (or the
/// centered `cfft…`/`cifft…`), in f64 and f32.
fn check_refs<L64, L32>(op64: &L64, op32: &L32, dim: usize, tag: &str, centered: bool)
where
    L64: LinOp<C64>,
    L32: LinOp<C32>,
{
    let p = if centered { "c" } else { "" };
    let (_, x64) = load::<C64>(&format!("x{dim}_{tag}_c"));
    let (_, x32) = load::<C32>(&format!("x{dim}_{tag}_c"));
    for (op, inv) in [("fft", false), ("ifft", true)] {
        let name = format!("{p}{op}{dim}_{tag}_c");
        let (_, want64) = load::<C64>(&name);
        let (_, want32) = load::<C32>(&name);
        let (got64, got32) = if inv {
            (op64.adjoint_vec(&x64), op32.adjoint_vec(&x32))
        } else {
            (op64.apply_vec(&x64), op32.apply_vec(&x32))
        };
        assert_close(&got64, &want64, 1e-13, &format!("{name} (f64)"));
        assert_close(&got32, &want32, 2e-6, &format!("{name} (f32)"));
    }
}

#[test]
fn fft1_matches_numpy() {
    for n in SIZES_1D {
        for centered in [false, true] {
            let (f64op, f32op) = (
                Fft1::<f64>::new(n, centered).unwrap(),
                Fft1::<f32>::new(n, centered).unwrap(),
            );
            check_refs(&f64op, &f32op, 1, &n.to_string(), centered);
        }
    }
}

#[test]
fn fft2_matches_numpy() {
    for (ny, nx) in SIZES_2D {
        for centered in [false, true] {
            let tag = format!("{ny}x{nx}");
            let op64 = Fft2::<f64>::new(ny, nx, centered).unwrap();
            let op32 = Fft2::<f32>::new(ny, nx, centered).unwrap();
            check_refs(&op64, &op32, 2, &tag, centered);
        }
    }
}

#[test]
fn fft2_forward_real_matches_numpy() {
    for (ny, nx) in SIZES_2D {
        for centered in [false, true] {
            let tag = format!("{ny}x{nx}");
            let name = format!("{}fft2_{tag}_r", if centered { "c" } else { "" });
            let (shape, x) = load::<f64>(&format!("x2_{tag}_r"));
            assert_eq!(shape, [ny, nx]);
            let (_, want) = load::<C64>(&name);
            let op = Fft2::<f64>::new(ny, nx, centered).unwrap();
            let mut y = vec![C64::new(f64::NAN, 0.0); ny * nx];
            let mut scratch = vec![C64::new(f64::NAN, f64::NAN); op.scratch_len()];
            op.forward_real(&x, &mut y, &mut scratch);
            assert_close(&y, &want, 1e-13, &name);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Adjoint, inverse
// ---------------------------------------------------------------------------------------

#[test]
fn dot_tests() {
    for n in SIZES_1D.into_iter().chain([64, 97, 1000]) {
        for centered in [false, true] {
            dot_test::<C64, _>(&Fft1::<f64>::new(n, centered).unwrap(), 1e-12).unwrap();
            dot_test::<C32, _>(&Fft1::<f32>::new(n, centered).unwrap(), 1e-5).unwrap();
        }
    }
    for (ny, nx) in SIZES_2D
        .into_iter()
        .chain([(1, 1), (1, 9), (9, 1), (96, 128), (97, 131)])
    {
        for centered in [false, true] {
            dot_test::<C64, _>(&Fft2::<f64>::new(ny, nx, centered).unwrap(), 1e-12).unwrap();
            dot_test::<C32, _>(&Fft2::<f32>::new(ny, nx, centered).unwrap(), 1e-5).unwrap();
        }
    }
}

#[test]
fn adjoint_is_inverse() {
    for n in SIZES_1D.into_iter().chain([64, 97, 1000]) {
        for centered in [false, true] {
            assert_unitary::<C64, _>(&Fft1::<f64>::new(n, centered).unwrap(), 1e-14, "Fft1 f64");
            assert_unitary::<C32, _>(&Fft1::<f32>::new(n, centered).unwrap(), 1e-5, "Fft1 f32");
        }
    }
    for (ny, nx) in SIZES_2D.into_iter().chain([(1, 9), (96, 128), (97, 131)]) {
        for centered in [false, true] {
            assert_unitary::<C64, _>(
                &Fft2::<f64>::new(ny, nx, centered).unwrap(),
                1e-14,
                "Fft2 f64",
            );
            assert_unitary::<C32, _>(
                &Fft2::<f32>::new(ny, nx, centered).unwrap(),
                1e-5,
                "Fft2 f32",
            );
        }
    }
}

#[test]
fn unitary_preserves_norm() {
    let op = Fft2::<f64>::new(33, 20, true).unwrap();
    let x: Vec<C64> = random_vec(660, 5);
    let norm = |v: &[C64]| v.iter().map(|z| z.norm_sqr()).sum::<f64>().sqrt();
    assert!((norm(&op.apply_vec(&x)) - norm(&x)).abs() < 1e-12 * norm(&x));
}

// ---------------------------------------------------------------------------------------
// forward_real
// ---------------------------------------------------------------------------------------

#[test]
fn forward_real_equals_complex_transform() {
    let sizes = [
        (1, 1),
        (1, 6),
        (7, 1),
        (2, 2),
        (3, 5),
        (4, 7),
        (5, 4),
        (6, 6),
        (9, 13),
        (96, 128),
        (97, 131),
        (130, 65),
    ];
    for (ny, nx) in sizes {
        for centered in [false, true] {
            let what = format!("forward_real {ny}x{nx} centered={centered}");
            let op = Fft2::<f64>::new(ny, nx, centered).unwrap();
            let x: Vec<f64> = random_vec(ny * nx, 3);
            let want = op.apply_vec(&to_complex(&x));
            let mut y = vec![C64::new(f64::NAN, f64::NAN); ny * nx];
            let mut scratch = vec![C64::new(f64::NAN, f64::NAN); op.scratch_len()];
            op.forward_real(&x, &mut y, &mut scratch);
            assert_close(&y, &want, 1e-14, &what);

            let op = Fft2::<f32>::new(ny, nx, centered).unwrap();
            let x: Vec<f32> = random_vec(ny * nx, 3);
            let want = op.apply_vec(&to_complex(&x));
            let mut y = vec![C32::new(f32::NAN, f32::NAN); ny * nx];
            let mut scratch = vec![C32::new(f32::NAN, f32::NAN); op.scratch_len()];
            op.forward_real(&x, &mut y, &mut scratch);
            assert_close(&y, &want, 1e-6, &what);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Threads, scratch, allocation
// ---------------------------------------------------------------------------------------

/// apply, adjoint and forward_real of an operator built in a pool of `build` threads and
/// run in a pool of `run` threads, with scratch pre-filled with `fill`.
fn outputs(
    ny: usize,
    nx: usize,
    centered: bool,
    build: usize,
    run: usize,
    fill: C64,
) -> Vec<Vec<C64>> {
    let op = in_pool(build, || Fft2::<f64>::new(ny, nx, centered).unwrap());
    let x: Vec<C64> = random_vec(ny * nx, 7);
    let xr: Vec<f64> = random_vec(ny * nx, 8);
    in_pool(run, || {
        let mut scratch = vec![fill; op.scratch_len()];
        let mut a = vec![fill; ny * nx];
        let mut b = vec![fill; ny * nx];
        let mut c = vec![fill; ny * nx];
        op.apply_with_scratch(&x, &mut a, &mut scratch);
        scratch.fill(fill);
        op.adjoint_with_scratch(&x, &mut b, &mut scratch);
        scratch.fill(fill);
        op.forward_real(&xr, &mut c, &mut scratch);
        vec![a, b, c]
    })
}

#[test]
fn identical_for_any_thread_count_and_scratch_contents() {
    let garbage = C64::new(f64::NAN, -1e300);
    for (ny, nx) in [(96, 128), (97, 131), (130, 65), (6, 10)] {
        for centered in [false, true] {
            let reference = outputs(ny, nx, centered, 1, 1, C64::new(0.0, 0.0));
            for (build, run) in [(1, 2), (2, 1), (2, 2), (3, 2), (2, 5)] {
                let got = outputs(ny, nx, centered, build, run, garbage);
                // bitwise: compare the bit patterns, so that -0.0 and 0.0 differ too
                let bits = |v: &Vec<Vec<C64>>| -> Vec<(u64, u64)> {
                    v.iter()
                        .flatten()
                        .map(|z| (z.re.to_bits(), z.im.to_bits()))
                        .collect()
                };
                assert!(
                    bits(&got) == bits(&reference),
                    "{ny}x{nx} centered={centered}: built with {build} threads, run with {run}: results differ"
                );
            }
        }
    }
}

#[test]
fn fft1_ignores_scratch_and_output_contents() {
    for n in [12, 17, 1000, 1031] {
        let op = Fft1::<f64>::new(n, true).unwrap();
        let x: Vec<C64> = random_vec(n, 1);
        let want = op.apply_vec(&x);
        let mut y = vec![C64::new(f64::NAN, f64::NAN); n];
        let mut scratch = vec![C64::new(f64::NAN, f64::NAN); op.scratch_len()];
        op.apply_with_scratch(&x, &mut y, &mut scratch);
        assert_eq!(y, want);
    }
}

#[test]
fn no_allocation_per_call() {
    // One worker: every task of the parallel passes runs on the thread being measured
    // (allocation_counter counts the current thread's allocations).
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let (ny, nx) = (96, 130);
    let op = pool.install(|| Fft2::<f64>::new(ny, nx, true).unwrap());
    let op1 = Fft1::<f64>::new(97, true).unwrap();
    let x: Vec<C64> = random_vec(ny * nx, 1);
    let xr: Vec<f64> = random_vec(ny * nx, 2);
    let mut y = vec![C64::new(0.0, 0.0); ny * nx];
    let mut scratch = vec![C64::new(0.0, 0.0); op.scratch_len()];
    let run = |y: &mut [C64], scratch: &mut [C64]| {
        op.apply_with_scratch(&x, y, scratch);
        op.adjoint_with_scratch(&x, y, scratch);
        op.forward_real(&xr, y, scratch);
        op1.apply_with_scratch(&x[..97], &mut y[..97], &mut scratch[..op1.scratch_len()]);
        op1.adjoint_with_scratch(&x[..97], &mut y[..97], &mut scratch[..op1.scratch_len()]);
    };
    pool.install(|| run(&mut y, &mut scratch)); // warm up the pool
    let info = pool.install(|| {
        allocation_counter::measure(|| {
            for _ in 0..3 {
                run(&mut y, &mut scratch);
            }
        })
    });
    assert_eq!(info.count_total, 0, "allocations during apply");
}

// ---------------------------------------------------------------------------------------
// Errors and misuse
// ---------------------------------------------------------------------------------------

#[test]
fn zero_sizes_are_rejected() {
    assert!(matches!(
        Fft1::<f64>::new(0, false),
        Err(Error::InvalidParam { name: "n", .. })
    ));
    assert!(matches!(
        Fft2::<f32>::new(0, 4, true),
        Err(Error::InvalidParam { name: "ny", .. })
    ));
    let err = Fft2::<f64>::new(4, 0, false).unwrap_err();
    assert!(matches!(err, Error::InvalidParam { name: "nx", .. }));
    assert!(err.to_string().contains("`nx` = 0"), "{err}");
}

#[test]
#[should_panic(expected = "Fft2 apply: expected length 12, got 11")]
fn wrong_input_length_panics() {
    let op = Fft2::<f64>::new(3, 4, false).unwrap();
    op.apply_vec(&[C64::new(0.0, 0.0); 11]);
}

#[test]
#[should_panic(expected = "Fft2 adjoint: expected length")]
fn short_scratch_panics() {
    let op = Fft2::<f64>::new(3, 4, false).unwrap();
    let x = [C64::new(0.0, 0.0); 12];
    let mut y = x;
    op.adjoint_with_scratch(&x, &mut y, &mut [C64::new(0.0, 0.0); 12]);
}

#[test]
#[should_panic(expected = "Fft1 apply: expected length 5, got 4")]
fn fft1_wrong_output_length_panics() {
    let op = Fft1::<f32>::new(5, true).unwrap();
    op.apply(&[C32::new(0.0, 0.0); 5], &mut [C32::new(0.0, 0.0); 4]);
}

#[test]
fn accessors_and_debug() {
    let f = Fft2::<f32>::new(6, 10, true).unwrap();
    assert_eq!((f.ny(), f.nx(), f.is_centered()), (6, 10, true));
    assert!(LinOp::<C32>::scratch_len(&f) >= 60);
    assert!(format!("{f:?}").starts_with("Fft2 { ny: 6, nx: 10, centered: true"));
    let g = Fft1::<f64>::new(9, false).unwrap();
    assert_eq!((g.len(), g.is_centered()), (9, false));
    assert!(format!("{g:?}").contains("n: 9"));
}

// ---------------------------------------------------------------------------------------
// Against a naive DFT, random sizes
// ---------------------------------------------------------------------------------------

/// Images large enough for several blocks per pass and the parallel path.
#[test]
fn large_images_match_naive_dft() {
    for (ny, nx) in [(97, 131), (128, 96), (66, 130)] {
        for centered in [false, true] {
            let what = format!("{ny}x{nx} centered={centered}");
            let op = Fft2::<f64>::new(ny, nx, centered).unwrap();
            let x: Vec<C64> = random_vec(ny * nx, 9);
            let want = naive_dft2(&x, ny, nx, centered, false);
            assert_close(&op.apply_vec(&x), &want, 1e-12, &format!("apply {what}"));
            let want = naive_dft2(&x, ny, nx, centered, true);
            assert_close(
                &op.adjoint_vec(&x),
                &want,
                1e-12,
                &format!("adjoint {what}"),
            );
            let xr: Vec<f64> = random_vec(ny * nx, 10);
            let mut y = vec![C64::new(0.0, 0.0); ny * nx];
            let mut scratch = vec![C64::new(0.0, 0.0); op.scratch_len()];
            op.forward_real(&xr, &mut y, &mut scratch);
            let want = naive_dft2(&to_complex(&xr), ny, nx, centered, false);
            assert_close(&y, &want, 1e-12, &format!("forward_real {what}"));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn fft1_matches_naive_dft(n in 1usize..80, centered in any::<bool>(), seed in any::<u64>()) {
        let x: Vec<C64> = random_vec(n, seed);
        let op = Fft1::<f64>::new(n, centered).unwrap();
        assert_close(&op.apply_vec(&x), &naive_dft(&x, centered, false), 1e-12, "apply");
        assert_close(&op.adjoint_vec(&x), &naive_dft(&x, centered, true), 1e-12, "adjoint");
        let x32: Vec<C32> = random_vec(n, seed);
        let op = Fft1::<f32>::new(n, centered).unwrap();
        assert_close(&widen(&op.apply_vec(&x32)), &naive_dft(&widen(&x32), centered, false), 1e-5, "apply f32");
    }

    #[test]
    fn fft2_matches_naive_dft(ny in 1usize..24, nx in 1usize..24, centered in any::<bool>(), seed in any::<u64>()) {
        let x: Vec<C64> = random_vec(ny * nx, seed);
        let op = Fft2::<f64>::new(ny, nx, centered).unwrap();
        assert_close(&op.apply_vec(&x), &naive_dft2(&x, ny, nx, centered, false), 1e-12, "apply");
        assert_close(&op.adjoint_vec(&x), &naive_dft2(&x, ny, nx, centered, true), 1e-12, "adjoint");
        let xr: Vec<f64> = random_vec(ny * nx, seed ^ 1);
        let mut y = vec![C64::new(0.0, 0.0); ny * nx];
        let mut scratch = vec![C64::new(0.0, 0.0); op.scratch_len()];
        op.forward_real(&xr, &mut y, &mut scratch);
        assert_close(&y, &naive_dft2(&to_complex(&xr), ny, nx, centered, false), 1e-12, "forward_real");
    }
}
