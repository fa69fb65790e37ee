//! MRI sampling masks on a `ny × nx` k-space grid: the [`Mask`] type, its generators
//! ([`MaskParams`]) and its files (`.png`, `.npy`).
//!
//! Conventions: row-major (`ky` is the row, `kx` the column), DC at index `(ny / 2, nx / 2)` —
//! the centered layout of [`Fft2::new(ny, nx, true)`](cstk_linop::Fft2), BART and SigPy.
//! `true` means "sampled".
//!
//! | kind | file | what is sampled | acceleration |
//! |---|---|---|---|
//! | [`cartesian`](MaskKind::Cartesian) | `cartesian.rs` | full rows (fixed `ky`, readout along `kx`), 1-D variable density `(1 − \|ky − ny/2\| / (ny/2))^power` | exact to the nearest line |
//! | [`poisson`](MaskKind::Poisson) | `poisson.rs` | variable-density Poisson disc (SigPy's `mri.poisson`, BART's `poisson`) | within `tol` |
//! | [`radial`](MaskKind::Radial), [`golden`](MaskKind::Golden) | `radial.rs` | spokes through DC at angles `kπ/S`, or `k · 111.246°` | nearest spoke count |
//! | [`random`](MaskKind::Random), [`vd-random`](MaskKind::VdRandom) | `random.rs` | points uniformly, or with 2-D density `(1 − r)^power` | exact point count |
//!
//! Every generator fully samples a central `acs × acs` calibration square (`acs` rows for
//! cartesian) and is deterministic: the same [`MaskParams`] give a bit-identical mask on every
//! platform (all randomness is the stream `rng::stream(seed, Domain::MASK, 0)`, see
//! [`rng`](crate::rng)).
//!
//! ```
//! use cstk_measure::mask::{Mask, MaskKind, MaskParams};
//! let m = Mask::from_fn(4, 8, |_, kx| kx % 2 == 0);
//! assert_eq!(m.count(), 16);
//! assert_eq!(m.acceleration(), 2.0);
//!
//! let m = MaskParams::new(MaskKind::Cartesian, 64, 64, 4.0).acs(8).seed(1).generate()?;
//! assert_eq!(m.count(), 16 * 64); // 16 of 64 lines
//! assert!((0..64).all(|kx| m.get(32, kx)));
//! # Ok::<(), cstk_measure::Error>(())
//! ```

mod cartesian;
mod io;
mod params;
mod poisson;
mod radial;
mod random;

pub use params::{MaskKind, MaskParams};

use cstk_linop::{Error, Restriction, Result};

/// A binary sampling mask: `ny` rows (`ky`) of `nx` columns (`kx`), row-major, DC at
/// `(ny / 2, nx / 2)`.
///
/// ```
/// use cstk_measure::mask::Mask;
/// let m = Mask::new(2, 2, vec![true, false, false, true]).unwrap();
/// assert!(m.get(1, 1) && !m.get(0, 1));
/// assert_eq!(m.sampled_fraction(), 0.5);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mask {
    ny: usize,
    nx: usize,
    data: Vec<bool>,
}

impl Mask {
    /// A mask from row-major data. [`Error::ShapeMismatch`] unless `data.len() == ny * nx`;
    /// [`Error::InvalidParam`] if `ny` or `nx` is 0.
    ///
    /// ```
    /// use cstk_measure::mask::Mask;
    /// assert!(Mask::new(2, 3, vec![true; 5]).is_err());
    /// ```
    pub fn new(ny: usize, nx: usize, data: Vec<bool>) -> Result<Self> {
        check_shape(ny, nx)?;
        if data.len() != ny * nx {
            return Err(Error::ShapeMismatch {
                context: "mask data".into(),
                expected: format!("{ny} x {nx} = {} entries", ny * nx),
                got: format!("{}", data.len()),
            });
        }
        Ok(Mask { ny, nx, data })
    }

    /// The mask whose entry `(ky, kx)` is `f(ky, kx)` (indices into the array, DC at
    /// `(ny / 2, nx / 2)`). Panics if `ny` or `nx` is 0.
    ///
    /// ```
    /// use cstk_measure::mask::Mask;
    /// let centre = Mask::from_fn(5, 5, |ky, kx| ky == 2 && kx == 2);
    /// assert_eq!(centre.count(), 1);
    /// ```
    pub fn from_fn(ny: usize, nx: usize, mut f: impl FnMut(usize, usize) -> bool) -> Self {
        assert!(ny > 0 && nx > 0, "Mask::from_fn: empty shape {ny} x {nx}");
        let data = (0..ny * nx).map(|i| f(i / nx, i % nx)).collect();
        Mask { ny, nx, data }
    }

