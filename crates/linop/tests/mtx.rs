//! Matrix Market I/O: hand-written files of every header variant, SciPy references
//! (`tests/data/mtx/make_refs.py`), write/read round trips, one test per malformed input,
//! and a seeded fuzz loop that must never panic.

use cstk_linop::io::mtx::{
    MtxField, MtxFormat, MtxHeader, MtxSymmetry, read_mtx, read_mtx_csr, read_mtx_dense,
    read_mtx_from, read_mtx_header, read_mtx_header_from, write_mtx, write_mtx_csr,
    write_mtx_csr_to, write_mtx_dense, write_mtx_dense_to, write_mtx_to,
};
use cstk_linop::io::npy::read_npy_matrix;
use cstk_linop::nalgebra::DMatrix;
use cstk_linop::{Complex, CooMatrix, CsrMatrix, Error, Scalar};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

type C64 = Complex<f64>;
type C32 = Complex<f32>;

use MtxField::{Complex as FComplex, Integer, Pattern, Real};
use MtxFormat::{Array, Coordinate};
use MtxSymmetry::{General, Hermitian, SkewSymmetric, Symmetric};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/mtx")
        .join(name)
}

fn c(re: f64, im: f64) -> C64 {
    Complex::new(re, im)
}

/// A scratch directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("cstk-mtx-test-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Equal, counting NaN equal to NaN (part by part for complex values).
fn same<T: Scalar>(a: T, b: T) -> bool {
    let (a, b) = (a.to_c64(), b.to_c64());
    let eq = |x: f64, y: f64| x == y || (x.is_nan() && y.is_nan());
    eq(a.re, b.re) && eq(a.im, b.im)
}

#[track_caller]
fn assert_same_dense<T: Scalar>(got: &DMatrix<T>, want: &DMatrix<T>, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    for j in 0..want.ncols() {
        for i in 0..want.nrows() {
            assert!(
                same(got[(i, j)], want[(i, j)]),
                "{what}: entry ({i}, {j}) is {:?}, expected {:?}",
                got[(i, j)],
                want[(i, j)]
            );
        }
    }
}

fn header(
    format: MtxFormat,
    field: MtxField,
    symmetry: MtxSymmetry,
    nrows: usize,
    ncols: usize,
    nnz: usize,
) -> MtxHeader {
    MtxHeader {
        format,
        field,
        symmetry,
        nrows,
        ncols,
        nnz,
    }
}

/// Reads `name` with every reader and checks the header and the dense matrix (row-major
/// `want`), for the real types when `want` is real and for the complex types always.
#[track_caller]
fn check_file(name: &str, h: MtxHeader, want: &[C64]) {
    let path = data(name);
    assert_eq!(read_mtx_header(&path).unwrap(), h, "{name}: header");
    let (m, n) = (h.nrows, h.ncols);
    let want_c = DMatrix::from_row_slice(m, n, want);
    assert_same_dense(&read_mtx_dense::<C64>(&path).unwrap(), &want_c, name);
    let want_c32 = want_c.map(|v| C32::from_f64_parts(v.re, v.im));
    assert_same_dense(&read_mtx_dense::<C32>(&path).unwrap(), &want_c32, name);
    assert_same_dense(
        &read_mtx_csr::<C64>(&path).unwrap().to_dense(),
        &want_c,
        name,
    );
    assert_same_dense(&read_mtx::<C64>(&path).unwrap().to_dense(), &want_c, name);
    if h.field == FComplex {
        assert!(matches!(
            read_mtx::<f64>(&path),
            Err(Error::Format { line: Some(1), .. })
        ));
    } else {
        let want_r = want_c.map(|v| v.re);
        assert_same_dense(&read_mtx_dense::<f64>(&path).unwrap(), &want_r, name);
        let want_r32 = want_c.map(|v| v.re as f32);
        assert_same_dense(&read_mtx_dense::<f32>(&path).unwrap(), &want_r32, name);
    }
}

fn real(v: &[f64]) -> Vec<C64> {
    v.iter().map(|&x| c(x, 0.0)).collect()
}

// ------------------------------------------------------------------------------------------
// Hand-written files, one per header variant
// ------------------------------------------------------------------------------------------

#[test]
fn coordinate_real_general_with_comments_blank_lines_and_duplicates() {
    #[rustfmt::skip]
    let want = real(&[
        1.5, 0.0, 0.0,    0.0, -0.5,
        0.0, 0.0, -22.25, 0.0, 0.0,
        0.0, 7.0, 0.0,    0.0, 0.0,
        100.0, 0.0, 0.0,  0.0, 0.03,
    ]);
    check_file(
        "real_general.mtx",
        header(Coordinate, Real, General, 4, 5, 8),
        &want,
    );
    let path = data("real_general.mtx");
    // triplets as listed: the duplicate (2, 3) and the explicit zero (2, 4) are kept
    let coo = read_mtx::<f64>(&path).unwrap();
    assert_eq!(coo.nnz(), 8);
    assert_eq!(
        coo.triplets().filter(|&(i, j, _)| (i, j) == (1, 2)).count(),
        2
    );
    // CSR sums the duplicate and keeps the explicit zero
    let csr = read_mtx_csr::<f64>(&path).unwrap();
    assert_eq!(csr.nnz(), 7);
    assert_eq!(csr.get(1, 2), Some(-22.25));
    assert_eq!(csr.row(1).0, &[2, 3]);
}

#[test]
fn coordinate_integer_general() {
    #[rustfmt::skip]
    let want = real(&[
        5.0, 0.0, -7.0,
        0.0, -3.0, 0.0,
        12.0, 0.0, 0.0,
    ]);
    check_file(
        "integer_general.mtx",
        header(Coordinate, Integer, General, 3, 3, 4),
        &want,
    );
}

#[test]
fn coordinate_pattern_symmetric() {
    #[rustfmt::skip]
    let want = real(&[
        1.0, 1.0, 0.0, 1.0,
        1.0, 0.0, 1.0, 0.0,
        0.0, 1.0, 0.0, 0.0,
        1.0, 0.0, 0.0, 1.0,
    ]);
    check_file(
        "pattern_symmetric.mtx",
        header(Coordinate, Pattern, Symmetric, 4, 4, 5),
        &want,
    );
    // 5 listed entries, 3 of them off the diagonal and mirrored
    assert_eq!(
        read_mtx::<f64>(&data("pattern_symmetric.mtx"))
            .unwrap()
            .nnz(),
        8
    );
}

