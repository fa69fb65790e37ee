//! Different algorithms, one minimizer: FISTA, ISTA (proximal gradient), ADMM and coordinate
//! descent reach the same LASSO objective to 1e-8 relative; OMP, CoSaMP, IHT and ADMM basis
//! pursuit agree on the support of an exactly sparse problem.

use cstk_linop::Identity;
use cstk_linop::{DenseOp, LinOp, testing::random_vec};
use cstk_measure::DenseEnsemble;
use cstk_measure::signals::{Amplitude, sparse_signal};
use cstk_solvers::Solution;
use cstk_solvers::admm::{AdmmBp, AdmmLasso};
use cstk_solvers::cd::ElasticNet;
use cstk_solvers::cosamp::Cosamp;
use cstk_solvers::fista::{Fista, lambda_max};
use cstk_solvers::iht::Iht;
use cstk_solvers::omp::Omp;

fn lasso_objective(op: &DenseOp<f64>, y: &[f64], x: &[f64], lam: f64) -> f64 {
    let r: f64 = op
        .apply_vec(x)
        .iter()
        .zip(y)
        .map(|(u, v)| (u - v).powi(2))
        .sum();
    0.5 * r + lam * x.iter().map(|v| v.abs()).sum::<f64>()
}

#[test]
fn proximal_gradient_and_coordinate_descent_agree() {
    let (m, n) = (80, 300);
    let a = DenseEnsemble::Gaussian.matrix::<f64>(m, n, 21).unwrap();
    let op = DenseOp::new(a.clone());
    let x = sparse_signal::<f64>(n, 10, Amplitude::Gaussian, 21)
        .unwrap()
        .x;
    let mut y = op.apply_vec(&x);
    for (v, e) in y.iter_mut().zip(random_vec::<f64>(m, 22)) {
        *v += 0.05 * e;
    }
    for frac in [0.5, 0.1, 0.02] {
        let lam = frac * lambda_max(&op, &y);
        let fista = Fista::params()
            .tol(1e-12)
            .max_iter(200_000)
            .solve_l1(&op, &y, lam)
            .unwrap();
        let ista = Fista::ista()
            .tol(1e-12)
            .max_iter(500_000)
            .solve_l1(&op, &y, lam)
            .unwrap();
        let cd: Solution<f64> = ElasticNet::lasso(lam / m as f64)
            .fit_intercept(false)
            .tol(1e-14)
            .max_iter(100_000)
            .fit(&a, &y)
            .unwrap()
            .into();
        let admm = AdmmLasso::params()
            .tol(1e-12, 1e-11)
            .max_iter(50_000)
            .solve(&op, &Identity::new(n), &y, lam)
            .unwrap();
        assert!(admm.converged(), "admm: {:?}", admm.stop);
        let objs = [
            ("admm", lasso_objective(&op, &y, &admm.x, lam)),
            ("fista", lasso_objective(&op, &y, &fista.x, lam)),
            ("ista", lasso_objective(&op, &y, &ista.x, lam)),
            ("cd", lasso_objective(&op, &y, &cd.x, lam)),
        ];
        let best = objs.iter().map(|o| o.1).fold(f64::INFINITY, f64::min);
        for (name, o) in objs {
            assert!(
                (o - best) / best < 1e-8,
                "λ = {frac} λmax, {name}: {o} vs {best}"
            );
        }
    }
}

#[test]
fn greedy_and_basis_pursuit_find_the_same_support() {
    let (m, n, k) = (100, 400, 12);
    let a = DenseEnsemble::Gaussian.matrix::<f64>(m, n, 8).unwrap();
    let op = DenseOp::new(a.clone());
    let x = sparse_signal::<f64>(n, k, Amplitude::Gaussian, 8).unwrap();
    let y = op.apply_vec(&x.x);
    let supp = |v: &[f64]| -> Vec<usize> { (0..n).filter(|&i| v[i].abs() > 1e-6).collect() };
    let omp = Omp::params().n_nonzero(k).solve(&a, &y).unwrap();
    let cosamp = Cosamp::params(k).solve(&a, &y).unwrap();
    let iht = Iht::params(k).solve(&op, &y).unwrap();
    let bp = AdmmBp::params().solve(&a, &y).unwrap();
    for (name, s) in [
        ("omp", &omp.x),
        ("cosamp", &cosamp.x),
        ("iht", &iht.x),
        ("admm-bp", &bp.x),
    ] {
        assert_eq!(supp(s), x.support, "{name}");
    }
}