    /// Number of rows (`ky` positions).
    ///
    /// ```
    /// assert_eq!(cstk_measure::mask::Mask::from_fn(3, 4, |_, _| true).ny(), 3);
    /// ```
    pub fn ny(&self) -> usize {
        self.ny
    }

    /// Number of columns (`kx` positions).
    ///
    /// ```
    /// assert_eq!(cstk_measure::mask::Mask::from_fn(3, 4, |_, _| true).nx(), 4);
    /// ```
    pub fn nx(&self) -> usize {
        self.nx
    }

    /// `(ny, nx)`.
    ///
    /// ```
    /// assert_eq!(cstk_measure::mask::Mask::from_fn(3, 4, |_, _| true).shape(), (3, 4));
    /// ```
    pub fn shape(&self) -> (usize, usize) {
        (self.ny, self.nx)
    }

    /// The row-major entries.
    ///
    /// ```
    /// let m = cstk_measure::mask::Mask::from_fn(1, 3, |_, kx| kx == 1);
    /// assert_eq!(m.as_slice(), &[false, true, false]);
    /// ```
    pub fn as_slice(&self) -> &[bool] {
        &self.data
    }

    /// The row-major entries, by value.
    ///
    /// ```
    /// let m = cstk_measure::mask::Mask::from_fn(1, 2, |_, _| true);
    /// assert_eq!(m.into_vec(), vec![true, true]);
    /// ```
    pub fn into_vec(self) -> Vec<bool> {
        self.data
    }

    /// Whether `(ky, kx)` is sampled. Panics out of range.
    ///
    /// ```
    /// let m = cstk_measure::mask::Mask::from_fn(2, 2, |ky, _| ky == 0);
    /// assert!(m.get(0, 1) && !m.get(1, 0));
    /// ```
    pub fn get(&self, ky: usize, kx: usize) -> bool {
        assert!(
            ky < self.ny && kx < self.nx,
            "Mask::get: ({ky}, {kx}) out of range"
        );
        self.data[ky * self.nx + kx]
    }

    /// Sets whether `(ky, kx)` is sampled. Panics out of range.
    ///
    /// ```
    /// let mut m = cstk_measure::mask::Mask::from_fn(2, 2, |_, _| false);
    /// m.set(1, 0, true);
    /// assert_eq!(m.count(), 1);
    /// ```
    pub fn set(&mut self, ky: usize, kx: usize, sampled: bool) {
        assert!(
            ky < self.ny && kx < self.nx,
            "Mask::set: ({ky}, {kx}) out of range"
        );
        self.data[ky * self.nx + kx] = sampled;
    }

    /// Number of sampled points.
    ///
    /// ```
    /// assert_eq!(cstk_measure::mask::Mask::from_fn(4, 4, |ky, kx| ky == kx).count(), 4);
    /// ```
    pub fn count(&self) -> usize {
        self.data.iter().filter(|&&b| b).count()
    }

    /// Sampled fraction `count / (ny · nx)`.
    ///
    /// ```
    /// assert_eq!(cstk_measure::mask::Mask::from_fn(4, 4, |ky, kx| ky == kx).sampled_fraction(), 0.25);
    /// ```
    pub fn sampled_fraction(&self) -> f64 {
        self.count() as f64 / self.data.len() as f64
    }

    /// Achieved acceleration `(ny · nx) / count` (`inf` for an empty mask).
    ///
    /// ```
    /// assert_eq!(cstk_measure::mask::Mask::from_fn(4, 4, |ky, kx| ky == kx).acceleration(), 4.0);
    /// ```
    pub fn acceleration(&self) -> f64 {
        self.data.len() as f64 / self.count() as f64
    }

    /// The sampling operator: keeps the sampled entries of a row-major k-space, in row-major
    /// order (its adjoint zero-fills).
    ///
    /// ```
    /// use cstk_linop::LinOp;
    /// let m = cstk_measure::mask::Mask::from_fn(2, 2, |ky, kx| ky == kx);
    /// let r = m.to_restriction();
    /// assert_eq!(r.indices(), &[0, 3]);
    /// assert_eq!(LinOp::<f64>::nrows(&r), 2);
    /// ```
    pub fn to_restriction(&self) -> Restriction {
        Restriction::from_mask(&self.data)
    }
}

