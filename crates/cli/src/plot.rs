//! PNG plots and montages: line plots of per-iteration series (linear or log y axis),
//! a two-panel convergence plot, and labelled grayscale image montages.
//!
//! Everything is drawn with a tiny embedded bitmap font ([`font`]) into an RGB buffer and
//! written atomically through [`cstk_linop::io::atomic_write`], so a failed write never
//! leaves a partial file behind.

#![allow(dead_code)]

#[path = "font.rs"]
mod font;

use anyhow::{Context, bail};
use font::{draw_text, text_height, text_width};
use image::{ImageEncoder, Rgb, RgbImage};
use std::path::Path;

/// Width of a line plot in pixels.
pub const PLOT_W: u32 = 800;
/// Height of a line plot in pixels.
pub const PLOT_H: u32 = 500;
/// Height of each of the two stacked panels of [`write_convergence_png`].
pub const CONVERGENCE_PANEL_H: u32 = 400;

const WHITE: [u8; 3] = [255, 255, 255];
const BLACK: [u8; 3] = [0, 0, 0];
const GRID: [u8; 3] = [225, 225, 225];
const GRAY_TEXT: [u8; 3] = [110, 110, 110];

/// One line of a line plot: `y[k]` is drawn at x = `k + 1` (the iteration number).
#[derive(Clone, Copy, Debug)]
pub struct Series<'a> {
    /// Legend text.
    pub label: &'a str,
    /// The values; NaN, ±Inf (and non-positive values on a log axis) are skipped, breaking
    /// the line.
    pub y: &'a [f64],
    /// Line colour (RGB).
    pub colour: [u8; 3],
}

/// One grayscale image of a montage: `ny` rows of `nx` values, row-major, mapped from
/// `[lo, hi]` to black..white (clamped; NaN is black; `hi <= lo` means `[lo, lo + 1]`).
#[derive(Clone, Copy, Debug)]
pub struct Panel<'a> {
    /// Text drawn above the image.
    pub label: &'a str,
    /// Number of rows.
    pub ny: usize,
    /// Number of columns.
    pub nx: usize,
    /// `ny * nx` values, row-major.
    pub data: &'a [f64],
    /// Value drawn black.
    pub lo: f64,
    /// Value drawn white.
    pub hi: f64,
}

// ---------------------------------------------------------------------------------------
// PNG output

/// Encodes `img` as PNG and writes it atomically to `path`.
fn save_rgb_png(path: &Path, img: &RgbImage) -> anyhow::Result<()> {
    cstk_linop::io::atomic_write(path, |w| {
        image::codecs::png::PngEncoder::new(w)
            .write_image(
                img.as_raw(),
                img.width(),
                img.height(),
                image::ExtendedColorType::Rgb8,
            )
            .map_err(std::io::Error::other)
    })
    .with_context(|| format!("writing PNG {}", path.display()))
}

// ---------------------------------------------------------------------------------------
// Drawing primitives (all clipped to the image)

fn fill_rect(img: &mut RgbImage, x0: i64, y0: i64, x1: i64, y1: i64, c: [u8; 3]) {
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    for y in y0.max(0)..y1.min(h) {
        for x in x0.max(0)..x1.min(w) {
            img.put_pixel(x as u32, y as u32, Rgb(c));
        }
    }
}

/// Outline of the rectangle with corners (x0, y0) and (x1, y1), inclusive, 1 px wide.
fn stroke_rect(img: &mut RgbImage, x0: i64, y0: i64, x1: i64, y1: i64, c: [u8; 3]) {
    fill_rect(img, x0, y0, x1 + 1, y0 + 1, c);
    fill_rect(img, x0, y1, x1 + 1, y1 + 1, c);
    fill_rect(img, x0, y0, x0 + 1, y1 + 1, c);
    fill_rect(img, x1, y0, x1 + 1, y1 + 1, c);
}

