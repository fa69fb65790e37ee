//! Orthonormal discrete cosine transforms: [`Dct1`] (1-D) and [`Dct2`] (2-D, row-major
//! images), DCT-II forward with DCT-III, its inverse, as the adjoint.
//!
//! `apply` matches `scipy.fft.dct(x, norm="ortho")` / `scipy.fft.dctn(x, norm="ortho")` and
//! `adjoint` matches `scipy.fft.idct` / `idctn` with `norm="ortho"`:
//!
//! ```text
//! y[k] = c_k Σₙ x[n] cos(π k (2n + 1) / 2N),   c_0 = √(1/N),  c_k = √(2/N) (k ≥ 1)
//! ```
//!
//! The matrix is real and orthogonal, so the adjoint is the transpose and the inverse.
//! Both operators act on `f32`, `f64`, `Complex<f32>` and `Complex<f64>`; on complex
//! vectors they transform the real and imaginary parts (as SciPy does).
//!
//! # Algorithms
//!
//! - Real data: rustdct's DCT-II and DCT-III plans (built once), with the orthonormal
//!   scaling folded into the copy that feeds each line.
//! - Complex data: one complex FFT of length `N` per line transforms the real and the
//!   imaginary part together (Makhoul's even/odd reordering, folded into the gather, and a
//!   twiddle on each pair of outputs `k, N − k`), instead of two real DCTs.
//! - 2-D: a column pass into a transposed scratch copy and a row pass out of it, blocks
//!   of lines on the rayon pool, exactly as for [`Fft2`](super::fourier::Fft2); results
//!   are identical for any number of threads and `*_with_scratch` allocates nothing.
//!
//! ```
//! use cstk_linop::transforms::dct::Dct1;
//! use cstk_linop::{LinOp, testing::dot_test};
//! let d = Dct1::<f64>::new(4)?;
//! // a constant is all DC: [2, 0, 0, 0] for four ones (√(1/4) · 4)
//! let y = d.apply_vec(&[1.0; 4]);
//! assert!((y[0] - 2.0).abs() < 1e-15 && y[1..].iter().all(|v| v.abs() < 1e-15));
//! assert!(d.adjoint_vec(&y).iter().all(|v| (v - 1.0).abs() < 1e-15));
//! dot_test::<f64, _>(&d, 1e-12).unwrap();
//! # Ok::<(), cstk_linop::Error>(())
//! ```

use super::fourier::{FftReal, Split2d, check_size, real};
use crate::scratch_prefix;
use crate::{LinOp, Result, Scalar, check_len};
use num_complex::Complex;
use rustdct::{DctPlanner, TransformType2And3};
use rustfft::{Fft, FftPlanner};
use std::f64::consts::{FRAC_1_SQRT_2, PI, SQRT_2};
use std::fmt;
use std::sync::Arc;

// ---------------------------------------------------------------------------------------
// One axis, real data: rustdct
// ---------------------------------------------------------------------------------------

/// rustdct's unnormalized DCT-II / DCT-III of one length, plus the fix of entry 0.
#[derive(Clone)]
struct RealLine<R: FftReal> {
    plan: Arc<dyn TransformType2And3<R>>,
    inv_sqrt2: R,
}

impl<R: FftReal> RealLine<R> {
    fn new(planner: &mut DctPlanner<R>, n: usize) -> Self {
        Self {
            plan: planner.plan_dct2(n),
            inv_sqrt2: real(FRAC_1_SQRT_2),
        }
    }

    fn scratch_len(&self) -> usize {
        self.plan.get_scratch_len()
    }

    /// Orthonormal DCT-II of a line already scaled by `√(2/N)`, in place.
    fn dct2(&self, line: &mut [R], scratch: &mut [R]) {
        self.plan
            .process_dct2_with_scratch(line, &mut scratch[..self.scratch_len()]);
        line[0] *= self.inv_sqrt2;
    }

    /// Orthonormal DCT-III of a line scaled by `√(2/N)` and entry 0 by a further `√2`, in
    /// place.
    fn dct3(&self, line: &mut [R], scratch: &mut [R]) {
        self.plan
            .process_dct3_with_scratch(line, &mut scratch[..self.scratch_len()]);
    }
}