#[test]
fn coordinate_real_symmetric_spd_banded_5x5() {
    #[rustfmt::skip]
    let want = real(&[
        2800.0, -1200.0,   400.0,     0.0,     0.0,
       -1200.0,  3600.0, -1200.0,   400.0,     0.0,
         400.0, -1200.0,  3600.0, -1200.0,   400.0,
           0.0,   400.0, -1200.0,  3600.0, -1200.0,
           0.0,     0.0,   400.0, -1200.0,  2800.0,
    ]);
    check_file(
        "real_symmetric.mtx",
        header(Coordinate, Real, Symmetric, 5, 5, 12),
        &want,
    );
    let a = read_mtx_csr::<f64>(&data("real_symmetric.mtx")).unwrap();
    assert_eq!(a.nnz(), 19);
    assert_eq!(a, a.transpose());
}

#[test]
fn coordinate_real_skew_symmetric() {
    #[rustfmt::skip]
    let want = real(&[
        0.0, -1.0,  2.5,  0.0,
        1.0,  0.0,  0.0, -3.0,
       -2.5,  0.0,  0.0, -0.5,
        0.0,  3.0,  0.5,  0.0,
    ]);
    check_file(
        "skew_symmetric.mtx",
        header(Coordinate, Real, SkewSymmetric, 4, 4, 4),
        &want,
    );
}

#[test]
fn coordinate_complex_hermitian() {
    #[rustfmt::skip]
    let want = [
        c(4.0, 0.0), c(1.0, -2.0), c(0.0, 1.5),
        c(1.0, 2.0), c(5.0, 0.0),  c(0.0, 0.0),
        c(0.0, -1.5), c(0.0, 0.0), c(6.0, 0.0),
    ];
    check_file(
        "complex_hermitian.mtx",
        header(Coordinate, FComplex, Hermitian, 3, 3, 5),
        &want,
    );
    let a = read_mtx_csr::<C64>(&data("complex_hermitian.mtx")).unwrap();
    assert_eq!(a, a.conj_transpose());
}

#[test]
fn coordinate_complex_general() {
    #[rustfmt::skip]
    let want = [
        c(1.0, -1.0), c(0.0, 0.0),   c(0.0, 2.0),
        c(0.0, 0.0),  c(-3.5, 0.25), c(1e-3, 0.0),
    ];
    check_file(
        "complex_general.mtx",
        header(Coordinate, FComplex, General, 2, 3, 4),
        &want,
    );
}

#[test]
fn array_real_general() {
    #[rustfmt::skip]
    let want = real(&[
        1.0, 4.5,
        -2.0, 0.0,
        0.0, 0.6,
    ]);
    check_file(
        "array_real_general.mtx",
        header(Array, Real, General, 3, 2, 6),
        &want,
    );
    // into COO only the non-zeros are kept
    let coo = read_mtx::<f64>(&data("array_real_general.mtx")).unwrap();
    assert_eq!(coo.nnz(), 4);
}

#[test]
fn array_real_symmetric() {
    #[rustfmt::skip]
    let want = real(&[
        4.0, 1.0, 0.0,
        1.0, 5.0, -2.0,
        0.0, -2.0, 6.0,
    ]);
    check_file(
        "array_real_symmetric.mtx",
        header(Array, Real, Symmetric, 3, 3, 6),
        &want,
    );
    assert_eq!(
        read_mtx::<f64>(&data("array_real_symmetric.mtx"))
            .unwrap()
            .nnz(),
        7
    );
}

#[test]
fn array_real_skew_symmetric() {
    #[rustfmt::skip]
    let want = real(&[
        0.0, -1.0, -2.0,
        1.0, 0.0, -3.0,
        2.0, 3.0, 0.0,
    ]);
    check_file(
        "array_skew_symmetric.mtx",
        header(Array, Real, SkewSymmetric, 3, 3, 3),
        &want,
    );
}

#[test]
fn array_complex_general() {
    #[rustfmt::skip]
    let want = [
        c(1.0, 0.5), c(-2.0, 1.0),
        c(0.0, 0.0), c(3.0, -3.0),
    ];
    check_file(
        "array_complex_general.mtx",
        header(Array, FComplex, General, 2, 2, 4),
        &want,
    );
}

#[test]
fn array_complex_hermitian() {
    #[rustfmt::skip]
    let want = [
        c(2.0, 0.0), c(1.0, -1.0),
        c(1.0, 1.0), c(3.0, 0.0),
    ];
    check_file(
        "array_complex_hermitian.mtx",
        header(Array, FComplex, Hermitian, 2, 2, 3),
        &want,
    );
}

#[test]
fn crlf_tabs_upper_case_banner_and_short_numbers() {
    #[rustfmt::skip]
    let want = real(&[
        1.5, 0.0, 1000.0,
        0.0, 0.5, 0.0,
        -0.0, 0.0, 5.0,
    ]);
    check_file(
        "quirks.mtx",
        header(Coordinate, Real, General, 3, 3, 5),
        &want,
    );
}

#[test]
fn nan_and_infinity_are_data() {
    let want = real(&[f64::NAN, f64::INFINITY, 0.0, f64::NEG_INFINITY]);
    check_file(
        "nonfinite.mtx",
        header(Coordinate, Real, General, 2, 2, 3),
        &want,
    );
    // every spelling Rust's `parse` accepts
    let text =
        "%%MatrixMarket matrix array real general\n6 1\nNaN\n-nan\nInfinity\n-INF\n+inf\n+1.5\n";
    let a = read_mtx_from::<f64, _>(text.as_bytes(), "t")
        .unwrap()
        .to_dense();
    assert!(a[(0, 0)].is_nan() && a[(1, 0)].is_nan());
    assert_eq!(
        (a[(2, 0)], a[(3, 0)], a[(4, 0)], a[(5, 0)]),
        (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, 1.5)
    );
}

// ------------------------------------------------------------------------------------------
// SciPy references
// ------------------------------------------------------------------------------------------

fn reference_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mtx"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_file_reads_as_scipy_mmread_does() {
    let files = reference_files();
    assert!(files.len() >= 15, "found only {} .mtx files", files.len());
    for path in files {
        let npy = path.with_extension("npy");
        let what = path.display().to_string();
        if read_mtx_header(&path).unwrap().field == FComplex {
            let want = read_npy_matrix::<C64>(&npy).unwrap();
            assert_same_dense(&read_mtx_dense::<C64>(&path).unwrap(), &want, &what);
        } else {
            let want = read_npy_matrix::<f64>(&npy).unwrap();
            assert_same_dense(&read_mtx_dense::<f64>(&path).unwrap(), &want, &what);
            let want_c = want.map(|v| c(v, 0.0));
            assert_same_dense(&read_mtx_dense::<C64>(&path).unwrap(), &want_c, &what);
        }
    }
}

