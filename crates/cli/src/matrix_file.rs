//! Reading and writing matrix files by extension: Matrix Market (`.mtx`, sparse) and
//! NumPy (`.npy`, dense 2-D). Real data is held as `f64`, complex data as `Complex<f64>`.

use anyhow::{Context, Result, bail};
use cstk_linop::io::{mtx, npy};
use cstk_linop::{Complex, CsrMatrix, Scalar};
use std::path::Path;

/// The largest dense array `convert` writes (2^28 entries: 2 GiB of f64).
const MAX_DENSE_ENTRIES: usize = 1 << 28;

/// A matrix read from a file, real or complex.
pub enum AnyCsr {
    Real(CsrMatrix<f64>),
    Complex(CsrMatrix<Complex<f64>>),
}

/// A loaded matrix and a one-line description of where it came from.
pub struct Loaded {
    pub matrix: AnyCsr,
    pub source: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Mtx,
    Npy,
}

/// The file kind from the extension, or an error naming the file and what is accepted.
pub fn kind_of(path: &Path) -> Result<Kind> {
    match crate::ext::ext_lower(path).as_str() {
        "mtx" => Ok(Kind::Mtx),
        "npy" => Ok(Kind::Npy),
        other => bail!(
            "{}: unsupported file type {}; expected a .mtx (Matrix Market) or .npy (NumPy) file",
            path.display(),
            if other.is_empty() {
                "(no extension)".to_string()
            } else {
                format!("'.{other}'")
            }
        ),
    }
}

/// Reads a matrix file; errors name the file, and non-finite values are rejected.
pub fn load_matrix(path: &Path) -> Result<Loaded> {
    let loaded = match kind_of(path)? {
        Kind::Mtx => {
            let h = mtx::read_mtx_header(path)?;
            let source = format!(
                "Matrix Market {} {} {} ({} entries listed)",
                h.format, h.field, h.symmetry, h.nnz
            );
            let matrix = if h.field == mtx::MtxField::Complex {
                AnyCsr::Complex(mtx::read_mtx_csr(path)?)
            } else {
                AnyCsr::Real(mtx::read_mtx_csr(path)?)
            };
            Loaded { matrix, source }
        }
        Kind::Npy => {
            let h = npy::read_npy_header(path)?;
            if h.shape.len() != 2 {
                bail!(
                    "{}: expected a 2-D array (a matrix), got shape {:?}",
                    path.display(),
                    h.shape
                );
            }
            let source = format!(
                "NumPy {} array, {} order",
                h.dtype,
                if h.fortran_order { "Fortran" } else { "C" }
            );
            let matrix = if h.dtype.is_complex() {
                AnyCsr::Complex(dense_to_csr(path)?)
            } else {
                AnyCsr::Real(dense_to_csr(path)?)
            };
            Loaded { matrix, source }
        }
    };
    match &loaded.matrix {
        AnyCsr::Real(a) => check_finite(path, a)?,
        AnyCsr::Complex(a) => check_finite(path, a)?,
    }
    Ok(loaded)
}

fn dense_to_csr<T: Scalar>(path: &Path) -> Result<CsrMatrix<T>> {
    let d = npy::read_npy_matrix::<T>(path)?;
    Ok(CsrMatrix::from_dense(&d, T::zero().real())?)
}

fn check_finite<T: Scalar>(path: &Path, a: &CsrMatrix<T>) -> Result<()> {
    let bad: Vec<usize> = (0..a.nnz())
        .filter(|&k| !a.data()[k].is_finite_value())
        .collect();
    if let Some(&k) = bad.first() {
        let row = a.indptr().partition_point(|&p| p <= k) - 1;
        bail!(
            "{}: {} non-finite value(s), the first at row {}, column {} ({}); expected finite numbers",
            path.display(),
            bad.len(),
            row + 1,
            a.indices()[k] + 1,
            a.data()[k]
        );
    }
    Ok(())
}

/// Writes a matrix by the extension of `path` (atomically, via the library writers).
pub fn save_matrix(
    path: &Path,
    matrix: &AnyCsr,
    symmetry: mtx::MtxSymmetry,
    order: npy::NpyOrder,
) -> Result<()> {
    match matrix {
        AnyCsr::Real(a) => save(path, a, symmetry, order),
        AnyCsr::Complex(a) => save(path, a, symmetry, order),
    }
}

fn save<T: Scalar>(
    path: &Path,
    a: &CsrMatrix<T>,
    symmetry: mtx::MtxSymmetry,
    order: npy::NpyOrder,
) -> Result<()> {
    match kind_of(path)? {
        Kind::Mtx => mtx::write_mtx_csr(path, a, symmetry)
            .with_context(|| format!("writing {}", path.display())),
        Kind::Npy => {
            let entries = a.nrows().saturating_mul(a.ncols());
            if entries > MAX_DENSE_ENTRIES {
                bail!(
                    "{}: a dense {} x {} array has {entries} entries, more than the {MAX_DENSE_ENTRIES} \
                     cstk writes as .npy; keep this matrix in .mtx form",
                    path.display(),
                    a.nrows(),
                    a.ncols()
                );
            }
            npy::write_npy_matrix(path, &a.to_dense(), order)
                .with_context(|| format!("writing {}", path.display()))
        }
    }
}
