//! 2-D centered unitary FFT, `Complex<f64>`, 256² and 1024², shifts included
//! (`fftshift(fft2(ifftshift(x)))/√N`), with 1 and 2 rayon threads; and the same spectrum
//! from a real image through `Fft2::forward_real`. `benches/peers/fft_numpy.py` times
//! NumPy on the same problems.
//!
//! Run: `cargo bench --bench fft` (set `CSTK_BENCH_SIZES=256,512` to change the sizes).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use cstk::linop::num_complex::Complex;
use cstk::linop::transforms::fourier::Fft2;
use cstk::linop::{LinOp, testing::random_vec};
use std::hint::black_box;

fn sizes() -> Vec<usize> {
    std::env::var("CSTK_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|v| v.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![256, 1024])
}

fn bench_fft2(c: &mut Criterion) {
    for n in sizes() {
        let mut group = c.benchmark_group(format!("fft2_centered_c128_{n}x{n}"));
        group.throughput(Throughput::Elements((n * n) as u64));
        group.sample_size(if n >= 1024 { 30 } else { 100 });
        for threads in [1usize, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("thread pool");
            // built inside the pool, as an application would (the task split is fixed here)
            let op = pool.install(|| Fft2::<f64>::new(n, n, true).expect("valid size"));
            let x: Vec<Complex<f64>> = random_vec(n * n, 1);
            let xr: Vec<f64> = random_vec(n * n, 2);
            let mut y = vec![Complex::new(0.0, 0.0); n * n];
            let mut scratch = vec![Complex::new(0.0, 0.0); op.scratch_len()];
            group.bench_with_input(BenchmarkId::new("apply", threads), &threads, |b, _| {
                pool.install(|| {
                    b.iter(|| op.apply_with_scratch(black_box(&x), black_box(&mut y), &mut scratch))
                })
            });
            group.bench_with_input(BenchmarkId::new("adjoint", threads), &threads, |b, _| {
                pool.install(|| {
                    b.iter(|| {
                        op.adjoint_with_scratch(black_box(&x), black_box(&mut y), &mut scratch)
                    })
                })
            });
            group.bench_with_input(
                BenchmarkId::new("forward_real", threads),
                &threads,
                |b, _| {
                    pool.install(|| {
                        b.iter(|| op.forward_real(black_box(&xr), black_box(&mut y), &mut scratch))
                    })
                },
            );
        }
        group.finish();
    }
}

criterion_group!(benches, bench_fft2);
criterion_main!(benches);
