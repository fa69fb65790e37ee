//! `.npy` I/O: NumPy-written reference files (tests/data/npy, made by make_npy.py),
//! byte-exact comparison of our writer with `numpy.save`, round trips, error messages,
//! and a seeded fuzz loop over malformed input.

mod common;

use common::format_reason;
use cstk_linop::io::npy::{
    NpyArray, NpyDtype, NpyOrder, read_npy, read_npy_from, read_npy_header, read_npy_header_from,
    read_npy_matrix, read_npy_vector, write_npy, write_npy_matrix, write_npy_to, write_npy_vector,
};
use cstk_linop::nalgebra::DMatrix;
use cstk_linop::{Complex, Error, Scalar, testing::random_vec};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};

type C32 = Complex<f32>;
type C64 = Complex<f64>;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/npy")
        .join(name)
}

/// A fresh scratch directory for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("npy-tests")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `f(i, j)` over a `rows × cols` grid in C order.
fn grid(rows: usize, cols: usize, f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
    (0..rows)
        .flat_map(|i| (0..cols).map(move |j| (i, j)))
        .map(|(i, j)| f(i as f64, j as f64))
        .collect()
}

/// A version-1.0 file with the given header text (padded like NumPy's) and raw data.
fn with_header(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut h = dict.as_bytes().to_vec();
    while !(10 + h.len() + 1).is_multiple_of(64) {
        h.push(b' ');
    }
    h.push(b'\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(h.len() as u16).to_le_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(data);
    out
}

fn read_mem<T: Scalar>(bytes: &[u8]) -> cstk_linop::Result<NpyArray<T>> {
    read_npy_from(bytes, "<memory>")
}

// ---------------------------------------------------------------------------------------
// NumPy-written files
// ---------------------------------------------------------------------------------------

#[test]
fn reads_float32_into_every_scalar_type() {
    let want: Vec<f64> = (0..5).map(|k| k as f64 / 2.0 - 1.0).collect();
    let a = read_npy::<f32>(&data("f32_1d.npy")).unwrap();
    assert_eq!(a.shape, vec![5]);
    assert_eq!(a.data, want.iter().map(|&v| v as f32).collect::<Vec<_>>());
    assert_eq!(read_npy::<f64>(&data("f32_1d.npy")).unwrap().data, want);
    let z = read_npy::<C64>(&data("f32_1d.npy")).unwrap().data;
    assert_eq!(
        z,
        want.iter().map(|&v| C64::new(v, 0.0)).collect::<Vec<_>>()
    );
    let z = read_npy::<C32>(&data("f32_1d.npy")).unwrap().data;
    assert_eq!(z[4], C32::new(1.0, 0.0));
}

#[test]
fn reads_float64_and_rounds_into_f32() {
    let want: Vec<f64> = (0..6).map(|k| k as f64 / 4.0 - 1.0).collect();
    assert_eq!(read_npy::<f64>(&data("f64_1d.npy")).unwrap().data, want);
    // A value that is not exact in f32 rounds to nearest, as `as` does.
    let mut bytes = Vec::new();
    write_npy_to(&mut bytes, &[2], &[0.1f64, 1.0 / 3.0], NpyOrder::C).unwrap();
    assert_eq!(
        read_mem::<f32>(&bytes).unwrap().data,
        vec![0.1f32, 1.0 / 3.0]
    );
}

#[test]
fn reads_complex64_and_complex128() {
    let want: Vec<C64> = (0..4)
        .map(|k| C64::new(k as f64, -0.5 * k as f64))
        .collect();
    assert_eq!(read_npy::<C64>(&data("c64_1d.npy")).unwrap().data, want);
    let z32 = read_npy::<C32>(&data("c64_1d.npy")).unwrap().data;
    assert_eq!(
        z32,
        want.iter()
            .map(|z| C32::new(z.re as f32, z.im as f32))
            .collect::<Vec<_>>()
    );

    let want = grid(2, 3, |i, j| i + 0.5 * j)
        .into_iter()
        .zip(grid(2, 3, |i, j| i - j))
        .map(|(re, im)| C64::new(re, im))
        .collect::<Vec<_>>();
    for name in ["c128_2d_c.npy", "c128_2d_f.npy"] {
        let a = read_npy::<C64>(&data(name)).unwrap();
        assert_eq!(
            (a.shape.as_slice(), &a.data),
            (&[2, 3][..], &want),
            "{name}"
        );
    }
}

#[test]
fn reads_bool_and_every_integer_width() {
    let b = read_npy::<f64>(&data("bool_1d.npy")).unwrap();
    assert_eq!(b.data, vec![1.0, 0.0, 1.0, 1.0, 0.0]); // k % 3 != 1
    assert_eq!(
        read_npy::<C32>(&data("bool_1d.npy")).unwrap().data[0],
        C32::new(1.0, 0.0)
    );

    let u8s = read_npy::<f32>(&data("u8_1d.npy")).unwrap().data;
    assert_eq!(u8s, vec![250.0, 251.0, 252.0, 253.0, 254.0, 255.0]);
    let want: Vec<f64> = (-3..3).map(f64::from).collect();
    assert_eq!(read_npy::<f64>(&data("i16_1d.npy")).unwrap().data, want);
    assert_eq!(read_npy::<f64>(&data("i16_be.npy")).unwrap().data, want);
    assert_eq!(
        read_npy::<f64>(&data("i8_1d.npy")).unwrap().data,
        vec![-128.0, -1.0, 0.0, 127.0]
    );
    assert_eq!(
        read_npy::<f64>(&data("i32_1d.npy")).unwrap().data,
        vec![-2147483648.0, -1.0, 0.0, 2147483647.0]
    );
    assert_eq!(
        read_npy::<f64>(&data("u16_1d.npy")).unwrap().data,
        vec![0.0, 1.0, 65535.0]
    );
    assert_eq!(
        read_npy::<f64>(&data("u32_1d.npy")).unwrap().data,
        vec![0.0, 1.0, 4294967295.0]
    );
    assert_eq!(
        read_npy::<f64>(&data("u64_1d.npy")).unwrap().data,
        vec![0.0, 1.0, u64::MAX as f64]
    );
}

#[test]
fn int64_rounds_once_to_the_target_precision() {
    let ints: [i64; 8] = [
        -3,
        0,
        7,
        1 << 40,
        (1 << 53) + 1,
        (1 << 24) + 1,
        -(1 << 62),
        i64::MAX,
    ];
    let a = read_npy::<f64>(&data("i64_1d.npy")).unwrap();
    assert_eq!(a.data, ints.map(|v| v as f64).to_vec());
    assert_eq!(a.data[4], 9007199254740992.0); // 2^53 + 1 rounds to even
    let a = read_npy::<f32>(&data("i64_1d.npy")).unwrap();
    assert_eq!(a.data, ints.map(|v| v as f32).to_vec());
    assert_eq!(a.data[5], 16777216.0); // 2^24 + 1
    let z = read_npy::<C32>(&data("i64_1d.npy")).unwrap();
    assert_eq!(z.data[7], C32::new(i64::MAX as f32, 0.0));
}

#[test]
fn reads_c_and_fortran_order_into_c_order() {
    let want = grid(3, 4, |i, j| 10.0 * i + j + 0.25);
    for name in ["f64_2d_c.npy", "f64_2d_f.npy"] {
        let a = read_npy::<f64>(&data(name)).unwrap();
        assert_eq!(
            (a.shape.as_slice(), &a.data),
            (&[3, 4][..], &want),
            "{name}"
        );
    }
    let a = read_npy::<f32>(&data("f32_2d_f.npy")).unwrap();
    assert_eq!(a.data, want.iter().map(|&v| v as f32).collect::<Vec<_>>());

    let a = read_npy::<f64>(&data("f64_3d_f.npy")).unwrap();
    assert_eq!(a.shape, vec![2, 3, 4]);
    let mut want = Vec::new();
    for i in 0..2 {
        for j in 0..3 {
            for k in 0..4 {
                want.push(f64::from(100 * i + 10 * j + k));
            }
        }
    }
    assert_eq!(a.data, want);
}

#[test]
fn reads_big_endian() {
    let a = read_npy::<f64>(&data("f64_be.npy")).unwrap();
    assert_eq!(a.shape, vec![2, 3]);
    assert_eq!(a.data, grid(2, 3, |i, j| 3.0 * i + j - 2.5));
    let z = read_npy::<C64>(&data("c128_be.npy")).unwrap();
    let want: Vec<C64> = (0..3)
        .map(|k| C64::new(k as f64, k as f64 - 10.0))
        .collect();
    assert_eq!(z.data, want);
    let f = read_npy::<f32>(&data("f32_be_f.npy")).unwrap();
    assert_eq!(f.data, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(
        read_npy_header(&data("f32_be_f.npy")).unwrap().dtype,
        NpyDtype::F32
    );
}

#[test]
fn reads_format_versions_2_and_3() {
    let want: Vec<f64> = (0..5).map(|k| 1.5 * k as f64).collect();
    for name in ["f64_v2.npy", "f64_v3.npy"] {
        assert_eq!(
            &std::fs::read(data(name)).unwrap()[6..8],
            &[name.as_bytes()[5] - b'0', 0]
        );
        assert_eq!(read_npy::<f64>(&data(name)).unwrap().data, want, "{name}");
    }
}

#[test]
fn reads_zero_dimensional_and_empty_arrays() {
    let s = read_npy::<f64>(&data("f64_0d.npy")).unwrap();
    assert_eq!(
        (s.shape.clone(), s.data.clone(), s.ndim(), s.len()),
        (vec![], vec![2.5], 0, 1)
    );
    let err = s.into_vec().unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }));
    assert!(err.to_string().contains("got shape ()"), "{err}");

    let e = read_npy::<f64>(&data("f64_empty_0x3.npy")).unwrap();
    assert_eq!((e.shape.as_slice(), e.is_empty()), (&[0, 3][..], true));
    let m = read_npy_matrix::<C64>(&data("f64_empty_0x3.npy")).unwrap();
    assert_eq!(m.shape(), (0, 3));
}

