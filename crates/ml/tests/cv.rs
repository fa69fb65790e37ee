//! `ElasticNetCv` against scikit-learn's `LassoCV` / `ElasticNetCV` with the same folds
//! (tests/data/reference.json, made by tests/data/make_reference.py), plus the CV rules,
//! folds, determinism and errors.

mod common;

use common::{index_sets, reference, vec};
use cstk_linop::{CsrMatrix, Error};
use cstk_ml::{CvRule, ElasticNetCv, Features, Folds, SelectionReport};
use nalgebra::DMatrix;
use serde_json::Value;
use std::path::Path;

fn mat(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().unwrap().iter().map(vec).collect()
}

fn diabetes(r: &Value, key: &str) -> (Features, Vec<f64>) {
    let (n, p) = (442, 10);
    let x = DMatrix::from_column_slice(n, p, &vec(&r[key]["X_colmajor"]));
    (Features::dense(x), vec(&r[key]["y"]))
}

fn max_rel(a: &[f64], b: &[f64]) -> f64 {
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
        / scale
}

/// Grid, per-fold MSE path, chosen α and refit coefficients all equal scikit-learn's.
fn assert_matches(fit: &cstk_ml::CvFit, case: &Value, curve: usize, tol_mse: f64, tol_coef: f64) {
    let c = &fit.curves[curve];
    let alphas = vec(&case["alphas"]);
    let alphas = if alphas.len() == c.alphas.len() {
        alphas
    } else {
        // ElasticNetCV: one grid per l1_ratio.
        mat(&case["alphas"])[curve].clone()
    };
    assert!(max_rel(&c.alphas, &alphas) < 1e-12, "alpha grid");
    let mse = mat(&case["mse_path"]);
    let mse = if mse.len() == c.alphas.len() {
        mse
    } else {
        let all = case["mse_path"].as_array().unwrap();
        mat(&all[curve])
    };
    for (k, row) in mse.iter().enumerate() {
        let ours: Vec<f64> = c.errors.row(k).iter().copied().collect();
        assert!(
            max_rel(&ours, row) < tol_mse,
            "mse row {k}: {ours:?} vs {row:?}"
        );
    }
    let alpha = case["alpha"].as_f64().unwrap();
    assert!(
        (fit.alpha - alpha).abs() <= 1e-12 * alpha,
        "{} vs {alpha}",
        fit.alpha
    );
    let coef = vec(&case["coef"]);
    assert!(
        max_rel(&fit.coef, &coef) < tol_coef,
        "{:?} vs {coef:?}",
        fit.coef
    );
    let b = case["intercept"].as_f64().unwrap();
    assert!((fit.intercept - b).abs() < tol_coef * (1.0 + b.abs()));
}

#[test]
fn lasso_cv_matches_sklearn_on_diabetes() {
    let r = reference();
    let (x, y) = diabetes(&r, "diabetes");
    let fit = ElasticNetCv::lasso()
        .tol(1e-12)
        .max_iter(100_000)
        .fit(&x, &y)
        .unwrap();
    assert_matches(&fit, &r["diabetes_tight"], 0, 1e-8, 1e-8);
    assert!(fit.stop.converged());
}

#[test]
fn lasso_cv_with_default_tolerance_chooses_sklearns_alpha() {
    let r = reference();
    let (x, y) = diabetes(&r, "diabetes");
    let fit = ElasticNetCv::lasso().fit(&x, &y).unwrap();
    // Both stop at a relative duality gap of 1e-4, by different iterations: the curves
    // agree to that accuracy and the choice is the same.
    assert_matches(&fit, &r["diabetes_default"], 0, 2e-3, 2e-3);
}

