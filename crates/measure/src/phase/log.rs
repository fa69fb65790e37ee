//! `results.jsonl`: the append-only log of finished cells that makes runs resumable and
//! shards mergeable, and [`run_to_dir`], which runs an experiment into a directory.

use super::results::settings_difference;
use super::{Cell, CellResult, Ensemble, Grid, PhaseResults, Problem, Settings, Shard, run_cell};
use cstk_linop::io::atomic_write;
use cstk_linop::{Error, Result, Scalar};
use rayon::prelude::*;
use serde_json::{Value, json};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// The log's file name inside an output directory.
pub const LOG_FILE: &str = "results.jsonl";

const FORMAT: &str = "cstk-phase-results";
const VERSION: u64 = 1;

/// The append-only results log of one run (JSON lines).
///
/// The first line records the [`Settings`] and the [`Shard`]; every further line is one
/// finished cell with every trial's relative error (`null` where the solver failed), the
/// success count and the cell's seconds. A cell is appended with one `write` as soon as it
/// finishes, so a run that is killed loses at most the cells in progress: reopening the
/// log drops an incomplete last line and the run goes on with the cells not yet there.
/// Relative errors are written in the shortest form that reads back to the same `f64`,
/// so a resumed run's tables are byte-identical to an uninterrupted one's.
///
/// ```
/// use cstk_measure::phase::{Grid, PhaseLog, Settings, Shard};
/// let dir = std::env::temp_dir().join(format!("cstk-phase-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("results.jsonl");
/// let s = Settings::new(Grid::uniform(20, 2, 2).unwrap(), 3, "omp");
/// let (_log, done) = PhaseLog::open(&path, &s, Shard::ALL).unwrap();
/// assert!(done.cells.is_empty());
/// // other settings cannot resume this log
/// let other = Settings::new(Grid::uniform(20, 2, 2).unwrap(), 5, "omp");
/// let err = PhaseLog::open(&path, &other, Shard::ALL).unwrap_err().to_string();
/// assert!(err.contains("trials 3 vs 5"), "{err}");
/// std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Debug)]
pub struct PhaseLog {
    path: PathBuf,
    file: File,
}

impl PhaseLog {
    /// Opens the log at `path` for appending, creating it (with its header) when it does not
    /// exist, and returns the cells already in it.
    ///
    /// # Errors
    /// I/O errors; a log made with other settings or another shard (naming the first
    /// difference); a damaged log ([`Error::Format`] with the line number). An incomplete
    /// last line (a run killed mid-write) is not an error: it is cut off.
    pub fn open(path: &Path, settings: &Settings, shard: Shard) -> Result<(Self, PhaseResults)> {
        settings.validate()?;
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let existing = match std::fs::read(path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(e)),
        };
        let results = match existing {
            Some(bytes) if bytes.contains(&b'\n') => {
                let complete = bytes.iter().rposition(|&b| b == b'\n').expect("a newline") + 1;
                let results = parse_log(path, &bytes[..complete])?;
                if let Some(diff) = settings_difference(&results.settings, settings) {
                    return Err(Error::InvalidParam {
                        name: "out",
                        value: format!(
                            "{} holds a run with other settings: {diff} (logged vs asked)",
                            path.display()
                        ),
                        expected: "the same settings to resume, or another output directory".into(),
                    });
                }
                if results.shard != shard {
                    return Err(Error::InvalidParam {
                        name: "out",
                        value: format!(
                            "{} holds shard {}, this run is shard {shard}",
                            path.display(),
                            results.shard
                        ),
                        expected: "the same shard to resume, or another output directory".into(),
                    });
                }
                if complete < bytes.len() {
                    // a run killed mid-write: drop the partial line
                    let f = OpenOptions::new().write(true).open(path).map_err(io)?;
                    f.set_len(complete as u64).map_err(io)?;
                }
                results
            }
            // missing, or not even the header complete: start afresh
            _ => {
                let fresh = PhaseResults::new(settings.clone(), shard);
                let header = header_line(&fresh);
                atomic_write(path, |w| w.write_all(header.as_bytes()))?;
                fresh
            }
        };
        let file = OpenOptions::new().append(true).open(path).map_err(io)?;
        Ok((
            PhaseLog {
                path: path.to_path_buf(),
                file,
            },
            results,
        ))
    }

    /// Appends one finished cell (one `write`).
    ///
    /// # Errors
    /// I/O errors.
    pub fn append(&mut self, r: &CellResult) -> Result<()> {
        let line = cell_line(r);
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.flush())
            .map_err(|source| Error::Io {
                path: self.path.clone(),
                source,
            })
    }

    /// Reads a complete log (for merging).
    ///
    /// # Errors
    /// I/O errors and damaged logs, including an incomplete last line.
    pub fn read(path: &Path) -> Result<PhaseResults> {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if !bytes.ends_with(b"\n") {
            return Err(Error::Format {
                path: path.to_path_buf(),
                line: Some(bytes.split(|&b| b == b'\n').count()),
                reason: "incomplete last line (the run was interrupted: rerun it with the \
                         same settings to finish and repair the log)"
                    .into(),
            });
        }
        parse_log(path, &bytes)
    }

    /// Writes `results` as a complete log at `path` (atomically; used for merged runs).
    ///
    /// # Errors
    /// I/O errors.
    pub fn write(path: &Path, results: &PhaseResults) -> Result<()> {
        let mut text = header_line(results);
        for r in results.cells.values() {
            text.push_str(&cell_line(r));
        }
        atomic_write(path, |w| w.write_all(text.as_bytes()))
    }
}

