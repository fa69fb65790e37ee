//! Variable-density Poisson-disc masks, as SigPy's `sigpy.mri.poisson` and BART's `poisson`.
//!
//! Bridson-style dart throwing on the grid with an elliptical minimum distance that grows
//! away from the centre. Let `r` be the normalized radius measured from the edge of the
//! calibration square, `r = √(x² + y²)` with `x = max(|kx − nx/2| − acs/2, 0)` divided by its
//! largest value on the grid (and `y` likewise), so `r = 1` at the middle of the left and top
//! edges. A point `q` keeps every other sample outside the ellipse of half-axes
//! `(ry, rx) = max((1 + slope · r(q)) · (ny, nx) / max(ny, nx), 1)` around it.
//!
//! Starting from DC (always sampled), an active point is picked uniformly; up to
//! `max_attempts` candidates are thrown uniformly (by area) into the elliptical annulus
//! between 1 and 2 of its radii. A candidate is a continuous position; it is accepted if no
//! sample lies inside its ellipse (with the radii of the grid point it rounds to, halves up),
//! and that grid point becomes a sample and active. A point whose attempts all fail retires.
//! (Testing the continuous position, as SigPy does, keeps the density a smooth function of
//! the slope: between grid points alone the distances are 1, √2, 2, … and a radius just above
//! 1 would already forbid every axis neighbour.) With `crop_corner`, points with `r ≥ 1` are
//! dropped at the end; the `acs × acs` square is then filled in.
//!
//! `slope` is found by bisection on `[0, max(ny, nx)]` (larger slope, sparser mask) until
//! `|achieved − accel| < tol`; every step restarts the same random stream
//! `rng::stream(seed, Domain::MASK, 0)`, so the mask depends only on the parameters.
//! Differences from SigPy: the walk starts at DC rather than at a random point, a candidate
//! rounds to the nearest grid point (SigPy truncates), and the distance test uses the
//! candidate's radius (SigPy uses each neighbour's). Two samples `a`, `b` with radii
//! `R(a) ≤ R(b)` (a square grid) are therefore at least `R(a) − 1/√2` apart.

use super::{Mask, MaskParams, fill_acs_square};
use crate::rng::{self, Domain, uniform_below, uniform01};
use cstk_linop::{Error, Result};

/// Bisection steps at most; the interval reaches `f64` resolution before that.
const MAX_STEPS: usize = 64;

pub(super) fn generate(p: &MaskParams) -> Result<Mask> {
    let (ny, nx) = (p.ny, p.nx);
    let n = ny * nx;
    let r = radius_map(ny, nx, p.acs);
    let slope_max = ny.max(nx) as f64;
    let (mut lo, mut hi) = (0.0, slope_max);
    let mut closest = f64::NAN;
    for _ in 0..MAX_STEPS {
        let slope = 0.5 * (lo + hi);
        let data = draw(p, &r, slope);
        let accel = n as f64 / data.iter().filter(|&&b| b).count() as f64;
        if (accel - p.accel).abs() < p.tol {
            return Ok(Mask { ny, nx, data });
        }
        if closest.is_nan() || (accel - p.accel).abs() < (closest - p.accel).abs() {
            closest = accel;
        }
        if accel < p.accel {
            lo = slope;
        } else {
            hi = slope;
        }
        if hi - lo <= f64::EPSILON * slope_max {
            break;
        }
    }
    let crop = if p.crop_corner {
        " inside the ellipse inscribed in the grid (crop_corner)"
    } else {
        ""
    };
    Err(if lo == 0.0 {
        Error::InvalidParam {
            name: "accel",
            value: format!("{}", p.accel),
            expected: format!(
                "an acceleration a Poisson-disc mask on {ny}x{nx} can reach: its densest \
                 packing{crop} gives {closest:.3}"
            ),
        }
    } else {
        Error::InvalidParam {
            name: "tol",
            value: format!("{}", p.tol),
            expected: format!(
                "a tolerance the Poisson-disc search can meet for acceleration {} on \
                 {ny}x{nx}: the closest it reached was {closest:.4}; raise the tolerance or \
                 change the seed",
                p.accel
            ),
        }
    })
}

