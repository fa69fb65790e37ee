//! Forward finite differences (discrete gradients) for total-variation regularization,
//! with the negative divergence as their adjoint.
//!
//! | operator | shape | `apply` | `adjoint` |
//! |---|---|---|---|
//! | [`Gradient1`] | `n × n` | `g_i = x_{i+1} − x_i` | `−div g` |
//! | [`Gradient2`] | `2·ny·nx × ny·nx` | vertical differences of every pixel, then horizontal ones | `−div g` |
//!
//! At the last entry (row, column) the forward difference needs a neighbour that is not
//! there; [`Boundary`] says what to do:
//!
//! - [`Boundary::Neumann`]: the difference is 0 (the signal is extended by repeating its
//!   last value), as in Chambolle's total-variation papers. The operator then has a
//!   one-dimensional null space (constants) and `‖D‖₂² < 4` (1-D) or `< 8` (2-D).
//! - [`Boundary::Periodic`]: the neighbour is the first entry (`x_0 − x_{n−1}`), so `D`
//!   is a circular convolution, diagonalized by the DFT; `‖D‖₂² = 4` (1-D) or `8` (2-D)
//!   for even sizes.
//!
//! The adjoint is written directly (never through a matrix) as the negative of the
//! discrete divergence of Chambolle (2004), and [`Gradient1::divergence`] /
//! [`Gradient2::divergence`] compute `div = −Dᵀ` itself; the two agree exactly
//! (`adjoint` is the bitwise negation of `divergence`). The matrices are real with
//! entries `0, ±1`, so for complex scalars the adjoint is the transpose.
//!
//! Images are row-major (`ny` rows of `nx` pixels, pixel `(i, j)` at `i * nx + j`); images
//! of at least 2¹⁶ pixels (vectors of at least 2¹⁶ entries) are processed in parallel by
//! blocks of rows (of entries), with identical results for any number of threads.
//!
//! ```
//! use cstk_linop::{LinOp, testing::dot_test};
//! use cstk_linop::transforms::diff::{Boundary, Gradient2};
//! // a 2 × 3 image
//! let d = Gradient2::new(2, 3, Boundary::Neumann)?;
//! let g = d.apply_vec(&[1.0, 2.0, 4.0,
//!                       1.0, 1.0, 1.0]);
//! let (gv, gh) = d.components(&g);
//! assert_eq!(gv, [0.0, -1.0, -3.0,   0.0, 0.0, 0.0]); // x[i+1, j] − x[i, j]; 0 in the last row
//! assert_eq!(gh, [1.0, 2.0, 0.0,     0.0, 0.0, 0.0]); // x[i, j+1] − x[i, j]; 0 in the last column
//! dot_test::<f64, _>(&d, 1e-12).unwrap();
//! # Ok::<(), cstk_linop::Error>(())
//! ```

use crate::{Error, LinOp, Result, Scalar, check_len};
use rayon::prelude::*;

/// Images (vectors) with at least this many pixels (entries) are processed in parallel.
const PAR_MIN: usize = 1 << 16;
/// Entries per parallel task (whole rows for images, at least one).
const TASK_ENTRIES: usize = 1 << 14;

/// What a forward difference does at the last entry of a row or column.
///
/// ```
/// use cstk_linop::LinOp;
/// use cstk_linop::transforms::diff::{Boundary, Gradient1};
/// let x = [1.0, 2.0, 4.0];
/// assert_eq!(Gradient1::new(3, Boundary::Neumann)?.apply_vec(&x), vec![1.0, 2.0, 0.0]);
/// assert_eq!(Gradient1::new(3, Boundary::Periodic)?.apply_vec(&x), vec![1.0, 2.0, -3.0]);
/// assert_eq!(Boundary::default(), Boundary::Neumann);
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Boundary {
    /// Wrap around: the last difference is `x_0 − x_{n−1}`.
    Periodic,
    /// Replicate the last value: the last difference is 0 (Chambolle's convention).
    #[default]
    Neumann,
}

impl Boundary {
    fn periodic(self) -> bool {
        self == Boundary::Periodic
    }
}

/// Negates `v` in place when `NEG` (the adjoint is the divergence negated after the
/// fact, so the two are exact negations of each other, signed zeros included).
#[inline]
fn negate_if<T: Scalar, const NEG: bool>(v: &mut [T]) {
    if NEG {
        v.iter_mut().for_each(|a| *a = -*a);
    }
}

