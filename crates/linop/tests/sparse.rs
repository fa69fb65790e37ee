//! Sparse formats: validation, conversions (property tests against dense), SpMV and
//! transposed SpMV against the dense product, adjoint tests, and thread-count invariance.

use cstk_linop::nalgebra::DMatrix;
use cstk_linop::testing::{assert_close, dot_test, random_vec};
use cstk_linop::{
    BsrMatrix, Complex, CooMatrix, CscMatrix, CsrMatrix, Error, LinOp, Scalar, SparseFormat,
};
use proptest::prelude::*;

type C64 = Complex<f64>;

/// A dense m×n matrix where each entry is non-zero with probability `density`, from a seed.
fn sparse_dense<T: Scalar>(m: usize, n: usize, density: f64, seed: u64) -> DMatrix<T> {
    let vals: Vec<T> = random_vec(m * n, seed);
    let keep: Vec<f64> = random_vec(m * n, seed ^ 0x5eed);
    DMatrix::from_fn(m, n, |i, j| {
        if (keep[i * n + j] + 1.0) / 2.0 < density {
            vals[i * n + j]
        } else {
            T::zero()
        }
    })
}

fn dense_mul<T: Scalar>(a: &DMatrix<T>, x: &[T]) -> Vec<T> {
    (0..a.nrows())
        .map(|i| (0..a.ncols()).fold(T::zero(), |acc, j| acc + a[(i, j)] * x[j]))
        .collect()
}

fn divisors(n: usize) -> Vec<usize> {
    (1..=n).filter(|d| n.is_multiple_of(*d)).collect()
}

