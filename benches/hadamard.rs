//! Orthonormal fast Walsh–Hadamard transform of 2^20 f64 points, natural order (the
//! reference problem), on 1 and 2 threads; the sequency order alongside, for the cost of
//! its input permutation. Throughput counts the `n` points transformed.
//! `benches/peers/hadamard_numpy.py` times a vectorized NumPy butterfly on the same data.
//!
//! Run: `cargo bench --bench hadamard` (set `CSTK_BENCH_LOG2N` to change n = 2^k).

mod common;

use common::env_or;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use cstk::linop::LinOp;
use cstk::linop::transforms::hadamard::{Hadamard, HadamardOrder};
use std::hint::black_box;

fn bench_hadamard(c: &mut Criterion) {
    let log2n: u32 = env_or("CSTK_BENCH_LOG2N", 20);
    let n = 1usize << log2n;
    // the same data as the NumPy peer: ((i mod 17) − 8) / 8
    let x: Vec<f64> = (0..n).map(|i| ((i % 17) as f64 - 8.0) / 8.0).collect();
    let mut y = vec![0.0; n];

    let mut group = c.benchmark_group(format!("wht_f64_2p{log2n}"));
    group.throughput(Throughput::Elements(n as u64));
    group.sample_size(50);
    for (name, order) in [
        ("natural", HadamardOrder::Natural),
        ("sequency", HadamardOrder::Sequency),
    ] {
        let h = Hadamard::new(n, order).expect("power of two");
        let mut scratch = vec![0.0; LinOp::<f64>::scratch_len(&h)];
        for threads in [1usize, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("thread pool");
            group.bench_with_input(BenchmarkId::new(name, threads), &threads, |b, _| {
                pool.install(|| {
                    b.iter(|| h.apply_with_scratch(black_box(&x), black_box(&mut y), &mut scratch))
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_hadamard);
criterion_main!(benches);
