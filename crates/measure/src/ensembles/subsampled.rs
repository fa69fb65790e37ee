//! Random row subsets of fast orthonormal transforms: partial Fourier, partial DCT, the
//! subsampled randomized Hadamard transform and structurally random matrices.

use super::dense::check_dims;
use crate::rng::{self, Domain, coin, permutation, sample_indices};
use cstk_linop::{
    Complex, Dct1, Error, Fft1, FftReal, Hadamard, HadamardOrder, LinOp, Result, Scalar, check_len,
};

/// What is applied to the signal before the transform (the "randomizer" of a structurally
/// random matrix, Do, Gan, Nguyen & Tran 2012).
///
/// ```
/// use cstk_measure::{Randomizer, SubsampledTransform};
/// use cstk_linop::{Dct1, LinOp};
/// let a = SubsampledTransform::new::<f64>(Dct1::<f64>::new(64).unwrap(), 16, Randomizer::Permutation, 1).unwrap();
/// assert_eq!(LinOp::<f64>::shape(&a), (16, 64));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Randomizer {
    /// Nothing: a plain partial transform (partial Fourier, partial DCT).
    None,
    /// Independent random signs `D = diag(±1)` (the "local" randomizer; SRHT).
    Signs,
    /// A uniformly random permutation `(P x)_i = x_{π(i)}` (the "global" randomizer).
    Permutation,
}

/// The drawn randomizer.
#[derive(Clone, Debug)]
enum Pre {
    None,
    /// `true` = negate.
    Signs(Vec<bool>),
    /// `(P x)_i = x[perm[i]]`.
    Permutation(Vec<usize>),
}

/// `A = √(n/m) · R · T · D`: a fast orthonormal `n × n` transform `T` preceded by a
/// randomizer `D` (none, random signs or a random permutation, see [`Randomizer`]) and
/// followed by `R`, the restriction to `m` rows drawn uniformly without replacement (sorted
/// ascending). Applied fast — the `m × n` matrix is never formed — with `2n` scratch plus the
/// transform's own.
///
/// The factor `√(n/m)` gives unit-norm columns in expectation (exactly, for Fourier, where
/// every entry has modulus `1/√n`), the normalization of the dense ensembles; the rows are
/// then orthogonal with norm `√(n/m)`, so `‖A‖₂ = √(n/m)`.
///
/// | constructor | transform | randomizer |
/// |---|---|---|
/// | [`partial_fourier`] | unitary DFT ([`Fft1`]) | none |
/// | [`partial_dct`] | orthonormal DCT-II ([`Dct1`]) | none |
/// | [`srht`] | orthonormal Walsh–Hadamard ([`Hadamard`], `n` a power of two) | signs |
/// | [`SubsampledTransform::new`] | any square `LinOp` with orthonormal rows | any |
///
/// Randomness: rows from `rng::stream(seed, Domain::ROWS, 0)`, the randomizer from
/// `rng::stream(seed, Domain::RANDOMIZER, 0)`.
///
/// ```
/// use cstk_measure::ensembles::partial_fourier;
/// use cstk_linop::{LinOp, testing::dot_test};
/// let a = partial_fourier::<f64>(32, 128, 9).unwrap();
/// assert_eq!(a.rows().len(), 32);
/// dot_test(&a, 1e-12).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct SubsampledTransform<Op> {
    op: Op,
    n: usize,
    rows: Vec<usize>,
    pre: Pre,
    scale: f64,
}

impl<Op> SubsampledTransform<Op> {
    /// `√(n/m)·R·T·D` for a square transform `op` (`n × n`), `m` random rows and the given
    /// randomizer. The caller vouches that `op` is orthonormal (the normalization assumes it).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] if `m` is 0 or exceeds `n`; [`Error::ShapeMismatch`] if `op` is
    /// not square.
    ///
    /// ```
    /// use cstk_measure::{Randomizer, SubsampledTransform};
    /// use cstk_linop::{Hadamard, LinOp};
    /// let h = Hadamard::natural(256).unwrap();
    /// let a = SubsampledTransform::new::<f32>(h, 64, Randomizer::Signs, 3).unwrap();
    /// assert_eq!(LinOp::<f32>::shape(&a), (64, 256));
    /// ```
    pub fn new<T: Scalar>(op: Op, m: usize, randomizer: Randomizer, seed: u64) -> Result<Self>
    where
        Op: LinOp<T>,
    {
        let (nr, n) = op.shape();
        if nr != n {
            return Err(Error::ShapeMismatch {
                context: "subsampled transform: the transform must be square".into(),
                expected: format!("{n} x {n}"),
                got: format!("{nr} x {n}"),
            });
        }
        check_dims(m, n)?;
        if m > n {
            return Err(Error::InvalidParam {
                name: "m",
                value: m.to_string(),
                expected: format!("at most n = {n} rows of an n x n transform"),
            });
        }
        let rows = sample_indices(&mut rng::stream(seed, Domain::ROWS, 0), n, m);
        let mut r = rng::stream(seed, Domain::RANDOMIZER, 0);
        let pre = match randomizer {
            Randomizer::None => Pre::None,
            Randomizer::Signs => Pre::Signs((0..n).map(|_| coin(&mut r)).collect()),
            Randomizer::Permutation => Pre::Permutation(permutation(&mut r, n)),
        };
        let scale = (n as f64 / m as f64).sqrt();
        Ok(SubsampledTransform {
            op,
            n,
            rows,
            pre,
            scale,
        })
    }

