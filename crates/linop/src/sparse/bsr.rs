//! Block sparse rows: dense `r × c` blocks in a compressed block-row pattern.

use super::compressed::{Axes, check_pattern, chunked_scatter, scatter_scratch_len, split_by_work};
use super::{CooMatrix, CscMatrix, CsrMatrix, density};
use crate::{Error, LinOp, Result, Scalar, check_len};
use nalgebra::DMatrix;

const BSR_AXES: Axes = Axes {
    format: "BSR",
    major: "block row",
    minor: "block column",
};

/// A sparse matrix of dense `r × c` blocks (scipy's `bsr_matrix` layout): block row `bi`
/// holds blocks `indptr[bi]..indptr[bi + 1]`, block `k` sits at block column `indices[k]`
/// and its values are `data[k*r*c..(k+1)*r*c]`, row-major within the block.
///
/// `r` must divide `nrows` and `c` divide `ncols`. BSR pays off when nonzeros cluster in
/// blocks (one index per block instead of per value). `A x` is parallel over block rows;
/// `Aᵀ y` / `Aᴴ y` scatter in fixed partial sums (bit-identical for any thread count).
///
/// ```
/// use cstk_linop::{BsrMatrix, CsrMatrix, LinOp};
/// // [[1, 2, 0, 0],
/// //  [3, 4, 0, 0],
/// //  [0, 0, 0, 5]]  with 1x2 blocks... rows 3 need r | 3: use r = 1, c = 2
/// let csr = CsrMatrix::try_from_raw_parts(
///     3, 4, vec![0, 2, 4, 5], vec![0, 1, 0, 1, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0])?;
/// let bsr = csr.to_bsr(1, 2)?;
/// assert_eq!(bsr.nnz_blocks(), 3);
/// assert_eq!(bsr.apply_vec(&[1.0, 1.0, 1.0, 1.0]), csr.apply_vec(&[1.0, 1.0, 1.0, 1.0]));
/// assert_eq!(bsr.to_csr(), csr);
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct BsrMatrix<T> {
    nrows: usize,
    ncols: usize,
    r: usize,
    c: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    data: Vec<T>,
}

fn check_blocks(nrows: usize, ncols: usize, r: usize, c: usize) -> Result<()> {
    if r == 0 || c == 0 || !nrows.is_multiple_of(r) || !ncols.is_multiple_of(c) {
        return Err(Error::InvalidParam {
            name: "block shape",
            value: format!("{r}x{c}"),
            expected: format!("r >= 1 dividing {nrows} rows and c >= 1 dividing {ncols} columns"),
        });
    }
    Ok(())
}

/// The block pattern of `a` with `r × c` blocks: block-row pointer and sorted block columns.
pub(crate) fn block_pattern<T: Scalar>(
    a: &CsrMatrix<T>,
    r: usize,
    c: usize,
) -> Result<(Vec<usize>, Vec<u32>)> {
    check_blocks(a.nrows(), a.ncols(), r, c)?;
    let (mb, nb) = (a.nrows() / r, a.ncols() / c);
    let mut last = vec![usize::MAX; nb];
    let mut indptr = Vec::with_capacity(mb + 1);
    let mut indices: Vec<u32> = Vec::new();
    indptr.push(0);
    for bi in 0..mb {
        let start = indices.len();
        for i in bi * r..(bi + 1) * r {
            for &j in a.row(i).0 {
                let bj = j as usize / c;
                if last[bj] != bi {
                    last[bj] = bi;
                    indices.push(bj as u32);
                }
            }
        }
        indices[start..].sort_unstable();
        indptr.push(indices.len());
    }
    Ok((indptr, indices))
}

impl<T: Scalar> BsrMatrix<T> {
    /// Builds from raw parts: block shape `(r, c)` dividing `(nrows, ncols)`, `indptr` of
    /// length `nrows / r + 1`, strictly increasing block columns per block row, and
    /// `data.len() == indices.len() * r * c`. Every invariant is checked.
    pub fn try_from_raw_parts(
        nrows: usize,
        ncols: usize,
        (r, c): (usize, usize),
        indptr: Vec<usize>,
        indices: Vec<u32>,
        data: Vec<T>,
    ) -> Result<Self> {
        check_blocks(nrows, ncols, r, c)?;
        check_pattern(BSR_AXES, nrows / r, ncols / c, &indptr, &indices)?;
        if data.len() != indices.len() * r * c {
            return Err(Error::InvalidSparse {
                format: "BSR",
                reason: format!(
                    "{} values for {} blocks of {r}x{c}; expected {}",
                    data.len(),
                    indices.len(),
                    indices.len() * r * c
                ),
            });
        }
        Ok(Self {
            nrows,
            ncols,
            r,
            c,
            indptr,
            indices,
            data,
        })
    }

