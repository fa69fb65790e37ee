//! PNG plots and montages: line plots of per-iteration series (linear or log y axis),
//! a two-panel convergence plot, Lasso coefficient paths and cross-validation curves
//! against a log α axis, and labelled grayscale image montages.
//!
//! All plots go through one chart engine (`render_chart`): axes with nice linear or log
//! ticks (optionally reversed), curves through arbitrary (x, y) points, error bars,
//! dashed vertical markers and a legend.
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
const ZERO_LINE: [u8; 3] = [170, 170, 170];

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

/// Log axis over positive `[lo, hi]` fitted to the data (2 % padding in decades each side)
/// rather than rounded out to whole decades: ticks at the powers of ten inside (every few
/// when there are many), with 2×, 5× ticks when fewer than three powers fall inside.
fn log_axis_tight(lo: f64, hi: f64) -> Axis {
    let (mut a, mut b) = (lo.log10(), hi.log10());
    if b - a < 1e-9 {
        a -= 0.5;
        b += 0.5;
    }
    let pad = 0.02 * (b - a);
    (a, b) = (a - pad, b + pad);
    let (e0, e1) = (a.ceil() as i64, b.floor() as i64);
    let decades = e1 - e0 + 1;
    let mut ticks = Vec::new();
    if decades >= 3 {
        let stride = ((decades as f64) / 6.0).ceil() as i64;
        for e in (e0..=e1).filter(|e| e.rem_euclid(stride) == 0) {
            ticks.push((e as f64, format!("1e{e}")));
        }
    } else {
        for e in (a.floor() as i64)..=(b.ceil() as i64) {
            for m in [1.0f64, 2.0, 5.0] {
                let t = e as f64 + m.log10();
                if t >= a && t <= b {
                    let label = if m == 1.0 {
                        format!("1e{e}")
                    } else {
                        format!("{m}e{e}")
                    };
                    ticks.push((t, label));
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
// Charts: axes, curves, error bars, vertical markers and a legend, in one engine

/// How an axis maps values to positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scale {
    /// Linear, nice ticks.
    Linear,
    /// Linear, integer ticks only (iteration numbers).
    Integer,
    /// Logarithmic (positions are log10 of the value; non-positive values are skipped),
    /// the range rounded out to whole decades.
    Log,
    /// Logarithmic, the range fitted to the data ([`log_axis_tight`]).
    LogTight,
}

impl Scale {
    fn is_log(self) -> bool {
        matches!(self, Scale::Log | Scale::LogTight)
    }
}

/// A polyline through (`x[k]`, `y[k]`); `x: None` means x = `k + 1` (the iteration number).
/// Points with an invalid coordinate (NaN, ±Inf, non-positive on a log axis) are skipped,
/// breaking the line; an isolated valid point is drawn as a small square.
#[derive(Clone, Copy)]
struct Curve<'a> {
    x: Option<&'a [f64]>,
    y: &'a [f64],
    colour: [u8; 3],
    /// Draw a 4×4 dot at every valid point.
    dots: bool,
}

impl Curve<'_> {
    fn x_at(&self, k: usize) -> f64 {
        self.x.map_or((k + 1) as f64, |x| x[k])
    }
}

/// A vertical bar from `lo` to `hi` at `x`, with short caps.
#[derive(Clone, Copy)]
struct ErrorBar {
    x: f64,
    lo: f64,
    hi: f64,
    colour: [u8; 3],
}

/// A vertical dashed line across the plot area at `x`, labelled at its top.
struct Marker {
    x: f64,
    colour: [u8; 3],
    label: String,
}

/// How a legend entry's sample is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sample {
    Line,
    LineDots,
    Dashed,
    ErrorBar,
    /// A filled square (a colour of a heat map).
    Swatch,
}

struct LegendEntry {
    label: String,
    colour: [u8; 3],
    sample: Sample,
}

/// Where the legend box goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LegendPos {
    /// Top right inside the plot area.
    TopRight,
    /// The inside corner (top right, top left, bottom right, bottom left, in that order of
    /// preference) that covers the fewest drawn pixels.
    Auto,
    /// To the right of the plot area, which shrinks to make room.
    Outside,
}

/// A heat map drawn under the curves: cell `(i, j)` spans `x_edges[i]..x_edges[i + 1]`
/// and `y_edges[j]..y_edges[j + 1]` and is coloured by `values[i][j]` in `[0, 1]`
/// ([`viridis`]); NaN cells are light gray.
struct Heat<'a> {
    x_edges: Vec<f64>,
    y_edges: Vec<f64>,
    values: &'a [Vec<f64>],
}

/// Everything one chart draws.
struct Chart<'a> {
    title: &'a str,
    x_label: &'a str,
    /// Drawn vertically left of the y tick labels; `""` for none.
    y_label: &'a str,
    x_scale: Scale,
    /// Larger x on the left.
    x_reversed: bool,
    y_scale: Scale,
    curves: Vec<Curve<'a>>,
    error_bars: Vec<ErrorBar>,
    markers: Vec<Marker>,
    /// A light horizontal line at y = 0 when it is in range.
    zero_line: bool,
    legend: Vec<LegendEntry>,
    legend_pos: LegendPos,
    heat: Option<Heat<'a>>,
}

impl Chart<'_> {
    /// A dashed vertical marker at α labelled `"{prefix} {α}"`, with its legend entry;
    /// nothing when α cannot be drawn on the log axis (not positive and finite).
    fn mark_alpha(&mut self, alpha: f64, colour: [u8; 3], prefix: &str, legend: &str) {
        if !valid_on(Scale::LogTight, alpha) {
            return;
        }
        self.markers.push(Marker {
            x: alpha,
            colour,
            label: format!("{prefix} {}", format_alpha(alpha)),
        });
        self.legend.push(LegendEntry {
            label: legend.into(),
            colour,
            sample: Sample::Dashed,
        });
    }
}

impl<'a> Chart<'a> {
    fn new(title: &'a str, x_label: &'a str, x_scale: Scale, y_scale: Scale) -> Self {
        Chart {
            title,
            x_label,
            y_label: "",
            x_scale,
            x_reversed: false,
            y_scale,
            curves: Vec::new(),
            error_bars: Vec::new(),
            markers: Vec::new(),
            zero_line: false,
            legend: Vec::new(),
            legend_pos: LegendPos::TopRight,
            heat: None,
        }
    }
}

fn valid_on(scale: Scale, v: f64) -> bool {
    v.is_finite() && (!scale.is_log() || v > 0.0)
}

/// The plot area of a drawn chart and its value → pixel mapping.
struct Frame {
    left: i64,
    right: i64,
    top: i64,
    bottom: i64,
    clip: Clip,
    x_axis: Axis,
    y_axis: Axis,
    x_scale: Scale,
    y_scale: Scale,
    x_reversed: bool,
}

impl Frame {
    fn x_ok(&self, x: f64) -> bool {
        valid_on(self.x_scale, x)
    }

    fn y_ok(&self, y: f64) -> bool {
        valid_on(self.y_scale, y)
    }

    /// Position on the axis of the value `v`: log10 of it on a log axis, else `v`.
    fn axis_t(scale: Scale, v: f64) -> f64 {
        if scale.is_log() { v.log10() } else { v }
    }

