//! `read_gray_image`: PNG, JPEG and TIFF files (made here with the `image` crate) read as
//! BT.601 luma in `[0, 1]`; `read_gray_png` still accepts PNG only.

use cstk_linop::Error;
use cstk_linop::io::png::{read_gray_image, read_gray_png};
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cstk-imgread-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const NX: u32 = 16;
const NY: u32 = 12;

/// A 16 x 12 RGB gradient: red grows along x, green along y, blue along both; the diagonal
/// of column 0 / row 0 holds a few pure grays.
fn gradient() -> image::RgbImage {
    image::RgbImage::from_fn(NX, NY, |x, y| {
        if x == y {
            let v = (x * 20) as u8;
            image::Rgb([v, v, v])
        } else {
            image::Rgb([(x * 16) as u8, (y * 21) as u8, (255 - x * 8 - y * 5) as u8])
        }
    })
}

/// BT.601 luma of `img` in `[0, 1]`, row-major (gray pixels keep their level exactly).
fn expected_luma(img: &image::RgbImage) -> Vec<f64> {
    img.pixels()
        .map(|p| {
            let [r, g, b] = p.0.map(|c| c as f64);
            if r == g && g == b {
                r / 255.0
            } else {
                (0.299 * r + 0.587 * g + 0.114 * b) / 255.0
            }
        })
        .collect()
}