/// The normalized radius `r` of every grid point (row-major), measured from the edge of the
/// calibration square.
fn radius_map(ny: usize, nx: usize, acs: usize) -> Vec<f64> {
    let half_acs = acs as f64 / 2.0;
    let axis = |n: usize| -> Vec<f64> {
        let c = (n / 2) as f64;
        let d: Vec<f64> = (0..n)
            .map(|k| ((k as f64 - c).abs() - half_acs).max(0.0))
            .collect();
        let top = d.iter().copied().fold(0.0, f64::max);
        if top > 0.0 {
            d.iter().map(|v| v / top).collect()
        } else {
            d
        }
    };
    let (ay, ax) = (axis(ny), axis(nx));
    (0..ny * nx)
        .map(|i| {
            let (y, x) = (ay[i / nx], ax[i % nx]);
            (y * y + x * x).sqrt()
        })
        .collect()
}

/// Half-axes `(ry, rx)` of the exclusion ellipse at normalized radius `r`.
fn radii(ny: usize, nx: usize, slope: f64, r: f64) -> (f64, f64) {
    let big = ny.max(nx) as f64;
    let base = 1.0 + r * slope;
    (
        (base * (ny as f64 / big)).max(1.0),
        (base * (nx as f64 / big)).max(1.0),
    )
}

/// One dart-throwing pass at a given slope (the stream restarts each time).
fn draw(p: &MaskParams, r: &[f64], slope: f64) -> Vec<bool> {
    let (ny, nx) = (p.ny, p.nx);
    let radius = |i: usize| radii(ny, nx, slope, r[i]);
    let mut rng = rng::stream(p.seed, Domain::MASK, 0);
    let mut samples = Samples {
        ny,
        nx,
        data: vec![false; ny * nx],
        points: Vec::new(),
    };
    let dc = (ny / 2) * nx + nx / 2;
    samples.insert(dc);
    let mut active = vec![dc];
    while !active.is_empty() {
        let a = uniform_below(&mut rng, active.len() as u64) as usize;
        let from = active[a];
        let (py, px) = ((from / nx) as f64, (from % nx) as f64);
        let (ry, rx) = radius(from);
        let mut accepted = None;
        for _ in 0..p.max_attempts {
            let (uy, ux) = annulus_point(&mut rng);
            let qy = py + uy * ry;
            let qx = px + ux * rx;
            // The nearest grid point (halves round up); casts, not `f64::round`, which is a
            // libm call on baseline x86-64.
            if !(qy >= -0.5 && qy < ny as f64 - 0.5 && qx >= -0.5 && qx < nx as f64 - 0.5) {
                continue;
            }
            let q = (qy + 0.5) as usize * nx + (qx + 0.5) as usize;
            if samples.is_clear(q, (qy, qx), radius(q)) {
                accepted = Some(q);
                break;
            }
        }
        match accepted {
            Some(q) => {
                samples.insert(q);
                active.push(q);
            }
            None => {
                active.swap_remove(a);
            }
        }
    }
    let mut data = samples.data;
    if p.crop_corner {
        for (d, &ri) in data.iter_mut().zip(r) {
            if ri >= 1.0 {
                *d = false;
            }
        }
    }
    fill_acs_square(&mut data, ny, nx, p.acs);
    data
}

/// A point uniformly distributed (by area) in the annulus `1 ≤ |u| < 2`: rejection from the
/// square `[−2, 2)²`, which accepts 3π/16 ≈ 59% of draws (no trigonometry, so no `libm` calls
/// in the hot loop).
fn annulus_point<G: rand::Rng + ?Sized>(rng: &mut G) -> (f64, f64) {
    loop {
        let uy = 4.0 * uniform01(rng) - 2.0;
        let ux = 4.0 * uniform01(rng) - 2.0;
        let rr = uy * uy + ux * ux;
        if (1.0..4.0).contains(&rr) {
            return (uy, ux);
        }
    }
}

