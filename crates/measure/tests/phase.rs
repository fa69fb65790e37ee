//! Tests of the phase-transition experiment library `cstk_measure::phase` (settings, trial
//! drawing, `run_cell`, the `results.jsonl` log, merging, `run_to_dir` and the empirical
//! transition). The ℓ1 theory has its own file, `phase_theory.rs`.

use cstk_measure::Error;
use cstk_measure::phase::{
    CellResult, Ensemble, Grid, LOG_FILE, PhaseLog, PhaseResults, Problem, Settings, Shard,
    amplitude_name, draw_trial, parse_amplitude, run_cell, run_to_dir, trial_seed,
};
use cstk_measure::signals::{Amplitude, SparseSignalParams};
use nalgebra::{DMatrix, DVector};
use num_complex::Complex;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------
// Helpers.

/// A scratch directory under the system temp dir, removed when dropped (also on panic).
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let p =
            std::env::temp_dir().join(format!("cstk-measure-phase-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Scratch(p)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Orthogonal matching pursuit (deterministic: plain nalgebra, no threads).
fn omp(p: &Problem<'_, f64>) -> cstk_measure::Result<Vec<f64>> {
    let n = p.a.ncols();
    let y = DVector::from_column_slice(p.y);
    let ynorm = y.norm();
    let mut support: Vec<usize> = Vec::new();
    let mut coef = DVector::<f64>::zeros(0);
    let mut r = y.clone();
    while support.len() < p.k && r.norm() > 1e-12 * ynorm {
        let c = p.a.tr_mul(&r);
        let j = (0..n)
            .filter(|j| !support.contains(j))
            .max_by(|&a, &b| c[a].abs().total_cmp(&c[b].abs()))
            .expect("a free column");
        support.push(j);
        let s = p.a.select_columns(&support);
        let chol = s.tr_mul(&s).cholesky().ok_or_else(|| Error::InvalidParam {
            name: "omp",
            value: format!("a singular support of size {}", support.len()),
            expected: "linearly independent columns".into(),
        })?;
        coef = chol.solve(&s.tr_mul(&y));
        r = &y - &s * &coef;
    }
    let mut x = vec![0.0; n];
    for (i, &j) in support.iter().enumerate() {
        x[j] = coef[i];
    }
    Ok(x)
}

/// The minimum-norm solution `Aᵀ(AAᵀ)⁻¹y` (never sparse, so it rarely "succeeds").
fn lsq(p: &Problem<'_, f64>) -> cstk_measure::Result<Vec<f64>> {
    let aat = p.a * p.a.transpose();
    let w = aat
        .cholesky()
        .ok_or_else(|| Error::InvalidParam {
            name: "lsq",
            value: "a singular AAᵀ".into(),
            expected: "full row rank".into(),
        })?
        .solve(&DVector::from_column_slice(p.y));
    Ok((p.a.transpose() * w).as_slice().to_vec())
}

fn rel_error(xh: &[f64], x: &[f64]) -> f64 {
    let num: f64 = xh.iter().zip(x).map(|(a, b)| (a - b) * (a - b)).sum();
    let den: f64 = x.iter().map(|b| b * b).sum();
    (num / den).sqrt()
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

fn bits(errors: &[Option<f64>]) -> Vec<Option<u64>> {
    errors.iter().map(|e| e.map(f64::to_bits)).collect()
}

/// The name of an `InvalidParam` error (panics on anything else).
fn param_name<T: std::fmt::Debug>(r: cstk_measure::Result<T>) -> &'static str {
    match r {
        Err(Error::InvalidParam { name, .. }) => name,
        other => panic!("expected an InvalidParam error, got {other:?}"),
    }
}

/// The line and reason of a `Format` error (panics on anything else).
fn format_error<T: std::fmt::Debug>(r: cstk_measure::Result<T>, path: &Path) -> (usize, String) {
    match r {
        Err(Error::Format {
            path: p,
            line,
            reason,
        }) => {
            assert_eq!(p, path);
            (line.expect("a line number"), reason)
        }
        other => panic!("expected a Format error, got {other:?}"),
    }
}

/// A 4 × 5 grid (20 cells) of short, exactly representable ratios, n = 32.
fn small_settings(trials: usize) -> Settings {
    Settings::new(Grid::uniform(32, 4, 5).unwrap(), trials, "omp")
}

fn log_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(path, text).unwrap();
}

// ---------------------------------------------------------------------------------------
// 1. Golden values: a change of the seed derivation must fail here.

#[test]
fn trial_seed_golden_values() {
    assert_eq!(trial_seed(0, 64, 32, 4, 0), 7623910231525567149);
    assert_eq!(trial_seed(7, 200, 100, 20, 3), 2672706263938460289);
    assert_eq!(trial_seed(u64::MAX, 48, 24, 6, 9), 15389103993935563317);
    assert_eq!(trial_seed(42, 32, 16, 3, 1), 4860622362919042179);
    // every argument matters
    let base = trial_seed(42, 32, 16, 3, 1);
    for other in [
        trial_seed(43, 32, 16, 3, 1),
        trial_seed(42, 33, 16, 3, 1),
        trial_seed(42, 32, 17, 3, 1),
        trial_seed(42, 32, 16, 4, 1),
        trial_seed(42, 32, 16, 3, 2),
    ] {
        assert_ne!(other, base);
    }
}

#[test]
fn draw_trial_golden_values() {
    let settings =
        Settings::new(Grid::new(48, vec![0.5], vec![0.25]).unwrap(), 2, "golden").seed(7);
    let cell = settings.grid.cells()[0];
    assert_eq!((cell.m, cell.k), (24, 6));
    let (a, x, y) = draw_trial::<f64>(&settings, &cell, 1).unwrap();
    assert_eq!(a[(0, 0)].to_bits(), 0x3fdc3105a0a62050); // 0.4404920643651211
    let support: Vec<usize> = (0..x.len()).filter(|&i| x[i] != 0.0).collect();
    assert_eq!(support, vec![10, 11, 20, 22, 25, 31]);
    assert_eq!(x[10].to_bits(), 0xbfb4db0b45e4604d); // -0.08146734672880136
    assert_eq!(y[0].to_bits(), 0x3fc1ad6ac028f48f); // 0.13810476668178182

    // the documented structure: matrix and signal both from trial_seed(seed, n, m, k, t)
    let seed = trial_seed(7, 48, 24, 6, 1);
    let a2 = Ensemble::Gaussian.matrix::<f64>(24, 48, seed).unwrap();
    let x2 = SparseSignalParams::new(48, 6)
        .amplitude(Amplitude::Gaussian)
        .generate::<f64>(seed)
        .unwrap()
        .x;
    assert_eq!(a, a2);
    assert_eq!(x, x2);

    // the trial depends on (seed, n, m, k, t) only, not on the grid around the cell
    let other = Settings::new(
        Grid::new(48, vec![0.25, 0.5], vec![0.25, 0.5]).unwrap(),
        9,
        "x",
    )
    .seed(7);
    let same_cell = other.grid.cells()[2];
    assert_eq!((same_cell.m, same_cell.k, same_cell.index), (24, 6, 2));
    let (a3, x3, y3) = draw_trial::<f64>(&other, &same_cell, 1).unwrap();
    assert_eq!((a3, x3, y3), (a, x, y));
}

// ---------------------------------------------------------------------------------------
// 2. draw_trial.

/// The ensemble names listed in `Ensemble::NAMES` (first word of each item).
fn listed_ensembles() -> Vec<String> {
    Ensemble::NAMES
        .split(", ")
        .map(|item| item.split_whitespace().next().unwrap().to_string())
        .collect()
}

#[test]
fn draw_trial_is_k_sparse_and_consistent() {
    let settings = Settings::new(Grid::new(40, vec![0.5], vec![0.3]).unwrap(), 4, "x").seed(3);
    let cell = settings.grid.cells()[0];
    assert_eq!((cell.m, cell.k), (20, 6));
    let mut negatives = 0;
    for t in 0..4 {
        let (a, x, y) = draw_trial::<f64>(&settings, &cell, t).unwrap();
        assert_eq!(a.shape(), (20, 40));
        assert_eq!((x.len(), y.len()), (40, 20));
        assert_eq!(x.iter().filter(|v| **v != 0.0).count(), 6);
        negatives += x.iter().filter(|v| **v < 0.0).count();
        for i in 0..20 {
            let yi: f64 = (0..40).map(|j| a[(i, j)] * x[j]).sum();
            assert!((yi - y[i]).abs() <= 1e-12 * (1.0 + yi.abs()), "row {i}");
        }
        // trials differ
        let (a_next, x_next, _) = draw_trial::<f64>(&settings, &cell, t + 1).unwrap();
        assert_ne!(a, a_next);
        assert_ne!(x, x_next);
    }
    assert!(
        negatives > 0,
        "signed Gaussian signals should have negative entries"
    );

    let nonneg = settings.clone().nonnegative(true);
    for t in 0..4 {
        let (_, x, _) = draw_trial::<f64>(&nonneg, &cell, t).unwrap();
        assert!(x.iter().all(|v| *v >= 0.0), "trial {t}: {x:?}");
        assert_eq!(x.iter().filter(|v| **v > 0.0).count(), 6);
    }
}

#[test]
fn every_listed_ensemble_builds_an_m_by_n_matrix() {
    let names = listed_ensembles();
    assert_eq!(
        names,
        [
            "gaussian",
            "rademacher",
            "sparse",
            "partial-fourier",
            "partial-dct",
            "srht"
        ]
    );
    let (m, n) = (12, 32);
    for name in &names {
        let e: Ensemble = name.parse().unwrap();
        let settings = Settings::new(Grid::new(n, vec![0.375], vec![0.25]).unwrap(), 1, "x")
            .ensemble(e)
            .seed(11);
        settings.validate().unwrap();
        let cell = settings.grid.cells()[0];
        assert_eq!((cell.m, cell.k), (m, 3));
        if e.is_complex() {
            assert!(e.matrix::<f64>(m, n, 1).is_err(), "{name} with a real T");
            assert!(draw_trial::<f64>(&settings, &cell, 0).is_err(), "{name}");
            let (a, x, y) = draw_trial::<Complex<f64>>(&settings, &cell, 0).unwrap();
            assert_eq!(a.shape(), (m, n), "{name}");
            assert_eq!(x.iter().filter(|v| v.norm() != 0.0).count(), 3);
            assert!(a.iter().any(|v| v.im != 0.0), "{name} should be complex");
            for i in 0..m {
                let yi: Complex<f64> = (0..n).map(|j| a[(i, j)] * x[j]).sum();
                assert!((yi - y[i]).norm() <= 1e-12, "{name} row {i}");
            }
        } else {
            let (a, x, y) = draw_trial::<f64>(&settings, &cell, 0).unwrap();
            assert_eq!(a.shape(), (m, n), "{name}");
            assert!(a.iter().all(|v| v.is_finite()) && a.iter().any(|v| *v != 0.0));
            assert_eq!(x.iter().filter(|v| **v != 0.0).count(), 3);
            for i in 0..m {
                let yi: f64 = (0..n).map(|j| a[(i, j)] * x[j]).sum();
                assert!((yi - y[i]).abs() <= 1e-12, "{name} row {i}");
            }
            let ac: DMatrix<Complex<f64>> = e.matrix(m, n, 5).unwrap();
            assert_eq!(ac.shape(), (m, n), "{name}");
            // the sparse and transform ensembles stay real in a complex scalar type (the
            // dense Gaussian and Rademacher ones draw complex entries, as DenseEnsemble does)
            if !matches!(e, Ensemble::Gaussian | Ensemble::Rademacher) {
                let ar: DMatrix<f64> = e.matrix(m, n, 5).unwrap();
                assert_eq!(ac.map(|v| v.im), DMatrix::zeros(m, n), "{name}");
                assert_eq!(ac.map(|v| v.re), ar, "{name}");
            }
        }
    }
}

#[test]
fn srht_needs_a_power_of_two() {
    assert_eq!(
        Ensemble::Srht.matrix::<f64>(8, 32, 0).unwrap().shape(),
        (8, 32)
    );
    assert_eq!(
        param_name(Ensemble::Srht.matrix::<f64>(8, 48, 0)),
        "ensemble"
    );
    let s = Settings::new(Grid::new(48, vec![0.5], vec![0.25]).unwrap(), 1, "x")
        .ensemble(Ensemble::Srht);
    assert_eq!(param_name(s.validate()), "ensemble");
    assert!(draw_trial::<f64>(&s, &s.grid.cells()[0], 0).is_err());
}

// ---------------------------------------------------------------------------------------
// 3. run_cell.

#[test]
fn run_cell_is_bit_identical_for_any_thread_count() {
    let settings = Settings::new(Grid::new(48, vec![0.5], vec![0.3]).unwrap(), 8, "omp").seed(5);
    let cell = settings.grid.cells()[0];
    let one = pool(1).install(|| run_cell(&settings, &cell, &omp));
    let three = pool(3).install(|| run_cell(&settings, &cell, &omp));
    assert_eq!(one.trials(), 8);
    assert!(one.rel_errors.iter().all(Option::is_some));
    assert_eq!(bits(&one.rel_errors), bits(&three.rel_errors));
    assert_eq!(one.successes, three.successes);
    assert_eq!(one.cell, cell);
    assert_eq!(one.first_error, None);
    // trial t of the cell is draw_trial(t), in trial order
    for t in 0..8 {
        let (a, x, y) = draw_trial::<f64>(&settings, &cell, t).unwrap();
        let p = Problem {
            a: &a,
            y: &y,
            k: cell.k,
            nonnegative: false,
        };
        let want = rel_error(&omp(&p).unwrap(), &x);
        let got = one.rel_errors[t].unwrap();
        assert!(
            (got - want).abs() <= 1e-12 * want.max(1e-300),
            "trial {t}: {got} vs {want}"
        );
    }
    // the minimum-norm solver too, and it differs from OMP
    let l1 = pool(1).install(|| run_cell(&settings, &cell, &lsq));
    let l3 = pool(3).install(|| run_cell(&settings, &cell, &lsq));
    assert_eq!(bits(&l1.rel_errors), bits(&l3.rel_errors));
    assert_ne!(bits(&l1.rel_errors), bits(&one.rel_errors));
}

#[test]
fn failed_and_nan_trials_count_as_failures() {
    let settings =
        Settings::new(Grid::new(48, vec![0.5], vec![0.0834]).unwrap(), 16, "flaky").seed(9);
    let cell = settings.grid.cells()[0];
    assert_eq!((cell.m, cell.k), (24, 2));
    let flaky = |p: &Problem<'_, f64>| match (p.y[0] > 0.0, p.y[1] > 0.0) {
        (true, true) => Err(Error::InvalidParam {
            name: "solver",
            value: "boom".into(),
            expected: "no boom".into(),
        }),
        (false, true) => Ok(vec![f64::NAN; p.a.ncols()]),
        (true, false) => Ok(vec![f64::INFINITY; p.a.ncols()]),
        (false, false) => omp(p),
    };
    let r = pool(2).install(|| run_cell(&settings, &cell, &flaky));
    let mut kinds = Vec::new();
    for t in 0..16 {
        let (_, _, y) = draw_trial::<f64>(&settings, &cell, t).unwrap();
        kinds.push((y[0] > 0.0, y[1] > 0.0));
    }
    for (t, kind) in kinds.iter().enumerate() {
        match kind {
            (false, false) => {
                let e = r.rel_errors[t].expect("OMP finishes");
                assert!(
                    e < 1e-10,
                    "trial {t}: OMP should recover a 2-sparse x, got {e}"
                );
            }
            _ => assert_eq!(r.rel_errors[t], None, "trial {t}"),
        }
    }
    let ok = kinds.iter().filter(|k| **k == (false, false)).count();
    assert!(
        ok > 0 && ok < 16,
        "the seed should give both kinds: {kinds:?}"
    );
    assert!(kinds.contains(&(true, true)) && kinds.contains(&(false, true)));
    assert_eq!(r.successes, ok);
    assert_eq!(r.solver_errors(), 16 - ok);
    // the first failure in trial order is the message kept
    let first_fail = kinds.iter().find(|k| **k != (false, false)).unwrap();
    let msg = r.first_error.as_deref().expect("a first error");
    match first_fail {
        (true, true) => assert!(msg.contains("boom"), "{msg}"),
        _ => assert!(msg.contains("NaN or infinite"), "{msg}"),
    }
    assert!(r.mean_rel_error() < 1e-10);

    // a wrong length is a failure too
    let short = |_: &Problem<'_, f64>| Ok(vec![0.0; 3]);
    let r = run_cell(&settings, &cell, &short);
    assert_eq!((r.successes, r.solver_errors()), (0, 16));
    assert!(r.mean_rel_error().is_nan());
    let msg = r.first_error.unwrap();
    assert!(
        msg.contains("returned 3 values for a signal of length 48"),
        "{msg}"
    );
}

