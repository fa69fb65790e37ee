//! Coordinate (triplet) format, for building matrices.

use super::compressed::Compressed;
use super::{BsrMatrix, CscMatrix, CsrMatrix, MAX_DIM, density};
use crate::{Error, Result, Scalar};
use nalgebra::DMatrix;

/// A sparse matrix as `(row, column, value)` triplets in any order; duplicates are
/// allowed and summed when converting (as scipy's `coo_matrix`).
///
/// ```
/// use cstk_linop::CooMatrix;
/// let mut a = CooMatrix::<f64>::new(2, 3)?;
/// a.push(1, 2, 4.0)?;
/// a.push(0, 0, 1.0)?;
/// a.push(1, 2, 0.5)?; // duplicate: summed
/// let csr = a.to_csr();
/// assert_eq!(csr.nnz(), 2);
/// assert_eq!(csr.get(1, 2), Some(4.5));
/// assert!(a.push(2, 0, 1.0).is_err()); // row out of range
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CooMatrix<T> {
    nrows: usize,
    ncols: usize,
    rows: Vec<usize>,
    cols: Vec<usize>,
    vals: Vec<T>,
}

fn check_shape(nrows: usize, ncols: usize) -> Result<()> {
    if nrows > MAX_DIM || ncols > MAX_DIM {
        return Err(Error::InvalidSparse {
            format: "COO",
            reason: format!("shape {nrows}x{ncols} exceeds the u32 index limit {MAX_DIM}"),
        });
    }
    Ok(())
}

impl<T: Scalar> CooMatrix<T> {
    /// An empty `nrows × ncols` matrix. Errors when a dimension exceeds `u32::MAX`.
    pub fn new(nrows: usize, ncols: usize) -> Result<Self> {
        check_shape(nrows, ncols)?;
        Ok(Self {
            nrows,
            ncols,
            rows: Vec::new(),
            cols: Vec::new(),
            vals: Vec::new(),
        })
    }

    /// Builds from parallel triplet vectors; checks lengths and that every index is in range.
    pub fn try_from_triplets(
        nrows: usize,
        ncols: usize,
        rows: Vec<usize>,
        cols: Vec<usize>,
        vals: Vec<T>,
    ) -> Result<Self> {
        check_shape(nrows, ncols)?;
        if rows.len() != cols.len() || rows.len() != vals.len() {
            return Err(Error::InvalidSparse {
                format: "COO",
                reason: format!(
                    "{} row indices, {} column indices and {} values; expected equal lengths",
                    rows.len(),
                    cols.len(),
                    vals.len()
                ),
            });
        }
        for (k, (&i, &j)) in rows.iter().zip(&cols).enumerate() {
            check_entry(nrows, ncols, k, i, j)?;
        }
        Ok(Self {
            nrows,
            ncols,
            rows,
            cols,
            vals,
        })
    }

    /// Triplets already known to be valid (in range); used by the format conversions.
    pub(crate) fn from_sorted_parts(
        nrows: usize,
        ncols: usize,
        rows: Vec<usize>,
        cols: Vec<usize>,
        vals: Vec<T>,
    ) -> Self {
        Self {
            nrows,
            ncols,
            rows,
            cols,
            vals,
        }
    }

