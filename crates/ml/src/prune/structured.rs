//! Structured pruning: whole slices (neurons, input channels, filters) by their L_n norm.

use super::{Mask, check_shape, n_to_prune};
use crate::{Error, Result};

/// Structured pruning, as `torch.nn.utils.prune.ln_structured(module, name, amount, n, dim)`:
/// the `round(amount · shape[dim])` slices along `dim` with the smallest L_n norm (taken over
/// all the other dimensions) are pruned whole.
///
/// For a linear weight `[out, in]`, `dim = 0` removes output neurons (rows) and `dim = 1`
/// input features (columns); for a convolution `[out, in, kh, kw]`, `dim = 0` removes filters
/// and `dim = 1` input channels. Norms are accumulated in `f64` and slices ranked by
/// `Σ |w|ⁿ` (by `max |w|` for `n = ∞`), which orders them as the norm does; among equal
/// norms the smaller slice index is pruned first. A slice holding a NaN ranks largest.
///
/// Unlike PyTorch, `dim` cannot be negative (PyTorch's default `dim=-1` is
/// `shape.len() - 1` here).
///
/// | argument | meaning | valid range |
/// |----------|---------|-------------|
/// | `values` | the weights, row-major | `len = ∏ shape` |
/// | `shape` | their shape | at least 2 dimensions (as PyTorch) |
/// | `amount` | fraction of the slices to prune | `[0, 1)` |
/// | `n` | the norm's order (1, 2, …; `f64::INFINITY` for the max) | `> 0` |
/// | `dim` | the dimension whose slices are pruned | `< shape.len()` |
///
/// ```
/// use cstk_ml::prune::ln_structured;
/// // A [3, 2] linear weight: prune one output neuron (row) by L2 norm.
/// let w = [3.0, 4.0, /* norm 5 */ 1.0, 1.0, /* √2 */ 0.0, 6.0 /* 6 */];
/// let mask = ln_structured(&w, &[3, 2], 0.34, 2.0, 0).unwrap();
/// assert_eq!(mask.keep(), &[true, true, false, false, true, true]);
/// // Prune one input column by L1 norm: column 0 (4) against column 1 (11).
/// let mask = ln_structured(&w, &[3, 2], 0.5, 1.0, 1).unwrap();
/// assert_eq!(mask.keep(), &[false, true, false, true, false, true]);
/// assert!(ln_structured(&w, &[3, 2], 0.5, 1.0, 2).is_err()); // no dim 2
/// ```
pub fn ln_structured(
    values: &[f32],
    shape: &[usize],
    amount: f64,
    n: f64,
    dim: usize,
) -> Result<Mask> {
    let numel = check_shape(values.len(), shape, "ln_structured")?;
    if shape.len() < 2 {
        return Err(Error::InvalidParam {
            name: "shape",
            value: format!("{shape:?}"),
            expected: "at least 2 dimensions for structured pruning".into(),
        });
    }
    if dim >= shape.len() {
        return Err(Error::InvalidParam {
            name: "dim",
            value: dim.to_string(),
            expected: format!("a dimension of the shape {shape:?} (< {})", shape.len()),
        });
    }
    if n.is_nan() || n <= 0.0 {
        return Err(Error::InvalidParam {
            name: "n",
            value: n.to_string(),
            expected: "a norm order > 0 (or f64::INFINITY)".into(),
        });
    }
    let size = shape[dim];
    let k = n_to_prune(amount, size)?;
    let inner: usize = shape[dim + 1..].iter().product();
    // Σ|w|ⁿ (or max |w|) of every slice; NaN propagates and ranks largest.
    let mut score = vec![0.0f64; size];
    for (i, &v) in values.iter().enumerate() {
        let s = &mut score[(i / inner.max(1)) % size.max(1)];
        let a = f64::from(v).abs();
        *s = if n == 1.0 {
            *s + a
        } else if n == 2.0 {
            *s + a * a
        } else if n == f64::INFINITY {
            if a.is_nan() || a > *s { a } else { *s }
        } else {
            *s + a.powf(n)
        };
    }
    let mut order: Vec<usize> = (0..size).collect();
    order.sort_by(|&a, &b| score[a].total_cmp(&score[b]).then(a.cmp(&b)));
    let mut pruned = vec![false; size];
    for &j in &order[..k] {
        pruned[j] = true;
    }
    let keep = (0..numel)
        .map(|i| !pruned[(i / inner.max(1)) % size.max(1)])
        .collect();
    Ok(Mask::from_parts(keep, shape))
}