#[test]
fn standardized_pipeline_matches_sklearn() {
    let r = reference();
    let (x, y) = diabetes(&r, "diabetes_raw");
    let fit = ElasticNetCv::lasso()
        .standardize(true)
        .tol(1e-12)
        .max_iter(100_000)
        .fit(&x, &y)
        .unwrap();
    let case = &r["diabetes_raw_std"];
    let s = fit.standardizer.as_ref().unwrap();
    assert!(max_rel(&s.mean, &vec(&case["mean"])) < 1e-14);
    assert!(max_rel(&s.scale, &vec(&case["scale"])) < 1e-14);
    assert_matches(&fit, case, 0, 1e-8, 1e-8);
    let (w, b) = fit.coef_original();
    assert!(max_rel(&w, &vec(&case["coef_original"])) < 1e-8);
    let b_ref = case["intercept_original"].as_f64().unwrap();
    assert!((b - b_ref).abs() < 1e-8 * b_ref.abs());
}

#[test]
fn elastic_net_cv_matches_sklearn() {
    let r = reference();
    let (x, y) = diabetes(&r, "diabetes");
    let case = &r["diabetes_enet"];
    let fit = ElasticNetCv::default()
        .l1_ratios(vec![0.1, 0.5, 0.9, 1.0])
        .tol(1e-12)
        .max_iter(100_000)
        .fit(&x, &y)
        .unwrap();
    assert_eq!(fit.l1_ratio, case["l1_ratio"].as_f64().unwrap());
    for l in 0..4 {
        let grid = &mat(&case["alphas"])[l];
        assert!(max_rel(&fit.curves[l].alphas, grid) < 1e-12);
        let mse = mat(&case["mse_path"][l]);
        for (k, row) in mse.iter().enumerate() {
            let ours: Vec<f64> = fit.curves[l].errors.row(k).iter().copied().collect();
            assert!(max_rel(&ours, row) < 1e-8, "l1 {l} row {k}");
        }
    }
    assert!((fit.alpha - case["alpha"].as_f64().unwrap()).abs() < 1e-12 * fit.alpha);
    assert!(max_rel(&fit.coef, &vec(&case["coef"])) < 1e-8);
}

#[test]
fn explicit_shuffled_folds_match_sklearn() {
    let r = reference();
    let (x, y) = diabetes(&r, "diabetes");
    let case = &r["diabetes_shuffled"];
    let sets = index_sets(&case["test_sets"]);
    let fit = ElasticNetCv::lasso()
        .folds(Folds::explicit(sets))
        .tol(1e-12)
        .max_iter(100_000)
        .fit(&x, &y)
        .unwrap();
    assert_matches(&fit, case, 0, 1e-8, 1e-8);
}

