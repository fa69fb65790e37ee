//! Pruning masks (`cstk_ml::prune`): exact counts (ties included), N:M groups, schedules,
//! seeded random masks, validation, and agreement with PyTorch's `torch.nn.utils.prune`
//! (tests/data/prune_reference.json, made by tests/data/make_prune_reference.py).

use cstk_ml::Error;
use cstk_ml::prune::{
    GradualSchedule, IterativeSchedule, Mask, global_l1_unstructured, l1_unstructured,
    l1_unstructured_remaining, ln_structured, nm_semi_structured, random_unstructured,
    satisfies_nm, sparsity,
};
use serde_json::Value;

/// `round(a · n)` with halves to even, as Python's `round`.
fn count(a: f64, n: usize) -> usize {
    (a * n as f64).round_ties_even() as usize
}

/// A tensor with many ties: magnitudes from {0, 0.5, 1, 1.5} with both signs.
fn tied(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let m = ((i * 7) % 4) as f32 * 0.5;
            if i % 3 == 0 { -m } else { m }
        })
        .collect()
}

/// Pruned entries are never larger than kept ones and, at the threshold, the pruned ones
/// have the smaller indices.
fn assert_magnitude_order(values: &[f32], keep: &[bool]) {
    for (i, (&a, &ka)) in values.iter().zip(keep).enumerate() {
        for (j, (&b, &kb)) in values.iter().zip(keep).enumerate() {
            if !ka && kb {
                assert!(a.abs() <= b.abs(), "pruned |w[{i}]| > kept |w[{j}]|");
                if a.abs() == b.abs() {
                    assert!(i < j, "tie: pruned {i} after kept {j}");
                }
            }
        }
    }
}

fn invalid_param(e: Error) -> &'static str {
    match e {
        Error::InvalidParam { name, .. } => name,
        other => panic!("expected InvalidParam, got {other:?}"),
    }
}

#[test]
fn l1_unstructured_hits_exact_counts_with_ties() {
    let w = tied(60);
    for shape in [vec![60], vec![6, 10], vec![3, 5, 2, 2]] {
        for amount in [0.0, 0.1, 0.25, 1.0 / 3.0, 0.5, 0.55, 0.9, 0.99] {
            let mask = l1_unstructured(&w, &shape, amount).unwrap();
            assert_eq!(mask.shape(), &shape[..]);
            assert_eq!(mask.n_pruned(), count(amount, 60), "amount {amount}");
            assert_magnitude_order(&w, mask.keep());
        }
    }
    // All equal: the first k flat indices go.
    let mask = l1_unstructured(&[2.0; 10], &[10], 0.3).unwrap();
    assert_eq!(
        mask.keep(),
        &[
            false, false, false, true, true, true, true, true, true, true
        ]
    );
}

#[test]
fn counts_round_halves_to_even_as_python() {
    // round(2.5) = 2, round(3.5) = 4, round(0.5) = 0, round(1.5) = 2
    for (n, amount, k) in [(10, 0.25, 2), (14, 0.25, 4), (2, 0.25, 0), (6, 0.25, 2)] {
        let w: Vec<f32> = (0..n).map(|i| i as f32).collect();
        assert_eq!(l1_unstructured(&w, &[n], amount).unwrap().n_pruned(), k);
        assert_eq!(
            random_unstructured(&[n], amount, 0, 0).unwrap().n_pruned(),
            k
        );
    }
    // Structured: 16 rows, 5/32 · 16 = 2.5 → 2 rows.
    let w: Vec<f32> = (0..48).map(|i| i as f32).collect();
    let mask = ln_structured(&w, &[16, 3], 0.15625, 1.0, 0).unwrap();
    assert_eq!(mask.n_pruned(), 2 * 3);
}

