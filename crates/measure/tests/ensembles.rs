//! Sensing ensembles: statistics within confidence bounds, exact structure, adjoints, thread
//! independence and golden values.

use cstk_linop::testing::{assert_bitwise, dot_test, in_pool, matrix_of};
use cstk_linop::{Complex, Dct1, Hadamard, LinOp};
use cstk_measure::ensembles::{partial_dct, partial_fourier, sparse_random, srht};
use cstk_measure::{DenseEnsemble, Error, Randomizer, SubsampledTransform};
use nalgebra::DMatrix;

type C64 = Complex<f64>;

/// Mean and variance of a sample.
fn moments(v: impl Iterator<Item = f64>) -> (f64, f64, usize) {
    let v: Vec<f64> = v.collect();
    let n = v.len();
    let mean = v.iter().sum::<f64>() / n as f64;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    (mean, var, n)
}

#[test]
fn gaussian_entries_have_mean_zero_variance_one_over_m() {
    let (m, n) = (200, 500);
    let a = DenseEnsemble::Gaussian.matrix::<f64>(m, n, 11).unwrap();
    let (mean, var, cnt) = moments(a.iter().map(|&v| v * (m as f64).sqrt()));
    // mean of N(0,1): se 1/√N; variance: se √(2/N)
    assert!(mean.abs() < 5.0 / (cnt as f64).sqrt(), "mean {mean}");
    assert!(
        (var - 1.0).abs() < 5.0 * (2.0 / cnt as f64).sqrt(),
        "var {var}"
    );
    // squared column norms: mean 1, variance 2/m
    let (cm, cv, _) = moments((0..n).map(|j| a.column(j).norm_squared()));
    assert!(
        (cm - 1.0).abs() < 5.0 * (2.0 / m as f64 / n as f64).sqrt(),
        "{cm}"
    );
    assert!((cv - 2.0 / m as f64).abs() < 0.3 * 2.0 / m as f64, "{cv}");
}

#[test]
fn complex_gaussian_is_circular() {
    let (m, n) = (100, 400);
    let a = DenseEnsemble::Gaussian.matrix::<C64>(m, n, 2).unwrap();
    let s = (m as f64).sqrt();
    let (mr, vr, cnt) = moments(a.iter().map(|v| v.re * s));
    let (mi, vi, _) = moments(a.iter().map(|v| v.im * s));
    let se = (2.0 / cnt as f64).sqrt();
    assert!(mr.abs() < 5.0 * 0.5f64.sqrt() / (cnt as f64).sqrt());
    assert!(mi.abs() < 5.0 * 0.5f64.sqrt() / (cnt as f64).sqrt());
    assert!((vr - 0.5).abs() < 5.0 * 0.5 * se && (vi - 0.5).abs() < 5.0 * 0.5 * se);
    // real and imaginary parts uncorrelated
    let cov = a.iter().map(|v| v.re * v.im * s * s).sum::<f64>() / cnt as f64;
    assert!(cov.abs() < 5.0 * 0.5 / (cnt as f64).sqrt(), "{cov}");
}

#[test]
fn rademacher_entries_are_balanced_signs() {
    let (m, n) = (64, 300);
    let a = DenseEnsemble::Rademacher.matrix::<f64>(m, n, 4).unwrap();
    assert!(a.iter().all(|&v| v == 0.125 || v == -0.125));
    let pos = a.iter().filter(|&&v| v > 0.0).count() as f64;
    let total = (m * n) as f64;
    assert!((pos / total - 0.5).abs() < 5.0 * 0.5 / total.sqrt());
    for j in 0..n {
        assert!((a.column(j).norm() - 1.0).abs() < 1e-14);
    }
    let c = DenseEnsemble::Rademacher.matrix::<C64>(8, 100, 4).unwrap();
    let h = 1.0 / 16f64.sqrt();
    assert!(c.iter().all(|v| v.re.abs() == h && v.im.abs() == h));
    // the four quadrants all occur
    for (sr, si) in [(1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)] {
        assert!(c.iter().any(|v| v.re.signum() == sr && v.im.signum() == si));
    }
}

