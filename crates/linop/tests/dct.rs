//! Orthonormal DCT operators: SciPy reference vectors (tests/data/fourier, made by
//! make_refs.py) for real and complex data, the naive cosine sum over random sizes, the
//! adjoint (dot) test, inverse round trips, bit-identical results for any thread count and
//! for garbage-filled scratch, and no allocation per call.

mod common;

use common::allocations;
use cstk_linop::io::npy::read_npy;
use cstk_linop::testing::{assert_close, assert_unitary, dot_test, in_pool, random_vec};
use cstk_linop::transforms::dct::{Dct1, Dct2};
use cstk_linop::{Complex, Error, LinOp, Scalar};
use proptest::prelude::*;
use std::f64::consts::PI;
use std::path::Path;

type C32 = Complex<f32>;
type C64 = Complex<f64>;

const SIZES_1D: [usize; 6] = [1, 2, 5, 8, 12, 17];
const SIZES_2D: [(usize, usize); 5] = [(4, 4), (6, 10), (5, 7), (8, 3), (16, 16)];

/// A reference array from tests/data/fourier, converted to `T`.
fn load<T: Scalar>(name: &str) -> Vec<T> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fourier")
        .join(format!("{name}.npy"));
    read_npy::<T>(&path).unwrap_or_else(|e| panic!("{e}")).data
}

/// The orthonormal DCT-II (or, transposed, DCT-III) matrix entry `C[k][n]`.
fn dct_entry(len: usize, k: usize, n: usize) -> f64 {
    let c = if k == 0 {
        (1.0 / len as f64).sqrt()
    } else {
        (2.0 / len as f64).sqrt()
    };
    c * (PI * k as f64 * (2 * n + 1) as f64 / (2 * len) as f64).cos()
}

/// `C x` (or `Cᵀ x` when `transpose`) by the naive sum, in complex f64.
fn naive_dct(x: &[C64], transpose: bool) -> Vec<C64> {
    let len = x.len();
    (0..len)
        .map(|k| {
            (0..len)
                .map(|n| {
                    let c = if transpose {
                        dct_entry(len, n, k)
                    } else {
                        dct_entry(len, k, n)
                    };
                    x[n] * c
                })
                .sum()
        })
        .collect()
}

/// The naive 2-D DCT of a row-major `ny × nx` image: rows, then columns.
fn naive_dct2(x: &[C64], ny: usize, nx: usize, transpose: bool) -> Vec<C64> {
    let mut out: Vec<C64> = x.chunks(nx).flat_map(|r| naive_dct(r, transpose)).collect();
    for j in 0..nx {
        let col: Vec<C64> = (0..ny).map(|i| out[i * nx + j]).collect();
        for (i, v) in naive_dct(&col, transpose).into_iter().enumerate() {
            out[i * nx + j] = v;
        }
    }
    out
}

fn widen<T: Scalar>(x: &[T]) -> Vec<C64> {
    x.iter().map(|v| v.to_c64()).collect()
}

// ---------------------------------------------------------------------------------------
// SciPy references
// ---------------------------------------------------------------------------------------

/// apply and adjoint on the reference input `x{dim}_{tag}_{kind}` against `dct…`/`idct…`,
/// in f64 and f32.
fn check_refs<T64, T32, L>(op64: &L, op32: &impl LinOp<T32>, dim: usize, tag: &str, kind: &str)
where
    T64: Scalar,
    T32: Scalar,
    L: LinOp<T64>,
{
    let x64 = load::<T64>(&format!("x{dim}_{tag}_{kind}"));
    let x32 = load::<T32>(&format!("x{dim}_{tag}_{kind}"));
    for (op, inv) in [("dct", false), ("idct", true)] {
        let name = format!("{op}{dim}_{tag}_{kind}");
        let (got64, got32) = if inv {
            (op64.adjoint_vec(&x64), op32.adjoint_vec(&x32))
        } else {
            (op64.apply_vec(&x64), op32.apply_vec(&x32))
        };
        assert_close(
            &got64,
            &load::<T64>(&name),
            1e-13,
            &format!("{name} ({})", T64::NAME),
        );
        assert_close(
            &got32,
            &load::<T32>(&name),
            2e-6,
            &format!("{name} ({})", T32::NAME),
        );
    }
}

#[test]
fn dct1_matches_scipy() {
    for n in SIZES_1D {
        let (d64, d32) = (Dct1::<f64>::new(n).unwrap(), Dct1::<f32>::new(n).unwrap());
        let tag = n.to_string();
        check_refs::<f64, f32, _>(&d64, &d32, 1, &tag, "r");
        check_refs::<C64, C32, _>(&d64, &d32, 1, &tag, "c");
    }
}

