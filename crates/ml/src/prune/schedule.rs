//! Sparsity schedules: gradual (cubic) and iterative magnitude pruning.

use crate::{Error, Result};

fn bad<T>(name: &'static str, value: impl ToString, expected: &str) -> Result<T> {
    Err(Error::InvalidParam {
        name,
        value: value.to_string(),
        expected: expected.into(),
    })
}

/// The gradual magnitude pruning schedule of Zhu & Gupta (2017, "To prune, or not to prune"):
/// the sparsity rises from `s_i` to `s_f` over `n` pruning steps spaced `Δt` training steps
/// apart from step `t0`, fast at first and slowly at the end,
///
/// `s_t = s_f + (s_i − s_f) · (1 − (t − t0) / (n·Δt))³`  for `t0 ≤ t ≤ t0 + n·Δt`,
///
/// `s_i` before `t0` and `s_f` after `t0 + n·Δt` ([`sparsity_at`](Self::sparsity_at)). The
/// masks are recomputed at the `n + 1` steps `t0, t0 + Δt, …, t0 + n·Δt`
/// ([`targets`](Self::targets)); at each, prune the current (masked) weights to the target,
/// e.g. with [`l1_unstructured`](super::l1_unstructured) and `amount = s_t`. This is the
/// schedule of TensorFlow Model Optimization's `PolynomialDecay(power=3)`.
///
/// | name | meaning | valid range |
/// |------|---------|-------------|
/// | `initial_sparsity` | `s_i` | `[0, s_f]` |
/// | `final_sparsity` | `s_f` | `[s_i, 1)` |
/// | `start_step` | `t0` | any |
/// | `n_steps` | `n`, the number of pruning steps after `t0` | `≥ 1` |
/// | `step_interval` | `Δt`, training steps between pruning steps | `≥ 1` |
///
/// ```
/// use cstk_ml::prune::GradualSchedule;
/// let s = GradualSchedule::new(0.0, 0.9, 1000, 10, 100).unwrap();
/// assert_eq!(s.sparsity_at(0), 0.0);
/// assert_eq!(s.sparsity_at(2000), 0.9);
/// assert!((s.sparsity_at(1500) - 0.9 * (1.0 - 0.5f64.powi(3))).abs() < 1e-12);
/// let steps: Vec<u64> = s.targets().map(|(t, _)| t).collect();
/// assert_eq!(steps.len(), 11);
/// assert_eq!((steps[0], steps[10]), (1000, 2000));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradualSchedule {
    initial_sparsity: f64,
    final_sparsity: f64,
    start_step: u64,
    n_steps: u64,
    step_interval: u64,
}

impl GradualSchedule {
    /// The schedule `(s_i, s_f, t0, n, Δt)`, validated (see the table above).
    ///
    /// ```
    /// use cstk_ml::prune::GradualSchedule;
    /// assert!(GradualSchedule::new(0.0, 0.8, 0, 5, 10).is_ok());
    /// assert!(GradualSchedule::new(0.5, 0.2, 0, 5, 10).is_err()); // s_i > s_f
    /// assert!(GradualSchedule::new(0.0, 1.0, 0, 5, 10).is_err()); // s_f must be < 1
    /// assert!(GradualSchedule::new(0.0, 0.8, 0, 0, 10).is_err()); // n = 0
    /// ```
    pub fn new(
        initial_sparsity: f64,
        final_sparsity: f64,
        start_step: u64,
        n_steps: u64,
        step_interval: u64,
    ) -> Result<GradualSchedule> {
        if !(0.0..1.0).contains(&final_sparsity) {
            return bad("final_sparsity", final_sparsity, "a fraction in [0, 1)");
        }
        if !(0.0..=final_sparsity).contains(&initial_sparsity) {
            return bad(
                "initial_sparsity",
                initial_sparsity,
                &format!("a fraction in [0, final_sparsity = {final_sparsity}]"),
            );
        }
        if n_steps == 0 {
            return bad("n_steps", n_steps, "≥ 1");
        }
        if step_interval == 0 {
            return bad("step_interval", step_interval, "≥ 1");
        }
        if n_steps
            .checked_mul(step_interval)
            .and_then(|d| d.checked_add(start_step))
            .is_none()
        {
            return bad(
                "n_steps",
                n_steps,
                "start_step + n_steps · step_interval that fits in u64",
            );
        }
        Ok(GradualSchedule {
            initial_sparsity,
            final_sparsity,
            start_step,
            n_steps,
            step_interval,
        })
    }

    /// `s_i`.
    ///
    /// ```
    /// # use cstk_ml::prune::GradualSchedule;
    /// assert_eq!(GradualSchedule::new(0.1, 0.8, 0, 5, 10).unwrap().initial_sparsity(), 0.1);
    /// ```
    pub fn initial_sparsity(&self) -> f64 {
        self.initial_sparsity
    }

    /// `s_f`.
    ///
    /// ```
    /// # use cstk_ml::prune::GradualSchedule;
    /// assert_eq!(GradualSchedule::new(0.1, 0.8, 0, 5, 10).unwrap().final_sparsity(), 0.8);
    /// ```
    pub fn final_sparsity(&self) -> f64 {
        self.final_sparsity
    }

