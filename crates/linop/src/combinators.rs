//! Operator combinators: building operators from operators.
//!
//! | combinator | operator | adjoint | temporaries (besides the children's scratch) |
//! |---|---|---|---|
//! | [`Compose`] | `A B` | `Bᴴ Aᴴ` | one vector of length `B.nrows()` |
//! | [`Adjoint`] | `Aᴴ` | `A` | none |
//! | [`Scaled`] | `α A` | `conj(α) Aᴴ` | none |
//! | [`Sum`] | `A + B` | `Aᴴ + Bᴴ` | one vector of length `max(nrows, ncols)` |
//! | [`Identity`] | `I` | `I` | none |
//! | [`Diagonal`] | `diag(d)` | `diag(conj(d))` | none |
//! | [`Restriction`] | keep the entries at `indices` | zero-fill the others | none |
//!
//! Shapes are checked once, when a combinator is built ([`Compose::try_new`],
//! [`Sum::try_new`] return [`Error::ShapeMismatch`]); applying never allocates: a node's
//! [`scratch_len`](LinOp::scratch_len) is its own temporaries plus the largest of its
//! children's (children run one after the other and share the rest of the buffer).
//! [`LinOpExt`] offers the same constructors as methods, for fluent building:
//!
//! ```
//! use cstk_linop::{DenseOp, LinOp, LinOpExt, Restriction, testing::dot_test};
//! // Undersampled measurement y = 2 · R · A, with R keeping rows 0 and 2 of A.
//! let a = DenseOp::from_row_slice(3, 2, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])?;
//! let r = Restriction::from_mask(&[true, false, true]);
//! let op = r.compose(&a)?.scaled(2.0);
//! assert_eq!(op.shape(), (2, 2));
//! assert_eq!(op.apply_vec(&[1.0, 1.0]), vec![6.0, 22.0]);
//! dot_test(&op, 1e-12).unwrap();
//! # Ok::<(), cstk_linop::Error>(())
//! ```

use crate::{Error, LinOp, Result, Scalar, check_len, scratch_prefix};

/// The shape `m x n` as a string, for error messages.
fn shape_str(m: usize, n: usize) -> String {
    format!("{m}x{n}")
}

// ---------------------------------------------------------------------------------------
// Compose
// ---------------------------------------------------------------------------------------

/// The product `A B` of two operators: `apply` runs `B` then `A`, `adjoint` runs `Aᴴ`
/// then `Bᴴ`.
///
/// Built by [`Compose::try_new`] or [`LinOpExt::compose`], which check
/// `A.ncols() == B.nrows()`. The intermediate vector lives in the scratch buffer, so
/// [`scratch_len`](LinOp::scratch_len) is `B.nrows() + max(A.scratch_len(), B.scratch_len())`.
///
/// ```
/// use cstk_linop::{Compose, DenseOp, Diagonal, LinOp};
/// let a = DenseOp::from_row_slice(2, 2, &[0.0, 1.0, 1.0, 0.0])?; // swap
/// let d = Diagonal::new(vec![2.0, 3.0]);
/// let ad = Compose::try_new(a, d)?; // first scale, then swap
/// assert_eq!(ad.apply_vec(&[1.0, 1.0]), vec![3.0, 2.0]);
/// assert_eq!(ad.adjoint_vec(&[1.0, 0.0]), vec![0.0, 3.0]);
/// assert_eq!(ad.scratch_len(), 2);
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Compose<A, B> {
    outer: A,
    inner: B,
}

