//! The [`Mask`] type and sparsity accounting.

use super::check_shape;
use crate::{Error, Result};

/// Which entries of a weight tensor are kept (`true`) or pruned (`false`), with the tensor's
/// shape. Made by the pruning functions of [`crate::prune`]; [`apply`](Mask::apply) zeroes
/// the pruned weights, as `torch.nn.utils.prune` computes `weight = weight_orig * weight_mask`.
///
/// ```
/// use cstk_ml::prune::Mask;
/// let mask = Mask::new(vec![true, false, false, true], &[2, 2]).unwrap();
/// let mut w = vec![1.0, 2.0, 3.0, 4.0];
/// mask.apply(&mut w).unwrap();
/// assert_eq!(w, vec![1.0, 0.0, 0.0, 4.0]);
/// assert_eq!((mask.n_kept(), mask.n_pruned(), mask.sparsity()), (2, 2, 0.5));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Mask {
    keep: Vec<bool>,
    shape: Vec<usize>,
}

impl Mask {
    /// A mask from its flags (row-major) and shape; errors when their sizes disagree.
    ///
    /// ```
    /// use cstk_ml::prune::Mask;
    /// assert!(Mask::new(vec![true; 6], &[2, 3]).is_ok());
    /// assert!(Mask::new(vec![true; 5], &[2, 3]).is_err());
    /// ```
    pub fn new(keep: Vec<bool>, shape: &[usize]) -> Result<Mask> {
        check_shape(keep.len(), shape, "Mask::new")?;
        Ok(Mask {
            keep,
            shape: shape.to_vec(),
        })
    }

    /// The mask that keeps everything.
    ///
    /// ```
    /// let mask = cstk_ml::prune::Mask::ones(&[4, 3]).unwrap();
    /// assert_eq!((mask.len(), mask.n_pruned()), (12, 0));
    /// ```
    pub fn ones(shape: &[usize]) -> Result<Mask> {
        let n = super::numel(shape)?;
        Mask::new(vec![true; n], shape)
    }

    /// The mask of the nonzero entries of `values` (what a zeroed tensor still holds).
    ///
    /// ```
    /// let mask = cstk_ml::prune::Mask::nonzero(&[0.0, 1.5, -0.0, 2.0], &[4]).unwrap();
    /// assert_eq!(mask.keep(), &[false, true, false, true]);
    /// ```
    pub fn nonzero(values: &[f32], shape: &[usize]) -> Result<Mask> {
        check_shape(values.len(), shape, "Mask::nonzero")?;
        Ok(Mask {
            keep: values.iter().map(|&v| v != 0.0).collect(),
            shape: shape.to_vec(),
        })
    }

    /// The flags, row-major (`true` = kept).
    ///
    /// ```
    /// let mask = cstk_ml::prune::Mask::ones(&[2]).unwrap();
    /// assert_eq!(mask.keep(), &[true, true]);
    /// ```
    pub fn keep(&self) -> &[bool] {
        &self.keep
    }

    /// The shape of the tensor the mask belongs to.
    ///
    /// ```
    /// assert_eq!(cstk_ml::prune::Mask::ones(&[8, 3, 3, 3]).unwrap().shape(), &[8, 3, 3, 3]);
    /// ```
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The flags, by value.
    ///
    /// ```
    /// let flags: Vec<bool> = cstk_ml::prune::Mask::ones(&[3]).unwrap().into_vec();
    /// assert_eq!(flags, vec![true; 3]);
    /// ```
    pub fn into_vec(self) -> Vec<bool> {
        self.keep
    }

    /// Number of entries.
    ///
    /// ```
    /// assert_eq!(cstk_ml::prune::Mask::ones(&[2, 5]).unwrap().len(), 10);
    /// ```
    pub fn len(&self) -> usize {
        self.keep.len()
    }

