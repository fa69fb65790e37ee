//! Donoho–Tanner phase-transition experiments: how often does a solver recover a `k`-sparse
//! signal of length `n` from `m` random measurements, over a grid of undersampling
//! `δ = m/n` and sparsity `ρ = k/m`?
//!
//! The pieces:
//!
//! - [`Settings`] says everything that determines the numbers: the grid ([`Grid`]), trials
//!   per cell, the matrix [`Ensemble`], the signal amplitudes, the solver's name, the success
//!   criterion `‖x̂ − x‖/‖x‖ < success_tol` and the master seed.
//! - Every trial draws its matrix and signal from its own seed, derived from
//!   `(master seed, n, m, k, trial)` ([`trial_seed`]), so the results are bit-identical for
//!   any number of threads, any order of work and any split into shards ([`Shard`]).
//! - [`run_cell`] runs the trials of one cell in parallel (rayon) with any solver, given as a
//!   closure from a [`Problem`] to `x̂`; [`run_to_dir`] runs a whole experiment into a
//!   directory, appending each finished cell to `results.jsonl` (see [`PhaseLog`]) so a rerun
//!   skips what is done, and writes `phase.csv` and `timing.csv`.
//! - [`PhaseResults`] holds the cells; it merges shards, writes the tables, and finds the
//!   empirical 50% transition ([`PhaseResults::transition`]); [`theory`] gives the ℓ1 weak
//!   threshold `ρ_W(δ)` to compare with.
//!
//! ```
//! use cstk_measure::phase::{Ensemble, Grid, Settings, Shard, run_cell};
//! use cstk_measure::signals::Amplitude;
//! let settings = Settings::new(Grid::new(40, vec![0.5], vec![0.1, 0.9]).unwrap(), 4, "lsq")
//!     .ensemble(Ensemble::Gaussian)
//!     .amplitudes(Amplitude::Rademacher);
//! // a "solver" that knows nothing about sparsity: the minimum-norm solution Aᵀ(AAᵀ)⁻¹y
//! let lsq = |p: &cstk_measure::phase::Problem<'_, f64>| {
//!     let aat = p.a * p.a.transpose();
//!     let w = aat.cholesky().unwrap().solve(&nalgebra::DVector::from_column_slice(p.y));
//!     Ok((p.a.transpose() * w).as_slice().to_vec())
//! };
//! let cells = settings.grid.cells();
//! let r = run_cell(&settings, &cells[0], &lsq);
//! assert_eq!((r.cell.m, r.cell.k, r.trials()), (20, 2, 4));
//! assert_eq!(r.successes, 0); // least squares does not find sparse signals
//! ```

pub mod theory;

mod log;
mod results;

pub use log::{LOG_FILE, PhaseLog, run_to_dir, write_tables};
pub use results::{CellResult, PhaseResults, TransitionPoint};

use crate::rng::{self, Domain};
use crate::signals::{Amplitude, SparseSignalParams};
use crate::{DenseEnsemble, ensembles};
use cstk_linop::{Complex, Error, Result, Scalar};
use nalgebra::DMatrix;
use rayon::prelude::*;
use std::time::Instant;
use theory::SignalClass;

/// The sensing-matrix ensembles of phase experiments (all from [`crate::ensembles`]).
///
/// ```
/// use cstk_measure::phase::Ensemble;
/// let e: Ensemble = "sparse:4".parse().unwrap();
/// assert_eq!(e, Ensemble::Sparse { per_column: 4 });
/// assert_eq!(e.name(), "sparse:4");
/// assert!("partial-fourier".parse::<Ensemble>().unwrap().is_complex());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ensemble {
    /// I.i.d. normal entries.
    Gaussian,
    /// I.i.d. ±1 entries.
    Rademacher,
    /// `per_column` entries ±1/√s per column (the sparse-JL / expander ensemble), `s` capped
    /// at `m`; `sparse` alone means 8.
    Sparse {
        /// Nonzeros per column.
        per_column: usize,
    },
    /// Random rows of the unitary DFT: complex matrices, so the signals are complex and the
    /// ℓ1 threshold is the complex one.
    PartialFourier,
    /// Random rows of the orthonormal DCT-II.
    PartialDct,
    /// The subsampled randomized Hadamard transform (`n` a power of two).
    Srht,
}

