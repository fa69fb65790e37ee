//! NumPy `.npy` files: reading and writing dense arrays of any dimension.
//!
//! The format (NumPy's `numpy.lib.format`, NEP 1) is a 6-byte magic string `\x93NUMPY`,
//! a version `major, minor`, a little-endian header length (2 bytes in version 1.0,
//! 4 bytes in 2.0 and 3.0), and a header: the text of a Python dictionary literal such as
//! `{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }`, padded with spaces and a
//! final newline so that the raw data that follows starts at a multiple of 64 bytes.
//! Versions 1.0 and 2.0 encode the header in Latin-1, version 3.0 in UTF-8.
//!
//! # Reading
//!
//! [`read_npy`] returns an [`NpyArray`] whose data is always in C (row-major) order, whatever
//! the file's `fortran_order`; [`read_npy_vector`] and [`read_npy_matrix`] check the shape and
//! return a `Vec` or an [`nalgebra::DMatrix`]; [`read_npy_header`] only peeks at the header
//! (to choose between a real and a complex type, say). Little- and big-endian data are read
//! (byte order `<`, `>`, or `|` / `=` / none, meaning this machine's order, as in NumPy).
//! The stored element type is converted to the requested scalar type `T` as follows:
//!
//! | stored dtype | into `f32` / `f64` | into `Complex<f32>` / `Complex<f64>` |
//! |---|---|---|
//! | `bool` | `0.0` or `1.0` | `0 + 0i` or `1 + 0i` |
//! | `int8` … `int64`, `uint8` … `uint64` | Rust's `as` (nearest value; above 2²⁴ for `f32` and 2⁵³ for `f64` not every integer is representable) | real part as for the real type, imaginary part `0` |
//! | `float32`, `float64` | Rust's `as`: exact, except `float64` into `f32`, which rounds to nearest | real part as for the real type, imaginary part `0` |
//! | `complex64`, `complex128` | error: the imaginary part would be lost | both parts with `as`: exact, except `complex128` into `Complex<f32>`, which rounds |
//!
//! Every conversion is a single rounding, as NumPy's `astype` does.
//!
//! Malformed input of any kind is reported as [`Error::Format`] (with the file name and
//! what is wrong where; operating-system failures are [`Error::Io`]), never a panic, and nothing is allocated from sizes in the file
//! before the data is known to be there: headers are capped at 1 MiB, and data is read in
//! chunks as it arrives (or checked against the file length first).
//!
//! # Writing
//!
//! [`write_npy`] writes C-ordered data in C or Fortran order with dtype `<f4`, `<f8`, `<c8`
//! or `<c16` (from `T`), byte-for-byte as `numpy.save` would write the same array: a
//! version 1.0 header with keys in sorted order, NumPy's spare space for growing the first
//! (C) or last (Fortran) axis, and data aligned to 64 bytes. Files are written through
//! [`atomic_write`](crate::io::atomic_write), so a failed write never leaves a partial file.
//!
//! ```
//! use cstk_linop::io::npy::{NpyOrder, read_npy, write_npy};
//! # let dir = std::env::temp_dir().join(format!("cstk-doc-npy-mod-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! let path = dir.join("a.npy");
//! // a 2 x 3 matrix given in C order, stored column by column
//! write_npy(&path, &[2, 3], &[1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0], NpyOrder::Fortran).unwrap();
//! let a = read_npy::<f64>(&path).unwrap();
//! assert_eq!(a.shape, vec![2, 3]);
//! assert_eq!(a.data, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]); // back in C order
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use crate::{Error, Result, Scalar};
use nalgebra::DMatrix;
use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The magic string every `.npy` file starts with.
const MAGIC: &[u8; 6] = b"\x93NUMPY";
/// Largest header accepted when reading (NumPy's own default limit is 10 000 characters).
const MAX_HEADER_LEN: usize = 1 << 20;
/// Data starts at a multiple of this many bytes in files we write (NumPy's `ARRAY_ALIGN`).
const ARRAY_ALIGN: usize = 64;
/// NumPy pads the header so that the growth axis can take this many digits in place.
const GROWTH_AXIS_MAX_DIGITS: usize = 21;
/// Most dimensions an array may have (NumPy's `NPY_MAXDIMS`).
const MAX_DIMS: usize = 64;
/// Data is read and written in chunks of this many bytes (a multiple of every item size).
const CHUNK_BYTES: usize = 1 << 16;
/// Deepest nesting of tuples and lists accepted in a header.
const MAX_NESTING: usize = 32;
/// The name used in error messages of [`write_npy_to`].
const WRITER_NAME: &str = "<writer>";

/// The element type stored in a `.npy` file (its `descr` without the byte order).
///
/// ```
/// use cstk_linop::io::npy::NpyDtype;
/// assert_eq!(NpyDtype::C128.item_size(), 16);
/// assert!(NpyDtype::C64.is_complex() && !NpyDtype::I64.is_complex());
/// assert_eq!(NpyDtype::F32.to_string(), "float32");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NpyDtype {
    /// `bool` (`|b1`), one byte, nonzero meaning `true`.
    Bool,
    /// `int8` (`|i1`).
    I8,
    /// `int16` (`i2`).
    I16,
    /// `int32` (`i4`).
    I32,
    /// `int64` (`i8`).
    I64,
    /// `uint8` (`|u1`).
    U8,
    /// `uint16` (`u2`).
    U16,
    /// `uint32` (`u4`).
    U32,
    /// `uint64` (`u8`).
    U64,
    /// `float32` (`f4`).
    F32,
    /// `float64` (`f8`).
    F64,
    /// `complex64` (`c8`): two `float32`, real part first.
    C64,
    /// `complex128` (`c16`): two `float64`, real part first.
    C128,
}

impl NpyDtype {
    /// Bytes per element.
    ///
    /// ```
    /// use cstk_linop::io::npy::NpyDtype;
    /// assert_eq!(NpyDtype::Bool.item_size(), 1);
    /// assert_eq!(NpyDtype::F64.item_size(), 8);
    /// ```
    pub fn item_size(self) -> usize {
        match self {
            NpyDtype::Bool | NpyDtype::I8 | NpyDtype::U8 => 1,
            NpyDtype::I16 | NpyDtype::U16 => 2,
            NpyDtype::I32 | NpyDtype::U32 | NpyDtype::F32 => 4,
            NpyDtype::I64 | NpyDtype::U64 | NpyDtype::F64 | NpyDtype::C64 => 8,
            NpyDtype::C128 => 16,
        }
    }

    /// `true` for `complex64` and `complex128`: such data can only be read into a complex type.
    ///
    /// ```
    /// use cstk_linop::io::npy::NpyDtype;
    /// assert!(NpyDtype::C64.is_complex());
    /// assert!(!NpyDtype::F64.is_complex());
    /// ```
    pub fn is_complex(self) -> bool {
        matches!(self, NpyDtype::C64 | NpyDtype::C128)
    }

    /// NumPy's name of the type: `"bool"`, `"int8"` … `"uint64"`, `"float32"`, `"float64"`,
    /// `"complex64"`, `"complex128"` (also what [`Display`](fmt::Display) prints).
    ///
    /// ```
    /// use cstk_linop::io::npy::NpyDtype;
    /// assert_eq!(NpyDtype::U16.name(), "uint16");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            NpyDtype::Bool => "bool",
            NpyDtype::I8 => "int8",
            NpyDtype::I16 => "int16",
            NpyDtype::I32 => "int32",
            NpyDtype::I64 => "int64",
            NpyDtype::U8 => "uint8",
            NpyDtype::U16 => "uint16",
            NpyDtype::U32 => "uint32",
            NpyDtype::U64 => "uint64",
            NpyDtype::F32 => "float32",
            NpyDtype::F64 => "float64",
            NpyDtype::C64 => "complex64",
            NpyDtype::C128 => "complex128",
        }
    }

    /// The type code of a `descr` after the byte-order character: `"b1"`, `"i8"`, `"c16"` …
    fn code(self) -> &'static str {
        match self {
            NpyDtype::Bool => "b1",
            NpyDtype::I8 => "i1",
            NpyDtype::I16 => "i2",
            NpyDtype::I32 => "i4",
            NpyDtype::I64 => "i8",
            NpyDtype::U8 => "u1",
            NpyDtype::U16 => "u2",
            NpyDtype::U32 => "u4",
            NpyDtype::U64 => "u8",
            NpyDtype::F32 => "f4",
            NpyDtype::F64 => "f8",
            NpyDtype::C64 => "c8",
            NpyDtype::C128 => "c16",
        }
    }

    /// Parses a `descr` string into the dtype and whether its data is big-endian.
    ///
    /// The byte order is `<` (little), `>` (big), `=` (this machine's) or `|` (not
    /// applicable, used for one-byte types; taken as this machine's order), or absent
    /// (this machine's). `?` is accepted as another spelling of `b1`.
    fn parse_descr(descr: &str) -> Option<(NpyDtype, bool)> {
        let native_big = cfg!(target_endian = "big");
        let (big, code) = match descr.as_bytes().first()? {
            b'<' => (false, &descr[1..]),
            b'>' => (true, &descr[1..]),
            b'=' | b'|' => (native_big, &descr[1..]),
            _ => (native_big, descr),
        };
        let dtype = match code {
            "b1" | "?" => NpyDtype::Bool,
            "i1" => NpyDtype::I8,
            "i2" => NpyDtype::I16,
            "i4" => NpyDtype::I32,
            "i8" => NpyDtype::I64,
            "u1" => NpyDtype::U8,
            "u2" => NpyDtype::U16,
            "u4" => NpyDtype::U32,
            "u8" => NpyDtype::U64,
            "f4" => NpyDtype::F32,
            "f8" => NpyDtype::F64,
            "c8" => NpyDtype::C64,
            "c16" => NpyDtype::C128,
            _ => return None,
        };
        Some((dtype, big))
    }
}

