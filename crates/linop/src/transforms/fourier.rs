//! Unitary discrete Fourier transforms: [`Fft1`] (1-D) and [`Fft2`] (2-D, row-major images).
//!
//! Both are scaled by `1/√N` (NumPy's `norm="ortho"`), so they are unitary: the adjoint is
//! the inverse, and `‖F x‖₂ = ‖x‖₂`. Any size works (rustfft plans every length).
//!
//! | operator | `apply` (`y ← F x`) | `adjoint` (`x ← Fᴴ y = F⁻¹ y`) |
//! |---|---|---|
//! | `Fft1::new(n, false)` | `np.fft.fft(x, norm="ortho")` | `np.fft.ifft(y, norm="ortho")` |
//! | `Fft1::new(n, true)` | `fftshift(fft(ifftshift(x)))/√n` | `fftshift(ifft(ifftshift(y)))·√n` |
//! | `Fft2::new(ny, nx, false)` | `np.fft.fft2(x, norm="ortho")` | `np.fft.ifft2(y, norm="ortho")` |
//! | `Fft2::new(ny, nx, true)` | `fftshift(fft2(ifftshift(x)))/√N` | `fftshift(ifft2(ifftshift(y)))·√N` |
//!
//! The *centered* convention is BART's and SigPy's: the zero frequency (and the image
//! origin) sit at index `n/2` of each axis, `(n−1)/2` for odd `n` (NumPy's `fftshift`).
//!
//! # How the shifts are computed
//!
//! No shift costs a pass over the data. Along an axis of even length, `ifftshift` is a roll
//! by `n/2`, and `fftshift ∘ F = F ∘ D` with `D = diag((−1)ᵖ)`; both are folded into the
//! copy that feeds each line to the FFT (an index offset and a sign, together with the
//! `1/√N` scale). Along an axis of odd length the output roll cannot be folded into the
//! input; it is folded into the gather of the next pass (columns) or done in place on the
//! line while it is in cache (rows, 1-D).
//!
//! # Parallel 2-D passes
//!
//! [`Fft2`] runs two passes with rayon. Its scratch holds a transposed copy of the image
//! (`ny·nx` values) and, for each task, a gather buffer for one block of lines plus
//! rustfft's scratch:
//! 1. columns: a block of columns of `x` is gathered (shifted, signed, scaled) into the
//!    task's buffer by a blocked transpose that reads several rows at a time, and each line
//!    is transformed out of place into its line of the transposed copy;
//! 2. rows: a block of rows is gathered from the transposed copy in the same way and
//!    transformed out of place into `y`.
//!
//! So each value crosses main memory twice in each direction, and the FFTs run on lines
//! in cache. The blocks are fixed by the sizes alone and every line is transformed on its
//! own, so the result is bit-for-bit the same for any number of threads. The number of task
//! slices of the scratch is decided at construction (two per thread of the current rayon
//! pool, at most one per block), so `*_with_scratch` allocates nothing.
//!
//! ```
//! use cstk_linop::transforms::fourier::Fft2;
//! use cstk_linop::{Complex, LinOp, testing::dot_test};
//! let f = Fft2::<f64>::new(4, 6, true)?;
//! // a centered unit impulse (the origin at (2, 3)) has a flat spectrum 1/√24
//! let mut x = vec![Complex::new(0.0, 0.0); 24];
//! x[2 * 6 + 3] = Complex::new(1.0, 0.0);
//! let k = f.apply_vec(&x);
//! assert!(k.iter().all(|v| (v - Complex::new(1.0 / 24f64.sqrt(), 0.0)).norm() < 1e-15));
//! // unitary: the adjoint is the inverse
//! let back = f.adjoint_vec(&k);
//! assert!((back[15] - x[15]).norm() < 1e-15);
//! dot_test::<Complex<f64>, _>(&f, 1e-12).unwrap();
//! # Ok::<(), cstk_linop::Error>(())
//! ```

use crate::{Error, LinOp, Result, Scalar, check_len, scratch_prefix};
use num_complex::Complex;
use rayon::prelude::*;
use rustfft::{Fft, FftPlanner};
use std::fmt;
use std::sync::Arc;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// The real types the Fourier and cosine transforms are generic over: `f32` and `f64`.
///
/// It gathers what the transforms need (rustfft's and rustdct's number traits, and
/// [`Scalar`] with itself as the real field) and is sealed: no other type implements it.
///
/// ```
/// use cstk_linop::transforms::fourier::FftReal;
/// fn unit<R: FftReal>() -> R { R::from_f64_parts(1.0, 0.0) }
/// assert_eq!(unit::<f32>(), 1.0);
/// ```
pub trait FftReal: Scalar<RealField = Self> + rustdct::DctNum + sealed::Sealed {}
impl FftReal for f32 {}
impl FftReal for f64 {}