#[test]
fn file_written_by_scipy_mmwrite_reads_exactly() {
    let path = data("scipy_random.mtx");
    assert_eq!(
        read_mtx_header(&path).unwrap(),
        header(Coordinate, Real, General, 30, 20, 90)
    );
    let want = read_npy_matrix::<f64>(&data("scipy_random.npy")).unwrap();
    let got = read_mtx_dense::<f64>(&path).unwrap();
    assert_eq!(got, want); // bit for bit: values span 1e-5 .. 1e5 with 17 digits
    // and writing it back with cstk reads back identically
    let mut bytes = Vec::new();
    write_mtx_to(&mut bytes, &read_mtx::<f64>(&path).unwrap(), General).unwrap();
    let back = read_mtx_from::<f64, _>(bytes.as_slice(), "back").unwrap();
    assert_eq!(back.to_dense(), want);
}

// ------------------------------------------------------------------------------------------
// Round trips
// ------------------------------------------------------------------------------------------

/// A value with a random magnitude over many decades, sometimes a special value.
fn random_part(rng: &mut ChaCha8Rng) -> f64 {
    match rng.random_range(0..20) {
        0 => 0.0,
        1 => -0.0,
        2 => f64::MIN_POSITIVE / 8.0, // subnormal in f64, 0 in f32
        3 => 0.1,
        4 => 1.0 / 3.0,
        5 => -1e30,
        _ => rng.random_range(-1.0..1.0) * 10f64.powi(rng.random_range(-30..30)),
    }
}

fn random_value<T: Scalar>(rng: &mut ChaCha8Rng) -> T {
    let re = random_part(rng);
    let im = if T::IS_COMPLEX { random_part(rng) } else { 0.0 };
    T::from_f64_parts(re, im)
}

/// A random `n × n` (or `m × n` for general) matrix with exactly the given symmetry,
/// duplicates included.
fn random_coo<T: Scalar>(
    rng: &mut ChaCha8Rng,
    m: usize,
    n: usize,
    entries: usize,
    symmetry: MtxSymmetry,
) -> CooMatrix<T> {
    let mut a = CooMatrix::new(m, n).unwrap();
    if m == 0 || n == 0 {
        return a;
    }
    for _ in 0..entries {
        let i = rng.random_range(0..m);
        let j = rng.random_range(0..n);
        let v: T = random_value(rng);
        match symmetry {
            General => a.push(i, j, v).unwrap(),
            Symmetric => {
                a.push(i, j, v).unwrap();
                if i != j {
                    a.push(j, i, v).unwrap();
                }
            }
            SkewSymmetric if i != j => {
                a.push(i, j, v).unwrap();
                a.push(j, i, -v).unwrap();
            }
            SkewSymmetric => {}
            Hermitian => {
                if i == j {
                    a.push(i, i, T::from_f64_parts(v.to_c64().re, 0.0)).unwrap();
                } else {
                    a.push(i, j, v).unwrap();
                    a.push(j, i, v.conjugate()).unwrap();
                }
            }
        }
    }
    a
}

/// Bit patterns of both parts, so that `-0.0 != 0.0` and NaN payloads count.
fn bits<T: Scalar>(v: T) -> (u64, u64) {
    let c = v.to_c64();
    (c.re.to_bits(), c.im.to_bits())
}

/// [`bits`] with `-0.0` counted as `0.0`.
fn bits_any_zero<T: Scalar>(v: T) -> (u64, u64) {
    let c = v.to_c64();
    (
        if c.re == 0.0 { 0 } else { c.re.to_bits() },
        if c.im == 0.0 { 0 } else { c.im.to_bits() },
    )
}

/// Same pattern and bit-identical values, except that for a file storing one triangle the
/// sign of a zero in the other triangle is not kept (the mirror of `+0` is `-0`).
#[track_caller]
fn assert_bit_identical<T: Scalar>(got: &CsrMatrix<T>, want: &CsrMatrix<T>, what: &str) {
    assert_bit_identical_as(got, want, what, bits::<T>);
}

#[track_caller]
fn assert_bit_identical_as<T: Scalar>(
    got: &CsrMatrix<T>,
    want: &CsrMatrix<T>,
    what: &str,
    bits: fn(T) -> (u64, u64),
) {
    assert_eq!(
        (got.nrows(), got.ncols(), got.indptr(), got.indices()),
        (want.nrows(), want.ncols(), want.indptr(), want.indices()),
        "{what}: pattern"
    );
    for (k, (&g, &w)) in got.data().iter().zip(want.data()).enumerate() {
        assert_eq!(bits(g), bits(w), "{what}: value {k}: {g:?} vs {w:?}");
    }
}

fn round_trips<T: Scalar>(seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut symmetries = vec![General, Symmetric, SkewSymmetric];
    if T::IS_COMPLEX {
        symmetries.push(Hermitian);
    }
    for &symmetry in &symmetries {
        for &(m, n, entries) in &[(0, 0, 0), (1, 1, 1), (4, 4, 0), (7, 7, 12), (30, 30, 200)] {
            let a = random_coo::<T>(&mut rng, m, n, entries, symmetry);
            let what = format!("{} {symmetry} {m}x{n}", T::NAME);
            let mut bytes = Vec::new();
            write_mtx_to(&mut bytes, &a, symmetry).unwrap();
            let h = read_mtx_header_from(bytes.as_slice(), "rt").unwrap();
            assert_eq!(
                (h.format, h.symmetry, h.nrows, h.ncols),
                (Coordinate, symmetry, m, n)
            );
            assert_eq!(
                h.field,
                if T::IS_COMPLEX { FComplex } else { Real },
                "{what}"
            );
            let back = read_mtx_from::<T, _>(bytes.as_slice(), "rt").unwrap();
            let compare = if symmetry == General {
                bits::<T>
            } else {
                bits_any_zero::<T>
            };
            assert_bit_identical_as(&back.to_csr(), &a.to_csr(), &what, compare);
        }
    }
    // general, rectangular, with NaN and infinities
    let mut a = random_coo::<T>(&mut rng, 9, 5, 30, General);
    a.push(0, 0, T::from_f64_parts(f64::NAN, 1.0)).unwrap();
    a.push(8, 4, T::from_f64_parts(f64::INFINITY, f64::NEG_INFINITY))
        .unwrap();
    let mut bytes = Vec::new();
    write_mtx_to(&mut bytes, &a, General).unwrap();
    let back = read_mtx_from::<T, _>(bytes.as_slice(), "rt").unwrap();
    assert_bit_identical(&back.to_csr(), &a.to_csr(), "non-finite");
    // dense array format
    let d = DMatrix::from_fn(6, 4, |_, _| random_value::<T>(&mut rng));
    let mut bytes = Vec::new();
    write_mtx_dense_to(&mut bytes, &d).unwrap();
    let h = read_mtx_header_from(bytes.as_slice(), "rt").unwrap();
    assert_eq!((h.format, h.symmetry, h.nnz), (Array, General, 24));
    let back = read_mtx_from::<T, _>(bytes.as_slice(), "rt").unwrap();
    let back = back.to_csr().to_dense();
    for (k, (&g, &w)) in back.iter().zip(d.iter()).enumerate() {
        // an array read keeps non-zeros only, so a stored -0.0 comes back as +0.0
        if w == T::zero() {
            assert_eq!(g, T::zero());
        } else {
            assert_eq!(bits(g), bits(w), "dense value {k}");
        }
    }
}