#[test]
fn l1_unstructured_remaining_prunes_a_fraction_of_the_kept() {
    let w = tied(100);
    let imp = IterativeSchedule::new(0.2).unwrap();
    let mut mask = Mask::ones(&[10, 10]).unwrap();
    for round in 1..=6 {
        let next = l1_unstructured_remaining(&w, &[10, 10], 0.2, &mask).unwrap();
        // nested: nothing pruned comes back
        assert!(mask.keep().iter().zip(next.keep()).all(|(&a, &b)| a || !b));
        assert_eq!(next.n_kept(), imp.kept_after(100, round));
        // among the previously kept, the newly pruned are the smallest (ties: lower index)
        let before: Vec<usize> = (0..100).filter(|&i| mask.keep()[i]).collect();
        let vals: Vec<f32> = before.iter().map(|&i| w[i]).collect();
        let flags: Vec<bool> = before.iter().map(|&i| next.keep()[i]).collect();
        assert_magnitude_order(&vals, &flags);
        mask = next;
    }
    let bad = Mask::ones(&[100]).unwrap();
    assert!(l1_unstructured_remaining(&w, &[10, 10], 0.2, &bad).is_err());
}

#[test]
fn global_l1_unstructured_hits_exact_counts_with_ties() {
    let a = tied(24);
    let b: Vec<f32> = tied(30).iter().map(|v| v * 2.0).collect();
    let c = vec![0.5f32; 12];
    let tensors: [(&[f32], &[usize]); 3] = [(&a, &[4, 6]), (&b, &[5, 3, 2]), (&c, &[12])];
    let all: Vec<f32> = [&a[..], &b[..], &c[..]].concat();
    for amount in [0.0, 0.2, 0.5, 0.61, 0.95] {
        let masks = global_l1_unstructured(&tensors, amount).unwrap();
        assert_eq!(masks.len(), 3);
        assert_eq!(masks[1].shape(), &[5, 3, 2]);
        let keep: Vec<bool> = masks.iter().flat_map(|m| m.keep().to_vec()).collect();
        assert_eq!(keep.iter().filter(|&&k| !k).count(), count(amount, 66));
        assert_magnitude_order(&all, &keep);
    }
    assert!(global_l1_unstructured(&[], 0.5).unwrap().is_empty());
    assert!(matches!(
        global_l1_unstructured(&[(&a, &[4, 5])], 0.5),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn random_masks_are_exact_reproducible_and_seeded() {
    let shape = [8, 3, 3, 3];
    for amount in [0.0, 0.1, 0.5, 0.77] {
        let a = random_unstructured(&shape, amount, 42, 0).unwrap();
        assert_eq!(a.n_pruned(), count(amount, 216));
        assert_eq!(a, random_unstructured(&shape, amount, 42, 0).unwrap());
        if amount > 0.0 {
            assert_ne!(a, random_unstructured(&shape, amount, 43, 0).unwrap());
            assert_ne!(a, random_unstructured(&shape, amount, 42, 1).unwrap());
        }
    }
    // Roughly uniform: every position is pruned about half the time over many seeds.
    let mut hits = [0usize; 20];
    for seed in 0..400 {
        let m = random_unstructured(&[20], 0.5, seed, 3).unwrap();
        for (h, &k) in hits.iter_mut().zip(m.keep()) {
            *h += usize::from(!k);
        }
    }
    assert!(hits.iter().all(|&h| (140..260).contains(&h)), "{hits:?}");
}

#[test]
fn ln_structured_removes_whole_slices_with_exact_counts() {
    let shape = [6, 4, 3, 2];
    let w = tied(144);
    for n in [1.0, 2.0, 3.0, f64::INFINITY] {
        for dim in 0..4 {
            for amount in [0.0, 0.2, 0.5, 0.8] {
                let mask = ln_structured(&w, &shape, amount, n, dim).unwrap();
                let size = shape[dim];
                let inner: usize = shape[dim + 1..].iter().product();
                let slice_of = |i: usize| (i / inner) % size;
                // whole slices: every entry of a slice has the same flag
                let mut flag = vec![None; size];
                for (i, &k) in mask.keep().iter().enumerate() {
                    let f = flag[slice_of(i)].get_or_insert(k);
                    assert_eq!(*f, k, "slice {} of dim {dim} split", slice_of(i));
                }
                let pruned = flag.iter().filter(|f| **f == Some(false)).count();
                assert_eq!(
                    pruned,
                    count(amount, size),
                    "n {n} dim {dim} amount {amount}"
                );
            }
        }
    }
    // All slices tie: the first ones go.
    let mask = ln_structured(&[1.0; 12], &[4, 3], 0.5, 2.0, 0).unwrap();
    assert_eq!(mask.keep()[..6], [false; 6]);
    assert_eq!(mask.keep()[6..], [true; 6]);
    // Columns of a linear weight: column 1 has the smallest L1 norm (1.15 against 1.2),
    // column 2 the smallest L2 norm (0.69 against 0.96) and max (0.4 against 0.95).
    let w = [1.0, 0.1, 0.4, 1.0, 0.1, 0.4, 1.0, 0.95, 0.4];
    let col1 = [true, false, true].repeat(3);
    let col2 = [true, true, false].repeat(3);
    assert_eq!(
        ln_structured(&w, &[3, 3], 0.34, 1.0, 1).unwrap().keep(),
        &col1[..]
    );
    assert_eq!(
        ln_structured(&w, &[3, 3], 0.34, 2.0, 1).unwrap().keep(),
        &col2[..]
    );
    let by_max = ln_structured(&w, &[3, 3], 0.34, f64::INFINITY, 1).unwrap();
    assert_eq!(by_max.keep(), &col2[..]);
    // Columns 0 and 1 tie in every norm (0.6), column 2 is larger: column 0 goes.
    let w = [0.6, 0.0, 0.0, 0.0, 0.6, 0.0, 0.0, 0.0, 0.7];
    for n in [1.0, 2.0, 3.0, f64::INFINITY] {
        let m = ln_structured(&w, &[3, 3], 0.34, n, 1).unwrap();
        assert_eq!(m.keep(), &[false, true, true].repeat(3)[..], "n {n}");
    }
}

#[test]
fn nm_masks_pass_the_checker_and_keep_n_per_group() {
    for (shape, n, m) in [
        (vec![8, 16], 2, 4),
        (vec![8, 16], 1, 4),
        (vec![8, 16], 3, 4),
        (vec![8, 16], 2, 8),
        (vec![8, 16], 5, 16),
        (vec![4, 4, 3, 3], 2, 4), // conv: groups over the flattened in·kh·kw = 36
        (vec![4, 4, 3, 3], 1, 3),
        (vec![32], 2, 4),
    ] {
        let numel: usize = shape.iter().product();
        let w = tied(numel);
        let mask = nm_semi_structured(&w, &shape, n, m).unwrap();
        assert_eq!(mask.n_kept(), numel / m * n);
        for (g, group) in mask.keep().chunks(m).enumerate() {
            assert_eq!(group.iter().filter(|&&k| k).count(), n, "group {g}");
            let vals = &w[g * m..(g + 1) * m];
            // kept ones are at least as large; ties keep the lower index
            for i in 0..m {
                for j in 0..m {
                    if group[i] && !group[j] {
                        assert!(vals[i].abs() >= vals[j].abs());
                        if vals[i].abs() == vals[j].abs() {
                            assert!(i < j);
                        }
                    }
                }
            }
        }
        let pruned = mask.applied(&w).unwrap();
        assert!(satisfies_nm(&pruned, &shape, n, m));
        assert!(
            (sparsity(&pruned) - (1.0 - n as f64 / m as f64)).abs() < 1e-12 || w.contains(&0.0)
        );
    }
    // All equal: the first n of each group are kept.
    let mask = nm_semi_structured(&[1.0; 8], &[1, 8], 2, 4).unwrap();
    assert_eq!(
        mask.keep(),
        &[true, true, false, false, true, true, false, false]
    );
}

#[test]
fn nm_checker_rejects_violations_and_invalid_input() {
    let mut w = vec![0.0f32; 16];
    for g in 0..4 {
        w[4 * g] = 1.0;
        w[4 * g + 3] = -2.0;
    }
    assert!(satisfies_nm(&w, &[2, 8], 2, 4));
    assert!(!satisfies_nm(&w, &[2, 8], 1, 4));
    w[9] = f32::NAN; // a third nonzero in group 2
    assert!(!satisfies_nm(&w, &[2, 8], 2, 4));
    w[9] = 0.0;
    // groups of 8: four nonzeros each
    assert!(!satisfies_nm(&w, &[2, 8], 1, 8));
    assert!(satisfies_nm(&w, &[2, 8], 4, 8) && !satisfies_nm(&w, &[2, 8], 3, 8));
    assert!(satisfies_nm(&w, &[4, 4], 2, 4) && satisfies_nm(&w, &[4, 4, 1, 1], 2, 4));
    // invalid arguments: false, never a panic
    assert!(!satisfies_nm(&w, &[2, 7], 2, 4)); // length mismatch
    assert!(!satisfies_nm(&w, &[4, 4], 2, 3)); // 4 not a multiple of 3
    assert!(!satisfies_nm(&w, &[4, 4], 4, 4)); // n = m
    assert!(!satisfies_nm(&w, &[4, 4], 0, 4)); // n = 0
    assert!(!satisfies_nm(&w, &[4, 4], 1, 0)); // m = 0
}

#[test]
fn gradual_schedule_follows_the_cubic() {
    let (si, sf, t0, n, dt) = (0.1, 0.9, 100u64, 8u64, 50u64);
    let s = GradualSchedule::new(si, sf, t0, n, dt).unwrap();
    assert_eq!((s.sparsity_at(0), s.sparsity_at(100)), (si, si));
    assert_eq!((s.sparsity_at(500), s.sparsity_at(10_000)), (sf, sf));
    assert_eq!(s.end_step(), 500);
    for t in [125u64, 150, 237, 300, 499] {
        let frac = (t - t0) as f64 / (n * dt) as f64;
        let want = sf + (si - sf) * (1.0 - frac).powi(3);
        assert!((s.sparsity_at(t) - want).abs() < 1e-14, "t {t}");
    }
    // halfway: s_f − (s_f − s_i)/8
    assert!((s.sparsity_at(300) - (0.9 - 0.8 / 8.0)).abs() < 1e-14);
    let all: Vec<f64> = (0..600).map(|t| s.sparsity_at(t)).collect();
    assert!(all.windows(2).all(|w| w[0] <= w[1]));
    let targets: Vec<(u64, f64)> = s.targets().collect();
    assert_eq!(s.targets().len(), 9);
    assert_eq!(targets.len(), 9);
    assert_eq!(targets[0], (100, si));
    assert_eq!(targets[8], (500, sf));
    for (j, &(t, v)) in targets.iter().enumerate() {
        assert_eq!(t, t0 + j as u64 * dt);
        assert!(s.is_pruning_step(t));
        assert_eq!(v, s.sparsity_at(t));
    }
    assert!(!s.is_pruning_step(99) && !s.is_pruning_step(101) && !s.is_pruning_step(550));
    // Cubic: most pruning early. The first interval prunes more than the last.
    assert!(targets[1].1 - targets[0].1 > 10.0 * (targets[8].1 - targets[7].1));
    // A schedule driving magnitude pruning hits every target count.
    let w = tied(200);
    for (_, target) in s.targets() {
        assert_eq!(
            l1_unstructured(&w, &[200], target).unwrap().n_pruned(),
            count(target, 200)
        );
    }
}

#[test]
fn iterative_schedule_arithmetic() {
    let imp = IterativeSchedule::new(0.2).unwrap();
    for k in 0..30u32 {
        let want = 1.0 - 0.8f64.powi(k as i32);
        assert!((imp.sparsity_after(k) - want).abs() < 1e-14, "k {k}");
    }
    assert_eq!(imp.rounds_to(0.0).unwrap(), 0);
    assert_eq!(imp.rounds_to(0.2).unwrap(), 1);
    assert_eq!(imp.rounds_to(0.36).unwrap(), 2);
    assert_eq!(imp.rounds_to(0.3601).unwrap(), 3);
    assert_eq!(imp.rounds_to(0.9).unwrap(), 11);
    assert_eq!(imp.rounds_to(0.99).unwrap(), 21); // 0.8^20 = 0.0115, 0.8^21 = 0.0092
    let half = IterativeSchedule::new(0.5).unwrap();
    assert_eq!(half.rounds_to(0.75).unwrap(), 2);
    assert_eq!(half.rounds_to(0.999).unwrap(), 10);
    for target in [0.05, 0.5, 0.8, 0.95, 0.999] {
        let k = imp.rounds_to(target).unwrap();
        assert!(imp.sparsity_after(k) >= target - 1e-12);
        assert!(k == 0 || imp.sparsity_after(k - 1) < target);
    }
    // Integer counts as PyTorch's repeated l1_unstructured would prune them.
    assert_eq!(imp.kept_after(1000, 0), 1000);
    assert_eq!(imp.kept_after(1000, 1), 800);
    assert_eq!(imp.kept_after(1000, 3), 512);
    assert_eq!(imp.kept_after(10, 3), 5);
    assert_eq!(imp.kept_after(2, 100), 2); // round(0.4) = 0: nothing more is pruned
    assert_eq!(imp.kept_after(3, u32::MAX), 2);
}

#[test]
fn sparsity_and_mask_accounting() {
    assert_eq!(sparsity(&[0.0, -0.0, 1.0, f32::NAN]), 0.5);
    let mask = Mask::nonzero(&[0.0, 1.0, 0.0, 2.0, 3.0, 0.0], &[2, 3]).unwrap();
    assert_eq!(
        (mask.n_kept(), mask.n_pruned(), mask.sparsity()),
        (3, 3, 0.5)
    );
    let other = Mask::new(vec![true, true, true, false, true, true], &[2, 3]).unwrap();
    assert_eq!(mask.and(&other).unwrap().n_kept(), 2);
    assert!(mask.and(&Mask::ones(&[3, 2]).unwrap()).is_err());
    assert_eq!(Mask::ones(&[0, 3]).unwrap().sparsity(), 0.0);
    assert_eq!(mask.clone().into_vec().len(), 6);
}

#[test]
fn invalid_input_is_an_error_not_a_panic() {
    let w = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
    for amount in [-0.1, 1.0, 1.5, f64::NAN, f64::INFINITY] {
        assert_eq!(
            invalid_param(l1_unstructured(&w, &[6], amount).unwrap_err()),
            "amount"
        );
        assert_eq!(
            invalid_param(random_unstructured(&[6], amount, 0, 0).unwrap_err()),
            "amount"
        );
        assert_eq!(
            invalid_param(ln_structured(&w, &[2, 3], amount, 2.0, 0).unwrap_err()),
            "amount"
        );
        assert_eq!(
            invalid_param(global_l1_unstructured(&[(&w, &[6])], amount).unwrap_err()),
            "amount"
        );
        let prior = Mask::ones(&[6]).unwrap();
        assert_eq!(
            invalid_param(l1_unstructured_remaining(&w, &[6], amount, &prior).unwrap_err()),
            "amount"
        );
    }
    let msg = l1_unstructured(&w, &[6], 1.0).unwrap_err().to_string();
    assert!(msg.contains("amount") && msg.contains('1'), "{msg}");
    assert!(l1_unstructured(&w, &[6], 0.0).unwrap().n_pruned() == 0);
    // shape / length mismatches
    for shape in [&[5][..], &[2, 2], &[7], &[]] {
        assert!(matches!(
            l1_unstructured(&w, shape, 0.5),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(ln_structured(&w, shape, 0.5, 1.0, 0).is_err());
        assert!(nm_semi_structured(&w, shape, 1, 2).is_err());
    }
    assert!(l1_unstructured(&w, &[usize::MAX, 2], 0.5).is_err()); // overflowing shape
    assert!(random_unstructured(&[usize::MAX, usize::MAX], 0.5, 0, 0).is_err());
    assert!(Mask::new(vec![true; 5], &[6]).is_err());
    assert!(Mask::ones(&[3]).unwrap().apply(&mut [0.0; 4]).is_err());
    // structured: dim, n, dimensionality
    assert_eq!(
        invalid_param(ln_structured(&w, &[2, 3], 0.5, 2.0, 2).unwrap_err()),
        "dim"
    );
    assert_eq!(
        invalid_param(ln_structured(&w, &[2, 3], 0.5, 0.0, 0).unwrap_err()),
        "n"
    );
    assert_eq!(
        invalid_param(ln_structured(&w, &[2, 3], 0.5, f64::NAN, 0).unwrap_err()),
        "n"
    );
    assert_eq!(
        invalid_param(ln_structured(&w, &[6], 0.5, 2.0, 0).unwrap_err()),
        "shape"
    );
    // N:M
    assert_eq!(
        invalid_param(nm_semi_structured(&w, &[3, 2], 2, 2).unwrap_err()),
        "n"
    );
    assert_eq!(
        invalid_param(nm_semi_structured(&w, &[3, 2], 3, 2).unwrap_err()),
        "n"
    );
    assert_eq!(
        invalid_param(nm_semi_structured(&w, &[3, 2], 0, 2).unwrap_err()),
        "n"
    );
    assert_eq!(
        invalid_param(nm_semi_structured(&w, &[3, 2], 0, 0).unwrap_err()),
        "m"
    );
    assert_eq!(
        invalid_param(nm_semi_structured(&w, &[2, 3], 1, 2).unwrap_err()),
        "shape"
    );
    // schedules
    assert_eq!(
        invalid_param(GradualSchedule::new(0.0, 1.0, 0, 1, 1).unwrap_err()),
        "final_sparsity"
    );
    assert_eq!(
        invalid_param(GradualSchedule::new(0.5, 0.4, 0, 1, 1).unwrap_err()),
        "initial_sparsity"
    );
    assert_eq!(
        invalid_param(GradualSchedule::new(-0.1, 0.4, 0, 1, 1).unwrap_err()),
        "initial_sparsity"
    );
    assert_eq!(
        invalid_param(GradualSchedule::new(0.0, 0.4, 0, 0, 1).unwrap_err()),
        "n_steps"
    );
    assert_eq!(
        invalid_param(GradualSchedule::new(0.0, 0.4, 0, 1, 0).unwrap_err()),
        "step_interval"
    );
    assert!(GradualSchedule::new(0.0, 0.4, u64::MAX, 1, 1).is_err());
    assert_eq!(
        invalid_param(IterativeSchedule::new(0.0).unwrap_err()),
        "rate"
    );
    assert_eq!(
        invalid_param(IterativeSchedule::new(f64::NAN).unwrap_err()),
        "rate"
    );
    let imp = IterativeSchedule::new(0.2).unwrap();
    assert_eq!(invalid_param(imp.rounds_to(1.0).unwrap_err()), "target");
    assert_eq!(invalid_param(imp.rounds_to(-0.5).unwrap_err()), "target");
    let slow = IterativeSchedule::new(1e-300).unwrap();
    assert!(slow.rounds_to(0.5).is_err()); // more than 2³² rounds
    // NaN weights: ranked largest, never a panic
    let nan = [f32::NAN, 0.5, 0.1, f32::NAN];
    assert_eq!(
        l1_unstructured(&nan, &[4], 0.5).unwrap().keep(),
        &[true, false, false, true]
    );
    assert_eq!(
        nm_semi_structured(&nan, &[1, 4], 2, 4).unwrap().keep(),
        &[true, false, false, true]
    );
}

fn reference() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/prune_reference.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("prune_reference.json"))
        .expect("json")
}

fn mask_bits(s: &Value) -> Vec<bool> {
    s.as_str().unwrap().bytes().map(|b| b == b'1').collect()
}

#[test]
fn matches_torch_prune_masks() {
    let r = reference();
    assert!(r["generator"].as_str().unwrap().starts_with("torch "));
    let tensor = |name: &str| -> (Vec<f32>, Vec<usize>) {
        let t = &r["tensors"][name];
        let values = t["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        let shape = t["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        (values, shape)
    };
    let mut checked = [0usize; 3];
    for case in r["cases"].as_array().unwrap() {
        let method = case["method"].as_str().unwrap();
        let amount = case["amount"].as_f64().unwrap();
        let names: Vec<&str> = case["tensors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        let tensors: Vec<(Vec<f32>, Vec<usize>)> = names.iter().map(|n| tensor(n)).collect();
        let want: Vec<Vec<bool>> = case["masks"]
            .as_array()
            .unwrap()
            .iter()
            .map(mask_bits)
            .collect();
        let got: Vec<Mask> = match method {
            "l1_unstructured" => {
                checked[0] += 1;
                vec![l1_unstructured(&tensors[0].0, &tensors[0].1, amount).unwrap()]
            }
            "global_unstructured" => {
                checked[1] += 1;
                let refs: Vec<(&[f32], &[usize])> =
                    tensors.iter().map(|(v, s)| (&v[..], &s[..])).collect();
                global_l1_unstructured(&refs, amount).unwrap()
            }
            "ln_structured" => {
                checked[2] += 1;
                let n = case["n"].as_f64().unwrap();
                let dim = case["dim"].as_u64().unwrap() as usize;
                vec![ln_structured(&tensors[0].0, &tensors[0].1, amount, n, dim).unwrap()]
            }
            other => panic!("unknown method {other}"),
        };
        assert_eq!(got.len(), want.len());
        for ((g, w), name) in got.iter().zip(&want).zip(&names) {
            assert_eq!(
                g.keep(),
                &w[..],
                "{method} amount {amount} on {name}: {case}"
            );
        }
    }
    assert_eq!(checked, [12, 6, 18]);
}
