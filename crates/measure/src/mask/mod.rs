//! MRI sampling masks on a `ny × nx` k-space grid.
//!
//! Conventions: row-major (`ky` is the row, `kx` the column), DC at index `(ny / 2, nx / 2)` —
//! the centered layout of [`Fft2::new(ny, nx, true)`](cstk_linop::Fft2), BART and SigPy.
//! `true` means "sampled".
//!
//! ```
//! use cstk_measure::mask::Mask;
//! let m = Mask::from_fn(4, 8, |_, kx| kx % 2 == 0);
//! assert_eq!(m.count(), 16);
//! assert_eq!(m.acceleration(), 2.0);
//! ```

use cstk_linop::{Error, Restriction, Result};

/// A binary sampling mask: `ny` rows (`ky`) of `nx` columns (`kx`), row-major, DC at
/// `(ny / 2, nx / 2)`.
///
/// ```
/// use cstk_measure::mask::Mask;
/// let m = Mask::new(2, 2, vec![true, false, false, true]).unwrap();
/// assert!(m.get(1, 1) && !m.get(0, 1));
/// assert_eq!(m.sampled_fraction(), 0.5);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mask {
    ny: usize,
    nx: usize,
    data: Vec<bool>,
}

impl Mask {
    /// A mask from row-major data. [`Error::ShapeMismatch`] unless `data.len() == ny * nx`;
    /// [`Error::InvalidParam`] if `ny` or `nx` is 0.
    ///
    /// ```
    /// use cstk_measure::mask::Mask;
    /// assert!(Mask::new(2, 3, vec![true; 5]).is_err());
    /// ```
    pub fn new(ny: usize, nx: usize, data: Vec<bool>) -> Result<Self> {
        check_shape(ny, nx)?;
        if data.len() != ny * nx {
            return Err(Error::ShapeMismatch {
                context: "mask data".into(),
                expected: format!("{ny} x {nx} = {} entries", ny * nx),
                got: format!("{}", data.len()),
            });
        }
        Ok(Mask { ny, nx, data })
    }

    /// The mask whose entry `(ky, kx)` is `f(ky, kx)` (indices into the array, DC at
    /// `(ny / 2, nx / 2)`). Panics if `ny` or `nx` is 0.
    ///
    /// ```
    /// use cstk_measure::mask::Mask;
    /// let centre = Mask::from_fn(5, 5, |ky, kx| ky == 2 && kx == 2);
    /// assert_eq!(centre.count(), 1);
    /// ```
    pub fn from_fn(ny: usize, nx: usize, mut f: impl FnMut(usize, usize) -> bool) -> Self {
        assert!(ny > 0 && nx > 0, "Mask::from_fn: empty shape {ny} x {nx}");
        let data = (0..ny * nx).map(|i| f(i / nx, i % nx)).collect();
        Mask { ny, nx, data }
    }

    /// Number of rows (`ky` positions).
    ///
    /// ```
    /// assert_eq!(cstk_measure::mask::Mask::from_fn(3, 4, |_, _| true).ny(), 3);
    /// ```
    pub fn ny(&self) -> usize {
        self.ny
    }

    /// Number of columns (`kx` positions).
    ///
    /// ```
    /// assert_eq!(cstk_measure::mask::Mask::from_fn(3, 4, |_, _| true).nx(), 4);
    /// ```
    pub fn nx(&self) -> usize {
        self.nx
    }

    /// `(ny, nx)`.
    ///
    /// ```
    /// assert_eq!(cstk_measure::mask::Mask::from_fn(3, 4, |_, _| true).shape(), (3, 4));
    /// ```
    pub fn shape(&self) -> (usize, usize) {
        (self.ny, self.nx)
    }

    /// The row-major entries.
    ///
    /// ```
    /// let m = cstk_measure::mask::Mask::from_fn(1, 3, |_, kx| kx == 1);
    /// assert_eq!(m.as_slice(), &[false, true, false]);
    /// ```
    pub fn as_slice(&self) -> &[bool] {
        &self.data
    }

    /// The row-major entries, by value.
    ///
    /// ```
    /// let m = cstk_measure::mask::Mask::from_fn(1, 2, |_, _| true);
    /// assert_eq!(m.into_vec(), vec![true, true]);
    /// ```
    pub fn into_vec(self) -> Vec<bool> {
        self.data
    }

    /// Whether `(ky, kx)` is sampled. Panics out of range.
    ///
    /// ```
    /// let m = cstk_measure::mask::Mask::from_fn(2, 2, |ky, _| ky == 0);
    /// assert!(m.get(0, 1) && !m.get(1, 0));
    /// ```
    pub fn get(&self, ky: usize, kx: usize) -> bool {
        assert!(ky < self.ny && kx < self.nx, "Mask::get: ({ky}, {kx}) out of range");
        self.data[ky * self.nx + kx]
    }

    /// Sets whether `(ky, kx)` is sampled. Panics out of range.
    ///
    /// ```
    /// let mut m = cstk_measure::mask::Mask::from_fn(2, 2, |_, _| false);
    /// m.set(1, 0, true);
    /// assert_eq!(m.count(), 1);
    /// ```
    pub fn set(&mut self, ky: usize, kx: usize, sampled: bool) {
        assert!(ky < self.ny && kx < self.nx, "Mask::set: ({ky}, {kx}) out of range");
        self.data[ky * self.nx + kx] = sampled;
    }

    /// Number of sampled points.
    ///
    /// ```
    /// assert_eq!(cstk_measure::mask::Mask::from_fn(4, 4, |ky, kx| ky == kx).count(), 4);
    /// ```
    pub fn count(&self) -> usize {
        self.data.iter().filter(|&&b| b).count()
    }

    /// Sampled fraction `count / (ny · nx)`.
    ///
    /// ```
    /// assert_eq!(cstk_measure::mask::Mask::from_fn(4, 4, |ky, kx| ky == kx).sampled_fraction(), 0.25);
    /// ```
    pub fn sampled_fraction(&self) -> f64 {
        self.count() as f64 / self.data.len() as f64
    }

    /// Achieved acceleration `(ny · nx) / count` (`inf` for an empty mask).
    ///
    /// ```
    /// assert_eq!(cstk_measure::mask::Mask::from_fn(4, 4, |ky, kx| ky == kx).acceleration(), 4.0);
    /// ```
    pub fn acceleration(&self) -> f64 {
        self.data.len() as f64 / self.count() as f64
    }

    /// The sampling operator: keeps the sampled entries of a row-major k-space, in row-major
    /// order (its adjoint zero-fills).
    ///
    /// ```
    /// use cstk_linop::LinOp;
    /// let m = cstk_measure::mask::Mask::from_fn(2, 2, |ky, kx| ky == kx);
    /// let r = m.to_restriction();
    /// assert_eq!(r.indices(), &[0, 3]);
    /// assert_eq!(LinOp::<f64>::nrows(&r), 2);
    /// ```
    pub fn to_restriction(&self) -> Restriction {
        Restriction::from_mask(&self.data)
    }
}

pub(crate) fn check_shape(ny: usize, nx: usize) -> Result<()> {
    if ny == 0 || nx == 0 {
        return Err(Error::InvalidParam {
            name: "shape".into(),
            value: format!("{ny}x{nx}"),
            expected: "both dimensions at least 1".into(),
        });
    }
    Ok(())
}
