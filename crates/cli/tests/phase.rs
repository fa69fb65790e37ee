//! `cstk phase`: basis pursuit on Gaussian matrices follows the Donoho–Tanner curve,
//! reruns and resumed runs (after SIGTERM and SIGKILL) give byte-identical tables, shards
//! merge into the unsharded result, any thread count gives the same numbers, and bad input
//! fails cleanly.

mod common;

use common::{assert_fails, cstk, cstk_env, s, scratch_dir, stdout};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Rows of phase.csv as (delta, rho, successes, trials, rho_theory).
fn rows(dir: &Path) -> Vec<(f64, f64, usize, usize, f64)> {
    let text = read(&dir.join("phase.csv"));
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("delta,rho,m,k,successes,trials,mean_rel_error,rho_theory")
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 8, "{l}");
            (
                f[0].parse().unwrap(),
                f[1].parse().unwrap(),
                f[4].parse().unwrap(),
                f[5].parse().unwrap(),
                f[7].parse().unwrap(),
            )
        })
        .collect()
}

fn ok(o: &std::process::Output) {
    assert!(o.status.success(), "stderr: {}", common::stderr(o));
}

/// A small, quick experiment (OMP, 4 × 5 cells, 6 trials) with extra flags.
fn small(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "phase", "--solver", "omp", "--n", "60", "--grid", "4x5", "--trials", "6", "--quiet",
        "--out",
    ];
    args.push(s(dir));
    if !extra.contains(&"--seed") {
        args.extend_from_slice(&["--seed", "11"]);
    }
    args.extend_from_slice(extra);
    cstk(&args)
}

#[test]
fn basis_pursuit_on_gaussian_matrices_follows_the_weak_threshold() {
    // n = 200 as the issue asks; a coarse grid: 5 δ columns, ρ in steps of 0.05 near the
    // curve, 10 trials per cell
    let dir = scratch_dir("phase-bp");
    let start = Instant::now();
    let o = cstk(&[
        "phase",
        "--solver",
        "admm-bp",
        "--n",
        "200",
        "--deltas",
        "0.1,0.3,0.5,0.7,0.9",
        "--rhos",
        "0.05,0.1,0.15,0.2,0.25,0.3,0.35,0.4,0.45,0.5,0.55,0.6,0.65,0.7,0.75,0.8,0.9",
        "--trials",
        "10",
        "--quiet",
        "--out",
        s(&dir),
    ]);
    ok(&o);
    eprintln!("BP coarse grid: {:.1} s", start.elapsed().as_secs_f64());
    let rows = rows(&dir);
    assert_eq!(rows.len(), 5 * 17);
    // the empirical 50% point of each column (as phase.png draws it) vs ρ_W(δ)
    let out = stdout(&o);
    let gap: f64 = out
        .split("largest gap ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no gap reported: {out}"));
    assert!(gap < 0.05, "50% transition off the theory by {gap}: {out}");
    // and, cell by cell: well below the curve BP always succeeds, well above it never
    for &(delta, rho, succ, trials, theory) in &rows {
        if rho < theory - 0.1 {
            assert_eq!(succ, trials, "delta {delta} rho {rho} below rho_W {theory}");
        }
        if rho > theory + 0.15 {
            assert_eq!(succ, 0, "delta {delta} rho {rho} above rho_W {theory}");
        }
    }
    // the curve values in the table (signed signals)
    let at = |d: f64| rows.iter().find(|r| r.0 == d).unwrap().4;
    assert!((at(0.5) - 0.385690).abs() < 1e-6, "{}", at(0.5));
    // the plot has the theory curve (red) over the heat map
    let img = image::open(dir.join("phase.png")).unwrap().to_rgb8();
    assert_eq!((img.width(), img.height()), (900, 620));
    let red = img.pixels().filter(|p| p.0 == [214, 39, 40]).count();
    assert!(red > 300, "theory curve not drawn ({red} red pixels)");
}

