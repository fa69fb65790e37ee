//! Orthogonal Matching Pursuit: exact recovery, scikit-learn reference vectors
//! (`tests/data/omp/make_omp_reference.py`), a naive reference implementation, the Gram
//! variant, degenerate inputs and thread-count independence.

use cstk_linop::io::npy::{read_npy_matrix, read_npy_vector};
use cstk_linop::nalgebra::DMatrix;
use cstk_linop::testing::{assert_bitwise, in_pool, random_vec};
use cstk_linop::{Complex, Error, Scalar};
use cstk_measure::DenseEnsemble;
use cstk_measure::signals::{Amplitude, sparse_signal};
use cstk_solvers::StopReason;
use cstk_solvers::omp::{Omp, omp_gram};
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/omp/{name}"))
}

fn support<T: Scalar>(x: &[T]) -> Vec<usize> {
    (0..x.len()).filter(|&i| x[i] != T::zero()).collect()
}

fn mat_vec<T: Scalar>(a: &DMatrix<T>, x: &[T]) -> Vec<T> {
    (a * DMatrix::from_column_slice(x.len(), 1, x))
        .as_slice()
        .to_vec()
}

/// `max |got − want| / max |want|`.
fn rel_err<T: Scalar>(got: &[T], want: &[T]) -> f64 {
    let scale = want.iter().fold(0.0f64, |m, v| m.max(v.to_c64().norm()));
    let diff = got
        .iter()
        .zip(want)
        .fold(0.0f64, |m, (g, w)| m.max((g.to_c64() - w.to_c64()).norm()));
    diff / scale.max(f64::MIN_POSITIVE)
}

/// m = ⌈4 k ln(n / k)⌉
fn measurements(n: usize, k: usize) -> usize {
    (4.0 * k as f64 * (n as f64 / k as f64).ln()).ceil() as usize
}

fn check_recovery<T: Scalar>(n: usize, k: usize, seed: u64, tol: f64) {
    let m = measurements(n, k);
    let a = DenseEnsemble::Gaussian.matrix::<T>(m, n, seed).unwrap();
    let sig = sparse_signal::<T>(n, k, Amplitude::Gaussian, seed + 1000).unwrap();
    let y = mat_vec(&a, &sig.x);
    let sol = Omp::params().n_nonzero(k).solve(&a, &y).unwrap();
    assert_eq!(
        support(&sol.x),
        sig.support,
        "{} n={n} k={k} seed={seed}",
        T::NAME
    );
    let err = rel_err(&sol.x, &sig.x);
    assert!(
        err <= tol,
        "{} n={n} k={k} seed={seed}: rel err {err:e}",
        T::NAME
    );
    assert_eq!(sol.iterations, k);
    assert_eq!(sol.stop, StopReason::Converged);
}

#[test]
fn recovers_every_sparse_signal_exactly_from_gaussian_measurements() {
    for seed in 0..40 {
        check_recovery::<f64>(256, 8, seed, 1e-10);
    }
    for seed in 0..10 {
        check_recovery::<f64>(1000, 20, 100 + seed, 1e-10);
    }
    for seed in 0..2 {
        check_recovery::<f64>(4000, 40, 200 + seed, 1e-10);
    }
}

#[test]
fn recovers_complex_and_f32_signals() {
    for seed in 0..10 {
        check_recovery::<Complex<f64>>(256, 8, seed, 1e-10);
        check_recovery::<f32>(256, 8, seed, 1e-4);
        check_recovery::<Complex<f32>>(256, 8, seed, 1e-4);
    }
}

#[test]
fn matches_scikit_learn_on_the_shared_problem() {
    let a = read_npy_matrix::<f64>(&data("a.npy")).unwrap();
    let y = read_npy_vector::<f64>(&data("y.npy")).unwrap();
    for (params, file) in [
        (Omp::params().n_nonzero(8), "coef_k8.npy"),
        (Omp::params().tol(0.5), "coef_tol.npy"),
    ] {
        let want = read_npy_vector::<f64>(&data(file)).unwrap();
        let sol = params.solve(&a, &y).unwrap();
        assert_eq!(support(&sol.x), support(&want), "{file}");
        let err = rel_err(&sol.x, &want);
        assert!(err < 1e-10, "{file}: rel err {err:e}");
        assert!(sol.converged());
    }
}