    /// The kept rows of the transform, ascending.
    ///
    /// ```
    /// let a = cstk_measure::ensembles::partial_dct::<f64>(4, 10, 0).unwrap();
    /// assert!(a.rows().windows(2).all(|w| w[0] < w[1]));
    /// ```
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }

    /// The transform `T`.
    ///
    /// ```
    /// let a = cstk_measure::ensembles::srht(4, 16, 0).unwrap();
    /// assert_eq!(a.transform().dim(), 16);
    /// ```
    pub fn transform(&self) -> &Op {
        &self.op
    }

    /// The normalization `√(n/m)`.
    ///
    /// ```
    /// let a = cstk_measure::ensembles::partial_dct::<f64>(4, 16, 0).unwrap();
    /// assert_eq!(a.scale(), 2.0);
    /// ```
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// The randomizer's signs (`true` = the entry is negated), if it has any.
    ///
    /// ```
    /// let a = cstk_measure::ensembles::srht(4, 16, 0).unwrap();
    /// assert_eq!(a.signs().unwrap().len(), 16);
    /// ```
    pub fn signs(&self) -> Option<&[bool]> {
        match &self.pre {
            Pre::Signs(s) => Some(s),
            _ => None,
        }
    }

    /// The randomizer's permutation `π` (`(P x)_i = x_{π(i)}`), if it has one.
    ///
    /// ```
    /// use cstk_measure::{Randomizer, SubsampledTransform};
    /// use cstk_linop::Dct1;
    /// let a = SubsampledTransform::new::<f64>(Dct1::<f64>::new(8).unwrap(), 2, Randomizer::Permutation, 0).unwrap();
    /// assert_eq!(a.permutation().unwrap().len(), 8);
    /// ```
    pub fn permutation(&self) -> Option<&[usize]> {
        match &self.pre {
            Pre::Permutation(p) => Some(p),
            _ => None,
        }
    }
}

/// `m` random rows of the unitary DFT of length `n` (any `n`), scaled by `√(n/m)`; a
/// `LinOp<Complex<R>>`. See [`SubsampledTransform`].
///
/// # Errors
/// [`Error::InvalidParam`] unless `1 ≤ m ≤ n`.
///
/// ```
/// use cstk_measure::ensembles::partial_fourier;
/// use cstk_linop::{Complex, LinOp};
/// let a = partial_fourier::<f64>(8, 100, 1).unwrap();
/// let mut e0 = vec![Complex::new(0.0, 0.0); 100];
/// e0[0] = Complex::new(1.0, 0.0);
/// let col = a.apply_vec(&e0); // every entry of the column has modulus 1/√m
/// assert!(col.iter().all(|v| (v.norm() - 8f64.sqrt().recip()).abs() < 1e-15));
/// ```
pub fn partial_fourier<R: FftReal>(
    m: usize,
    n: usize,
    seed: u64,
) -> Result<SubsampledTransform<Fft1<R>>>
where
    Complex<R>: Scalar,
{
    check_dims(m, n)?;
    SubsampledTransform::new::<Complex<R>>(Fft1::new(n, false)?, m, Randomizer::None, seed)
}