impl<A, B> Compose<A, B> {
    /// `A B`; errors with [`Error::ShapeMismatch`] naming both shapes unless
    /// `a.ncols() == b.nrows()`.
    ///
    /// For operators that act on every scalar type ([`Identity`], [`Restriction`]) the
    /// scalar type may need naming: `Compose::try_new::<f64>(r, i)`.
    ///
    /// ```
    /// use cstk_linop::{Compose, Error, Identity, Restriction};
    /// let r = Restriction::new(4, vec![1, 3])?;
    /// assert!(Compose::try_new::<f64>(r.clone(), Identity::new(4)).is_ok());
    /// let err = Compose::try_new::<f64>(r, Identity::new(3)).unwrap_err();
    /// assert!(matches!(err, Error::ShapeMismatch { .. }));
    /// assert!(err.to_string().contains("2x4") && err.to_string().contains("3x3"));
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn try_new<T: Scalar>(a: A, b: B) -> Result<Self>
    where
        A: LinOp<T>,
        B: LinOp<T>,
    {
        if a.ncols() != b.nrows() {
            return Err(Error::ShapeMismatch {
                context: "Compose A·B".into(),
                expected: format!(
                    "B with {} rows (A is {})",
                    a.ncols(),
                    shape_str(a.nrows(), a.ncols())
                ),
                got: format!("B of shape {}", shape_str(b.nrows(), b.ncols())),
            });
        }
        Ok(Self { outer: a, inner: b })
    }

    /// The left factor `A` (applied last).
    ///
    /// ```
    /// use cstk_linop::{Compose, Diagonal, Identity};
    /// let c = Compose::try_new(Diagonal::new(vec![2.0]), Identity::new(1))?;
    /// assert_eq!(c.outer().diagonal(), &[2.0]);
    /// assert_eq!(c.inner().dim(), 1);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn outer(&self) -> &A {
        &self.outer
    }

    /// The right factor `B` (applied first).
    ///
    /// ```
    /// use cstk_linop::{Compose, Diagonal, Identity};
    /// let c = Compose::try_new(Identity::new(1), Diagonal::new(vec![2.0]))?;
    /// assert_eq!(c.inner().diagonal(), &[2.0]);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn inner(&self) -> &B {
        &self.inner
    }

    /// `(A, B)`.
    ///
    /// ```
    /// use cstk_linop::{Compose, Diagonal};
    /// let c = Compose::try_new(Diagonal::new(vec![1.0]), Diagonal::new(vec![2.0]))?;
    /// let (a, b) = c.into_parts();
    /// assert_eq!((a.diagonal()[0], b.diagonal()[0]), (1.0, 2.0));
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn into_parts(self) -> (A, B) {
        (self.outer, self.inner)
    }
}

impl<T: Scalar, A: LinOp<T>, B: LinOp<T>> LinOp<T> for Compose<A, B> {
    fn nrows(&self) -> usize {
        self.outer.nrows()
    }
    fn ncols(&self) -> usize {
        self.inner.ncols()
    }
    fn scratch_len(&self) -> usize {
        self.inner.nrows() + self.outer.scratch_len().max(self.inner.scratch_len())
    }
    fn apply_with_scratch(&self, x: &[T], y: &mut [T], scratch: &mut [T]) {
        let need = LinOp::<T>::scratch_len(self);
        let scratch = scratch_prefix("Compose A·B apply: scratch", scratch, need);
        let (mid, rest) = scratch.split_at_mut(self.inner.nrows());
        let (sa, sb) = (self.outer.scratch_len(), self.inner.scratch_len());
        self.inner.apply_with_scratch(x, mid, &mut rest[..sb]);
        self.outer.apply_with_scratch(mid, y, &mut rest[..sa]);
    }
    fn adjoint_with_scratch(&self, y: &[T], x: &mut [T], scratch: &mut [T]) {
        let need = LinOp::<T>::scratch_len(self);
        let scratch = scratch_prefix("Compose A·B adjoint: scratch", scratch, need);
        let (mid, rest) = scratch.split_at_mut(self.inner.nrows());
        let (sa, sb) = (self.outer.scratch_len(), self.inner.scratch_len());
        self.outer.adjoint_with_scratch(y, mid, &mut rest[..sa]);
        self.inner.adjoint_with_scratch(mid, x, &mut rest[..sb]);
    }
}

// ---------------------------------------------------------------------------------------
// Adjoint
// ---------------------------------------------------------------------------------------

/// The adjoint `Aᴴ` of an operator, as an operator: `apply` is `A`'s adjoint, `adjoint`
/// is `A`'s apply, and the shape is transposed. Nothing is copied or computed.
///
/// ```
/// use cstk_linop::{Adjoint, DenseOp, LinOp};
/// let a = DenseOp::from_row_slice(1, 2, &[1.0, 2.0])?;
/// let ah = Adjoint::new(&a);
/// assert_eq!(ah.shape(), (2, 1));
/// assert_eq!(ah.apply_vec(&[3.0]), vec![3.0, 6.0]);
/// assert_eq!(ah.adjoint_vec(&[1.0, 1.0]), vec![3.0]);
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Adjoint<A> {
    inner: A,
}