#[test]
fn rgb_tiff_is_exact_bt601_luma() {
    let d = scratch("tiff");
    let p = d.join("grad.tif");
    let img = gradient();
    img.save(&p).unwrap();
    let g = read_gray_image(&p).unwrap();
    assert_eq!((g.ny, g.nx), (NY as usize, NX as usize));
    assert_eq!(g.data, expected_luma(&img));
    // row-major: pixel (y, x) is data[y * nx + x]
    let (x, y) = (5, 3);
    let px = img.get_pixel(x, y).0.map(|c| c as f64);
    let want = (0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2]) / 255.0;
    assert_eq!(g.data[(y * NX + x) as usize], want);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn rgb_jpeg_is_close_to_bt601_luma() {
    let d = scratch("jpeg");
    let p = d.join("grad.jpg");
    // a smooth gradient (no gray diagonal: sharp edges ring in JPEG), at quality 90
    let img = image::RgbImage::from_fn(NX, NY, |x, y| {
        image::Rgb([(x * 16) as u8, (y * 21) as u8, (255 - x * 8 - y * 5) as u8])
    });
    let mut file = std::fs::File::create(&p).unwrap();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut file, 90)
        .encode_image(&img)
        .unwrap();
    drop(file);
    let g = read_gray_image(&p).unwrap();
    assert_eq!((g.ny, g.nx), (NY as usize, NX as usize));
    let want = expected_luma(&img);
    let worst = g
        .data
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(worst < 0.03, "max |error| = {worst}");
    assert!(g.data.iter().all(|v| (0.0..=1.0).contains(v)));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn gray_jpeg_and_16bit_and_rgba_tiff_are_scaled_to_unit_range() {
    let d = scratch("depths");
    // 8-bit gray JPEG of a flat field: JPEG keeps a constant block (almost) exactly
    let p = d.join("flat.jpg");
    image::GrayImage::from_pixel(8, 8, image::Luma([200]))
        .save(&p)
        .unwrap();
    let g = read_gray_image(&p).unwrap();
    assert!(
        g.data
            .iter()
            .all(|v| (v - 200.0 / 255.0).abs() < 2.0 / 255.0),
        "{:?}",
        g.data
    );
    // 16-bit gray TIFF
    let p = d.join("g16.tiff");
    image::ImageBuffer::<image::Luma<u16>, _>::from_raw(3, 1, vec![0u16, 32768, 65535])
        .unwrap()
        .save(&p)
        .unwrap();
    let g = read_gray_image(&p).unwrap();
    assert_eq!(g.data, vec![0.0, 32768.0 / 65535.0, 1.0]);
    // 16-bit RGB TIFF
    let p = d.join("rgb16.tif");
    image::ImageBuffer::<image::Rgb<u16>, _>::from_raw(2, 1, vec![65535u16, 0, 0, 7, 7, 7])
        .unwrap()
        .save(&p)
        .unwrap();
    let g = read_gray_image(&p).unwrap();
    assert!((g.data[0] - 0.299).abs() < 1e-12);
    assert_eq!(g.data[1], 7.0 / 65535.0);
    // RGBA TIFF: alpha ignored
    let p = d.join("rgba.tif");
    image::RgbaImage::from_raw(2, 1, vec![0, 255, 0, 0, 255, 255, 255, 10])
        .unwrap()
        .save(&p)
        .unwrap();
    let g = read_gray_image(&p).unwrap();
    assert!((g.data[0] - 0.587).abs() < 1e-12);
    assert_eq!(g.data[1], 1.0);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn float_rgb_tiff_values_are_kept_unclamped() {
    let d = scratch("float");
    let p = d.join("f.tif");
    let buf =
        image::Rgb32FImage::from_raw(3, 1, vec![0.5, 0.5, 0.5, 2.0, 2.0, 2.0, -1.0, 0.0, 0.0])
            .unwrap();
    image::DynamicImage::ImageRgb32F(buf).save(&p).unwrap();
    let g = read_gray_image(&p).unwrap();
    assert_eq!(g.data[0], 0.5);
    assert_eq!(g.data[1], 2.0); // not clamped to 1
    assert!((g.data[2] - -0.299).abs() < 1e-7, "{}", g.data[2]); // not clamped to 0
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn format_is_detected_from_contents_not_name() {
    let d = scratch("guess");
    let img = gradient();
    let tif = d.join("grad.tif");
    img.save(&tif).unwrap();
    let disguised = d.join("really_a_tiff.png");
    std::fs::copy(&tif, &disguised).unwrap();
    assert_eq!(
        read_gray_image(&disguised).unwrap().data,
        expected_luma(&img)
    );
    let png = d.join("grad.png");
    img.save(&png).unwrap();
    let disguised = d.join("really_a_png.jpg");
    std::fs::copy(&png, &disguised).unwrap();
    assert_eq!(
        read_gray_image(&disguised).unwrap().data,
        expected_luma(&img)
    );
    // PNG through both readers agrees
    assert_eq!(read_gray_image(&png).unwrap(), read_gray_png(&png).unwrap());
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn read_gray_png_still_rejects_jpeg_and_tiff() {
    let d = scratch("pngonly");
    let img = gradient();
    for name in ["g.jpg", "g.tif"] {
        let p = d.join(name);
        img.save(&p).unwrap();
        let e = read_gray_png(&p).unwrap_err();
        assert!(matches!(e, Error::Format { .. }), "{name}: {e}");
        assert!(e.to_string().contains(name), "{e}");
        assert!(read_gray_image(&p).is_ok());
    }
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn garbage_and_missing_files_are_errors_not_panics() {
    let d = scratch("bad");
    let missing = d.join("missing.tif");
    let e = read_gray_image(&missing).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e}");
    assert!(e.to_string().contains("missing.tif"), "{e}");
    let junk = d.join("junk.jpg");
    for bytes in [
        &b"this is not an image at all"[..],
        &b""[..],
        &b"\xff\xd8\xff\xe0 truncated jpeg"[..],
        &b"II*\x00\x08\x00\x00\x00"[..], // TIFF magic, no directory
        &b"MM\x00*garbage"[..],
        &b"\x89PNG\r\n\x1a\n truncated"[..],
        &b"GIF89a\x01\x00\x01\x00"[..], // a format we do not read
    ] {
        std::fs::write(&junk, bytes).unwrap();
        let e = read_gray_image(&junk).unwrap_err();
        assert!(matches!(e, Error::Format { .. }), "{bytes:?}: {e}");
        assert!(e.to_string().contains("junk.jpg"), "{e}");
    }
    // a truncated real JPEG: header intact, scan data cut
    let full = d.join("full.jpg");
    gradient().save(&full).unwrap();
    let bytes = std::fs::read(&full).unwrap();
    std::fs::write(&junk, &bytes[..200.min(bytes.len() / 2)]).unwrap();
    // the decoder may pad a cut scan; it must not panic, and a result must have the shape
    if let Ok(g) = read_gray_image(&junk) {
        assert_eq!((g.ny, g.nx), (NY as usize, NX as usize));
    }
    std::fs::remove_dir_all(&d).unwrap();
}
