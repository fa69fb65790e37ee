//! Mask files: 8-bit grayscale PNG (255 = sampled) and NumPy `.npy` (`float64` 1.0 / 0.0,
//! shape `(ny, nx)`). Writes are atomic; reads accept only exact zeros and ones.

use super::Mask;
use cstk_linop::io::{npy, png};
use cstk_linop::{Complex, Error, Result};
use std::path::Path;

/// The two mask file formats, chosen by extension.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Png,
    Npy,
}

fn format_of(path: &Path) -> Result<Format> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if ext.eq_ignore_ascii_case("png") {
        Ok(Format::Png)
    } else if ext.eq_ignore_ascii_case("npy") {
        Ok(Format::Npy)
    } else {
        Err(Error::InvalidParam {
            name: "path",
            value: path.display().to_string(),
            expected: "a file name ending in .png or .npy".into(),
        })
    }
}

/// NumPy's spelling of a shape: `(3,)`, `(2, 3, 4)`.
fn shape_repr(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

impl Mask {
    /// Writes the mask as an 8-bit grayscale PNG, `nx` wide and `ny` high: 255 where sampled,
    /// 0 elsewhere. Written atomically.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be written (an existing file is then left as it was).
    ///
    /// ```
    /// use cstk_measure::mask::Mask;
    /// # let dir = std::env::temp_dir().join(format!("cstk-doc-mask-png-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("m.png");
    /// let m = Mask::from_fn(4, 6, |ky, kx| ky == kx);
    /// m.write_png(&path)?;
    /// assert_eq!(Mask::read(&path)?, m);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), cstk_measure::Error>(())
    /// ```
    pub fn write_png(&self, path: &Path) -> Result<()> {
        png::write_gray_png(path, self.ny, self.nx, &self.to_f64(), 0.0, 1.0)
    }

    /// Writes the mask as a `.npy` array of `float64`, shape `(ny, nx)`, 1.0 where sampled and
    /// 0.0 elsewhere (what `np.load` gives as a multiplicative mask). Written atomically.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be written.
    ///
    /// ```
    /// use cstk_linop::io::npy::read_npy;
    /// use cstk_measure::mask::Mask;
    /// # let dir = std::env::temp_dir().join(format!("cstk-doc-mask-npy-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("m.npy");
    /// Mask::from_fn(2, 3, |_, kx| kx == 1).write_npy(&path)?;
    /// let a = read_npy::<f64>(&path)?;
    /// assert_eq!((a.shape, a.data), (vec![2, 3], vec![0.0, 1.0, 0.0, 0.0, 1.0, 0.0]));
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), cstk_measure::Error>(())
    /// ```
    pub fn write_npy(&self, path: &Path) -> Result<()> {
        npy::write_npy(path, &[self.ny, self.nx], &self.to_f64(), npy::NpyOrder::C)
    }

    /// Writes a `.png` ([`write_png`](Mask::write_png)) or `.npy`
    /// ([`write_npy`](Mask::write_npy)) file, chosen by the extension (any case).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] named `path` for any other extension (nothing is written);
    /// otherwise as the writer.
    ///
    /// ```
    /// use cstk_measure::{Error, mask::Mask};
    /// # let dir = std::env::temp_dir().join(format!("cstk-doc-mask-write-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let m = Mask::from_fn(8, 8, |ky, _| ky % 2 == 0);
    /// m.write(&dir.join("m.NPY"))?;
    /// assert_eq!(Mask::read(&dir.join("m.NPY"))?, m);
    /// let e = m.write(&dir.join("m.tiff")).unwrap_err();
    /// assert!(matches!(e, Error::InvalidParam { name: "path", .. }));
    /// assert!(!dir.join("m.tiff").exists());
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), cstk_measure::Error>(())
    /// ```
    pub fn write(&self, path: &Path) -> Result<()> {
        match format_of(path)? {
            Format::Png => self.write_png(path),
            Format::Npy => self.write_npy(path),
        }
    }

    /// Reads a mask from a `.npy` or `.png` file, chosen by the extension (any case).
    ///
    /// A `.npy` file must hold a 2-D array `(ny, nx)` of any dtype the
    /// [`npy`] reader supports (bool, integers, floats; complex only with
    /// every imaginary part 0) whose values are exactly 0 or 1. A PNG (any bit depth or colour
    /// type; see [`read_gray_png`](cstk_linop::io::png::read_gray_png)) must be black (0) and
    /// white (255, or 65535 at 16 bits) only.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] named `path` for another extension; [`Error::ShapeMismatch`]
    /// naming the file and its shape for an array that is not 2-D or has an empty dimension;
    /// [`Error::Format`] naming the first offending entry `(ky, kx)` and its value; the
    /// readers' [`Error::Io`] and [`Error::Format`] for missing or malformed files.
    ///
    /// ```
    /// use cstk_linop::io::npy::{NpyOrder, write_npy};
    /// use cstk_measure::{Error, mask::Mask};
    /// # let dir = std::env::temp_dir().join(format!("cstk-doc-mask-read-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("m.npy");
    /// write_npy(&path, &[2, 2], &[1.0f32, 0.0, 0.0, 1.0], NpyOrder::C)?;
    /// assert_eq!(Mask::read(&path)?.count(), 2);
    /// write_npy(&path, &[2, 2], &[1.0f64, 0.5, 0.0, 1.0], NpyOrder::C)?;
    /// let e = Mask::read(&path).unwrap_err();
    /// assert!(e.to_string().contains("(0, 1) = 0.5"), "{e}");
    /// write_npy(&path, &[4], &[1.0f64; 4], NpyOrder::C)?;
    /// assert!(matches!(Mask::read(&path), Err(Error::ShapeMismatch { .. })));
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), cstk_measure::Error>(())
    /// ```
    pub fn read(path: &Path) -> Result<Mask> {
        match format_of(path)? {
            Format::Png => read_png(path),
            Format::Npy => read_npy(path),
        }
    }

    fn to_f64(&self) -> Vec<f64> {
        self.data
            .iter()
            .map(|&b| if b { 1.0 } else { 0.0 })
            .collect()
    }
}

