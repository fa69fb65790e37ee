//! The results of a phase experiment: per-cell outcomes, the deterministic `phase.csv`
//! table, `timing.csv`, merging shards and the empirical 50% transition.

use super::theory::weak_threshold;
use super::{Cell, Settings, Shard};
use cstk_linop::{Error, Result};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The outcome of one cell.
///
/// ```
/// use cstk_measure::phase::{CellResult, Grid};
/// let cell = Grid::uniform(10, 1, 1).unwrap().cells()[0];
/// let r = CellResult::new(cell, vec![Some(1e-9), Some(0.5), None], 1e-3, Some("boom".into()), 0.1);
/// assert_eq!((r.successes, r.trials(), r.solver_errors()), (1, 3, 1));
/// assert!((r.mean_rel_error() - 0.25).abs() < 1e-9);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CellResult {
    /// The cell.
    pub cell: Cell,
    /// `‖x̂ − x‖/‖x‖` of each trial, in trial order; `None` where the solver failed.
    pub rel_errors: Vec<Option<f64>>,
    /// Trials with a relative error below the success tolerance.
    pub successes: usize,
    /// The first solver error message, if any trial failed.
    pub first_error: Option<String>,
    /// Wall-clock seconds of the cell (not deterministic; kept out of `phase.csv`).
    pub seconds: f64,
}

impl CellResult {
    /// Scores the trials of `cell` against `success_tol`.
    pub fn new(
        cell: Cell,
        rel_errors: Vec<Option<f64>>,
        success_tol: f64,
        first_error: Option<String>,
        seconds: f64,
    ) -> Self {
        let successes = rel_errors
            .iter()
            .filter(|e| matches!(e, Some(v) if *v < success_tol))
            .count();
        CellResult {
            cell,
            rel_errors,
            successes,
            first_error,
            seconds,
        }
    }

    /// Number of trials.
    pub fn trials(&self) -> usize {
        self.rel_errors.len()
    }

    /// Trials where the solver returned an error.
    pub fn solver_errors(&self) -> usize {
        self.rel_errors.iter().filter(|e| e.is_none()).count()
    }

    /// Success fraction.
    pub fn fraction(&self) -> f64 {
        self.successes as f64 / self.trials().max(1) as f64
    }

    /// Mean relative error over the trials the solver finished (in trial order, so the
    /// value is deterministic); NaN when none did.
    pub fn mean_rel_error(&self) -> f64 {
        let done: Vec<f64> = self.rel_errors.iter().flatten().copied().collect();
        if done.is_empty() {
            f64::NAN
        } else {
            done.iter().sum::<f64>() / done.len() as f64
        }
    }
}

/// The empirical 50% success point of one `δ` column.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TransitionPoint {
    /// The column's `δ`.
    pub delta: f64,
    /// The `ρ` where the success fraction crosses 1/2, or `None` when it does not cross
    /// inside the grid (or the column has no cells).
    pub rho: Option<f64>,
}

/// The cells of an experiment (all of them, or a shard's, or a partial run's).
#[derive(Clone, Debug, PartialEq)]
pub struct PhaseResults {
    /// The settings every cell was run with.
    pub settings: Settings,
    /// The shard the cells belong to ([`Shard::ALL`] for a whole or merged run).
    pub shard: Shard,
    /// Finished cells by cell index.
    pub cells: BTreeMap<usize, CellResult>,
}

impl PhaseResults {
    /// No cells yet.
    pub fn new(settings: Settings, shard: Shard) -> Self {
        PhaseResults {
            settings,
            shard,
            cells: BTreeMap::new(),
        }
    }

    /// Number of cells the shard must run.
    pub fn expected_cells(&self) -> usize {
        let total = self.settings.grid.deltas.len() * self.settings.grid.rhos.len();
        (0..total).filter(|&c| self.shard.contains(c)).count()
    }

    /// `true` when every cell of the shard is done.
    pub fn is_complete(&self) -> bool {
        self.cells.len() == self.expected_cells()
    }

    /// `ρ_W(δ)` of the settings' signal class for each `δ` of the grid.
    pub fn theory(&self) -> Vec<f64> {
        let class = self.settings.signal_class();
        self.settings
            .grid
            .deltas
            .iter()
            .map(|&d| weak_threshold(d, class).unwrap_or(f64::NAN))
            .collect()
    }

