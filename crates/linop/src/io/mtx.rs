//! Matrix Market `.mtx` reading and writing, with the semantics of `scipy.io.mmread` /
//! `scipy.io.mmwrite`.
//!
//! A file starts with a banner, then `%` comment lines, a size line and one entry per line:
//!
//! ```text
//! %%MatrixMarket matrix coordinate real symmetric
//! % any number of comment lines (and blank lines)
//! 3 3 4
//! 1 1 2.0
//! 2 1 -1.0
//! 2 2 2.0
//! 3 3 5e-1
//! ```
//!
//! | banner word | accepted values |
//! |---|---|
//! | format | `coordinate` (triplets `i j value`, 1-based) or `array` (every value, column-major) |
//! | field | `real`, `integer`, `complex` (`i j re im`), `pattern` (`i j`, value 1; coordinate only) |
//! | symmetry | `general`, `symmetric`, `skew-symmetric`, `hermitian` (complex only) |
//!
//! Banner words are case-insensitive. A symmetric, skew-symmetric or Hermitian file lists
//! only the lower triangle (skew-symmetric: strictly lower); readers expand it to the full
//! matrix, mirroring each off-diagonal entry (negated for skew-symmetric, conjugated for
//! Hermitian). Listing an entry above the diagonal in such a file is an error, as is a
//! diagonal entry in a skew-symmetric file.
//!
//! Readers never panic on malformed input: every problem is an
//! [`Error::Format`] naming the file and the 1-based line. Coordinate
//! files may list the same position twice; [`read_mtx`] keeps both triplets and the CSR and
//! dense readers sum them, as scipy does. Explicitly listed zeros are kept.
//!
//! Where this reader and scipy's differ:
//! - stricter: an entry above the diagonal of a symmetric, skew-symmetric or Hermitian
//!   file, a diagonal entry of a skew-symmetric file, and extra words on an entry line are
//!   errors (scipy mirrors, keeps or ignores them);
//! - more lenient: `%` comment lines among the entries are skipped, numbers may carry a
//!   leading `+`, and a UTF-8 byte-order mark before the banner is ignored.
//!
//! Like scipy, a Hermitian file's diagonal is taken as listed (a non-zero imaginary part is
//! kept, not rejected).
//!
//! Writers go through [`atomic_write`](super::atomic_write) and print every number in
//! Rust's shortest round-trip form (`{:e}`), so writing and reading back is exact.
//!
//! ```
//! use cstk_linop::io::mtx::{read_mtx_from, write_mtx_to, MtxSymmetry};
//! use cstk_linop::CooMatrix;
//! let a = CooMatrix::<f64>::try_from_triplets(
//!     3, 3, vec![0, 1, 0, 1, 2], vec![0, 0, 1, 1, 2], vec![2.0, -1.0, -1.0, 2.0, 0.5])?;
//! let mut bytes = Vec::new();
//! write_mtx_to(&mut bytes, &a, MtxSymmetry::Symmetric)?; // stores the lower triangle only
//! let back = read_mtx_from::<f64, _>(bytes.as_slice(), "a.mtx")?;
//! assert_eq!(back.to_dense(), a.to_dense());
//! # Ok::<(), cstk_linop::Error>(())
//! ```

use crate::{CooMatrix, CsrMatrix, Error, Result, Scalar};
use nalgebra::DMatrix;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

// ------------------------------------------------------------------------------------------
// Header
// ------------------------------------------------------------------------------------------

/// How the entries are listed: the second word of the banner.
///
/// ```
/// use cstk_linop::io::mtx::MtxFormat;
/// assert_eq!(MtxFormat::Coordinate.to_string(), "coordinate");
/// assert_eq!(MtxFormat::Array.as_str(), "array");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MtxFormat {
    /// Sparse: one `row column value` triplet per line, 1-based, in any order.
    Coordinate,
    /// Dense: every value (of the stored triangle, for symmetric files), column by column.
    Array,
}

/// The type of the values: the third word of the banner.
///
/// ```
/// use cstk_linop::io::mtx::MtxField;
/// assert_eq!(MtxField::Pattern.to_string(), "pattern");
/// assert_eq!(MtxField::Complex.as_str(), "complex");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MtxField {
    /// One floating-point number per entry.
    Real,
    /// One integer per entry (read as the nearest value of the real type).
    Integer,
    /// Two floating-point numbers per entry: real and imaginary part.
    Complex,
    /// No value: every listed entry is 1 (coordinate format only).
    Pattern,
}

/// Which part of the matrix is stored: the fourth word of the banner.
///
/// ```
/// use cstk_linop::io::mtx::MtxSymmetry;
/// assert_eq!(MtxSymmetry::SkewSymmetric.to_string(), "skew-symmetric");
/// assert_eq!(MtxSymmetry::Hermitian.as_str(), "hermitian");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MtxSymmetry {
    /// Every entry is listed.
    General,
    /// `A = Aᵀ`; the lower triangle (diagonal included) is listed.
    Symmetric,
    /// `A = −Aᵀ`; the strictly lower triangle is listed (the diagonal is zero).
    SkewSymmetric,
    /// `A = Aᴴ` (complex only); the lower triangle (diagonal included) is listed.
    Hermitian,
}

impl MtxFormat {
    const ALL: &'static [Self] = &[Self::Coordinate, Self::Array];

    /// The banner word: `"coordinate"` or `"array"`.
    ///
    /// ```
    /// assert_eq!(cstk_linop::io::mtx::MtxFormat::Array.as_str(), "array");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            MtxFormat::Coordinate => "coordinate",
            MtxFormat::Array => "array",
        }
    }
}

impl MtxField {
    const ALL: &'static [Self] = &[Self::Real, Self::Integer, Self::Complex, Self::Pattern];

    /// The banner word: `"real"`, `"integer"`, `"complex"` or `"pattern"`.
    ///
    /// ```
    /// assert_eq!(cstk_linop::io::mtx::MtxField::Integer.as_str(), "integer");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            MtxField::Real => "real",
            MtxField::Integer => "integer",
            MtxField::Complex => "complex",
            MtxField::Pattern => "pattern",
        }
    }
}

impl MtxSymmetry {
    const ALL: &'static [Self] = &[
        Self::General,
        Self::Symmetric,
        Self::SkewSymmetric,
        Self::Hermitian,
    ];

    /// The banner word: `"general"`, `"symmetric"`, `"skew-symmetric"` or `"hermitian"`.
    ///
    /// ```
    /// assert_eq!(cstk_linop::io::mtx::MtxSymmetry::General.as_str(), "general");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            MtxSymmetry::General => "general",
            MtxSymmetry::Symmetric => "symmetric",
            MtxSymmetry::SkewSymmetric => "skew-symmetric",
            MtxSymmetry::Hermitian => "hermitian",
        }
    }
}

