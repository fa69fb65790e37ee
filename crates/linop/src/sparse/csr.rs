//! Compressed sparse rows.

use super::compressed::{CSR_AXES, Compressed};
use super::{BsrMatrix, CooMatrix, CscMatrix, SparseFormat, density};
use crate::{Error, LinOp, Result, Scalar, check_len};
use nalgebra::DMatrix;

/// A sparse matrix in compressed-sparse-row form, with sorted, duplicate-free `u32`
/// column indices in each row.
///
/// `A x` runs in parallel (rayon) with rows split so that each task holds about the same
/// number of stored entries, which keeps skewed (power-law) rows balanced. `Aᵀ y` and
/// `Aᴴ y` scatter into a fixed number of partial sums, so every product is bit-identical
/// for any thread count. As a [`LinOp`], `apply` is `A x` and `adjoint` is `Aᴴ y`.
///
/// ```
/// use cstk_linop::{CsrMatrix, LinOp};
/// // [[1, 0, 2],
/// //  [0, 3, 0]]
/// let a = CsrMatrix::try_from_raw_parts(2, 3, vec![0, 2, 3], vec![0, 2, 1], vec![1.0, 2.0, 3.0])?;
/// assert_eq!(a.apply_vec(&[1.0, 1.0, 1.0]), vec![3.0, 3.0]);
/// let mut x = vec![0.0; 3];
/// a.mul_vec_t(&[1.0, 2.0], &mut x);
/// assert_eq!(x, [1.0, 6.0, 2.0]);
/// assert_eq!(a.nnz(), 3);
/// assert_eq!(a.get(0, 2), Some(2.0));
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CsrMatrix<T> {
    pub(crate) inner: Compressed<T>,
}

impl<T: Scalar> CsrMatrix<T> {
    /// Builds a matrix from `indptr` (length `nrows + 1`, starting at 0, non-decreasing,
    /// ending at `indices.len()`), `indices` (column of each entry, strictly increasing
    /// within a row, `< ncols`) and `data` (same length as `indices`).
    ///
    /// Every invariant is checked; a broken one is an [`Error::InvalidSparse`] naming the
    /// position and value.
    ///
    /// ```
    /// use cstk_linop::CsrMatrix;
    /// let err = CsrMatrix::try_from_raw_parts(1, 3, vec![0, 2], vec![2, 1], vec![1.0, 1.0]);
    /// assert!(err.unwrap_err().to_string().contains("unsorted column indices in row 0"));
    /// ```
    pub fn try_from_raw_parts(
        nrows: usize,
        ncols: usize,
        indptr: Vec<usize>,
        indices: Vec<u32>,
        data: Vec<T>,
    ) -> Result<Self> {
        Compressed::try_new(CSR_AXES, nrows, ncols, indptr, indices, data)
            .map(|inner| Self { inner })
    }

    /// The parts `(nrows, ncols, indptr, indices, data)`, as taken by
    /// [`try_from_raw_parts`](Self::try_from_raw_parts).
    pub fn into_raw_parts(self) -> (usize, usize, Vec<usize>, Vec<u32>, Vec<T>) {
        let c = self.inner;
        (c.major, c.minor, c.indptr, c.indices, c.data)
    }

    /// The `nrows × ncols` matrix with no stored entries.
    pub fn zeros(nrows: usize, ncols: usize) -> Self {
        Self {
            inner: Compressed::zeros(nrows, ncols),
        }
    }

    /// The `n × n` identity.
    pub fn identity(n: usize) -> Self {
        Self {
            inner: Compressed {
                major: n,
                minor: n,
                indptr: (0..=n).collect(),
                indices: (0..n as u32).collect(),
                data: vec![T::one(); n],
            },
        }
    }

