//! The lottery-ticket experiment (Frankle & Carbin, 2019): iterative magnitude pruning with
//! rewinding to the initial weights, against random re-initialisation of the same masks.

use crate::mlp::{Mlp, Train};
use crate::prune::{Mask, l1_unstructured_remaining};
use crate::{Error, Result};
use cstk_measure::rng::{Domain, derive_seed};
use cstk_solvers::solution::invalid;

/// Seeds of the re-initialised control networks: one per round.
const REINIT: Domain = Domain::new(*b"lotreini");

/// Iterative magnitude pruning of an [`Mlp`], with the Frankle–Carbin control.
///
/// Round 0 trains the dense network from its initialisation θ₀. Every later round prunes
/// `rate` of the weights each layer still has (the output layer `output_rate`, half as
/// fast, as in the paper), ranked by magnitude in the previous round's trained network
/// ([`l1_unstructured_remaining`]); then trains twice with that mask: **rewound** — the
/// surviving weights reset to θ₀ — and **re-initialised** — a fresh random network (its own
/// seed per round) with the same mask. Rounds continue until at most `min_remaining` of the
/// weights are left, or `rounds` rounds. Biases are not pruned and not counted.
///
/// | name | default | meaning | valid range |
/// |------|---------|---------|-------------|
/// | `hidden` | `[128, 64]` | hidden layer sizes | each ≥ 1 |
/// | `rate` | 0.2 | share of each hidden layer's remaining weights pruned per round | (0, 1) |
/// | `output_rate` | 0.1 | the same for the output layer | [0, 1) |
/// | `min_remaining` | 0.05 | stop once the kept share of weights is at most this | (0, 1] |
/// | `rounds` | `None` | stop after this many pruning rounds instead | ≥ 1 |
/// | `train` | `Train::default()` (Adam 1e-3, 30 epochs, batch 32) | training of every network | |
/// | `seed` | 0 | θ₀, the mini-batch order and the controls | any |
///
/// Deterministic for a seed.
///
/// ```
/// use cstk_ml::lottery::Lottery;
/// use cstk_ml::mlp::Train;
/// // Two Gaussian-ish blobs in 4-D.
/// let x: Vec<f32> = (0..80).map(|i| ((i * 37 % 23) as f32 / 23.0) + if (i / 4) % 2 == 0 { 1.0 } else { -1.0 }).collect();
/// let y: Vec<usize> = (0..20).map(|i| i % 2).collect();
/// let exp = Lottery { hidden: vec![8], rounds: Some(2), train: Train::default().epochs(20), ..Lottery::default() };
/// let res = exp.run((&x, &y), (&x, &y)).unwrap();
/// assert_eq!(res.rounds.len(), 3); // dense + 2 pruning rounds
/// assert!(res.rounds[2].remaining < res.rounds[1].remaining);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Lottery {
    /// Hidden layer sizes.
    pub hidden: Vec<usize>,
    /// Pruning rate of hidden layers per round.
    pub rate: f64,
    /// Pruning rate of the output layer per round.
    pub output_rate: f64,
    /// Stop at this kept share.
    pub min_remaining: f64,
    /// Or after this many rounds.
    pub rounds: Option<usize>,
    /// How each network is trained.
    pub train: Train,
    /// Seed.
    pub seed: u64,
}

impl Default for Lottery {
    fn default() -> Self {
        Lottery {
            hidden: vec![128, 64],
            rate: 0.2,
            output_rate: 0.1,
            min_remaining: 0.05,
            rounds: None,
            train: Train::default(),
            seed: 0,
        }
    }
}

/// One round of [`Lottery::run`].
#[derive(Clone, Debug, PartialEq)]
pub struct LotteryRound {
    /// Round number (0 = dense).
    pub round: usize,
    /// Kept share of all weights.
    pub remaining: f64,
    /// Kept share per layer.
    pub layer_remaining: Vec<f64>,
    /// Test accuracy of the rewound network (round 0: the dense network).
    pub accuracy_rewind: f64,
    /// Test accuracy of the re-initialised network (round 0: the dense network).
    pub accuracy_reinit: f64,
    /// Fraction of zero ReLU outputs per hidden layer on the test set, rewound network.
    pub activation_sparsity_rewind: Vec<f64>,
    /// The same for the re-initialised network.
    pub activation_sparsity_reinit: Vec<f64>,
}

/// The result of [`Lottery::run`].
#[derive(Clone, Debug, PartialEq)]
pub struct LotteryResult {
    /// Layer sizes, input first.
    pub sizes: Vec<usize>,
    /// Every round, dense first.
    pub rounds: Vec<LotteryRound>,
}

