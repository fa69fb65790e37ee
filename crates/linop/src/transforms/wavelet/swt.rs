//! The stationary (undecimated) wavelet transforms [`Swt1`] and [`Swt2`] (PyWavelets'
//! `swt` / `swt2` with `norm=True, trim_approx=True`), flattened.

use super::kernels::{
    MAX_FILTER_LEN, ROW_GROUP, Real, Src, SwtAxis, SwtFilters, chunk_for, comb1, comb2,
    rotated_comb1x2, rotated_comb2, to_real,
};
use super::{Subband, Wavelet, swt_max_level};
use crate::{Error, LinOp, Result, Scalar, check_len, scratch_prefix};
use rayon::prelude::*;
use std::ops::Range;

/// Most parallel tasks a pass is split into.
const MAX_TASKS: usize = 64;
/// Multiply-adds below which a pass is not split further.
const MIN_TASK_WORK: usize = 1 << 15;

/// Checks `1 ≤ levels ≤ swt_max_level(len)` for every axis length in `dims`.
fn check_swt(dims: &[(&'static str, usize)], levels: usize) -> Result<()> {
    for &(name, len) in dims {
        if len == 0 {
            return Err(Error::InvalidParam {
                name,
                value: "0".into(),
                expected: "a positive length".into(),
            });
        }
    }
    if levels == 0 {
        return Err(Error::InvalidParam {
            name: "levels",
            value: "0".into(),
            expected: "at least 1 (as pywt.swt)".into(),
        });
    }
    for &(name, len) in dims {
        if levels > swt_max_level(len) {
            return Err(Error::InvalidParam {
                name: "levels",
                value: levels.to_string(),
                expected: format!(
                    "at most {} for {name} = {len}: the stationary transform needs every \
                     axis length divisible by 2^levels",
                    swt_max_level(len)
                ),
            });
        }
    }
    Ok(())
}

/// Panics unless `1 ≤ level ≤ levels`.
#[track_caller]
fn check_level_index(level: usize, levels: usize) {
    assert!(
        (1..=levels).contains(&level),
        "wavelet detail level {level} out of range 1..={levels}"
    );
}

// ---------------------------------------------------------------------------------------
// Swt1
// ---------------------------------------------------------------------------------------

/// Multilevel 1-D stationary (undecimated, "à trous") wavelet transform, normalized:
/// PyWavelets' `swt(x, wavelet, level=levels, norm=True, trim_approx=True)`, flattened.
///
/// Level `l` filters the previous approximation (periodically) with the wavelet's filters
/// scaled by `1/√2` and upsampled by `2^(l−1)`, and keeps every sample:
/// `a_l[o] = Σ_k h[k]/√2 · a_{l−1}[(o + F·2^(l−1)/2 − k·2^(l−1)) mod n]` (likewise `d_l`
/// with `g`), exactly as PyWavelets computes it. The transform is translation-invariant
/// and, for the orthogonal wavelets here, a tight frame: `adjoint(apply(x)) = x` and
/// `‖apply(x)‖ = ‖x‖` (to rounding), though `apply(adjoint(y)) ≠ y` in general. `adjoint`
/// is the exact adjoint, which is PyWavelets' `iswt(…, norm=True)` for coefficients in the
/// range of `apply`.
///
/// **Layout.** `apply` writes `[cA_L, cD_L, cD_{L−1}, …, cD_1]`, each `n` long (PyWavelets'
/// list order, concatenated): [`nrows`](LinOp::nrows) `= (L + 1)·n`;
/// [`approx_range`](Self::approx_range) and [`detail_range`](Self::detail_range) locate the
/// bands. `n` must be divisible by `2^L` (as PyWavelets requires).
///
/// **Cost.** `2F` multiply-adds per sample per level; long signals are split into fixed
/// chunks run in parallel (results do not depend on the number of threads).
/// [`scratch_len`](LinOp::scratch_len) is `n`.
///
/// ```
/// use cstk_linop::{LinOp, testing::dot_test, transforms::wavelet::{Swt1, Wavelet}};
/// let s = Swt1::<f64>::new(16, Wavelet::new("db2")?, 2)?;
/// assert_eq!(s.shape(), (3 * 16, 16));
/// let x: Vec<f64> = (0..16).map(|i| (i as f64).sin()).collect();
/// let c = s.apply_vec(&x);
/// let back = s.adjoint_vec(&c); // tight frame: the adjoint inverts
/// assert!(back.iter().zip(&x).all(|(a, b)| (a - b).abs() < 1e-12));
/// dot_test(&s, 1e-12).unwrap();
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Swt1<T: Scalar> {
    wavelet: Wavelet,
    n: usize,
    filters: SwtFilters<Real<T>>,
    /// Level `l` (1-based) at index `l − 1`.
    axes: Vec<SwtAxis>,
    chunk: usize,
}

impl<T: Scalar> Swt1<T> {
    /// The `levels`-level stationary transform of signals of length `n`.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] when `n = 0`, `levels = 0`, or `2^levels` does not divide `n`
    /// (`levels > swt_max_level(n)`).
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Swt1, Wavelet};
    /// let haar = Wavelet::new("haar")?;
    /// assert!(Swt1::<f64>::new(24, haar, 3).is_ok());
    /// assert!(Swt1::<f64>::new(24, haar, 4).is_err()); // 24 = 3 · 2³
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn new(n: usize, wavelet: Wavelet, levels: usize) -> Result<Self> {
        check_swt(&[("n", n)], levels)?;
        let f = wavelet.filter_len();
        Ok(Swt1 {
            wavelet,
            n,
            filters: SwtFilters::new(wavelet.dec_lo(), wavelet.dec_hi(), to_real::<T>),
            axes: (1..=levels).map(|l| SwtAxis::new(n, f, l)).collect(),
            chunk: chunk_for(n, MIN_TASK_WORK.div_ceil(2 * f), MAX_TASKS),
        })
    }

    /// The wavelet.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Swt1, Wavelet};
    /// assert_eq!(Swt1::<f64>::new(8, Wavelet::new("sym4")?, 1)?.wavelet().name(), "sym4");
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn wavelet(&self) -> Wavelet {
        self.wavelet
    }

    /// Signal length `n`.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Swt1, Wavelet};
    /// assert_eq!(Swt1::<f64>::new(8, Wavelet::new("haar")?, 3)?.len(), 8);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.n
    }

    /// Number of levels `L`.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Swt1, Wavelet};
    /// assert_eq!(Swt1::<f64>::new(8, Wavelet::new("haar")?, 3)?.levels(), 3);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn levels(&self) -> usize {
        self.axes.len()
    }

    /// Where `cA_L` lies in the coefficient vector: `0..n`.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Swt1, Wavelet};
    /// assert_eq!(Swt1::<f64>::new(8, Wavelet::new("haar")?, 2)?.approx_range(), 0..8);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn approx_range(&self) -> Range<usize> {
        0..self.n
    }

    /// Where `cD_level` lies (`level` 1 = finest): `(L − level + 1)·n ..` (`n` long).
    ///
    /// # Panics
    /// Unless `1 ≤ level ≤ L`.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Swt1, Wavelet};
    /// let s = Swt1::<f64>::new(8, Wavelet::new("haar")?, 2)?;
    /// assert_eq!((s.detail_range(2), s.detail_range(1)), (8..16, 16..24));
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    #[track_caller]
    pub fn detail_range(&self, level: usize) -> Range<usize> {
        check_level_index(level, self.levels());
        let start = (self.levels() - level + 1) * self.n;
        start..start + self.n
    }
}