#[test]
fn successes_count_errors_strictly_below_the_tolerance() {
    let settings = Settings::new(Grid::new(32, vec![0.5], vec![0.25]).unwrap(), 6, "lsq").seed(2);
    let cell = settings.grid.cells()[0];
    let base = run_cell(&settings, &cell, &lsq);
    assert_eq!(base.successes, 0);
    let errs: Vec<f64> = base.rel_errors.iter().map(|e| e.unwrap()).collect();
    let tol = errs[2];
    let below = errs.iter().filter(|e| **e < tol).count();
    let at = run_cell(&settings.clone().success_tol(tol), &cell, &lsq);
    assert_eq!(bits(&at.rel_errors), bits(&base.rel_errors));
    assert_eq!(
        at.successes, below,
        "an error equal to the tolerance is a failure"
    );
    let just_above = f64::from_bits(tol.to_bits() + 1);
    let above = run_cell(&settings.clone().success_tol(just_above), &cell, &lsq);
    assert_eq!(above.successes, below + 1);
    assert!((above.fraction() - (below + 1) as f64 / 6.0).abs() < 1e-15);

    // CellResult::new directly
    let r = CellResult::new(
        cell,
        vec![
            Some(1e-3),
            Some(f64::from_bits(1e-3f64.to_bits() - 1)),
            None,
            Some(0.0),
        ],
        1e-3,
        None,
        0.0,
    );
    assert_eq!((r.successes, r.solver_errors(), r.trials()), (2, 1, 4));
}

