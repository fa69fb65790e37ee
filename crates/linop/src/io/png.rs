//! Grayscale images (PNG, JPEG, TIFF) as row-major `f64` arrays, normally in `[0, 1]`.
//!
//! This is the one place for grayscale image files:
//!
//! * [`read_gray_image`] reads PNG, JPEG or TIFF (the format is recognized from the file's
//!   contents, not its name); [`read_gray_png`] does the same but accepts PNG only.
//! * Both accept 8- and 16-bit gray, gray+alpha, RGB and RGBA pixels and return luma
//!   (ITU-R BT.601, `0.299 R + 0.587 G + 0.114 B`, as PIL's `convert("L")`) divided by the
//!   bit depth's maximum, so values lie in `[0, 1]`; alpha is ignored. TIFF files with
//!   32-bit float RGB(A) samples are accepted too, and their luma is returned *unscaled and
//!   unclamped* (so it may leave `[0, 1]`); 32-bit float *gray* TIFF is not supported by the
//!   decoder and is reported as [`Error::Format`].
//! * [`write_gray_png`] maps a value range `[lo, hi]` to the 8-bit levels `0..=255` and writes
//!   the file atomically (through [`atomic_write`](crate::io::atomic_write)).
//!
//! ```
//! use cstk_linop::io::png::{read_gray_image, read_gray_png, write_gray_png};
//! # let dir = std::env::temp_dir().join(format!("cstk-doc-png-mod-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! let path = dir.join("ramp.png");
//! let ramp: Vec<f64> = (0..6).map(|k| k as f64 / 5.0).collect(); // 2 x 3, row-major
//! write_gray_png(&path, 2, 3, &ramp, 0.0, 1.0).unwrap();
//! let img = read_gray_png(&path).unwrap();
//! assert_eq!((img.ny, img.nx), (2, 3));
//! assert_eq!(img.data[5], 1.0);
//! assert!((img.data[1] - 0.2).abs() <= 0.5 / 255.0); // 8-bit quantization
//! assert_eq!(read_gray_image(&path).unwrap(), img); // the general reader agrees
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use crate::{Error, Result};
use image::{DynamicImage, ImageFormat, ImageReader};
use std::path::Path;

/// A grayscale image: `ny` rows of `nx` pixels, row-major, values in `[0, 1]` (except for
/// float TIFF input, whose values are kept as they are).
///
/// ```
/// use cstk_linop::io::png::GrayImage;
/// let img = GrayImage { ny: 1, nx: 2, data: vec![0.0, 1.0] };
/// assert_eq!(img.data[img.nx - 1], 1.0);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GrayImage {
    /// Number of rows (the image's height).
    pub ny: usize,
    /// Number of columns (the image's width).
    pub nx: usize,
    /// `ny * nx` values in row-major order, each in `[0, 1]` for integer pixel formats.
    pub data: Vec<f64>,
}

/// ITU-R BT.601 luma `0.299 R + 0.587 G + 0.114 B`; a gray pixel (`R = G = B`) maps to its
/// level exactly (the weighted sum could round it off by an ulp).
fn luma(r: f64, g: f64, b: f64) -> f64 {
    if r == g && g == b {
        r
    } else {
        0.299 * r + 0.587 * g + 0.114 * b
    }
}