impl fmt::Display for NpyDtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The layout of an array's data in a `.npy` file.
///
/// ```
/// use cstk_linop::io::npy::NpyOrder;
/// assert_eq!(NpyOrder::default(), NpyOrder::C);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum NpyOrder {
    /// Row-major: the last index varies fastest (`fortran_order: False`, NumPy's default).
    #[default]
    C,
    /// Column-major: the first index varies fastest (`fortran_order: True`; how
    /// `nalgebra` and MATLAB store matrices).
    Fortran,
}

/// What the header of a `.npy` file says: stored element type, shape and data order.
///
/// Returned by [`read_npy_header`] without reading the data.
///
/// ```
/// use cstk_linop::io::npy::{NpyDtype, NpyOrder, read_npy_header_from, write_npy_to};
/// let mut bytes = Vec::new();
/// write_npy_to(&mut bytes, &[2, 3], &[0.0f32; 6], NpyOrder::Fortran).unwrap();
/// let h = read_npy_header_from(bytes.as_slice(), "<memory>").unwrap();
/// assert_eq!((h.dtype, h.shape.as_slice(), h.fortran_order), (NpyDtype::F32, &[2, 3][..], true));
/// assert_eq!(h.num_elements(), 6);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct NpyHeader {
    /// The stored element type.
    pub dtype: NpyDtype,
    /// The array's shape; `[]` for a 0-D array (which holds one element).
    pub shape: Vec<usize>,
    /// `true` when the data is stored in Fortran (column-major) order.
    pub fortran_order: bool,
}

impl NpyHeader {
    /// Number of elements: the product of the shape (1 for a 0-D array).
    ///
    /// A header returned by this module never overflows here: the reader checks it.
    ///
    /// ```
    /// use cstk_linop::io::npy::{NpyOrder, read_npy_header_from, write_npy_to};
    /// let mut bytes = Vec::new();
    /// write_npy_to(&mut bytes, &[], &[1.5f64], NpyOrder::C).unwrap();
    /// let h = read_npy_header_from(bytes.as_slice(), "<memory>").unwrap();
    /// assert!(h.shape.is_empty());
    /// assert_eq!(h.num_elements(), 1);
    /// ```
    pub fn num_elements(&self) -> usize {
        checked_product(&self.shape).unwrap_or(usize::MAX)
    }
}

/// An n-dimensional array read from (or to be written to) a `.npy` file.
///
/// `data` holds `shape.iter().product()` values in C (row-major) order: element
/// `[i, j, k]` of a shape `[p, q, r]` array is `data[(i * q + j) * r + k]`. A 0-D array has
/// shape `[]` and one value.
///
/// ```
/// use cstk_linop::io::npy::NpyArray;
/// let a = NpyArray::new(vec![2, 2], vec![1.0f64, 2.0, 3.0, 4.0]).unwrap();
/// assert_eq!((a.ndim(), a.len()), (2, 4));
/// let m = a.into_dmatrix().unwrap();
/// assert_eq!(m[(1, 0)], 3.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray<T> {
    /// The array's shape; `[]` for a 0-D array.
    pub shape: Vec<usize>,
    /// The values in C (row-major) order.
    pub data: Vec<T>,
}

impl<T> NpyArray<T> {
    /// Builds an array, checking that `data` has as many values as `shape` calls for.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when `data.len()` is not the product of `shape`.
    ///
    /// ```
    /// use cstk_linop::{Error, io::npy::NpyArray};
    /// assert!(NpyArray::new(vec![3], vec![1.0f32, 2.0, 3.0]).is_ok());
    /// let err = NpyArray::new(vec![2, 2], vec![1.0f32]).unwrap_err();
    /// assert!(matches!(err, Error::ShapeMismatch { .. }));
    /// ```
    pub fn new(shape: Vec<usize>, data: Vec<T>) -> Result<Self> {
        check_data_len(&shape, data.len(), || "NpyArray::new".to_string())?;
        Ok(NpyArray { shape, data })
    }

    /// Number of values (1 for a 0-D array, 0 when some dimension is 0).
    ///
    /// ```
    /// use cstk_linop::io::npy::NpyArray;
    /// assert_eq!(NpyArray::new(vec![0, 3], Vec::<f64>::new()).unwrap().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// `true` when the array holds no values.
    ///
    /// ```
    /// use cstk_linop::io::npy::NpyArray;
    /// assert!(NpyArray::new(vec![0, 3], Vec::<f64>::new()).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Number of dimensions (0 for a scalar).
    ///
    /// ```
    /// use cstk_linop::io::npy::NpyArray;
    /// assert_eq!(NpyArray::new(vec![], vec![1.0f64]).unwrap().ndim(), 0);
    /// ```
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// The values of a vector: accepts shape `[n]`, and also `[n, 1]` (a column vector) and
    /// `[1, n]` (a row vector) as MATLAB users and `x[:, None]` produce them.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] for any other shape, 0-D included (and for `data` not
    /// matching `shape`, which can only happen if the public fields were changed).
    ///
    /// ```
    /// use cstk_linop::io::npy::NpyArray;
    /// let col = NpyArray::new(vec![3, 1], vec![1.0f64, 2.0, 3.0]).unwrap();
    /// assert_eq!(col.into_vec().unwrap(), vec![1.0, 2.0, 3.0]);
    /// assert!(NpyArray::new(vec![2, 2], vec![0.0f64; 4]).unwrap().into_vec().is_err());
    /// ```
    pub fn into_vec(self) -> Result<Vec<T>> {
        self.into_vec_in(|| "NpyArray::into_vec".to_string())
    }

    fn into_vec_in(self, context: impl FnOnce() -> String) -> Result<Vec<T>> {
        let is_vector = matches!(self.shape.as_slice(), [_] | [_, 1] | [1, _]);
        if !is_vector {
            return Err(Error::ShapeMismatch {
                context: context(),
                expected: "a 1-D array, or a 2-D array with one dimension equal to 1".into(),
                got: format!("shape {}", shape_repr(&self.shape)),
            });
        }
        check_data_len(&self.shape, self.data.len(), context)?;
        Ok(self.data)
    }
}

impl<T: Scalar> NpyArray<T> {
    /// The 2-D array as an `nrows × ncols` [`DMatrix`].
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] for any other number of dimensions (or `data` not matching
    /// `shape`).
    ///
    /// ```
    /// use cstk_linop::io::npy::NpyArray;
    /// let a = NpyArray::new(vec![2, 3], vec![1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    /// let m = a.into_dmatrix().unwrap();
    /// assert_eq!(m.shape(), (2, 3));
    /// assert_eq!(m[(0, 2)], 3.0);
    /// ```
    pub fn into_dmatrix(self) -> Result<DMatrix<T>> {
        let context = || "NpyArray::into_dmatrix".to_string();
        let (nrows, ncols) = matrix_dims(&self.shape, context)?;
        check_data_len(&self.shape, self.data.len(), context)?;
        Ok(DMatrix::from_row_slice(nrows, ncols, &self.data))
    }
}