// ---------------------------------------------------------------------------------------
// 4. PhaseLog.

fn awkward_cells(settings: &Settings) -> Vec<CellResult> {
    let cells = settings.grid.cells();
    let tol = settings.success_tol;
    vec![
        CellResult::new(
            cells[3],
            vec![None; 4],
            tol,
            Some("a \"quoted\"\nmessage ✓ \\ end".into()),
            0.125,
        ),
        CellResult::new(
            cells[0],
            vec![Some(1e-300), Some(0.1 + 0.2), Some(5e-324), None],
            tol,
            Some("boom".into()),
            1.5,
        ),
        CellResult::new(
            cells[1],
            vec![
                Some(2.2250738585072014e-308),
                Some(1.0 / 3.0),
                Some(f64::MAX),
                Some(0.0),
            ],
            tol,
            None,
            0.0,
        ),
    ]
}

#[test]
fn log_round_trips_cells_bit_exactly() {
    let dir = Scratch::new("log-roundtrip");
    let path = dir.path().join(LOG_FILE);
    let settings = Settings::new(Grid::uniform(32, 2, 2).unwrap(), 4, "omp").seed(17);
    let (mut log, done) = PhaseLog::open(&path, &settings, Shard::ALL).unwrap();
    assert!(done.cells.is_empty());
    assert_eq!(
        (done.settings.clone(), done.shard),
        (settings.clone(), Shard::ALL)
    );
    let written = awkward_cells(&settings);
    for r in &written {
        log.append(r).unwrap();
    }
    drop(log);
    assert_eq!(log_lines(&path).len(), 4);

    let check = |back: &PhaseResults| {
        assert_eq!(back.settings, settings);
        assert_eq!(back.shard, Shard::ALL);
        assert_eq!(
            back.cells.keys().copied().collect::<Vec<_>>(),
            vec![0, 1, 3]
        );
        for w in &written {
            let b = &back.cells[&w.cell.index];
            assert_eq!(b.cell, w.cell);
            assert_eq!(
                bits(&b.rel_errors),
                bits(&w.rel_errors),
                "cell {}",
                w.cell.index
            );
            assert_eq!(b.successes, w.successes);
            assert_eq!(b.first_error, w.first_error);
            assert_eq!(b.seconds.to_bits(), w.seconds.to_bits());
        }
        assert_eq!((back.cells[&0].successes, back.cells[&1].successes), (2, 2));
        assert_eq!(back.expected_cells(), 4);
        assert!(!back.is_complete());
    };
    check(&PhaseLog::read(&path).unwrap());
    // reopening resumes with the same cells
    let (_, resumed) = PhaseLog::open(&path, &settings, Shard::ALL).unwrap();
    check(&resumed);
    // PhaseLog::write gives a log that reads back the same
    let copy = dir.path().join("copy.jsonl");
    PhaseLog::write(&copy, &resumed).unwrap();
    check(&PhaseLog::read(&copy).unwrap());
}

