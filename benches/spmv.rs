//! CSR SpMV and transposed SpMV, f64, n = 200,000 square, 20 random nonzeros per row
//! (the reference problem). Throughput counts 12 bytes per stored entry (8-byte
//! value + 4-byte index) plus the 8-byte input and output vectors, as for scipy's
//! `int32`-indexed CSR. `benches/peers/spmv_scipy.py` times scipy on the same problem.
//!
//! Run: `cargo bench --bench spmv` (set `CSTK_BENCH_N` to change n).

mod common;

use common::{env_or, random_csr};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use cstk::linop::LinOp;
use std::hint::black_box;

const NNZ_PER_ROW: usize = 20;

fn bench_spmv(c: &mut Criterion) {
    let n: usize = env_or("CSTK_BENCH_N", 200_000);
    let a = random_csr(n, n, NNZ_PER_ROW, 42);
    let x: Vec<f64> = (0..n).map(|i| ((i % 17) as f64 - 8.0) / 8.0).collect();
    let mut y = vec![0.0; n];
    let mut scratch = vec![0.0; LinOp::<f64>::scratch_len(&a)];
    let bytes = (12 * a.nnz() + 16 * n) as u64;

    let mut group = c.benchmark_group("csr_spmv_f64_200k_x20");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(50);
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        group.bench_with_input(BenchmarkId::new("A_x", threads), &threads, |b, _| {
            pool.install(|| b.iter(|| a.mul_vec(black_box(&x), black_box(&mut y))))
        });
        group.bench_with_input(BenchmarkId::new("AT_y", threads), &threads, |b, _| {
            pool.install(|| {
                b.iter(|| a.adjoint_with_scratch(black_box(&x), black_box(&mut y), &mut scratch))
            })
        });
    }
    group.finish();

    // Bandwidth reference: copying a buffer as large as the matrix and vectors (read + write
    // counted, as for SpMV's bytes moved); "bytes moved / copy bandwidth" is the fraction
    // of the limit SpMV reaches.
    let words = bytes as usize / 8;
    let src: Vec<f64> = (0..words).map(|i| i as f64).collect();
    let mut dst = vec![0.0f64; words];
    let mut group = c.benchmark_group("memory_copy_f64");
    group.throughput(Throughput::Bytes(2 * bytes));
    group.sample_size(30);
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        group.bench_with_input(BenchmarkId::new("copy", threads), &threads, |b, _| {
            pool.install(|| {
                b.iter(|| {
                    use rayon::prelude::*;
                    dst.par_chunks_mut(1 << 16)
                        .zip(src.par_chunks(1 << 16))
                        .for_each(|(d, s)| d.copy_from_slice(s));
                    black_box(&mut dst);
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_spmv);
criterion_main!(benches);
