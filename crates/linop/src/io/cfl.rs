//! BART's `.cfl`/`.hdr` array format: complex single-precision arrays in column-major order.
//!
//! An array `NAME` is stored in two files:
//!
//! * `NAME.hdr`, text: a line `# Dimensions` followed by a line of space-separated
//!   dimensions. BART writes 16 of them, padded with trailing 1s, and may add further
//!   `# Command`, `# Files`, `# Creator` sections, which are ignored here.
//! * `NAME.cfl`, binary: `∏ dims` complex values, each as two little-endian `f32`
//!   (real, imaginary), in column-major order: dimension 0 varies fastest.
//!
//! [`read_cfl`] returns a [`CflArray`] whose `dims` have the trailing 1s removed;
//! [`write_cfl`] writes both files atomically (through
//! [`atomic_write`](crate::io::atomic_write)), padding `dims` with 1s to 16 entries as BART
//! does. For 2-D images, [`CflArray::as_image`] gives the row-major `(ny, nx)` shape of the
//! data: BART's dimension 0 is `x` (columns, fastest) and dimension 1 is `y` (rows).
//!
//! ```
//! use cstk_linop::{Complex, io::cfl::{read_cfl, write_cfl}};
//! # let dir = std::env::temp_dir().join(format!("cstk-doc-cfl-mod-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! let base = dir.join("img"); // writes img.cfl and img.hdr
//! let data: Vec<Complex<f32>> = (0..6).map(|k| Complex::new(k as f32, -1.0)).collect();
//! write_cfl(&base, &[3, 2], &data).unwrap(); // nx = 3, ny = 2
//! let a = read_cfl(&base.with_extension("cfl")).unwrap();
//! assert_eq!(a.dims, vec![3, 2]);
//! assert_eq!(a.data, data);
//! assert_eq!(a.as_image().unwrap(), (2, 3)); // (ny, nx): data is 2 rows of 3
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use crate::{Complex, Error, Result};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The number of dimensions BART writes in a `.hdr` file (its `DIMS`).
const BART_DIMS: usize = 16;

/// A BART array: its dimensions and its values in column-major order (dimension 0 fastest).
///
/// `dims` has trailing 1s removed but always at least one entry, and
/// `data.len() == dims.iter().product()`.
///
/// ```
/// use cstk_linop::{Complex, io::cfl::CflArray};
/// // a 2 x 2 array: element (i0, i1) is data[i0 + 2 * i1]
/// let a = CflArray { dims: vec![2, 2], data: vec![Complex::new(1.0, 0.0); 4] };
/// assert_eq!(a.data.len(), a.dims.iter().product::<usize>());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CflArray {
    /// Dimensions, trailing 1s removed (at least one entry).
    pub dims: Vec<usize>,
    /// `∏ dims` values, column-major (dimension 0 varies fastest).
    pub data: Vec<Complex<f32>>,
}

impl CflArray {
    /// The shape `(ny, nx) = (dims[1], dims[0])` of a 2-D array seen as a row-major image.
    ///
    /// BART's dimension 0 is `x` and varies fastest, dimension 1 is `y`; so the data,
    /// unchanged, is a row-major image of `ny` rows and `nx` columns: pixel `(y, x)` is
    /// `data[y * nx + x]`. A 1-D array (`dims == [n]`) is a single row, `(1, n)`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when a dimension beyond the second is not 1 (for example
    /// BART's `1 8 8` mask layout after `bart poisson`, or a multi-coil array).
    ///
    /// ```
    /// use cstk_linop::{Complex, Error, io::cfl::CflArray};
    /// let a = CflArray { dims: vec![3, 2], data: vec![Complex::new(0.0, 0.0); 6] };
    /// assert_eq!(a.as_image().unwrap(), (2, 3));
    /// let b = CflArray { dims: vec![1, 2, 3], data: vec![Complex::new(0.0, 0.0); 6] };
    /// assert!(matches!(b.as_image(), Err(Error::ShapeMismatch { .. })));
    /// ```
    pub fn as_image(&self) -> Result<(usize, usize)> {
        match self.dims.as_slice() {
            [nx] => Ok((1, *nx)),
            [nx, ny] => Ok((*ny, *nx)),
            _ => Err(Error::ShapeMismatch {
                context: "BART array as a 2-D image".into(),
                expected: "dims [nx, ny] with every further dimension 1".into(),
                got: format!("dims {:?}", self.dims),
            }),
        }
    }
}

