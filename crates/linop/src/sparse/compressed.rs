//! The storage and kernels CSR and CSC share: a compressed "major" axis (rows for CSR,
//! columns for CSC) pointing into sorted `u32` "minor" indices.
//!
//! CSR is `Compressed` read by rows; CSC is the same arrays read by columns, i.e. the
//! CSR form of `Aᵀ`. So one gather kernel gives CSR's `A x` and CSC's `Aᵀ y`, and one
//! scatter kernel gives CSR's `Aᵀ y` and CSC's `A x`.

use super::MAX_DIM;
use crate::{Error, Result, Scalar};
use rayon::prelude::*;

/// Work (stored entries plus rows) below which a gather runs on one thread.
const GATHER_GRAIN: usize = 1 << 15;
/// Stored entries per partial sum of a parallel scatter.
const SCATTER_GRAIN: usize = 1 << 18;
/// At most this many partial sums in a scatter (fixed by the matrix, not by threads).
pub(crate) const MAX_SCATTER_CHUNKS: usize = 2;
/// Block of the output reduced by one task after a parallel scatter.
const REDUCE_BLOCK: usize = 1 << 14;

/// Compressed storage: `indptr[i]..indptr[i + 1]` are the entries of major line `i`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Compressed<T> {
    pub major: usize,
    pub minor: usize,
    pub indptr: Vec<usize>,
    pub indices: Vec<u32>,
    pub data: Vec<T>,
}

/// Names the axes in error messages: `("row", "column")` for CSR.
#[derive(Clone, Copy)]
pub(crate) struct Axes {
    pub format: &'static str,
    pub major: &'static str,
    pub minor: &'static str,
}

pub(crate) const CSR_AXES: Axes = Axes {
    format: "CSR",
    major: "row",
    minor: "column",
};
pub(crate) const CSC_AXES: Axes = Axes {
    format: "CSC",
    major: "column",
    minor: "row",
};

fn invalid(axes: Axes, reason: String) -> Error {
    Error::InvalidSparse {
        format: axes.format,
        reason,
    }
}

/// Checks that an index pointer is a valid partition of `nnz` entries into `lines` lines.
pub(crate) fn check_indptr(axes: Axes, indptr: &[usize], lines: usize, nnz: usize) -> Result<()> {
    if indptr.len() != lines + 1 {
        return Err(invalid(
            axes,
            format!(
                "indptr has length {}, expected {}s + 1 = {}",
                indptr.len(),
                axes.major,
                lines + 1
            ),
        ));
    }
    if indptr[0] != 0 {
        return Err(invalid(
            axes,
            format!("indptr[0] = {}, expected 0", indptr[0]),
        ));
    }
    if let Some(i) = indptr.windows(2).position(|w| w[0] > w[1]) {
        return Err(invalid(
            axes,
            format!(
                "indptr decreases at {} {i}: indptr[{i}] = {} > indptr[{}] = {}",
                axes.major,
                indptr[i],
                i + 1,
                indptr[i + 1]
            ),
        ));
    }
    if indptr[lines] != nnz {
        return Err(invalid(
            axes,
            format!(
                "indptr ends at {}, expected the number of stored entries {nnz}",
                indptr[lines]
            ),
        ));
    }
    Ok(())
}

/// Checks a compressed sparsity pattern: dimensions within the `u32` limit, a valid
/// pointer, and indices in range and strictly increasing within each line.
pub(crate) fn check_pattern(
    axes: Axes,
    major: usize,
    minor: usize,
    indptr: &[usize],
    indices: &[u32],
) -> Result<()> {
    if major > MAX_DIM || minor > MAX_DIM {
        return Err(invalid(
            axes,
            format!("dimensions {major} and {minor} exceed the u32 index limit {MAX_DIM}"),
        ));
    }
    check_indptr(axes, indptr, major, indices.len())?;
    for i in 0..major {
        let (s, e) = (indptr[i], indptr[i + 1]);
        let line = &indices[s..e];
        for (k, &j) in line.iter().enumerate() {
            if j as usize >= minor {
                return Err(invalid(
                    axes,
                    format!(
                        "{} index {j} at position {} ({} {i}) is out of range, expected < {minor}",
                        axes.minor,
                        s + k,
                        axes.major
                    ),
                ));
            }
            if k > 0 && line[k - 1] >= j {
                let what = if line[k - 1] == j {
                    "duplicate"
                } else {
                    "unsorted"
                };
                return Err(invalid(
                    axes,
                    format!(
                        "{what} {} indices in {} {i}: {} then {j} at position {}; expected strictly increasing",
                        axes.minor,
                        axes.major,
                        line[k - 1],
                        s + k
                    ),
                ));
            }
        }
    }
    Ok(())
}