#[test]
fn header_peek_reports_dtype_shape_and_order() {
    let cases: [(&str, NpyDtype, &[usize], bool); 8] = [
        ("f32_1d.npy", NpyDtype::F32, &[5], false),
        ("c64_1d.npy", NpyDtype::C64, &[4], false),
        ("c128_2d_f.npy", NpyDtype::C128, &[2, 3], true),
        ("bool_1d.npy", NpyDtype::Bool, &[5], false),
        ("i64_1d.npy", NpyDtype::I64, &[8], false),
        ("u8_1d.npy", NpyDtype::U8, &[6], false),
        ("f64_0d.npy", NpyDtype::F64, &[], false),
        ("f64_3d_f.npy", NpyDtype::F64, &[2, 3, 4], true),
    ];
    for (name, dtype, shape, fortran) in cases {
        let h = read_npy_header(&data(name)).unwrap();
        assert_eq!(
            (h.dtype, h.shape.as_slice(), h.fortran_order),
            (dtype, shape, fortran),
            "{name}"
        );
        assert_eq!(h.dtype.is_complex(), name.starts_with('c'));
    }
    // Only the header is read: a file whose data is cut off still has a readable header.
    let mut bytes = std::fs::read(data("f64_2d_c.npy")).unwrap();
    bytes.truncate(bytes.len() - 5);
    let h = read_npy_header_from(bytes.as_slice(), "cut").unwrap();
    assert_eq!((h.shape.as_slice(), h.num_elements()), (&[3, 4][..], 12));
}