/// The `.cfl` and `.hdr` paths of an array given as `x`, `x.cfl` or `x.hdr`.
fn cfl_paths(path: &Path) -> (PathBuf, PathBuf) {
    let base = match path.extension().and_then(|e| e.to_str()) {
        Some("cfl") | Some("hdr") => path.with_extension(""),
        _ => path.to_path_buf(),
    };
    let with = |ext: &str| {
        let mut s: OsString = base.clone().into_os_string();
        s.push(ext);
        PathBuf::from(s)
    };
    (with(".cfl"), with(".hdr"))
}

/// Parses the text of a `.hdr` file: the dimensions after `# Dimensions`, trailing 1s removed.
fn parse_hdr(hdr: &Path, text: &str) -> Result<Vec<usize>> {
    let format_err = |line: Option<usize>, reason: String| Error::Format {
        path: hdr.to_path_buf(),
        line,
        reason,
    };
    let mut lines = text.lines().enumerate();
    lines
        .by_ref()
        .find(|(_, l)| l.trim() == "# Dimensions")
        .ok_or_else(|| format_err(None, "no `# Dimensions` line in the BART header".into()))?;
    let (idx, line) = lines
        .find(|(_, l)| !l.trim().is_empty())
        .ok_or_else(|| format_err(None, "no dimensions after `# Dimensions`".into()))?;
    let lineno = Some(idx + 1);
    if line.trim_start().starts_with('#') {
        return Err(format_err(
            lineno,
            "no dimensions after `# Dimensions`".into(),
        ));
    }
    let mut dims = Vec::new();
    for (k, tok) in line.split_whitespace().enumerate() {
        match tok.parse::<usize>() {
            Ok(0) => {
                return Err(format_err(
                    lineno,
                    format!("dimension {k} is 0; BART dimensions must be at least 1"),
                ));
            }
            Ok(d) => dims.push(d),
            Err(_) => {
                return Err(format_err(
                    lineno,
                    format!("dimension {k} is `{tok}`, not a positive integer"),
                ));
            }
        }
    }
    while dims.len() > 1 && dims.last() == Some(&1) {
        dims.pop();
    }
    Ok(dims)
}

/// Reads a BART array from `NAME.hdr` and `NAME.cfl`.
///
/// `path` may be the base name `NAME`, or either file (`NAME.cfl`, `NAME.hdr`); the
/// extension is replaced. The header may list any number (at least one) of dimensions;
/// trailing 1s are dropped. NaN and infinite values are returned as they are (check them
/// with the caller's own rules).
///
/// # Errors
/// [`Error::Io`] naming the file when `NAME.hdr` or `NAME.cfl` cannot be read;
/// [`Error::Format`] naming `NAME.hdr` when it has no `# Dimensions` line or a dimension
/// that is not a positive integer, and naming `NAME.cfl` when its size is not `8 · ∏ dims`
/// bytes.
///
/// ```
/// use cstk_linop::{Complex, Error, io::cfl::{read_cfl, write_cfl}};
/// # let dir = std::env::temp_dir().join(format!("cstk-doc-cfl-read-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let base = dir.join("k");
/// write_cfl(&base, &[2, 1, 3], &[Complex::new(1.5, -2.0); 6]).unwrap();
/// for p in ["k", "k.cfl", "k.hdr"] {
///     let a = read_cfl(&dir.join(p)).unwrap();
///     assert_eq!(a.dims, vec![2, 1, 3]);
///     assert_eq!(a.data[5], Complex::new(1.5, -2.0));
/// }
/// assert!(matches!(read_cfl(&dir.join("missing")), Err(Error::Io { .. })));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn read_cfl(path: &Path) -> Result<CflArray> {
    let (cfl, hdr) = cfl_paths(path);
    let text = std::fs::read(&hdr).map_err(|source| Error::Io {
        path: hdr.clone(),
        source,
    })?;
    let text = String::from_utf8_lossy(&text);
    let dims = parse_hdr(&hdr, &text)?;
    let expected = dims
        .iter()
        .try_fold(8usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| Error::Format {
            path: hdr.clone(),
            line: None,
            reason: format!("dimensions {dims:?} overflow the addressable size"),
        })?;
    let bytes = std::fs::read(&cfl).map_err(|source| Error::Io {
        path: cfl.clone(),
        source,
    })?;
    if bytes.len() != expected {
        return Err(Error::Format {
            path: cfl,
            line: None,
            reason: format!(
                "expected {expected} bytes (8 x {} complex64 values for dims {dims:?}), got {}",
                expected / 8,
                bytes.len()
            ),
        });
    }
    let data = bytes
        .chunks_exact(8)
        .map(|c| {
            Complex::new(
                f32::from_le_bytes([c[0], c[1], c[2], c[3]]),
                f32::from_le_bytes([c[4], c[5], c[6], c[7]]),
            )
        })
        .collect();
    Ok(CflArray { dims, data })
}