    /// Appends one entry; errors when `(i, j)` is out of range.
    pub fn push(&mut self, i: usize, j: usize, v: T) -> Result<()> {
        check_entry(self.nrows, self.ncols, self.vals.len(), i, j)?;
        self.rows.push(i);
        self.cols.push(j);
        self.vals.push(v);
        Ok(())
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.nrows
    }
    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.ncols
    }
    /// Number of stored triplets (duplicates counted separately).
    pub fn nnz(&self) -> usize {
        self.vals.len()
    }
    /// Row index of each triplet.
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }
    /// Column index of each triplet.
    pub fn cols(&self) -> &[usize] {
        &self.cols
    }
    /// Value of each triplet.
    pub fn values(&self) -> &[T] {
        &self.vals
    }
    /// Iterator over `(row, column, value)`.
    pub fn triplets(&self) -> impl Iterator<Item = (usize, usize, T)> + '_ {
        self.rows
            .iter()
            .zip(&self.cols)
            .zip(&self.vals)
            .map(|((&i, &j), &v)| (i, j, v))
    }
    /// Stored fraction `nnz / (m n)` (duplicates counted).
    pub fn density(&self) -> f64 {
        density(self.nnz(), self.nrows, self.ncols)
    }
    /// Fraction of entries not stored, `1 − density`.
    pub fn sparsity(&self) -> f64 {
        1.0 - self.density()
    }
    /// Bytes held by the three arrays.
    pub fn memory_bytes(&self) -> usize {
        self.nnz() * (2 * std::mem::size_of::<usize>() + T::BYTES)
    }

    /// Keeps the entries with `|a_ij| > threshold`; see [`CsrMatrix::from_dense`].
    pub fn from_dense(dense: &DMatrix<T>, threshold: T::RealField) -> Result<Self> {
        CsrMatrix::from_dense(dense, threshold).map(|a| a.to_coo())
    }

    /// Compressed rows, duplicates summed (in triplet order), columns sorted.
    /// Explicitly stored zeros are kept. O(nnz + m + n): two stable counting sorts.
    pub fn to_csr(&self) -> CsrMatrix<T> {
        let (m, n, nnz) = (self.nrows, self.ncols, self.nnz());
        // Bucket by column, keeping triplet order within a column.
        let mut cptr = vec![0usize; n + 1];
        for &j in &self.cols {
            cptr[j + 1] += 1;
        }
        for j in 0..n {
            cptr[j + 1] += cptr[j];
        }
        let mut next = cptr[..n].to_vec();
        let mut by_col = vec![0usize; nnz];
        for (k, &j) in self.cols.iter().enumerate() {
            by_col[next[j]] = k;
            next[j] += 1;
        }
        // Bucket by row, visiting columns in order: columns come out sorted in each row,
        // duplicates adjacent and in triplet order.
        let mut indptr = vec![0usize; m + 1];
        for &i in &self.rows {
            indptr[i + 1] += 1;
        }
        for i in 0..m {
            indptr[i + 1] += indptr[i];
        }
        let mut next = indptr[..m].to_vec();
        let mut indices = vec![0u32; nnz];
        let mut data = vec![T::zero(); nnz];
        for &k in &by_col {
            let p = &mut next[self.rows[k]];
            indices[*p] = self.cols[k] as u32;
            data[*p] = self.vals[k];
            *p += 1;
        }
        // Sum duplicates, compacting in place.
        let mut out = 0;
        let mut start = 0;
        for i in 0..m {
            let end = indptr[i + 1];
            let mut k = start;
            while k < end {
                let j = indices[k];
                let mut v = data[k];
                k += 1;
                while k < end && indices[k] == j {
                    v += data[k];
                    k += 1;
                }
                indices[out] = j;
                data[out] = v;
                out += 1;
            }
            start = end;
            indptr[i + 1] = out;
        }
        indices.truncate(out);
        data.truncate(out);
        CsrMatrix {
            inner: Compressed {
                major: m,
                minor: n,
                indptr,
                indices,
                data,
            },
        }
    }

    /// Compressed columns, duplicates summed.
    pub fn to_csc(&self) -> CscMatrix<T> {
        self.to_csr().to_csc()
    }

    /// Block form with `r × c` blocks; see [`CsrMatrix::to_bsr`].
    pub fn to_bsr(&self, r: usize, c: usize) -> Result<BsrMatrix<T>> {
        self.to_csr().to_bsr(r, c)
    }

    /// The dense matrix (duplicates summed).
    pub fn to_dense(&self) -> DMatrix<T> {
        let mut d = DMatrix::zeros(self.nrows, self.ncols);
        for (i, j, v) in self.triplets() {
            d[(i, j)] += v;
        }
        d
    }
}

fn check_entry(nrows: usize, ncols: usize, k: usize, i: usize, j: usize) -> Result<()> {
    if i >= nrows {
        return Err(Error::InvalidSparse {
            format: "COO",
            reason: format!("row index {i} of entry {k} is out of range, expected < {nrows}"),
        });
    }
    if j >= ncols {
        return Err(Error::InvalidSparse {
            format: "COO",
            reason: format!("column index {j} of entry {k} is out of range, expected < {ncols}"),
        });
    }
    Ok(())
}
