//! Radial masks: spokes through DC, rasterized onto the grid. No randomness.
//!
//! A spoke at angle `θ` is the segment `(ky, kx) = (ny/2 + t · (ny/2) · sin θ,
//! nx/2 + t · (nx/2) · cos θ)`, `t ∈ [−1, 1]`, so it reaches the edges of a non-square grid
//! too; it is sampled every `1 / max(ny, nx)` in `t` (at most half a pixel apart) and each
//! sample is rounded to the nearest grid point (points past the last row or column are
//! dropped). `radial` uses `S` spokes at the angles `kπ/S`; `golden` adds spokes at
//! golden-angle increments `k · π(√5 − 1)/2` (111.246°, Winkelmann et al. 2007), so any prefix
//! covers k-space nearly uniformly. The spoke count `S` is the one whose acceleration is
//! nearest to the requested one (ties: fewer spokes); the `acs × acs` square is sampled too
//! and counts towards it. `sin` and `cos` are `libm`'s, so masks are bit-identical everywhere.

use super::{Mask, MaskKind, MaskParams, fill_acs_square};
use std::f64::consts::PI;

/// The golden angle for spokes through the centre: `π(√5 − 1)/2`.
const GOLDEN_ANGLE: f64 = 1.941_611_038_725_466_4;

/// Rasterizes spoke `theta` into `data`; returns how many points were new.
fn draw_spoke(data: &mut [bool], ny: usize, nx: usize, theta: f64) -> usize {
    let (s, c) = (libm::sin(theta), libm::cos(theta));
    let (cy, cx) = ((ny / 2) as f64, (nx / 2) as f64);
    let (hy, hx) = (ny as f64 / 2.0, nx as f64 / 2.0);
    let steps = ny.max(nx) as i64;
    let mut new = 0;
    for j in -steps..=steps {
        let t = j as f64 / steps as f64;
        let y = (cy + t * hy * s).round();
        let x = (cx + t * hx * c).round();
        if y >= 0.0 && y < ny as f64 && x >= 0.0 && x < nx as f64 {
            let i = y as usize * nx + x as usize;
            if !data[i] {
                data[i] = true;
                new += 1;
            }
        }
    }
    new
}

/// The angle of spoke `k` of `spokes`.
fn angle(kind: MaskKind, k: usize, spokes: usize) -> f64 {
    match kind {
        MaskKind::Golden => k as f64 * GOLDEN_ANGLE,
        _ => k as f64 * PI / spokes as f64,
    }
}

/// The ACS square and `spokes` spokes.
fn raster(p: &MaskParams, spokes: usize) -> Vec<bool> {
    let mut data = vec![false; p.ny * p.nx];
    fill_acs_square(&mut data, p.ny, p.nx, p.acs);
    for k in 0..spokes {
        draw_spoke(&mut data, p.ny, p.nx, angle(p.kind, k, spokes));
    }
    data
}

/// `|n / count − accel|`, the distance a spoke count is judged by.
fn miss(n: usize, count: usize, accel: f64) -> f64 {
    (n as f64 / count as f64 - accel).abs()
}

pub(super) fn generate(p: &MaskParams) -> Mask {
    let (ny, nx) = (p.ny, p.nx);
    // Enough spokes to fill the inscribed ellipse: rim points half a pixel apart need
    // about π(ny + nx)/2 of them.
    let max_spokes = 2 * (ny + nx);
    let spokes = if p.kind == MaskKind::Golden {
        golden_spokes(p, max_spokes)
    } else {
        radial_spokes(p, max_spokes)
    };
    Mask {
        ny,
        nx,
        data: raster(p, spokes),
    }
}

/// Golden angle: spokes are only added, so the count grows with `S`; the nearest is the last
/// `S` above the requested acceleration or the first at or below it.
fn golden_spokes(p: &MaskParams, max_spokes: usize) -> usize {
    let n = p.ny * p.nx;
    let mut data = vec![false; n];
    fill_acs_square(&mut data, p.ny, p.nx, p.acs);
    let mut count = p.acs * p.acs;
    let mut best = (f64::INFINITY, 1);
    for s in 1..=max_spokes {
        count += draw_spoke(&mut data, p.ny, p.nx, angle(MaskKind::Golden, s - 1, s));
        let d = miss(n, count, p.accel);
        if d < best.0 {
            best = (d, s);
        }
        if n as f64 / count as f64 <= p.accel {
            break;
        }
    }
    best.1
}

/// Equally spaced angles: every `S` is a new set of spokes. The point count grows with `S`
/// almost monotonically, so a bisection finds where it crosses the requested number and the
/// nearest is taken from the counts around the crossing.
fn radial_spokes(p: &MaskParams, max_spokes: usize) -> usize {
    let n = p.ny * p.nx;
    let count = |s: usize| raster(p, s).iter().filter(|&&b| b).count();
    let want = n as f64 / p.accel;
    let saturated = count(max_spokes);
    let enough = |c: usize| c as f64 >= want || c >= saturated;
    let (mut lo, mut hi) = (1, max_spokes); // smallest S with enough(count(S)) is in lo..=hi
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if enough(count(mid)) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    let mut best = (f64::INFINITY, lo);
    for s in lo.saturating_sub(3).max(1)..=(lo + 3).min(max_spokes) {
        let d = miss(n, count(s), p.accel);
        if d < best.0 {
            best = (d, s);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_angle_constant() {
        assert!((GOLDEN_ANGLE - PI * (5f64.sqrt() - 1.0) / 2.0).abs() < 1e-15);
        assert!((GOLDEN_ANGLE.to_degrees() - 111.246).abs() < 1e-3);
    }

    #[test]
    fn a_spoke_crosses_the_grid_through_dc() {
        for (ny, nx) in [(16, 16), (9, 24), (24, 9)] {
            let mut d = vec![false; ny * nx];
            let new = draw_spoke(&mut d, ny, nx, 0.0); // along kx: the whole DC row
            assert_eq!(new, nx);
            assert!((0..nx).all(|kx| d[(ny / 2) * nx + kx]));
            let mut d = vec![false; ny * nx];
            assert_eq!(draw_spoke(&mut d, ny, nx, PI / 2.0), ny); // the whole DC column
            let mut d = vec![false; ny * nx];
            draw_spoke(&mut d, ny, nx, PI / 4.0);
            assert!(d[(ny / 2) * nx + nx / 2]);
        }
    }
}
