//! The fast Walsh–Hadamard transform (WHT): orthonormal, in natural (Hadamard) or
//! sequency (Walsh) order, in `O(n log n)` operations.
//!
//! For `n = 2ᵐ` the natural-order matrix is Sylvester's `H_n / √n`, with `H_1 = [1]` and
//! `H_2k = [[H_k, H_k], [H_k, −H_k]]`: entry `(i, j)` is `(−1)^popcount(i & j) / √n`, the
//! same as `scipy.linalg.hadamard(n) / sqrt(n)`. The sequency-ordered (Walsh) matrix has
//! the same rows sorted by their number of sign changes: its row `k` changes sign exactly
//! `k` times and is row `bitrev(gray(k))` of the natural matrix, where
//! `gray(k) = k ^ (k >> 1)` and `bitrev` reverses the `m` low bits. Both matrices are real,
//! symmetric and orthogonal, so the operator is its own adjoint and its own inverse.
//!
//! | order | row `k`, entry `j` (times `√n`) | typical use |
//! |---|---|---|
//! | [`HadamardOrder::Natural`] | `(−1)^popcount(k & j)` | fastest; structured random sensing (`R H D`) |
//! | [`HadamardOrder::Sequency`] | `(−1)^popcount(bitrev(gray(k)) & j)`, `k` sign changes | "low frequencies" first, as the DCT orders its rows (single-pixel imaging, multiscale sampling) |
//!
//! ```
//! use cstk_linop::LinOp;
//! use cstk_linop::transforms::hadamard::{Hadamard, HadamardOrder};
//! let h = Hadamard::new(4, HadamardOrder::Natural)?;
//! // H_4 / 2 applied to e_1: the second column of the matrix
//! assert_eq!(h.apply_vec(&[0.0, 1.0, 0.0, 0.0]), vec![0.5, -0.5, 0.5, -0.5]);
//! let w = Hadamard::new(4, HadamardOrder::Sequency)?;
//! assert_eq!(w.apply_vec(&[0.0, 1.0, 0.0, 0.0]), vec![0.5, 0.5, -0.5, -0.5]);
//! // its own inverse
//! let x = [1.0, 2.0, 3.0, 4.0];
//! assert_eq!(w.apply_vec(&w.apply_vec(&x)), x);
//! # Ok::<(), cstk_linop::Error>(())
//! ```
//!
//! # Algorithm
//!
//! The `m` butterfly stages commute (the WHT is the Kronecker power `H_2^{⊗m}`), which
//! leaves their order free for the cache:
//!
//! 1. Leaves: the output is cut into contiguous blocks of 2¹¹ entries (16 KiB of `f64`),
//!    each transformed completely while it sits in the L1 cache. The first pass reads the
//!    input, scales it by `1/√n` and does strides 1, 2 and 4 in registers on groups of
//!    eight; the other strides go two at a time (radix 4), each pass a loop over four
//!    contiguous slices that the compiler vectorizes.
//! 2. Above the leaves, blocks are combined recursively, depth first, three strides at a
//!    time (radix 8: one pass streams eight slices of the block), so a block is combined
//!    right after its sub-blocks, while it is still in cache, and only the top one or two
//!    passes stream the whole vector from memory.
//!
//! Natural order runs in place in the output buffer: no scratch.
//!
//! Sequency order is not computed as natural order followed by a global permutation:
//! a gather through `bitrev(gray(·))` over the whole vector misses the cache on nearly
//! every entry and cost 5–6× the transform when tried. Instead, with `W_n` the
//! sequency-ordered matrix:
//!
//! - the top level splits the input by parity (decimation in time),
//!   `W_n x = [z₀ + z₁ ; reverse(z₀ − z₁)]` with `z_b = W_{n/2} x[b::2]`: the two halves
//!   are transformed straight into the halves of the output and combined in place;
//! - below it, blocks are combined with
//!   `W_{Rn}[R k + q, a n + j] = W_R[q, a] · W_n[k, j] · (−1)^(k₀ a₀)` (`k₀`, `a₀` the
//!   lowest bits; decimation in frequency), which reads the `R` sub-results contiguously
//!   and writes each output `R`-tuple contiguously: the same depth-first streaming
//!   passes as natural order, but out of place, alternating between the output and a
//!   scratch buffer of `n / 2` entries ([`scratch_len`](LinOp::scratch_len); 0 when
//!   `n ≤ 2¹¹`);
//! - each leaf is transformed in natural order, then gathered into sequency order
//!   inside the L1 cache through the 2¹¹-point permutation `bitrev(gray(·))`, built once
//!   by the constructor.
//!
//! It runs at about half the speed of natural order for vectors beyond the L2 cache.
//!
//! Vectors of at least 2¹⁵ entries use the rayon pool: sub-blocks are transformed in
//! parallel, and each combining pass is split into ranges of columns. The arithmetic
//! behind every output entry (which values are added in which order) depends on `n`
//! alone, so results are bit-identical for any number of threads.