#[test]
fn vector_reader_accepts_1d_and_single_row_or_column() {
    let dir = scratch("vector_reader");
    let v = [1.0f64, 2.0, 3.0];
    for shape in [&[3][..], &[3, 1], &[1, 3]] {
        let p = dir.join("v.npy");
        write_npy(&p, shape, &v, NpyOrder::Fortran).unwrap();
        assert_eq!(read_npy_vector::<f64>(&p).unwrap(), v, "{shape:?}");
    }
    let err = read_npy_vector::<f64>(&data("f64_2d_c.npy")).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err:?}");
    assert!(
        msg.contains("f64_2d_c.npy") && msg.contains("got shape (3, 4)"),
        "{msg}"
    );
    assert!(
        msg.contains("a 1-D array, or a 2-D array with one dimension equal to 1"),
        "{msg}"
    );
}

#[test]
fn matrix_reader_builds_the_same_matrix_from_either_order() {
    let want = DMatrix::from_fn(3, 4, |i, j| 10.0 * i as f64 + j as f64 + 0.25);
    assert_eq!(read_npy_matrix::<f64>(&data("f64_2d_c.npy")).unwrap(), want);
    assert_eq!(read_npy_matrix::<f64>(&data("f64_2d_f.npy")).unwrap(), want);
    let a = read_npy::<f64>(&data("f64_2d_f.npy")).unwrap();
    assert_eq!(a.into_dmatrix().unwrap(), want);

    for (name, got) in [
        ("f64_3d_f.npy", "got shape (2, 3, 4) (3-D)"),
        ("f64_1d.npy", "got shape (6,) (1-D)"),
    ] {
        let err = read_npy_matrix::<f64>(&data(name)).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, Error::ShapeMismatch { .. }), "{err:?}");
        assert!(
            msg.contains(name) && msg.contains("expected a 2-D array") && msg.contains(got),
            "{msg}"
        );
    }
    let err = read_npy::<f64>(&data("f64_0d.npy"))
        .unwrap()
        .into_dmatrix()
        .unwrap_err();
    assert!(err.to_string().contains("got shape () (0-D)"), "{err}");
}

// ---------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------

fn assert_same_bytes(ours: &[u8], reference: &str) {
    let theirs = std::fs::read(data(reference)).unwrap();
    if ours != theirs.as_slice() {
        panic!(
            "{reference}: ours differs from numpy's\nours:  {:?}\nnumpy: {:?}",
            String::from_utf8_lossy(ours),
            String::from_utf8_lossy(&theirs)
        );
    }
}

fn to_bytes<T: Scalar>(shape: &[usize], data: &[T], order: NpyOrder) -> Vec<u8> {
    let mut out = Vec::new();
    write_npy_to(&mut out, shape, data, order).unwrap();
    out
}

