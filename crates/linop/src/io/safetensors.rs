//! Model weights as named tensors: Hugging Face `.safetensors` files, and single `.npy` arrays.
//!
//! A `.safetensors` file is an 8-byte little-endian header length `n`, `n` bytes of JSON
//! mapping each tensor name to `{"dtype", "shape", "data_offsets"}` (plus an optional
//! `"__metadata__"` object of string pairs), padded with spaces, then the raw little-endian
//! C-order data of every tensor, back to back. PyTorch's `safetensors.torch.save_file`,
//! `safetensors.numpy.save_file` and the `safetensors` crate all write this layout; the
//! header is parsed and checked here by that crate.
//!
//! # Values
//!
//! A [`Tensor`] holds its values widened to `f64`, whatever its [`Dtype`] (`F16`, `BF16`,
//! `F32` or `F64`): the widening is exact, so every value is kept as stored and solvers
//! (which work in `f64`) see the file's numbers. This costs 8 bytes per value in memory
//! (twice an `f32` model, four times an `f16` one).
//! Writing rounds each value **once**, to the nearest value of the tensor's own dtype,
//! ties to even (IEEE 754; values beyond the dtype's range become ±∞, as in PyTorch's
//! `.half()`). So read → write gives back the same bits for every dtype (NaNs included,
//! except that a signalling NaN comes back quiet), and a file written by the `safetensors`
//! Python package or crate is reproduced byte for byte.
//!
//! NaN and ±∞ are read without complaint (callers decide what they mean for their weights).
//! Other dtypes (`I64`, `BOOL`, `F8_E4M3` …) are reported by name with the tensor's name.
//!
//! # Order
//!
//! Readers return tensors in the order of their data in the file. Writers store them as
//! the `safetensors` Python package and crate do, by dtype size (largest first: `F64`,
//! `F32`, `BF16`, `F16`) and then by name, so every tensor's data is aligned to its element
//! size; this is also the order in which they are read back. Metadata keys are written in
//! sorted order, so the same tensors always give the same bytes.
//!
//! # Errors
//!
//! Operating-system failures (a missing file, say) are [`Error::Io`]; a file that does not
//! follow the format (short or truncated file, header length beyond the end of the file,
//! invalid JSON, offsets that do not match shape and dtype, an unknown or unsupported dtype)
//! is [`Error::Format`] naming the file and, where known, the tensor. Every writer goes
//! through [`atomic_write`], so a failed write never leaves a partial file.
//!
//! ```
//! use cstk_linop::io::safetensors::{Dtype, Tensor, read_safetensors, write_safetensors};
//! # let dir = std::env::temp_dir().join(format!("cstk-doc-st-mod-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! let path = dir.join("model.safetensors");
//! let w = Tensor::new("fc.weight", vec![2, 2], Dtype::F16, vec![0.5, -1.0, 0.0, 2.0]).unwrap();
//! let b = Tensor::new("fc.bias", vec![2], Dtype::F32, vec![0.1, -0.1]).unwrap();
//! write_safetensors(&path, &[w, b]).unwrap();
//! let back = read_safetensors(&path).unwrap();
//! // F32 before F16 in the file
//! assert_eq!(back[0].name, "fc.bias");
//! assert_eq!(back[0].data, vec![0.1f32 as f64, -0.1f32 as f64]); // rounded to f32 once
//! assert_eq!((back[1].dtype, back[1].shape.as_slice()), (Dtype::F16, &[2, 2][..]));
//! assert_eq!(back[1].data, vec![0.5, -1.0, 0.0, 2.0]);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use crate::io::atomic_write;
use crate::io::npy::{self, NpyDtype, NpyOrder};
use crate::{Error, Result};
use half::{bf16, f16};
use safetensors::tensor::SafeTensorError;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// Bytes of the header-length field at the start of a `.safetensors` file.
const LEN_BYTES: usize = 8;
/// Largest header the `safetensors` crate reads (100 MB); larger ones are not written.
const MAX_HEADER_LEN: usize = 100_000_000;
/// The reserved header key holding the file's metadata.
const METADATA_KEY: &str = "__metadata__";
/// Data is encoded and written in chunks of about this many bytes.
const CHUNK_BYTES: usize = 1 << 16;