/// Gather weights for the real DCT-II (`scale` everywhere) and DCT-III (`√2 · scale` at 0).
fn real_weights<R: FftReal>(n: usize, scale: f64) -> (Vec<R>, Vec<R>) {
    let w2 = vec![real(scale); n];
    let mut w3 = w2.clone();
    w3[0] = real(SQRT_2 * scale);
    (w2, w3)
}

// ---------------------------------------------------------------------------------------
// One axis, complex data: one FFT per line
// ---------------------------------------------------------------------------------------

/// Orthonormal DCT-II / DCT-III of complex lines of length `n` through one complex FFT.
///
/// With `v[m] = x[perm[m]]` (even entries in order, then odd entries reversed) and
/// `V = FFT(v)`, the orthonormal DCT-II is `y[0] = V[0]/√n`, `y[n/2] = V[n/2]/√n` (even
/// `n`), and for each pair `0 < k < n − k`, with `α_k = √(2/n) e^{−iπk/2n} / 2`:
/// `y[k] = α_k V[k] + ᾱ_k V[n−k]`, `y[n−k] = i (α_k V[k] − ᾱ_k V[n−k])`.
/// Everything is complex-linear, so real and imaginary parts are transformed together.
/// The DCT-III inverts these steps: `V[k]/n = ᾱ_k (y[k] − i y[n−k])`,
/// `V[n−k]/n = α_k (y[k] + i y[n−k])`, `V[0]/n = y[0]/√n` (and `V[n/2]/n = y[n/2]/√n`),
/// then an unnormalized inverse FFT gives `v`, and `x[perm[m]] = v[m]`.
#[derive(Clone)]
struct ComplexLine<R: FftReal> {
    n: usize,
    fwd: Arc<dyn Fft<R>>,
    inv: Arc<dyn Fft<R>>,
    /// `v[m] = x[perm[m]]`.
    perm: Vec<usize>,
    /// `x[j] = v[unperm[j]]`.
    unperm: Vec<usize>,
    /// `α_k` for `0 < k < n − k` (index `k`; entry 0 unused).
    alpha: Vec<Complex<R>>,
    /// `1/√n`.
    dc: R,
}

impl<R: FftReal> ComplexLine<R> {
    fn new(planner: &mut FftPlanner<R>, n: usize) -> Self {
        let even = n.div_ceil(2);
        let perm: Vec<usize> = (0..n)
            .map(|m| if m < even { 2 * m } else { 2 * (n - 1 - m) + 1 })
            .collect();
        let mut unperm = vec![0; n];
        for (m, &j) in perm.iter().enumerate() {
            unperm[j] = m;
        }
        let s = (2.0 / n as f64).sqrt();
        let alpha = (0..n.div_ceil(2))
            .map(|k| {
                let t = -PI * k as f64 / (2 * n) as f64;
                Complex::new(real(0.5 * s * t.cos()), real(0.5 * s * t.sin()))
            })
            .collect();
        Self {
            n,
            fwd: planner.plan_fft_forward(n),
            inv: planner.plan_fft_inverse(n),
            perm,
            unperm,
            alpha,
            dc: real((n as f64).sqrt().recip()),
        }
    }

    /// Scratch for [`dct2_into`](Self::dct2_into) and [`dct3_into`](Self::dct3_into).
    fn scratch_len(&self) -> usize {
        self.fwd
            .get_outofplace_scratch_len()
            .max(self.inv.get_inplace_scratch_len())
    }

    /// DCT-II of `v`, a line gathered in `perm` order, into `out` (`v` is clobbered).
    fn dct2_into(&self, v: &mut [Complex<R>], out: &mut [Complex<R>], scratch: &mut [Complex<R>]) {
        let fs = self.fwd.get_outofplace_scratch_len();
        self.fwd
            .process_outofplace_with_scratch(v, out, &mut scratch[..fs]);
        self.combine(out);
    }

    /// The DCT-II twiddles on a spectrum `V`, in place.
    #[inline]
    fn combine(&self, line: &mut [Complex<R>]) {
        let n = self.n;
        line[0] *= self.dc;
        for k in 1..n.div_ceil(2) {
            let (p, q) = (line[k] * self.alpha[k], line[n - k] * self.alpha[k].conj());
            line[k] = p + q;
            let d = p - q;
            line[n - k] = Complex::new(-d.im, d.re);
        }
        if n.is_multiple_of(2) {
            line[n / 2] *= self.dc;
        }
    }