impl<T: Scalar> LinOp<T> for Swt1<T> {
    fn nrows(&self) -> usize {
        (self.levels() + 1) * self.n
    }
    fn ncols(&self) -> usize {
        self.n
    }
    fn scratch_len(&self) -> usize {
        self.n
    }

    fn apply_with_scratch(&self, x: &[T], y: &mut [T], scratch: &mut [T]) {
        let n = self.n;
        check_len("Swt1 apply: input x", n, x.len());
        check_len("Swt1 apply: output y", LinOp::<T>::nrows(self), y.len());
        let abuf = scratch_prefix("Swt1 apply: scratch", scratch, n);
        let levels = self.levels();
        for (i, ax) in self.axes.iter().enumerate() {
            let l = i + 1;
            let (head, tail) = y.split_at_mut(n);
            let d = &mut tail[(levels - l) * n..][..n];
            let src: &[T] = if l == 1 { x } else { head };
            abuf.par_chunks_mut(self.chunk)
                .zip(d.par_chunks_mut(self.chunk))
                .enumerate()
                .for_each(|(c, (a, d))| {
                    rotated_comb2(src, &ax.fwd, &self.filters, c * self.chunk, a, d)
                });
            head.copy_from_slice(abuf);
        }
    }

    fn adjoint_with_scratch(&self, y: &[T], x: &mut [T], scratch: &mut [T]) {
        let n = self.n;
        check_len("Swt1 adjoint: input y", LinOp::<T>::nrows(self), y.len());
        check_len("Swt1 adjoint: output x", n, x.len());
        let abuf = scratch_prefix("Swt1 adjoint: scratch", scratch, n);
        let levels = self.levels();
        for l in (1..=levels).rev() {
            let ax = &self.axes[l - 1];
            let d = &y[(levels - l + 1) * n..][..n];
            let a: &[T] = if l == levels { &y[..n] } else { abuf };
            x.par_chunks_mut(self.chunk)
                .enumerate()
                .for_each(|(c, out)| {
                    rotated_comb1x2(a, d, &ax.adj, &self.filters, c * self.chunk, out)
                });
            if l > 1 {
                abuf.copy_from_slice(x);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Swt2
// ---------------------------------------------------------------------------------------

/// Multilevel 2-D stationary (undecimated) wavelet transform, normalized: PyWavelets'
/// `swt2(x, wavelet, level=levels, norm=True, trim_approx=True)`, flattened.
///
/// Each level filters the previous approximation along both axes as [`Swt1`] does along one
/// (filters scaled by `1/√2`, upsampled by `2^(l−1)`, periodic), giving four `ny × nx`
/// images. A tight frame: `adjoint(apply(x)) = x` to rounding.
///
/// **Layout.** `apply` writes `[cA_L, cH_L, cV_L, cD_L, cH_{L−1}, …, cD_1]`, each a row-major
/// `ny × nx` image (PyWavelets' list `[cA_L, (cH_L, cV_L, cD_L), …, (cH_1, cV_1, cD_1)]`,
/// concatenated; `cH` = detail along axis 0 (`"da"`), `cV` = along axis 1 (`"ad"`), see
/// [`Subband`]): [`nrows`](LinOp::nrows) `= (3L + 1)·ny·nx`.
/// [`approx_range`](Self::approx_range) and [`detail_range`](Self::detail_range) locate
/// the subbands. Both `ny` and `nx` must be divisible by `2^L`.
///
/// **Cost.** `6F` multiply-adds per pixel per level (`2F` along the rows, then `4F` for the
/// columns as weighted sums of whole rows), parallel over rows; [`scratch_len`](LinOp::scratch_len) is `3·ny·nx`.
/// Results are identical for any number of threads.
///
/// ```
/// use cstk_linop::{LinOp, testing::dot_test};
/// use cstk_linop::transforms::wavelet::{Subband, Swt2, Wavelet};
/// let s = Swt2::<f64>::new(8, 12, Wavelet::new("haar")?, 2)?;
/// assert_eq!(s.nrows(), 7 * 96);
/// assert_eq!(s.detail_range(2, Subband::Vertical), 2 * 96..3 * 96);
/// let img: Vec<f64> = (0..96).map(|i| ((i * 7) % 11) as f64).collect();
/// let back = s.adjoint_vec(&s.apply_vec(&img));
/// assert!(back.iter().zip(&img).all(|(a, b)| (a - b).abs() < 1e-12));
/// dot_test(&s, 1e-12).unwrap();
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Swt2<T: Scalar> {
    wavelet: Wavelet,
    ny: usize,
    nx: usize,
    filters: SwtFilters<Real<T>>,
    /// Level `l` (1-based) at index `l − 1`, along axis 0 and axis 1.
    ay: Vec<SwtAxis>,
    ax: Vec<SwtAxis>,
    /// Minimum rows per rayon job.
    min_rows: usize,
}

impl<T: Scalar> Swt2<T> {
    /// The `levels`-level stationary transform of `ny × nx` images.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] when a side is 0, `levels = 0`, or `2^levels` does not divide
    /// both sides.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Swt2, Wavelet};
    /// let db2 = Wavelet::new("db2")?;
    /// assert!(Swt2::<f32>::new(32, 48, db2, 4).is_ok());
    /// assert!(Swt2::<f32>::new(32, 48, db2, 5).is_err()); // 48 = 3 · 2⁴
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn new(ny: usize, nx: usize, wavelet: Wavelet, levels: usize) -> Result<Self> {
        check_swt(&[("ny", ny), ("nx", nx)], levels)?;
        let f = wavelet.filter_len();
        Ok(Swt2 {
            wavelet,
            ny,
            nx,
            filters: SwtFilters::new(wavelet.dec_lo(), wavelet.dec_hi(), to_real::<T>),
            ay: (1..=levels).map(|l| SwtAxis::new(ny, f, l)).collect(),
            ax: (1..=levels).map(|l| SwtAxis::new(nx, f, l)).collect(),
            min_rows: MIN_TASK_WORK.div_ceil(2 * f * nx).max(1),
        })
    }

    /// The wavelet.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Swt2, Wavelet};
    /// assert_eq!(Swt2::<f64>::new(8, 8, Wavelet::new("db3")?, 1)?.wavelet().name(), "db3");
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn wavelet(&self) -> Wavelet {
        self.wavelet
    }

    /// Number of levels `L`.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Swt2, Wavelet};
    /// assert_eq!(Swt2::<f64>::new(8, 8, Wavelet::new("haar")?, 3)?.levels(), 3);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn levels(&self) -> usize {
        self.ay.len()
    }

    /// The image shape `(ny, nx)`; every subband has this shape.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Swt2, Wavelet};
    /// assert_eq!(Swt2::<f64>::new(8, 4, Wavelet::new("haar")?, 2)?.image_shape(), (8, 4));
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn image_shape(&self) -> (usize, usize) {
        (self.ny, self.nx)
    }

    /// Where `cA_L` lies in the coefficient vector: `0..ny·nx`.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Swt2, Wavelet};
    /// assert_eq!(Swt2::<f64>::new(4, 4, Wavelet::new("haar")?, 2)?.approx_range(), 0..16);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn approx_range(&self) -> Range<usize> {
        0..self.ny * self.nx
    }

    /// Where the detail subband `band` of level `level` (1 = finest) lies: block
    /// `1 + 3(L − level) + {0: H, 1: V, 2: D}` of `ny·nx` values.
    ///
    /// # Panics
    /// Unless `1 ≤ level ≤ L`.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Subband, Swt2, Wavelet};
    /// let s = Swt2::<f64>::new(4, 4, Wavelet::new("haar")?, 2)?;
    /// assert_eq!(s.detail_range(2, Subband::Horizontal), 16..32);
    /// assert_eq!(s.detail_range(1, Subband::Diagonal), 96..112);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    #[track_caller]
    pub fn detail_range(&self, level: usize, band: Subband) -> Range<usize> {
        check_level_index(level, self.levels());
        let n = self.ny * self.nx;
        let start = (1 + 3 * (self.levels() - level) + band.index()) * n;
        start..start + n
    }
}

impl<T: Scalar> LinOp<T> for Swt2<T> {
    fn nrows(&self) -> usize {
        (3 * self.levels() + 1) * self.ny * self.nx
    }
    fn ncols(&self) -> usize {
        self.ny * self.nx
    }
    fn scratch_len(&self) -> usize {
        3 * self.ny * self.nx
    }

    fn apply_with_scratch(&self, x: &[T], y: &mut [T], scratch: &mut [T]) {
        let (ny, nx) = (self.ny, self.nx);
        let n = ny * nx;
        check_len("Swt2 apply: input x", n, x.len());
        check_len("Swt2 apply: output y", LinOp::<T>::nrows(self), y.len());
        let scratch = scratch_prefix("Swt2 apply: scratch", scratch, 3 * n);
        let (lx, rest) = scratch.split_at_mut(n);
        let hx = &mut rest[..n];
        let levels = self.levels();
        let (lo, hi) = (&self.filters.lo, &self.filters.hi);
        let f = self.filters.len();
        for l in 1..=levels {
            let (ay, axx) = (&self.ay[l - 1], &self.ax[l - 1]);
            let (b0, rest) = y.split_at_mut(n);
            let (bh, rest) = rest[3 * (levels - l) * n..].split_at_mut(n);
            let (bv, rest) = rest.split_at_mut(n);
            let bd = &mut rest[..n];
            {
                let src: &[T] = if l == 1 { x } else { b0 };
                lx.par_chunks_mut(nx)
                    .zip(hx.par_chunks_mut(nx))
                    .with_min_len(self.min_rows)
                    .enumerate()
                    .for_each(|(r, (lrow, hrow))| {
                        rotated_comb2(&src[r * nx..][..nx], &axx.fwd, &self.filters, 0, lrow, hrow)
                    });
            }
            let (lx, hx) = (&*lx, &*hx);
            b0.par_chunks_mut(nx)
                .zip(bh.par_chunks_mut(nx))
                .zip(bv.par_chunks_mut(nx).zip(bd.par_chunks_mut(nx)))
                .with_min_len(self.min_rows)
                .enumerate()
                .for_each(|(o, ((aa, da), (ad, dd)))| {
                    let mut offs = [0usize; MAX_FILTER_LEN];
                    let offs = &mut offs[..f];
                    for (off, &c) in offs.iter_mut().zip(&ay.fwd) {
                        *off = ((o + c) % ny) * nx;
                    }
                    comb2(&[Src::new(lx, offs, lo, hi)], ROW_GROUP, aa, da);
                    comb2(&[Src::new(hx, offs, lo, hi)], ROW_GROUP, ad, dd);
                });
        }
    }

    fn adjoint_with_scratch(&self, y: &[T], x: &mut [T], scratch: &mut [T]) {
        let (ny, nx) = (self.ny, self.nx);
        let n = ny * nx;
        check_len("Swt2 adjoint: input y", LinOp::<T>::nrows(self), y.len());
        check_len("Swt2 adjoint: output x", n, x.len());
        let scratch = scratch_prefix("Swt2 adjoint: scratch", scratch, 3 * n);
        let (lx, rest) = scratch.split_at_mut(n);
        let (hx, abuf) = rest.split_at_mut(n);
        let levels = self.levels();
        let (lo, hi) = (&self.filters.lo, &self.filters.hi);
        let f = self.filters.len();
        for l in (1..=levels).rev() {
            let (ay, axx) = (&self.ay[l - 1], &self.ax[l - 1]);
            let blk = &y[(1 + 3 * (levels - l)) * n..][..3 * n];
            let (bh, rest) = blk.split_at(n);
            let (bv, bd) = rest.split_at(n);
            {
                let aa: &[T] = if l == levels { &y[..n] } else { abuf };
                lx.par_chunks_mut(nx)
                    .zip(hx.par_chunks_mut(nx))
                    .with_min_len(self.min_rows)
                    .enumerate()
                    .for_each(|(t, (lrow, hrow))| {
                        let mut offs = [0usize; MAX_FILTER_LEN];
                        let offs = &mut offs[..f];
                        for (off, &c) in offs.iter_mut().zip(&ay.adj) {
                            *off = ((t + c) % ny) * nx;
                        }
                        let offs = &*offs;
                        let srcs = [Src::new(aa, offs, lo, lo), Src::new(bh, offs, hi, hi)];
                        comb1(&srcs, ROW_GROUP, lrow);
                        let srcs = [Src::new(bv, offs, lo, lo), Src::new(bd, offs, hi, hi)];
                        comb1(&srcs, ROW_GROUP, hrow);
                    });
            }
            let (lx, hx) = (&*lx, &*hx);
            let out: &mut [T] = if l == 1 { &mut *x } else { &mut *abuf };
            out.par_chunks_mut(nx)
                .with_min_len(self.min_rows)
                .enumerate()
                .for_each(|(r, orow)| {
                    rotated_comb1x2(
                        &lx[r * nx..][..nx],
                        &hx[r * nx..][..nx],
                        &axx.adj,
                        &self.filters,
                        0,
                        orow,
                    )
                });
        }
    }
}
