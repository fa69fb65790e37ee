//! What every solver returns and reports: [`Solution`], [`StopReason`], [`History`], and the
//! per-iteration [`Progress`] handed to an observer closure (progress bars, early stopping).
//!
//! ```
//! use cstk_solvers::{History, Progress, Recorder, StopReason};
//! use std::ops::ControlFlow;
//! let mut seen = 0;
//! let mut observer = |p: &Progress| { seen = p.iteration; ControlFlow::Continue(()) };
//! let mut rec = Recorder::new(true, &mut observer);
//! let flow = rec.record(Progress { iteration: 1, objective: 2.0, ..Progress::default() });
//! assert!(flow.is_continue());
//! let history: History = rec.finish();
//! assert_eq!(history.objective, vec![2.0]);
//! assert_eq!(seen, 1);
//! ```

use cstk_linop::{Error, Result, Scalar};
use std::fmt;
use std::ops::ControlFlow;
use std::time::Instant;

/// Why a solver stopped.
///
/// ```
/// use cstk_solvers::StopReason;
/// assert!(StopReason::Converged.converged());
/// assert!(!StopReason::MaxIterations.converged());
/// assert_eq!(StopReason::MaxIterations.to_string(), "reached the iteration limit");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum StopReason {
    /// The stopping criterion (tolerance, target sparsity, residual) was met.
    Converged,
    /// `max_iter` iterations ran without meeting the criterion (a result, not an error).
    MaxIterations,
    /// The iterates diverged: `what` grew to `value` at `iteration`.
    Diverged {
        /// The iteration where divergence was detected (1-based).
        iteration: usize,
        /// The quantity that showed it (e.g. `"objective"`).
        what: &'static str,
        /// Its value.
        value: f64,
    },
    /// The algorithm cannot make progress (e.g. OMP's best atom is linearly dependent on
    /// those already selected): `what` = `value` at `iteration`; the solution so far is
    /// returned.
    Breakdown {
        /// The iteration where it happened (1-based).
        iteration: usize,
        /// The quantity that showed it.
        what: &'static str,
        /// Its value.
        value: f64,
    },
    /// The observer asked to stop.
    Interrupted,
}

impl StopReason {
    /// `true` for [`StopReason::Converged`].
    ///
    /// ```
    /// assert!(cstk_solvers::StopReason::Converged.converged());
    /// ```
    pub fn converged(&self) -> bool {
        matches!(self, StopReason::Converged)
    }

    /// A short machine-friendly name: `converged`, `max_iter`, `diverged`, `breakdown`,
    /// `interrupted`.
    ///
    /// ```
    /// assert_eq!(cstk_solvers::StopReason::MaxIterations.name(), "max_iter");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            StopReason::Converged => "converged",
            StopReason::MaxIterations => "max_iter",
            StopReason::Diverged { .. } => "diverged",
            StopReason::Breakdown { .. } => "breakdown",
            StopReason::Interrupted => "interrupted",
        }
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Converged => f.write_str("converged"),
            StopReason::MaxIterations => f.write_str("reached the iteration limit"),
            StopReason::Diverged {
                iteration,
                what,
                value,
            } => write!(f, "diverged: {what} = {value:e} at iteration {iteration}"),
            StopReason::Breakdown {
                iteration,
                what,
                value,
            } => write!(
                f,
                "stopped early: {what} = {value:e} at iteration {iteration}"
            ),
            StopReason::Interrupted => f.write_str("interrupted by the observer"),
        }
    }
}

/// One iteration's figures, as handed to an observer and stored in the [`History`]. A
/// figure a solver does not compute is `NaN`.
///
/// ```
/// let p = cstk_solvers::Progress { iteration: 3, ..Default::default() };
/// assert!(p.gap.is_nan());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    /// Iterations done (1-based).
    pub iteration: usize,
    /// The objective the solver minimizes (its doc comment states it exactly).
    pub objective: f64,
    /// Duality gap, where the solver certifies one.
    pub gap: f64,
    /// Residual norm `‖A x − y‖₂`.
    pub residual: f64,
    /// Relative change `‖x_k − x_{k−1}‖ / max(‖x_k‖, tiny)`.
    pub rel_change: f64,
    /// Step size used.
    pub step: f64,
    /// Seconds since the solver started.
    pub elapsed: f64,
}

impl Default for Progress {
    fn default() -> Self {
        Progress {
            iteration: 0,
            objective: f64::NAN,
            gap: f64::NAN,
            residual: f64::NAN,
            rel_change: f64::NAN,
            step: f64::NAN,
            elapsed: f64::NAN,
        }
    }
}