    /// Horizontal pixel position (unrounded) of the axis position `t`.
    fn px_t(&self, t: f64) -> f64 {
        let f = (t - self.x_axis.lo) / (self.x_axis.hi - self.x_axis.lo);
        if self.x_reversed {
            self.right as f64 - f * (self.right - self.left) as f64
        } else {
            self.left as f64 + f * (self.right - self.left) as f64
        }
    }

    /// Vertical pixel position (unrounded) of the axis position `t`.
    fn py_t(&self, t: f64) -> f64 {
        self.bottom as f64
            - (t - self.y_axis.lo) / (self.y_axis.hi - self.y_axis.lo)
                * (self.bottom - self.top) as f64
    }

    /// Horizontal pixel position (unrounded) of the value `x`.
    fn px(&self, x: f64) -> f64 {
        self.px_t(Self::axis_t(self.x_scale, x))
    }

    /// Vertical pixel position (unrounded) of the value `y`.
    fn py(&self, y: f64) -> f64 {
        self.py_t(Self::axis_t(self.y_scale, y))
    }

    fn pt(&self, x: f64, y: f64) -> (i64, i64) {
        (self.px(x).round() as i64, self.py(y).round() as i64)
    }
}

/// The axis for values in `[lo, hi]` (`None`: nothing to show) on `scale`.
fn make_axis(range: Option<(f64, f64)>, scale: Scale) -> Axis {
    match (scale, range) {
        (Scale::Log, Some((lo, hi))) => log_axis(lo, hi),
        (Scale::Log | Scale::LogTight, None) => log_axis(1.0, 10.0),
        (Scale::LogTight, Some((lo, hi))) => log_axis_tight(lo, hi),
        (Scale::Integer, r) => {
            let (lo, hi) = r.unwrap_or((1.0, 1.0));
            linear_axis(lo, hi, true)
        }
        (Scale::Linear, r) => {
            let (lo, hi) = r.unwrap_or((0.0, 1.0));
            linear_axis(lo, hi, false)
        }
    }
}

fn widen(range: &mut Option<(f64, f64)>, v: f64) {
    *range = Some(match *range {
        Some((lo, hi)) => (lo.min(v), hi.max(v)),
        None => (v, v),
    });
}

/// Text drawn reading upwards (rotated 90° counter-clockwise), its left edge at `x` and
/// centred vertically on `y_mid`; clipped to the image.
fn draw_text_up(img: &mut RgbImage, x: i64, y_mid: i64, text: &str, colour: [u8; 3]) {
    let (tw, th) = (text_width(text, 1), text_height(1));
    if tw == 0 {
        return;
    }
    let mut tmp = RgbImage::from_pixel(tw, th, Rgb(WHITE));
    draw_text(&mut tmp, 0, 0, text, 1, colour);
    let up = image::imageops::rotate270(&tmp);
    let y0 = y_mid - i64::from(tw) / 2;
    for (px, py, p) in up.enumerate_pixels() {
        if p.0 != WHITE {
            fill_rect(
                img,
                x + i64::from(px),
                y0 + i64::from(py),
                x + i64::from(px) + 1,
                y0 + i64::from(py) + 1,
                colour,
            );
        }
    }
}

/// `fill_rect` restricted to `clip` (inclusive bounds).
fn fill_clipped(img: &mut RgbImage, clip: Clip, x0: i64, y0: i64, x1: i64, y1: i64, c: [u8; 3]) {
    fill_rect(
        img,
        x0.max(clip.x0),
        y0.max(clip.y0),
        x1.min(clip.x1 + 1),
        y1.min(clip.y1 + 1),
        c,
    );
}

/// Width and height of the legend box for `entries`.
fn legend_size(entries: &[LegendEntry]) -> (i64, i64) {
    let row_h = i64::from(text_height(1)) + 6;
    let max_lw = entries
        .iter()
        .map(|e| i64::from(text_width(&e.label, 1)))
        .max()
        .unwrap_or(0);
    (8 + 22 + 6 + max_lw + 8, 6 + row_h * entries.len() as i64)
}