/// The element type of a stored tensor, named as in the `.safetensors` header.
///
/// ```
/// use cstk_linop::io::safetensors::Dtype;
/// assert_eq!(Dtype::BF16.name(), "BF16");
/// assert_eq!(Dtype::F16.size(), 2);
/// assert_eq!(Dtype::F64.to_string(), "F64");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dtype {
    /// IEEE 754 half precision (`torch.float16`, `numpy.float16`): 5 exponent bits, 10 fraction bits.
    F16,
    /// bfloat16 (`torch.bfloat16`): the top 16 bits of an `f32`, 8 exponent bits, 7 fraction bits.
    BF16,
    /// IEEE 754 single precision (`f32`).
    F32,
    /// IEEE 754 double precision (`f64`).
    F64,
}

impl Dtype {
    /// The name used in `.safetensors` headers: `"F16"`, `"BF16"`, `"F32"`, `"F64"` (also
    /// what [`Display`](fmt::Display) prints).
    ///
    /// ```
    /// use cstk_linop::io::safetensors::Dtype;
    /// assert_eq!(Dtype::F32.name(), "F32");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Dtype::F16 => "F16",
            Dtype::BF16 => "BF16",
            Dtype::F32 => "F32",
            Dtype::F64 => "F64",
        }
    }

    /// Bytes per element.
    ///
    /// ```
    /// use cstk_linop::io::safetensors::Dtype;
    /// assert_eq!(Dtype::BF16.size(), 2);
    /// assert_eq!(Dtype::F64.size(), 8);
    /// ```
    pub fn size(self) -> usize {
        match self {
            Dtype::F16 | Dtype::BF16 => 2,
            Dtype::F32 => 4,
            Dtype::F64 => 8,
        }
    }

    /// The `safetensors` crate's dtype (whose order sorts tensors in files).
    fn to_st(self) -> safetensors::Dtype {
        match self {
            Dtype::F16 => safetensors::Dtype::F16,
            Dtype::BF16 => safetensors::Dtype::BF16,
            Dtype::F32 => safetensors::Dtype::F32,
            Dtype::F64 => safetensors::Dtype::F64,
        }
    }

    fn from_st(dtype: safetensors::Dtype) -> Option<Self> {
        match dtype {
            safetensors::Dtype::F16 => Some(Dtype::F16),
            safetensors::Dtype::BF16 => Some(Dtype::BF16),
            safetensors::Dtype::F32 => Some(Dtype::F32),
            safetensors::Dtype::F64 => Some(Dtype::F64),
            _ => None,
        }
    }

    /// Widens little-endian raw data (a whole number of elements) to `f64`, exactly.
    fn decode(self, raw: &[u8]) -> Vec<f64> {
        match self {
            Dtype::F16 => raw
                .chunks_exact(2)
                .map(|c| f64::from(f16::from_bits(u16::from_le_bytes([c[0], c[1]])).to_f32()))
                .collect(),
            Dtype::BF16 => raw
                .chunks_exact(2)
                .map(|c| f64::from(bf16::from_bits(u16::from_le_bytes([c[0], c[1]])).to_f32()))
                .collect(),
            Dtype::F32 => raw
                .chunks_exact(4)
                .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
                .collect(),
            Dtype::F64 => raw
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                .collect(),
        }
    }

    /// Appends `v` rounded once to this dtype (nearest, ties to even), little-endian.
    #[inline]
    fn encode(self, v: f64, buf: &mut Vec<u8>) {
        match self {
            Dtype::F16 => buf.extend_from_slice(&f16::from_f32(to_f32_odd(v)).to_le_bytes()),
            Dtype::BF16 => buf.extend_from_slice(&bf16::from_f32(to_f32_odd(v)).to_le_bytes()),
            Dtype::F32 => buf.extend_from_slice(&(v as f32).to_le_bytes()),
            Dtype::F64 => buf.extend_from_slice(&v.to_le_bytes()),
        }
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `x` rounded to `f32` *to odd*: toward zero, then the last bit set if anything was lost.
///
/// Rounding that (24 significant bits) to nearest-even at 8 or 11 bits gives the correctly
/// rounded result from `x` itself: round-to-odd keeps the sticky information that a second
/// round-to-nearest needs, at least two bits below the final precision. Rounding through a
/// plain `x as f32` instead can round twice the wrong way (`1 + 2⁻¹¹ + 2⁻⁴⁰` would become
/// the tie `1 + 2⁻¹¹` and then `1` in `f16`, not `1 + 2⁻¹⁰`).
fn to_f32_odd(x: f64) -> f32 {
    let r = x as f32;
    if r.is_nan() || f64::from(r) == x {
        return r;
    }
    // Inexact (including overflow to ±∞ and underflow to ±0): the neighbour toward zero,
    // which has the same sign, with the lowest bit set.
    let mut bits = r.to_bits();
    if f64::from(r).abs() > x.abs() {
        bits -= 1;
    }
    f32::from_bits(bits | 1)
}

/// A named n-dimensional array of model weights.
///
/// `data` holds `shape.iter().product()` values in C (row-major) order (PyTorch's and
/// NumPy's default): element `[i, j]` of a `[p, q]` tensor is `data[i * q + j]`. A 0-D
/// tensor has shape `[]` and one value. Values are kept as `f64` whatever `dtype` says (the
/// widening from `F16`, `BF16` and `F32` is exact); `dtype` is the type the tensor is stored
/// as, and writers round to it.
///
/// ```
/// use cstk_linop::io::safetensors::{Dtype, Tensor};
/// let t = Tensor::new("conv1.weight", vec![2, 1, 1, 2], Dtype::BF16, vec![1.0, 2.0, 3.0, 4.0]).unwrap();
/// assert_eq!((t.len(), t.shape.len()), (4, 4));
/// assert!(Tensor::new("bad", vec![2, 2], Dtype::F32, vec![1.0]).is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// The tensor's name (its key in a `.safetensors` file, the file stem for `.npy`).
    pub name: String,
    /// The shape; `[]` for a 0-D tensor.
    pub shape: Vec<usize>,
    /// The stored element type.
    pub dtype: Dtype,
    /// The values, widened to `f64`, in C order.
    pub data: Vec<f64>,
}