impl Ensemble {
    /// The names [`FromStr`](std::str::FromStr) accepts.
    pub const NAMES: &'static str =
        "gaussian, rademacher, sparse (or sparse:S), partial-fourier, partial-dct, srht";

    /// The name, as parsed.
    ///
    /// ```
    /// assert_eq!(cstk_measure::phase::Ensemble::PartialDct.name(), "partial-dct");
    /// ```
    pub fn name(self) -> String {
        match self {
            Ensemble::Gaussian => "gaussian".into(),
            Ensemble::Rademacher => "rademacher".into(),
            Ensemble::Sparse { per_column } => format!("sparse:{per_column}"),
            Ensemble::PartialFourier => "partial-fourier".into(),
            Ensemble::PartialDct => "partial-dct".into(),
            Ensemble::Srht => "srht".into(),
        }
    }

    /// `true` when the matrices (and so the signals) are complex.
    ///
    /// ```
    /// assert!(!cstk_measure::phase::Ensemble::Gaussian.is_complex());
    /// ```
    pub fn is_complex(self) -> bool {
        self == Ensemble::PartialFourier
    }

    /// Checks that the ensemble exists at signal length `n`.
    ///
    /// ```
    /// use cstk_measure::phase::Ensemble;
    /// assert!(Ensemble::Srht.check(256).is_ok());
    /// assert!(Ensemble::Srht.check(200).unwrap_err().to_string().contains("power-of-two"));
    /// ```
    pub fn check(self, n: usize) -> Result<()> {
        match self {
            Ensemble::Srht if !n.is_power_of_two() => Err(Error::InvalidParam {
                name: "ensemble",
                value: format!("srht with n = {n}"),
                expected: "a power-of-two n for the Hadamard transform (e.g. 256)".into(),
            }),
            Ensemble::Sparse { per_column: 0 } => Err(Error::InvalidParam {
                name: "ensemble",
                value: "sparse:0".into(),
                expected: "at least 1 nonzero per column".into(),
            }),
            _ => Ok(()),
        }
    }

    /// The dense `m × n` matrix of this ensemble for `seed`, in the scalar type `T`. The
    /// sparse, DCT and Hadamard ensembles are real in any `T`; Gaussian and Rademacher
    /// draw complex entries for a complex `T` (as [`DenseEnsemble`] does); the partial
    /// Fourier ensemble needs a complex `T`.
    ///
    /// # Errors
    /// As [`check`](Self::check), the ensemble's own errors (`1 ≤ m ≤ n`), or a real `T` for
    /// the partial Fourier ensemble.
    ///
    /// ```
    /// use cstk_measure::phase::Ensemble;
    /// let a = Ensemble::PartialDct.matrix::<f64>(8, 32, 1).unwrap();
    /// assert_eq!(a.shape(), (8, 32));
    /// assert!(Ensemble::PartialFourier.matrix::<f64>(8, 32, 1).is_err());
    /// ```
    pub fn matrix<T: Scalar>(self, m: usize, n: usize, seed: u64) -> Result<DMatrix<T>> {
        self.check(n)?;
        let real = |a: DMatrix<f64>| a.map(|v| T::from_f64_parts(v, 0.0));
        Ok(match self {
            Ensemble::Gaussian => DenseEnsemble::Gaussian.matrix::<T>(m, n, seed)?,
            Ensemble::Rademacher => DenseEnsemble::Rademacher.matrix::<T>(m, n, seed)?,
            Ensemble::Sparse { per_column } => {
                ensembles::sparse_random::<T>(m, n, per_column.min(m), seed)?.to_dense()
            }
            Ensemble::PartialDct => {
                real(crate::diagnostics::materialize(&ensembles::partial_dct::<
                    f64,
                >(
                    m, n, seed
                )?))
            }
            Ensemble::Srht => real(crate::diagnostics::materialize(&ensembles::srht(
                m, n, seed,
            )?)),
            Ensemble::PartialFourier => {
                if !T::IS_COMPLEX {
                    return Err(Error::InvalidParam {
                        name: "ensemble",
                        value: format!("partial-fourier with scalar type {}", T::NAME),
                        expected: "a complex scalar type (the DFT rows are complex)".into(),
                    });
                }
                let a: DMatrix<Complex<f64>> = crate::diagnostics::materialize(
                    &ensembles::partial_fourier::<f64>(m, n, seed)?,
                );
                a.map(|v| T::from_f64_parts(v.re, v.im))
            }
        })
    }
}

