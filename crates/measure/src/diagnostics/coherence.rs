//! Mutual coherence of the columns of a matrix or operator, exactly, in parallel.
//!
//! `μ(A) = max_{i≠j} |⟨a_i, a_j⟩| / (‖a_i‖ ‖a_j‖)`, computed from the Gram matrix of the
//! normalized columns. The Gram matrix is never stored: its upper triangle is cut into
//! `b × b` tiles (`b` between 64 and 256 columns, a function of `n` alone), each tile is one
//! cache-blocked real GEMM (`matrixmultiply` through nalgebra's `gemm`), and only its largest
//! entry is kept. Tiles are computed in parallel and their maxima are combined under a total
//! order (largest value, then lowest `(i, j)`), so the result is the same bit for bit for any
//! number of threads.

use cstk_linop::{Error, LinOp, Result, Scalar};
use nalgebra::{ComplexField, DMatrix, DMatrixView, DMatrixViewMut, RealField, one, zero};
use rayon::prelude::*;

/// Columns per tile of the Gram matrix for `n` columns: `n/8` rounded up to a multiple of 8,
/// clamped to `64..=256`. A function of the shape alone, so the tiling (and with it every
/// rounding) never depends on the thread count; from `n = 512` on there are at least 36
/// tiles to share between threads. A 256-column tile of the Gram matrix is 512 KiB of `f64`:
/// it stays in L2 while it is scanned.
pub(crate) fn gram_block(n: usize) -> usize {
    ((n / 8).div_ceil(8) * 8).clamp(64, 256)
}

/// The mutual coherence of a set of columns, the pair attaining it and the Welch bound.
///
/// * `value` = `μ = max_{i≠j} |⟨a_i, a_j⟩| / (‖a_i‖₂ ‖a_j‖₂)`, with `⟨x, y⟩ = xᴴ y`; it lies
///   in `[0, 1]` (rounding above 1 is clamped to 1).
/// * `pair` = `(i, j)`, `i < j`, a pair attaining `value`; among equal values the
///   lexicographically smallest pair.
/// * `welch_bound` = `√((n − m) / (m (n − 1)))` for `n > m` columns of length `m`, and 0 for
///   `n ≤ m`: no `m × n` matrix (real or complex) has a smaller coherence.
///
/// ```
/// use cstk_measure::diagnostics::mutual_coherence;
/// use nalgebra::DMatrix;
/// let a = DMatrix::from_column_slice(2, 3, &[1.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
/// let c = mutual_coherence(&a)?;
/// assert!((c.value - 0.5f64.sqrt()).abs() < 1e-15);
/// assert_eq!(c.pair, (0, 2));
/// assert!((c.welch_bound - 0.5).abs() < 1e-15); // √((3 − 2) / (2 · 2))
/// # Ok::<(), cstk_measure::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Coherence {
    /// `μ = max_{i≠j} |⟨a_i, a_j⟩| / (‖a_i‖ ‖a_j‖)`, in `[0, 1]`.
    pub value: f64,
    /// `(i, j)` with `i < j` attaining `value` (the lexicographically smallest on ties).
    pub pair: (usize, usize),
    /// The Welch bound `√((n − m) / (m (n − 1)))` (0 when `n ≤ m`).
    pub welch_bound: f64,
}

/// The Welch lower bound on the coherence of `n` unit vectors in dimension `m`:
/// `√((n − m) / (m (n − 1)))` for `n > m`, else 0.
///
/// ```
/// use cstk_measure::diagnostics::welch_bound;
/// assert_eq!(welch_bound(4, 4), 0.0);
/// assert!((welch_bound(64, 4096) - (4032.0f64 / (64.0 * 4095.0)).sqrt()).abs() < 1e-16);
/// ```
pub fn welch_bound(m: usize, n: usize) -> f64 {
    if n <= m || m == 0 {
        0.0
    } else {
        ((n - m) as f64 / (m as f64 * (n - 1) as f64)).sqrt()
    }
}