impl Tensor {
    /// Builds a tensor, checking that `data` has as many values as `shape` calls for.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when `data.len()` is not the product of `shape`.
    ///
    /// ```
    /// use cstk_linop::{Error, io::safetensors::{Dtype, Tensor}};
    /// let s = Tensor::new("step_size", vec![], Dtype::F64, vec![0.5]).unwrap();
    /// assert_eq!(s.len(), 1);
    /// let err = Tensor::new("w", vec![3], Dtype::F32, vec![0.0; 2]).unwrap_err();
    /// assert!(matches!(err, Error::ShapeMismatch { .. }));
    /// ```
    pub fn new(
        name: impl Into<String>,
        shape: Vec<usize>,
        dtype: Dtype,
        data: Vec<f64>,
    ) -> Result<Self> {
        let t = Tensor {
            name: name.into(),
            shape,
            dtype,
            data,
        };
        t.check_len()?;
        Ok(t)
    }

    /// Number of values (1 for a 0-D tensor, 0 when some dimension is 0).
    ///
    /// ```
    /// use cstk_linop::io::safetensors::{Dtype, Tensor};
    /// assert_eq!(Tensor::new("e", vec![0, 4], Dtype::F16, vec![]).unwrap().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// `true` when the tensor holds no values.
    ///
    /// ```
    /// use cstk_linop::io::safetensors::{Dtype, Tensor};
    /// assert!(Tensor::new("e", vec![0], Dtype::F32, vec![]).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    fn check_len(&self) -> Result<()> {
        let context = || format!("tensor `{}`", self.name);
        match checked_product(&self.shape) {
            Some(n) if n == self.data.len() => Ok(()),
            Some(n) => Err(Error::ShapeMismatch {
                context: context(),
                expected: format!("{n} values for shape {:?}", self.shape),
                got: format!("{} values", self.data.len()),
            }),
            None => Err(Error::ShapeMismatch {
                context: context(),
                expected: format!("{} values", self.data.len()),
                got: format!("shape {:?} whose element count overflows", self.shape),
            }),
        }
    }
}

// ---------------------------------------------------------------------------------------
// .safetensors
// ---------------------------------------------------------------------------------------