#[test]
fn torn_last_line_is_cut_off_by_open() {
    let dir = Scratch::new("log-torn");
    let path = dir.path().join(LOG_FILE);
    let settings = Settings::new(Grid::uniform(32, 2, 2).unwrap(), 4, "omp");
    let cells = awkward_cells(&settings);
    let (mut log, _) = PhaseLog::open(&path, &settings, Shard::ALL).unwrap();
    log.append(&cells[0]).unwrap();
    log.append(&cells[1]).unwrap();
    drop(log);
    let intact = std::fs::read(&path).unwrap();
    let mut torn = intact.clone();
    torn.extend_from_slice(b"{\"cell\":3,\"del");
    std::fs::write(&path, &torn).unwrap();

    let (line, reason) = format_error(PhaseLog::read(&path), &path);
    assert_eq!(line, 4);
    assert!(reason.contains("incomplete last line"), "{reason}");

    let (mut log, done) = PhaseLog::open(&path, &settings, Shard::ALL).unwrap();
    assert_eq!(done.cells.keys().copied().collect::<Vec<_>>(), vec![0, 3]);
    let repaired = std::fs::read(&path).unwrap();
    assert_eq!(repaired, intact);
    assert!(repaired.ends_with(b"\n"));
    // appending after the repair gives a valid log
    log.append(&cells[2]).unwrap();
    drop(log);
    let back = PhaseLog::read(&path).unwrap();
    assert_eq!(
        back.cells.keys().copied().collect::<Vec<_>>(),
        vec![0, 1, 3]
    );

    // a header cut off before its newline: start afresh
    std::fs::write(&path, b"{\"format\":\"cstk-ph").unwrap();
    let (_, fresh) = PhaseLog::open(&path, &settings, Shard::ALL).unwrap();
    assert!(fresh.cells.is_empty());
    assert_eq!(log_lines(&path).len(), 1);
    assert!(PhaseLog::read(&path).unwrap().cells.is_empty());
}

