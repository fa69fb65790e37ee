//! Layer-wise reconstruction pruning (`cstk_ml::prune::reconstruct`): exact per-row counts
//! and N:M patterns for every method, the output-error function on a hand example,
//! validation, and the solver methods beating magnitude pruning on correlated inputs.

use cstk_measure::rng::{self, Domain, StandardNormal};
use cstk_ml::Error;
use cstk_ml::prune::{LayerPruner, Reconstruction, Target, relative_output_error, satisfies_nm};

const METHODS: [Reconstruction; 5] = [
    Reconstruction::Magnitude,
    Reconstruction::Wanda,
    Reconstruction::SparseGpt,
    Reconstruction::Omp,
    Reconstruction::Lasso,
];

/// `rows × cols` standard Gaussians, row-major, one seeded stream per row.
fn gaussian(seed: u64, tag: &[u8; 8], rows: usize, cols: usize) -> Vec<f64> {
    let normal = StandardNormal::new();
    let domain = Domain::new(*tag);
    (0..rows)
        .flat_map(|r| {
            let mut g = rng::stream(seed, domain, r as u64);
            (0..cols)
                .map(move |_| normal.sample(&mut g))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Correlated calibration inputs `X = Z A + noise · E` (`n × d`, rank-`r` signal) and a
/// Gaussian weight (`out × d`).
fn problem(n: usize, d: usize, r: usize, out: usize, noise: f64) -> (Vec<f32>, Vec<f64>) {
    let z = gaussian(1, b"recz\0\0\0\0", n, r);
    let a = gaussian(2, b"reca\0\0\0\0", r, d);
    let e = gaussian(3, b"rece\0\0\0\0", n, d);
    let mut x = vec![0.0; n * d];
    for i in 0..n {
        for j in 0..d {
            let s: f64 = (0..r).map(|t| z[i * r + t] * a[t * d + j]).sum();
            x[i * d + j] = s + noise * e[i * d + j];
        }
    }
    let w = gaussian(4, b"recw\0\0\0\0", out, d)
        .into_iter()
        .map(|v| v as f32)
        .collect();
    (w, x)
}

fn kept_per_row(keep: &[bool], d: usize) -> Vec<usize> {
    keep.chunks(d)
        .map(|r| r.iter().filter(|&&k| k).count())
        .collect()
}

#[test]
fn every_method_hits_the_per_row_target_exactly() {
    let (w, x) = problem(96, 40, 6, 7, 0.05);
    let (shape, x_shape) = ([7, 40], [96, 40]);
    for &s in &[0.0, 0.3, 0.5, 0.75, 0.9] {
        let k = 40 - (s * 40.0f64).round_ties_even() as usize;
        for m in METHODS {
            // A small block so that SparseGPT's per-block allocation is exercised.
            let p = LayerPruner::new(m, Target::Sparsity(s))
                .blocksize(16)
                .prune(&w, &shape, &x, &x_shape)
                .unwrap();
            assert_eq!(kept_per_row(p.mask.keep(), 40), vec![k; 7], "{m:?} at {s}");
            for (v, &kp) in p.weight.iter().zip(p.mask.keep()) {
                assert!(kp || *v == 0.0, "{m:?}: a pruned weight is nonzero");
                assert!(v.is_finite());
            }
            if matches!(m, Reconstruction::Magnitude | Reconstruction::Wanda) || s == 0.0 {
                // Mask-only methods (and sparsity 0) keep the original values.
                for ((v, &o), &kp) in p.weight.iter().zip(&w).zip(p.mask.keep()) {
                    assert_eq!(*v, if kp { o } else { 0.0 });
                }
            }
        }
    }
}

#[test]
fn nm_methods_satisfy_the_pattern() {
    let (w, x) = problem(64, 32, 5, 6, 0.05);
    let (shape, x_shape) = ([6, 32], [64, 32]);
    for (n, m) in [(2, 4), (1, 4), (4, 8)] {
        for meth in [
            Reconstruction::Magnitude,
            Reconstruction::Wanda,
            Reconstruction::SparseGpt,
        ] {
            for bs in [8, 16, 128] {
                let p = LayerPruner::new(meth, Target::Nm { n, m })
                    .blocksize(bs)
                    .prune(&w, &shape, &x, &x_shape)
                    .unwrap();
                assert!(satisfies_nm(&p.weight, &shape, n, m), "{meth:?} {n}:{m}");
                // The mask keeps exactly n per group.
                assert!(
                    p.mask
                        .keep()
                        .chunks(m)
                        .all(|g| g.iter().filter(|&&k| k).count() == n)
                );
            }
        }
    }
}

#[test]
fn relative_output_error_on_a_hand_example() {
    // X = [[1, 2], [0, 1], [1, 0]], W = [[1, 1]], Ŵ = [[1, 0]]:
    // X Wᵀ = (3, 1, 1), X Ŵᵀ = (1, 0, 1), difference (2, 1, 0): error √5 / √11.
    let x = [1.0, 2.0, 0.0, 1.0, 1.0, 0.0];
    let e = relative_output_error(&[1.0, 1.0], &[1.0, 0.0], &[1, 2], &x, &[3, 2]).unwrap();
    assert!((e - (5.0f64 / 11.0).sqrt()).abs() < 1e-15, "{e}");
    // Two outputs: W = [[1, 1], [0, 1]], Ŵ = [[1, 1], [0, 0]]: the second output (2, 1, 0)
    // is lost; ‖X Wᵀ‖² = 11 + 5.
    let e = relative_output_error(
        &[1.0, 1.0, 0.0, 1.0],
        &[1.0, 1.0, 0.0, 0.0],
        &[2, 2],
        &x,
        &[3, 2],
    )
    .unwrap();
    assert!((e - (5.0f64 / 16.0).sqrt()).abs() < 1e-15, "{e}");
    assert_eq!(
        relative_output_error(&[0.0, 0.0], &[0.0, 0.0], &[1, 2], &x, &[3, 2]).unwrap(),
        0.0
    );
    assert_eq!(
        relative_output_error(&[0.0, 0.0], &[1.0, 0.0], &[1, 2], &x, &[3, 2]).unwrap(),
        f64::INFINITY
    );
}

#[test]
fn invalid_inputs_are_errors() {
    let (w, x) = problem(20, 8, 3, 2, 0.1);
    let (shape, x_shape) = ([2, 8], [20, 8]);
    let p = |m, t| LayerPruner::new(m, t);
    for s in [-0.1, 1.0, 1.5, f64::NAN] {
        let err = p(Reconstruction::Wanda, Target::Sparsity(s))
            .prune(&w, &shape, &x, &x_shape)
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidParam {
                    name: "sparsity",
                    ..
                }
            ),
            "{err}"
        );
    }
    for (n, m) in [(4, 4), (5, 4), (0, 4), (1, 1), (2, 3)] {
        let err = p(Reconstruction::SparseGpt, Target::Nm { n, m })
            .prune(&w, &shape, &x, &x_shape)
            .unwrap_err();
        assert!(matches!(err, Error::InvalidParam { .. }), "{n}:{m}: {err}");
    }
    for m in [Reconstruction::Omp, Reconstruction::Lasso] {
        assert!(
            p(m, Target::Nm { n: 2, m: 4 })
                .prune(&w, &shape, &x, &x_shape)
                .is_err()
        );
    }
    let sp = p(Reconstruction::SparseGpt, Target::Sparsity(0.5));
    assert!(
        sp.clone()
            .blocksize(0)
            .prune(&w, &shape, &x, &x_shape)
            .is_err()
    );
    assert!(
        sp.clone()
            .percdamp(-1.0)
            .prune(&w, &shape, &x, &x_shape)
            .is_err()
    );
    assert!(
        p(Reconstruction::SparseGpt, Target::Nm { n: 2, m: 4 })
            .blocksize(6)
            .prune(&w, &shape, &x, &x_shape)
            .is_err()
    );
    // Calibration width 10 against a layer of input width 8: the message names both.
    let x10 = vec![0.5; 20 * 10];
    for m in [Reconstruction::Magnitude, Reconstruction::Omp] {
        let err = p(m, Target::Sparsity(0.5))
            .prune(&w, &shape, &x10, &[20, 10])
            .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, Error::ShapeMismatch { .. }), "{msg}");
        assert!(msg.contains("width 8") && msg.contains("width 10"), "{msg}");
    }
    let err = relative_output_error(&w, &w, &shape, &x10, &[20, 10]).unwrap_err();
    assert!(err.to_string().contains("width 10"));
    // Lengths that do not match the shapes; non-2-D shapes.
    assert!(sp.prune(&w[1..], &shape, &x, &x_shape).is_err());
    assert!(sp.prune(&w, &shape, &x[1..], &x_shape).is_err());
    assert!(sp.prune(&w, &[16], &x, &x_shape).is_err());
    assert!(sp.prune(&w, &shape, &x, &[0, 8]).is_err());
    // NaN in the weight or the inputs.
    let mut wn = w.clone();
    wn[3] = f32::NAN;
    let mut xn = x.clone();
    xn[17] = f64::NAN;
    for m in METHODS {
        let q = p(m, Target::Sparsity(0.5));
        assert!(matches!(
            q.prune(&wn, &shape, &x, &x_shape),
            Err(Error::NonFinite { .. })
        ));
        assert!(matches!(
            q.prune(&w, &shape, &xn, &x_shape),
            Err(Error::NonFinite { .. })
        ));
    }
    assert!(relative_output_error(&w, &wn, &shape, &x, &x_shape).is_err());
}