#[test]
fn dct2_matches_scipy() {
    for (ny, nx) in SIZES_2D {
        let (d64, d32) = (
            Dct2::<f64>::new(ny, nx).unwrap(),
            Dct2::<f32>::new(ny, nx).unwrap(),
        );
        let tag = format!("{ny}x{nx}");
        check_refs::<f64, f32, _>(&d64, &d32, 2, &tag, "r");
        check_refs::<C64, C32, _>(&d64, &d32, 2, &tag, "c");
    }
}

// ---------------------------------------------------------------------------------------
// Adjoint, inverse, complex = real + i imaginary
// ---------------------------------------------------------------------------------------

/// The dot test in f32, real and complex.
fn dot_all32<L>(op: &L, what: &str)
where
    L: LinOp<f32> + LinOp<C32>,
{
    dot_test::<f32, _>(op, 1e-5).unwrap_or_else(|e| panic!("{what} f32: {e}"));
    dot_test::<C32, _>(op, 1e-5).unwrap_or_else(|e| panic!("{what} c64: {e}"));
}

#[test]
fn dot_tests() {
    for n in SIZES_1D.into_iter().chain([3, 4, 16, 64, 97, 1000]) {
        let what = format!("Dct1({n})");
        dot_test::<f64, _>(&Dct1::<f64>::new(n).unwrap(), 1e-12)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        dot_test::<C64, _>(&Dct1::<f64>::new(n).unwrap(), 1e-12)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        dot_all32(&Dct1::<f32>::new(n).unwrap(), &what);
    }
    for (ny, nx) in SIZES_2D
        .into_iter()
        .chain([(1, 1), (1, 9), (9, 1), (96, 128), (97, 131)])
    {
        let what = format!("Dct2({ny}x{nx})");
        dot_test::<f64, _>(&Dct2::<f64>::new(ny, nx).unwrap(), 1e-12)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        dot_test::<C64, _>(&Dct2::<f64>::new(ny, nx).unwrap(), 1e-12)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        dot_all32(&Dct2::<f32>::new(ny, nx).unwrap(), &what);
    }
}

#[test]
fn adjoint_is_inverse() {
    for n in SIZES_1D.into_iter().chain([64, 97, 1000]) {
        let (d64, d32) = (Dct1::<f64>::new(n).unwrap(), Dct1::<f32>::new(n).unwrap());
        assert_unitary::<f64, _>(&d64, 1e-14, "Dct1 f64");
        assert_unitary::<C64, _>(&d64, 1e-14, "Dct1 c128");
        assert_unitary::<f32, _>(&d32, 1e-5, "Dct1 f32");
        assert_unitary::<C32, _>(&d32, 1e-5, "Dct1 c64");
    }
    for (ny, nx) in SIZES_2D.into_iter().chain([(1, 9), (96, 128), (97, 131)]) {
        let (d64, d32) = (
            Dct2::<f64>::new(ny, nx).unwrap(),
            Dct2::<f32>::new(ny, nx).unwrap(),
        );
        assert_unitary::<f64, _>(&d64, 1e-14, "Dct2 f64");
        assert_unitary::<C64, _>(&d64, 1e-14, "Dct2 c128");
        assert_unitary::<f32, _>(&d32, 1e-5, "Dct2 f32");
        assert_unitary::<C32, _>(&d32, 1e-5, "Dct2 c64");
    }
}

#[test]
fn complex_transforms_real_and_imaginary_parts() {
    for (ny, nx) in [(5, 7), (16, 16), (97, 131)] {
        let d = Dct2::<f64>::new(ny, nx).unwrap();
        let z: Vec<C64> = random_vec(ny * nx, 4);
        let re: Vec<f64> = z.iter().map(|v| v.re).collect();
        let im: Vec<f64> = z.iter().map(|v| v.im).collect();
        let (yr, yi) = (d.apply_vec(&re), d.apply_vec(&im));
        let want: Vec<C64> = yr
            .iter()
            .zip(&yi)
            .map(|(&a, &b)| Complex::new(a, b))
            .collect();
        assert_close(&d.apply_vec(&z), &want, 1e-14, "apply");
        let (yr, yi) = (d.adjoint_vec(&re), d.adjoint_vec(&im));
        let want: Vec<C64> = yr
            .iter()
            .zip(&yi)
            .map(|(&a, &b)| Complex::new(a, b))
            .collect();
        assert_close(&d.adjoint_vec(&z), &want, 1e-14, "adjoint");
    }
}