/// Per-iteration records (empty when recording is switched off). Entry `k` belongs to
/// iteration `k + 1`; figures a solver does not compute are `NaN`.
///
/// ```
/// let h = cstk_solvers::History::default();
/// assert!(h.is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// Objective values.
    pub objective: Vec<f64>,
    /// Duality gaps.
    pub gap: Vec<f64>,
    /// Residual norms.
    pub residual: Vec<f64>,
    /// Relative changes of the iterate.
    pub rel_change: Vec<f64>,
    /// Step sizes.
    pub step: Vec<f64>,
    /// Seconds since the start.
    pub elapsed: Vec<f64>,
}

impl History {
    /// Number of recorded iterations.
    ///
    /// ```
    /// assert_eq!(cstk_solvers::History::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.objective.len()
    }

    /// `true` when nothing was recorded.
    ///
    /// ```
    /// assert!(cstk_solvers::History::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.objective.is_empty()
    }

    fn push(&mut self, p: &Progress) {
        self.objective.push(p.objective);
        self.gap.push(p.gap);
        self.residual.push(p.residual);
        self.rel_change.push(p.rel_change);
        self.step.push(p.step);
        self.elapsed.push(p.elapsed);
    }
}

/// A solver's result.
///
/// ```
/// use cstk_solvers::{History, Solution, StopReason};
/// let s = Solution {
///     x: vec![1.0f64], iterations: 4, stop: StopReason::Converged,
///     history: History::default(), objective: 0.5, gap: f64::NAN,
/// };
/// assert!(s.converged());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Solution<T> {
    /// The solution.
    pub x: Vec<T>,
    /// Iterations run.
    pub iterations: usize,
    /// Why the solver stopped.
    pub stop: StopReason,
    /// Per-iteration records (empty if recording was off).
    pub history: History,
    /// The final objective value (`NaN` if the solver does not compute one).
    pub objective: f64,
    /// The final duality gap, for solvers that certify one (`NaN` otherwise).
    pub gap: f64,
}

impl<T> Solution<T> {
    /// `true` if the stopping criterion was met.
    ///
    /// ```
    /// use cstk_solvers::{History, Solution, StopReason};
    /// let s = Solution {
    ///     x: vec![0.0f64], iterations: 9, stop: StopReason::MaxIterations,
    ///     history: History::default(), objective: f64::NAN, gap: f64::NAN,
    /// };
    /// assert!(!s.converged());
    /// ```
    pub fn converged(&self) -> bool {
        self.stop.converged()
    }
}

/// The observer type solvers accept: called once per iteration; return
/// `ControlFlow::Break(())` to stop (the solution so far is returned with
/// [`StopReason::Interrupted`]).
pub type Observer<'a> = &'a mut dyn FnMut(&Progress) -> ControlFlow<()>;

/// Keeps time, fills the [`History`] (if recording) and calls the observer — the one place
/// solvers do their per-iteration bookkeeping (no allocation when recording is off).
///
/// ```
/// use cstk_solvers::{Progress, Recorder};
/// use std::ops::ControlFlow;
/// let mut stop_at_2 = |p: &Progress| if p.iteration >= 2 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) };
/// let mut rec = Recorder::new(false, &mut stop_at_2);
/// assert!(rec.record(Progress { iteration: 1, ..Default::default() }).is_continue());
/// assert!(rec.record(Progress { iteration: 2, ..Default::default() }).is_break());
/// assert!(rec.finish().is_empty());
/// ```
pub struct Recorder<'a> {
    start: Instant,
    record: bool,
    history: History,
    observer: Observer<'a>,
}

impl<'a> Recorder<'a> {
    /// Starts the clock.
    pub fn new(record: bool, observer: Observer<'a>) -> Self {
        Recorder {
            start: Instant::now(),
            record,
            history: History::default(),
            observer,
        }
    }

