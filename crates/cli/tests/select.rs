//! `cstk select`: scikit-learn's answers on the bundled diabetes data, every method and
//! input kind, the output files, and clean failures on bad input.

mod common;
#[path = "../../ml/tests/common/mod.rs"]
mod ml_reference;

use common::{assert_fails, assert_fails_leaving_nothing, cstk, s, scratch_dir, stdout};
use cstk_linop::io::npy;
use ml_reference::{reference, vec};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn read_json(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("selected.json")).unwrap()).unwrap()
}

fn png_size(path: &Path) -> (u32, u32) {
    let img = image::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (img.width(), img.height())
}

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[test]
fn lasso_cv_on_diabetes_csv_matches_sklearn_and_writes_every_output() {
    let dir = scratch_dir("select-lassocv");
    let o = cstk(&[
        "select",
        "--data",
        "data/diabetes.csv",
        "--target",
        "target",
        "--out",
        s(&dir),
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(
        stdout(&o).contains("10 of 10 features selected"),
        "{}",
        stdout(&o)
    );
    let r = reference();
    let case = &r["diabetes_raw_default"];
    let j = read_json(&dir);
    assert_eq!(j["method"], "lasso-cv");
    assert_eq!(
        (j["n_samples"].as_u64(), j["n_features"].as_u64()),
        (Some(442), Some(10))
    );
    let alpha = case["alpha"].as_f64().unwrap();
    assert!((j["alpha"].as_f64().unwrap() - alpha).abs() < 1e-12 * alpha);
    let names: Vec<&str> = j["selected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"
        ]
    );
    // Both solvers stop at scikit-learn's default tolerance (relative gap 1e-4).
    let coef = npy::read_npy_vector::<f64>(&dir.join("coef.npy")).unwrap();
    let sk = vec(&case["coef"]);
    assert!(max_abs_diff(&coef, &sk) < 0.05 * sk.iter().fold(0.0f64, |m, v| m.max(v.abs())));
    let cv = &j["cv"];
    assert_eq!(cv["folds"].as_u64(), Some(5));
    assert_eq!(cv["alphas"].as_array().unwrap().len(), 100);
    let sk_mean: Vec<f64> = case["mse_path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| vec(row).iter().sum::<f64>() / 5.0)
        .collect();
    let ours = vec(&cv["mean"]);
    assert!(max_abs_diff(&ours, &sk_mean) < 1e-3 * sk_mean[0]);
    assert_eq!(png_size(&dir.join("path.png")), (960, 540));
    assert_eq!(png_size(&dir.join("cv.png")), (800, 500));
}

#[test]
fn enet_cv_over_ratios_picks_the_lasso_on_diabetes_like_sklearn() {
    let dir = scratch_dir("select-enet");
    let o = cstk(&[
        "select",
        "--data",
        "data/diabetes.csv",
        "--target",
        "target",
        "--method",
        "enet-cv",
        "--l1-ratio",
        "0.3,1",
        "--out",
        s(&dir),
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let j = read_json(&dir);
    assert_eq!(j["method"], "enet-cv");
    assert_eq!(vec(&j["l1_ratios"]), [0.3, 1.0]);
    // ρ = 1 wins: the LassoCV answer (scikit-learn's alpha_ on this data).
    assert_eq!(j["l1_ratio"].as_f64(), Some(1.0));
    let alpha = reference()["diabetes_raw_default"]["alpha"]
        .as_f64()
        .unwrap();
    assert!((j["alpha"].as_f64().unwrap() - alpha).abs() < 1e-12 * alpha);
}

#[test]
fn single_alpha_is_sklearns_lasso() {
    let dir = scratch_dir("select-alpha");
    let o = cstk(&[
        "select",
        "--data",
        "data/diabetes.csv",
        "--target",
        "target",
        "--alpha",
        "0.5",
        "--tol",
        "1e-12",
        "--out",
        s(&dir),
        "--json",
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let j: Value = serde_json::from_str(&stdout(&o)).expect("--json prints JSON");
    assert_eq!(j["method"], "lasso");
    assert_eq!(j, read_json(&dir).as_object().map(|_| j.clone()).unwrap());
    let r = reference();
    let case = &r["diabetes_raw_lasso"];
    let coef = npy::read_npy_vector::<f64>(&dir.join("coef.npy")).unwrap();
    assert!(max_abs_diff(&coef, &vec(&case["coef"])) < 1e-7);
    let b = case["intercept"].as_f64().unwrap();
    assert!((j["intercept"].as_f64().unwrap() - b).abs() < 1e-7 * b.abs());
    assert!(dir.join("path.png").exists() && !dir.join("cv.png").exists());
}

#[test]
fn standardized_one_standard_error_selects_fewer_features() {
    let dir = scratch_dir("select-1se");
    let o = cstk(&[
        "select",
        "--data",
        "data/diabetes.csv",
        "--target",
        "target",
        "--standardize",
        "true",
        "--rule",
        "1se",
        "--out",
        s(&dir),
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let j = read_json(&dir);
    assert_eq!(j["rule"], "1se");
    let n = j["n_selected"].as_u64().unwrap();
    assert!((3..10).contains(&n), "{n}");
    let names: Vec<&str> = j["selected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"bmi") && names.contains(&"s5"), "{names:?}");
    // coef.npy is in the original units: coef_original = coef / scale.
    let coef = npy::read_npy_vector::<f64>(&dir.join("coef.npy")).unwrap();
    for e in j["selected"].as_array().unwrap() {
        let k = e["index"].as_u64().unwrap() as usize;
        assert_eq!(coef[k], e["coef_original"].as_f64().unwrap());
    }
}

/// The diabetes CSV with a binary target column `high` (progression above 140) in place of
/// the numeric one.
fn binary_csv(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(common::workspace_root().join("data/diabetes.csv")).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let (head, last) = line.rsplit_once(',').unwrap();
        let cell = if i == 0 {
            "high".to_string()
        } else {
            u8::from(last.parse::<f64>().unwrap() > 140.0).to_string()
        };
        out.push_str(&format!("{head},{cell}\n"));
    }
    let p = dir.join("binary.csv");
    std::fs::write(&p, out).unwrap();
    p
}

#[test]
fn logistic_l1_and_stability_methods() {
    let dir = scratch_dir("select-logistic");
    let data = binary_csv(&dir);
    let out = dir.join("out");
    let o = cstk(&[
        "select",
        "--data",
        s(&data),
        "--target",
        "high",
        "--method",
        "logistic-l1",
        "--standardize",
        "true",
        "--out",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let j = read_json(&out);
    assert_eq!(j["method"], "logistic-l1");
    assert_eq!(j["cv"]["error"], "log_loss");
    assert_eq!(vec(&j["classes"]), [0.0, 1.0]);
    let names: Vec<&str> = j["selected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"bmi") && names.contains(&"s5"), "{names:?}");
    assert!(j["converged"].as_bool().unwrap());
    assert!(out.join("cv.png").exists() && out.join("coef.npy").exists());

    let out2 = dir.join("stab");
    let o = cstk(&[
        "select",
        "--data",
        "data/diabetes.csv",
        "--target",
        "target",
        "--method",
        "stability",
        "--resamples",
        "40",
        "--seed",
        "3",
        "--out",
        s(&out2),
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let j = read_json(&out2);
    assert_eq!(j["method"], "stability");
    let p = npy::read_npy_vector::<f64>(&out2.join("probability.npy")).unwrap();
    assert_eq!(p.len(), 10);
    assert_eq!(p[2], 1.0, "bmi is always selected");
    for e in j["selected"].as_array().unwrap() {
        assert!(e["probability"].as_f64().unwrap() >= 0.6);
    }
    assert!(out2.join("path.png").exists() && !out2.join("coef.npy").exists());
    let out3 = dir.join("stab_bounded");
    let o = cstk(&[
        "select",
        "--data",
        "data/diabetes.csv",
        "--target",
        "target",
        "--method",
        "stability",
        "--resamples",
        "40",
        "--seed",
        "3",
        "--threshold",
        "0.9",
        "--max-false-positives",
        "2",
        "--out",
        s(&out3),
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let b = read_json(&out3);
    assert!(b["expected_false_positives_bound"].as_f64().unwrap() <= 2.0);
    assert!(b["region_alphas"].as_u64().unwrap() < j["region_alphas"].as_u64().unwrap());
    assert!(b["n_selected"].as_u64().unwrap() <= j["n_selected"].as_u64().unwrap());
}

#[test]
fn npy_and_sparse_mtx_inputs() {
    let dir = scratch_dir("select-npy");
    // A p > n problem with a known support: 40 × 120, y = 3 x_7 − 2 x_90 (deterministic X).
    let (n, p) = (40, 120);
    let x = cstk_linop::nalgebra::DMatrix::from_fn(n, p, |i, j| {
        ((((i * 7919 + j * 104_729 + i * j * 31) % 1009) as f64) / 1009.0 - 0.5) * 4.0
    });
    let y: Vec<f64> = (0..n).map(|i| 3.0 * x[(i, 7)] - 2.0 * x[(i, 90)]).collect();
    let xp = dir.join("x.npy");
    let yp = dir.join("y.npy");
    npy::write_npy_matrix(&xp, &x, npy::NpyOrder::C).unwrap();
    npy::write_npy_vector(&yp, &y).unwrap();
    let out = dir.join("out");
    let o = cstk(&[
        "select",
        "--data",
        s(&xp),
        "--target",
        s(&yp),
        "--out",
        s(&out),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let j = read_json(&out);
    let idx: Vec<u64> = j["selected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["index"].as_u64().unwrap())
        .collect();
    assert!(idx.contains(&7) && idx.contains(&90), "{idx:?}");
    assert_eq!(
        j["selected"][0]["name"].as_str().unwrap(),
        format!("x{}", idx[0])
    );
    // The same matrix as a sparse Matrix Market file: the same selection.
    let mut mtx = format!(
        "%%MatrixMarket matrix coordinate real general\n{n} {p} {}\n",
        n * p
    );
    for jj in 0..p {
        for i in 0..n {
            mtx.push_str(&format!("{} {} {:e}\n", i + 1, jj + 1, x[(i, jj)]));
        }
    }
    let mp = dir.join("x.mtx");
    std::fs::write(&mp, mtx).unwrap();
    let out2 = dir.join("out2");
    let o = cstk(&[
        "select",
        "--data",
        s(&mp),
        "--target",
        s(&yp),
        "--out",
        s(&out2),
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let j2 = read_json(&out2);
    assert_eq!(j2["sparse_input"], true);
    assert_eq!(j2["n_selected"], j["n_selected"]);
    let (a, b) = (
        npy::read_npy_vector::<f64>(&out.join("coef.npy")).unwrap(),
        npy::read_npy_vector::<f64>(&out2.join("coef.npy")).unwrap(),
    );
    assert!(max_abs_diff(&a, &b) < 1e-6);
    // A column index of the .npy as the target.
    let out3 = dir.join("out3");
    let o = cstk(&[
        "select",
        "--data",
        s(&xp),
        "--target",
        "7",
        "--alpha",
        "0.01",
        "--out",
        s(&out3),
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert_eq!(read_json(&out3)["n_features"].as_u64(), Some(119));
}

#[test]
fn bad_csvs_and_flags_fail_with_line_numbers_and_leave_nothing() {
    let dir = scratch_dir("select-bad");
    let out = dir.join("out");
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let run = |data: &Path, extra: &[&str]| {
        let mut a = vec!["select", "--data", s(data), "--out", s(&out)];
        a.extend_from_slice(extra);
        cstk(&a)
    };
    let ragged = write("ragged.csv", "a,b,y\n1,2,3\n4,5\n6,7,8\n");
    let o = run(&ragged, &["--target", "y"]);
    assert_fails(&o, &["ragged.csv:3", "2 fields, expected 3"]);
    assert!(!out.exists());
    let text = write("text.csv", "a,b,y\n1,2,3\n4,x5,6\n");
    assert_fails(
        &run(&text, &["--target", "y"]),
        &["text.csv:3", "\"b\"", "x5"],
    );
    let ok = write(
        "ok.csv",
        "a,b,y\n1,2,3\n4,5,6\n7,8,9\n1,0,1\n2,2,2\n3,1,0\n",
    );
    assert_fails(
        &run(&ok, &["--target", "price"]),
        &["price", r#""a", "b", "y""#],
    );
    assert_fails(&run(&ok, &["--target", "y", "--folds", "1"]), &["--folds"]);
    assert_fails(
        &run(&ok, &["--target", "y", "--folds", "9"]),
        &["folds", "9"],
    );
    assert_fails(&run(&ok, &["--target", "y", "--alpha", "-1"]), &["--alpha"]);
    assert_fails(&run(&ok, &["--target", "y", "--tol", "nan"]), &["--tol"]);
    assert_fails(
        &run(&ok, &["--target", "y", "--method", "logistic-l1"]),
        &["two classes"],
    );
    assert_fails(&run(&ok, &["--target", "y", "--method", "nope"]), &["nope"]);
    assert_fails(
        &run(&dir.join("missing.csv"), &["--target", "y"]),
        &["missing.csv"],
    );
    assert_fails(
        &run(&write("x.txt", "1"), &["--target", "y"]),
        &["unsupported file type"],
    );
    assert_fails(
        &run(&write("empty.csv", ""), &["--target", "y"]),
        &["empty.csv"],
    );
    let short = dir.join("short.npy");
    npy::write_npy_vector(&short, &[1.0, 2.0]).unwrap();
    assert_fails(&run(&ok, &["--target", s(&short)]), &["2 values", "6 rows"]);
    let l1 = |m: &str, r: &str| run(&ok, &["--target", "y", "--method", m, "--l1-ratio", r]);
    assert_fails(&l1("lasso-cv", "0.5"), &["--l1-ratio is for"]);
    assert_fails(&l1("stability", "0.5,1"), &["single value"]);
    assert_fails(&l1("enet-cv", "0.5,1.5"), &["--l1-ratio 1.5"]);
    let mfp = run(
        &ok,
        &[
            "--target",
            "y",
            "--method",
            "stability",
            "--max-false-positives",
            "0",
        ],
    );
    assert_fails(&mfp, &["--max-false-positives 0"]);
    assert!(!out.exists(), "no output directory after failures");
    // A failure inside an existing output directory leaves it as it was.
    std::fs::create_dir_all(&out).unwrap();
    assert_fails_leaving_nothing(&run(&ragged, &["--target", "y"]), &["ragged.csv:3"], &out);
}