    /// The parts `(nrows, ncols, (r, c), indptr, indices, data)`.
    #[allow(clippy::type_complexity)]
    pub fn into_raw_parts(self) -> (usize, usize, (usize, usize), Vec<usize>, Vec<u32>, Vec<T>) {
        (
            self.nrows,
            self.ncols,
            (self.r, self.c),
            self.indptr,
            self.indices,
            self.data,
        )
    }

    /// Block form of a CSR matrix: every `r × c` block holding a stored entry is stored.
    pub fn from_csr(a: &CsrMatrix<T>, r: usize, c: usize) -> Result<Self> {
        let (indptr, indices) = block_pattern(a, r, c)?;
        let rc = r * c;
        let mut data = vec![T::zero(); indices.len() * rc];
        let mut pos = vec![0usize; a.ncols() / c];
        for bi in 0..a.nrows() / r {
            for k in indptr[bi]..indptr[bi + 1] {
                pos[indices[k] as usize] = k;
            }
            for i in bi * r..(bi + 1) * r {
                let (idx, val) = a.row(i);
                for (&j, &v) in idx.iter().zip(val) {
                    let j = j as usize;
                    data[pos[j / c] * rc + (i % r) * c + j % c] = v;
                }
            }
        }
        Ok(Self {
            nrows: a.nrows(),
            ncols: a.ncols(),
            r,
            c,
            indptr,
            indices,
            data,
        })
    }

