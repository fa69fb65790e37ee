//! `CycleSpinL1` checked against its definition: every prox is the exact prox of
//! `λ‖W S x‖₁` for one circular shift `S` (single) or the average of two such proxes whose
//! shifts differ by an odd offset along each axis (paired), found by brute force over all
//! shifts of a small image; the fixed grid is the plain synthesis prox. Also: seeded
//! repeatability, the same result for any number of threads, and no allocation per call.

use cstk_linop::transforms::wavelet::{Dwt2, Wavelet};
use cstk_linop::{Complex, LinOp};
use cstk_measure::rng::{self, ChaCha8Rng, Domain, uniform01};
use cstk_solvers::prox::{CycleSpinL1, Prox, soft_threshold};

type C64 = Complex<f64>;

const TESTS: Domain = Domain::new(*b"cyclspin");

fn image(seed: u64, ny: usize, nx: usize) -> Vec<C64> {
    let mut r: ChaCha8Rng = rng::stream(7, TESTS, seed);
    // piecewise constant (so thresholding is active on some coefficients, not all)
    // plus noise
    let mut v: Vec<C64> = (0..ny * nx)
        .map(|i| {
            let (y, x) = (i / nx, i % nx);
            let level = if (y * 3 / ny + x * 5 / nx).is_multiple_of(2) {
                1.0
            } else {
                -0.5
            };
            C64::new(level, 0.3 * level)
        })
        .collect();
    for c in &mut v {
        *c += C64::new(uniform01(&mut r) - 0.5, uniform01(&mut r) - 0.5) * 0.4;
    }
    v
}

fn haar(ny: usize, nx: usize, levels: usize) -> Dwt2<C64> {
    Dwt2::new(ny, nx, Wavelet::new("haar").unwrap(), levels).unwrap()
}

/// `out[(i + dy) mod ny, (j + dx) mod nx] = v[i, j]`.
fn shift(v: &[C64], ny: usize, nx: usize, dy: usize, dx: usize) -> Vec<C64> {
    let mut out = vec![C64::new(0.0, 0.0); v.len()];
    for i in 0..ny {
        for j in 0..nx {
            out[((i + dy) % ny) * nx + (j + dx) % nx] = v[i * nx + j];
        }
    }
    out
}

/// The prox of `t‖W S ·‖₁` at `v`, from its definition `Sᴴ Wᴴ soft(W S v, t)`.
fn prox_at(w: &Dwt2<C64>, v: &[C64], ny: usize, nx: usize, s: (usize, usize), t: f64) -> Vec<C64> {
    let mut c = w.apply_vec(&shift(v, ny, nx, s.0, s.1));
    soft_threshold(&mut c, t);
    let back = w.adjoint_vec(&c);
    shift(&back, ny, nx, (ny - s.0) % ny, (nx - s.1) % nx)
}

fn max_diff(a: &[C64], b: &[C64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).norm())
        .fold(0.0, f64::max)
}

const NY: usize = 8;
const NX: usize = 12;

/// All `NY·NX` shifted proxes of `v`.
fn all_shifts(w: &Dwt2<C64>, v: &[C64], t: f64) -> Vec<((usize, usize), Vec<C64>)> {
    (0..NY)
        .flat_map(|dy| (0..NX).map(move |dx| (dy, dx)))
        .map(|s| (s, prox_at(w, v, NY, NX, s, t)))
        .collect()
}

#[test]
fn fixed_grid_is_the_synthesis_prox() {
    let w = haar(NY, NX, 2);
    let g = CycleSpinL1::new(w.clone(), NY, NX, 0.3, 1)
        .unwrap()
        .spin(false);
    for k in 0..3 {
        let v = image(k, NY, NX);
        let mut p = v.clone();
        g.prox(&mut p, 0.5);
        let want = prox_at(&w, &v, NY, NX, (0, 0), 0.15);
        assert!(max_diff(&p, &want) < 1e-14, "call {k}");
        // pairing needs spinning: without it the pair is the same grid
        let gp = CycleSpinL1::new(w.clone(), NY, NX, 0.3, 1)
            .unwrap()
            .spin(false)
            .paired(true);
        let mut q = v.clone();
        gp.prox(&mut q, 0.5);
        assert!(max_diff(&q, &want) < 1e-14, "paired, call {k}");
    }
}

#[test]
fn every_single_prox_is_one_shifted_prox_and_the_shifts_vary() {
    let w = haar(NY, NX, 2);
    let g = CycleSpinL1::new(w.clone(), NY, NX, 0.4, 11).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for k in 0..40 {
        let v = image(k, NY, NX);
        let cands = all_shifts(&w, &v, 0.4);
        let mut p = v.clone();
        g.prox(&mut p, 1.0);
        let best = cands
            .iter()
            .map(|(s, q)| (max_diff(&p, q), *s))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .unwrap();
        assert!(
            best.0 < 1e-13,
            "call {k}: no shift gives this prox ({:e})",
            best.0
        );
        // shifts equal mod 2^L give the same prox (a periodic L-level Haar)
        seen.insert((best.1.0 % 4, best.1.1 % 4));
    }
    assert!(
        seen.len() >= 8,
        "only {} distinct grids in 40 calls",
        seen.len()
    );
}