/// Reads only the header of a `.npy` file: stored dtype, shape and order.
///
/// The data is neither read nor checked; use it to decide, say, whether to call
/// [`read_npy`] with a real or a complex type.
///
/// # Errors
/// [`Error::Io`] when the file cannot be opened or read, [`Error::Format`] when the header
/// is malformed or describes an unsupported dtype.
///
/// ```
/// use cstk_linop::{Complex, io::npy::{NpyOrder, read_npy_header, write_npy}};
/// # let dir = std::env::temp_dir().join(format!("cstk-doc-npy-hdr-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("z.npy");
/// write_npy(&path, &[2], &[Complex::new(1.0f64, 2.0), Complex::new(0.0, -1.0)], NpyOrder::C)
///     .unwrap();
/// let h = read_npy_header(&path).unwrap();
/// assert!(h.dtype.is_complex());
/// assert_eq!(h.shape, vec![2]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn read_npy_header(path: &Path) -> Result<NpyHeader> {
    let mut file = open(path)?;
    Ok(read_info(&mut file, path)?.header)
}

/// Reads only the header of a `.npy` stream, leaving the reader at the first data byte;
/// `name` labels error messages.
///
/// # Errors
/// As [`read_npy_header`].
///
/// ```
/// use cstk_linop::io::npy::{NpyDtype, read_npy_header_from};
/// let file = b"\x93NUMPY\x01\x00\x3a\x00{'descr': '>i2', 'fortran_order': False, 'shape': (3,), }\n";
/// let h = read_npy_header_from(&file[..], "inline").unwrap();
/// assert_eq!((h.dtype, h.shape), (NpyDtype::I16, vec![3]));
/// ```
pub fn read_npy_header_from<R: Read>(mut reader: R, name: &str) -> Result<NpyHeader> {
    Ok(read_info(&mut reader, Path::new(name))?.header)
}

/// Reads a `.npy` file into an [`NpyArray`] with data in C order, converting the stored
/// values to `T` (see the [module documentation](self) for the conversion table;
/// `float64` into `f32` rounds to nearest).
///
/// Fortran-ordered files are transposed into C order. The file length is checked against
/// the header before any data is allocated. Bytes after the data are ignored, as NumPy does.
///
/// # Errors
/// [`Error::Io`] when the file cannot be opened or read (e.g. `NotFound`);
/// [`Error::Format`] when it is malformed or truncated, its dtype is unsupported, or
/// complex data is read into a real `T` (the imaginary part would be lost).
///
/// ```
/// use cstk_linop::io::npy::{NpyOrder, read_npy, write_npy};
/// # let dir = std::env::temp_dir().join(format!("cstk-doc-npy-read-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("x.npy");
/// write_npy(&path, &[3], &[0.5f64, 1.0, 1.5], NpyOrder::C).unwrap();
/// let a = read_npy::<f32>(&path).unwrap(); // float64 on disk, f32 in memory
/// assert_eq!((a.shape, a.data), (vec![3], vec![0.5f32, 1.0, 1.5]));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn read_npy<T: Scalar>(path: &Path) -> Result<NpyArray<T>> {
    let (header, data) = read_file_raw(path)?;
    Ok(to_c_order(header, data))
}

/// Reads a `.npy` array from any reader (a byte slice, a socket, a file inside an
/// archive); `name` labels error messages (e.g. `"<memory>"` or the archive member).
///
/// Exactly the header and data bytes are consumed, so arrays saved one after another into
/// one stream (several `numpy.save` calls on one open file) are read by calling this
/// repeatedly. Data is read in 64 KiB chunks with [`Read::read`], so an unbuffered reader
/// needs no [`BufReader`](std::io::BufReader); memory grows only as data actually arrives.
/// Conversion is as for [`read_npy`].
///
/// # Errors
/// As [`read_npy`], with `name` in place of the path; a stream that ends early is
/// reported as truncated.
///
/// ```
/// use cstk_linop::io::npy::{NpyOrder, read_npy_from, write_npy_to};
/// let mut bytes = Vec::new();
/// write_npy_to(&mut bytes, &[2], &[1.0f64, 2.0], NpyOrder::C).unwrap();
/// write_npy_to(&mut bytes, &[1], &[3.0f32], NpyOrder::C).unwrap();
/// let mut stream = bytes.as_slice();
/// let a = read_npy_from::<f64, _>(&mut stream, "<memory>").unwrap();
/// let b = read_npy_from::<f64, _>(&mut stream, "<memory>").unwrap();
/// assert_eq!((a.data, b.data), (vec![1.0, 2.0], vec![3.0]));
/// assert!(read_npy_from::<f64, _>(&mut stream, "<memory>").is_err()); // nothing left
/// ```
pub fn read_npy_from<T: Scalar, R: Read>(mut reader: R, name: &str) -> Result<NpyArray<T>> {
    let path = Path::new(name);
    let info = read_info(&mut reader, path)?;
    check_target::<T>(&info, path)?;
    let data = read_data(&mut reader, path, &info, false)?;
    Ok(to_c_order(info.header, data))
}

/// Reads a vector: a 1-D array of shape `(n,)`, or a 2-D array of shape `(n, 1)` (column
/// vector) or `(1, n)` (row vector). Any other shape, 0-D included, is an error.
///
/// # Errors
/// As [`read_npy`], plus [`Error::ShapeMismatch`] naming the file and its shape.
///
/// ```
/// use cstk_linop::io::npy::{NpyOrder, read_npy_vector, write_npy};
/// # let dir = std::env::temp_dir().join(format!("cstk-doc-npy-vec-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("col.npy");
/// write_npy(&path, &[3, 1], &[1.0f64, 2.0, 3.0], NpyOrder::C).unwrap();
/// assert_eq!(read_npy_vector::<f64>(&path).unwrap(), vec![1.0, 2.0, 3.0]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn read_npy_vector<T: Scalar>(path: &Path) -> Result<Vec<T>> {
    read_npy::<T>(path)?.into_vec_in(|| format!("reading a vector from {}", path.display()))
}

/// Reads a 2-D array as an `nrows × ncols` [`DMatrix`]. Fortran-ordered files go straight
/// into the column-major matrix without a transposition pass.
///
/// # Errors
/// As [`read_npy`], plus [`Error::ShapeMismatch`] (checked from the header, before the
/// data is read) when the array is not 2-D.
///
/// ```
/// use cstk_linop::{Complex, io::npy::{NpyOrder, read_npy_matrix, write_npy_matrix}};
/// use cstk_linop::nalgebra::DMatrix;
/// # let dir = std::env::temp_dir().join(format!("cstk-doc-npy-mat-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("m.npy");
/// let m = DMatrix::from_fn(2, 3, |i, j| Complex::new(i as f32, j as f32));
/// write_npy_matrix(&path, &m, NpyOrder::C).unwrap();
/// assert_eq!(read_npy_matrix::<Complex<f32>>(&path).unwrap(), m);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn read_npy_matrix<T: Scalar>(path: &Path) -> Result<DMatrix<T>> {
    let mut file = open(path)?;
    let info = read_info(&mut file, path)?;
    let (nrows, ncols) = matrix_dims(&info.header.shape, || {
        format!("reading a matrix from {}", path.display())
    })?;
    check_target::<T>(&info, path)?;
    check_file_len(&file, path, &info)?;
    let data = read_data(&mut file, path, &info, true)?;
    let data = if info.header.fortran_order {
        data
    } else {
        // Row-major data is the column-major layout of the reversed shape.
        fortran_to_c(data, &[ncols, nrows])
    };
    Ok(DMatrix::from_vec(nrows, ncols, data))
}