use crate::{Error, LinOp, Result, Scalar, check_len};
use nalgebra::ComplexField;
use rayon::prelude::*;

/// log₂ of the leaf length: blocks of 2¹¹ entries (8 KiB of `f32` … 32 KiB of
/// `Complex<f64>`) are transformed entirely in the L1 cache.
const LEAF_BITS: u32 = 11;
const _: () = assert!(
    LEAF_BITS <= u16::BITS,
    "leaf permutations are stored as u16"
);
/// Transforms (and blocks) of at least this many entries use the rayon pool.
const PAR_MIN: usize = 1 << 15;
/// Parallel combining passes split their slices down to about this many entries each.
const PAR_GRAIN: usize = 1 << 12;
/// Most strides combined in one pass above the leaves (radix `2^MAX_RADIX_BITS`).
const MAX_RADIX_BITS: u32 = 3;

/// The order of the rows of a [`Hadamard`] operator.
///
/// ```
/// use cstk_linop::transforms::hadamard::{Hadamard, HadamardOrder};
/// let w = Hadamard::new(8, HadamardOrder::Sequency)?;
/// assert_eq!(w.order(), HadamardOrder::Sequency);
/// assert_eq!(HadamardOrder::default(), HadamardOrder::Natural);
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum HadamardOrder {
    /// Sylvester's (natural, Hadamard) order: entry `(i, j)` is `(−1)^popcount(i & j) / √n`,
    /// as `scipy.linalg.hadamard(n) / sqrt(n)`.
    #[default]
    Natural,
    /// Sequency (Walsh) order: row `k` has exactly `k` sign changes; it is natural row
    /// `bitrev(gray(k))`.
    Sequency,
}

/// The orthonormal fast Walsh–Hadamard transform of length `n = 2ᵐ`, as a [`LinOp`] over
/// every scalar type (`f32`, `f64`, `Complex<f32>`, `Complex<f64>`).
///
/// `y = H x / √n` with `H` in the chosen [`HadamardOrder`]. The matrix is real,
/// symmetric and orthogonal, so `adjoint` computes the same map as `apply`, and applying
/// it twice gives back `x` (up to rounding). Cost: `n log₂ n` additions and `n`
/// multiplications. Natural order needs no scratch; sequency order needs `n / 2`
/// entries when `n > 2¹¹` ([`scratch_len`](LinOp::scratch_len); see the
/// [module documentation](self)).
///
/// ```
/// use cstk_linop::{LinOp, testing::dot_test};
/// use cstk_linop::transforms::hadamard::{Hadamard, HadamardOrder};
/// let h = Hadamard::new(8, HadamardOrder::Natural)?;
/// let y = h.apply_vec(&[1.0f32; 8]);
/// assert!((y[0] - 8f32.sqrt()).abs() < 1e-6 && y[1..].iter().all(|&v| v == 0.0));
/// dot_test::<f64, _>(&h, 1e-12).unwrap();
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hadamard {
    n: usize,
    order: HadamardOrder,
    /// Sequency order, `n ≤ 2^LEAF_BITS` (empty otherwise): `W_n x = H_n v` with
    /// `v[i] = x[gather[i]]`.
    gather: Vec<u16>,
    /// Sequency order, `n > 2^LEAF_BITS` (empty otherwise): for `L = 2^LEAF_BITS`,
    /// `(W_L u)[k] = (H_L u)[leaf_rows[k]]`.
    leaf_rows: Vec<u16>,
}

