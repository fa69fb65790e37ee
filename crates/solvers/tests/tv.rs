//! TV-regularized least squares (Chambolle–Pock): closed-form two-pixel answers, λ = 0,
//! denoising and MRI-like recovery of a piecewise-constant image, bad inputs.

use cstk_linop::{Complex, Fft2, Identity, LinOp, LinOpExt, testing::random_vec};
use cstk_measure::{MaskKind, MaskParams};
use cstk_solvers::tv::{TvKind, TvRegularized, tv_value};
use cstk_solvers::{Error, StopReason};

#[test]
fn two_pixels_have_the_closed_form_answer() {
    // min ½(x1 − y1)² + ½(x2 − y2)² + λ|x2 − x1|
    for (ny, nx) in [(1, 2), (2, 1)] {
        for (y, lam, want) in [
            ([0.0f64, 3.0], 0.5, [0.5f64, 2.5]),
            ([0.0, 3.0], 2.0, [1.5, 1.5]),
            ([2.0, -1.0], 1.0, [1.0, 0.0]),
        ] {
            for kind in [TvKind::Isotropic, TvKind::Anisotropic] {
                let sol = TvRegularized::params(ny, nx, lam)
                    .kind(kind)
                    .tol(1e-12)
                    .max_iter(100_000)
                    .solve(&Identity::new(2), &y)
                    .unwrap();
                assert!(sol.converged(), "{:?}", sol.stop);
                for (g, w) in sol.x.iter().zip(want) {
                    assert!(
                        (g - w).abs() < 1e-6,
                        "{ny}x{nx} y={y:?} λ={lam}: {:?}",
                        sol.x
                    );
                }
            }
        }
    }
}

#[test]
fn zero_lambda_returns_the_least_squares_solution() {
    let y: Vec<f64> = random_vec(16, 1);
    let sol = TvRegularized::params(4, 4, 0.0)
        .tol(1e-12)
        .max_iter(50_000)
        .solve(&Identity::new(16), &y)
        .unwrap();
    for (g, w) in sol.x.iter().zip(&y) {
        assert!((g - w).abs() < 1e-8);
    }
}

/// A 32 × 32 piecewise-constant image: a square and a disc on a background.
fn cartoon() -> Vec<f64> {
    let n = 32;
    (0..n * n)
        .map(|i| {
            let (r, c) = ((i / n) as f64, (i % n) as f64);
            let mut v = 0.2;
            if (6.0..14.0).contains(&r) && (6.0..20.0).contains(&c) {
                v = 1.0;
            }
            if (r - 22.0).powi(2) + (c - 20.0).powi(2) < 36.0 {
                v = 0.6;
            }
            v
        })
        .collect()
}

#[test]
fn denoising_a_cartoon_reduces_the_error() {
    let x = cartoon();
    let noise: Vec<f64> = random_vec(x.len(), 3);
    let y: Vec<f64> = x.iter().zip(&noise).map(|(a, e)| a + 0.15 * e).collect();
    let sol = TvRegularized::params(32, 32, 0.1)
        .tol(1e-7)
        .max_iter(5000)
        .solve(&Identity::new(1024), &y)
        .unwrap();
    let err = |v: &[f64]| {
        v.iter()
            .zip(&x)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    assert!(
        err(&sol.x) < 0.4 * err(&y),
        "{} vs {}",
        err(&sol.x),
        err(&y)
    );
    // the objective decreased along the way and beats the trivial candidates
    let h = &sol.history.objective;
    assert!(h.last().unwrap() <= &h[0]);
    let obj = |v: &[f64]| {
        let g = cstk_linop::Gradient2::new(32, 32, cstk_linop::Boundary::Neumann)
            .unwrap()
            .apply_vec(v);
        0.5 * v.iter().zip(&y).map(|(a, b)| (a - b).powi(2)).sum::<f64>()
            + 0.1 * tv_value(&g, 1024, TvKind::Isotropic)
    };
    assert!(sol.objective <= obj(&y) && sol.objective <= obj(&x));
}

#[test]
fn complex_mri_like_recovery_from_a_third_of_k_space() {
    let (ny, nx) = (32, 32);
    let x: Vec<Complex<f64>> = cartoon().iter().map(|v| Complex::new(*v, 0.0)).collect();
    let mask = MaskParams::new(MaskKind::VdRandom, ny, nx, 3.0)
        .acs(8)
        .seed(2)
        .generate()
        .unwrap();
    let a = mask
        .to_restriction()
        .compose(Fft2::<f64>::new(ny, nx, true).unwrap())
        .unwrap();
    let y = a.apply_vec(&x);
    let sol = TvRegularized::params(ny, nx, 1e-3)
        .tol(1e-8)
        .max_iter(5000)
        .solve(&a, &y)
        .unwrap();
    let err = |v: &[Complex<f64>]| {
        v.iter()
            .zip(&x)
            .map(|(a, b)| (a - b).norm_sqr())
            .sum::<f64>()
            .sqrt()
    };
    let nrm = x.iter().map(|v| v.norm_sqr()).sum::<f64>().sqrt();
    let zero_filled = a.adjoint_vec(&y);
    assert!(err(&sol.x) / nrm < 0.02, "TV error {}", err(&sol.x) / nrm);
    assert!(err(&zero_filled) / nrm > 0.1);
}

#[test]
fn bad_inputs() {
    let y = [1.0f64; 4];
    let id = Identity::new(4);
    assert!(matches!(
        TvRegularized::params(2, 3, 0.1).solve(&id, &y),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        TvRegularized::params(2, 2, 0.1).solve(&id, &y[..3]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(
        TvRegularized::params(2, 2, f64::NAN)
            .solve(&id, &y)
            .is_err()
    );
    assert!(
        TvRegularized::params(0, 2, 0.1)
            .solve(&Identity::new(0), &[] as &[f64])
            .is_err()
    );
    assert!(
        TvRegularized::params(2, 2, 0.1)
            .tol(0.0)
            .solve(&id, &y)
            .is_err()
    );
    assert!(matches!(
        TvRegularized::params(2, 2, 0.1).solve(&id, &[1.0, f64::NAN, 0.0, 0.0]),
        Err(Error::NonFinite { .. })
    ));
    let sol = TvRegularized::params(2, 2, 0.1)
        .max_iter(2)
        .solve(&id, &y)
        .unwrap();
    assert_eq!(sol.stop, StopReason::MaxIterations);
}
