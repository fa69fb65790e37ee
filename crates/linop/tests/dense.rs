//! `DenseOp` against nalgebra's products, the adjoint (dot) test, and bit-identical
//! results for any thread count.

use cstk_linop::nalgebra::DMatrix;
use cstk_linop::testing::{assert_close, dot_test, random_vec};
use cstk_linop::{DenseOp, Error, LinOp, Scalar};
use num_complex::Complex;
use proptest::prelude::*;

fn rand_mat<T: Scalar>(m: usize, n: usize, seed: u64) -> DMatrix<T> {
    DMatrix::from_vec(m, n, random_vec(m * n, seed))
}

/// Apply and adjoint agree with nalgebra's `A x` and `Aᴴ y`.
fn check_products<T: Scalar>(m: usize, n: usize, seed: u64, tol: f64) {
    let a = rand_mat::<T>(m, n, seed);
    let op = DenseOp::new(a.clone());
    let x: Vec<T> = random_vec(n, seed + 1);
    let y: Vec<T> = random_vec(m, seed + 2);
    let ax = &a * DMatrix::from_vec(n, 1, x.clone());
    let ahy = a.adjoint() * DMatrix::from_vec(m, 1, y.clone());
    assert_close(&op.apply_vec(&x), ax.as_slice(), tol, "apply");
    assert_close(&op.adjoint_vec(&y), ahy.as_slice(), tol, "adjoint");
}

const SHAPES: &[(usize, usize)] = &[
    (0, 0),
    (0, 3),
    (3, 0),
    (1, 1),
    (1, 9),
    (9, 1),
    (7, 5),
    (8, 8),
    (17, 13),
    (600, 3),
    (3, 600),
    // Above the parallel threshold (m·n ≥ 2¹⁸):
    (600, 500),  // column panels
    (70, 4000),  // column panels, few rows
    (20000, 14), // row blocks (tall), several row tiles
    (10000, 30), // row blocks (too few columns for panels)
];

#[test]
fn matches_nalgebra_f32() {
    for &(m, n) in SHAPES {
        check_products::<f32>(m, n, 10, 1e-5);
    }
}
#[test]
fn matches_nalgebra_f64() {
    for &(m, n) in SHAPES {
        check_products::<f64>(m, n, 20, 1e-14);
    }
}
#[test]
fn matches_nalgebra_c32() {
    for &(m, n) in SHAPES {
        check_products::<Complex<f32>>(m, n, 30, 1e-5);
    }
}
#[test]
fn matches_nalgebra_c64() {
    for &(m, n) in SHAPES {
        check_products::<Complex<f64>>(m, n, 40, 1e-14);
    }
}

fn dot_tests<T: Scalar>(rtol: f64) {
    for &(m, n) in SHAPES {
        let op = DenseOp::new(rand_mat::<T>(m, n, 7));
        if let Err(e) = dot_test(&op, rtol) {
            panic!("{m}x{n} {}: {e}", T::NAME);
        }
    }
}

#[test]
fn dot_f32() {
    dot_tests::<f32>(1e-5);
}
#[test]
fn dot_f64() {
    dot_tests::<f64>(1e-12);
}
#[test]
fn dot_c32() {
    dot_tests::<Complex<f32>>(1e-5);
}
#[test]
fn dot_c64() {
    dot_tests::<Complex<f64>>(1e-12);
}

/// `A x` with every `y_i` accumulated over the columns in order, as documented.
fn ordered_apply<T: Scalar>(a: &DMatrix<T>, x: &[T]) -> Vec<T> {
    (0..a.nrows())
        .map(|i| (0..a.ncols()).fold(T::zero(), |acc, j| acc + a[(i, j)] * x[j]))
        .collect()
}

fn bits<T: Scalar>(v: &[T]) -> Vec<(u64, u64)> {
    v.iter()
        .map(|z| {
            let c = z.to_c64();
            (c.re.to_bits(), c.im.to_bits())
        })
        .collect()
}

/// 1, 2, 3, 4 and 7 threads give the same bits; `column_order`: the apply order is also
/// the documented column-by-column one (row-block plans); `tol`: against nalgebra.
fn thread_count_invariance<T: Scalar>(m: usize, n: usize, column_order: bool, tol: f64) {
    let a = rand_mat::<T>(m, n, 99);
    let op = DenseOp::new(a.clone());
    assert!(op.is_parallel());
    let x: Vec<T> = random_vec(n, 1);
    let y: Vec<T> = random_vec(m, 2);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| (op.apply_vec(&x), op.adjoint_vec(&y)))
    };
    let (ax1, ahy1) = run(1);
    for threads in [2, 3, 4, 7] {
        let (ax, ahy) = run(threads);
        assert_eq!(bits(&ax), bits(&ax1), "apply, {threads} threads vs 1");
        assert_eq!(bits(&ahy), bits(&ahy1), "adjoint, {threads} threads vs 1");
    }
    if column_order {
        assert_eq!(bits(&ax1), bits(&ordered_apply(&a, &x)));
    }
    let ax = &a * DMatrix::from_vec(n, 1, x.clone());
    assert_close(&ax1, ax.as_slice(), tol, "apply vs nalgebra");
}

#[test]
fn bit_identical_for_any_thread_count_f64() {
    thread_count_invariance::<f64>(600, 500, false, 1e-13); // column panels
    thread_count_invariance::<f64>(1100, 1003, false, 1e-13); // panels of unequal width
    thread_count_invariance::<f64>(20001, 14, true, 1e-13); // row blocks
    thread_count_invariance::<f64>(9000, 31, true, 1e-13); // row blocks, few columns
}

