//! ℓ₁ logistic regression against scikit-learn's reference solutions
//! (tests/data/logistic/reference.json, made by tests/data/logistic/make_reference.py),
//! dense vs sparse, paths, warm starts, determinism, a problem with a known answer, and
//! error cases.

mod common;

use common::vecf;

use cstk_linop::{CscMatrix, CsrMatrix};
use cstk_solvers::logistic::{
    LogisticL1, LogisticPath, decision_function, logistic_alpha_max, sigmoid,
};
use nalgebra::DMatrix;
use serde_json::Value;

fn reference() -> Value {
    common::json_data("logistic/reference.json")
}

fn dims(v: &Value) -> (usize, usize) {
    (
        v["n"].as_u64().unwrap() as usize,
        v["p"].as_u64().unwrap() as usize,
    )
}

fn dense(v: &Value) -> DMatrix<f64> {
    let (n, p) = dims(v);
    DMatrix::from_row_slice(n, p, &vecf(&v["X_rowmajor"]))
}

fn csr(v: &Value) -> CsrMatrix<f64> {
    let (n, p) = dims(v);
    let u = |k: &str| -> Vec<u64> {
        v[k].as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect()
    };
    CsrMatrix::try_from_raw_parts(
        n,
        p,
        u("indptr").into_iter().map(|x| x as usize).collect(),
        u("indices").into_iter().map(|x| x as u32).collect(),
        vecf(&v["data"]),
    )
    .unwrap()
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).fold(0.0, |m, (x, y)| m.max((x - y).abs()))
}

fn model(case: &Value, n: usize) -> LogisticL1 {
    let c = case["C"].as_f64().unwrap();
    let m = match case["solver"].as_str().unwrap() {
        "liblinear" => LogisticL1::liblinear(c, n, case["intercept_scaling"].as_f64().unwrap()),
        _ => LogisticL1::from_sklearn_c(c, n),
    };
    m.tol(1e-11)
}

/// Checks one fit against scikit-learn's stored solution.
fn check(name: &str, case: &Value, n: usize, fit: &cstk_solvers::logistic::LogisticFit) {
    let c = case["C"].as_f64().unwrap();
    let sk_obj = case["objective"].as_f64().unwrap();
    let ours = fit.objective * n as f64 * c;
    let rel = (ours - sk_obj) / sk_obj.abs();
    assert!(fit.stop.converged(), "{name}: {:?}", fit.stop);
    assert!(
        rel.abs() <= 1e-6,
        "{name}: objective {ours} vs sklearn {sk_obj} (rel {rel:e})"
    );
    assert!(
        rel <= 1e-9,
        "{name}: cstk less optimal than sklearn (rel {rel:e})"
    );
    let coef = vecf(&case["coef"]);
    let d = max_diff(&fit.coef, &coef);
    assert!(d < 1e-4, "{name}: coef differ by {d}");
    let b = case["intercept"].as_f64().unwrap();
    assert!(
        (fit.intercept - b).abs() < 1e-4,
        "{name}: intercept {} vs {b}",
        fit.intercept
    );
    let supp = |w: &[f64]| w.iter().map(|&x| x.abs() > 1e-6).collect::<Vec<_>>();
    assert_eq!(supp(&fit.coef), supp(&coef), "{name}: support");
}

#[test]
fn matches_sklearn_dense() {
    let r = reference();
    for prob in r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p.get("X_rowmajor").is_some())
    {
        let x = dense(prob);
        let y = vecf(&prob["y"]);
        for case in prob["cases"].as_array().unwrap() {
            let fit = model(case, x.nrows()).fit(&x, &y).unwrap();
            let name = format!("{} C={}", case["name"], case["C"]);
            check(&name, case, x.nrows(), &fit);
        }
    }
}

#[test]
fn matches_sklearn_sparse_and_dense_agrees() {
    let r = reference();
    let prob = r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "sparse_csr")
        .unwrap();
    let a = csr(prob);
    let csc: CscMatrix<f64> = a.to_csc();
    let y = vecf(&prob["y"]);
    let dense_x = a.to_dense();
    for case in prob["cases"].as_array().unwrap() {
        let m = model(case, y.len());
        let fit = m.fit(&csc, &y).unwrap();
        check(case["name"].as_str().unwrap(), case, y.len(), &fit);
        let fd = m.fit(&dense_x, &y).unwrap();
        assert!(max_diff(&fit.coef, &fd.coef) < 1e-9);
        assert!((fit.objective - fd.objective).abs() <= 1e-12 * fd.objective);
    }
}

