//! Where pruning starts to pay for `y = W x`: a 2,048 × 2,048 f32 layer (Gaussian weights,
//! cstk's seeded ensemble) magnitude-pruned to 0–98% sparsity ([`l1_unstructured`]), timed
//! dense (nalgebra matrix–vector product) and as CSR (cstk's SpMV, parallel over rows), with
//! 1 thread and all threads; and the bytes of each format (`prune::storage`).
//!
//! Run: `cargo bench --bench prune` (`CSTK_BENCH_N` changes the layer size).

mod common;

use common::env_or;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use cstk::linop::nalgebra::{DMatrix, DVector};
use cstk::linop::{CsrMatrix, LinOp};
use cstk::measure::DenseEnsemble;
use cstk::ml::prune::{l1_unstructured, storage};
use std::hint::black_box;

fn bench_prune(c: &mut Criterion) {
    let n: usize = env_or("CSTK_BENCH_N", 2048);
    let w: Vec<f32> = DenseEnsemble::Gaussian
        .matrix::<f64>(n, n, 1)
        .expect("matrix")
        .transpose() // row-major values of W
        .iter()
        .map(|&v| v as f32)
        .collect();
    let shape = [n, n];
    let x: Vec<f32> = (0..n).map(|i| 1.0 + (i % 7) as f32 * 0.125).collect();
    let xv = DVector::from_vec(x.clone());
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let mut group = c.benchmark_group(format!("prune_matvec_{n}x{n}_f32"));
    group.sample_size(20);
    for sparsity in [0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98] {
        let mask = l1_unstructured(&w, &shape, sparsity).expect("mask");
        let pruned = mask.applied(&w).expect("apply");
        let st = storage(&pruned, &shape, 4).expect("storage");
        eprintln!(
            "sparsity {sparsity:.2}: dense {} B, CSR {} B ({:.2}x), BSR2 {:?} B, BSR4 {:?} B",
            st.dense,
            st.csr,
            st.csr as f64 / st.dense as f64,
            st.bsr2,
            st.bsr4
        );
        let dense = DMatrix::from_row_slice(n, n, &pruned);
        let csr = CsrMatrix::from_dense(&dense, 0.0).expect("csr");
        let mut y = vec![0.0f32; n];
        let id = |what: &str| BenchmarkId::new(what, format!("{:02.0}%", 100.0 * sparsity));
        if sparsity == 0.0 {
            group.bench_function(id("dense"), |b| b.iter(|| black_box(&dense * &xv)));
        }
        group.bench_function(id("csr"), |b| {
            b.iter(|| {
                csr.apply(&x, &mut y);
                black_box(&y);
            })
        });
        group.bench_function(id("csr_1thread"), |b| {
            one.install(|| {
                b.iter(|| {
                    csr.apply(&x, &mut y);
                    black_box(&y);
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_prune);
criterion_main!(benches);