#[test]
fn writer_matches_numpy_byte_for_byte() {
    let a = grid(2, 3, |i, j| 1.5 * (3.0 * i + j));
    assert_same_bytes(&to_bytes(&[2, 3], &a, NpyOrder::C), "ref_f64_c_2x3.npy");
    assert_same_bytes(
        &to_bytes(&[2, 3], &a, NpyOrder::Fortran),
        "ref_f64_f_2x3.npy",
    );
    let v: Vec<f32> = (0..7).map(|k| k as f32 - 3.0).collect();
    assert_same_bytes(&to_bytes(&[7], &v, NpyOrder::C), "ref_f32_1d_7.npy");
    assert_same_bytes(&to_bytes(&[7], &v, NpyOrder::Fortran), "ref_f32_1d_7.npy");
    let z: Vec<C32> = (0..3)
        .flat_map(|i| (0..2).map(move |j| C32::new(i as f32, j as f32)))
        .collect();
    assert_same_bytes(
        &to_bytes(&[3, 2], &z, NpyOrder::Fortran),
        "ref_c64_f_3x2.npy",
    );
    assert_same_bytes(
        &to_bytes(&[], &[C64::new(1.0, -2.0)], NpyOrder::C),
        "ref_c128_0d.npy",
    );
    assert_same_bytes(
        &to_bytes::<f64>(&[0, 3], &[], NpyOrder::C),
        "f64_empty_0x3.npy",
    );
    assert_same_bytes(&to_bytes(&[], &[2.5f64], NpyOrder::C), "f64_0d.npy");
    assert_same_bytes(
        &to_bytes(&[3], &[0.0f64, 1.0, 2.0], NpyOrder::C),
        "ref_f64_c_3.npy",
    );
    // shape (2, 1, 3), value i + 2 j + 4 k, stored in Fortran order
    let t: Vec<f32> = (0..2)
        .flat_map(|i| (0..3).map(move |k| (i + 4 * k) as f32))
        .collect();
    assert_same_bytes(
        &to_bytes(&[2, 1, 3], &t, NpyOrder::Fortran),
        "ref_f32_f_2x1x3.npy",
    );
}

#[test]
fn file_writers_match_numpy_byte_for_byte() {
    let dir = scratch("file_writers");
    let m = DMatrix::from_fn(2, 3, |i, j| 1.5 * (3 * i + j) as f64);
    let p = dir.join("m.npy");
    write_npy_matrix(&p, &m, NpyOrder::C).unwrap();
    assert_same_bytes(&std::fs::read(&p).unwrap(), "ref_f64_c_2x3.npy");
    write_npy_matrix(&p, &m, NpyOrder::Fortran).unwrap();
    assert_same_bytes(&std::fs::read(&p).unwrap(), "ref_f64_f_2x3.npy");
    write_npy(&p, &[2, 3], m.transpose().as_slice(), NpyOrder::C).unwrap();
    assert_same_bytes(&std::fs::read(&p).unwrap(), "ref_f64_c_2x3.npy");
    write_npy_vector(&p, &[0.0f64, 1.0, 2.0]).unwrap();
    assert_same_bytes(&std::fs::read(&p).unwrap(), "ref_f64_c_3.npy");
    // nothing but the file itself is left in the directory (the temp file was renamed)
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}

/// Whether C and Fortran layouts of `shape` differ; when they do not, the header says
/// `fortran_order: False` whatever the order asked for, as `numpy.save` writes.
fn orders_differ(shape: &[usize]) -> bool {
    !shape.contains(&0) && shape.iter().filter(|&&d| d != 1).count() > 1
}

#[test]
fn headers_are_aligned_for_any_shape() {
    let shapes: [&[usize]; 6] = [
        &[],
        &[0],
        &[1_000_000_000_000_000, 0],
        &[0, usize::MAX],
        &[1; 64],
        &[3, 0, 7, 123_456_789, 0, 2],
    ];
    for shape in shapes {
        let n: usize = shape.iter().product();
        let vals = vec![1.0f64; n];
        for order in [NpyOrder::C, NpyOrder::Fortran] {
            let bytes = to_bytes(shape, &vals, order);
            let hlen = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
            assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
            assert_eq!((10 + hlen) % 64, 0, "{shape:?}");
            assert_eq!(bytes[10 + hlen - 1], b'\n');
            assert_eq!(bytes.len(), 10 + hlen + 8 * n);
            let h = read_npy_header_from(bytes.as_slice(), "<memory>").unwrap();
            assert_eq!(
                (h.shape.as_slice(), h.fortran_order),
                (shape, orders_differ(shape) && order == NpyOrder::Fortran)
            );
        }
    }
}

fn round_trip<T: Scalar + std::fmt::Debug>(dir: &Path, seed: u64) {
    let shapes: [&[usize]; 9] = [
        &[],
        &[5],
        &[0],
        &[3, 4],
        &[4, 1],
        &[2, 3, 4],
        &[0, 3],
        &[33, 18],
        &[3, 1, 20, 2],
    ];
    for (s, shape) in shapes.into_iter().enumerate() {
        let n: usize = shape.iter().product();
        let vals: Vec<T> = random_vec(n, seed + s as u64);
        for order in [NpyOrder::C, NpyOrder::Fortran] {
            let what = format!("{} {shape:?} {order:?}", T::NAME);
            let p = dir.join(format!("{}-{s}-{order:?}.npy", T::NAME));
            write_npy(&p, shape, &vals, order).unwrap();
            let a = read_npy::<T>(&p).unwrap();
            assert_eq!((a.shape.as_slice(), &a.data), (shape, &vals), "{what}");
            let h = read_npy_header(&p).unwrap();
            let fortran = orders_differ(shape) && order == NpyOrder::Fortran;
            assert_eq!(h.fortran_order, fortran, "{what}");
            assert_eq!(h.dtype.item_size(), T::BYTES, "{what}");
            let mem = to_bytes(shape, &vals, order);
            assert_eq!(std::fs::read(&p).unwrap(), mem, "{what}");
            assert_eq!(read_mem::<T>(&mem).unwrap().data, vals, "{what}");
        }
    }
}