    /// Keeps the entries of `dense` with `|a_ij| > threshold`, in `r × c` blocks.
    pub fn from_dense(
        dense: &DMatrix<T>,
        threshold: T::RealField,
        r: usize,
        c: usize,
    ) -> Result<Self> {
        Self::from_csr(&CsrMatrix::from_dense(dense, threshold)?, r, c)
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.nrows
    }
    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.ncols
    }
    /// Block shape `(r, c)`.
    pub fn block_shape(&self) -> (usize, usize) {
        (self.r, self.c)
    }
    /// Block-row pointer.
    pub fn indptr(&self) -> &[usize] {
        &self.indptr
    }
    /// Block column of each stored block.
    pub fn indices(&self) -> &[u32] {
        &self.indices
    }
    /// Block values, `r*c` per block, row-major within a block.
    pub fn data(&self) -> &[T] {
        &self.data
    }
    /// Number of stored blocks.
    pub fn nnz_blocks(&self) -> usize {
        self.indices.len()
    }
    /// Number of stored values (`r*c` per block, zeros inside blocks included), as scipy's `nnz`.
    pub fn nnz(&self) -> usize {
        self.data.len()
    }
    /// Stored fraction `nnz / (m n)`.
    pub fn density(&self) -> f64 {
        density(self.nnz(), self.nrows, self.ncols)
    }
    /// Fraction of entries not stored, `1 − density`.
    pub fn sparsity(&self) -> f64 {
        1.0 - self.density()
    }
    /// Bytes held by the three arrays.
    pub fn memory_bytes(&self) -> usize {
        self.indptr.len() * std::mem::size_of::<usize>()
            + self.indices.len() * 4
            + self.data.len() * T::BYTES
    }
    /// Entry `(i, j)`: `Some(0)` when not stored, `None` when out of range.
    pub fn get(&self, i: usize, j: usize) -> Option<T> {
        if i >= self.nrows || j >= self.ncols {
            return None;
        }
        let (bi, bj) = (i / self.r, j / self.c);
        let blocks = &self.indices[self.indptr[bi]..self.indptr[bi + 1]];
        Some(match blocks.binary_search(&(bj as u32)) {
            Ok(k) => {
                self.data
                    [(self.indptr[bi] + k) * self.r * self.c + (i % self.r) * self.c + j % self.c]
            }
            Err(_) => T::zero(),
        })
    }

    /// Compressed rows; zeros stored inside blocks are dropped (they are block padding).
    pub fn to_csr(&self) -> CsrMatrix<T> {
        let (r, c, rc) = (self.r, self.c, self.r * self.c);
        let mut indptr = Vec::with_capacity(self.nrows + 1);
        let mut indices = Vec::new();
        let mut data = Vec::new();
        indptr.push(0);
        for i in 0..self.nrows {
            let bi = i / r;
            for k in self.indptr[bi]..self.indptr[bi + 1] {
                let bj = self.indices[k] as usize;
                let row = &self.data[k * rc + (i % r) * c..][..c];
                for (cj, &v) in row.iter().enumerate() {
                    if v != T::zero() {
                        indices.push((bj * c + cj) as u32);
                        data.push(v);
                    }
                }
            }
            indptr.push(indices.len());
        }
        CsrMatrix::try_from_raw_parts(self.nrows, self.ncols, indptr, indices, data)
            .expect("BSR to CSR keeps the pattern valid")
    }
    /// Compressed columns (block padding dropped).
    pub fn to_csc(&self) -> CscMatrix<T> {
        self.to_csr().to_csc()
    }
    /// Triplets (block padding dropped).
    pub fn to_coo(&self) -> CooMatrix<T> {
        self.to_csr().to_coo()
    }
    /// The dense matrix.
    pub fn to_dense(&self) -> DMatrix<T> {
        let (r, c, rc) = (self.r, self.c, self.r * self.c);
        let mut d = DMatrix::zeros(self.nrows, self.ncols);
        for bi in 0..self.nrows / r {
            for k in self.indptr[bi]..self.indptr[bi + 1] {
                let bj = self.indices[k] as usize;
                for (e, &v) in self.data[k * rc..][..rc].iter().enumerate() {
                    d[(bi * r + e / c, bj * c + e % c)] = v;
                }
            }
        }
        d
    }

    /// `y ← A x` (parallel over block rows, split by stored blocks).
    pub fn mul_vec(&self, x: &[T], y: &mut [T]) {
        check_len("BSR A·x: input x", self.ncols, x.len());
        check_len("BSR A·x: output y", self.nrows, y.len());
        let (r, c, rc) = (self.r, self.c, self.r * self.c);
        split_by_work(&self.indptr, r, rc, y, &|first: usize, out: &mut [T]| {
            for (lb, yb) in out.chunks_exact_mut(r).enumerate() {
                yb.fill(T::zero());
                let bi = first + lb;
                for k in self.indptr[bi]..self.indptr[bi + 1] {
                    let xb = &x[self.indices[k] as usize * c..][..c];
                    for (yi, brow) in yb.iter_mut().zip(self.data[k * rc..][..rc].chunks_exact(c)) {
                        *yi += brow
                            .iter()
                            .zip(xb)
                            .fold(T::zero(), |acc, (&a, &b)| acc + a * b);
                    }
                }
            }
        });
    }

    /// `x ← Aᵀ y` (no conjugation).
    pub fn mul_vec_t(&self, y: &[T], x: &mut [T]) {
        let mut scratch = vec![T::zero(); scatter_scratch_len(self.nnz(), self.ncols)];
        self.scatter::<false>(y, x, &mut scratch);
    }
    /// `x ← Aᴴ y`.
    pub fn mul_vec_h(&self, y: &[T], x: &mut [T]) {
        let mut scratch = vec![T::zero(); scatter_scratch_len(self.nnz(), self.ncols)];
        self.scatter::<true>(y, x, &mut scratch);
    }

    fn scatter<const CONJ: bool>(&self, y: &[T], x: &mut [T], scratch: &mut [T]) {
        check_len("BSR Aᵀ·y: input y", self.nrows, y.len());
        check_len("BSR Aᵀ·y: output x", self.ncols, x.len());
        let (r, c, rc) = (self.r, self.c, self.r * self.c);
        chunked_scatter(
            &self.indptr,
            self.nnz(),
            x,
            scratch,
            &|from, to, buf: &mut [T]| {
                for bi in from..to {
                    let yb = &y[bi * r..][..r];
                    for k in self.indptr[bi]..self.indptr[bi + 1] {
                        let xb = &mut buf[self.indices[k] as usize * c..][..c];
                        for (&yi, brow) in yb.iter().zip(self.data[k * rc..][..rc].chunks_exact(c))
                        {
                            for (xj, &a) in xb.iter_mut().zip(brow) {
                                let a = if CONJ { a.conjugate() } else { a };
                                *xj += a * yi;
                            }
                        }
                    }
                }
            },
        );
    }
}

impl<T: Scalar> LinOp<T> for BsrMatrix<T> {
    fn nrows(&self) -> usize {
        self.nrows
    }
    fn ncols(&self) -> usize {
        self.ncols
    }
    fn scratch_len(&self) -> usize {
        scatter_scratch_len(self.nnz(), self.ncols)
    }
    fn apply_with_scratch(&self, x: &[T], y: &mut [T], _scratch: &mut [T]) {
        self.mul_vec(x, y);
    }
    fn adjoint_with_scratch(&self, y: &[T], x: &mut [T], scratch: &mut [T]) {
        self.scatter::<true>(y, x, scratch);
    }
}
