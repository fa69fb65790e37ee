//! Runs the `cstk` binary as a user would: the README quick start, conversions, and every
//! bad-input case (one clear line on stderr, exit code 2, no output file left behind).

use cstk_linop::io::{mtx, npy};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cstk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cstk"))
        .args(args)
        .current_dir(workspace_root())
        .output()
        .expect("run cstk")
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh directory for one test.
fn scratch_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cstk-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Asserts a failed run: exit code 2 and one `error:` line mentioning every `needle`.
fn assert_fails(o: &Output, needles: &[&str]) {
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(o));
    let err = stderr(o);
    assert!(err.starts_with("error: "), "stderr: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line expected: {err}"
    );
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn info_on_the_bundled_matrix() {
    let o = cstk(&["info", "data/poisson2d_32.mtx"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("shape       1024 x 1024"), "{out}");
    assert!(out.contains("stored      4992 entries"), "{out}");
    assert!(out.contains("symmetry    symmetric"), "{out}");

    let o = cstk(&["info", "data/poisson2d_32.mtx", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["nrows"], 1024);
    assert_eq!(v["nnz"], 4992);
    assert_eq!(v["row_nnz"]["max"], 5);
    assert_eq!(v["memory_bytes"]["CSR"], 1025 * 8 + 4992 * 12);
    // largest eigenvalue of the 2-D Laplacian: 8 sin²(32π/66)
    let exact = 8.0 * (32.0 * std::f64::consts::PI / 66.0).sin().powi(2);
    let est = v["norm2_estimate"]["value"].as_f64().unwrap();
    assert!((est - exact).abs() < 1e-6 * exact, "{est} vs {exact}");
    assert_eq!(v["norm2_estimate"]["converged"], true);
}

#[test]
fn convert_round_trips_through_npy_and_mtx() {
    let d = scratch_dir("convert");
    let npy_path = d.join("a.npy");
    let mtx_path = d.join("a.mtx");
    let o = cstk(&[
        "convert",
        "data/poisson2d_32.mtx",
        npy_path.to_str().unwrap(),
        "--order",
        "fortran",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = cstk(&[
        "convert",
        npy_path.to_str().unwrap(),
        mtx_path.to_str().unwrap(),
        "--symmetry",
        "symmetric",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let original =
        mtx::read_mtx_dense::<f64>(&workspace_root().join("data/poisson2d_32.mtx")).unwrap();
    assert_eq!(npy::read_npy_matrix::<f64>(&npy_path).unwrap(), original);
    assert!(npy::read_npy_header(&npy_path).unwrap().fortran_order);
    assert_eq!(mtx::read_mtx_dense::<f64>(&mtx_path).unwrap(), original);
    assert_eq!(
        mtx::read_mtx_header(&mtx_path).unwrap().symmetry,
        mtx::MtxSymmetry::Symmetric
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn complex_npy_is_described_as_complex() {
    let d = scratch_dir("complex");
    let p = d.join("c.npy");
    let vals: Vec<cstk_linop::Complex<f64>> = (0..6)
        .map(|k| cstk_linop::Complex::new(k as f64, 1.0 - k as f64))
        .collect();
    npy::write_npy(&p, &[2, 3], &vals, npy::NpyOrder::C).unwrap();
    let o = cstk(&["info", p.to_str().unwrap(), "--json", "--no-norm"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["dtype"], "complex128");
    assert_eq!(v["nnz"], 6);
    assert!(v.get("norm2_estimate").is_none());
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn bad_inputs_fail_cleanly() {
    let d = scratch_dir("bad");
    let path = |n: &str| d.join(n).to_str().unwrap().to_owned();

    // missing file
    assert_fails(
        &cstk(&["info", &path("missing.mtx")]),
        &["missing.mtx", "No such file"],
    );
    // unsupported extension
    assert_fails(
        &cstk(&["info", "Cargo.toml"]),
        &["Cargo.toml", "expected a .mtx"],
    );
    // malformed Matrix Market: the message names the file and the line
    std::fs::write(
        path("bad.mtx"),
        "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1.0\n3 1 2.0\n",
    )
    .unwrap();
    assert_fails(
        &cstk(&["info", &path("bad.mtx")]),
        &["bad.mtx:4", "row index 3"],
    );
    std::fs::write(
        path("short.mtx"),
        "%%MatrixMarket matrix coordinate real general\n2 2 3\n1 1 1.0\n",
    )
    .unwrap();
    assert_fails(&cstk(&["info", &path("short.mtx")]), &["short.mtx"]);
    std::fs::write(
        path("text.mtx"),
        "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 abc\n",
    )
    .unwrap();
    assert_fails(&cstk(&["info", &path("text.mtx")]), &["text.mtx:3"]);
    // NaN in the data
    std::fs::write(
        path("nan.mtx"),
        "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1.0\n2 2 nan\n",
    )
    .unwrap();
    assert_fails(
        &cstk(&["info", &path("nan.mtx")]),
        &["nan.mtx", "non-finite", "row 2, column 2"],
    );
    // a 1-D array is not a matrix
    npy::write_npy_vector(&d.join("v.npy"), &[1.0f64, 2.0]).unwrap();
    assert_fails(
        &cstk(&["info", &path("v.npy")]),
        &["v.npy", "expected a 2-D array"],
    );
    // garbage .npy
    std::fs::write(path("junk.npy"), b"not a numpy file at all").unwrap();
    assert_fails(&cstk(&["info", &path("junk.npy")]), &["junk.npy"]);
    // empty file
    std::fs::write(path("empty.mtx"), b"").unwrap();
    assert_fails(&cstk(&["info", &path("empty.mtx")]), &["empty.mtx"]);

    // a symmetric header for a non-symmetric matrix: error, and no output file left
    std::fs::write(
        path("ns.mtx"),
        "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 2 1.0\n",
    )
    .unwrap();
    let out = path("out.mtx");
    assert_fails(
        &cstk(&["convert", &path("ns.mtx"), &out, "--symmetry", "symmetric"]),
        &["out.mtx"],
    );
    assert!(!Path::new(&out).exists());
    let leftovers: Vec<_> = std::fs::read_dir(&d)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    // --symmetry with an .npy output is refused before anything is written
    assert_fails(
        &cstk(&[
            "convert",
            "data/poisson2d_32.mtx",
            &path("o.npy"),
            "--symmetry",
            "symmetric",
        ]),
        &["--symmetry"],
    );
    assert!(!d.join("o.npy").exists());

    // unknown flags and values: clap's usage error, exit code 2
    let o = cstk(&["info", "data/poisson2d_32.mtx", "--bogus"]);
    assert_eq!(o.status.code(), Some(2));
    let o = cstk(&[
        "convert",
        "data/poisson2d_32.mtx",
        &path("x.npy"),
        "--order",
        "z",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!d.join("x.npy").exists());
    std::fs::remove_dir_all(&d).unwrap();
}