/// The error for an empty dimension.
fn empty(name: &'static str) -> Error {
    Error::InvalidParam {
        name,
        value: "0".into(),
        expected: "at least 1".into(),
    }
}

// ---------------------------------------------------------------------------------------
// Gradient1
// ---------------------------------------------------------------------------------------

/// Forward differences of a vector of length `n`: `g_i = x_{i+1} − x_i` for `i < n − 1`,
/// and `g_{n−1}` = `x_0 − x_{n−1}` ([`Boundary::Periodic`]) or 0 ([`Boundary::Neumann`]).
///
/// Square (`n × n`), for every scalar type. The adjoint is the negative divergence
/// `(Dᵀ p)_i = p_{i−1} − p_i` with `p_{−1} = p_{n−1}` (periodic) or, for Neumann,
/// `p_{−1} = 0` and `p_{n−1}` treated as 0 (see [`divergence`](Self::divergence)).
///
/// ```
/// use cstk_linop::{LinOp, testing::dot_test};
/// use cstk_linop::transforms::diff::{Boundary, Gradient1};
/// let d = Gradient1::new(4, Boundary::Neumann)?;
/// assert_eq!(d.apply_vec(&[1.0, 3.0, 6.0, 10.0]), vec![2.0, 3.0, 4.0, 0.0]);
/// assert_eq!(d.adjoint_vec(&[1.0, 1.0, 1.0, 5.0]), vec![-1.0, 0.0, 0.0, 1.0]);
/// dot_test::<f32, _>(&d, 1e-5).unwrap();
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Gradient1 {
    n: usize,
    boundary: Boundary,
}

impl Gradient1 {
    /// Differences of vectors of length `n`.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] when `n` is 0.
    ///
    /// ```
    /// use cstk_linop::LinOp;
    /// use cstk_linop::transforms::diff::{Boundary, Gradient1};
    /// let d = Gradient1::new(5, Boundary::Periodic)?;
    /// assert_eq!(LinOp::<f64>::shape(&d), (5, 5));
    /// assert!(Gradient1::new(0, Boundary::Periodic).is_err());
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn new(n: usize, boundary: Boundary) -> Result<Self> {
        if n == 0 {
            return Err(empty("n"));
        }
        Ok(Self { n, boundary })
    }

    /// The length `n`.
    ///
    /// ```
    /// use cstk_linop::transforms::diff::{Boundary, Gradient1};
    /// assert_eq!(Gradient1::new(5, Boundary::Neumann)?.dim(), 5);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn dim(&self) -> usize {
        self.n
    }

    /// The boundary condition.
    ///
    /// ```
    /// use cstk_linop::transforms::diff::{Boundary, Gradient1};
    /// assert_eq!(Gradient1::new(5, Boundary::Periodic)?.boundary(), Boundary::Periodic);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn boundary(&self) -> Boundary {
        self.boundary
    }

    /// The discrete divergence `div = −Dᵀ`: `div_i = p_i − p_{i−1}`, with
    /// `p_{−1} = p_{n−1}` (periodic), or for Neumann (Chambolle's definition)
    /// `div_0 = p_0`, `div_{n−1} = −p_{n−2}` (the last entry of `p` is never read).
    ///
    /// # Panics
    /// If `p.len()` or `div.len()` is not `n`.
    ///
    /// ```
    /// use cstk_linop::LinOp;
    /// use cstk_linop::transforms::diff::{Boundary, Gradient1};
    /// let d = Gradient1::new(3, Boundary::Neumann)?;
    /// let mut div = [0.0; 3];
    /// d.divergence(&[1.0, 2.0, 9.0], &mut div);
    /// assert_eq!(div, [1.0, 1.0, -2.0]);
    /// assert_eq!(d.adjoint_vec(&[1.0, 2.0, 9.0]), vec![-1.0, -1.0, 2.0]);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn divergence<T: Scalar>(&self, p: &[T], div: &mut [T]) {
        check_len("Gradient1 divergence: input p", self.n, p.len());
        check_len("Gradient1 divergence: output div", self.n, div.len());
        self.div::<T, false>(p, div);
    }

    /// `out = div p` (or `−div p` when `NEG`), in parallel chunks for long vectors.
    fn div<T: Scalar, const NEG: bool>(&self, p: &[T], out: &mut [T]) {
        let periodic = self.boundary.periodic();
        if self.n >= PAR_MIN {
            out.par_chunks_mut(TASK_ENTRIES)
                .enumerate()
                .for_each(|(c, o)| {
                    div_1d(p, o, c * TASK_ENTRIES, periodic);
                    negate_if::<T, NEG>(o);
                });
        } else {
            div_1d(p, out, 0, periodic);
            negate_if::<T, NEG>(out);
        }
    }
}

