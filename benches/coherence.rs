//! Mutual coherence of a 512 × 2048 `f64` matrix (the reference size): column
//! normalization plus the upper triangle of the Gram matrix, about 2.1 GFlop. Entries
//! uniform in `[-1, 1)` from `cstk::linop::testing::random_vec` (seed 42).
//! `benches/peers/coherence_numpy.py` times NumPy (`G = A.T @ A`) on the same size.
//!
//! Run: `cargo bench --bench coherence` (set `CSTK_BENCH_M` / `CSTK_BENCH_N` to change the
//! size).

mod common;

use common::env_or;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use cstk::linop::testing::random_vec;
use cstk::measure::diagnostics::mutual_coherence;
use nalgebra::DMatrix;
use std::hint::black_box;

fn bench_coherence(c: &mut Criterion) {
    let m = env_or("CSTK_BENCH_M", 512);
    let n = env_or("CSTK_BENCH_N", 2048);
    let a = DMatrix::from_column_slice(m, n, &random_vec::<f64>(m * n, 42));

    let mut group = c.benchmark_group(format!("mutual_coherence_f64_{m}x{n}"));
    // multiply-adds of the upper triangle of AᵀA (counted as elements for a rate in G/s)
    group.throughput(Throughput::Elements((n * (n - 1) / 2 * m) as u64));
    group.sample_size(20);
    let default_threads = rayon::current_num_threads();
    for (label, threads) in [("1", 1usize), ("default", default_threads)] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        group.bench_with_input(BenchmarkId::new("threads", label), &threads, |b, _| {
            pool.install(|| b.iter(|| mutual_coherence(black_box(&a)).expect("coherence")))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_coherence);
criterion_main!(benches);
