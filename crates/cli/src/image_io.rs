//! Grayscale images in and out: PNG files as row-major `f64` arrays with values in [0, 1].

use anyhow::{Context, Result, bail};
use cstk_linop::io::atomic_write;
use image::{DynamicImage, ImageReader};
use std::path::Path;

/// A grayscale image: `ny` rows of `nx` pixels, row-major, values in [0, 1].
pub struct GrayImage {
    pub ny: usize,
    pub nx: usize,
    pub data: Vec<f64>,
}

/// Reads a PNG (8- or 16-bit; gray, gray+alpha, RGB or RGBA). Colour is converted to luma
/// with the ITU-R BT.601 weights 0.299 R + 0.587 G + 0.114 B (as PIL's `convert("L")`),
/// alpha is ignored, and values are scaled to [0, 1] by the bit depth's maximum.
pub fn read_gray_png(path: &Path) -> Result<GrayImage> {
    let img = ImageReader::open(path)
        .with_context(|| format!("{}: cannot open", path.display()))?
        .with_guessed_format()
        .with_context(|| format!("{}: cannot read", path.display()))?
        .decode()
        .with_context(|| format!("{}: not a readable PNG image", path.display()))?;
    let (nx, ny) = (img.width() as usize, img.height() as usize);
    if nx == 0 || ny == 0 {
        bail!("{}: the image is empty ({nx}x{ny})", path.display());
    }
    let luma = |r: f64, g: f64, b: f64| 0.299 * r + 0.587 * g + 0.114 * b;
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
        _ => img
            .to_rgb8()
            .pixels()
            .map(|p| luma(p.0[0] as f64, p.0[1] as f64, p.0[2] as f64) / 255.0)
            .collect(),
    };
    Ok(GrayImage { ny, nx, data })
}

/// Writes `data` (row-major `ny × nx`) as an 8-bit grayscale PNG, mapping `[lo, hi]` to
/// `[0, 255]` (values outside are clipped). Written atomically.
pub fn write_gray_png(
    path: &Path,
    ny: usize,
    nx: usize,
    data: &[f64],
    lo: f64,
    hi: f64,
) -> Result<()> {
    assert_eq!(data.len(), ny * nx, "write_gray_png: data length");
    let span = if hi > lo { hi - lo } else { 1.0 };
    let bytes: Vec<u8> = data
        .iter()
        .map(|&v| (((v - lo) / span).clamp(0.0, 1.0) * 255.0).round() as u8)
        .collect();
    let buf = image::GrayImage::from_raw(nx as u32, ny as u32, bytes)
        .context("image dimensions exceed the PNG limits")?;
    atomic_write(path, |w| {
        let mut cursor = std::io::Cursor::new(Vec::new());
        buf.write_to(&mut cursor, image::ImageFormat::Png)
            .map_err(std::io::Error::other)?;
        w.write_all(cursor.get_ref())
    })
    .with_context(|| format!("writing {}", path.display()))
}