/// Reads every tensor of a `.safetensors` file, in the order of their data in the file.
///
/// The `__metadata__` of the file is dropped; [`read_safetensors_with_metadata`] keeps it.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read; [`Error::Format`] when it is not a valid
/// `.safetensors` file or holds a tensor whose dtype is not one of [`Dtype`]'s (the message
/// names the tensor and its dtype).
///
/// ```
/// use cstk_linop::io::safetensors::{Dtype, Tensor, read_safetensors, write_safetensors};
/// # let dir = std::env::temp_dir().join(format!("cstk-doc-st-read-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("w.safetensors");
/// write_safetensors(&path, &[Tensor::new("w", vec![3], Dtype::F64, vec![1.0, 2.0, 3.0]).unwrap()]).unwrap();
/// let tensors = read_safetensors(&path).unwrap();
/// assert_eq!(tensors[0].data, vec![1.0, 2.0, 3.0]);
/// assert!(read_safetensors(&dir.join("missing.safetensors")).is_err());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn read_safetensors(path: &Path) -> Result<Vec<Tensor>> {
    Ok(read_safetensors_with_metadata(path)?.0)
}

/// Reads every tensor of a `.safetensors` file (as [`read_safetensors`]) and the file's
/// `__metadata__` string pairs (empty when the header has none; PyTorch writes
/// `{"format": "pt"}`).
///
/// # Errors
/// As [`read_safetensors`].
///
/// ```
/// use std::collections::BTreeMap;
/// use cstk_linop::io::safetensors::{Dtype, Tensor, read_safetensors_with_metadata,
///     write_safetensors_with_metadata};
/// # let dir = std::env::temp_dir().join(format!("cstk-doc-st-readm-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("w.safetensors");
/// let meta = BTreeMap::from([("format".to_string(), "pt".to_string())]);
/// let t = Tensor::new("w", vec![1], Dtype::F32, vec![0.25]).unwrap();
/// write_safetensors_with_metadata(&path, &[t], &meta).unwrap();
/// let (tensors, back) = read_safetensors_with_metadata(&path).unwrap();
/// assert_eq!((tensors.len(), back), (1, meta));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn read_safetensors_with_metadata(
    path: &Path,
) -> Result<(Vec<Tensor>, BTreeMap<String, String>)> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_safetensors(&bytes, path)
}

fn parse_safetensors(bytes: &[u8], path: &Path) -> Result<(Vec<Tensor>, BTreeMap<String, String>)> {
    let format_err = |reason: String| Error::Format {
        path: path.to_path_buf(),
        line: None,
        reason,
    };
    let (n, meta) = safetensors::SafeTensors::read_metadata(bytes)
        .map_err(|e| format_err(describe_error(e, bytes)))?;
    // `read_metadata` checked that the header and the data fill the file exactly.
    let data = LEN_BYTES
        .checked_add(n)
        .and_then(|start| bytes.get(start..))
        .ok_or_else(|| format_err("header length beyond the end of the file".into()))?;
    let names = meta.offset_keys();
    let mut tensors = Vec::with_capacity(names.len());
    for name in names {
        let info = meta
            .info(&name)
            .ok_or_else(|| format_err(format!("tensor `{name}` missing from the header")))?;
        let dtype = Dtype::from_st(info.dtype).ok_or_else(|| {
            format_err(format!(
                "tensor `{name}` has dtype {:?}; only F16, BF16, F32 and F64 tensors can be read",
                info.dtype
            ))
        })?;
        let (start, end) = info.data_offsets;
        let numel = checked_product(&info.shape);
        let raw = data
            .get(start..end)
            .filter(|raw| numel.and_then(|n| n.checked_mul(dtype.size())) == Some(raw.len()))
            .ok_or_else(|| {
                format_err(format!(
                    "tensor `{name}`: data_offsets [{start}, {end}] do not hold shape {:?} of {dtype}",
                    info.shape
                ))
            })?;
        tensors.push(Tensor {
            data: dtype.decode(raw),
            shape: info.shape.clone(),
            dtype,
            name,
        });
    }
    let metadata = meta
        .metadata()
        .as_ref()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    Ok((tensors, metadata))
}