impl<A> Adjoint<A> {
    /// The adjoint view of `a`.
    ///
    /// ```
    /// use cstk_linop::{Adjoint, Diagonal, LinOp, num_complex::Complex};
    /// let d = Diagonal::new(vec![Complex::new(1.0, 2.0)]);
    /// let one = Complex::new(1.0, 0.0);
    /// assert_eq!(Adjoint::new(d).apply_vec(&[one]), vec![Complex::new(1.0, -2.0)]);
    /// ```
    pub fn new(a: A) -> Self {
        Self { inner: a }
    }

    /// The operator `A` this is the adjoint of.
    ///
    /// ```
    /// use cstk_linop::{Adjoint, Identity};
    /// assert_eq!(Adjoint::new(Identity::new(3)).inner().dim(), 3);
    /// ```
    pub fn inner(&self) -> &A {
        &self.inner
    }

    /// Returns `A`.
    ///
    /// ```
    /// use cstk_linop::{Adjoint, Identity};
    /// assert_eq!(Adjoint::new(Identity::new(3)).into_inner(), Identity::new(3));
    /// ```
    pub fn into_inner(self) -> A {
        self.inner
    }
}

impl<T: Scalar, A: LinOp<T>> LinOp<T> for Adjoint<A> {
    fn nrows(&self) -> usize {
        self.inner.ncols()
    }
    fn ncols(&self) -> usize {
        self.inner.nrows()
    }
    fn scratch_len(&self) -> usize {
        self.inner.scratch_len()
    }
    fn apply_with_scratch(&self, x: &[T], y: &mut [T], scratch: &mut [T]) {
        self.inner.adjoint_with_scratch(x, y, scratch);
    }
    fn adjoint_with_scratch(&self, y: &[T], x: &mut [T], scratch: &mut [T]) {
        self.inner.apply_with_scratch(y, x, scratch);
    }
}

// ---------------------------------------------------------------------------------------
// Scaled
// ---------------------------------------------------------------------------------------

/// `α A` for a scalar `α`; the adjoint is `conj(α) Aᴴ`. The scaling is applied in place
/// to the output of `A`, so no scratch is added.
///
/// ```
/// use cstk_linop::{Identity, LinOp, Scaled, num_complex::Complex};
/// let i = Complex::new(0.0, 1.0);
/// let s = Scaled::new(Identity::new(2), i);
/// let one = Complex::new(1.0, 0.0);
/// assert_eq!(s.apply_vec(&[one, one]), vec![i, i]);
/// assert_eq!(s.adjoint_vec(&[one, one]), vec![-i, -i]);
/// ```
#[derive(Clone, Debug)]
pub struct Scaled<A, T> {
    inner: A,
    alpha: T,
}

impl<A, T: Scalar> Scaled<A, T> {
    /// `alpha · a`.
    ///
    /// ```
    /// use cstk_linop::{Diagonal, LinOp, Scaled};
    /// let s = Scaled::new(Diagonal::new(vec![1.0, 2.0]), -3.0);
    /// assert_eq!(s.apply_vec(&[1.0, 1.0]), vec![-3.0, -6.0]);
    /// ```
    pub fn new(a: A, alpha: T) -> Self {
        Self { inner: a, alpha }
    }

    /// The factor `α`.
    ///
    /// ```
    /// use cstk_linop::{Identity, Scaled};
    /// assert_eq!(Scaled::new(Identity::new(2), 0.5f32).alpha(), 0.5);
    /// ```
    pub fn alpha(&self) -> T {
        self.alpha
    }

    /// The operator `A` being scaled.
    ///
    /// ```
    /// use cstk_linop::{Identity, Scaled};
    /// assert_eq!(Scaled::new(Identity::new(2), 0.5).inner().dim(), 2);
    /// ```
    pub fn inner(&self) -> &A {
        &self.inner
    }