    /// Keeps the entries of `dense` with `|a_ij| > threshold` (`threshold = 0` keeps every
    /// non-zero). `threshold` must be finite and non-negative.
    ///
    /// ```
    /// use cstk_linop::{CsrMatrix, nalgebra::DMatrix};
    /// let d = DMatrix::from_row_slice(2, 2, &[1.0, 0.01, 0.0, -3.0]);
    /// let a = CsrMatrix::from_dense(&d, 0.1).unwrap();
    /// assert_eq!(a.nnz(), 2);
    /// assert_eq!(a.to_dense(), DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.0, -3.0]));
    /// ```
    pub fn from_dense(dense: &DMatrix<T>, threshold: T::RealField) -> Result<Self> {
        let t = T::from_real(threshold).to_c64().re;
        if !(t.is_finite() && t >= 0.0) {
            return Err(Error::InvalidParam {
                name: "threshold",
                value: format!("{t}"),
                expected: "a finite value >= 0".into(),
            });
        }
        let (m, n) = dense.shape();
        if m > super::MAX_DIM || n > super::MAX_DIM {
            return Err(Error::InvalidSparse {
                format: "CSR",
                reason: format!("shape {m}x{n} exceeds the u32 index limit"),
            });
        }
        let mut indptr = Vec::with_capacity(m + 1);
        let mut indices = Vec::new();
        let mut data = Vec::new();
        indptr.push(0);
        for i in 0..m {
            for j in 0..n {
                let v = dense[(i, j)];
                if v.modulus() > threshold {
                    indices.push(j as u32);
                    data.push(v);
                }
            }
            indptr.push(indices.len());
        }
        Ok(Self {
            inner: Compressed {
                major: m,
                minor: n,
                indptr,
                indices,
                data,
            },
        })
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.inner.major
    }
    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.inner.minor
    }
    /// Row pointer: the entries of row `i` are `indptr[i]..indptr[i + 1]`.
    pub fn indptr(&self) -> &[usize] {
        &self.inner.indptr
    }
    /// Column index of each stored entry.
    pub fn indices(&self) -> &[u32] {
        &self.inner.indices
    }
    /// Value of each stored entry.
    pub fn data(&self) -> &[T] {
        &self.inner.data
    }
    /// Mutable values (the sparsity pattern stays fixed).
    pub fn data_mut(&mut self) -> &mut [T] {
        &mut self.inner.data
    }
    /// Column indices and values of row `i`.
    pub fn row(&self, i: usize) -> (&[u32], &[T]) {
        self.inner.line(i)
    }
    /// Entry `(i, j)`: `Some(0)` when not stored, `None` when out of range.
    pub fn get(&self, i: usize, j: usize) -> Option<T> {
        (i < self.nrows() && j < self.ncols()).then(|| self.inner.get(i, j))
    }
    /// Number of stored entries (explicit zeros included).
    pub fn nnz(&self) -> usize {
        self.inner.nnz()
    }
    /// Stored fraction `nnz / (m n)`.
    pub fn density(&self) -> f64 {
        density(self.nnz(), self.nrows(), self.ncols())
    }
    /// Sparsity ratio: the fraction of entries not stored, `1 − density`.
    pub fn sparsity(&self) -> f64 {
        1.0 - self.density()
    }
    /// Bytes held by `indptr`, `indices` and `data`.
    pub fn memory_bytes(&self) -> usize {
        self.inner.memory_bytes()
    }

    /// Bytes this matrix would take in `format`, computed without converting
    /// (for BSR, the non-empty blocks are counted). Errors for a BSR block shape that
    /// does not divide the matrix shape.
    ///
    /// ```
    /// use cstk_linop::{CsrMatrix, SparseFormat};
    /// let a = CsrMatrix::<f32>::identity(4);
    /// // two 2x2 diagonal blocks: 3 pointers, 2 block indices, 8 values
    /// assert_eq!(a.memory_bytes_as(SparseFormat::Bsr { r: 2, c: 2 }).unwrap(), 3 * 8 + 2 * 4 + 8 * 4);
    /// ```
    pub fn memory_bytes_as(&self, format: SparseFormat) -> Result<usize> {
        let (m, n, nnz) = (self.nrows(), self.ncols(), self.nnz());
        let us = std::mem::size_of::<usize>();
        Ok(match format {
            SparseFormat::Dense => m * n * T::BYTES,
            SparseFormat::Coo => nnz * (2 * us + T::BYTES),
            SparseFormat::Csr => (m + 1) * us + nnz * (4 + T::BYTES),
            SparseFormat::Csc => (n + 1) * us + nnz * (4 + T::BYTES),
            SparseFormat::Bsr { r, c } => {
                let (ptr, cols) = super::bsr::block_pattern(self, r, c)?;
                ptr.len() * us + cols.len() * (4 + r * c * T::BYTES)
            }
        })
    }

    /// The dense matrix.
    pub fn to_dense(&self) -> DMatrix<T> {
        let mut d = DMatrix::zeros(self.nrows(), self.ncols());
        for i in 0..self.nrows() {
            let (idx, val) = self.row(i);
            for (&j, &v) in idx.iter().zip(val) {
                d[(i, j as usize)] = v;
            }
        }
        d
    }

    /// Triplet form, in row-major order.
    pub fn to_coo(&self) -> CooMatrix<T> {
        let mut rows = Vec::with_capacity(self.nnz());
        for i in 0..self.nrows() {
            rows.extend(std::iter::repeat_n(
                i,
                self.inner.indptr[i + 1] - self.inner.indptr[i],
            ));
        }
        let cols = self.indices().iter().map(|&j| j as usize).collect();
        CooMatrix::from_sorted_parts(self.nrows(), self.ncols(), rows, cols, self.data().to_vec())
    }

    /// Compressed-column form of the same matrix (a counting sort, O(nnz + m + n)).
    pub fn to_csc(&self) -> CscMatrix<T> {
        CscMatrix {
            t: self.inner.transpose(false),
        }
    }

    /// Block form with `r × c` blocks; `r` must divide `nrows` and `c` divide `ncols`.
    /// Every block holding a stored entry is stored.
    pub fn to_bsr(&self, r: usize, c: usize) -> Result<BsrMatrix<T>> {
        BsrMatrix::from_csr(self, r, c)
    }

    /// `Aᵀ` as a CSR matrix.
    pub fn transpose(&self) -> CsrMatrix<T> {
        CsrMatrix {
            inner: self.inner.transpose(false),
        }
    }

    /// `Aᴴ` (conjugate transpose) as a CSR matrix; equals [`transpose`](Self::transpose) for real `T`.
    pub fn conj_transpose(&self) -> CsrMatrix<T> {
        CsrMatrix {
            inner: self.inner.transpose(true),
        }
    }

    /// `y ← A x` (parallel, rows split by stored entries).
    pub fn mul_vec(&self, x: &[T], y: &mut [T]) {
        check_len("CSR A·x: input x", self.ncols(), x.len());
        check_len("CSR A·x: output y", self.nrows(), y.len());
        self.inner.gather::<false>(x, y);
    }

    /// `x ← Aᵀ y` (no conjugation); allocates partial sums only for large matrices.
    pub fn mul_vec_t(&self, y: &[T], x: &mut [T]) {
        self.scatter_checked::<false>(y, x);
    }

    /// `x ← Aᴴ y`; allocates partial sums only for large matrices (the [`LinOp`]
    /// `adjoint_with_scratch` allocates nothing).
    pub fn mul_vec_h(&self, y: &[T], x: &mut [T]) {
        self.scatter_checked::<true>(y, x);
    }

    fn scatter_checked<const CONJ: bool>(&self, y: &[T], x: &mut [T]) {
        check_len("CSR Aᵀ·y: input y", self.nrows(), y.len());
        check_len("CSR Aᵀ·y: output x", self.ncols(), x.len());
        let mut scratch = vec![T::zero(); self.inner.scatter_scratch_len()];
        self.inner.scatter::<CONJ>(y, x, &mut scratch);
    }
}