impl Hadamard {
    /// The transform of length `n` in the given order.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] (naming `n`) unless `n` is a power of two (`1, 2, 4, …`);
    /// the message suggests the power of two to zero-pad to.
    ///
    /// ```
    /// use cstk_linop::{Error, LinOp};
    /// use cstk_linop::transforms::hadamard::{Hadamard, HadamardOrder};
    /// let h = Hadamard::new(1024, HadamardOrder::Sequency)?;
    /// assert_eq!(LinOp::<f64>::shape(&h), (1024, 1024));
    /// let err = Hadamard::new(1000, HadamardOrder::Natural).unwrap_err();
    /// assert!(matches!(err, Error::InvalidParam { name: "n", .. }));
    /// assert!(err.to_string().contains("power of two") && err.to_string().contains("1024"));
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn new(n: usize, order: HadamardOrder) -> Result<Self> {
        if !n.is_power_of_two() {
            let expected = match n.checked_next_power_of_two() {
                _ if n == 0 => "a power of two (1, 2, 4, 8, …), at least 1".to_string(),
                Some(p) => format!(
                    "a power of two (1, 2, 4, 8, …); zero-pad the signal to {p} = 2^{}",
                    p.trailing_zeros()
                ),
                None => "a power of two (1, 2, 4, 8, …)".to_string(),
            };
            return Err(Error::InvalidParam {
                name: "n",
                value: n.to_string(),
                expected,
            });
        }
        let (mut gather, mut leaf_rows) = (Vec::new(), Vec::new());
        if order == HadamardOrder::Sequency {
            let l = n.min(1 << LEAF_BITS);
            // u16 holds every index of a leaf (LEAF_BITS ≤ 16, checked at compile time)
            let rows = (0..l).map(|k| natural_row(k, l.trailing_zeros()) as u16);
            if n <= 1 << LEAF_BITS {
                gather = vec![0; l];
                for (k, r) in rows.enumerate() {
                    gather[usize::from(r)] = k as u16;
                }
            } else {
                leaf_rows = rows.collect();
            }
        }
        Ok(Self {
            n,
            order,
            gather,
            leaf_rows,
        })
    }

    /// The natural-order transform of length `n` (see [`new`](Self::new)).
    ///
    /// ```
    /// use cstk_linop::LinOp;
    /// use cstk_linop::transforms::hadamard::Hadamard;
    /// let h = Hadamard::natural(2)?;
    /// let r = 0.5f64.sqrt();
    /// assert_eq!(h.apply_vec(&[1.0, 0.0]), vec![r, r]);
    /// assert!(Hadamard::natural(3).is_err());
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn natural(n: usize) -> Result<Self> {
        Self::new(n, HadamardOrder::Natural)
    }