/// `m` random rows of the orthonormal DCT-II of length `n`, scaled by `√(n/m)`; a `LinOp`
/// on `R` and on `Complex<R>`. See [`SubsampledTransform`].
///
/// # Errors
/// [`Error::InvalidParam`] unless `1 ≤ m ≤ n`.
///
/// ```
/// use cstk_measure::ensembles::partial_dct;
/// use cstk_linop::{LinOp, testing::dot_test};
/// let a = partial_dct::<f64>(20, 64, 2).unwrap();
/// dot_test::<f64, _>(&a, 1e-12).unwrap();
/// ```
pub fn partial_dct<R: FftReal>(
    m: usize,
    n: usize,
    seed: u64,
) -> Result<SubsampledTransform<Dct1<R>>> {
    check_dims(m, n)?;
    SubsampledTransform::new::<R>(Dct1::new(n)?, m, Randomizer::None, seed)
}

/// The subsampled randomized Hadamard transform `√(n/m)·R·H·D`: random signs, the orthonormal
/// Walsh–Hadamard transform (natural order; `n` a power of two) and `m` random rows. A `LinOp`
/// on every scalar type. See [`SubsampledTransform`].
///
/// # Errors
/// [`Error::InvalidParam`] unless `n` is a power of two and `1 ≤ m ≤ n`.
///
/// ```
/// use cstk_measure::ensembles::srht;
/// use cstk_linop::{LinOp, testing::dot_test};
/// let a = srht(64, 1024, 4).unwrap();
/// dot_test::<f64, _>(&a, 1e-12).unwrap();
/// assert!(srht(64, 1000, 4).unwrap_err().to_string().contains("power of two"));
/// ```
pub fn srht(m: usize, n: usize, seed: u64) -> Result<SubsampledTransform<Hadamard>> {
    check_dims(m, n)?;
    SubsampledTransform::new::<f64>(
        Hadamard::new(n, HadamardOrder::Natural)?,
        m,
        Randomizer::Signs,
        seed,
    )
}

impl<T: Scalar, Op: LinOp<T>> LinOp<T> for SubsampledTransform<Op> {
    fn nrows(&self) -> usize {
        self.rows.len()
    }

    fn ncols(&self) -> usize {
        self.n
    }

    fn scratch_len(&self) -> usize {
        2 * self.n + self.op.scratch_len()
    }

    fn apply_with_scratch(&self, x: &[T], y: &mut [T], scratch: &mut [T]) {
        check_len("subsampled transform apply: input x", self.n, x.len());
        check_len(
            "subsampled transform apply: output y",
            self.rows.len(),
            y.len(),
        );
        let need = LinOp::<T>::scratch_len(self);
        if scratch.len() < need {
            check_len("subsampled transform apply: scratch", need, scratch.len());
        }
        let (a, rest) = scratch.split_at_mut(self.n);
        let (b, rest) = rest.split_at_mut(self.n);
        let z: &[T] = match &self.pre {
            Pre::None => x,
            Pre::Signs(s) => {
                for ((ai, &xi), &neg) in a.iter_mut().zip(x).zip(s) {
                    *ai = if neg { -xi } else { xi };
                }
                a
            }
            Pre::Permutation(p) => {
                for (ai, &pi) in a.iter_mut().zip(p) {
                    *ai = x[pi];
                }
                a
            }
        };
        self.op.apply_with_scratch(z, b, rest);
        let s = T::from_f64_parts(self.scale, 0.0);
        for (yk, &r) in y.iter_mut().zip(&self.rows) {
            *yk = b[r] * s;
        }
    }

    fn adjoint_with_scratch(&self, y: &[T], x: &mut [T], scratch: &mut [T]) {
        check_len(
            "subsampled transform adjoint: input y",
            self.rows.len(),
            y.len(),
        );
        check_len("subsampled transform adjoint: output x", self.n, x.len());
        let need = LinOp::<T>::scratch_len(self);
        if scratch.len() < need {
            check_len("subsampled transform adjoint: scratch", need, scratch.len());
        }
        let (a, rest) = scratch.split_at_mut(self.n);
        let (b, rest) = rest.split_at_mut(self.n);
        b.fill(T::zero());
        let s = T::from_f64_parts(self.scale, 0.0);
        for (&yk, &r) in y.iter().zip(&self.rows) {
            b[r] = yk * s;
        }
        match &self.pre {
            Pre::None => self.op.adjoint_with_scratch(b, x, rest),
            Pre::Signs(sg) => {
                self.op.adjoint_with_scratch(b, a, rest);
                for ((xi, &ai), &neg) in x.iter_mut().zip(a.iter()).zip(sg) {
                    *xi = if neg { -ai } else { ai };
                }
            }
            Pre::Permutation(p) => {
                self.op.adjoint_with_scratch(b, a, rest);
                for (&ai, &pi) in a.iter().zip(p) {
                    x[pi] = ai;
                }
            }
        }
    }
}