impl fmt::Display for MtxFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl fmt::Display for MtxField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl fmt::Display for MtxSymmetry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a Matrix Market file declares in its banner and size line.
///
/// `nnz` counts the entries listed in the file: for the coordinate format the third number
/// of the size line, for the array format the number of values (`m n` for general,
/// `n (n + 1) / 2` for symmetric and Hermitian, `n (n − 1) / 2` for skew-symmetric).
/// Symmetric files expand to up to twice as many stored entries.
///
/// ```
/// use cstk_linop::io::mtx::{read_mtx_header_from, MtxField, MtxFormat, MtxSymmetry};
/// let text = "%%MatrixMarket matrix array real symmetric\n3 3\n1\n2\n3\n4\n5\n6\n";
/// let h = read_mtx_header_from(text.as_bytes(), "s.mtx")?;
/// assert_eq!((h.format, h.field, h.symmetry), (MtxFormat::Array, MtxField::Real, MtxSymmetry::Symmetric));
/// assert_eq!((h.nrows, h.ncols, h.nnz), (3, 3, 6));
/// assert_eq!(h.to_string(), "%%MatrixMarket matrix array real symmetric");
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MtxHeader {
    /// Coordinate (sparse) or array (dense).
    pub format: MtxFormat,
    /// Value type.
    pub field: MtxField,
    /// Stored part of the matrix.
    pub symmetry: MtxSymmetry,
    /// Number of rows.
    pub nrows: usize,
    /// Number of columns.
    pub ncols: usize,
    /// Number of entries listed in the file (before symmetric expansion).
    pub nnz: usize,
}

/// Formats the banner line, e.g. `%%MatrixMarket matrix coordinate real general`.
impl fmt::Display for MtxHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "%%MatrixMarket matrix {} {} {}",
            self.format, self.field, self.symmetry
        )
    }
}

// ------------------------------------------------------------------------------------------
// Reading
// ------------------------------------------------------------------------------------------

/// Initial capacity limit for the triplet vectors: a size line can declare any count, so
/// memory grows with what the file really holds, never with what it claims.
const MAX_PREALLOC: usize = 1 << 20;

/// How many characters of an offending token an error message shows.
const SHOW_CHARS: usize = 40;

/// Reads the banner and size line of a Matrix Market file, without reading the entries.
///
/// Checks everything a full read checks up to the size line: the banner words and their
/// combination, and that a symmetric matrix is square. The dimensions are not checked
/// against the sparse formats' `u32` limit.
///
/// # Errors
/// [`Error::Io`] when the file cannot be opened or read (e.g. `NotFound`);
/// [`Error::Format`] with the line number for a malformed banner or size line.
///
/// ```
/// use cstk_linop::io::mtx::{read_mtx_header, write_mtx, MtxFormat, MtxSymmetry};
/// use cstk_linop::CooMatrix;
/// let dir = std::env::temp_dir().join(format!("cstk-doc-mtx-header-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("a.mtx");
/// let a = CooMatrix::<f64>::try_from_triplets(4, 6, vec![0, 3], vec![5, 0], vec![1.0, 2.0])?;
/// write_mtx(&path, &a, MtxSymmetry::General)?;
/// let h = read_mtx_header(&path)?;
/// assert_eq!((h.format, h.nrows, h.ncols, h.nnz), (MtxFormat::Coordinate, 4, 6, 2));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), cstk_linop::Error>(())
/// ```
pub fn read_mtx_header(path: &Path) -> Result<MtxHeader> {
    read_header_impl(&mut Lines::new(open(path)?), path)
}

/// [`read_mtx_header`] from any buffered reader; `name` stands for the file in errors.
///
/// # Errors
/// As [`read_mtx_header`]; I/O errors name `name`.
///
/// ```
/// use cstk_linop::io::mtx::read_mtx_header_from;
/// let h = read_mtx_header_from("%%MatrixMarket matrix coordinate pattern general\n2 3 0\n".as_bytes(), "p")?;
/// assert_eq!((h.nrows, h.ncols, h.nnz), (2, 3, 0));
/// let err = read_mtx_header_from("%%MatrixMarket matrix array pattern general\n".as_bytes(), "p");
/// assert!(err.unwrap_err().to_string().contains("p:1: the pattern field is only valid"));
/// # Ok::<(), cstk_linop::Error>(())
/// ```
pub fn read_mtx_header_from<R: BufRead>(reader: R, name: &str) -> Result<MtxHeader> {
    read_header_impl(&mut Lines::new(reader), Path::new(name))
}

/// Reads a Matrix Market file into triplets, as `scipy.io.mmread`.
///
/// Symmetric, skew-symmetric and Hermitian files are expanded to the full matrix; a
/// pattern file gives value 1 for every listed entry; an array file keeps its non-zero
/// values. Duplicate coordinate entries are kept as separate triplets (they are summed by
/// [`CooMatrix::to_csr`] and [`CooMatrix::to_dense`]).
///
/// Reading a `complex` file into a real `T` is an error (the imaginary part would be
/// lost); `real` and `integer` files read into a complex `T` with imaginary part 0. For
/// `f32` and `Complex<f32>` each number is rounded once, directly from its decimal text.
///
/// Memory grows with the entries the file really lists, whatever its size line claims.
///
/// # Errors
/// - [`Error::Io`] when the file cannot be opened or read (e.g. `NotFound`);
/// - [`Error::Format`] with the line number for anything malformed: the banner (missing,
///   unknown words, invalid combinations such as `array pattern` or `real hermitian`), the
///   size line, too few or too many entries, an entry with the wrong number of words, an
///   index that is zero or out of range, a value that is not a number, an entry above the
///   diagonal of a symmetric file, a diagonal entry of a skew-symmetric file, a non-square
///   symmetric matrix, a data line that is not UTF-8, or `complex` data for a real `T`;
/// - [`Error::InvalidSparse`] when a dimension exceeds `u32::MAX` (checked before any
///   entry is read).
///
/// ```
/// use cstk_linop::io::mtx::{read_mtx, write_mtx, MtxSymmetry};
/// use cstk_linop::CooMatrix;
/// let dir = std::env::temp_dir().join(format!("cstk-doc-mtx-read-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("a.mtx");
/// std::fs::write(&path, "%%MatrixMarket matrix coordinate real skew-symmetric\n3 3 1\n3 1 2.5\n").unwrap();
/// let a = read_mtx::<f64>(&path)?;
/// assert_eq!(a.nnz(), 2); // (3, 1) and its mirror (1, 3) = -2.5
/// assert_eq!(a.to_csr().get(0, 2), Some(-2.5));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), cstk_linop::Error>(())
/// ```
pub fn read_mtx<T: Scalar>(path: &Path) -> Result<CooMatrix<T>> {
    let mut lines = Lines::new(open(path)?);
    let header = read_head::<T, _>(&mut lines, path)?;
    read_body_coo(&mut lines, path, &header)
}