    /// `phase.csv`: a header row and one row per finished cell in grid order, columns
    /// `delta,rho,m,k,successes,trials,mean_rel_error,rho_theory`. Only deterministic
    /// values, so equal settings give byte-identical files.
    ///
    /// ```
    /// use cstk_measure::phase::{CellResult, Grid, PhaseResults, Settings, Shard};
    /// let s = Settings::new(Grid::new(100, vec![0.5], vec![0.2]).unwrap(), 2, "bp");
    /// let mut r = PhaseResults::new(s.clone(), Shard::ALL);
    /// let cell = s.grid.cells()[0];
    /// r.cells.insert(0, CellResult::new(cell, vec![Some(0.0), Some(0.5)], 1e-3, None, 1.0));
    /// let csv = r.phase_csv();
    /// assert_eq!(csv.lines().nth(1).unwrap(), "0.5,0.2,50,10,1,2,2.500000e-1,0.385690");
    /// ```
    pub fn phase_csv(&self) -> String {
        let theory = self.theory();
        self.table("successes,trials,mean_rel_error,rho_theory", |r| {
            format!(
                "{},{},{:.6e},{:.6}",
                r.successes,
                r.trials(),
                r.mean_rel_error(),
                theory[r.cell.i_delta]
            )
        })
    }

    /// `timing.csv`: `delta,rho,m,k,trials,seconds,seconds_per_trial,solver_errors` per
    /// finished cell (wall-clock, so not reproducible).
    pub fn timing_csv(&self) -> String {
        self.table("trials,seconds,seconds_per_trial,solver_errors", |r| {
            format!(
                "{},{:.6},{:.6e},{}",
                r.trials(),
                r.seconds,
                r.seconds / r.trials().max(1) as f64,
                r.solver_errors()
            )
        })
    }

    /// A CSV table of the finished cells in grid order: `delta,rho,m,k,` then `columns`,
    /// filled by `rest`.
    fn table(&self, columns: &str, rest: impl Fn(&CellResult) -> String) -> String {
        let mut out = format!("delta,rho,m,k,{columns}\n");
        for r in self.cells.values() {
            let c = &r.cell;
            let _ = writeln!(out, "{},{},{},{},{}", c.delta, c.rho, c.m, c.k, rest(r));
        }
        out
    }

    /// The success fractions as a `deltas × rhos` table (NaN for cells not run).
    pub fn fractions(&self) -> Vec<Vec<f64>> {
        let g = &self.settings.grid;
        let mut t = vec![vec![f64::NAN; g.rhos.len()]; g.deltas.len()];
        for r in self.cells.values() {
            t[r.cell.i_delta][r.cell.i_rho] = r.fraction();
        }
        t
    }

    /// The empirical 50% transition per `δ` column: the column's success fractions are
    /// made non-increasing in `ρ` by weighted isotonic regression (pool adjacent
    /// violators, weights = trials), then the crossing of 1/2 is interpolated linearly
    /// between the last `ρ` at or above 1/2 and the next one. Robust to the noise of few
    /// trials, and deterministic.
    ///
    /// ```
    /// use cstk_measure::phase::{CellResult, Grid, PhaseResults, Settings, Shard};
    /// let s = Settings::new(Grid::new(100, vec![0.5], vec![0.1, 0.2, 0.3]).unwrap(), 4, "bp");
    /// let mut r = PhaseResults::new(s.clone(), Shard::ALL);
    /// for (cell, ok) in s.grid.cells().into_iter().zip([4, 3, 0]) {
    ///     let errs = (0..4).map(|t| Some(if t < ok { 0.0 } else { 1.0 })).collect();
    ///     r.cells.insert(cell.index, CellResult::new(cell, errs, 1e-3, None, 0.0));
    /// }
    /// // 0.75 at ρ = 0.2, 0 at ρ = 0.3: one third of the way
    /// let rho = r.transition()[0].rho.unwrap();
    /// assert!((rho - (0.2 + 0.1 / 3.0)).abs() < 1e-12);
    /// ```
    pub fn transition(&self) -> Vec<TransitionPoint> {
        let g = &self.settings.grid;
        (0..g.deltas.len())
            .map(|i| {
                let column: Vec<(f64, f64, f64)> = self
                    .cells
                    .values()
                    .filter(|r| r.cell.i_delta == i)
                    .map(|r| (r.cell.rho, r.fraction(), r.trials() as f64))
                    .collect();
                TransitionPoint {
                    delta: g.deltas[i],
                    rho: crossing(&column),
                }
            })
            .collect()
    }