#[test]
fn damaged_logs_are_format_errors_with_line_numbers() {
    let dir = Scratch::new("log-damaged");
    let path = dir.path().join(LOG_FILE);
    let settings = Settings::new(Grid::uniform(32, 2, 2).unwrap(), 4, "omp");
    let cells = awkward_cells(&settings);
    let (mut log, _) = PhaseLog::open(&path, &settings, Shard::ALL).unwrap();
    for r in &cells {
        log.append(r).unwrap();
    }
    drop(log);
    let good = log_lines(&path);
    assert_eq!(good.len(), 4);
    let expect = |lines: &[String], want_line: usize, want: &str| {
        write_lines(&path, lines);
        let (line, reason) = format_error(PhaseLog::read(&path), &path);
        assert_eq!(line, want_line, "{reason}");
        assert!(reason.contains(want), "{reason:?} should contain {want:?}");
        // open refuses it too (it is not a torn last line)
        let (line, _) = format_error(PhaseLog::open(&path, &settings, Shard::ALL), &path);
        assert_eq!(line, want_line);
    };
    let edit = |no: usize, f: &dyn Fn(&mut serde_json::Value)| {
        let mut lines = good.clone();
        let mut v: serde_json::Value = serde_json::from_str(&lines[no]).unwrap();
        f(&mut v);
        lines[no] = v.to_string();
        lines
    };

    // a corrupt middle line
    let mut lines = good.clone();
    lines[2] = "{\"cell\": 0, oops".into();
    expect(&lines, 3, "not JSON");
    // a duplicated cell
    let mut lines = good.clone();
    lines.push(good[2].clone());
    expect(&lines, 5, "cell 0 already appears on line 3");
    // a cell outside the grid
    expect(
        &edit(1, &|v| v["cell"] = 4.into()),
        2,
        "outside the 4-cell grid",
    );
    // a cell whose (delta, rho, m, k) disagrees with the grid
    expect(&edit(2, &|v| v["m"] = 17.into()), 3, "(delta, rho, m, k)");
    expect(
        &edit(2, &|v| v["rho"] = 0.25.into()),
        3,
        "(delta, rho, m, k)",
    );
    // a success count that does not match the errors
    expect(
        &edit(2, &|v| v["successes"] = 1.into()),
        3,
        "\"successes\" does not match",
    );
    // a wrong number of trials
    expect(
        &edit(3, &|v| v["rel_errors"] = serde_json::json!([0.5, 0.5, 0.5])),
        4,
        "has 3 trials, the settings say 4",
    );
    // not a cstk log
    let mut lines = good.clone();
    lines[0] = "{\"format\":\"something-else\"}".into();
    expect(&lines, 1, "not a cstk phase results log");

    // a cell outside the shard: a shard-0/2 log holding cell 1
    let shard_path = dir.path().join("shard.jsonl");
    let shard: Shard = "0/2".parse().unwrap();
    let (mut log, _) = PhaseLog::open(&shard_path, &settings, shard).unwrap();
    log.append(&cells[1]).unwrap(); // cell 0: fine
    log.append(&cells[2]).unwrap(); // cell 1: not in shard 0/2
    drop(log);
    let (line, reason) = format_error(PhaseLog::read(&shard_path), &shard_path);
    assert_eq!(line, 3);
    assert!(reason.contains("cell 1 is not in shard 0/2"), "{reason}");
}

#[test]
fn open_refuses_other_settings_and_shards() {
    let dir = Scratch::new("log-mismatch");
    let path = dir.path().join(LOG_FILE);
    let settings = Settings::new(Grid::uniform(32, 2, 2).unwrap(), 4, "omp").seed(1);
    let shard = Shard { index: 1, count: 3 };
    PhaseLog::open(&path, &settings, shard).unwrap();
    let cases: Vec<(Settings, &str)> = vec![
        (settings.clone().seed(2), "seed 1 vs 2"),
        (
            Settings {
                trials: 5,
                ..settings.clone()
            },
            "trials 4 vs 5",
        ),
        (
            settings.clone().ensemble(Ensemble::Rademacher),
            "ensemble gaussian vs rademacher",
        ),
        (
            settings.clone().success_tol(1e-6),
            "success_tol 0.001 vs 0.000001",
        ),
        (
            Settings {
                solver: "bp".into(),
                ..settings.clone()
            },
            "solver omp vs bp",
        ),
        (
            settings.clone().amplitudes(Amplitude::Uniform {
                low: 0.5,
                high: 1.0,
            }),
            "amplitudes gaussian vs uniform[0.5,1]",
        ),
        (
            settings.clone().nonnegative(true),
            "nonnegative false vs true",
        ),
        (
            Settings {
                grid: Grid::uniform(32, 2, 4).unwrap(),
                ..settings.clone()
            },
            "rhos [0.5, 1.0] vs [0.25, 0.5, 0.75, 1.0]",
        ),
    ];
    for (other, want) in cases {
        let err = PhaseLog::open(&path, &other, shard).unwrap_err();
        assert!(
            matches!(err, Error::InvalidParam { name: "out", .. }),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains(want), "{msg:?} should contain {want:?}");
    }
    let err = PhaseLog::open(&path, &settings, Shard::ALL)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("holds shard 1/3, this run is shard 0/1"),
        "{err}"
    );
    // the refusals did not touch the log
    assert_eq!(log_lines(&path).len(), 1);
    PhaseLog::open(&path, &settings, shard).unwrap();
    // invalid settings create nothing
    let other = dir.path().join("invalid.jsonl");
    let bad = Settings {
        trials: 0,
        ..settings.clone()
    };
    assert_eq!(
        param_name(PhaseLog::open(&other, &bad, Shard::ALL).map(|_| ())),
        "trials"
    );
    assert!(!other.exists());
}

// ---------------------------------------------------------------------------------------
// 5. Merging.

fn run_shard(settings: &Settings, shard: Shard) -> PhaseResults {
    let mut r = PhaseResults::new(settings.clone(), shard);
    for cell in settings.grid.cells() {
        if shard.contains(cell.index) {
            r.cells.insert(cell.index, run_cell(settings, &cell, &omp));
        }
    }
    r
}

#[test]
fn expected_cells_of_shards() {
    let settings = small_settings(1);
    let mut total = 0;
    for (i, want) in [(0, 7), (1, 7), (2, 6)] {
        let shard: Shard = format!("{i}/3").parse().unwrap();
        let r = PhaseResults::new(settings.clone(), shard);
        assert_eq!(r.expected_cells(), want, "shard {shard}");
        assert_eq!(r.is_complete(), want == 0);
        total += r.expected_cells();
    }
    assert_eq!(total, 20);
    assert_eq!(PhaseResults::new(settings, Shard::ALL).expected_cells(), 20);
}

