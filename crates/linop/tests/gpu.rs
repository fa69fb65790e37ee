//! The CUDA backend (feature `cuda`). Without a GPU the device tests print why they are
//! skipped and pass; the kernel source is still compiled to PTX wherever NVRTC is found
//! (NVRTC needs no GPU).
#![cfg(feature = "cuda")]

use cstk_linop::gpu::{self, Gpu, GpuCsr, KERNELS, SpmvEngine, lanes_per_row};
use cstk_linop::testing::{dot_test, gpu_or_skip, random_sparse, rel_err, skip};
use cstk_linop::{CsrMatrix, LinOp, PowerIteration};

/// The device, or `None` with a message saying why its tests are skipped.
#[test]
fn kernels_compile_to_ptx_for_turing_through_hopper() {
    if !gpu::nvrtc_present() {
        skip("kernels_compile_to_ptx: skipped, NVRTC (libnvrtc.so) not found");
        return;
    }
    for arch in ["compute_75", "compute_80", "compute_90"] {
        let ptx = gpu::compile_kernels(arch).unwrap_or_else(|e| panic!("{arch}: {e}"));
        for k in KERNELS {
            assert!(
                ptx.contains(&format!(".entry {k}(")),
                "{arch}: kernel {k} missing from the PTX"
            );
        }
        // fmad=false: no fused multiply-add in the elementwise kernels
        assert!(!ptx.contains("fma.rn.f64"), "{arch}: the PTX contains fma");
    }
}

#[test]
fn no_device_is_a_clear_error() {
    if gpu::driver_present() {
        skip("no_device_is_a_clear_error: skipped, a CUDA driver is present");
        return;
    }
    let e = Gpu::new(0)
        .err()
        .expect("no driver, yet a GPU opened")
        .to_string();
    assert!(
        e.contains("libcuda.so") && e.contains("NVIDIA driver"),
        "{e}"
    );
}

#[test]
fn lanes_follow_the_mean_row_length() {
    assert_eq!(lanes_per_row(0.0), 1);
    assert_eq!(lanes_per_row(1.0), 1);
    assert_eq!(lanes_per_row(1.5), 2);
    assert_eq!(lanes_per_row(8.0), 8);
    assert_eq!(lanes_per_row(9.0), 16);
    assert_eq!(lanes_per_row(20.0), 32);
    assert_eq!(lanes_per_row(5000.0), 32);
}

#[test]
fn spmv_matches_the_cpu_on_random_and_power_law_matrices() {
    let Some(g) = gpu_or_skip("spmv_matches_the_cpu") else {
        return;
    };
    for (m, n, per_row, power_law) in [
        (1000, 700, 20, false),
        (3000, 20000, 30, true),
        (1, 5, 3, false),
        (50, 1, 1, false),
    ] {
        let a = random_sparse(m, n, per_row, power_law, 7);
        if power_law {
            assert!((0..m).any(|i| a.indptr()[i + 1] - a.indptr()[i] > gpu::LONG_ROW));
        }
        let x: Vec<f64> = cstk_linop::testing::random_vec(n, 1);
        let y: Vec<f64> = cstk_linop::testing::random_vec(m, 2);
        for engine in [SpmvEngine::Kernels, SpmvEngine::Cusparse] {
            let d = match GpuCsr::upload(&g, &a).unwrap().with_engine(engine) {
                Ok(d) => d,
                Err(e) => {
                    skip(&format!("{engine:?}: skipped ({e})"));
                    continue;
                }
            };
            let (dx, dy) = (g.upload(&x).unwrap(), g.upload(&y).unwrap());
            let (mut ay, mut aty) = (g.zeros(m).unwrap(), g.zeros(n).unwrap());
            d.spmv(&dx, &mut ay).unwrap();
            d.spmv_t(&dy, &mut aty).unwrap();
            let (ay, aty) = (g.to_host(&ay).unwrap(), g.to_host(&aty).unwrap());
            assert!(
                rel_err(&ay, &a.apply_vec(&x)) < 1e-13,
                "{engine:?} A x, {m}×{n}"
            );
            assert!(
                rel_err(&aty, &a.adjoint_vec(&y)) < 1e-13,
                "{engine:?} Aᵀ y, {m}×{n}"
            );
            // deterministic: a second product gives the same bits
            let mut again = g.zeros(m).unwrap();
            d.spmv(&dx, &mut again).unwrap();
            assert_eq!(g.to_host(&again).unwrap(), ay);
            // the host LinOp form and its adjoint test
            assert!(rel_err(&d.apply_vec(&x), &a.apply_vec(&x)) < 1e-13);
            dot_test(&d, 1e-12).unwrap();
            assert!(d.take_error().is_none());
        }
    }
}