#[test]
fn round_trips_all_scalar_types_and_orders() {
    let dir = scratch("round_trips");
    round_trip::<f32>(&dir, 1);
    round_trip::<f64>(&dir, 2);
    round_trip::<C32>(&dir, 3);
    round_trip::<C64>(&dir, 4);
}

#[test]
fn fortran_files_hold_column_major_data() {
    // [[1, 2, 3], [4, 5, 6]] in Fortran order is stored 1 4 2 5 3 6
    let bytes = to_bytes(
        &[2, 3],
        &[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0],
        NpyOrder::Fortran,
    );
    let stored: Vec<f32> = bytes[bytes.len() - 24..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(stored, vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    // and the matrix writer agrees with the slice writer
    let m = DMatrix::from_row_slice(2, 3, &[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let dir = scratch("fortran_files");
    let p = dir.join("m.npy");
    for order in [NpyOrder::C, NpyOrder::Fortran] {
        write_npy_matrix(&p, &m, order).unwrap();
        assert_eq!(
            std::fs::read(&p).unwrap(),
            to_bytes(&[2, 3], &[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], order)
        );
        assert_eq!(read_npy_matrix::<f32>(&p).unwrap(), m);
    }
}

#[test]
fn consecutive_arrays_in_one_stream() {
    let mut bytes = to_bytes(&[2], &[1.0f64, 2.0], NpyOrder::C);
    bytes.extend(to_bytes(
        &[2, 2],
        &[C32::new(1.0, 2.0); 4],
        NpyOrder::Fortran,
    ));
    bytes.extend(std::fs::read(data("i16_be.npy")).unwrap());
    let mut r = bytes.as_slice();
    assert_eq!(
        read_npy_from::<f64, _>(&mut r, "s").unwrap().data,
        vec![1.0, 2.0]
    );
    assert_eq!(
        read_npy_from::<C64, _>(&mut r, "s").unwrap().data,
        vec![C64::new(1.0, 2.0); 4]
    );
    assert_eq!(read_npy_from::<f32, _>(&mut r, "s").unwrap().data.len(), 6);
    assert!(r.is_empty());
}

#[test]
fn write_errors() {
    let dir = scratch("write_errors");
    let p = dir.join("a.npy");
    let err = write_npy(&p, &[2, 3], &[1.0f64; 5], NpyOrder::C).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err:?}");
    assert!(
        msg.contains("6 values for shape (2, 3)") && msg.contains("got 5 values"),
        "{msg}"
    );
    assert!(!p.exists());
    let err = write_npy(&p, &[usize::MAX, 2], &[1.0f64], NpyOrder::C).unwrap_err();
    assert!(err.to_string().contains("overflows"), "{err}");
    let err = write_npy(&p, &[1; 65], &[1.0f64], NpyOrder::C).unwrap_err();
    assert!(
        matches!(err, Error::InvalidParam { name: "shape", .. }),
        "{err:?}"
    );
    let mut sink = Vec::new();
    let err = write_npy_to(&mut sink, &[4], &[1.0f32; 3], NpyOrder::C).unwrap_err();
    assert!(
        matches!(err, Error::ShapeMismatch { .. }) && sink.is_empty(),
        "{err:?}"
    );

    let missing_dir = dir.join("no/such/dir/a.npy");
    match write_npy_vector(&missing_dir, &[1.0f64]).unwrap_err() {
        Error::Io { path, source } => {
            assert_eq!(path, missing_dir);
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("expected Io, got {other:?}"),
    }
    // A failed write leaves an existing file as it was.
    write_npy_vector(&p, &[7.0f64]).unwrap();
    let before = std::fs::read(&p).unwrap();
    assert!(write_npy(&p, &[2], &[1.0f64], NpyOrder::C).is_err());
    assert_eq!(std::fs::read(&p).unwrap(), before);
}

// ---------------------------------------------------------------------------------------
// Read errors
// ---------------------------------------------------------------------------------------

#[test]
fn missing_file_is_an_io_error() {
    let p = data("does_not_exist.npy");
    for err in [
        read_npy::<f64>(&p).unwrap_err(),
        read_npy_header(&p).unwrap_err(),
        read_npy_matrix::<f64>(&p).map(|_| ()).unwrap_err(),
        read_npy_vector::<f64>(&p).map(|_| ()).unwrap_err(),
    ] {
        assert!(err.to_string().contains("does_not_exist.npy"), "{err}");
        match err {
            Error::Io { source, .. } => assert_eq!(source.kind(), std::io::ErrorKind::NotFound),
            other => panic!("expected Io, got {other:?}"),
        }
    }
}

#[test]
fn bad_preamble() {
    let reason = format_reason(read_mem::<f64>(b"PK\x03\x04 this is a zip"));
    assert_eq!(
        reason,
        "not a .npy file: bad magic string (expected \\x93NUMPY, found PK\\x03\\x04 t)"
    );
    assert!(format_reason(read_mem::<f64>(b"")).starts_with("empty file"));
    assert_eq!(
        format_reason(read_mem::<f64>(b"\x93NUM")),
        "preamble truncated: expected 8 bytes (magic string and version), found 4"
    );
    assert_eq!(
        format_reason(read_mem::<f64>(b"\x93NUMPY\x04\x00\x10\x00")),
        "unsupported .npy format version 4.0 (supported: 1.0, 2.0, 3.0)"
    );
    assert_eq!(
        format_reason(read_mem::<f64>(b"\x93NUMPY\x02\x00\x10\x00")),
        "header length truncated: expected 4 bytes after byte 8, found 2"
    );
    assert_eq!(
        format_reason(read_mem::<f64>(b"\x93NUMPY\x02\x00\x00\x00\x00\x01{")),
        "header length 16777216 exceeds the limit of 1048576 bytes"
    );
    // the file name is part of the message
    let err = read_npy_from::<f64, _>(&b"nope"[..], "inputs/x.npy").unwrap_err();
    assert!(
        err.to_string().starts_with("inputs/x.npy: not a .npy file"),
        "{err}"
    );
}

#[test]
fn truncated_header_and_data() {
    let full = std::fs::read(data("ref_f64_c_2x3.npy")).unwrap(); // 128-byte header + 48
    assert_eq!(
        format_reason(read_mem::<f64>(&full[..30])),
        "header truncated: expected 118 bytes after byte 10, found 20"
    );
    let want = "data truncated: expected 48 bytes after byte 128, found 12";
    assert_eq!(format_reason(read_mem::<f64>(&full[..140])), want);
    let dir = scratch("truncated");
    let p = dir.join("cut.npy");
    std::fs::write(&p, &full[..140]).unwrap();
    assert_eq!(format_reason(read_npy::<f64>(&p)), want);
    assert_eq!(format_reason(read_npy_matrix::<f64>(&p)), want);
    std::fs::write(&p, &full[..128]).unwrap();
    assert_eq!(
        format_reason(read_npy::<C32>(&p)),
        "data truncated: expected 48 bytes after byte 128, found 0"
    );
    // Trailing bytes after the data are ignored, as NumPy does.
    let mut long = full.clone();
    long.extend_from_slice(b"trailing");
    assert_eq!(read_mem::<f64>(&long).unwrap().data.len(), 6);
}

#[test]
fn malformed_header_dictionaries() {
    let cases: &[(&str, &str)] = &[
        (
            "{'fortran_order': False, 'shape': (3,), }",
            "header: missing key 'descr'",
        ),
        (
            "{'descr': '<f8', 'shape': (3,), }",
            "header: missing key 'fortran_order'",
        ),
        (
            "{'descr': '<f8', 'fortran_order': False}",
            "header: missing key 'shape'",
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'shape': (3,)}",
            "header: duplicate key 'shape'",
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'extra': 1}",
            "header: unexpected key 'extra'",
        ),
        (
            "'descr': '<f8'",
            "header: expected '{' starting the header dictionary, found '\\'' at header byte 0",
        ),
        (
            "{'descr' '<f8'}",
            "header: expected ':' after key 'descr', found '\\'' at header byte 9",
        ),
        (
            "{'descr': '<f8}",
            "header: unterminated string starting at header byte 10",
        ),
        (
            "{'descr': '<f8' 'shape': (3,)}",
            "header: expected ',' or '}', found '\\'' at header byte 16",
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3,)",
            "found the end of the header",
        ),
        (
            "{'descr': '<f8', 'fortran_order': 0, 'shape': (3,)}",
            "'fortran_order' must be True or False, found 0",
        ),
        (
            "{'descr': '<f8', 'fortran_order': false, 'shape': (3,)}",
            "unknown name 'false' at header byte 34",
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3)}",
            "'shape' must be a tuple of integers such as (3,) or (2, 3), found 3",
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': [3]}",
            "found [3]",
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3, -2)}",
            "'shape' has a negative dimension -2",
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (2.5,)}",
            "invalid number starting at header byte 51",
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': ('3',)}",
            "'shape' must hold integers, found '3'",
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,)}",
            "does not fit in 64 bits",
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (,)}",
            "expected a value, found ','",
        ),
        (
            "{'descr': 8, 'fortran_order': False, 'shape': (3,)}",
            "'descr' must be a string such as '<f8', found 8",
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3,)} x",
            "unexpected 'x' at header byte 56 after the dictionary",
        ),
        ("{3: '<f8'}", "dictionary keys must be strings, found 3"),
    ];
    for (dict, want) in cases {
        let bytes = with_header(dict, &[0; 24]);
        let reason = format_reason(read_mem::<f64>(&bytes));
        assert!(
            reason.contains(want),
            "header {dict:?}\n  got:  {reason}\n  want: {want}"
        );
    }
    let many = format!(
        "{{'descr': '<f8', 'fortran_order': False, 'shape': ({}), }}",
        "1, ".repeat(65)
    );
    assert!(format_reason(read_mem::<f64>(&with_header(&many, &[0; 8]))).contains("65 dimensions"));
    let deep = format!(
        "{{'descr': {}'<f8'{}, }}",
        "(".repeat(100),
        ",)".repeat(100)
    );
    assert!(
        format_reason(read_mem::<f64>(&with_header(&deep, &[]))).contains("nesting deeper than 32")
    );
}