/// [`read_mtx`] from any buffered reader; `name` stands for the file in error messages.
///
/// # Errors
/// As [`read_mtx`]; I/O errors name `name`.
///
/// ```
/// use cstk_linop::io::mtx::read_mtx_from;
/// use cstk_linop::{Complex, Error};
/// let text = "%%MatrixMarket matrix coordinate complex hermitian\n\
///             % a 2x2 Hermitian matrix\n\
///             2 2 2\n\
///             1 1 3.0 0.0\n\
///             2 1 1.0 -2.0\n";
/// let a = read_mtx_from::<Complex<f64>, _>(text.as_bytes(), "h.mtx")?.to_dense();
/// assert_eq!(a[(1, 0)], Complex::new(1.0, -2.0));
/// assert_eq!(a[(0, 1)], Complex::new(1.0, 2.0)); // conjugated mirror
/// // the imaginary parts cannot go into a real matrix
/// let err = read_mtx_from::<f64, _>(text.as_bytes(), "h.mtx").unwrap_err();
/// assert!(matches!(err, Error::Format { line: Some(1), .. }));
/// # Ok::<(), cstk_linop::Error>(())
/// ```
pub fn read_mtx_from<T: Scalar, R: BufRead>(reader: R, name: &str) -> Result<CooMatrix<T>> {
    let path = Path::new(name);
    let mut lines = Lines::new(reader);
    let header = read_head::<T, _>(&mut lines, path)?;
    read_body_coo(&mut lines, path, &header)
}

/// Reads a Matrix Market file as a CSR matrix (duplicate entries summed, as
/// `scipy.io.mmread(path).tocsr()`). See [`read_mtx`] for the semantics and errors.
///
/// The row pointer takes `nrows + 1` words whatever the file lists, so a file declaring
/// billions of rows needs that much memory.
///
/// # Errors
/// As [`read_mtx`].
///
/// ```
/// use cstk_linop::io::mtx::read_mtx_csr;
/// let dir = std::env::temp_dir().join(format!("cstk-doc-mtx-csr-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("dup.mtx");
/// std::fs::write(&path, "%%MatrixMarket matrix coordinate integer general\n2 2 3\n1 2 4\n1 2 -1\n2 1 7\n").unwrap();
/// let a = read_mtx_csr::<f32>(&path)?;
/// assert_eq!((a.nnz(), a.get(0, 1), a.get(1, 0)), (2, Some(3.0), Some(7.0)));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), cstk_linop::Error>(())
/// ```
pub fn read_mtx_csr<T: Scalar>(path: &Path) -> Result<CsrMatrix<T>> {
    Ok(read_mtx::<T>(path)?.to_csr())
}

/// Reads a Matrix Market file as a dense matrix (duplicate entries summed, as
/// `scipy.io.mmread(path).toarray()`). See [`read_mtx`] for the semantics and errors.
///
/// An array file is read straight into the matrix, without triplets.
///
/// # Errors
/// As [`read_mtx`] (the `u32` dimension limit applies to coordinate files only), plus an
/// [`Error::Io`] of kind `OutOfMemory` when the `nrows × ncols` buffer cannot be allocated
/// (it is reserved fallibly, so a huge declared size does not abort the process).
///
/// ```
/// use cstk_linop::io::mtx::read_mtx_dense;
/// use cstk_linop::nalgebra::DMatrix;
/// let dir = std::env::temp_dir().join(format!("cstk-doc-mtx-dense-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("a.mtx");
/// // column-major: the first column is 1, 2, 3
/// std::fs::write(&path, "%%MatrixMarket matrix array real general\n3 2\n1\n2\n3\n4\n5\n6\n").unwrap();
/// let a = read_mtx_dense::<f64>(&path)?;
/// assert_eq!(a, DMatrix::from_row_slice(3, 2, &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), cstk_linop::Error>(())
/// ```
pub fn read_mtx_dense<T: Scalar>(path: &Path) -> Result<DMatrix<T>> {
    let mut lines = Lines::new(open(path)?);
    let h = read_head::<T, _>(&mut lines, path)?;
    if h.format == MtxFormat::Coordinate {
        let coo = read_body_coo::<T, _>(&mut lines, path, &h)?;
        let mut dense = dense_zeros::<T>(h.nrows, h.ncols, path)?;
        for (i, j, v) in coo.triplets() {
            dense[(i, j)] += v;
        }
        return Ok(dense);
    }
    // Array files go straight into the matrix: the values grow with what the file really
    // holds, and a general array is already in nalgebra's column-major order.
    let mut values = Vec::with_capacity(h.nnz.min(MAX_PREALLOC));
    read_array(&mut lines, path, &h, |_, _, v| values.push(v))?;
    if h.symmetry == MtxSymmetry::General {
        return Ok(DMatrix::from_vec(h.nrows, h.ncols, values));
    }
    let mut dense = dense_zeros::<T>(h.nrows, h.ncols, path)?;
    let mut walk = ArrayWalk::new(&h);
    for v in values {
        let (i, j) = walk.next_position();
        dense[(i, j)] = v;
        if i != j {
            dense[(j, i)] = mirror(h.symmetry, v);
        }
    }
    Ok(dense)
}

/// An `m × n` zero matrix, allocated fallibly: a size the system cannot provide is an
/// [`Error::Io`] of kind `OutOfMemory` rather than an abort.
fn dense_zeros<T: Scalar>(m: usize, n: usize, path: &Path) -> Result<DMatrix<T>> {
    let too_big = || Error::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::OutOfMemory,
            format!("cannot allocate a dense {m}x{n} {} matrix", T::NAME),
        ),
    };
    let len = m
        .checked_mul(n)
        .filter(|len| {
            len.checked_mul(T::BYTES)
                .is_some_and(|bytes| isize::try_from(bytes).is_ok())
        })
        .ok_or_else(too_big)?;
    let mut data = Vec::new();
    data.try_reserve_exact(len).map_err(|_| too_big())?;
    data.resize(len, T::zero());
    Ok(DMatrix::from_vec(m, n, data))
}

/// The banner and size line, checking that `T` can hold the field.
fn read_head<T: Scalar, R: BufRead>(lines: &mut Lines<R>, path: &Path) -> Result<MtxHeader> {
    let banner = parse_banner(lines, path)?;
    if banner.field == MtxField::Complex && !T::IS_COMPLEX {
        return Err(format_err(
            path,
            banner.line,
            format!(
                "the file holds complex values, which cannot be read into the real type {} \
                 without losing the imaginary part; read it as Complex<f32> or Complex<f64>",
                T::NAME
            ),
        ));
    }
    parse_size(lines, path, banner)
}

fn read_header_impl<R: BufRead>(lines: &mut Lines<R>, path: &Path) -> Result<MtxHeader> {
    let banner = parse_banner(lines, path)?;
    parse_size(lines, path, banner)
}