    /// Whether the tensor has no entries.
    ///
    /// ```
    /// assert!(cstk_ml::prune::Mask::ones(&[0, 5]).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.keep.is_empty()
    }

    /// Number of kept entries.
    ///
    /// ```
    /// let mask = cstk_ml::prune::Mask::new(vec![true, false, true], &[3]).unwrap();
    /// assert_eq!(mask.n_kept(), 2);
    /// ```
    pub fn n_kept(&self) -> usize {
        self.keep.iter().filter(|&&k| k).count()
    }

    /// Number of pruned entries.
    ///
    /// ```
    /// let mask = cstk_ml::prune::Mask::new(vec![true, false, true], &[3]).unwrap();
    /// assert_eq!(mask.n_pruned(), 1);
    /// ```
    pub fn n_pruned(&self) -> usize {
        self.len() - self.n_kept()
    }

    /// The pruned fraction, `n_pruned / len` (0 for an empty tensor).
    ///
    /// ```
    /// let mask = cstk_ml::prune::Mask::new(vec![false, false, true, true], &[4]).unwrap();
    /// assert_eq!(mask.sparsity(), 0.5);
    /// ```
    pub fn sparsity(&self) -> f64 {
        if self.is_empty() {
            0.0
        } else {
            self.n_pruned() as f64 / self.len() as f64
        }
    }

    /// Zeroes the pruned entries of `values` in place; errors when the length differs from
    /// the mask's.
    ///
    /// ```
    /// let mask = cstk_ml::prune::Mask::new(vec![false, true], &[2]).unwrap();
    /// let mut w = [3.0f32, 4.0];
    /// mask.apply(&mut w).unwrap();
    /// assert_eq!(w, [0.0, 4.0]);
    /// assert!(mask.apply(&mut [1.0f32; 3]).is_err());
    /// ```
    pub fn apply(&self, values: &mut [f32]) -> Result<()> {
        self.check_len(values.len(), "Mask::apply")?;
        for (v, &k) in values.iter_mut().zip(&self.keep) {
            if !k {
                *v = 0.0;
            }
        }
        Ok(())
    }

    /// A copy of `values` with the pruned entries zeroed.
    ///
    /// ```
    /// let mask = cstk_ml::prune::Mask::new(vec![true, false], &[2]).unwrap();
    /// assert_eq!(mask.applied(&[3.0, 4.0]).unwrap(), vec![3.0, 0.0]);
    /// ```
    pub fn applied(&self, values: &[f32]) -> Result<Vec<f32>> {
        let mut out = values.to_vec();
        self.apply(&mut out)?;
        Ok(out)
    }

    /// The entries kept by both masks (how PyTorch combines successive prunings of one
    /// parameter); errors when the shapes differ.
    ///
    /// ```
    /// use cstk_ml::prune::Mask;
    /// let a = Mask::new(vec![true, true, false], &[3]).unwrap();
    /// let b = Mask::new(vec![false, true, true], &[3]).unwrap();
    /// assert_eq!(a.and(&b).unwrap().keep(), &[false, true, false]);
    /// ```
    pub fn and(&self, other: &Mask) -> Result<Mask> {
        if self.shape != other.shape {
            return Err(Error::ShapeMismatch {
                context: "Mask::and".into(),
                expected: format!("{:?}", self.shape),
                got: format!("{:?}", other.shape),
            });
        }
        Ok(Mask {
            keep: self
                .keep
                .iter()
                .zip(&other.keep)
                .map(|(&a, &b)| a && b)
                .collect(),
            shape: self.shape.clone(),
        })
    }

    pub(super) fn check_len(&self, len: usize, context: &str) -> Result<()> {
        if len != self.keep.len() {
            return Err(Error::ShapeMismatch {
                context: context.into(),
                expected: format!("{} values for shape {:?}", self.keep.len(), self.shape),
                got: format!("{len} values"),
            });
        }
        Ok(())
    }

    /// A mask from flags already known to match `shape`.
    pub(super) fn from_parts(keep: Vec<bool>, shape: &[usize]) -> Mask {
        debug_assert_eq!(super::numel(shape).ok(), Some(keep.len()));
        Mask {
            keep,
            shape: shape.to_vec(),
        }
    }
}

/// The fraction of entries of `values` that are exactly zero (`0.0` or `-0.0`); 0 for an
/// empty slice. NaN counts as nonzero.
///
/// ```
/// use cstk_ml::prune::sparsity;
/// assert_eq!(sparsity(&[0.0, 1.0, -0.0, 3.0]), 0.5);
/// assert_eq!(sparsity(&[]), 0.0);
/// ```
pub fn sparsity(values: &[f32]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.iter().filter(|&&v| v == 0.0).count() as f64 / values.len() as f64
}