    /// Returns `A`.
    ///
    /// ```
    /// use cstk_linop::{Identity, Scaled};
    /// assert_eq!(Scaled::new(Identity::new(2), 0.5).into_inner(), Identity::new(2));
    /// ```
    pub fn into_inner(self) -> A {
        self.inner
    }
}

impl<T: Scalar, A: LinOp<T>> LinOp<T> for Scaled<A, T> {
    fn nrows(&self) -> usize {
        self.inner.nrows()
    }
    fn ncols(&self) -> usize {
        self.inner.ncols()
    }
    fn scratch_len(&self) -> usize {
        self.inner.scratch_len()
    }
    fn apply_with_scratch(&self, x: &[T], y: &mut [T], scratch: &mut [T]) {
        self.inner.apply_with_scratch(x, y, scratch);
        let a = self.alpha;
        y.iter_mut().for_each(|v| *v *= a);
    }
    fn adjoint_with_scratch(&self, y: &[T], x: &mut [T], scratch: &mut [T]) {
        self.inner.adjoint_with_scratch(y, x, scratch);
        let a = self.alpha.conjugate();
        x.iter_mut().for_each(|v| *v *= a);
    }
}

// ---------------------------------------------------------------------------------------
// Sum
// ---------------------------------------------------------------------------------------

/// The sum `A + B` of two operators of the same shape.
///
/// `A`'s result goes straight into the output buffer and `B`'s into a temporary in the
/// scratch buffer, which is then added (`A`'s part first), so
/// [`scratch_len`](LinOp::scratch_len) is
/// `max(nrows, ncols) + max(A.scratch_len(), B.scratch_len())`.
///
/// ```
/// use cstk_linop::{Diagonal, Identity, LinOp, Sum};
/// let s = Sum::try_new(Diagonal::new(vec![1.0, 2.0]), Identity::new(2))?;
/// assert_eq!(s.apply_vec(&[1.0, 1.0]), vec![2.0, 3.0]);
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Sum<A, B> {
    a: A,
    b: B,
}

impl<A, B> Sum<A, B> {
    /// `A + B`; errors with [`Error::ShapeMismatch`] naming both shapes unless they are equal.
    ///
    /// For operators that act on every scalar type ([`Identity`], [`Restriction`]) the
    /// scalar type may need naming: `Sum::try_new::<f64>(i, j)`.
    ///
    /// ```
    /// use cstk_linop::{Identity, Sum};
    /// assert!(Sum::try_new::<f64>(Identity::new(2), Identity::new(2)).is_ok());
    /// let err = Sum::try_new::<f64>(Identity::new(2), Identity::new(3)).unwrap_err();
    /// assert!(err.to_string().contains("2x2") && err.to_string().contains("3x3"));
    /// ```
    pub fn try_new<T: Scalar>(a: A, b: B) -> Result<Self>
    where
        A: LinOp<T>,
        B: LinOp<T>,
    {
        if a.shape() != b.shape() {
            return Err(Error::ShapeMismatch {
                context: "Sum A + B".into(),
                expected: format!(
                    "B of shape {} (the shape of A)",
                    shape_str(a.nrows(), a.ncols())
                ),
                got: format!("B of shape {}", shape_str(b.nrows(), b.ncols())),
            });
        }
        Ok(Self { a, b })
    }

    /// The terms `(&A, &B)`.
    ///
    /// ```
    /// use cstk_linop::{Diagonal, Sum};
    /// let s = Sum::try_new(Diagonal::new(vec![1.0]), Diagonal::new(vec![2.0]))?;
    /// assert_eq!(s.parts().1.diagonal(), &[2.0]);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn parts(&self) -> (&A, &B) {
        (&self.a, &self.b)
    }

    /// Returns `(A, B)`.
    ///
    /// ```
    /// use cstk_linop::{Diagonal, Sum};
    /// let s = Sum::try_new(Diagonal::new(vec![1.0]), Diagonal::new(vec![2.0]))?;
    /// let (a, _b) = s.into_parts();
    /// assert_eq!(a.diagonal(), &[1.0]);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn into_parts(self) -> (A, B) {
        (self.a, self.b)
    }
}