/// Writes an array to a `.npy` file. `data` is in C (row-major) order whatever `order` is;
/// `order` chooses the layout on disk (and the header's `fortran_order`).
///
/// The dtype is `<f4`, `<f8`, `<c8` or `<c16` for `f32`, `f64`, `Complex<f32>`,
/// `Complex<f64>`; the file is what `numpy.save` writes for the same array, byte for byte.
/// As there, the header says `fortran_order: False` when both orders lay the data out
/// identically (an empty array, or at most one dimension other than 1), whatever `order`
/// is. `shape` may be `[]` (a 0-D array of one value). The file is written atomically.
///
/// # Errors
/// [`Error::ShapeMismatch`] when `data.len()` is not the product of `shape`,
/// [`Error::InvalidParam`] for more than 64 dimensions (NumPy could not read the file),
/// [`Error::Io`] when writing fails (the old file, if any, is then left untouched).
///
/// ```
/// use cstk_linop::io::npy::{NpyOrder, write_npy};
/// # let dir = std::env::temp_dir().join(format!("cstk-doc-npy-write-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("a.npy");
/// write_npy(&path, &[2, 2], &[1.0f32, 2.0, 3.0, 4.0], NpyOrder::C).unwrap();
/// let bytes = std::fs::read(&path).unwrap();
/// assert_eq!(bytes.len(), 128 + 16); // 64-byte-aligned header, then 4 x 4 bytes
/// assert!(bytes.starts_with(b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False"));
/// assert!(write_npy(&path, &[3], &[1.0f32], NpyOrder::C).is_err());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn write_npy<T: Scalar>(
    path: &Path,
    shape: &[usize],
    data: &[T],
    order: NpyOrder,
) -> Result<()> {
    let plan = WritePlan::new::<T>(shape, data.len(), order, NpyOrder::C, || {
        format!("write_npy {}", path.display())
    })?;
    crate::io::atomic_write(path, |w| plan.write(w, data))
}

/// Writes an array in `.npy` format to any writer (a `Vec<u8>`, a socket, an archive
/// member); otherwise as [`write_npy`]. The writer is flushed at the end.
///
/// # Errors
/// As [`write_npy`]; I/O errors are reported with the name `<writer>`. On an error the
/// writer may hold part of the file.
///
/// ```
/// use cstk_linop::io::npy::{NpyOrder, read_npy_from, write_npy_to};
/// let mut bytes = Vec::new();
/// write_npy_to(&mut bytes, &[2, 1], &[7.0f64, 8.0], NpyOrder::Fortran).unwrap();
/// assert_eq!(bytes.len() % 64, 16); // header padded to 64 bytes, then 2 x 8 bytes
/// let a = read_npy_from::<f64, _>(bytes.as_slice(), "<memory>").unwrap();
/// assert_eq!((a.shape, a.data), (vec![2, 1], vec![7.0, 8.0]));
/// ```
pub fn write_npy_to<T: Scalar, W: Write>(
    mut writer: W,
    shape: &[usize],
    data: &[T],
    order: NpyOrder,
) -> Result<()> {
    let plan = WritePlan::new::<T>(shape, data.len(), order, NpyOrder::C, || {
        format!("write_npy_to {WRITER_NAME}")
    })?;
    plan.write(&mut writer, data)
        .and_then(|()| writer.flush())
        .map_err(|source| Error::Io {
            path: PathBuf::from(WRITER_NAME),
            source,
        })
}

/// Writes a slice as a 1-D `.npy` array of shape `(n,)`; otherwise as [`write_npy`].
///
/// # Errors
/// [`Error::Io`] when writing fails (an existing file is then left untouched).
///
/// ```
/// use cstk_linop::io::npy::{read_npy_vector, write_npy_vector};
/// # let dir = std::env::temp_dir().join(format!("cstk-doc-npy-wvec-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("v.npy");
/// write_npy_vector(&path, &[1.0f64, -2.0]).unwrap();
/// assert_eq!(read_npy_vector::<f64>(&path).unwrap(), vec![1.0, -2.0]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn write_npy_vector<T: Scalar>(path: &Path, data: &[T]) -> Result<()> {
    write_npy(path, &[data.len()], data, NpyOrder::C)
}

/// Writes a matrix as a 2-D `.npy` array in the chosen order. [`NpyOrder::Fortran`] writes
/// the matrix's column-major storage as it is; [`NpyOrder::C`] transposes while writing.
///
/// # Errors
/// [`Error::Io`] when writing fails (an existing file is then left untouched).
///
/// ```
/// use cstk_linop::io::npy::{NpyOrder, read_npy, write_npy_matrix};
/// use cstk_linop::nalgebra::DMatrix;
/// # let dir = std::env::temp_dir().join(format!("cstk-doc-npy-wmat-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("m.npy");
/// let m = DMatrix::from_row_slice(2, 2, &[1.0f64, 2.0, 3.0, 4.0]);
/// write_npy_matrix(&path, &m, NpyOrder::Fortran).unwrap();
/// let a = read_npy::<f64>(&path).unwrap();
/// assert_eq!((a.shape, a.data), (vec![2, 2], vec![1.0, 2.0, 3.0, 4.0]));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn write_npy_matrix<T: Scalar>(
    path: &Path,
    matrix: &DMatrix<T>,
    order: NpyOrder,
) -> Result<()> {
    let shape = [matrix.nrows(), matrix.ncols()];
    let data = matrix.as_slice();
    let plan = WritePlan::new::<T>(&shape, data.len(), order, NpyOrder::Fortran, || {
        format!("write_npy_matrix {}", path.display())
    })?;
    crate::io::atomic_write(path, |w| plan.write(w, data))
}

// ---------------------------------------------------------------------------------------
// Reading: preamble and header
// ---------------------------------------------------------------------------------------

/// Everything the reader needs to know about the data, from the preamble and header.
struct ArrayInfo {
    header: NpyHeader,
    big_endian: bool,
    /// Offset of the first data byte from the start of the file.
    data_offset: u64,
    /// Number of elements (checked product of the shape).
    len: usize,
    /// Number of data bytes (checked `len * item_size`).
    nbytes: usize,
}

