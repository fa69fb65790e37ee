//! The decimated orthonormal wavelet transforms [`Dwt1`] and [`Dwt2`] (PyWavelets'
//! `wavedec` / `wavedec2` with `mode="periodization"`, flattened as `coeffs_to_array`).

use super::kernels::{
    DwtAxis, DwtFilters, MAX_FILTER_LEN, ROW_GROUP, Real, Src, chunk_for, comb2, to_real,
};
use super::{Block, Subband, Wavelet, WaveletFamily, dwt_max_level};
use crate::{Error, LinOp, Result, Scalar, check_len, scratch_prefix};
use rayon::prelude::*;
use std::ops::Range;

/// Most parallel tasks a row pass is split into (each owns a slice of the scratch).
const MAX_TASKS: usize = 64;
/// Multiply-adds below which a row pass is not split further.
const MIN_TASK_WORK: usize = 1 << 15;
/// 1-D outputs per parallel chunk of a long line.
const LINE_CHUNK: usize = 1 << 14;
/// Bytes of a row the column passes handle at a time, so that the rows consecutive outputs
/// share are reused from cache (of 0.5, 1, 2, 4 and 16 KiB, 4 KiB was fastest for db4 on
/// 1024 × 1024 here).
const STRIP_BYTES: usize = 4096;

/// Columns per strip of the column passes.
fn strip_len<T>() -> usize {
    (STRIP_BYTES / std::mem::size_of::<T>()).max(8)
}

/// Checks `levels ≤ max` (PyWavelets' `dwt_max_level`), naming the sizes when not.
fn check_levels(levels: usize, max: usize, sizes: &str, f: usize) -> Result<()> {
    if levels > max {
        return Err(Error::InvalidParam {
            name: "levels",
            value: levels.to_string(),
            expected: format!(
                "at most {max} (dwt_max_level for size {sizes} and filter length {f}; \
                 PyWavelets' limit, beyond which every coefficient sees the boundary)"
            ),
        });
    }
    Ok(())
}

/// Checks a signal dimension is positive.
fn check_dim(name: &'static str, v: usize) -> Result<()> {
    if v == 0 {
        return Err(Error::InvalidParam {
            name,
            value: "0".into(),
            expected: "a positive length".into(),
        });
    }
    Ok(())
}

/// `s₀ = n`, `s_l = ⌈s_{l−1}/2⌉` for `l = 1..=levels`.
fn level_lengths(n: usize, levels: usize) -> Vec<usize> {
    let mut s = Vec::with_capacity(levels + 1);
    s.push(n);
    for l in 1..=levels {
        s.push(s[l - 1].div_ceil(2));
    }
    s
}

/// Start of level `l`'s detail block along an axis of the coefficient array:
/// `s_L + Σ_{l' > l} s_{l'}` (PyWavelets' `coeffs_to_array`).
fn detail_start(s: &[usize], l: usize) -> usize {
    let levels = s.len() - 1;
    s[levels] + s[l + 1..=levels].iter().sum::<usize>()
}

/// Panics unless `1 ≤ level ≤ levels`.
#[track_caller]
fn check_level_index(level: usize, levels: usize) {
    assert!(
        (1..=levels).contains(&level),
        "wavelet detail level {level} out of range 1..={levels}"
    );
}

/// Panics unless `level ≤ levels`.
#[track_caller]
fn check_level_bound(level: usize, levels: usize) {
    assert!(
        level <= levels,
        "wavelet level {level} out of range 0..={levels}"
    );
}

// ---------------------------------------------------------------------------------------
// Dwt1
// ---------------------------------------------------------------------------------------

/// Multilevel 1-D orthonormal discrete wavelet transform with periodized boundaries:
/// PyWavelets' `wavedec(x, wavelet, mode="periodization", level=levels)`, flattened.
///
/// **Layout.** `apply` writes `[cA_L, cD_L, cD_{L−1}, …, cD_1]` concatenated (PyWavelets'
/// `coeffs_to_array` of the `wavedec` list, equivalently `np.concatenate`): level `l`
/// (1 = finest) has `s_l = ⌈s_{l−1}/2⌉` coefficients per band, `s₀ = n`, so
/// [`nrows`](LinOp::nrows) `= s_L + Σ_l s_l`, which is `n` when `2^L` divides `n` and a
/// little more otherwise. [`approx_range`](Self::approx_range) and
/// [`detail_range`](Self::detail_range) locate each band.
///
/// **Odd lengths.** Like PyWavelets, a level whose input length is odd first repeats its
/// last sample (making it even) and then transforms periodically. The transform is then
/// injective but not orthogonal; `adjoint` stays the exact adjoint (it adds the repeated
/// sample's share back onto the last one), while PyWavelets' `waverec` drops it instead.
/// When every level's input length is even ([`is_orthogonal`](Self::is_orthogonal), i.e.
/// `2^L` divides `n`), `Wᵀ W = W Wᵀ = I` to rounding and `adjoint` equals `waverec`.
/// (Symlet filters are published to 12–13 digits, so for them "rounding" is about 1e-11.)
///
/// **Cost.** Construction fixes the filters (converted to `T`'s real type) and every level's
/// sizes. A level costs `F` multiply-adds per input sample (`F` = filter length); levels
/// with at least 32 768 coefficients per band are split into fixed chunks run in parallel
/// with rayon (results do not depend on the number of threads). `*_with_scratch`
/// allocates nothing; the scratch is about `2.5·n` values.
///
/// ```
/// use cstk_linop::{LinOp, testing::dot_test, transforms::wavelet::{Dwt1, Wavelet}};
/// let w = Dwt1::<f64>::new(8, Wavelet::new("haar")?, 2)?;
/// let c = w.apply_vec(&[1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0]);
/// // [cA2 (2), cD2 (2), cD1 (4)]; cD1 vanishes on piecewise-constant pairs
/// assert_eq!((w.approx_range(), w.detail_range(2), w.detail_range(1)), (0..2, 2..4, 4..8));
/// assert!((c[0] - 3.0).abs() < 1e-12 && c[4..].iter().all(|v| v.abs() < 1e-15));
/// let x = w.adjoint_vec(&c); // the inverse: the length is a multiple of 2^2
/// assert!((x[7] - 4.0).abs() < 1e-12);
/// dot_test(&w, 1e-12).unwrap();
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Dwt1<T: Scalar> {
    wavelet: Wavelet,
    filters: DwtFilters<Real<T>>,
    /// Level `l` (1-based) at index `l − 1`.
    axes: Vec<DwtAxis>,
    /// `s₀ = n, s₁, …, s_L`.
    lens: Vec<usize>,
    coeff_len: usize,
    scratch: usize,
}

