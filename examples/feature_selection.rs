//! L1 feature selection as a library: scikit-learn's `LassoCV` on the bundled diabetes data
//! (read from CSV, standardized, one-standard-error rule), an ElasticNetCV over several
//! ratios, L1 logistic regression on a binary target, stability selection on a p ≫ n
//! problem with a known support, and the same LassoCV on sparse (CSR) features.
//!
//! Run: `cargo run --release --example feature_selection`

use cstk::linop::io::csv::read_csv;
use cstk::linop::{CsrMatrix, nalgebra::DMatrix};
use cstk::measure::DenseEnsemble;
use cstk::ml::{
    CvRule, ElasticNetCv, Error, Features, Folds, LogisticL1Cv, SelectionReport, StabilitySelection,
};
use std::path::Path;

fn main() -> Result<(), Error> {
    // 1. LassoCV on a CSV with a header: names are kept, the target column is taken out.
    let mut table = read_csv(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/diabetes.csv"))?;
    let y = table.take_column("target")?;
    let (names, x) = table.into_parts();
    let features = Features::dense(x).with_names(names)?;
    let cv = ElasticNetCv::lasso()
        .folds(Folds::kfold(5)) // scikit-learn's KFold(5): the same folds, the same answer
        .standardize(true) // make_pipeline(StandardScaler(), LassoCV())
        .full_path(true);
    for rule in [CvRule::MinError, CvRule::OneStandardError] {
        let fit = cv.clone().rule(rule).fit(&features, &y)?;
        let report = SelectionReport::from_cv(&fit, &features, false);
        let c = fit.curve();
        println!(
            "LassoCV ({rule:?}): alpha = {:.4}, CV MSE {:.1} ± {:.1}; selected {:?}",
            fit.alpha,
            c.mean[c.index(rule)],
            c.se[c.index(rule)],
            report.selected_names()
        );
    }

    // 2. ElasticNetCV: (l1_ratio, alpha) chosen together.
    let fit = ElasticNetCv::default()
        .l1_ratios(vec![0.1, 0.5, 0.9, 1.0])
        .standardize(true)
        .fit(&features, &y)?;
    println!(
        "ElasticNetCV: l1_ratio = {}, alpha = {:.4}, {} nonzero coefficients",
        fit.l1_ratio,
        fit.alpha,
        fit.coef.iter().filter(|c| **c != 0.0).count()
    );

    // 3. L1 logistic regression: is the progression above 140? (stratified 5-fold CV).
    let high: Vec<f64> = y.iter().map(|&v| f64::from(u8::from(v > 140.0))).collect();
    let fit = LogisticL1Cv::default()
        .standardize(true)
        .fit(&features, &high)?;
    let report = SelectionReport::from_logistic(&fit, &features);
    println!(
        "L1 logistic: alpha = {:.4e} (scikit-learn C = {:.3}), log-loss {:.4}; selected {:?}",
        fit.alpha,
        1.0 / (y.len() as f64 * fit.alpha),
        fit.curve.mean[fit.curve.index_min],
        report.selected_names()
    );

    // 4. Stability selection on p ≫ n: 100 samples, 1000 features, 5 of them active.
    let (n, p) = (100, 1000);
    let x = DenseEnsemble::Gaussian.matrix::<f64>(n, p, 7)? * (n as f64).sqrt();
    let truth = [10, 200, 450, 700, 999];
    let noise = DenseEnsemble::Gaussian.matrix::<f64>(n, 1, 8)?;
    let y: Vec<f64> = (0..n)
        .map(|i| truth.iter().map(|&j| 2.0 * x[(i, j)]).sum::<f64>() + noise[(i, 0)])
        .collect();
    let synthetic = Features::dense(x.clone());
    let st = StabilitySelection::default().seed(1).fit(&synthetic, &y)?;
    println!(
        "stability selection: {:?} (truth {truth:?}); E[false positives] ≤ {:.2}",
        st.selected, st.error_bound
    );

    // 5. Sparse features (CSR): the same LassoCV without densifying.
    let xs: DMatrix<f64> = x.map(|v| if v.abs() > 1.0 { v } else { 0.0 });
    let csr = CsrMatrix::from_dense(&xs, 0.0)?;
    let dense_fit = ElasticNetCv::lasso().fit(&Features::dense(xs), &y)?;
    let sparse_fit = ElasticNetCv::lasso().fit(&Features::from_csr(&csr), &y)?;
    println!(
        "sparse X ({:.0}% nonzero): alpha {:.4e} (dense {:.4e}), max |Δcoef| = {:.1e}",
        100.0 * csr.density(),
        sparse_fit.alpha,
        dense_fit.alpha,
        sparse_fit
            .coef
            .iter()
            .zip(&dense_fit.coef)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
    );
    Ok(())
}