impl Lottery {
    fn validate(&self) -> Result<()> {
        if !(self.rate > 0.0 && self.rate < 1.0) {
            return Err(invalid("rate", self.rate.to_string(), "a number in (0, 1)"));
        }
        if !(self.output_rate >= 0.0 && self.output_rate < 1.0) {
            return Err(invalid(
                "output_rate",
                self.output_rate.to_string(),
                "a number in [0, 1)",
            ));
        }
        if !(self.min_remaining > 0.0 && self.min_remaining <= 1.0) {
            return Err(invalid(
                "min_remaining",
                self.min_remaining.to_string(),
                "a number in (0, 1]",
            ));
        }
        if self.rounds == Some(0) {
            return Err(invalid("rounds", 0, "≥ 1"));
        }
        Ok(())
    }

    /// Runs the experiment on `(x, labels)` training and test sets (`x` row-major, the
    /// input width is `x.len() / labels.len()`, the classes `max label + 1` over both).
    ///
    /// # Errors
    /// Invalid parameters, empty or inconsistent data, and training errors.
    pub fn run(
        &self,
        train: (&[f32], &[usize]),
        test: (&[f32], &[usize]),
    ) -> Result<LotteryResult> {
        self.run_with_progress(train, test, &mut |_| {})
    }

    /// [`Lottery::run`], calling `progress` after every round with the rounds so far.
    ///
    /// # Errors
    /// As [`Lottery::run`].
    pub fn run_with_progress(
        &self,
        train: (&[f32], &[usize]),
        test: (&[f32], &[usize]),
        progress: &mut dyn FnMut(&[LotteryRound]),
    ) -> Result<LotteryResult> {
        self.validate()?;
        let (n, nt) = (train.1.len(), test.1.len());
        if n == 0
            || nt == 0
            || !train.0.len().is_multiple_of(n)
            || test.0.len() * n != train.0.len() * nt
        {
            return Err(Error::ShapeMismatch {
                context: "lottery data (training and test samples of one width)".into(),
                expected: "non-empty sets with x.len() = samples × inputs".into(),
                got: format!(
                    "{} / {} values for {n} / {nt} samples",
                    train.0.len(),
                    test.0.len()
                ),
            });
        }
        let n_classes = 1 + train.1.iter().chain(test.1).copied().max().unwrap_or(0);
        let mut sizes = vec![train.0.len() / n];
        sizes.extend(&self.hidden);
        sizes.push(n_classes);
        let theta0 = Mlp::new(&sizes, self.seed)?;
        let train_opts = self.train.clone().seed(self.seed);
        let fit = |mut net: Mlp, masks: Option<&[Vec<bool>]>| -> Result<Mlp> {
            train_opts.fit(&mut net, train.0, train.1, masks)?;
            Ok(net)
        };
        let record = |round, masks: &[Mask], a: &Mlp, b: &Mlp| {
            let total: usize = masks.iter().map(Mask::len).sum();
            let kept: usize = masks.iter().map(Mask::n_kept).sum();
            LotteryRound {
                round,
                remaining: kept as f64 / total as f64,
                layer_remaining: masks
                    .iter()
                    .map(|m| m.n_kept() as f64 / m.len() as f64)
                    .collect(),
                accuracy_rewind: a.accuracy(test.0, test.1),
                accuracy_reinit: b.accuracy(test.0, test.1),
                activation_sparsity_rewind: a.activation_sparsity(test.0, nt),
                activation_sparsity_reinit: b.activation_sparsity(test.0, nt),
            }
        };
        let mut masks: Vec<Mask> = theta0
            .layers
            .iter()
            .map(|d| Mask::ones(&[d.n_out, d.n_in]))
            .collect::<Result<_>>()?;
        let mut trained = fit(theta0.clone(), None)?;
        let mut rounds = vec![record(0, &masks, &trained, &trained)];
        progress(&rounds);
        let last = masks.len() - 1;
        while rounds
            .last()
            .is_some_and(|r| r.remaining > self.min_remaining)
            && self.rounds.is_none_or(|k| rounds.len() <= k)
        {
            let round = rounds.len();
            masks = masks
                .iter()
                .zip(&trained.layers)
                .enumerate()
                .map(|(l, (m, d))| {
                    let rate = if l == last {
                        self.output_rate
                    } else {
                        self.rate
                    };
                    l1_unstructured_remaining(&d.w, m.shape(), rate, m)
                })
                .collect::<Result<_>>()?;
            let keep: Vec<Vec<bool>> = masks.iter().map(|m| m.keep().to_vec()).collect();
            let rewound = fit(theta0.clone(), Some(&keep))?;
            let control = Mlp::new(&sizes, derive_seed(self.seed, REINIT, round as u64))?;
            let reinit = fit(control, Some(&keep))?;
            rounds.push(record(round, &masks, &rewound, &reinit));
            progress(&rounds);
            trained = rewound;
        }
        Ok(LotteryResult { sizes, rounds })
    }
}
