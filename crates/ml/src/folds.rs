//! Cross-validation splits: K-fold (contiguous as scikit-learn's `KFold()`, or shuffled
//! from a seed) and explicit test sets.

use crate::{Error, Result};
use cstk_measure::rng::{self, Domain};

/// The random stream of shuffled K-fold splits (stream 0).
const KFOLD: Domain = Domain::new(*b"kfold\0\0\0");

/// How samples are split into cross-validation folds.
///
/// * [`Folds::kfold`]`(k)`: scikit-learn's `KFold(n_splits=k)` exactly — contiguous blocks,
///   the first `n % k` folds one sample longer. `LassoCV(cv=KFold(k))` uses the same
///   folds, so results can be compared with scikit-learn's number for number.
/// * [`Folds::shuffled`]`(k, seed)`: the same sizes over a seeded random permutation (a
///   ChaCha8 stream of `cstk_measure::rng`; identical on every platform and thread count,
///   but not NumPy's permutation — pass [`Folds::explicit`] sets to reproduce a
///   scikit-learn shuffle).
/// * [`Folds::stratified`]`(k)`: scikit-learn's `StratifiedKFold(n_splits=k)` exactly, for
///   classification: every fold keeps the class proportions (classes are the distinct
///   target values). [`Folds::stratified_shuffled`]`(k, seed)` assigns the folds within each
///   class in a seeded random order.
/// * [`Folds::explicit`]: given test sets; each sample's training set is every other sample.
///
/// ```
/// use cstk_ml::Folds;
/// let y = [0.0; 8];
/// let sets = Folds::kfold(3).test_sets(&y).unwrap();
/// assert_eq!(sets, vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7]]);
/// let a = Folds::shuffled(3, 42).test_sets(&y).unwrap();
/// assert_eq!(a, Folds::shuffled(3, 42).test_sets(&y).unwrap());
/// assert_eq!(a.iter().map(Vec::len).collect::<Vec<_>>(), vec![3, 3, 2]);
/// assert!(Folds::kfold(9).test_sets(&y).is_err());
/// let labels = [0.0, 0.0, 0.0, 0.0, 1.0, 1.0];
/// let s = Folds::stratified(2).test_sets(&labels).unwrap();
/// assert_eq!(s, vec![vec![0, 1, 4], vec![2, 3, 5]]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Folds {
    /// `k` contiguous folds, optionally over a permutation drawn from `seed`.
    KFold {
        /// Number of folds (≥ 2).
        k: usize,
        /// `Some(seed)`: shuffle before splitting.
        shuffle: Option<u64>,
    },
    /// `k` folds with the class proportions of the target, optionally shuffled within
    /// each class from `seed`.
    Stratified {
        /// Number of folds (≥ 2, at most the size of the largest class).
        k: usize,
        /// `Some(seed)`: random order within each class.
        shuffle: Option<u64>,
    },
    /// Explicit test sets (disjoint, non-empty, in range).
    Explicit(Vec<Vec<usize>>),
}

impl Default for Folds {
    /// Five contiguous folds (scikit-learn's default `cv=5` for regressors).
    fn default() -> Self {
        Folds::kfold(5)
    }
}

impl Folds {
    /// `k` contiguous folds.
    pub fn kfold(k: usize) -> Self {
        Folds::KFold { k, shuffle: None }
    }

    /// `k` folds over a random permutation drawn from `seed`.
    pub fn shuffled(k: usize, seed: u64) -> Self {
        Folds::KFold {
            k,
            shuffle: Some(seed),
        }
    }

    /// `k` stratified folds (scikit-learn's `StratifiedKFold(k)`).
    pub fn stratified(k: usize) -> Self {
        Folds::Stratified { k, shuffle: None }
    }

    /// `k` stratified folds, assigned in a random order within each class.
    pub fn stratified_shuffled(k: usize, seed: u64) -> Self {
        Folds::Stratified {
            k,
            shuffle: Some(seed),
        }
    }

    /// Given test sets.
    pub fn explicit(test_sets: Vec<Vec<usize>>) -> Self {
        Folds::Explicit(test_sets)
    }

    /// Number of folds.
    pub fn n_folds(&self) -> usize {
        match self {
            Folds::KFold { k, .. } | Folds::Stratified { k, .. } => *k,
            Folds::Explicit(s) => s.len(),
        }
    }

