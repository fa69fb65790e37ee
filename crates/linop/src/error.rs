//! The one error type of `cstk-linop`.

use std::path::PathBuf;

/// Everything that can go wrong when building an operator from user data or reading a file.
///
/// Programming errors (a buffer of the wrong length passed to `apply`) panic instead;
/// see [`check_len`](crate::check_len).
///
/// ```
/// use cstk_linop::{CooMatrix, Error};
/// let err = CooMatrix::<f64>::try_from_triplets(2, 2, vec![5], vec![0], vec![1.0]).unwrap_err();
/// assert!(matches!(err, Error::InvalidSparse { .. }));
/// assert!(err.to_string().contains("row index 5"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two shapes that must agree do not.
    #[error("shape mismatch in {context}: expected {expected}, got {got}")]
    ShapeMismatch {
        /// Where the shapes met (e.g. `"compose A·B"`).
        context: String,
        /// The shape that was required.
        expected: String,
        /// The shape that was given.
        got: String,
    },
    /// A parameter is outside its valid range.
    #[error("invalid parameter `{name}` = {value}: expected {expected}")]
    InvalidParam {
        /// Parameter name.
        name: &'static str,
        /// The offending value, formatted.
        value: String,
        /// What would have been accepted.
        expected: String,
    },
    /// Raw sparse-matrix parts break an invariant of the format.
    #[error("invalid {format} matrix: {reason}")]
    InvalidSparse {
        /// `"COO"`, `"CSR"`, `"CSC"` or `"BSR"`.
        format: &'static str,
        /// Which invariant is broken, with the offending position and value.
        reason: String,
    },
    /// A value is NaN or infinite where finite data is required.
    #[error("non-finite value {value} at {position} in {context}")]
    NonFinite {
        /// What was being checked.
        context: String,
        /// Index or coordinates of the value.
        position: String,
        /// The value, formatted.
        value: String,
    },
    /// An operating-system error while reading or writing a file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file's contents do not follow its format.
    #[error("{}{}: {reason}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Format {
        /// The file (or `<memory>` for in-memory readers).
        path: PathBuf,
        /// 1-based line number for text formats; `None` for binary formats.
        line: Option<usize>,
        /// What is wrong and what was expected.
        reason: String,
    },
    /// The GPU backend cannot run: no driver or device, a failed kernel compilation, an
    /// out-of-memory or a failed launch.
    #[error("GPU: {reason}")]
    Device {
        /// What failed and why (e.g. the missing library and where it was looked for).
        reason: String,
    },
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
