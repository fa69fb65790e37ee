//! The design matrix of a regression or classification problem (`n` samples × `p`
//! features), dense or sparse, as the learning solvers ([`crate::cd`], [`crate::logistic`])
//! read it: one column at a time.
//!
//! Dense matrices are `nalgebra` column-major; sparse ones are [`CscMatrix`] (compressed
//! columns, what coordinate methods need — convert a [`cstk_linop::CsrMatrix`] with
//! `to_csc()`, as scikit-learn does internally). Centering for an intercept is always
//! implicit: a sparse matrix stays sparse.
//!
//! ```
//! use cstk_linop::CsrMatrix;
//! use cstk_solvers::design::DesignMatrix;
//! use nalgebra::DMatrix;
//! let dense = DMatrix::from_row_slice(2, 3, &[1.0, 0.0, 2.0, 0.0, 3.0, 0.0]);
//! let csc = CsrMatrix::from_dense(&dense, 0.0).unwrap().to_csc();
//! let (a, b) = (DesignMatrix::from(&dense), DesignMatrix::from(&csc));
//! assert_eq!((a.nrows(), a.ncols()), (b.nrows(), b.ncols()));
//! let r = [1.0, 2.0];
//! assert_eq!(a.col(1).dot(&r), b.col(1).dot(&r)); // 6
//! ```

use crate::Result;
use crate::solution::check_finite;
use cstk_linop::CscMatrix;
use nalgebra::DMatrix;

/// A borrowed design matrix, dense or compressed-sparse-column.
#[derive(Clone, Copy, Debug)]
pub enum DesignMatrix<'a> {
    /// Column-major dense storage.
    Dense(&'a DMatrix<f64>),
    /// Compressed sparse columns.
    Sparse(&'a CscMatrix<f64>),
}

impl<'a> From<&'a DMatrix<f64>> for DesignMatrix<'a> {
    fn from(x: &'a DMatrix<f64>) -> Self {
        DesignMatrix::Dense(x)
    }
}

impl<'a> From<&'a CscMatrix<f64>> for DesignMatrix<'a> {
    fn from(x: &'a CscMatrix<f64>) -> Self {
        DesignMatrix::Sparse(x)
    }
}

/// One column of a [`DesignMatrix`].
#[derive(Clone, Copy, Debug)]
pub enum Column<'a> {
    /// All `n` entries.
    Dense(&'a [f64]),
    /// Row indices (sorted) and values of the stored entries.
    Sparse(&'a [u32], &'a [f64]),
}

impl<'a> DesignMatrix<'a> {
    /// Number of samples.
    pub fn nrows(&self) -> usize {
        match self {
            DesignMatrix::Dense(x) => x.nrows(),
            DesignMatrix::Sparse(x) => x.nrows(),
        }
    }

    /// Number of features.
    pub fn ncols(&self) -> usize {
        match self {
            DesignMatrix::Dense(x) => x.ncols(),
            DesignMatrix::Sparse(x) => x.ncols(),
        }
    }

    /// Whether the storage is sparse.
    pub fn is_sparse(&self) -> bool {
        matches!(self, DesignMatrix::Sparse(_))
    }

    /// Column `j` (panics if `j ≥ ncols`).
    #[inline]
    pub fn col(&self, j: usize) -> Column<'a> {
        match *self {
            DesignMatrix::Dense(x) => {
                let n = x.nrows();
                Column::Dense(&x.as_slice()[j * n..(j + 1) * n])
            }
            DesignMatrix::Sparse(x) => {
                let (i, v) = x.col(j);
                Column::Sparse(i, v)
            }
        }
    }

    /// The stored values (all entries when dense), for finiteness checks.
    pub fn values(&self) -> &'a [f64] {
        match *self {
            DesignMatrix::Dense(x) => x.as_slice(),
            DesignMatrix::Sparse(x) => x.data(),
        }
    }

    /// An error naming the first NaN/Inf entry (by storage position), if any.
    pub fn check_finite(&self, context: &str) -> Result<()> {
        check_finite(context, self.values())
    }

    /// `y ← X w` (`y` has `nrows` entries, `w` has `ncols`).
    pub fn mul_vec(&self, w: &[f64], y: &mut [f64]) {
        y.iter_mut().for_each(|v| *v = 0.0);
        for (j, &c) in w.iter().enumerate() {
            if c != 0.0 {
                self.col(j).axpy(c, y);
            }
        }
    }
}

impl Column<'_> {
    /// `Σ_i x_i r_i`.
    #[inline]
    pub fn dot(&self, r: &[f64]) -> f64 {
        match *self {
            Column::Dense(c) => c.iter().zip(r).map(|(a, b)| a * b).sum(),
            Column::Sparse(idx, v) => idx.iter().zip(v).map(|(&i, a)| a * r[i as usize]).sum(),
        }
    }

    /// `r ← r + c · x`.
    #[inline]
    pub fn axpy(&self, c: f64, r: &mut [f64]) {
        match *self {
            Column::Dense(x) => r.iter_mut().zip(x).for_each(|(r, x)| *r += c * x),
            Column::Sparse(idx, v) => {
                for (&i, x) in idx.iter().zip(v) {
                    r[i as usize] += c * x;
                }
            }
        }
    }

    /// `Σ_i x_i`.
    pub fn sum(&self) -> f64 {
        match *self {
            Column::Dense(x) => x.iter().sum(),
            Column::Sparse(_, v) => v.iter().sum(),
        }
    }

    /// `Σ_i x_i²`.
    pub fn sum_sq(&self) -> f64 {
        match *self {
            Column::Dense(x) => x.iter().map(|v| v * v).sum(),
            Column::Sparse(_, v) => v.iter().map(|v| v * v).sum(),
        }
    }
}
