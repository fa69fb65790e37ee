//! Dense random ensembles: Gaussian, Rademacher and uniform-on-the-sphere columns.

use crate::rng::{self, Domain, StandardNormal};
use cstk_linop::{DenseOp, Error, Result, Scalar};
use nalgebra::DMatrix;
use rand::Rng;
use rayon::prelude::*;

/// A dense random `m × n` sensing ensemble, normalized so every column has unit norm in
/// expectation (exactly, for [`Sphere`](DenseEnsemble::Sphere)).
///
/// | variant | real entries | complex entries |
/// |---|---|---|
/// | `Gaussian` | `N(0, 1/m)` | circular `CN(0, 1/m)`: real and imaginary parts `N(0, 1/(2m))` |
/// | `Rademacher` | `±1/√m` | `(±1 ± i)/√(2m)` (QPSK) |
/// | `Sphere` | Gaussian column scaled to unit norm | complex Gaussian column scaled to unit norm |
///
/// Column `j` is drawn from its own stream `rng::stream(seed, Domain::DENSE, j)` (see
/// [`crate::rng`]), columns are filled in parallel, and the matrix is bit-identical for any
/// number of threads. `f32` matrices are the `f64` values rounded.
///
/// ```
/// use cstk_measure::DenseEnsemble;
/// use cstk_linop::LinOp;
/// let a = DenseEnsemble::Rademacher.matrix::<f64>(16, 40, 1).unwrap();
/// assert!(a.iter().all(|v| v.abs() == 0.25));
/// let op = DenseEnsemble::Gaussian.operator::<f64>(16, 40, 1).unwrap();
/// assert_eq!(op.shape(), (16, 40));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DenseEnsemble {
    /// I.i.d. Gaussian entries of variance `1/m`.
    Gaussian,
    /// I.i.d. random signs `±1/√m`.
    Rademacher,
    /// I.i.d. columns uniform on the unit sphere.
    Sphere,
}

impl DenseEnsemble {
    /// The ensemble's name: `"gaussian"`, `"rademacher"` or `"sphere"`.
    ///
    /// ```
    /// assert_eq!(cstk_measure::DenseEnsemble::Sphere.name(), "sphere");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            DenseEnsemble::Gaussian => "gaussian",
            DenseEnsemble::Rademacher => "rademacher",
            DenseEnsemble::Sphere => "sphere",
        }
    }

    /// Draws the `m × n` matrix (column-major, as nalgebra stores it).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] if `m` or `n` is 0.
    ///
    /// ```
    /// use cstk_measure::DenseEnsemble;
    /// let a = DenseEnsemble::Sphere.matrix::<f64>(8, 3, 0).unwrap();
    /// for j in 0..3 { assert!((a.column(j).norm() - 1.0).abs() < 1e-15); }
    /// assert!(DenseEnsemble::Gaussian.matrix::<f64>(0, 3, 0).is_err());
    /// ```
    pub fn matrix<T: Scalar>(self, m: usize, n: usize, seed: u64) -> Result<DMatrix<T>> {
        check_dims(m, n)?;
        let mut data = vec![T::zero(); m * n];
        let normal = StandardNormal::new();
        data.par_chunks_mut(m)
            .enumerate()
            .for_each(|(j, col)| self.fill_column(col, seed, j as u64, &normal));
        Ok(DMatrix::from_vec(m, n, data))
    }

    /// The matrix as a [`DenseOp`] (rayon-parallel products).
    ///
    /// # Errors
    /// As [`matrix`](Self::matrix).
    ///
    /// ```
    /// use cstk_measure::DenseEnsemble;
    /// use cstk_linop::{LinOp, testing::dot_test};
    /// let op = DenseEnsemble::Gaussian.operator::<f64>(20, 50, 3).unwrap();
    /// dot_test(&op, 1e-12).unwrap();
    /// ```
    pub fn operator<T: Scalar>(self, m: usize, n: usize, seed: u64) -> Result<DenseOp<T>> {
        self.matrix(m, n, seed).map(DenseOp::new)
    }

    fn fill_column<T: Scalar>(self, col: &mut [T], seed: u64, j: u64, normal: &StandardNormal) {
        let m = col.len() as f64;
        let mut r = rng::stream(seed, Domain::DENSE, j);
        match self {
            DenseEnsemble::Gaussian => fill_gaussian(col, &mut r, normal, 1.0 / m.sqrt()),
            DenseEnsemble::Rademacher => {
                if T::IS_COMPLEX {
                    let s = 1.0 / (2.0 * m).sqrt();
                    fill_signs(col, &mut r, 2, |b| {
                        T::from_f64_parts(
                            if b & 1 == 1 { -s } else { s },
                            if b & 2 == 2 { -s } else { s },
                        )
                    });
                } else {
                    let s = 1.0 / m.sqrt();
                    fill_signs(col, &mut r, 1, |b| {
                        T::from_f64_parts(if b == 1 { -s } else { s }, 0.0)
                    });
                }
            }
            DenseEnsemble::Sphere => {
                // Draw in f64, normalize in f64, then round once.
                let parts = if T::IS_COMPLEX { 2 } else { 1 };
                let mut z = vec![0.0f64; parts * col.len()];
                normal.fill(&mut r, &mut z, 1.0);
                let norm = z.iter().map(|v| v * v).sum::<f64>().sqrt();
                let inv = if norm > 0.0 { 1.0 / norm } else { 0.0 };
                for (i, c) in col.iter_mut().enumerate() {
                    *c = if T::IS_COMPLEX {
                        T::from_f64_parts(z[2 * i] * inv, z[2 * i + 1] * inv)
                    } else {
                        T::from_f64_parts(z[i] * inv, 0.0)
                    };
                }
            }
        }
    }
}

