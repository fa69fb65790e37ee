//! N:M semi-structured sparsity (2:4 and the like).

use super::{Mask, check_shape};
use crate::{Error, Result};

/// The length of the "input" rows the groups run along: the product of `shape[1..]` (for a
/// linear `[out, in]` weight `in`, for a convolution `[out, in, kh, kw]` the flattened
/// `in·kh·kw` of each filter); the whole tensor for 0- or 1-dimensional shapes.
fn row_len(shape: &[usize], numel: usize) -> usize {
    if shape.len() >= 2 {
        shape[1..].iter().product()
    } else {
        numel
    }
}

/// Validates `(n, m)` and the shape; returns the number of values.
fn check(values_len: usize, shape: &[usize], n: usize, m: usize, context: &str) -> Result<usize> {
    let numel = check_shape(values_len, shape, context)?;
    if m < 2 {
        return Err(Error::InvalidParam {
            name: "m",
            value: m.to_string(),
            expected: "a group size ≥ 2".into(),
        });
    }
    if n == 0 || n >= m {
        return Err(Error::InvalidParam {
            name: "n",
            value: n.to_string(),
            expected: format!("1 ≤ n < m = {m}"),
        });
    }
    let row = row_len(shape, numel);
    if !row.is_multiple_of(m) {
        return Err(Error::InvalidParam {
            name: "shape",
            value: format!("{shape:?}"),
            expected: format!("an input length (here {row}) that is a multiple of m = {m}"),
        });
    }
    Ok(numel)
}

/// N:M semi-structured pruning (Mishra et al. 2021, "Accelerating sparse deep neural
/// networks"; NVIDIA's 2:4 sparsity): in every group of `m` consecutive weights along the
/// input dimension, the `n` of largest `|w|` are kept and the other `m − n` pruned, so the
/// sparsity is exactly `1 − n/m`.
///
/// Groups run along each output's flattened fan-in, `shape[1..]` in row-major order: the
/// `in` entries of a row of a linear `[out, in]` weight (its last, contiguous dimension, as
/// PyTorch's `to_sparse_semi_structured` expects), the `in·kh·kw` entries of a filter of a
/// convolution `[out, in, kh, kw]` (so a group of 4 may span kernel positions and input
/// channels). A 1-D tensor is one row. Among equal `|w|` the lower index is kept; NaN counts
/// as the largest magnitude.
///
/// | argument | meaning | valid range |
/// |----------|---------|-------------|
/// | `values` | the weights, row-major | `len = ∏ shape` |
/// | `shape` | their shape | `∏ shape[1..]` a multiple of `m` |
/// | `n` | weights kept per group | `1 ≤ n < m` |
/// | `m` | group size | `≥ 2` |
///
/// ```
/// use cstk_ml::prune::{nm_semi_structured, satisfies_nm};
/// let w = [0.1, -0.9, 0.5, 0.2, /* row 2 */ 1.0, 1.0, 1.0, 0.0];
/// let mask = nm_semi_structured(&w, &[2, 4], 2, 4).unwrap();
/// assert_eq!(mask.keep(), &[false, true, true, false, true, true, false, false]);
/// assert!(satisfies_nm(&mask.applied(&w).unwrap(), &[2, 4], 2, 4));
/// assert!(nm_semi_structured(&w, &[2, 4], 2, 3).is_err()); // 4 is not a multiple of 3
/// ```
pub fn nm_semi_structured(values: &[f32], shape: &[usize], n: usize, m: usize) -> Result<Mask> {
    let numel = check(values.len(), shape, n, m, "nm_semi_structured")?;
    let mut keep = vec![false; numel];
    let mut order: Vec<usize> = Vec::with_capacity(m);
    for (g, group) in values.chunks_exact(m).enumerate() {
        order.clear();
        order.extend(0..m);
        // Largest |w| first; ties (and the stable sort) keep the lower index first.
        order.sort_by(|&a, &b| group[b].abs().total_cmp(&group[a].abs()));
        for &j in &order[..n] {
            keep[g * m + j] = true;
        }
    }
    Ok(Mask::from_parts(keep, shape))
}

/// Whether `values` has at most `n` nonzeros (NaN counts as nonzero) in every group of `m`
/// consecutive weights along the input dimension, grouped as in [`nm_semi_structured`].
///
/// Returns `false` — rather than an error — when the arguments are invalid: a length that
/// does not match `shape`, `m < 2`, `n` outside `1..m`, or an input length that is not a
/// multiple of `m`.
///
/// ```
/// use cstk_ml::prune::satisfies_nm;
/// assert!(satisfies_nm(&[0.0, 1.0, 0.0, 2.0, 3.0, 0.0, 0.0, 0.0], &[1, 8], 2, 4));
/// assert!(!satisfies_nm(&[1.0, 1.0, 1.0, 0.0], &[1, 4], 2, 4)); // three nonzeros
/// assert!(!satisfies_nm(&[0.0; 6], &[1, 6], 2, 4)); // 6 is not a multiple of 4
/// ```
pub fn satisfies_nm(values: &[f32], shape: &[usize], n: usize, m: usize) -> bool {
    check(values.len(), shape, n, m, "satisfies_nm").is_ok()
        && values
            .chunks_exact(m)
            .all(|g| g.iter().filter(|&&v| v != 0.0).count() <= n)
}