fn bad_entry(path: &Path, nx: usize, i: usize, what: String) -> Error {
    Error::Format {
        path: path.to_path_buf(),
        line: None,
        reason: format!("entry ({}, {}) = {what}", i / nx, i % nx),
    }
}

fn read_png(path: &Path) -> Result<Mask> {
    let img = png::read_gray_png(path)?;
    let mut data = Vec::with_capacity(img.data.len());
    for (i, &v) in img.data.iter().enumerate() {
        if v == 0.0 || v == 1.0 {
            data.push(v == 1.0);
        } else {
            let level = (v * 255.0 * 1000.0).round() / 1000.0;
            return Err(Error::Format {
                path: path.to_path_buf(),
                line: None,
                reason: format!(
                    "pixel (ky {}, kx {}) has gray level {level}; a mask PNG holds only 0 \
                     (not sampled) and 255 (sampled)",
                    i / img.nx,
                    i % img.nx
                ),
            });
        }
    }
    Mask::new(img.ny, img.nx, data)
}

fn read_npy(path: &Path) -> Result<Mask> {
    let header = npy::read_npy_header(path)?;
    let (ny, nx) = match header.shape.as_slice() {
        &[ny, nx] if ny > 0 && nx > 0 => (ny, nx),
        shape => {
            return Err(Error::ShapeMismatch {
                context: format!("mask file {}", path.display()),
                expected: "a 2-D array (ny, nx) with ny, nx ≥ 1".into(),
                got: format!("shape {}", shape_repr(shape)),
            });
        }
    };
    let values: Vec<f64> = if header.dtype.is_complex() {
        let a = npy::read_npy::<Complex<f64>>(path)?;
        if let Some(i) = a.data.iter().position(|z| z.im != 0.0) {
            let z = a.data[i];
            return Err(bad_entry(
                path,
                nx,
                i,
                format!(
                    "{}{:+}j: a complex mask must have zero imaginary parts",
                    z.re, z.im
                ),
            ));
        }
        a.data.into_iter().map(|z| z.re).collect()
    } else {
        npy::read_npy::<f64>(path)?.data
    };
    if let Some(i) = values.iter().position(|&v| v != 0.0 && v != 1.0) {
        return Err(bad_entry(
            path,
            nx,
            i,
            format!("{}: a mask holds only 0 and 1", values[i]),
        ));
    }
    Mask::new(ny, nx, values.into_iter().map(|v| v == 1.0).collect())
}