impl std::str::FromStr for Ensemble {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let lower = s.to_ascii_lowercase();
        let bad = || Error::InvalidParam {
            name: "ensemble",
            value: s.to_string(),
            expected: Ensemble::NAMES.into(),
        };
        Ok(match lower.as_str() {
            "gaussian" => Ensemble::Gaussian,
            "rademacher" => Ensemble::Rademacher,
            "sparse" => Ensemble::Sparse { per_column: 8 },
            "partial-fourier" => Ensemble::PartialFourier,
            "partial-dct" => Ensemble::PartialDct,
            "srht" => Ensemble::Srht,
            other => match other.strip_prefix("sparse:") {
                Some(v) => Ensemble::Sparse {
                    per_column: v.parse().ok().filter(|&s| s > 0).ok_or_else(bad)?,
                },
                None => return Err(bad()),
            },
        })
    }
}

/// The name of an amplitude distribution as [`Settings`] records it (parsed back by
/// [`parse_amplitude`]): `gaussian`, `rademacher`, `uniform` (moduli in `[1, 2]`) or
/// `uniform[low,high]`.
///
/// ```
/// use cstk_measure::{phase::amplitude_name, signals::Amplitude};
/// assert_eq!(amplitude_name(Amplitude::Uniform { low: 0.5, high: 1.0 }), "uniform[0.5,1]");
/// ```
pub fn amplitude_name(a: Amplitude) -> String {
    match a {
        Amplitude::Gaussian => "gaussian".into(),
        Amplitude::Rademacher => "rademacher".into(),
        Amplitude::Uniform { low, high } if low == 1.0 && high == 2.0 => "uniform".into(),
        Amplitude::Uniform { low, high } => format!("uniform[{low},{high}]"),
    }
}

/// Parses [`amplitude_name`]'s output (and the names [`Amplitude`] parses).
///
/// ```
/// use cstk_measure::{phase::parse_amplitude, signals::Amplitude};
/// assert_eq!(parse_amplitude("uniform[0.5,1]").unwrap(), Amplitude::Uniform { low: 0.5, high: 1.0 });
/// assert_eq!(parse_amplitude("sign").unwrap(), Amplitude::Rademacher);
/// ```
pub fn parse_amplitude(s: &str) -> Result<Amplitude> {
    if let Some(inner) = s.strip_prefix("uniform[").and_then(|r| r.strip_suffix(']')) {
        let parts: Vec<Option<f64>> = inner.split(',').map(|v| v.trim().parse().ok()).collect();
        if let [Some(low), Some(high)] = parts[..]
            && low.is_finite()
            && high.is_finite()
            && 0.0 <= low
            && low <= high
        {
            return Ok(Amplitude::Uniform { low, high });
        }
        return Err(Error::InvalidParam {
            name: "amplitudes",
            value: s.to_string(),
            expected: "uniform[low,high] with 0 ≤ low ≤ high".into(),
        });
    }
    s.parse()
}