// ---------------------------------------------------------------------------------------
// Threads, scratch, allocation
// ---------------------------------------------------------------------------------------

/// apply and adjoint of a `Dct2` built with `build` threads and run with `run`, scratch and
/// outputs pre-filled with `fill`, as bit patterns.
fn outputs<T: Scalar>(ny: usize, nx: usize, build: usize, run: usize, fill: T) -> Vec<(u64, u64)>
where
    Dct2<f64>: LinOp<T>,
{
    let op = in_pool(build, || Dct2::<f64>::new(ny, nx).unwrap());
    let x: Vec<T> = random_vec(ny * nx, 7);
    in_pool(run, || {
        let mut scratch = vec![fill; op.scratch_len()];
        let mut a = vec![fill; ny * nx];
        let mut b = vec![fill; ny * nx];
        op.apply_with_scratch(&x, &mut a, &mut scratch);
        scratch.fill(fill);
        op.adjoint_with_scratch(&x, &mut b, &mut scratch);
        a.iter()
            .chain(&b)
            .map(|v| (v.to_c64().re.to_bits(), v.to_c64().im.to_bits()))
            .collect()
    })
}

#[test]
fn identical_for_any_thread_count_and_scratch_contents() {
    for (ny, nx) in [(96, 128), (97, 131), (130, 65), (6, 10)] {
        let real_ref = outputs::<f64>(ny, nx, 1, 1, 0.0);
        let cplx_ref = outputs::<C64>(ny, nx, 1, 1, C64::new(0.0, 0.0));
        for (build, run) in [(1, 2), (2, 1), (2, 2), (3, 2), (2, 5)] {
            let what = format!("{ny}x{nx}, built with {build} threads, run with {run}");
            assert!(
                outputs::<f64>(ny, nx, build, run, f64::NAN) == real_ref,
                "{what}: real results differ"
            );
            let garbage = C64::new(f64::NAN, 1e300);
            assert!(
                outputs::<C64>(ny, nx, build, run, garbage) == cplx_ref,
                "{what}: complex results differ"
            );
        }
    }
}