    /// `t0`, the first pruning step.
    ///
    /// ```
    /// # use cstk_ml::prune::GradualSchedule;
    /// assert_eq!(GradualSchedule::new(0.0, 0.8, 7, 5, 10).unwrap().start_step(), 7);
    /// ```
    pub fn start_step(&self) -> u64 {
        self.start_step
    }

    /// `t0 + n·Δt`, the last pruning step.
    ///
    /// ```
    /// # use cstk_ml::prune::GradualSchedule;
    /// assert_eq!(GradualSchedule::new(0.0, 0.8, 7, 5, 10).unwrap().end_step(), 57);
    /// ```
    pub fn end_step(&self) -> u64 {
        self.start_step + self.n_steps * self.step_interval
    }

    /// `n`, the number of pruning steps after `t0`.
    ///
    /// ```
    /// # use cstk_ml::prune::GradualSchedule;
    /// assert_eq!(GradualSchedule::new(0.0, 0.8, 0, 5, 10).unwrap().n_steps(), 5);
    /// ```
    pub fn n_steps(&self) -> u64 {
        self.n_steps
    }

    /// `Δt`, the training steps between pruning steps.
    ///
    /// ```
    /// # use cstk_ml::prune::GradualSchedule;
    /// assert_eq!(GradualSchedule::new(0.0, 0.8, 0, 5, 10).unwrap().step_interval(), 10);
    /// ```
    pub fn step_interval(&self) -> u64 {
        self.step_interval
    }

    /// The target sparsity `s_t` at training step `t` (the cubic formula, clamped to `s_i`
    /// before `t0` and `s_f` after the end); non-decreasing in `t`.
    ///
    /// ```
    /// # use cstk_ml::prune::GradualSchedule;
    /// let s = GradualSchedule::new(0.2, 0.8, 0, 4, 25).unwrap();
    /// // t = 50 is halfway: 0.8 + (0.2 − 0.8) · 0.5³
    /// assert!((s.sparsity_at(50) - 0.725).abs() < 1e-12);
    /// ```
    pub fn sparsity_at(&self, step: u64) -> f64 {
        if step <= self.start_step {
            return self.initial_sparsity;
        }
        if step >= self.end_step() {
            return self.final_sparsity;
        }
        let span = (self.n_steps * self.step_interval) as f64;
        let left = 1.0 - (step - self.start_step) as f64 / span;
        self.final_sparsity + (self.initial_sparsity - self.final_sparsity) * left * left * left
    }

    /// Whether masks are recomputed at `step` (one of `t0 + jΔt`, `0 ≤ j ≤ n`).
    ///
    /// ```
    /// # use cstk_ml::prune::GradualSchedule;
    /// let s = GradualSchedule::new(0.0, 0.8, 10, 3, 5).unwrap();
    /// assert!(s.is_pruning_step(15) && !s.is_pruning_step(16) && !s.is_pruning_step(30));
    /// ```
    pub fn is_pruning_step(&self, step: u64) -> bool {
        (self.start_step..=self.end_step()).contains(&step)
            && (step - self.start_step).is_multiple_of(self.step_interval)
    }

    /// The `n + 1` pruning steps and their targets, `(t0 + jΔt, s_{t0 + jΔt})` for
    /// `j = 0, …, n`: from `(t0, s_i)` to `(t0 + nΔt, s_f)`.
    ///
    /// ```
    /// # use cstk_ml::prune::GradualSchedule;
    /// let s = GradualSchedule::new(0.0, 0.875, 0, 2, 1).unwrap();
    /// let t: Vec<(u64, f64)> = s.targets().collect();
    /// assert_eq!(t, vec![(0, 0.0), (1, 0.765625), (2, 0.875)]);
    /// ```
    pub fn targets(&self) -> GradualTargets {
        GradualTargets {
            schedule: *self,
            next: 0,
        }
    }
}

/// The iterator of [`GradualSchedule::targets`]: `(step, target sparsity)` pairs.
#[derive(Clone, Debug)]
pub struct GradualTargets {
    schedule: GradualSchedule,
    next: u64,
}

impl Iterator for GradualTargets {
    type Item = (u64, f64);