impl<T: Scalar> Compressed<T> {
    /// Validates raw parts: pointer shape and monotonicity, index range, strictly
    /// increasing indices within each line (sorted, no duplicates), matching lengths.
    pub fn try_new(
        axes: Axes,
        major: usize,
        minor: usize,
        indptr: Vec<usize>,
        indices: Vec<u32>,
        data: Vec<T>,
    ) -> Result<Self> {
        if indices.len() != data.len() {
            return Err(invalid(
                axes,
                format!(
                    "{} indices but {} values; expected equal lengths",
                    indices.len(),
                    data.len()
                ),
            ));
        }
        check_pattern(axes, major, minor, &indptr, &indices)?;
        Ok(Compressed {
            major,
            minor,
            indptr,
            indices,
            data,
        })
    }

    /// All-zero storage.
    pub fn zeros(major: usize, minor: usize) -> Self {
        Compressed {
            major,
            minor,
            indptr: vec![0; major + 1],
            indices: Vec::new(),
            data: Vec::new(),
        }
    }

    #[inline]
    pub fn nnz(&self) -> usize {
        self.data.len()
    }

    /// Entries of major line `i`.
    #[inline]
    pub fn line(&self, i: usize) -> (&[u32], &[T]) {
        let (s, e) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[s..e], &self.data[s..e])
    }

    /// Stored value at (major `i`, minor `j`), zero when not stored.
    pub fn get(&self, i: usize, j: usize) -> T {
        let (idx, val) = self.line(i);
        match idx.binary_search(&(j as u32)) {
            Ok(k) => val[k],
            Err(_) => T::zero(),
        }
    }

    /// `y[i] = Σ_k op(data[k]) x[indices[k]]` over line `i`, with `op` = conj when `CONJ`.
    /// Parallel: lines are split recursively at half of the stored entries.
    pub fn gather<const CONJ: bool>(&self, x: &[T], y: &mut [T]) {
        debug_assert_eq!(x.len(), self.minor);
        debug_assert_eq!(y.len(), self.major);
        split_by_work(&self.indptr, 1, 1, y, &|first: usize, out: &mut [T]| {
            gather_lines::<T, CONJ>(
                &self.indptr[first..=first + out.len()],
                &self.indices,
                &self.data,
                x,
                out,
            )
        });
    }

    /// Scratch a scatter needs (see [`chunked_scatter`]).
    pub fn scatter_scratch_len(&self) -> usize {
        scatter_scratch_len(self.nnz(), self.minor)
    }

    /// `x[j] = Σ_i op(a_ij) y[i]` (the transposed product), with `op` = conj when `CONJ`.
    pub fn scatter<const CONJ: bool>(&self, y: &[T], x: &mut [T], scratch: &mut [T]) {
        debug_assert_eq!(y.len(), self.major);
        debug_assert_eq!(x.len(), self.minor);
        chunked_scatter(
            &self.indptr,
            self.nnz(),
            x,
            scratch,
            &|from, to, buf: &mut [T]| self.scatter_lines::<CONJ>(from, to, y, buf),
        );
    }

    fn scatter_lines<const CONJ: bool>(&self, from: usize, to: usize, y: &[T], x: &mut [T]) {
        for (i, &yi) in y.iter().enumerate().take(to).skip(from) {
            let (idx, val) = self.line(i);
            for (&j, &v) in idx.iter().zip(val) {
                let v = if CONJ { v.conjugate() } else { v };
                x[j as usize] += v * yi;
            }
        }
    }

    /// The same matrix compressed along the other axis (a counting sort, O(nnz + dims));
    /// values are conjugated when `conj`. Indices come out sorted.
    pub fn transpose(&self, conj: bool) -> Compressed<T> {
        let mut indptr = vec![0usize; self.minor + 1];
        for &j in &self.indices {
            indptr[j as usize + 1] += 1;
        }
        for j in 0..self.minor {
            indptr[j + 1] += indptr[j];
        }
        let mut next = indptr[..self.minor].to_vec();
        let mut indices = vec![0u32; self.nnz()];
        let mut data = vec![T::zero(); self.nnz()];
        for i in 0..self.major {
            let (idx, val) = self.line(i);
            for (&j, &v) in idx.iter().zip(val) {
                let p = &mut next[j as usize];
                indices[*p] = i as u32;
                data[*p] = if conj { v.conjugate() } else { v };
                *p += 1;
            }
        }
        Compressed {
            major: self.minor,
            minor: self.major,
            indptr,
            indices,
            data,
        }
    }

    /// Bytes held by the three arrays.
    pub fn memory_bytes(&self) -> usize {
        self.indptr.len() * std::mem::size_of::<usize>()
            + self.indices.len() * std::mem::size_of::<u32>()
            + self.data.len() * T::BYTES
    }
}