/// What is wrong with a file the `safetensors` crate refused, in words, naming the tensor
/// where the header says which one.
fn describe_error(e: SafeTensorError, bytes: &[u8]) -> String {
    let declared = bytes
        .get(..LEN_BYTES)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(u64::from_le_bytes);
    let header = declared
        .and_then(|n| usize::try_from(n).ok())
        .and_then(|n| bytes.get(LEN_BYTES..LEN_BYTES.checked_add(n)?))
        .and_then(|h| std::str::from_utf8(h).ok());
    let diagnosis = header.and_then(diagnose_header);
    match e {
        SafeTensorError::HeaderTooSmall => format!(
            "file is {} bytes long, too short for the 8-byte header length of a .safetensors file",
            bytes.len()
        ),
        SafeTensorError::HeaderTooLarge => format!(
            "header length {} is over the {MAX_HEADER_LEN}-byte limit (not a .safetensors file?)",
            declared.unwrap_or_default()
        ),
        SafeTensorError::InvalidHeaderLength => format!(
            "header length {} goes beyond the end of the file ({} bytes; truncated file?)",
            declared.unwrap_or_default(),
            bytes.len()
        ),
        SafeTensorError::InvalidHeader(e) => format!("header is not valid UTF-8: {e}"),
        SafeTensorError::InvalidHeaderDeserialization(e) => {
            diagnosis.unwrap_or_else(|| format!("header is not valid safetensors JSON: {e}"))
        }
        SafeTensorError::MetadataIncompleteBuffer => {
            let data_len = bytes
                .len()
                .saturating_sub(LEN_BYTES + header.map_or(0, str::len));
            format!(
                "the header's tensors need {} bytes of data but the file has {data_len} after the \
                 header (truncated file or trailing bytes)",
                header
                    .and_then(header_data_len)
                    .map_or_else(|| "a different number of".to_string(), |n| n.to_string())
            )
        }
        SafeTensorError::InvalidOffset(name) => format!(
            "tensor `{name}`: data_offsets must start where the previous tensor's data ends \
             (the data must be contiguous from offset 0)"
        ),
        other => diagnosis.unwrap_or_else(|| format!("invalid .safetensors header: {other}")),
    }
}

/// Looks for the first tensor entry with an unknown dtype or with data_offsets that do not
/// span its shape; `None` when the header is not a JSON object or nothing is found.
fn diagnose_header(header: &str) -> Option<String> {
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(header).ok()?;
    for (name, entry) in map.iter().filter(|(k, _)| k.as_str() != METADATA_KEY) {
        let dtype_value = entry.get("dtype");
        let dtype_text = dtype_value.map_or_else(|| "(none)".to_string(), |v| v.to_string());
        let Some(dtype) =
            dtype_value.and_then(|v| serde_json::from_value::<safetensors::Dtype>(v.clone()).ok())
        else {
            return Some(format!(
                "tensor `{name}` has dtype {dtype_text}, which is not a safetensors dtype"
            ));
        };
        let shape: Option<Vec<usize>> = entry
            .get("shape")
            .and_then(|s| serde_json::from_value(s.clone()).ok());
        let offsets: Option<(usize, usize)> = entry
            .get("data_offsets")
            .and_then(|s| serde_json::from_value(s.clone()).ok());
        let (Some(shape), Some((start, end))) = (shape, offsets) else {
            return Some(format!(
                "tensor `{name}` needs a `shape` (list of integers) and `data_offsets` ([begin, end])"
            ));
        };
        let bytes = checked_product(&shape)
            .and_then(|n| n.checked_mul(dtype.bitsize()))
            .map(|bits| bits.div_ceil(8));
        if end.checked_sub(start) != bytes {
            return Some(format!(
                "tensor `{name}`: shape {shape:?} of dtype {dtype:?} needs {} bytes but \
                 data_offsets [{start}, {end}] span {}",
                bytes.map_or_else(|| "too many".to_string(), |b| b.to_string()),
                end.checked_sub(start)
                    .map_or_else(|| "a negative length".to_string(), |b| b.to_string())
            ));
        }
    }
    None
}

/// The largest end offset in a header, when it parses.
fn header_data_len(header: &str) -> Option<usize> {
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(header).ok()?;
    map.iter()
        .filter(|(k, _)| k.as_str() != METADATA_KEY)
        .filter_map(|(_, entry)| {
            serde_json::from_value::<(usize, usize)>(entry.get("data_offsets")?.clone()).ok()
        })
        .map(|(_, end)| end)
        .max()
}