/// The `(δ, ρ)` grid at signal length `n`: `m = round(δ·n)` (at least 1) and
/// `k = round(ρ·m)` (at least 1).
///
/// ```
/// use cstk_measure::phase::Grid;
/// let g = Grid::uniform(200, 20, 20).unwrap();
/// assert_eq!((g.deltas[0], g.deltas[19], g.rhos[9]), (0.05, 1.0, 0.5));
/// let c = &g.cells()[21]; // second δ, second ρ
/// assert_eq!((c.delta, c.rho, c.m, c.k), (0.1, 0.1, 20, 2));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    /// Signal length.
    pub n: usize,
    /// Undersampling ratios `δ = m/n`, increasing, in `(0, 1]`.
    pub deltas: Vec<f64>,
    /// Sparsity ratios `ρ = k/m`, increasing, in `(0, 1]`.
    pub rhos: Vec<f64>,
}

/// One `(δ, ρ)` cell of a [`Grid`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cell {
    /// Position in [`Grid::cells`] (δ-major: `i_delta · rhos.len() + i_rho`).
    pub index: usize,
    /// Index of `δ`.
    pub i_delta: usize,
    /// Index of `ρ`.
    pub i_rho: usize,
    /// `δ` as given.
    pub delta: f64,
    /// `ρ` as given.
    pub rho: f64,
    /// Measurements.
    pub m: usize,
    /// Nonzeros.
    pub k: usize,
}

impl Grid {
    /// A grid from explicit lists.
    ///
    /// # Errors
    /// `n = 0`, an empty list, a value outside `(0, 1]` or NaN, or a list that is not
    /// strictly increasing.
    ///
    /// ```
    /// use cstk_measure::phase::Grid;
    /// assert!(Grid::new(100, vec![0.5, 0.25], vec![0.1]).is_err());
    /// assert!(Grid::new(100, vec![0.5], vec![1.5]).is_err());
    /// ```
    pub fn new(n: usize, deltas: Vec<f64>, rhos: Vec<f64>) -> Result<Self> {
        if n == 0 {
            return Err(Error::InvalidParam {
                name: "n",
                value: "0".into(),
                expected: "a positive signal length".into(),
            });
        }
        for (name, list) in [("deltas", &deltas), ("rhos", &rhos)] {
            if list.is_empty() {
                return Err(Error::InvalidParam {
                    name,
                    value: "an empty list".into(),
                    expected: "at least one value in (0, 1]".into(),
                });
            }
            if let Some(v) = list.iter().find(|v| !(**v > 0.0 && **v <= 1.0)) {
                return Err(Error::InvalidParam {
                    name,
                    value: v.to_string(),
                    expected: "values in (0, 1]".into(),
                });
            }
            if let Some(w) = list.windows(2).find(|w| w[1] <= w[0]) {
                return Err(Error::InvalidParam {
                    name,
                    value: format!("{} followed by {}", w[0], w[1]),
                    expected: "a strictly increasing list".into(),
                });
            }
        }
        Ok(Grid { n, deltas, rhos })
    }

    /// The Donoho–Tanner grid `δ = i/nd`, `ρ = j/nr` (`i = 1..=nd`, `j = 1..=nr`).
    ///
    /// # Errors
    /// `n`, `nd` or `nr` is 0.
    pub fn uniform(n: usize, nd: usize, nr: usize) -> Result<Self> {
        if nd == 0 || nr == 0 {
            return Err(Error::InvalidParam {
                name: "grid",
                value: format!("{nd}x{nr}"),
                expected: "at least one δ and one ρ (e.g. 20x20)".into(),
            });
        }
        let steps = |k: usize| (1..=k).map(|i| i as f64 / k as f64).collect();
        Grid::new(n, steps(nd), steps(nr))
    }

    /// Every cell, δ-major.
    pub fn cells(&self) -> Vec<Cell> {
        let mut cells = Vec::with_capacity(self.deltas.len() * self.rhos.len());
        for (i_delta, &delta) in self.deltas.iter().enumerate() {
            let m = ((delta * self.n as f64).round() as usize).clamp(1, self.n);
            for (i_rho, &rho) in self.rhos.iter().enumerate() {
                let k = ((rho * m as f64).round() as usize).clamp(1, m);
                cells.push(Cell {
                    index: cells.len(),
                    i_delta,
                    i_rho,
                    delta,
                    rho,
                    m,
                    k,
                });
            }
        }
        cells
    }
}

