//! Pruning masks for neural-network weights, after PyTorch's `torch.nn.utils.prune`.
//!
//! A weight tensor is a row-major `&[f32]` with a `&[usize]` shape in PyTorch's layout: a
//! linear layer's weight is `[out, in]`, a convolution's `[out, in, kh, kw]`. Every method
//! returns a [`Mask`] (`true` = kept); [`Mask::apply`] zeroes the pruned weights.
//!
//! | method | PyTorch | what is removed |
//! |--------|---------|-----------------|
//! | [`l1_unstructured`] | `prune.l1_unstructured(m, name, amount)` | the entries of smallest \|w\| |
//! | [`l1_unstructured_remaining`] | a second `l1_unstructured` on a pruned module | the same, among the entries still kept |
//! | [`global_l1_unstructured`] | `prune.global_unstructured(params, prune.L1Unstructured, amount)` | the smallest \|w\| over several tensors at once |
//! | [`random_unstructured`] | `prune.random_unstructured(m, name, amount)` | uniformly random entries (seeded) |
//! | [`ln_structured`] | `prune.ln_structured(m, name, amount, n, dim)` | whole slices along `dim` of smallest L_n norm |
//! | [`nm_semi_structured`] | (2:4 sparsity, `to_sparse_semi_structured`) | all but the N largest of every M consecutive inputs |
//! | [`LayerPruner`] ([`reconstruct`]) | (Wanda, SparseGPT; OMP and LASSO via `cstk_solvers`) | per row of a linear layer, the weights whose loss changes its output on calibration inputs least; the solver methods refit the rest |
//!
//! **How many.** A fractional `amount` prunes exactly `round(amount · size)` entries (or
//! slices), rounding as Python's `round` does — halves to even — which is what
//! `torch.nn.utils.prune._compute_nparams_toprune` computes: `amount = 0.25` of 10 weights
//! prunes 2 (`round(2.5) = 2`), of 14 weights prunes 4 (`round(3.5) = 4`). The amount must
//! lie in `[0, 1)`; `0` prunes nothing. (PyTorch also accepts `1.0` and integer counts;
//! cstk does not: a mask that removes everything is almost always a bug.)
//!
//! **Ties.** PyTorch leaves ties to `torch.topk`, whose order is unspecified. Here they are
//! broken by position so that a mask is a pure function of its input: among equal |w| (or
//! equal slice norms) the **smaller flat index is pruned first** ([`global_l1_unstructured`]:
//! the earlier tensor, then the smaller index). [`nm_semi_structured`] keeps the *lower*
//! index of a tie. NaN magnitudes count as larger than every number (as in `torch.topk`),
//! so NaN weights are pruned last.
//!
//! **Schedules.** [`GradualSchedule`] is the cubic sparsity ramp of Zhu & Gupta (2017),
//! [`IterativeSchedule`] the rounds of iterative magnitude pruning (Han et al. 2015;
//! Frankle & Carbin 2019), each round pruning a fraction of the weights still kept.
//!
//! ```
//! use cstk_ml::prune::{l1_unstructured, sparsity};
//! let shape = [2, 3];
//! let mut w = vec![0.5, -0.1, 0.3, -0.7, 0.2, 0.05];
//! let mask = l1_unstructured(&w, &shape, 0.5).unwrap();
//! assert_eq!(mask.keep(), &[true, false, true, true, false, false]);
//! mask.apply(&mut w).unwrap();
//! assert_eq!(w, vec![0.5, 0.0, 0.3, -0.7, 0.0, 0.0]);
//! assert_eq!(sparsity(&w), 0.5);
//! ```

mod mask;
mod nm;
pub mod reconstruct;
mod schedule;
mod storage;
mod structured;
mod unstructured;

pub use mask::{Mask, sparsity};
pub use nm::{nm_semi_structured, satisfies_nm};
pub use reconstruct::{LayerPruner, Pruned, Reconstruction, Target, relative_output_error};
pub use schedule::{GradualSchedule, GradualTargets, IterativeSchedule};
pub use storage::{Storage, spmv_seconds, storage};
pub use structured::ln_structured;
pub use unstructured::{
    global_l1_unstructured, l1_unstructured, l1_unstructured_remaining, random_unstructured,
};

use crate::{Error, Result};
use std::cmp::Ordering;

/// The number of elements of `shape` (1 for `[]`, as a PyTorch scalar), or an error when the
/// product overflows.
fn numel(shape: &[usize]) -> Result<usize> {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| Error::InvalidParam {
            name: "shape",
            value: format!("{shape:?}"),
            expected: "a shape whose number of elements fits in usize".into(),
        })
}

/// Checks that `values` has the `numel` of `shape`; returns it.
fn check_shape(values_len: usize, shape: &[usize], context: &str) -> Result<usize> {
    let n = numel(shape)?;
    if n != values_len {
        return Err(Error::ShapeMismatch {
            context: context.into(),
            expected: format!("{n} values for shape {shape:?}"),
            got: format!("{values_len} values"),
        });
    }
    Ok(n)
}

/// The number of entries (or slices) a fractional `amount` of `size` removes:
/// `round(amount · size)` with halves to even (Python's `round`), after checking
/// `amount ∈ [0, 1)`.
fn n_to_prune(amount: f64, size: usize) -> Result<usize> {
    if !(0.0..1.0).contains(&amount) {
        return Err(Error::InvalidParam {
            name: "amount",
            value: amount.to_string(),
            expected: "a fraction in [0, 1)".into(),
        });
    }
    // amount < 1 so the product is below `size`; the cast cannot overflow.
    Ok(((amount * size as f64).round_ties_even() as usize).min(size))
}

/// Orders magnitudes ascending with NaN last (as `total_cmp` on `|x|`).
#[inline]
fn cmp_magnitude(a: f32, b: f32) -> Ordering {
    a.abs().total_cmp(&b.abs())
}
