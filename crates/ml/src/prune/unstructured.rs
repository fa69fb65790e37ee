//! Unstructured pruning: by magnitude (per tensor or global) and at random.

use super::{Mask, check_shape, cmp_magnitude, n_to_prune};
use crate::{Error, Result};
use cstk_measure::rng::{self, Domain, sample_indices};

/// The random stream of [`random_unstructured`]: one per tensor index.
const PRUNE_RANDOM: Domain = Domain::new(*b"prunernd");

/// The positions of the `k` smallest magnitudes among `(|w|, position)` pairs, ordered by
/// magnitude then position (NaN largest): exactly `k`, whatever the ties.
fn smallest(mut items: Vec<(f32, usize)>, k: usize) -> Vec<usize> {
    if k == 0 {
        return Vec::new();
    }
    let by_key = |a: &(f32, usize), b: &(f32, usize)| cmp_magnitude(a.0, b.0).then(a.1.cmp(&b.1));
    if k < items.len() {
        items.select_nth_unstable_by(k - 1, by_key);
        items.truncate(k);
    }
    items.into_iter().map(|(_, i)| i).collect()
}

/// Magnitude pruning of one tensor, as `torch.nn.utils.prune.l1_unstructured(module, name,
/// amount)`: the `round(amount · numel)` entries of smallest `|w|` are pruned (rounding
/// halves to even, as PyTorch does; see [the module docs](super)).
///
/// Ties are broken by position: among equal `|w|` the smaller flat (row-major) index is
/// pruned first, so the count is exact and the mask reproducible. NaN counts as the largest
/// magnitude.
///
/// | argument | meaning | valid range |
/// |----------|---------|-------------|
/// | `values` | the weights, row-major | `len = ∏ shape` |
/// | `shape` | their shape | any |
/// | `amount` | fraction of the entries to prune | `[0, 1)` |
///
/// ```
/// use cstk_ml::prune::l1_unstructured;
/// // Ties: three entries of magnitude 1, two must go; the first two (indices 0 and 2) are pruned.
/// let w = [1.0, 5.0, -1.0, 4.0, 1.0, 3.0];
/// let mask = l1_unstructured(&w, &[2, 3], 1.0 / 3.0).unwrap();
/// assert_eq!(mask.keep(), &[false, true, false, true, true, true]);
/// assert!(l1_unstructured(&w, &[2, 3], 1.0).is_err()); // amount must be < 1
/// ```
pub fn l1_unstructured(values: &[f32], shape: &[usize], amount: f64) -> Result<Mask> {
    let n = check_shape(values.len(), shape, "l1_unstructured")?;
    let k = n_to_prune(amount, n)?;
    let items = values.iter().enumerate().map(|(i, &v)| (v, i)).collect();
    let mut keep = vec![true; n];
    for i in smallest(items, k) {
        keep[i] = false;
    }
    Ok(Mask::from_parts(keep, shape))
}

/// Magnitude pruning of the entries still kept by `prior`, as a second
/// `torch.nn.utils.prune.l1_unstructured` on an already pruned module (PyTorch's
/// `PruningContainer`): `round(amount · prior.n_kept())` more entries are pruned, the kept
/// ones of smallest `|w|` (ties: smaller flat index first), and the result is `prior` with
/// those removed. This is one round of iterative magnitude pruning
/// ([`IterativeSchedule`](super::IterativeSchedule)).
///
/// `values` are the weights the magnitudes are read from (the original or the masked ones:
/// only kept entries are looked at); `prior` must have the tensor's shape.
///
/// ```
/// use cstk_ml::prune::{Mask, l1_unstructured_remaining};
/// let w = [0.1, 0.9, 0.2, 0.8, 0.3, 0.7, 0.4, 0.6];
/// let prior = Mask::new(vec![false, true, false, true, true, true, true, true], &[8]).unwrap();
/// // 6 remain; 50% of them (3) are pruned: 0.3, 0.4, 0.6.
/// let mask = l1_unstructured_remaining(&w, &[8], 0.5, &prior).unwrap();
/// assert_eq!(mask.keep(), &[false, true, false, true, false, true, false, false]);
/// ```
pub fn l1_unstructured_remaining(
    values: &[f32],
    shape: &[usize],
    amount: f64,
    prior: &Mask,
) -> Result<Mask> {
    check_shape(values.len(), shape, "l1_unstructured_remaining")?;
    if prior.shape() != shape {
        return Err(Error::ShapeMismatch {
            context: "l1_unstructured_remaining: prior mask".into(),
            expected: format!("{shape:?}"),
            got: format!("{:?}", prior.shape()),
        });
    }
    let k = n_to_prune(amount, prior.n_kept())?;
    let items = values
        .iter()
        .zip(prior.keep())
        .enumerate()
        .filter(|(_, (_, kept))| **kept)
        .map(|(i, (&v, _))| (v, i))
        .collect();
    let mut keep = prior.keep().to_vec();
    for i in smallest(items, k) {
        keep[i] = false;
    }
    Ok(Mask::from_parts(keep, shape))
}

