//! The variable-density Poisson-disc mask against SigPy's `sigpy.mri.poisson`: the two use
//! different random generators, so masks differ point by point, but the sampling density as
//! a function of the k-space radius must agree. Reference: `tests/data/sigpy_poisson_profile.json`
//! (made by `tests/data/make_sigpy_poisson.py`, 16 SigPy seeds).

use cstk_measure::{MaskKind, MaskParams};

#[test]
fn poisson_density_profile_matches_sigpy() {
    let text = include_str!("data/sigpy_poisson_profile.json");
    let reference: serde_json::Value = serde_json::from_str(text).unwrap();
    let num = |v: &serde_json::Value| v.as_f64().unwrap();
    let list = |k: &str| -> Vec<f64> { reference[k].as_array().unwrap().iter().map(num).collect() };
    let (mean, std) = (list("mean_fraction"), list("std_fraction"));
    let ny = reference["shape"][0].as_u64().unwrap() as usize;
    let nx = reference["shape"][1].as_u64().unwrap() as usize;
    let accel = num(&reference["accel"]);
    let calib = reference["calib"].as_u64().unwrap() as usize;
    let bins = mean.len();

    let seeds = 4;
    let mut profile = vec![0.0; bins];
    for seed in 0..seeds {
        let mask = MaskParams::new(MaskKind::Poisson, ny, nx, accel)
            .acs(calib)
            .seed(seed)
            .generate()
            .unwrap();
        assert!((mask.acceleration() - accel).abs() < 0.1);
        let (mut hit, mut all) = (vec![0usize; bins], vec![0usize; bins]);
        for ky in 0..ny {
            for kx in 0..nx {
                let dy = (ky as f64 - (ny / 2) as f64) / (ny as f64 / 2.0);
                let dx = (kx as f64 - (nx / 2) as f64) / (nx as f64 / 2.0);
                let b = ((dy * dy + dx * dx).sqrt() * bins as f64).floor() as usize;
                if b < bins {
                    all[b] += 1;
                    hit[b] += mask.get(ky, kx) as usize;
                }
            }
        }
        for b in 0..bins {
            profile[b] += hit[b] as f64 / all[b] as f64 / seeds as f64;
        }
    }
    for b in 0..bins {
        // SigPy's own seed-to-seed spread plus a small allowance for the two algorithms'
        // different handling of the calibration edge.
        let tol = 0.04 + 2.0 * std[b];
        assert!(
            (profile[b] - mean[b]).abs() < tol,
            "annulus {b}: cstk {:.3}, SigPy {:.3} ± {:.3}",
            profile[b],
            mean[b],
            std[b]
        );
    }
    // the density really falls off: the centre is sampled 3× more densely than the edge
    assert!(profile[1] > 3.0 * profile[bins - 1]);
}