/// Draws `chart` into the rectangle (`ox`, `oy`, `w`, `h`) of `img` and returns its frame.
fn render_chart(img: &mut RgbImage, ox: i64, oy: i64, w: i64, h: i64, chart: &Chart<'_>) -> Frame {
    let (xs, ys) = (chart.x_scale, chart.y_scale);
    // Ranges: x over every valid x, y over the valid y of points whose x is valid.
    let (mut x_range, mut y_range) = (None, None);
    let mut has_data = false;
    for c in &chart.curves {
        let n = c.x.map_or(c.y.len(), |x| x.len().min(c.y.len()));
        for k in 0..n {
            let x = c.x_at(k);
            if !valid_on(xs, x) {
                continue;
            }
            widen(&mut x_range, x);
            if valid_on(ys, c.y[k]) {
                widen(&mut y_range, c.y[k]);
                has_data = true;
            }
        }
    }
    for b in &chart.error_bars {
        if valid_on(xs, b.x) && valid_on(ys, b.lo) && valid_on(ys, b.hi) {
            widen(&mut y_range, b.lo);
            widen(&mut y_range, b.hi);
        }
    }
    for m in chart.markers.iter().filter(|m| valid_on(xs, m.x)) {
        widen(&mut x_range, m.x);
    }
    if let Some(h) = &chart.heat {
        for &x in h.x_edges.iter().filter(|x| valid_on(xs, **x)) {
            widen(&mut x_range, x);
        }
        for &y in h.y_edges.iter().filter(|y| valid_on(ys, **y)) {
            widen(&mut y_range, y);
            has_data = true;
        }
    }
    let x_axis = make_axis(x_range, xs);
    let y_axis = make_axis(y_range, ys);

    // Plot area (inclusive pixel bounds).
    let (legend_w, legend_h) = legend_size(&chart.legend);
    let outside = chart.legend_pos == LegendPos::Outside && !chart.legend.is_empty();
    let right = if outside {
        ox + w - 22 - legend_w - 12
    } else {
        ox + w - 22
    };
    let (left, top, bottom) = (ox + 78, oy + 38, oy + h - 46);
    let clip = Clip {
        x0: left + 1,
        y0: top + 1,
        x1: right - 1,
        y1: bottom - 1,
    };
    let f = Frame {
        left,
        right,
        top,
        bottom,
        clip,
        x_axis,
        y_axis,
        x_scale: xs,
        y_scale: ys,
        x_reversed: chart.x_reversed,
    };

    // Title.
    let tw = i64::from(text_width(chart.title, 2));
    draw_text(img, ox + (w - tw) / 2, oy + 10, chart.title, 2, BLACK);

    // Grid, ticks and tick labels.
    let th = i64::from(text_height(1));
    for (t, label) in &f.x_axis.ticks {
        let px = f.px_t(*t).round() as i64;
        fill_rect(img, px, top + 1, px + 1, bottom, GRID);
        fill_rect(img, px, bottom, px + 1, bottom + 5, BLACK);
        let lw = i64::from(text_width(label, 1));
        draw_text(img, px - lw / 2, bottom + 9, label, 1, BLACK);
    }
    for (t, label) in &f.y_axis.ticks {
        let py = f.py_t(*t).round() as i64;
        fill_rect(img, left + 1, py, right, py + 1, GRID);
        fill_rect(img, left - 5, py, left, py + 1, BLACK);
        let lw = i64::from(text_width(label, 1));
        draw_text(img, left - 9 - lw, py - th / 2, label, 1, BLACK);
    }
    stroke_rect(img, left, top, right, bottom, BLACK);

    // Axis labels.
    let lw = i64::from(text_width(chart.x_label, 1));
    draw_text(
        img,
        left + (right - left - lw) / 2,
        bottom + 9 + th + 8,
        chart.x_label,
        1,
        BLACK,
    );
    draw_text_up(img, ox + 6, (top + bottom) / 2, chart.y_label, BLACK);

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

    if chart.zero_line && !ys.is_log() && f.y_axis.lo < 0.0 && f.y_axis.hi > 0.0 {
        let py = f.py(0.0).round() as i64;
        fill_clipped(img, clip, left, py, right, py + 1, ZERO_LINE);
    }

    // The heat map, under everything else.
    if let Some(h) = &chart.heat {
        for (i, row) in h
            .values
            .iter()
            .enumerate()
            .take(h.x_edges.len().saturating_sub(1))
        {
            for (j, &v) in row
                .iter()
                .enumerate()
                .take(h.y_edges.len().saturating_sub(1))
            {
                let (xa, xb) = (
                    f.px(h.x_edges[i]).round() as i64,
                    f.px(h.x_edges[i + 1]).round() as i64,
                );
                let (ya, yb) = (
                    f.py(h.y_edges[j + 1]).round() as i64,
                    f.py(h.y_edges[j]).round() as i64,
                );
                let c = if v.is_nan() { MISSING } else { viridis(v) };
                fill_clipped(img, clip, xa.min(xb), ya.min(yb), xa.max(xb), ya.max(yb), c);
            }
        }
    }

    // Error bars, under the curves.
    for b in &chart.error_bars {
        if !(f.x_ok(b.x) && f.y_ok(b.lo) && f.y_ok(b.hi)) {
            continue;
        }
        let (x, y_lo, y_hi) = (
            f.px(b.x).round() as i64,
            f.py(b.lo).round() as i64,
            f.py(b.hi).round() as i64,
        );
        let (ya, yb) = (y_lo.min(y_hi), y_lo.max(y_hi));
        fill_clipped(img, clip, x, ya, x + 1, yb + 1, b.colour);
        fill_clipped(img, clip, x - 3, ya, x + 4, ya + 1, b.colour);
        fill_clipped(img, clip, x - 3, yb, x + 4, yb + 1, b.colour);
    }

    // The curves.
    for c in &chart.curves {
        let n = c.x.map_or(c.y.len(), |x| x.len().min(c.y.len()));
        let ok = |k: usize| f.x_ok(c.x_at(k)) && f.y_ok(c.y[k]);
        let pt = |k: usize| f.pt(c.x_at(k), c.y[k]);
        for k in 0..n {
            if !ok(k) {
                continue;
            }
            let prev_ok = k > 0 && ok(k - 1);
            let next_ok = k + 1 < n && ok(k + 1);
            if next_ok {
                thick_line(img, pt(k), pt(k + 1), clip, c.colour);
            } else if !prev_ok {
                // An isolated point: a small square so it stays visible.
                let (x, y) = pt(k);
                thick_line(img, (x - 1, y - 1), (x, y - 1), clip, c.colour);
                thick_line(img, (x - 1, y), (x, y), clip, c.colour);
            }
            if c.dots {
                let (x, y) = pt(k);
                fill_clipped(img, clip, x - 2, y - 2, x + 3, y + 3, c.colour);
            }
        }
    }

    // Vertical markers: dashed lines, each labelled near the top (stacked when several).
    let shown: Vec<f64> = chart
        .markers
        .iter()
        .filter(|m| f.x_ok(m.x))
        .map(|m| f.px(m.x))
        .collect();
    let centre = shown.iter().sum::<f64>() / shown.len().max(1) as f64;
    for (i, m) in chart.markers.iter().enumerate() {
        if !f.x_ok(m.x) {
            continue;
        }
        let x = f.px(m.x).round() as i64;
        let mut y = top + 1;
        while y < bottom {
            fill_clipped(img, clip, x, y, x + 2, (y + 6).min(bottom), m.colour);
            y += 10;
        }
        if !m.label.is_empty() {
            let mw = i64::from(text_width(&m.label, 1));
            let ly = top + 6 + i as i64 * (th + 6);
            // Away from the other markers when there is room, else wherever it fits.
            let fits_right = x + 6 + mw < right - 2;
            let fits_left = x - 5 - mw > left + 2;
            let prefer_left = f.px(m.x) < centre - 0.5;
            let lx = if (prefer_left && fits_left) || !fits_right {
                x - 5 - mw
            } else {
                x + 6
            };
            fill_clipped(img, clip, lx - 2, ly - 2, lx + mw + 2, ly + th + 2, WHITE);
            draw_text(img, lx, ly, &m.label, 1, m.colour);
        }
    }

    // Legend.
    if !chart.legend.is_empty() {
        let (box_w, box_h) = (legend_w, legend_h);
        let (bx0, by0) = match chart.legend_pos {
            LegendPos::TopRight => (right - 8 - box_w, top + 8),
            LegendPos::Outside => (right + 12, top),
            LegendPos::Auto => {
                let corners = [
                    (right - 8 - box_w, top + 8),
                    (left + 8, top + 8),
                    (right - 8 - box_w, bottom - 8 - box_h),
                    (left + 8, bottom - 8 - box_h),
                ];
                let ink = |&(x0, y0): &(i64, i64)| {
                    let mut n = 0usize;
                    for y in y0.max(0)..(y0 + box_h + 1).min(i64::from(img.height())) {
                        for x in x0.max(0)..(x0 + box_w + 1).min(i64::from(img.width())) {
                            let p = img.get_pixel(x as u32, y as u32).0;
                            n += usize::from(p != WHITE && p != GRID);
                        }
                    }
                    n
                };
                // min_by_key keeps the first of equal counts: the preference order.
                corners.into_iter().min_by_key(ink).unwrap_or(corners[0])
            }
        };
        let bx1 = bx0 + box_w;
        let row_h = th + 6;
        fill_rect(img, bx0, by0, bx1 + 1, by0 + box_h + 1, WHITE);
        stroke_rect(img, bx0, by0, bx1, by0 + box_h, GRAY_TEXT);
        for (i, e) in chart.legend.iter().enumerate() {
            let ry = by0 + 6 + i as i64 * row_h;
            let cy = ry + th / 2;
            match e.sample {
                Sample::Line | Sample::LineDots => {
                    fill_rect(img, bx0 + 8, cy - 1, bx0 + 30, cy + 1, e.colour);
                    if e.sample == Sample::LineDots {
                        fill_rect(img, bx0 + 17, cy - 2, bx0 + 22, cy + 3, e.colour);
                    }
                }
                Sample::Dashed => {
                    for x in [bx0 + 8, bx0 + 16, bx0 + 24] {
                        fill_rect(img, x, cy - 1, x + 5, cy + 1, e.colour);
                    }
                }
                Sample::Swatch => {
                    fill_rect(img, bx0 + 12, ry - 1, bx0 + 26, ry + th + 1, e.colour);
                }
                Sample::ErrorBar => {
                    fill_rect(img, bx0 + 19, ry - 1, bx0 + 20, ry + th + 1, e.colour);
                    fill_rect(img, bx0 + 16, ry - 1, bx0 + 23, ry, e.colour);
                    fill_rect(img, bx0 + 16, ry + th, bx0 + 23, ry + th + 1, e.colour);
                }
            }
            draw_text(img, bx0 + 36, ry, &e.label, 1, BLACK);
        }
    }
    f
}