/// A clip rectangle, inclusive bounds.
#[derive(Clone, Copy)]
struct Clip {
    x0: i64,
    y0: i64,
    x1: i64,
    y1: i64,
}

/// A 2-px-wide line from (xa, ya) to (xb, yb) (Bresenham, each step a 2×2 square),
/// clipped to `clip`.
fn thick_line(img: &mut RgbImage, a: (i64, i64), b: (i64, i64), clip: Clip, c: [u8; 3]) {
    let (mut x, mut y) = a;
    let (dx, dy) = ((b.0 - a.0).abs(), -(b.1 - a.1).abs());
    let (sx, sy) = (
        if a.0 < b.0 { 1 } else { -1 },
        if a.1 < b.1 { 1 } else { -1 },
    );
    let mut err = dx + dy;
    loop {
        for (ox, oy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            let (px, py) = (x + ox, y + oy);
            if px >= clip.x0 && px <= clip.x1 && py >= clip.y0 && py <= clip.y1 {
                img.put_pixel(px as u32, py as u32, Rgb(c));
            }
        }
        if x == b.0 && y == b.1 {
            break;
        }
        let e2 = 2 * err;
        if e2 >= dy {
            err += dy;
            x += sx;
        }
        if e2 <= dx {
            err += dx;
            y += sy;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Axes and ticks

/// An axis: its range (in plot coordinates: the value, or log10 of it on a log axis) and
/// its ticks as (position, label).
struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<(f64, String)>,
}

/// Nice linear ticks (steps 1, 2, 2.5, 5 × 10^k; integers only when `integer`) covering
/// `[lo, hi]` with about five ticks; the axis range is widened to the outer ticks.
fn linear_axis(lo: f64, hi: f64, integer: bool) -> Axis {
    let (mut lo, mut hi) = (lo, hi);
    if hi <= lo {
        let d = if integer || lo == 0.0 {
            1.0
        } else {
            0.1 * lo.abs()
        };
        lo -= d;
        hi += d;
    }
    let span = hi - lo;
    let e0 = (span / 5.0).log10().floor() as i32;
    let start = if integer { (e0 - 1).max(0) } else { e0 - 1 };
    let end = start.max(e0 + 2);
    // (score, step, first index, last index)
    let mut best: Option<(i64, f64, f64, f64)> = None;
    for e in start..=end {
        for m in [1.0, 2.0, 2.5, 5.0] {
            let step = m * 10f64.powi(e);
            if integer && (step < 1.0 || step.fract() != 0.0) {
                continue;
            }
            let (a, b) = ((lo / step).floor(), (hi / step).ceil());
            let count = (b - a) as i64 + 1;
            if count < 2 {
                continue;
            }
            let score = (count - 5).abs();
            if best.is_none_or(|bst| score < bst.0) {
                best = Some((score, step, a, b));
            }
        }
    }
    let (_, step, a, b) = best.unwrap_or((0, span, (lo / span).floor(), (hi / span).ceil()));
    let (alo, ahi) = (a * step, b * step);
    let mag = alo.abs().max(ahi.abs());
    let ticks = (0..=((b - a) as i64))
        .map(|i| {
            let v = (a + i as f64) * step;
            (v, format_linear(v, step, mag))
        })
        .collect();
    Axis {
        lo: alo,
        hi: ahi,
        ticks,
    }
}

/// Formats a linear tick value `v` with just enough digits for the tick `step`.
fn format_linear(v: f64, step: f64, mag: f64) -> String {
    if v.abs() < step * 1e-6 {
        return "0".into();
    }
    let e_step = step.log10().floor();
    let extra = if ((step / 10f64.powf(e_step)) - 2.5).abs() < 1e-9 {
        1
    } else {
        0
    };
    if mag >= 1e5 || step < 1e-3 {
        let digits = ((v.abs().log10().floor() - e_step).max(0.0) as usize) + extra;
        format!("{v:.digits$e}")
    } else {
        let decimals = ((-e_step).max(0.0) as usize) + extra;
        format!("{v:.decimals$}")
    }
}

/// Log axis over positive `[lo, hi]`: range in decades (log10), ticks at powers of ten
/// labelled like `1e-3` (every few decades when the range is wide; with 2×, 5× ticks added
/// when it spans at most two decades).
fn log_axis(lo: f64, hi: f64) -> Axis {
    let mut a = lo.log10().floor();
    let mut b = hi.log10().ceil();
    if b <= a {
        b = a + 1.0;
    }
    let decades = (b - a) as i64;
    let mut ticks = Vec::new();
    if decades > 6 {
        let stride = ((decades as f64) / 5.0).ceil();
        a = (a / stride).floor() * stride;
        b = (b / stride).ceil() * stride;
        let mut e = a;
        while e <= b + 0.5 {
            ticks.push((e, format!("1e{}", e as i64)));
            e += stride;
        }
    } else {
        for k in 0..=decades {
            let e = a + k as f64;
            ticks.push((e, format!("1e{}", e as i64)));
            if decades <= 2 && k < decades {
                for m in [2.0f64, 5.0] {
                    ticks.push((e + m.log10(), format!("{m}e{}", e as i64)));
                }
            }
        }
    }
    Axis {
        lo: a,
        hi: b,
        ticks,
    }
}

// ---------------------------------------------------------------------------------------
// Line plots

/// Draws a line plot into the rectangle (`ox`, `oy`, `w`, `h`) of `img`.
#[allow(clippy::too_many_arguments)]
fn render_line_plot(
    img: &mut RgbImage,
    ox: i64,
    oy: i64,
    w: i64,
    h: i64,
    title: &str,
    x_label: &str,
    series: &[Series<'_>],
    log_y: bool,
) {
    let valid = |v: f64| v.is_finite() && (!log_y || v > 0.0);
    let (mut ymin, mut ymax) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut n_max = 0usize;
    for s in series {
        n_max = n_max.max(s.y.len());
        for &v in s.y.iter().filter(|&&v| valid(v)) {
            ymin = ymin.min(v);
            ymax = ymax.max(v);
        }
    }
    let has_data = ymin <= ymax;
    if !has_data {
        (ymin, ymax) = if log_y { (1.0, 10.0) } else { (0.0, 1.0) };
    }
    let x_axis = linear_axis(1.0, n_max.max(1) as f64, true);
    let y_axis = if log_y {
        log_axis(ymin, ymax)
    } else {
        linear_axis(ymin, ymax, false)
    };

    // Plot area (inclusive pixel bounds).
    let (left, right) = (ox + 78, ox + w - 22);
    let (top, bottom) = (oy + 38, oy + h - 46);
    let clip = Clip {
        x0: left + 1,
        y0: top + 1,
        x1: right - 1,
        y1: bottom - 1,
    };
    let map_x =
        |x: f64| left as f64 + (x - x_axis.lo) / (x_axis.hi - x_axis.lo) * (right - left) as f64;
    let map_y =
        |t: f64| bottom as f64 - (t - y_axis.lo) / (y_axis.hi - y_axis.lo) * (bottom - top) as f64;
    let to_t = |v: f64| if log_y { v.log10() } else { v };

    // Title.
    let tw = i64::from(text_width(title, 2));
    draw_text(img, ox + (w - tw) / 2, oy + 10, title, 2, BLACK);

    // Grid, ticks and tick labels.
    let th = i64::from(text_height(1));
    for (t, label) in &x_axis.ticks {
        let px = map_x(*t).round() as i64;
        fill_rect(img, px, top + 1, px + 1, bottom, GRID);
        fill_rect(img, px, bottom, px + 1, bottom + 5, BLACK);
        let lw = i64::from(text_width(label, 1));
        draw_text(img, px - lw / 2, bottom + 9, label, 1, BLACK);
    }
    for (t, label) in &y_axis.ticks {
        let py = map_y(*t).round() as i64;
        fill_rect(img, left + 1, py, right, py + 1, GRID);
        fill_rect(img, left - 5, py, left, py + 1, BLACK);
        let lw = i64::from(text_width(label, 1));
        draw_text(img, left - 9 - lw, py - th / 2, label, 1, BLACK);
    }
    stroke_rect(img, left, top, right, bottom, BLACK);

    // x-axis label.
    let lw = i64::from(text_width(x_label, 1));
    draw_text(
        img,
        left + (right - left - lw) / 2,
        bottom + 9 + th + 8,
        x_label,
        1,
        BLACK,
    );

    if !has_data {
        let msg = "no data";
        let mw = i64::from(text_width(msg, 2));
        let mh = i64::from(text_height(2));
        draw_text(
            img,
            (left + right - mw) / 2,
            (top + bottom - mh) / 2,
            msg,
            2,
            GRAY_TEXT,
        );
    }

    // The series.
    for s in series {
        let pt = |k: usize| -> (i64, i64) {
            (
                map_x((k + 1) as f64).round() as i64,
                map_y(to_t(s.y[k])).round() as i64,
            )
        };
        for k in 0..s.y.len() {
            if !valid(s.y[k]) {
                continue;
            }
            let prev_ok = k > 0 && valid(s.y[k - 1]);
            let next_ok = k + 1 < s.y.len() && valid(s.y[k + 1]);
            if next_ok {
                thick_line(img, pt(k), pt(k + 1), clip, s.colour);
            } else if !prev_ok {
                // An isolated point: a small square so it stays visible.
                let (x, y) = pt(k);
                thick_line(img, (x - 1, y - 1), (x, y - 1), clip, s.colour);
                thick_line(img, (x - 1, y), (x, y), clip, s.colour);
            }
        }
    }

    // Legend (top right inside the plot area).
    if !series.is_empty() {
        let row_h = th + 6;
        let max_lw = series
            .iter()
            .map(|s| i64::from(text_width(s.label, 1)))
            .max()
            .unwrap_or(0);
        let box_w = 8 + 22 + 6 + max_lw + 8;
        let box_h = 6 + row_h * series.len() as i64;
        let bx1 = right - 8;
        let bx0 = bx1 - box_w;
        let by0 = top + 8;
        fill_rect(img, bx0, by0, bx1 + 1, by0 + box_h + 1, WHITE);
        stroke_rect(img, bx0, by0, bx1, by0 + box_h, GRAY_TEXT);
        for (i, s) in series.iter().enumerate() {
            let ry = by0 + 6 + i as i64 * row_h;
            fill_rect(
                img,
                bx0 + 8,
                ry + th / 2 - 1,
                bx0 + 30,
                ry + th / 2 + 1,
                s.colour,
            );
            draw_text(img, bx0 + 36, ry, s.label, 1, BLACK);
        }
    }
}

/// Writes an 800×500 RGB PNG line plot of `series` against the iteration number
/// (x = 1..=len): white background, axes box with about five nice ticks on each axis,
/// title, x-axis label and legend. With `log_y` the y axis is logarithmic (ticks at powers
/// of ten labelled like `1e-3`). NaN, ±Inf and (on a log axis) non-positive values are
/// skipped, breaking the line; when nothing is left to draw the plot says "no data".
///
/// # Errors
/// When the file cannot be written (then no file is left behind).
pub fn write_line_plot(
    path: &Path,
    title: &str,
    x_label: &str,
    series: &[Series<'_>],
    log_y: bool,
) -> anyhow::Result<()> {
    let mut img = RgbImage::from_pixel(PLOT_W, PLOT_H, Rgb(WHITE));
    render_line_plot(
        &mut img,
        0,
        0,
        i64::from(PLOT_W),
        i64::from(PLOT_H),
        title,
        x_label,
        series,
        log_y,
    );
    save_rgb_png(path, &img)
}

/// Writes an 800×800 RGB PNG with two stacked plots against the iteration number:
///
/// * top, "objective": `(f_k − f_min)/|f_min|` on a log axis when `f_min` is finite and
///   non-zero and some of those values are positive, otherwise `f_k` itself on a linear axis;
/// * bottom, the relative change `‖x_k − x_{k−1}‖/‖x_k‖` on a log axis.
///
/// Empty or non-finite inputs give "no data" panels rather than an error.
///
/// # Errors
/// When the file cannot be written (then no file is left behind).
pub fn write_convergence_png(
    path: &Path,
    objective: &[f64],
    rel_change: &[f64],
) -> anyhow::Result<()> {
    let f_min = objective
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(f64::INFINITY, f64::min);
    let relative: Vec<f64> = if f_min.is_finite() && f_min != 0.0 {
        objective
            .iter()
            .map(|&f| (f - f_min) / f_min.abs())
            .collect()
    } else {
        Vec::new()
    };
    let use_relative = relative.iter().any(|&v| v.is_finite() && v > 0.0);
    let (obj_y, obj_title, obj_label, obj_log) = if use_relative {
        (
            relative.as_slice(),
            "objective: (f_k - f_min) / |f_min|",
            "(f - f_min)/|f_min|",
            true,
        )
    } else {
        (objective, "objective f_k", "f_k", false)
    };
    let (w, ph) = (PLOT_W, CONVERGENCE_PANEL_H);
    let mut img = RgbImage::from_pixel(w, 2 * ph, Rgb(WHITE));
    render_line_plot(
        &mut img,
        0,
        0,
        i64::from(w),
        i64::from(ph),
        obj_title,
        "iteration",
        &[Series {
            label: obj_label,
            y: obj_y,
            colour: [31, 119, 180],
        }],
        obj_log,
    );
    render_line_plot(
        &mut img,
        0,
        i64::from(ph),
        i64::from(w),
        i64::from(ph),
        "relative change |x_k - x_k-1| / |x_k|",
        "iteration",
        &[Series {
            label: "rel. change",
            y: rel_change,
            colour: [214, 39, 40],
        }],
        true,
    );
    save_rgb_png(path, &img)
}

// ---------------------------------------------------------------------------------------
// Montages

/// Gap between montage columns, and margin around the montage, in pixels.
const MONTAGE_GAP: u32 = 8;
/// Height of the header strip holding the labels.
const MONTAGE_HEADER: u32 = 24;

/// Montage geometry: image size and, per panel, the top-left corner of its image and the
/// label's position and scale.
struct MontageLayout {
    width: u32,
    height: u32,
    /// (image x, image y, label x, label y, label scale) per panel.
    cells: Vec<(u32, u32, u32, u32, u32)>,
}

fn montage_layout(panels: &[Panel<'_>]) -> anyhow::Result<MontageLayout> {
    if panels.is_empty() {
        bail!("montage: no panels to draw");
    }
    let mut x = u64::from(MONTAGE_GAP);
    let mut max_ny = 0u64;
    let mut cells = Vec::with_capacity(panels.len());
    for (i, p) in panels.iter().enumerate() {
        if p.ny == 0 || p.nx == 0 {
            bail!(
                "montage: panel {i} ({:?}) has an empty shape {}x{}",
                p.label,
                p.ny,
                p.nx
            );
        }
        if p.data.len() != p.ny.saturating_mul(p.nx) {
            bail!(
                "montage: panel {i} ({:?}) is {}x{} = {} values but has {}",
                p.label,
                p.ny,
                p.nx,
                p.ny.saturating_mul(p.nx),
                p.data.len()
            );
        }
        let (nx, ny) = (p.nx as u64, p.ny as u64);
        let scale = if u64::from(text_width(p.label, 2)) <= nx {
            2
        } else {
            1
        };
        let lw = u64::from(text_width(p.label, scale));
        let col_w = nx.max(lw);
        let img_x = x + (col_w - nx) / 2;
        let lab_x = x + (col_w - lw) / 2;
        let lab_y = (u64::from(MONTAGE_HEADER) - u64::from(text_height(scale))) / 2;
        cells.push((img_x, lab_x, lab_y, scale));
        x += col_w + u64::from(MONTAGE_GAP);
        max_ny = max_ny.max(ny);
    }
    let width = x;
    let height = u64::from(MONTAGE_HEADER) + max_ny + u64::from(MONTAGE_GAP);
    const MAX_SIDE: u64 = 1 << 16;
    if width > MAX_SIDE || height > MAX_SIDE {
        bail!("montage: {width}x{height} pixels is too large (at most {MAX_SIDE} a side)");
    }
    Ok(MontageLayout {
        width: width as u32,
        height: height as u32,
        cells: cells
            .into_iter()
            .map(|(ix, lx, ly, s)| (ix as u32, MONTAGE_HEADER, lx as u32, ly as u32, s))
            .collect(),
    })
}

/// Writes an RGB PNG montage of grayscale `panels` side by side, left to right, with a
/// small gap, tops aligned, each labelled (black on white) in a header strip above it.
/// Values map `[lo, hi]` → black..white, clamped; NaN is black; `hi <= lo` means
/// `[lo, lo + 1]`.
///
/// # Errors
/// When there are no panels, a panel's shape is empty or does not match its data length,
/// the montage is too large, or the file cannot be written (then no file is left behind).
pub fn write_montage_png(path: &Path, panels: &[Panel<'_>]) -> anyhow::Result<()> {
    let layout = montage_layout(panels)?;
    let mut img = RgbImage::from_pixel(layout.width, layout.height, Rgb(WHITE));
    for (p, &(ix, iy, lx, ly, scale)) in panels.iter().zip(&layout.cells) {
        let span = if p.hi > p.lo { p.hi - p.lo } else { 1.0 };
        for r in 0..p.ny {
            for c in 0..p.nx {
                let v = p.data[r * p.nx + c];
                let g = (((v - p.lo) / span).clamp(0.0, 1.0) * 255.0).round() as u8;
                img.put_pixel(ix + c as u32, iy + r as u32, Rgb([g, g, g]));
            }
        }
        draw_text(
            &mut img,
            i64::from(lx),
            i64::from(ly),
            p.label,
            scale,
            BLACK,
        );
    }
    save_rgb_png(path, &img)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("cstk-plot-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn open_rgb(p: &Path) -> RgbImage {
        image::open(p).unwrap().to_rgb8()
    }

    fn count_dark(img: &RgbImage, x0: u32, y0: u32, x1: u32, y1: u32) -> usize {
        let mut n = 0;
        for y in y0..y1 {
            for x in x0..x1 {
                let p = img.get_pixel(x, y).0;
                if p.iter().all(|&c| c < 128) {
                    n += 1;
                }
            }
        }
        n
    }

    #[test]
    fn plot_font_has_all_printable_glyphs_and_box_for_unknown() {
        let mut img = RgbImage::from_pixel(40, 10, Rgb(WHITE));
        draw_text(&mut img, 1, 1, "\u{2016}", 1, BLACK);
        // the hollow box: 5 wide, 7 tall outline = 2*5 + 2*5 = 20 pixels
        assert_eq!(count_dark(&img, 0, 0, 40, 10), 20);
        for c in ' '..='~' {
            if c != ' ' {
                assert_ne!(font::glyph(c), [0; 7], "glyph for {c:?} is blank");
            }
        }
        assert_eq!(text_width("ab", 2), (2 * 6 - 1) * 2);
        // clipping: drawing partly outside does not panic
        draw_text(&mut img, -3, -3, "Hello, World!", 3, BLACK);
    }

    #[test]
    fn plot_ticks_are_nice() {
        let a = linear_axis(1.0, 100.0, true);
        assert!((4..=6).contains(&a.ticks.len()), "{:?}", a.ticks.len());
        assert!(a.lo <= 1.0 && a.hi >= 100.0);
        let a = linear_axis(0.013, 0.87, false);
        assert!((4..=6).contains(&a.ticks.len()));
        assert!(a.ticks.iter().any(|(_, l)| l == "0"));
        let a = log_axis(3e-7, 2.0);
        assert!(a.ticks.iter().all(|(_, l)| l.starts_with("1e")));
        assert!(a.lo <= 3e-7f64.log10() && a.hi >= 2f64.log10());
        assert!(a.ticks.iter().any(|(_, l)| l == "1e-3" || l == "1e-4"));
        let a = linear_axis(5.0, 5.0, false);
        assert!(a.hi > a.lo);
    }

    #[test]
    fn plot_line_plot_decodes_with_expected_size() {
        let d = scratch("line");
        let p = d.join("a.png");
        let y1: Vec<f64> = (0..200).map(|k| 10f64.powf(-(k as f64) / 40.0)).collect();
        let mut y2: Vec<f64> = (0..150).map(|k| 1.0 / (1.0 + k as f64)).collect();
        y2[10] = f64::NAN;
        y2[20] = f64::INFINITY;
        y2[30] = -1.0;
        let series = [
            Series {
                label: "primal residual",
                y: &y1,
                colour: [31, 119, 180],
            },
            Series {
                label: "dual residual",
                y: &y2,
                colour: [214, 39, 40],
            },
        ];
        for log_y in [true, false] {
            write_line_plot(&p, "ADMM residuals (test)", "iteration", &series, log_y).unwrap();
            let img = open_rgb(&p);
            assert_eq!(img.dimensions(), (PLOT_W, PLOT_H));
            // the title strip has text
            assert!(count_dark(&img, 0, 0, PLOT_W, 36) > 50);
            // some pixels have the series' colours
            assert!(img.pixels().any(|px| px.0 == [31, 119, 180]));
            assert!(img.pixels().any(|px| px.0 == [214, 39, 40]));
        }
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn plot_empty_and_all_nan_series_still_plot() {
        let d = scratch("empty");
        let p = d.join("e.png");
        let nan = [f64::NAN; 5];
        let neg = [-1.0, 0.0, -3.0];
        for (ys, log_y) in [(&nan[..], false), (&[][..], true), (&neg[..], true)] {
            let s = [Series {
                label: "x",
                y: ys,
                colour: [0, 128, 0],
            }];
            write_line_plot(&p, "empty", "iteration", &s, log_y).unwrap();
            assert_eq!(open_rgb(&p).dimensions(), (PLOT_W, PLOT_H));
        }
        write_line_plot(&p, "no series", "iteration", &[], false).unwrap();
        assert_eq!(open_rgb(&p).dimensions(), (PLOT_W, PLOT_H));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn plot_convergence_png_has_two_panels() {
        let d = scratch("conv");
        let p = d.join("c.png");
        let obj: Vec<f64> = (0..60).map(|k| 2.0 + (-(k as f64) / 5.0).exp()).collect();
        let mut rel: Vec<f64> = (0..60).map(|k| 0.5f64.powi(k)).collect();
        rel[0] = f64::NAN;
        write_convergence_png(&p, &obj, &rel).unwrap();
        let img = open_rgb(&p);
        assert_eq!(img.dimensions(), (PLOT_W, 2 * CONVERGENCE_PANEL_H));
        assert!(count_dark(&img, 0, 0, PLOT_W, 36) > 50);
        let ph = CONVERGENCE_PANEL_H;
        assert!(count_dark(&img, 0, ph, PLOT_W, ph + 36) > 50);
        // negative / zero minimum and empty inputs work too
        write_convergence_png(&p, &[-1.0, -2.0, -2.0], &[]).unwrap();
        write_convergence_png(&p, &[], &[]).unwrap();
        assert_eq!(open_rgb(&p).dimensions(), (PLOT_W, 2 * ph));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn plot_montage_pixels_and_labels() {
        let d = scratch("montage");
        let p = d.join("m.png");
        let a = vec![0.5; 40 * 60]; // 40 x 60 at mid gray
        let b: Vec<f64> = vec![2.0; 30 * 20]; // clamps to white
        let c: Vec<f64> = vec![-1.0; 10 * 10]; // lo → black
        let panels = [
            Panel {
                label: "truth",
                ny: 40,
                nx: 60,
                data: &a,
                lo: 0.0,
                hi: 1.0,
            },
            Panel {
                label: "reconstruction",
                ny: 30,
                nx: 20,
                data: &b,
                lo: 0.0,
                hi: 1.0,
            },
            Panel {
                label: "err",
                ny: 10,
                nx: 10,
                data: &c,
                lo: -1.0,
                hi: 1.0,
            },
        ];
        write_montage_png(&p, &panels).unwrap();
        let img = open_rgb(&p);
        let layout = montage_layout(&panels).unwrap();
        assert_eq!(img.dimensions(), (layout.width, layout.height));
        assert_eq!(layout.height, MONTAGE_HEADER + 40 + MONTAGE_GAP);
        for (panel, (&(ix, iy, ..), want)) in
            panels.iter().zip(layout.cells.iter().zip([128u8, 255, 0]))
        {
            let (cx, cy) = (ix + panel.nx as u32 / 2, iy + panel.ny as u32 / 2);
            assert_eq!(img.get_pixel(cx, cy).0, [want; 3], "panel {}", panel.label);
            // tops aligned just below the header
            assert_eq!(iy, MONTAGE_HEADER);
        }
        // left to right, non-overlapping
        assert!(layout.cells[0].0 + 60 < layout.cells[1].0);
        assert!(layout.cells[1].0 + 20 < layout.cells[2].0);
        // labels: dark pixels in the header strip, and the header is otherwise white
        assert!(count_dark(&img, 0, 0, layout.width, MONTAGE_HEADER) > 30);
        assert_eq!(img.get_pixel(0, 0).0, WHITE);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn plot_montage_rejects_bad_panels() {
        let d = scratch("bad");
        let p = d.join("m.png");
        let data = [0.0; 5];
        let bad = Panel {
            label: "bad",
            ny: 2,
            nx: 3,
            data: &data,
            lo: 0.0,
            hi: 1.0,
        };
        assert!(write_montage_png(&p, &[bad]).is_err());
        assert!(write_montage_png(&p, &[]).is_err());
        let empty = Panel {
            ny: 0,
            nx: 3,
            data: &[],
            ..bad
        };
        assert!(write_montage_png(&p, &[empty]).is_err());
        assert!(!p.exists());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn plot_failed_writes_return_err_and_leave_no_file() {
        let d = scratch("fail");
        let missing = d.join("no-such-dir");
        let y = [1.0, 0.5, 0.25];
        let s = [Series {
            label: "y",
            y: &y,
            colour: [0, 0, 255],
        }];
        let p1 = missing.join("line.png");
        assert!(write_line_plot(&p1, "t", "iteration", &s, true).is_err());
        let p2 = missing.join("conv.png");
        assert!(write_convergence_png(&p2, &y, &y).is_err());
        let p3 = missing.join("montage.png");
        let panel = Panel {
            label: "a",
            ny: 1,
            nx: 3,
            data: &y,
            lo: 0.0,
            hi: 1.0,
        };
        assert!(write_montage_png(&p3, &[panel]).is_err());
        assert!(!missing.exists());
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 0);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
