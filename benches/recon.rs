//! The solves of `cstk recon` (l1-wavelet by FISTA on a fixed grid and with single and paired
//! cycle spinning; TV by Chambolle–Pock), built from the public APIs exactly as `crates/cli/src/commands/recon.rs`
//! builds them: `A = M F` (`Compose` of the mask's restriction and the centered unitary
//! `Fft2`), `Dwt2` of 4 levels, `Step::Fixed(1.0)`, history recorded. Only the solve is timed
//! (no file I/O, no metrics, no PNGs), at fixed iteration counts (tolerance 1e-300: every
//! run does all its iterations), on 1 and 2 threads.
//!
//! Data: when `CSTK_RECON_DATA=DIR` is set, `DIR/k.cfl`, `DIR/mask.npy` (a directory written
//! by `python3 benches/peers/recon_bart.py --save ROOT`, e.g. `ROOT/poisson`), the same
//! k-space BART's `pics` reconstructs; else the built-in 256² Shepp–Logan phantom with a 4x
//! Poisson-disc mask (24² calibration square, seed 0). λ is absolute, as `--lambda-abs`:
//! `CSTK_RECON_L1_LAMBDA` (default 1e-3) and `CSTK_RECON_TV_LAMBDA` (default 3e-3), the best
//! λ of the sweeps in benches/README.md for the bart phantom.
//!
//! Run: `CSTK_RECON_DATA=/tmp/recon-bart-data/poisson cargo bench --bench recon`

mod common;

use common::env_or;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use cstk::linop::io::cfl::read_cfl;
use cstk::linop::transforms::fourier::Fft2;
use cstk::linop::transforms::wavelet::{Dwt2, Wavelet};
use cstk::linop::{Complex, Compose, LinOp};
use cstk::measure::mask::{Mask, MaskKind, MaskParams};
use cstk::measure::phantom::shepp_logan;
use cstk::solvers::fista::{Fista, Step};
use cstk::solvers::prox::CycleSpinL1;
use cstk::solvers::tv::TvRegularized;
use std::hint::black_box;
use std::path::Path;

type C64 = Complex<f64>;

const L1_ITERS: usize = 100;
const TV_ITERS: [usize; 2] = [200, 500];
const LEVELS: usize = 4;

/// The shared problem: image shape, mask, samples `y` in the mask's order.
struct Problem {
    ny: usize,
    nx: usize,
    mask: Mask,
    y: Vec<C64>,
    source: String,
}

fn load() -> Problem {
    match std::env::var("CSTK_RECON_DATA") {
        Ok(dir) => {
            let dir = Path::new(&dir);
            let k = read_cfl(&dir.join("k.cfl")).expect("CSTK_RECON_DATA: k.cfl");
            let (ny, nx) = k.as_image().expect("k.cfl: a 2-D image");
            let k: Vec<C64> = k
                .data
                .iter()
                .map(|c| C64::new(c.re as f64, c.im as f64))
                .collect();
            let mask = Mask::read(&dir.join("mask.npy")).expect("CSTK_RECON_DATA: mask.npy");
            assert_eq!((mask.ny(), mask.nx()), (ny, nx), "mask and k-space shapes");
            let y = mask.to_restriction().apply_vec(&k);
            Problem {
                ny,
                nx,
                mask,
                y,
                source: dir.display().to_string(),
            }
        }
        Err(_) => {
            let n = 256;
            let truth: Vec<C64> = shepp_logan(n)
                .expect("phantom")
                .iter()
                .map(|&v| C64::new(v, 0.0))
                .collect();
            let mask = MaskParams::new(MaskKind::Poisson, n, n, 4.0)
                .acs(24)
                .seed(0)
                .generate()
                .expect("mask");
            let k = Fft2::<f64>::new(n, n, true).expect("fft").apply_vec(&truth);
            let y = mask.to_restriction().apply_vec(&k);
            Problem {
                ny: n,
                nx: n,
                mask,
                y,
                source: format!("phantom {n}, poisson 4x"),
            }
        }
    }
}

fn bench_recon(c: &mut Criterion) {
    let p = load();
    let (ny, nx) = (p.ny, p.nx);
    let fft = Fft2::<f64>::new(ny, nx, true).expect("fft");
    let a = Compose::try_new(p.mask.to_restriction(), fft).expect("A = M F");
    let l1_lambda = env_or("CSTK_RECON_L1_LAMBDA", 1e-3);
    let tv_lambda = env_or("CSTK_RECON_TV_LAMBDA", 3e-3);
    eprintln!(
        "recon bench: {} ({ny}x{nx}, {} samples), l1 λ = {l1_lambda}, tv λ = {tv_lambda}",
        p.source,
        p.y.len()
    );
    let fista = Fista::params()
        .max_iter(L1_ITERS)
        .tol(1e-300)
        .step(Step::Fixed(1.0));

    let mut group = c.benchmark_group(format!("recon_{ny}x{nx}"));
    group.sample_size(10);
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        for name in ["haar", "db2"] {
            let w = Dwt2::<C64>::new(ny, nx, Wavelet::new(name).expect("wavelet"), LEVELS)
                .expect("dwt");
            let id = format!("l1_{name}_{L1_ITERS}it");
            group.bench_with_input(BenchmarkId::new(id, threads), &threads, |b, _| {
                pool.install(|| {
                    b.iter(|| {
                        black_box(
                            fista
                                .solve_l1_synthesis(&a, &w, black_box(&p.y), l1_lambda)
                                .expect("solve"),
                        )
                    })
                })
            });
            for paired in [false, true] {
                let mode = if paired { "paired" } else { "single" };
                let id = format!("l1_{name}_spin_{mode}_{L1_ITERS}it");
                group.bench_with_input(BenchmarkId::new(id, threads), &threads, |b, _| {
                    pool.install(|| {
                        b.iter(|| {
                            // Built per solve, as the CLI does (its stream restarts at the seed).
                            let g = CycleSpinL1::new(w.clone(), ny, nx, l1_lambda, 0)
                                .expect("prox")
                                .paired(paired);
                            black_box(fista.solve(&a, black_box(&p.y), &g).expect("solve"))
                        })
                    })
                });
            }
        }
        for iters in TV_ITERS {
            let tv = TvRegularized::params(ny, nx, tv_lambda)
                .max_iter(iters)
                .tol(1e-300);
            let id = format!("tv_{iters}it");
            group.bench_with_input(BenchmarkId::new(id, threads), &threads, |b, _| {
                pool.install(|| b.iter(|| black_box(tv.solve(&a, black_box(&p.y)).expect("tv"))))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_recon);
criterion_main!(benches);