// ---------------------------------------------------------------------------------------
// Line plots

/// Draws a line plot of `series` against the iteration number into the rectangle (`ox`,
/// `oy`, `w`, `h`) of `img`.
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
    let y_scale = if log_y { Scale::Log } else { Scale::Linear };
    let mut chart = Chart::new(title, x_label, Scale::Integer, y_scale);
    for s in series {
        chart.curves.push(Curve {
            x: None,
            y: s.y,
            colour: s.colour,
            dots: false,
        });
        chart.legend.push(LegendEntry {
            label: s.label.to_string(),
            colour: s.colour,
            sample: Sample::Line,
        });
    }
    render_chart(img, ox, oy, w, h, &chart);
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
// Regularization paths: coefficient paths and cross-validation curves against α

/// Width of a coefficient-path plot (the legend sits right of the plot area).
pub const PATH_W: u32 = 960;
/// Height of a coefficient-path plot.
pub const PATH_H: u32 = 540;
/// How many features [`write_coef_path_png`] names in its legend.
pub const PATH_LEGEND_MAX: usize = 10;

/// The dashed line at the chosen α (both plots).
const MARK_CHOSEN: [u8; 3] = [20, 20, 20];
/// The dashed line at the one-standard-error α.
const MARK_1SE: [u8; 3] = [0, 90, 200];
/// The mean cross-validation error.
const CV_MEAN: [u8; 3] = [214, 39, 40];
/// The ±1 standard-error bars.
const CV_BARS: [u8; 3] = [150, 150, 150];
/// Colours of the named features (matplotlib's tab10).
const TAB10: [[u8; 3]; 10] = [
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [127, 127, 127],
    [188, 189, 34],
    [23, 190, 207],
];
/// How much of the palette colour the unnamed features keep (the rest is white).
const LIGHT: f64 = 0.35;
/// How many characters of a feature name the legend shows.
const LEGEND_CHARS: usize = 24;
/// Label of the α axis: the larger (sparser) α is on the left.
const ALPHA_AXIS: &str = "alpha (log scale, decreasing: sparser models on the left)";

fn lighten(c: [u8; 3]) -> [u8; 3] {
    c.map(|v| (255.0 - (255.0 - f64::from(v)) * LIGHT).round() as u8)
}

/// `1.23e-2`: three significant digits.
fn format_alpha(a: f64) -> String {
    format!("{a:.2e}")
}

/// A legend label of at most [`LEGEND_CHARS`] characters.
fn short_label(s: &str) -> String {
    match s.char_indices().nth(LEGEND_CHARS) {
        Some((cut, _)) => format!("{}~", &s[..cut]),
        None => s.to_string(),
    }
}

/// The index of the valid (positive, finite) α nearest to `target` on a log scale.
fn nearest_alpha(alphas: &[f64], target: f64) -> Option<usize> {
    if !valid_on(Scale::LogTight, target) {
        return None;
    }
    let t = target.log10();
    alphas
        .iter()
        .enumerate()
        .filter(|&(_, &a)| valid_on(Scale::LogTight, a))
        .min_by(|(_, a), (_, b)| (a.log10() - t).abs().total_cmp(&(b.log10() - t).abs()))
        .map(|(k, _)| k)
}

/// The coefficient-path chart and the order in which features are named in the legend.
fn coef_path_image<C: AsRef<[f64]>>(
    alphas: &[f64],
    coefs: &[C],
    labels: &[String],
    chosen_alpha: Option<f64>,
    y_label: &str,
    title: &str,
) -> anyhow::Result<(RgbImage, Frame)> {
    for (k, c) in coefs.iter().enumerate() {
        if c.as_ref().len() != alphas.len() {
            bail!(
                "coefficient path plot: feature {k} has {} values but there are {} alphas",
                c.as_ref().len(),
                alphas.len()
            );
        }
    }
    // Rank the features: by |coefficient| at the chosen α, then by the largest
    // |coefficient| along the path; non-finite values count as 0.
    let at = chosen_alpha.and_then(|a| nearest_alpha(alphas, a));
    let size = |v: f64| if v.is_finite() { v.abs() } else { 0.0 };
    let key = |c: &[f64]| {
        let peak = c.iter().map(|&v| size(v)).fold(0.0, f64::max);
        (at.map_or(peak, |k| size(c[k])), peak)
    };
    let keys: Vec<(f64, f64)> = coefs.iter().map(|c| key(c.as_ref())).collect();
    let mut order: Vec<usize> = (0..coefs.len()).filter(|&k| keys[k].1 > 0.0).collect();
    order.sort_by(|&i, &j| {
        keys[j]
            .0
            .total_cmp(&keys[i].0)
            .then(keys[j].1.total_cmp(&keys[i].1))
            .then(i.cmp(&j))
    });
    let named = &order[..order.len().min(PATH_LEGEND_MAX)];
    let others = coefs.len() - named.len();

    let mut chart = Chart::new(title, ALPHA_AXIS, Scale::LogTight, Scale::Linear);
    chart.y_label = y_label;
    chart.x_reversed = true;
    chart.zero_line = true;
    chart.legend_pos = LegendPos::Outside;
    // Unnamed features first, in light colours, so the named ones are drawn on top.
    let mut is_named = vec![false; coefs.len()];
    for &k in named {
        is_named[k] = true;
    }
    for (k, c) in coefs.iter().enumerate().filter(|&(k, _)| !is_named[k]) {
        chart.curves.push(Curve {
            x: Some(alphas),
            y: c.as_ref(),
            colour: lighten(TAB10[k % TAB10.len()]),
            dots: false,
        });
    }
    for (rank, &k) in named.iter().enumerate().rev() {
        let colour = TAB10[rank % TAB10.len()];
        chart.curves.push(Curve {
            x: Some(alphas),
            y: coefs[k].as_ref(),
            colour,
            dots: false,
        });
    }
    for (rank, &k) in named.iter().enumerate() {
        let name = labels
            .get(k)
            .map_or_else(|| format!("feature {k}"), |s| short_label(s));
        chart.legend.push(LegendEntry {
            label: name,
            colour: TAB10[rank % TAB10.len()],
            sample: Sample::Line,
        });
    }
    if others > 0 && !named.is_empty() {
        chart.legend.push(LegendEntry {
            label: format!("{others} other{}", if others == 1 { "" } else { "s" }),
            colour: lighten(TAB10[0]),
            sample: Sample::Line,
        });
    }
    if let Some(a) = chosen_alpha {
        chart.mark_alpha(a, MARK_CHOSEN, "chosen alpha =", "chosen alpha");
    }
    let mut img = RgbImage::from_pixel(PATH_W, PATH_H, Rgb(WHITE));
    let frame = render_chart(&mut img, 0, 0, i64::from(PATH_W), i64::from(PATH_H), &chart);
    Ok((img, frame))
}