    /// DCT-III of the line `y` (natural order) into `out` (`y` is clobbered).
    fn dct3_into(&self, y: &mut [Complex<R>], out: &mut [Complex<R>], scratch: &mut [Complex<R>]) {
        Self::precombine(y, &self.alpha, self.dc);
        let fs = self.inv.get_inplace_scratch_len();
        self.inv.process_with_scratch(y, &mut scratch[..fs]);
        for (d, &m) in out.iter_mut().zip(&self.unperm) {
            *d = y[m];
        }
    }

    /// The DCT-III twiddles: from the coefficients `y` to the spectrum `V/n`, in place.
    #[inline]
    fn precombine(line: &mut [Complex<R>], alpha: &[Complex<R>], dc: R) {
        let n = line.len();
        line[0] *= dc;
        for k in 1..n.div_ceil(2) {
            let (y1, y2) = (line[k], line[n - k]);
            let iy2 = Complex::new(-y2.im, y2.re);
            line[k] = (y1 - iy2) * alpha[k].conj();
            line[n - k] = (y1 + iy2) * alpha[k];
        }
        if n.is_multiple_of(2) {
            line[n / 2] *= dc;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Dct1
// ---------------------------------------------------------------------------------------

/// The orthonormal DCT-II of length `n` (`scipy.fft.dct(x, norm="ortho")`); the adjoint is
/// the orthonormal DCT-III, its inverse.
///
/// An operator on `f32`, `f64`, `Complex<f32>` and `Complex<f64>` (`R` is the real type;
/// complex vectors have their real and imaginary parts transformed). Scratch: rustdct's for
/// real data, `n` plus an FFT scratch for complex data. Runs on the calling thread.
///
/// ```
/// use cstk_linop::transforms::dct::Dct1;
/// use cstk_linop::{Complex, LinOp};
/// let d = Dct1::<f64>::new(3)?;
/// let y = d.apply_vec(&[1.0, 0.0, 0.0]); // first column of the DCT-II matrix
/// let s = (2.0f64 / 3.0).sqrt();
/// let want = [1.0 / 3f64.sqrt(), s * 3f64.sqrt() / 2.0, s / 2.0]; // c_k cos(πk/6)
/// assert!(y.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-15));
/// // complex input: real and imaginary parts transformed alike
/// let z = d.apply_vec(&[Complex::new(1.0, 2.0), Complex::new(0.0, 0.0), Complex::new(0.0, 0.0)]);
/// assert!((z[1] - Complex::new(want[1], 2.0 * want[1])).norm() < 1e-15);
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone)]
pub struct Dct1<R: FftReal> {
    n: usize,
    rl: RealLine<R>,
    cl: ComplexLine<R>,
    /// `√(2/n)`.
    scale: R,
    /// `√2 · √(2/n)`: the DCT-III weight of entry 0.
    scale0: R,
}

impl<R: FftReal> Dct1<R> {
    /// The orthonormal DCT-II of length `n`; plans for real and complex data are built here.
    ///
    /// Errors with [`Error::InvalidParam`](crate::Error::InvalidParam) when `n == 0`.
    ///
    /// ```
    /// use cstk_linop::{Error, transforms::dct::Dct1};
    /// assert_eq!(Dct1::<f32>::new(17)?.len(), 17);
    /// assert!(matches!(Dct1::<f64>::new(0), Err(Error::InvalidParam { name: "n", .. })));
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn new(n: usize) -> Result<Self> {
        check_size("n", n)?;
        let s = (2.0 / n as f64).sqrt();
        Ok(Self {
            n,
            rl: RealLine::new(&mut DctPlanner::new(), n),
            cl: ComplexLine::new(&mut FftPlanner::new(), n),
            scale: real(s),
            scale0: real(SQRT_2 * s),
        })
    }

    /// The length `n`.
    ///
    /// ```
    /// use cstk_linop::transforms::dct::Dct1;
    /// assert_eq!(Dct1::<f64>::new(8)?.len(), 8);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    #[allow(clippy::len_without_is_empty)] // a transform is never empty
    pub fn len(&self) -> usize {
        self.n
    }
}

impl<R: FftReal> fmt::Debug for Dct1<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dct1")
            .field("n", &self.n)
            .finish_non_exhaustive()
    }
}