impl<T: Scalar, A: LinOp<T>, B: LinOp<T>> LinOp<T> for Sum<A, B> {
    fn nrows(&self) -> usize {
        self.a.nrows()
    }
    fn ncols(&self) -> usize {
        self.a.ncols()
    }
    fn scratch_len(&self) -> usize {
        self.a.nrows().max(self.a.ncols()) + self.a.scratch_len().max(self.b.scratch_len())
    }
    fn apply_with_scratch(&self, x: &[T], y: &mut [T], scratch: &mut [T]) {
        let need = LinOp::<T>::scratch_len(self);
        let scratch = scratch_prefix("Sum A + B apply: scratch", scratch, need);
        let (tmp, rest) = scratch.split_at_mut(self.a.nrows().max(self.a.ncols()));
        let tmp = &mut tmp[..self.a.nrows()];
        let (sa, sb) = (self.a.scratch_len(), self.b.scratch_len());
        self.a.apply_with_scratch(x, y, &mut rest[..sa]);
        self.b.apply_with_scratch(x, tmp, &mut rest[..sb]);
        y.iter_mut().zip(tmp.iter()).for_each(|(v, &t)| *v += t);
    }
    fn adjoint_with_scratch(&self, y: &[T], x: &mut [T], scratch: &mut [T]) {
        let need = LinOp::<T>::scratch_len(self);
        let scratch = scratch_prefix("Sum A + B adjoint: scratch", scratch, need);
        let (tmp, rest) = scratch.split_at_mut(self.a.nrows().max(self.a.ncols()));
        let tmp = &mut tmp[..self.a.ncols()];
        let (sa, sb) = (self.a.scratch_len(), self.b.scratch_len());
        self.a.adjoint_with_scratch(y, x, &mut rest[..sa]);
        self.b.adjoint_with_scratch(y, tmp, &mut rest[..sb]);
        x.iter_mut().zip(tmp.iter()).for_each(|(v, &t)| *v += t);
    }
}

// ---------------------------------------------------------------------------------------
// Identity
// ---------------------------------------------------------------------------------------

/// The `n × n` identity, for every scalar type: `apply` and `adjoint` copy.
///
/// ```
/// use cstk_linop::{Identity, LinOp};
/// let i = Identity::new(3);
/// assert_eq!(LinOp::<f64>::shape(&i), (3, 3));
/// assert_eq!(i.apply_vec(&[1.0f32, 2.0, 3.0]), vec![1.0, 2.0, 3.0]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Identity {
    n: usize,
}

impl Identity {
    /// The identity on vectors of length `n`.
    ///
    /// ```
    /// use cstk_linop::{Identity, LinOp};
    /// assert_eq!(Identity::new(2).adjoint_vec(&[5.0, 6.0]), vec![5.0, 6.0]);
    /// ```
    pub fn new(n: usize) -> Self {
        Self { n }
    }

    /// The dimension `n`.
    ///
    /// ```
    /// assert_eq!(cstk_linop::Identity::new(7).dim(), 7);
    /// ```
    pub fn dim(&self) -> usize {
        self.n
    }
}

impl<T: Scalar> LinOp<T> for Identity {
    fn nrows(&self) -> usize {
        self.n
    }
    fn ncols(&self) -> usize {
        self.n
    }
    fn apply_with_scratch(&self, x: &[T], y: &mut [T], _scratch: &mut [T]) {
        check_len("Identity apply: input x", self.n, x.len());
        check_len("Identity apply: output y", self.n, y.len());
        y.copy_from_slice(x);
    }
    fn adjoint_with_scratch(&self, y: &[T], x: &mut [T], _scratch: &mut [T]) {
        check_len("Identity adjoint: input y", self.n, y.len());
        check_len("Identity adjoint: output x", self.n, x.len());
        x.copy_from_slice(y);
    }
}

// ---------------------------------------------------------------------------------------
// Diagonal
// ---------------------------------------------------------------------------------------

