//! The phase-transition targets of `cstk phase`: the default 20 × 20 grid × 20 trials at
//! n = 200 with OMP (target: under 30 s on 2 cores) and with basis pursuit (ADMM with the
//! optimality certificate; target: under 5 min). The BP bench runs `CSTK_PHASE_BP_TRIALS`
//! trials per cell (default 2, a tenth of the grid's 8,000 trials; multiply by 10) so that
//! criterion's ten samples stay affordable; set it to 20 for the full grid.
//!
//! `cargo bench --bench phase`

mod common;

use common::env_or;
use criterion::{Criterion, criterion_group, criterion_main};
use cstk::measure::phase::{Grid, Problem, Settings, run_cell};
use cstk::solvers::admm::AdmmBp;
use cstk::solvers::omp::Omp;
use rayon::prelude::*;
use std::time::Duration;

/// Every cell of the grid, cells and trials in parallel (as `cstk phase` runs them, without
/// the file writes); returns the total number of successes.
fn run_grid<S>(settings: &Settings, solve: &S) -> usize
where
    S: Fn(&Problem<'_, f64>) -> cstk::linop::Result<Vec<f64>> + Sync,
{
    settings
        .grid
        .cells()
        .par_iter()
        .map(|cell| run_cell(settings, cell, solve).successes)
        .sum()
}

fn phase(c: &mut Criterion) {
    let grid = Grid::uniform(200, 20, 20).unwrap();
    let omp = |p: &Problem<'_, f64>| {
        Ok(Omp::params()
            .record_history(false)
            .n_nonzero(p.k)
            .solve(p.a, p.y)?
            .x)
    };
    let bp = |p: &Problem<'_, f64>| {
        Ok(AdmmBp::params()
            .record_history(false)
            .max_iter(20_000)
            .solve(p.a, p.y)?
            .x)
    };
    let mut g = c.benchmark_group("phase");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(60));
    let s = Settings::new(grid.clone(), 20, "omp");
    g.bench_function("omp_20x20x20_n200", |b| b.iter(|| run_grid(&s, &omp)));
    let trials = env_or("CSTK_PHASE_BP_TRIALS", 2usize);
    let s = Settings::new(grid, trials, "admm-bp");
    g.bench_function(format!("admm-bp_20x20x{trials}_n200"), |b| {
        b.iter(|| run_grid(&s, &bp))
    });
    g.finish();
}

criterion_group!(benches, phase);
criterion_main!(benches);