fn format_err(path: &Path, reason: impl Into<String>) -> Error {
    Error::Format {
        path: path.to_path_buf(),
        line: None,
        reason: reason.into(),
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn open(path: &Path) -> Result<std::fs::File> {
    std::fs::File::open(path).map_err(io_err(path))
}

/// Reads until `buf` is full or the reader is exhausted; returns the number of bytes read.
fn read_full<R: Read + ?Sized>(reader: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            // `min` guards against a reader that claims more than it was given.
            Ok(n) => filled = filled.saturating_add(n).min(buf.len()),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// `\x93NUMPY`-style rendering of bytes for messages.
fn escape_bytes(bytes: &[u8]) -> String {
    bytes
        .iter()
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .collect()
}

/// Reads and validates the preamble and header, leaving `reader` at the first data byte.
fn read_info<R: Read + ?Sized>(reader: &mut R, path: &Path) -> Result<ArrayInfo> {
    let mut preamble = [0u8; 8];
    let got = read_full(reader, &mut preamble).map_err(io_err(path))?;
    let head = &preamble[..got.min(MAGIC.len())];
    if got == 0 {
        return Err(format_err(
            path,
            "empty file: a .npy file starts with the magic string \\x93NUMPY",
        ));
    }
    if !MAGIC.starts_with(head) {
        return Err(format_err(
            path,
            format!(
                "not a .npy file: bad magic string (expected \\x93NUMPY, found {})",
                escape_bytes(head)
            ),
        ));
    }
    if got < preamble.len() {
        return Err(format_err(
            path,
            format!("preamble truncated: expected 8 bytes (magic string and version), found {got}"),
        ));
    }
    let (major, minor) = (preamble[6], preamble[7]);
    let (len_bytes, utf8) = match (major, minor) {
        (1, 0) => (2, false),
        (2, 0) => (4, false),
        (3, 0) => (4, true),
        _ => {
            return Err(format_err(
                path,
                format!(
                    "unsupported .npy format version {major}.{minor} (supported: 1.0, 2.0, 3.0)"
                ),
            ));
        }
    };
    let mut len_buf = [0u8; 4];
    let got = read_full(reader, &mut len_buf[..len_bytes]).map_err(io_err(path))?;
    if got < len_bytes {
        return Err(format_err(
            path,
            format!(
                "header length truncated: expected {len_bytes} bytes after byte 8, found {got}"
            ),
        ));
    }
    let header_len = usize::try_from(u32::from_le_bytes(len_buf)).unwrap_or(usize::MAX);
    if header_len > MAX_HEADER_LEN {
        return Err(format_err(
            path,
            format!("header length {header_len} exceeds the limit of {MAX_HEADER_LEN} bytes"),
        ));
    }
    let header_start = 8 + len_bytes;
    let mut raw = Vec::new();
    reader
        .take(header_len as u64)
        .read_to_end(&mut raw)
        .map_err(io_err(path))?;
    if raw.len() < header_len {
        return Err(format_err(
            path,
            format!(
                "header truncated: expected {header_len} bytes after byte {header_start}, found {}",
                raw.len()
            ),
        ));
    }
    let text = if utf8 {
        String::from_utf8(raw).map_err(|e| {
            format_err(
                path,
                format!(
                    "header: not valid UTF-8 (required by format 3.0) at header byte {}",
                    e.utf8_error().valid_up_to()
                ),
            )
        })?
    } else {
        // Latin-1: every byte is the code point of the same value.
        raw.iter().map(|&b| char::from(b)).collect()
    };
    let (header, big_endian) = parse_header(&text).map_err(|reason| format_err(path, reason))?;
    let too_large = || {
        format_err(
            path,
            format!(
                "header: shape {} is too large: its size in bytes overflows",
                shape_repr(&header.shape)
            ),
        )
    };
    let len = checked_product(&header.shape).ok_or_else(too_large)?;
    let nbytes = len
        .checked_mul(header.dtype.item_size())
        .ok_or_else(too_large)?;
    Ok(ArrayInfo {
        data_offset: (header_start + header_len) as u64,
        big_endian,
        len,
        nbytes,
        header,
    })
}

/// Rejects complex data for a real target type before any data is read.
fn check_target<T: Scalar>(info: &ArrayInfo, path: &Path) -> Result<()> {
    let dtype = info.header.dtype;
    if dtype.is_complex() && !T::IS_COMPLEX {
        return Err(format_err(
            path,
            format!(
                "stored dtype {dtype} cannot be read as {}: the imaginary part would be lost \
                 (read it as a complex type)",
                T::NAME
            ),
        ));
    }
    Ok(())
}

fn truncated_data(path: &Path, info: &ArrayInfo, found: u64) -> Error {
    format_err(
        path,
        format!(
            "data truncated: expected {} bytes after byte {}, found {found}",
            info.nbytes, info.data_offset
        ),
    )
}

/// For regular files, checks that the data is all there before allocating for it.
fn check_file_len(file: &std::fs::File, path: &Path, info: &ArrayInfo) -> Result<()> {
    let meta = file.metadata().map_err(io_err(path))?;
    if meta.is_file() {
        let available = meta.len().saturating_sub(info.data_offset);
        if available < info.nbytes as u64 {
            return Err(truncated_data(path, info, available));
        }
    }
    Ok(())
}

/// Reads a whole file: checks the target type and the file length, then the data (in the
/// order it is stored).
fn read_file_raw<T: Scalar>(path: &Path) -> Result<(NpyHeader, Vec<T>)> {
    let mut file = open(path)?;
    let info = read_info(&mut file, path)?;
    check_target::<T>(&info, path)?;
    check_file_len(&file, path, &info)?;
    let data = read_data(&mut file, path, &info, true)?;
    Ok((info.header, data))
}

/// Reads exactly `info.nbytes` data bytes in chunks and converts them to `T`, in storage
/// order. With `trusted_len` (the file length was checked) the output is allocated at once;
/// otherwise it grows as data arrives.
fn read_data<T: Scalar, R: Read + ?Sized>(
    reader: &mut R,
    path: &Path,
    info: &ArrayInfo,
    trusted_len: bool,
) -> Result<Vec<T>> {
    let dtype = info.header.dtype;
    let item = dtype.item_size();
    let capacity = if trusted_len {
        info.len
    } else {
        info.len.min(CHUNK_BYTES / item)
    };
    let mut out = Vec::with_capacity(capacity);
    let mut buf = vec![0u8; info.nbytes.min(CHUNK_BYTES)];
    let mut done = 0usize;
    while done < info.nbytes {
        // `want` is a multiple of `item`: both `nbytes` and `CHUNK_BYTES` are.
        let want = (info.nbytes - done).min(CHUNK_BYTES);
        let chunk = &mut buf[..want];
        let got = read_full(reader, chunk).map_err(io_err(path))?;
        done += got;
        if got < want {
            return Err(truncated_data(path, info, done as u64));
        }
        decode_chunk(dtype, info.big_endian, chunk, &mut out);
    }
    Ok(out)
}

/// Puts data read in storage order into C order.
fn to_c_order<T: Scalar>(header: NpyHeader, data: Vec<T>) -> NpyArray<T> {
    let data = if header.fortran_order {
        fortran_to_c(data, &header.shape)
    } else {
        data
    };
    NpyArray {
        shape: header.shape,
        data,
    }
}

// ---------------------------------------------------------------------------------------
// Reading: the header dictionary
// ---------------------------------------------------------------------------------------

/// A Python literal as it may appear in a `.npy` header.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Str(String),
    /// An integer literal as written, sign included (`"-3"`, `"12"`).
    Int(String),
    Bool(bool),
    None,
    Tuple(Vec<Value>),
    List(Vec<Value>),
}

impl fmt::Display for Value {
    /// Python's `repr`, for error messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn items(f: &mut fmt::Formatter<'_>, items: &[Value]) -> fmt::Result {
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{v}")?;
            }
            Ok(())
        }
        match self {
            Value::Str(s) => write!(f, "'{}'", s.escape_debug()),
            Value::Int(s) => f.write_str(s),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::None => f.write_str("None"),
            Value::Tuple(v) => {
                f.write_str("(")?;
                items(f, v)?;
                f.write_str(if v.len() == 1 { ",)" } else { ")" })
            }
            Value::List(v) => {
                f.write_str("[")?;
                items(f, v)?;
                f.write_str("]")
            }
        }
    }
}

/// A value rendered for an error message, shortened when long.
fn show(value: &Value) -> String {
    const MAX: usize = 60;
    let s = value.to_string();
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s,
    }
}

/// A recursive-descent parser for the Python literals of a `.npy` header.
struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(
            self.peek(),
            Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
        ) {
            self.pos += 1;
        }
    }

    /// The character at the current position, for messages.
    fn found(&self) -> String {
        match self.text[self.pos..].chars().next() {
            Some(c) => format!("{:?} at header byte {}", c, self.pos),
            None => "the end of the header".to_string(),
        }
    }

    fn expected(&self, what: &str) -> String {
        format!("header: expected {what}, found {}", self.found())
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        self.skip_ws();
        match self.peek() {
            Some(q @ (b'\'' | b'"')) => self.string(q),
            Some(open @ (b'(' | b'[')) => {
                if depth >= MAX_NESTING {
                    return Err(format!(
                        "header: nesting deeper than {MAX_NESTING} levels at header byte {}",
                        self.pos
                    ));
                }
                self.pos += 1;
                self.sequence(open, depth + 1)
            }
            Some(b'0'..=b'9' | b'-' | b'+') => self.int(),
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => self.name(),
            _ => Err(self.expected("a value")),
        }
    }

    fn string(&mut self, quote: u8) -> Result<Value, String> {
        let start = self.pos;
        self.pos += 1;
        let mut s = String::new();
        loop {
            let rest = &self.text[self.pos..];
            let Some(c) = rest.chars().next() else {
                return Err(format!(
                    "header: unterminated string starting at header byte {start}"
                ));
            };
            self.pos += c.len_utf8();
            match c {
                '\n' => {
                    return Err(format!(
                        "header: unterminated string starting at header byte {start}"
                    ));
                }
                '\\' => {
                    // Keep the escaped character as it is; dtype strings have no escapes.
                    let Some(e) = self.text[self.pos..].chars().next() else {
                        continue;
                    };
                    self.pos += e.len_utf8();
                    s.push(e);
                }
                c if c == char::from(quote) => return Ok(Value::Str(s)),
                c => s.push(c),
            }
        }
    }

    fn int(&mut self) -> Result<Value, String> {
        let start = self.pos;
        if matches!(self.peek(), Some(b'-' | b'+')) {
            self.pos += 1;
        }
        let digits_start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        if self.pos == digits_start {
            return Err(self.expected("a digit"));
        }
        let literal = self.text[start..self.pos].to_string();
        // Python 2 wrote long integers with an `L` suffix (NumPy still reads them).
        if matches!(self.peek(), Some(b'L' | b'l')) {
            self.pos += 1;
        }
        if matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c == b'.') {
            return Err(format!(
                "header: invalid number starting at header byte {start} (only integers are allowed)"
            ));
        }
        Ok(Value::Int(literal))
    }

    fn name(&mut self) -> Result<Value, String> {
        let start = self.pos;
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_') {
            self.pos += 1;
        }
        match &self.text[start..self.pos] {
            "True" => Ok(Value::Bool(true)),
            "False" => Ok(Value::Bool(false)),
            "None" => Ok(Value::None),
            other => Err(format!(
                "header: unknown name '{other}' at header byte {start} (expected a literal)"
            )),
        }
    }

    /// After an opening `(` or `[`: Python's rules, so `()` is an empty tuple, `(3,)` a
    /// one-element tuple and `(3)` just the integer 3.
    fn sequence(&mut self, open: u8, depth: usize) -> Result<Value, String> {
        let close = if open == b'(' { b')' } else { b']' };
        let mut items = Vec::new();
        let mut saw_comma = false;
        loop {
            self.skip_ws();
            if self.peek() == Some(close) {
                self.pos += 1;
                break;
            }
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    saw_comma = true;
                }
                Some(c) if c == close => {
                    self.pos += 1;
                    break;
                }
                _ => {
                    return Err(self.expected(&format!("',' or '{}'", char::from(close))));
                }
            }
        }
        Ok(match (open, items.len(), saw_comma) {
            (b'(', 1, false) => items.pop().unwrap_or(Value::None),
            (b'(', _, _) => Value::Tuple(items),
            _ => Value::List(items),
        })
    }

    /// The top-level dictionary, as `(key, value)` pairs in file order.
    fn dict(&mut self) -> Result<Vec<(String, Value)>, String> {
        self.skip_ws();
        if self.peek() != Some(b'{') {
            return Err(self.expected("'{' starting the header dictionary"));
        }
        self.pos += 1;
        let mut entries = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == Some(b'}') {
                self.pos += 1;
                break;
            }
            let key_at = self.pos;
            let key = match self.value(0)? {
                Value::Str(k) => k,
                other => {
                    return Err(format!(
                        "header: dictionary keys must be strings, found {} at header byte {key_at}",
                        show(&other)
                    ));
                }
            };
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.expected(&format!("':' after key '{key}'")));
            }
            self.pos += 1;
            let value = self.value(0)?;
            entries.push((key, value));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.expected("',' or '}'")),
            }
        }
        self.skip_ws();
        if self.pos < self.text.len() {
            return Err(format!(
                "header: unexpected {} after the dictionary",
                self.found()
            ));
        }
        Ok(entries)
    }
}