/// The square diagonal operator `diag(d)`: `y_i = d_i x_i`; the adjoint multiplies by
/// `conj(d_i)`.
///
/// ```
/// use cstk_linop::{Diagonal, LinOp, num_complex::Complex};
/// let d = Diagonal::new(vec![Complex::new(0.0, 1.0), Complex::new(2.0, 0.0)]);
/// let x = [Complex::new(1.0, 0.0), Complex::new(1.0, 1.0)];
/// assert_eq!(d.apply_vec(&x), vec![Complex::new(0.0, 1.0), Complex::new(2.0, 2.0)]);
/// assert_eq!(d.adjoint_vec(&x), vec![Complex::new(0.0, -1.0), Complex::new(2.0, 2.0)]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Diagonal<T> {
    d: Vec<T>,
}

impl<T: Scalar> Diagonal<T> {
    /// `diag(d)`, of shape `d.len() × d.len()`.
    ///
    /// ```
    /// use cstk_linop::{Diagonal, LinOp};
    /// let d = Diagonal::new(vec![1.0, 2.0, 3.0]);
    /// assert_eq!(d.shape(), (3, 3));
    /// ```
    pub fn new(d: Vec<T>) -> Self {
        Self { d }
    }

    /// The diagonal entries `d`.
    ///
    /// ```
    /// assert_eq!(cstk_linop::Diagonal::new(vec![4.0, 5.0]).diagonal(), &[4.0, 5.0]);
    /// ```
    pub fn diagonal(&self) -> &[T] {
        &self.d
    }

    /// The dimension `n = d.len()`.
    ///
    /// ```
    /// assert_eq!(cstk_linop::Diagonal::new(vec![4.0, 5.0]).dim(), 2);
    /// ```
    pub fn dim(&self) -> usize {
        self.d.len()
    }

    /// Returns `d`.
    ///
    /// ```
    /// assert_eq!(cstk_linop::Diagonal::new(vec![4.0f32]).into_vec(), vec![4.0]);
    /// ```
    pub fn into_vec(self) -> Vec<T> {
        self.d
    }
}

impl<T: Scalar> From<Vec<T>> for Diagonal<T> {
    fn from(d: Vec<T>) -> Self {
        Self::new(d)
    }
}