#[test]
fn robust_header_syntax_is_accepted() {
    // any key order, odd spacing, double quotes, trailing commas, Python 2 longs
    let dicts = [
        "{'shape': (3,), 'fortran_order': False, 'descr': '<f8'}",
        "  {  \"descr\"  :  \"<f8\" ,\n 'fortran_order':False,'shape':( 3 , ) , }  \n",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (3L,), }",
        "{'descr':'f8','fortran_order':False,'shape':(+3,),}",
    ];
    let raw: Vec<u8> = [1.0f64, 2.0, 3.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    for dict in dicts {
        let a = read_mem::<f64>(&with_header(dict, &raw)).unwrap();
        assert_eq!(
            (a.shape, a.data),
            (vec![3], vec![1.0, 2.0, 3.0]),
            "{dict:?}"
        );
    }
    let a = read_mem::<f64>(&with_header(
        "{'descr': '<f8', 'fortran_order': True, 'shape': ()}",
        &raw[..8],
    ))
    .unwrap();
    assert_eq!((a.shape, a.data), (vec![], vec![1.0]));
    let b = read_mem::<f32>(&with_header(
        "{'descr': '|?', 'fortran_order': False, 'shape': (2,)}",
        &[0, 7],
    ))
    .unwrap();
    assert_eq!(b.data, vec![0.0, 1.0]);
}