#[test]
fn dct1_ignores_scratch_and_output_contents() {
    for n in [12, 17, 1000, 1031] {
        let op = Dct1::<f64>::new(n).unwrap();
        let x: Vec<f64> = random_vec(n, 1);
        let z: Vec<C64> = random_vec(n, 2);
        for inverse in [false, true] {
            let run = |x: &[f64], y: &mut [f64], s: &mut [f64]| {
                if inverse {
                    op.adjoint_with_scratch(x, y, s)
                } else {
                    op.apply_with_scratch(x, y, s)
                }
            };
            let mut want = vec![0.0; n];
            run(
                &x,
                &mut want,
                &mut vec![0.0; LinOp::<f64>::scratch_len(&op)],
            );
            let mut y = vec![f64::NAN; n];
            run(
                &x,
                &mut y,
                &mut vec![f64::NAN; LinOp::<f64>::scratch_len(&op)],
            );
            assert_eq!(y, want);

            let run = |x: &[C64], y: &mut [C64], s: &mut [C64]| {
                if inverse {
                    op.adjoint_with_scratch(x, y, s)
                } else {
                    op.apply_with_scratch(x, y, s)
                }
            };
            let nan = C64::new(f64::NAN, f64::NAN);
            let mut want = vec![C64::new(0.0, 0.0); n];
            run(
                &z,
                &mut want,
                &mut vec![C64::new(0.0, 0.0); LinOp::<C64>::scratch_len(&op)],
            );
            let mut y = vec![nan; n];
            run(&z, &mut y, &mut vec![nan; LinOp::<C64>::scratch_len(&op)]);
            assert_eq!(y, want);
        }
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
    let d2 = pool.install(|| Dct2::<f64>::new(96, 130).unwrap());
    let d1 = Dct1::<f32>::new(97).unwrap();
    assert_eq!(allocations::<f64, _>(&d2, &pool), 0, "Dct2 real");
    assert_eq!(allocations::<C64, _>(&d2, &pool), 0, "Dct2 complex");
    assert_eq!(allocations::<f32, _>(&d1, &pool), 0, "Dct1 real");
    assert_eq!(allocations::<C32, _>(&d1, &pool), 0, "Dct1 complex");
}

// ---------------------------------------------------------------------------------------
// Errors and misuse
// ---------------------------------------------------------------------------------------

#[test]
fn zero_sizes_are_rejected() {
    assert!(matches!(
        Dct1::<f64>::new(0),
        Err(Error::InvalidParam { name: "n", .. })
    ));
    assert!(matches!(
        Dct2::<f32>::new(0, 4),
        Err(Error::InvalidParam { name: "ny", .. })
    ));
    assert!(matches!(
        Dct2::<f64>::new(4, 0),
        Err(Error::InvalidParam { name: "nx", .. })
    ));
}

#[test]
#[should_panic(expected = "Dct2 apply: expected length 12, got 13")]
fn wrong_input_length_panics() {
    Dct2::<f64>::new(3, 4).unwrap().apply_vec(&[0.0; 13]);
}

#[test]
#[should_panic(expected = "Dct1 adjoint: expected length")]
fn short_scratch_panics() {
    let d = Dct1::<f64>::new(7).unwrap();
    let z = [C64::new(0.0, 0.0); 7];
    let mut x = z;
    d.adjoint_with_scratch(&z, &mut x, &mut [C64::new(0.0, 0.0); 3]);
}

#[test]
fn accessors_and_debug() {
    let d = Dct2::<f32>::new(6, 10).unwrap();
    assert_eq!((d.ny(), d.nx()), (6, 10));
    assert_eq!(LinOp::<f32>::shape(&d), (60, 60));
    assert!(format!("{d:?}").starts_with("Dct2 { ny: 6, nx: 10"));
    assert_eq!(Dct1::<f64>::new(9).unwrap().len(), 9);
}

// ---------------------------------------------------------------------------------------
// Against the naive cosine sum, random sizes
// ---------------------------------------------------------------------------------------

/// Images large enough for several blocks per pass and the parallel path.
#[test]
fn large_images_match_naive() {
    for (ny, nx) in [(97, 131), (128, 96)] {
        let what = format!("{ny}x{nx}");
        let d = Dct2::<f64>::new(ny, nx).unwrap();
        let x: Vec<f64> = random_vec(ny * nx, 9);
        let z: Vec<C64> = random_vec(ny * nx, 10);
        let (xw, zw) = (widen(&x), z.clone());
        assert_close(
            &widen(&d.apply_vec(&x)),
            &naive_dct2(&xw, ny, nx, false),
            1e-12,
            &what,
        );
        assert_close(
            &widen(&d.adjoint_vec(&x)),
            &naive_dct2(&xw, ny, nx, true),
            1e-12,
            &what,
        );
        assert_close(
            &d.apply_vec(&z),
            &naive_dct2(&zw, ny, nx, false),
            1e-12,
            &what,
        );
        assert_close(
            &d.adjoint_vec(&z),
            &naive_dct2(&zw, ny, nx, true),
            1e-12,
            &what,
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn dct1_matches_naive(n in 1usize..80, seed in any::<u64>()) {
        let d = Dct1::<f64>::new(n).unwrap();
        let x: Vec<f64> = random_vec(n, seed);
        let z: Vec<C64> = random_vec(n, seed ^ 1);
        assert_close(&widen(&d.apply_vec(&x)), &naive_dct(&widen(&x), false), 1e-12, "real apply");
        assert_close(&widen(&d.adjoint_vec(&x)), &naive_dct(&widen(&x), true), 1e-12, "real adjoint");
        assert_close(&d.apply_vec(&z), &naive_dct(&z, false), 1e-12, "complex apply");
        assert_close(&d.adjoint_vec(&z), &naive_dct(&z, true), 1e-12, "complex adjoint");
        let d32 = Dct1::<f32>::new(n).unwrap();
        let z32: Vec<C32> = random_vec(n, seed);
        assert_close(&widen(&d32.apply_vec(&z32)), &naive_dct(&widen(&z32), false), 1e-5, "c64 apply");
    }

    #[test]
    fn dct2_matches_naive(ny in 1usize..24, nx in 1usize..24, seed in any::<u64>()) {
        let d = Dct2::<f64>::new(ny, nx).unwrap();
        let x: Vec<f64> = random_vec(ny * nx, seed);
        let z: Vec<C64> = random_vec(ny * nx, seed ^ 1);
        assert_close(&widen(&d.apply_vec(&x)), &naive_dct2(&widen(&x), ny, nx, false), 1e-12, "real apply");
        assert_close(&widen(&d.adjoint_vec(&x)), &naive_dct2(&widen(&x), ny, nx, true), 1e-12, "real adjoint");
        assert_close(&d.apply_vec(&z), &naive_dct2(&z, ny, nx, false), 1e-12, "complex apply");
        assert_close(&d.adjoint_vec(&z), &naive_dct2(&z, ny, nx, true), 1e-12, "complex adjoint");
    }
}