#[test]
fn round_trip_f32() {
    round_trips::<f32>(1);
}

#[test]
fn round_trip_f64() {
    round_trips::<f64>(2);
}

#[test]
fn round_trip_complex64() {
    round_trips::<C32>(3);
}

#[test]
fn round_trip_complex128() {
    round_trips::<C64>(4);
}

#[test]
fn round_trip_through_files() {
    let dir = TempDir::new("files");
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let a = random_coo::<C64>(&mut rng, 12, 12, 40, Hermitian);
    let p = dir.path("h.mtx");
    write_mtx(&p, &a, Hermitian).unwrap();
    assert_bit_identical_as(
        &read_mtx_csr::<C64>(&p).unwrap(),
        &a.to_csr(),
        "hermitian file",
        bits_any_zero::<C64>,
    );
    let s = random_coo::<f64>(&mut rng, 10, 10, 30, SkewSymmetric).to_csr();
    let p = dir.path("s.mtx");
    write_mtx_csr(&p, &s, SkewSymmetric).unwrap();
    assert_bit_identical_as(
        &read_mtx_csr::<f64>(&p).unwrap(),
        &s,
        "skew file",
        bits_any_zero::<f64>,
    );
    let d = DMatrix::from_fn(3, 5, |i, j| (i as f32 + 1.0) / (j as f32 + 3.0));
    let p = dir.path("d.mtx");
    write_mtx_dense(&p, &d).unwrap();
    assert_eq!(read_mtx_dense::<f32>(&p).unwrap(), d);
    // no temporary file is left behind
    assert_eq!(std::fs::read_dir(&dir.0).unwrap().count(), 3);
}

#[test]
fn writer_output_is_exact_text() {
    let a = CooMatrix::<f64>::try_from_triplets(
        3,
        3,
        vec![0, 1, 0, 2, 2, 2],
        vec![0, 0, 1, 2, 2, 0],
        vec![2.0, 0.1, 0.1, 1.0, 0.5, 1e-300],
    )
    .unwrap();
    let mut out = Vec::new();
    // (0, 2) is missing while (2, 0) = 1e-300: not symmetric; drop (2, 0) first
    let err = write_mtx_to(&mut out, &a, Symmetric).unwrap_err();
    assert!(
        err.to_string()
            .contains("A[(0, 2)] = 0e0 but A[(2, 0)] = 1e-300"),
        "{err}"
    );
    assert!(out.is_empty());
    let a = CooMatrix::<f64>::try_from_triplets(
        3,
        3,
        vec![0, 1, 0, 2, 2],
        vec![0, 0, 1, 2, 2],
        vec![2.0, 0.1, 0.1, 1.0, 0.5],
    )
    .unwrap();
    write_mtx_to(&mut out, &a, Symmetric).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "%%MatrixMarket matrix coordinate real symmetric\n% written by cstk\n3 3 3\n\
         1 1 2e0\n2 1 1e-1\n3 3 1.5e0\n"
    );
    // f32 values are printed in f32's own shortest form
    let mut out = Vec::new();
    let d = DMatrix::from_row_slice(1, 2, &[0.1f32, -3.4028235e38]);
    write_mtx_dense_to(&mut out, &d).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "%%MatrixMarket matrix array real general\n% written by cstk\n1 2\n1e-1\n-3.4028235e38\n"
    );
}

#[test]
fn writer_rejects_a_matrix_without_the_declared_symmetry() {
    let mut out = Vec::new();
    let rect = CsrMatrix::<f64>::zeros(2, 3);
    assert!(matches!(
        write_mtx_csr_to(&mut out, &rect, Symmetric),
        Err(Error::ShapeMismatch { .. })
    ));
    let a = CooMatrix::<f64>::try_from_triplets(
        3,
        3,
        vec![1, 0, 2, 1],
        vec![0, 1, 1, 2],
        vec![1.0, 1.0, 2.0, 2.5],
    )
    .unwrap();
    let msg = write_mtx_to(&mut out, &a, Symmetric)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("A[(1, 2)] = 2.5e0 but A[(2, 1)] = 2e0"),
        "{msg}"
    );
    let msg = write_mtx_to(&mut out, &a, SkewSymmetric)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("A[(0, 1)] = 1e0 but A[(1, 0)] = 1e0"), "{msg}");
    // real type with hermitian
    let msg = write_mtx_to(&mut out, &a, Hermitian)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("hermitian needs a complex type"), "{msg}");
    // skew-symmetric with a non-zero diagonal
    let d = CsrMatrix::<f64>::identity(2);
    let msg = write_mtx_csr_to(&mut out, &d, SkewSymmetric)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("A[(0, 0)] = 1e0 is not zero"), "{msg}");
    // hermitian with a complex diagonal
    let h = CooMatrix::<C64>::try_from_triplets(2, 2, vec![1], vec![1], vec![c(1.0, 0.5)]).unwrap();
    let msg = write_mtx_to(&mut out, &h, Hermitian)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("A[(1, 1)] = (1e0, 5e-1) is not real"), "{msg}");
    // complex symmetric (not hermitian) is fine as symmetric, not as hermitian
    let s = CooMatrix::<C64>::try_from_triplets(
        2,
        2,
        vec![0, 1],
        vec![1, 0],
        vec![c(1.0, 1.0), c(1.0, 1.0)],
    )
    .unwrap();
    write_mtx_to(&mut out, &s, Symmetric).unwrap();
    let msg = write_mtx_to(&mut out, &s, Hermitian)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("A[(0, 1)] = (1e0, 1e0) but A[(1, 0)] = (1e0, 1e0)"),
        "{msg}"
    );
    // NaN has no symmetry
    let nan = CooMatrix::<f64>::try_from_triplets(1, 1, vec![0], vec![0], vec![f64::NAN]).unwrap();
    let msg = write_mtx_to(&mut out, &nan, Symmetric)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("NaN"), "{msg}");
}