    /// The sequency-order (Walsh) transform of length `n` (see [`new`](Self::new)).
    ///
    /// ```
    /// use cstk_linop::LinOp;
    /// use cstk_linop::transforms::hadamard::Hadamard;
    /// let w = Hadamard::sequency(4)?;
    /// // rows by sign changes: + + + +, + + − −, + − − +, + − + −
    /// assert_eq!(w.apply_vec(&[0.0, 0.0, 1.0, 0.0]), vec![0.5, -0.5, -0.5, 0.5]);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn sequency(n: usize) -> Result<Self> {
        Self::new(n, HadamardOrder::Sequency)
    }

    /// The length `n` (the operator is `n × n`).
    ///
    /// ```
    /// assert_eq!(cstk_linop::transforms::hadamard::Hadamard::natural(16)?.dim(), 16);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn dim(&self) -> usize {
        self.n
    }

    /// `m = log₂ n`, the number of butterfly stages.
    ///
    /// ```
    /// assert_eq!(cstk_linop::transforms::hadamard::Hadamard::natural(16)?.log2_dim(), 4);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn log2_dim(&self) -> u32 {
        self.n.trailing_zeros()
    }

    /// The row order.
    ///
    /// ```
    /// use cstk_linop::transforms::hadamard::{Hadamard, HadamardOrder};
    /// assert_eq!(Hadamard::natural(2)?.order(), HadamardOrder::Natural);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn order(&self) -> HadamardOrder {
        self.order
    }

    /// The natural-order (Sylvester) index of row `k` of this operator: `k` itself in
    /// natural order, `bitrev(gray(k))` in sequency order. Row `k` of the operator is
    /// `(−1)^popcount(natural_row(k) & j) / √n`, `j = 0, …, n − 1`.
    ///
    /// # Panics
    /// If `k ≥ n`.
    ///
    /// ```
    /// use cstk_linop::transforms::hadamard::Hadamard;
    /// let w = Hadamard::sequency(8)?;
    /// let rows: Vec<usize> = (0..8).map(|k| w.natural_row(k)).collect();
    /// assert_eq!(rows, [0, 4, 6, 2, 3, 7, 5, 1]);
    /// assert_eq!(Hadamard::natural(8)?.natural_row(6), 6);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn natural_row(&self, k: usize) -> usize {
        assert!(
            k < self.n,
            "Hadamard::natural_row: row {k} out of range for n = {}",
            self.n
        );
        match self.order {
            HadamardOrder::Natural => k,
            HadamardOrder::Sequency => natural_row(k, self.log2_dim()),
        }
    }

    /// Scratch entries `*_with_scratch` needs: `n / 2` in sequency order above one leaf.
    fn scratch_needed(&self) -> usize {
        match self.order {
            HadamardOrder::Sequency if self.n > 1 << LEAF_BITS => self.n / 2,
            _ => 0,
        }
    }

    /// `y = H x / √n` for checked lengths.
    #[track_caller]
    fn run<T: Scalar>(&self, what: &str, x: &[T], y: &mut [T], scratch: &mut [T]) {
        let need = self.scratch_needed();
        if scratch.len() < need {
            check_len(what, need, scratch.len());
        }
        // 1/n is exact for a power of two, so this is 1/√n correctly rounded
        let scale = T::from_f64_parts((1.0 / self.n as f64).sqrt(), 0.0).real();
        match self.order {
            HadamardOrder::Natural => natural(x, y, scale),
            HadamardOrder::Sequency if need == 0 => {
                let idx = &self.gather;
                leaf(Src::Gather { x, idx }, y, scale);
            }
            HadamardOrder::Sequency => {
                sequency_top(x, y, &mut scratch[..need], scale, &self.leaf_rows);
            }
        }
    }
}

impl<T: Scalar> LinOp<T> for Hadamard {
    fn nrows(&self) -> usize {
        self.n
    }
    fn ncols(&self) -> usize {
        self.n
    }
    fn scratch_len(&self) -> usize {
        self.scratch_needed()
    }
    fn apply_with_scratch(&self, x: &[T], y: &mut [T], scratch: &mut [T]) {
        check_len("Hadamard apply: input x", self.n, x.len());
        check_len("Hadamard apply: output y", self.n, y.len());
        self.run("Hadamard apply: scratch", x, y, scratch);
    }
    fn adjoint_with_scratch(&self, y: &[T], x: &mut [T], scratch: &mut [T]) {
        check_len("Hadamard adjoint: input y", self.n, y.len());
        check_len("Hadamard adjoint: output x", self.n, x.len());
        self.run("Hadamard adjoint: scratch", y, x, scratch);
    }
}

/// The natural-order index `bitrev_m(gray(k))` of sequency row `k` of the `2ᵐ`-point WHT.
const fn natural_row(k: usize, m: u32) -> usize {
    match m {
        0 => 0,
        _ => (k ^ (k >> 1)).reverse_bits() >> (usize::BITS - m),
    }
}

