//! The feature matrix of a learning problem: dense or sparse samples × features, with
//! feature names, and the row subsets and column scalings that cross-validation, resampling
//! and standardization need.

use crate::{Error, Result};
use cstk_linop::{CscMatrix, CsrMatrix};
use cstk_solvers::design::{Column, DesignMatrix};
use nalgebra::DMatrix;

/// Storage of a [`Features`] matrix.
#[derive(Clone, Debug, PartialEq)]
pub enum Matrix {
    /// Dense, column-major (`nalgebra`).
    Dense(DMatrix<f64>),
    /// Compressed sparse columns (CSR input is converted once, as scikit-learn converts
    /// to CSC for coordinate descent).
    Sparse(CscMatrix<f64>),
}

/// A samples × features matrix with one name per feature.
///
/// Without names, features are called `x0, x1, …` (scikit-learn's `get_feature_names_out`).
///
/// ```
/// use cstk_ml::Features;
/// use cstk_linop::CsrMatrix;
/// use nalgebra::DMatrix;
/// let x = DMatrix::from_row_slice(3, 2, &[1.0, 0.0, 0.0, 2.0, 3.0, 0.0]);
/// let dense = Features::dense(x.clone()).with_names(vec!["a".into(), "b".into()]).unwrap();
/// let sparse = Features::from_csr(&CsrMatrix::from_dense(&x, 0.0).unwrap());
/// assert_eq!((dense.n_samples(), dense.n_features()), (3, 2));
/// assert_eq!(sparse.names(), ["x0", "x1"]);
/// assert_eq!(dense.rows(&[2, 0]).to_dense(), sparse.rows(&[2, 0]).to_dense());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Features {
    x: Matrix,
    names: Vec<String>,
}

fn default_names(p: usize) -> Vec<String> {
    (0..p).map(|j| format!("x{j}")).collect()
}

impl Features {
    /// Dense features.
    pub fn dense(x: DMatrix<f64>) -> Self {
        let names = default_names(x.ncols());
        Features {
            x: Matrix::Dense(x),
            names,
        }
    }

    /// Sparse features in compressed-column form.
    pub fn sparse(x: CscMatrix<f64>) -> Self {
        let names = default_names(x.ncols());
        Features {
            x: Matrix::Sparse(x),
            names,
        }
    }

    /// Sparse features from compressed rows (converted to columns once).
    pub fn from_csr(x: &CsrMatrix<f64>) -> Self {
        Self::sparse(x.to_csc())
    }

    /// Replaces the feature names.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when there is not one name per feature.
    pub fn with_names(mut self, names: Vec<String>) -> Result<Self> {
        if names.len() != self.n_features() {
            return Err(Error::ShapeMismatch {
                context: "feature names (one per column)".into(),
                expected: self.n_features().to_string(),
                got: names.len().to_string(),
            });
        }
        self.names = names;
        Ok(self)
    }

    /// Number of samples (rows).
    pub fn n_samples(&self) -> usize {
        self.design().nrows()
    }

    /// Number of features (columns).
    pub fn n_features(&self) -> usize {
        self.design().ncols()
    }

    /// The feature names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The storage.
    pub fn matrix(&self) -> &Matrix {
        &self.x
    }

    /// Whether the storage is sparse.
    pub fn is_sparse(&self) -> bool {
        matches!(self.x, Matrix::Sparse(_))
    }