#[test]
fn writer_sums_duplicates_and_keeps_the_old_file_on_error() {
    let dir = TempDir::new("atomic");
    let p = dir.path("a.mtx");
    let a = CooMatrix::<f64>::try_from_triplets(
        2,
        2,
        vec![1, 1, 0],
        vec![0, 0, 1],
        vec![1.0, 2.0, 3.0],
    )
    .unwrap();
    write_mtx(&p, &a, General).unwrap();
    let before = std::fs::read(&p).unwrap();
    assert!(String::from_utf8_lossy(&before).contains("\n2 2 2\n"));
    assert_eq!(read_mtx_csr::<f64>(&p).unwrap().get(1, 0), Some(3.0));
    assert!(write_mtx(&p, &a, SkewSymmetric).is_err());
    assert_eq!(std::fs::read(&p).unwrap(), before);
    assert_eq!(std::fs::read_dir(&dir.0).unwrap().count(), 1);
}

#[test]
fn write_errors_name_the_writer() {
    struct Broken;
    impl std::io::Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let err = write_mtx_dense_to(Broken, &DMatrix::<f64>::zeros(2, 2)).unwrap_err();
    assert!(matches!(err, Error::Io { .. }));
    assert!(err.to_string().contains("<memory>: disk on fire"), "{err}");
    let err = write_mtx_to(Broken, &CooMatrix::<f64>::new(1, 1).unwrap(), General).unwrap_err();
    assert!(matches!(err, Error::Io { .. }));
}

// ------------------------------------------------------------------------------------------
// Accepted input beyond SciPy
// ------------------------------------------------------------------------------------------

#[test]
fn comments_and_blank_lines_among_and_after_entries() {
    // scipy's reader rejects comments among the entries; the spec's readers skip them
    let text = "%%MatrixMarket matrix coordinate real general\n\n% c\n   \n2 2 2\n% c\n1 1 1\n\n  % indented comment\n2 2 2\n% trailing\n\n";
    let a = read_mtx_from::<f64, _>(text.as_bytes(), "t").unwrap();
    assert_eq!(
        a.to_dense(),
        DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.0, 2.0])
    );
}

#[test]
fn byte_order_mark_and_latin1_comments_are_accepted() {
    let mut bytes = b"\xEF\xBB\xBF%%MatrixMarket matrix coordinate real general\n% auteur: J\xE9r\xF4me\n1 1 1\n1 1 4\n".to_vec();
    let a = read_mtx_from::<f64, _>(bytes.as_slice(), "t").unwrap();
    assert_eq!(a.values(), &[4.0]);
    bytes.extend_from_slice(b"% \xFF\n");
    assert!(read_mtx_from::<f64, _>(bytes.as_slice(), "t").is_ok());
}

#[test]
fn integer_and_real_files_read_into_complex_types() {
    let text =
        "%%MatrixMarket matrix coordinate integer symmetric\n2 2 2\n1 1 -4\n2 1 9007199254740993\n";
    let a = read_mtx_from::<C64, _>(text.as_bytes(), "t")
        .unwrap()
        .to_dense();
    assert_eq!(a[(0, 0)], c(-4.0, 0.0));
    // integers beyond 2^53 round to the nearest f64
    assert_eq!(a[(0, 1)], c(9007199254740992.0, 0.0));
}

#[test]
fn f32_values_are_rounded_once_from_the_decimal_text() {
    // just below the midpoint between 1 + 2^-23 and 1 + 2^-22: rounding through f64 would
    // land on the midpoint and then round up to even
    let text = "%%MatrixMarket matrix array real general\n1 1\n1.0000001788139343261718749\n";
    let v = read_mtx_from::<f32, _>(text.as_bytes(), "t")
        .unwrap()
        .values()[0];
    assert_eq!(v, "1.0000001788139343261718749".parse::<f32>().unwrap());
    assert_eq!(v, 1.0 + f32::EPSILON);
    let z = read_mtx_from::<C32, _>(
        "%%MatrixMarket matrix array complex general\n1 1\n0.1 1.0000001788139343261718749\n"
            .as_bytes(),
        "t",
    )
    .unwrap()
    .values()[0];
    assert_eq!(z, Complex::new(0.1f32, 1.0 + f32::EPSILON));
}

#[test]
fn header_only_reads_do_not_need_the_entries() {
    let text = "%%MatrixMarket matrix coordinate real general\n% c\n100000000000 3 5\n1 1 x\n";
    let h = read_mtx_header_from(text.as_bytes(), "t").unwrap();
    assert_eq!((h.nrows, h.ncols, h.nnz), (100_000_000_000, 3, 5));
    assert_eq!(
        h.to_string(),
        "%%MatrixMarket matrix coordinate real general"
    );
}

#[test]
fn empty_matrices() {
    for text in [
        "%%MatrixMarket matrix coordinate real general\n0 0 0\n",
        "%%MatrixMarket matrix coordinate real general\n3 0 0\n",
        "%%MatrixMarket matrix array real general\n0 4\n",
        "%%MatrixMarket matrix array real skew-symmetric\n1 1\n",
        "%%MatrixMarket matrix coordinate pattern symmetric\n5 5 0\n",
    ] {
        let a = read_mtx_from::<f64, _>(text.as_bytes(), "t").unwrap();
        assert_eq!(a.nnz(), 0, "{text}");
    }
}

// ------------------------------------------------------------------------------------------
// Malformed input: one test per case, each checking the line number and the message
// ------------------------------------------------------------------------------------------

#[track_caller]
fn format_error<T: Scalar>(text: &str) -> (usize, String) {
    match read_mtx_from::<T, _>(text.as_bytes(), "bad.mtx") {
        Err(err @ Error::Format { .. }) => {
            let shown = err.to_string();
            let Error::Format { path, line, reason } = err else {
                unreachable!()
            };
            assert_eq!(path, Path::new("bad.mtx"));
            let line = line.expect("text errors carry a line number");
            assert_eq!(shown, format!("bad.mtx:{line}: {reason}"));
            (line, reason)
        }
        other => panic!("expected a format error, got {other:?}"),
    }
}