impl<T: Scalar> LinOp<T> for Gradient1 {
    fn nrows(&self) -> usize {
        self.n
    }
    fn ncols(&self) -> usize {
        self.n
    }
    fn apply_with_scratch(&self, x: &[T], y: &mut [T], _scratch: &mut [T]) {
        check_len("Gradient1 apply: input x", self.n, x.len());
        check_len("Gradient1 apply: output y", self.n, y.len());
        let periodic = self.boundary.periodic();
        if self.n >= PAR_MIN {
            y.par_chunks_mut(TASK_ENTRIES)
                .enumerate()
                .for_each(|(c, g)| diff_1d(x, g, c * TASK_ENTRIES, periodic));
        } else {
            diff_1d(x, y, 0, periodic);
        }
    }
    fn adjoint_with_scratch(&self, y: &[T], x: &mut [T], _scratch: &mut [T]) {
        check_len("Gradient1 adjoint: input y", self.n, y.len());
        check_len("Gradient1 adjoint: output x", self.n, x.len());
        self.div::<T, true>(y, x);
    }
}

/// `g = (D x)[o .. o + g.len()]` for the 1-D forward differences of the whole row `x`.
fn diff_1d<T: Scalar>(x: &[T], g: &mut [T], o: usize, periodic: bool) {
    let n = x.len();
    let end = o + g.len();
    let inner = end.min(n - 1).max(o); // t in o..inner has a right neighbour t + 1 < n
    let (gi, gl) = g.split_at_mut(inner - o);
    for ((g, &a), &b) in gi.iter_mut().zip(&x[o + 1..inner + 1]).zip(&x[o..inner]) {
        *g = a - b;
    }
    if let Some(last) = gl.first_mut() {
        // the entry n − 1
        *last = if periodic { x[0] - x[n - 1] } else { T::zero() };
    }
}

/// `out = (div p)[o .. o + out.len()]` for the 1-D divergence of the whole row `p`.
fn div_1d<T: Scalar>(p: &[T], out: &mut [T], o: usize, periodic: bool) {
    let n = p.len();
    let end = o + out.len();
    // the entry t: a_t − b_t with a_t = p[t] (0 at t = n − 1, Neumann) and
    // b_t = p[t − 1] (p[n − 1] at t = 0 if periodic, else 0)
    let at = |t: usize| {
        if t + 1 < n || periodic {
            p[t]
        } else {
            T::zero()
        }
    };
    let bt = |t: usize| match t {
        0 if periodic => p[n - 1],
        0 => T::zero(),
        _ => p[t - 1],
    };
    let lo = o.max(1); // interior entries 1 ≤ t < n − 1 of this chunk: lo..hi
    let hi = end.min(n - 1).max(lo); // (chunks are not empty, so lo ≤ end)
    for t in o..lo.min(end) {
        out[t - o] = at(t) - bt(t);
    }
    for ((d, &a), &b) in out[lo - o..hi - o]
        .iter_mut()
        .zip(&p[lo..hi])
        .zip(&p[lo - 1..hi - 1])
    {
        *d = a - b;
    }
    for t in hi.max(lo.min(end))..end {
        out[t - o] = at(t) - bt(t);
    }
}

// ---------------------------------------------------------------------------------------
// Gradient2
// ---------------------------------------------------------------------------------------

