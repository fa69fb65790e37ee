//! Orthonormal wavelet transforms that match PyWavelets coefficient by coefficient.
//!
//! | operator | PyWavelets equivalent | shape (rows × columns) | `adjoint` |
//! |---|---|---|---|
//! | [`Dwt1`] | `coeffs_to_array(wavedec(x, w, mode="periodization", level=L))` | `(s_L + Σ s_l) × n` | exact adjoint; `= waverec` when `2^L` divides `n` |
//! | [`Dwt2`] | `coeffs_to_array(wavedec2(x, w, mode="periodization", level=L))`, row-major | `coeff_shape` size `× ny·nx` | exact adjoint; `= waverec2` when `2^L` divides both sides |
//! | [`Swt1`] | `swt(x, w, level=L, norm=True, trim_approx=True)`, concatenated | `(L+1)·n × n` | exact adjoint; a left inverse (tight frame) |
//! | [`Swt2`] | `swt2(x, w, level=L, norm=True, trim_approx=True)`, concatenated | `(3L+1)·ny·nx × ny·nx` | exact adjoint; a left inverse (tight frame) |
//!
//! Wavelets ([`Wavelet`]): Haar, Daubechies `db1`–`db20`, symlets `sym2`–`sym20`, Coiflets
//! `coif1`–`coif17`, with PyWavelets' filters bit for bit (generated into
//! `filter_table.rs` by the committed `gen_filters.py`).
//!
//! **Boundaries.** Every transform is periodic. The decimated transforms follow
//! PyWavelets' `"periodization"` mode, including its handling of odd lengths (the last
//! sample is repeated to make the length even, so a level of length `n` has `⌈n/2⌉`
//! coefficients per band). They are exactly orthogonal (`Wᵀ W = I` to rounding) when every
//! level's length is even — when `2^L` divides each side — and otherwise slightly
//! redundant; `adjoint` is the exact adjoint in every case (checked by the dot test). The
//! stationary transforms require each side divisible by `2^L`, as PyWavelets does.
//!
//! **Levels.** Level 1 is the finest. [`Dwt1`]/[`Dwt2`] accept `0 ≤ L ≤`
//! [`dwt_max_level`] (level 0 is the identity; PyWavelets warns above the limit, cstk
//! refuses); [`Swt1`]/[`Swt2`] accept `1 ≤ L ≤` [`swt_max_level`].
//!
//! **Finding subbands.** The flattened layouts are PyWavelets' own; each operator says
//! where a subband lies: [`Dwt1::detail_range`], [`Dwt2::detail_block`] (a [`Block`] of
//! rows and columns of the coefficient array), [`Swt1::detail_range`],
//! [`Swt2::detail_range`], and the `approx_*` counterparts.
//!
//! ```
//! use cstk_linop::{LinOp, transforms::wavelet::{Dwt2, Subband, Wavelet}};
//! let w = Dwt2::<f64>::new(32, 32, Wavelet::new("db4")?, 2)?;
//! let img: Vec<f64> = (0..32 * 32).map(|i| ((i / 32) as f64 * 0.1).sin()).collect();
//! let c = w.apply_vec(&img);
//! // the image varies along axis 0 only: the vertical-detail subbands (details along
//! // axis 1) vanish
//! let v1 = w.detail_block(1, Subband::Vertical).copy_from(&c, w.coeff_shape().1);
//! assert!(v1.iter().all(|v| v.abs() < 1e-12));
//! # Ok::<(), cstk_linop::Error>(())
//! ```

mod dwt;
mod filter_table;
mod filters;
mod kernels;
mod swt;

pub use dwt::{Dwt1, Dwt2};
pub use filters::{Wavelet, WaveletFamily, dwt_max_level, swt_max_level};
pub use swt::{Swt1, Swt2};

use std::ops::Range;

/// A detail subband of one level of a 2-D transform.
///
/// Names follow PyWavelets' `wavedec2` / `swt2` tuples `(cH, cV, cD)`: the letters of the
/// `wavedecn` keys give the filter along axis 0 (rows' index) then axis 1 (along a row),
/// `a` low-pass and `d` high-pass.
///
/// | variant | PyWavelets | key | filtered high-pass along | responds to |
/// |---|---|---|---|---|
/// | [`Horizontal`](Subband::Horizontal) | `cH` | `"da"` | axis 0 | horizontal edges |
/// | [`Vertical`](Subband::Vertical) | `cV` | `"ad"` | axis 1 | vertical edges |
/// | [`Diagonal`](Subband::Diagonal) | `cD` | `"dd"` | both | diagonal detail |
///
/// ```
/// use cstk_linop::transforms::wavelet::Subband;
/// assert_eq!(Subband::ALL.map(|b| b.pywt_key()), ["da", "ad", "dd"]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Subband {
    /// `cH`: high-pass along axis 0, low-pass along axis 1 (`"da"`).
    Horizontal,
    /// `cV`: low-pass along axis 0, high-pass along axis 1 (`"ad"`).
    Vertical,
    /// `cD`: high-pass along both axes (`"dd"`).
    Diagonal,
}