#[test]
fn unsupported_dtypes() {
    for (descr, want) in [
        ("'<U8'", "unsupported dtype '<U8'"),
        ("'<f2'", "unsupported dtype '<f2'"),
        ("'|O'", "unsupported dtype '|O'"),
        ("'<c32'", "unsupported dtype '<c32'"),
        ("''", "unsupported dtype ''"),
        (
            "[('x', '<f8'), ('y', '<i4')]",
            "structured and subarray dtypes are not supported",
        ),
    ] {
        let dict = format!("{{'descr': {descr}, 'fortran_order': False, 'shape': (1,), }}");
        let reason = format_reason(read_mem::<f64>(&with_header(&dict, &[0; 16])));
        assert!(reason.contains(want), "{descr}: {reason}");
    }
    let dir = scratch("unsupported_dtypes");
    let p = dir.join("u.npy");
    std::fs::write(
        &p,
        with_header(
            "{'descr': '<U8', 'fortran_order': False, 'shape': (1,), }",
            &[0; 32],
        ),
    )
    .unwrap();
    let err = read_npy_header(&p).unwrap_err();
    assert!(err.to_string().ends_with("u.npy: unsupported dtype '<U8' (supported: b1, i1, i2, i4, i8, u1, u2, u4, u8, f4, f8, c8, c16, with byte order <, >, | or =)"), "{err}");
}

#[test]
fn complex_data_into_real_type_is_refused() {
    for name in ["c64_1d.npy", "c128_2d_f.npy"] {
        let reason = format_reason(read_npy::<f64>(&data(name)));
        assert!(
            reason.contains("the imaginary part would be lost"),
            "{reason}"
        );
        assert!(
            reason.contains(if name.starts_with("c64") {
                "complex64"
            } else {
                "complex128"
            }),
            "{reason}"
        );
        let reason = format_reason(read_npy::<f32>(&data(name)));
        assert!(reason.contains("cannot be read as f32"), "{reason}");
    }
    let bytes = std::fs::read(data("c64_1d.npy")).unwrap();
    assert!(format_reason(read_mem::<f32>(&bytes)).contains("imaginary part would be lost"));
}

#[test]
fn huge_shapes_are_refused_before_allocating() {
    let dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 8), }";
    assert_eq!(
        format_reason(read_mem::<f64>(&with_header(dict, &[0; 64]))),
        "header: shape (4611686018427387904, 8) is too large: its size in bytes overflows"
    );
    // (2^62,) of float64 is 2^65 bytes: the byte count overflows too
    let dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904,), }";
    assert!(format_reason(read_mem::<f64>(&with_header(dict, &[]))).contains("too large"));
    // A representable but absent size is reported as truncated data, without allocating it.
    let dict = "{'descr': '<c16', 'fortran_order': True, 'shape': (1000000000, 1000000), }";
    let bytes = with_header(dict, &[0; 40]);
    assert_eq!(
        format_reason(read_mem::<C64>(&bytes)),
        "data truncated: expected 16000000000000000 bytes after byte 128, found 40"
    );
    let dir = scratch("huge_shapes");
    let p = dir.join("h.npy");
    std::fs::write(&p, &bytes).unwrap();
    assert!(format_reason(read_npy::<C64>(&p)).starts_with("data truncated"));
    let h = read_npy_header(&p).unwrap();
    assert_eq!(h.num_elements(), 1_000_000_000_000_000);
}