impl<T: Scalar> Dwt1<T> {
    /// The `levels`-level transform of signals of length `n`.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] when `n = 0` or `levels > dwt_max_level(n, F)`
    /// ([`dwt_max_level`]). `levels = 0` is the identity (PyWavelets returns `[x]`).
    ///
    /// ```
    /// use cstk_linop::{Error, transforms::wavelet::{Dwt1, Wavelet}};
    /// let db4 = Wavelet::new("db4")?;
    /// assert!(Dwt1::<f32>::new(1024, db4, 7).is_ok());
    /// let err = Dwt1::<f32>::new(1024, db4, 8).unwrap_err(); // dwt_max_level(1024, 8) = 7
    /// assert!(matches!(err, Error::InvalidParam { name: "levels", .. }));
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn new(n: usize, wavelet: Wavelet, levels: usize) -> Result<Self> {
        check_dim("n", n)?;
        let f = wavelet.filter_len();
        check_levels(levels, dwt_max_level(n, f), &n.to_string(), f)?;
        let lens = level_lengths(n, levels);
        let axes: Vec<DwtAxis> = (1..=levels).map(|l| DwtAxis::new(lens[l - 1], f)).collect();
        let coeff_len = lens[levels] + lens[1..].iter().sum::<usize>();
        // [approximation buffer (s₁) | line workspace of the first (longest) level]
        let scratch = axes.first().map_or(0, |ax| ax.m + ax.scratch_len());
        Ok(Dwt1 {
            wavelet,
            filters: DwtFilters::new(wavelet.dec_lo(), wavelet.dec_hi(), to_real::<T>),
            axes,
            lens,
            coeff_len,
            scratch,
        })
    }

    /// The wavelet.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Dwt1, Wavelet};
    /// let w = Dwt1::<f64>::new(16, Wavelet::new("sym2")?, 1)?;
    /// assert_eq!(w.wavelet().name(), "sym2");
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn wavelet(&self) -> Wavelet {
        self.wavelet
    }

    /// Signal length `n` ([`ncols`](LinOp::ncols)).
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Dwt1, Wavelet};
    /// assert_eq!(Dwt1::<f64>::new(10, Wavelet::new("haar")?, 2)?.len(), 10);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.lens[0]
    }

    /// Number of levels `L`.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Dwt1, Wavelet};
    /// assert_eq!(Dwt1::<f64>::new(10, Wavelet::new("haar")?, 2)?.levels(), 2);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn levels(&self) -> usize {
        self.lens.len() - 1
    }

    /// Number of coefficients ([`nrows`](LinOp::nrows)): `s_L + Σ_{l=1..L} s_l`.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Dwt1, Wavelet};
    /// // 10 → 5 → 3: [cA2 (3), cD2 (3), cD1 (5)]
    /// assert_eq!(Dwt1::<f64>::new(10, Wavelet::new("haar")?, 2)?.coeff_len(), 11);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn coeff_len(&self) -> usize {
        self.coeff_len
    }

    /// Length `s_l` of each band at level `l` (`s₀ = n`, `s_l = ⌈s_{l−1}/2⌉`).
    ///
    /// # Panics
    /// When `level > L`.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Dwt1, Wavelet};
    /// let w = Dwt1::<f64>::new(22, Wavelet::new("haar")?, 4)?;
    /// assert_eq!((0..=4).map(|l| w.level_len(l)).collect::<Vec<_>>(), [22, 11, 6, 3, 2]);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    #[track_caller]
    pub fn level_len(&self, level: usize) -> usize {
        check_level_bound(level, self.levels());
        self.lens[level]
    }

    /// Where `cA_L` lies in the coefficient vector: `0..s_L`.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Dwt1, Wavelet};
    /// assert_eq!(Dwt1::<f64>::new(16, Wavelet::new("db2")?, 2)?.approx_range(), 0..4);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn approx_range(&self) -> Range<usize> {
        0..self.lens[self.levels()]
    }

    /// Where `cD_level` lies in the coefficient vector (`level` 1 = finest, `L` = coarsest;
    /// PyWavelets' list index `L − level + 1`).
    ///
    /// # Panics
    /// Unless `1 ≤ level ≤ L`.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Dwt1, Wavelet};
    /// let w = Dwt1::<f64>::new(16, Wavelet::new("db2")?, 2)?;
    /// assert_eq!((w.detail_range(2), w.detail_range(1)), (4..8, 8..16));
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    #[track_caller]
    pub fn detail_range(&self, level: usize) -> Range<usize> {
        check_level_index(level, self.levels());
        let start = detail_start(&self.lens, level);
        start..start + self.lens[level]
    }

    /// `true` when every level's input length is even (`2^L` divides `n`): then the
    /// transform is orthogonal and its adjoint is its inverse.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Dwt1, Wavelet};
    /// let haar = Wavelet::new("haar")?;
    /// assert!(Dwt1::<f64>::new(12, haar, 2)?.is_orthogonal());
    /// assert!(!Dwt1::<f64>::new(12, haar, 3)?.is_orthogonal()); // 12 → 6 → 3 → 2
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn is_orthogonal(&self) -> bool {
        self.axes.iter().all(|ax| ax.n.is_multiple_of(2))
    }
}

impl<T: Scalar> LinOp<T> for Dwt1<T> {
    fn nrows(&self) -> usize {
        self.coeff_len
    }
    fn ncols(&self) -> usize {
        self.lens[0]
    }
    fn scratch_len(&self) -> usize {
        self.scratch
    }

    fn apply_with_scratch(&self, x: &[T], y: &mut [T], scratch: &mut [T]) {
        check_len("Dwt1 apply: input x", self.lens[0], x.len());
        check_len("Dwt1 apply: output y", self.coeff_len, y.len());
        let scratch = scratch_prefix("Dwt1 apply: scratch", scratch, self.scratch);
        let levels = self.levels();
        if levels == 0 {
            y.copy_from_slice(x);
            return;
        }
        let first = &self.axes[0];
        // [cA buffer (s₁) | line workspace (phases)]
        let (abuf, work) = scratch.split_at_mut(first.m);
        for (i, ax) in self.axes.iter().enumerate() {
            let l = i + 1;
            if l == 1 {
                ax.load_line(x, work);
            } else {
                ax.load_line(&abuf[..ax.n], work);
            }
            let (front, back) = y.split_at_mut(detail_start(&self.lens, l));
            let d = &mut back[..ax.m];
            let a = if l == levels {
                &mut front[..ax.m]
            } else {
                &mut abuf[..ax.m]
            };
            let work = &*work;
            if ax.m >= 2 * LINE_CHUNK {
                a.par_chunks_mut(LINE_CHUNK)
                    .zip(d.par_chunks_mut(LINE_CHUNK))
                    .enumerate()
                    .for_each(|(c, (a, d))| {
                        ax.analysis_loaded(&self.filters, work, c * LINE_CHUNK, a, d)
                    });
            } else {
                ax.analysis_loaded(&self.filters, work, 0, a, d);
            }
        }
    }

