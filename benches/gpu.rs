//! The CUDA backend (feature `cuda`): CSR SpMV on the GPU, f64, square n = 10^6 … 10^7 with
//! 20 random nonzeros per row, `A x` and `Aᵀ y` with both engines (the backend's kernels
//! and cuSPARSE), against the device's copy bandwidth; and the end-to-end FISTA (LASSO,
//! 200 iterations) on the GPU against the CPU solver on 2 threads (the 2-core path).
//!
//! Throughput counts what an SpMV must move: 12 bytes per nonzero (8-byte value, 4-byte
//! index), the row pointers, `x` read once and `y` written (`GpuCsr::spmv_bytes`); the copy
//! counts bytes read plus bytes written.
//!
//! Run: `cargo bench --features cuda --bench gpu`. `CSTK_GPU_SIZES` (comma-separated n,
//! default `1000000,3000000,10000000`) and `CSTK_GPU_FISTA_N` (default 1000000) change the
//! sizes. Without a GPU it says why and measures nothing.

mod common;

use common::{env_or, random_csr};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use cstk::linop::LinOp;
use cstk::linop::gpu::{Gpu, GpuCsr, SpmvEngine};
use cstk::solvers::fista::{Fista, lambda_max};
use std::sync::Arc;

const NNZ_PER_ROW: usize = 20;

fn device() -> Option<Arc<Gpu>> {
    match Gpu::new(0) {
        Ok(g) => {
            eprintln!(
                "device: {} (compute capability {}.{}, {:.0} GiB)",
                g.name(),
                g.compute_capability().0,
                g.compute_capability().1,
                g.memory_bytes() as f64 / (1u64 << 30) as f64
            );
            Some(g)
        }
        Err(e) => {
            eprintln!("benches/gpu.rs: nothing measured, no usable GPU ({e})");
            None
        }
    }
}

fn bench_spmv(c: &mut Criterion) {
    let Some(gpu) = device() else { return };
    let sizes: Vec<usize> = std::env::var("CSTK_GPU_SIZES")
        .unwrap_or_else(|_| "1000000,3000000,10000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    for n in sizes {
        let a = random_csr(n, n, NNZ_PER_ROW, 42);
        let x: Vec<f64> = (0..n).map(|i| ((i % 17) as f64 - 8.0) / 8.0).collect();
        let kernels = GpuCsr::upload(&gpu, &a).expect("upload");
        let bytes = kernels.spmv_bytes() as u64;
        let dx = gpu.upload(&x).expect("x");
        let mut dy = gpu.zeros(n).expect("y");

        // the copy baseline: as many bytes read and written as one SpMV moves
        let len = (bytes as usize / 16).max(1);
        let src = gpu.zeros(len).expect("copy source");
        let mut dst = gpu.zeros(len).expect("copy destination");
        let mut group = c.benchmark_group(format!("gpu_n{n}_x{NNZ_PER_ROW}"));
        group.sample_size(30);
        group.throughput(Throughput::Bytes(16 * len as u64));
        group.bench_function("copy", |b| {
            b.iter(|| {
                gpu.copy(&src, &mut dst).expect("copy");
                gpu.synchronize().expect("sync");
            })
        });
        drop((src, dst));

        // cpu check of the product once per size
        let mut want = vec![0.0; n];
        a.apply(&x, &mut want);
        let engines = [
            (SpmvEngine::Kernels, Some(kernels)),
            (
                SpmvEngine::Cusparse,
                GpuCsr::upload(&gpu, &a)
                    .and_then(|d| d.with_engine(SpmvEngine::Cusparse))
                    .map_err(|e| eprintln!("cusparse: skipped ({e})"))
                    .ok(),
            ),
        ];
        group.throughput(Throughput::Bytes(bytes));
        for (engine, d) in engines {
            let Some(d) = d else { continue };
            d.spmv(&dx, &mut dy).expect("spmv");
            let got = gpu.to_host(&dy).expect("y");
            let err = got
                .iter()
                .zip(&want)
                .map(|(g, w)| (g - w).abs())
                .fold(0.0, f64::max);
            eprintln!("n = {n}, {engine:?}: max |A x (GPU) − A x (CPU)| = {err:.2e}");
            group.bench_function(BenchmarkId::new("A_x", format!("{engine:?}")), |b| {
                b.iter(|| {
                    d.spmv(&dx, &mut dy).expect("spmv");
                    gpu.synchronize().expect("sync");
                })
            });
            let mut dxt = gpu.zeros(n).expect("x");
            group.bench_function(BenchmarkId::new("At_y", format!("{engine:?}")), |b| {
                b.iter(|| {
                    d.spmv_t(&dy, &mut dxt).expect("spmv_t");
                    gpu.synchronize().expect("sync");
                })
            });
        }
        group.finish();
    }
}

fn bench_fista(c: &mut Criterion) {
    let Some(gpu) = device() else { return };
    let n: usize = env_or("CSTK_GPU_FISTA_N", 1_000_000);
    let m = n / 2;
    let a = random_csr(m, n, NNZ_PER_ROW, 7);
    // a sparse truth (every 40th entry ±1) and its measurements
    let truth: Vec<f64> = (0..n)
        .map(|i| {
            if i % 40 == 0 {
                if i % 80 == 0 { 1.0 } else { -1.0 }
            } else {
                0.0
            }
        })
        .collect();
    let y = a.apply_vec(&truth);
    let lam = 0.05 * lambda_max(&a, &y);
    let params = Fista::params()
        .max_iter(200)
        .tol(1e-15)
        .record_history(false);
    let d = GpuCsr::upload(&gpu, &a).expect("upload");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("pool");

    let on_gpu = params.solve_l1_gpu(&d, &y, lam).expect("gpu fista");
    let on_cpu = pool
        .install(|| params.solve_l1(&a, &y, lam))
        .expect("cpu fista");
    let diff = on_gpu
        .x
        .iter()
        .zip(&on_cpu.x)
        .map(|(g, c)| (g - c).powi(2))
        .sum::<f64>()
        .sqrt();
    let norm = on_cpu.x.iter().map(|c| c * c).sum::<f64>().sqrt();
    eprintln!(
        "FISTA n = {n}, m = {m}: {} / {} iterations (GPU / CPU), ‖x_gpu − x_cpu‖/‖x_cpu‖ = {:.2e}",
        on_gpu.iterations,
        on_cpu.iterations,
        diff / norm
    );

    let mut group = c.benchmark_group(format!("fista_lasso_n{n}_200it"));
    group.sample_size(10);
    group.bench_function("gpu", |b| {
        b.iter(|| params.solve_l1_gpu(&d, &y, lam).expect("gpu"))
    });
    group.bench_function("cpu_2_threads", |b| {
        pool.install(|| b.iter(|| params.solve_l1(&a, &y, lam).expect("cpu")))
    });
    group.finish();
}

criterion_group!(benches, bench_spmv, bench_fista);
criterion_main!(benches);