/// The discrete gradient of an `ny × nx` image: `2·ny·nx` forward differences, the
/// vertical ones first, then the horizontal ones.
///
/// Layout of the output `g` (length `2·ny·nx`), with the image row-major:
///
/// | entries | value at pixel `(i, j)`, `k = i·nx + j` |
/// |---|---|
/// | `g[k]` | vertical difference `x[i+1, j] − x[i, j]` |
/// | `g[ny·nx + k]` | horizontal difference `x[i, j+1] − x[i, j]` |
///
/// The two components of pixel `k` sit at `k` and `ny·nx + k`, both in row-major image
/// order, so isotropic total variation `Σ_k √(|g_k|² + |g_{ny·nx+k}|²)` and its proximal
/// map work on two aligned halves ([`components`](Self::components)). In the last row
/// (vertical) and the last column (horizontal) the difference is 0 for
/// [`Boundary::Neumann`] and wraps around to row / column 0 for [`Boundary::Periodic`].
///
/// # Adjoint and divergence
///
/// The adjoint is the negative divergence, `Dᵀ = −div`, written directly: for
/// `g = (p, q)` (vertical, horizontal halves),
/// `div(p, q)[i, j] = (p[i, j] − p[i−1, j]) + (q[i, j] − q[i, j−1])`, where with periodic
/// boundaries the indices wrap (`p[−1, j] = p[ny−1, j]`), and with Neumann boundaries
/// (Chambolle 2004) `p[−1, j] = q[i, −1] = 0` and the last row of `p` and last column of
/// `q` count as 0 (they are never read: `D` puts zeros there). So
/// `⟨D x, g⟩ = −⟨x, div g⟩` for all `x, g`: [`divergence`](Self::divergence) computes
/// `div g`, and `adjoint` its exact negation.
///
/// ```
/// use cstk_linop::{LinOp, testing::dot_test};
/// use cstk_linop::transforms::diff::{Boundary, Gradient2};
/// let d = Gradient2::new(3, 4, Boundary::Periodic)?;
/// assert_eq!(LinOp::<f64>::shape(&d), (24, 12));
/// let x: Vec<f64> = (0..12).map(|k| (k * k % 7) as f64).collect();
/// let g = d.apply_vec(&x);
/// let mut div = vec![0.0; 12];
/// d.divergence(&g, &mut div);
/// let adj = d.adjoint_vec(&g);
/// assert!(div.iter().zip(&adj).all(|(a, b)| *a == -*b));
/// dot_test::<f64, _>(&d, 1e-12).unwrap();
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Gradient2 {
    ny: usize,
    nx: usize,
    boundary: Boundary,
}

impl Gradient2 {
    /// The gradient of `ny × nx` images (`ny` rows, `nx` columns).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] when `ny` or `nx` is 0, or `2·ny·nx` overflows `usize`.
    ///
    /// ```
    /// use cstk_linop::LinOp;
    /// use cstk_linop::transforms::diff::{Boundary, Gradient2};
    /// let d = Gradient2::new(64, 48, Boundary::Neumann)?;
    /// assert_eq!(LinOp::<f32>::shape(&d), (2 * 64 * 48, 64 * 48));
    /// assert!(Gradient2::new(0, 48, Boundary::Neumann).is_err());
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn new(ny: usize, nx: usize, boundary: Boundary) -> Result<Self> {
        if ny == 0 {
            return Err(empty("ny"));
        }
        if nx == 0 {
            return Err(empty("nx"));
        }
        if ny.checked_mul(nx).and_then(|p| p.checked_mul(2)).is_none() {
            return Err(Error::InvalidParam {
                name: "ny * nx",
                value: format!("{ny} * {nx}"),
                expected: "2 * ny * nx to fit in usize".into(),
            });
        }
        Ok(Self { ny, nx, boundary })
    }

