//! ADMM basis pursuit: exact recovery of sparse signals, optimality against a known
//! minimizer, complex data, bad inputs.

mod common;

use common::rel_err;
use cstk_measure::DenseEnsemble;
use cstk_measure::signals::{Amplitude, sparse_signal};
use cstk_solvers::admm::AdmmBp;
use cstk_solvers::{Error, StopReason};
use nalgebra::DMatrix;
use num_complex::Complex;

#[test]
fn recovers_sparse_signals_exactly() {
    for seed in 0..5 {
        let (m, n, k) = (80, 200, 10);
        let a = DenseEnsemble::Gaussian.matrix::<f64>(m, n, seed).unwrap();
        let x = sparse_signal::<f64>(n, k, Amplitude::Gaussian, seed)
            .unwrap()
            .x;
        let y = (&a * nalgebra::DVector::from_column_slice(&x))
            .as_slice()
            .to_vec();
        let sol = AdmmBp::params().solve(&a, &y).unwrap();
        assert!(sol.converged(), "seed {seed}: {:?}", sol.stop);
        assert!(
            rel_err(&sol.x, &x) < 1e-6,
            "seed {seed}: {}",
            rel_err(&sol.x, &x)
        );
        // feasibility of the returned iterate
        let r = &a * nalgebra::DVector::from_column_slice(&sol.x)
            - nalgebra::DVector::from_column_slice(&y);
        assert!(r.norm() < 1e-6 * nalgebra::DVector::from_column_slice(&y).norm());
    }
}

#[test]
fn complex_basis_pursuit() {
    let (m, n, k) = (60, 150, 6);
    let a = DenseEnsemble::Gaussian
        .matrix::<Complex<f64>>(m, n, 9)
        .unwrap();
    let x = sparse_signal::<Complex<f64>>(n, k, Amplitude::Gaussian, 9)
        .unwrap()
        .x;
    let y = (&a * nalgebra::DVector::from_column_slice(&x))
        .as_slice()
        .to_vec();
    let sol = AdmmBp::params().solve(&a, &y).unwrap();
    assert!(sol.converged());
    assert!(rel_err(&sol.x, &x) < 1e-6, "{}", rel_err(&sol.x, &x));
}

#[test]
fn minimizer_when_the_sparse_solution_is_not_unique_in_l0() {
    // x0 + x2 = 1, x1 + x2 = 1: feasible x = (1 − t, 1 − t, t), ‖x‖₁ = 2 − t for t ≤ 1,
    // minimized at t = 1 with value 1.
    let a = DMatrix::<f64>::from_row_slice(2, 3, &[1.0, 0.0, 1.0, 0.0, 1.0, 1.0]);
    let sol = AdmmBp::params().solve(&a, &[1.0, 1.0]).unwrap();
    assert!((sol.objective - 1.0).abs() < 1e-7);
    assert!((sol.x[2] - 1.0).abs() < 1e-7);
    assert_eq!(sol.history.len(), sol.iterations);
}

#[test]
fn bad_inputs() {
    let a = DMatrix::from_row_slice(2, 3, &[1.0, 2.0, 3.0, 2.0, 4.0, 6.0]); // rank 1
    let e = AdmmBp::params().solve(&a, &[1.0, 2.0]).unwrap_err();
    assert!(e.to_string().contains("full row rank"), "{e}");
    let a = DMatrix::from_row_slice(2, 3, &[1.0, 0.0, 1.0, 0.0, 1.0, 1.0]);
    assert!(matches!(
        AdmmBp::params().solve(&a, &[1.0]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        AdmmBp::params().solve(&a, &[1.0, f64::NAN]),
        Err(Error::NonFinite { .. })
    ));
    let mut bad = a.clone();
    bad[(1, 1)] = f64::INFINITY;
    assert!(matches!(
        AdmmBp::params().solve(&bad, &[1.0, 1.0]),
        Err(Error::NonFinite { .. })
    ));
    assert!(AdmmBp::params().rho(0.0).solve(&a, &[1.0, 1.0]).is_err());
    assert!(
        AdmmBp::params()
            .relaxation(2.0)
            .solve(&a, &[1.0, 1.0])
            .is_err()
    );
    let sol = AdmmBp::params().max_iter(3).solve(&a, &[1.0, 1.0]).unwrap();
    assert_eq!(sol.stop, StopReason::MaxIterations);
    // zero y: x = 0
    let sol = AdmmBp::params().solve(&a, &[0.0, 0.0]).unwrap();
    assert!(sol.x.iter().all(|v| *v == 0.0));
}

#[test]
fn generalized_lasso_matches_anisotropic_tv_by_chambolle_pock() {
    use cstk_linop::{Boundary, Gradient2, Identity};
    use cstk_solvers::admm::AdmmLasso;
    use cstk_solvers::tv::{TvKind, TvRegularized};
    let (ny, nx) = (8, 8);
    let y: Vec<f64> = cstk_linop::testing::random_vec(ny * nx, 4);
    let d = Gradient2::new(ny, nx, Boundary::Neumann).unwrap();
    let lam = 0.2;
    let admm = AdmmLasso::params()
        .tol(1e-12, 1e-10)
        .max_iter(20_000)
        .solve(&Identity::new(ny * nx), &d, &y, lam)
        .unwrap();
    assert!(admm.converged(), "{:?}", admm.stop);
    let cp = TvRegularized::params(ny, nx, lam)
        .kind(TvKind::Anisotropic)
        .tol(1e-12)
        .max_iter(100_000)
        .solve(&Identity::new(ny * nx), &y)
        .unwrap();
    assert!(
        (admm.objective - cp.objective).abs() < 1e-7 * cp.objective,
        "{} vs {}",
        admm.objective,
        cp.objective
    );
    let dx: f64 = admm
        .x
        .iter()
        .zip(&cp.x)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        .sqrt();
    assert!(dx < 1e-4, "{dx}");
}

#[test]
fn generalized_lasso_bad_inputs() {
    use cstk_linop::Identity;
    use cstk_solvers::admm::AdmmLasso;
    let id = Identity::new(3);
    assert!(matches!(
        AdmmLasso::params().solve(&id, &Identity::new(2), &[1.0f64; 3], 0.1),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        AdmmLasso::params().solve(&id, &id, &[1.0f64; 2], 0.1),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(
        AdmmLasso::params()
            .solve(&id, &id, &[1.0f64; 3], -0.1)
            .is_err()
    );
    assert!(
        AdmmLasso::params()
            .rho(0.0)
            .solve(&id, &id, &[1.0f64; 3], 0.1)
            .is_err()
    );
    assert!(matches!(
        AdmmLasso::params().solve(&id, &id, &[1.0, f64::NAN, 0.0], 0.1),
        Err(Error::NonFinite { .. })
    ));
}