/// Parses the header text into the header and whether the data is big-endian.
fn parse_header(text: &str) -> Result<(NpyHeader, bool), String> {
    const KEYS: [&str; 3] = ["descr", "fortran_order", "shape"];
    let entries = Parser { text, pos: 0 }.dict()?;
    let mut found: [Option<Value>; 3] = [None, None, None];
    for (key, value) in entries {
        let Some(slot) = KEYS.iter().position(|k| *k == key) else {
            return Err(format!(
                "header: unexpected key '{}' (a .npy header has exactly the keys \
                 'descr', 'fortran_order' and 'shape')",
                key.escape_debug()
            ));
        };
        if found[slot].replace(value).is_some() {
            return Err(format!("header: duplicate key '{key}'"));
        }
    }
    let [descr, fortran_order, shape] = found;
    let missing = |key: &str| format!("header: missing key '{key}'");
    let (dtype, big_endian) = match descr.ok_or_else(|| missing("descr"))? {
        Value::Str(s) => NpyDtype::parse_descr(&s).ok_or_else(|| {
            format!(
                "unsupported dtype '{}' (supported: b1, i1, i2, i4, i8, u1, u2, u4, u8, f4, f8, \
                 c8, c16, with byte order <, >, | or =)",
                s.escape_debug()
            )
        })?,
        v @ (Value::List(_) | Value::Tuple(_)) => {
            return Err(format!(
                "unsupported dtype {}: structured and subarray dtypes are not supported",
                show(&v)
            ));
        }
        v => {
            return Err(format!(
                "header: 'descr' must be a string such as '<f8', found {}",
                show(&v)
            ));
        }
    };
    let fortran_order = match fortran_order.ok_or_else(|| missing("fortran_order"))? {
        Value::Bool(b) => b,
        v => {
            return Err(format!(
                "header: 'fortran_order' must be True or False, found {}",
                show(&v)
            ));
        }
    };
    let shape = match shape.ok_or_else(|| missing("shape"))? {
        Value::Tuple(items) => parse_shape(&items)?,
        v => {
            return Err(format!(
                "header: 'shape' must be a tuple of integers such as (3,) or (2, 3), found {}",
                show(&v)
            ));
        }
    };
    Ok((
        NpyHeader {
            dtype,
            shape,
            fortran_order,
        },
        big_endian,
    ))
}