// ---------------------------------------------------------------------------------------
// The transforms
// ---------------------------------------------------------------------------------------

/// `y = H_n (scale · x)` in natural order, in place in `y`: leaves of `2^LEAF_BITS`
/// entries, combined `MAX_RADIX_BITS` strides at a time, depth first.
fn natural<T: Scalar>(x: &[T], y: &mut [T], scale: T::RealField) {
    let n = y.len();
    let m = n.trailing_zeros();
    if m <= LEAF_BITS {
        leaf(Src::Slice(x), y, scale);
        return;
    }
    let bits = (m - LEAF_BITS).min(MAX_RADIX_BITS);
    let part = n >> bits;
    let par = n >= PAR_MIN;
    let sub = |(x, y): (&[T], &mut [T])| natural(x, y, scale);
    if par {
        x.par_chunks(part).zip(y.par_chunks_mut(part)).for_each(sub);
    } else {
        x.chunks(part).zip(y.chunks_mut(part)).for_each(sub);
    }
    match bits {
        1 => cross::<T, 2>(split_parts(y), par, |[a, b]| bfly2(a, b)),
        2 => cross::<T, 4>(split_parts(y), par, |[a, b, c, d]| bfly4(a, b, c, d)),
        _ => cross::<T, 8>(split_parts(y), par, |[a, b, c, d, e, f, g, h]| {
            bfly8(a, b, c, d, e, f, g, h)
        }),
    }
}

/// `y = W_n (scale · x)` in sequency order for `n > 2^LEAF_BITS`, with `tmp` (length
/// `n / 2`) overwritten; `rows` are the leaf's natural rows (`Hadamard::leaf_rows`).
///
/// The top level splits the input by parity (decimation in time):
/// `W_n x = [z₀ + z₁ ; reverse(z₀ − z₁)]` with `z_b = W_{n/2} x[b::2]`, so the two
/// half-transforms go straight into the halves of `y` and are combined in place, and
/// the out-of-place levels below ([`sequency`]) only need half the scratch.
fn sequency_top<T: Scalar>(x: &[T], y: &mut [T], tmp: &mut [T], scale: T::RealField, rows: &[u16]) {
    let (n, h) = (y.len(), y.len() / 2);
    for (b, z) in y.chunks_mut(h).enumerate() {
        let src = Strided {
            x: &x[b..],
            stride: 2,
        };
        sequency(src, z, tmp, scale, rows);
    }
    let (y0, y1) = y.split_at_mut(h);
    let (a0, b0) = y0.split_at_mut(h / 2);
    let (a1, b1) = y1.split_at_mut(h / 2);
    fold_halves(a0, a1, b0, b1, n >= PAR_MIN);
}

/// The in-place top combination of [`sequency_top`] on `y = [a₀ b₀ | a₁ b₁]` (each a
/// quarter): for `k < n/4`, with `k' = n/2 − 1 − k` (`b` read backwards),
/// `(y₀[k], y₀[k'], y₁[k], y₁[k']) ← (z₀[k] + z₁[k], z₀[k'] + z₁[k'], z₀[k'] − z₁[k'],
/// z₀[k] − z₁[k])`; in parallel ranges of `k` when `par`.
fn fold_halves<T: Scalar>(a0: &mut [T], a1: &mut [T], b0: &mut [T], b1: &mut [T], par: bool) {
    let len = a0.len();
    if !par || len < 2 * PAR_GRAIN {
        let (a1, b0, b1) = (&mut a1[..len], &mut b0[..len], &mut b1[..len]);
        for k in 0..len {
            let r = len - 1 - k;
            let (a, b, c, d) = (a0[k], a1[k], b0[r], b1[r]);
            a0[k] = a + b;
            b0[r] = c + d;
            a1[k] = c - d;
            b1[r] = a - b;
        }
        return;
    }
    let mid = len / 2;
    let (a0l, a0h) = a0.split_at_mut(mid);
    let (a1l, a1h) = a1.split_at_mut(mid);
    // the first `mid` entries of `a` pair with the last `mid` entries of `b`
    let (b0h, b0l) = b0.split_at_mut(len - mid);
    let (b1h, b1l) = b1.split_at_mut(len - mid);
    rayon::join(
        || fold_halves(a0l, a1l, b0l, b1l, par),
        || fold_halves(a0h, a1h, b0h, b1h, par),
    );
}