impl Subband {
    /// The three subbands in PyWavelets' tuple order `(cH, cV, cD)`.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::Subband;
    /// assert_eq!(Subband::ALL[1], Subband::Vertical);
    /// ```
    pub const ALL: [Subband; 3] = [Subband::Horizontal, Subband::Vertical, Subband::Diagonal];

    /// The key PyWavelets' `wavedecn` / `coeffs_to_array` slices use: `"da"`, `"ad"`, `"dd"`.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::Subband;
    /// assert_eq!(Subband::Horizontal.pywt_key(), "da");
    /// ```
    pub fn pywt_key(self) -> &'static str {
        match self {
            Subband::Horizontal => "da",
            Subband::Vertical => "ad",
            Subband::Diagonal => "dd",
        }
    }

    /// Position in the tuple `(cH, cV, cD)`: 0, 1 or 2.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::Subband;
    /// assert_eq!(Subband::Diagonal.index(), 2);
    /// ```
    pub fn index(self) -> usize {
        match self {
            Subband::Horizontal => 0,
            Subband::Vertical => 1,
            Subband::Diagonal => 2,
        }
    }
}

/// A rectangle of a row-major 2-D array: rows `rows` × columns `cols` (half-open ranges).
///
/// Used by [`Dwt2`] to say where a subband lies in its coefficient array; index the
/// flattened array with [`indices`](Block::indices) or copy a block out with
/// [`copy_from`](Block::copy_from).
///
/// ```
/// use cstk_linop::transforms::wavelet::Block;
/// let b = Block { rows: 1..3, cols: 2..4 };
/// assert_eq!((b.shape(), b.len()), ((2, 2), 4));
/// assert_eq!(b.indices(5).collect::<Vec<_>>(), [7, 8, 12, 13]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Block {
    /// Row range.
    pub rows: Range<usize>,
    /// Column range.
    pub cols: Range<usize>,
}

impl Block {
    /// `(rows, columns)`.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::Block;
    /// assert_eq!(Block { rows: 0..3, cols: 4..8 }.shape(), (3, 4));
    /// ```
    pub fn shape(&self) -> (usize, usize) {
        (self.rows.len(), self.cols.len())
    }

    /// Number of cells.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::Block;
    /// assert_eq!(Block { rows: 0..3, cols: 4..8 }.len(), 12);
    /// ```
    pub fn len(&self) -> usize {
        self.rows.len() * self.cols.len()
    }

    /// `true` when the block has no cells.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::Block;
    /// assert!(Block { rows: 2..2, cols: 0..5 }.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Flat indices of the block's cells, row by row, in an array with `ncols` columns.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::Block;
    /// let b = Block { rows: 0..2, cols: 1..2 };
    /// assert_eq!(b.indices(3).collect::<Vec<_>>(), [1, 4]);
    /// ```
    pub fn indices(&self, ncols: usize) -> impl Iterator<Item = usize> + '_ {
        self.rows
            .clone()
            .flat_map(move |r| self.cols.clone().map(move |c| r * ncols + c))
    }

    /// The block's values, row by row, from a row-major array with `ncols` columns.
    ///
    /// # Panics
    /// When the block does not fit in `data`.
    ///
    /// ```
    /// use cstk_linop::transforms::wavelet::Block;
    /// let data: Vec<i32> = (0..12).collect(); // 3 × 4
    /// assert_eq!(Block { rows: 1..3, cols: 2..4 }.copy_from(&data, 4), [6, 7, 10, 11]);
    /// ```
    pub fn copy_from<T: Copy>(&self, data: &[T], ncols: usize) -> Vec<T> {
        assert!(
            self.cols.end <= ncols && self.rows.end * ncols <= data.len(),
            "block {self:?} does not fit a {}-column array of {} values",
            ncols,
            data.len()
        );
        let mut out = Vec::with_capacity(self.len());
        for r in self.rows.clone() {
            out.extend_from_slice(&data[r * ncols + self.cols.start..r * ncols + self.cols.end]);
        }
        out
    }
}