#[test]
fn gram_variant_matches_scikit_learn_orthogonal_mp_gram() {
    let a = read_npy_matrix::<f64>(&data("a.npy")).unwrap();
    let y = read_npy_vector::<f64>(&data("y.npy")).unwrap();
    let want = read_npy_matrix::<f64>(&data("coef_gram_k8.npy")).unwrap();
    let col7: Vec<f64> = a.column(7).iter().copied().collect();
    let y2: Vec<f64> = y.iter().zip(&col7).map(|(v, c)| 2.0 * v - c).collect();
    let ys = DMatrix::from_fn(60, 2, |i, j| if j == 0 { y[i] } else { y2[i] });
    let gram = a.transpose() * &a;
    let xty = a.transpose() * &ys;
    let norms: Vec<f64> = ys.column_iter().map(|c| c.norm_squared()).collect();
    for norms in [None, Some(norms.as_slice())] {
        let sols = omp_gram(&gram, &xty, norms, &Omp::params().n_nonzero(8)).unwrap();
        assert_eq!(sols.len(), 2);
        for (q, sol) in sols.iter().enumerate() {
            let w: Vec<f64> = want.column(q).iter().copied().collect();
            assert_eq!(support(&sol.x), support(&w), "signal {q}");
            let err = rel_err(&sol.x, &w);
            assert!(err < 1e-10, "signal {q}: rel err {err:e}");
            assert_eq!(sol.objective.is_nan(), norms.is_none());
        }
        if let Some(norms) = norms {
            // the tracked residual agrees with the explicit one
            let r: Vec<f64> = y
                .iter()
                .zip(mat_vec(&a, &sols[0].x))
                .map(|(a, b)| a - b)
                .collect();
            let rsq: f64 = r.iter().map(|v| v * v).sum();
            assert!((sols[0].objective - rsq).abs() < 1e-12 * norms[0]);
        }
    }
    // tol needs the norms
    let err = omp_gram(&gram, &xty, None, &Omp::params().tol(0.1)).unwrap_err();
    assert!(matches!(err, Error::InvalidParam { name: "tol", .. }));
}

/// OMP with a fresh least-squares fit (SVD) and explicit correlations each iteration.
fn naive_omp(a: &DMatrix<f64>, y: &[f64], k: usize) -> Vec<f64> {
    let n = a.ncols();
    let yv = DMatrix::from_column_slice(y.len(), 1, y);
    let mut sel: Vec<usize> = Vec::new();
    let mut x = vec![0.0; n];
    for _ in 0..k {
        let r = &yv - a * DMatrix::from_column_slice(n, 1, &x);
        let c = a.transpose() * r;
        let j = (0..n)
            .filter(|j| !sel.contains(j))
            .max_by(|&p, &q| c[p].abs().total_cmp(&c[q].abs()).then(q.cmp(&p)))
            .unwrap();
        sel.push(j);
        let sub = a.select_columns(&sel);
        let coef = sub.svd(true, true).solve(&yv, 1e-14).unwrap();
        x = vec![0.0; n];
        for (i, &s) in sel.iter().enumerate() {
            x[s] = coef[i];
        }
    }
    x
}

#[test]
fn matches_a_naive_implementation_with_noise_and_many_cache_misses() {
    // k close to m: many passes over A, and the Gram-column cache evicts candidates
    for (m, n, k, seed) in [(150, 300, 60, 1u64), (80, 400, 40, 2), (40, 40, 40, 3)] {
        let a = DenseEnsemble::Gaussian.matrix::<f64>(m, n, seed).unwrap();
        let y: Vec<f64> = random_vec(m, seed + 7);
        let want = naive_omp(&a, &y, k);
        let sol = Omp::params()
            .n_nonzero(k)
            .record_history(true)
            .solve(&a, &y)
            .unwrap();
        assert_eq!(support(&sol.x), support(&want), "m={m} n={n} k={k}");
        let err = rel_err(&sol.x, &want);
        assert!(err < 1e-8, "m={m} n={n} k={k}: rel err {err:e}");
        // residual norms: one per atom, non-increasing, the last equal to the objective
        let h = &sol.history.residual;
        assert_eq!(h.len(), k);
        assert!(h.windows(2).all(|w| w[1] <= w[0] * (1.0 + 1e-12)));
        assert!((h[k - 1] * h[k - 1] - sol.objective).abs() <= 1e-12 * sol.objective.max(1e-300));
    }
}

