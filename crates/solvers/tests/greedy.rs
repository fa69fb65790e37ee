//! IHT and CoSaMP: exact recovery of k-sparse signals from Gaussian measurements, complex
//! data, the LinOp path of IHT, bad inputs.

mod common;

use common::rel_err;
use cstk_linop::{DenseOp, LinOp};
use cstk_measure::DenseEnsemble;
use cstk_measure::signals::{Amplitude, sparse_signal};
use cstk_solvers::cosamp::Cosamp;
use cstk_solvers::iht::Iht;
use cstk_solvers::{Error, StopReason};
use num_complex::Complex;

#[test]
fn both_recover_sparse_signals_with_enough_measurements() {
    let (n, k) = (256, 8);
    // m = 4 k ln(n/k) ≈ 111
    let m = (4.0 * k as f64 * (n as f64 / k as f64).ln()).ceil() as usize;
    for seed in 0..6 {
        let a = DenseEnsemble::Gaussian.matrix::<f64>(m, n, seed).unwrap();
        let x = sparse_signal::<f64>(n, k, Amplitude::Rademacher, seed).unwrap();
        let op = DenseOp::new(a.clone());
        let y = op.apply_vec(&x.x);
        let iht = Iht::params(k).solve(&op, &y).unwrap();
        assert!(iht.converged(), "iht seed {seed}: {:?}", iht.stop);
        assert!(
            rel_err(&iht.x, &x.x) < 1e-8,
            "iht seed {seed}: {}",
            rel_err(&iht.x, &x.x)
        );
        let cs = Cosamp::params(k).solve(&a, &y).unwrap();
        assert!(cs.converged(), "cosamp seed {seed}: {:?}", cs.stop);
        assert!(
            rel_err(&cs.x, &x.x) < 1e-10,
            "cosamp seed {seed}: {}",
            rel_err(&cs.x, &x.x)
        );
        let support: Vec<usize> = (0..n).filter(|&i| cs.x[i] != 0.0).collect();
        assert_eq!(support, x.support);
    }
}

#[test]
fn complex_signals() {
    let (m, n, k) = (90, 200, 6);
    let a = DenseEnsemble::Gaussian
        .matrix::<Complex<f64>>(m, n, 4)
        .unwrap();
    let x = sparse_signal::<Complex<f64>>(n, k, Amplitude::Gaussian, 4).unwrap();
    let op = DenseOp::new(a.clone());
    let y = op.apply_vec(&x.x);
    let cs = Cosamp::params(k).solve(&a, &y).unwrap();
    assert!(rel_err(&cs.x, &x.x) < 1e-10);
    let iht = Iht::params(k).solve(&op, &y).unwrap();
    assert!(rel_err(&iht.x, &x.x) < 1e-8, "{}", rel_err(&iht.x, &x.x));
}

#[test]
fn iht_on_a_fast_operator() {
    // partial DCT, 128 of 512 rows, 10-sparse
    let a = cstk_measure::ensembles::partial_dct::<f64>(128, 512, 2).unwrap();
    let x = sparse_signal::<f64>(512, 10, Amplitude::Gaussian, 2).unwrap();
    let y = a.apply_vec(&x.x);
    let sol = Iht::params(10).max_iter(5000).solve(&a, &y).unwrap();
    assert!(rel_err(&sol.x, &x.x) < 1e-8, "{}", rel_err(&sol.x, &x.x));
    assert_eq!(sol.history.len(), sol.iterations);
}

#[test]
fn bad_inputs() {
    let a = DenseEnsemble::Gaussian.matrix::<f64>(10, 30, 0).unwrap();
    let op = DenseOp::new(a.clone());
    let y = vec![1.0; 10];
    for k in [0, 11, 31] {
        assert!(matches!(
            Iht::params(k).solve(&op, &y),
            Err(Error::InvalidParam { name: "k", .. })
        ));
        assert!(matches!(
            Cosamp::params(k).solve(&a, &y),
            Err(Error::InvalidParam { name: "k", .. })
        ));
    }
    let e = Cosamp::params(11).solve(&a, &y).unwrap_err().to_string();
    assert!(e.contains("m = 10"), "{e}");
    assert!(matches!(
        Iht::params(2).solve(&op, &[1.0; 9]),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut bad = y.clone();
    bad[3] = f64::NAN;
    assert!(matches!(
        Iht::params(2).solve(&op, &bad),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        Cosamp::params(2).solve(&a, &bad),
        Err(Error::NonFinite { .. })
    ));
    // zero y: x = 0 at once
    let sol = Iht::params(2).solve(&op, &[0.0; 10]).unwrap();
    assert!(sol.x.iter().all(|v| *v == 0.0) && sol.stop == StopReason::Converged);
    let sol = Cosamp::params(2).solve(&a, &[0.0; 10]).unwrap();
    assert!(sol.x.iter().all(|v| *v == 0.0));
    // zero matrix: stationary at 0
    let z = nalgebra::DMatrix::<f64>::zeros(10, 30);
    let sol = Iht::params(2).solve(&DenseOp::new(z.clone()), &y).unwrap();
    assert!(sol.x.iter().all(|v| *v == 0.0));
    let sol = Cosamp::params(2).solve(&z, &y).unwrap();
    assert!(sol.x.iter().all(|v| v.is_finite()));
}

#[test]
fn iht_allocates_nothing_per_iteration() {
    let a = DenseOp::new(DenseEnsemble::Gaussian.matrix::<f64>(40, 120, 3).unwrap());
    let y: Vec<f64> = cstk_linop::testing::random_vec(40, 4); // not sparse-representable
    let count = |iters: usize| {
        cstk_linop::testing::in_pool(1, || {
            allocation_counter::measure(|| {
                let sol = Iht::params(5)
                    .tol(1e-300)
                    .max_iter(iters)
                    .record_history(false)
                    .solve(&a, &y)
                    .unwrap();
                assert_eq!(sol.iterations, iters);
            })
            .count_total
        })
    };
    assert_eq!(count(5), count(50));
}
