//! Coordinate-descent LASSO / ElasticNet against scikit-learn's reference vectors
//! (tests/data/cd/reference.json, made by tests/data/cd/make_reference.py), degenerate
//! inputs, strategies agreeing with each other, and determinism.

mod common;

use common::vecf;

use cstk_measure::DenseEnsemble;
use cstk_solvers::cd::{ElasticNet, LassoPath, Selection, alpha_max};
use nalgebra::{DMatrix, DVector};
use serde_json::Value;

fn reference() -> Value {
    common::json_data("cd/reference.json")
}

fn problem(v: &Value) -> (DMatrix<f64>, Vec<f64>) {
    let (n, p) = (
        v["n"].as_u64().unwrap() as usize,
        v["p"].as_u64().unwrap() as usize,
    );
    (
        DMatrix::from_column_slice(n, p, &vecf(&v["X_colmajor"])),
        vecf(&v["y"]),
    )
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).fold(0.0, |m, (x, y)| m.max((x - y).abs()))
}

fn strategies() -> Vec<ElasticNet> {
    let base = ElasticNet::default();
    vec![
        base.clone(),
        base.clone().working_sets(false),
        base.clone().working_sets(false).screening(false),
        base.clone().screening(false),
        base.clone().precompute(true),
        base.selection(Selection::Random { seed: 7 }),
    ]
}

#[test]
fn fits_match_sklearn_tight() {
    let r = reference();
    for name in ["diabetes", "random"] {
        let (x, y) = problem(&r[name]);
        for case in r[name]["fits"].as_array().unwrap() {
            if case["default_tol"].as_bool().unwrap() {
                continue;
            }
            let want = vecf(&case["coef"]);
            let scale = want.iter().fold(1.0f64, |m, v| m.max(v.abs()));
            for s in strategies() {
                let m = s
                    .alpha(case["alpha"].as_f64().unwrap())
                    .l1_ratio(case["l1_ratio"].as_f64().unwrap())
                    .fit_intercept(case["fit_intercept"].as_bool().unwrap())
                    .tol(1e-13)
                    .max_iter(1_000_000);
                let fit = m.fit(&x, &y).unwrap();
                assert!(fit.stop.converged(), "{name} {m:?}: {:?}", fit.stop);
                let d = max_diff(&fit.coef, &want);
                assert!(d <= 1e-6 * scale, "{name} {m:?}: coef differs by {d:e}");
                let di = (fit.intercept - case["intercept"].as_f64().unwrap()).abs();
                assert!(
                    di <= 1e-6 * scale.max(1.0),
                    "{name}: intercept differs by {di:e}"
                );
            }
        }
    }
}

#[test]
fn default_tol_same_iteration_as_sklearn() {
    let r = reference();
    for name in ["diabetes", "random"] {
        let (x, y) = problem(&r[name]);
        for case in r[name]["fits"].as_array().unwrap() {
            if !case["default_tol"].as_bool().unwrap() {
                continue;
            }
            let want = vecf(&case["coef"]);
            let scale = want.iter().fold(1.0f64, |m, v| m.max(v.abs()));
            let fit = ElasticNet::default()
                .working_sets(false)
                .alpha(case["alpha"].as_f64().unwrap())
                .l1_ratio(case["l1_ratio"].as_f64().unwrap())
                .fit(&x, &y)
                .unwrap();
            let d = max_diff(&fit.coef, &want);
            assert!(d <= 1e-6 * scale, "{name}: coef differs by {d:e}");
            assert_eq!(
                fit.n_iter as u64,
                case["n_iter"].as_u64().unwrap(),
                "{name}: n_iter"
            );
            let g = case["dual_gap"].as_f64().unwrap();
            assert!(
                (fit.dual_gap - g).abs() <= 1e-6 * g.abs().max(1e-12),
                "{name}: gap {} vs {g}",
                fit.dual_gap
            );
            // Working sets certify the same tolerance.
            let ws = ElasticNet::default()
                .alpha(case["alpha"].as_f64().unwrap())
                .l1_ratio(case["l1_ratio"].as_f64().unwrap())
                .fit(&x, &y)
                .unwrap();
            assert!(ws.stop.converged());
            let yc: f64 = {
                let m = y.iter().sum::<f64>() / y.len() as f64;
                y.iter().map(|v| (v - m) * (v - m)).sum()
            };
            assert!(ws.dual_gap * y.len() as f64 <= 1e-4 * yc);
        }
    }
}

#[test]
fn alpha_max_matches_sklearn() {
    let r = reference();
    for name in ["diabetes", "random"] {
        let (x, y) = problem(&r[name]);
        let want = r[name]["alpha_max"].as_f64().unwrap();
        assert!((alpha_max(&x, &y, 1.0, true).unwrap() - want).abs() <= 1e-12 * want);
        let want = r[name]["alpha_max_nointercept"].as_f64().unwrap();
        assert!((alpha_max(&x, &y, 1.0, false).unwrap() - want).abs() <= 1e-12 * want);
    }
}