/// Reads a PNG file (8- or 16-bit; gray, gray+alpha, RGB or RGBA) as a grayscale image.
///
/// Colour is converted to luma with the ITU-R BT.601 weights `0.299 R + 0.587 G + 0.114 B`
/// (as PIL's `convert("L")`; gray pixels of an RGB file keep their level exactly), alpha is
/// ignored, and values are divided by the bit depth's maximum (255 or 65535), so they lie
/// in `[0, 1]`. The format is recognized from the file's contents, not its name.
///
/// # Errors
/// [`Error::Io`] when the file cannot be opened or read; [`Error::Format`] when it is not a
/// decodable PNG (JPEG and TIFF files included: read those with [`read_gray_image`]) or has
/// no pixels.
///
/// ```
/// use cstk_linop::{Error, io::png::{read_gray_png, write_gray_png}};
/// # let dir = std::env::temp_dir().join(format!("cstk-doc-png-read-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("a.png");
/// write_gray_png(&path, 1, 2, &[0.0, 1.0], 0.0, 1.0).unwrap();
/// assert_eq!(read_gray_png(&path).unwrap().data, vec![0.0, 1.0]);
/// std::fs::write(&path, b"not a png").unwrap();
/// assert!(matches!(read_gray_png(&path), Err(Error::Format { .. })));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn read_gray_png(path: &Path) -> Result<GrayImage> {
    read_gray(path, &[ImageFormat::Png], "PNG")
}

/// Reads a PNG, JPEG or TIFF file as a grayscale image; the format is recognized from the
/// file's contents, not its name.
///
/// Pixels convert as in [`read_gray_png`]: 8- or 16-bit gray, gray+alpha, RGB or RGBA
/// become BT.601 luma `0.299 R + 0.587 G + 0.114 B` (gray pixels keep their level exactly)
/// divided by 255 or 65535, so values lie in `[0, 1]`; alpha is ignored. A TIFF with 32-bit
/// float RGB(A) samples is accepted and its luma kept as it is, neither scaled nor clamped
/// (it may lie outside `[0, 1]`); the decoder does not support 32-bit float gray TIFF, which
/// is an [`Error::Format`]. JPEG is lossy: expect its values within a few levels of the
/// original.
///
/// # Errors
/// [`Error::Io`] when the file cannot be opened or read; [`Error::Format`] when it is not a
/// decodable PNG, JPEG or TIFF image, or has no pixels.
///
/// ```
/// use cstk_linop::{Error, io::png::read_gray_image};
/// # let dir = std::env::temp_dir().join(format!("cstk-doc-img-read-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("a.tif");
/// // an RGB TIFF: red, then white
/// image::RgbImage::from_raw(2, 1, vec![255, 0, 0, 255, 255, 255]).unwrap().save(&path).unwrap();
/// let img = read_gray_image(&path).unwrap();
/// assert_eq!((img.ny, img.nx), (1, 2));
/// assert!((img.data[0] - 0.299).abs() < 1e-12);
/// assert_eq!(img.data[1], 1.0);
/// std::fs::write(&path, b"not an image").unwrap();
/// assert!(matches!(read_gray_image(&path), Err(Error::Format { .. })));
/// assert!(matches!(read_gray_image(&dir.join("none.jpg")), Err(Error::Io { .. })));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn read_gray_image(path: &Path) -> Result<GrayImage> {
    read_gray(
        path,
        &[ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Tiff],
        "PNG, JPEG or TIFF",
    )
}