/// The entries after the size line, expanded into triplets.
fn read_body_coo<T: Scalar, R: BufRead>(
    lines: &mut Lines<R>,
    path: &Path,
    h: &MtxHeader,
) -> Result<CooMatrix<T>> {
    // Dimensions beyond the sparse formats' index limit are rejected before any entry is read.
    CooMatrix::<T>::new(h.nrows, h.ncols)?;
    let mut body = Body::<T>::new(h);
    match h.format {
        MtxFormat::Coordinate => read_coordinate(lines, path, h, &mut body)?,
        MtxFormat::Array => read_array(lines, path, h, |i, j, v| {
            if v != T::zero() {
                body.place(i, j, v);
            }
        })?,
    }
    CooMatrix::try_from_triplets(h.nrows, h.ncols, body.rows, body.cols, body.vals)
}

fn open(path: &Path) -> Result<BufReader<File>> {
    File::open(path)
        .map(|f| BufReader::with_capacity(1 << 16, f))
        .map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
}

fn format_err(path: &Path, line: usize, reason: impl Into<String>) -> Error {
    Error::Format {
        path: path.to_path_buf(),
        line: Some(line),
        reason: reason.into(),
    }
}

/// A token as shown in an error: at most [`SHOW_CHARS`] characters, escaped, in backticks.
fn show(token: &str) -> String {
    match token.char_indices().nth(SHOW_CHARS) {
        Some((cut, _)) => format!("`{}…`", token[..cut].escape_debug()),
        None => format!("`{}`", token.escape_debug()),
    }
}

/// Line-by-line access with 1-based line numbers, skipping comments and blank lines.
struct Lines<R> {
    reader: R,
    buf: Vec<u8>,
    /// Number of the line in `buf` (0 before the first read); at end of file, the number
    /// of the last line.
    line: usize,
}

impl<R: BufRead> Lines<R> {
    fn new(reader: R) -> Self {
        Self {
            reader,
            buf: Vec::new(),
            line: 0,
        }
    }

    /// Reads the next physical line into `buf`; `false` at end of file.
    fn next_raw(&mut self, path: &Path) -> Result<bool> {
        self.buf.clear();
        let n = self
            .reader
            .read_until(b'\n', &mut self.buf)
            .map_err(|source| Error::Io {
                path: path.to_path_buf(),
                source,
            })?;
        if n == 0 {
            return Ok(false);
        }
        self.line += 1;
        Ok(true)
    }

    /// The next line that is neither blank nor a `%` comment, with its number, as raw bytes
    /// (comments may be in any encoding; data lines are checked by [`text`]).
    fn next_data(&mut self, path: &Path) -> Result<Option<(usize, &[u8])>> {
        while self.next_raw(path)? {
            match self.buf.iter().find(|b| !b.is_ascii_whitespace()) {
                None | Some(b'%') => {}
                Some(_) => return Ok(Some((self.line, &self.buf))),
            }
        }
        Ok(None)
    }
}

/// A data line as text; Matrix Market data is ASCII, so invalid UTF-8 is an error.
fn text<'a>(bytes: &'a [u8], path: &Path, line: usize) -> Result<&'a str> {
    std::str::from_utf8(bytes)
        .map_err(|_| format_err(path, line, "the line is not valid UTF-8 text"))
}

/// The banner words, with the line they were read from.
#[derive(Clone, Copy)]
struct Banner {
    format: MtxFormat,
    field: MtxField,
    symmetry: MtxSymmetry,
    line: usize,
}

const BANNER_SHAPE: &str = "`%%MatrixMarket matrix <format> <field> <symmetry>`";

fn parse_banner<R: BufRead>(lines: &mut Lines<R>, path: &Path) -> Result<Banner> {
    if !lines.next_raw(path)? {
        return Err(format_err(
            path,
            1,
            format!("the file is empty; expected the banner {BANNER_SHAPE}"),
        ));
    }
    let line = lines.line;
    let bytes = lines
        .buf
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&lines.buf);
    let s = text(bytes, path, line)?;
    let mut words = s.split_ascii_whitespace();
    match words.next() {
        Some(w) if w.eq_ignore_ascii_case("%%MatrixMarket") => {}
        _ => {
            return Err(format_err(
                path,
                line,
                format!(
                    "missing `%%MatrixMarket` banner: the first line must be {BANNER_SHAPE}, found {}",
                    show(s.trim())
                ),
            ));
        }
    }
    let mut next = |what: &str| {
        words.next().ok_or_else(|| {
            format_err(
                path,
                line,
                format!("incomplete banner: the {what} is missing; expected {BANNER_SHAPE}"),
            )
        })
    };
    let object = next("object")?;
    let format = next("format")?;
    let field = next("field")?;
    let symmetry = next("symmetry")?;
    if !object.eq_ignore_ascii_case("matrix") {
        return Err(format_err(
            path,
            line,
            format!(
                "unsupported object {}: only `matrix` is supported",
                show(object)
            ),
        ));
    }
    let format = banner_word(format, "format", MtxFormat::ALL, MtxFormat::as_str);
    let field = banner_word(field, "field", MtxField::ALL, MtxField::as_str);
    let symmetry = banner_word(symmetry, "symmetry", MtxSymmetry::ALL, MtxSymmetry::as_str);
    let (format, field, symmetry) = match (format, field, symmetry) {
        (Ok(format), Ok(field), Ok(symmetry)) => (format, field, symmetry),
        (Err(reason), _, _) | (_, Err(reason), _) | (_, _, Err(reason)) => {
            return Err(format_err(path, line, reason));
        }
    };
    if let Some(extra) = words.next() {
        return Err(format_err(
            path,
            line,
            format!(
                "unexpected word {} after the symmetry; expected {BANNER_SHAPE}",
                show(extra)
            ),
        ));
    }
    if field == MtxField::Pattern && format == MtxFormat::Array {
        return Err(format_err(
            path,
            line,
            "the pattern field is only valid with the coordinate format",
        ));
    }
    if symmetry == MtxSymmetry::Hermitian && field != MtxField::Complex {
        return Err(format_err(
            path,
            line,
            format!("the hermitian symmetry needs the complex field, found `{field}`"),
        ));
    }
    if symmetry == MtxSymmetry::SkewSymmetric && field == MtxField::Pattern {
        return Err(format_err(
            path,
            line,
            "the skew-symmetric symmetry is not valid with the pattern field (a pattern has no values to negate)",
        ));
    }
    Ok(Banner {
        format,
        field,
        symmetry,
        line,
    })
}

/// The value among `all` whose banner word is `word` (ignoring ASCII case), or the
/// error message listing the valid words.
fn banner_word<V: Copy>(
    word: &str,
    what: &str,
    all: &[V],
    name: fn(V) -> &'static str,
) -> std::result::Result<V, String> {
    all.iter()
        .copied()
        .find(|&v| word.eq_ignore_ascii_case(name(v)))
        .ok_or_else(|| {
            let names: Vec<String> = all.iter().map(|&v| format!("`{}`", name(v))).collect();
            let (last, rest) = names
                .split_last()
                .map_or(("", &[][..]), |(l, r)| (l.as_str(), r));
            format!(
                "unknown {what} {}: expected {} or {last}",
                show(word),
                rest.join(", ")
            )
        })
}

