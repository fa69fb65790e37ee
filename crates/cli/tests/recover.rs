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
        let mut flags = vec!["--solver", solver];
        flags.extend(extra);
        let o = recover_with(&a, &y, &out, &flags);
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
    let o = recover_with(
        &dir.join("A.npy"),
        &dir.join("yc.npy"),
        &out,
        &["--solver", "omp", "--sparsity", "6", "--json"],
    );
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
    let o = recover_with(&a, &y, &bad_out, &["--solver", "admm-bp"]);
    assert_fails_leaving_nothing(&o, &["--out", ".npy"], &out_dir);
}

/// Whether `--device cuda` can run here (a build with the feature and a usable GPU).
fn gpu_present() -> bool {
    #[cfg(feature = "cuda")]
    {
        cstk_linop::gpu::Gpu::new(0).is_ok()
    }
    #[cfg(not(feature = "cuda"))]
    {
        false
    }
}

/// What the `--device cuda` error must say on a machine where it cannot run.
fn no_gpu_needles() -> Vec<&'static str> {
    #[cfg(feature = "cuda")]
    {
        if cstk_linop::gpu::driver_present() {
            vec!["--device cuda", "GPU"]
        } else {
            vec!["--device cuda", "libcuda.so"]
        }
    }
    #[cfg(not(feature = "cuda"))]
    {
        vec![
            "--device cuda",
            "built without GPU support",
            "cargo build --release --features cuda",
        ]
    }
}

/// The shared problem with A also as a Matrix Market file (`A.mtx`), via `cstk convert`.
fn sparse_problem(name: &str) -> (PathBuf, Vec<f64>) {
    let (dir, x) = problem(name);
    let o = cstk(&["convert", s(&dir.join("A.npy")), s(&dir.join("A.mtx"))]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    (dir, x)
}

/// `cstk recover` on A.mtx and y.npy with `extra` flags, writing `out`.
fn recover_mtx(dir: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    recover_with(&dir.join("A.mtx"), &dir.join("y.npy"), out, extra)
}

/// `cstk recover --matrix a --measurements y --out out` with `extra` flags.
fn recover_with(a: &Path, y: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "recover",
        "--matrix",
        s(a),
        "--measurements",
        s(y),
        "--out",
        s(out),
    ];
    args.extend(extra);
    cstk(&args)
}