    /// Seconds since [`Recorder::new`].
    pub fn elapsed(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// Records one iteration (filling in `elapsed`) and asks the observer whether to go on.
    pub fn record(&mut self, mut p: Progress) -> ControlFlow<()> {
        p.elapsed = self.elapsed();
        if self.record {
            self.history.push(&p);
        }
        (self.observer)(&p)
    }

    /// The history recorded.
    pub fn finish(self) -> History {
        self.history
    }
}

/// An observer that never stops anything.
///
/// ```
/// use cstk_solvers::solution::no_observer;
/// assert!((no_observer())(&Default::default()).is_continue());
/// ```
pub fn no_observer() -> impl FnMut(&Progress) -> ControlFlow<()> {
    |_| ControlFlow::Continue(())
}

/// [`Error::NonFinite`] unless every entry is finite; `what` names the input (e.g.
/// `"measurements y"`).
///
/// ```
/// use cstk_solvers::solution::check_finite;
/// assert!(check_finite("y", &[1.0, f64::NAN]).unwrap_err().to_string().contains("y"));
/// ```
pub fn check_finite<T: Scalar>(what: &str, v: &[T]) -> Result<()> {
    match v.iter().position(|x| !x.is_finite_value()) {
        None => Ok(()),
        Some(i) => Err(Error::NonFinite {
            context: what.to_string(),
            position: format!("index {i}"),
            value: format!("{}", v[i].to_c64()),
        }),
    }
}

/// [`Error::NonFinite`] for a solver whose iterate became NaN/Inf at `iteration`.
///
/// ```
/// let e = cstk_solvers::solution::diverged_error("fista", 12, "objective", f64::NAN);
/// assert!(e.to_string().contains("iteration 12"));
/// ```
pub fn diverged_error(solver: &str, iteration: usize, what: &str, value: f64) -> Error {
    Error::NonFinite {
        context: format!("{solver}: {what}"),
        position: format!("iteration {iteration}"),
        value: format!("{value}"),
    }
}

/// [`Error::InvalidParam`] with the given name, value and expectation.
///
/// ```
/// let e = cstk_solvers::solution::invalid("lambda", -1.0, "a finite number ≥ 0");
/// assert!(e.to_string().contains("lambda"));
/// ```
pub fn invalid(name: &'static str, value: impl fmt::Display, expected: &str) -> Error {
    Error::InvalidParam {
        name,
        value: value.to_string(),
        expected: expected.to_string(),
    }
}

/// [`Error::ShapeMismatch`] for a solver input.
///
/// ```
/// let e = cstk_solvers::solution::shape_mismatch("y", 10, 9);
/// assert!(e.to_string().contains("10"));
/// ```
pub fn shape_mismatch(what: &str, expected: usize, got: usize) -> Error {
    Error::ShapeMismatch {
        context: what.to_string(),
        expected: format!("length {expected}"),
        got: format!("length {got}"),
    }
}

/// The checks every iterative solver makes: `max_iter ≥ 1` and `tol` finite and positive.
///
/// ```
/// use cstk_solvers::solution::check_iteration_params;
/// assert!(check_iteration_params(10, 1e-6).is_ok());
/// assert!(check_iteration_params(0, 1e-6).is_err() && check_iteration_params(10, 0.0).is_err());
/// ```
pub fn check_iteration_params(max_iter: usize, tol: f64) -> Result<()> {
    if max_iter == 0 {
        return Err(invalid("max_iter", 0, "at least 1"));
    }
    if !(tol.is_finite() && tol > 0.0) {
        return Err(invalid("tol", tol, "a finite number > 0"));
    }
    Ok(())
}

/// The measurements `y` of an operator with `m` rows: the right length and finite.
///
/// ```
/// use cstk_solvers::solution::check_measurements;
/// assert!(check_measurements(&[1.0, 2.0], 2).is_ok());
/// assert!(check_measurements(&[1.0], 2).is_err() && check_measurements(&[f64::NAN], 1).is_err());
/// ```
pub fn check_measurements<T: Scalar>(y: &[T], m: usize) -> Result<()> {
    if y.len() != m {
        return Err(shape_mismatch("measurements y", m, y.len()));
    }
    check_finite("measurements y", y)
}

/// The stop decision after an iteration: [`StopReason::Converged`] when the criterion holds
/// (it wins over an observer's `Break`), [`StopReason::Interrupted`] when the observer asked
/// to stop, otherwise `None` (go on).
///
/// ```
/// use cstk_solvers::{solution::stop_after, StopReason};
/// use std::ops::ControlFlow;
/// assert_eq!(stop_after(true, ControlFlow::Break(())), Some(StopReason::Converged));
/// assert_eq!(stop_after(false, ControlFlow::Break(())), Some(StopReason::Interrupted));
/// assert_eq!(stop_after(false, ControlFlow::Continue(())), None);
/// ```
pub fn stop_after(converged: bool, flow: ControlFlow<()>) -> Option<StopReason> {
    if converged {
        Some(StopReason::Converged)
    } else if flow.is_break() {
        Some(StopReason::Interrupted)
    } else {
        None
    }
}