/// Reads the size line (skipping comments and blank lines) and completes the header.
fn parse_size<R: BufRead>(lines: &mut Lines<R>, path: &Path, b: Banner) -> Result<MtxHeader> {
    let shape = match b.format {
        MtxFormat::Coordinate => "`<rows> <columns> <entries>`",
        MtxFormat::Array => "`<rows> <columns>`",
    };
    let Some((line, bytes)) = lines.next_data(path)? else {
        return Err(format_err(
            path,
            lines.line.max(1),
            format!("unexpected end of file: expected the size line {shape}"),
        ));
    };
    let s = text(bytes, path, line)?;
    let mut words = [""; 4];
    let count = split_words(s, &mut words);
    let want = match b.format {
        MtxFormat::Coordinate => 3,
        MtxFormat::Array => 2,
    };
    if count != want {
        return Err(format_err(
            path,
            line,
            format!(
                "the size line must be {shape} for the {} format, found {count} word{}: {}",
                b.format,
                if count == 1 { "" } else { "s" },
                show(s.trim())
            ),
        ));
    }
    let number = |word: &str, what: &str| {
        word.parse::<usize>().map_err(|_| {
            format_err(
                path,
                line,
                format!(
                    "invalid number of {what} {} on the size line: expected a non-negative integer",
                    show(word)
                ),
            )
        })
    };
    let nrows = number(words[0], "rows")?;
    let ncols = number(words[1], "columns")?;
    if b.symmetry != MtxSymmetry::General && nrows != ncols {
        return Err(format_err(
            path,
            line,
            format!(
                "a {} matrix must be square, but the size line declares {nrows} rows and {ncols} columns",
                b.symmetry
            ),
        ));
    }
    let nnz = match b.format {
        MtxFormat::Coordinate => number(words[2], "entries")?,
        MtxFormat::Array => {
            let n = ncols;
            match b.symmetry {
                MtxSymmetry::General => nrows.checked_mul(ncols),
                MtxSymmetry::Symmetric | MtxSymmetry::Hermitian => n
                    .checked_add(1)
                    .and_then(|n1| n.checked_mul(n1))
                    .map(|t| t / 2),
                MtxSymmetry::SkewSymmetric => n.checked_mul(n.saturating_sub(1)).map(|t| t / 2),
            }
            .ok_or_else(|| {
                format_err(
                    path,
                    line,
                    format!("an array of {nrows}x{ncols} values is too large to address"),
                )
            })?
        }
    };
    Ok(MtxHeader {
        format: b.format,
        field: b.field,
        symmetry: b.symmetry,
        nrows,
        ncols,
        nnz,
    })
}

/// Splits on ASCII whitespace, storing up to `out.len()` words; returns the total count.
fn split_words<'a>(s: &'a str, out: &mut [&'a str]) -> usize {
    let mut count = 0;
    for w in s.split_ascii_whitespace() {
        if let Some(slot) = out.get_mut(count) {
            *slot = w;
        }
        count += 1;
    }
    count
}

/// The expanded triplets being collected.
struct Body<T> {
    rows: Vec<usize>,
    cols: Vec<usize>,
    vals: Vec<T>,
    symmetry: MtxSymmetry,
}

impl<T: Scalar> Body<T> {
    fn new(h: &MtxHeader) -> Self {
        let per_entry = if h.symmetry == MtxSymmetry::General {
            1
        } else {
            2
        };
        let cap = h.nnz.saturating_mul(per_entry).min(MAX_PREALLOC);
        Self {
            rows: Vec::with_capacity(cap),
            cols: Vec::with_capacity(cap),
            vals: Vec::with_capacity(cap),
            symmetry: h.symmetry,
        }
    }

    fn push(&mut self, i: usize, j: usize, v: T) {
        self.rows.push(i);
        self.cols.push(j);
        self.vals.push(v);
    }

    /// Stores `(i, j) = v` (0-based, in range, `j <= i` unless general) and its mirror.
    fn place(&mut self, i: usize, j: usize, v: T) {
        self.push(i, j, v);
        if i != j && self.symmetry != MtxSymmetry::General {
            self.push(j, i, mirror(self.symmetry, v));
        }
    }
}

/// The value at `(j, i)` implied by `v` at `(i, j)`.
fn mirror<T: Scalar>(symmetry: MtxSymmetry, v: T) -> T {
    match symmetry {
        MtxSymmetry::General | MtxSymmetry::Symmetric => v,
        MtxSymmetry::SkewSymmetric => -v,
        MtxSymmetry::Hermitian => v.conjugate(),
    }
}

/// The positions of an array file's values in listing order: column by column, each
/// column from its first stored row (0, the diagonal, or below it for skew-symmetric).
struct ArrayWalk {
    i: usize,
    j: usize,
    nrows: usize,
    ncols: usize,
    symmetry: MtxSymmetry,
}

impl ArrayWalk {
    fn new(h: &MtxHeader) -> Self {
        let mut walk = Self {
            i: 0,
            j: 0,
            nrows: h.nrows,
            ncols: h.ncols,
            symmetry: h.symmetry,
        };
        walk.i = walk.first_row(0);
        walk
    }

    fn first_row(&self, j: usize) -> usize {
        match self.symmetry {
            MtxSymmetry::General => 0,
            MtxSymmetry::Symmetric | MtxSymmetry::Hermitian => j,
            MtxSymmetry::SkewSymmetric => j.saturating_add(1),
        }
    }

    /// The position of the next value. Only called as many times as the header's `nnz`,
    /// which counts exactly the stored positions, so the position is always in range.
    fn next_position(&mut self) -> (usize, usize) {
        let position = (self.i, self.j);
        self.i += 1;
        while self.i >= self.nrows && self.j < self.ncols {
            self.j += 1;
            self.i = self.first_row(self.j);
        }
        position
    }
}

/// `true` when `T`'s real type is `f32` (numbers are then parsed as `f32`, rounding once).
fn real_is_f32<T: Scalar>() -> bool {
    std::mem::size_of::<T::RealField>() == 4
}

/// Parses a floating-point word with the precision of `T`'s real type, widened to `f64`
/// exactly. Accepts everything Rust's `parse` does, `nan` and `inf` included.
fn parse_real<T: Scalar>(word: &str) -> Option<f64> {
    if real_is_f32::<T>() {
        word.parse::<f32>().ok().map(f64::from)
    } else {
        word.parse::<f64>().ok()
    }
}

/// An `integer` field value, rounded once to `T`'s real type and widened to `f64` exactly.
fn parse_integer<T: Scalar>(word: &str) -> Option<f64> {
    let v = word.parse::<i64>().ok()?;
    Some(if real_is_f32::<T>() {
        f64::from(v as f32)
    } else {
        v as f64
    })
}

/// Number of value words per entry for `field`.
fn value_words(field: MtxField) -> usize {
    match field {
        MtxField::Pattern => 0,
        MtxField::Real | MtxField::Integer => 1,
        MtxField::Complex => 2,
    }
}

