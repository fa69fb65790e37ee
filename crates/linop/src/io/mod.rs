//! Array, matrix and image file I/O: NumPy `.npy` ([`npy`]), BART `.cfl`/`.hdr` ([`cfl`]),
//! Matrix Market `.mtx` ([`mtx`]), grayscale PNG, JPEG and TIFF images ([`png`]),
//! numeric CSV tables with a header row ([`csv`]) and model weights in `.safetensors`
//! (F16, BF16, F32, F64, written back in their own dtype; [`safetensors`]).
//!
//! Every writer goes through [`atomic_write`], so a failure never leaves a half-written file.

pub mod cfl;
pub mod csv;
pub mod mtx;
pub mod npy;
pub mod png;
pub mod safetensors;

use crate::{Error, Result};
use std::io::{BufWriter, Write};
use std::path::Path;

/// Writes a file atomically: `fill` writes into a temporary file in the same directory,
/// which is flushed, synced and renamed over `path` only when `fill` succeeds. On any
/// error the temporary file is removed and `path` is left as it was.
///
/// ```
/// use std::io::Write;
/// let dir = std::env::temp_dir().join(format!("cstk-doc-atomic-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let p = dir.join("a.txt");
/// cstk_linop::io::atomic_write(&p, |w| Ok(w.write_all(b"hello")?)).unwrap();
/// assert_eq!(std::fs::read(&p).unwrap(), b"hello");
/// // a failing writer leaves the old contents in place
/// let r = cstk_linop::io::atomic_write(&p, |w| {
///     w.write_all(b"partial")?;
///     Err(std::io::Error::other("boom"))
/// });
/// assert!(r.is_err());
/// assert_eq!(std::fs::read(&p).unwrap(), b"hello");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn atomic_write<F>(path: &Path, fill: F) -> Result<()>
where
    F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
{
    let io_err = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| {
        io_err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "path has no file name",
        ))
    })?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let file = std::fs::File::create(&tmp)?;
        let mut w = BufWriter::new(file);
        fill(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_err(e));
    }
    Ok(())
}
