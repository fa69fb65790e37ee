//! Walsh–Hadamard transform: SciPy reference vectors (tests/data/hadamard, made by
//! make_reference.py), a naive O(n²) product with Sylvester's matrix, the adjoint (dot)
//! test, self-inverse and orthogonality, thread-count independence, and errors.

use cstk_linop::io::npy::read_npy;
use cstk_linop::nalgebra::DMatrix;
use cstk_linop::testing::{assert_bitwise, assert_close, dot_test, in_pool, random_vec};
use cstk_linop::transforms::hadamard::{Hadamard, HadamardOrder};
use cstk_linop::{Complex, Error, LinOp, Scalar};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

type C32 = Complex<f32>;
type C64 = Complex<f64>;

const ORDERS: [HadamardOrder; 2] = [HadamardOrder::Natural, HadamardOrder::Sequency];

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/hadamard")
        .join(name)
}

fn load<T: Scalar>(name: &str) -> Vec<T> {
    read_npy::<T>(&data(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .data
}

/// Sylvester's unnormalized `H_n`: `H_1 = [1]`, `H_2k = [[H_k, H_k], [H_k, −H_k]]`.
fn sylvester(n: usize) -> DMatrix<f64> {
    let mut h = DMatrix::from_element(1, 1, 1.0);
    while h.nrows() < n {
        let k = h.nrows();
        let mut next = DMatrix::zeros(2 * k, 2 * k);
        next.view_mut((0, 0), (k, k)).copy_from(&h);
        next.view_mut((0, k), (k, k)).copy_from(&h);
        next.view_mut((k, 0), (k, k)).copy_from(&h);
        next.view_mut((k, k), (k, k)).copy_from(&(-&h));
        h = next;
    }
    h
}

/// The rows of `h` sorted by their number of sign changes (Walsh / sequency order),
/// built independently of the library's Gray-code formula.
fn walsh(h: &DMatrix<f64>) -> DMatrix<f64> {
    let n = h.nrows();
    let changes = |i: usize| (1..n).filter(|&j| h[(i, j)] != h[(i, j - 1)]).count();
    let mut rows: Vec<usize> = (0..n).collect();
    rows.sort_by_cached_key(|&i| changes(i));
    assert!(rows.iter().enumerate().all(|(k, &i)| changes(i) == k));
    DMatrix::from_fn(n, n, |k, j| h[(rows[k], j)])
}

/// The orthonormal reference matrix of the given order.
fn reference_matrix(n: usize, order: HadamardOrder) -> DMatrix<f64> {
    let h = sylvester(n);
    let m = match order {
        HadamardOrder::Natural => h,
        HadamardOrder::Sequency => walsh(&h),
    };
    m / (n as f64).sqrt()
}

/// `m x` by the naive O(n²) product, accumulated in `Complex<f64>`.
fn naive<T: Scalar>(m: &DMatrix<f64>, x: &[T]) -> Vec<T> {
    (0..m.nrows())
        .map(|i| {
            let s = x
                .iter()
                .enumerate()
                .fold(C64::new(0.0, 0.0), |acc, (j, v)| {
                    acc + v.to_c64() * m[(i, j)]
                });
            T::from_f64_parts(s.re, s.im)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// SciPy reference vectors
// ---------------------------------------------------------------------------------------

fn check_reference<T: Scalar>(suffix: &str, input: &str, rtol: f64) {
    for n in [1usize, 2, 4, 8, 64, 256] {
        let x: Vec<T> = load(&format!("had_n{n}_{input}.npy"));
        for (order, name) in [
            (HadamardOrder::Natural, "natural"),
            (HadamardOrder::Sequency, "sequency"),
        ] {
            let want: Vec<T> = load(&format!("had_n{n}_{name}{suffix}.npy"));
            let h = Hadamard::new(n, order).unwrap();
            let what = format!("{name} n={n} {}", T::NAME);
            assert_close(&h.apply_vec(&x), &want, rtol, &format!("apply {what}"));
            assert_close(&h.adjoint_vec(&x), &want, rtol, &format!("adjoint {what}"));
        }
    }
}

#[test]
fn matches_scipy_real() {
    check_reference::<f64>("", "x", 1e-13);
    check_reference::<f32>("", "x", 1e-6);
}

#[test]
fn matches_scipy_complex() {
    check_reference::<C64>("_c", "xc", 1e-13);
    check_reference::<C32>("_c", "xc", 1e-6);
}

#[test]
fn sequency_rows_are_bit_reversed_gray_code_as_scipy() {
    for n in [1usize, 2, 4, 8, 64, 256] {
        let rows: Vec<f64> = load(&format!("had_n{n}_walsh_rows.npy"));
        let w = Hadamard::sequency(n).unwrap();
        let h = Hadamard::natural(n).unwrap();
        for (k, &r) in rows.iter().enumerate() {
            assert_eq!(w.natural_row(k), r as usize, "n = {n}, row {k}");
            assert_eq!(h.natural_row(k), k);
        }
    }
}

#[test]
fn sequency_row_k_has_k_sign_changes() {
    // 2^14: the parity split on top, one radix-4 combination, 2^11 leaves
    let n = 1 << 14;
    let w = Hadamard::sequency(n).unwrap();
    let mut e = vec![0.0f64; n];
    for j in [0, 1, 2, 3, 5, 1000, 2048, 4095, 8191, 8192, 12345, 16383] {
        e[j] = 1.0;
        // column j of the symmetric W is row j
        let row = w.apply_vec(&e);
        e[j] = 0.0;
        assert!(row.iter().all(|v| (v.abs() - 1.0 / 128.0).abs() < 1e-15));
        let changes = row.windows(2).filter(|p| p[0] != p[1]).count();
        assert_eq!(changes, j, "row {j}");
    }
}

// ---------------------------------------------------------------------------------------
// Naive O(n²) products
// ---------------------------------------------------------------------------------------

fn check_naive<T: Scalar>(log2n: u32, order: HadamardOrder, seed: u64, rtol: f64) {
    let n = 1usize << log2n;
    let m = reference_matrix(n, order);
    let h = Hadamard::new(n, order).unwrap();
    let x: Vec<T> = random_vec(n, seed);
    let what = format!("{order:?} n={n} {}", T::NAME);
    assert_close(&h.apply_vec(&x), &naive(&m, &x), rtol, &what);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn matches_naive_sylvester_product(log2n in 0u32..=10, seed in any::<u64>(), seq in any::<bool>()) {
        let order = if seq { HadamardOrder::Sequency } else { HadamardOrder::Natural };
        check_naive::<f64>(log2n, order, seed, 1e-13);
        check_naive::<C32>(log2n, order, seed, 1e-5);
    }
}

#[test]
fn matches_naive_product_for_every_type_and_size() {
    for log2n in 0..=10 {
        for order in ORDERS {
            check_naive::<f32>(log2n, order, 7, 1e-5);
            check_naive::<f64>(log2n, order, 7, 1e-13);
            check_naive::<C32>(log2n, order, 7, 1e-5);
            check_naive::<C64>(log2n, order, 7, 1e-13);
        }
    }
}

#[test]
fn matches_explicit_rows_above_the_leaves() {
    // 2^13: 4 leaves of 2^11 (radix-4 combination, parity split for sequency); 2^16: the
    // parallel paths. About 80 rows each, checked against the explicit entries
    // (−1)^popcount(r & j) / √n of natural row r = natural_row(k).
    for log2n in [13u32, 16] {
        let n = 1usize << log2n;
        let x: Vec<C64> = random_vec(n, 3);
        let scale = 1.0 / (n as f64).sqrt();
        for order in ORDERS {
            let h = Hadamard::new(n, order).unwrap();
            let y = h.apply_vec(&x);
            for k in (0..n).step_by(n / 79).chain([1, 2, 3, n / 2, n - 2, n - 1]) {
                let r = h.natural_row(k);
                let want = x
                    .iter()
                    .enumerate()
                    .fold(C64::new(0.0, 0.0), |acc, (j, v)| {
                        if (r & j).count_ones().is_multiple_of(2) {
                            acc + v
                        } else {
                            acc - v
                        }
                    })
                    * scale;
                assert!((y[k] - want).norm() < 1e-12, "{order:?} n={n} row {k}");
            }
        }
    }
}

#[test]
fn sequency_is_permuted_natural() {
    for log2n in [12u32, 15, 18] {
        let n = 1usize << log2n;
        let x: Vec<f64> = random_vec(n, 8);
        let nat = Hadamard::natural(n).unwrap().apply_vec(&x);
        let w = Hadamard::sequency(n).unwrap();
        let seq = w.apply_vec(&x);
        let want: Vec<f64> = (0..n).map(|k| nat[w.natural_row(k)]).collect();
        assert_close(&seq, &want, 1e-13, &format!("sequency vs natural, n = {n}"));
    }
}

// ---------------------------------------------------------------------------------------
// Adjoint, inverse, orthogonality
// ---------------------------------------------------------------------------------------

#[test]
fn dot_test_every_type() {
    for n in [1usize, 2, 4, 8, 16, 256, 1 << 11, 1 << 12, 1 << 13, 1 << 15] {
        for order in ORDERS {
            let h = Hadamard::new(n, order).unwrap();
            let what = format!("{order:?} n={n}");
            dot_test::<f32, _>(&h, 1e-5).unwrap_or_else(|e| panic!("{what} f32: {e}"));
            dot_test::<f64, _>(&h, 1e-12).unwrap_or_else(|e| panic!("{what} f64: {e}"));
            dot_test::<C32, _>(&h, 1e-5).unwrap_or_else(|e| panic!("{what} c32: {e}"));
            dot_test::<C64, _>(&h, 1e-12).unwrap_or_else(|e| panic!("{what} c64: {e}"));
        }
    }
}

#[test]
fn adjoint_is_apply() {
    for order in ORDERS {
        let h = Hadamard::new(1 << 13, order).unwrap();
        let x: Vec<C64> = random_vec(1 << 13, 11);
        assert_bitwise(&h.apply_vec(&x), &h.adjoint_vec(&x), "adjoint vs apply");
    }
}

#[test]
fn self_inverse() {
    for log2n in [0u32, 1, 3, 7, 11, 12, 13, 16] {
        let n = 1usize << log2n;
        for order in ORDERS {
            let h = Hadamard::new(n, order).unwrap();
            let x: Vec<f64> = random_vec(n, 5);
            assert_close(&h.apply_vec(&h.apply_vec(&x)), &x, 1e-13, "H H x (f64)");
            let xc: Vec<C32> = random_vec(n, 6);
            assert_close(&h.apply_vec(&h.apply_vec(&xc)), &xc, 2e-6, "H H x (c32)");
        }
    }
}

#[test]
fn orthogonal_matrix() {
    for order in ORDERS {
        let n = 64;
        let h = Hadamard::new(n, order).unwrap();
        let mut m = DMatrix::<f64>::zeros(n, n);
        let mut e = vec![0.0; n];
        for j in 0..n {
            e[j] = 1.0;
            m.set_column(j, &DMatrix::from_vec(n, 1, h.apply_vec(&e)).column(0));
            e[j] = 0.0;
        }
        let gram = &m * m.transpose();
        assert!((gram - DMatrix::identity(n, n)).abs().max() < 1e-14);
        assert_eq!(m, m.transpose(), "{order:?}: symmetric");
        assert!((m - reference_matrix(n, order)).abs().max() < 1e-15);
    }
    // norms are preserved at a size with parallel, multi-level combination
    let n = 1 << 17;
    for order in ORDERS {
        let x: Vec<f64> = random_vec(n, 9);
        let y = Hadamard::new(n, order).unwrap().apply_vec(&x);
        let (nx, ny) = (norm(&x), norm(&y));
        assert!((nx - ny).abs() < 1e-12 * nx, "{order:?}: {nx} vs {ny}");
    }
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|a| a * a).sum::<f64>().sqrt()
}

// ---------------------------------------------------------------------------------------
// Threads, scratch
// ---------------------------------------------------------------------------------------

fn check_threads<T: Scalar>(n: usize) {
    for order in ORDERS {
        let h = Hadamard::new(n, order).unwrap();
        let x: Vec<T> = random_vec(n, 21);
        let one = in_pool(1, || h.apply_vec(&x));
        let two = in_pool(2, || h.apply_vec(&x));
        let three = in_pool(3, || h.apply_vec(&x));
        let what = format!("{order:?} n={n} {}", T::NAME);
        assert_bitwise(&one, &two, &format!("{what}: 1 vs 2 threads"));
        assert_bitwise(&one, &three, &format!("{what}: 1 vs 3 threads"));
    }
}

#[test]
fn identical_for_any_thread_count() {
    check_threads::<f64>(1 << 18);
    check_threads::<C32>(1 << 16);
    check_threads::<f32>(1 << 15);
}

#[test]
fn scratch_lengths() {
    let s = |h: &Hadamard| LinOp::<f64>::scratch_len(h);
    assert_eq!(s(&Hadamard::natural(1 << 16).unwrap()), 0);
    assert_eq!(s(&Hadamard::sequency(1 << 11).unwrap()), 0);
    assert_eq!(s(&Hadamard::sequency(1 << 12).unwrap()), 1 << 11);
    assert_eq!(s(&Hadamard::sequency(1 << 13).unwrap()), 1 << 12);
    // a longer scratch buffer is fine, and garbage in it does not matter
    let h = Hadamard::sequency(1 << 13).unwrap();
    let x: Vec<f64> = random_vec(1 << 13, 1);
    let mut y = vec![f64::NAN; 1 << 13];
    let mut scratch = vec![f64::NAN; (1 << 12) + 5];
    h.apply_with_scratch(&x, &mut y, &mut scratch);
    assert_bitwise(&y, &h.apply_vec(&x), "apply_with_scratch vs apply");
}

#[test]
#[should_panic(expected = "Hadamard apply: scratch: expected length 4096, got 4095")]
fn short_scratch_panics() {
    let h = Hadamard::sequency(1 << 13).unwrap();
    let x = vec![0.0f64; 1 << 13];
    let mut y = vec![0.0; 1 << 13];
    h.apply_with_scratch(&x, &mut y, &mut vec![0.0; (1 << 12) - 1]);
}

#[test]
#[should_panic(expected = "Hadamard apply: input x: expected length 8, got 7")]
fn wrong_input_length_panics() {
    let _ = Hadamard::natural(8).unwrap().apply_vec(&[0.0f64; 7]);
}

#[test]
#[should_panic(expected = "Hadamard adjoint: output x: expected length 4, got 5")]
fn wrong_output_length_panics() {
    Hadamard::natural(4)
        .unwrap()
        .adjoint(&[0.0f32; 4], &mut [0.0; 5]);
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

#[test]
fn non_power_of_two_is_an_error() {
    for n in [0usize, 3, 6, 12, 1000, (1 << 20) + 1, usize::MAX] {
        for order in ORDERS {
            let err = Hadamard::new(n, order).unwrap_err();
            match &err {
                Error::InvalidParam { name, value, .. } => {
                    assert_eq!(*name, "n");
                    assert_eq!(*value, n.to_string());
                }
                other => panic!("n = {n}: unexpected error {other:?}"),
            }
            assert!(err.to_string().contains("power of two"), "{err}");
        }
    }
    let msg = Hadamard::natural(1000).unwrap_err().to_string();
    assert!(msg.contains("zero-pad the signal to 1024 = 2^10"), "{msg}");
    let msg = Hadamard::natural(0).unwrap_err().to_string();
    assert!(msg.contains("at least 1"), "{msg}");
}

#[test]
fn accessors() {
    let h = Hadamard::new(1 << 5, HadamardOrder::Sequency).unwrap();
    assert_eq!(
        (h.dim(), h.log2_dim(), h.order()),
        (32, 5, HadamardOrder::Sequency)
    );
    assert_eq!(LinOp::<C64>::shape(&h), (32, 32));
    let h1 = Hadamard::natural(1).unwrap();
    assert_eq!((h1.dim(), h1.log2_dim()), (1, 0));
    assert_eq!(
        h1.apply_vec(&[C32::new(2.0, -1.0)]),
        vec![C32::new(2.0, -1.0)]
    );
}

#[test]
#[should_panic(expected = "row 8 out of range for n = 8")]
fn natural_row_out_of_range_panics() {
    let _ = Hadamard::sequency(8).unwrap().natural_row(8);
}