    fn adjoint_with_scratch(&self, y: &[T], x: &mut [T], scratch: &mut [T]) {
        check_len("Dwt1 adjoint: input y", self.coeff_len, y.len());
        check_len("Dwt1 adjoint: output x", self.lens[0], x.len());
        let scratch = scratch_prefix("Dwt1 adjoint: scratch", scratch, self.scratch);
        let levels = self.levels();
        if levels == 0 {
            x.copy_from_slice(y);
            return;
        }
        let first = &self.axes[0];
        let (abuf, work) = scratch.split_at_mut(first.m);
        for l in (1..=levels).rev() {
            let ax = &self.axes[l - 1];
            let d = &y[detail_start(&self.lens, l)..][..ax.m];
            let a = if l == levels {
                &y[..ax.m]
            } else {
                &abuf[..ax.m]
            };
            ax.load_edges(a, d, work);
            let (edges, q) = work.split_at_mut(ax.edges_len());
            let (q0, q1) = q[..2 * ax.m].split_at_mut(ax.m);
            let edges = &*edges;
            if ax.m >= 2 * LINE_CHUNK {
                q0.par_chunks_mut(LINE_CHUNK)
                    .zip(q1.par_chunks_mut(LINE_CHUNK))
                    .enumerate()
                    .for_each(|(c, (q0, q1))| {
                        ax.synthesis_phases(a, d, &self.filters, edges, c * LINE_CHUNK, q0, q1)
                    });
            } else {
                ax.synthesis_phases(a, d, &self.filters, edges, 0, q0, q1);
            }
            if l == 1 {
                ax.store_line(q, x);
            } else {
                ax.store_line(q, &mut abuf[..ax.n]);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Dwt2
// ---------------------------------------------------------------------------------------

/// One level of [`Dwt2`]: the axis plans and where its detail blocks go.
#[derive(Clone, Debug)]
struct Level2 {
    /// Along the rows' index (axis 0, length = image rows at this level).
    y: DwtAxis,
    /// Along each row (axis 1).
    x: DwtAxis,
    /// First row of this level's `H`/`D` blocks in the coefficient array.
    r0: usize,
    /// First column of this level's `V`/`D` blocks.
    c0: usize,
    /// Rows per task of the row passes.
    rows_per_task: usize,
    /// Output rows (pairs of `x'` rows in the adjoint) per task of the column passes.
    col_band: usize,
}

/// Multilevel 2-D orthonormal discrete wavelet transform with periodized boundaries:
/// PyWavelets' `coeffs_to_array(wavedec2(x, wavelet, mode="periodization", level=levels))`,
/// flattened in row-major order.
///
/// The image is `ny × nx`, row-major (entry `(i, j)` at `i·nx + j`). Each level filters
/// along both axes and splits its approximation into four subbands of `s^y_l × s^x_l`
/// coefficients (`s_l = ⌈s_{l−1}/2⌉`): the approximation `cA` and the details
/// `H = cH` (detail along axis 0, PyWavelets' key `"da"`), `V = cV` (`"ad"`) and
/// `D = cD` (`"dd"`) — see [`Subband`].
///
/// **Layout** (exactly `pywt.coeffs_to_array`). The coefficient array has
/// [`coeff_shape`](Self::coeff_shape) `= (s^y_L + Σ_l s^y_l, s^x_L + Σ_l s^x_l)`; `cA_L` is
/// its top-left block; level `l`'s blocks start at row `R_l = s^y_L + Σ_{l'>l} s^y_{l'}` and
/// column `C_l` (likewise): `V` at rows `0..s^y_l` right of column `C_l` (top-right), `H`
/// at row `R_l`, columns `0..s^x_l` (bottom-left), `D` at `(R_l, C_l)` (bottom-right).
/// Note that PyWavelets puts `cH` bottom-left and `cV` top-right (the figure in its
/// docstring suggests otherwise; the code, and this type, do this). When every level's
/// sizes are even the blocks tile the array, which then has the image's shape; otherwise
/// (`2^L` does not divide `ny` or `nx`) the array is larger than the image, and the cells
/// no block covers ([`gaps`](Self::gaps)) are written as zeros by `apply` and ignored by
/// `adjoint`. [`nrows`](LinOp::nrows) is always the array size.
/// [`approx_block`](Self::approx_block) and [`detail_block`](Self::detail_block) give each
/// subband's rows and columns.
///
/// **Odd sizes.** As in PyWavelets (and [`Dwt1`]), an odd-length axis repeats its last
/// sample before the periodic transform. The operator is then not orthogonal; `adjoint`
/// remains its exact adjoint (PyWavelets' `waverec2` instead drops the repeated sample, so
/// the two differ there). With every level's sizes even ([`is_orthogonal`](Self::is_orthogonal))
/// `adjoint` is the inverse and equals `waverec2(array_to_coeffs(…))`.
///
/// **Cost and threads.** Filters, level sizes and the task split are fixed at construction.
/// Each level runs a row pass (rows split into at most 64 fixed tasks, run in parallel with
/// rayon, each with its own part of the scratch) and a column pass computed as weighted
/// sums of whole rows, contiguous in memory (parallel over output rows): `2F`
/// multiply-adds per input pixel per level in all (`F` = filter length). `*_with_scratch`
/// allocates nothing; the scratch is at most `(ny+1)·(nx+1) + ⌈ny/2⌉·⌈nx/2⌉` values plus
/// one line workspace (about `2·nx`) per task. Results are identical for any number of
/// threads.
///
/// **Haar.** With the Haar wavelet and every level's sizes even
/// ([`is_orthogonal`](Self::is_orthogonal)), `*_with_scratch` take a faster path: each
/// level is one pass over the 2 × 2 blocks of its input (`a`, `V`, `H`, `D` are the block's
/// sums and differences over 2), writing the detail blocks straight into the coefficient
/// array and the approximation into one of two scratch buffers (the adjoint likewise,
/// coarsest level first), parallel over output rows in jobs of at least 32 768 input values
/// (smaller levels run inline). It equals the generic path to rounding (about 1e-16
/// relative), is elementwise (so again independent of the thread count), and uses
/// `⌈ny/2⌉·⌈nx/2⌉ + ⌈ny/4⌉·⌈nx/4⌉` values of the same scratch. `db1` (the same filters)
/// and Haar with an odd level size take the generic path.
///
/// ```
/// use cstk_linop::{LinOp, testing::dot_test};
/// use cstk_linop::transforms::wavelet::{Dwt2, Subband, Wavelet};
/// let w = Dwt2::<f64>::new(16, 32, Wavelet::new("db2")?, 2)?;
/// assert_eq!(w.coeff_shape(), (16, 32));
/// assert_eq!(w.detail_block(1, Subband::Vertical).rows, 0..8); // top-right
/// assert_eq!(w.detail_block(1, Subband::Vertical).cols, 16..32);
/// assert_eq!(w.detail_block(1, Subband::Horizontal).rows, 8..16); // bottom-left
/// let img: Vec<f64> = (0..512).map(|i| (i % 32) as f64).collect();
/// let c = w.apply_vec(&img);
/// let back = w.adjoint_vec(&c); // orthogonal: 16 and 32 are multiples of 2^2
/// assert!(back.iter().zip(&img).all(|(a, b)| (a - b).abs() < 1e-12));
/// dot_test(&w, 1e-12).unwrap();
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Dwt2<T: Scalar> {
    wavelet: Wavelet,
    filters: DwtFilters<Real<T>>,
    /// Level `l` (1-based) at index `l − 1`.
    lv: Vec<Level2>,
    /// `(s^y_l, s^x_l)` for `l = 0..=L`.
    shapes: Vec<(usize, usize)>,
    /// Coefficient array shape.
    coeff: (usize, usize),
    /// Cells of the coefficient array no subband covers.
    gaps: Vec<Block>,
    /// Scratch: row-pass output buffer, approximation buffer, per-task line workspace.
    tbuf_len: usize,
    abuf_len: usize,
    task_len: usize,
    tasks: usize,
    /// Haar with every level's sizes even: `*_with_scratch` take the one-pass 2 × 2 block
    /// path ([`haar_forward`](Self::haar_forward), [`haar_adjoint`](Self::haar_adjoint)).
    haar: bool,
}

impl<T: Scalar> Dwt2<T> {
    /// The `levels`-level transform of `ny × nx` images.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] when `ny` or `nx` is 0, or when
    /// `levels > min(dwt_max_level(ny, F), dwt_max_level(nx, F))` (PyWavelets' default
    /// level for `wavedec2`; PyWavelets only warns beyond it). `levels = 0` is the identity.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Dwt2, Wavelet};
    /// let db4 = Wavelet::new("db4")?;
    /// assert!(Dwt2::<f64>::new(64, 128, db4, 3)?.levels() == 3);
    /// assert!(Dwt2::<f64>::new(64, 128, db4, 4).is_err()); // dwt_max_level(64, 8) = 3
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn new(ny: usize, nx: usize, wavelet: Wavelet, levels: usize) -> Result<Self> {
        check_dim("ny", ny)?;
        check_dim("nx", nx)?;
        let f = wavelet.filter_len();
        let max = dwt_max_level(ny, f).min(dwt_max_level(nx, f));
        check_levels(levels, max, &format!("{ny}x{nx}"), f)?;
        let sy = level_lengths(ny, levels);
        let sx = level_lengths(nx, levels);
        let coeff = (
            sy[levels] + sy[1..].iter().sum::<usize>(),
            sx[levels] + sx[1..].iter().sum::<usize>(),
        );
        let mut lv = Vec::with_capacity(levels);
        let mut gaps = Vec::new();
        for l in 1..=levels {
            let (y, x) = (DwtAxis::new(sy[l - 1], f), DwtAxis::new(sx[l - 1], f));
            let (r0, c0) = (detail_start(&sy, l), detail_start(&sx, l));
            // V spans rows 0..s^y_l right of c0 and H columns 0..s^x_l below r0; the rest of
            // the L-shaped band of this level is empty
            gaps.push(Block {
                rows: sy[l]..r0,
                cols: c0..c0 + sx[l],
            });
            gaps.push(Block {
                rows: r0..r0 + sy[l],
                cols: sx[l]..c0,
            });
            let row_work = (x.n * f).max(1);
            let rows_per_task = chunk_for(y.n, MIN_TASK_WORK.div_ceil(row_work), MAX_TASKS);
            let col_band = chunk_for(y.m, MIN_TASK_WORK.div_ceil(2 * x.m * f), MAX_TASKS);
            lv.push(Level2 {
                y,
                x,
                r0,
                c0,
                rows_per_task,
                col_band,
            });
        }
        gaps.retain(|b| !b.is_empty());
        // the row-pass output (n rows) or, in the adjoint, the padded x' rows (n' rows)
        let tbuf_len = lv.iter().map(|v| v.y.np * 2 * v.x.m).max().unwrap_or(0);
        let abuf_len = if levels > 0 { sy[1] * sx[1] } else { 0 };
        let task_len = lv.iter().map(|v| v.x.scratch_len()).max().unwrap_or(0);
        let tasks = lv
            .iter()
            .map(|v| v.y.n.div_ceil(v.rows_per_task))
            .max()
            .unwrap_or(0);
        let haar = wavelet.family() == WaveletFamily::Haar
            && lv
                .iter()
                .all(|v| v.y.n.is_multiple_of(2) && v.x.n.is_multiple_of(2));
        Ok(Dwt2 {
            wavelet,
            filters: DwtFilters::new(wavelet.dec_lo(), wavelet.dec_hi(), to_real::<T>),
            lv,
            shapes: sy.into_iter().zip(sx).collect(),
            coeff,
            gaps,
            tbuf_len,
            abuf_len,
            task_len,
            tasks,
            haar,
        })
    }

    /// The wavelet.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Dwt2, Wavelet};
    /// let w = Dwt2::<f64>::new(16, 16, Wavelet::new("coif1")?, 1)?;
    /// assert_eq!(w.wavelet().name(), "coif1");
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn wavelet(&self) -> Wavelet {
        self.wavelet
    }

    /// Number of levels `L`.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Dwt2, Wavelet};
    /// assert_eq!(Dwt2::<f64>::new(16, 16, Wavelet::new("haar")?, 3)?.levels(), 3);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn levels(&self) -> usize {
        self.shapes.len() - 1
    }

    /// The image shape `(ny, nx)`; [`ncols`](LinOp::ncols) `= ny·nx`.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Dwt2, Wavelet};
    /// assert_eq!(Dwt2::<f64>::new(20, 12, Wavelet::new("haar")?, 3)?.image_shape(), (20, 12));
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn image_shape(&self) -> (usize, usize) {
        self.shapes[0]
    }

    /// Shape of the coefficient array (PyWavelets' `coeffs_to_array(...)[0].shape`);
    /// [`nrows`](LinOp::nrows) is its size. Equal to the image shape when `2^L` divides
    /// both sides, larger otherwise.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Dwt2, Wavelet};
    /// // rows 20 → 10 → 5 → 3, columns 12 → 6 → 3 → 2
    /// let w = Dwt2::<f64>::new(20, 12, Wavelet::new("haar")?, 3)?;
    /// assert_eq!(w.coeff_shape(), (3 + 3 + 5 + 10, 2 + 2 + 3 + 6));
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn coeff_shape(&self) -> (usize, usize) {
        self.coeff
    }

    /// Shape `(s^y_l, s^x_l)` of every subband at level `l` (level 0: the image).
    ///
    /// # Panics
    /// When `level > L`.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Dwt2, Wavelet};
    /// let w = Dwt2::<f64>::new(20, 12, Wavelet::new("haar")?, 3)?;
    /// assert_eq!(w.level_shape(2), (5, 3));
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    #[track_caller]
    pub fn level_shape(&self, level: usize) -> (usize, usize) {
        check_level_bound(level, self.levels());
        self.shapes[level]
    }

    /// Where `cA_L` lies in the coefficient array: the top-left `s^y_L × s^x_L` block.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Dwt2, Wavelet};
    /// let w = Dwt2::<f64>::new(16, 32, Wavelet::new("haar")?, 2)?;
    /// let b = w.approx_block();
    /// assert_eq!((b.rows, b.cols), (0..4, 0..8));
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn approx_block(&self) -> Block {
        let (sy, sx) = self.shapes[self.levels()];
        Block {
            rows: 0..sy,
            cols: 0..sx,
        }
    }

    /// Where a detail subband of level `level` (1 = finest, `L` = coarsest; PyWavelets'
    /// list index `L − level + 1`) lies in the coefficient array.
    ///
    /// # Panics
    /// Unless `1 ≤ level ≤ L`.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Dwt2, Subband, Wavelet};
    /// let w = Dwt2::<f64>::new(20, 12, Wavelet::new("haar")?, 3)?;
    /// // pywt: coeff_slices[2]['dd'] == (slice(6, 11), slice(4, 7))
    /// let d = w.detail_block(2, Subband::Diagonal);
    /// assert_eq!((d.rows, d.cols), (6..11, 4..7));
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    #[track_caller]
    pub fn detail_block(&self, level: usize, band: Subband) -> Block {
        check_level_index(level, self.levels());
        let v = &self.lv[level - 1];
        let (sy, sx) = self.shapes[level];
        let (rows, cols) = match band {
            Subband::Horizontal => (v.r0..v.r0 + sy, 0..sx),
            Subband::Vertical => (0..sy, v.c0..v.c0 + sx),
            Subband::Diagonal => (v.r0..v.r0 + sy, v.c0..v.c0 + sx),
        };
        Block { rows, cols }
    }

    /// The cells of the coefficient array that belong to no subband (empty when `2^L`
    /// divides both sides): `apply` writes zeros there and `adjoint` ignores them.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Dwt2, Wavelet};
    /// let w = Dwt2::<f64>::new(20, 12, Wavelet::new("haar")?, 3)?;
    /// let (a, c) = (w.coeff_shape(), w.gaps().iter().map(|b| b.len()).sum::<usize>());
    /// let blocks = w.approx_block().len() + 3 * (1..=3).map(|l| {
    ///     let (sy, sx) = w.level_shape(l);
    ///     sy * sx
    /// }).sum::<usize>();
    /// assert_eq!(blocks + c, a.0 * a.1);
    /// assert!(Dwt2::<f64>::new(16, 16, Wavelet::new("haar")?, 3)?.gaps().is_empty());
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn gaps(&self) -> &[Block] {
        &self.gaps
    }

    /// `true` when every level's input sizes are even (`2^L` divides `ny` and `nx`): then
    /// the transform is orthogonal and its adjoint is its inverse.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::{Dwt2, Wavelet};
    /// assert!(Dwt2::<f64>::new(24, 40, Wavelet::new("haar")?, 3)?.is_orthogonal());
    /// assert!(!Dwt2::<f64>::new(24, 40, Wavelet::new("haar")?, 4)?.is_orthogonal());
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn is_orthogonal(&self) -> bool {
        self.lv
            .iter()
            .all(|v| v.y.n.is_multiple_of(2) && v.x.n.is_multiple_of(2))
    }

    fn scratch_total(&self) -> usize {
        // the generic layout is always at least the Haar path's two ping-pong buffers
        // (`tbuf_len ≥ ny·nx`); the `max` only makes that explicit
        (self.tbuf_len + self.abuf_len + self.tasks * self.task_len).max(self.haar_scratch())
    }

    /// Scratch of the Haar path: the approximation buffers of levels 1 and 2 (ping-pong;
    /// level `l` uses buffer `(l − 1) mod 2` forward), none when `L ≤ 1` (level 1 reads `x`
    /// and writes `y` directly).
    fn haar_scratch(&self) -> usize {
        if !self.haar || self.levels() < 2 {
            return 0;
        }
        let area = |(sy, sx): (usize, usize)| sy * sx;
        area(self.shapes[1]) + area(self.shapes[2])
    }

    /// Output rows (of each of the two halves of a level's band) per parallel job of the
    /// Haar path: at least [`MIN_TASK_WORK`] input values per job, at most [`MAX_TASKS`]
    /// jobs.
    fn haar_band(my: usize, mx: usize) -> usize {
        chunk_for(my, MIN_TASK_WORK.div_ceil(4 * mx.max(1)), MAX_TASKS)
    }

    /// The two ping-pong approximation buffers of the Haar path, carved from `scratch`: the
    /// first holds level 1's approximation (none with one level), the second level 2's.
    fn haar_buffers<'s>(&self, scratch: &'s mut [T]) -> (&'s mut [T], &'s mut [T]) {
        let first = if self.levels() > 1 {
            self.shapes[1].0 * self.shapes[1].1
        } else {
            0
        };
        scratch[..self.haar_scratch()].split_at_mut(first)
    }

    /// The Haar analysis (requires `self.haar`): each level in one pass over the 2 × 2
    /// blocks of its input, the previous approximation (level 1: `x`), writing the three
    /// detail blocks straight into `y` and the approximation into a scratch buffer
    /// (ping-pong between two), or, at level `L`, into `y`'s top-left block.
    fn haar_forward(&self, x: &[T], y: &mut [T], scratch: &mut [T]) {
        let levels = self.levels();
        let ax = self.coeff.1;
        let half = to_real::<T>(0.5);
        let (b0, b1) = self.haar_buffers(scratch);
        for (i, v) in self.lv.iter().enumerate() {
            let l = i + 1;
            let (my, mx) = self.shapes[l];
            // the input, dense `2my × 2mx` (x has exactly that shape at level 1)
            let (src, dst): (&[T], &mut [T]) = if l == 1 {
                (x, &mut *b0)
            } else if l % 2 == 1 {
                (&*b1, &mut *b0)
            } else {
                (&*b0, &mut *b1)
            };
            let src = &src[..4 * my * mx];
            let (top, bottom) = y.split_at_mut(v.r0 * ax);
            let (top, bottom) = (&mut top[..my * ax], &mut bottom[..my * ax]);
            let band = Self::haar_band(my, mx);
            let c0 = v.c0;
            let run = |i0: usize, tops: &mut [T], bots: &mut [T], appr: Option<&mut [T]>| {
                haar_forward_rows(src, i0, mx, ax, c0, half, tops, bots, appr)
            };
            let appr = (l < levels).then(|| &mut dst[..my * mx]);
            if band >= my {
                run(0, top, bottom, appr);
            } else if let Some(appr) = appr {
                top.par_chunks_mut(band * ax)
                    .zip(bottom.par_chunks_mut(band * ax))
                    .zip(appr.par_chunks_mut(band * mx))
                    .enumerate()
                    .for_each(|(bi, ((t, b), a))| run(bi * band, t, b, Some(a)));
            } else {
                top.par_chunks_mut(band * ax)
                    .zip(bottom.par_chunks_mut(band * ax))
                    .enumerate()
                    .for_each(|(bi, (t, b))| run(bi * band, t, b, None));
            }
        }
    }

    /// Adjoint (and inverse) of [`haar_forward`](Self::haar_forward), coarsest level first:
    /// level `l` rebuilds the `2s^y_l × 2s^x_l` approximation of level `l − 1` (level 1:
    /// `x`) from its approximation (level `L`: `y`'s top-left block, else the buffer the
    /// previous step wrote) and its three detail blocks in `y`.
    fn haar_adjoint(&self, y: &[T], x: &mut [T], scratch: &mut [T]) {
        let levels = self.levels();
        let ax = self.coeff.1;
        let half = to_real::<T>(0.5);
        let (b0, b1) = self.haar_buffers(scratch);
        for (i, v) in self.lv.iter().enumerate().rev() {
            let l = i + 1;
            let (my, mx) = self.shapes[l];
            // level l writes buffer l mod 2 (level 1: x); level l + 1 wrote (l + 1) mod 2
            let (sbuf, dst): (&[T], &mut [T]) = if l == 1 {
                (&*b0, &mut *x)
            } else if l % 2 == 1 {
                (&*b0, &mut *b1)
            } else {
                (&*b1, &mut *b0)
            };
            // the approximation: rows of `mx` values `astride` apart
            let (abase, astride) = if l == levels { (y, ax) } else { (sbuf, mx) };
            let w = 2 * mx;
            let dst = &mut dst[..4 * my * mx];
            let band = Self::haar_band(my, mx);
            let (r0, c0) = (v.r0, v.c0);
            let run = |j0: usize, out: &mut [T]| {
                for (r, pair) in out.chunks_exact_mut(2 * w).enumerate() {
                    let j = j0 + r;
                    let (o0, o1) = pair.split_at_mut(w);
                    haar_synthesis_row(
                        &abase[j * astride..][..mx],
                        &y[j * ax + c0..][..mx],
                        &y[(r0 + j) * ax..][..mx],
                        &y[(r0 + j) * ax + c0..][..mx],
                        half,
                        o0,
                        o1,
                    );
                }
            };
            if band >= my {
                run(0, dst);
            } else {
                dst.par_chunks_mut(band * 2 * w)
                    .enumerate()
                    .for_each(|(bi, out)| run(bi * band, out));
            }
        }
    }

    /// Row pass of level `v`: each input row (`v.x.n` wide) into `[a | d]` (`2·v.x.m` wide).
    fn rows_forward(&self, v: &Level2, input: &[T], tbuf: &mut [T], tasks: &mut [T]) {
        let (w, tw) = (v.x.n, 2 * v.x.m);
        let rpt = v.rows_per_task;
        tbuf[..v.y.n * tw]
            .par_chunks_mut(rpt * tw)
            .zip(tasks.par_chunks_mut(self.task_len))
            .enumerate()
            .for_each(|(ti, (out, work))| {
                for (r, orow) in out.chunks_exact_mut(tw).enumerate() {
                    let row = ti * rpt + r;
                    let (a, d) = orow.split_at_mut(v.x.m);
                    v.x.analysis(&input[row * w..][..w], &self.filters, work, a, d);
                }
            });
    }

    /// Adjoint of [`rows_forward`](Self::rows_forward); `tbuf` holds the rows in phase order
    /// (see [`cols_adjoint`](Self::cols_adjoint)).
    fn rows_adjoint(&self, v: &Level2, tbuf: &[T], out: &mut [T], tasks: &mut [T]) {
        let (w, tw) = (v.x.n, 2 * v.x.m);
        let rpt = v.rows_per_task;
        out[..v.y.n * w]
            .par_chunks_mut(rpt * w)
            .zip(tasks.par_chunks_mut(self.task_len))
            .enumerate()
            .for_each(|(ti, (out, work))| {
                for (r, orow) in out.chunks_exact_mut(w).enumerate() {
                    let (phase, j) = v.y.phase_of(ti * rpt + r);
                    let (a, d) = tbuf[(2 * j + phase) * tw..][..tw].split_at(v.x.m);
                    v.x.synthesis(a, d, &self.filters, work, orow);
                }
            });
    }

    /// Column pass of level `v`: the row-pass output `tbuf` into the approximation (`abuf`,
    /// `s^y_l × s^x_l`) and the three detail blocks of `y`.
    fn cols_forward(&self, v: &Level2, tbuf: &[T], abuf: &mut [T], y: &mut [T]) {
        let (my, mx) = (v.y.m, v.x.m);
        let (tw, ax, c0) = (2 * mx, self.coeff.1, v.c0);
        let f = self.filters.len();
        let (hr, gr) = (&self.filters.hr, &self.filters.gr);
        let band = v.col_band;
        let strip = strip_len::<T>();
        let (top, bottom) = y.split_at_mut(v.r0 * ax);
        top[..my * ax]
            .par_chunks_mut(band * ax)
            .zip(bottom[..my * ax].par_chunks_mut(band * ax))
            .zip(abuf[..my * mx].par_chunks_mut(band * mx))
            .enumerate()
            .for_each(|(bi, ((tops, bots), appr))| {
                let mut offs = [0usize; MAX_FILTER_LEN];
                let offs = &mut offs[..f];
                // a strip of columns at a time, so the rows consecutive outputs share stay
                // in L1
                for half in 0..2 {
                    for s0 in (0..mx).step_by(strip) {
                        let cw = strip.min(mx - s0);
                        for (r, ((trow, brow), arow)) in tops
                            .chunks_exact_mut(ax)
                            .zip(bots.chunks_exact_mut(ax))
                            .zip(appr.chunks_exact_mut(mx))
                            .enumerate()
                        {
                            let o = bi * band + r;
                            for (off, &row) in offs.iter_mut().zip(v.y.taps(o)) {
                                *off = row * tw + half * mx + s0;
                            }
                            let src = [Src::new(tbuf, offs, hr, gr)];
                            if half == 0 {
                                // x-low half: LL (approximation) and HL (H, below r0)
                                comb2(
                                    &src,
                                    ROW_GROUP,
                                    &mut arow[s0..s0 + cw],
                                    &mut brow[s0..s0 + cw],
                                );
                            } else {
                                // x-high half: LH (V, right of c0) and HH (D)
                                let (d0, d1) = (c0 + s0, c0 + s0 + cw);
                                comb2(&src, ROW_GROUP, &mut trow[d0..d1], &mut brow[d0..d1]);
                            }
                        }
                    }
                }
            });
    }

    /// Adjoint of [`cols_forward`](Self::cols_forward): the rows of `x'` (the padded input
    /// of the level's column transform) from the approximation `abuf` and the detail blocks
    /// of `y`, each a row of `[a | d]` for the row synthesis.
    ///
    /// The rows are stored in phase order: pair `j` holds `x'` rows `(2j + b) mod n'` and
    /// `(2j + 1 + b) mod n'` (see [`DwtAxis`]), which read the same coefficient rows
    /// `(j − κ) mod m` with the even and odd filter taps, so each pair is one two-output
    /// weighted sum. For an odd number of rows the padding row is then added onto the last
    /// row (the adjoint of repeating it).
    fn cols_adjoint(&self, v: &Level2, abuf: &[T], y: &[T], tbuf: &mut [T]) {
        let (my, mx) = (v.y.m, v.x.m);
        let (tw, ax, c0, r0) = (2 * mx, self.coeff.1, v.c0, v.r0);
        let fh = v.y.half_filter();
        let fl = &self.filters;
        let band = v.col_band;
        let strip = strip_len::<T>();
        tbuf[..2 * my * tw]
            .par_chunks_mut(2 * band * tw)
            .enumerate()
            .for_each(|(bi, pairs)| {
                let mut oa = [0usize; MAX_FILTER_LEN / 2];
                let mut ob = [0usize; MAX_FILTER_LEN / 2];
                let (oa, ob) = (&mut oa[..fh], &mut ob[..fh]);
                for half in 0..2 {
                    for s0 in (0..mx).step_by(strip) {
                        let cw = strip.min(mx - s0);
                        for (r, pair) in pairs.chunks_exact_mut(2 * tw).enumerate() {
                            let j = bi * band + r;
                            let (t0, t1) = pair.split_at_mut(tw);
                            for ((a, b), row) in
                                oa.iter_mut().zip(ob.iter_mut()).zip(v.y.back_taps(j))
                            {
                                if half == 0 {
                                    // x-low half: LL rows (abuf) and H rows (y below r0)
                                    *a = row * mx + s0;
                                    *b = (r0 + row) * ax + s0;
                                } else {
                                    // x-high half: V rows (y, right of c0) and D rows
                                    *a = row * ax + c0 + s0;
                                    *b = (r0 + row) * ax + c0 + s0;
                                }
                            }
                            let lo_base = if half == 0 { abuf } else { y };
                            let srcs = [
                                Src::new(lo_base, oa, &fl.hr_even, &fl.hr_odd),
                                Src::new(y, ob, &fl.gr_even, &fl.gr_odd),
                            ];
                            let (d0, d1) = (half * mx + s0, half * mx + s0 + cw);
                            comb2(&srcs, ROW_GROUP, &mut t0[d0..d1], &mut t1[d0..d1]);
                        }
                    }
                }
            });
        if v.y.np > v.y.n {
            let slot = |t: usize| {
                let (r, j) = v.y.phase_of(t);
                2 * j + r
            };
            let (pad, last) = (slot(v.y.n), slot(v.y.n - 1));
            let (lo, hi) = tbuf.split_at_mut(pad.max(last) * tw);
            let (dst, src) = if last < pad {
                (&mut lo[last * tw..][..tw], &hi[..tw])
            } else {
                (&mut hi[..tw], &lo[pad * tw..][..tw])
            };
            for (d, &s) in dst.iter_mut().zip(src) {
                *d += s;
            }
        }
    }
}

impl<T: Scalar> LinOp<T> for Dwt2<T> {
    fn nrows(&self) -> usize {
        self.coeff.0 * self.coeff.1
    }
    fn ncols(&self) -> usize {
        self.shapes[0].0 * self.shapes[0].1
    }
    fn scratch_len(&self) -> usize {
        self.scratch_total()
    }

    fn apply_with_scratch(&self, x: &[T], y: &mut [T], scratch: &mut [T]) {
        check_len("Dwt2 apply: input x", LinOp::<T>::ncols(self), x.len());
        check_len("Dwt2 apply: output y", LinOp::<T>::nrows(self), y.len());
        let scratch = scratch_prefix("Dwt2 apply: scratch", scratch, self.scratch_total());
        let levels = self.levels();
        if levels == 0 {
            y.copy_from_slice(x);
            return;
        }
        if self.haar {
            self.haar_forward(x, y, scratch);
            return;
        }
        let (tbuf, rest) = scratch.split_at_mut(self.tbuf_len);
        let (abuf, tasks) = rest.split_at_mut(self.abuf_len);
        for (i, v) in self.lv.iter().enumerate() {
            if i == 0 {
                self.rows_forward(v, x, tbuf, tasks);
            } else {
                self.rows_forward(v, &abuf[..v.y.n * v.x.n], tbuf, tasks);
            }
            self.cols_forward(v, tbuf, abuf, y);
        }
        // cA_L from the approximation buffer into the top-left block; zeros in the gaps
        let ax = self.coeff.1;
        let (sy, sx) = self.shapes[levels];
        for (r, arow) in abuf[..sy * sx].chunks_exact(sx).enumerate() {
            y[r * ax..r * ax + sx].copy_from_slice(arow);
        }
        for g in &self.gaps {
            for r in g.rows.clone() {
                y[r * ax + g.cols.start..r * ax + g.cols.end].fill(T::zero());
            }
        }
    }

    fn adjoint_with_scratch(&self, y: &[T], x: &mut [T], scratch: &mut [T]) {
        check_len("Dwt2 adjoint: input y", LinOp::<T>::nrows(self), y.len());
        check_len("Dwt2 adjoint: output x", LinOp::<T>::ncols(self), x.len());
        let scratch = scratch_prefix("Dwt2 adjoint: scratch", scratch, self.scratch_total());
        let levels = self.levels();
        if levels == 0 {
            x.copy_from_slice(y);
            return;
        }
        if self.haar {
            self.haar_adjoint(y, x, scratch);
            return;
        }
        let (tbuf, rest) = scratch.split_at_mut(self.tbuf_len);
        let (abuf, tasks) = rest.split_at_mut(self.abuf_len);
        let ax = self.coeff.1;
        let (sy, sx) = self.shapes[levels];
        for (r, arow) in abuf[..sy * sx].chunks_exact_mut(sx).enumerate() {
            arow.copy_from_slice(&y[r * ax..r * ax + sx]);
        }
        for (i, v) in self.lv.iter().enumerate().rev() {
            self.cols_adjoint(v, abuf, y, tbuf);
            if i == 0 {
                self.rows_adjoint(v, tbuf, x, tasks);
            } else {
                self.rows_adjoint(v, tbuf, abuf, tasks);
            }
        }
    }
}

/// Haar analysis of output rows `i0..` of one level (see [`Dwt2::haar_forward`]): output
/// row `i` reads input rows `2i` and `2i + 1` of the dense `src` (`2·mx` wide) and writes
/// `V` at columns `c0..c0 + mx` of `tops` and `H`, `D` at `0..mx`, `c0..c0 + mx` of `bots`
/// (rows of `y`, `ax` apart), and the approximation into `appr` (rows of `mx`) or, when
/// `None` (level `L`), at columns `0..mx` of `tops`.
#[allow(clippy::too_many_arguments)]
fn haar_forward_rows<T: Scalar>(
    src: &[T],
    i0: usize,
    mx: usize,
    ax: usize,
    c0: usize,
    half: Real<T>,
    tops: &mut [T],
    bots: &mut [T],
    mut appr: Option<&mut [T]>,
) {
    let w = 2 * mx;
    for (r, (trow, brow)) in tops
        .chunks_exact_mut(ax)
        .zip(bots.chunks_exact_mut(ax))
        .enumerate()
    {
        let (p0, p1) = src[2 * (i0 + r) * w..][..2 * w].split_at(w);
        let (h, d) = brow[..c0 + mx].split_at_mut(c0);
        match appr.as_deref_mut() {
            Some(a) => {
                let vb = &mut trow[c0..c0 + mx];
                haar_analysis_row(p0, p1, half, &mut a[r * mx..][..mx], vb, &mut h[..mx], d);
            }
            None => {
                let (a, vb) = trow[..c0 + mx].split_at_mut(c0);
                haar_analysis_row(p0, p1, half, &mut a[..mx], vb, &mut h[..mx], d);
            }
        }
    }
}

/// One row of 2 × 2 Haar blocks: from input rows `p0`, `p1` (`2·a.len()` wide), with block
/// `[p00 p01; p10 p11]`, `a = (p00+p01+p10+p11)/2`, `V = (p00−p01+p10−p11)/2` (low-pass
/// along axis 0, high-pass along axis 1), `H = (p00+p01−p10−p11)/2`,
/// `D = (p00−p01−p10+p11)/2` — PyWavelets' `dec_lo = [1, 1]/√2`, `dec_hi = [−1, 1]/√2`
/// (convolved: `hi[i] = (x[2i] − x[2i+1])/√2`) along both axes.
#[inline]
fn haar_analysis_row<T: Scalar>(
    p0: &[T],
    p1: &[T],
    half: Real<T>,
    a: &mut [T],
    v: &mut [T],
    h: &mut [T],
    d: &mut [T],
) {
    let quads = p0.chunks_exact(2).zip(p1.chunks_exact(2));
    for ((((q0, q1), a), v), (h, d)) in quads.zip(a).zip(v).zip(h.iter_mut().zip(d)) {
        let (s0, d0) = (q0[0] + q0[1], q0[0] - q0[1]);
        let (s1, d1) = (q1[0] + q1[1], q1[0] - q1[1]);
        *a = (s0 + s1).scale(half);
        *v = (d0 + d1).scale(half);
        *h = (s0 - s1).scale(half);
        *d = (d0 - d1).scale(half);
    }
}

/// Inverse (= transpose) of [`haar_analysis_row`]: output rows `o0`, `o1` (`2·a.len()`
/// wide) from one row of `a`, `V`, `H`, `D`: `p00 = (a+V+H+D)/2`, `p01 = (a−V+H−D)/2`,
/// `p10 = (a+V−H−D)/2`, `p11 = (a−V−H+D)/2`.
#[inline]
fn haar_synthesis_row<T: Scalar>(
    a: &[T],
    v: &[T],
    h: &[T],
    d: &[T],
    half: Real<T>,
    o0: &mut [T],
    o1: &mut [T],
) {
    let outs = o0.chunks_exact_mut(2).zip(o1.chunks_exact_mut(2));
    for ((((&a, &v), &h), &d), (q0, q1)) in a.iter().zip(v).zip(h).zip(d).zip(outs) {
        let (s0, s1) = (a + h, a - h);
        let (d0, d1) = (v + d, v - d);
        q0[0] = (s0 + d0).scale(half);
        q0[1] = (s0 - d0).scale(half);
        q1[0] = (s1 + d1).scale(half);
        q1[1] = (s1 - d1).scale(half);
    }
}