#[test]
fn device_cpu_is_the_default() {
    let (dir, _) = sparse_problem("device-cpu");
    let flags = ["--solver", "fista", "--lambda", "1e-3", "--json"];
    let (plain, cpu) = (dir.join("x_plain.npy"), dir.join("x_cpu.npy"));
    let o1 = recover_mtx(&dir, &plain, &flags);
    let o2 = recover_mtx(&dir, &cpu, &[&flags[..], &["--device", "cpu"]].concat());
    assert!(o1.status.success(), "{}", common::stderr(&o1));
    assert!(o2.status.success(), "{}", common::stderr(&o2));
    let mut r1: serde_json::Value = serde_json::from_str(&stdout(&o1)).unwrap();
    let mut r2: serde_json::Value = serde_json::from_str(&stdout(&o2)).unwrap();
    assert_eq!(r1["device"], "cpu");
    for r in [&mut r1, &mut r2] {
        let r = r.as_object_mut().unwrap();
        r.remove("seconds");
        r.remove("out");
    }
    assert_eq!(r1, r2);
    assert_eq!(std::fs::read(&plain).unwrap(), std::fs::read(&cpu).unwrap());
    // the text line is the CPU's as before: no device named
    let o = recover_mtx(&dir, &cpu, &["--solver", "iht", "--sparsity", "6"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(!stdout(&o).contains(" s on "), "{}", stdout(&o));
}

#[test]
fn device_cuda_runs_or_fails_clearly() {
    let (dir, x) = sparse_problem("device-cuda");
    let out_dir = scratch_dir("recover-device-cuda-out");
    for flags in [
        vec![
            "--solver", "fista", "--lambda", "1e-4", "--tol", "1e-10", "--iters", "20000",
        ],
        vec!["--solver", "ista", "--lambda", "1e-2", "--iters", "300"],
        vec!["--solver", "iht", "--sparsity", "6"],
    ] {
        let cpu = dir.join("x_cpu.npy");
        let o = recover_mtx(&dir, &cpu, &[&flags[..], &["--json"]].concat());
        assert!(o.status.success(), "{}", common::stderr(&o));
        let cpu_report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let out = out_dir.join("x.npy");
        let o = recover_mtx(
            &dir,
            &out,
            &[&flags[..], &["--device", "cuda", "--json"]].concat(),
        );
        if gpu_present() {
            assert!(o.status.success(), "{flags:?}: {}", common::stderr(&o));
            let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
            assert_ne!(report["device"], "cpu");
            assert_eq!(report["iterations"], cpu_report["iterations"], "{flags:?}");
            let (g, c): (Vec<f64>, Vec<f64>) = (
                npy::read_npy_vector(&out).unwrap(),
                npy::read_npy_vector(&cpu).unwrap(),
            );
            for (i, (g, c)) in g.iter().zip(&c).enumerate() {
                assert!((g - c).abs() <= 1e-10, "{flags:?}: x[{i}] {g} vs {c}");
            }
            if flags[1] == "fista" {
                assert!(rel_err(&out, &x) < 1e-3);
            }
            std::fs::remove_file(&out).unwrap();
        } else {
            assert_fails_leaving_nothing(&o, &no_gpu_needles(), &out_dir);
        }
    }
}

#[test]
fn device_cuda_refusals_come_before_the_gpu() {
    let (dir, _) = sparse_problem("device-refuse");
    let out_dir = scratch_dir("recover-device-refuse-out");
    let out = out_dir.join("x.npy");
    let (a_npy, a_mtx, y, yc) = (
        dir.join("A.npy"),
        dir.join("A.mtx"),
        dir.join("y.npy"),
        dir.join("yc.npy"),
    );
    let feature = cfg!(feature = "cuda");
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            vec![
                "--matrix",
                s(&a_npy),
                "--measurements",
                s(&y),
                "--solver",
                "fista",
                "--lambda",
                "0.1",
            ],
            vec!["--device cuda", "A.npy", "dense", "Matrix Market (.mtx)"],
        ),
        (
            vec![
                "--matrix",
                s(&a_mtx),
                "--measurements",
                s(&yc),
                "--solver",
                "fista",
                "--lambda",
                "0.1",
            ],
            vec!["--device cuda", "yc.npy", "complex"],
        ),
        (
            vec![
                "--matrix",
                s(&a_mtx),
                "--measurements",
                s(&y),
                "--solver",
                "omp",
                "--sparsity",
                "6",
            ],
            vec!["--device cuda", "--solver omp", "fista, ista and iht"],
        ),
        (
            vec![
                "--matrix",
                s(&a_mtx),
                "--measurements",
                s(&y),
                "--solver",
                "cd",
                "--lambda",
                "0.1",
            ],
            vec!["--device cuda", "--solver cd", "fista, ista and iht"],
        ),
        (
            vec![
                "--matrix",
                s(&a_mtx),
                "--measurements",
                s(&y),
                "--solver",
                "fista",
            ],
            vec!["--lambda"],
        ),
        (
            vec![
                "--matrix",
                s(&a_mtx),
                "--measurements",
                s(&y),
                "--solver",
                "iht",
                "--sparsity",
                "6",
                "--tol",
                "-1",
            ],
            vec!["--tol"],
        ),
    ];
    for (extra, needles) in cases {
        let mut args = vec!["recover", "--device", "cuda", "--out", s(&out)];
        args.extend(extra);
        let expected = if feature { needles } else { no_gpu_needles() };
        assert_fails_leaving_nothing(&cstk(&args), &expected, &out_dir);
    }
    let o = recover_with(&a_mtx, &y, &out, &["--device", "tpu", "--solver", "iht"]);
    assert_fails_leaving_nothing(&o, &["tpu", "cpu", "cuda"], &out_dir);
}
