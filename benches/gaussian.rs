//! Drawing a 4,000 × 16,000 Gaussian sensing matrix (N(0, 1/m) entries, 64 M values, 512 MB)
//! on 1 and 2 threads, f64 and f32, and the other dense ensembles and the sparse ensemble at
//! the same size. `benches/peers/gaussian_numpy.py` times
//! `numpy.random.default_rng(seed).standard_normal((4000, 16000))` on the same machine.
//!
//! Run: `cargo bench --bench gaussian` (set `CSTK_BENCH_M`, `CSTK_BENCH_N` to change the size).

mod common;

use common::env_or;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use cstk::measure::DenseEnsemble;
use cstk::measure::ensembles::sparse_random;
use std::hint::black_box;

fn bench_gaussian(c: &mut Criterion) {
    let (m, n) = (env_or("CSTK_BENCH_M", 4000), env_or("CSTK_BENCH_N", 16000));
    let mut group = c.benchmark_group(format!("ensemble_{m}x{n}"));
    group.throughput(Throughput::Elements((m * n) as u64));
    group.sample_size(10);
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        for e in [
            DenseEnsemble::Gaussian,
            DenseEnsemble::Rademacher,
            DenseEnsemble::Sphere,
        ] {
            group.bench_with_input(BenchmarkId::new(e.name(), threads), &threads, |b, _| {
                pool.install(|| b.iter(|| black_box(e.matrix::<f64>(m, n, 1).expect("matrix"))))
            });
        }
        group.bench_with_input(
            BenchmarkId::new("gaussian_f32", threads),
            &threads,
            |b, _| {
                pool.install(|| {
                    b.iter(|| {
                        black_box(
                            DenseEnsemble::Gaussian
                                .matrix::<f32>(m, n, 1)
                                .expect("matrix"),
                        )
                    })
                })
            },
        );
        group.bench_with_input(BenchmarkId::new("sparse_s8", threads), &threads, |b, _| {
            pool.install(|| b.iter(|| black_box(sparse_random::<f64>(m, n, 8, 1).expect("csc"))))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_gaussian);
criterion_main!(benches);