/// All products of every format against the dense matrix, plus the dot test.
fn check_products<T: Scalar>(d: &DMatrix<T>, r: usize, c: usize, tol: f64) {
    let (m, n) = d.shape();
    let csr = CsrMatrix::from_dense(d, T::zero().real()).unwrap();
    let csc = csr.to_csc();
    let bsr = csr.to_bsr(r, c).unwrap();
    let x: Vec<T> = random_vec(n, 11);
    let y: Vec<T> = random_vec(m, 12);
    let ax = dense_mul(d, &x);
    let at = d.transpose();
    let ah = d.adjoint();
    let aty = dense_mul(&at, &y);
    let ahy = dense_mul(&ah, &y);
    let mut out_m = vec![T::zero(); m];
    let mut out_n = vec![T::zero(); n];

    csr.mul_vec(&x, &mut out_m);
    assert_close(&out_m, &ax, tol, "product");
    csc.mul_vec(&x, &mut out_m);
    assert_close(&out_m, &ax, tol, "product");
    bsr.mul_vec(&x, &mut out_m);
    assert_close(&out_m, &ax, tol, "product");

    csr.mul_vec_t(&y, &mut out_n);
    assert_close(&out_n, &aty, tol, "product");
    csc.mul_vec_t(&y, &mut out_n);
    assert_close(&out_n, &aty, tol, "product");
    bsr.mul_vec_t(&y, &mut out_n);
    assert_close(&out_n, &aty, tol, "product");

    csr.mul_vec_h(&y, &mut out_n);
    assert_close(&out_n, &ahy, tol, "product");
    csc.mul_vec_h(&y, &mut out_n);
    assert_close(&out_n, &ahy, tol, "product");
    bsr.mul_vec_h(&y, &mut out_n);
    assert_close(&out_n, &ahy, tol, "product");

    assert_close(&csr.apply_vec(&x), &ax, tol, "product");
    assert_close(&csr.adjoint_vec(&y), &ahy, tol, "product");
    assert_close(&csc.adjoint_vec(&y), &ahy, tol, "product");
    assert_close(&bsr.adjoint_vec(&y), &ahy, tol, "product");

    for op in [&csr as &dyn LinOp<T>, &csc, &bsr] {
        dot_test(op, tol).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn formats_round_trip(m in 1usize..10, n in 1usize..10, density in 0.0f64..1.0, seed in 0u64..1000,
                          rsel in 0usize..8, csel in 0usize..8) {
        let d: DMatrix<f64> = sparse_dense(m, n, density, seed);
        let (rd, cd) = (divisors(m), divisors(n));
        let (r, c) = (rd[rsel % rd.len()], cd[csel % cd.len()]);
        let csr = CsrMatrix::from_dense(&d, 0.0).unwrap();
        prop_assert_eq!(csr.to_dense(), d.clone());
        prop_assert_eq!(csr.nnz(), d.iter().filter(|v| **v != 0.0).count());
        // CSR <-> COO, CSC, BSR and back, each also to dense
        let coo = csr.to_coo();
        prop_assert_eq!(coo.to_dense(), d.clone());
        prop_assert_eq!(coo.to_csr(), csr.clone());
        let csc = csr.to_csc();
        prop_assert_eq!(csc.to_dense(), d.clone());
        prop_assert_eq!(csc.to_csr(), csr.clone());
        prop_assert_eq!(csc.to_coo().to_csc(), csc.clone());
        prop_assert_eq!(CscMatrix::from_dense(&d, 0.0).unwrap(), csc.clone());
        let bsr = csr.to_bsr(r, c).unwrap();
        prop_assert_eq!(bsr.to_dense(), d.clone());
        prop_assert_eq!(bsr.to_csr(), csr.clone());
        prop_assert_eq!(bsr.to_csc(), csc.clone());
        prop_assert_eq!(bsr.to_coo().to_bsr(r, c).unwrap(), bsr.clone());
        prop_assert_eq!(BsrMatrix::from_dense(&d, 0.0, r, c).unwrap(), bsr.clone());
        prop_assert_eq!(CooMatrix::from_dense(&d, 0.0).unwrap().to_csr(), csr.clone());
        // raw parts round trip through the validating constructors
        let (m2, n2, p, i, v) = csr.clone().into_raw_parts();
        prop_assert_eq!(CsrMatrix::try_from_raw_parts(m2, n2, p, i, v).unwrap(), csr.clone());
        let (m2, n2, p, i, v) = csc.clone().into_raw_parts();
        prop_assert_eq!(CscMatrix::try_from_raw_parts(m2, n2, p, i, v).unwrap(), csc);
        let (m2, n2, b, p, i, v) = bsr.clone().into_raw_parts();
        prop_assert_eq!(BsrMatrix::try_from_raw_parts(m2, n2, b, p, i, v).unwrap(), bsr);
        // transpose twice is the identity; transpose matches dense
        prop_assert_eq!(csr.transpose().to_dense(), d.transpose());
        prop_assert_eq!(csr.transpose().transpose(), csr);
    }

    #[test]
    fn coo_sums_duplicates(m in 1usize..8, n in 1usize..8, k in 0usize..60, seed in 0u64..1000) {
        let r: Vec<f64> = random_vec(3 * k, seed);
        let to_idx = |v: f64, d: usize| (((v + 1.0) / 2.0) * d as f64) as usize % d;
        let rows: Vec<usize> = (0..k).map(|t| to_idx(r[3 * t], m)).collect();
        let cols: Vec<usize> = (0..k).map(|t| to_idx(r[3 * t + 1], n)).collect();
        let vals: Vec<f64> = (0..k).map(|t| r[3 * t + 2]).collect();
        let coo = CooMatrix::try_from_triplets(m, n, rows.clone(), cols.clone(), vals.clone()).unwrap();
        let mut expect = DMatrix::<f64>::zeros(m, n);
        let mut stored = std::collections::BTreeSet::new();
        for t in 0..k {
            expect[(rows[t], cols[t])] += vals[t];
            stored.insert((rows[t], cols[t]));
        }
        let csr = coo.to_csr();
        prop_assert_eq!(csr.nnz(), stored.len());
        let got = csr.to_dense();
        for i in 0..m {
            for j in 0..n {
                prop_assert!((got[(i, j)] - expect[(i, j)]).abs() < 1e-12);
            }
        }
        // sorted, duplicate-free pattern
        for i in 0..m {
            prop_assert!(csr.row(i).0.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn spmv_equals_dense_real(m in 1usize..12, n in 1usize..12, density in 0.0f64..1.0, seed in 0u64..1000) {
        let d: DMatrix<f64> = sparse_dense(m, n, density, seed);
        let (r, c) = (*divisors(m).last().unwrap().min(&2), *divisors(n).last().unwrap().min(&3));
        let r = if m % r == 0 { r } else { 1 };
        let c = if n % c == 0 { c } else { 1 };
        check_products(&d, r, c, 1e-12);
    }

    #[test]
    fn spmv_equals_dense_complex(m in 1usize..12, n in 1usize..12, density in 0.0f64..1.0, seed in 0u64..1000) {
        let d: DMatrix<C64> = sparse_dense(m, n, density, seed);
        let r = if m % 2 == 0 { 2 } else { 1 };
        let c = if n % 3 == 0 { 3 } else { 1 };
        check_products(&d, r, c, 1e-12);
    }
}

#[test]
fn dot_test_every_format_and_scalar() {
    fn run<T: Scalar>(tol: f64) {
        let d: DMatrix<T> = sparse_dense(24, 18, 0.3, 5);
        check_products(&d, 4, 3, tol);
    }
    run::<f32>(1e-5);
    run::<f64>(1e-12);
    run::<Complex<f32>>(1e-5);
    run::<Complex<f64>>(1e-12);
}

/// A large matrix with power-law row lengths: exercises the parallel split and the
/// two-partial-sum scatter. Results must be bit-identical with 1 and 2 threads.
#[test]
fn large_products_identical_for_any_thread_count() {
    let (m, n) = (40_000usize, 20_000usize);
    let mut indptr = vec![0usize];
    let mut indices = Vec::new();
    let u: Vec<f64> = random_vec(m, 99);
    for (i, &ui) in u.iter().enumerate() {
        // row length from a heavy-tailed distribution, a few rows with thousands of entries
        let len = (16 + (1.0 / (0.02 + (ui + 1.0) / 2.0)).powf(1.6) as usize).min(n);
        let start = (i * 7919) % n;
        let mut row: Vec<u32> = (0..len).map(|t| ((start + t * 13) % n) as u32).collect();
        row.sort_unstable();
        row.dedup();
        indices.extend_from_slice(&row);
        indptr.push(indices.len());
    }
    let nnz = indices.len();
    assert!(
        nnz > 700_000,
        "want the two-partial-sum scatter, nnz = {nnz}"
    );
    let data: Vec<f64> = random_vec(nnz, 3);
    let a = CsrMatrix::try_from_raw_parts(m, n, indptr, indices, data).unwrap();
    assert_eq!(
        LinOp::<f64>::scratch_len(&a),
        n,
        "two partial sums expected"
    );
    let x: Vec<f64> = random_vec(n, 4);
    let y: Vec<f64> = random_vec(m, 5);

    // serial references by plain loops
    let mut ax_ref = vec![0.0; m];
    let mut aty_ref = vec![0.0; n];
    for i in 0..m {
        let (idx, val) = a.row(i);
        let mut acc = 0.0;
        for (&j, &v) in idx.iter().zip(val) {
            acc += v * x[j as usize];
            aty_ref[j as usize] += v * y[i];
        }
        ax_ref[i] = acc;
    }
    let csc = a.to_csc();
    let bsr = a.to_bsr(2, 4).unwrap();
    let mut results = Vec::new();
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        results.push(pool.install(|| {
            let mut ax = vec![0.0; m];
            let mut aty = vec![0.0; n];
            a.mul_vec(&x, &mut ax);
            a.mul_vec_t(&y, &mut aty);
            let csc_ax = csc.apply_vec(&x);
            let csc_aty = csc.adjoint_vec(&y);
            let bsr_ax = bsr.apply_vec(&x);
            let bsr_aty = bsr.adjoint_vec(&y);
            (ax, aty, csc_ax, csc_aty, bsr_ax, bsr_aty)
        }));
    }
    assert_eq!(
        results[0], results[1],
        "results differ between 1 and 2 threads"
    );
    let (ax, aty, csc_ax, csc_aty, bsr_ax, bsr_aty) = &results[0];
    // forward gathers sum in storage order: exactly the serial loop
    assert_eq!(ax, &ax_ref);
    // CSC's transposed gather sums rows in order: exactly the serial scatter
    assert_eq!(csc_aty, &aty_ref);
    assert_close(aty, &aty_ref, 1e-12, "product");
    assert_close(csc_ax, &ax_ref, 1e-12, "product");
    assert_close(bsr_ax, &ax_ref, 1e-12, "product");
    assert_close(bsr_aty, &aty_ref, 1e-12, "product");
}

#[test]
fn invalid_raw_parts_are_errors() {
    let msg = |r: Result<CsrMatrix<f64>, Error>| r.unwrap_err().to_string();
    let e = msg(CsrMatrix::try_from_raw_parts(
        2,
        2,
        vec![0, 1],
        vec![0],
        vec![1.0],
    ));
    assert!(
        e.contains("indptr has length 2, expected rows + 1 = 3"),
        "{e}"
    );
    let e = msg(CsrMatrix::try_from_raw_parts(
        1,
        2,
        vec![1, 1],
        vec![0],
        vec![1.0],
    ));
    assert!(e.contains("indptr[0] = 1, expected 0"), "{e}");
    let e = msg(CsrMatrix::try_from_raw_parts(
        2,
        2,
        vec![0, 1, 0],
        vec![0],
        vec![1.0],
    ));
    assert!(e.contains("indptr decreases at row 1"), "{e}");
    let e = msg(CsrMatrix::try_from_raw_parts(
        1,
        2,
        vec![0, 1],
        vec![0, 1],
        vec![1.0, 2.0],
    ));
    assert!(
        e.contains("indptr ends at 1, expected the number of stored entries 2"),
        "{e}"
    );
    let e = msg(CsrMatrix::try_from_raw_parts(
        1,
        2,
        vec![0, 1],
        vec![0],
        vec![1.0, 2.0],
    ));
    assert!(e.contains("1 indices but 2 values"), "{e}");
    let e = msg(CsrMatrix::try_from_raw_parts(
        1,
        2,
        vec![0, 1],
        vec![2],
        vec![1.0],
    ));
    assert!(
        e.contains("column index 2 at position 0 (row 0) is out of range, expected < 2"),
        "{e}"
    );
    let e = msg(CsrMatrix::try_from_raw_parts(
        1,
        3,
        vec![0, 2],
        vec![1, 1],
        vec![1.0, 1.0],
    ));
    assert!(e.contains("duplicate column indices in row 0"), "{e}");
    let e = msg(CsrMatrix::try_from_raw_parts(
        1,
        3,
        vec![0, 2],
        vec![2, 1],
        vec![1.0, 1.0],
    ));
    assert!(e.contains("unsorted column indices in row 0"), "{e}");
    let e = CscMatrix::<f64>::try_from_raw_parts(3, 1, vec![0, 1], vec![3], vec![1.0]).unwrap_err();
    assert!(
        e.to_string().contains("invalid CSC matrix: row index 3"),
        "{e}"
    );
    let e =
        BsrMatrix::<f64>::try_from_raw_parts(4, 4, (3, 2), vec![0], vec![], vec![]).unwrap_err();
    assert!(e.to_string().contains("block shape"), "{e}");
    let e =
        BsrMatrix::<f64>::try_from_raw_parts(4, 4, (2, 2), vec![0, 1, 1], vec![0], vec![1.0; 3])
            .unwrap_err();
    assert!(
        e.to_string()
            .contains("3 values for 1 blocks of 2x2; expected 4"),
        "{e}"
    );
    let e =
        BsrMatrix::<f64>::try_from_raw_parts(4, 4, (2, 2), vec![0, 1, 1], vec![2], vec![1.0; 4])
            .unwrap_err();
    assert!(e.to_string().contains("block column index 2"), "{e}");
    let e = CooMatrix::<f64>::try_from_triplets(2, 2, vec![0, 1], vec![0], vec![1.0]).unwrap_err();
    assert!(
        e.to_string()
            .contains("2 row indices, 1 column indices and 1 values"),
        "{e}"
    );
    let e = CooMatrix::<f64>::try_from_triplets(2, 2, vec![0], vec![2], vec![1.0]).unwrap_err();
    assert!(
        e.to_string()
            .contains("column index 2 of entry 0 is out of range"),
        "{e}"
    );
    assert!(CooMatrix::<f64>::new(1 << 33, 1).is_err());
    let e = CsrMatrix::<f64>::identity(4).to_bsr(3, 1).unwrap_err();
    assert!(e.to_string().contains("r >= 1 dividing 4 rows"), "{e}");
    let e = CsrMatrix::from_dense(&DMatrix::<f64>::zeros(2, 2), -1.0).unwrap_err();
    assert!(e.to_string().contains("threshold"), "{e}");
}

#[test]
fn statistics_and_footprints() {
    // 4x6, 5 stored entries
    let coo = CooMatrix::try_from_triplets(
        4,
        6,
        vec![0, 0, 1, 3, 3],
        vec![0, 5, 2, 1, 4],
        vec![1.0f64, 2.0, 3.0, 4.0, 5.0],
    )
    .unwrap();
    let a = coo.to_csr();
    assert_eq!(a.nnz(), 5);
    assert!((a.density() - 5.0 / 24.0).abs() < 1e-15);
    assert!((a.sparsity() - 19.0 / 24.0).abs() < 1e-15);
    assert_eq!(a.memory_bytes(), 5 * 8 + 5 * 12);
    assert_eq!(
        a.memory_bytes_as(SparseFormat::Csr).unwrap(),
        a.memory_bytes()
    );
    assert_eq!(
        a.memory_bytes_as(SparseFormat::Csc).unwrap(),
        a.to_csc().memory_bytes()
    );
    assert_eq!(
        a.memory_bytes_as(SparseFormat::Coo).unwrap(),
        coo.memory_bytes()
    );
    assert_eq!(a.memory_bytes_as(SparseFormat::Dense).unwrap(), 24 * 8);
    let b = a.to_bsr(2, 2).unwrap();
    // block row 0 holds block columns 0, 1, 2; block row 1 holds 0 and 2
    assert_eq!(b.nnz_blocks(), 5);
    assert_eq!(b.indices(), &[0, 1, 2, 0, 2]);
    assert_eq!(b.nnz(), 20);
    assert_eq!(
        a.memory_bytes_as(SparseFormat::Bsr { r: 2, c: 2 }).unwrap(),
        b.memory_bytes()
    );
    assert_eq!(b.memory_bytes(), 3 * 8 + 5 * 4 + 20 * 8);
    assert_eq!(a.get(3, 4), Some(5.0));
    assert_eq!(a.get(3, 3), Some(0.0));
    assert_eq!(a.get(4, 0), None);
    assert_eq!(b.get(0, 5), Some(2.0));
    assert_eq!(a.to_csc().get(1, 2), Some(3.0));
    assert_eq!(format!("{}", SparseFormat::Bsr { r: 2, c: 4 }), "BSR 2x4");
    let z = CsrMatrix::<f64>::zeros(0, 3);
    assert_eq!(z.density(), 0.0);
    assert_eq!(z.apply_vec(&[1.0, 2.0, 3.0]), Vec::<f64>::new());
    assert_eq!(z.adjoint_vec(&[]), vec![0.0; 3]);
}

#[test]
fn complex_adjoint_conjugates_and_transpose_does_not() {
    let i = C64::new(0.0, 1.0);
    let a = CooMatrix::try_from_triplets(1, 1, vec![0], vec![0], vec![i])
        .unwrap()
        .to_csr();
    let mut x = [C64::new(0.0, 0.0)];
    a.mul_vec_t(&[C64::new(1.0, 0.0)], &mut x);
    assert_eq!(x[0], i);
    a.mul_vec_h(&[C64::new(1.0, 0.0)], &mut x);
    assert_eq!(x[0], -i);
    assert_eq!(a.conj_transpose().get(0, 0), Some(-i));
    assert_eq!(a.transpose().get(0, 0), Some(i));
}

#[test]
#[should_panic(expected = "expected length 3, got 2")]
fn wrong_buffer_length_panics_with_both_lengths() {
    let a = CsrMatrix::<f64>::identity(3);
    let mut y = vec![0.0; 3];
    a.mul_vec(&[1.0, 2.0], &mut y);
}