#[test]
fn bit_identical_for_any_thread_count() {
    let (m, n, k) = (300, 3000, 30);
    let a = DenseEnsemble::Gaussian.matrix::<f64>(m, n, 5).unwrap();
    let sig = sparse_signal::<f64>(n, k, Amplitude::Gaussian, 6).unwrap();
    let noise: Vec<f64> = random_vec(m, 7);
    let y: Vec<f64> = mat_vec(&a, &sig.x)
        .iter()
        .zip(&noise)
        .map(|(v, e)| v + 0.01 * e)
        .collect();
    let params = Omp::params().n_nonzero(k + 10);
    let one = in_pool(1, || params.solve(&a, &y).unwrap());
    for threads in [2, 3] {
        let other = in_pool(threads, || params.solve(&a, &y).unwrap());
        assert_bitwise(&other.x, &one.x, &format!("x with {threads} threads"));
    }
    let ys = DMatrix::from_fn(m, 5, |i, j| y[i] * (j as f64 + 1.0) + noise[(i + j) % m]);
    let (gram, xty) = (a.transpose() * &a, a.transpose() * &ys);
    let g1 = in_pool(1, || omp_gram(&gram, &xty, None, &params).unwrap());
    let g3 = in_pool(3, || omp_gram(&gram, &xty, None, &params).unwrap());
    for (s1, s3) in g1.iter().zip(&g3) {
        assert_bitwise(&s3.x, &s1.x, "omp_gram x");
    }
    // the Gram variant agrees with the dense one
    let dense0 = params.solve(&a, &ys.column(0).iter().copied().collect::<Vec<_>>());
    let dense0 = dense0.unwrap();
    assert_eq!(support(&g1[0].x), support(&dense0.x));
    assert!(rel_err(&g1[0].x, &dense0.x) < 1e-10);
}

#[test]
fn default_number_of_atoms_is_a_tenth_of_the_columns() {
    let a = DenseEnsemble::Gaussian.matrix::<f64>(100, 200, 1).unwrap();
    let y: Vec<f64> = random_vec(100, 2);
    let sol = Omp::params().solve(&a, &y).unwrap();
    assert_eq!(sol.iterations, 20);
    // clamped to m when 0.1·n exceeds it
    let a = DenseEnsemble::Gaussian.matrix::<f64>(5, 200, 1).unwrap();
    let sol = Omp::params().solve(&a, &y[..5]).unwrap();
    assert!(sol.iterations <= 5);
}

#[test]
fn zero_matrix_and_zero_measurements_give_zero() {
    let a = DMatrix::<f64>::zeros(10, 20);
    let sol = Omp::params().n_nonzero(3).solve(&a, &[1.0; 10]).unwrap();
    assert_eq!((sol.iterations, &sol.stop), (0, &StopReason::Converged));
    assert!(sol.x.iter().all(|&v| v == 0.0));
    assert_eq!(sol.objective, 10.0);

    let a = DenseEnsemble::Gaussian.matrix::<f64>(10, 20, 3).unwrap();
    let sol = Omp::params().n_nonzero(3).solve(&a, &[0.0; 10]).unwrap();
    assert_eq!((sol.iterations, &sol.stop), (0, &StopReason::Converged));
    assert!(sol.x.iter().all(|&v| v == 0.0));

    let z = Complex::new(0.0, 0.0);
    let sol = Omp::params()
        .tol(0.0)
        .solve(
            &DMatrix::from_element(4, 6, Complex::new(1.0, 2.0)),
            &[z; 4],
        )
        .unwrap();
    assert_eq!(sol.iterations, 0);
}