fn synthetic() -> (DMatrix<f64>, Vec<f64>) {
    let r = reference();
    let prob = r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "synthetic")
        .unwrap();
    (dense(prob), vecf(&prob["y"]))
}

#[test]
fn alpha_max_and_path() {
    let (x, y) = synthetic();
    let amax = logistic_alpha_max(&x, &y, true).unwrap();
    // ‖Xᵀ(y − ȳ)‖∞ / n, computed here.
    let ybar = y.iter().sum::<f64>() / y.len() as f64;
    let r: Vec<f64> = y.iter().map(|v| v - ybar).collect();
    let expect = (0..x.ncols())
        .map(|j| {
            x.column(j)
                .iter()
                .zip(&r)
                .map(|(a, b)| a * b)
                .sum::<f64>()
                .abs()
        })
        .fold(0.0, f64::max)
        / y.len() as f64;
    assert!((amax - expect).abs() <= 1e-12 * expect);
    let at = LogisticL1::new(amax).fit(&x, &y).unwrap();
    assert!(at.coef.iter().all(|&c| c == 0.0));
    assert!((at.intercept - (ybar / (1.0 - ybar)).ln()).abs() < 1e-12);
    let below = LogisticL1::new(0.95 * amax).tol(1e-10).fit(&x, &y).unwrap();
    assert!(below.coef.iter().any(|&c| c != 0.0));

    let path = LogisticPath::default()
        .n_alphas(12)
        .eps(1e-2)
        .tol(1e-9)
        .fit(&x, &y)
        .unwrap();
    assert!((path.alphas[0] - amax).abs() <= 1e-15 * amax);
    assert!(path.coefs.column(0).iter().all(|&c| c == 0.0));
    assert!(path.coefs.column(1).iter().any(|&c| c != 0.0));
    assert!(path.stops.iter().all(|s| s.converged()));
    // Each path point equals a cold fit.
    for k in [3, 11] {
        let cold = LogisticL1::new(path.alphas[k])
            .tol(1e-9)
            .fit(&x, &y)
            .unwrap();
        let col: Vec<f64> = path.coefs.column(k).iter().copied().collect();
        assert!((cold.objective - path.objectives[k]).abs() <= 2e-9 * cold.objective);
        assert!(max_diff(&col, &cold.coef) < 1e-3);
    }
    // Nonzero counts grow (roughly) along the path.
    let nnz = |k: usize| path.coefs.column(k).iter().filter(|&&c| c != 0.0).count();
    assert!(nnz(11) > nnz(1));
}

#[test]
fn warm_start_and_thread_invariance() {
    let (x, y) = synthetic();
    let m = LogisticL1::from_sklearn_c(0.5, y.len()).tol(1e-10);
    let cold = m.fit(&x, &y).unwrap();
    let warm = m.fit_warm(&x, &y, &cold.coef, cold.intercept).unwrap();
    assert!(warm.n_iter <= 1, "{}", warm.n_iter);
    assert!(warm.objective <= cold.objective * (1.0 + 1e-12));
    let lib = LogisticL1::liblinear(0.5, y.len(), 10.0).tol(1e-10);
    let run = |t: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .unwrap()
            .install(|| (m.fit(&x, &y).unwrap(), lib.fit(&x, &y).unwrap()))
    };
    let (a, b) = (run(1), run(3));
    assert_eq!(a.0.coef, b.0.coef);
    assert_eq!(a.0.intercept.to_bits(), b.0.intercept.to_bits());
    assert_eq!(a.1.coef, b.1.coef);
    assert_eq!(a.0.objective.to_bits(), b.0.objective.to_bits());
}

/// One feature, no intercept, symmetric data: the minimizer solves
/// `(1/n) Σ x_i (σ(x_i w) − y_i) + α = 0` in closed form for x = ±1, y = [x > 0]:
/// `σ(−w) = α` ⇒ `w = ln((1 − α)/α)`.
#[test]
fn known_answer_and_separable() {
    let x = DMatrix::from_column_slice(4, 1, &[1.0, -1.0, 1.0, -1.0]);
    let y = [1.0, 0.0, 1.0, 0.0];
    for alpha in [0.3, 0.01, 1e-4] {
        let fit = LogisticL1::new(alpha)
            .fit_intercept(false)
            .tol(1e-14)
            .fit(&x, &y)
            .unwrap();
        let w = ((1.0 - alpha) / alpha).ln();
        assert!(
            (fit.coef[0] - w).abs() < 1e-6 * w,
            "{alpha}: {} vs {w}",
            fit.coef[0]
        );
        assert!(fit.stop.converged());
    }
    // Separable with an intercept and tiny α: finite, converged, correct signs.
    let x = DMatrix::from_fn(40, 3, |i, j| ((i * 7 + j * 5) % 13) as f64 - 6.0);
    let y: Vec<f64> = (0..40).map(|i| (x[(i, 0)] > 0.5) as u8 as f64).collect();
    let fit = LogisticL1::new(1e-6).fit(&x, &y).unwrap();
    assert!(fit.stop.converged(), "{:?}", fit.stop);
    assert!(fit.coef.iter().all(|c| c.is_finite()) && fit.coef[0] > 1.0);
    let mut z = vec![0.0; 40];
    decision_function((&x).into(), &fit.coef, fit.intercept, &mut z).unwrap();
    assert!(z.iter().zip(&y).all(|(z, y)| (*z > 0.0) == (*y > 0.5)));
    assert!(sigmoid(-800.0) == 0.0 && sigmoid(800.0) == 1.0);
}