/// Writes a 960×540 RGB PNG of Lasso coefficient paths, as scikit-learn's `lasso_path`
/// example or glmnet's `plot(fit, xvar = "lambda")` draw them.
///
/// * `alphas`: the regularization strengths (any order; NaN and non-positive ones are
///   skipped). The x axis is logarithmic and **reversed**: the largest α (the sparsest
///   model) is on the left, so features enter the model from left to right.
/// * `coefs`: one slice per feature, `coefs[j][k]` being feature `j`'s coefficient at
///   `alphas[k]` (the layout of scikit-learn's `coefs` array, `n_features × n_alphas`).
///   Anything that derefs to `[f64]` works (`Vec<f64>`, `&[f64]`). Non-finite values
///   break a line.
/// * `labels`: the feature names, `labels[j]` for `coefs[j]` (missing ones are shown as
///   `feature j`). The legend, right of the plot, names at most [`PATH_LEGEND_MAX`]
///   features, in strong colours: the largest `|coefficient|` at `chosen_alpha` (or along
///   the whole path without one), ties broken by the largest `|coefficient|` on the path.
///   The other features are drawn underneath in lighter colours and counted in one
///   legend line. Features that are zero all along are not named.
/// * `chosen_alpha`: drawn as a near-black vertical dashed line labelled
///   `chosen alpha = 1.23e-2` (skipped when not positive and finite).
/// * `y_label`: what the paths are (`"coefficient"`, or `"selection probability"` for
///   stability paths), written vertically.
///
/// A light horizontal line marks zero. Empty, all-NaN, single-α or constant inputs give a
/// "no data" or degenerate but valid plot.
///
/// # Errors
/// When some `coefs[j]` does not have `alphas.len()` values, or the file cannot be written
/// (then no file is left behind).
pub fn write_coef_path_png<C: AsRef<[f64]>>(
    path: &Path,
    alphas: &[f64],
    coefs: &[C],
    labels: &[String],
    chosen_alpha: Option<f64>,
    y_label: &str,
    title: &str,
) -> anyhow::Result<()> {
    let (img, _) = coef_path_image(alphas, coefs, labels, chosen_alpha, y_label, title)?;
    save_rgb_png(path, &img)
}

/// The cross-validation chart.
#[allow(clippy::too_many_arguments)]
fn cv_curve_image(
    alphas: &[f64],
    mean: &[f64],
    se: &[f64],
    chosen: f64,
    alpha_1se: Option<f64>,
    y_label: &str,
    title: &str,
) -> anyhow::Result<(RgbImage, Frame)> {
    if mean.len() != alphas.len() || !(se.is_empty() || se.len() == alphas.len()) {
        bail!(
            "cross-validation plot: {} alphas, {} means and {} standard errors \
             (the standard errors may also be empty)",
            alphas.len(),
            mean.len(),
            se.len()
        );
    }
    let mut chart = Chart::new(title, ALPHA_AXIS, Scale::LogTight, Scale::Linear);
    chart.y_label = y_label;
    chart.x_reversed = true;
    chart.legend_pos = LegendPos::Auto;
    for (k, &s) in se.iter().enumerate() {
        if s.is_finite() && s >= 0.0 && mean[k].is_finite() {
            chart.error_bars.push(ErrorBar {
                x: alphas[k],
                lo: mean[k] - s,
                hi: mean[k] + s,
                colour: CV_BARS,
            });
        }
    }
    chart.curves.push(Curve {
        x: Some(alphas),
        y: mean,
        colour: CV_MEAN,
        dots: true,
    });
    chart.legend.push(LegendEntry {
        label: "mean over folds".into(),
        colour: CV_MEAN,
        sample: Sample::LineDots,
    });
    if !chart.error_bars.is_empty() {
        chart.legend.push(LegendEntry {
            label: "+/- 1 standard error".into(),
            colour: CV_BARS,
            sample: Sample::ErrorBar,
        });
    }
    chart.mark_alpha(chosen, MARK_CHOSEN, "min: alpha =", "minimum error");
    if let Some(a) = alpha_1se {
        chart.mark_alpha(a, MARK_1SE, "1 s.e.: alpha =", "one-standard-error rule");
    }
    let mut img = RgbImage::from_pixel(PLOT_W, PLOT_H, Rgb(WHITE));
    let frame = render_chart(&mut img, 0, 0, i64::from(PLOT_W), i64::from(PLOT_H), &chart);
    Ok((img, frame))
}

/// Writes an 800×500 RGB PNG of a cross-validation curve, as glmnet's `plot(cv.glmnet)`:
/// the mean validation error at each α (red line with dots) with ±1 standard-error bars
/// (gray), against α on a logarithmic, **reversed** axis (largest α, the sparsest model,
/// on the left, as in [`write_coef_path_png`]).
///
/// * `mean[k]`, `se[k]`: mean and standard error over the folds at `alphas[k]`; `se` may
///   be empty (no bars). NaN values and non-positive α are skipped; a negative or
///   non-finite standard error draws no bar.
/// * `chosen`: the α of minimum mean error, a near-black dashed line labelled
///   `min: alpha = …`; `alpha_1se`: the largest α within one standard error of that
///   minimum, a blue dashed line labelled `1 s.e.: alpha = …`. Either is skipped when not
///   positive and finite.
/// * `y_label`: the error measure (e.g. `"mean squared error"`), written vertically.
///
/// The legend goes to the inside corner that covers the fewest drawn pixels. Empty,
/// all-NaN, single-α or constant inputs give a "no data" or degenerate but valid plot.
///
/// # Errors
/// When `mean` (or a non-empty `se`) does not have `alphas.len()` values, or the file
/// cannot be written (then no file is left behind).
#[allow(clippy::too_many_arguments)]
pub fn write_cv_curve_png(
    path: &Path,
    alphas: &[f64],
    mean: &[f64],
    se: &[f64],
    chosen: f64,
    alpha_1se: Option<f64>,
    y_label: &str,
    title: &str,
) -> anyhow::Result<()> {
    let (img, _) = cv_curve_image(alphas, mean, se, chosen, alpha_1se, y_label, title)?;
    save_rgb_png(path, &img)
}