/// A vector read with a stride: entry `i` is `x[stride · i]`.
#[derive(Clone, Copy)]
struct Strided<'a, T> {
    x: &'a [T],
    stride: usize,
}

impl<'a, T> Strided<'a, T> {
    /// Entries `p · len ..` (the `p`-th part of length `len`).
    fn part(self, p: usize, len: usize) -> Self {
        Self {
            x: &self.x[self.stride * p * len..],
            stride: self.stride,
        }
    }

    /// The same vector as a leaf source.
    fn src(self) -> Src<'a, T> {
        match self.stride {
            1 => Src::Slice(self.x),
            stride => Src::Strided { x: self.x, stride },
        }
    }
}

/// `y = W_n (scale · x)` in sequency order for `n ≥ 2^LEAF_BITS`; `tmp` (length `n`) is
/// overwritten. Above the leaves, the `R` sub-transforms of the contiguous parts of `x`
/// go to the parts of `tmp` (with the parts of `y` as their scratch), then are combined
/// into `y`. A leaf is transformed in natural order into `tmp`, in L1, and gathered into
/// sequency order in `y`.
fn sequency<T: Scalar>(
    x: Strided<'_, T>,
    y: &mut [T],
    tmp: &mut [T],
    scale: T::RealField,
    rows: &[u16],
) {
    let n = y.len();
    let m = n.trailing_zeros();
    if m <= LEAF_BITS {
        leaf(x.src(), tmp, scale);
        for (y, &r) in y.iter_mut().zip(rows) {
            *y = tmp[usize::from(r)];
        }
        return;
    }
    let bits = (m - LEAF_BITS).min(MAX_RADIX_BITS);
    let part = n >> bits;
    let sub = |(p, (z, w)): (usize, (&mut [T], &mut [T]))| {
        sequency(x.part(p, part), z, w, scale, rows);
    };
    let par = n >= PAR_MIN;
    if par {
        tmp.par_chunks_mut(part)
            .zip(y.par_chunks_mut(part))
            .enumerate()
            .for_each(sub);
    } else {
        tmp.chunks_mut(part)
            .zip(y.chunks_mut(part))
            .enumerate()
            .for_each(sub);
    }
    match bits {
        1 => combine::<T, 2>(split_parts(tmp).map(|p| &*p), y, par),
        2 => combine::<T, 4>(split_parts(tmp).map(|p| &*p), y, par),
        _ => combine::<T, 8>(split_parts(tmp).map(|p| &*p), y, par),
    }
}

/// Cuts `y` into `R` consecutive parts of equal length.
fn split_parts<T, const R: usize>(mut y: &mut [T]) -> [&mut [T]; R] {
    let len = y.len() / R;
    std::array::from_fn(|_| {
        let (head, tail) = std::mem::take(&mut y).split_at_mut(len);
        y = tail;
        head
    })
}

/// Runs `kernel` on the `R` parts, in parallel ranges of about [`PAR_GRAIN`] entries
/// when `par`.
fn cross<T: Scalar, const R: usize>(parts: [&mut [T]; R], par: bool, kernel: fn([&mut [T]; R])) {
    let len = parts[0].len();
    if !par || len < 2 * PAR_GRAIN {
        kernel(parts);
        return;
    }
    let mid = len / 2;
    let mut lo: [&mut [T]; R] = std::array::from_fn(|_| <&mut [T]>::default());
    let mut hi: [&mut [T]; R] = std::array::from_fn(|_| <&mut [T]>::default());
    for (i, p) in parts.into_iter().enumerate() {
        (lo[i], hi[i]) = p.split_at_mut(mid);
    }
    rayon::join(|| cross(lo, par, kernel), || cross(hi, par, kernel));
}

