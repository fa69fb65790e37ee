//! `cstk lottery`: the lottery-ticket experiment on a small classification table (by default
//! the bundled 8×8 digits).

use crate::plot;
use crate::progress::ProgressBar;
use anyhow::{Context, Result, bail};
use cstk_linop::io::{self, csv};
use cstk_ml::Folds;
use cstk_ml::lottery::{Lottery, LotteryRound};
use cstk_ml::mlp::Train;
use serde_json::json;
use std::io::IsTerminal;
use std::path::PathBuf;

/// Arguments of `cstk lottery`.
#[derive(clap::Args, Debug)]
pub struct LotteryArgs {
    /// A CSV table with a header row: numeric features and an integer class column
    #[arg(long, default_value = "data/digits.csv")]
    pub data: PathBuf,
    /// The class column (labels 0, 1, …)
    #[arg(long, default_value = "digit")]
    pub target: String,
    /// Stop after this many pruning rounds (default: until at most 5% of the weights are left)
    #[arg(long)]
    pub rounds: Option<usize>,
    /// Share of each hidden layer's remaining weights pruned per round (the output layer: half)
    #[arg(long, default_value_t = 0.2, allow_negative_numbers = true)]
    pub rate: f64,
    /// Seed of the initial weights, the mini-batch order, the controls and the 80/20 split
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Hidden layer sizes
    #[arg(long, value_delimiter = ',', default_value = "128,64")]
    pub hidden: Vec<usize>,
    /// Training epochs of every network (Adam, lr 1e-3, batches of 32)
    #[arg(long, default_value_t = 30)]
    pub epochs: usize,
    /// Output directory: lottery.json, lottery.png
    #[arg(long, default_value = "lottery_out")]
    pub out: PathBuf,
    /// Print lottery.json on stdout
    #[arg(long)]
    pub json: bool,
    /// No progress bar
    #[arg(long)]
    pub quiet: bool,
}

/// Inputs scaled to [0, 1] by the largest |value|, class labels, and a stratified 80/20
/// split (the first of five seeded stratified folds is the test set).
type Split = ((Vec<f32>, Vec<usize>), (Vec<f32>, Vec<usize>));

fn load(args: &LotteryArgs) -> Result<(Split, usize)> {
    let ctx = || format!("--data {}", args.data.display());
    let mut t = csv::read_csv(&args.data).with_context(ctx)?;
    let y = t
        .take_column(&args.target)
        .with_context(|| format!("--target {:?} in {}", args.target, args.data.display()))?;
    if t.ncols() == 0 {
        bail!(
            "--data {}: no feature columns besides {:?}",
            args.data.display(),
            args.target
        );
    }
    let labels: Vec<usize> = y
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if v >= 0.0 && v.fract() == 0.0 && v < 1e6 {
                Ok(v as usize)
            } else {
                bail!(
                    "--target {:?}: row {} has {v}; expected class labels 0, 1, 2, …",
                    args.target,
                    i + 2
                )
            }
        })
        .collect::<Result<_>>()?;
    let x = t.to_dmatrix();
    let scale = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let scale = if scale > 0.0 { scale } else { 1.0 };
    let test = Folds::stratified_shuffled(5, args.seed)
        .test_sets(&y)
        .with_context(|| {
            format!(
                "--data {}: the classes are too small for an 80/20 split",
                args.data.display()
            )
        })?
        .swap_remove(0);
    let mut is_test = vec![false; labels.len()];
    test.iter().for_each(|&i| is_test[i] = true);
    let (mut tr, mut te) = ((Vec::new(), Vec::new()), (Vec::new(), Vec::new()));
    for (i, &label) in labels.iter().enumerate() {
        let part = if is_test[i] { &mut te } else { &mut tr };
        part.0.extend(x.row(i).iter().map(|&v| (v / scale) as f32));
        part.1.push(label);
    }
    Ok(((tr, te), x.ncols()))
}