/// Writes an 800×500 RGB PNG of lines through `(x, y)` points with dots, one per
/// `(label, x, y)` series (colours in order), e.g. accuracy against the share of weights
/// left. With `x_log` the x axis is logarithmic (fitted to the data; non-positive x are
/// skipped); with `x_reversed` larger x is on the left. NaN points break a line; the legend
/// goes to the inside corner that covers the fewest drawn pixels.
///
/// # Errors
/// When a series has `x` and `y` of different lengths, or the file cannot be written (then
/// no file is left behind).
#[allow(clippy::too_many_arguments)]
pub fn write_xy_png(
    path: &Path,
    series: &[(&str, &[f64], &[f64])],
    x_log: bool,
    x_reversed: bool,
    x_label: &str,
    y_label: &str,
    title: &str,
) -> anyhow::Result<()> {
    let x_scale = if x_log {
        Scale::LogTight
    } else {
        Scale::Linear
    };
    let mut chart = Chart::new(title, x_label, x_scale, Scale::Linear);
    chart.y_label = y_label;
    chart.x_reversed = x_reversed;
    chart.legend_pos = LegendPos::Auto;
    for (k, (label, x, y)) in series.iter().enumerate() {
        if x.len() != y.len() {
            anyhow::bail!(
                "series {label:?}: {} x values but {} y values",
                x.len(),
                y.len()
            );
        }
        let colour = TAB10[k % TAB10.len()];
        chart.curves.push(Curve {
            x: Some(x),
            y,
            colour,
            dots: true,
        });
        chart.legend.push(LegendEntry {
            label: (*label).to_string(),
            colour,
            sample: Sample::LineDots,
        });
    }
    let mut img = RgbImage::from_pixel(PLOT_W, PLOT_H, Rgb(WHITE));
    render_chart(&mut img, 0, 0, i64::from(PLOT_W), i64::from(PLOT_H), &chart);
    save_rgb_png(path, &img)
}

// ---------------------------------------------------------------------------------------
// Phase diagrams

/// Colour of heat-map cells without a value.
const MISSING: [u8; 3] = [215, 215, 215];

/// The viridis colour map at `t` in `[0, 1]` (clamped), interpolated between five of its
/// published anchor colours.
fn viridis(t: f64) -> [u8; 3] {
    const ANCHORS: [[f64; 3]; 5] = [
        [68.0, 1.0, 84.0],
        [59.0, 82.0, 139.0],
        [33.0, 145.0, 140.0],
        [94.0, 201.0, 98.0],
        [253.0, 231.0, 37.0],
    ];
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) } * 4.0;
    let i = (t.floor() as usize).min(3);
    let f = t - i as f64;
    let mix = |k: usize| (ANCHORS[i][k] + f * (ANCHORS[i + 1][k] - ANCHORS[i][k])).round() as u8;
    [mix(0), mix(1), mix(2)]
}

/// Cell edges around increasing centres: midpoints between neighbours, and half a
/// neighbour spacing beyond the ends (±`lone` for a single centre).
fn cell_edges(centres: &[f64], lone: f64) -> Vec<f64> {
    match centres {
        [] => Vec::new(),
        [c] => vec![c - lone, c + lone],
        _ => {
            let n = centres.len();
            let mut e = Vec::with_capacity(n + 1);
            e.push(centres[0] - (centres[1] - centres[0]) / 2.0);
            e.extend(centres.windows(2).map(|w| (w[0] + w[1]) / 2.0));
            e.push(centres[n - 1] + (centres[n - 1] - centres[n - 2]) / 2.0);
            e
        }
    }
}

fn clamp01(v: Vec<f64>) -> Vec<f64> {
    v.into_iter().map(|e| e.clamp(0.0, 1.0)).collect()
}

/// One curve of a phase diagram: legend text and points (NaN y breaks the line).
pub struct PhaseCurve<'a> {
    /// Legend text.
    pub label: &'a str,
    /// x values (δ).
    pub x: &'a [f64],
    /// y values (ρ).
    pub y: &'a [f64],
    /// Dots at the points.
    pub dots: bool,
}

