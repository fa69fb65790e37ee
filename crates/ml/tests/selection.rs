//! Stratified folds against scikit-learn's `StratifiedKFold`, L1 logistic regression with
//! cross-validated α, stability selection, standardization and sparse features.

mod common;

use common::{index_sets, reference, vec};
use cstk_linop::CsrMatrix;
use cstk_measure::DenseEnsemble;
use cstk_ml::{
    CvRule, Features, Folds, LogisticL1Cv, SelectionReport, StabilitySelection, Standardizer,
};
use cstk_solvers::logistic::LogisticL1;
use nalgebra::DMatrix;

/// A Gaussian design (cstk's seeded ensemble, N(0, 1/n) entries rescaled to unit variance).
fn gaussian(n: usize, p: usize, seed: u64) -> DMatrix<f64> {
    DenseEnsemble::Gaussian.matrix::<f64>(n, p, seed).unwrap() * (n as f64).sqrt()
}

#[test]
fn stratified_folds_match_sklearn() {
    let r = reference();
    for case in r["stratified"].as_array().unwrap() {
        let y = vec(&case["y"]);
        let k = case["k"].as_u64().unwrap() as usize;
        let expected = index_sets(&case["test_sets"]);
        assert_eq!(
            Folds::stratified(k).test_sets(&y).unwrap(),
            expected,
            "k = {k}"
        );
        // Shuffled: same class counts per fold, a partition, seeded.
        let s = Folds::stratified_shuffled(k, 3).test_sets(&y).unwrap();
        assert_eq!(s, Folds::stratified_shuffled(k, 3).test_sets(&y).unwrap());
        for (a, b) in s.iter().zip(&expected) {
            let ones = |t: &Vec<usize>, v: f64| t.iter().filter(|&&i| y[i] == v).count();
            for &v in &y {
                assert_eq!(ones(a, v), ones(b, v));
            }
        }
        let mut all: Vec<usize> = s.concat();
        all.sort_unstable();
        assert_eq!(all, (0..y.len()).collect::<Vec<_>>());
    }
    // More folds than members of the largest class.
    assert!(
        Folds::stratified(4)
            .test_sets(&[0.0, 0.0, 1.0, 1.0, 1.0])
            .is_err()
    );
}

/// A logistic problem with known support: 200 × 60, five informative features.
fn logistic_problem() -> (DMatrix<f64>, Vec<f64>, Vec<usize>) {
    let (n, p) = (200, 60);
    let x = gaussian(n, p, 11);
    let support = vec![3, 17, 29, 41, 55];
    let w = [2.0, -2.5, 1.5, -1.5, 3.0];
    let u = DenseEnsemble::Rademacher.matrix::<f64>(n, 1, 12).unwrap();
    let y = (0..n)
        .map(|i| {
            let z: f64 = support.iter().zip(&w).map(|(&j, c)| c * x[(i, j)]).sum();
            // A label flipped where |z| is small and a (seeded) coin says so: noisy labels.
            let flip = z.abs() < 0.5 && u[(i, 0)] > 0.0;
            f64::from(u8::from((z > 0.0) != flip))
        })
        .collect();
    (x, y, support)
}

#[test]
fn logistic_cv_recovers_the_support_and_refits_at_the_chosen_alpha() {
    let (x, y, support) = logistic_problem();
    let features = Features::dense(x.clone());
    let fit = LogisticL1Cv::default()
        .full_path(true)
        .fit(&features, &y)
        .unwrap();
    let report = SelectionReport::from_logistic(&fit, &features);
    assert!(
        support.iter().all(|j| report.selected.contains(j)),
        "{:?}",
        report.selected
    );
    // The five largest coefficients are the true ones.
    let mut order: Vec<usize> = (0..fit.coef.len()).collect();
    order.sort_by(|&a, &b| fit.coef[b].abs().total_cmp(&fit.coef[a].abs()));
    let mut top: Vec<usize> = order[..5].to_vec();
    top.sort_unstable();
    assert_eq!(top, support);
    // The curve: the chosen α is the least mean log-loss, below the null model's.
    let c = &fit.curve;
    assert_eq!(fit.alpha, c.alpha_min());
    assert!(c.mean[c.index_min] < 0.6 * c.mean[0]);
    // The refit is the solver's fit at that α.
    let direct = LogisticL1::new(fit.alpha).fit(&x, &y).unwrap();
    assert_eq!(direct.coef, fit.coef);
    assert!(fit.stop.converged());
    // One-standard-error: larger α, fewer features.
    let se = LogisticL1Cv::default()
        .rule(CvRule::OneStandardError)
        .fit(&features, &y)
        .unwrap();
    assert!(se.alpha >= fit.alpha);
    let nnz = |w: &[f64]| w.iter().filter(|v| **v != 0.0).count();
    assert!(nnz(&se.coef) <= nnz(&fit.coef));
    // Labels other than 0/1 give the same model; one class is an error naming y.
    let y2: Vec<f64> = y
        .iter()
        .map(|&v| if v == 1.0 { 7.0 } else { -2.0 })
        .collect();
    let fit2 = LogisticL1Cv::default().fit(&features, &y2).unwrap();
    assert_eq!((fit2.classes, &fit2.coef), ([-2.0, 7.0], &fit.coef));
    let e = LogisticL1Cv::default()
        .fit(&features, &vec![1.0; 200])
        .unwrap_err();
    assert!(e.to_string().contains("`y`"), "{e}");
}