/// The mutual coherence of the columns of `a` (see [`Coherence`] for the definitions).
///
/// Cost: about `n²m/2` real multiply-adds for real `a` (the upper triangle of `AᵀA`), `2n²m` for
/// complex `a` — the Hermitian Gram matrix is assembled from two real products of the stacked
/// `[Re; Im]` columns, `Re(AᴴA) = [X; Y]ᵀ[X; Y]` and `Im(AᴴA) = [X; Y]ᵀ[Y; −X]`, so complex
/// input costs about 4× real input of the same shape. `f32` input is computed in `f32`,
/// `f64` in `f64`. A 512 × 2048 `f64` matrix takes about 70 ms on one core of the project VM
/// (`benches/coherence.rs`). The result is bit-identical for any number of rayon threads.
///
/// # Errors
/// * [`Error::InvalidParam`] (`a`) when `a` has fewer than 2 columns or no rows, or (naming
///   the column) when a column is zero: its coherence with anything is undefined.
/// * [`Error::NonFinite`] at the first NaN or infinite entry, as `(row, column)`.
///
/// ```
/// use cstk_measure::diagnostics::mutual_coherence;
/// use nalgebra::DMatrix;
/// use num_complex::Complex;
/// // two columns proportional up to a complex phase are fully coherent
/// let i = Complex::new(0.0, 1.0);
/// let a = DMatrix::from_column_slice(2, 2, &[Complex::new(1.0, 0.0), i, i, -Complex::new(1.0, 0.0)]);
/// assert!((mutual_coherence(&a)?.value - 1.0).abs() < 1e-15);
/// // a zero column is an error that names it
/// let z = DMatrix::from_column_slice(2, 3, &[1.0, 0.0, 0.0, 0.0, 1.0, 1.0]);
/// assert!(mutual_coherence(&z).unwrap_err().to_string().contains("column 1"));
/// # Ok::<(), cstk_measure::Error>(())
/// ```
pub fn mutual_coherence<T: Scalar>(a: &DMatrix<T>) -> Result<Coherence> {
    let (m, n) = a.shape();
    if n < 2 || m == 0 {
        return Err(Error::InvalidParam {
            name: "a",
            value: format!("a {m} x {n} matrix"),
            expected: "at least 2 columns and 1 row".into(),
        });
    }
    check_finite(a, "mutual coherence")?;
    let (value, pair) = max_coherence(a, false)?;
    Ok(Coherence {
        value,
        pair,
        welch_bound: welch_bound(m, n),
    })
}

/// The mutual coherence of the columns `A e_j` of an operator (see [`mutual_coherence`]).
///
/// The columns are materialized in parallel (one application of `op` per column, so this
/// costs `n` applications and `m·n` values of memory), then passed to [`mutual_coherence`].
///
/// # Errors
/// As [`mutual_coherence`].
///
/// ```
/// use cstk_linop::{Complex, Fft1, Identity, LinOp};
/// use cstk_measure::diagnostics::mutual_coherence_op;
/// // the unitary DFT's columns are orthogonal
/// let c = mutual_coherence_op(&Fft1::<f64>::new(16, false)?)?;
/// assert!(c.value < 1e-12);
/// let c = mutual_coherence_op::<f64>(&Identity::new(4))?;
/// assert_eq!((c.value, c.pair), (0.0, (0, 1)));
/// # Ok::<(), cstk_measure::Error>(())
/// ```
pub fn mutual_coherence_op<T: Scalar>(op: &dyn LinOp<T>) -> Result<Coherence> {
    let (m, n) = op.shape();
    if n < 2 || m == 0 {
        return Err(Error::InvalidParam {
            name: "op",
            value: format!("a {m} x {n} operator"),
            expected: "at least 2 columns and 1 row".into(),
        });
    }
    mutual_coherence(&materialize(op))
}

/// The dense matrix of `op`, its columns `A e_j` computed in parallel.
pub(crate) fn materialize<T: Scalar>(op: &dyn LinOp<T>) -> DMatrix<T> {
    let (m, n) = op.shape();
    let mut a = DMatrix::<T>::zeros(m, n);
    if m == 0 || n == 0 {
        return a;
    }
    let scratch = op.scratch_len();
    a.as_mut_slice()
        .par_chunks_mut(m)
        .enumerate()
        .for_each_init(
            || (vec![T::zero(); n], vec![T::zero(); scratch]),
            |(e, s), (j, col)| {
                e[j] = T::one();
                op.apply_with_scratch(e, col, s);
                e[j] = T::zero();
            },
        );
    a
}

/// [`Error::NonFinite`] at the first (column-major) NaN or infinite entry of `a`.
pub(crate) fn check_finite<T: Scalar>(a: &DMatrix<T>, context: &str) -> Result<()> {
    let m = a.nrows();
    match a
        .as_slice()
        .par_iter()
        .position_first(|v| !v.is_finite_value())
    {
        None => Ok(()),
        Some(p) => Err(Error::NonFinite {
            context: context.into(),
            position: format!("({}, {})", p % m, p / m),
            value: format!("{}", a.as_slice()[p]),
        }),
    }
}

/// `v` as `f64` (exact: `R` is `f32` or `f64`).
#[inline]
pub(crate) fn real_to_f64<T: Scalar>(v: T::RealField) -> f64 {
    T::from_real(v).to_c64().re
}

