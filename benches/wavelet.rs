//! 2-D orthonormal wavelet transform: `wavedec2` with db4, 4 levels, periodization, on a
//! 1024 × 1024 f64 image (the reference problem), forward (`apply`, analysis into
//! PyWavelets' `coeffs_to_array` layout) and inverse (`adjoint`, which is `waverec2` here:
//! 1024 is a multiple of 2⁴), on 1 and 2 threads. `benches/peers/wavelet_pywt.py` times
//! PyWavelets on the same image.
//!
//! Throughput counts the image's bytes (8 MiB) once per transform.
//!
//! Run: `cargo bench --bench wavelet` (set `CSTK_BENCH_N` to change the side, and
//! `CSTK_BENCH_WAVELET` / `CSTK_BENCH_LEVELS` to change the wavelet and depth).

mod common;

use common::env_or;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use cstk::linop::LinOp;
use cstk::linop::transforms::wavelet::{Dwt2, Wavelet};
use std::hint::black_box;

/// The test image: `((i·7919 + 13) mod 2003)/2003 − 0.5` over the flat index (the same
/// formula as the peer script and the reference-data script).
fn image(n: usize) -> Vec<f64> {
    (0..n as u64)
        .map(|i| ((i * 7919 + 13) % 2003) as f64 / 2003.0 - 0.5)
        .collect()
}

fn bench_wavedec2(c: &mut Criterion) {
    let n: usize = env_or("CSTK_BENCH_N", 1024);
    let name: String = env_or("CSTK_BENCH_WAVELET", "db4".to_string());
    let levels: usize = env_or("CSTK_BENCH_LEVELS", 4);
    let op = Dwt2::<f64>::new(n, n, Wavelet::new(&name).expect("wavelet"), levels)
        .expect("levels within dwt_max_level");
    let x = image(n * n);
    let mut y = vec![0.0; op.nrows()];
    let mut xr = vec![0.0; op.ncols()];
    let mut scratch = vec![0.0; op.scratch_len()];
    op.apply(&x, &mut y);

    let mut group = c.benchmark_group(format!("wavedec2_{name}_L{levels}_{n}x{n}_f64"));
    group.throughput(Throughput::Bytes((8 * n * n) as u64));
    group.sample_size(30);
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        group.bench_with_input(BenchmarkId::new("forward", threads), &threads, |b, _| {
            pool.install(|| {
                b.iter(|| op.apply_with_scratch(black_box(&x), black_box(&mut y), &mut scratch))
            })
        });
        group.bench_with_input(BenchmarkId::new("inverse", threads), &threads, |b, _| {
            pool.install(|| {
                b.iter(|| op.adjoint_with_scratch(black_box(&y), black_box(&mut xr), &mut scratch))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_wavedec2);
criterion_main!(benches);