#[test]
fn merge_of_disjoint_shards_equals_the_whole_run() {
    let settings = small_settings(2);
    let whole = run_shard(&settings, Shard::ALL);
    assert!(whole.is_complete());
    let shards: Vec<PhaseResults> = (0..3)
        .map(|i| run_shard(&settings, Shard { index: i, count: 3 }))
        .collect();
    for (s, want) in shards.iter().zip([7, 7, 6]) {
        assert_eq!(s.cells.len(), want);
        assert!(s.is_complete());
    }
    let names: Vec<String> = ["s0", "s1", "s2"].iter().map(|s| s.to_string()).collect();
    // any order of the shards
    let merged = PhaseResults::merge(
        vec![shards[2].clone(), shards[0].clone(), shards[1].clone()],
        &names,
    )
    .unwrap();
    assert_eq!(merged.shard, Shard::ALL);
    assert!(merged.is_complete());
    assert_eq!(merged.phase_csv(), whole.phase_csv());
    assert_eq!(merged.phase_csv().lines().count(), 21);
    for (c, r) in &merged.cells {
        assert_eq!(bits(&r.rel_errors), bits(&whole.cells[c].rel_errors));
    }
    // OMP does recover the sparsest cells and fails the densest
    let f = whole.fractions();
    assert_eq!(f[3][0], 1.0);
    assert_eq!(f[0][4], 0.0);

    // a partial merge is not complete
    let partial = PhaseResults::merge(shards[..2].to_vec(), &names).unwrap();
    assert_eq!(partial.cells.len(), 14);
    assert!(!partial.is_complete());

    // an overlap names the cell and both sources
    let err = PhaseResults::merge(
        vec![shards[0].clone(), shards[1].clone(), shards[0].clone()],
        &["a".to_string(), "b".to_string(), "c".to_string()],
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidParam { name: "merge", .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("cell 0 (delta 0.25, rho 0.2) is in both a and c"),
        "{msg}"
    );

    // different settings name the field and both sources
    let mut other = shards[1].clone();
    other.settings = other.settings.seed(9);
    let err = PhaseResults::merge(
        vec![shards[0].clone(), other],
        &["first".to_string(), "second".to_string()],
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("second: seed 0 vs 9 (vs first)"), "{err}");

    // nothing to merge
    assert_eq!(param_name(PhaseResults::merge(vec![], &[])), "merge");
}

// ---------------------------------------------------------------------------------------
// 6. run_to_dir end to end.

#[test]
fn run_to_dir_resumes_and_shards_merge() {
    let settings = small_settings(2).seed(4);
    let whole_dir = Scratch::new("run-whole");
    let dir = whole_dir.path().join("out"); // created by run_to_dir
    let log = dir.join(LOG_FILE);

    // the whole run, cells in parallel on 3 threads
    let mut seen = Vec::new();
    let first = pool(3)
        .install(|| {
            run_to_dir(&settings, Shard::ALL, &dir, &omp, |r, done, total| {
                seen.push((r.cell.index, done, total));
            })
        })
        .unwrap();
    assert!(first.is_complete());
    assert_eq!(seen.len(), 20);
    assert_eq!(
        seen.iter().map(|s| s.1).collect::<Vec<_>>(),
        (1..=20).collect::<Vec<_>>()
    );
    assert!(seen.iter().all(|s| s.2 == 20));
    assert_eq!(seen.iter().map(|s| s.0).collect::<BTreeSet<_>>().len(), 20);
    let phase = std::fs::read(dir.join("phase.csv")).unwrap();
    assert_eq!(String::from_utf8(phase.clone()).unwrap(), first.phase_csv());
    let timing = std::fs::read_to_string(dir.join("timing.csv")).unwrap();
    assert_eq!(timing.lines().count(), 21);
    assert!(timing.starts_with("delta,rho,m,k,trials,seconds,seconds_per_trial,solver_errors\n"));
    assert_eq!(log_lines(&log).len(), 21);

    // the same cells as run_cell one by one on one thread
    let serial = pool(1).install(|| run_shard(&settings, Shard::ALL));
    assert_eq!(serial.phase_csv().as_bytes(), &phase[..]);

    // a second call resumes: nothing to do, same table
    let mut calls = 0;
    let again = run_to_dir(&settings, Shard::ALL, &dir, &omp, |_, _, _| calls += 1).unwrap();
    assert_eq!(calls, 0);
    assert_eq!(again.cells.len(), 20);
    assert_eq!(std::fs::read(dir.join("phase.csv")).unwrap(), phase);
    assert_eq!(log_lines(&log).len(), 21);

    // drop the last two cells of the log: exactly those are run again
    let mut lines = log_lines(&log);
    let dropped: BTreeSet<usize> = lines[19..]
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["cell"].as_u64().unwrap() as usize
        })
        .collect();
    lines.truncate(19);
    write_lines(&log, &lines);
    std::fs::remove_file(dir.join("phase.csv")).unwrap();
    let mut rerun = Vec::new();
    let resumed = run_to_dir(&settings, Shard::ALL, &dir, &omp, |r, done, total| {
        rerun.push((r.cell.index, done, total));
    })
    .unwrap();
    assert_eq!(rerun.len(), 2);
    assert_eq!(rerun.iter().map(|r| r.0).collect::<BTreeSet<_>>(), dropped);
    assert_eq!(
        rerun.iter().map(|r| (r.1, r.2)).collect::<Vec<_>>(),
        [(1, 2), (2, 2)]
    );
    assert!(resumed.is_complete());
    assert_eq!(std::fs::read(dir.join("phase.csv")).unwrap(), phase);
    assert_eq!(log_lines(&log).len(), 21);

    // shards on one thread, merged from their logs, give the same table
    let shard_dir = Scratch::new("run-shards");
    let mut runs = Vec::new();
    let mut sources = Vec::new();
    for (i, want) in [(0, 7), (1, 7), (2, 6)] {
        let shard = Shard { index: i, count: 3 };
        let d = shard_dir.path().join(format!("shard{i}"));
        let mut calls = 0;
        let r = pool(1)
            .install(|| run_to_dir(&settings, shard, &d, &omp, |_, _, _| calls += 1))
            .unwrap();
        assert_eq!(calls, want);
        assert!(r.is_complete());
        let table = std::fs::read_to_string(d.join("phase.csv")).unwrap();
        assert_eq!(table.lines().count(), want + 1);
        let from_log = PhaseLog::read(&d.join(LOG_FILE)).unwrap();
        assert_eq!(from_log.shard, shard);
        runs.push(from_log);
        sources.push(d.display().to_string());
    }
    let merged = PhaseResults::merge(runs, &sources).unwrap();
    assert!(merged.is_complete());
    assert_eq!(merged.phase_csv().as_bytes(), &phase[..]);

    // invalid settings: an error before anything is created
    let nothing = shard_dir.path().join("nothing");
    let bad = Settings {
        trials: 0,
        ..settings.clone()
    };
    let err = run_to_dir(&bad, Shard::ALL, &nothing, &omp, |_, _, _| {});
    assert_eq!(param_name(err), "trials");
    assert!(!nothing.exists());
}

// ---------------------------------------------------------------------------------------
// 7. The empirical transition.

/// A result for `cell` with `ok` of `trials` successes.
fn synthetic(cell: cstk_measure::phase::Cell, ok: usize, trials: usize) -> CellResult {
    let errs = (0..trials)
        .map(|t| Some(if t < ok { 0.0 } else { 1.0 }))
        .collect();
    CellResult::new(cell, errs, 1e-3, None, 0.0)
}