/// `v` rounded to `R`.
#[inline]
pub(crate) fn real<R: FftReal>(v: f64) -> R {
    R::from_f64_parts(v, 0.0)
}

/// A value a transform line holds (`R` or `Complex<R>`), scaled by a real weight.
///
/// A named method rather than `Mul<R>`: where `Complex<R>: Scalar` is in scope, `v * w`
/// resolves to `Mul<Complex<R>>` and a real `w` is rejected.
pub(crate) trait LineValue<R>: Copy + Send + Sync {
    /// `self · w`.
    fn times(self, w: R) -> Self;
}

impl<R: FftReal> LineValue<R> for R {
    #[inline(always)]
    fn times(self, w: R) -> Self {
        self * w
    }
}

impl<R: FftReal> LineValue<R> for Complex<R> {
    #[inline(always)]
    fn times(self, w: R) -> Self {
        Complex::new(self.re * w, self.im * w)
    }
}

/// Validates a transform size: zero is an [`Error::InvalidParam`] naming the parameter.
pub(crate) fn check_size(name: &'static str, n: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::InvalidParam {
            name,
            value: "0".into(),
            expected: "a size of at least 1".into(),
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Separable 2-D passes (shared with the DCT)
// ---------------------------------------------------------------------------------------

/// Images with fewer values than this are transformed on the calling thread (same blocks,
/// same result; only rayon's overhead is saved).
const PAR_MIN_VALUES: usize = 1 << 13;
/// A block of lines gathered together holds about this many values (so that the gather
/// buffer of a block stays in L2).
const BLOCK_VALUES: usize = 1 << 15;
/// Most lines in a block: the width of the tiles the transposing gathers read (32 values
/// of `Complex<f64>` are 512 contiguous bytes of each source row).
const BLOCK_MAX_LINES: usize = 32;
/// Source segments read per step of a transposing gather, so that the cache misses of
/// several strided reads overlap (8 measured ~10% faster than 4 at 1024², 2× faster than 1).
const GATHER_ROWS: usize = 8;
/// Values of padding after each line of a gather buffer, so that the lines of a block do
/// not map to the same cache sets when the length is a power of two.
const LINE_PAD: usize = 8;
/// Task slices of the scratch per rayon thread (more tasks than threads balance the load
/// when a thread is slow).
const TASKS_PER_THREAD: usize = 2;

/// Lines per block for lines of length `len`: even (so that pairs of real lines never
/// straddle two blocks), between 2 and [`BLOCK_MAX_LINES`], and a function of `len` alone.
fn block_lines(len: usize) -> usize {
    let b = (BLOCK_VALUES / len).clamp(2, BLOCK_MAX_LINES);
    b - b % 2
}

/// How one pass splits its lines: bands of whole blocks, one band per task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct PassSchedule {
    /// Line length.
    len: usize,
    /// Lines per task band (a multiple of `block`).
    band: usize,
    /// Lines per block.
    block: usize,
}

impl PassSchedule {
    /// Bands of `lines` lines of length `len` for at most `ntasks` tasks.
    fn new(lines: usize, len: usize, ntasks: usize) -> Self {
        let block = block_lines(len);
        let blocks = lines.div_ceil(block);
        Self {
            len,
            band: blocks.div_ceil(ntasks.max(1)) * block,
            block,
        }
    }

    /// Distance between the lines of a gather buffer.
    fn stride(&self) -> usize {
        self.len + LINE_PAD
    }
}

/// The work split of a separable 2-D transform of an `ny × nx` image: a column pass (`nx`
/// lines of length `ny`) and a row pass (`ny` lines of length `nx`), fixed at construction.
///
/// Each task owns a slice of the scratch: a gather buffer for one block of lines, then
/// the scratch of the line transform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Split2d {
    /// Image rows.
    pub(crate) ny: usize,
    /// Image columns.
    pub(crate) nx: usize,
    /// Number of task slices of the scratch.
    pub(crate) ntasks: usize,
    /// Gather buffer values per task.
    buf_len: usize,
    /// Scratch values per task (gather buffer and line scratch).
    per_task: usize,
    /// Whether passes run on the rayon pool.
    parallel: bool,
    /// The column pass.
    cols: PassSchedule,
    /// The row pass.
    rows: PassSchedule,
}