impl<T: Scalar> LinOp<T> for Diagonal<T> {
    fn nrows(&self) -> usize {
        self.d.len()
    }
    fn ncols(&self) -> usize {
        self.d.len()
    }
    fn apply_with_scratch(&self, x: &[T], y: &mut [T], _scratch: &mut [T]) {
        check_len("Diagonal apply: input x", self.d.len(), x.len());
        check_len("Diagonal apply: output y", self.d.len(), y.len());
        for ((yi, &di), &xi) in y.iter_mut().zip(&self.d).zip(x) {
            *yi = di * xi;
        }
    }
    fn adjoint_with_scratch(&self, y: &[T], x: &mut [T], _scratch: &mut [T]) {
        check_len("Diagonal adjoint: input y", self.d.len(), y.len());
        check_len("Diagonal adjoint: output x", self.d.len(), x.len());
        for ((xi, &di), &yi) in x.iter_mut().zip(&self.d).zip(y) {
            *xi = di.conjugate() * yi;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Restriction
// ---------------------------------------------------------------------------------------

/// Keeps a subset of the entries of a vector of length `n` (e.g. the k-space samples a
/// mask keeps), for every scalar type.
///
/// With kept indices `i_0 < i_1 < … < i_{m-1}`, `apply` gathers `y_k = x_{i_k}` (an
/// `m × n` operator) and `adjoint` scatters `y` back and zero-fills the rest. `R Rᴴ = I`,
/// and `Rᴴ R` is the diagonal 0/1 mask.
///
/// ```
/// use cstk_linop::{LinOp, Restriction};
/// let r = Restriction::from_mask(&[true, false, false, true]);
/// assert_eq!(r.indices(), &[0, 3]);
/// assert_eq!(r.apply_vec(&[1.0, 2.0, 3.0, 4.0]), vec![1.0, 4.0]);
/// assert_eq!(r.adjoint_vec(&[1.0, 4.0]), vec![1.0, 0.0, 0.0, 4.0]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Restriction {
    n: usize,
    indices: Vec<usize>,
}

impl Restriction {
    /// Keeps `indices` of a vector of length `n`. The indices must be `< n` and strictly
    /// increasing (so each is kept once and `y` is in the order of `x`); otherwise an
    /// [`Error::InvalidParam`] names the first offending position.
    ///
    /// ```
    /// use cstk_linop::{LinOp, Restriction};
    /// let r = Restriction::new(5, vec![1, 2, 4])?;
    /// assert_eq!(r.apply_vec(&[0.0, 1.0, 2.0, 3.0, 4.0]), vec![1.0, 2.0, 4.0]);
    /// assert!(Restriction::new(5, vec![1, 5]).is_err()); // out of range
    /// assert!(Restriction::new(5, vec![2, 2]).is_err()); // repeated
    /// assert!(Restriction::new(5, vec![3, 1]).is_err()); // unsorted
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn new(n: usize, indices: Vec<usize>) -> Result<Self> {
        for (k, &i) in indices.iter().enumerate() {
            if i >= n {
                return Err(Error::InvalidParam {
                    name: "indices",
                    value: format!("indices[{k}] = {i}"),
                    expected: format!("indices < n = {n}"),
                });
            }
            if k > 0 && indices[k - 1] >= i {
                return Err(Error::InvalidParam {
                    name: "indices",
                    value: format!(
                        "indices[{}] = {}, indices[{k}] = {i}",
                        k - 1,
                        indices[k - 1]
                    ),
                    expected: "strictly increasing indices".into(),
                });
            }
        }
        Ok(Self { n, indices })
    }

    /// Keeps the entries where `mask` is `true`; `n = mask.len()`.
    ///
    /// ```
    /// use cstk_linop::Restriction;
    /// let r = Restriction::from_mask(&[false, true, true]);
    /// assert_eq!((r.len(), r.full_len()), (2, 3));
    /// ```
    pub fn from_mask(mask: &[bool]) -> Self {
        Self {
            n: mask.len(),
            indices: mask
                .iter()
                .enumerate()
                .filter_map(|(i, &keep)| keep.then_some(i))
                .collect(),
        }
    }

    /// The kept indices, strictly increasing.
    ///
    /// ```
    /// let r = cstk_linop::Restriction::from_mask(&[true, false, true]);
    /// assert_eq!(r.indices(), &[0, 2]);
    /// ```
    pub fn indices(&self) -> &[usize] {
        &self.indices
    }

    /// Number of kept entries `m` (the operator's number of rows).
    ///
    /// ```
    /// assert_eq!(cstk_linop::Restriction::from_mask(&[true, false, true]).len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    /// `true` when no entry is kept.
    ///
    /// ```
    /// assert!(cstk_linop::Restriction::from_mask(&[false, false]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// Length `n` of the full vector (the operator's number of columns).
    ///
    /// ```
    /// assert_eq!(cstk_linop::Restriction::from_mask(&[true, false, true]).full_len(), 3);
    /// ```
    pub fn full_len(&self) -> usize {
        self.n
    }

    /// Fraction of entries kept, `m / n` (0 when `n = 0`); for a k-space mask, the
    /// sampling rate (the inverse of the acceleration factor).
    ///
    /// ```
    /// assert_eq!(cstk_linop::Restriction::from_mask(&[true, false, false, true]).fraction(), 0.5);
    /// ```
    pub fn fraction(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.indices.len() as f64 / self.n as f64
        }
    }

    /// The boolean mask of length `n` (`true` at the kept indices), the inverse of
    /// [`from_mask`](Self::from_mask).
    ///
    /// ```
    /// let mask = [false, true, true, false];
    /// assert_eq!(cstk_linop::Restriction::from_mask(&mask).to_mask(), mask);
    /// ```
    pub fn to_mask(&self) -> Vec<bool> {
        let mut mask = vec![false; self.n];
        for &i in &self.indices {
            mask[i] = true;
        }
        mask
    }

    /// Returns the kept indices.
    ///
    /// ```
    /// assert_eq!(cstk_linop::Restriction::from_mask(&[false, true]).into_indices(), vec![1]);
    /// ```
    pub fn into_indices(self) -> Vec<usize> {
        self.indices
    }
}

impl<T: Scalar> LinOp<T> for Restriction {
    fn nrows(&self) -> usize {
        self.indices.len()
    }
    fn ncols(&self) -> usize {
        self.n
    }
    fn apply_with_scratch(&self, x: &[T], y: &mut [T], _scratch: &mut [T]) {
        check_len("Restriction apply: input x", self.n, x.len());
        check_len("Restriction apply: output y", self.indices.len(), y.len());
        for (yk, &i) in y.iter_mut().zip(&self.indices) {
            *yk = x[i];
        }
    }
    fn adjoint_with_scratch(&self, y: &[T], x: &mut [T], _scratch: &mut [T]) {
        check_len("Restriction adjoint: input y", self.indices.len(), y.len());
        check_len("Restriction adjoint: output x", self.n, x.len());
        x.fill(T::zero());
        for (&yk, &i) in y.iter().zip(&self.indices) {
            x[i] = yk;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Fluent building
// ---------------------------------------------------------------------------------------

/// Combinators as methods, for every operator: `a.compose(b)?.scaled(2.0).plus(c)?`.
///
/// Methods take the operator by value; pass a reference (`(&a).compose(&b)`) or an
/// [`Arc`](std::sync::Arc) to keep using the parts.
///
/// ```
/// use cstk_linop::{DenseOp, Identity, LinOp, LinOpExt, testing::dot_test};
/// let a = DenseOp::from_row_slice(2, 2, &[1.0, 2.0, 3.0, 4.0])?;
/// // Aᴴ A + 0.5 I, the normal operator of ridge regression
/// let normal = (&a).adjoint_op().compose(&a)?.plus(Identity::new(2).scaled(0.5))?;
/// assert_eq!(normal.apply_vec(&[1.0, 0.0]), vec![10.5, 14.0]);
/// dot_test(&normal, 1e-12).unwrap();
/// # Ok::<(), cstk_linop::Error>(())
/// ```
pub trait LinOpExt<T: Scalar>: LinOp<T> + Sized {
    /// `self · b` (apply `b` first); see [`Compose::try_new`].
    ///
    /// ```
    /// use cstk_linop::{Diagonal, LinOp, LinOpExt};
    /// let c = Diagonal::new(vec![2.0]).compose(Diagonal::new(vec![3.0]))?;
    /// assert_eq!(c.apply_vec(&[1.0]), vec![6.0]);
    /// assert!(Diagonal::new(vec![2.0]).compose(Diagonal::new(vec![3.0, 4.0])).is_err());
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    fn compose<B: LinOp<T>>(self, b: B) -> Result<Compose<Self, B>> {
        Compose::try_new::<T>(self, b)
    }

    /// `selfᴴ` as an operator; see [`Adjoint`].
    ///
    /// ```
    /// use cstk_linop::{DenseOp, LinOp, LinOpExt};
    /// let ah = DenseOp::from_row_slice(1, 2, &[1.0, 2.0])?.adjoint_op();
    /// assert_eq!(ah.apply_vec(&[1.0]), vec![1.0, 2.0]);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    fn adjoint_op(self) -> Adjoint<Self> {
        Adjoint::new(self)
    }

    /// `alpha · self`; see [`Scaled`].
    ///
    /// ```
    /// use cstk_linop::{Identity, LinOp, LinOpExt};
    /// assert_eq!(Identity::new(1).scaled(4.0).apply_vec(&[2.0]), vec![8.0]);
    /// ```
    fn scaled(self, alpha: T) -> Scaled<Self, T> {
        Scaled::new(self, alpha)
    }

    /// `self + b`; see [`Sum::try_new`].
    ///
    /// ```
    /// use cstk_linop::{Diagonal, LinOp, LinOpExt};
    /// let s = Diagonal::new(vec![1.0]).plus(Diagonal::new(vec![2.0]))?;
    /// assert_eq!(s.apply_vec(&[1.0]), vec![3.0]);
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    fn plus<B: LinOp<T>>(self, b: B) -> Result<Sum<Self, B>> {
        Sum::try_new::<T>(self, b)
    }
}

impl<T: Scalar, L: LinOp<T>> LinOpExt<T> for L {}