impl<T: Scalar> LinOp<T> for CsrMatrix<T> {
    fn nrows(&self) -> usize {
        self.inner.major
    }
    fn ncols(&self) -> usize {
        self.inner.minor
    }
    fn scratch_len(&self) -> usize {
        self.inner.scatter_scratch_len()
    }
    fn apply_with_scratch(&self, x: &[T], y: &mut [T], _scratch: &mut [T]) {
        self.mul_vec(x, y);
    }
    fn adjoint_with_scratch(&self, y: &[T], x: &mut [T], scratch: &mut [T]) {
        check_len("CSR Aᴴ·y: input y", self.inner.major, y.len());
        check_len("CSR Aᴴ·y: output x", self.inner.minor, x.len());
        self.inner.scatter::<true>(y, x, scratch);
    }
}

impl<T: Scalar> From<&CooMatrix<T>> for CsrMatrix<T> {
    fn from(coo: &CooMatrix<T>) -> Self {
        coo.to_csr()
    }
}
impl<T: Scalar> From<&CscMatrix<T>> for CsrMatrix<T> {
    fn from(csc: &CscMatrix<T>) -> Self {
        csc.to_csr()
    }
}
impl<T: Scalar> From<&BsrMatrix<T>> for CsrMatrix<T> {
    fn from(bsr: &BsrMatrix<T>) -> Self {
        bsr.to_csr()
    }
}