/// The sequency combination `out[R k + q] = Σ_a W_R[q, a] (−1)^(k₀ a₀) z_a[k]`, in parallel
/// ranges of `k` (split at even `k`, so `k₀` stays the parity of the local index) when
/// `par`.
fn combine<T: Scalar, const R: usize>(z: [&[T]; R], out: &mut [T], par: bool) {
    let len = z[0].len();
    if !par || len < 2 * PAR_GRAIN {
        combine_kernel(z, out);
        return;
    }
    let mid = len / 2; // even: len is a power of two ≥ 2 PAR_GRAIN
    let (o_lo, o_hi) = out.split_at_mut(R * mid);
    let lo = z.map(|p| &p[..mid]);
    let hi = z.map(|p| &p[mid..]);
    rayon::join(|| combine(lo, o_lo, par), || combine(hi, o_hi, par));
}

/// The body of [`combine`], two values of `k` (even, odd) per iteration.
///
/// `W_R v = P H_R v` with row `q` of `W_R` natural row `nat(q)`; for odd `k` the sign
/// `(−1)^(a₀)` on the inputs is the same as reading natural row `nat(q) ^ 1`. The pair
/// `(z_a[k], z_a[k + 1])` is transformed as one short vector.
fn combine_kernel<T: Scalar, const R: usize>(z: [&[T]; R], out: &mut [T]) {
    let nat: [usize; R] = const { nat_table::<R>() };
    let z = z.map(|p| p.as_chunks::<2>().0);
    for (kk, o) in out.chunks_exact_mut(2 * R).enumerate() {
        let mut v: [[T; 2]; R] = std::array::from_fn(|a| z[a][kk]);
        let mut h = 1;
        while h < R {
            for i in 0..R {
                if i & h == 0 {
                    let (p, q) = (v[i], v[i + h]);
                    v[i] = [p[0] + q[0], p[1] + q[1]];
                    v[i + h] = [p[0] - q[0], p[1] - q[1]];
                }
            }
            h *= 2;
        }
        for q in 0..R {
            o[q] = v[nat[q]][0];
            o[R + q] = v[nat[q] ^ 1][1];
        }
    }
}

/// `[natural_row(q, log₂ R) for q in 0..R]`.
const fn nat_table<const R: usize>() -> [usize; R] {
    let mut t = [0; R];
    let mut q = 0;
    while q < R {
        t[q] = natural_row(q, R.trailing_zeros());
        q += 1;
    }
    t
}