pub fn run(args: LotteryArgs) -> Result<()> {
    if !(args.rate > 0.0 && args.rate < 1.0) {
        bail!("--rate {}: expected a number in (0, 1)", args.rate);
    }
    if args.rounds == Some(0) {
        bail!("--rounds 0: expected at least 1");
    }
    if args.epochs == 0 {
        bail!("--epochs 0: expected at least 1");
    }
    if args.hidden.contains(&0) {
        bail!(
            "--hidden {:?}: every layer needs at least one unit",
            args.hidden
        );
    }
    if args.out.exists() && !args.out.is_dir() {
        bail!(
            "--out {}: exists and is not a directory",
            args.out.display()
        );
    }
    let (((xtr, ytr), (xte, yte)), n_in) = load(&args)?;
    let exp = Lottery {
        hidden: args.hidden.clone(),
        rate: args.rate,
        output_rate: args.rate / 2.0,
        rounds: args.rounds,
        train: Train::default().epochs(args.epochs),
        seed: args.seed,
        ..Lottery::default()
    };
    // Rounds to reach ≤ 5% at this rate (hidden layers dominate the count).
    let total = args
        .rounds
        .unwrap_or_else(|| ((0.05f64).ln() / (1.0 - args.rate).ln()).ceil() as usize + 2);
    let mut bar = ProgressBar::new(total + 1, !args.quiet && std::io::stderr().is_terminal());
    let res = exp.run_with_progress((&xtr, &ytr), (&xte, &yte), &mut |r: &[LotteryRound]| {
        let last = &r[r.len() - 1];
        bar.update(
            r.len(),
            &format!(
                "{:.1}% left, accuracy {:.3}",
                100.0 * last.remaining,
                last.accuracy_rewind
            ),
        )
    });
    bar.finish();
    let res = res?;

    let rounds: Vec<_> = res
        .rounds
        .iter()
        .map(|r| {
            json!({
                "round": r.round,
                "remaining": r.remaining,
                "layer_remaining": r.layer_remaining,
                "accuracy_rewind": r.accuracy_rewind,
                "accuracy_reinit": r.accuracy_reinit,
                "activation_sparsity_rewind": r.activation_sparsity_rewind,
                "activation_sparsity_reinit": r.activation_sparsity_reinit,
            })
        })
        .collect();
    let sparse: Vec<&LotteryRound> = res.rounds.iter().filter(|r| r.remaining <= 0.2).collect();
    let gap = if sparse.is_empty() {
        None
    } else {
        Some(
            sparse
                .iter()
                .map(|r| r.accuracy_rewind - r.accuracy_reinit)
                .sum::<f64>()
                / sparse.len() as f64,
        )
    };
    let out = json!({
        "data": args.data.display().to_string(),
        "n_train": ytr.len(),
        "n_test": yte.len(),
        "sizes": res.sizes,
        "n_inputs": n_in,
        "rate": args.rate,
        "output_rate": args.rate / 2.0,
        "epochs": args.epochs,
        "seed": args.seed,
        "mean_gap_at_or_below_20_percent": gap,
        "rounds": rounds,
    });
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("--out {}: cannot create the directory", args.out.display()))?;
    let x: Vec<f64> = res.rounds.iter().map(|r| r.remaining).collect();
    let a: Vec<f64> = res.rounds.iter().map(|r| r.accuracy_rewind).collect();
    let b: Vec<f64> = res.rounds.iter().map(|r| r.accuracy_reinit).collect();
    plot::write_xy_png(
        &args.out.join("lottery.png"),
        &[
            ("rewind to initial weights (winning ticket)", &x, &a),
            ("random re-initialisation", &x, &b),
        ],
        true,
        true,
        "share of weights left (log scale)",
        "test accuracy",
        "lottery ticket: iterative magnitude pruning",
    )?;
    let text = serde_json::to_string_pretty(&out)? + "\n";
    io::atomic_write(&args.out.join("lottery.json"), |w| {
        w.write_all(text.as_bytes())
    })?;
    if args.json {
        print!("{text}");
        return Ok(());
    }
    println!(
        "lottery ticket on {} ({} train / {} test), MLP {:?}, prune {}% per round (output layer {}%)",
        args.data.display(),
        ytr.len(),
        yte.len(),
        res.sizes,
        100.0 * args.rate,
        50.0 * args.rate
    );
    println!(
        "round  weights left  acc rewind  acc reinit  zero ReLU outputs per layer (rewind | reinit)"
    );
    for r in &res.rounds {
        let f = |v: &[f64]| {
            v.iter()
                .map(|s| format!("{s:.2}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        println!(
            "{:>5}  {:>11.2}%  {:>10.4}  {:>10.4}  {} | {}",
            r.round,
            100.0 * r.remaining,
            r.accuracy_rewind,
            r.accuracy_reinit,
            f(&r.activation_sparsity_rewind),
            f(&r.activation_sparsity_reinit)
        );
    }
    if let Some(g) = gap {
        println!("mean accuracy gap (rewind − reinit) at ≤ 20% of the weights: {g:+.4}");
    }
    println!("wrote {}/{{lottery.json,lottery.png}}", args.out.display());
    Ok(())
}
