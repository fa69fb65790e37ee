//! The LASSO on the GPU: upload a sparse matrix once, solve with the device-resident FISTA,
//! and compare with the CPU solver.
//!
//! Run: `cargo run --release --features cuda --example gpu_lasso` (needs an NVIDIA GPU;
//! without one it says what is missing and exits with an error).

use cstk::linop::gpu::{Gpu, GpuCsr};
use cstk::linop::{CooMatrix, LinOp};
use cstk::solvers::fista::{Fista, lambda_max};
use std::time::Instant;

fn main() {
    if let Err(e) = run() {
        eprintln!("gpu_lasso: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    // a 50,000 × 200,000 sparse matrix, 20 nonzeros per row (a seeded pattern)
    let (m, n, per_row) = (50_000usize, 200_000usize, 20usize);
    let (mut rows, mut cols, mut vals) = (vec![], vec![], vec![]);
    for i in 0..m {
        for k in 0..per_row {
            let h = (i as u64 * 2_654_435_761 + k as u64 * 40_503) % n as u64;
            rows.push(i);
            cols.push(h as usize);
            vals.push(if (i + k) % 2 == 0 { 1.0 } else { -1.0 } / (per_row as f64).sqrt());
        }
    }
    let a = CooMatrix::try_from_triplets(m, n, rows, cols, vals)?.to_csr();
    // a 1,000-sparse signal and its measurements
    let truth: Vec<f64> = (0..n)
        .map(|j| if j % 200 == 0 { 1.0 } else { 0.0 })
        .collect();
    let y = a.apply_vec(&truth);
    let lam = 0.01 * lambda_max(&a, &y);

    let gpu = Gpu::new(0)?; // a clear error when there is no driver or GPU
    println!("GPU: {}", gpu.name());
    let d = GpuCsr::upload(&gpu, &a)?; // once; A and Aᵀ stay on the device
    let params = Fista::params().tol(1e-8).max_iter(2000);

    let t = Instant::now();
    let on_gpu = params.solve_l1_gpu(&d, &y, lam)?;
    let t_gpu = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let on_cpu = params.solve_l1(&a, &y, lam)?;
    let t_cpu = t.elapsed().as_secs_f64();

    let diff: f64 = on_gpu
        .x
        .iter()
        .zip(&on_cpu.x)
        .map(|(g, c)| (g - c).powi(2))
        .sum();
    let norm: f64 = on_cpu.x.iter().map(|c| c * c).sum();
    println!(
        "GPU: {} iterations, {:.3} s; CPU: {} iterations, {:.3} s; ‖x_gpu − x_cpu‖/‖x_cpu‖ = {:.1e}",
        on_gpu.iterations,
        t_gpu,
        on_cpu.iterations,
        t_cpu,
        (diff / norm).sqrt()
    );
    Ok(())
}