    /// Number of rows `ny`.
    ///
    /// ```
    /// use cstk_linop::transforms::diff::{Boundary, Gradient2};
    /// assert_eq!(Gradient2::new(3, 5, Boundary::Neumann)?.ny(), 3);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn ny(&self) -> usize {
        self.ny
    }

    /// Number of columns `nx`.
    ///
    /// ```
    /// use cstk_linop::transforms::diff::{Boundary, Gradient2};
    /// assert_eq!(Gradient2::new(3, 5, Boundary::Neumann)?.nx(), 5);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn nx(&self) -> usize {
        self.nx
    }

    /// Number of pixels `ny·nx` (the length of an image, and of each gradient half).
    ///
    /// ```
    /// use cstk_linop::transforms::diff::{Boundary, Gradient2};
    /// assert_eq!(Gradient2::new(3, 5, Boundary::Neumann)?.pixels(), 15);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn pixels(&self) -> usize {
        self.ny * self.nx
    }

    /// The boundary condition.
    ///
    /// ```
    /// use cstk_linop::transforms::diff::{Boundary, Gradient2};
    /// assert_eq!(Gradient2::new(3, 5, Boundary::Periodic)?.boundary(), Boundary::Periodic);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn boundary(&self) -> Boundary {
        self.boundary
    }

    /// The vertical and horizontal halves `(p, q)` of a gradient `g` (length `2·ny·nx`).
    ///
    /// # Panics
    /// If `g.len() != 2·ny·nx`.
    ///
    /// ```
    /// use cstk_linop::LinOp;
    /// use cstk_linop::transforms::diff::{Boundary, Gradient2};
    /// let d = Gradient2::new(1, 2, Boundary::Neumann)?;
    /// let g = d.apply_vec(&[1.0, 3.0]);
    /// assert_eq!(d.components(&g), (&[0.0, 0.0][..], &[2.0, 0.0][..]));
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn components<'a, T>(&self, g: &'a [T]) -> (&'a [T], &'a [T]) {
        check_len(
            "Gradient2 components: gradient g",
            2 * self.pixels(),
            g.len(),
        );
        g.split_at(self.pixels())
    }

    /// Mutable vertical and horizontal halves `(p, q)` of a gradient `g` (length
    /// `2·ny·nx`), e.g. for the proximal map of isotropic TV.
    ///
    /// # Panics
    /// If `g.len() != 2·ny·nx`.
    ///
    /// ```
    /// use cstk_linop::transforms::diff::{Boundary, Gradient2};
    /// let d = Gradient2::new(1, 2, Boundary::Neumann)?;
    /// let mut g = [3.0, 0.0, 4.0, 0.0];
    /// let (p, q) = d.components_mut(&mut g);
    /// for (a, b) in p.iter_mut().zip(q) {
    ///     let norm = f64::hypot(*a, *b).max(1.0); // project onto the unit disc
    ///     (*a, *b) = (*a / norm, *b / norm);
    /// }
    /// assert_eq!(g, [0.6, 0.0, 0.8, 0.0]);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn components_mut<'a, T>(&self, g: &'a mut [T]) -> (&'a mut [T], &'a mut [T]) {
        check_len(
            "Gradient2 components_mut: gradient g",
            2 * self.pixels(),
            g.len(),
        );
        g.split_at_mut(self.pixels())
    }

    /// The discrete divergence `div = −Dᵀ` of a gradient field `g = (p, q)` (length
    /// `2·ny·nx`, layout as [`apply`](LinOp::apply)'s output) into an image `div` (length
    /// `ny·nx`):
    /// `div[i, j] = (p[i, j] − p[i−1, j]) + (q[i, j] − q[i, j−1])`, with wrap-around
    /// indices (periodic) or Chambolle's Neumann convention: `p[−1, j] = q[i, −1] = 0`,
    /// and `p[ny−1, j]`, `q[i, nx−1]` count as 0, i.e.
    ///
    /// ```text
    ///              ⎧ p[i, j] − p[i−1, j]   0 < i < ny−1
    /// (div p)_v =  ⎨ p[0, j]               i = 0
    ///              ⎩ −p[ny−2, j]           i = ny−1          (0 when ny = 1)
    /// ```
    ///
    /// and the same along the rows for `q`. It is the exact negation of `adjoint`, so
    /// `⟨D x, g⟩ = −⟨x, div g⟩`.
    ///
    /// # Panics
    /// If `g.len() != 2·ny·nx` or `div.len() != ny·nx`.
    ///
    /// ```
    /// use cstk_linop::LinOp;
    /// use cstk_linop::transforms::diff::{Boundary, Gradient2};
    /// let d = Gradient2::new(2, 2, Boundary::Neumann)?;
    /// // p (vertical) = [1, 2, 3, 4], q (horizontal) = [10, 20, 30, 40]
    /// let g = [1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0, 40.0];
    /// let mut div = [0.0; 4];
    /// d.divergence(&g, &mut div);
    /// assert_eq!(div, [1.0 + 10.0, 2.0 - 10.0, -1.0 + 30.0, -2.0 - 30.0]);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn divergence<T: Scalar>(&self, g: &[T], div: &mut [T]) {
        check_len("Gradient2 divergence: input g", 2 * self.pixels(), g.len());
        check_len("Gradient2 divergence: output div", self.pixels(), div.len());
        self.div::<T, false>(g, div);
    }

    /// Rows per parallel task.
    fn task_rows(&self) -> usize {
        (TASK_ENTRIES / self.nx).max(1)
    }

    /// `out = div g` (or `−div g` when `NEG`), by blocks of rows.
    fn div<T: Scalar, const NEG: bool>(&self, g: &[T], out: &mut [T]) {
        let (p, q) = g.split_at(self.pixels());
        let rows = self.task_rows();
        let block = |(b, o): (usize, &mut [T])| self.div_rows::<T, NEG>(p, q, o, b * rows);
        if self.pixels() >= PAR_MIN {
            out.par_chunks_mut(rows * self.nx)
                .enumerate()
                .for_each(block);
        } else {
            block((0, out));
        }
    }

    /// Rows `i0 ..` of `div (p, q)` (negated when `NEG`) into `out` (whole rows).
    fn div_rows<T: Scalar, const NEG: bool>(&self, p: &[T], q: &[T], out: &mut [T], i0: usize) {
        let (ny, nx) = (self.ny, self.nx);
        let periodic = self.boundary.periodic();
        for (r, o) in out.chunks_exact_mut(nx).enumerate() {
            let i = i0 + r;
            let row = |k: usize| &p[k * nx..(k + 1) * nx];
            // horizontal part: the 1-D divergence of row i of q
            div_1d(&q[i * nx..(i + 1) * nx], o, 0, periodic);
            // vertical part: a − b with a = p[i] (0 in the last row, Neumann) and
            // b = p[i − 1] (p[ny − 1] in row 0 if periodic, else 0)
            let a = (i + 1 < ny || periodic).then(|| row(i));
            let b = match i {
                0 if periodic => Some(row(ny - 1)),
                0 => None,
                _ => Some(row(i - 1)),
            };
            match (a, b) {
                (Some(a), Some(b)) => {
                    for ((o, &a), &b) in o.iter_mut().zip(a).zip(b) {
                        *o += a - b;
                    }
                }
                (Some(a), None) => {
                    for (o, &a) in o.iter_mut().zip(a) {
                        *o += a;
                    }
                }
                (None, Some(b)) => {
                    for (o, &b) in o.iter_mut().zip(b) {
                        *o -= b;
                    }
                }
                (None, None) => {}
            }
            negate_if::<T, NEG>(o);
        }
    }

    /// Rows `i0 ..` of the vertical (`gv`) and horizontal (`gh`) differences.
    fn diff_rows<T: Scalar>(&self, x: &[T], gv: &mut [T], gh: &mut [T], i0: usize) {
        let (ny, nx) = (self.ny, self.nx);
        let periodic = self.boundary.periodic();
        let row = |k: usize| &x[k * nx..(k + 1) * nx];
        for (r, (v, h)) in gv
            .chunks_exact_mut(nx)
            .zip(gh.chunks_exact_mut(nx))
            .enumerate()
        {
            let i = i0 + r;
            diff_1d(row(i), h, 0, periodic);
            let below = match i + 1 {
                k if k < ny => Some(row(k)),
                _ if periodic => Some(row(0)),
                _ => None,
            };
            match below {
                Some(b) => {
                    for ((v, &b), &a) in v.iter_mut().zip(b).zip(row(i)) {
                        *v = b - a;
                    }
                }
                None => v.fill(T::zero()),
            }
        }
    }
}

impl<T: Scalar> LinOp<T> for Gradient2 {
    fn nrows(&self) -> usize {
        2 * self.pixels()
    }
    fn ncols(&self) -> usize {
        self.pixels()
    }
    fn apply_with_scratch(&self, x: &[T], y: &mut [T], _scratch: &mut [T]) {
        check_len("Gradient2 apply: input x", self.pixels(), x.len());
        check_len("Gradient2 apply: output y", 2 * self.pixels(), y.len());
        let (gv, gh) = y.split_at_mut(self.pixels());
        let rows = self.task_rows();
        let block = rows * self.nx;
        if self.pixels() >= PAR_MIN {
            gv.par_chunks_mut(block)
                .zip(gh.par_chunks_mut(block))
                .enumerate()
                .for_each(|(b, (v, h))| self.diff_rows(x, v, h, b * rows));
        } else {
            self.diff_rows(x, gv, gh, 0);
        }
    }
    fn adjoint_with_scratch(&self, y: &[T], x: &mut [T], _scratch: &mut [T]) {
        check_len("Gradient2 adjoint: input y", 2 * self.pixels(), y.len());
        check_len("Gradient2 adjoint: output x", self.pixels(), x.len());
        self.div::<T, true>(y, x);
    }
}
