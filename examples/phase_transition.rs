//! The classic Donoho–Tanner phase diagram of basis pursuit on Gaussian matrices: the full
//! 20 × 20 grid, 20 trials per cell, n = 200 (about two minutes on two cores), run through
//! the library with a solver closure, resumable like `cstk phase`, and compared column by
//! column with the ℓ1 weak threshold ρ_W(δ).
//!
//! `cargo run --release --example phase_transition [-- OUT_DIR [TRIALS]]`

use cstk::measure::phase::theory::weak_threshold;
use cstk::measure::phase::{Grid, Problem, Settings, Shard, run_to_dir};
use cstk::solvers::admm::AdmmBp;
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().unwrap_or_else(|| "target/phase_example".into()));
    let trials: usize = args.next().map_or(Ok(20), |t| t.parse())?;

    // The experiment: what determines the numbers (a rerun gives the same phase.csv).
    let settings = Settings::new(Grid::uniform(200, 20, 20)?, trials, "admm-bp");
    // The solver: any closure from a Problem (A, y, k) to x̂.
    let bp = |p: &Problem<'_, f64>| {
        let sol = AdmmBp::params()
            .record_history(false)
            .max_iter(20_000)
            .solve(p.a, p.y)?;
        Ok(sol.x)
    };
    let start = Instant::now();
    let results = run_to_dir(&settings, Shard::ALL, &out, &bp, |cell, done, to_do| {
        if done % 40 == 0 || done == to_do {
            eprintln!(
                "{done}/{to_do} cells, last delta {} rho {}: {}/{} recovered",
                cell.cell.delta,
                cell.cell.rho,
                cell.successes,
                cell.trials()
            );
        }
    })?;
    println!(
        "{} cells x {trials} trials in {:.1} s; tables in {}",
        results.cells.len(),
        start.elapsed().as_secs_f64(),
        out.display()
    );

    // The empirical 50% transition against the theory.
    let class = settings.signal_class();
    println!("delta   rho_50% (empirical)   rho_W (theory)   gap");
    for p in results.transition() {
        let theory = weak_threshold(p.delta, class)?;
        match p.rho {
            Some(r) => println!(
                "{:5.2}   {r:19.3}   {theory:14.3}   {:+.3}",
                p.delta,
                r - theory
            ),
            None => println!("{:5.2}   {:>19}   {theory:14.3}", p.delta, "-"),
        }
    }
    Ok(())
}