/// Writes tensors to a `.safetensors` file, each in its own [`Dtype`] (values rounded once
/// to it, to nearest, ties to even), with no `__metadata__`.
///
/// The file holds the tensors sorted by dtype size (largest first) and then by name, as the
/// `safetensors` Python package and crate write them. It is written through
/// [`atomic_write`]: on any error `path` is left as it was.
///
/// # Errors
/// [`Error::ShapeMismatch`] when a tensor's data does not match its shape;
/// [`Error::InvalidParam`] for two tensors with the same name or one named `__metadata__`;
/// [`Error::Io`] when the file cannot be written.
///
/// ```
/// use cstk_linop::io::safetensors::{Dtype, Tensor, read_safetensors, write_safetensors};
/// # let dir = std::env::temp_dir().join(format!("cstk-doc-st-write-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("pruned.safetensors");
/// // 0.1 is not a bfloat16: it is stored as the nearest one, 0.10009765625
/// let t = Tensor::new("w", vec![2], Dtype::BF16, vec![0.1, 0.0]).unwrap();
/// write_safetensors(&path, &[t]).unwrap();
/// assert_eq!(read_safetensors(&path).unwrap()[0].data, vec![0.10009765625, 0.0]);
/// let dup = Tensor::new("w", vec![1], Dtype::F32, vec![1.0]).unwrap();
/// assert!(write_safetensors(&path, &[dup.clone(), dup]).is_err());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn write_safetensors(path: &Path, tensors: &[Tensor]) -> Result<()> {
    write_safetensors_with_metadata(path, tensors, &BTreeMap::new())
}

/// Writes tensors as [`write_safetensors`] does, with `metadata` as the header's
/// `__metadata__` (keys in sorted order; no `__metadata__` at all when `metadata` is empty).
///
/// Reading a file written by PyTorch or the `safetensors` packages with
/// [`read_safetensors_with_metadata`] and writing it back with this function gives the
/// same bytes (when its metadata has at most one key: those packages write several keys
/// in an unspecified order).
///
/// # Errors
/// As [`write_safetensors`].
///
/// ```
/// use std::collections::BTreeMap;
/// use cstk_linop::io::safetensors::{Dtype, Tensor, write_safetensors_with_metadata};
/// # let dir = std::env::temp_dir().join(format!("cstk-doc-st-writem-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("w.safetensors");
/// let meta = BTreeMap::from([("format".to_string(), "pt".to_string())]);
/// let t = Tensor::new("w", vec![2], Dtype::F16, vec![1.0, -2.0]).unwrap();
/// write_safetensors_with_metadata(&path, &[t], &meta).unwrap();
/// let bytes = std::fs::read(&path).unwrap();
/// assert!(bytes[8..].starts_with(br#"{"__metadata__":{"format":"pt"},"w":{"dtype":"F16""#));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn write_safetensors_with_metadata(
    path: &Path,
    tensors: &[Tensor],
    metadata: &BTreeMap<String, String>,
) -> Result<()> {
    let mut order: Vec<&Tensor> = tensors.iter().collect();
    order.sort_by(|a, b| (b.dtype.to_st().cmp(&a.dtype.to_st())).then_with(|| a.name.cmp(&b.name)));
    for t in &order {
        t.check_len()?;
        if t.name == METADATA_KEY {
            return Err(Error::InvalidParam {
                name: "tensors",
                value: format!("a tensor named `{METADATA_KEY}`"),
                expected: "tensor names other than the header's metadata key".into(),
            });
        }
    }
    let mut names: Vec<&str> = order.iter().map(|t| t.name.as_str()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(Error::InvalidParam {
            name: "tensors",
            value: format!("two tensors named `{}`", w[0]),
            expected: "unique tensor names".into(),
        });
    }
    let header = header_json(&order, metadata);
    if header.len() > MAX_HEADER_LEN {
        return Err(Error::InvalidParam {
            name: "tensors",
            value: format!("a {}-byte header", header.len()),
            expected: format!("a header of at most {MAX_HEADER_LEN} bytes (safetensors' limit)"),
        });
    }
    atomic_write(path, |w| {
        w.write_all(&(header.len() as u64).to_le_bytes())?;
        w.write_all(header.as_bytes())?;
        let mut buf = Vec::with_capacity(CHUNK_BYTES + 8);
        for t in &order {
            for &v in &t.data {
                t.dtype.encode(v, &mut buf);
                if buf.len() >= CHUNK_BYTES {
                    w.write_all(&buf)?;
                    buf.clear();
                }
            }
        }
        w.write_all(&buf)
    })
}