#[track_caller]
fn assert_error_at<T: Scalar>(text: &str, line: usize, needles: &[&str]) {
    let (got, reason) = format_error::<T>(text);
    assert_eq!(got, line, "line of {reason:?}");
    for needle in needles {
        assert!(reason.contains(needle), "{reason:?} lacks {needle:?}");
    }
}

#[track_caller]
fn assert_error(text: &str, line: usize, needles: &[&str]) {
    assert_error_at::<f64>(text, line, needles);
}

const RG: &str = "%%MatrixMarket matrix coordinate real general\n";

#[test]
fn error_empty_file() {
    assert_error("", 1, &["the file is empty", "%%MatrixMarket"]);
}

#[test]
fn error_missing_banner() {
    assert_error(
        "% a comment\n2 2 1\n1 1 1\n",
        1,
        &["missing `%%MatrixMarket` banner", "found `% a comment`"],
    );
    assert_error(
        "%%MatrixMarkt matrix coordinate real general\n1 1 0\n",
        1,
        &["missing `%%MatrixMarket` banner"],
    );
    // the banner must be the first line
    assert_error(&format!("\n{RG}1 1 0\n"), 1, &["missing"]);
}

#[test]
fn error_incomplete_banner() {
    assert_error(
        "%%MatrixMarket matrix coordinate real\n1 1 0\n",
        1,
        &["incomplete banner: the symmetry is missing"],
    );
    assert_error("%%MatrixMarket\n1 1 0\n", 1, &["the object is missing"]);
}

#[test]
fn error_unknown_object() {
    assert_error(
        "%%MatrixMarket vector coordinate real general\n1 0\n",
        1,
        &["unsupported object `vector`", "only `matrix`"],
    );
}

#[test]
fn error_unknown_format() {
    assert_error(
        "%%MatrixMarket matrix sparse real general\n1 1 0\n",
        1,
        &["unknown format `sparse`: expected `coordinate` or `array`"],
    );
}

#[test]
fn error_unknown_field() {
    assert_error(
        "%%MatrixMarket matrix coordinate double general\n1 1 0\n",
        1,
        &["unknown field `double`: expected `real`, `integer`, `complex` or `pattern`"],
    );
}

#[test]
fn error_unknown_symmetry() {
    assert_error(
        "%%MatrixMarket matrix coordinate real upper\n1 1 0\n",
        1,
        &[
            "unknown symmetry `upper`: expected `general`, `symmetric`, `skew-symmetric` or `hermitian`",
        ],
    );
}

#[test]
fn error_extra_banner_word() {
    assert_error(
        "%%MatrixMarket matrix coordinate real general extra\n1 1 0\n",
        1,
        &["unexpected word `extra`"],
    );
}

#[test]
fn error_pattern_with_array() {
    assert_error(
        "%%MatrixMarket matrix array pattern general\n1 1\n",
        1,
        &["pattern field is only valid with the coordinate format"],
    );
}

#[test]
fn error_hermitian_without_complex() {
    for field in ["real", "integer", "pattern"] {
        assert_error(
            &format!("%%MatrixMarket matrix coordinate {field} hermitian\n1 1 0\n"),
            1,
            &[&format!(
                "hermitian symmetry needs the complex field, found `{field}`"
            )],
        );
    }
}

#[test]
fn error_skew_symmetric_pattern() {
    assert_error(
        "%%MatrixMarket matrix coordinate pattern skew-symmetric\n2 2 0\n",
        1,
        &["skew-symmetric symmetry is not valid with the pattern field"],
    );
}

#[test]
fn error_complex_into_real() {
    let text = "%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n";
    assert_error_at::<f64>(
        text,
        1,
        &["complex values", "real type f64", "imaginary part"],
    );
    assert_error_at::<f32>(text, 1, &["real type f32"]);
    assert!(read_mtx_from::<C32, _>(text.as_bytes(), "t").is_ok());
}

#[test]
fn error_missing_size_line() {
    assert_error(
        &format!("{RG}% only comments\n\n"),
        3,
        &["unexpected end of file", "size line"],
    );
}

#[test]
fn error_bad_size_line() {
    assert_error(
        &format!("{RG}% c\n3 3\n"),
        3,
        &[
            "size line must be `<rows> <columns> <entries>`",
            "found 2 words: `3 3`",
        ],
    );
    assert_error(
        "%%MatrixMarket matrix array real general\n3 3 9\n",
        2,
        &[
            "size line must be `<rows> <columns>` for the array format",
            "found 3 words",
        ],
    );
    assert_error(
        &format!("{RG}3 x 1\n1 1 1\n"),
        2,
        &["invalid number of columns `x` on the size line"],
    );
    assert_error(
        &format!("{RG}-3 3 1\n1 1 1\n"),
        2,
        &["invalid number of rows `-3`"],
    );
    assert_error(
        &format!("{RG}3 3 1.5\n1 1 1\n"),
        2,
        &["invalid number of entries `1.5`"],
    );
    assert_error(
        &format!("{RG}3 3 99999999999999999999999\n1 1 1\n"),
        2,
        &["invalid number of entries"],
    );
}

#[test]
fn error_non_square_symmetric() {
    assert_error(
        "%%MatrixMarket matrix coordinate real symmetric\n% c\n3 4 1\n1 1 1\n",
        3,
        &["a symmetric matrix must be square", "3 rows and 4 columns"],
    );
    assert_error_at::<C64>(
        "%%MatrixMarket matrix array complex hermitian\n2 1\n",
        2,
        &["a hermitian matrix must be square"],
    );
}

#[test]
fn error_too_few_entries() {
    assert_error(
        &format!("{RG}5 5 5\n1 1 1\n2 2 2\n% c\n3 3 3\n\n"),
        7,
        &["too few entries: the size line declares 5, the file lists 3"],
    );
    assert_error(
        "%%MatrixMarket matrix array real symmetric\n3 3\n1\n2\n",
        4,
        &["too few entries: a 3x3 symmetric array lists 6, the file lists 2"],
    );
}

#[test]
fn error_too_many_entries() {
    assert_error(
        &format!("{RG}2 2 2\n1 1 1\n2 2 2\n% c\n1 2 3\n\n2 1 4\n"),
        6,
        &["too many entries: the size line declares 2, the file lists 4"],
    );
    assert_error(
        "%%MatrixMarket matrix array real general\n1 2\n1\n2\n3\n",
        5,
        &["too many entries: a 1x2 general array lists 2, the file lists 3"],
    );
}