impl Split2d {
    /// The split for an `ny × nx` image whose line transforms need `line_scratch` values.
    ///
    /// The number of tasks is [`TASKS_PER_THREAD`] per thread of the current rayon pool,
    /// capped by the number of blocks of the longer pass.
    pub(crate) fn new(ny: usize, nx: usize, line_scratch: usize) -> Self {
        let threads = rayon::current_num_threads().max(1);
        let max_blocks = nx
            .div_ceil(block_lines(ny))
            .max(ny.div_ceil(block_lines(nx)));
        let ntasks = (TASKS_PER_THREAD * threads).min(max_blocks).max(1);
        let cols = PassSchedule::new(nx, ny, ntasks);
        let rows = PassSchedule::new(ny, nx, ntasks);
        let buf_len = (cols.block * cols.stride()).max(rows.block * rows.stride());
        Self {
            ny,
            nx,
            ntasks,
            buf_len,
            per_task: buf_len + line_scratch,
            parallel: ny * nx >= PAR_MIN_VALUES && ntasks > 1,
            cols,
            rows,
        }
    }

    /// Scratch values for all tasks.
    pub(crate) fn task_scratch_len(&self) -> usize {
        self.ntasks * self.per_task
    }

    /// Column pass: `f(block)` for every block of lines of `s` (`nx` lines of length `ny`,
    /// line `c` for column `c`).
    pub(crate) fn for_each_column_block<T, F>(&self, s: &mut [T], scratch: &mut [T], f: F)
    where
        T: Send,
        F: Fn(Block<'_, T>) + Sync,
    {
        self.for_each_block(self.cols, s, scratch, f);
    }

    /// Row pass: `f(block)` for every block of rows of `y` (which may hold only the first
    /// rows of the image).
    pub(crate) fn for_each_row_block<T, F>(&self, y: &mut [T], scratch: &mut [T], f: F)
    where
        T: Send,
        F: Fn(Block<'_, T>) + Sync,
    {
        self.for_each_block(self.rows, y, scratch, f);
    }

    /// Whether passes run on the rayon pool.
    pub(crate) fn parallel(&self) -> bool {
        self.parallel
    }

    /// Splits `out` into task bands, gives each band its own slice of `scratch`, and calls
    /// `f` for each block of each band.
    fn for_each_block<T, F>(&self, sched: PassSchedule, out: &mut [T], scratch: &mut [T], f: F)
    where
        T: Send,
        F: Fn(Block<'_, T>) + Sync,
    {
        let (len, stride) = (sched.len, sched.stride());
        debug_assert!(out.len().div_ceil(sched.band * len) * self.per_task <= scratch.len());
        let run = |(t, (band, ts)): (usize, (&mut [T], &mut [T]))| {
            let (buf, rest) = ts.split_at_mut(self.buf_len);
            for (k, out) in band.chunks_mut(sched.block * len).enumerate() {
                let lines = out.len() / len;
                f(Block {
                    first: t * sched.band + k * sched.block,
                    len,
                    out,
                    buf: &mut buf[..lines * stride],
                    stride,
                    scratch: rest,
                });
            }
        };
        if self.parallel {
            out.par_chunks_mut(sched.band * len)
                .zip(scratch.par_chunks_mut(self.per_task))
                .enumerate()
                .for_each(run);
        } else {
            out.chunks_mut(sched.band * len)
                .zip(scratch.chunks_mut(self.per_task))
                .enumerate()
                .for_each(run);
        }
    }
}

/// One block of lines of a pass: its lines in the output, a gather buffer with room for
/// the same lines (`stride` apart, padded against cache-set conflicts), and the rest of
/// the task's scratch for the line transforms.
pub(crate) struct Block<'a, T> {
    /// Index of the first line (column in a column pass, row in a row pass).
    pub(crate) first: usize,
    /// Line length.
    pub(crate) len: usize,
    /// The block's lines in the output, contiguous.
    pub(crate) out: &'a mut [T],
    /// The gather buffer: line `q` at `q * stride`.
    pub(crate) buf: &'a mut [T],
    /// Distance between the lines of `buf`.
    pub(crate) stride: usize,
    /// Scratch for the line transforms.
    pub(crate) scratch: &'a mut [T],
}

impl<T> Block<'_, T> {
    /// Number of lines.
    pub(crate) fn lines(&self) -> usize {
        self.out.len() / self.len
    }

    /// Gathers columns `first..` of the row-major image `x` (`nx` columns, `len` rows) into
    /// the buffer: `buf_q[p] = x[src[p]][first + q] · w[p]`.
    #[inline]
    pub(crate) fn gather_columns<W: Copy>(&mut self, x: &[T], nx: usize, src: &[usize], w: &[W])
    where
        T: LineValue<W>,
    {
        let (b, c0) = (self.lines(), self.first);
        self.transpose_in(
            b,
            |p| &x[src[p] * nx + c0..][..b],
            w,
            |r, q, wp| r[q].times(wp),
        );
    }

    /// Gathers rows `first..` of an image from its transpose `s` (line `c`, of length
    /// `ny`, holds column `c`) into the buffer: `buf_q[p] = s[src[p]][map[first + q]] · w[p]`.
    #[inline]
    pub(crate) fn gather_rows<W: Copy>(
        &mut self,
        s: &[T],
        ny: usize,
        src: &[usize],
        w: &[W],
        map: &[usize],
    ) where
        T: LineValue<W>,
    {
        let (b, stride) = (self.lines(), self.stride);
        let rows = &map[self.first..self.first + b];
        let m0 = rows[0];
        if rows.iter().enumerate().all(|(q, &r)| r == m0 + q) {
            // the common case: the block's rows are consecutive entries of each line
            self.transpose_in(
                b,
                |p| &s[src[p] * ny + m0..][..b],
                w,
                |r, q, wp| r[q].times(wp),
            );
        } else {
            for (p, (&c, &wp)) in src.iter().zip(w).enumerate() {
                let line = &s[c * ny..(c + 1) * ny];
                for (q, &r) in rows.iter().enumerate() {
                    self.buf[q * stride + p] = line[r].times(wp);
                }
            }
        }
    }

    /// A transpose into the buffer: `buf_q[p] = elem(seg(p), q, w[p])` for the first
    /// `lines` lines and every position `p < w.len()`, where `seg(p)` is a slice of the
    /// source (typically a short run of a row far from the previous one).
    ///
    /// [`GATHER_ROWS`] segments are read per step and written as runs of that many values
    /// per line.
    #[inline(always)]
    pub(crate) fn transpose_in<'s, S: 's, W: Copy>(
        &mut self,
        lines: usize,
        seg: impl Fn(usize) -> &'s [S],
        w: &[W],
        elem: impl Fn(&[S], usize, W) -> T,
    ) {
        let (len, stride) = (w.len(), self.stride);
        let mut p = 0;
        while p + GATHER_ROWS <= len {
            let r: [&[S]; GATHER_ROWS] = std::array::from_fn(|k| seg(p + k));
            let wk: [W; GATHER_ROWS] = std::array::from_fn(|k| w[p + k]);
            for q in 0..lines {
                let d = &mut self.buf[q * stride + p..][..GATHER_ROWS];
                for (k, d) in d.iter_mut().enumerate() {
                    *d = elem(r[k], q, wk[k]);
                }
            }
            p += GATHER_ROWS;
        }
        for (p, &wp) in w.iter().enumerate().skip(p) {
            let r = seg(p);
            for q in 0..lines {
                self.buf[q * stride + p] = elem(r, q, wp);
            }
        }
    }

    /// Calls `f(gathered, out, scratch)` for each line: the gathered values (which `f`
    /// may overwrite), the output line, and the line-transform scratch.
    #[inline]
    pub(crate) fn each_line(&mut self, mut f: impl FnMut(&mut [T], &mut [T], &mut [T])) {
        let len = self.len;
        for (g, o) in self
            .buf
            .chunks_mut(self.stride)
            .zip(self.out.chunks_exact_mut(len))
        {
            f(&mut g[..len], o, self.scratch);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Shifts along one axis
// ---------------------------------------------------------------------------------------

/// `fftshift ∘ F ∘ ifftshift` along one axis of length `n`, as a gather and an output map.
///
/// The transform of a line is `out[k] = FFT(v)[map[k]]` with `v[p] = x[src[p]] · sign[p]`;
/// `rot` is the same output map as a right rotation (`map[k] = (k − rot) mod n`).
#[derive(Clone, Debug)]
struct AxisShift {
    src: Vec<usize>,
    sign: Vec<f64>,
    map: Vec<usize>,
    rot: usize,
}

impl AxisShift {
    fn new(n: usize, centered: bool) -> Self {
        let h = if centered { n / 2 } else { 0 };
        let src = (0..n).map(|p| (p + h) % n).collect();
        if centered && n.is_multiple_of(2) {
            // fftshift ∘ F = F ∘ diag((−1)ᵖ) for even n: no output roll.
            let sign = (0..n)
                .map(|p| if p.is_multiple_of(2) { 1.0 } else { -1.0 })
                .collect();
            Self {
                src,
                sign,
                map: (0..n).collect(),
                rot: 0,
            }
        } else {
            Self {
                src,
                sign: vec![1.0; n],
                map: (0..n).map(|k| (k + n - h) % n).collect(),
                rot: h,
            }
        }
    }

    /// The gather weights `sign[p] · scale` in `R`.
    fn weights<R: FftReal>(&self, scale: f64) -> Vec<R> {
        self.sign.iter().map(|&s| real(s * scale)).collect()
    }
}

/// Forward and inverse plans of one length.
#[derive(Clone)]
struct PlanPair<R: FftReal> {
    fwd: Arc<dyn Fft<R>>,
    inv: Arc<dyn Fft<R>>,
}

impl<R: FftReal> PlanPair<R> {
    fn new(planner: &mut FftPlanner<R>, n: usize) -> Self {
        Self {
            fwd: planner.plan_fft_forward(n),
            inv: planner.plan_fft_inverse(n),
        }
    }

    fn get(&self, inverse: bool) -> &dyn Fft<R> {
        if inverse { &*self.inv } else { &*self.fwd }
    }

    /// In-place scratch for either direction.
    fn scratch_len(&self) -> usize {
        self.fwd
            .get_inplace_scratch_len()
            .max(self.inv.get_inplace_scratch_len())
    }

    /// Out-of-place scratch for either direction.
    fn oop_scratch_len(&self) -> usize {
        self.fwd
            .get_outofplace_scratch_len()
            .max(self.inv.get_outofplace_scratch_len())
    }
}

// ---------------------------------------------------------------------------------------
// Fft1
// ---------------------------------------------------------------------------------------

/// The unitary 1-D DFT of length `n` as an operator on `Complex<R>` (`R` = `f32` or `f64`):
/// `y = fft(x)/√n`, or with `centered`, `y = fftshift(fft(ifftshift(x)))/√n`.
///
/// The adjoint is the inverse. [`scratch_len`](LinOp::scratch_len) is rustfft's in-place
/// scratch for length `n`; the transform runs on the calling thread.
///
/// ```
/// use cstk_linop::transforms::fourier::Fft1;
/// use cstk_linop::{Complex, LinOp};
/// let f = Fft1::<f64>::new(4, false)?;
/// let one = Complex::new(1.0, 0.0);
/// let y = f.apply_vec(&[one; 4]); // constant -> DC only, scaled by 1/√4
/// assert!((y[0] - Complex::new(2.0, 0.0)).norm() < 1e-15 && y[1].norm() < 1e-15);
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone)]
pub struct Fft1<R: FftReal> {
    n: usize,
    centered: bool,
    plans: PlanPair<R>,
    src: Vec<usize>,
    w: Vec<R>,
    rot: usize,
}

impl<R: FftReal> Fft1<R> {
    /// The unitary DFT of length `n`, centered (`fftshift`/`ifftshift` around it) or not.
    ///
    /// Errors with [`Error::InvalidParam`] when `n == 0`.
    ///
    /// ```
    /// use cstk_linop::{Error, transforms::fourier::Fft1};
    /// assert!(Fft1::<f32>::new(17, true).is_ok());
    /// assert!(matches!(Fft1::<f64>::new(0, false), Err(Error::InvalidParam { name: "n", .. })));
    /// ```
    pub fn new(n: usize, centered: bool) -> Result<Self> {
        check_size("n", n)?;
        let mut planner = FftPlanner::new();
        let plans = PlanPair::new(&mut planner, n);
        let shift = AxisShift::new(n, centered);
        Ok(Self {
            n,
            centered,
            plans,
            w: shift.weights((n as f64).sqrt().recip()),
            src: shift.src,
            rot: shift.rot,
        })
    }

    /// The length `n`.
    ///
    /// ```
    /// use cstk_linop::transforms::fourier::Fft1;
    /// assert_eq!(Fft1::<f64>::new(12, false)?.len(), 12);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    #[allow(clippy::len_without_is_empty)] // a transform is never empty
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether the zero frequency is at index `n/2` (`fftshift` convention).
    ///
    /// ```
    /// use cstk_linop::transforms::fourier::Fft1;
    /// assert!(Fft1::<f64>::new(8, true)?.is_centered());
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn is_centered(&self) -> bool {
        self.centered
    }

    fn run(
        &self,
        inverse: bool,
        x: &[Complex<R>],
        y: &mut [Complex<R>],
        scratch: &mut [Complex<R>],
        what: &str,
    ) {
        check_len(what, self.n, x.len());
        check_len(what, self.n, y.len());
        let fft = self.plans.get(inverse);
        let scratch = scratch_prefix(what, scratch, self.plans.scratch_len());
        for (yp, (&s, &w)) in y.iter_mut().zip(self.src.iter().zip(&self.w)) {
            *yp = x[s] * w;
        }
        fft.process_with_scratch(y, &mut scratch[..fft.get_inplace_scratch_len()]);
        if self.rot != 0 {
            y.rotate_right(self.rot);
        }
    }
}

impl<R: FftReal> fmt::Debug for Fft1<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fft1")
            .field("n", &self.n)
            .field("centered", &self.centered)
            .finish_non_exhaustive()
    }
}