/// The JSON header exactly as the `safetensors` crate serializes it (compact, metadata
/// first, tensors in file order), padded with spaces to a multiple of 8 bytes.
fn header_json(order: &[&Tensor], metadata: &BTreeMap<String, String>) -> String {
    let quote = |s: &str| serde_json::Value::String(s.to_owned()).to_string();
    let mut entries = Vec::with_capacity(order.len() + 1);
    if !metadata.is_empty() {
        let pairs: Vec<String> = metadata
            .iter()
            .map(|(k, v)| format!("{}:{}", quote(k), quote(v)))
            .collect();
        entries.push(format!("{}:{{{}}}", quote(METADATA_KEY), pairs.join(",")));
    }
    let mut offset = 0usize;
    for t in order {
        let end = offset + t.data.len() * t.dtype.size();
        let dims: Vec<String> = t.shape.iter().map(usize::to_string).collect();
        entries.push(format!(
            "{}:{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{offset},{end}]}}",
            quote(&t.name),
            t.dtype.name(),
            dims.join(",")
        ));
        offset = end;
    }
    let mut header = format!("{{{}}}", entries.join(","));
    let padded = header.len().next_multiple_of(LEN_BYTES);
    header.extend(std::iter::repeat_n(' ', padded - header.len()));
    header
}

// ---------------------------------------------------------------------------------------
// .npy
// ---------------------------------------------------------------------------------------

/// Reads a `.npy` array of any rank (C or Fortran order) as one tensor named after the file
/// stem (`fc1.weight.npy` gives `fc1.weight`), through [`npy::read_npy`].
///
/// # Errors
/// As [`npy::read_npy`]; and [`Error::Format`] when the array is not `float32` or `float64`
/// (`float16` is not read by [`npy`] yet; integer, boolean and complex arrays are not weights).
///
/// ```
/// use cstk_linop::io::npy::{NpyOrder, write_npy};
/// use cstk_linop::io::safetensors::{Dtype, read_tensor_npy};
/// # let dir = std::env::temp_dir().join(format!("cstk-doc-st-npy-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("conv.weight.npy");
/// write_npy(&path, &[1, 1, 2, 2], &[1.0f32, 2.0, 3.0, 4.0], NpyOrder::C).unwrap();
/// let t = read_tensor_npy(&path).unwrap();
/// assert_eq!((t.name.as_str(), t.dtype, t.shape.as_slice()), ("conv.weight", Dtype::F32, &[1, 1, 2, 2][..]));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn read_tensor_npy(path: &Path) -> Result<Tensor> {
    let header = npy::read_npy_header(path)?;
    let dtype = match header.dtype {
        NpyDtype::F32 => Dtype::F32,
        NpyDtype::F64 => Dtype::F64,
        other => {
            return Err(Error::Format {
                path: path.to_path_buf(),
                line: None,
                reason: format!(
                    "array of dtype {other} is not read as weights: expected float32 or float64"
                ),
            });
        }
    };
    let array = npy::read_npy::<f64>(path)?;
    Ok(Tensor {
        name: file_stem(path),
        shape: array.shape,
        dtype,
        data: array.data,
    })
}

/// Writes one tensor to a `.npy` file (C order, `<f4` for [`Dtype::F32`], `<f8` for
/// [`Dtype::F64`]), through [`npy::write_npy`], so atomically. The tensor's name is not
/// stored (a `.npy` file holds one unnamed array).
///
/// # Errors
/// [`Error::InvalidParam`] for [`Dtype::F16`] and [`Dtype::BF16`] (NumPy has no bfloat16,
/// and [`npy`] writes no float16; set `dtype` to `F32` to widen); [`Error::ShapeMismatch`]
/// when the data does not match the shape; [`Error::Io`] when the file cannot be written.
///
/// ```
/// use cstk_linop::io::safetensors::{Dtype, Tensor, read_tensor_npy, write_tensor_npy};
/// # let dir = std::env::temp_dir().join(format!("cstk-doc-st-wnpy-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let mut t = Tensor::new("w", vec![2, 1], Dtype::BF16, vec![0.5, 1.5]).unwrap();
/// assert!(write_tensor_npy(&dir.join("w.npy"), &t).is_err());
/// t.dtype = Dtype::F32;
/// write_tensor_npy(&dir.join("w.npy"), &t).unwrap();
/// assert_eq!(read_tensor_npy(&dir.join("w.npy")).unwrap(), t);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn write_tensor_npy(path: &Path, tensor: &Tensor) -> Result<()> {
    tensor.check_len()?;
    match tensor.dtype {
        Dtype::F32 => {
            let data: Vec<f32> = tensor.data.iter().map(|&v| v as f32).collect();
            npy::write_npy(path, &tensor.shape, &data, NpyOrder::C)
        }
        Dtype::F64 => npy::write_npy(path, &tensor.shape, &tensor.data, NpyOrder::C),
        other => Err(Error::InvalidParam {
            name: "dtype",
            value: format!("{other} (tensor `{}`)", tensor.name),
            expected: "F32 or F64 for a .npy file".into(),
        }),
    }
}