#[test]
fn transition_interpolates_the_half_crossing() {
    let rhos = vec![0.1, 0.2, 0.3, 0.4, 0.5];
    let s = Settings::new(
        Grid::new(100, vec![0.25, 0.5, 0.75, 1.0], rhos).unwrap(),
        10,
        "x",
    );
    let mut r = PhaseResults::new(s.clone(), Shard::ALL);
    let columns: [[usize; 5]; 3] = [
        [10, 10, 10, 0, 0], // a sharp step between 0.3 and 0.4
        [10, 10, 9, 6, 5],  // never below 1/2
        [10, 10, 8, 2, 0],  // 0.8 → 0.2
    ];
    for cell in s.grid.cells() {
        if cell.i_delta < 3 {
            let ok = columns[cell.i_delta][cell.i_rho];
            r.cells.insert(cell.index, synthetic(cell, ok, 10));
        }
    }
    let t = r.transition();
    assert_eq!(t.len(), 4);
    assert_eq!(
        t.iter().map(|p| p.delta).collect::<Vec<_>>(),
        [0.25, 0.5, 0.75, 1.0]
    );
    assert!((t[0].rho.unwrap() - 0.35).abs() < 1e-12, "{t:?}");
    assert_eq!(t[1].rho, None);
    assert!((t[2].rho.unwrap() - 0.35).abs() < 1e-12, "{t:?}");
    assert_eq!(t[3].rho, None, "a column with no cells");

    // a violator is pooled first: 1, 0.4, 0.6, 0 → 1, 0.5, 0.5, 0 → crossing at ρ = 0.4
    let mut r = PhaseResults::new(s.clone(), Shard::ALL);
    for (cell, ok) in s.grid.cells().into_iter().take(5).zip([10, 4, 6, 0, 0]) {
        r.cells.insert(cell.index, synthetic(cell, ok, 10));
    }
    let got = r.transition()[0].rho.unwrap();
    assert!((got - 0.3).abs() < 1e-12, "{got}");

    // below 1/2 from the first ρ: no crossing inside the grid
    let mut r = PhaseResults::new(s.clone(), Shard::ALL);
    for (cell, ok) in s.grid.cells().into_iter().take(5).zip([4, 3, 2, 1, 0]) {
        r.cells.insert(cell.index, synthetic(cell, ok, 10));
    }
    assert_eq!(r.transition()[0].rho, None);
}

// ---------------------------------------------------------------------------------------
// 8. Parsing and validation.

#[test]
fn grid_validation() {
    assert_eq!(param_name(Grid::new(0, vec![0.5], vec![0.5])), "n");
    assert_eq!(param_name(Grid::new(10, vec![], vec![0.5])), "deltas");
    assert_eq!(param_name(Grid::new(10, vec![0.5], vec![])), "rhos");
    for bad in [0.0, -0.1, 1.5, 1.0000001, f64::NAN, f64::INFINITY] {
        assert_eq!(
            param_name(Grid::new(10, vec![bad], vec![0.5])),
            "deltas",
            "{bad}"
        );
        assert_eq!(
            param_name(Grid::new(10, vec![0.5], vec![bad])),
            "rhos",
            "{bad}"
        );
    }
    assert_eq!(
        param_name(Grid::new(10, vec![0.5, 0.5], vec![0.5])),
        "deltas"
    );
    assert_eq!(
        param_name(Grid::new(10, vec![0.5], vec![0.5, 0.25])),
        "rhos"
    );
    match Grid::new(10, vec![0.2, 0.6, 0.4], vec![0.5]) {
        Err(Error::InvalidParam { value, .. }) => assert_eq!(value, "0.6 followed by 0.4"),
        other => panic!("{other:?}"),
    }
    assert!(Grid::new(10, vec![1.0], vec![1.0]).is_ok());
    assert_eq!(param_name(Grid::uniform(10, 0, 5)), "grid");
    assert_eq!(param_name(Grid::uniform(10, 5, 0)), "grid");

    // m = round(δn), k = round(ρm), both at least 1
    let g = Grid::new(10, vec![0.01, 0.25, 1.0], vec![0.01, 0.5]).unwrap();
    let mk: Vec<(usize, usize, usize, usize)> = g
        .cells()
        .iter()
        .map(|c| (c.index, c.i_delta * 10 + c.i_rho, c.m, c.k))
        .collect();
    assert_eq!(
        mk,
        [
            (0, 0, 1, 1),
            (1, 1, 1, 1),
            (2, 10, 3, 1),
            (3, 11, 3, 2),
            (4, 20, 10, 1),
            (5, 21, 10, 5)
        ]
    );
}

#[test]
fn shard_parsing() {
    for bad in [
        "3/3", "0/0", "4/3", "1", "", "a/b", "-1/3", "1/-3", "1/3/5", "/3",
    ] {
        assert_eq!(param_name(bad.parse::<Shard>()), "shard", "{bad:?}");
    }
    assert_eq!(
        " 2 / 5 ".parse::<Shard>().unwrap(),
        Shard { index: 2, count: 5 }
    );
    let s: Shard = "2/3".parse().unwrap();
    assert_eq!(s.to_string().parse::<Shard>().unwrap(), s);
    let members: Vec<usize> = (0..10).filter(|&c| s.contains(c)).collect();
    assert_eq!(members, [2, 5, 8]);
    assert!((0..10).all(|c| Shard::ALL.contains(c)));
}