#[test]
fn error_index_out_of_range() {
    assert_error(
        &format!("{RG}5 5 2\n1 1 1\n7 2 1\n"),
        4,
        &["row index 7 out of range 1..=5"],
    );
    assert_error(
        &format!("{RG}5 3 1\n5 4 1\n"),
        3,
        &["column index 4 out of range 1..=3"],
    );
    assert_error(
        &format!("{RG}2 2 1\n99999999999999999999999 1 1\n"),
        3,
        &["row index `99999999999999999999999` out of range 1..=2"],
    );
    assert_error(
        &format!("{RG}0 2 1\n1 1 1\n"),
        3,
        &["row index 1 out of range: the matrix has no rows"],
    );
}

#[test]
fn error_zero_index() {
    assert_error(
        &format!("{RG}3 3 1\n0 1 1\n"),
        3,
        &["row index 0 out of range 1..=3", "indices start at 1"],
    );
    assert_error(
        &format!("{RG}3 3 1\n1 0 1\n"),
        3,
        &["column index 0 out of range"],
    );
}

#[test]
fn error_non_numeric_index() {
    assert_error(
        &format!("{RG}3 3 1\n-1 1 1\n"),
        3,
        &["invalid row index `-1`: expected an integer in 1..=3"],
    );
    assert_error(
        &format!("{RG}3 3 1\n1 2.0 1\n"),
        3,
        &["invalid column index `2.0`"],
    );
}

#[test]
fn error_non_numeric_value() {
    assert_error(
        &format!("{RG}3 3 1\n1 1 abc\n"),
        3,
        &["invalid value `abc`: expected a real number"],
    );
    assert_error(
        &format!("{RG}3 3 1\n1 1 1.0D+00\n"),
        3,
        &["invalid value `1.0D+00`"],
    );
    assert_error(
        "%%MatrixMarket matrix coordinate integer general\n3 3 1\n1 1 1.5\n",
        3,
        &["invalid value `1.5`: expected an integer"],
    );
    assert_error_at::<C64>(
        "%%MatrixMarket matrix coordinate complex general\n3 3 1\n1 1 1 i\n",
        3,
        &["invalid imaginary part `i`"],
    );
    assert_error_at::<C64>(
        "%%MatrixMarket matrix array complex general\n1 1\n1,5 0\n",
        3,
        &["invalid real part `1,5`"],
    );
    // long garbage is shortened in the message
    let long = "x".repeat(500);
    let (_, reason) = format_error::<f64>(&format!("{RG}1 1 1\n1 1 {long}\n"));
    assert!(reason.len() < 120, "{reason}");
}

#[test]
fn error_wrong_number_of_fields() {
    assert_error(
        &format!("{RG}3 3 1\n1 2\n"),
        3,
        &["expected 3 words per entry in a `coordinate real` file (`row column value`), found 2"],
    );
    assert_error(
        &format!("{RG}3 3 1\n1 2 3 4\n"),
        3,
        &["expected 3 words", "found 4"],
    );
    assert_error(
        "%%MatrixMarket matrix coordinate pattern general\n3 3 1\n1 2 1\n",
        3,
        &["expected 2 words per entry in a `coordinate pattern` file (`row column`), found 3"],
    );
    assert_error_at::<C64>(
        "%%MatrixMarket matrix coordinate complex general\n3 3 1\n1 2 1\n",
        3,
        &[
            "expected 4 words per entry in a `coordinate complex` file (`row column real imaginary`), found 3",
        ],
    );
    assert_error(
        "%%MatrixMarket matrix array real general\n2 1\n1\n2 3\n",
        4,
        &["expected 1 word per entry in a `array real` file (`value`), found 2"],
    );
}

#[test]
fn error_entry_above_the_diagonal() {
    assert_error(
        "%%MatrixMarket matrix coordinate real symmetric\n3 3 2\n1 1 1\n1 3 2\n",
        4,
        &["entry (1, 3) lies above the diagonal in a symmetric file"],
    );
    assert_error(
        "%%MatrixMarket matrix coordinate pattern symmetric\n3 3 1\n2 3\n",
        3,
        &["entry (2, 3) lies above the diagonal"],
    );
    assert_error_at::<C64>(
        "%%MatrixMarket matrix coordinate complex hermitian\n3 3 1\n1 2 1 1\n",
        3,
        &["in a hermitian file"],
    );
}

#[test]
fn error_skew_symmetric_diagonal_entry() {
    assert_error(
        "%%MatrixMarket matrix coordinate real skew-symmetric\n3 3 2\n2 1 1\n2 2 0\n",
        4,
        &["diagonal entry (2, 2) in a skew-symmetric file"],
    );
}