#[test]
fn sphere_columns_are_unit_and_isotropic() {
    let (m, n) = (10, 4000);
    let a = DenseEnsemble::Sphere.matrix::<f64>(m, n, 8).unwrap();
    for j in 0..n {
        assert!((a.column(j).norm() - 1.0).abs() < 1e-14);
    }
    // isotropy: E[a_i²] = 1/m for every coordinate; Var(a_i²) = 2(m-1)/(m²(m+2))
    let var = 2.0 * (m as f64 - 1.0) / ((m * m) as f64 * (m as f64 + 2.0));
    for i in 0..m {
        let mean = (0..n).map(|j| a[(i, j)].powi(2)).sum::<f64>() / n as f64;
        assert!(
            (mean - 0.1).abs() < 5.0 * (var / n as f64).sqrt(),
            "row {i}: {mean}"
        );
    }
    let c = DenseEnsemble::Sphere
        .matrix::<Complex<f32>>(6, 50, 8)
        .unwrap();
    for j in 0..50 {
        assert!((c.column(j).norm() - 1.0).abs() < 1e-6);
    }
}

#[test]
fn f32_matrices_are_the_f64_values_rounded() {
    for e in [
        DenseEnsemble::Gaussian,
        DenseEnsemble::Rademacher,
        DenseEnsemble::Sphere,
    ] {
        let a = DenseEnsemble::matrix::<f64>(e, 17, 9, 3).unwrap();
        let b = DenseEnsemble::matrix::<f32>(e, 17, 9, 3).unwrap();
        assert!(a.iter().zip(b.iter()).all(|(x, y)| *x as f32 == *y), "{e}");
    }
}

#[test]
fn dense_ensembles_are_identical_for_any_thread_count() {
    for e in [
        DenseEnsemble::Gaussian,
        DenseEnsemble::Rademacher,
        DenseEnsemble::Sphere,
    ] {
        let one = in_pool(1, || e.matrix::<f64>(300, 257, 99).unwrap());
        let two = in_pool(2, || e.matrix::<f64>(300, 257, 99).unwrap());
        let three = in_pool(3, || e.matrix::<f64>(300, 257, 99).unwrap());
        assert_bitwise(one.as_slice(), two.as_slice(), e.name());
        assert_bitwise(one.as_slice(), three.as_slice(), e.name());
        // column j depends on (seed, j) only: a wider matrix starts with the same columns
        let wide = e.matrix::<f64>(300, 400, 99).unwrap();
        assert_bitwise(
            one.as_slice(),
            &wide.as_slice()[..300 * 257],
            "prefix columns",
        );
    }
    let s1 = in_pool(1, || sparse_random::<f64>(500, 3000, 7, 5).unwrap());
    let s2 = in_pool(2, || sparse_random::<f64>(500, 3000, 7, 5).unwrap());
    assert_eq!(s1.indices(), s2.indices());
    assert_bitwise(s1.data(), s2.data(), "sparse");
}

#[test]
fn dense_operator_matches_matrix_and_passes_dot_test() {
    let a = DenseEnsemble::Gaussian.matrix::<C64>(30, 70, 1).unwrap();
    let op = DenseEnsemble::Gaussian.operator::<C64>(30, 70, 1).unwrap();
    assert_eq!(op.matrix(), &a);
    dot_test(&op, 1e-12).unwrap();
}

#[test]
fn golden_values_pin_the_generators() {
    // Pinned values: a change means every published experiment changes. Update deliberately.
    let g = DenseEnsemble::Gaussian.matrix::<f64>(4, 3, 2024).unwrap();
    let r = DenseEnsemble::Rademacher.matrix::<f64>(4, 3, 2024).unwrap();
    let s = sparse_random::<f64>(10, 3, 2, 2024).unwrap();
    let pf = partial_fourier::<f64>(4, 16, 2024).unwrap();
    let h = srht(4, 16, 2024).unwrap();
    let got = (
        [g[(0, 0)], g[(3, 0)], g[(0, 2)], g[(3, 2)]].map(f64::to_bits),
        r.iter().map(|v| v.is_sign_negative()).collect::<Vec<_>>(),
        s.indices().to_vec(),
        s.data()
            .iter()
            .map(|v| v.is_sign_negative())
            .collect::<Vec<_>>(),
        pf.rows().to_vec(),
        h.rows().to_vec(),
        h.signs().unwrap().to_vec(),
    );
    assert_eq!(got.0, GOLDEN_GAUSSIAN);
    assert_eq!(got.1, GOLDEN_RADEMACHER_NEG);
    assert_eq!(got.2, GOLDEN_SPARSE_ROWS);
    assert_eq!(got.3, GOLDEN_SPARSE_NEG);
    assert_eq!(got.4, GOLDEN_PF_ROWS);
    assert_eq!(got.5, GOLDEN_SRHT_ROWS);
    assert_eq!(got.6, GOLDEN_SRHT_SIGNS);
}

