//! `cstk prune`: every method on a safetensors file with F32 and F16 tensors — exact
//! sparsity, dtypes kept, untouched tensors unchanged, the N:M pattern — and clean failures.

mod common;

use common::{assert_fails_leaving_nothing, cstk, s, scratch_dir, stdout};
use cstk_linop::io::safetensors::{Dtype, Tensor, read_safetensors, write_safetensors};
use cstk_ml::prune::satisfies_nm;

/// fc1.weight [32, 64] F32, fc1.bias [32] F32, fc2.weight [8, 32] F16 (values exact in F16,
/// none zero).
fn weights(dir: &std::path::Path) -> std::path::PathBuf {
    let v = |n: usize, k: usize| -> Vec<f64> {
        (0..n)
            .map(|i| (((i * 7919 + k * 104_729) % 2003) as f64 - 1001.5) / 512.0)
            .collect()
    };
    let t = vec![
        Tensor::new("fc1.weight", vec![32, 64], Dtype::F32, v(2048, 1)).unwrap(),
        Tensor::new("fc1.bias", vec![32], Dtype::F32, v(32, 2)).unwrap(),
        Tensor::new("fc2.weight", vec![8, 32], Dtype::F16, v(256, 3)).unwrap(),
    ];
    let p = dir.join("w.safetensors");
    write_safetensors(&p, &t).unwrap();
    p
}

fn get<'a>(t: &'a [Tensor], name: &str) -> &'a Tensor {
    t.iter().find(|t| t.name == name).unwrap()
}

fn zeros(t: &Tensor) -> usize {
    t.data.iter().filter(|&&v| v == 0.0).count()
}

#[test]
fn methods_hit_their_targets_and_keep_dtypes() {
    let dir = scratch_dir("prune");
    let w = weights(&dir);
    let before = read_safetensors(&w).unwrap();
    let out = dir.join("p.safetensors");
    let run = |extra: &[&str]| {
        let mut a = vec!["prune", "--weights", s(&w), "--out", s(&out)];
        a.extend_from_slice(extra);
        let o = cstk(&a);
        assert!(o.status.success(), "{extra:?}: {}", common::stderr(&o));
        (stdout(&o), read_safetensors(&out).unwrap())
    };
    let (text, after) = run(&["--method", "magnitude", "--sparsity", "0.75"]);
    assert!(
        text.contains("fc1.weight") && text.contains("CSR B"),
        "{text}"
    );
    assert_eq!(zeros(get(&after, "fc1.weight")), 1536);
    assert_eq!(zeros(get(&after, "fc2.weight")), 192);
    assert_eq!(get(&after, "fc2.weight").dtype, Dtype::F16);
    assert_eq!(get(&after, "fc1.bias"), get(&before, "fc1.bias"));
    // Kept weights are unchanged.
    let (b, a) = (get(&before, "fc1.weight"), get(&after, "fc1.weight"));
    assert!(b.data.iter().zip(&a.data).all(|(x, y)| *y == 0.0 || x == y));

    let (_, after) = run(&["--method", "global", "--sparsity", "0.5"]);
    assert_eq!(
        zeros(get(&after, "fc1.weight")) + zeros(get(&after, "fc2.weight")),
        1152
    );

    let (_, after) = run(&["--method", "nm", "--nm", "2:4", "--tensors", "fc*.weight"]);
    for name in ["fc1.weight", "fc2.weight"] {
        let t = get(&after, name);
        let v: Vec<f32> = t.data.iter().map(|&x| x as f32).collect();
        assert!(satisfies_nm(&v, &t.shape, 2, 4), "{name}");
        assert_eq!(zeros(t), t.data.len() / 2);
    }

    let (_, after) = run(&[
        "--method",
        "structured",
        "--sparsity",
        "0.25",
        "--tensors",
        "fc1.weight",
    ]);
    let t = get(&after, "fc1.weight");
    let empty_rows = t
        .data
        .chunks(64)
        .filter(|r| r.iter().all(|&v| v == 0.0))
        .count();
    assert_eq!(empty_rows, 8);
    assert_eq!(get(&after, "fc2.weight"), get(&before, "fc2.weight"));

    let (_, a1) = run(&["--method", "random", "--sparsity", "0.4", "--seed", "1"]);
    let (_, a2) = run(&[
        "--method",
        "random",
        "--sparsity",
        "0.4",
        "--seed",
        "1",
        "--json",
    ]);
    assert_eq!(a1, a2);
    assert_eq!(zeros(get(&a1, "fc1.weight")), 819);
}