/// The samples of one pass: the grid and the list of sampled points.
struct Samples {
    ny: usize,
    nx: usize,
    data: Vec<bool>,
    points: Vec<usize>,
}

impl Samples {
    fn insert(&mut self, q: usize) {
        self.data[q] = true;
        self.points.push(q);
    }

    /// Whether no sample lies strictly inside the ellipse of half-axes `(ry, rx)` around the
    /// continuous position `(qy, qx)`, which rounds to grid point `q`. Such a position is
    /// more than 1/√2 from every sample (`ry, rx ≥ 1`), so `q` itself must be free. The
    /// ellipse's bounding window is scanned, or the list of samples when that is shorter
    /// (sparse masks have large radii); both give the same answer.
    fn is_clear(&self, q: usize, (qy, qx): (f64, f64), (ry, rx): (f64, f64)) -> bool {
        if self.data[q] {
            return false;
        }
        let (ny, nx) = (self.ny, self.nx);
        let (iy, ix) = (1.0 / ry, 1.0 / rx);
        let inside = |y: usize, x: usize| {
            let dy = (y as f64 - qy) * iy;
            let dx = (x as f64 - qx) * ix;
            dy * dy + dx * dx < 1.0
        };
        // |y − qy| < ry needs floor(qy − ry) ≤ y ≤ floor(qy + ry); qy + ry > 0 (qy ≥ −0.5,
        // ry ≥ 1), and casts truncate, which is floor for non-negative values.
        let y0 = (qy - ry).max(0.0) as usize;
        let y1 = ((qy + ry) as usize).min(ny - 1);
        let x0 = (qx - rx).max(0.0) as usize;
        let x1 = ((qx + rx) as usize).min(nx - 1);
        if (y1 - y0 + 1) * (x1 - x0 + 1) > self.points.len() {
            return !self.points.iter().any(|&s| inside(s / nx, s % nx));
        }
        !(y0..=y1).any(|y| {
            self.data[y * nx + x0..=y * nx + x1]
                .iter()
                .enumerate()
                .any(|(j, &sampled)| sampled && inside(y, x0 + j))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mask::MaskKind;

    /// Every pair of samples respects the minimum distance of the later one, up to the
    /// rounding of its continuous position: `|a − b| ≥ min(R(a), R(b)) − 1/√2`.
    #[test]
    fn minimum_distance_holds_for_every_pair() {
        for (n, slope, seed) in [(40, 3.0, 5), (32, 8.0, 1), (33, 0.0, 2)] {
            let p = MaskParams::new(MaskKind::Poisson, n, n, 2.0)
                .seed(seed)
                .crop_corner(false);
            let r = radius_map(n, n, 0);
            let data = draw(&p, &r, slope);
            let pts: Vec<usize> = (0..n * n).filter(|&i| data[i]).collect();
            assert!(pts.len() > 10);
            for (k, &a) in pts.iter().enumerate() {
                for &b in &pts[k + 1..] {
                    let dy = (b / n) as f64 - (a / n) as f64;
                    let dx = (b % n) as f64 - (a % n) as f64;
                    let dist = (dy * dy + dx * dx).sqrt();
                    let min_r = radii(n, n, slope, r[a]).0.min(radii(n, n, slope, r[b]).0);
                    let bound = min_r - std::f64::consts::FRAC_1_SQRT_2;
                    assert!(
                        dist >= bound - 1e-12,
                        "{n} slope {slope}: {a}, {b} at {dist}"
                    );
                }
            }
        }
    }

    #[test]
    fn radius_map_is_zero_in_the_calibration_square_and_one_at_the_edge() {
        let r = radius_map(16, 16, 4);
        assert_eq!(r[8 * 16 + 8], 0.0);
        assert_eq!(r[6 * 16 + 10], 0.0); // inside the 4x4 square 6..10
        assert_eq!(r[8 * 16], 1.0); // middle of the left edge
        assert!(r[0] > 1.4);
        // a calibration square as large as the grid: r = 0 everywhere, no division by 0
        assert!(radius_map(4, 4, 4).iter().all(|&v| v == 0.0));
    }
}