/// Where a leaf reads its input.
#[derive(Clone, Copy)]
enum Src<'a, T> {
    /// Entry `i` is `x[i]`.
    Slice(&'a [T]),
    /// Entry `i` is `x[stride · i]`.
    Strided { x: &'a [T], stride: usize },
    /// Entry `i` is `x[idx[i]]`.
    Gather { x: &'a [T], idx: &'a [u16] },
}

/// A whole natural-order transform `y = H (s · src)` of a block that fits in the L1
/// cache: strides 1, 2, 4 in registers while reading (and scaling) the input, then
/// radix-4 passes (and one radix-2 pass when the number of stages left is odd).
fn leaf<T: Scalar>(src: Src<'_, T>, y: &mut [T], s: T::RealField) {
    let n = y.len();
    let read = |i: usize| match src {
        Src::Slice(x) => x[i],
        Src::Strided { x, stride } => x[stride * i],
        Src::Gather { x, idx } => x[usize::from(idx[i])],
    };
    if n < 8 {
        // whole transforms of length 1, 2 or 4
        for (i, v) in y.iter_mut().enumerate() {
            *v = ComplexField::scale(read(i), s);
        }
        radix2_passes(y, 1);
        return;
    }
    let (out, _) = y.as_chunks_mut::<8>();
    match src {
        Src::Slice(x) => {
            let (inp, _) = x.as_chunks::<8>();
            for (o, i) in out.iter_mut().zip(inp) {
                let mut v = *i;
                for v in &mut v {
                    *v = ComplexField::scale(*v, s);
                }
                *o = wht_small(v);
            }
        }
        Src::Strided { x, stride } => {
            for (c, o) in out.iter_mut().enumerate() {
                let mut v = [T::zero(); 8];
                for (k, v) in v.iter_mut().enumerate() {
                    *v = ComplexField::scale(x[stride * (8 * c + k)], s);
                }
                *o = wht_small(v);
            }
        }
        Src::Gather { x, idx } => {
            let (inp, _) = idx.as_chunks::<8>();
            for (o, i) in out.iter_mut().zip(inp) {
                let mut v = [T::zero(); 8];
                for (v, &k) in v.iter_mut().zip(i) {
                    *v = ComplexField::scale(x[usize::from(k)], s);
                }
                *o = wht_small(v);
            }
        }
    }
    let mut h = 8;
    while 4 * h <= n {
        for blk in y.chunks_exact_mut(4 * h) {
            let [a, b, c, d] = split_parts(blk);
            bfly4(a, b, c, d);
        }
        h *= 4;
    }
    radix2_passes(y, h);
}

/// Radix-2 passes at strides `h, 2h, …` up to `y.len() / 2`.
fn radix2_passes<T: Scalar>(y: &mut [T], mut h: usize) {
    while 2 * h <= y.len() {
        for blk in y.chunks_exact_mut(2 * h) {
            let (a, b) = blk.split_at_mut(h);
            bfly2(a, b);
        }
        h *= 2;
    }
}

/// The unnormalized natural-order WHT of `R` values (`R` a power of two), unrolled.
#[inline(always)]
fn wht_small<T: Scalar, const R: usize>(mut v: [T; R]) -> [T; R] {
    let mut h = 1;
    while h < R {
        for i in 0..R {
            if i & h == 0 {
                let (p, q) = (v[i], v[i + h]);
                v[i] = p + q;
                v[i + h] = p - q;
            }
        }
        h *= 2;
    }
    v
}

/// One butterfly stage across two slices of equal length: `(a, b) ← (a + b, a − b)`.
fn bfly2<T: Scalar>(a: &mut [T], b: &mut [T]) {
    for (a, b) in a.iter_mut().zip(b) {
        let (p, q) = (*a, *b);
        *a = p + q;
        *b = p - q;
    }
}

/// Two butterfly stages across four slices of equal length (the 4-point WHT of
/// `(a_i, b_i, c_i, d_i)` for every `i`).
fn bfly4<T: Scalar>(a: &mut [T], b: &mut [T], c: &mut [T], d: &mut [T]) {
    let n = a.len();
    let (b, c, d) = (&mut b[..n], &mut c[..n], &mut d[..n]);
    for i in 0..n {
        let (p, q, r, s) = (a[i], b[i], c[i], d[i]);
        let (s0, d0, s1, d1) = (p + q, p - q, r + s, r - s);
        a[i] = s0 + s1;
        b[i] = d0 + d1;
        c[i] = s0 - s1;
        d[i] = d0 - d1;
    }
}

/// Three butterfly stages across eight slices of equal length (the 8-point WHT of the
/// `i`-th entries, for every `i`).
#[allow(clippy::too_many_arguments)]
fn bfly8<T: Scalar>(
    a: &mut [T],
    b: &mut [T],
    c: &mut [T],
    d: &mut [T],
    e: &mut [T],
    f: &mut [T],
    g: &mut [T],
    h: &mut [T],
) {
    let n = a.len();
    let (b, c, d) = (&mut b[..n], &mut c[..n], &mut d[..n]);
    let (e, f, g, h) = (&mut e[..n], &mut f[..n], &mut g[..n], &mut h[..n]);
    for i in 0..n {
        let v = wht_small([a[i], b[i], c[i], d[i], e[i], f[i], g[i], h[i]]);
        [a[i], b[i], c[i], d[i], e[i], f[i], g[i], h[i]] = v;
    }
}