/// The largest normalized inner product of two distinct columns and the first pair attaining
/// it. With `allow_zero`, zero columns count as orthogonal to everything; otherwise the first
/// zero column is an error. `a` must be finite with at least 2 columns and 1 row.
pub(crate) fn max_coherence<T: Scalar>(
    a: &DMatrix<T>,
    allow_zero: bool,
) -> Result<(f64, (usize, usize))> {
    let (m, n) = a.shape();
    // rows of the real working matrix: [Re; Im] for complex input
    let mr = if T::IS_COMPLEX { 2 * m } else { m };
    let (b, zero_col) = normalized_real_columns(a);
    if !allow_zero && let Some(j) = zero_col {
        return Err(Error::InvalidParam {
            name: "a",
            value: format!("column {j} (all zeros)"),
            expected: "columns with a nonzero norm (coherence is undefined for a zero column)"
                .into(),
        });
    }
    // Im(AᴴA) = [X; Y]ᵀ [Y; −X]
    let b_im: Vec<T::RealField> = if T::IS_COMPLEX {
        let mut v = vec![zero::<T::RealField>(); b.len()];
        v.par_chunks_mut(mr)
            .zip(b.par_chunks(mr))
            .for_each(|(dst, src)| {
                let (x, y) = src.split_at(m);
                dst[..m].copy_from_slice(y);
                for (d, s) in dst[m..].iter_mut().zip(x) {
                    *d = -*s;
                }
            });
        v
    } else {
        Vec::new()
    };

    let bs = gram_block(n);
    let nb = n.div_ceil(bs);
    let tiles: Vec<(usize, usize)> = (0..nb)
        .flat_map(|bi| (bi..nb).map(move |bj| (bi, bj)))
        .collect();
    let best = tiles
        .par_iter()
        .map_init(Vec::new, |buf, &(bi, bj)| {
            let (i0, j0) = (bi * bs, bj * bs);
            let (ni, nj) = (bs.min(n - i0), bs.min(n - j0));
            if bi < bj {
                return rect_max::<T>(&b, &b_im, mr, (i0, ni), (j0, nj), buf);
            }
            // a diagonal tile: strips of columns against the rows above their end, so that
            // only about DIAG_STRIP² / 2 products per strip fall below the diagonal
            let mut best = None;
            for s in (0..nj).step_by(DIAG_STRIP) {
                let w = DIAG_STRIP.min(nj - s);
                let strip = rect_max::<T>(&b, &b_im, mr, (i0, s + w), (j0 + s, w), buf);
                best = better(best, strip);
            }
            best
        })
        .reduce(|| None, better);
    let (v, i, j) = best.expect("at least one pair of columns");
    let v = real_to_f64::<T>(v);
    // complex tiles hold squared moduli
    let v = if T::IS_COMPLEX { v.sqrt() } else { v };
    Ok((v.min(1.0), (i, j)))
}

type Best<R> = Option<(R, usize, usize)>;

/// The better of two tile maxima: the larger value, then the smaller `(i, j)` (a total
/// order on non-NaN values, so the reduction is independent of its tree).
fn better<R: RealField + Copy>(a: Best<R>, b: Best<R>) -> Best<R> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(x), Some(y)) => {
            if x.0 > y.0 || (x.0 == y.0 && (x.1, x.2) < (y.1, y.2)) {
                Some(x)
            } else {
                Some(y)
            }
        }
    }
}

/// The normalized real working columns (`m` rows, or `[Re; Im]` with `2m` rows for complex
/// `T`), column-major, and the first zero column if any (left as zeros).
///
/// Each column is scaled by its largest part before the norm is taken, so entries near the
/// overflow or underflow threshold are normalized correctly.
fn normalized_real_columns<T: Scalar>(a: &DMatrix<T>) -> (Vec<T::RealField>, Option<usize>) {
    let (m, n) = a.shape();
    let mr = if T::IS_COMPLEX { 2 * m } else { m };
    let mut b = vec![zero::<T::RealField>(); mr * n];
    let is_zero: Vec<bool> = b
        .par_chunks_mut(mr)
        .zip(a.as_slice().par_chunks(m))
        .map(|(dst, col)| {
            if T::IS_COMPLEX {
                let (re, im) = dst.split_at_mut(m);
                for ((r, i), v) in re.iter_mut().zip(im.iter_mut()).zip(col) {
                    *r = (*v).real();
                    *i = (*v).imaginary();
                }
            } else {
                for (d, v) in dst.iter_mut().zip(col) {
                    *d = (*v).real();
                }
            }
            let scale = dst
                .iter()
                .fold(zero::<T::RealField>(), |s, &v| s.max(v.abs()));
            if scale == zero::<T::RealField>() {
                return true;
            }
            let mut ssq = zero::<T::RealField>();
            for v in dst.iter_mut() {
                *v /= scale;
                ssq += *v * *v;
            }
            let inv = one::<T::RealField>() / ssq.sqrt();
            for v in dst.iter_mut() {
                *v *= inv;
            }
            false
        })
        .collect();
    (b, is_zero.iter().position(|&z| z))
}