    /// Combines the cells of several runs (shards) of the same experiment.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] when the settings differ (naming the first difference and
    /// both sources) or two runs hold the same cell (an overlap). `sources` names each run
    /// in the messages.
    pub fn merge(runs: Vec<PhaseResults>, sources: &[String]) -> Result<PhaseResults> {
        let mut runs = runs.into_iter().zip(sources);
        let Some((first, first_src)) = runs.next() else {
            return Err(Error::InvalidParam {
                name: "merge",
                value: "no runs".into(),
                expected: "at least one results directory".into(),
            });
        };
        let mut merged = PhaseResults::new(first.settings.clone(), Shard::ALL);
        let mut owner: BTreeMap<usize, &String> = BTreeMap::new();
        for (run, src) in std::iter::once((first, first_src)).chain(runs) {
            if let Some(diff) = settings_difference(&merged.settings, &run.settings) {
                return Err(Error::InvalidParam {
                    name: "merge",
                    value: format!("{src}: {diff} (vs {first_src})"),
                    expected: "shards of one experiment (equal settings)".into(),
                });
            }
            for (c, r) in run.cells {
                if let Some(prev) = owner.insert(c, src) {
                    return Err(Error::InvalidParam {
                        name: "merge",
                        value: format!(
                            "cell {c} (delta {}, rho {}) is in both {prev} and {src}",
                            r.cell.delta, r.cell.rho
                        ),
                        expected: "shards with disjoint cells".into(),
                    });
                }
                merged.cells.insert(c, r);
            }
        }
        Ok(merged)
    }
}

/// The first difference between two settings, as `"field a vs b"`; `None` when equal.
pub(crate) fn settings_difference(a: &Settings, b: &Settings) -> Option<String> {
    let fields: [(&str, String, String); 10] = [
        ("n", a.grid.n.to_string(), b.grid.n.to_string()),
        (
            "deltas",
            format!("{:?}", a.grid.deltas),
            format!("{:?}", b.grid.deltas),
        ),
        (
            "rhos",
            format!("{:?}", a.grid.rhos),
            format!("{:?}", b.grid.rhos),
        ),
        ("trials", a.trials.to_string(), b.trials.to_string()),
        ("ensemble", a.ensemble.name(), b.ensemble.name()),
        (
            "amplitudes",
            super::amplitude_name(a.amplitudes),
            super::amplitude_name(b.amplitudes),
        ),
        (
            "nonnegative",
            a.nonnegative.to_string(),
            b.nonnegative.to_string(),
        ),
        ("solver", a.solver.clone(), b.solver.clone()),
        (
            "success_tol",
            a.success_tol.to_string(),
            b.success_tol.to_string(),
        ),
        ("seed", a.seed.to_string(), b.seed.to_string()),
    ];
    fields
        .into_iter()
        .find(|(_, x, y)| x != y)
        .map(|(name, x, y)| format!("{name} {x} vs {y}"))
}

/// The 1/2 crossing of `(ρ, fraction, weight)` points sorted by `ρ` (see
/// [`PhaseResults::transition`]).
fn crossing(points: &[(f64, f64, f64)]) -> Option<f64> {
    let fit = isotonic_decreasing(points);
    let j = fit.iter().position(|&f| f < 0.5)?;
    if j == 0 {
        return None;
    }
    let (r0, f0) = (points[j - 1].0, fit[j - 1]);
    let (r1, f1) = (points[j].0, fit[j]);
    Some(r0 + (f0 - 0.5) / (f0 - f1) * (r1 - r0))
}

/// The weighted least-squares non-increasing fit of the fractions (pool adjacent
/// violators).
fn isotonic_decreasing(points: &[(f64, f64, f64)]) -> Vec<f64> {
    // blocks of (mean, weight, count)
    let mut blocks: Vec<(f64, f64, usize)> = Vec::with_capacity(points.len());
    for &(_, f, w) in points {
        let w = w.max(1e-300);
        blocks.push((f, w, 1));
        while blocks.len() > 1 {
            let (m1, w1, c1) = blocks[blocks.len() - 1];
            let (m0, w0, c0) = blocks[blocks.len() - 2];
            if m0 >= m1 {
                break;
            }
            blocks.pop();
            let last = blocks.last_mut().expect("two blocks");
            *last = ((m0 * w0 + m1 * w1) / (w0 + w1), w0 + w1, c0 + c1);
        }
    }
    blocks
        .into_iter()
        .flat_map(|(m, _, c)| std::iter::repeat_n(m, c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isotonic_pools_violators() {
        let p = [
            (0.1, 1.0, 1.0),
            (0.2, 0.6, 1.0),
            (0.3, 0.8, 1.0),
            (0.4, 0.0, 1.0),
        ];
        let fit = isotonic_decreasing(&p);
        assert_eq!(fit, vec![1.0, 0.7, 0.7, 0.0]);
        // crossing between 0.3 (0.7) and 0.4 (0): 0.3 + 0.2/0.7·0.1
        assert!((crossing(&p).unwrap() - (0.3 + 0.02 / 0.7)).abs() < 1e-12);
        // never below 1/2, or below from the start
        assert_eq!(crossing(&[(0.1, 1.0, 1.0), (0.2, 0.6, 1.0)]), None);
        assert_eq!(crossing(&[(0.1, 0.2, 1.0), (0.2, 0.6, 1.0)]), None);
        assert_eq!(crossing(&[]), None);
    }
}