/// Everything that determines an experiment's numbers. Two runs with equal settings give
/// byte-identical `phase.csv` files; [`PhaseLog`] refuses to resume or merge runs whose
/// settings differ.
///
/// ```
/// use cstk_measure::phase::{Grid, Settings};
/// let s = Settings::new(Grid::uniform(200, 20, 20).unwrap(), 20, "omp");
/// assert_eq!((s.success_tol, s.seed, s.nonnegative), (1e-3, 0, false));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// The grid and signal length.
    pub grid: Grid,
    /// Trials per cell.
    pub trials: usize,
    /// Matrix ensemble.
    pub ensemble: Ensemble,
    /// Amplitudes of the nonzeros.
    pub amplitudes: Amplitude,
    /// Nonnegative signals (real ensembles only).
    pub nonnegative: bool,
    /// The solver, as a name that identifies it and its parameters.
    pub solver: String,
    /// Success: `‖x̂ − x‖/‖x‖ < success_tol`.
    pub success_tol: f64,
    /// Master seed.
    pub seed: u64,
}

impl Settings {
    /// Gaussian matrices, Gaussian amplitudes, signed signals, success below 1e-3, seed 0.
    pub fn new(grid: Grid, trials: usize, solver: &str) -> Self {
        Settings {
            grid,
            trials,
            ensemble: Ensemble::Gaussian,
            amplitudes: Amplitude::Gaussian,
            nonnegative: false,
            solver: solver.to_string(),
            success_tol: 1e-3,
            seed: 0,
        }
    }

    /// Sets the ensemble.
    pub fn ensemble(mut self, e: Ensemble) -> Self {
        self.ensemble = e;
        self
    }

    /// Sets the amplitudes.
    pub fn amplitudes(mut self, a: Amplitude) -> Self {
        self.amplitudes = a;
        self
    }

    /// Nonnegative signals on or off.
    pub fn nonnegative(mut self, yes: bool) -> Self {
        self.nonnegative = yes;
        self
    }

    /// Sets the success tolerance.
    pub fn success_tol(mut self, tol: f64) -> Self {
        self.success_tol = tol;
        self
    }

    /// Sets the master seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The signal class whose ℓ1 threshold applies: complex for complex ensembles,
    /// nonnegative for nonnegative signals, signed otherwise.
    ///
    /// ```
    /// use cstk_measure::phase::{theory::SignalClass, Ensemble, Grid, Settings};
    /// let s = Settings::new(Grid::uniform(64, 2, 2).unwrap(), 1, "bp");
    /// assert_eq!(s.clone().nonnegative(true).signal_class(), SignalClass::Nonnegative);
    /// assert_eq!(s.ensemble(Ensemble::PartialFourier).signal_class(), SignalClass::Complex);
    /// ```
    pub fn signal_class(&self) -> SignalClass {
        if self.ensemble.is_complex() {
            SignalClass::Complex
        } else if self.nonnegative {
            SignalClass::Nonnegative
        } else {
            SignalClass::Signed
        }
    }