#[test]
fn solver_methods_beat_magnitude_on_correlated_inputs() {
    let (n, d, out) = (512, 64, 32);
    let (w, x) = problem(n, d, 16, out, 0.05);
    let (shape, x_shape) = ([out, d], [n, d]);
    let error = |m: Reconstruction, t: Target| {
        let p = LayerPruner::new(m, t)
            .prune(&w, &shape, &x, &x_shape)
            .unwrap();
        relative_output_error(&w, &p.weight, &shape, &x, &x_shape).unwrap()
    };
    println!(
        "relative output error ‖X Wᵀ − X Ŵᵀ‖_F / ‖X Wᵀ‖_F, X = Z A + 0.05 E (512 × 64, rank 16), W 32 × 64"
    );
    println!(
        "{:<10} {:>10} {:>10} {:>10}",
        "method", "s = 0.5", "s = 0.75", "2:4"
    );
    let mut table = Vec::new();
    for m in METHODS {
        let e50 = error(m, Target::Sparsity(0.5));
        let e75 = error(m, Target::Sparsity(0.75));
        let nm = match m {
            Reconstruction::Omp | Reconstruction::Lasso => f64::NAN,
            _ => error(m, Target::Nm { n: 2, m: 4 }),
        };
        let nm_cell = if nm.is_nan() {
            "—".to_string()
        } else {
            format!("{nm:.4}")
        };
        println!(
            "{:<10} {e50:>10.4} {e75:>10.4} {nm_cell:>10}",
            format!("{m:?}")
        );
        table.push((m, [e50, e75, nm]));
    }
    let get = |m: Reconstruction, i: usize| table.iter().find(|r| r.0 == m).unwrap().1[i];
    use Reconstruction::*;
    // Measured (see the printed table): Magnitude 0.27 / 0.53, Wanda 0.25 / 0.51,
    // SparseGPT 0.089 / 0.41, OMP 0.005 / 0.015, LASSO 0.006 / 0.013 at s = 0.5 / 0.75;
    // 2:4: Magnitude 0.36, Wanda 0.34, SparseGPT 0.17. X is nearly of rank 16, so k ≥ 16
    // well-chosen inputs with refit weights reproduce the output almost exactly, which the
    // support-selecting solvers find and SparseGPT's damped, sequential OBS does not.
    // Asserted with margins: the solvers at least halve magnitude's error, SparseGPT beats
    // Wanda by ≥ 5% (it is 20% at s = 0.75, 65% at s = 0.5 and 2:4), and Wanda is no worse
    // than magnitude by more than 2% (it is 3–5% better here; the column norms of X vary
    // little, so this is not a robust ordering).
    for i in 0..2 {
        assert!(
            get(Omp, i) < 0.5 * get(Magnitude, i),
            "OMP vs magnitude, column {i}"
        );
        assert!(
            get(Lasso, i) < 0.5 * get(Magnitude, i),
            "LASSO vs magnitude, column {i}"
        );
        assert!(
            get(SparseGpt, i) < 0.95 * get(Wanda, i),
            "SparseGPT vs Wanda, column {i}"
        );
        assert!(
            get(Wanda, i) <= 1.02 * get(Magnitude, i),
            "Wanda vs magnitude, column {i}"
        );
    }
    assert!(
        get(SparseGpt, 2) < 0.8 * get(Wanda, 2),
        "SparseGPT vs Wanda, 2:4"
    );
    assert!(
        get(Wanda, 2) <= 1.02 * get(Magnitude, 2),
        "Wanda vs magnitude, 2:4"
    );
}