#[test]
fn duplicate_columns_select_one_copy() {
    let (m, n) = (40, 100);
    let mut a = DenseEnsemble::Gaussian.matrix::<f64>(m, n, 9).unwrap();
    let col = a.column(10).clone_owned();
    a.set_column(60, &col);
    let mut x = vec![0.0; n];
    x[10] = 1.5;
    x[33] = -2.0;
    x[77] = 0.7;
    let y = mat_vec(&a, &x);
    let sol = Omp::params().n_nonzero(6).solve(&a, &y).unwrap();
    // the first copy is chosen (first index on ties); the exact fit stops OMP after 3 atoms
    assert_eq!(support(&sol.x), vec![10, 33, 77]);
    assert!(rel_err(&sol.x, &x) < 1e-12);
    assert_eq!((sol.iterations, &sol.stop), (3, &StopReason::Converged));

    // two copies only: after one atom, nothing is left to explain
    let a2 = DMatrix::from_fn(m, 2, |i, _| a[(i, 10)]);
    let y2: Vec<f64> = random_vec(m, 4);
    let sol = Omp::params().n_nonzero(2).solve(&a2, &y2).unwrap();
    assert_eq!(sol.iterations, 1);
    assert_eq!(sol.x[1], 0.0);
}

#[test]
fn nearly_dependent_atom_stops_with_a_reason() {
    // a₀ and a₁ differ by 1e-9 in angle: after a₁, a₀ correlates with the residual but adds
    // nothing numerically independent
    let a = DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 0.0, 1e-9]);
    let sol = Omp::params().n_nonzero(2).solve(&a, &[0.0, 1.0]).unwrap();
    assert_eq!(sol.iterations, 1);
    assert_eq!(support(&sol.x), vec![1]);
    match sol.stop {
        StopReason::Breakdown {
            iteration, what, ..
        } => {
            assert_eq!(iteration, 2);
            assert!(what.contains("linearly dependent"));
        }
        other => panic!("expected a dependent-atom stop, got {other:?}"),
    }
}

#[test]
fn invalid_inputs_are_errors() {
    let a = DenseEnsemble::Gaussian.matrix::<f64>(10, 20, 1).unwrap();
    let y: Vec<f64> = random_vec(10, 2);
    // k larger than m
    let err = Omp::params().n_nonzero(11).solve(&a, &y).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidParam {
                name: "n_nonzero",
                ..
            }
        ),
        "{err}"
    );
    let err = Omp::params().n_nonzero(0).solve(&a, &y).unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidParam {
            name: "n_nonzero",
            ..
        }
    ));
    for tol in [-1.0, f64::NAN, f64::INFINITY] {
        let err = Omp::params().tol(tol).solve(&a, &y).unwrap_err();
        assert!(matches!(err, Error::InvalidParam { name: "tol", .. }));
    }
    // NaN in the data
    let mut bad = a.clone();
    bad[(3, 4)] = f64::NAN;
    let err = Omp::params().n_nonzero(2).solve(&bad, &y).unwrap_err();
    assert!(matches!(err, Error::NonFinite { .. }), "{err}");
    let mut ybad = y.clone();
    ybad[9] = f64::INFINITY;
    let err = Omp::params().n_nonzero(2).solve(&a, &ybad).unwrap_err();
    assert!(matches!(err, Error::NonFinite { .. }), "{err}");
    // shapes
    let err = Omp::params().n_nonzero(2).solve(&a, &y[..9]).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
    let err = Omp::params()
        .solve(&DMatrix::<f64>::zeros(0, 3), &[])
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidParam { name: "a", .. }),
        "{err}"
    );
    // the Gram variant
    let gram = a.transpose() * &a;
    let xty = DMatrix::from_element(20, 2, 1.0);
    let err = omp_gram(&gram, &xty.rows(0, 19).into_owned(), None, &Omp::params()).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
    let err = omp_gram(&gram, &xty, Some(&[1.0]), &Omp::params()).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
    let mut gbad = gram.clone();
    gbad[(1, 2)] = f64::NAN;
    let err = omp_gram(&gbad, &xty, None, &Omp::params()).unwrap_err();
    assert!(matches!(err, Error::NonFinite { .. }), "{err}");
    let err = omp_gram(&gram, &xty, None, &Omp::params().n_nonzero(21)).unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidParam {
            name: "n_nonzero",
            ..
        }
    ));
}
