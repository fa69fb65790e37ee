//! Recovering a sparse signal from few random measurements with every solver in
//! `cstk::solvers`, on the same problem: a 20-sparse x in R^1000 from m = 250 Gaussian
//! measurements with noise at 40 dB. Prints iterations, time, error and support recovery.
//!
//! Run: `cargo run --release --example sparse_recovery`

use cstk::linop::{DenseOp, LinOp};
use cstk::measure::DenseEnsemble;
use cstk::measure::signals::{Amplitude, add_noise, sparse_signal};
use cstk::solvers::admm::AdmmBp;
use cstk::solvers::cd::ElasticNet;
use cstk::solvers::cosamp::Cosamp;
use cstk::solvers::fista::{Fista, lambda_max};
use cstk::solvers::iht::Iht;
use cstk::solvers::omp::Omp;
use cstk::solvers::{Error, Solution};
use std::time::Instant;

fn main() -> Result<(), Error> {
    let (m, n, k, seed) = (250, 1000, 20, 7);
    let a = DenseEnsemble::Gaussian.matrix::<f64>(m, n, seed)?;
    let op = DenseOp::new(a.clone());
    let truth = sparse_signal::<f64>(
        n,
        k,
        Amplitude::Uniform {
            low: 1.0,
            high: 2.0,
        },
        seed,
    )?;
    let clean = op.apply_vec(&truth.x);
    let y = add_noise(&clean, 40.0, seed)?.y;
    let lam = 0.01 * lambda_max(&op, &y);

    println!("x: {k}-sparse in R^{n}; y: {m} Gaussian measurements, SNR 40 dB; λ = 0.01 λ_max");
    println!(
        "{:<22} {:>6} {:>9} {:>10} {:>8}",
        "solver", "iters", "ms", "rel.error", "support"
    );
    let report = |name: &str, t: Instant, sol: &Solution<f64>| {
        let err = sol
            .x
            .iter()
            .zip(&truth.x)
            .map(|(u, v)| (u - v).powi(2))
            .sum::<f64>()
            .sqrt()
            / truth.x.iter().map(|v| v * v).sum::<f64>().sqrt();
        // the support estimate: the k largest entries
        let top = cstk::solvers::prox::largest_indices(&sol.x, k);
        let hits = top.iter().filter(|i| truth.support.contains(i)).count();
        println!(
            "{name:<22} {:>6} {:>9.2} {:>10.2e} {:>5}/{k}",
            sol.iterations,
            t.elapsed().as_secs_f64() * 1e3,
            err,
            hits
        );
    };

    let t = Instant::now();
    let s = Fista::params().tol(1e-8).solve_l1(&op, &y, lam)?;
    report("fista (λ)", t, &s);
    let t = Instant::now();
    let s = Fista::ista()
        .tol(1e-8)
        .max_iter(20_000)
        .solve_l1(&op, &y, lam)?;
    report("ista (λ)", t, &s);
    let t = Instant::now();
    let fit = ElasticNet::lasso(lam / m as f64)
        .fit_intercept(false)
        .tol(1e-8)
        .fit(&a, &y)?;
    let s: Solution<f64> = fit.into();
    report("cd (sklearn α = λ/m)", t, &s);
    let t = Instant::now();
    let s = Omp::params().n_nonzero(k).solve(&a, &y)?;
    report("omp (k)", t, &s);
    let t = Instant::now();
    let s = Cosamp::params(k).solve(&a, &y)?;
    report("cosamp (k)", t, &s);
    let t = Instant::now();
    let s = Iht::params(k).solve(&op, &y)?;
    report("iht (k)", t, &s);
    let t = Instant::now();
    let s = AdmmBp::params().solve(&a, &clean)?;
    report("admm-bp (noiseless y)", t, &s);
    Ok(())
}