/// SparseGPT's lazy batched updates are exact: in N:M mode (masks chosen per group, on the
/// weights updated so far) the result does not depend on the block size beyond rounding; and
/// with blocks of 4, 50% per-row sparsity allocates 2 per block — the 2:4 pattern, chosen the
/// same way.
#[test]
fn sparsegpt_blocks_are_exact() {
    let (w, x) = problem(128, 32, 8, 5, 0.05);
    let (shape, x_shape) = ([5, 32], [128, 32]);
    let run = |t, bs| {
        LayerPruner::new(Reconstruction::SparseGpt, t)
            .blocksize(bs)
            .prune(&w, &shape, &x, &x_shape)
            .unwrap()
    };
    let nm = Target::Nm { n: 2, m: 4 };
    let reference = run(nm, 4);
    for bs in [8, 12, 32, 128] {
        let p = run(nm, bs);
        assert_eq!(p.mask, reference.mask, "blocksize {bs}");
        for (a, b) in p.weight.iter().zip(&reference.weight) {
            assert!(
                (a - b).abs() <= 1e-4 * (1.0 + b.abs()),
                "blocksize {bs}: {a} vs {b}"
            );
        }
    }
    let un = run(Target::Sparsity(0.5), 4);
    assert_eq!(un.mask, reference.mask);
    assert_eq!(un.weight, reference.weight);
}