#[test]
fn empty_and_all_zero_matrices_work() {
    let Some(g) = gpu_or_skip("empty_and_all_zero_matrices") else {
        return;
    };
    for (m, n) in [(0, 5), (3, 0), (4, 4), (0, 0)] {
        let a = CsrMatrix::<f64>::zeros(m, n);
        for engine in [SpmvEngine::Kernels, SpmvEngine::Cusparse] {
            let Ok(d) = GpuCsr::upload(&g, &a).unwrap().with_engine(engine) else {
                continue;
            };
            assert_eq!(
                d.apply_vec(&vec![1.0; n]),
                vec![0.0; m],
                "{m}×{n} {engine:?}"
            );
            assert_eq!(
                d.adjoint_vec(&vec![1.0; m]),
                vec![0.0; n],
                "{m}×{n} {engine:?}"
            );
            assert!(d.take_error().is_none());
        }
    }
    assert!(g.to_host(&g.upload(&[]).unwrap()).unwrap().is_empty());
}

#[test]
fn vector_kernels_and_reductions_match_the_cpu() {
    let Some(g) = gpu_or_skip("vector_kernels") else {
        return;
    };
    let n = 300_001; // more than MAX_REDUCE_BLOCKS blocks: the grid-stride path
    let u: Vec<f64> = cstk_linop::testing::random_vec(n, 3);
    let v: Vec<f64> = cstk_linop::testing::random_vec(n, 4);
    let (du, dv) = (g.upload(&u).unwrap(), g.upload(&v).unwrap());
    let mut out = g.zeros(n).unwrap();
    g.lincomb(1.0, &du, -1.0, &dv, &mut out).unwrap();
    let want: Vec<f64> = u.iter().zip(&v).map(|(a, b)| a - b).collect();
    assert_eq!(g.to_host(&out).unwrap(), want, "u − v is exact");
    g.extrapolate(&du, &dv, 0.3, &mut out).unwrap();
    let want: Vec<f64> = u.iter().zip(&v).map(|(a, b)| a + (a - b) * 0.3).collect();
    assert_eq!(
        g.to_host(&out).unwrap(),
        want,
        "extrapolation rounds as the CPU does"
    );
    g.shrink_step(&du, &dv, 0.5, 0.2, &mut out).unwrap();
    let want: Vec<f64> = u
        .iter()
        .zip(&v)
        .map(|(z, gr)| {
            let r = z - gr * 0.5;
            if r > 0.2 {
                r - 0.2
            } else if r < -0.2 {
                r + 0.2
            } else {
                0.0
            }
        })
        .collect();
    assert_eq!(
        g.to_host(&out).unwrap(),
        want,
        "soft threshold rounds as the CPU does"
    );
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
    let ssd: f64 = u.iter().zip(&v).map(|(a, b)| (a - b) * (a - b)).sum();
    assert!(close(g.sum_sq_diff(&du, &dv).unwrap(), ssd));
    let nrm: f64 = u.iter().map(|a| a * a).sum::<f64>().sqrt();
    assert!(close(g.norm2(&du).unwrap(), nrm));
    let mx = u.iter().fold(0.0f64, |m, a| m.max(a.abs()));
    assert_eq!(g.max_abs(&du).unwrap(), mx);
    let s = g.step_stats(&dv, &du, &dv).unwrap();
    assert!(close(s.l1, u.iter().map(|a| a.abs()).sum()));
    assert!(close(s.step_sq, ssd));
    assert!(close(s.norm_sq, nrm * nrm));
    assert!(close(s.momentum_dot, -ssd));
    let (yr, rr) = g.residual_stats(&du, &dv, &mut out).unwrap();
    assert!(close(rr, ssd));
    assert!(close(yr, u.iter().zip(&v).map(|(a, b)| a * (a - b)).sum()));
    // reductions are deterministic
    assert_eq!(g.norm2(&du).unwrap(), g.norm2(&du).unwrap());
    // NaN is not lost by the max
    let mut w = u.clone();
    w[n / 2] = f64::NAN;
    assert!(g.max_abs(&g.upload(&w).unwrap()).unwrap().is_nan());
}

#[test]
fn device_power_iteration_agrees_with_the_cpu() {
    let Some(g) = gpu_or_skip("device_power_iteration") else {
        return;
    };
    let a = random_sparse(400, 900, 15, false, 11);
    let d = GpuCsr::upload(&g, &a).unwrap();
    let p = PowerIteration::default();
    let (cpu, dev) = (p.run(&a).unwrap(), d.norm_est(&p).unwrap());
    assert_eq!(cpu.iterations, dev.iterations);
    assert!(
        (cpu.norm - dev.norm).abs() <= 1e-12 * cpu.norm,
        "{} vs {}",
        cpu.norm,
        dev.norm
    );
}