const GOLDEN_GAUSSIAN: [u64; 4] = [
    13823314680284952448,
    4593061306498901328,
    13816362023767822948,
    13811996272504273406,
];
const GOLDEN_RADEMACHER_NEG: [bool; 12] = [
    false, true, false, false, false, true, false, true, false, false, false, false,
];
const GOLDEN_SPARSE_ROWS: [u32; 6] = [5, 6, 1, 9, 1, 7];
const GOLDEN_SPARSE_NEG: [bool; 6] = [false, true, false, false, true, false];
// the same seed draws the same rows for every partial transform of the same size
const GOLDEN_PF_ROWS: [usize; 4] = [1, 2, 8, 11];
const GOLDEN_SRHT_ROWS: [usize; 4] = [1, 2, 8, 11];
const GOLDEN_SRHT_SIGNS: [bool; 16] = [
    true, true, true, false, false, true, false, true, true, false, false, false, false, true,
    true, true,
];

#[test]
fn sparse_columns_have_s_entries_at_uniform_rows() {
    let (m, n, s) = (50, 20_000, 5);
    let a = sparse_random::<f64>(m, n, s, 3).unwrap();
    let mut per_row = vec![0usize; m];
    for j in 0..n {
        let (rows, vals) = a.col(j);
        assert_eq!(rows.len(), s);
        assert!(rows.windows(2).all(|w| w[0] < w[1]));
        assert!((vals.iter().map(|v| v * v).sum::<f64>() - 1.0).abs() < 1e-14);
        for &r in rows {
            per_row[r as usize] += 1;
        }
    }
    let p = s as f64 / m as f64;
    let (mean, sd) = (n as f64 * p, (n as f64 * p * (1.0 - p)).sqrt());
    assert!(per_row.iter().all(|&c| (c as f64 - mean).abs() < 5.0 * sd));
    let neg = a.data().iter().filter(|v| **v < 0.0).count() as f64;
    let nnz = a.nnz() as f64;
    assert!((neg / nnz - 0.5).abs() < 5.0 * 0.5 / nnz.sqrt());
    // s = m: every row present
    let full = sparse_random::<f64>(6, 4, 6, 0).unwrap();
    assert_eq!(full.nnz(), 24);
    dot_test(&full.to_csr(), 1e-12).unwrap();
}

#[test]
fn partial_fourier_is_scaled_rows_of_the_dft() {
    let (m, n) = (12, 40);
    let a = partial_fourier::<f64>(m, n, 5).unwrap();
    let dense = matrix_of::<C64, _>(&a);
    let s = (n as f64 / m as f64).sqrt() / (n as f64).sqrt();
    for (k, &row) in a.rows().iter().enumerate() {
        for j in 0..n {
            let ang = -2.0 * std::f64::consts::PI * ((row * j) % n) as f64 / n as f64;
            let want = Complex::from_polar(s, ang);
            assert!((dense[(k, j)] - want).norm() < 1e-14, "({k},{j})");
        }
    }
    // unit columns, orthogonal rows of norm √(n/m)
    for j in 0..n {
        assert!((dense.column(j).norm() - 1.0).abs() < 1e-13);
    }
    let gram = &dense * dense.adjoint();
    let want = DMatrix::<C64>::identity(m, m) * Complex::new(n as f64 / m as f64, 0.0);
    assert!((gram - want).norm() < 1e-12);
    dot_test(&a, 1e-12).unwrap();
    let a32 = partial_fourier::<f32>(m, n, 5).unwrap();
    assert_eq!(a32.rows(), a.rows());
    dot_test(&a32, 1e-5).unwrap();
}

