//! Power iteration against nalgebra's SVD and operators with known norms.

use cstk_linop::nalgebra::DMatrix;
use cstk_linop::testing::random_vec;
use cstk_linop::{
    Compose, DenseOp, Diagonal, Error, Identity, LinOp, LinOpExt, PowerIteration, Restriction,
    Scalar, opnorm_est,
};
use num_complex::Complex;

fn rand_mat<T: Scalar>(m: usize, n: usize, seed: u64) -> DMatrix<T> {
    DMatrix::from_vec(m, n, random_vec(m * n, seed))
}

/// `‖A‖₂` by nalgebra's SVD.
fn svd_norm<T: Scalar>(a: &DMatrix<T>) -> (f64, f64) {
    let s = a.clone().singular_values();
    let mut s: Vec<f64> = s.iter().map(|v| T::from_real(*v).to_c64().re).collect();
    s.sort_by(|a, b| b.total_cmp(a));
    (s[0], s.get(1).copied().unwrap_or(0.0))
}

/// `U diag(s) Vᴴ` with seeded random unitary `U` (m × m) and `V` (n × n).
fn with_singular_values<T: Scalar>(m: usize, n: usize, s: &[f64], seed: u64) -> DMatrix<T> {
    let u = rand_mat::<T>(m, m, seed).qr().q();
    let v = rand_mat::<T>(n, n, seed + 1).qr().q();
    let mut d = DMatrix::<T>::zeros(m, n);
    for (k, &sk) in s.iter().enumerate() {
        d[(k, k)] = T::from_f64_parts(sk, 0.0);
    }
    u * d * v.adjoint()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// Defaults reach 1e-6 relative on a well-separated top singular value.
fn well_separated<T: Scalar>() {
    for (k, &(m, n)) in [(30, 20), (20, 30), (40, 40), (1, 7), (7, 1)]
        .iter()
        .enumerate()
    {
        let r = m.min(n);
        let s: Vec<f64> = (0..r)
            .map(|i| if i == 0 { 10.0 } else { 6.0 / (i as f64) })
            .collect();
        let a = with_singular_values::<T>(m, n, &s, 100 + k as u64);
        let (sigma, sigma2) = svd_norm(&a);
        assert!(rel(sigma, 10.0) < 1e-12 && sigma2 <= 6.0 + 1e-9);
        let est = PowerIteration::default().run(&DenseOp::new(a)).unwrap();
        assert!(est.converged, "{m}x{n} {}: {est:?}", T::NAME);
        assert!(
            rel(est.norm, sigma) < 1e-6,
            "{m}x{n} {}: {est:?} vs SVD {sigma}",
            T::NAME
        );
    }
}

#[test]
fn well_separated_f64() {
    well_separated::<f64>();
}
#[test]
fn well_separated_c64() {
    well_separated::<Complex<f64>>();
}

/// Random matrices. Plain ones have close top singular values (σ₂/σ₁ ≈ 0.9–0.98), where
/// a change of 1e-6 per iteration can leave a larger error, so they run to a tight
/// tolerance; with a planted rank-one spike the gap is wide and the defaults suffice.
fn random_matrices<T: Scalar>() {
    for seed in 0..8u64 {
        let (m, n) = (25 + 3 * seed as usize, 18 + 5 * seed as usize);
        let a = rand_mat::<T>(m, n, seed);
        let (sigma, _) = svd_norm(&a);
        let op = DenseOp::new(a.clone());
        let est = PowerIteration::default()
            .tol(1e-14)
            .max_iter(100_000)
            .seed(seed)
            .run(&op)
            .unwrap();
        assert!(est.converged, "{est:?}");
        assert!(
            rel(est.norm, sigma) < 1e-6,
            "{m}x{n} {}: {est:?} vs {sigma}",
            T::NAME
        );
        assert!(
            est.norm <= sigma * (1.0 + 1e-12),
            "lower bound: {est:?} vs {sigma}"
        );

        // a + θ u vᴴ with random unit u, v and θ about twice the bulk's edge.
        let unit = |len: usize, s: u64| {
            let v = rand_mat::<T>(len, 1, s);
            let nv = T::from_real(v.norm());
            v.map(|z| z / nv)
        };
        let theta = T::from_f64_parts(1.2 * ((m as f64).sqrt() + (n as f64).sqrt()), 0.0);
        let spiked = &a + unit(m, seed + 50) * unit(n, seed + 60).adjoint() * theta;
        let (sigma, sigma2) = svd_norm(&spiked);
        assert!(sigma2 / sigma < 0.8, "gap {}", sigma2 / sigma);
        let est = PowerIteration::default()
            .seed(seed)
            .run(&DenseOp::new(spiked))
            .unwrap();
        assert!(est.converged, "{est:?}");
        assert!(
            rel(est.norm, sigma) < 1e-6,
            "spiked {m}x{n} {}: {est:?} vs {sigma}",
            T::NAME
        );
    }
}

#[test]
fn random_f64() {
    random_matrices::<f64>();
}
#[test]
fn random_c64() {
    random_matrices::<Complex<f64>>();
}

#[test]
fn single_precision_to_its_accuracy() {
    let a = with_singular_values::<f64>(30, 20, &[4.0, 2.0, 1.0], 5);
    let a32 = a.map(|v| v as f32);
    let est = PowerIteration::default().run(&DenseOp::new(a32)).unwrap();
    assert!(rel(est.norm, 4.0) < 1e-5, "{est:?}");
    let ac = a.map(|v| Complex::new(v as f32, -(v as f32)));
    let est = PowerIteration::default().run(&DenseOp::new(ac)).unwrap();
    assert!(rel(est.norm, 4.0 * 2f64.sqrt()) < 1e-5, "{est:?}");
}

#[test]
fn diagonal_with_known_max() {
    let d = Diagonal::new(vec![1.0, -7.0, 3.0, 0.5, 6.0]);
    let est = PowerIteration::default().run(&d).unwrap();
    assert!(est.converged && rel(est.norm, 7.0) < 1e-6, "{est:?}");
    let l = opnorm_est(&d).unwrap();
    assert_eq!(l, est.norm);
    // Complex diagonal: the largest modulus, |3 - 4i| = 5.
    let dc = Diagonal::new(vec![
        Complex::new(1.0, 1.0),
        Complex::new(3.0, -4.0),
        Complex::new(0.0, 2.0),
    ]);
    assert!(rel(opnorm_est(&dc).unwrap(), 5.0) < 1e-6);
}

#[test]
fn composite_operators_with_known_norms() {
    let d = Diagonal::new(vec![2.0, -8.0, 4.0, 1.0]);
    // Keeping the entries 0, 2, 3 drops the -8: norm 4; scaled by -0.5: 2.
    let r = Restriction::new(4, vec![0, 2, 3]).unwrap();
    let op = (&r).compose(&d).unwrap().scaled(-0.5);
    let est = PowerIteration::default().tol(1e-12).run(&op).unwrap();
    assert!(est.converged && rel(est.norm, 2.0) < 1e-10, "{est:?}");
    // ‖Aᴴ‖ = ‖A‖, through a trait object (unsized) too.
    let a = with_singular_values::<f64>(12, 9, &[3.0, 1.0], 3);
    let op: Box<dyn LinOp<f64>> = Box::new(DenseOp::new(a).adjoint_op());
    let dynref: &dyn LinOp<f64> = &*op;
    assert!(rel(opnorm_est(dynref).unwrap(), 3.0) < 1e-6);
    assert!(rel(opnorm_est(&op).unwrap(), 3.0) < 1e-6);
    let i = Compose::try_new::<f64>(Identity::new(5), Identity::new(5)).unwrap();
    assert!(rel(opnorm_est::<f64, _>(&i).unwrap(), 1.0) < 1e-12);
}

#[test]
fn zero_and_empty_operators() {
    let z = DenseOp::new(DMatrix::<f64>::zeros(4, 3));
    let est = PowerIteration::default().run(&z).unwrap();
    assert_eq!((est.norm, est.converged, est.iterations), (0.0, true, 1));
    let z = Diagonal::new(vec![Complex::new(0.0f32, 0.0); 3]);
    assert_eq!(opnorm_est(&z).unwrap(), 0.0);
    let empty = DenseOp::new(DMatrix::<f64>::zeros(0, 5));
    let est = PowerIteration::default().run(&empty).unwrap();
    assert_eq!((est.norm, est.converged, est.iterations), (0.0, true, 0));
    assert_eq!(
        opnorm_est(&Restriction::from_mask(&[false; 3]).scaled(1.0)).unwrap(),
        0.0
    );
}

#[test]
fn non_finite_values_are_errors() {
    let d = Diagonal::new(vec![1.0, f64::NAN, 2.0]);
    let err = PowerIteration::default().run(&d).unwrap_err();
    match &err {
        Error::NonFinite { position, .. } => {
            assert!(
                position.contains("iteration 1") && position.contains("entry 1"),
                "{err}"
            )
        }
        other => panic!("unexpected {other:?}"),
    }
    let d = Diagonal::new(vec![
        Complex::new(f64::INFINITY, 0.0),
        Complex::new(1.0, 0.0),
    ]);
    assert!(matches!(opnorm_est(&d), Err(Error::NonFinite { .. })));
    // Huge but finite entries do not overflow (both half-steps are normalized).
    let d = Diagonal::new(vec![1e300, -3e300]);
    assert!(rel(opnorm_est(&d).unwrap(), 3e300) < 1e-6);
    let d = Diagonal::new(vec![1e-300, -3e-300]);
    assert!(rel(opnorm_est(&d).unwrap(), 3e-300) < 1e-6);
    let d = Diagonal::new(vec![Complex::new(1e-310, 0.0), Complex::new(0.0, -3e-310)]);
    assert!(rel(opnorm_est(&d).unwrap(), 3e-310) < 1e-6);
}

#[test]
fn invalid_parameters() {
    let d = Diagonal::new(vec![1.0]);
    let err = PowerIteration::default().max_iter(0).run(&d).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidParam {
                name: "max_iter",
                ..
            }
        ),
        "{err}"
    );
    for tol in [-1e-3, f64::NAN, f64::INFINITY] {
        let err = PowerIteration::default().tol(tol).run(&d).unwrap_err();
        assert!(
            matches!(err, Error::InvalidParam { name: "tol", .. }),
            "{err}"
        );
    }
    assert!(PowerIteration::default().tol(0.0).validate().is_ok());
}