#[test]
fn every_paired_prox_averages_two_grids_an_odd_offset_apart() {
    let w = haar(NY, NX, 2);
    let g = CycleSpinL1::new(w.clone(), NY, NX, 0.4, 5)
        .unwrap()
        .paired(true);
    for k in 0..12 {
        let v = image(100 + k, NY, NX);
        let cands = all_shifts(&w, &v, 0.4);
        let mut p = v.clone();
        g.prox(&mut p, 1.0);
        let mut best = (f64::INFINITY, (0, 0), (0, 0));
        for (s1, p1) in &cands {
            for (s2, p2) in &cands {
                let (oy, ox) = ((s2.0 + NY - s1.0) % NY, (s2.1 + NX - s1.1) % NX);
                if oy % 2 == 1 && ox % 2 == 1 {
                    let avg: Vec<C64> = p1.iter().zip(p2).map(|(a, b)| (a + b) * 0.5).collect();
                    let d = max_diff(&p, &avg);
                    if d < best.0 {
                        best = (d, *s1, *s2);
                    }
                }
            }
        }
        assert!(
            best.0 < 1e-13,
            "call {k}: no odd pair gives this prox ({:e})",
            best.0
        );
        // and it is not a single grid's prox (the pair does average two different ones)
        let single = cands
            .iter()
            .map(|(_, q)| max_diff(&p, q))
            .fold(f64::INFINITY, f64::min);
        assert!(single > 1e-6, "call {k}: equals a single grid's prox");
    }
}

#[test]
fn value_is_the_unshifted_penalty_with_kept_coefficients_excluded() {
    let w = haar(NY, NX, 2);
    let v = image(3, NY, NX);
    let c = w.apply_vec(&v);
    let l1: f64 = c.iter().map(|z| z.norm()).sum();
    let g = CycleSpinL1::new(w.clone(), NY, NX, 0.7, 0)
        .unwrap()
        .paired(true);
    assert!((g.value(&v) - 0.7 * l1).abs() < 1e-12 * l1);
    let g = g.keep(vec![0, 5, 1000]);
    let kept = c[0].norm() + c[5].norm();
    assert!((g.value(&v) - 0.7 * (l1 - kept)).abs() < 1e-12 * l1);
    // kept coefficients pass the prox unshrunk (fixed grid, so the kept indices are fixed)
    let g = CycleSpinL1::new(w.clone(), NY, NX, 0.7, 0)
        .unwrap()
        .spin(false)
        .keep(vec![0]);
    let mut p = v.clone();
    g.prox(&mut p, 1.0);
    assert!((w.apply_vec(&p)[0] - c[0]).norm() < 1e-12);
}

/// 256² exercises the parallel passes (row blocks over both cores).
fn run_calls(seed: u64, paired: bool, calls: usize) -> Vec<C64> {
    let (ny, nx) = (256, 256);
    let g = CycleSpinL1::new(haar(ny, nx, 4), ny, nx, 0.2, seed)
        .unwrap()
        .paired(paired);
    let mut v = image(9, ny, nx);
    for _ in 0..calls {
        g.prox(&mut v, 1.0);
    }
    v
}

#[test]
fn seeded_and_identical_for_any_thread_count() {
    for paired in [false, true] {
        let on = |threads: usize, seed: u64| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| run_calls(seed, paired, 3))
        };
        let a = on(1, 4);
        assert_eq!(a, on(3, 4), "paired {paired}: 1 vs 3 threads");
        assert_eq!(a, on(2, 4), "paired {paired}: repeat");
        assert_ne!(a, on(2, 5), "paired {paired}: another seed, other shifts");
    }
}

#[test]
fn prox_and_value_do_not_allocate_per_call() {
    let (ny, nx) = (256, 256);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    for paired in [false, true] {
        let g = CycleSpinL1::new(haar(ny, nx, 4), ny, nx, 0.2, 1)
            .unwrap()
            .paired(paired);
        let mut v = image(2, ny, nx);
        let count = |calls: usize, v: &mut Vec<C64>| {
            pool.install(|| {
                allocation_counter::measure(|| {
                    for _ in 0..calls {
                        g.prox(v, 1.0);
                        let _ = g.value(v);
                    }
                })
                .count_total
            })
        };
        count(2, &mut v); // warm up rayon's queues
        let (few, many) = (count(2, &mut v), count(40, &mut v));
        // rayon may grow a queue now and then; never once per call
        assert!(
            many <= few + 8,
            "paired {paired}: {few} allocations for 2 calls, {many} for 40"
        );
    }
}