#[test]
fn bit_identical_for_any_thread_count_c32() {
    thread_count_invariance::<Complex<f32>>(257, 1100, false, 1e-5);
    thread_count_invariance::<Complex<f32>>(17000, 16, true, 1e-5);
}

#[test]
fn scratch_is_used_for_wide_parallel_matrices() {
    let op = DenseOp::new(rand_mat::<f64>(600, 500, 3));
    let need = op.scratch_len();
    assert!(need > 0 && need % 600 == 0, "{need}");
    let x: Vec<f64> = random_vec(500, 4);
    let expected = op.apply_vec(&x);
    // Longer scratch full of garbage: same bits.
    let mut scratch = vec![f64::NAN; need + 7];
    let mut y = vec![f64::NAN; 600];
    op.apply_with_scratch(&x, &mut y, &mut scratch);
    assert_eq!(bits(&y), bits(&expected));
    // Tall and small matrices need none.
    assert_eq!(
        LinOp::<f64>::scratch_len(&DenseOp::new(DMatrix::<f64>::zeros(20000, 14))),
        0
    );
    assert_eq!(
        LinOp::<f64>::scratch_len(&DenseOp::new(DMatrix::<f64>::zeros(30, 30))),
        0
    );
}

#[test]
#[should_panic(expected = "expected length")]
fn short_scratch_panics() {
    let op = DenseOp::new(DMatrix::<f64>::zeros(600, 500));
    let mut y = vec![0.0; 600];
    op.apply_with_scratch(&[0.0; 500], &mut y, &mut [0.0; 10]);
}

#[test]
fn serial_below_threshold_matches_documented_order() {
    let a = rand_mat::<f64>(37, 23, 5);
    let op = DenseOp::new(a.clone());
    assert!(!op.is_parallel());
    let x: Vec<f64> = random_vec(23, 6);
    assert_eq!(bits(&op.apply_vec(&x)), bits(&ordered_apply(&a, &x)));
}

#[test]
fn construction_and_accessors() {
    let a = DenseOp::from_row_slice(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    assert_eq!(a.shape(), (2, 3));
    assert_eq!(a.matrix()[(1, 0)], 4.0);
    assert_eq!(a.matrix()[(0, 2)], 3.0);
    let m = a.clone().into_matrix();
    assert_eq!(DenseOp::from(m.clone()), a);
    assert_eq!(DenseOp::new(m), a);
    assert_eq!(LinOp::<f64>::scratch_len(&a), 0);

    let err = DenseOp::<f64>::from_row_slice(2, 3, &[1.0; 5]).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("2x3") && msg.contains('6') && msg.contains('5'),
        "{msg}"
    );
    let err = DenseOp::<f64>::from_row_slice(usize::MAX, 2, &[]).unwrap_err();
    assert!(matches!(err, Error::InvalidParam { name: "shape", .. }));
}

#[test]
fn empty_shapes_write_zeros() {
    let op = DenseOp::new(DMatrix::<f64>::zeros(0, 3));
    let mut x = vec![f64::NAN; 3];
    op.adjoint(&[], &mut x);
    assert_eq!(x, [0.0; 3]);
    let op = DenseOp::new(DMatrix::<f64>::zeros(2, 0));
    let mut y = vec![f64::NAN; 2];
    op.apply(&[], &mut y);
    assert_eq!(y, [0.0; 2]);
}

#[test]
#[should_panic(expected = "expected length")]
fn wrong_input_length_panics() {
    let op = DenseOp::new(DMatrix::<f64>::zeros(2, 3));
    let mut y = vec![0.0; 2];
    op.apply(&[1.0, 2.0], &mut y);
}

#[test]
#[should_panic(expected = "expected length")]
fn wrong_adjoint_output_length_panics() {
    let op = DenseOp::new(DMatrix::<f64>::zeros(2, 3));
    let mut x = vec![0.0; 4];
    op.adjoint(&[1.0, 2.0], &mut x);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn prop_matches_nalgebra(m in 0usize..40, n in 0usize..40, seed in any::<u64>()) {
        let a = rand_mat::<Complex<f64>>(m, n, seed);
        let op = DenseOp::new(a.clone());
        let x: Vec<Complex<f64>> = random_vec(n, seed ^ 1);
        let y: Vec<Complex<f64>> = random_vec(m, seed ^ 2);
        let ax = &a * DMatrix::from_vec(n, 1, x.clone());
        let ahy = a.adjoint() * DMatrix::from_vec(m, 1, y.clone());
        let (gx, gy) = (op.apply_vec(&x), op.adjoint_vec(&y));
        for (g, w) in gx.iter().zip(ax.iter()).chain(gy.iter().zip(ahy.iter())) {
            prop_assert!((g - w).norm() <= 1e-13 * (1.0 + (m + n) as f64), "{} vs {}", g, w);
        }
        let ar = a.map(|z| z.re);
        let opr = DenseOp::new(ar.clone());
        let xr: Vec<f64> = random_vec(n, seed ^ 3);
        prop_assert_eq!(opr.apply_vec(&xr), ordered_apply(&ar, &xr));
    }

    #[test]
    fn prop_from_row_slice_is_row_major(m in 0usize..6, n in 0usize..6, seed in any::<u64>()) {
        let data: Vec<f64> = random_vec(m * n, seed);
        let op = DenseOp::from_row_slice(m, n, &data).unwrap();
        for i in 0..m {
            for j in 0..n {
                prop_assert_eq!(op.matrix()[(i, j)], data[i * n + j]);
            }
        }
    }
}