/// Parses the value words of an entry (their count already checked).
fn parse_value<T: Scalar>(field: MtxField, words: &[&str], path: &Path, line: usize) -> Result<T> {
    let bad = |word: &str, what: &str, expected: &str| {
        format_err(
            path,
            line,
            format!("invalid {what} {}: expected {expected}", show(word)),
        )
    };
    match field {
        MtxField::Pattern => Ok(T::one()),
        MtxField::Real => parse_real::<T>(words[0])
            .map(|re| T::from_f64_parts(re, 0.0))
            .ok_or_else(|| bad(words[0], "value", "a real number")),
        MtxField::Integer => parse_integer::<T>(words[0])
            .map(|re| T::from_f64_parts(re, 0.0))
            .ok_or_else(|| bad(words[0], "value", "an integer (the field is `integer`)")),
        MtxField::Complex => {
            let re = parse_real::<T>(words[0])
                .ok_or_else(|| bad(words[0], "real part", "a real number"))?;
            let im = parse_real::<T>(words[1])
                .ok_or_else(|| bad(words[1], "imaginary part", "a real number"))?;
            Ok(T::from_f64_parts(re, im))
        }
    }
}

/// Parses a 1-based index in `1..=dim` and returns it 0-based.
fn parse_index(word: &str, what: &str, dim: usize, path: &Path, line: usize) -> Result<usize> {
    let range = |idx: &str| {
        if dim == 0 {
            format!("{what} index {idx} out of range: the matrix has no {what}s")
        } else {
            format!("{what} index {idx} out of range 1..={dim}")
        }
    };
    match word.parse::<usize>() {
        Ok(0) => Err(format_err(
            path,
            line,
            format!("{} (Matrix Market indices start at 1)", range("0")),
        )),
        Ok(k) if k <= dim => Ok(k - 1),
        Ok(k) => Err(format_err(path, line, range(&k.to_string()))),
        Err(_) if !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()) => {
            Err(format_err(path, line, range(&show(word))))
        }
        Err(_) => Err(format_err(
            path,
            line,
            format!(
                "invalid {what} index {}: expected an integer in 1..={dim}",
                show(word)
            ),
        )),
    }
}

fn fields_description(h: &MtxHeader) -> &'static str {
    match (h.format, h.field) {
        (MtxFormat::Coordinate, MtxField::Pattern) => "`row column`",
        (MtxFormat::Coordinate, MtxField::Complex) => "`row column real imaginary`",
        (MtxFormat::Coordinate, _) => "`row column value`",
        (MtxFormat::Array, MtxField::Complex) => "`real imaginary`",
        (MtxFormat::Array, _) => "`value`",
    }
}

fn wrong_field_count(h: &MtxHeader, found: usize, path: &Path, line: usize) -> Error {
    let want = match h.format {
        MtxFormat::Coordinate => 2 + value_words(h.field),
        MtxFormat::Array => value_words(h.field),
    };
    format_err(
        path,
        line,
        format!(
            "expected {want} word{} per entry in a `{} {}` file ({}), found {found}",
            if want == 1 { "" } else { "s" },
            h.format,
            h.field,
            fields_description(h)
        ),
    )
}

/// How many entries the header calls for, in words.
fn declared(h: &MtxHeader) -> String {
    match h.format {
        MtxFormat::Coordinate => format!("the size line declares {}", h.nnz),
        MtxFormat::Array => format!(
            "a {}x{} {} array lists {}",
            h.nrows, h.ncols, h.symmetry, h.nnz
        ),
    }
}

fn too_few(h: &MtxHeader, listed: usize, path: &Path, last_line: usize) -> Error {
    let declared = declared(h);
    format_err(
        path,
        last_line.max(1),
        format!("unexpected end of file: too few entries: {declared}, the file lists {listed}"),
    )
}

/// After the last declared entry only comments and blank lines may follow.
fn check_no_more<R: BufRead>(lines: &mut Lines<R>, path: &Path, h: &MtxHeader) -> Result<()> {
    let Some((first_extra, _)) = lines.next_data(path)? else {
        return Ok(());
    };
    let mut listed = h.nnz + 1;
    while lines.next_data(path)?.is_some() {
        listed += 1;
    }
    let declared = declared(h);
    Err(format_err(
        path,
        first_extra,
        format!("too many entries: {declared}, the file lists {listed}"),
    ))
}

fn read_coordinate<T: Scalar, R: BufRead>(
    lines: &mut Lines<R>,
    path: &Path,
    h: &MtxHeader,
    body: &mut Body<T>,
) -> Result<()> {
    let want = 2 + value_words(h.field);
    for listed in 0..h.nnz {
        let Some((line, bytes)) = lines.next_data(path)? else {
            return Err(too_few(h, listed, path, lines.line));
        };
        let s = text(bytes, path, line)?;
        let mut words = [""; 4];
        let count = split_words(s, &mut words);
        if count != want {
            return Err(wrong_field_count(h, count, path, line));
        }
        let i = parse_index(words[0], "row", h.nrows, path, line)?;
        let j = parse_index(words[1], "column", h.ncols, path, line)?;
        let v = parse_value::<T>(h.field, &words[2..want], path, line)?;
        if h.symmetry != MtxSymmetry::General {
            if j > i {
                return Err(format_err(
                    path,
                    line,
                    format!(
                        "entry ({}, {}) lies above the diagonal in a {} file, which lists only the lower triangle",
                        i + 1,
                        j + 1,
                        h.symmetry
                    ),
                ));
            }
            if i == j && h.symmetry == MtxSymmetry::SkewSymmetric {
                return Err(format_err(
                    path,
                    line,
                    format!(
                        "diagonal entry ({}, {}) in a skew-symmetric file: the diagonal is zero and must not be listed",
                        i + 1,
                        j + 1
                    ),
                ));
            }
        }
        body.place(i, j, v);
    }
    check_no_more(lines, path, h)
}

/// Reads an array file's values, passing each with its position to `store`.
fn read_array<T: Scalar, R: BufRead>(
    lines: &mut Lines<R>,
    path: &Path,
    h: &MtxHeader,
    mut store: impl FnMut(usize, usize, T),
) -> Result<()> {
    let want = value_words(h.field);
    let mut walk = ArrayWalk::new(h);
    for listed in 0..h.nnz {
        let Some((line, bytes)) = lines.next_data(path)? else {
            return Err(too_few(h, listed, path, lines.line));
        };
        let s = text(bytes, path, line)?;
        let mut words = [""; 2];
        let count = split_words(s, &mut words);
        if count != want {
            return Err(wrong_field_count(h, count, path, line));
        }
        let v = parse_value::<T>(h.field, &words[..want], path, line)?;
        let (i, j) = walk.next_position();
        store(i, j, v);
    }
    check_no_more(lines, path, h)
}

// ------------------------------------------------------------------------------------------
// Writing
// ------------------------------------------------------------------------------------------

/// The name in errors of the writers that take a `Write` rather than a path.
const MEMORY: &str = "<memory>";