#[test]
fn p_much_larger_than_n_recovers_the_support_like_sklearn() {
    let r = reference();
    let case = &r["synthetic"];
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/synthetic_X.npy");
    // Row-major 60 × 500 in the file; read_npy_matrix returns it as a matrix.
    let x = cstk_linop::io::npy::read_npy_matrix::<f64>(Path::new(path)).unwrap();
    assert_eq!(x.shape(), (60, 500));
    let y = vec(&case["y"]);
    let features = Features::dense(x);
    let fit = ElasticNetCv::lasso()
        .tol(1e-12)
        .max_iter(100_000)
        .full_path(true)
        .fit(&features, &y)
        .unwrap();
    assert_matches(&fit, case, 0, 1e-7, 1e-7);
    let report = SelectionReport::from_cv(&fit, &features, false);
    let sk_support: Vec<usize> = vec(&case["coef"])
        .iter()
        .enumerate()
        .filter(|(_, c)| c.abs() > 1e-5)
        .map(|(j, _)| j)
        .collect();
    assert_eq!(report.selected, sk_support);
    // The true support is recovered (LassoCV may add a few small false positives).
    let truth: Vec<usize> = case["support"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    assert!(truth.iter().all(|j| report.selected.contains(j)));
    let w_true = vec(&case["w_true"]);
    for &j in &truth {
        assert!((fit.coef[j] - w_true[j]).abs() < 0.2 * w_true[j].abs());
    }
    // The reported path is the whole-data path on the CV grid.
    let p = report.path.unwrap();
    assert_eq!((p.coefs.nrows(), p.alphas.len()), (500, 100));
    assert!(p.coefs.column(0).iter().all(|&c| c == 0.0));
}

#[test]
fn sparse_csr_input_matches_sklearn() {
    let r = reference();
    let case = &r["sparse"];
    let idx = |k: &str| -> Vec<u64> {
        case[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect()
    };
    let csr = CsrMatrix::try_from_raw_parts(
        120,
        80,
        idx("indptr").iter().map(|&v| v as usize).collect(),
        idx("indices").iter().map(|&v| v as u32).collect(),
        vec(&case["data"]),
    )
    .unwrap();
    let y = vec(&case["y"]);
    let cv = ElasticNetCv::lasso().tol(1e-12).max_iter(100_000);
    let sparse = cv.fit(&Features::from_csr(&csr), &y).unwrap();
    assert_matches(&sparse, case, 0, 1e-8, 1e-8);
    let dense = cv.fit(&Features::dense(csr.to_dense()), &y).unwrap();
    assert!(max_rel(&sparse.coef, &dense.coef) < 1e-9);
}

#[test]
fn one_standard_error_rule_picks_a_sparser_model() {
    let r = reference();
    let (x, y) = diabetes(&r, "diabetes");
    let min = ElasticNetCv::lasso().fit(&x, &y).unwrap();
    let se = ElasticNetCv::lasso()
        .rule(CvRule::OneStandardError)
        .fit(&x, &y)
        .unwrap();
    let c = se.curve();
    assert_eq!(se.alpha, c.alpha_1se());
    assert!(se.alpha > min.alpha);
    assert!(c.mean[c.index_1se] <= c.mean[c.index_min] + c.se[c.index_min]);
    if c.index_1se > 0 {
        let k = c.index_1se - 1;
        assert!(c.mean[k] > c.mean[c.index_min] + c.se[c.index_min]);
    }
    let nnz = |w: &[f64]| w.iter().filter(|v| **v != 0.0).count();
    assert!(nnz(&se.coef) < nnz(&min.coef));
}

#[test]
fn shuffled_folds_are_seeded_and_results_thread_independent() {
    let r = reference();
    let (x, y) = diabetes(&r, "diabetes");
    let cv = ElasticNetCv::lasso().folds(Folds::shuffled(4, 7));
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| cv.fit(&x, &y).unwrap())
    };
    let (a, b) = (run(1), run(3));
    assert_eq!(a, b);
    let other = ElasticNetCv::lasso()
        .folds(Folds::shuffled(4, 8))
        .fit(&x, &y)
        .unwrap();
    assert_ne!(a.curves[0].errors, other.curves[0].errors);
}

#[test]
fn bad_input_is_an_error_naming_it() {
    let x = Features::dense(DMatrix::from_fn(10, 3, |i, j| (i * j) as f64));
    let y = vec![1.0; 10];
    let msg = |e: Error| e.to_string();
    assert!(msg(ElasticNetCv::lasso().fit(&x, &y[..9]).unwrap_err()).contains("target y"));
    let mut ynan = y.clone();
    ynan[4] = f64::NAN;
    assert!(msg(ElasticNetCv::lasso().fit(&x, &ynan).unwrap_err()).contains("sample 4"));
    let e = ElasticNetCv::lasso()
        .folds(Folds::kfold(11))
        .fit(&x, &y)
        .unwrap_err();
    assert!(msg(e).contains("folds"));
    let e = ElasticNetCv::default()
        .l1_ratios(vec![0.0])
        .fit(&x, &y)
        .unwrap_err();
    assert!(msg(e).contains("l1_ratio"));
    let e = ElasticNetCv::lasso()
        .folds(Folds::explicit(vec![vec![0, 1], vec![1, 2]]))
        .fit(&x, &y)
        .unwrap_err();
    assert!(msg(e).contains("sample 1 in test set 1"));
    let mut xn = DMatrix::from_fn(10, 3, |i, j| (i + j) as f64);
    xn[(2, 1)] = f64::INFINITY;
    let e = ElasticNetCv::lasso()
        .fit(&Features::dense(xn), &y)
        .unwrap_err();
    assert!(msg(e).contains("inf at row 2, column 1 (\"x1\")"));
}