impl<R: FftReal> LinOp<R> for Dct1<R> {
    fn nrows(&self) -> usize {
        self.n
    }
    fn ncols(&self) -> usize {
        self.n
    }
    fn scratch_len(&self) -> usize {
        self.rl.scratch_len()
    }
    fn apply_with_scratch(&self, x: &[R], y: &mut [R], scratch: &mut [R]) {
        const WHAT: &str = "Dct1 apply";
        check_len(WHAT, self.n, x.len());
        check_len(WHAT, self.n, y.len());
        let scratch = scratch_prefix(WHAT, scratch, self.rl.scratch_len());
        for (d, &v) in y.iter_mut().zip(x) {
            *d = v * self.scale;
        }
        self.rl.dct2(y, scratch);
    }
    fn adjoint_with_scratch(&self, y: &[R], x: &mut [R], scratch: &mut [R]) {
        const WHAT: &str = "Dct1 adjoint";
        check_len(WHAT, self.n, y.len());
        check_len(WHAT, self.n, x.len());
        let scratch = scratch_prefix(WHAT, scratch, self.rl.scratch_len());
        for (d, &v) in x.iter_mut().zip(y) {
            *d = v * self.scale;
        }
        x[0] = y[0] * self.scale0;
        self.rl.dct3(x, scratch);
    }
}

impl<R: FftReal> LinOp<Complex<R>> for Dct1<R>
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
        self.n + self.cl.scratch_len()
    }
    fn apply_with_scratch(
        &self,
        x: &[Complex<R>],
        y: &mut [Complex<R>],
        scratch: &mut [Complex<R>],
    ) {
        const WHAT: &str = "Dct1 apply";
        check_len(WHAT, self.n, x.len());
        check_len(WHAT, self.n, y.len());
        let scratch = scratch_prefix(WHAT, scratch, LinOp::<Complex<R>>::scratch_len(self));
        let (v, fs) = scratch.split_at_mut(self.n);
        for (d, &j) in v.iter_mut().zip(&self.cl.perm) {
            *d = x[j];
        }
        self.cl.dct2_into(v, y, fs);
    }
    fn adjoint_with_scratch(
        &self,
        y: &[Complex<R>],
        x: &mut [Complex<R>],
        scratch: &mut [Complex<R>],
    ) {
        const WHAT: &str = "Dct1 adjoint";
        check_len(WHAT, self.n, y.len());
        check_len(WHAT, self.n, x.len());
        let scratch = scratch_prefix(WHAT, scratch, LinOp::<Complex<R>>::scratch_len(self));
        let (v, fs) = scratch.split_at_mut(self.n);
        v.copy_from_slice(y);
        self.cl.dct3_into(v, x, fs);
    }
}

// ---------------------------------------------------------------------------------------
// Dct2
// ---------------------------------------------------------------------------------------

/// The orthonormal 2-D DCT-II of an `ny × nx` row-major image
/// (`scipy.fft.dctn(x, norm="ortho")`); the adjoint is the 2-D DCT-III, its inverse.
///
/// An operator on `f32`, `f64`, `Complex<f32>` and `Complex<f64>` (`R` is the real type).
/// Column and row passes run on the rayon pool; [`scratch_len`](LinOp::scratch_len) is
/// `ny·nx` (a transposed copy of the image) plus, for each task slice, a gather buffer
/// for one block of lines and the line transforms' scratch.
///
/// ```
/// use cstk_linop::transforms::dct::Dct2;
/// use cstk_linop::{LinOp, testing::dot_test};
/// let d = Dct2::<f64>::new(3, 4)?;
/// let x: Vec<f64> = (0..12).map(|i| i as f64).collect();
/// let c = d.apply_vec(&x);
/// assert!((c[0] - 5.5 * 12f64.sqrt()).abs() < 1e-12); // DC: mean · √N
/// let back = d.adjoint_vec(&c);
/// assert!(back.iter().zip(&x).all(|(a, b)| (a - b).abs() < 1e-12));
/// dot_test::<f64, _>(&d, 1e-12).unwrap();
/// dot_test::<cstk_linop::Complex<f64>, _>(&d, 1e-12).unwrap(); // complex images too
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone)]
pub struct Dct2<R: FftReal> {
    /// Task split for real data (rustdct scratch per task).
    rsplit: Split2d,
    /// Task split for complex data (FFT scratch and a row buffer per task).
    csplit: Split2d,
    ry: RealLine<R>,
    rx: RealLine<R>,
    cy: ComplexLine<R>,
    cx: ComplexLine<R>,
    /// `0..ny` and `0..nx`.
    iy: Vec<usize>,
    ix: Vec<usize>,
    /// Real column pass weights: DCT-II (`√(2/ny)·√(2/nx)`) and DCT-III (entry 0 × √2).
    wy2: Vec<R>,
    wy3: Vec<R>,
    /// Row pass weights: ones (DCT-II, and the complex passes) and DCT-III (entry 0 × √2).
    ones_y: Vec<R>,
    ones_x: Vec<R>,
    wx3: Vec<R>,
}