impl<R: FftReal> LinOp<Complex<R>> for Fft1<R>
where
    Complex<R>: Scalar,
{
    fn nrows(&self) -> usize {
        self.n
    }
    fn ncols(&self) -> usize {
        self.n
    }
    fn scratch_len(&self) -> usize {
        self.plans.scratch_len()
    }
    fn apply_with_scratch(
        &self,
        x: &[Complex<R>],
        y: &mut [Complex<R>],
        scratch: &mut [Complex<R>],
    ) {
        self.run(false, x, y, scratch, "Fft1 apply");
    }
    fn adjoint_with_scratch(
        &self,
        y: &[Complex<R>],
        x: &mut [Complex<R>],
        scratch: &mut [Complex<R>],
    ) {
        self.run(true, y, x, scratch, "Fft1 adjoint");
    }
}

// ---------------------------------------------------------------------------------------
// Fft2
// ---------------------------------------------------------------------------------------

/// The unitary 2-D DFT of an `ny × nx` row-major image as an operator on `Complex<R>`
/// (`R` = `f32` or `f64`): `y = fft2(x)/√N`, or with `centered`,
/// `y = fftshift(fft2(ifftshift(x)))/√N` (BART's and SigPy's convention), `N = ny·nx`.
///
/// The adjoint is the inverse. Column and row passes run on the rayon pool (see the
/// [module documentation](self)); [`scratch_len`](LinOp::scratch_len) is `N` (a
/// transposed copy of the image) plus, for each task slice, a gather buffer of one block
/// of lines and rustfft's scratch (about `1.13 N` in all for 1024² and two threads).
/// [`forward_real`](Fft2::forward_real) computes the same spectrum from a real image in
/// about half the time.
///
/// ```
/// use cstk_linop::transforms::fourier::Fft2;
/// use cstk_linop::{Complex, LinOp};
/// let f = Fft2::<f32>::new(3, 5, false)?;
/// let x: Vec<Complex<f32>> = (0..15).map(|i| Complex::new(i as f32, 1.0)).collect();
/// let mut k = vec![Complex::new(0.0, 0.0); 15];
/// let mut scratch = vec![Complex::new(0.0, 0.0); f.scratch_len()];
/// f.apply_with_scratch(&x, &mut k, &mut scratch); // allocates nothing
/// let mut back = vec![Complex::new(0.0, 0.0); 15];
/// f.adjoint_with_scratch(&k, &mut back, &mut scratch);
/// assert!(back.iter().zip(&x).all(|(a, b)| (a - b).norm() < 1e-5));
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone)]
pub struct Fft2<R: FftReal> {
    centered: bool,
    split: Split2d,
    ys: PlanPair<R>,
    xs: PlanPair<R>,
    /// Column pass: rows read for each position of a column line, and weights (with the
    /// global `1/√N`).
    ysrc: Vec<usize>,
    yw: Vec<R>,
    /// Row pass: columns read for each position of a row, and weights.
    xsrc: Vec<usize>,
    xw: Vec<R>,
    /// Row pass: the position in a column line that holds output row `i`.
    ymap: Vec<usize>,
    /// Right rotation of each row after its FFT (odd `nx`, centered).
    xrot: usize,
}