    /// The matrix as the solvers read it.
    pub fn design(&self) -> DesignMatrix<'_> {
        match &self.x {
            Matrix::Dense(x) => DesignMatrix::Dense(x),
            Matrix::Sparse(x) => DesignMatrix::Sparse(x),
        }
    }

    /// A dense copy.
    pub fn to_dense(&self) -> DMatrix<f64> {
        match &self.x {
            Matrix::Dense(x) => x.clone(),
            Matrix::Sparse(x) => x.to_csr().to_dense(),
        }
    }

    /// The rows `idx` (in that order; repeats allowed), same storage kind and names.
    /// Panics if an index is out of range.
    pub fn rows(&self, idx: &[usize]) -> Features {
        let x = match &self.x {
            Matrix::Dense(x) => Matrix::Dense(x.select_rows(idx)),
            Matrix::Sparse(x) => Matrix::Sparse(sparse_rows(x, idx)),
        };
        Features {
            x,
            names: self.names.clone(),
        }
    }

    /// Column `j` multiplied by `w[j]`, minus `shift[j]` when `shift` is given (dense
    /// storage only: a shifted sparse column is dense). Panics on length mismatches.
    pub(crate) fn affine_columns(&self, w: &[f64], shift: Option<&[f64]>) -> Features {
        assert_eq!(w.len(), self.n_features());
        let x = match &self.x {
            Matrix::Dense(x) => {
                let mut x = x.clone();
                for (j, mut c) in x.column_iter_mut().enumerate() {
                    let s = shift.map_or(0.0, |s| s[j]);
                    c.iter_mut().for_each(|v| *v = (*v - s) * w[j]);
                }
                Matrix::Dense(x)
            }
            Matrix::Sparse(x) => {
                assert!(shift.is_none(), "sparse columns cannot be shifted");
                let mut x = x.clone();
                let indptr = x.indptr().to_vec();
                let data = x.data_mut();
                for j in 0..w.len() {
                    data[indptr[j]..indptr[j + 1]]
                        .iter_mut()
                        .for_each(|v| *v *= w[j]);
                }
                Matrix::Sparse(x)
            }
        };
        Features {
            x,
            names: self.names.clone(),
        }
    }

    /// An error naming the first NaN/Inf entry by row, column and feature name.
    pub(crate) fn check_finite(&self) -> Result<()> {
        let d = self.design();
        for j in 0..d.ncols() {
            let bad = match d.col(j) {
                Column::Dense(v) => v.iter().position(|x| !x.is_finite()).map(|i| (i, v[i])),
                Column::Sparse(idx, v) => v
                    .iter()
                    .position(|x| !x.is_finite())
                    .map(|k| (idx[k] as usize, v[k])),
            };
            if let Some((i, v)) = bad {
                return Err(Error::NonFinite {
                    context: "features X".into(),
                    position: format!("row {i}, column {j} ({:?})", self.names[j]),
                    value: v.to_string(),
                });
            }
        }
        Ok(())
    }
}

/// Rows `idx` of a CSC matrix: each column keeps its entries whose row is selected, in
/// the new row order (O(nnz + n) plus sorting within columns when `idx` is not increasing).
fn sparse_rows(x: &CscMatrix<f64>, idx: &[usize]) -> CscMatrix<f64> {
    let n = x.nrows();
    // Each source row may map to several new rows (repeats): a CSR-like map row → new rows.
    let mut count = vec![0usize; n + 1];
    for &i in idx {
        assert!(i < n, "row {i} out of range for {n} samples");
        count[i + 1] += 1;
    }
    for i in 0..n {
        count[i + 1] += count[i];
    }
    let mut targets = vec![0u32; idx.len()];
    let mut fill = count.clone();
    for (new, &i) in idx.iter().enumerate() {
        targets[fill[i]] = new as u32;
        fill[i] += 1;
    }
    let increasing = idx.windows(2).all(|w| w[0] < w[1]);
    let (mut indptr, mut indices, mut data) = (vec![0usize], Vec::new(), Vec::new());
    let mut buf: Vec<(u32, f64)> = Vec::new();
    for j in 0..x.ncols() {
        let (ri, rv) = x.col(j);
        buf.clear();
        for (&i, &v) in ri.iter().zip(rv) {
            let i = i as usize;
            buf.extend(targets[count[i]..count[i + 1]].iter().map(|&t| (t, v)));
        }
        if !increasing {
            buf.sort_unstable_by_key(|e| e.0);
        }
        indices.extend(buf.iter().map(|e| e.0));
        data.extend(buf.iter().map(|e| e.1));
        indptr.push(indices.len());
    }
    CscMatrix::try_from_raw_parts(idx.len(), x.ncols(), indptr, indices, data)
        .expect("row subset of a valid CSC matrix is valid")
}

/// Column means and population standard deviations (`ddof = 0`, as scikit-learn's
/// `StandardScaler`), two passes for accuracy.
pub(crate) fn column_moments(x: &DesignMatrix<'_>) -> (Vec<f64>, Vec<f64>) {
    let n = x.nrows() as f64;
    (0..x.ncols())
        .map(|j| {
            let c = x.col(j);
            let m = c.sum() / n;
            let ss = match c {
                Column::Dense(v) => v.iter().map(|v| (v - m) * (v - m)).sum::<f64>(),
                Column::Sparse(_, v) => {
                    v.iter().map(|v| (v - m) * (v - m)).sum::<f64>() + (n - v.len() as f64) * m * m
                }
            };
            (m, (ss / n).sqrt())
        })
        .unzip()
}
