//! A dense matrix as an operator.

use crate::{Error, LinOp, Result, Scalar, check_len};
use nalgebra::DMatrix;
use rayon::prelude::*;

/// Matrices with at least this many entries (`m·n`) are applied in parallel.
const PAR_THRESHOLD: usize = 1 << 18;
/// Matrices with at least this many rows split `A x` by rows; shorter ones by columns.
const TALL_ROWS: usize = 1 << 14;
/// Smallest row block of a parallel `A x` task on a tall matrix.
const MIN_TASK_ROWS: usize = 1 << 10;
/// Rows of `y` one pass over the columns updates (tiles keep `y` in cache while the
/// column segments stay long enough to stream).
const ROW_TILE: usize = 1 << 14;
/// Entries of `A` per column panel of a parallel `A x` on a short matrix.
const PANEL_ENTRIES: usize = 1 << 15;
/// Fewest columns in a panel (bounds the partial sums' traffic to 1/16 of `A`'s).
const MIN_PANEL_COLS: usize = 16;
/// Most column panels (and partial sums) of a parallel `A x`.
const MAX_PANELS: usize = 32;
/// Rows of `y` one task reduces after a panelled `A x`.
const REDUCE_ROWS: usize = 1 << 12;
/// Entries of `A` per parallel `Aᴴ y` task (at least one column).
const ADJ_TASK_ENTRIES: usize = 1 << 14;
/// Independent partial sums of a column dot product (lanes of the vectorized loop).
const DOT_LANES: usize = 8;

/// How `A x` is split, decided by the shape alone (never by the thread count), so that
/// the result is the same for any number of threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ApplyPlan {
    /// One task, columns in order.
    Serial,
    /// Row blocks of at least [`MIN_TASK_ROWS`], each accumulating the columns in order
    /// (tall matrices, and matrices with too few columns for two panels).
    Rows,
    /// `panels` column panels of `width` columns, each accumulated in order into its own
    /// partial `y`, then summed in panel order (short, wide matrices: every task streams
    /// a contiguous part of the column-major storage).
    Panels { panels: usize, width: usize },
}

fn apply_plan(m: usize, n: usize) -> ApplyPlan {
    if m.saturating_mul(n) < PAR_THRESHOLD || m == 0 || n == 0 {
        ApplyPlan::Serial
    } else if m >= TALL_ROWS {
        ApplyPlan::Rows
    } else {
        let want = (m * n / PANEL_ENTRIES)
            .min(n / MIN_PANEL_COLS)
            .clamp(1, MAX_PANELS);
        let width = n.div_ceil(want);
        match n.div_ceil(width) {
            1 if m >= 2 * MIN_TASK_ROWS => ApplyPlan::Rows,
            1 => ApplyPlan::Serial,
            panels => ApplyPlan::Panels { panels, width },
        }
    }
}

/// A dense `m × n` matrix as a [`LinOp`], stored column-major in an [`nalgebra::DMatrix`].
///
/// `apply` is `y = A x` and `adjoint` is `x = Aᴴ y` (conjugate transpose). Both run on
/// the rayon pool when `m·n ≥ 2¹⁸` (2 MiB of `f64`; below that, forking costs more than
/// it saves) and on the calling thread otherwise, and both give bit-identical results
/// for any number of threads: how the work is split, and so the order of the
/// floating-point operations behind each output entry, is decided by the shape alone.
///
/// - `A x` (serial, or a tall matrix: `m ≥ 2¹⁴`, or fewer than 32 columns): every
///   `y_i = (…((a_i0 x_0) + a_i1 x_1) + …) + a_i,n-1 x_n-1`, accumulated over the
///   columns in order (nalgebra's `gemv` order); parallel tasks own disjoint row blocks.
/// - `A x` (parallel, `m < 2¹⁴`): the columns are cut into `P` contiguous panels
///   (`P ≤ 32`, from the shape: about `m·n / 2¹⁵`, at least 16 columns each); each task
///   accumulates its panel's columns in order into a partial `y` (the first into `y`, the
///   others into the scratch buffer: [`scratch_len`](LinOp::scratch_len) is `(P − 1)·m`),
///   and `y_i` is the sum of the partials in panel order. Splitting the rows of a
///   column-major matrix would make each task read short, strided column pieces (one
///   TLB miss per piece); panels read contiguous memory.
/// - `Aᴴ y`: every `x_j = Σ_i conj(a_ij) y_i` is a dot product with the contiguous
///   column `j`, summed in 8 interleaved partial sums (`i mod 8`) combined pairwise, then
///   the `m mod 8` trailing terms; parallel tasks own disjoint blocks of columns, so a
///   matrix with fewer columns than threads uses that many threads.
///
/// The allocating [`apply`](LinOp::apply) allocates that scratch on each call; iterative
/// solvers should hold one buffer and call [`apply_with_scratch`](LinOp::apply_with_scratch).
///
/// ```
/// use cstk_linop::{DenseOp, LinOp, testing::dot_test};
/// let a = DenseOp::from_row_slice(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])?;
/// assert_eq!(a.apply_vec(&[1.0, 0.0, -1.0]), vec![-2.0, -2.0]);
/// assert_eq!(a.adjoint_vec(&[1.0, 1.0]), vec![5.0, 7.0, 9.0]);
/// dot_test(&a, 1e-12).unwrap();
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct DenseOp<T: Scalar> {
    a: DMatrix<T>,
}