/// Writes a sparse matrix in coordinate format (`real` field for `f32`/`f64`, `complex`
/// for complex types), duplicates summed first.
///
/// With [`MtxSymmetry::Symmetric`], [`SkewSymmetric`](MtxSymmetry::SkewSymmetric) or
/// [`Hermitian`](MtxSymmetry::Hermitian) only the lower triangle is written (strictly lower
/// for skew-symmetric), after checking that the matrix really has that symmetry (exactly,
/// entry by entry). The file is replaced atomically: on any error it is left as it was.
///
/// # Errors
/// - [`Error::ShapeMismatch`] for a non-square matrix with a symmetry other than general;
/// - [`Error::InvalidParam`] (`symmetry`) when the matrix lacks the symmetry, naming the
///   first offending entry in row-major order with 0-based indices (NaN never has a
///   symmetry), or for `Hermitian` with a real `T`;
/// - [`Error::Io`] when the file cannot be written.
///
/// ```
/// use cstk_linop::io::mtx::{read_mtx, write_mtx, MtxSymmetry};
/// use cstk_linop::CooMatrix;
/// let dir = std::env::temp_dir().join(format!("cstk-doc-mtx-write-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("a.mtx");
/// let a = CooMatrix::<f32>::try_from_triplets(2, 2, vec![0, 1, 0], vec![1, 0, 0], vec![0.1, 0.1, 3.0])?;
/// write_mtx(&path, &a, MtxSymmetry::Symmetric)?;
/// assert!(std::fs::read_to_string(&path).unwrap().contains("\n2 2 2\n"));
/// assert_eq!(read_mtx::<f32>(&path)?.to_dense(), a.to_dense());
/// // not skew-symmetric: the error names A[(0, 0)]
/// let err = write_mtx(&path, &a, MtxSymmetry::SkewSymmetric).unwrap_err();
/// assert!(err.to_string().contains("A[(0, 0)]"));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), cstk_linop::Error>(())
/// ```
pub fn write_mtx<T: Scalar>(path: &Path, a: &CooMatrix<T>, symmetry: MtxSymmetry) -> Result<()> {
    write_mtx_csr(path, &a.to_csr(), symmetry)
}

/// [`write_mtx`] for a CSR matrix (already duplicate-free).
///
/// # Errors
/// As [`write_mtx`].
///
/// ```
/// use cstk_linop::io::mtx::{read_mtx_csr, write_mtx_csr, MtxSymmetry};
/// use cstk_linop::{Complex, CsrMatrix};
/// let dir = std::env::temp_dir().join(format!("cstk-doc-mtx-wcsr-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("h.mtx");
/// let z = |re, im| Complex::new(re, im);
/// let a = CsrMatrix::try_from_raw_parts(2, 2, vec![0, 2, 4], vec![0, 1, 0, 1],
///     vec![z(2.0, 0.0), z(1.0, 1.0), z(1.0, -1.0), z(5.0, 0.0)])?;
/// write_mtx_csr(&path, &a, MtxSymmetry::Hermitian)?;
/// assert_eq!(read_mtx_csr::<Complex<f64>>(&path)?, a);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), cstk_linop::Error>(())
/// ```
pub fn write_mtx_csr<T: Scalar>(
    path: &Path,
    a: &CsrMatrix<T>,
    symmetry: MtxSymmetry,
) -> Result<()> {
    check_symmetry(a, symmetry)?;
    super::atomic_write(path, |w| emit_coordinate(w, a, symmetry))
}

/// Writes a dense matrix in array format (general symmetry), column by column. The file
/// is replaced atomically: on error it is left as it was.
///
/// # Errors
/// [`Error::Io`] when the file cannot be written.
///
/// ```
/// use cstk_linop::io::mtx::{read_mtx_dense, write_mtx_dense};
/// use cstk_linop::nalgebra::DMatrix;
/// let dir = std::env::temp_dir().join(format!("cstk-doc-mtx-wdense-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("d.mtx");
/// let a = DMatrix::from_row_slice(2, 3, &[1.0, 0.0, -2.5, 1e-300, f64::INFINITY, 0.1]);
/// write_mtx_dense(&path, &a)?;
/// assert_eq!(read_mtx_dense::<f64>(&path)?, a);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), cstk_linop::Error>(())
/// ```
pub fn write_mtx_dense<T: Scalar>(path: &Path, a: &DMatrix<T>) -> Result<()> {
    super::atomic_write(path, |w| emit_array(w, a))
}

/// [`write_mtx`] into any writer (buffered internally). The symmetry is checked before
/// anything is written.
///
/// # Errors
/// As [`write_mtx`]; I/O errors name `<memory>`.
///
/// ```
/// use cstk_linop::io::mtx::{write_mtx_to, MtxSymmetry};
/// use cstk_linop::CooMatrix;
/// let a = CooMatrix::<f64>::try_from_triplets(2, 3, vec![1, 0], vec![2, 0], vec![0.5, -1.0])?;
/// let mut out = Vec::new();
/// write_mtx_to(&mut out, &a, MtxSymmetry::General)?;
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     "%%MatrixMarket matrix coordinate real general\n% written by cstk\n2 3 2\n1 1 -1e0\n2 3 5e-1\n"
/// );
/// # Ok::<(), cstk_linop::Error>(())
/// ```
pub fn write_mtx_to<T: Scalar, W: Write>(
    writer: W,
    a: &CooMatrix<T>,
    symmetry: MtxSymmetry,
) -> Result<()> {
    write_mtx_csr_to(writer, &a.to_csr(), symmetry)
}

/// [`write_mtx_csr`] into any writer (buffered internally). The symmetry is checked
/// before anything is written.
///
/// # Errors
/// As [`write_mtx`]; I/O errors name `<memory>`.
///
/// ```
/// use cstk_linop::io::mtx::{write_mtx_csr_to, MtxSymmetry};
/// use cstk_linop::CsrMatrix;
/// let a = CsrMatrix::<f64>::try_from_raw_parts(2, 2, vec![0, 1, 2], vec![1, 0], vec![3.0, -3.0])?;
/// let mut out = Vec::new();
/// write_mtx_csr_to(&mut out, &a, MtxSymmetry::SkewSymmetric)?;
/// assert!(String::from_utf8(out).unwrap().ends_with("2 2 1\n2 1 -3e0\n"));
/// # Ok::<(), cstk_linop::Error>(())
/// ```
pub fn write_mtx_csr_to<T: Scalar, W: Write>(
    writer: W,
    a: &CsrMatrix<T>,
    symmetry: MtxSymmetry,
) -> Result<()> {
    check_symmetry(a, symmetry)?;
    write_buffered(writer, |w| emit_coordinate(w, a, symmetry))
}