/// Global magnitude pruning, as `torch.nn.utils.prune.global_unstructured(parameters,
/// pruning_method=prune.L1Unstructured, amount=amount)`: the tensors are ranked together
/// (one threshold for all) and exactly `round(amount · Σ numel)` entries of smallest `|w|`
/// are pruned, so layers of small weights lose more than others.
///
/// Each tensor is a `(values, shape)` pair; one mask per tensor is returned, in order. Ties
/// are broken by position in the concatenation of the flattened tensors (what PyTorch's
/// `parameters_to_vector` builds): the earlier tensor first, then the smaller flat index.
///
/// ```
/// use cstk_ml::prune::global_l1_unstructured;
/// let a = [0.1f32, 0.2, 0.3, 0.4];
/// let b = [1.0f32, 2.0, 0.05, 3.0, 4.0, 5.0];
/// let masks = global_l1_unstructured(&[(&a[..], &[2, 2][..]), (&b[..], &[6][..])], 0.4).unwrap();
/// // 4 of 10 go: 0.05, 0.1, 0.2, 0.3.
/// assert_eq!(masks[0].keep(), &[false, false, false, true]);
/// assert_eq!(masks[1].n_pruned(), 1);
/// ```
pub fn global_l1_unstructured(tensors: &[(&[f32], &[usize])], amount: f64) -> Result<Vec<Mask>> {
    let mut offsets = Vec::with_capacity(tensors.len() + 1);
    let mut total = 0usize;
    for (t, (values, shape)) in tensors.iter().enumerate() {
        let n = check_shape(
            values.len(),
            shape,
            &format!("global_l1_unstructured: tensor {t}"),
        )?;
        offsets.push(total);
        total = total.checked_add(n).ok_or_else(|| Error::InvalidParam {
            name: "tensors",
            value: format!("{} tensors", tensors.len()),
            expected: "a total number of elements that fits in usize".into(),
        })?;
    }
    offsets.push(total);
    let k = n_to_prune(amount, total)?;
    let mut items = Vec::with_capacity(total);
    for ((values, _), &offset) in tensors.iter().zip(&offsets) {
        items.extend(values.iter().enumerate().map(|(i, &v)| (v, offset + i)));
    }
    let mut keep = vec![true; total];
    for i in smallest(items, k) {
        keep[i] = false;
    }
    Ok(tensors
        .iter()
        .enumerate()
        .map(|(t, (_, shape))| Mask::from_parts(keep[offsets[t]..offsets[t + 1]].to_vec(), shape))
        .collect())
}

/// Random pruning, the baseline of magnitude pruning, as
/// `torch.nn.utils.prune.random_unstructured(module, name, amount)`: exactly
/// `round(amount · numel)` entries, a uniformly random subset, are pruned.
///
/// The subset is drawn from the ChaCha8 stream `(seed, "prunernd", index)` of
/// `cstk_measure::rng`: give every tensor of a model its own `index` (e.g. its position in
/// the parameter list) so that masks are independent across tensors and each is reproducible
/// on its own. PyTorch's generator is not reproduced: the same seed gives other masks there.
///
/// ```
/// use cstk_ml::prune::random_unstructured;
/// let a = random_unstructured(&[16, 24], 0.3, 7, 0).unwrap();
/// assert_eq!(a.n_pruned(), 115); // round(0.3 · 384) = round(115.2)
/// assert_eq!(a, random_unstructured(&[16, 24], 0.3, 7, 0).unwrap());
/// assert_ne!(a, random_unstructured(&[16, 24], 0.3, 7, 1).unwrap());
/// ```
pub fn random_unstructured(shape: &[usize], amount: f64, seed: u64, index: u64) -> Result<Mask> {
    let n = super::numel(shape)?;
    let k = n_to_prune(amount, n)?;
    let mut keep = vec![true; n];
    for i in sample_indices(&mut rng::stream(seed, PRUNE_RANDOM, index), n, k) {
        keep[i] = false;
    }
    Ok(Mask::from_parts(keep, shape))
}