#[test]
fn iteration_budget_and_reproducibility() {
    let a = DenseOp::new(rand_mat::<f64>(40, 30, 1));
    let p = PowerIteration::default().max_iter(3);
    let est = p.run(&a).unwrap();
    assert_eq!((est.iterations, est.converged), (3, false));
    assert!(est.norm > 0.0);
    // Same seed, same bits; other seeds, same answer to the tolerance.
    let p = PowerIteration::default().tol(1e-14).max_iter(100_000);
    let e1 = p.run(&a).unwrap();
    assert_eq!(e1, p.run(&a).unwrap());
    let e2 = p.seed(12345).run(&a).unwrap();
    assert!(rel(e2.norm, e1.norm) < 1e-9, "{e1:?} vs {e2:?}");
    // tol = 0 stops once the estimate no longer changes at all.
    let e0 = PowerIteration::default()
        .tol(0.0)
        .max_iter(100_000)
        .run(&Diagonal::new(vec![1.0, 3.0]))
        .unwrap();
    assert!(e0.converged && e0.norm == 3.0, "{e0:?}");
}

#[test]
fn defaults_are_documented_values() {
    let p = PowerIteration::default();
    assert_eq!((p.max_iter, p.tol, p.seed), (100, 1e-6, 0));
    let q = PowerIteration {
        max_iter: 5,
        ..Default::default()
    };
    assert_eq!(q, PowerIteration::default().max_iter(5));
}