/// `out[r] = Σ op(data[k]) x[indices[k]]` for `k` in `ptr[r]..ptr[r + 1]`, summed in
/// storage order with one accumulator (measured faster here than 2 or 4 interleaved ones:
/// the loop is bound by the gathers of `x`). A free function over slices: reaching the
/// arrays through `&self` inside the parallel closure measured ~8% slower.
#[inline(never)]
fn gather_lines<T: Scalar, const CONJ: bool>(
    ptr: &[usize],
    indices: &[u32],
    data: &[T],
    x: &[T],
    out: &mut [T],
) {
    for (yi, w) in out.iter_mut().zip(ptr.windows(2)) {
        let mut acc = T::zero();
        for (&j, &v) in indices[w[0]..w[1]].iter().zip(&data[w[0]..w[1]]) {
            let v = if CONJ { v.conjugate() } else { v };
            acc += v * x[j as usize];
        }
        *yi = acc;
    }
}

/// Runs `f(first_line, out_lines)` over pieces of `out` (`width` outputs per line), split
/// recursively so that each piece holds about the same work; a stored index counts
/// `weight` units (the entries of a block for BSR) and each line one more.
pub(crate) fn split_by_work<T: Send, F>(
    indptr: &[usize],
    width: usize,
    weight: usize,
    out: &mut [T],
    f: &F,
) where
    F: Fn(usize, &mut [T]) + Sync,
{
    if rayon::current_num_threads() == 1 {
        f(0, out);
    } else {
        split_rec(indptr, width, weight, 0, out, f);
    }
}

fn split_rec<T: Send, F>(
    indptr: &[usize],
    width: usize,
    weight: usize,
    first: usize,
    out: &mut [T],
    f: &F,
) where
    F: Fn(usize, &mut [T]) + Sync,
{
    let n = out.len() / width;
    let (lo, hi) = (indptr[first], indptr[first + n]);
    if n < 2 || (hi - lo) * weight + n <= GATHER_GRAIN {
        f(first, out);
        return;
    }
    let half = lo + (hi - lo) / 2;
    let mid = indptr[first..=first + n]
        .partition_point(|&p| p < half)
        .clamp(1, n - 1);
    let (a, b) = out.split_at_mut(mid * width);
    rayon::join(
        || split_rec(indptr, width, weight, first, a, f),
        || split_rec(indptr, width, weight, first + mid, b, f),
    );
}

/// Number of partial sums a scatter of `nnz` stored values into `out_len` outputs uses:
/// a function of the matrix alone, so the result is the same for every thread count.
pub(crate) fn scatter_chunks(nnz: usize, out_len: usize) -> usize {
    (nnz / (SCATTER_GRAIN + 2 * out_len)).clamp(1, MAX_SCATTER_CHUNKS)
}

/// Scratch [`chunked_scatter`] needs: one output-sized buffer per partial sum beyond the first.
pub(crate) fn scatter_scratch_len(nnz: usize, out_len: usize) -> usize {
    (scatter_chunks(nnz, out_len) - 1) * out_len
}

/// A transposed product `x = Σ_lines (line's contribution)` in parallel and deterministic:
/// the lines are cut into [`scatter_chunks`] ranges of about equal stored values; `f(from,
/// to, buf)` adds lines `from..to` into `buf` (the first range into `x`, the others into
/// zeroed slices of `scratch`), and the buffers are then added to `x` in a fixed order.
pub(crate) fn chunked_scatter<T: Scalar, F>(
    indptr: &[usize],
    nnz: usize,
    x: &mut [T],
    scratch: &mut [T],
    f: &F,
) where
    F: Fn(usize, usize, &mut [T]) + Sync,
{
    let lines = indptr.len() - 1;
    let n = x.len();
    let chunks = scatter_chunks(nnz, n);
    x.fill(T::zero());
    if chunks == 1 {
        f(0, lines, x);
        return;
    }
    assert!(
        scratch.len() >= (chunks - 1) * n,
        "scatter: scratch too short: expected length at least {}, got {}",
        (chunks - 1) * n,
        scratch.len()
    );
    let total = indptr[lines];
    let bound = |c: usize| -> usize {
        if c >= chunks {
            lines
        } else {
            indptr
                .partition_point(|&p| p < total / chunks * c)
                .min(lines)
        }
    };
    let partials = &mut scratch[..(chunks - 1) * n];
    rayon::join(
        || f(0, bound(1), x),
        || {
            partials.par_chunks_mut(n).enumerate().for_each(|(c, buf)| {
                buf.fill(T::zero());
                f(bound(c + 1), bound(c + 2), buf);
            })
        },
    );
    let partials = &scratch[..(chunks - 1) * n];
    x.par_chunks_mut(REDUCE_BLOCK)
        .enumerate()
        .for_each(|(b, xs)| {
            let off = b * REDUCE_BLOCK;
            for c in 0..chunks - 1 {
                let p = &partials[c * n + off..c * n + off + xs.len()];
                for (xi, &pi) in xs.iter_mut().zip(p) {
                    *xi += pi;
                }
            }
        });
}