fn parse_shape(items: &[Value]) -> Result<Vec<usize>, String> {
    if items.len() > MAX_DIMS {
        return Err(format!(
            "header: 'shape' has {} dimensions; at most {MAX_DIMS} are supported",
            items.len()
        ));
    }
    items
        .iter()
        .map(|item| match item {
            Value::Int(lit)
                if lit.starts_with('-') && !lit.trim_start_matches(['-', '0']).is_empty() =>
            {
                Err(format!("header: 'shape' has a negative dimension {lit}"))
            }
            Value::Int(lit) => {
                let digits = lit.trim_start_matches(['-', '+']);
                digits.parse::<usize>().map_err(|_| {
                    format!(
                        "header: 'shape' dimension {lit} does not fit in {} bits",
                        usize::BITS
                    )
                })
            }
            other => Err(format!(
                "header: 'shape' must hold integers, found {}",
                show(other)
            )),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Element conversion
// ---------------------------------------------------------------------------------------

/// `true` when `T` is built on `f32` (so 64-bit integers must round once, to `f32`).
fn is_single<T: Scalar>() -> bool {
    std::mem::size_of::<T::RealField>() == 4
}

#[inline]
fn real<T: Scalar>(re: f64) -> T {
    T::from_f64_parts(re, 0.0)
}

/// Little-endian order of a word stored with the given byte order.
#[inline]
fn le<const N: usize>(mut word: [u8; N], big_endian: bool) -> [u8; N] {
    if big_endian {
        word.reverse();
    }
    word
}

/// Converts `N`-byte words to `T` with `f`, which receives each word in little-endian order.
#[inline]
fn decode_words<const N: usize, T>(
    bytes: &[u8],
    big_endian: bool,
    out: &mut Vec<T>,
    f: impl Fn([u8; N]) -> T,
) {
    let (words, _) = bytes.as_chunks::<N>();
    out.extend(words.iter().map(|&w| f(le(w, big_endian))));
}

/// Converts pairs of `N`-byte words (real part, imaginary part) to `T`.
#[inline]
fn decode_pairs<const N: usize, T>(
    bytes: &[u8],
    big_endian: bool,
    out: &mut Vec<T>,
    f: impl Fn([u8; N], [u8; N]) -> T,
) {
    let (words, _) = bytes.as_chunks::<N>();
    let (pairs, _) = words.as_chunks::<2>();
    out.extend(
        pairs
            .iter()
            .map(|&[re, im]| f(le(re, big_endian), le(im, big_endian))),
    );
}

/// Appends the values of `bytes` (whole elements of `dtype`) to `out`, converted to `T` with
/// a single rounding each. Complex dtypes into a real `T` are rejected before this is called.
fn decode_chunk<T: Scalar>(dtype: NpyDtype, big: bool, bytes: &[u8], out: &mut Vec<T>) {
    let single = is_single::<T>();
    match dtype {
        NpyDtype::Bool => out.extend(
            bytes
                .iter()
                .map(|&b| real::<T>(f64::from(u8::from(b != 0)))),
        ),
        NpyDtype::I8 => out.extend(bytes.iter().map(|&b| real::<T>(f64::from(b as i8)))),
        NpyDtype::U8 => out.extend(bytes.iter().map(|&b| real::<T>(f64::from(b)))),
        NpyDtype::I16 => decode_words(bytes, big, out, |w| real(f64::from(i16::from_le_bytes(w)))),
        NpyDtype::U16 => decode_words(bytes, big, out, |w| real(f64::from(u16::from_le_bytes(w)))),
        NpyDtype::I32 => decode_words(bytes, big, out, |w| real(f64::from(i32::from_le_bytes(w)))),
        NpyDtype::U32 => decode_words(bytes, big, out, |w| real(f64::from(u32::from_le_bytes(w)))),
        // 64-bit integers are not all exact in f64: round once, to the target's precision
        // (the `f32` is then widened exactly and narrowed back exactly by `from_f64_parts`).
        NpyDtype::I64 if single => decode_words(bytes, big, out, |w| {
            real(f64::from(i64::from_le_bytes(w) as f32))
        }),
        NpyDtype::I64 => decode_words(bytes, big, out, |w| real(i64::from_le_bytes(w) as f64)),
        NpyDtype::U64 if single => decode_words(bytes, big, out, |w| {
            real(f64::from(u64::from_le_bytes(w) as f32))
        }),
        NpyDtype::U64 => decode_words(bytes, big, out, |w| real(u64::from_le_bytes(w) as f64)),
        NpyDtype::F32 => decode_words(bytes, big, out, |w| real(f64::from(f32::from_le_bytes(w)))),
        NpyDtype::F64 => decode_words(bytes, big, out, |w| real(f64::from_le_bytes(w))),
        NpyDtype::C64 => decode_pairs(bytes, big, out, |re, im| {
            T::from_f64_parts(
                f64::from(f32::from_le_bytes(re)),
                f64::from(f32::from_le_bytes(im)),
            )
        }),
        NpyDtype::C128 => decode_pairs(bytes, big, out, |re, im| {
            T::from_f64_parts(f64::from_le_bytes(re), f64::from_le_bytes(im))
        }),
    }
}

// ---------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------

/// The four dtypes written, one per [`Scalar`] type.
#[derive(Clone, Copy)]
enum OutDtype {
    F32,
    F64,
    C64,
    C128,
}

impl OutDtype {
    fn of<T: Scalar>() -> Result<Self> {
        match (T::IS_COMPLEX, std::mem::size_of::<T::RealField>()) {
            (false, 4) => Ok(OutDtype::F32),
            (false, 8) => Ok(OutDtype::F64),
            (true, 4) => Ok(OutDtype::C64),
            (true, 8) => Ok(OutDtype::C128),
            _ => Err(Error::InvalidParam {
                name: "T",
                value: T::NAME.to_string(),
                expected: "f32, f64, Complex<f32> or Complex<f64>".into(),
            }),
        }
    }

    fn dtype(self) -> NpyDtype {
        match self {
            OutDtype::F32 => NpyDtype::F32,
            OutDtype::F64 => NpyDtype::F64,
            OutDtype::C64 => NpyDtype::C64,
            OutDtype::C128 => NpyDtype::C128,
        }
    }

    /// Appends `v` in little-endian order (exact: the four types widen to `Complex<f64>`
    /// exactly and narrow back exactly).
    #[inline]
    fn encode<T: Scalar>(self, v: T, buf: &mut Vec<u8>) {
        let c = v.to_c64();
        match self {
            OutDtype::F32 => buf.extend_from_slice(&(c.re as f32).to_le_bytes()),
            OutDtype::F64 => buf.extend_from_slice(&c.re.to_le_bytes()),
            OutDtype::C64 => {
                buf.extend_from_slice(&(c.re as f32).to_le_bytes());
                buf.extend_from_slice(&(c.im as f32).to_le_bytes());
            }
            OutDtype::C128 => {
                buf.extend_from_slice(&c.re.to_le_bytes());
                buf.extend_from_slice(&c.im.to_le_bytes());
            }
        }
    }
}

/// A validated write: header bytes, and how to walk the caller's buffer.
struct WritePlan {
    header: Vec<u8>,
    dtype: OutDtype,
    /// `Some` when the buffer must be walked in the other order: the shape whose
    /// column-major offsets, visited in C order, give the file order.
    transpose: Option<Vec<usize>>,
}

impl WritePlan {
    fn new<T: Scalar>(
        shape: &[usize],
        len: usize,
        order: NpyOrder,
        source: NpyOrder,
        context: impl Fn() -> String,
    ) -> Result<Self> {
        let dtype = OutDtype::of::<T>()?;
        if shape.len() > MAX_DIMS {
            return Err(Error::InvalidParam {
                name: "shape",
                value: format!("{} dimensions", shape.len()),
                expected: format!("at most {MAX_DIMS} dimensions (NumPy's limit)"),
            });
        }
        check_data_len(shape, len, &context)?;
        // As numpy.save: `fortran_order` is `True` only when the two orders differ.
        let fortran = order == NpyOrder::Fortran && needs_transpose(shape);
        let transpose = match (source, order) {
            _ if !needs_transpose(shape) => None,
            (NpyOrder::C, NpyOrder::C) | (NpyOrder::Fortran, NpyOrder::Fortran) => None,
            // C buffer, Fortran file: first index fastest over the C buffer's offsets,
            // which are the column-major offsets of the reversed shape.
            (NpyOrder::C, NpyOrder::Fortran) => Some(shape.iter().rev().copied().collect()),
            // Fortran buffer, C file: the column-major offsets of the shape itself.
            (NpyOrder::Fortran, NpyOrder::C) => Some(shape.to_vec()),
        };
        Ok(WritePlan {
            header: header_bytes(dtype.dtype(), shape, fortran),
            dtype,
            transpose,
        })
    }

    fn write<T: Scalar>(&self, w: &mut dyn Write, data: &[T]) -> std::io::Result<()> {
        w.write_all(&self.header)?;
        let mut buf = Vec::with_capacity(CHUNK_BYTES + 16);
        let mut put = |v: T, buf: &mut Vec<u8>| -> std::io::Result<()> {
            self.dtype.encode(v, buf);
            if buf.len() >= CHUNK_BYTES {
                w.write_all(buf)?;
                buf.clear();
            }
            Ok(())
        };
        match &self.transpose {
            None => data.iter().try_for_each(|&v| put(v, &mut buf))?,
            Some(shape) => for_each_fortran_to_c(data, shape, |run| {
                run.iter().try_for_each(|&v| put(v, &mut buf))
            })?,
        }
        w.write_all(&buf)
    }
}

/// The header exactly as NumPy's `write_array_header` produces it (version 1.0, or 2.0
/// when the header does not fit a 2-byte length).
fn header_bytes(dtype: NpyDtype, shape: &[usize], fortran: bool) -> Vec<u8> {
    let mut dict = format!(
        "{{'descr': '{}{}', 'fortran_order': {}, 'shape': {}, }}",
        if dtype.item_size() == 1 { '|' } else { '<' },
        dtype.code(),
        if fortran { "True" } else { "False" },
        shape_repr(shape)
    );
    // NumPy's spare space, so the growth axis can be rewritten in place.
    let growth_axis = if fortran { shape.last() } else { shape.first() };
    if let Some(d) = growth_axis {
        let digits = d.to_string().len();
        dict.extend(std::iter::repeat_n(
            ' ',
            GROWTH_AXIS_MAX_DIGITS.saturating_sub(digits),
        ));
    }
    let padded_len = |len_bytes: usize| {
        let hlen = dict.len() + 1; // + '\n'
        let pad = ARRAY_ALIGN - (MAGIC.len() + 2 + len_bytes + hlen) % ARRAY_ALIGN;
        hlen + pad
    };
    let mut out = Vec::with_capacity(MAGIC.len() + 2 + 4 + padded_len(4));
    out.extend_from_slice(MAGIC);
    let total = match u16::try_from(padded_len(2)) {
        Ok(total) => {
            out.extend_from_slice(&[1, 0]);
            out.extend_from_slice(&total.to_le_bytes());
            usize::from(total)
        }
        Err(_) => {
            // At most 64 dimensions keep the header far below 4 GiB.
            let total = padded_len(4);
            out.extend_from_slice(&[2, 0]);
            out.extend_from_slice(&u32::try_from(total).unwrap_or(u32::MAX).to_le_bytes());
            total
        }
    };
    out.extend_from_slice(dict.as_bytes());
    out.resize(out.len() + total - dict.len() - 1, b' ');
    out.push(b'\n');
    out
}

// ---------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------

/// Product of the dimensions, `None` on overflow (1 for `[]`).
fn checked_product(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
}

/// Python's `repr` of a shape tuple: `()`, `(3,)`, `(2, 3)`.
fn shape_repr(shape: &[usize]) -> String {
    match shape {
        [d] => format!("({d},)"),
        _ => {
            let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
            format!("({})", dims.join(", "))
        }
    }
}

fn check_data_len(shape: &[usize], len: usize, context: impl FnOnce() -> String) -> Result<()> {
    match checked_product(shape) {
        Some(n) if n == len => Ok(()),
        Some(n) => Err(Error::ShapeMismatch {
            context: context(),
            expected: format!("{n} values for shape {}", shape_repr(shape)),
            got: format!("{len} values"),
        }),
        None => Err(Error::ShapeMismatch {
            context: context(),
            expected: format!("{len} values"),
            got: format!("shape {} whose element count overflows", shape_repr(shape)),
        }),
    }
}

fn matrix_dims(shape: &[usize], context: impl FnOnce() -> String) -> Result<(usize, usize)> {
    match *shape {
        [nrows, ncols] => Ok((nrows, ncols)),
        _ => Err(Error::ShapeMismatch {
            context: context(),
            expected: "a 2-D array".into(),
            got: format!("shape {} ({}-D)", shape_repr(shape), shape.len()),
        }),
    }
}

/// `false` when C and Fortran order coincide: the array is empty, or at most one
/// dimension differs from 1 (NumPy then calls it both C- and F-contiguous).
fn needs_transpose(shape: &[usize]) -> bool {
    !shape.contains(&0) && shape.iter().filter(|&&d| d != 1).count() > 1
}

/// Most rows in one strip of a 2-D transpose: each strip reads `TILE` contiguous values
/// from every source row, whole cache lines rather than single values.
const TILE: usize = 64;
/// Most values in one strip (so its buffer stays in cache and memory stays bounded).
const STRIP: usize = 1 << 16;
/// Values per run handed out by the general (3 or more dimensions) reordering.
const RUN: usize = 4096;

/// The values of `data`, a column-major (Fortran-order) array of the given `shape`, in C
/// order. `data.len()` must be the product of `shape`.
fn fortran_to_c<T: Copy>(data: Vec<T>, shape: &[usize]) -> Vec<T> {
    if !needs_transpose(shape) {
        return data;
    }
    let mut out = Vec::with_capacity(data.len());
    let _ = for_each_fortran_to_c(&data, shape, |run| {
        out.extend_from_slice(run);
        Ok::<(), std::convert::Infallible>(())
    });
    out
}

/// Hands `f`, run after run, the values of `data` (a column-major array of the given
/// `shape`, `data.len()` its product) in C order: the last index varies fastest.
///
/// Dimensions of size 1 are dropped first. One dimension left: `data` as it is. Two (the
/// common case, a matrix): a transpose done in strips of up to [`TILE`] output rows and
/// [`STRIP`] values, which read each source row in contiguous pieces of up to `TILE`
/// values (output rows longer than `STRIP / 2` values go one at a time, in runs). More:
/// an index odometer ([`ColumnMajorOffsets`]), in runs of [`RUN`] values.
fn for_each_fortran_to_c<T: Copy, E>(
    data: &[T],
    shape: &[usize],
    mut f: impl FnMut(&[T]) -> Result<(), E>,
) -> Result<(), E> {
    let dims: Vec<usize> = shape.iter().copied().filter(|&d| d != 1).collect();
    let Some(&first) = data.first().filter(|_| !dims.contains(&0)) else {
        return Ok(());
    };
    match *dims.as_slice() {
        [] | [_] => f(data),
        [rows, cols] => {
            // `data` is the row-major `cols × rows` matrix; output its transpose, `height`
            // output rows at a time.
            let height = (STRIP / cols).clamp(1, TILE);
            if height == 1 {
                // Very wide output rows: emit each in runs, reading with stride `rows`.
                let mut run = Vec::with_capacity(RUN.min(cols));
                for r in 0..rows {
                    for c0 in (0..cols).step_by(RUN) {
                        run.clear();
                        let c1 = cols.min(c0 + RUN);
                        run.extend((c0..c1).map(|c| data[c * rows + r]));
                        f(&run)?;
                    }
                }
                return Ok(());
            }
            let mut strip = vec![first; height.min(rows) * cols];
            for r0 in (0..rows).step_by(height) {
                let h = height.min(rows - r0);
                let strip = &mut strip[..h * cols];
                for (c, source_row) in data.chunks_exact(rows).enumerate() {
                    for (dr, &v) in source_row[r0..r0 + h].iter().enumerate() {
                        strip[dr * cols + c] = v;
                    }
                }
                f(strip)?;
            }
            Ok(())
        }
        _ => {
            let mut run = Vec::with_capacity(RUN.min(data.len()));
            for offset in ColumnMajorOffsets::new(&dims) {
                run.push(data[offset]);
                if run.len() == RUN {
                    f(&run)?;
                    run.clear();
                }
            }
            if run.is_empty() { Ok(()) } else { f(&run) }
        }
    }
}

/// Visits, in C order of `shape` (last index fastest), the offsets of the elements in a
/// buffer holding the same array in column-major order (first index fastest).
///
/// Dimensions of size 1 are dropped first (they do not change any offset), so each step
/// costs O(1) amortized.
struct ColumnMajorOffsets {
    dims: Vec<usize>,
    strides: Vec<usize>,
    index: Vec<usize>,
    offset: usize,
    remaining: usize,
}

impl ColumnMajorOffsets {
    /// `shape` must have a product that fits in `usize` (checked by every caller).
    fn new(shape: &[usize]) -> Self {
        let remaining = checked_product(shape).unwrap_or(0);
        let mut dims = Vec::with_capacity(shape.len());
        let mut strides = Vec::with_capacity(shape.len());
        let mut stride = 1usize;
        for &d in shape {
            if d != 1 {
                dims.push(d);
                strides.push(stride);
                stride = stride.saturating_mul(d);
            }
        }
        ColumnMajorOffsets {
            index: vec![0; dims.len()],
            dims,
            strides,
            offset: 0,
            remaining,
        }
    }
}

impl Iterator for ColumnMajorOffsets {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        if self.remaining == 0 {
            return None;
        }
        let current = self.offset;
        self.remaining -= 1;
        if self.remaining > 0 {
            // Odometer step, last axis fastest. An axis that wraps has taken
            // `dims[k] - 1` strides, which are subtracted again.
            for k in (0..self.dims.len()).rev() {
                self.index[k] += 1;
                if self.index[k] < self.dims[k] {
                    self.offset += self.strides[k];
                    break;
                }
                self.offset -= self.strides[k] * (self.dims[k] - 1);
                self.index[k] = 0;
            }
        }
        Some(current)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for ColumnMajorOffsets {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_major_offsets_match_naive_transpose() {
        // shape (2, 3, 4): C index (i, j, k) -> F offset i + 2 * (j + 3 * k)
        let got: Vec<usize> = ColumnMajorOffsets::new(&[2, 3, 4]).collect();
        let mut want = Vec::new();
        for i in 0..2 {
            for j in 0..3 {
                for k in 0..4 {
                    want.push(i + 2 * (j + 3 * k));
                }
            }
        }
        assert_eq!(got, want);
        let squeezed: Vec<usize> = ColumnMajorOffsets::new(&[1, 2, 1, 3, 1]).collect();
        assert_eq!(squeezed, vec![0, 2, 4, 1, 3, 5]);
        assert_eq!(ColumnMajorOffsets::new(&[0, 5]).count(), 0);
        assert_eq!(ColumnMajorOffsets::new(&[]).collect::<Vec<_>>(), vec![0]);
    }

    #[test]
    fn fortran_to_c_matches_naive_reordering() {
        for shape in [
            &[37, 5][..],
            &[3, 40_000],
            &[100, 2000],
            &[5, 37],
            &[16, 16],
            &[17, 1, 33],
            &[3, 4, 5],
            &[2, 3, 700, 2],
            &[1, 9],
            &[4, 0, 3],
        ] {
            let n: usize = shape.iter().product();
            let fortran: Vec<usize> = (0..n).collect();
            let naive: Vec<usize> = ColumnMajorOffsets::new(shape).collect();
            assert_eq!(fortran_to_c(fortran, shape), naive, "{shape:?}");
        }
    }

    #[test]
    fn header_parser_follows_python_literal_rules() {
        let parse = |s: &str| parse_header(s).map(|(h, big)| (h.shape, h.fortran_order, big));
        assert_eq!(
            parse("{'shape': (3), 'fortran_order': False, 'descr': '<f8'}").unwrap_err(),
            "header: 'shape' must be a tuple of integers such as (3,) or (2, 3), found 3"
        );
        assert_eq!(
            parse(" { \"shape\" : ( 2 , 3 , ) ,'fortran_order':True,'descr':'>f8',}\n  ").unwrap(),
            (vec![2, 3], true, true)
        );
        assert_eq!(
            parse("{'descr': '<i8', 'fortran_order': False, 'shape': (3L, 4L), }").unwrap(),
            (vec![3, 4], false, false)
        );
        assert!(
            parse(&format!(
                "{{'shape': {}3{}}}",
                "(".repeat(40),
                ")".repeat(40)
            ))
            .is_err()
        );
    }
}