impl<R: FftReal> Fft2<R> {
    /// The unitary 2-D DFT of `ny × nx` images, centered or not.
    ///
    /// Plans, shift tables and the task split of the scratch are decided here. Errors with
    /// [`Error::InvalidParam`] when a size is zero.
    ///
    /// ```
    /// use cstk_linop::{Error, LinOp, transforms::fourier::Fft2};
    /// let f = Fft2::<f64>::new(6, 10, true)?;
    /// assert_eq!((f.ny(), f.nx()), (6, 10));
    /// assert_eq!(LinOp::<cstk_linop::Complex<f64>>::shape(&f), (60, 60));
    /// assert!(matches!(Fft2::<f64>::new(6, 0, true), Err(Error::InvalidParam { name: "nx", .. })));
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn new(ny: usize, nx: usize, centered: bool) -> Result<Self> {
        check_size("ny", ny)?;
        check_size("nx", nx)?;
        let mut planner = FftPlanner::new();
        let ys = PlanPair::new(&mut planner, ny);
        let xs = PlanPair::new(&mut planner, nx);
        let split = Split2d::new(ny, nx, ys.oop_scratch_len().max(xs.oop_scratch_len()));
        let sy = AxisShift::new(ny, centered);
        let sx = AxisShift::new(nx, centered);
        Ok(Self {
            centered,
            split,
            ys,
            xs,
            yw: sy.weights(((ny * nx) as f64).sqrt().recip()),
            ysrc: sy.src,
            ymap: sy.map,
            xw: sx.weights(1.0),
            xsrc: sx.src,
            xrot: sx.rot,
        })
    }