#[test]
fn elastic_net_gap_certified() {
    let (x, y) = synthetic();
    let fit = LogisticL1::new(0.02)
        .l1_ratio(0.5)
        .tol(1e-10)
        .fit(&x, &y)
        .unwrap();
    assert!(fit.stop.converged() && fit.dual_gap <= 1e-10 * fit.objective);
    // Perturbing any coordinate does not decrease the objective.
    let obj = |w: &[f64], b: f64| {
        let n = y.len() as f64;
        let mut z = vec![0.0; y.len()];
        decision_function((&x).into(), w, b, &mut z).unwrap();
        let loss: f64 = z
            .iter()
            .zip(&y)
            .map(|(&z, &y)| (1.0 + z.exp()).ln() - y * z)
            .sum::<f64>()
            / n;
        loss + 0.02
            * (0.5 * w.iter().map(|c| c.abs()).sum::<f64>()
                + 0.25 * w.iter().map(|c| c * c).sum::<f64>())
    };
    let base = obj(&fit.coef, fit.intercept);
    assert!((base - fit.objective).abs() < 1e-12);
    for j in [0, 5, 40] {
        for h in [1e-4, -1e-4] {
            let mut w = fit.coef.clone();
            w[j] += h;
            assert!(obj(&w, fit.intercept) >= base - 1e-14);
        }
    }
}

#[test]
fn errors() {
    let x = DMatrix::from_fn(6, 2, |i, j| (i + j) as f64);
    let y = [0.0, 1.0, 0.0, 1.0, 0.0, 1.0];
    let m = LogisticL1::new(0.1);
    let msg = |e: cstk_solvers::Error| e.to_string();
    assert!(msg(m.fit(&x, &[1.0; 6]).unwrap_err()).contains('y'));
    assert!(msg(m.fit(&x, &[0.0, 1.0, 2.0, 1.0, 0.0, 1.0]).unwrap_err()).contains('y'));
    assert!(msg(m.fit(&x, &[0.0, 1.0, -1.0, 1.0, 0.0, 1.0]).unwrap_err()).contains('y'));
    assert!(m.fit(&x, &[0.0, 1.0, f64::NAN, 1.0, 0.0, 1.0]).is_err());
    assert!(m.fit(&x, &y[..5]).is_err());
    let mut bad = x.clone();
    bad[(2, 1)] = f64::INFINITY;
    assert!(m.fit(&bad, &y).is_err());
    for p in [
        LogisticL1::new(0.0),
        LogisticL1::new(f64::NAN),
        m.clone().l1_ratio(1.5),
        m.clone().tol(0.0),
        m.clone().max_iter(0),
        m.clone().max_cd_passes(0),
        m.clone().penalize_intercept(true).intercept_scaling(0.0),
    ] {
        assert!(p.fit(&x, &y).is_err(), "{p:?}");
    }
    assert!(m.fit_warm(&x, &y, &[0.0], 0.0).is_err());
    assert!(m.fit_warm(&x, &y, &[0.0, f64::NAN], 0.0).is_err());
    assert!(LogisticPath::default().eps(0.0).fit(&x, &y).is_err());
    assert!(LogisticPath::default().n_alphas(0).fit(&x, &y).is_err());
    assert!(
        LogisticPath::default()
            .alphas(Some(vec![-1.0]))
            .fit(&x, &y)
            .is_err()
    );
    assert!(LogisticPath::default().l1_ratio(0.0).fit(&x, &y).is_err());
    let mut out = vec![0.0; 5];
    assert!(decision_function((&x).into(), &[1.0, 1.0], 0.0, &mut out).is_err());
    assert!(decision_function((&x).into(), &[1.0], 0.0, &mut [0.0; 6]).is_err());
    assert!(logistic_alpha_max(&x, &[1.0; 6], true).is_err());
}