impl<T: Scalar> DenseOp<T> {
    /// Wraps a matrix.
    ///
    /// ```
    /// use cstk_linop::{DenseOp, LinOp, nalgebra::DMatrix};
    /// let a = DenseOp::new(DMatrix::<f32>::identity(3, 2));
    /// assert_eq!(a.shape(), (3, 2));
    /// ```
    pub fn new(a: DMatrix<T>) -> Self {
        Self { a }
    }

    /// The `m × n` matrix whose rows are the consecutive runs of `n` values in `data`
    /// (row-major, as NumPy's default). Errors with [`Error::ShapeMismatch`] unless
    /// `data.len() == m·n`.
    ///
    /// ```
    /// use cstk_linop::DenseOp;
    /// let a = DenseOp::from_row_slice(2, 2, &[1.0, 2.0, 3.0, 4.0])?;
    /// assert_eq!(a.matrix()[(0, 1)], 2.0);
    /// assert!(DenseOp::from_row_slice(2, 2, &[1.0, 2.0, 3.0]).is_err());
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn from_row_slice(m: usize, n: usize, data: &[T]) -> Result<Self> {
        let Some(len) = m.checked_mul(n) else {
            return Err(Error::InvalidParam {
                name: "shape",
                value: format!("{m}x{n}"),
                expected: "m·n within usize".into(),
            });
        };
        if data.len() != len {
            return Err(Error::ShapeMismatch {
                context: "DenseOp::from_row_slice".into(),
                expected: format!("{len} values for a {m}x{n} matrix"),
                got: format!("{} values", data.len()),
            });
        }
        Ok(Self::new(DMatrix::from_row_slice(m, n, data)))
    }

    /// The matrix.
    ///
    /// ```
    /// use cstk_linop::{DenseOp, nalgebra::DMatrix};
    /// let a = DenseOp::new(DMatrix::<f64>::zeros(2, 3));
    /// assert_eq!(a.matrix().shape(), (2, 3));
    /// ```
    pub fn matrix(&self) -> &DMatrix<T> {
        &self.a
    }

    /// Returns the matrix.
    ///
    /// ```
    /// use cstk_linop::{DenseOp, nalgebra::DMatrix};
    /// let m = DMatrix::<f64>::identity(2, 2);
    /// assert_eq!(DenseOp::new(m.clone()).into_matrix(), m);
    /// ```
    pub fn into_matrix(self) -> DMatrix<T> {
        self.a
    }

    /// `true` when `apply`/`adjoint` use the rayon pool (`m·n ≥ 2¹⁸`).
    ///
    /// ```
    /// use cstk_linop::{DenseOp, nalgebra::DMatrix};
    /// assert!(!DenseOp::new(DMatrix::<f64>::zeros(100, 100)).is_parallel());
    /// assert!(DenseOp::new(DMatrix::<f64>::zeros(512, 512)).is_parallel());
    /// ```
    pub fn is_parallel(&self) -> bool {
        self.a.nrows().saturating_mul(self.a.ncols()) >= PAR_THRESHOLD
    }
}

impl<T: Scalar> From<DMatrix<T>> for DenseOp<T> {
    fn from(a: DMatrix<T>) -> Self {
        Self::new(a)
    }
}

