//! `cstk select`: L1 feature selection — cross-validated LASSO / ElasticNet, L1 logistic
//! regression, stability selection — from a CSV or NumPy table.

use crate::ext::ext_lower;
use crate::matrix_file::{AnyCsr, load_matrix};
use crate::plot;
use crate::progress::ProgressBar;
use anyhow::{Context, Result, bail};
use cstk_linop::io::{self, csv, npy};
use cstk_ml::logistic::binary_labels;
use cstk_ml::report::Path as CoefPath;
use cstk_ml::scale::maybe_standardize;
use cstk_ml::{
    CvRule, ElasticNetCv, Features, Folds, LogisticL1Cv, Method, SelectionReport,
    StabilitySelection,
};
use cstk_solvers::cd::{ElasticNet, LassoPath};
use cstk_solvers::logistic::{LogisticL1, LogisticPath};
use serde_json::{Value, json};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// The selection methods.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectMethod {
    /// LASSO with α by K-fold cross-validation (scikit-learn's LassoCV)
    #[value(name = "lasso-cv")]
    LassoCv,
    /// ElasticNet with (l1_ratio, α) by cross-validation (scikit-learn's ElasticNetCV)
    #[value(name = "enet-cv")]
    EnetCv,
    /// L1-penalized logistic regression for a two-class target, α by stratified CV on log-loss
    #[value(name = "logistic-l1")]
    LogisticL1,
    /// Stability selection (randomized LASSO on random half-samples)
    Stability,
}

/// How α is chosen from the CV curve.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleArg {
    /// Least mean validation error (scikit-learn)
    Min,
    /// Largest α within one standard error of the least (sparser; glmnet's lambda.1se)
    #[value(name = "1se")]
    OneSe,
}