impl std::fmt::Display for DenseEnsemble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for DenseEnsemble {
    type Err = Error;

    /// Parses `gaussian`, `rademacher` or `sphere` (case-insensitive).
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "gaussian" => Ok(DenseEnsemble::Gaussian),
            "rademacher" => Ok(DenseEnsemble::Rademacher),
            "sphere" => Ok(DenseEnsemble::Sphere),
            _ => Err(Error::InvalidParam {
                name: "ensemble",
                value: s.to_string(),
                expected: "gaussian, rademacher or sphere".into(),
            }),
        }
    }
}

/// Entries `scale · N(0, 1)` (complex: each part `scale/√2 · N(0, 1)`), one column.
fn fill_gaussian<T: Scalar, G: Rng>(col: &mut [T], r: &mut G, normal: &StandardNormal, scale: f64) {
    let mut z = normal.iter(r);
    if T::IS_COMPLEX {
        let s = scale * std::f64::consts::FRAC_1_SQRT_2;
        for c in col {
            let (re, im) = (z.next().unwrap_or(0.0), z.next().unwrap_or(0.0));
            *c = T::from_f64_parts(s * re, s * im);
        }
    } else {
        for (c, v) in col.iter_mut().zip(z) {
            *c = T::from_f64_parts(scale * v, 0.0);
        }
    }
}

/// Fills with `value(bits)` where `bits` are the next `width` random bits (64/width entries
/// per 64-bit word, low bits first).
fn fill_signs<T, G: Rng>(col: &mut [T], r: &mut G, width: u32, value: impl Fn(u64) -> T) {
    let per_word = (64 / width) as usize;
    let mask = (1u64 << width) - 1;
    for chunk in col.chunks_mut(per_word) {
        let mut w = r.next_u64();
        for c in chunk {
            *c = value(w & mask);
            w >>= width;
        }
    }
}

pub(crate) fn check_dims(m: usize, n: usize) -> Result<()> {
    for (name, v) in [("m", m), ("n", n)] {
        if v == 0 {
            return Err(Error::InvalidParam {
                name,
                value: "0".into(),
                expected: "a positive matrix dimension".into(),
            });
        }
    }
    Ok(())
}