#[test]
fn ensemble_parsing() {
    for e in [
        Ensemble::Gaussian,
        Ensemble::Rademacher,
        Ensemble::Sparse { per_column: 3 },
        Ensemble::PartialFourier,
        Ensemble::PartialDct,
        Ensemble::Srht,
    ] {
        assert_eq!(e.name().parse::<Ensemble>().unwrap(), e);
    }
    assert_eq!(
        "sparse".parse::<Ensemble>().unwrap(),
        Ensemble::Sparse { per_column: 8 }
    );
    assert_eq!(
        "SPARSE:12".parse::<Ensemble>().unwrap(),
        Ensemble::Sparse { per_column: 12 }
    );
    assert_eq!("Gaussian".parse::<Ensemble>().unwrap(), Ensemble::Gaussian);
    for bad in [
        "sparse:0",
        "sparse:",
        "sparse:x",
        "sparse:-1",
        "fourier",
        "",
        "gauss",
    ] {
        match bad.parse::<Ensemble>() {
            Err(Error::InvalidParam { name, expected, .. }) => {
                assert_eq!(name, "ensemble");
                assert_eq!(expected, Ensemble::NAMES);
            }
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    assert_eq!(
        param_name(Ensemble::Sparse { per_column: 0 }.check(32)),
        "ensemble"
    );
    // sparse:S is capped at m
    let a = Ensemble::Sparse { per_column: 50 }
        .matrix::<f64>(4, 16, 1)
        .unwrap();
    for j in 0..16 {
        assert_eq!(
            a.column(j).iter().filter(|v| **v != 0.0).count(),
            4,
            "column {j}"
        );
    }
}

#[test]
fn amplitude_parsing() {
    assert_eq!(
        parse_amplitude("uniform[0.5, 1]").unwrap(),
        Amplitude::Uniform {
            low: 0.5,
            high: 1.0
        }
    );
    assert_eq!(
        parse_amplitude("uniform[0,0]").unwrap(),
        Amplitude::Uniform {
            low: 0.0,
            high: 0.0
        }
    );
    assert_eq!(parse_amplitude("sign").unwrap(), Amplitude::Rademacher);
    assert_eq!(
        parse_amplitude("uniform").unwrap(),
        Amplitude::Uniform {
            low: 1.0,
            high: 2.0
        }
    );
    for bad in [
        "uniform[2,1]",
        "uniform[-1,1]",
        "uniform[nan,1]",
        "uniform[0,inf]",
        "uniform[1]",
        "uniform[1,2,3]",
        "uniform[]",
        "uniform[a,b]",
        "cauchy",
    ] {
        assert_eq!(param_name(parse_amplitude(bad)), "amplitudes", "{bad:?}");
    }
    for a in [
        Amplitude::Gaussian,
        Amplitude::Rademacher,
        Amplitude::Uniform {
            low: 1.0,
            high: 2.0,
        },
        Amplitude::Uniform {
            low: 0.25,
            high: 3.5,
        },
        Amplitude::Uniform {
            low: 1e-7,
            high: 1e-7,
        },
    ] {
        assert_eq!(parse_amplitude(&amplitude_name(a)).unwrap(), a, "{a:?}");
    }
    assert_eq!(
        amplitude_name(Amplitude::Uniform {
            low: 1.0,
            high: 2.0
        }),
        "uniform"
    );
}

#[test]
fn settings_validation() {
    let ok = Settings::new(Grid::uniform(32, 2, 2).unwrap(), 3, "omp");
    ok.validate().unwrap();
    let with = |f: &dyn Fn(&mut Settings)| {
        let mut s = ok.clone();
        f(&mut s);
        s.validate()
    };
    assert_eq!(param_name(with(&|s| s.trials = 0)), "trials");
    for tol in [f64::NAN, 0.0, -1e-3, f64::INFINITY] {
        assert_eq!(
            param_name(with(&|s| s.success_tol = tol)),
            "success_tol",
            "{tol}"
        );
    }
    assert_eq!(param_name(with(&|s| s.solver = "  ".into())), "solver");
    assert_eq!(
        param_name(with(&|s| {
            s.nonnegative = true;
            s.ensemble = Ensemble::PartialFourier;
        })),
        "nonnegative"
    );
    // srht at a length that is not a power of two
    assert_eq!(
        param_name(with(&|s| {
            s.ensemble = Ensemble::Srht;
            s.grid.n = 48;
        })),
        "ensemble"
    );
    assert_eq!(
        param_name(with(&|s| s.ensemble = Ensemble::Sparse { per_column: 0 })),
        "ensemble"
    );
    // an amplitude range that parse_amplitude would refuse
    assert_eq!(
        param_name(with(&|s| s.amplitudes = Amplitude::Uniform {
            low: -1.0,
            high: 2.0
        })),
        "amplitudes"
    );
    assert_eq!(
        param_name(with(&|s| s.amplitudes = Amplitude::Uniform {
            low: 2.0,
            high: 1.0
        })),
        "amplitudes"
    );
    // draw_trial refuses nonnegative complex signals on its own too
    let s = ok
        .clone()
        .ensemble(Ensemble::PartialFourier)
        .nonnegative(true);
    let cell = s.grid.cells()[0];
    assert_eq!(
        param_name(draw_trial::<Complex<f64>>(&s, &cell, 0)),
        "nonnegative"
    );
    // nonnegative real, and complex signed, are fine
    with(&|s| s.nonnegative = true).unwrap();
    with(&|s| s.ensemble = Ensemble::PartialFourier).unwrap();
    with(&|s| s.ensemble = Ensemble::Srht).unwrap();
}

#[test]
fn grids_with_any_step_resume_and_errors_read_back_bit_exactly() {
    // 1/11, 1/13, … are 17-digit decimals: the log must read them back to the same f64
    // (serde_json's float_roundtrip), or resuming would see "other settings"
    let settings = Settings::new(Grid::uniform(22, 11, 2).unwrap(), 2, "lsq");
    let scratch = Scratch::new("odd-grid");
    let dir = scratch.path().join("out");
    let first = run_to_dir(&settings, Shard::ALL, &dir, &lsq, |_, _, _| {}).unwrap();
    let mut calls = 0;
    let again = run_to_dir(&settings, Shard::ALL, &dir, &lsq, |_, _, _| calls += 1).unwrap();
    assert_eq!(calls, 0);
    assert_eq!(again.cells.len(), 22);
    for (c, r) in &first.cells {
        assert_eq!(
            bits(&r.rel_errors),
            bits(&again.cells[c].rel_errors),
            "cell {c}"
        );
    }
    // values serde_json without float_roundtrip reads back one ulp off
    let mut awkward = first.clone();
    let cell = awkward.cells.get_mut(&0).unwrap();
    cell.rel_errors = vec![Some(0.09174424052786759), Some(1.0 / 11.0)];
    let path = scratch.path().join("awkward.jsonl");
    PhaseLog::write(&path, &awkward).unwrap();
    let back = PhaseLog::read(&path).unwrap();
    assert_eq!(
        bits(&back.cells[&0].rel_errors),
        bits(&awkward.cells[&0].rel_errors)
    );
}