/// nalgebra 0.35's `gemm` hands matrices with every dimension above this to
/// `matrixmultiply`; below, it takes a loop that mishandles strided views, so
/// [`tile_product`] uses its own loop for such tiles.
const SMALL_DIM: usize = 5;

/// `c = Bᵢᵀ Bⱼ` for the column panel `i0..i0+ni` of `bi` and `j0..j0+nj` of `bj` (both with
/// `mr` rows, column-major); `c` is `ni × nj`, column-major. A cache-blocked GEMM
/// (`matrixmultiply`), or a plain loop of dot products for tiny tiles.
fn tile_product<R: RealField + Copy>(
    bi: &[R],
    bj: &[R],
    mr: usize,
    (i0, ni): (usize, usize),
    (j0, nj): (usize, usize),
    c: &mut [R],
) {
    let pi = &bi[i0 * mr..(i0 + ni) * mr];
    let pj = &bj[j0 * mr..(j0 + nj) * mr];
    if ni > SMALL_DIM && nj > SMALL_DIM && mr > SMALL_DIM {
        // Bᵢᵀ as an ni × mr view of the column-major panel (row stride mr, column stride 1)
        let bit = DMatrixView::from_slice_with_strides(pi, ni, mr, mr, 1);
        let bjv = DMatrixView::from_slice(pj, mr, nj);
        DMatrixViewMut::from_slice(c, ni, nj).gemm(one(), &bit, &bjv, zero());
    } else {
        for (cj, yj) in c.chunks_exact_mut(ni).zip(pj.chunks_exact(mr)) {
            for (cij, xi) in cj.iter_mut().zip(pi.chunks_exact(mr)) {
                *cij = xi.iter().zip(yj).fold(zero(), |s, (&x, &y)| s + x * y);
            }
        }
    }
}

/// Width of the column strips a diagonal tile of the Gram matrix is computed in.
const DIAG_STRIP: usize = 64;

/// The largest `|g_ij|` (real) or `|g_ij|²` (complex) with `i < j` in the rectangle of the
/// Gram matrix with rows `i0..i0+ni` and columns `j0..j0+nj`, and its lexicographically first
/// `(i, j)`; `None` when no entry of the rectangle lies above the diagonal. `buf` is reused
/// between rectangles.
fn rect_max<T: Scalar>(
    b: &[T::RealField],
    b_im: &[T::RealField],
    mr: usize,
    (i0, ni): (usize, usize),
    (j0, nj): (usize, usize),
    buf: &mut Vec<T::RealField>,
) -> Best<T::RealField> {
    type R<T> = <T as nalgebra::ComplexField>::RealField;
    let one = one::<R<T>>();
    let zero = zero::<R<T>>();
    let parts = if T::IS_COMPLEX { 2 } else { 1 };
    buf.resize(parts * ni * nj, zero);
    let (c_re, c_im) = buf.split_at_mut(ni * nj);
    tile_product(b, b, mr, (i0, ni), (j0, nj), c_re);
    if T::IS_COMPLEX {
        tile_product(b, b_im, mr, (i0, ni), (j0, nj), c_im);
    }
    let mut best: Best<R<T>> = None;
    for jj in 0..nj {
        // only i < j
        let rows = (j0 + jj).saturating_sub(i0).min(ni);
        if rows == 0 {
            continue;
        }
        let col_re = &c_re[jj * ni..jj * ni + rows];
        // the column's maximum and its first row
        let (mut bv, mut bi) = (-one, 0);
        if T::IS_COMPLEX {
            let col_im = &c_im[jj * ni..jj * ni + rows];
            for (ii, (&re, &im)) in col_re.iter().zip(col_im).enumerate() {
                let v = re * re + im * im;
                if v > bv {
                    (bv, bi) = (v, ii);
                }
            }
        } else {
            for (ii, &re) in col_re.iter().enumerate() {
                let v = re.abs();
                if v > bv {
                    (bv, bi) = (v, ii);
                }
            }
        }
        best = better(best, Some((bv, i0 + bi, j0 + jj)));
    }
    best
}