fn settings_json(s: &Settings) -> Value {
    json!({
        "n": s.grid.n,
        "deltas": s.grid.deltas,
        "rhos": s.grid.rhos,
        "trials": s.trials,
        "ensemble": s.ensemble.name(),
        "amplitudes": super::amplitude_name(s.amplitudes),
        "nonnegative": s.nonnegative,
        "solver": s.solver,
        "success_tol": s.success_tol,
        "seed": s.seed,
    })
}

fn header_line(r: &PhaseResults) -> String {
    let v = json!({
        "format": FORMAT,
        "version": VERSION,
        "settings": settings_json(&r.settings),
        "shard": r.shard.to_string(),
    });
    format!("{v}\n")
}

fn cell_line(r: &CellResult) -> String {
    let c = &r.cell;
    let v = json!({
        "cell": c.index,
        "delta": c.delta,
        "rho": c.rho,
        "m": c.m,
        "k": c.k,
        "successes": r.successes,
        "rel_errors": r.rel_errors,
        "seconds": r.seconds,
        "error": r.first_error,
    });
    format!("{v}\n")
}

/// Parses complete lines (the header and cells), checking each cell against the grid.
fn parse_log(path: &Path, bytes: &[u8]) -> Result<PhaseResults> {
    let bad = |line: usize, reason: String| Error::Format {
        path: path.to_path_buf(),
        line: Some(line),
        reason,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| bad(1, format!("not UTF-8 text: {e}")))?;
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let (_, first) = lines.next().ok_or_else(|| bad(1, "empty file".into()))?;
    let header: Value =
        serde_json::from_str(first).map_err(|e| bad(1, format!("the header is not JSON: {e}")))?;
    if header["format"] != FORMAT {
        return Err(bad(
            1,
            format!("not a cstk phase results log (expected \"format\": \"{FORMAT}\")"),
        ));
    }
    if header["version"] != VERSION {
        return Err(bad(
            1,
            format!(
                "log version {} (this cstk reads {VERSION})",
                header["version"]
            ),
        ));
    }
    let settings = parse_settings(&header["settings"]).map_err(|e| bad(1, e))?;
    let shard: Shard = header["shard"]
        .as_str()
        .ok_or_else(|| bad(1, "missing \"shard\"".into()))?
        .parse()
        .map_err(|e: Error| bad(1, e.to_string()))?;
    let cells = settings.grid.cells();
    let mut results = PhaseResults::new(settings, shard);
    let mut seen_at = std::collections::BTreeMap::new();
    for (no, line) in lines {
        let r = parse_cell(line, &results.settings, &cells).map_err(|e| bad(no, e))?;
        if !shard.contains(r.cell.index) {
            return Err(bad(
                no,
                format!("cell {} is not in shard {shard}", r.cell.index),
            ));
        }
        if let Some(prev) = seen_at.insert(r.cell.index, no) {
            return Err(bad(
                no,
                format!("cell {} already appears on line {prev}", r.cell.index),
            ));
        }
        results.cells.insert(r.cell.index, r);
    }
    Ok(results)
}