/// [`write_mtx_dense`] into any writer (buffered internally).
///
/// # Errors
/// [`Error::Io`] naming `<memory>` when writing fails.
///
/// ```
/// use cstk_linop::io::mtx::write_mtx_dense_to;
/// use cstk_linop::{nalgebra::DMatrix, Complex};
/// let a = DMatrix::from_column_slice(2, 1, &[Complex::new(1.0f32, -0.5), Complex::new(0.0, 0.0)]);
/// let mut out = Vec::new();
/// write_mtx_dense_to(&mut out, &a)?;
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     "%%MatrixMarket matrix array complex general\n% written by cstk\n2 1\n1e0 -5e-1\n0e0 0e0\n"
/// );
/// # Ok::<(), cstk_linop::Error>(())
/// ```
pub fn write_mtx_dense_to<T: Scalar, W: Write>(writer: W, a: &DMatrix<T>) -> Result<()> {
    write_buffered(writer, |w| emit_array(w, a))
}

fn write_buffered<W: Write>(
    writer: W,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let mut w = BufWriter::new(writer);
    fill(&mut w)
        .and_then(|()| w.flush())
        .map_err(|source| Error::Io {
            path: PathBuf::from(MEMORY),
            source,
        })
}

fn field_of<T: Scalar>() -> MtxField {
    if T::IS_COMPLEX {
        MtxField::Complex
    } else {
        MtxField::Real
    }
}

/// Writes `re` (and `im` for complex `T`) in the shortest form that reads back exactly.
fn write_value<T: Scalar>(w: &mut dyn Write, v: T) -> std::io::Result<()> {
    let c = v.to_c64();
    let f32_parts = real_is_f32::<T>();
    let part = |w: &mut dyn Write, x: f64| {
        if f32_parts {
            write!(w, "{:e}", x as f32)
        } else {
            write!(w, "{x:e}")
        }
    };
    part(w, c.re)?;
    if T::IS_COMPLEX {
        w.write_all(b" ")?;
        part(w, c.im)?;
    }
    Ok(())
}

/// A value as shown in an error message (shortest round-trip form).
fn show_value<T: Scalar>(v: T) -> String {
    let mut out = Vec::new();
    // Writing into a `Vec` cannot fail.
    let _ = write_value(&mut out, v);
    let s = String::from_utf8_lossy(&out).into_owned();
    if T::IS_COMPLEX {
        format!("({})", s.replace(' ', ", "))
    } else {
        s
    }
}

fn has_nan<T: Scalar>(v: T) -> bool {
    let c = v.to_c64();
    c.re.is_nan() || c.im.is_nan()
}

/// Checks that `a` has `symmetry`, exactly; the error names the first offending entry in
/// row-major order.
fn check_symmetry<T: Scalar>(a: &CsrMatrix<T>, symmetry: MtxSymmetry) -> Result<()> {
    if symmetry == MtxSymmetry::General {
        return Ok(());
    }
    if a.nrows() != a.ncols() {
        return Err(Error::ShapeMismatch {
            context: format!("writing a {symmetry} Matrix Market file"),
            expected: "a square matrix".into(),
            got: format!("{}x{}", a.nrows(), a.ncols()),
        });
    }
    if symmetry == MtxSymmetry::Hermitian && !T::IS_COMPLEX {
        return Err(Error::InvalidParam {
            name: "symmetry",
            value: symmetry.to_string(),
            expected: format!(
                "general, symmetric or skew-symmetric for the real type {} (hermitian needs a complex type)",
                T::NAME
            ),
        });
    }
    let (relation, mirror): (&str, fn(T) -> T) = match symmetry {
        MtxSymmetry::Symmetric => ("A[(i, j)] = A[(j, i)]", |v| v),
        MtxSymmetry::SkewSymmetric => ("A[(i, j)] = -A[(j, i)]", |v| -v),
        _ => ("A[(i, j)] = conj(A[(j, i)])", |v| v.conjugate()),
    };
    let at = a.transpose();
    for i in 0..a.nrows() {
        let (aj, av) = a.row(i);
        let (tj, tv) = at.row(i); // entries A[(j, i)] for the j in `tj`
        let (mut p, mut q) = (0, 0);
        while p < aj.len() || q < tj.len() {
            // Column indices are below `u32::MAX`, so `usize::MAX` marks an exhausted row.
            let ja = aj.get(p).map_or(usize::MAX, |&j| j as usize);
            let jt = tj.get(q).map_or(usize::MAX, |&j| j as usize);
            let j = ja.min(jt);
            let x = if ja == j { av[p] } else { T::zero() };
            let y = if jt == j { tv[q] } else { T::zero() };
            if x != mirror(y) {
                let why = if has_nan(x) || has_nan(y) {
                    " (NaN equals nothing, so a matrix holding NaN has no symmetry)".to_string()
                } else if i == j && symmetry == MtxSymmetry::SkewSymmetric {
                    " is not zero".to_string()
                } else if i == j {
                    " is not real".to_string()
                } else {
                    format!(" but A[({j}, {i})] = {}", show_value(y))
                };
                return Err(Error::InvalidParam {
                    name: "symmetry",
                    value: symmetry.to_string(),
                    expected: format!(
                        "a matrix with {relation} for all i, j; A[({i}, {j})] = {}{why}",
                        show_value(x)
                    ),
                });
            }
            p += usize::from(ja == j);
            q += usize::from(jt == j);
        }
    }
    Ok(())
}

fn emit_coordinate<T: Scalar>(
    w: &mut dyn Write,
    a: &CsrMatrix<T>,
    symmetry: MtxSymmetry,
) -> std::io::Result<()> {
    let keep = |i: usize, j: usize| match symmetry {
        MtxSymmetry::General => true,
        MtxSymmetry::Symmetric | MtxSymmetry::Hermitian => j <= i,
        MtxSymmetry::SkewSymmetric => j < i,
    };
    let nnz = if symmetry == MtxSymmetry::General {
        a.nnz()
    } else {
        (0..a.nrows())
            .map(|i| a.row(i).0.iter().filter(|&&j| keep(i, j as usize)).count())
            .sum()
    };
    writeln!(
        w,
        "%%MatrixMarket matrix coordinate {} {symmetry}",
        field_of::<T>()
    )?;
    writeln!(w, "% written by cstk")?;
    writeln!(w, "{} {} {nnz}", a.nrows(), a.ncols())?;
    for i in 0..a.nrows() {
        let (idx, val) = a.row(i);
        for (&j, &v) in idx.iter().zip(val) {
            let j = j as usize;
            if keep(i, j) {
                write!(w, "{} {} ", i + 1, j + 1)?;
                write_value(w, v)?;
                w.write_all(b"\n")?;
            }
        }
    }
    Ok(())
}

fn emit_array<T: Scalar>(w: &mut dyn Write, a: &DMatrix<T>) -> std::io::Result<()> {
    writeln!(w, "%%MatrixMarket matrix array {} general", field_of::<T>())?;
    writeln!(w, "% written by cstk")?;
    writeln!(w, "{} {}", a.nrows(), a.ncols())?;
    // nalgebra stores column-major: `iter` walks column by column, as the format wants.
    for &v in a.iter() {
        write_value(w, v)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}