#[test]
fn error_invalid_utf8_in_data() {
    let bytes = b"%%MatrixMarket matrix coordinate real general\n1 1 1\n1 1 \xFF\n";
    match read_mtx_from::<f64, _>(&bytes[..], "bad.mtx") {
        Err(Error::Format {
            line: Some(3),
            reason,
            ..
        }) => assert!(reason.contains("not valid UTF-8"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn error_dimensions_beyond_u32_pass_through() {
    let text = format!("{RG}4294967296 1 0\n");
    assert!(matches!(
        read_mtx_from::<f64, _>(text.as_bytes(), "t"),
        Err(Error::InvalidSparse { .. })
    ));
    // the largest allowed dimension reads fine, without allocating for it
    let text = format!("{RG}4294967295 4294967295 1\n4294967295 1 2\n");
    let a = read_mtx_from::<f64, _>(text.as_bytes(), "t").unwrap();
    assert_eq!(
        (a.nrows(), a.rows(), a.values()),
        (4294967295, &[4294967294][..], &[2.0][..])
    );
}

#[test]
fn error_huge_declared_counts_do_not_allocate() {
    // a tiny file claiming 10^18 entries, or a 10^9 x 10^9 array, fails at end of file
    assert_error(
        &format!("{RG}3 3 1000000000000000000\n1 1 1\n"),
        3,
        &["declares 1000000000000000000, the file lists 1"],
    );
    assert_error(
        "%%MatrixMarket matrix array real general\n1000000000 1000000000\n1\n",
        3,
        &["lists 1000000000000000000, the file lists 1"],
    );
    // the dense reader of an array file also grows with the data, not the declared size
    let dir = TempDir::new("huge");
    for (symmetry, listed) in [
        ("general", "1000000000000000000"),
        ("symmetric", "500000000500000000"),
    ] {
        let p = dir.path(&format!("{symmetry}.mtx"));
        std::fs::write(
            &p,
            format!("%%MatrixMarket matrix array real {symmetry}\n1000000000 1000000000\n1\n2\n"),
        )
        .unwrap();
        let msg = read_mtx_dense::<f64>(&p).unwrap_err().to_string();
        assert!(msg.ends_with(&format!(":4: unexpected end of file: too few entries: a 1000000000x1000000000 {symmetry} array lists {listed}, the file lists 2")), "{msg}");
    }
    assert_error(
        "%%MatrixMarket matrix array real general\n18446744073709551615 2\n",
        2,
        &["too large"],
    );
}

#[test]
fn error_io_names_the_file() {
    let missing = data("no_such_file.mtx");
    for err in [
        read_mtx::<f64>(&missing).unwrap_err(),
        read_mtx_header(&missing).unwrap_err(),
        read_mtx_dense::<f64>(&missing).map(|_| ()).unwrap_err(),
    ] {
        match err {
            Error::Io { path, source } => {
                assert_eq!(path, missing);
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            }
            other => panic!("{other:?}"),
        }
    }
    // a file's errors carry its path
    let dir = TempDir::new("path");
    let p = dir.path("bad.mtx");
    std::fs::write(&p, format!("{RG}2 2 1\n3 1 1\n")).unwrap();
    let msg = read_mtx_csr::<f64>(&p).unwrap_err().to_string();
    assert_eq!(
        msg,
        format!("{}:3: row index 3 out of range 1..=2", p.display())
    );
}

// ------------------------------------------------------------------------------------------
// Fuzz: never panic
// ------------------------------------------------------------------------------------------

const TOKENS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "3",
    "7",
    "1e400",
    "nan",
    "-inf",
    "x",
    "%",
    "%%MatrixMarket",
    "matrix",
    "array",
    "coordinate",
    "pattern",
    "complex",
    "integer",
    "hermitian",
    "skew-symmetric",
    "symmetric",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "99999999999999999999999",
    "1000000000000",
    "",
    "\u{e9}",
    "\t",
];

fn mutate(rng: &mut ChaCha8Rng, input: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(input).into_owned();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut out = match rng.random_range(0..8) {
        0 if !lines.is_empty() => {
            let k = rng.random_range(0..lines.len());
            lines.remove(k);
            lines.join("\n").into_bytes()
        }
        1 if !lines.is_empty() => {
            let k = rng.random_range(0..lines.len());
            let dup = lines[k].clone();
            lines.insert(rng.random_range(0..=lines.len()), dup);
            lines.join("\n").into_bytes()
        }
        2 if !lines.is_empty() => {
            // replace one token
            let k = rng.random_range(0..lines.len());
            let mut words: Vec<&str> = lines[k].split(' ').collect();
            let w = rng.random_range(0..words.len());
            words[w] = TOKENS[rng.random_range(0..TOKENS.len())];
            lines[k] = words.join(" ");
            lines.join("\n").into_bytes()
        }
        3 if !input.is_empty() => {
            let mut b = input.to_vec();
            for _ in 0..rng.random_range(1..4) {
                let k = rng.random_range(0..b.len());
                b[k] ^= 1 << rng.random_range(0..8);
            }
            b
        }
        4 if !input.is_empty() => input[..rng.random_range(0..input.len())].to_vec(),
        5 => {
            let mut b = input.to_vec();
            let at = rng.random_range(0..=b.len());
            let junk: Vec<u8> = (0..rng.random_range(1..16))
                .map(|_| rng.random::<u8>())
                .collect();
            b.splice(at..at, junk);
            b
        }
        6 if lines.len() > 1 => {
            let (i, j) = (
                rng.random_range(0..lines.len()),
                rng.random_range(0..lines.len()),
            );
            lines.swap(i, j);
            lines.join("\n").into_bytes()
        }
        _ => (0..rng.random_range(0..200))
            .map(|_| rng.random::<u8>())
            .collect(),
    };
    if rng.random_range(0..4) == 0 {
        // stack a second mutation
        out = mutate(rng, &out);
    }
    out
}

/// Reads `input` every way; returns an error string describing any broken invariant.
fn exercise(input: &[u8]) -> Result<(), String> {
    let lines = input.split(|&b| b == b'\n').count().max(1);
    let check_line = |e: &Error| match e {
        Error::Format { line: Some(l), .. } if (1..=lines).contains(l) => Ok(()),
        Error::Format { .. } => Err(format!("bad line number in {e}")),
        _ => Ok(()),
    };
    if let Err(e) = read_mtx_header_from(input, "fuzz") {
        check_line(&e)?;
    }
    match read_mtx_from::<f64, _>(input, "fuzz") {
        Ok(a) => {
            // whatever was read writes and reads back identically (small shapes only)
            if a.nrows().saturating_mul(a.ncols()) <= 10_000 {
                let mut bytes = Vec::new();
                write_mtx_to(&mut bytes, &a, General).map_err(|e| e.to_string())?;
                let back =
                    read_mtx_from::<f64, _>(bytes.as_slice(), "back").map_err(|e| e.to_string())?;
                let (x, y) = (a.to_csr(), back.to_csr());
                if x.indptr() != y.indptr()
                    || x.indices() != y.indices()
                    || x.data().iter().zip(y.data()).any(|(&p, &q)| !same(p, q))
                {
                    return Err("write/read round trip differs".into());
                }
            }
        }
        Err(e) => check_line(&e)?,
    }
    if let Err(e) = read_mtx_from::<C32, _>(input, "fuzz") {
        check_line(&e)?;
    }
    Ok(())
}

#[test]
fn fuzz_never_panics() {
    let mut corpus: Vec<Vec<u8>> = reference_files()
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    corpus.push(
        b"%%MatrixMarket matrix array complex hermitian\n3 3\n1 0\n2 1\n3 -1\n4 0\n5 5\n6 0\n"
            .to_vec(),
    );
    corpus.push(b"%%MatrixMarket matrix array integer skew-symmetric\n3 3\n1\n2\n3\n".to_vec());
    corpus.push(
        b"%%MatrixMarket matrix coordinate complex skew-symmetric\n3 3 2\n2 1 1 1\n3 2 0 -1\n"
            .to_vec(),
    );
    let mut rng = ChaCha8Rng::seed_from_u64(0x6d7478);
    for case in 0..3000 {
        let base = &corpus[rng.random_range(0..corpus.len())];
        let input = mutate(&mut rng, base);
        let outcome = catch_unwind(AssertUnwindSafe(|| exercise(&input)));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(why)) => panic!(
                "case {case}: {why}\ninput: {:?}",
                String::from_utf8_lossy(&input)
            ),
            Err(_) => panic!(
                "case {case}: the reader panicked\ninput: {:?}",
                String::from_utf8_lossy(&input)
            ),
        }
    }
}