#[test]
fn paths_match_sklearn() {
    let r = reference();
    for name in ["diabetes", "random"] {
        let (x, y) = problem(&r[name]);
        for (key, l1) in [("lasso_path", 1.0), ("enet_path", 0.7)] {
            let c = &r[name][key];
            let want_alphas = vecf(&c["alphas"]);
            for ws in [true, false] {
                let path = LassoPath::default()
                    .n_alphas(c["n_alphas"].as_u64().unwrap() as usize)
                    .eps(c["eps"].as_f64().unwrap())
                    .l1_ratio(l1)
                    .tol(1e-13)
                    .max_iter(1_000_000)
                    .working_sets(ws)
                    .fit(&x, &y)
                    .unwrap();
                assert!(max_diff(&path.alphas, &want_alphas) <= 1e-12 * want_alphas[0]);
                for (k, want) in c["coefs"].as_array().unwrap().iter().enumerate() {
                    let want = vecf(want);
                    let scale = want.iter().fold(1.0f64, |m, v| m.max(v.abs()));
                    let d = max_diff(path.coefs.column(k).as_slice(), &want);
                    assert!(d <= 1e-6 * scale, "{name} {key} α#{k}: differs by {d:e}");
                    assert!(path.stops[k].converged());
                }
            }
        }
    }
}

#[test]
fn warm_start_and_explicit_alphas() {
    let r = reference();
    let (x, y) = problem(&r["random"]);
    let a = r["random"]["alpha_max"].as_f64().unwrap() / 10.0;
    let m = ElasticNet::lasso(a).tol(1e-12);
    let cold = m.fit(&x, &y).unwrap();
    let warm = m.fit_warm(&x, &y, &cold.coef).unwrap();
    assert!(max_diff(&cold.coef, &warm.coef) < 1e-9);
    assert!(warm.n_iter <= 1);
    assert!(m.fit_warm(&x, &y, &[0.0; 3]).is_err());
    // An explicit grid is sorted descending.
    let p = LassoPath::default()
        .alphas(Some(vec![a, 10.0 * a]))
        .fit(&x, &y)
        .unwrap();
    assert_eq!(p.alphas, vec![10.0 * a, a]);
}

#[test]
fn degenerate_inputs() {
    // Zero matrix: w = 0, intercept = ȳ, converged at once.
    let x = DMatrix::<f64>::zeros(6, 4);
    let y = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    for s in strategies() {
        let f = s.alpha(0.1).fit(&x, &y).unwrap();
        assert!(f.coef.iter().all(|&c| c == 0.0));
        assert!((f.intercept - 3.5).abs() < 1e-15);
        assert!(f.stop.converged() && f.n_iter == 0);
    }
    assert_eq!(alpha_max(&x, &y, 1.0, true).unwrap(), 0.0);
    let p = LassoPath::default().n_alphas(4).fit(&x, &y).unwrap();
    assert!(p.coefs.iter().all(|&c| c == 0.0) && p.alphas.iter().all(|&a| a > 0.0));

    // Zero y.
    let x = DenseEnsemble::Gaussian.matrix::<f64>(10, 20, 3).unwrap();
    let f = ElasticNet::lasso(0.1).fit(&x, &[0.0; 10]).unwrap();
    assert!(f.coef.iter().all(|&c| c == 0.0) && f.stop.converged());

    // α ≥ α_max: w = 0 at once.
    let y: Vec<f64> = (0..10).map(|i| (i as f64).sin()).collect();
    for l1 in [1.0, 0.5] {
        let amax = alpha_max(&x, &y, l1, true).unwrap();
        for s in strategies() {
            let f = s.l1_ratio(l1).alpha(amax).fit(&x, &y).unwrap();
            assert!(f.coef.iter().all(|&c| c == 0.0), "{:?}", f.coef);
            assert_eq!(f.n_iter, 0);
        }
        let f = ElasticNet::default()
            .l1_ratio(l1)
            .alpha(amax * 0.99)
            .tol(1e-12)
            .fit(&x, &y)
            .unwrap();
        assert!(f.coef.iter().any(|&c| c != 0.0));
    }

    // Duplicate columns: ElasticNet splits the weight equally; LASSO objective unchanged.
    let base = DenseEnsemble::Gaussian.matrix::<f64>(30, 5, 11).unwrap();
    let dup = DMatrix::from_fn(30, 6, |i, j| base[(i, if j == 5 { 2 } else { j })]);
    let y: Vec<f64> = (0..30).map(|i| 3.0 * base[(i, 2)] - base[(i, 0)]).collect();
    let f = ElasticNet::default()
        .alpha(0.01)
        .tol(1e-14)
        .fit(&dup, &y)
        .unwrap();
    assert!((f.coef[2] - f.coef[5]).abs() < 1e-8, "{:?}", f.coef);
    let one = ElasticNet::lasso(0.01).tol(1e-14).fit(&base, &y).unwrap();
    let two = ElasticNet::lasso(0.01).tol(1e-14).fit(&dup, &y).unwrap();
    assert!((one.objective - two.objective).abs() < 1e-10);
    assert!((one.coef[2] - (two.coef[2] + two.coef[5])).abs() < 1e-7);

    // NaN / Inf in data, bad shapes and parameters are errors.
    let mut xn = base.clone();
    xn[(3, 1)] = f64::NAN;
    assert!(ElasticNet::lasso(0.1).fit(&xn, &y).is_err());
    assert!(LassoPath::default().fit(&xn, &y).is_err());
    let mut yn = y.clone();
    yn[0] = f64::INFINITY;
    assert!(ElasticNet::lasso(0.1).fit(&base, &yn).is_err());
    assert!(ElasticNet::lasso(0.1).fit(&base, &y[..5]).is_err());
    assert!(ElasticNet::lasso(0.0).fit(&base, &y).is_err());
    assert!(ElasticNet::lasso(0.1).l1_ratio(1.5).fit(&base, &y).is_err());
    assert!(ElasticNet::lasso(0.1).tol(-1.0).fit(&base, &y).is_err());
    assert!(LassoPath::default().l1_ratio(0.0).fit(&base, &y).is_err());
    assert!(LassoPath::default().eps(0.0).fit(&base, &y).is_err());
}