// ---------------------------------------------------------------------------------------
// Either format
// ---------------------------------------------------------------------------------------

/// Reads the tensors of a `.safetensors` file ([`read_safetensors`]) or the one tensor of a
/// `.npy` file ([`read_tensor_npy`]), chosen by the extension (case aside).
///
/// # Errors
/// [`Error::InvalidParam`] for any other extension; otherwise as the reader called.
///
/// ```
/// use cstk_linop::io::safetensors::{Dtype, Tensor, read_tensors, write_tensors};
/// # let dir = std::env::temp_dir().join(format!("cstk-doc-st-rt-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let t = Tensor::new("bias", vec![2], Dtype::F64, vec![1.0, 2.0]).unwrap();
/// for file in ["bias.npy", "bias.safetensors"] {
///     write_tensors(&dir.join(file), std::slice::from_ref(&t)).unwrap();
///     assert_eq!(read_tensors(&dir.join(file)).unwrap(), vec![t.clone()]);
/// }
/// assert!(read_tensors(&dir.join("bias.pt")).is_err());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn read_tensors(path: &Path) -> Result<Vec<Tensor>> {
    match TensorFormat::of(path)? {
        TensorFormat::Safetensors => read_safetensors(path),
        TensorFormat::Npy => Ok(vec![read_tensor_npy(path)?]),
    }
}

/// Writes tensors to a `.safetensors` file ([`write_safetensors`]) or exactly one tensor to a
/// `.npy` file ([`write_tensor_npy`]), chosen by the extension (case aside).
///
/// # Errors
/// [`Error::InvalidParam`] for any other extension, or for a `.npy` path with other than
/// one tensor; otherwise as the writer called.
///
/// ```
/// use cstk_linop::io::safetensors::{Dtype, Tensor, write_tensors};
/// # let dir = std::env::temp_dir().join(format!("cstk-doc-st-wt-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let a = Tensor::new("a", vec![1], Dtype::F32, vec![1.0]).unwrap();
/// let b = Tensor::new("b", vec![1], Dtype::F32, vec![2.0]).unwrap();
/// assert!(write_tensors(&dir.join("ab.npy"), &[a.clone(), b.clone()]).is_err());
/// write_tensors(&dir.join("ab.safetensors"), &[a, b]).unwrap();
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn write_tensors(path: &Path, tensors: &[Tensor]) -> Result<()> {
    match TensorFormat::of(path)? {
        TensorFormat::Safetensors => write_safetensors(path, tensors),
        TensorFormat::Npy => match tensors {
            [t] => write_tensor_npy(path, t),
            _ => Err(Error::InvalidParam {
                name: "tensors",
                value: format!("{} tensors for {}", tensors.len(), path.display()),
                expected: "exactly one tensor for a .npy file".into(),
            }),
        },
    }
}

enum TensorFormat {
    Safetensors,
    Npy,
}

impl TensorFormat {
    fn of(path: &Path) -> Result<Self> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext.eq_ignore_ascii_case("safetensors") {
            Ok(TensorFormat::Safetensors)
        } else if ext.eq_ignore_ascii_case("npy") {
            Ok(TensorFormat::Npy)
        } else {
            Err(Error::InvalidParam {
                name: "path",
                value: path.display().to_string(),
                expected: "a file name ending in .safetensors or .npy".into(),
            })
        }
    }
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Product of the dimensions, `None` on overflow (1 for `[]`).
fn checked_product(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
}