/// Decodes `path` as one of `formats` (recognized from its contents) and converts it to luma.
fn read_gray(path: &Path, formats: &[ImageFormat], what: &str) -> Result<GrayImage> {
    let format_err = |reason: String| Error::Format {
        path: path.to_path_buf(),
        line: None,
        reason,
    };
    let io_err = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let reader = ImageReader::open(path)
        .map_err(io_err)?
        .with_guessed_format()
        .map_err(io_err)?;
    match reader.format() {
        Some(f) if formats.contains(&f) => {}
        Some(f) => {
            return Err(format_err(format!(
                "not a {what} image (the contents look like {f:?})"
            )));
        }
        None => return Err(format_err(format!("not a {what} image"))),
    }
    let img = reader
        .decode()
        .map_err(|e| format_err(format!("not a readable {what} image ({e})")))?;
    let (nx, ny) = (img.width() as usize, img.height() as usize);
    if nx == 0 || ny == 0 {
        return Err(format_err(format!("the image is empty ({nx}x{ny})")));
    }
    let data: Vec<f64> = match &img {
        DynamicImage::ImageLuma8(b) => b.pixels().map(|p| p.0[0] as f64 / 255.0).collect(),
        DynamicImage::ImageLumaA8(b) => b.pixels().map(|p| p.0[0] as f64 / 255.0).collect(),
        DynamicImage::ImageLuma16(b) => b.pixels().map(|p| p.0[0] as f64 / 65535.0).collect(),
        DynamicImage::ImageLumaA16(b) => b.pixels().map(|p| p.0[0] as f64 / 65535.0).collect(),
        DynamicImage::ImageRgb16(_) | DynamicImage::ImageRgba16(_) => img
            .to_rgb16()
            .pixels()
            .map(|p| luma(p.0[0] as f64, p.0[1] as f64, p.0[2] as f64) / 65535.0)
            .collect(),
        DynamicImage::ImageRgb32F(_) | DynamicImage::ImageRgba32F(_) => img
            .to_rgb32f()
            .pixels()
            .map(|p| luma(p.0[0] as f64, p.0[1] as f64, p.0[2] as f64))
            .collect(),
        _ => img
            .to_rgb8()
            .pixels()
            .map(|p| luma(p.0[0] as f64, p.0[1] as f64, p.0[2] as f64) / 255.0)
            .collect(),
    };
    Ok(GrayImage { ny, nx, data })
}