    /// Image rows.
    ///
    /// ```
    /// # use cstk_linop::transforms::fourier::Fft2;
    /// assert_eq!(Fft2::<f64>::new(8, 3, false)?.ny(), 8);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn ny(&self) -> usize {
        self.split.ny
    }

    /// Image columns.
    ///
    /// ```
    /// # use cstk_linop::transforms::fourier::Fft2;
    /// assert_eq!(Fft2::<f64>::new(8, 3, false)?.nx(), 3);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn nx(&self) -> usize {
        self.split.nx
    }

    /// Whether the zero frequency is at `(ny/2, nx/2)` (`fftshift` convention).
    ///
    /// ```
    /// # use cstk_linop::transforms::fourier::Fft2;
    /// assert!(!Fft2::<f64>::new(8, 3, false)?.is_centered());
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn is_centered(&self) -> bool {
        self.centered
    }

    /// The row pass (gather from the transposed scratch `s`, FFT, rotate) on the rows of
    /// `y`, which may be the first rows of the image only.
    fn row_pass(
        &self,
        inverse: bool,
        s: &[Complex<R>],
        y: &mut [Complex<R>],
        tasks: &mut [Complex<R>],
    ) {
        let fft = self.xs.get(inverse);
        let fs = fft.get_outofplace_scratch_len();
        let (ny, rot) = (self.split.ny, self.xrot);
        self.split.for_each_row_block(y, tasks, |mut blk| {
            blk.gather_rows(s, ny, &self.xsrc, &self.xw, &self.ymap);
            blk.each_line(|g, row, ts| {
                fft.process_outofplace_with_scratch(g, row, &mut ts[..fs]);
                if rot != 0 {
                    row.rotate_right(rot);
                }
            });
        });
    }

    fn run(
        &self,
        inverse: bool,
        x: &[Complex<R>],
        y: &mut [Complex<R>],
        scratch: &mut [Complex<R>],
        what: &str,
    ) {
        let (ny, nx) = (self.split.ny, self.split.nx);
        check_len(what, ny * nx, x.len());
        check_len(what, ny * nx, y.len());
        let need = ny * nx + self.split.task_scratch_len();
        let (s, tasks) = scratch_prefix(what, scratch, need).split_at_mut(ny * nx);
        let fft = self.ys.get(inverse);
        let fs = fft.get_outofplace_scratch_len();
        self.split.for_each_column_block(s, tasks, |mut blk| {
            blk.gather_columns(x, nx, &self.ysrc, &self.yw);
            blk.each_line(|g, line, ts| {
                fft.process_outofplace_with_scratch(g, line, &mut ts[..fs])
            });
        });
        self.row_pass(inverse, s, y, tasks);
    }

    /// The spectrum of a real image: the same as [`apply`](LinOp::apply) on `x` with zero
    /// imaginary parts (centered or not, scaled by `1/√N`), with about half the work.
    ///
    /// Pairs of real columns are transformed as one complex column (`a + ib`) and split
    /// by symmetry; only the rows `0..=ny/2` of the output are transformed, the others are
    /// the conjugate mirror `y[i][j] = conj(y[−i][−j])` (indices about the zero frequency).
    /// `scratch` needs [`scratch_len`](LinOp::scratch_len) values, as for `apply`.
    ///
    /// ```
    /// use cstk_linop::transforms::fourier::Fft2;
    /// use cstk_linop::{Complex, LinOp};
    /// let f = Fft2::<f64>::new(5, 6, true)?;
    /// let x: Vec<f64> = (0..30).map(|i| ((i * 7) % 11) as f64).collect();
    /// let mut k = vec![Complex::new(0.0, 0.0); 30];
    /// let mut scratch = vec![Complex::new(0.0, 0.0); f.scratch_len()];
    /// f.forward_real(&x, &mut k, &mut scratch);
    /// let xc: Vec<Complex<f64>> = x.iter().map(|&v| Complex::new(v, 0.0)).collect();
    /// let want = f.apply_vec(&xc);
    /// assert!(k.iter().zip(&want).all(|(a, b)| (a - b).norm() < 1e-12));
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn forward_real(&self, x: &[R], y: &mut [Complex<R>], scratch: &mut [Complex<R>]) {
        const WHAT: &str = "Fft2 forward_real";
        let (ny, nx) = (self.split.ny, self.split.nx);
        check_len(WHAT, ny * nx, x.len());
        check_len(WHAT, ny * nx, y.len());
        let need = ny * nx + self.split.task_scratch_len();
        let (s, tasks) = scratch_prefix(WHAT, scratch, need).split_at_mut(ny * nx);

        // Columns, two at a time: z = a + ib, Z = F z; A[k] = (Z[k] + conj Z[−k]) / 2,
        // B[k] = (Z[k] − conj Z[−k]) / 2i. The sign trick keeps the inputs real, and the
        // stored order of a column spectrum is symmetric about index 0 in every case.
        let fft = &*self.ys.fwd;
        let fs = fft.get_outofplace_scratch_len();
        let half = real::<R>(0.5);
        self.split.for_each_column_block(s, tasks, |mut blk| {
            // buffer line q holds columns first + 2q (real part) and first + 2q + 1 (imaginary)
            let (b, c0) = (blk.lines(), blk.first);
            let pairs = b.div_ceil(2);
            let seg = |p: usize| &x[self.ysrc[p] * nx + c0..][..b];
            blk.transpose_in(pairs, seg, &self.yw, |r, q, wp| {
                let im = r.get(2 * q + 1).map_or(R::zero(), |&v| v.times(wp));
                Complex::new(r[2 * q].times(wp), im)
            });
            let stride = blk.stride;
            let gathered = blk.buf.chunks_mut(stride);
            for (pair, g) in blk.out.chunks_mut(2 * ny).zip(gathered) {
                let (za, zb) = pair.split_at_mut(ny);
                fft.process_outofplace_with_scratch(&mut g[..ny], za, &mut blk.scratch[..fs]);
                if zb.is_empty() {
                    continue; // odd nx: the last column was transformed alone
                }
                zb[0] = Complex::new(za[0].im, R::zero());
                za[0] = Complex::new(za[0].re, R::zero());
                for k in 1..=ny / 2 {
                    let (z1, z2) = (za[k], za[ny - k]);
                    let (sum, dif) = ((z1 + z2.conj()).times(half), (z1 - z2.conj()).times(half));
                    // A[k] = sum, A[−k] = conj(sum); B[k] = dif / i, B[−k] = conj(B[k])
                    let bk = Complex::new(dif.im, -dif.re);
                    za[k] = sum;
                    za[ny - k] = sum.conj();
                    zb[k] = bk;
                    zb[ny - k] = bk.conj();
                }
            }
        });

        // Rows 0..t by FFT; the rest are conjugate mirrors of these.
        let t = ny / 2 + 1;
        let (top, bottom) = y.split_at_mut(t * nx);
        self.row_pass(false, s, top, tasks);
        let hy = if self.centered { ny / 2 } else { 0 };
        let j0 = if self.centered { 2 * (nx / 2) % nx } else { 0 };
        let mirror = |(r, row): (usize, &mut [Complex<R>])| {
            let i = t + r;
            let m = (2 * hy + ny - i) % ny;
            let src = &top[m * nx..(m + 1) * nx];
            // y[i][j] = conj(y[m][(j0 − j) mod nx])
            let (a, b) = row.split_at_mut(j0 + 1);
            for (d, v) in a.iter_mut().zip(src[..=j0].iter().rev()) {
                *d = v.conj();
            }
            for (d, v) in b.iter_mut().zip(src[j0 + 1..].iter().rev()) {
                *d = v.conj();
            }
        };
        if self.split.parallel() {
            bottom
                .par_chunks_mut(nx)
                .with_min_len(64)
                .enumerate()
                .for_each(mirror);
        } else {
            bottom.chunks_mut(nx).enumerate().for_each(mirror);
        }
    }
}

impl<R: FftReal> fmt::Debug for Fft2<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fft2")
            .field("ny", &self.split.ny)
            .field("nx", &self.split.nx)
            .field("centered", &self.centered)
            .field("tasks", &self.split.ntasks)
            .finish_non_exhaustive()
    }
}

impl<R: FftReal> LinOp<Complex<R>> for Fft2<R>
where
    Complex<R>: Scalar,
{
    fn nrows(&self) -> usize {
        self.split.ny * self.split.nx
    }
    fn ncols(&self) -> usize {
        self.split.ny * self.split.nx
    }
    fn scratch_len(&self) -> usize {
        self.split.ny * self.split.nx + self.split.task_scratch_len()
    }
    fn apply_with_scratch(
        &self,
        x: &[Complex<R>],
        y: &mut [Complex<R>],
        scratch: &mut [Complex<R>],
    ) {
        self.run(false, x, y, scratch, "Fft2 apply");
    }
    fn adjoint_with_scratch(
        &self,
        y: &[Complex<R>],
        x: &mut [Complex<R>],
        scratch: &mut [Complex<R>],
    ) {
        self.run(true, y, x, scratch, "Fft2 adjoint");
    }
}