#[test]
fn greedy_diagrams_have_no_l1_curve_but_a_legend() {
    let dir = scratch_dir("phase-omp-png");
    ok(&small(&dir, &[]));
    let img = image::open(dir.join("phase.png")).unwrap().to_rgb8();
    let red = img.pixels().filter(|p| p.0 == [214, 39, 40]).count();
    assert_eq!(red, 0, "omp diagram must not show the l1 threshold");
    // legend swatches: the five viridis colours
    for c in [[68, 1, 84], [253, 231, 37]] {
        assert!(
            img.pixels().any(|p| p.0 == c),
            "legend colour {c:?} missing"
        );
    }
}

#[test]
fn reruns_are_byte_identical_and_resume_skips_finished_cells() {
    let a = scratch_dir("phase-rerun-a");
    let b = scratch_dir("phase-rerun-b");
    ok(&small(&a, &[]));
    ok(&small(&b, &[]));
    assert_eq!(read(&a.join("phase.csv")), read(&b.join("phase.csv")));
    // rerun into a finished directory: nothing to do, same file, no duplicate lines
    let log_before = read(&a.join("results.jsonl"));
    let o = small(&a, &[]);
    ok(&o);
    assert!(
        stdout(&o).contains("20 of 20 cells done (20 resumed)"),
        "{}",
        stdout(&o)
    );
    assert_eq!(read(&a.join("results.jsonl")), log_before);
    assert_eq!(read(&a.join("phase.csv")), read(&b.join("phase.csv")));
}