#[test]
fn bad_input_fails_and_writes_nothing() {
    let dir = scratch_dir("prune-bad");
    let w = weights(&dir);
    let outdir = dir.join("out");
    std::fs::create_dir_all(&outdir).unwrap();
    let out = outdir.join("p.safetensors");
    let run = |extra: &[&str]| {
        let mut a = vec!["prune", "--weights", s(&w), "--out", s(&out)];
        a.extend_from_slice(extra);
        cstk(&a)
    };
    let bad = |extra: &[&str], needles: &[&str]| {
        assert_fails_leaving_nothing(&run(extra), needles, &outdir)
    };
    bad(
        &["--method", "magnitude", "--sparsity", "1"],
        &["--sparsity 1"],
    );
    bad(&["--method", "magnitude"], &["needs --sparsity"]);
    bad(&["--method", "nm", "--nm", "4:4"], &["--nm", "N < M"]);
    bad(
        &["--method", "nm", "--nm", "3:7", "--tensors", "fc1.weight"],
        &["fc1.weight", "7"],
    );
    bad(
        &[
            "--method",
            "magnitude",
            "--sparsity",
            "0.5",
            "--tensors",
            "fc3.*",
        ],
        &["fc3.*", "fc1.weight"],
    );
    bad(
        &["--method", "structured", "--sparsity", "0.5", "--dim", "5"],
        &["dim"],
    );
    let junk = dir.join("junk.safetensors");
    std::fs::write(&junk, b"not a safetensors file").unwrap();
    let o = cstk(&[
        "prune",
        "--weights",
        s(&junk),
        "--method",
        "random",
        "--sparsity",
        "0.1",
        "--out",
        s(&out),
    ]);
    assert_fails_leaving_nothing(&o, &["junk.safetensors"], &outdir);
}

#[test]
fn calibrated_methods_beat_magnitude_on_correlated_inputs() {
    let dir = scratch_dir("prune-calib");
    let w = weights(&dir);
    // X = 256 × 64 with strongly correlated columns: rank 8 plus a little noise (deterministic).
    let (n, d, r) = (256, 64, 8);
    let z = |i: usize, k: usize| (((i * 31 + k * 17 + i * k * 7) % 97) as f64 - 48.0) / 24.0;
    let a = |k: usize, j: usize| (((k * 13 + j * 29 + k * j * 3) % 89) as f64 - 44.0) / 22.0;
    let x = cstk_linop::nalgebra::DMatrix::from_fn(n, d, |i, j| {
        (0..r).map(|k| z(i, k) * a(k, j)).sum::<f64>() + 0.01 * z(i + 7, j % r)
    });
    let xp = dir.join("x.npy");
    cstk_linop::io::npy::write_npy_matrix(&xp, &x, cstk_linop::io::npy::NpyOrder::C).unwrap();
    let out = dir.join("p.safetensors");
    let err = |method: &str| -> f64 {
        let o = cstk(&[
            "prune",
            "--weights",
            s(&w),
            "--method",
            method,
            "--sparsity",
            "0.5",
            "--tensors",
            "fc1.weight",
            "--calib",
            s(&xp),
            "--out",
            s(&out),
            "--json",
        ]);
        assert!(o.status.success(), "{method}: {}", common::stderr(&o));
        let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let t = &j["tensors"][0];
        assert_eq!(t["sparsity"].as_f64(), Some(0.5));
        t["output_error"].as_f64().unwrap()
    };
    let (mag, wanda, sgpt, omp, lasso) = (
        err("magnitude"),
        err("wanda"),
        err("sparsegpt"),
        err("omp"),
        err("lasso"),
    );
    assert!(
        omp < 0.5 * mag && lasso < 0.5 * mag,
        "{omp} {lasso} vs {mag}"
    );
    assert!(sgpt < wanda, "{sgpt} vs {wanda}");
    // Missing or mismatched calibration is an error.
    let o = cstk(&[
        "prune",
        "--weights",
        s(&w),
        "--method",
        "omp",
        "--sparsity",
        "0.5",
        "--out",
        s(&out),
    ]);
    common::assert_fails(&o, &["--method omp needs --calib"]);
    let o = cstk(&[
        "prune",
        "--weights",
        s(&w),
        "--method",
        "wanda",
        "--sparsity",
        "0.5",
        "--calib",
        s(&xp),
        "--out",
        s(&out),
    ]);
    common::assert_fails(&o, &["width 64", "fc2.weight"]);
}