#[test]
fn partial_dct_and_srm_match_their_dense_definitions() {
    let (m, n) = (9, 32);
    let d = partial_dct::<f64>(m, n, 6).unwrap();
    let full = matrix_of::<f64, _>(&Dct1::<f64>::new(n).unwrap());
    let got = matrix_of::<f64, _>(&d);
    let scale = (n as f64 / m as f64).sqrt();
    for (k, &row) in d.rows().iter().enumerate() {
        for j in 0..n {
            assert!((got[(k, j)] - scale * full[(row, j)]).abs() < 1e-13);
        }
    }
    dot_test::<f64, _>(&d, 1e-12).unwrap();
    dot_test::<C64, _>(&d, 1e-12).unwrap();

    // SRHT = √(n/m) R H D
    let a = srht(m, n, 7).unwrap();
    let h = matrix_of::<f64, _>(&Hadamard::natural(n).unwrap());
    let got = matrix_of::<f64, _>(&a);
    let signs = a.signs().unwrap();
    for (k, &row) in a.rows().iter().enumerate() {
        for j in 0..n {
            let sgn = if signs[j] { -1.0 } else { 1.0 };
            assert!((got[(k, j)] - scale * h[(row, j)] * sgn).abs() < 1e-13);
            assert!((got[(k, j)].abs() - 1.0 / (m as f64).sqrt()).abs() < 1e-13);
        }
    }
    dot_test::<f64, _>(&a, 1e-12).unwrap();
    dot_test::<Complex<f32>, _>(&a, 1e-5).unwrap();

    // SRM with a permutation: column j of A is column π⁻¹(j) of √(n/m) R T
    let p = SubsampledTransform::new::<f64>(
        Dct1::<f64>::new(n).unwrap(),
        m,
        Randomizer::Permutation,
        8,
    )
    .unwrap();
    let perm = p.permutation().unwrap();
    let got = matrix_of::<f64, _>(&p);
    for (k, &row) in p.rows().iter().enumerate() {
        for (i, &pi) in perm.iter().enumerate() {
            // (A x)_k = scale Σ_i T[row, i] x[π(i)]  ⇒  A[k, π(i)] = scale T[row, i]
            assert!((got[(k, pi)] - scale * full[(row, i)]).abs() < 1e-13);
        }
    }
    dot_test::<f64, _>(&p, 1e-12).unwrap();
}

#[test]
fn subsampled_operators_do_not_allocate_with_scratch() {
    let a = srht(64, 1024, 1).unwrap();
    let x: Vec<f64> = cstk_linop::testing::random_vec(1024, 1);
    let mut y = vec![0.0; 64];
    let mut back = vec![0.0; 1024];
    let mut scratch = vec![0.0; LinOp::<f64>::scratch_len(&a)];
    a.apply_with_scratch(&x, &mut y, &mut scratch);
    let info = in_pool(1, || {
        allocation_counter::measure(|| {
            a.apply_with_scratch(&x, &mut y, &mut scratch);
            a.adjoint_with_scratch(&y, &mut back, &mut scratch);
        })
    });
    assert_eq!(info.count_total, 0);
}

#[test]
fn parameters_are_validated_with_clear_errors() {
    let msg = |e: Error| e.to_string();
    assert!(msg(DenseEnsemble::Gaussian.matrix::<f64>(0, 5, 0).unwrap_err()).contains("m"));
    assert!(msg(DenseEnsemble::Gaussian.matrix::<f64>(5, 0, 0).unwrap_err()).contains("n"));
    let e = msg(sparse_random::<f64>(10, 20, 11, 0).unwrap_err());
    assert!(e.contains("11") && e.contains("m = 10"), "{e}");
    assert!(sparse_random::<f64>(10, 20, 0, 0).is_err());
    let e = msg(partial_fourier::<f64>(50, 40, 0).unwrap_err());
    assert!(e.contains("50") && e.contains("n = 40"), "{e}");
    assert!(partial_dct::<f64>(0, 40, 0).is_err());
    assert!(msg(srht(4, 48, 0).unwrap_err()).contains("power of two"));
    let rect = cstk_linop::DenseOp::new(DMatrix::<f64>::zeros(3, 4));
    assert!(matches!(
        SubsampledTransform::new::<f64>(rect, 2, Randomizer::None, 0),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!("gauss".parse::<DenseEnsemble>().is_err());
    assert_eq!(
        "Rademacher".parse::<DenseEnsemble>().unwrap(),
        DenseEnsemble::Rademacher
    );
}

#[test]
fn rip_like_concentration_of_gaussian_and_srht() {
    // ‖A x‖² concentrates around ‖x‖² for a fixed unit x (E = 1, Var = 2/m for Gaussian).
    let (m, n) = (256, 1024);
    let x: Vec<f64> = {
        let v: Vec<f64> = cstk_linop::testing::random_vec(n, 3);
        let nv = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        v.iter().map(|a| a / nv).collect()
    };
    let mut ratios = Vec::new();
    for seed in 0..40 {
        let a = DenseEnsemble::Gaussian.operator::<f64>(m, n, seed).unwrap();
        let y = a.apply_vec(&x);
        ratios.push(y.iter().map(|v| v * v).sum::<f64>());
    }
    let (mean, var, _) = moments(ratios.into_iter());
    assert!(
        (mean - 1.0).abs() < 5.0 * (2.0 / m as f64 / 40.0).sqrt(),
        "{mean}"
    );
    assert!(var < 3.0 * 2.0 / m as f64, "{var}");
    let a = srht(m, n, 1).unwrap();
    let y = a.apply_vec(&x);
    let e = y.iter().map(|v| v * v).sum::<f64>();
    assert!((e - 1.0).abs() < 0.4, "{e}");
}
