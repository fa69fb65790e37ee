//! `cstk recover`: every solver on a shared problem, complex data, JSON output, and the
//! bad-input cases (one `error:` line, exit code 2, no output file).

mod common;

use common::{assert_fails_leaving_nothing, cstk, s, scratch_dir, stdout};
use cstk_linop::io::npy;
use cstk_linop::{Complex, DenseOp, LinOp};
use cstk_measure::DenseEnsemble;
use cstk_measure::signals::{Amplitude, sparse_signal};
use std::path::{Path, PathBuf};

/// Writes A (60 × 200 Gaussian), y = A x (x 6-sparse) and returns (dir, x).
fn problem(name: &str) -> (PathBuf, Vec<f64>) {
    let dir = scratch_dir(&format!("recover-{name}"));
    let a = DenseEnsemble::Gaussian.matrix::<f64>(60, 200, 5).unwrap();
    let x = sparse_signal::<f64>(200, 6, Amplitude::Rademacher, 5)
        .unwrap()
        .x;
    let y = DenseOp::new(a.clone()).apply_vec(&x);
    npy::write_npy_matrix(&dir.join("A.npy"), &a, npy::NpyOrder::C).unwrap();
    npy::write_npy_vector(&dir.join("y.npy"), &y).unwrap();
    let yc: Vec<Complex<f64>> = y.iter().map(|v| Complex::new(*v, 0.0)).collect();
    npy::write_npy_vector(&dir.join("yc.npy"), &yc).unwrap();
    (dir, x)
}

fn rel_err(path: &Path, x: &[f64]) -> f64 {
    let got: Vec<f64> = npy::read_npy_vector(path).unwrap();
    let d: f64 = got.iter().zip(x).map(|(a, b)| (a - b).powi(2)).sum();
    (d / x.iter().map(|v| v * v).sum::<f64>()).sqrt()
}

#[test]
fn every_solver_recovers_the_signal() {
    let (dir, x) = problem("all");
    let (a, y) = (dir.join("A.npy"), dir.join("y.npy"));
    for (solver, extra, tol) in [
        ("omp", vec!["--sparsity", "6"], 1e-10),
        ("cosamp", vec!["--sparsity", "6"], 1e-10),
        ("iht", vec!["--sparsity", "6"], 1e-8),
        ("admm-bp", vec![], 1e-6),
        (
            "fista",
            vec!["--lambda", "1e-4", "--tol", "1e-10", "--iters", "20000"],
            1e-3,
        ),
        (
            "cd",
            vec!["--lambda", "1e-4", "--tol", "1e-12", "--iters", "100000"],
            1e-3,
        ),
    ] {
        let out = dir.join(format!("x_{solver}.npy"));
        let mut args = vec![
            "recover",
            "--matrix",
            s(&a),
            "--measurements",
            s(&y),
            "--solver",
            solver,
            "--out",
            s(&out),
        ];
        args.extend(extra);
        let o = cstk(&args);
        assert!(o.status.success(), "{solver}: {}", common::stderr(&o));
        let line = stdout(&o);
        assert!(line.starts_with(&format!("{solver} on 60x200: ")), "{line}");
        assert!(line.contains("residual"), "{line}");
        let e = rel_err(&out, &x);
        assert!(e < tol, "{solver}: relative error {e}");
    }
}

#[test]
fn complex_measurements_and_json() {
    let (dir, _) = problem("complex");
    let out = dir.join("xc.npy");
    let o = cstk(&[
        "recover",
        "--matrix",
        s(&dir.join("A.npy")),
        "--measurements",
        s(&dir.join("yc.npy")),
        "--solver",
        "omp",
        "--sparsity",
        "6",
        "--out",
        s(&out),
        "--json",
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["solver"], "omp");
    assert_eq!(report["dtype"], "complex128");
    assert_eq!(report["nonzeros"], 6);
    assert!(report["residual"].as_f64().unwrap() < 1e-10);
    assert!(report["converged"].as_bool().unwrap());
    let x: Vec<Complex<f64>> = npy::read_npy_vector(&out).unwrap();
    assert_eq!(x.len(), 200);
}

#[test]
fn bad_inputs_fail_cleanly() {
    let (dir, _) = problem("bad");
    let a = dir.join("A.npy");
    let y = dir.join("y.npy");
    let short: Vec<f64> = vec![1.0; 59];
    npy::write_npy_vector(&dir.join("short.npy"), &short).unwrap();
    let mut nan = vec![1.0; 60];
    nan[4] = f64::NAN;
    npy::write_npy_vector(&dir.join("nan.npy"), &nan).unwrap();
    let (short_p, nan_p, yc_p, missing_p) = (
        dir.join("short.npy"),
        dir.join("nan.npy"),
        dir.join("yc.npy"),
        dir.join("missing.npy"),
    );
    let out_dir = scratch_dir("recover-bad-out");
    let out = out_dir.join("x.npy");
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            vec!["--solver", "omp", "--measurements", s(&short_p)],
            vec!["59", "60 rows"],
        ),
        (
            vec![
                "--solver",
                "omp",
                "--sparsity",
                "3",
                "--measurements",
                s(&nan_p),
            ],
            vec!["non-finite", "index 4"],
        ),
        (
            vec!["--solver", "iht", "--measurements", s(&y)],
            vec!["--sparsity"],
        ),
        (
            vec!["--solver", "cosamp", "--measurements", s(&y)],
            vec!["--sparsity"],
        ),
        (
            vec!["--solver", "fista", "--measurements", s(&y)],
            vec!["--lambda"],
        ),
        (
            vec!["--solver", "cd", "--measurements", s(&y)],
            vec!["--lambda"],
        ),
        (
            vec!["--solver", "omp", "--measurements", s(&y)],
            vec!["--sparsity or --tol"],
        ),
        (
            vec![
                "--solver",
                "fista",
                "--lambda",
                "-1",
                "--measurements",
                s(&y),
            ],
            vec!["--lambda", "≥ 0"],
        ),
        (
            vec![
                "--solver",
                "iht",
                "--sparsity",
                "61",
                "--measurements",
                s(&y),
            ],
            vec!["k", "m = 60"],
        ),
        (
            vec![
                "--solver",
                "cd",
                "--lambda",
                "0.1",
                "--measurements",
                s(&yc_p),
            ],
            vec!["real data only"],
        ),
        (
            vec![
                "--solver",
                "omp",
                "--sparsity",
                "3",
                "--measurements",
                s(&missing_p),
            ],
            vec!["missing.npy"],
        ),
        (
            vec![
                "--solver",
                "fista",
                "--lambda",
                "0.1",
                "--iters",
                "0",
                "--measurements",
                s(&y),
            ],
            vec!["--iters"],
        ),
        (
            vec!["--solver", "nope", "--measurements", s(&y)],
            vec!["nope"],
        ),
    ];
    for (extra, needles) in cases {
        let mut args = vec!["recover", "--matrix", s(&a), "--out", s(&out)];
        args.extend(extra);
        assert_fails_leaving_nothing(&cstk(&args), &needles, &out_dir);
    }
    let bad_out = out_dir.join("x.txt");
    let o = cstk(&[
        "recover",
        "--matrix",
        s(&a),
        "--measurements",
        s(&y),
        "--solver",
        "admm-bp",
        "--out",
        s(&bad_out),
    ]);
    assert_fails_leaving_nothing(&o, &["--out", ".npy"], &out_dir);
}