    /// Checks the settings as a whole.
    ///
    /// # Errors
    /// No trials, a success tolerance that is not a positive finite number, an ensemble that
    /// does not exist at `n`, an empty solver name, nonnegative complex signals, or an
    /// amplitude range that is invalid.
    pub fn validate(&self) -> Result<()> {
        let bad = |name, value: String, expected: &str| {
            Err(Error::InvalidParam {
                name,
                value,
                expected: expected.into(),
            })
        };
        if self.trials == 0 {
            return bad("trials", "0".into(), "at least 1 trial per cell");
        }
        if !(self.success_tol.is_finite() && self.success_tol > 0.0) {
            return bad(
                "success_tol",
                self.success_tol.to_string(),
                "a finite number > 0 (e.g. 1e-3)",
            );
        }
        if self.solver.trim().is_empty() {
            return bad("solver", "an empty name".into(), "the solver's name");
        }
        if self.nonnegative && self.ensemble.is_complex() {
            return bad(
                "nonnegative",
                format!("true with ensemble {}", self.ensemble.name()),
                "a real ensemble (complex signals have no sign)",
            );
        }
        self.ensemble.check(self.grid.n)?;
        parse_amplitude(&amplitude_name(self.amplitudes)).map(|_| ())
    }
}

/// A deterministic part of the cells for one process of a job array: cell `c` belongs to
/// shard `index` of `count` when `c mod count = index` (round-robin, so every shard gets
/// a share of the cheap and of the expensive cells).
///
/// ```
/// use cstk_measure::phase::Shard;
/// let s: Shard = "1/4".parse().unwrap();
/// assert!(s.contains(5) && !s.contains(6));
/// assert!("4/4".parse::<Shard>().is_err());
/// assert_eq!(Shard::ALL.to_string(), "0/1");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shard {
    /// This shard, `0 ≤ index < count`.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// All cells: shard 0 of 1.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Whether cell `c` belongs to this shard.
    pub fn contains(self, c: usize) -> bool {
        c % self.count == self.index
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = Error;

    /// `I/N` with `0 ≤ I < N` (Slurm: `--shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT`
    /// with `--array=0-(N-1)`).
    fn from_str(s: &str) -> Result<Self> {
        let parsed = s
            .split_once('/')
            .and_then(|(i, n)| Some((i.trim().parse().ok()?, n.trim().parse().ok()?)));
        match parsed {
            Some((index, count)) if count > 0 && index < count => Ok(Shard { index, count }),
            _ => Err(Error::InvalidParam {
                name: "shard",
                value: s.to_string(),
                expected: "I/N with 0 ≤ I < N (e.g. 0/8)".into(),
            }),
        }
    }
}

/// Domain tags of the seed derivation (see [`trial_seed`]).
const PHASE_N: Domain = Domain::new(*b"phase-n\0");
const PHASE_CELL: Domain = Domain::new(*b"phasecel");
const PHASE_TRIAL: Domain = Domain::new(*b"phasetrl");

/// The seed of trial `t` of the cell `(m, k)` at signal length `n`: three
/// [`derive_seed`](rng::derive_seed) steps from the master seed, so it depends on nothing
/// else (not on the grid it sits in, the thread, the shard or the order of work). The
/// matrix and the signal of the trial are drawn from it in their own domains.
///
/// ```
/// use cstk_measure::phase::trial_seed;
/// assert_eq!(trial_seed(7, 200, 100, 20, 3), trial_seed(7, 200, 100, 20, 3));
/// assert_ne!(trial_seed(7, 200, 100, 20, 3), trial_seed(7, 200, 100, 21, 3));
/// ```
pub fn trial_seed(seed: u64, n: usize, m: usize, k: usize, t: usize) -> u64 {
    let s = rng::derive_seed(seed, PHASE_N, n as u64);
    let s = rng::derive_seed(s, PHASE_CELL, ((m as u64) << 32) | k as u64);
    rng::derive_seed(s, PHASE_TRIAL, t as u64)
}

/// One recovery problem as the solver sees it: `y = A x` with `x` `k`-sparse (and
/// nonnegative when `nonnegative`). The true `x` is kept from the solver.
#[derive(Clone, Copy, Debug)]
pub struct Problem<'a, T: Scalar> {
    /// The `m × n` sensing matrix.
    pub a: &'a DMatrix<T>,
    /// The measurements, length `m`.
    pub y: &'a [T],
    /// The number of nonzeros (for solvers that take it: OMP, IHT, CoSaMP).
    pub k: usize,
    /// Whether the signal is known to be nonnegative.
    pub nonnegative: bool,
}