#[test]
fn version_3_header_must_be_utf8() {
    let mut bytes = with_header(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
        &[0; 8],
    );
    bytes[6] = 3;
    // the 2-byte length becomes a 4-byte one: rebuild the preamble
    let hlen = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let mut v3 = b"\x93NUMPY\x03\x00".to_vec();
    v3.extend_from_slice(&(hlen as u32).to_le_bytes());
    v3.extend_from_slice(&bytes[10..]);
    assert_eq!(read_mem::<f64>(&v3).unwrap().data, vec![0.0]);
    v3[12 + 3] = 0xff; // inside 'descr'
    assert_eq!(
        format_reason(read_mem::<f64>(&v3)),
        "header: not valid UTF-8 (required by format 3.0) at header byte 3"
    );
    // In versions 1.0 and 2.0 the header is Latin-1, so the same byte is a character.
    bytes[6] = 1;
    bytes[10 + 3] = 0xff;
    assert!(format_reason(read_mem::<f64>(&bytes)).contains("header: unexpected key 'dÿscr'"));
}

// ---------------------------------------------------------------------------------------
// Fuzzing
// ---------------------------------------------------------------------------------------

/// Reads `bytes` as every scalar type; panics (with the input) only if the reader panics
/// or returns an array whose data does not match its shape.
fn must_not_panic(case: usize, bytes: &[u8]) {
    fn check<T: Scalar>(bytes: &[u8]) {
        if let Ok(a) = read_npy_from::<T, _>(bytes, "<fuzz>") {
            assert_eq!(a.data.len(), a.shape.iter().product::<usize>());
        }
        let _ = read_npy_header_from(bytes, "<fuzz>");
    }
    let result = std::panic::catch_unwind(|| {
        check::<f64>(bytes);
        check::<f32>(bytes);
        check::<C32>(bytes);
        check::<C64>(bytes);
    });
    if result.is_err() {
        panic!(
            "case {case}: reader panicked on input {:?}",
            String::from_utf8_lossy(bytes)
        );
    }
}

#[test]
fn fuzz_random_and_mutated_inputs_never_panic() {
    let mut corpus: Vec<Vec<u8>> = std::fs::read_dir(data(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "npy"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    corpus.sort();
    assert!(corpus.len() > 20);
    corpus.push(to_bytes(
        &[2, 3, 2],
        &random_vec::<C32>(12, 9),
        NpyOrder::Fortran,
    ));
    corpus.push(with_header(
        "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': ((1,),), }",
        &[],
    ));
    const HEADER_CHARS: &[u8] = b"{}()[],:'\" 0123456789-+LTrueFalsNn<>|=?bfciu\n";

    let mut rng = ChaCha8Rng::seed_from_u64(0x6e70_7966);
    for case in 0..10_000 {
        let base = &corpus[rng.random_range(0..corpus.len())];
        let mut bytes = base.clone();
        match rng.random_range(0..7) {
            // random bytes, sometimes behind a valid magic string
            0 => {
                let n = rng.random_range(0..200);
                bytes = (0..n).map(|_| rng.random::<u8>()).collect();
                if rng.random::<bool>() {
                    bytes.splice(0..0, b"\x93NUMPY\x01\x00".iter().copied());
                }
            }
            // flip a few bytes anywhere
            1 => {
                for _ in 0..rng.random_range(1..6) {
                    let i = rng.random_range(0..bytes.len());
                    bytes[i] ^= 1 << rng.random_range(0..8);
                }
            }
            // truncate
            2 => bytes.truncate(rng.random_range(0..bytes.len())),
            // splice the head of one file onto the tail of another
            3 => {
                let other = &corpus[rng.random_range(0..corpus.len())];
                let cut = rng.random_range(0..bytes.len());
                let from = rng.random_range(0..other.len());
                bytes.truncate(cut);
                bytes.extend_from_slice(&other[from..]);
            }
            // replace header characters with header-like ones
            4 => {
                let end = bytes.len().min(128);
                for _ in 0..rng.random_range(1..4) {
                    let i = rng.random_range(10..end.max(11)).min(bytes.len() - 1);
                    bytes[i] = HEADER_CHARS[rng.random_range(0..HEADER_CHARS.len())];
                }
            }
            // a random header length or version
            5 => {
                let i = rng.random_range(6..10);
                bytes[i] = rng.random::<u8>();
            }
            // insert random bytes in the middle
            _ => {
                let at = rng.random_range(0..bytes.len());
                let junk: Vec<u8> = (0..rng.random_range(1..20))
                    .map(|_| rng.random::<u8>())
                    .collect();
                bytes.splice(at..at, junk);
            }
        }
        must_not_panic(case, &bytes);
    }
}