fn field<'a>(v: &'a Value, name: &str) -> std::result::Result<&'a Value, String> {
    v.get(name).ok_or_else(|| format!("missing \"{name}\""))
}

fn as_usize(v: &Value, name: &str) -> std::result::Result<usize, String> {
    field(v, name)?
        .as_u64()
        .map(|x| x as usize)
        .ok_or_else(|| format!("\"{name}\" is not a nonnegative integer"))
}

fn as_f64(v: &Value, name: &str) -> std::result::Result<f64, String> {
    field(v, name)?
        .as_f64()
        .ok_or_else(|| format!("\"{name}\" is not a number"))
}

fn as_str<'a>(v: &'a Value, name: &str) -> std::result::Result<&'a str, String> {
    field(v, name)?
        .as_str()
        .ok_or_else(|| format!("\"{name}\" is not a string"))
}

fn as_f64_list(v: &Value, name: &str) -> std::result::Result<Vec<f64>, String> {
    field(v, name)?
        .as_array()
        .and_then(|a| a.iter().map(Value::as_f64).collect())
        .ok_or_else(|| format!("\"{name}\" is not a list of numbers"))
}

fn parse_settings(v: &Value) -> std::result::Result<Settings, String> {
    let grid = Grid::new(
        as_usize(v, "n")?,
        as_f64_list(v, "deltas")?,
        as_f64_list(v, "rhos")?,
    )
    .map_err(|e| e.to_string())?;
    let s = Settings {
        grid,
        trials: as_usize(v, "trials")?,
        ensemble: as_str(v, "ensemble")?
            .parse::<Ensemble>()
            .map_err(|e| e.to_string())?,
        amplitudes: super::parse_amplitude(as_str(v, "amplitudes")?).map_err(|e| e.to_string())?,
        nonnegative: field(v, "nonnegative")?
            .as_bool()
            .ok_or("\"nonnegative\" is not true or false")?,
        solver: as_str(v, "solver")?.to_string(),
        success_tol: as_f64(v, "success_tol")?,
        seed: field(v, "seed")?
            .as_u64()
            .ok_or("\"seed\" is not a nonnegative integer")?,
    };
    s.validate().map_err(|e| e.to_string())?;
    Ok(s)
}

fn parse_cell(
    line: &str,
    settings: &Settings,
    cells: &[Cell],
) -> std::result::Result<CellResult, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let index = as_usize(&v, "cell")?;
    let cell = *cells
        .get(index)
        .ok_or_else(|| format!("cell {index} is outside the {}-cell grid", cells.len()))?;
    let logged = (
        as_f64(&v, "delta")?,
        as_f64(&v, "rho")?,
        as_usize(&v, "m")?,
        as_usize(&v, "k")?,
    );
    if logged != (cell.delta, cell.rho, cell.m, cell.k) {
        return Err(format!(
            "cell {index} is logged as (delta, rho, m, k) = {logged:?}, the grid has {:?}",
            (cell.delta, cell.rho, cell.m, cell.k)
        ));
    }
    let errors: Vec<Option<f64>> = field(&v, "rel_errors")?
        .as_array()
        .ok_or("\"rel_errors\" is not a list")?
        .iter()
        .map(|e| match e {
            Value::Null => Ok(None),
            e => e
                .as_f64()
                .map(Some)
                .ok_or("\"rel_errors\" holds a non-number"),
        })
        .collect::<std::result::Result<_, _>>()?;
    if errors.len() != settings.trials {
        return Err(format!(
            "cell {index} has {} trials, the settings say {}",
            errors.len(),
            settings.trials
        ));
    }
    let first_error = match field(&v, "error")? {
        Value::Null => None,
        e => Some(
            e.as_str()
                .ok_or("\"error\" is not a string or null")?
                .to_string(),
        ),
    };
    let r = CellResult::new(
        cell,
        errors,
        settings.success_tol,
        first_error,
        as_f64(&v, "seconds")?,
    );
    if r.successes != as_usize(&v, "successes")? {
        return Err(format!(
            "cell {index}: \"successes\" does not match its relative errors"
        ));
    }
    Ok(r)
}