#[test]
fn any_thread_count_gives_the_same_table() {
    let one = scratch_dir("phase-threads-1");
    let three = scratch_dir("phase-threads-3");
    let args = |d: &Path| {
        vec![
            "phase".to_string(),
            "--solver".into(),
            "admm-bp".into(),
            "--n".into(),
            "64".into(),
            "--grid".into(),
            "3x4".into(),
            "--trials".into(),
            "5".into(),
            "--quiet".into(),
            "--out".into(),
            s(d).into(),
        ]
    };
    let run = |d: &Path, threads: &str| {
        let a = args(d);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        ok(&cstk_env(&a, &[("RAYON_NUM_THREADS", threads)]));
    };
    run(&one, "1");
    run(&three, "3");
    assert_eq!(read(&one.join("phase.csv")), read(&three.join("phase.csv")));
    // the logs agree on every trial's error too (all but the timings)
    let strip = |t: String| -> Vec<String> {
        t.lines()
            .map(|l| l.split(",\"seconds\"").next().unwrap().to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    assert_eq!(
        strip(read(&one.join("results.jsonl"))),
        strip(read(&three.join("results.jsonl")))
    );
}

/// The experiment the kill test interrupts (36 cells of basis pursuit), without its `--out`.
const KILLED_RUN: [&str; 12] = [
    "phase", "--solver", "admm-bp", "--n", "100", "--grid", "6x6", "--trials", "8", "--quiet",
    "--seed", "0",
];

/// Starts [`KILLED_RUN`] into `dir` in the background, kills it with `signal` once `after`
/// cells are logged, and returns how many were logged at the kill.
fn run_and_kill(dir: &Path, signal: &str, after: usize) -> usize {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cstk"))
        .args(KILLED_RUN)
        .arg("--out")
        .arg(dir)
        .env("RAYON_NUM_THREADS", "1")
        .current_dir(common::workspace_root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let log = dir.join("results.jsonl");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let lines = std::fs::read_to_string(&log).map_or(0, |t| t.lines().count());
        if lines > after {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended before it could be killed: {status}");
        }
        assert!(Instant::now() < deadline, "no progress in the log");
        std::thread::sleep(Duration::from_millis(5));
    }
    let st = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let status = child.wait().unwrap();
    assert!(!status.success(), "killed run reported success");
    read(&log).lines().count() - 1
}

#[test]
fn killed_runs_resume_to_the_identical_result() {
    let full = scratch_dir("phase-kill-full");
    let o = cstk(&[&KILLED_RUN[..], &["--out", s(&full)]].concat());
    ok(&o);
    let expected = read(&full.join("phase.csv"));
    for (signal, name) in [("-TERM", "term"), ("-KILL", "kill")] {
        let dir = scratch_dir(&format!("phase-kill-{name}"));
        let logged = run_and_kill(&dir, signal, 3);
        assert!(
            (3..36).contains(&logged),
            "{signal}: {logged} cells at the kill"
        );
        assert!(
            !dir.join("phase.csv").exists(),
            "tables are written at the end"
        );
        // a torn last line (as a kill in mid-write leaves) is cut off, not an error
        if signal == "-KILL" {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(dir.join("results.jsonl"))
                .unwrap();
            f.write_all(b"{\"cell\":35,\"delta\":1.0,\"rh").unwrap();
        }
        let o = cstk(&[&KILLED_RUN[..], &["--out", s(&dir)]].concat());
        ok(&o);
        assert!(
            stdout(&o).contains(&format!("36 of 36 cells done ({logged} resumed)")),
            "{signal}: {}",
            stdout(&o)
        );
        assert_eq!(read(&dir.join("phase.csv")), expected, "{signal}");
        let log = read(&dir.join("results.jsonl"));
        assert_eq!(
            log.lines().count(),
            37,
            "{signal}: header + 36 cells, no duplicates"
        );
    }
}

#[test]
fn shards_merge_into_the_unsharded_run_byte_for_byte() {
    let whole = scratch_dir("phase-shard-whole");
    ok(&small(&whole, &[]));
    let parts: Vec<_> = (0..3)
        .map(|i| {
            let d = scratch_dir(&format!("phase-shard-{i}"));
            ok(&small(&d, &["--shard", &format!("{i}/3")]));
            d
        })
        .collect();
    // each shard holds its own cells only
    let counts: Vec<usize> = parts.iter().map(|d| rows(d).len()).collect();
    assert_eq!(counts, vec![7, 7, 6]);
    let merged = scratch_dir("phase-shard-merged");
    let o = cstk(&[
        "phase",
        "merge",
        s(&parts[0]),
        s(&parts[1]),
        s(&parts[2]),
        "--out",
        s(&merged),
    ]);
    ok(&o);
    assert!(stdout(&o).contains("20 of 20 cells"), "{}", stdout(&o));
    assert_eq!(
        read(&merged.join("phase.csv")),
        read(&whole.join("phase.csv"))
    );
    assert!(merged.join("phase.png").exists() && merged.join("timing.csv").exists());
    // the merged directory is a whole run: resuming it has nothing to do
    let o = small(&merged, &[]);
    ok(&o);
    assert!(stdout(&o).contains("(20 resumed)"), "{}", stdout(&o));

    // overlapping shards are refused
    let bad = scratch_dir("phase-shard-bad");
    let o = cstk(&[
        "phase",
        "merge",
        s(&parts[0]),
        s(&parts[0]),
        "--out",
        s(&bad),
    ]);
    assert_fails(&o, &["cell 0", "in both"]);
    // as are shards of different experiments
    let other = scratch_dir("phase-shard-other");
    ok(&small(&other, &["--shard", "1/3", "--seed", "12"]));
    let o = cstk(&["phase", "merge", s(&parts[0]), s(&other), "--out", s(&bad)]);
    assert_fails(&o, &["seed 11 vs 12"]);
    assert!(!bad.join("phase.csv").exists());
}

#[test]
fn complex_and_nonnegative_experiments_use_their_own_threshold() {
    // basis pursuit on a 2 × 3 grid at n = 64, 3 trials, in each signal class
    let run = |name: &str, extra: &[&str]| {
        let d = scratch_dir(name);
        let mut args = vec![
            "phase", "--n", "64", "--grid", "2x3", "--trials", "3", "--quiet", "--out",
        ];
        args.push(s(&d));
        args.extend_from_slice(extra);
        ok(&cstk(&args));
        d
    };
    let dir = run(
        "phase-fourier",
        &[
            "--ensemble",
            "partial-fourier",
            "--amplitudes",
            "rademacher",
        ],
    );
    let signed = run("phase-signed", &[]);
    let nonneg = run("phase-nonneg", &["--nonnegative"]);
    let theory = |d: &Path| rows(d)[0].4;
    // at δ = 0.5: complex and nonnegative thresholds lie above the signed one
    assert!(theory(&dir) > theory(&signed) + 0.02);
    assert!(theory(&nonneg) > theory(&signed) + 0.1);
    // easy cells (ρ = 1/3 at δ = 1) are recovered in every ensemble
    for d in [&dir, &signed, &nonneg] {
        let r = rows(d);
        assert_eq!((r[3].2, r[3].3), (3, 3), "{}", d.display());
    }
}

#[test]
fn bad_input_fails_cleanly() {
    let dir = scratch_dir("phase-bad");
    let out = s(&dir);
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (vec!["--grid", "20"], vec!["--grid 20", "NDxNR"]),
        (vec!["--grid", "0x5"], vec!["--grid 0x5"]),
        (
            vec!["--deltas", "0.5,1.5", "--rhos", "0.1"],
            vec!["deltas", "1.5"],
        ),
        (
            vec!["--deltas", "0.5,0.2", "--rhos", "0.1"],
            vec!["increasing"],
        ),
        (vec!["--shard", "3/3"], vec!["--shard", "3/3"]),
        (vec!["--trials", "0"], vec!["--trials 0"]),
        (vec!["--success-tol", "nan"], vec!["--success-tol NaN"]),
        (vec!["--ensemble", "srht"], vec!["srht", "power-of-two"]),
        (vec!["--ensemble", "cauchy"], vec!["--ensemble", "cauchy"]),
        (
            vec!["--amplitudes", "laplace"],
            vec!["--amplitudes", "laplace"],
        ),
        (
            vec!["--ensemble", "partial-fourier", "--nonnegative"],
            vec!["nonnegative", "partial-fourier"],
        ),
        (
            vec!["--solver", "cd", "--ensemble", "partial-fourier"],
            vec!["cd", "real data"],
        ),
        (
            vec!["--solver", "fista", "--nonnegative"],
            vec!["--nonnegative", "fista"],
        ),
        (
            vec!["--solver", "cd", "--lambda-ratio", "2"],
            vec!["--lambda-ratio 2"],
        ),
        (vec!["--n", "0"], vec!["n"]),
    ];
    for (extra, needles) in cases {
        let mut args = vec!["phase", "--out", out, "--quiet"];
        args.extend_from_slice(&extra);
        let o = cstk(&args);
        assert_fails(&o, &needles);
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert!(left.is_empty(), "{extra:?} left {left:?}");
    }
    // a directory holding another experiment is not resumed into
    ok(&small(&dir, &[]));
    let o = small(&dir, &["--success-tol", "1e-4"]);
    assert_fails(&o, &["other settings", "success_tol 0.001 vs 0.0001"]);
    // a damaged log names the line
    let log = dir.join("results.jsonl");
    let mut text = read(&log);
    text = text.replacen("\"successes\":", "\"successes\":x", 1);
    std::fs::write(&log, text).unwrap();
    let o = small(&dir, &[]);
    assert_fails(&o, &["results.jsonl:2", "not JSON"]);
    // merge: a directory without a log
    let empty = scratch_dir("phase-bad-empty");
    let o = cstk(&["phase", "merge", s(&empty), "--out", s(&empty)]);
    assert_fails(&o, &["results.jsonl"]);
}