#[test]
fn logistic_cv_is_thread_independent_and_sparse_equals_dense() {
    let (x, y, _) = logistic_problem();
    let x = x.map(|v| if v.abs() < 0.8 { 0.0 } else { v }); // ~42% zeros
    let dense = Features::dense(x.clone());
    let sparse = Features::from_csr(&CsrMatrix::from_dense(&x, 0.0).unwrap());
    let cv = LogisticL1Cv::default()
        .n_alphas(20)
        .folds(Folds::stratified_shuffled(4, 5));
    let run = |threads: usize, f: &Features| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| cv.fit(f, &y).unwrap())
    };
    let (a, b) = (run(1, &dense), run(3, &dense));
    assert_eq!(a, b);
    let s = run(2, &sparse);
    assert_eq!(s.alpha, a.alpha);
    let d = a
        .coef
        .iter()
        .zip(&s.coef)
        .map(|(u, v)| (u - v).abs())
        .fold(0.0, f64::max);
    assert!(d < 1e-6, "{d}");
}

/// Linear problem, p ≫ n, known support.
fn sparse_regression(n: usize, p: usize) -> (DMatrix<f64>, Vec<f64>, Vec<usize>) {
    let x = gaussian(n, p, 21);
    let support = vec![5, 50, 120, 199, 250, 333];
    let noise = gaussian(n, 1, 22);
    let y = (0..n)
        .map(|i| {
            support
                .iter()
                .enumerate()
                .map(|(k, &j)| (1.0 + 0.3 * k as f64) * x[(i, j)])
                .sum::<f64>()
                + 0.2 * noise[(i, 0)]
        })
        .collect();
    (x, y, support)
}

#[test]
fn stability_selection_finds_the_support_with_few_false_positives() {
    let (x, y, support) = sparse_regression(100, 400);
    let features = Features::dense(x);
    let st = StabilitySelection::default().n_resamples(50).seed(4);
    let fit = st.fit(&features, &y).unwrap();
    assert_eq!(fit.selected, support, "{:?}", fit.selected);
    for &j in &support {
        assert!(
            fit.max_probability[j] >= 0.9,
            "{j}: {}",
            fit.max_probability[j]
        );
    }
    assert_eq!(fit.probabilities.shape(), (400, 30));
    // Probabilities are fractions of the 50 resamples.
    assert!(
        fit.probabilities
            .iter()
            .all(|&v| (v * 50.0 - (v * 50.0).round()).abs() < 1e-9)
    );
    // The error bound restricts the region to a prefix and is then met.
    let bounded = st
        .clone()
        .max_false_positives(Some(1.0))
        .fit(&features, &y)
        .unwrap();
    assert!(bounded.region < fit.region && bounded.error_bound <= 1.0);
    assert!(bounded.selected.iter().all(|j| support.contains(j)));
    // Seeded and thread-independent; another seed differs.
    let again = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| st.fit(&features, &y).unwrap());
    assert_eq!(again, fit);
    let other = st.clone().seed(5).fit(&features, &y).unwrap();
    assert_ne!(other.probabilities, fit.probabilities);
    // Bad parameters are errors naming them.
    for (bad, name) in [
        (st.clone().threshold(0.5), "threshold"),
        (st.clone().sample_fraction(0.0), "sample_fraction"),
        (st.clone().weakness(0.0), "weakness"),
        (st.clone().n_resamples(0), "n_resamples"),
    ] {
        assert!(
            bad.fit(&features, &y)
                .unwrap_err()
                .to_string()
                .contains(name)
        );
    }
}

#[test]
fn standardizer_matches_sklearn_and_handles_sparse_and_constant_columns() {
    let r = reference();
    let case = &r["diabetes_raw_std"];
    let x = DMatrix::from_column_slice(442, 10, &vec(&r["diabetes_raw"]["X_colmajor"]));
    let s = Standardizer::fit(&Features::dense(x.clone()));
    let rel = |a: &[f64], b: &[f64]| {
        a.iter()
            .zip(b)
            .map(|(u, v)| (u - v).abs() / v.abs())
            .fold(0.0, f64::max)
    };
    assert!(rel(&s.mean, &vec(&case["mean"])) < 1e-14);
    assert!(rel(&s.scale, &vec(&case["scale"])) < 1e-14);
    // Sparse: scaled, not centered, same scales.
    let sp = Features::from_csr(&CsrMatrix::from_dense(&x, 0.0).unwrap());
    let ss = Standardizer::fit(&sp);
    assert!(!ss.centered && rel(&ss.scale, &s.scale) < 1e-13);
    let t = ss.transform(&sp).to_dense();
    assert!((t[(5, 2)] - x[(5, 2)] / s.scale[2]).abs() < 1e-12);
    // A constant column keeps scale 1 and becomes zero (dense, centered).
    let c = DMatrix::from_fn(6, 2, |i, j| if j == 0 { 3.7 } else { i as f64 });
    let sc = Standardizer::fit(&Features::dense(c.clone()));
    assert_eq!(sc.scale[0], 1.0);
    let t = sc.transform(&Features::dense(c)).to_dense();
    assert!(t.column(0).iter().all(|&v| v.abs() < 1e-15));
}