/// Runs (or resumes) an experiment into `dir`: opens `dir/results.jsonl` ([`PhaseLog`]),
/// runs the shard's cells not yet in it — cells in parallel and each cell's trials in
/// parallel (rayon) — appending each as it finishes and calling `progress(cell, done,
/// to_do)` (counting the cells this call runs, not those resumed), then writes `phase.csv` and `timing.csv` (atomically) and returns all the
/// shard's cells.
///
/// # Errors
/// Invalid settings, a log of another experiment in `dir`, I/O errors. Solver failures are
/// not errors: they count as failed trials (see [`run_cell`]).
///
/// ```
/// use cstk_measure::phase::{run_to_dir, Grid, Settings, Shard};
/// let dir = std::env::temp_dir().join(format!("cstk-phase-run-doc-{}", std::process::id()));
/// let s = Settings::new(Grid::uniform(16, 2, 2).unwrap(), 2, "zero");
/// let zero = |p: &cstk_measure::phase::Problem<'_, f64>| Ok(vec![0.0; p.a.ncols()]);
/// let r = run_to_dir(&s, Shard::ALL, &dir, &zero, |_, _, _| {}).unwrap();
/// assert!(r.is_complete() && r.cells.values().all(|c| c.successes == 0));
/// assert!(dir.join("phase.csv").exists() && dir.join("timing.csv").exists());
/// std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn run_to_dir<T, S, P>(
    settings: &Settings,
    shard: Shard,
    dir: &Path,
    solve: &S,
    progress: P,
) -> Result<PhaseResults>
where
    T: Scalar,
    S: Fn(&Problem<'_, T>) -> Result<Vec<T>> + Sync,
    P: FnMut(&CellResult, usize, usize) + Send,
{
    settings.validate()?;
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let (log, results) = PhaseLog::open(&dir.join(LOG_FILE), settings, shard)?;
    let pending: Vec<Cell> = settings
        .grid
        .cells()
        .into_iter()
        .filter(|c| shard.contains(c.index) && !results.cells.contains_key(&c.index))
        .collect();
    let total = pending.len();
    let state = Mutex::new((log, results, progress, None::<Error>, 0usize));
    let failed = AtomicBool::new(false);
    pending.par_iter().for_each(|cell| {
        if failed.load(Ordering::Relaxed) {
            return;
        }
        let r = run_cell(settings, cell, solve);
        let mut guard = state.lock().unwrap_or_else(|p| p.into_inner());
        let (log, results, progress, error, done) = &mut *guard;
        if error.is_some() {
            return;
        }
        if let Err(e) = log.append(&r) {
            *error = Some(e);
            failed.store(true, Ordering::Relaxed);
            return;
        }
        results.cells.insert(cell.index, r);
        *done += 1;
        progress(&results.cells[&cell.index], *done, total);
    });
    let (_, results, _, error, _) = state.into_inner().unwrap_or_else(|p| p.into_inner());
    if let Some(e) = error {
        return Err(e);
    }
    write_tables(dir, &results)?;
    Ok(results)
}

/// Writes `phase.csv` and `timing.csv` of `results` into `dir` (atomically).
///
/// # Errors
/// I/O errors.
pub fn write_tables(dir: &Path, results: &PhaseResults) -> Result<()> {
    atomic_write(&dir.join("phase.csv"), |w| {
        w.write_all(results.phase_csv().as_bytes())
    })?;
    atomic_write(&dir.join("timing.csv"), |w| {
        w.write_all(results.timing_csv().as_bytes())
    })
}