#[test]
fn random_selection_is_deterministic_and_max_iter_is_a_stop_reason() {
    let x = DenseEnsemble::Gaussian.matrix::<f64>(40, 120, 5).unwrap();
    let y: Vec<f64> = (0..40)
        .map(|i| x[(i, 3)] - 2.0 * x[(i, 50)] + 0.1 * (i as f64).cos())
        .collect();
    let m = ElasticNet::lasso(1e-3)
        .selection(Selection::Random { seed: 42 })
        .tol(1e-10);
    let (a, b) = (m.fit(&x, &y).unwrap(), m.fit(&x, &y).unwrap());
    assert_eq!(a.coef, b.coef);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let c = pool.install(|| m.fit(&x, &y).unwrap());
    assert_eq!(a.coef, c.coef);
    let f = ElasticNet::lasso(1e-4)
        .tol(1e-15)
        .max_iter(2)
        .record_history(true)
        .fit(&x, &y)
        .unwrap();
    assert_eq!(f.stop, cstk_solvers::StopReason::MaxIterations);
    assert_eq!(f.n_iter, 2);
    assert_eq!(f.history.len(), 2);
}

#[test]
fn no_allocation_per_epoch() {
    let x = DenseEnsemble::Gaussian.matrix::<f64>(60, 300, 9).unwrap();
    let y: Vec<f64> = (0..60)
        .map(|i| x[(i, 1)] - x[(i, 100)] + 0.01 * (i as f64).sin())
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    for ws in [false, true] {
        let count = |iters: usize| {
            pool.install(|| {
                allocation_counter::measure(|| {
                    let m = ElasticNet::lasso(1e-5)
                        .tol(0.0)
                        .max_iter(iters)
                        .working_sets(ws);
                    let _ = m.fit(&x, &y).unwrap();
                })
                .count_total
            })
        };
        let (few, many) = (count(20), count(2000));
        // Working sets may grow (a handful of buffer growths), never per epoch.
        assert!(
            many <= few + 16,
            "working_sets {ws}: {few} vs {many} allocations"
        );
    }
}

/// X and y centered when `fit_intercept` (what the LASSO with an intercept fits).
fn centered(x: &DMatrix<f64>, y: &[f64], fit_intercept: bool) -> (DMatrix<f64>, DVector<f64>) {
    let (n, p) = x.shape();
    let (mut xc, mut yc) = (x.clone(), DVector::from_column_slice(y));
    if fit_intercept {
        for j in 0..p {
            let m = xc.column(j).sum() / n as f64;
            xc.column_mut(j).add_scalar_mut(-m);
        }
        let m = yc.sum() / n as f64;
        yc.add_scalar_mut(-m);
    }
    (xc, yc)
}