/// Arguments of `cstk select`.
#[derive(clap::Args, Debug)]
pub struct SelectArgs {
    /// The features: a CSV file with a header row (names kept), a 2-D NumPy array (.npy), or a sparse Matrix Market matrix (.mtx, fitted as CSR/CSC without densifying)
    #[arg(long)]
    pub data: PathBuf,
    /// The target: a column of the CSV (header name, or 0-based index) that is removed from the features, a column index of a .npy array, or a 1-D .npy file with one value per row
    #[arg(long)]
    pub target: String,
    /// The selection method
    #[arg(long, value_enum, default_value = "lasso-cv")]
    pub method: SelectMethod,
    /// Fit one model at this α instead of cross-validating (scikit-learn's alpha: (1/(2n))‖y − Xw − b‖² + α‖w‖₁ for lasso; for logistic-l1, C = 1/(n α); for stability, the single α of the region)
    #[arg(long, allow_negative_numbers = true)]
    pub alpha: Option<f64>,
    /// ElasticNet mixing ρ in (0, 1]: enet-cv (comma-separated list to cross-validate several, as ElasticNetCV's l1_ratio; default 0.5) and stability (one value; default 1, the LASSO)
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    pub l1_ratio: Vec<f64>,
    /// Tolerance, scikit-learn's meaning: relative duality gap of every fit (default 1e-4; logistic-l1: relative duality gap, default 1e-6)
    #[arg(long, allow_negative_numbers = true)]
    pub tol: Option<f64>,
    /// Number of cross-validation folds (contiguous KFold, stratified for logistic-l1, unless --seed shuffles them)
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Seed: shuffle the folds (default: contiguous folds, as scikit-learn's KFold); the resampling seed of stability (default 0)
    #[arg(long)]
    pub seed: Option<u64>,
    /// How α is chosen from the CV curve
    #[arg(long, value_enum, default_value = "min")]
    pub rule: RuleArg,
    /// Number of α on the grid (default 100; logistic-l1 50; stability 30)
    #[arg(long)]
    pub n_alphas: Option<usize>,
    /// α_min / α_max of the grid (default 1e-3; logistic-l1 and stability 1e-2)
    #[arg(long, allow_negative_numbers = true)]
    pub eps: Option<f64>,
    /// Standardize the features to unit variance first, as a StandardScaler pipeline (default: false; stability: true)
    #[arg(long)]
    pub standardize: Option<bool>,
    /// Iteration limit per α (default 1000 epochs; logistic-l1 200 Newton steps)
    #[arg(long)]
    pub max_iter: Option<usize>,
    /// Stability: selection probability needed
    #[arg(long, default_value_t = 0.6, allow_negative_numbers = true)]
    pub threshold: f64,
    /// Stability: restrict the α region so that Meinshausen–Bühlmann's bound on the expected number of falsely selected features is at most this (default: the whole grid; the bound is reported either way)
    #[arg(long, allow_negative_numbers = true)]
    pub max_false_positives: Option<f64>,
    /// Stability: number of random half-samples
    #[arg(long, default_value_t = 100)]
    pub resamples: usize,
    /// Output directory: selected.json, coef.npy (stability: probability.npy), path.png, cv.png
    #[arg(long, default_value = "select_out")]
    pub out: PathBuf,
    /// Print selected.json on stdout
    #[arg(long)]
    pub json: bool,
    /// No progress bar
    #[arg(long)]
    pub quiet: bool,
}

/// Features, target and where they came from.
struct Inputs {
    x: Features,
    y: Vec<f64>,
    target_name: String,
}

/// `spec` as a column index below `ncols`, if it is one.
fn column_index(spec: &str, ncols: usize) -> Option<usize> {
    spec.trim().parse::<usize>().ok().filter(|&j| j < ncols)
}

fn read_target_file(path: &Path) -> Result<Vec<f64>> {
    npy::read_npy_vector::<f64>(path).with_context(|| format!("--target {}", path.display()))
}

fn load(args: &SelectArgs) -> Result<Inputs> {
    let data = &args.data;
    let target_file = ext_lower(Path::new(&args.target)) == "npy";
    let ctx = || format!("--data {}", data.display());
    let (x, y, target_name) = match ext_lower(data).as_str() {
        "csv" => {
            let mut table = csv::read_csv(data).with_context(ctx)?;
            if target_file {
                let y = read_target_file(Path::new(&args.target))?;
                let (names, m) = table.into_parts();
                (
                    Features::dense(m).with_names(names)?,
                    y,
                    args.target.clone(),
                )
            } else {
                let j = table
                    .find_column(&args.target)
                    .with_context(|| format!("--target {:?} in {}", args.target, data.display()))?;
                let (name, y) = table.remove_column(j);
                if table.ncols() == 0 {
                    bail!(
                        "--data {}: no feature columns left besides the target {name:?}",
                        data.display()
                    );
                }
                let (names, m) = table.into_parts();
                (Features::dense(m).with_names(names)?, y, name)
            }
        }
        "npy" => {
            let mut m = npy::read_npy_matrix::<f64>(data).with_context(ctx)?;
            if target_file {
                (
                    Features::dense(m),
                    read_target_file(Path::new(&args.target))?,
                    args.target.clone(),
                )
            } else {
                let Some(j) = column_index(&args.target, m.ncols()) else {
                    bail!(
                        "--target {:?}: expected a column index below {} of --data {} or a 1-D .npy file",
                        args.target,
                        m.ncols(),
                        data.display()
                    );
                };
                let y: Vec<f64> = m.column(j).iter().copied().collect();
                m = m.remove_column(j);
                if m.ncols() == 0 {
                    bail!(
                        "--data {}: no feature columns left besides the target column {j}",
                        data.display()
                    );
                }
                let names = (0..m.ncols() + 1)
                    .filter(|&k| k != j)
                    .map(|k| format!("x{k}"))
                    .collect();
                (Features::dense(m).with_names(names)?, y, format!("x{j}"))
            }
        }
        "mtx" => {
            let loaded = load_matrix(data).with_context(ctx)?;
            let AnyCsr::Real(a) = loaded.matrix else {
                bail!(
                    "--data {}: complex matrices cannot be used for feature selection",
                    data.display()
                );
            };
            if !target_file {
                bail!(
                    "--target {:?}: with a .mtx matrix the target must be a 1-D .npy file",
                    args.target
                );
            }
            (
                Features::from_csr(&a),
                read_target_file(Path::new(&args.target))?,
                args.target.clone(),
            )
        }
        other => bail!(
            "--data {}: unsupported file type {}; expected .csv (with a header row), .npy or .mtx",
            data.display(),
            if other.is_empty() {
                "(no extension)".to_string()
            } else {
                format!("'.{other}'")
            }
        ),
    };
    if y.len() != x.n_samples() {
        bail!(
            "--target {}: {} values, but --data {} has {} rows",
            args.target,
            y.len(),
            data.display(),
            x.n_samples()
        );
    }
    Ok(Inputs { x, y, target_name })
}

fn check_args(args: &SelectArgs) -> Result<()> {
    if let Some(a) = args.alpha
        && !(a.is_finite() && a > 0.0)
    {
        bail!("--alpha {a}: expected a finite number > 0");
    }
    if let Some(t) = args.tol
        && !(t.is_finite() && t > 0.0)
    {
        bail!("--tol {t}: expected a finite number > 0");
    }
    if let Some(r) = args.l1_ratio.iter().find(|r| !(**r > 0.0 && **r <= 1.0)) {
        bail!("--l1-ratio {r}: expected numbers in (0, 1]");
    }
    match args.method {
        SelectMethod::LassoCv | SelectMethod::LogisticL1 if !args.l1_ratio.is_empty() => bail!(
            "--l1-ratio is for --method enet-cv and stability (lasso-cv and logistic-l1 are pure L1)"
        ),
        SelectMethod::Stability if args.l1_ratio.len() > 1 => {
            bail!("--l1-ratio with --method stability: give a single value")
        }
        SelectMethod::EnetCv if args.alpha.is_some() && args.l1_ratio.len() > 1 => {
            bail!("--alpha with --method enet-cv fits one model: give a single --l1-ratio")
        }
        _ => {}
    }
    if args.folds < 2 {
        bail!("--folds {}: expected at least 2", args.folds);
    }
    if let Some(e) = args.eps
        && !(e > 0.0 && e <= 1.0)
    {
        bail!("--eps {e}: expected a number in (0, 1]");
    }
    if args.n_alphas == Some(0) {
        bail!("--n-alphas 0: expected at least 1");
    }
    if args.max_iter == Some(0) {
        bail!("--max-iter 0: expected at least 1");
    }
    if !(args.threshold > 0.5 && args.threshold <= 1.0) {
        bail!(
            "--threshold {}: expected a number in (0.5, 1]",
            args.threshold
        );
    }
    if let Some(v) = args.max_false_positives
        && !(v.is_finite() && v > 0.0)
    {
        bail!("--max-false-positives {v}: expected a finite number > 0");
    }
    if args.resamples == 0 {
        bail!("--resamples 0: expected at least 1");
    }
    if args.out.exists() && !args.out.is_dir() {
        bail!(
            "--out {}: exists and is not a directory",
            args.out.display()
        );
    }
    Ok(())
}

/// A thread-safe tick counter driving the progress bar.
struct Ticker {
    done: AtomicUsize,
    bar: Mutex<ProgressBar>,
    what: &'static str,
}

impl Ticker {
    fn new(total: usize, what: &'static str, on: bool) -> Self {
        Ticker {
            done: AtomicUsize::new(0),
            bar: Mutex::new(ProgressBar::new(total, on)),
            what,
        }
    }
    fn tick(&self) {
        let d = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Ok(mut b) = self.bar.lock() {
            b.update(d, self.what);
        }
    }
    fn finish(&self) {
        if let Ok(mut b) = self.bar.lock() {
            b.finish();
        }
    }
}

fn folds(args: &SelectArgs, stratified: bool) -> Folds {
    match (stratified, args.seed) {
        (false, None) => Folds::kfold(args.folds),
        (false, Some(s)) => Folds::shuffled(args.folds, s),
        (true, None) => Folds::stratified(args.folds),
        (true, Some(s)) => Folds::stratified_shuffled(args.folds, s),
    }
}

fn rule(args: &SelectArgs) -> CvRule {
    match args.rule {
        RuleArg::Min => CvRule::MinError,
        RuleArg::OneSe => CvRule::OneStandardError,
    }
}

/// Runs the method; returns the report and method-specific JSON fields.
fn select(args: &SelectArgs, inp: &Inputs) -> Result<(SelectionReport, Value)> {
    let (x, y) = (&inp.x, inp.y.as_slice());
    let on = !args.quiet && std::io::stderr().is_terminal();
    let standardize = args
        .standardize
        .unwrap_or(args.method == SelectMethod::Stability);
    let tol = args
        .tol
        .unwrap_or(if args.method == SelectMethod::LogisticL1 {
            1e-6
        } else {
            1e-4
        });
    match (args.method, args.alpha) {
        (SelectMethod::LassoCv | SelectMethod::EnetCv, None) => {
            let enet = args.method == SelectMethod::EnetCv;
            let l1 = match (enet, args.l1_ratio.is_empty()) {
                (false, _) => vec![1.0],
                (true, true) => vec![0.5],
                (true, false) => args.l1_ratio.clone(),
            };
            let cv = ElasticNetCv::default()
                .l1_ratios(l1.clone())
                .n_alphas(args.n_alphas.unwrap_or(100))
                .eps(args.eps.unwrap_or(1e-3))
                .folds(folds(args, false))
                .rule(rule(args))
                .standardize(standardize)
                .tol(tol)
                .max_iter(args.max_iter.unwrap_or(1000))
                .full_path(true);
            let ticker = Ticker::new(args.folds * l1.len(), "folds", on);
            let fit = cv.fit_with_progress(x, y, &|| ticker.tick());
            ticker.finish();
            let fit = fit?;
            let mut extra = fit_json(fit.dual_gap, fit.n_iter, fit.stop.converged());
            extra["l1_ratios"] = json!(l1);
            Ok((SelectionReport::from_cv(&fit, x, enet), extra))
        }
        (SelectMethod::LassoCv | SelectMethod::EnetCv, Some(alpha)) => {
            let rho = match args.method {
                SelectMethod::EnetCv => args.l1_ratio.first().copied().unwrap_or(0.5),
                _ => 1.0,
            };
            let (scaler, xs) = maybe_standardize(x, standardize);
            let xf = xs.as_ref();
            let max_iter = args.max_iter.unwrap_or(1000);
            let fit = ElasticNet::default()
                .alpha(alpha)
                .l1_ratio(rho)
                .tol(tol)
                .max_iter(max_iter)
                .fit(xf.design(), y)?;
            let path = LassoPath::default()
                .l1_ratio(rho)
                .fit_intercept(true)
                .n_alphas(args.n_alphas.unwrap_or(100))
                .eps(args.eps.unwrap_or(1e-3))
                .tol(tol)
                .max_iter(max_iter)
                .fit(xf.design(), y)?;
            let extra = fit_json(fit.dual_gap, fit.n_iter, fit.stop.converged());
            let report = SelectionReport {
                alpha: Some(alpha),
                l1_ratio: Some(rho),
                path: Some(CoefPath::from(&path)),
                ..SelectionReport::from_model(
                    Method::Lasso,
                    x,
                    fit.coef,
                    fit.intercept,
                    scaler.as_ref(),
                )
            };
            Ok((report, extra))
        }
        (SelectMethod::LogisticL1, None) => {
            let cv = LogisticL1Cv::default()
                .n_alphas(args.n_alphas.unwrap_or(50))
                .eps(args.eps.unwrap_or(1e-2))
                .folds(folds(args, true))
                .rule(rule(args))
                .standardize(standardize)
                .tol(tol)
                .max_iter(args.max_iter.unwrap_or(200))
                .full_path(true);
            let ticker = Ticker::new(args.folds, "folds", on);
            let fit = cv.fit_with_progress(x, y, &|| ticker.tick());
            ticker.finish();
            let fit = fit?;
            let mut extra = fit_json(fit.dual_gap, fit.n_iter, fit.stop.converged());
            extra["classes"] = json!(fit.classes);
            extra["sklearn_C"] = num(1.0 / (x.n_samples() as f64 * fit.alpha));
            extra["objective"] = num(fit.objective);
            Ok((SelectionReport::from_logistic(&fit, x), extra))
        }
        (SelectMethod::LogisticL1, Some(alpha)) => {
            let (classes, y01) = binary_labels(y)?;
            let (scaler, xs) = maybe_standardize(x, standardize);
            let xf = xs.as_ref();
            let max_iter = args.max_iter.unwrap_or(200);
            let fit = LogisticL1::new(alpha)
                .tol(tol)
                .max_iter(max_iter)
                .fit(xf.design(), &y01)?;
            let path = LogisticPath::default()
                .n_alphas(args.n_alphas.unwrap_or(50))
                .eps(args.eps.unwrap_or(1e-2))
                .tol(tol)
                .max_iter(max_iter)
                .fit(xf.design(), &y01)?;
            let mut extra = fit_json(fit.dual_gap, fit.n_iter, fit.stop.converged());
            extra["classes"] = json!(classes);
            extra["sklearn_C"] = num(1.0 / (x.n_samples() as f64 * alpha));
            extra["objective"] = num(fit.objective);
            let report = SelectionReport {
                alpha: Some(alpha),
                l1_ratio: Some(1.0),
                path: Some(CoefPath {
                    alphas: path.alphas,
                    coefs: path.coefs,
                }),
                ..SelectionReport::from_model(
                    Method::LogisticL1,
                    x,
                    fit.coef,
                    fit.intercept,
                    scaler.as_ref(),
                )
            };
            Ok((report, extra))
        }
        (SelectMethod::Stability, alpha) => {
            let st = StabilitySelection::default()
                .n_resamples(args.resamples)
                .n_alphas(args.n_alphas.unwrap_or(30))
                .eps(args.eps.unwrap_or(1e-2))
                .alphas(alpha.map(|a| vec![a]))
                .threshold(args.threshold)
                .max_false_positives(args.max_false_positives)
                .l1_ratio(args.l1_ratio.first().copied().unwrap_or(1.0))
                .standardize(standardize)
                .tol(tol)
                .max_iter(args.max_iter.unwrap_or(1000))
                .seed(args.seed.unwrap_or(0));
            let ticker = Ticker::new(args.resamples, "resamples", on);
            let fit = st.fit_with_progress(x, y, &|| ticker.tick());
            ticker.finish();
            let fit = fit?;
            let extra = json!({
                "threshold": args.threshold,
                "resamples": args.resamples,
                "region_alphas": fit.region,
                "q": fit.q,
                "expected_false_positives_bound": fit.error_bound,
            });
            Ok((SelectionReport::from_stability(&fit, x), extra))
        }
    }
}

/// The final fit's certificate in selected.json.
fn fit_json(dual_gap: f64, n_iter: usize, converged: bool) -> Value {
    json!({ "dual_gap": num(dual_gap), "n_iter": n_iter, "converged": converged })
}

/// `x` as JSON, or `null` when not finite.
fn num(x: f64) -> Value {
    if x.is_finite() { json!(x) } else { Value::Null }
}

fn nums(v: &[f64]) -> Vec<Value> {
    v.iter().map(|&x| num(x)).collect()
}

pub fn run(args: SelectArgs) -> Result<()> {
    check_args(&args)?;
    let t0 = Instant::now();
    let inp = load(&args)?;
    let (report, extra) = select(&args, &inp)?;
    let seconds = t0.elapsed().as_secs_f64();

    let method = report.method.name();
    let has_coef = !report.coef.is_empty();
    let selected: Vec<Value> = report
        .selected
        .iter()
        .map(|&j| {
            let mut e = json!({ "index": j, "name": report.names[j] });
            if has_coef {
                e["coef"] = num(report.coef[j]);
                e["coef_original"] = num(report.coef_original[j]);
            }
            if let Some(p) = &report.probabilities {
                e["probability"] = num(p[j]);
            }
            e
        })
        .collect();
    let cv = report.cv.as_ref().map(|c| {
        json!({
            "folds": c.errors.ncols(),
            "shuffle_seed": args.seed,
            "error": if report.method == Method::LogisticL1 { "log_loss" } else { "mse" },
            "alphas": nums(&c.alphas),
            "mean": nums(&c.mean),
            "se": nums(&c.se),
            "alpha_min": num(c.alpha_min()),
            "alpha_1se": num(c.alpha_1se()),
        })
    });
    let mut out = json!({
        "method": method,
        "data": args.data.display().to_string(),
        "target": inp.target_name,
        "n_samples": inp.x.n_samples(),
        "n_features": inp.x.n_features(),
        "sparse_input": inp.x.is_sparse(),
        "standardize": args.standardize.unwrap_or(args.method == SelectMethod::Stability),
        "alpha": report.alpha.map(num),
        "l1_ratio": report.l1_ratio.map(num),
        "rule": report.rule.map(|r| match r { CvRule::MinError => "min", CvRule::OneStandardError => "1se" }),
        "n_selected": report.selected.len(),
        "selected": selected,
        "intercept": if has_coef { num(report.intercept) } else { Value::Null },
        "intercept_original": if has_coef { num(report.intercept_original) } else { Value::Null },
        "cv": cv,
        "seconds": seconds,
    });
    if let (Value::Object(o), Value::Object(e)) = (&mut out, extra) {
        o.extend(e);
    }

    // Everything is computed: write the outputs (each atomically).
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("--out {}: cannot create the directory", args.out.display()))?;
    let mut written = vec!["selected.json"];
    if has_coef {
        npy::write_npy_vector(&args.out.join("coef.npy"), &report.coef_original)?;
        written.push("coef.npy");
    }
    if let Some(p) = &report.probabilities {
        npy::write_npy_vector(&args.out.join("probability.npy"), p)?;
        written.push("probability.npy");
    }
    if let Some(p) = &report.path {
        let rows: Vec<Vec<f64>> = p
            .coefs
            .row_iter()
            .map(|r| r.iter().copied().collect())
            .collect();
        let title = match report.method {
            Method::Stability => "stability paths: selection probability vs alpha".to_string(),
            _ => format!("{method}: coefficient paths"),
        };
        plot::write_coef_path_png(
            &args.out.join("path.png"),
            &p.alphas,
            &rows,
            &report.names,
            report.alpha,
            if report.method == Method::Stability {
                "selection probability"
            } else {
                "coefficient"
            },
            &title,
        )?;
        written.push("path.png");
    }
    if let Some(c) = &report.cv {
        let label = if report.method == Method::LogisticL1 {
            "mean log-loss"
        } else {
            "mean squared error"
        };
        plot::write_cv_curve_png(
            &args.out.join("cv.png"),
            &c.alphas,
            &c.mean,
            &c.se,
            c.alpha_min(),
            Some(c.alpha_1se()),
            label,
            &format!("{method}: {}-fold cross-validation", c.errors.ncols()),
        )?;
        written.push("cv.png");
    }
    let text = serde_json::to_string_pretty(&out)? + "\n";
    io::atomic_write(&args.out.join("selected.json"), |w| {
        w.write_all(text.as_bytes())
    })?;

    if args.json {
        print!("{text}");
    } else {
        let names = report.selected_names();
        let shown = if names.is_empty() {
            "none".to_string()
        } else if names.len() > 20 {
            format!("{}, … ({} more)", names[..20].join(", "), names.len() - 20)
        } else {
            names.join(", ")
        };
        let how = match (&report.alpha, &report.cv) {
            (Some(a), Some(c)) => format!(
                "alpha = {a:.6e} ({} rule; CV error {:.6e} ± {:.2e})",
                if report.rule == Some(CvRule::OneStandardError) {
                    "1se"
                } else {
                    "min"
                },
                c.mean[c.index(report.rule.unwrap_or_default())],
                c.se[c.index(report.rule.unwrap_or_default())]
            ),
            (Some(a), None) => format!("alpha = {a:.6e}"),
            _ => format!("selection probability ≥ {}", args.threshold),
        };
        println!(
            "{method} on {} samples × {} features (target {:?}): {how}; {} of {} features selected: {shown}; {seconds:.2} s",
            inp.x.n_samples(),
            inp.x.n_features(),
            inp.target_name,
            report.selected.len(),
            inp.x.n_features(),
        );
        println!("wrote {}/{{{}}}", args.out.display(), written.join(","));
    }
    Ok(())
}