/// A trial's problem and its true signal, drawn from [`trial_seed`].
///
/// ```
/// use cstk_measure::phase::{draw_trial, Grid, Settings};
/// let s = Settings::new(Grid::uniform(50, 2, 2).unwrap(), 3, "any");
/// let cell = s.grid.cells()[1];
/// let (a, x, y) = draw_trial::<f64>(&s, &cell, 0).unwrap();
/// assert_eq!((a.shape(), x.iter().filter(|v| **v != 0.0).count(), y.len()), ((25, 50), 25, 25));
/// ```
///
/// # Errors
/// The ensemble's and the signal generator's errors (e.g. a scalar type that does not fit
/// the ensemble). The settings are not validated here (once per run is enough:
/// [`run_to_dir`] does it).
#[allow(clippy::type_complexity)]
pub fn draw_trial<T: Scalar>(
    settings: &Settings,
    cell: &Cell,
    t: usize,
) -> Result<(DMatrix<T>, Vec<T>, Vec<T>)> {
    let n = settings.grid.n;
    let seed = trial_seed(settings.seed, n, cell.m, cell.k, t);
    let a = settings.ensemble.matrix::<T>(cell.m, n, seed)?;
    let x = SparseSignalParams::new(n, cell.k)
        .amplitude(settings.amplitudes)
        .nonnegative(settings.nonnegative)
        .generate::<T>(seed)?
        .x;
    let xv = nalgebra::DVector::from_column_slice(&x);
    let y = (&a * xv).as_slice().to_vec();
    Ok((a, x, y))
}

/// Runs the trials of one cell in parallel and scores them. A trial whose drawing or
/// solver fails, or whose `x̂` is not finite, counts as a failure with no error value, and
/// the first message is kept.
///
/// The solver gets a [`Problem`] and returns `x̂` (length `n`); it must be deterministic
/// for the result to be (every solver in `cstk-solvers` is, for any thread count). The
/// settings are taken as valid ([`Settings::validate`]; [`run_to_dir`] checks them).
pub fn run_cell<T, S>(settings: &Settings, cell: &Cell, solve: &S) -> CellResult
where
    T: Scalar,
    S: Fn(&Problem<'_, T>) -> Result<Vec<T>> + Sync,
{
    let start = Instant::now();
    let outcomes: Vec<std::result::Result<f64, String>> = (0..settings.trials)
        .into_par_iter()
        .map(|t| {
            let (a, x, y) = draw_trial::<T>(settings, cell, t).map_err(|e| e.to_string())?;
            let problem = Problem {
                a: &a,
                y: &y,
                k: cell.k,
                nonnegative: settings.nonnegative,
            };
            let xh = solve(&problem).map_err(|e| e.to_string())?;
            if xh.len() != x.len() {
                return Err(format!(
                    "the solver returned {} values for a signal of length {}",
                    xh.len(),
                    x.len()
                ));
            }
            let e = relative_error(&xh, &x);
            if e.is_finite() {
                Ok(e)
            } else {
                Err("the solver returned a NaN or infinite value".to_string())
            }
        })
        .collect();
    let seconds = start.elapsed().as_secs_f64();
    let first_error = outcomes.iter().find_map(|o| o.as_ref().err().cloned());
    let errors: Vec<Option<f64>> = outcomes.into_iter().map(|o| o.ok()).collect();
    CellResult::new(*cell, errors, settings.success_tol, first_error, seconds)
}

/// `‖x̂ − x‖ / ‖x‖` (NaN when `x̂` has a NaN; `∞` for a zero `x` and a nonzero `x̂`).
fn relative_error<T: Scalar>(xh: &[T], x: &[T]) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for (a, b) in xh.iter().zip(x) {
        num += (a.to_c64() - b.to_c64()).norm_sqr();
        den += b.to_c64().norm_sqr();
    }
    if num == 0.0 { 0.0 } else { (num / den).sqrt() }
}
