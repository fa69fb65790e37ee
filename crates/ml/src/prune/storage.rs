//! What a pruned tensor costs: bytes dense vs CSR vs BSR, and the measured time of
//! `y = W x` dense vs CSR on this machine.

use crate::Result;
use cstk_linop::nalgebra::DMatrix;
use cstk_linop::{CsrMatrix, LinOp, SparseFormat};
use std::time::Instant;

/// Storage of one tensor viewed as a matrix `[shape[0], Π shape[1..]]` (a 1-D tensor as one
/// row), with values of `value_bytes` bytes (2 for F16/BF16, 4 for F32) and `usize` row
/// pointers, `u32` column indices (cstk's sparse formats).
#[derive(Clone, Debug, PartialEq)]
pub struct Storage {
    /// Rows and columns of the matrix view.
    pub shape: (usize, usize),
    /// Stored nonzeros.
    pub nnz: usize,
    /// Dense bytes.
    pub dense: usize,
    /// CSR bytes.
    pub csr: usize,
    /// BSR bytes with 2×2 blocks (`None` when 2 does not divide both sides).
    pub bsr2: Option<usize>,
    /// BSR bytes with 4×4 blocks.
    pub bsr4: Option<usize>,
}

/// The matrix view of a tensor.
fn view(values: &[f32], shape: &[usize]) -> DMatrix<f32> {
    let rows = if shape.len() >= 2 { shape[0] } else { 1 };
    let cols = values.len().checked_div(rows).unwrap_or(0);
    DMatrix::from_row_slice(rows, cols, values)
}

/// Bytes of `values` (row-major, `shape`) dense, as CSR and as BSR 2×2 / 4×4.
///
/// # Errors
/// When `values` does not have `Π shape` entries.
///
/// ```
/// use cstk_ml::prune::storage;
/// let w = [1.0f32, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0];
/// let s = storage(&w, &[2, 4], 4).unwrap();
/// assert_eq!((s.nnz, s.dense), (2, 32));
/// assert_eq!(s.csr, 3 * 8 + 2 * (4 + 4));
/// assert_eq!(s.bsr2, Some(2 * 8 + 2 * (4 + 16)));
/// assert_eq!(s.bsr4, None);
/// ```
pub fn storage(values: &[f32], shape: &[usize], value_bytes: usize) -> Result<Storage> {
    super::check_shape(values.len(), shape, "storage")?;
    let m = view(values, shape);
    let (r, c) = m.shape();
    let csr = CsrMatrix::from_dense(&m, 0.0)?;
    let us = std::mem::size_of::<usize>();
    // cstk's byte counts are for f32 values; rescale the value part to `value_bytes`.
    let bsr = |b: usize| -> Option<usize> {
        let f32_bytes = csr.memory_bytes_as(SparseFormat::Bsr { r: b, c: b }).ok()?;
        let ptr = (r / b + 1) * us;
        let blocks = (f32_bytes - ptr) / (4 + b * b * 4);
        Some(ptr + blocks * (4 + b * b * value_bytes))
    };
    Ok(Storage {
        shape: (r, c),
        nnz: csr.nnz(),
        dense: r * c * value_bytes,
        csr: (r + 1) * us + csr.nnz() * (4 + value_bytes),
        bsr2: bsr(2),
        bsr4: bsr(4),
    })
}

/// Measured seconds of one `y = W x` (f32), dense (`nalgebra` matrix–vector product) and
/// CSR (cstk's SpMV), each the minimum over repetitions filling about `budget_s` seconds.
/// The ratio says where sparsity starts to pay on this machine.
///
/// # Errors
/// When `values` does not have `Π shape` entries.
///
/// ```
/// use cstk_ml::prune::spmv_seconds;
/// let w: Vec<f32> = (0..64 * 64).map(|i| if i % 10 == 0 { 1.0 } else { 0.0 }).collect();
/// let (dense, csr) = spmv_seconds(&w, &[64, 64], 0.002).unwrap();
/// assert!(dense > 0.0 && csr > 0.0);
/// ```
pub fn spmv_seconds(values: &[f32], shape: &[usize], budget_s: f64) -> Result<(f64, f64)> {
    super::check_shape(values.len(), shape, "spmv_seconds")?;
    let m = view(values, shape);
    let csr = CsrMatrix::from_dense(&m, 0.0)?;
    let x: Vec<f32> = (0..m.ncols())
        .map(|i| 1.0 + (i % 7) as f32 * 0.125)
        .collect();
    let xv = cstk_linop::nalgebra::DVector::from_vec(x.clone());
    let mut y = vec![0.0f32; m.nrows()];
    let time = |f: &mut dyn FnMut()| {
        let (mut best, start) = (f64::INFINITY, Instant::now());
        let mut reps = 0;
        while reps < 3 || (start.elapsed().as_secs_f64() < budget_s && reps < 100_000) {
            let t = Instant::now();
            f();
            best = best.min(t.elapsed().as_secs_f64());
            reps += 1;
        }
        best.max(1e-9)
    };
    let dense = time(&mut || {
        std::hint::black_box(&m * &xv);
    });
    let sparse = time(&mut || {
        csr.apply(&x, &mut y);
        std::hint::black_box(&y);
    });
    Ok((dense, sparse))
}