/// Writes `data` (column-major, dimension 0 fastest) as the BART array `NAME.cfl` +
/// `NAME.hdr`.
///
/// `path` may be `NAME`, `NAME.cfl` or `NAME.hdr`. The header lists `dims` padded with 1s
/// to 16 entries, as BART writes it. Each file is written atomically, the `.cfl` first and
/// then the `.hdr`, so a failure never leaves a half-written file (though it may leave a new
/// `.cfl` beside an old `.hdr` if only the second write fails).
///
/// # Errors
/// [`Error::InvalidParam`] when `dims` is empty, has a 0, or has more than 16 entries
/// besides trailing 1s; [`Error::ShapeMismatch`] unless `data.len() == ∏ dims`;
/// [`Error::Io`] when writing fails.
///
/// ```
/// use cstk_linop::{Complex, io::cfl::write_cfl};
/// # let dir = std::env::temp_dir().join(format!("cstk-doc-cfl-write-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let base = dir.join("x");
/// write_cfl(&base, &[2, 2], &[Complex::new(0.0f32, 1.0); 4]).unwrap();
/// let hdr = std::fs::read_to_string(dir.join("x.hdr")).unwrap();
/// assert_eq!(hdr, "# Dimensions\n2 2 1 1 1 1 1 1 1 1 1 1 1 1 1 1 \n");
/// assert_eq!(std::fs::metadata(dir.join("x.cfl")).unwrap().len(), 32);
/// assert!(write_cfl(&base, &[2, 3], &[Complex::new(0.0, 0.0); 4]).is_err());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn write_cfl(path: &Path, dims: &[usize], data: &[Complex<f32>]) -> Result<()> {
    let (cfl, hdr) = cfl_paths(path);
    let significant = dims.iter().rposition(|&d| d != 1).map_or(0, |i| i + 1);
    if dims.is_empty() || dims.contains(&0) || significant > BART_DIMS {
        return Err(Error::InvalidParam {
            name: "dims",
            value: format!("{dims:?}"),
            expected: format!("1 to {BART_DIMS} dimensions (besides trailing 1s), each at least 1"),
        });
    }
    let count = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    if count != Some(data.len()) {
        return Err(Error::ShapeMismatch {
            context: format!("writing BART array {}", cfl.display()),
            expected: match count {
                Some(n) => format!("dims {dims:?} = {n} values"),
                None => format!("dims {dims:?} (overflowing)"),
            },
            got: format!("{} values", data.len()),
        });
    }
    crate::io::atomic_write(&cfl, |w| {
        for z in data {
            w.write_all(&z.re.to_le_bytes())?;
            w.write_all(&z.im.to_le_bytes())?;
        }
        Ok(())
    })?;
    let mut text = String::from("# Dimensions\n");
    for d in dims[..significant.max(1)]
        .iter()
        .chain(std::iter::repeat(&1))
        .take(BART_DIMS.max(significant))
    {
        text.push_str(&format!("{d} "));
    }
    text.push('\n');
    crate::io::atomic_write(&hdr, |w| w.write_all(text.as_bytes()))
}