impl<T: Scalar> LinOp<T> for DenseOp<T> {
    fn nrows(&self) -> usize {
        self.a.nrows()
    }
    fn ncols(&self) -> usize {
        self.a.ncols()
    }
    fn scratch_len(&self) -> usize {
        let (m, n) = self.a.shape();
        match apply_plan(m, n) {
            ApplyPlan::Panels { panels, .. } => (panels - 1) * m,
            ApplyPlan::Serial | ApplyPlan::Rows => 0,
        }
    }
    fn apply_with_scratch(&self, x: &[T], y: &mut [T], scratch: &mut [T]) {
        let (m, n) = self.a.shape();
        check_len("DenseOp apply: input x", n, x.len());
        check_len("DenseOp apply: output y", m, y.len());
        let a = self.a.as_slice();
        match apply_plan(m, n) {
            ApplyPlan::Serial => gemv_cols(a, m, 0, x, y),
            ApplyPlan::Rows => {
                // Any row partition gives the same bits (each y_i's order is fixed), so
                // the block size may follow the pool size: about two tasks per thread.
                let tasks = 2 * rayon::current_num_threads();
                let rows = m.div_ceil(tasks).max(MIN_TASK_ROWS);
                y.par_chunks_mut(rows)
                    .enumerate()
                    .for_each(|(b, yb)| gemv_cols(a, m, b * rows, x, yb));
            }
            ApplyPlan::Panels { panels, width } => {
                let need = (panels - 1) * m;
                if scratch.len() < need {
                    check_len("DenseOp apply: scratch", need, scratch.len());
                }
                let partials = &mut scratch[..need];
                let panel = |p: usize| {
                    let (j0, j1) = (p * width, ((p + 1) * width).min(n));
                    (&a[j0 * m..j1 * m], &x[j0..j1])
                };
                rayon::join(
                    || {
                        let (ap, xp) = panel(0);
                        gemv_cols(ap, m, 0, xp, y);
                    },
                    || {
                        partials.par_chunks_mut(m).enumerate().for_each(|(q, buf)| {
                            let (ap, xp) = panel(q + 1);
                            gemv_cols(ap, m, 0, xp, buf);
                        })
                    },
                );
                let partials = &*partials;
                y.par_chunks_mut(REDUCE_ROWS)
                    .enumerate()
                    .for_each(|(b, yb)| {
                        let r0 = b * REDUCE_ROWS;
                        for part in partials.chunks_exact(m) {
                            let part = &part[r0..r0 + yb.len()];
                            for (yi, &pi) in yb.iter_mut().zip(part) {
                                *yi += pi;
                            }
                        }
                    });
            }
        }
    }
    fn adjoint_with_scratch(&self, y: &[T], x: &mut [T], _scratch: &mut [T]) {
        let (m, n) = self.a.shape();
        check_len("DenseOp adjoint: input y", m, y.len());
        check_len("DenseOp adjoint: output x", n, x.len());
        let a = self.a.as_slice();
        if m == 0 {
            x.fill(T::zero());
            return;
        }
        if !self.is_parallel() {
            gemv_adjoint_cols(a, m, 0, y, x);
            return;
        }
        let cols = (ADJ_TASK_ENTRIES / m).max(1);
        x.par_chunks_mut(cols)
            .enumerate()
            .for_each(|(b, xb)| gemv_adjoint_cols(a, m, b * cols, y, xb));
    }
}

/// `y ← A[r0 .. r0 + y.len(), :] x` for column-major `a` with `m` rows and `x.len()`
/// columns.
///
/// Every `y_i` is accumulated over the columns `j = 0, 1, …` in order, whatever `r0` and
/// the block length (rows are processed in tiles of [`ROW_TILE`], each tile one pass of
/// contiguous, vectorized axpys over the columns).
fn gemv_cols<T: Scalar>(a: &[T], m: usize, r0: usize, x: &[T], y: &mut [T]) {
    for (t, tile) in y.chunks_mut(ROW_TILE).enumerate() {
        let start = r0 + t * ROW_TILE;
        let len = tile.len();
        tile.fill(T::zero());
        for (j, &xj) in x.iter().enumerate() {
            let col = &a[j * m + start..j * m + start + len];
            for (yi, &aij) in tile.iter_mut().zip(col) {
                *yi += aij * xj;
            }
        }
    }
}

/// `x_j ← Σ_i conj(a_ij) y_i` for the columns `j0 .. j0 + x.len()` of column-major `a`
/// with `m = y.len()` rows.
fn gemv_adjoint_cols<T: Scalar>(a: &[T], m: usize, j0: usize, y: &[T], x: &mut [T]) {
    for (k, xj) in x.iter_mut().enumerate() {
        let j = j0 + k;
        *xj = dot_conj(&a[j * m..(j + 1) * m], y);
    }
}

/// `Σ_i conj(c_i) y_i` in [`DOT_LANES`] interleaved partial sums (vectorizable, and a fixed
/// order), combined pairwise, plus the trailing terms in order.
#[inline]
fn dot_conj<T: Scalar>(c: &[T], y: &[T]) -> T {
    let (cb, ct) = c.as_chunks::<DOT_LANES>();
    let (yb, yt) = y.as_chunks::<DOT_LANES>();
    let mut acc = [T::zero(); DOT_LANES];
    for (cc, yy) in cb.iter().zip(yb) {
        for ((s, &ci), &yi) in acc.iter_mut().zip(cc).zip(yy) {
            *s += ci.conjugate() * yi;
        }
    }
    let mut tail = T::zero();
    for (&ci, &yi) in ct.iter().zip(yt) {
        tail += ci.conjugate() * yi;
    }
    let [a0, a1, a2, a3, a4, a5, a6, a7] = acc;
    (((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))) + tail
}