/// scikit-learn's duality gap (`gap_enet`, scaled by n) and the primal objective (also
/// scaled by n) of `w` for the LASSO on centered data, written out independently of the
/// solver.
fn lasso_gap_and_objective(
    xc: &DMatrix<f64>,
    yc: &DVector<f64>,
    w: &[f64],
    alpha: f64,
) -> (f64, f64) {
    let n = xc.nrows();
    let r = yc - xc * DVector::from_column_slice(w);
    let dual_norm = (xc.tr_mul(&r)).amax();
    let a = alpha * n as f64;
    let r2 = r.norm_squared();
    let c = if dual_norm > a { a / dual_norm } else { 1.0 };
    let l1: f64 = w.iter().map(|v| v.abs()).sum();
    (
        0.5 * (r2 + r2 * c * c) + a * l1 - c * r.dot(yc),
        0.5 * r2 + a * l1,
    )
}

/// A path large enough for the solver's single-precision passes: every α's coefficients
/// carry a true duality gap within `tol · ‖y‖²`, and the path agrees with scikit-learn's own
/// iteration (exact passes only) to that accuracy.
#[test]
fn large_path_is_certified() {
    let (n, p) = (400, 800);
    let x = DenseEnsemble::Gaussian.matrix::<f64>(n, p, 31).unwrap();
    let y: Vec<f64> = (0..n)
        .map(|i| {
            3.0 * x[(i, 3)] - 2.0 * x[(i, 70)] + x[(i, 500)] + 0.3 * ((i * 7) as f64).sin() + 0.5
        })
        .collect();
    for fit_intercept in [false, true] {
        let tol = 1e-6;
        let path = |ws: bool| {
            LassoPath::default()
                .n_alphas(25)
                .eps(1e-2)
                .tol(tol)
                .fit_intercept(fit_intercept)
                .working_sets(ws)
                .fit(&x, &y)
                .unwrap()
        };
        let (fast, plain) = (path(true), path(false));
        let (xc, yc) = centered(&x, &y, fit_intercept);
        let y2 = yc.norm_squared();
        for (k, &alpha) in fast.alphas.iter().enumerate() {
            assert!(fast.stops[k].converged(), "α#{k}: {}", fast.stops[k]);
            let (gap, o1) =
                lasso_gap_and_objective(&xc, &yc, fast.coefs.column(k).as_slice(), alpha);
            assert!(
                gap <= tol * y2 * (1.0 + 1e-9),
                "α#{k}: true gap {gap:e} > {:e}",
                tol * y2
            );
            // Both are within tol·‖y‖² of the optimum, so their objectives are too.
            let (_, o2) =
                lasso_gap_and_objective(&xc, &yc, plain.coefs.column(k).as_slice(), alpha);
            assert!(
                (o1 - o2).abs() <= tol * y2,
                "α#{k}: objectives {o1} vs {o2}"
            );
        }
    }
}

/// On a problem large enough for the single-precision epochs: the path is bit-identical
/// for any thread count, a very tight tolerance (beyond single precision) still converges
/// with a true gap within it, and epochs do not allocate.
#[test]
fn single_precision_epochs_are_deterministic_and_certified() {
    let (n, p) = (400, 800);
    let x = DenseEnsemble::Gaussian.matrix::<f64>(n, p, 41).unwrap();
    let y: Vec<f64> = (0..n)
        .map(|i| 2.0 * x[(i, 5)] - x[(i, 300)] + 0.2 * ((i * 3) as f64).cos() + 1.5)
        .collect();
    let path = LassoPath::default().n_alphas(30).fit_intercept(true);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let three = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    let a = one.install(|| path.fit(&x, &y).unwrap());
    let b = three.install(|| path.fit(&x, &y).unwrap());
    assert_eq!(a.coefs, b.coefs);
    assert_eq!(a.n_iters, b.n_iters);

    let alpha = alpha_max(&x, &y, 1.0, true).unwrap() * 1e-3;
    let (xc, yc) = centered(&x, &y, true);
    let y2 = yc.norm_squared();
    for tol in [1e-4, 1e-9] {
        let f = ElasticNet::lasso(alpha)
            .tol(tol)
            .max_iter(100_000)
            .fit(&x, &y)
            .unwrap();
        assert!(f.stop.converged(), "tol {tol:e}: {}", f.stop);
        let (gap, _) = lasso_gap_and_objective(&xc, &yc, &f.coef, alpha);
        assert!(
            gap <= tol * y2 * (1.0 + 1e-6) + 1e-9 * tol * y2,
            "tol {tol:e}: gap {gap:e} y2 {y2} reported {} iters {}",
            f.dual_gap * n as f64,
            f.n_iter
        );
    }

    let count = |iters: usize| {
        one.install(|| {
            allocation_counter::measure(|| {
                let _ = ElasticNet::lasso(alpha)
                    .tol(0.0)
                    .max_iter(iters)
                    .fit(&x, &y)
                    .unwrap();
            })
            .count_total
        })
    };
    let (few, many) = (count(20), count(2000));
    assert!(many <= few + 16, "{few} vs {many} allocations");
}