    /// The test set of every fold (each sorted increasingly) for the target `y` (one value
    /// per sample; only stratified folds look at the values).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for fewer than 2 folds, more folds than samples (stratified:
    /// than members of the largest class), or explicit sets that are empty, overlap or hold
    /// an index `≥ n`.
    pub fn test_sets(&self, y: &[f64]) -> Result<Vec<Vec<usize>>> {
        let n = y.len();
        match self {
            Folds::Stratified { k, shuffle } => stratified(y, *k, *shuffle),
            Folds::KFold { k, shuffle } => {
                let k = *k;
                if k < 2 || k > n {
                    return Err(Error::InvalidParam {
                        name: "folds",
                        value: k.to_string(),
                        expected: format!("between 2 and the number of samples ({n})"),
                    });
                }
                let order = match shuffle {
                    Some(seed) => rng::permutation(&mut rng::stream(*seed, KFOLD, 0), n),
                    None => (0..n).collect(),
                };
                let mut start = 0;
                Ok((0..k)
                    .map(|f| {
                        let len = n / k + usize::from(f < n % k);
                        let mut s = order[start..start + len].to_vec();
                        start += len;
                        s.sort_unstable();
                        s
                    })
                    .collect())
            }
            Folds::Explicit(sets) => {
                if sets.len() < 2 {
                    return Err(Error::InvalidParam {
                        name: "folds",
                        value: format!("{} explicit test sets", sets.len()),
                        expected: "at least 2".into(),
                    });
                }
                let mut seen = vec![false; n];
                let mut out = Vec::with_capacity(sets.len());
                for (f, s) in sets.iter().enumerate() {
                    if s.is_empty() || s.len() == n {
                        return Err(Error::InvalidParam {
                            name: "folds",
                            value: format!("test set {f} with {} samples", s.len()),
                            expected: format!("between 1 and {} samples", n.saturating_sub(1)),
                        });
                    }
                    for &i in s {
                        if i >= n || seen[i] {
                            return Err(Error::InvalidParam {
                                name: "folds",
                                value: format!("sample {i} in test set {f}"),
                                expected: format!(
                                    "indices below {n}, each in at most one test set"
                                ),
                            });
                        }
                        seen[i] = true;
                    }
                    let mut s = s.clone();
                    s.sort_unstable();
                    out.push(s);
                }
                Ok(out)
            }
        }
    }
}

/// scikit-learn's `StratifiedKFold._make_test_folds`: classes numbered in order of first
/// appearance; the sorted class numbers are dealt round-robin to the folds (`y_sorted[f::k]`), which fixes how
/// many members of each class every fold gets; then each class's samples, in index order
/// (or a seeded random order), go to folds 0, 0, …, 1, 1, … by those counts.
fn stratified(y: &[f64], k: usize, shuffle: Option<u64>) -> Result<Vec<Vec<usize>>> {
    let n = y.len();
    // Classes numbered in order of first appearance (scikit-learn's `y_encoded`).
    let mut classes: Vec<f64> = Vec::new();
    let mut sorted_classes: Vec<(f64, usize)> = Vec::new();
    let class_of: Vec<usize> = y
        .iter()
        .map(
            |&v| match sorted_classes.binary_search_by(|(c, _)| c.total_cmp(&v)) {
                Ok(k) => sorted_classes[k].1,
                Err(k) => {
                    sorted_classes.insert(k, (v, classes.len()));
                    classes.push(v);
                    classes.len() - 1
                }
            },
        )
        .collect();
    let mut count = vec![0usize; classes.len()];
    class_of.iter().for_each(|&c| count[c] += 1);
    let largest = count.iter().copied().max().unwrap_or(0);
    if k < 2 || k > largest {
        return Err(Error::InvalidParam {
            name: "folds",
            value: k.to_string(),
            expected: format!(
                "between 2 and the number of members of the largest class ({largest}) for stratified folds"
            ),
        });
    }
    // Sorted labels y_sorted[i] = class index; fold f gets y_sorted[f], y_sorted[f + k], ….
    let mut sorted = Vec::with_capacity(n);
    for (c, &m) in count.iter().enumerate() {
        sorted.extend(std::iter::repeat_n(c, m));
    }
    let mut alloc = vec![vec![0usize; classes.len()]; k];
    for (i, &c) in sorted.iter().enumerate() {
        alloc[i % k][c] += 1;
    }
    let mut test_fold = vec![0usize; n];
    for (c, &m) in count.iter().enumerate() {
        let mut folds: Vec<usize> = alloc
            .iter()
            .enumerate()
            .flat_map(|(f, a)| std::iter::repeat_n(f, a[c]))
            .collect();
        if let Some(seed) = shuffle {
            let perm = rng::permutation(&mut rng::stream(seed, KFOLD, 1 + c as u64), m);
            folds = perm.iter().map(|&i| folds[i]).collect();
        }
        let members = (0..n).filter(|&i| class_of[i] == c);
        for (i, f) in members.zip(folds) {
            test_fold[i] = f;
        }
    }
    let mut sets = vec![Vec::new(); k];
    for (i, &f) in test_fold.iter().enumerate() {
        sets[f].push(i);
    }
    Ok(sets)
}

/// The complement of a sorted test set in `0..n`.
pub(crate) fn train_set(test: &[usize], n: usize) -> Vec<usize> {
    let mut out = Vec::with_capacity(n - test.len());
    let mut t = test.iter().peekable();
    for i in 0..n {
        if t.peek() == Some(&&i) {
            t.next();
        } else {
            out.push(i);
        }
    }
    out
}