impl<R: FftReal> Dct2<R> {
    /// The orthonormal 2-D DCT-II of `ny × nx` images; plans for real and complex data and
    /// the task split of the scratch are decided here.
    ///
    /// Errors with [`Error::InvalidParam`](crate::Error::InvalidParam) when a size is zero.
    ///
    /// ```
    /// use cstk_linop::{Error, transforms::dct::Dct2};
    /// let d = Dct2::<f32>::new(8, 3)?;
    /// assert_eq!((d.ny(), d.nx()), (8, 3));
    /// assert!(matches!(Dct2::<f64>::new(0, 3), Err(Error::InvalidParam { name: "ny", .. })));
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn new(ny: usize, nx: usize) -> Result<Self> {
        check_size("ny", ny)?;
        check_size("nx", nx)?;
        let mut dplan = DctPlanner::new();
        let mut fplan = FftPlanner::new();
        let (ry, rx) = (RealLine::new(&mut dplan, ny), RealLine::new(&mut dplan, nx));
        let (cy, cx) = (
            ComplexLine::new(&mut fplan, ny),
            ComplexLine::new(&mut fplan, nx),
        );
        let scale = (2.0 / ny as f64).sqrt() * (2.0 / nx as f64).sqrt();
        let (wy2, wy3) = real_weights(ny, scale);
        let (ones_x, wx3) = real_weights(nx, 1.0);
        Ok(Self {
            rsplit: Split2d::new(ny, nx, ry.scratch_len().max(rx.scratch_len())),
            csplit: Split2d::new(ny, nx, cy.scratch_len().max(cx.scratch_len())),
            ry,
            rx,
            cy,
            cx,
            iy: (0..ny).collect(),
            ix: (0..nx).collect(),
            wy2,
            wy3,
            ones_y: vec![real(1.0); ny],
            ones_x,
            wx3,
        })
    }

    /// Image rows.
    ///
    /// ```
    /// # use cstk_linop::transforms::dct::Dct2;
    /// assert_eq!(Dct2::<f64>::new(5, 7)?.ny(), 5);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn ny(&self) -> usize {
        self.rsplit.ny
    }

    /// Image columns.
    ///
    /// ```
    /// # use cstk_linop::transforms::dct::Dct2;
    /// assert_eq!(Dct2::<f64>::new(5, 7)?.nx(), 7);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn nx(&self) -> usize {
        self.rsplit.nx
    }

    fn checked<'a, T>(
        &self,
        what: &str,
        x: &[T],
        y: &[T],
        scratch: &'a mut [T],
        split: &Split2d,
    ) -> (&'a mut [T], &'a mut [T]) {
        let n = split.ny * split.nx;
        check_len(what, n, x.len());
        check_len(what, n, y.len());
        scratch_prefix(what, scratch, n + split.task_scratch_len()).split_at_mut(n)
    }
}

impl<R: FftReal> fmt::Debug for Dct2<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dct2")
            .field("ny", &self.rsplit.ny)
            .field("nx", &self.rsplit.nx)
            .field("tasks", &self.rsplit.ntasks)
            .finish_non_exhaustive()
    }
}

