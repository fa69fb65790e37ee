//! Weight pruning as a library: magnitude, global, structured and 2:4 masks on a layer's
//! weights (PyTorch layout `[out, in]`), the gradual and iterative schedules, layer-wise
//! reconstruction from calibration inputs (magnitude, Wanda, SparseGPT, OMP, LASSO) and a
//! short lottery-ticket run on the bundled 8×8 digits.
//!
//! Run: `cargo run --release --example pruning`

use cstk::linop::io::csv::read_csv;
use cstk::measure::DenseEnsemble;
use cstk::ml::Error;
use cstk::ml::lottery::Lottery;
use cstk::ml::mlp::Train;
use cstk::ml::prune::{
    GradualSchedule, IterativeSchedule, LayerPruner, Reconstruction, Target,
    global_l1_unstructured, l1_unstructured, ln_structured, nm_semi_structured,
    relative_output_error, satisfies_nm,
};
use std::path::Path;

fn main() -> Result<(), Error> {
    // A 64 × 128 "linear layer" and a 10 × 64 one, Gaussian weights (seeded).
    let w1: Vec<f32> = DenseEnsemble::Gaussian
        .matrix::<f64>(64, 128, 1)?
        .iter()
        .map(|&v| v as f32)
        .collect();
    let w2: Vec<f32> = DenseEnsemble::Gaussian
        .matrix::<f64>(10, 64, 2)?
        .iter()
        .map(|&v| v as f32)
        .collect();
    let (s1, s2) = ([64, 128], [10, 64]);

    let m = l1_unstructured(&w1, &s1, 0.7)?;
    println!(
        "l1_unstructured 70%: {} of {} pruned",
        m.n_pruned(),
        m.len()
    );
    let g = global_l1_unstructured(&[(&w1[..], &s1[..]), (&w2[..], &s2[..])], 0.7)?;
    println!(
        "global 70%: layer sparsities {:.3} and {:.3}",
        g[0].sparsity(),
        g[1].sparsity()
    );
    let rows = ln_structured(&w1, &s1, 0.25, 2.0, 0)?;
    println!(
        "ln_structured (L2, 25% of the 64 neurons): {} weights pruned",
        rows.n_pruned()
    );
    let nm = nm_semi_structured(&w1, &s1, 2, 4)?;
    let w24 = nm.applied(&w1)?;
    println!(
        "2:4: sparsity {:.2}, satisfies 2:4: {}",
        nm.sparsity(),
        satisfies_nm(&w24, &s1, 2, 4)
    );

    // Zhu & Gupta: 0 → 90% over 10 pruning steps 100 iterations apart, from iteration 1000.
    let gmp = GradualSchedule::new(0.0, 0.9, 1000, 10, 100)?;
    let ramp: Vec<String> = gmp.targets().map(|(t, s)| format!("{t}:{s:.2}")).collect();
    println!("gradual schedule: {}", ramp.join(" "));
    let imp = IterativeSchedule::new(0.2)?;
    println!(
        "iterative 20%/round: {} rounds to 95% sparsity",
        imp.rounds_to(0.95)?
    );

    // Layer-wise reconstruction: calibration inputs X (512 × 128) with correlated columns
    // (rank 16 plus noise); each method prunes every output row of w1 to 50%.
    let z = DenseEnsemble::Gaussian.matrix::<f64>(512, 16, 3)?;
    let a = DenseEnsemble::Gaussian.matrix::<f64>(16, 128, 4)?;
    let e = DenseEnsemble::Gaussian.matrix::<f64>(512, 128, 5)?;
    let xm = &z * &a + e * 0.05;
    let x: Vec<f64> = (0..512)
        .flat_map(|i| xm.row(i).iter().copied().collect::<Vec<_>>())
        .collect();
    for method in [
        Reconstruction::Magnitude,
        Reconstruction::Wanda,
        Reconstruction::SparseGpt,
        Reconstruction::Omp,
        Reconstruction::Lasso,
    ] {
        let p = LayerPruner::new(method, Target::Sparsity(0.5)).prune(&w1, &s1, &x, &[512, 128])?;
        let err = relative_output_error(&w1, &p.weight, &s1, &x, &[512, 128])?;
        println!("{method:?} at 50%: relative output error {err:.4}");
    }

    // The lottery ticket, three rounds, on the digits (every fifth image for testing).
    let mut t = read_csv(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/digits.csv"))?;
    let y = t.take_column("digit")?;
    let x = t.to_dmatrix();
    let (mut train, mut test) = ((Vec::new(), Vec::new()), (Vec::new(), Vec::new()));
    for (i, &label) in y.iter().enumerate() {
        let part = if i % 5 == 4 { &mut test } else { &mut train };
        part.0.extend(x.row(i).iter().map(|&v| (v / 16.0) as f32));
        part.1.push(label as usize);
    }
    let exp = Lottery {
        rounds: Some(3),
        train: Train::default().epochs(15),
        ..Lottery::default()
    };
    let res = exp.run((&train.0, &train.1), (&test.0, &test.1))?;
    for r in &res.rounds {
        println!(
            "round {}: {:5.1}% of weights left, accuracy rewind {:.3} / reinit {:.3}",
            r.round,
            100.0 * r.remaining,
            r.accuracy_rewind,
            r.accuracy_reinit
        );
    }
    Ok(())
}