/// Fewer samples than inputs (a singular Gram matrix, OMP breaking down, a singular refit)
/// and all-zero inputs still give exact counts and finite weights.
#[test]
fn rank_deficient_and_zero_inputs() {
    let (w, x) = problem(10, 40, 3, 4, 0.0);
    let zeros = vec![0.0; 10 * 40];
    for xs in [&x, &zeros] {
        for m in METHODS {
            for s in [0.3, 0.8] {
                let k = 40 - (s * 40.0f64).round_ties_even() as usize;
                let p = LayerPruner::new(m, Target::Sparsity(s))
                    .prune(&w, &[4, 40], xs, &[10, 40])
                    .unwrap();
                assert_eq!(kept_per_row(p.mask.keep(), 40), vec![k; 4], "{m:?} {s}");
                assert!(p.weight.iter().all(|v| v.is_finite()), "{m:?} {s}");
                let e = relative_output_error(&w, &p.weight, &[4, 40], xs, &[10, 40]).unwrap();
                assert!(e.is_finite() || xs[0] == 0.0, "{m:?} {s}: {e}");
            }
        }
    }
    // With exact rank 3, OMP and LASSO reproduce the output from k ≥ 3 inputs.
    for m in [Reconstruction::Omp, Reconstruction::Lasso] {
        let p = LayerPruner::new(m, Target::Sparsity(0.8))
            .prune(&w, &[4, 40], &x, &[10, 40])
            .unwrap();
        let e = relative_output_error(&w, &p.weight, &[4, 40], &x, &[10, 40]).unwrap();
        assert!(e < 1e-4, "{m:?}: {e}");
    }
}

/// A sparsity just below 1 that rounds to pruning every weight.
#[test]
fn sparsity_rounding_to_everything() {
    let (w, x) = problem(30, 8, 3, 3, 0.1);
    for m in METHODS {
        let p = LayerPruner::new(m, Target::Sparsity(0.99))
            .prune(&w, &[3, 8], &x, &[30, 8])
            .unwrap();
        assert_eq!(p.mask.n_kept(), 0, "{m:?}");
        assert!(p.weight.iter().all(|&v| v == 0.0), "{m:?}");
    }
}