/// Writes a phase diagram: the success fraction `fractions[i][j]` of the cell
/// (`deltas[i]`, `rhos[j]`) as a viridis heat map (NaN: not run), the `curves` over it
/// (the first black, the second red, …), and a legend outside the plot with the curves
/// and the colour scale.
pub fn write_phase_png(
    path: &Path,
    deltas: &[f64],
    rhos: &[f64],
    fractions: &[Vec<f64>],
    curves: &[PhaseCurve<'_>],
    title: &str,
) -> anyhow::Result<()> {
    if fractions.len() != deltas.len() || fractions.iter().any(|r| r.len() != rhos.len()) {
        bail!(
            "phase diagram: the success table is not {} x {}",
            deltas.len(),
            rhos.len()
        );
    }
    const CURVE_COLOURS: [[u8; 3]; 3] = [BLACK, [214, 39, 40], [255, 127, 14]];
    let mut chart = Chart::new(title, "delta = m/n", Scale::Linear, Scale::Linear);
    chart.y_label = "rho = k/m";
    chart.legend_pos = LegendPos::Outside;
    chart.heat = Some(Heat {
        // the unit square holds every δ and ρ: cells at 1 are cut in half
        x_edges: clamp01(cell_edges(deltas, 0.025)),
        y_edges: clamp01(cell_edges(rhos, 0.025)),
        values: fractions,
    });
    for (k, c) in curves.iter().enumerate() {
        if c.x.len() != c.y.len() {
            bail!(
                "curve {:?}: {} x values but {} y values",
                c.label,
                c.x.len(),
                c.y.len()
            );
        }
        let colour = CURVE_COLOURS[k % CURVE_COLOURS.len()];
        chart.curves.push(Curve {
            x: Some(c.x),
            y: c.y,
            colour,
            dots: c.dots,
        });
        chart.legend.push(LegendEntry {
            label: c.label.to_string(),
            colour,
            sample: if c.dots {
                Sample::LineDots
            } else {
                Sample::Line
            },
        });
    }
    for pct in [100, 75, 50, 25, 0] {
        chart.legend.push(LegendEntry {
            label: format!("{pct}% success"),
            colour: viridis(f64::from(pct) / 100.0),
            sample: Sample::Swatch,
        });
    }
    if fractions.iter().flatten().any(|v| v.is_nan()) {
        chart.legend.push(LegendEntry {
            label: "not run".into(),
            colour: MISSING,
            sample: Sample::Swatch,
        });
    }
    let (w, h) = (PHASE_W, PHASE_H);
    let mut img = RgbImage::from_pixel(w, h, Rgb(WHITE));
    render_chart(&mut img, 0, 0, i64::from(w), i64::from(h), &chart);
    save_rgb_png(path, &img)
}

/// Size of a phase diagram in pixels.
pub const PHASE_W: u32 = 900;
/// Height of a phase diagram in pixels.
pub const PHASE_H: u32 = 620;

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
    fn plot_tight_log_axis_ticks() {
        let labels = |a: &Axis| a.ticks.iter().map(|(_, l)| l.clone()).collect::<Vec<_>>();
        // three decades and a half: powers of ten only
        let a = log_axis_tight(10f64.powf(-2.45), 10f64.powf(0.5));
        assert_eq!(labels(&a), ["1e-2", "1e-1", "1e0"]);
        assert!(a.lo < -2.45 && a.hi > 0.5 && a.hi < 0.6);
        // less than a decade: 2x and 5x ticks too
        let a = log_axis_tight(0.03, 0.6);
        assert_eq!(labels(&a), ["5e-2", "1e-1", "2e-1", "5e-1"]);
        // many decades: every few
        let a = log_axis_tight(1e-12, 1e3);
        assert!(a.ticks.len() <= 7 && a.ticks.len() >= 4, "{:?}", labels(&a));
        // a single value: one decade around it
        let a = log_axis_tight(0.5, 0.5);
        assert!(a.hi > a.lo && !a.ticks.is_empty());
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

    /// Pixels of colour `c` in column `x` between rows `y0` and `y1`.
    fn count_colour_in_column(img: &RgbImage, x: i64, y0: i64, y1: i64, c: [u8; 3]) -> usize {
        (y0..y1)
            .filter(|&y| img.get_pixel(x as u32, y as u32).0 == c)
            .count()
    }

    /// A soft-thresholded path: the coefficient enters at `alpha = enter` and grows to
    /// `size` as alpha goes to 0.
    fn toy_path(alphas: &[f64], enter: f64, size: f64) -> Vec<f64> {
        alphas
            .iter()
            .map(|&a| size * (1.0 - a / enter).max(0.0))
            .collect()
    }

    #[test]
    fn plot_coef_path_png_markers_and_legend() {
        let d = scratch("path");
        let p = d.join("path.png");
        // decreasing alphas, as scikit-learn returns them
        let alphas: Vec<f64> = (0..60).map(|k| 10f64.powf(0.5 - k as f64 / 20.0)).collect();
        let coefs: Vec<Vec<f64>> = (0..25)
            .map(|j| {
                let sign = if j % 2 == 0 { 1.0 } else { -1.0 };
                toy_path(&alphas, 3.0 / (1.0 + j as f64), sign * (25 - j) as f64)
            })
            .collect();
        let labels: Vec<String> = (0..25).map(|j| format!("feature_{j}")).collect();
        let chosen = 0.05;
        write_coef_path_png(
            &p,
            &alphas,
            &coefs,
            &labels,
            Some(chosen),
            "coefficient",
            "Lasso path",
        )
        .unwrap();
        let img = open_rgb(&p);
        assert_eq!(img.dimensions(), (PATH_W, PATH_H));
        let (reference, f) = coef_path_image(
            &alphas,
            &coefs,
            &labels,
            Some(chosen),
            "coefficient",
            "Lasso path",
        )
        .unwrap();
        assert!(reference == img, "the file holds the rendered chart");
        // reversed log axis: larger alpha on the left
        assert!(f.px(1.0) < f.px(0.1));
        assert!(f.px(chosen) > f64::from(f.left as i32) && f.px(chosen) < f.right as f64);
        // the dashed marker at the chosen alpha, in the lower part of the plot area
        let x = f.px(chosen).round() as i64;
        let mid = (f.top + f.bottom) / 2;
        let n = count_colour_in_column(&img, x, mid, f.bottom, MARK_CHOSEN);
        let span = (f.bottom - mid) as usize;
        assert!(n > span / 3 && n < span, "{n} of {span} marker pixels");
        // dashed, not solid: some gaps in the column
        assert!(count_colour_in_column(&img, x, mid, f.bottom, MARK_CHOSEN) < span);
        // strong colours for named features, light ones for the others
        assert!(img.pixels().any(|px| px.0 == TAB10[0]));
        assert!(img.pixels().any(|px| px.0 == lighten(TAB10[15 % 10])));
        // the legend sits right of the plot area and holds text
        assert!(
            count_dark(
                &img,
                f.right as u32 + 1,
                f.top as u32,
                PATH_W,
                f.bottom as u32
            ) > 100
        );
        // the y label is drawn left of the tick labels
        assert!(count_dark(&img, 0, f.top as u32, 16, f.bottom as u32) > 20);
        // more than ten named features would not fit: the legend has 10 + "others" + marker
        let (lw, lh) = legend_size(&[]);
        assert_eq!((lw, lh), (44, 6));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn plot_coef_path_accepts_slices_and_ranks_at_chosen_alpha() {
        let alphas = [1.0, 0.1, 0.01];
        // feature 1 is largest at alpha = 1, feature 0 at the end of the path
        let a = [0.0, 0.5, 10.0];
        let b = [2.0, 2.0, 2.0];
        let zero = [0.0; 3];
        let coefs: [&[f64]; 3] = [&a, &b, &zero];
        let labels = ["a".to_string(), "b".to_string(), "zero".to_string()];
        let (img, f) =
            coef_path_image(&alphas, &coefs, &labels, Some(1.0), "coefficient", "t").unwrap();
        // "b" (ranked first) gets the first colour, "a" the second
        let xb = f.px(0.1).round() as i64;
        let yb = f.py(2.0).round() as i64;
        assert_eq!(img.get_pixel(xb as u32, yb as u32).0, TAB10[0]);
        let (_, f2) = coef_path_image(&alphas, &coefs, &labels, None, "coefficient", "t").unwrap();
        // the tight log axis: 2 % padding around the two decades
        assert!((f2.x_axis.lo + 2.04).abs() < 1e-12, "{}", f2.x_axis.lo);
        assert!((f2.x_axis.hi - 0.04).abs() < 1e-12, "{}", f2.x_axis.hi);
    }

    #[test]
    fn plot_cv_curve_png_markers_bars_and_size() {
        let d = scratch("cv");
        let p = d.join("cv.png");
        let alphas: Vec<f64> = (0..40).map(|k| 10f64.powf(-k as f64 / 13.0)).collect();
        let mean: Vec<f64> = alphas
            .iter()
            .map(|a| 1.0 + (a.log10() + 1.5).powi(2))
            .collect();
        let se: Vec<f64> = mean.iter().map(|m| 0.1 * m).collect();
        let k_min = (0..mean.len())
            .min_by(|&i, &j| mean[i].total_cmp(&mean[j]))
            .unwrap();
        let chosen = alphas[k_min];
        let limit = mean[k_min] + se[k_min];
        let alpha_1se = alphas
            .iter()
            .zip(&mean)
            .filter(|&(_, &m)| m <= limit)
            .map(|(&a, _)| a)
            .fold(0.0, f64::max);
        assert!(alpha_1se > chosen);
        write_cv_curve_png(
            &p,
            &alphas,
            &mean,
            &se,
            chosen,
            Some(alpha_1se),
            "mean squared error",
            "5-fold cross-validation",
        )
        .unwrap();
        let img = open_rgb(&p);
        assert_eq!(img.dimensions(), (PLOT_W, PLOT_H));
        let (reference, f) = cv_curve_image(
            &alphas,
            &mean,
            &se,
            chosen,
            Some(alpha_1se),
            "mean squared error",
            "5-fold cross-validation",
        )
        .unwrap();
        assert!(reference == img);
        let mid = (f.top + f.bottom) / 2;
        for (a, colour) in [(chosen, MARK_CHOSEN), (alpha_1se, MARK_1SE)] {
            let x = f.px(a).round() as i64;
            let n = count_colour_in_column(&img, x, mid, f.bottom, colour);
            assert!(
                n > ((f.bottom - mid) / 4) as usize,
                "marker at {a}: {n} pixels"
            );
        }
        // the 1-s.e. alpha is larger, so it is left of the minimum
        assert!(f.px(alpha_1se) < f.px(chosen));
        // error bars and the mean curve
        assert!(img.pixels().any(|px| px.0 == CV_BARS));
        let (x5, y5) = f.pt(alphas[5], mean[5]);
        assert_eq!(img.get_pixel(x5 as u32, y5 as u32).0, CV_MEAN);
        // the y range covers the bars
        let top_bar = mean[0] + se[0];
        assert!(f.y_axis.hi >= top_bar);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn xy_plot_draws_each_series_and_rejects_ragged_ones() {
        let dir = std::env::temp_dir().join(format!("cstk-xy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("xy.png");
        let x = [1.0, 0.8, 0.64, 0.5, 0.4];
        let (a, b) = ([0.9, 0.91, 0.92, 0.9, 0.88], [0.9, 0.85, 0.8, 0.7, 0.5]);
        let series: [(&str, &[f64], &[f64]); 2] = [("rewind", &x, &a), ("reinit", &x, &b)];
        write_xy_png(&p, &series, true, true, "weights left", "accuracy", "t").unwrap();
        let img = image::open(&p).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (PLOT_W, PLOT_H));
        for colour in [TAB10[0], TAB10[1]] {
            assert!(img.pixels().any(|px| px.0 == colour), "{colour:?} missing");
        }
        let ragged: [(&str, &[f64], &[f64]); 1] = [("r", &x, &a[..3])];
        let q = dir.join("ragged.png");
        assert!(write_xy_png(&q, &ragged, false, false, "x", "y", "t").is_err());
        assert!(!q.exists());
        let empty: [(&str, &[f64], &[f64]); 0] = [];
        write_xy_png(&dir.join("empty.png"), &empty, true, false, "x", "y", "t").unwrap();
    }

    #[test]
    fn plot_paths_degenerate_inputs_do_not_panic() {
        let d = scratch("degenerate");
        let p = d.join("x.png");
        let nan = f64::NAN;
        let cases: Vec<(Vec<f64>, Vec<Vec<f64>>)> = vec![
            (vec![], vec![]),
            (vec![], vec![vec![], vec![]]),
            (vec![0.1], vec![vec![1.0], vec![-2.0]]),
            (vec![1.0], vec![vec![0.0]]),
            (vec![nan, nan], vec![vec![1.0, 2.0]]),
            (vec![1.0, 0.1], vec![vec![nan, nan]]),
            (vec![-1.0, 0.0], vec![vec![1.0, 2.0]]),
            (vec![0.5, 0.5, 0.5], vec![vec![3.0, 3.0, 3.0]]),
            (vec![1.0, 0.1, 0.01], vec![vec![0.0; 3]; 3]),
            (vec![1e-300, 1e300], vec![vec![1e300, -1e300]]),
            (vec![f64::INFINITY, 1.0], vec![vec![f64::INFINITY, 1.0]]),
        ];
        for (alphas, coefs) in &cases {
            for chosen in [None, Some(0.3), Some(nan), Some(-1.0), Some(0.0), Some(1e9)] {
                write_coef_path_png(&p, alphas, coefs, &[], chosen, "coefficient", "degenerate")
                    .unwrap();
                assert_eq!(open_rgb(&p).dimensions(), (PATH_W, PATH_H));
            }
            let mean: Vec<f64> = coefs.first().cloned().unwrap_or_default();
            if mean.len() == alphas.len() {
                for se in [
                    &[][..],
                    &vec![nan; mean.len()][..],
                    &vec![-1.0; mean.len()][..],
                ] {
                    for (chosen, one_se) in [(0.3, Some(1.0)), (nan, None), (-1.0, Some(nan))] {
                        write_cv_curve_png(&p, alphas, &mean, se, chosen, one_se, "", "").unwrap();
                        assert_eq!(open_rgb(&p).dimensions(), (PLOT_W, PLOT_H));
                    }
                }
            }
        }
        // "no data" is written in the middle of an empty plot
        let (img, f) = cv_curve_image(&[], &[], &[], nan, None, "mse", "empty").unwrap();
        let (cx, cy) = ((f.left + f.right) / 2, (f.top + f.bottom) / 2);
        assert!(
            img.pixels().filter(|px| px.0 == GRAY_TEXT).count() > 30,
            "no data text"
        );
        assert_eq!(img.get_pixel(cx as u32, (f.top + 3) as u32).0, WHITE);
        assert!(cy > f.top);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn plot_paths_reject_mismatched_lengths_and_failed_writes() {
        let d = scratch("paths-fail");
        let p = d.join("x.png");
        let alphas = [1.0, 0.1];
        assert!(
            write_coef_path_png(&p, &alphas, &[vec![1.0]], &[], None, "coefficient", "t").is_err()
        );
        assert!(write_cv_curve_png(&p, &alphas, &[1.0], &[], 1.0, None, "", "").is_err());
        assert!(write_cv_curve_png(&p, &alphas, &[1.0, 2.0], &[0.1], 1.0, None, "", "").is_err());
        assert!(!p.exists());
        let missing = d.join("no-such-dir").join("x.png");
        assert!(
            write_coef_path_png(
                &missing,
                &alphas,
                &[vec![1.0, 2.0]],
                &[],
                Some(0.5),
                "coefficient",
                "t"
            )
            .is_err()
        );
        assert!(
            write_cv_curve_png(
                &missing,
                &alphas,
                &[1.0, 2.0],
                &[0.1, 0.1],
                1.0,
                None,
                "",
                ""
            )
            .is_err()
        );
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 0);
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

    #[test]
    fn viridis_hits_its_anchors_and_clamps() {
        assert_eq!(viridis(0.0), [68, 1, 84]);
        assert_eq!(viridis(0.5), [33, 145, 140]);
        assert_eq!(viridis(1.0), [253, 231, 37]);
        assert_eq!(viridis(-1.0), viridis(0.0));
        assert_eq!(viridis(7.0), viridis(1.0));
        // halfway between the first two anchors
        assert_eq!(viridis(0.125), [64, 42, 112]);
    }

    #[test]
    fn cell_edges_are_midpoints() {
        assert_eq!(cell_edges(&[0.5], 0.025), vec![0.475, 0.525]);
        let e = cell_edges(&[0.1, 0.3, 0.4], 0.0);
        let want = [0.0, 0.2, 0.35, 0.45];
        assert!(
            e.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-15),
            "{e:?}"
        );
        assert!(cell_edges(&[], 1.0).is_empty());
    }

    #[test]
    fn phase_diagram_colours_cells_by_success() {
        let d = scratch("phase");
        let path = d.join("p.png");
        // 2 δ × 2 ρ: all success at the bottom, none at the top; one cell not run
        let table = vec![vec![1.0, 0.0], vec![1.0, f64::NAN]];
        let tx = [0.25, 0.75];
        let ty = [0.5, 0.5];
        let curves = [PhaseCurve {
            label: "transition",
            x: &tx,
            y: &ty,
            dots: true,
        }];
        write_phase_png(&path, &[0.25, 0.75], &[0.25, 0.75], &table, &curves, "t").unwrap();
        let img = image::open(&path).unwrap().to_rgb8();
        assert_eq!((img.width(), img.height()), (PHASE_W, PHASE_H));
        let count = |c: [u8; 3]| img.pixels().filter(|p| p.0 == c).count();
        // three big cells plus their legend swatches; the missing one is gray
        assert!(count(viridis(1.0)) > 20_000, "{}", count(viridis(1.0)));
        assert!(count(viridis(0.0)) > 10_000);
        assert!(count(MISSING) > 10_000);
        assert!(count(BLACK) > 500, "the curve and frame");
        // a wrongly shaped table is refused
        assert!(write_phase_png(&path, &[0.5], &[0.5], &table, &[], "t").is_err());
        std::fs::remove_dir_all(&d).unwrap();
    }
}