pub(crate) fn check_shape(ny: usize, nx: usize) -> Result<()> {
    if ny == 0 || nx == 0 {
        return Err(Error::InvalidParam {
            name: "shape",
            value: format!("{ny}x{nx}"),
            expected: "both dimensions at least 1".into(),
        });
    }
    Ok(())
}

/// The `acs` central indices of an axis of length `n`: `n/2 − acs/2 .. n/2 − acs/2 + acs`,
/// which holds DC (`n / 2`) whenever `acs ≥ 1` and fits whenever `acs ≤ n`.
pub(crate) fn acs_range(n: usize, acs: usize) -> std::ops::Range<usize> {
    let start = n / 2 - acs / 2;
    start..start + acs
}

/// Sets the central `acs × acs` square of a row-major `ny × nx` grid.
pub(crate) fn fill_acs_square(data: &mut [bool], ny: usize, nx: usize, acs: usize) {
    for ky in acs_range(ny, acs) {
        data[ky * nx..(ky + 1) * nx][acs_range(nx, acs)].fill(true);
    }
}

/// Smallest sampling density relative to the centre's, so that edge lines and corners stay
/// possible for variable-density masks.
pub(crate) const DENSITY_FLOOR: f64 = 0.01;

/// The polynomial density `(1 − d)^power` at normalized distance `d ≥ 0` from DC, floored at
/// [`DENSITY_FLOOR`] (`d ≥ 1` gets the floor). `libm::pow`, so bit-identical everywhere.
pub(crate) fn poly_density(d: f64, power: f64) -> f64 {
    libm::pow((1.0 - d).max(0.0), power).max(DENSITY_FLOOR)
}

/// `k` distinct indices of `0..weights.len()` drawn without replacement with probability
/// proportional to the (positive) weights, sorted ascending (Efraimidis & Spirakis 2006: the
/// `k` largest keys `u_i^(1/w_i)`, compared as `ln(u_i) / w_i`; one uniform per index, in index
/// order; ties go to the lower index, so the set is unique).
pub(crate) fn weighted_sample<G: rand::Rng + ?Sized>(
    rng: &mut G,
    weights: &[f64],
    k: usize,
) -> Vec<usize> {
    debug_assert!(k <= weights.len());
    let mut keys: Vec<(f64, usize)> = weights
        .iter()
        .enumerate()
        .map(|(i, &w)| {
            // 1 − u lies in (0, 1], exactly representable: ln is finite and ≤ 0.
            let u = 1.0 - crate::rng::uniform01(rng);
            (libm::log(u) / w, i)
        })
        .collect();
    if k == 0 {
        return Vec::new();
    }
    let by_key_desc = |a: &(f64, usize), b: &(f64, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    if k < keys.len() {
        keys.select_nth_unstable_by(k - 1, by_key_desc);
        keys.truncate(k);
    }
    let mut out: Vec<usize> = keys.into_iter().map(|(_, i)| i).collect();
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{self, Domain};

    #[test]
    fn acs_range_holds_dc_and_fits() {
        for n in 1..12 {
            for acs in 1..=n {
                let r = acs_range(n, acs);
                assert_eq!(r.len(), acs);
                assert!(r.contains(&(n / 2)) && r.end <= n, "n={n} acs={acs} {r:?}");
            }
        }
        assert_eq!(acs_range(256, 4), 126..130);
        assert!(acs_range(5, 0).is_empty());
    }

    #[test]
    fn weighted_sample_follows_the_weights() {
        // weights 1 : 3 for one draw out of two
        let mut hits = [0usize; 2];
        let mut r = rng::stream(4, Domain::MASK, 0);
        for _ in 0..20_000 {
            hits[weighted_sample(&mut r, &[1.0, 3.0], 1)[0]] += 1;
        }
        let p = hits[1] as f64 / 20_000.0;
        assert!(
            (p - 0.75).abs() < 5.0 * (0.75f64 * 0.25 / 20_000.0).sqrt(),
            "{p}"
        );
        let all = weighted_sample(&mut r, &[0.5, 1.0, 0.01], 3);
        assert_eq!(all, vec![0, 1, 2]);
        assert!(weighted_sample(&mut r, &[1.0], 0).is_empty());
    }
}
