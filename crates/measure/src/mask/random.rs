//! Random point masks: uniform (`random`) and 2-D variable density (`vd-random`).
//!
//! Both sample exactly `round(ny · nx / accel)` points, the central `acs × acs` square
//! included (it counts towards the total). `random` draws the rest as a uniformly random
//! subset of the other points ([`sample_indices`]); `vd-random` draws them without
//! replacement with weights `(1 − r)^power`, `r = √((Δky / (ny/2))² + (Δkx / (nx/2))²)` the
//! elliptical normalized distance from DC, floored at 1% of the centre's weight so that the
//! corners stay possible (Efraimidis–Spirakis keys, one uniform per candidate in row-major
//! order).

use super::{Mask, MaskParams, fill_acs_square, poly_density, weighted_sample};
use crate::rng::{self, Domain, sample_indices};

/// The sampled ACS square and the row-major indices outside it.
fn acs_and_rest(p: &MaskParams) -> (Vec<bool>, Vec<usize>) {
    let mut data = vec![false; p.ny * p.nx];
    fill_acs_square(&mut data, p.ny, p.nx, p.acs);
    let rest = (0..data.len()).filter(|&i| !data[i]).collect();
    (data, rest)
}

/// `samples` uniformly random points, the ACS square among them (validated: `acs² ≤ samples`).
pub(super) fn generate_uniform(p: &MaskParams, samples: usize) -> Mask {
    let (mut data, rest) = acs_and_rest(p);
    let extra = samples - p.acs * p.acs;
    let mut rng = rng::stream(p.seed, Domain::MASK, 0);
    for i in sample_indices(&mut rng, rest.len(), extra) {
        data[rest[i]] = true;
    }
    Mask {
        ny: p.ny,
        nx: p.nx,
        data,
    }
}

/// `samples` points drawn with the 2-D polynomial density, the ACS square among them.
pub(super) fn generate_variable_density(p: &MaskParams, samples: usize) -> Mask {
    let (ny, nx) = (p.ny, p.nx);
    let (mut data, rest) = acs_and_rest(p);
    let (cy, cx) = ((ny / 2) as f64, (nx / 2) as f64);
    let (hy, hx) = (ny as f64 / 2.0, nx as f64 / 2.0);
    let weights: Vec<f64> = rest
        .iter()
        .map(|&i| {
            let dy = ((i / nx) as f64 - cy) / hy;
            let dx = ((i % nx) as f64 - cx) / hx;
            poly_density((dy * dy + dx * dx).sqrt(), p.power)
        })
        .collect();
    let extra = samples - p.acs * p.acs;
    let mut rng = rng::stream(p.seed, Domain::MASK, 0);
    for i in weighted_sample(&mut rng, &weights, extra) {
        data[rest[i]] = true;
    }
    Mask { ny, nx, data }
}