impl<R: FftReal> LinOp<R> for Dct2<R> {
    fn nrows(&self) -> usize {
        self.rsplit.ny * self.rsplit.nx
    }
    fn ncols(&self) -> usize {
        self.rsplit.ny * self.rsplit.nx
    }
    fn scratch_len(&self) -> usize {
        self.rsplit.ny * self.rsplit.nx + self.rsplit.task_scratch_len()
    }
    fn apply_with_scratch(&self, x: &[R], y: &mut [R], scratch: &mut [R]) {
        let (s, tasks) = self.checked("Dct2 apply", x, y, scratch, &self.rsplit);
        let (ny, nx) = (self.rsplit.ny, self.rsplit.nx);
        self.rsplit.for_each_column_block(s, tasks, |mut blk| {
            blk.gather_columns(x, nx, &self.iy, &self.wy2);
            blk.each_line(|g, out, ts| {
                self.ry.dct2(g, ts);
                out.copy_from_slice(g);
            });
        });
        let s = &*s;
        self.rsplit.for_each_row_block(y, tasks, |mut blk| {
            blk.gather_rows(s, ny, &self.ix, &self.ones_x, &self.iy);
            blk.each_line(|g, out, ts| {
                self.rx.dct2(g, ts);
                out.copy_from_slice(g);
            });
        });
    }
    fn adjoint_with_scratch(&self, y: &[R], x: &mut [R], scratch: &mut [R]) {
        let (s, tasks) = self.checked("Dct2 adjoint", y, x, scratch, &self.rsplit);
        let (ny, nx) = (self.rsplit.ny, self.rsplit.nx);
        self.rsplit.for_each_column_block(s, tasks, |mut blk| {
            blk.gather_columns(y, nx, &self.iy, &self.wy3);
            blk.each_line(|g, out, ts| {
                self.ry.dct3(g, ts);
                out.copy_from_slice(g);
            });
        });
        let s = &*s;
        self.rsplit.for_each_row_block(x, tasks, |mut blk| {
            blk.gather_rows(s, ny, &self.ix, &self.wx3, &self.iy);
            blk.each_line(|g, out, ts| {
                self.rx.dct3(g, ts);
                out.copy_from_slice(g);
            });
        });
    }
}

impl<R: FftReal> LinOp<Complex<R>> for Dct2<R>
where
    Complex<R>: Scalar,
{
    fn nrows(&self) -> usize {
        self.csplit.ny * self.csplit.nx
    }
    fn ncols(&self) -> usize {
        self.csplit.ny * self.csplit.nx
    }
    fn scratch_len(&self) -> usize {
        self.csplit.ny * self.csplit.nx + self.csplit.task_scratch_len()
    }
    fn apply_with_scratch(
        &self,
        x: &[Complex<R>],
        y: &mut [Complex<R>],
        scratch: &mut [Complex<R>],
    ) {
        let (s, tasks) = self.checked("Dct2 apply", x, y, scratch, &self.csplit);
        let (ny, nx) = (self.csplit.ny, self.csplit.nx);
        self.csplit.for_each_column_block(s, tasks, |mut blk| {
            blk.gather_columns(x, nx, &self.cy.perm, &self.ones_y);
            blk.each_line(|g, out, ts| self.cy.dct2_into(g, out, ts));
        });
        let s = &*s;
        self.csplit.for_each_row_block(y, tasks, |mut blk| {
            blk.gather_rows(s, ny, &self.cx.perm, &self.ones_x, &self.iy);
            blk.each_line(|g, out, ts| self.cx.dct2_into(g, out, ts));
        });
    }
    fn adjoint_with_scratch(
        &self,
        y: &[Complex<R>],
        x: &mut [Complex<R>],
        scratch: &mut [Complex<R>],
    ) {
        let (s, tasks) = self.checked("Dct2 adjoint", y, x, scratch, &self.csplit);
        let (ny, nx) = (self.csplit.ny, self.csplit.nx);
        self.csplit.for_each_column_block(s, tasks, |mut blk| {
            blk.gather_columns(y, nx, &self.iy, &self.ones_y);
            blk.each_line(|g, out, ts| self.cy.dct3_into(g, out, ts));
        });
        let s = &*s;
        self.csplit.for_each_row_block(x, tasks, |mut blk| {
            blk.gather_rows(s, ny, &self.ix, &self.ones_x, &self.iy);
            blk.each_line(|g, out, ts| self.cx.dct3_into(g, out, ts));
        });
    }
}