    fn next(&mut self) -> Option<(u64, f64)> {
        let s = &self.schedule;
        if self.next > s.n_steps {
            return None;
        }
        let step = s.start_step + self.next * s.step_interval;
        self.next += 1;
        Some((step, s.sparsity_at(step)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.schedule.n_steps + 1).saturating_sub(self.next);
        let left = usize::try_from(left).unwrap_or(usize::MAX);
        (left, Some(left))
    }
}

impl ExactSizeIterator for GradualTargets {}

impl std::iter::FusedIterator for GradualTargets {}

/// Iterative magnitude pruning (Han et al. 2015; the lottery-ticket experiments of Frankle &
/// Carbin 2019): each round prunes a fraction `p` of the weights still kept (then retrains or
/// rewinds), so after `k` rounds the sparsity is `1 − (1 − p)^k`.
///
/// A round is [`l1_unstructured_remaining`](super::l1_unstructured_remaining) with
/// `amount = p`, which prunes `round(p · kept)` entries; [`kept_after`](Self::kept_after)
/// follows that integer arithmetic exactly.
///
/// ```
/// use cstk_ml::prune::IterativeSchedule;
/// let imp = IterativeSchedule::new(0.2).unwrap();
/// assert!((imp.sparsity_after(3) - (1.0 - 0.8f64.powi(3))).abs() < 1e-15); // 0.488
/// assert_eq!(imp.rounds_to(0.9).unwrap(), 11); // 0.8^10 = 0.107, 0.8^11 = 0.086
/// assert_eq!(imp.kept_after(1000, 2), 640);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IterativeSchedule {
    rate: f64,
}

impl IterativeSchedule {
    /// The schedule pruning a fraction `rate ∈ (0, 1)` of the remaining weights per round.
    ///
    /// ```
    /// use cstk_ml::prune::IterativeSchedule;
    /// assert!(IterativeSchedule::new(0.2).is_ok());
    /// assert!(IterativeSchedule::new(0.0).is_err() && IterativeSchedule::new(1.0).is_err());
    /// ```
    pub fn new(rate: f64) -> Result<IterativeSchedule> {
        if !(rate > 0.0 && rate < 1.0) {
            return bad("rate", rate, "a fraction in (0, 1)");
        }
        Ok(IterativeSchedule { rate })
    }

    /// The per-round rate `p`.
    ///
    /// ```
    /// assert_eq!(cstk_ml::prune::IterativeSchedule::new(0.2).unwrap().rate(), 0.2);
    /// ```
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// The sparsity after `rounds` rounds, `1 − (1 − p)^rounds` (0 after none).
    ///
    /// ```
    /// let imp = cstk_ml::prune::IterativeSchedule::new(0.5).unwrap();
    /// assert_eq!((imp.sparsity_after(0), imp.sparsity_after(2)), (0.0, 0.75));
    /// ```
    pub fn sparsity_after(&self, rounds: u32) -> f64 {
        1.0 - remaining(self.rate, rounds)
    }

    /// The fewest rounds whose sparsity reaches `target ∈ [0, 1)` (up to a relative
    /// rounding error of 1e-12, so that `p = 0.2` reaches `0.36` in 2 rounds).
    ///
    /// ```
    /// let imp = cstk_ml::prune::IterativeSchedule::new(0.2).unwrap();
    /// assert_eq!(imp.rounds_to(0.36).unwrap(), 2);
    /// assert_eq!(imp.rounds_to(0.37).unwrap(), 3);
    /// assert_eq!(imp.rounds_to(0.0).unwrap(), 0);
    /// assert!(imp.rounds_to(1.0).is_err());
    /// ```
    pub fn rounds_to(&self, target: f64) -> Result<u32> {
        if !(0.0..1.0).contains(&target) {
            return bad("target", target, "a sparsity in [0, 1)");
        }
        let reached = |k: u32| self.sparsity_after(k) >= target - 1e-12 * target;
        let guess = ((-target).ln_1p() / (-self.rate).ln_1p()).ceil();
        if guess.is_nan() || guess > f64::from(u32::MAX - 1) {
            return bad(
                "target",
                target,
                &format!(
                    "a sparsity reachable in fewer than 2³² rounds at rate {}",
                    self.rate
                ),
            );
        }
        let mut k = guess.max(0.0) as u32;
        while k > 0 && reached(k - 1) {
            k -= 1;
        }
        while !reached(k) {
            k += 1;
        }
        Ok(k)
    }

    /// The number of weights left of `numel` after `rounds` rounds when each round prunes
    /// `round(p · kept)` of the `kept` ones (halves to even, as PyTorch rounds), i.e. what
    /// repeated [`l1_unstructured_remaining`](super::l1_unstructured_remaining) leaves.
    ///
    /// ```
    /// let imp = cstk_ml::prune::IterativeSchedule::new(0.2).unwrap();
    /// // kept: 10, then 10 − round(2.0) = 8, 8 − round(1.6) = 6, 6 − round(1.2) = 5
    /// assert_eq!(imp.kept_after(10, 3), 5);
    /// ```
    pub fn kept_after(&self, numel: usize, rounds: u32) -> usize {
        let mut kept = numel;
        for _ in 0..rounds {
            let pruned = ((self.rate * kept as f64).round_ties_even() as usize).min(kept);
            if pruned == 0 {
                break; // a fixed point: no later round prunes anything either
            }
            kept -= pruned;
        }
        kept
    }
}

/// `(1 − p)^k` by repeated squaring in plain IEEE multiplications (no platform `powi`).
fn remaining(rate: f64, mut k: u32) -> f64 {
    let mut base = 1.0 - rate;
    let mut acc = 1.0;
    while k > 0 {
        if k & 1 == 1 {
            acc *= base;
        }
        base *= base;
        k >>= 1;
    }
    acc
}
