//! Cartesian (1-D variable-density) masks: full rows of k-space.
//!
//! A sampled line is a row (fixed `ky`, every `kx`: the readout runs along `x`). The central
//! `acs` rows are always sampled; the other `lines − acs` are drawn without replacement with
//! probability proportional to the polynomial density `(1 − |ky − ny/2| / (ny/2))^power`,
//! floored at 1% of the centre's so that edge lines stay possible (Efraimidis–Spirakis keys,
//! one uniform per candidate row in row order). `lines = round(ny / accel)` (at least 1), so
//! the acceleration is exact to the nearest line.

use super::{Mask, MaskParams, acs_range, poly_density, weighted_sample};
use crate::rng::{self, Domain};

/// The mask of `p` with `lines` sampled rows (validated: `p.acs ≤ lines ≤ ny`).
pub(super) fn generate(p: &MaskParams, lines: usize) -> Mask {
    let ny = p.ny;
    let mut rows = vec![false; ny];
    for ky in acs_range(ny, p.acs) {
        rows[ky] = true;
    }
    let candidates: Vec<usize> = (0..ny).filter(|&ky| !rows[ky]).collect();
    let half = ny as f64 / 2.0;
    let centre = (ny / 2) as f64;
    let weights: Vec<f64> = candidates
        .iter()
        .map(|&ky| poly_density((ky as f64 - centre).abs() / half, p.power))
        .collect();
    let mut rng = rng::stream(p.seed, Domain::MASK, 0);
    let extra = lines - (ny - candidates.len());
    for i in weighted_sample(&mut rng, &weights, extra) {
        rows[candidates[i]] = true;
    }
    Mask::from_fn(ny, p.nx, |ky, _| rows[ky])
}