/// Writes `data` (row-major `ny × nx`) as an 8-bit grayscale PNG, mapping `[lo, hi]` to the
/// levels `0..=255` (rounded to nearest; values outside are clipped, NaN becomes 0; if
/// `hi <= lo` the range is `[lo, lo + 1]`). Written atomically: on failure `path` is left as
/// it was.
///
/// # Errors
/// [`Error::ShapeMismatch`] unless `data.len() == ny * nx`; [`Error::InvalidParam`] for an
/// empty shape or one beyond the PNG limit of 2³² − 1 pixels a side; [`Error::Io`] when
/// writing fails.
///
/// ```
/// use cstk_linop::io::png::{read_gray_png, write_gray_png};
/// # let dir = std::env::temp_dir().join(format!("cstk-doc-png-write-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("b.png");
/// // [-1, 1] → [0, 255]: -1 is black, 1 white, 3 clipped to white
/// write_gray_png(&path, 2, 2, &[-1.0, 0.0, 1.0, 3.0], -1.0, 1.0).unwrap();
/// let img = read_gray_png(&path).unwrap();
/// assert_eq!(img.data, vec![0.0, 128.0 / 255.0, 1.0, 1.0]);
/// assert!(write_gray_png(&path, 2, 2, &[0.0; 3], 0.0, 1.0).is_err());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn write_gray_png(
    path: &Path,
    ny: usize,
    nx: usize,
    data: &[f64],
    lo: f64,
    hi: f64,
) -> Result<()> {
    if data.len() != ny.saturating_mul(nx) {
        return Err(Error::ShapeMismatch {
            context: format!("writing PNG {}", path.display()),
            expected: format!("{ny} x {nx} = {} values", ny.saturating_mul(nx)),
            got: format!("{}", data.len()),
        });
    }
    let (width, height) = match (u32::try_from(nx), u32::try_from(ny)) {
        (Ok(w), Ok(h)) if w > 0 && h > 0 => (w, h),
        _ => {
            return Err(Error::InvalidParam {
                name: "shape",
                value: format!("{ny}x{nx}"),
                expected: "1 to 4294967295 pixels a side for a PNG image".into(),
            });
        }
    };
    let span = if hi > lo { hi - lo } else { 1.0 };
    let bytes: Vec<u8> = data
        .iter()
        .map(|&v| (((v - lo) / span).clamp(0.0, 1.0) * 255.0).round() as u8)
        .collect();
    let buf =
        image::GrayImage::from_raw(width, height, bytes).ok_or_else(|| Error::InvalidParam {
            name: "shape",
            value: format!("{ny}x{nx}"),
            expected: "an image that fits in memory".into(),
        })?;
    crate::io::atomic_write(path, |w| {
        let mut encoded = std::io::Cursor::new(Vec::new());
        buf.write_to(&mut encoded, image::ImageFormat::Png)
            .map_err(std::io::Error::other)?;
        w.write_all(encoded.get_ref())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("cstk-png-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn round_trip_is_exact_on_the_8bit_levels() {
        let d = scratch("rt");
        let p = d.join("x.png");
        let (ny, nx) = (7, 37);
        let data: Vec<f64> = (0..ny * nx).map(|k| (k % 256) as f64 / 255.0).collect();
        write_gray_png(&p, ny, nx, &data, 0.0, 1.0).unwrap();
        let img = read_gray_png(&p).unwrap();
        assert_eq!((img.ny, img.nx), (ny, nx));
        assert_eq!(img.data, data);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn range_mapping_clips_and_handles_degenerate_ranges() {
        let d = scratch("range");
        let p = d.join("x.png");
        write_gray_png(&p, 1, 4, &[10.0, 15.0, 20.0, f64::NAN], 10.0, 20.0).unwrap();
        let v = read_gray_png(&p).unwrap().data;
        assert_eq!(v, vec![0.0, 128.0 / 255.0, 1.0, 0.0]);
        // hi <= lo: the range [lo, lo + 1]
        write_gray_png(&p, 1, 2, &[5.0, 6.0], 5.0, 5.0).unwrap();
        assert_eq!(read_gray_png(&p).unwrap().data, vec![0.0, 1.0]);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn colour_and_16bit_inputs_convert_to_luma() {
        let d = scratch("colour");
        let p = d.join("c.png");
        let rgb = image::RgbImage::from_raw(
            3,
            1,
            vec![255, 0, 0, 0, 255, 0, 255, 255, 255], // red, green, white
        )
        .unwrap();
        rgb.save(&p).unwrap();
        let v = read_gray_png(&p).unwrap().data;
        assert!((v[0] - 0.299).abs() < 1e-12 && (v[1] - 0.587).abs() < 1e-12);
        assert_eq!(v[2], 1.0); // gray pixels keep their level exactly
        let g16 =
            image::ImageBuffer::<image::Luma<u16>, _>::from_raw(2, 1, vec![0u16, 65535]).unwrap();
        g16.save(&p).unwrap();
        assert_eq!(read_gray_png(&p).unwrap().data, vec![0.0, 1.0]);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn bad_files_are_errors_not_panics() {
        let d = scratch("bad");
        let missing = d.join("missing.png");
        let e = read_gray_png(&missing).unwrap_err();
        assert!(matches!(e, Error::Io { .. }), "{e}");
        assert!(e.to_string().contains("missing.png"));
        let junk = d.join("junk.png");
        std::fs::write(&junk, b"\x89PNG\r\n\x1a\n truncated").unwrap();
        let e = read_gray_png(&junk).unwrap_err();
        assert!(matches!(e, Error::Format { .. }), "{e}");
        assert!(e.to_string().contains("junk.png"), "{e}");
        std::fs::write(&junk, b"").unwrap();
        assert!(matches!(read_gray_png(&junk), Err(Error::Format { .. })));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn bad_writes_leave_nothing_behind() {
        let d = scratch("badw");
        let p = d.join("x.png");
        let e = write_gray_png(&p, 2, 3, &[0.0; 5], 0.0, 1.0).unwrap_err();
        assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
        let e = write_gray_png(&p, 0, 0, &[], 0.0, 1.0).unwrap_err();
        assert!(
            matches!(e, Error::InvalidParam { name: "shape", .. }),
            "{e}"
        );
        let e = write_gray_png(&d.join("no/such/dir.png"), 1, 1, &[0.0], 0.0, 1.0).unwrap_err();
        assert!(matches!(e, Error::Io { .. }), "{e}");
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 0);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
