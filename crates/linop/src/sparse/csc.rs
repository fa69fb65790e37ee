//! Compressed sparse columns.

use super::compressed::{CSC_AXES, Compressed};
use super::{CooMatrix, CsrMatrix, density};
use crate::{LinOp, Result, Scalar, check_len};
use nalgebra::DMatrix;

/// A sparse matrix in compressed-sparse-column form, with sorted, duplicate-free `u32`
/// row indices in each column.
///
/// Column `j`'s entries are `indptr[j]..indptr[j + 1]`. The transposed products are the
/// fast ones here: `Aᵀ y` and `Aᴴ y` are parallel column gathers, while `A x` scatters
/// (the mirror image of [`CsrMatrix`]). Results are bit-identical for any thread count.
///
/// ```
/// use cstk_linop::{CscMatrix, LinOp};
/// // [[1, 0, 2],
/// //  [0, 3, 0]]
/// let a = CscMatrix::try_from_raw_parts(2, 3, vec![0, 1, 2, 3], vec![0, 1, 0], vec![1.0, 3.0, 2.0])?;
/// assert_eq!(a.apply_vec(&[1.0, 1.0, 1.0]), vec![3.0, 3.0]);
/// assert_eq!(a.adjoint_vec(&[1.0, 2.0]), vec![1.0, 6.0, 2.0]);
/// assert_eq!(a.to_csr().indices(), &[0, 2, 1]);
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CscMatrix<T> {
    /// The same arrays read as the CSR form of `Aᵀ` (major axis = columns of `A`).
    pub(crate) t: Compressed<T>,
}

impl<T: Scalar> CscMatrix<T> {
    /// Builds a matrix from `indptr` (length `ncols + 1`), `indices` (row of each entry,
    /// strictly increasing within a column, `< nrows`) and `data`; every invariant is checked.
    pub fn try_from_raw_parts(
        nrows: usize,
        ncols: usize,
        indptr: Vec<usize>,
        indices: Vec<u32>,
        data: Vec<T>,
    ) -> Result<Self> {
        Compressed::try_new(CSC_AXES, ncols, nrows, indptr, indices, data).map(|t| Self { t })
    }

    /// The parts `(nrows, ncols, indptr, indices, data)`.
    pub fn into_raw_parts(self) -> (usize, usize, Vec<usize>, Vec<u32>, Vec<T>) {
        let c = self.t;
        (c.minor, c.major, c.indptr, c.indices, c.data)
    }

    /// Keeps the entries of `dense` with `|a_ij| > threshold`; see [`CsrMatrix::from_dense`].
    pub fn from_dense(dense: &DMatrix<T>, threshold: T::RealField) -> Result<Self> {
        CsrMatrix::from_dense(dense, threshold).map(|a| a.to_csc())
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.t.minor
    }
    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.t.major
    }
    /// Column pointer: the entries of column `j` are `indptr[j]..indptr[j + 1]`.
    pub fn indptr(&self) -> &[usize] {
        &self.t.indptr
    }
    /// Row index of each stored entry.
    pub fn indices(&self) -> &[u32] {
        &self.t.indices
    }
    /// Value of each stored entry.
    pub fn data(&self) -> &[T] {
        &self.t.data
    }
    /// Mutable values (the sparsity pattern stays fixed).
    pub fn data_mut(&mut self) -> &mut [T] {
        &mut self.t.data
    }
    /// Row indices and values of column `j`.
    pub fn col(&self, j: usize) -> (&[u32], &[T]) {
        self.t.line(j)
    }
    /// Entry `(i, j)`: `Some(0)` when not stored, `None` when out of range.
    pub fn get(&self, i: usize, j: usize) -> Option<T> {
        (i < self.nrows() && j < self.ncols()).then(|| self.t.get(j, i))
    }
    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.t.nnz()
    }
    /// Stored fraction `nnz / (m n)`.
    pub fn density(&self) -> f64 {
        density(self.nnz(), self.nrows(), self.ncols())
    }
    /// Fraction of entries not stored, `1 − density`.
    pub fn sparsity(&self) -> f64 {
        1.0 - self.density()
    }
    /// Bytes held by `indptr`, `indices` and `data`.
    pub fn memory_bytes(&self) -> usize {
        self.t.memory_bytes()
    }
    /// Compressed-row form (a counting sort).
    pub fn to_csr(&self) -> CsrMatrix<T> {
        CsrMatrix {
            inner: self.t.transpose(false),
        }
    }
    /// Triplet form, in row-major order.
    pub fn to_coo(&self) -> CooMatrix<T> {
        self.to_csr().to_coo()
    }
    /// The dense matrix.
    pub fn to_dense(&self) -> DMatrix<T> {
        let mut d = DMatrix::zeros(self.nrows(), self.ncols());
        for j in 0..self.ncols() {
            let (idx, val) = self.col(j);
            for (&i, &v) in idx.iter().zip(val) {
                d[(i as usize, j)] = v;
            }
        }
        d
    }
    /// `Aᵀ` as CSR: the same arrays, no copy of the pattern logic (moves `self`).
    pub fn into_transpose_csr(self) -> CsrMatrix<T> {
        CsrMatrix { inner: self.t }
    }

    /// `y ← A x` (a scatter; allocates partial sums only for large matrices).
    pub fn mul_vec(&self, x: &[T], y: &mut [T]) {
        check_len("CSC A·x: input x", self.ncols(), x.len());
        check_len("CSC A·x: output y", self.nrows(), y.len());
        let mut scratch = vec![T::zero(); self.t.scatter_scratch_len()];
        self.t.scatter::<false>(x, y, &mut scratch);
    }
    /// `x ← Aᵀ y` (parallel column gather).
    pub fn mul_vec_t(&self, y: &[T], x: &mut [T]) {
        check_len("CSC Aᵀ·y: input y", self.nrows(), y.len());
        check_len("CSC Aᵀ·y: output x", self.ncols(), x.len());
        self.t.gather::<false>(y, x);
    }
    /// `x ← Aᴴ y` (parallel column gather).
    pub fn mul_vec_h(&self, y: &[T], x: &mut [T]) {
        check_len("CSC Aᴴ·y: input y", self.nrows(), y.len());
        check_len("CSC Aᴴ·y: output x", self.ncols(), x.len());
        self.t.gather::<true>(y, x);
    }
}

impl<T: Scalar> LinOp<T> for CscMatrix<T> {
    fn nrows(&self) -> usize {
        self.t.minor
    }
    fn ncols(&self) -> usize {
        self.t.major
    }
    fn scratch_len(&self) -> usize {
        self.t.scatter_scratch_len()
    }
    fn apply_with_scratch(&self, x: &[T], y: &mut [T], scratch: &mut [T]) {
        check_len("CSC A·x: input x", self.t.major, x.len());
        check_len("CSC A·x: output y", self.t.minor, y.len());
        self.t.scatter::<false>(x, y, scratch);
    }
    fn adjoint_with_scratch(&self, y: &[T], x: &mut [T], _scratch: &mut [T]) {
        self.mul_vec_h(y, x);
    }
}

impl<T: Scalar> From<&CsrMatrix<T>> for CscMatrix<T> {
    fn from(csr: &CsrMatrix<T>) -> Self {
        csr.to_csc()
    }
}
