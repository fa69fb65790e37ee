//! Diagnostics: mutual coherence against a naive loop, the RIP bound on matrices whose
//! constants are known, point-spread functions of masks with known aliasing, and
//! bit-identical results for any number of threads.

use cstk_linop::testing::{in_pool, matrix_of, random_vec};
use cstk_linop::{Complex, Dwt2, Error, Fft1, Identity, LinOp, Scalar, Wavelet};
use cstk_measure::diagnostics::{
    Coherence, RipParams, mutual_coherence, mutual_coherence_op, psf, rip_lower_bound, tpsf,
    welch_bound,
};
use cstk_measure::mask::Mask;
use cstk_measure::rng::{self, Domain, uniform01};
use nalgebra::DMatrix;

type C64 = Complex<f64>;

fn random_matrix<T: Scalar>(m: usize, n: usize, seed: u64) -> DMatrix<T> {
    DMatrix::from_column_slice(m, n, &random_vec::<T>(m * n, seed))
}

/// `max_{i<j} |⟨a_i, a_j⟩| / (‖a_i‖‖a_j‖)` in `Complex<f64>` by the definition, with the
/// lexicographically first pair.
fn naive_coherence<T: Scalar>(a: &DMatrix<T>) -> (f64, (usize, usize)) {
    let (m, n) = a.shape();
    let cols: Vec<Vec<C64>> = (0..n)
        .map(|j| {
            let c: Vec<C64> = (0..m).map(|i| a[(i, j)].to_c64()).collect();
            let norm = c.iter().map(|v| v.norm_sqr()).sum::<f64>().sqrt();
            c.iter().map(|v| v / norm).collect()
        })
        .collect();
    let mut best = (-1.0, (0, 0));
    for i in 0..n {
        for j in i + 1..n {
            let g: C64 = cols[i]
                .iter()
                .zip(&cols[j])
                .map(|(x, y)| x.conj() * y)
                .sum();
            if g.norm() > best.0 {
                best = (g.norm(), (i, j));
            }
        }
    }
    best
}

fn check_against_naive<T: Scalar>(m: usize, n: usize, seed: u64, tol: f64) {
    let a = random_matrix::<T>(m, n, seed);
    let got = mutual_coherence(&a).unwrap();
    let (want, pair) = naive_coherence(&a);
    assert!(
        (got.value - want).abs() <= tol,
        "{} {m}x{n}: {} vs naive {want}",
        T::NAME,
        got.value
    );
    assert_eq!(got.pair, pair, "{} {m}x{n}", T::NAME);
    assert_eq!(got.welch_bound, welch_bound(m, n));
}

#[test]
fn coherence_matches_naive_loop_real_and_complex() {
    // shapes below, at and across the 256-column tiles, tiny ones through the small path
    for (m, n) in [(3, 7), (2, 2), (20, 40), (40, 257), (33, 600)] {
        check_against_naive::<f64>(m, n, 1, 1e-14);
        check_against_naive::<C64>(m, n, 2, 1e-14);
    }
    check_against_naive::<f32>(30, 300, 3, 1e-5);
    check_against_naive::<Complex<f32>>(30, 300, 4, 1e-5);
}

#[test]
fn identity_plus_dft_has_coherence_one_over_sqrt_n() {
    for n in [16, 64] {
        let f = matrix_of(&Fft1::<f64>::new(n, false).unwrap());
        let mut a = DMatrix::<C64>::zeros(n, 2 * n);
        a.columns_mut(0, n).fill_with_identity();
        a.columns_mut(n, n).copy_from(&f);
        let c = mutual_coherence(&a).unwrap();
        let want = 1.0 / (n as f64).sqrt();
        assert!(
            (c.value - want).abs() < 1e-14,
            "n = {n}: {} vs {want}",
            c.value
        );
        // every (e_i, f_j) pair attains it (up to rounding): one spike, one sinusoid
        assert!(c.pair.0 < n && c.pair.1 >= n, "{:?}", c.pair);
        // the Welch bound for 2n vectors in dimension n is √(1/(2n − 1)), below 1/√n
        assert!(c.welch_bound < want);
    }
}

#[test]
fn equal_columns_are_fully_coherent() {
    let mut a = random_matrix::<f64>(50, 300, 5);
    let col = a.column(17).clone_owned() * 3.0; // a multiple: normalization removes it
    a.set_column(280, &col);
    let c = mutual_coherence(&a).unwrap();
    assert!((c.value - 1.0).abs() < 1e-15);
    assert_eq!(c.pair, (17, 280));
    let mut z = random_matrix::<C64>(10, 20, 6);
    let phase = C64::new(0.6, 0.8);
    let col = z.column(3).clone_owned() * phase;
    z.set_column(11, &col);
    let c = mutual_coherence(&z).unwrap();
    assert!((c.value - 1.0).abs() < 1e-15);
    assert_eq!(c.pair, (3, 11));
}

#[test]
fn random_matrices_respect_the_welch_bound() {
    for (m, n, seed) in [(8, 64, 1), (16, 300, 2), (32, 1000, 3), (64, 65, 4)] {
        let c = mutual_coherence(&random_matrix::<f64>(m, n, seed)).unwrap();
        let expect = ((n - m) as f64 / (m as f64 * (n - 1) as f64)).sqrt();
        assert_eq!(c.welch_bound, expect);
        assert!(c.value >= c.welch_bound && c.value <= 1.0, "{m}x{n}: {c:?}");
        let c = mutual_coherence(&random_matrix::<C64>(m, n, seed)).unwrap();
        assert!(c.value >= c.welch_bound && c.value <= 1.0, "{m}x{n}: {c:?}");
    }
    assert_eq!(welch_bound(10, 10), 0.0);
    assert_eq!(
        mutual_coherence(&DMatrix::<f64>::identity(5, 3))
            .unwrap()
            .welch_bound,
        0.0
    );
}

#[test]
fn coherence_is_bit_identical_across_thread_counts() {
    fn same(a: &Coherence, b: &Coherence) {
        assert_eq!(a.value.to_bits(), b.value.to_bits());
        assert_eq!(a.pair, b.pair);
    }
    let a = random_matrix::<f64>(70, 900, 7);
    let one = in_pool(1, || mutual_coherence(&a).unwrap());
    let two = in_pool(2, || mutual_coherence(&a).unwrap());
    let three = in_pool(3, || mutual_coherence(&a).unwrap());
    same(&one, &two);
    same(&one, &three);
    let z = random_matrix::<C64>(40, 520, 8);
    let one = in_pool(1, || mutual_coherence(&z).unwrap());
    let two = in_pool(2, || mutual_coherence(&z).unwrap());
    same(&one, &two);
}

#[test]
fn coherence_of_an_operator_materializes_its_columns() {
    let f = Fft1::<f64>::new(32, true).unwrap();
    let c = mutual_coherence_op(&f).unwrap();
    assert!(c.value < 1e-14);
    let a = random_matrix::<f64>(12, 40, 9);
    let op = cstk_linop::DenseOp::new(a.clone());
    let via_op = in_pool(2, || mutual_coherence_op(&op).unwrap());
    let direct = mutual_coherence(&a).unwrap();
    assert_eq!(via_op.value.to_bits(), direct.value.to_bits());
    assert_eq!(via_op.pair, direct.pair);
}

#[test]
fn coherence_errors_name_the_problem() {
    let one_col = DMatrix::<f64>::from_element(4, 1, 1.0);
    assert!(matches!(
        mutual_coherence(&one_col),
        Err(Error::InvalidParam { name: "a", .. })
    ));
    let mut z = random_matrix::<f64>(4, 6, 1);
    z.column_mut(4).fill(0.0);
    let err = mutual_coherence(&z).unwrap_err();
    assert!(err.to_string().contains("column 4"), "{err}");
    let mut nan = random_matrix::<C64>(4, 6, 1);
    nan[(2, 5)] = C64::new(0.0, f64::NAN);
    match mutual_coherence(&nan).unwrap_err() {
        Error::NonFinite { position, .. } => assert_eq!(position, "(2, 5)"),
        e => panic!("{e}"),
    }
    assert!(mutual_coherence_op::<f64>(&Identity::new(1)).is_err());
}

/// Columns with orthonormal columns: the Q factor of a random matrix.
fn orthonormal<T: Scalar>(m: usize, n: usize, seed: u64) -> DMatrix<T> {
    random_matrix::<T>(m, n, seed).qr().q()
}

#[test]
fn rip_of_orthonormal_columns_is_zero() {
    for k in [1, 3, 8] {
        let q = orthonormal::<f64>(40, 20, 1);
        let r = rip_lower_bound(&q, &RipParams::new(k).random_trials(50)).unwrap();
        assert!(r.delta.abs() < 1e-12, "k = {k}: {r:?}");
        assert_eq!(r.supports_tested, 52);
        let q = orthonormal::<C64>(30, 30, 2);
        let r = rip_lower_bound(&q, &RipParams::new(k).random_trials(20)).unwrap();
        assert!(r.delta.abs() < 1e-12, "k = {k}: {r:?}");
    }
}

#[test]
fn rip_of_two_equal_unit_columns_is_one() {
    let mut a = orthonormal::<f64>(30, 25, 3);
    let c = a.column(4).clone_owned();
    a.set_column(19, &c);
    let r = rip_lower_bound(&a, &RipParams::new(2).random_trials(0)).unwrap();
    assert!((r.delta - 1.0).abs() < 1e-12, "{r:?}");
    assert!((r.lower - 1.0).abs() < 1e-12 && (r.upper - 1.0).abs() < 1e-12);
    assert_eq!(r.worst_support, vec![4, 19]);
    // and for larger k the kernel direction e_4 − e_19 stays inside a greedy support
    let r = rip_lower_bound(&a, &RipParams::new(5).random_trials(0)).unwrap();
    assert!((r.delta - 1.0).abs() < 1e-12, "{r:?}");
}

#[test]
fn rip_k1_is_the_extreme_column_norm() {
    let a = random_matrix::<f64>(10, 30, 4);
    let norms: Vec<f64> = (0..30).map(|j| a.column(j).norm_squared()).collect();
    let want = norms.iter().map(|v| (v - 1.0).abs()).fold(0.0, f64::max);
    let r = rip_lower_bound(&a, &RipParams::new(1).random_trials(0)).unwrap();
    assert!((r.delta - want).abs() < 1e-12, "{} vs {want}", r.delta);
}

/// All `k`-subsets of `0..n` in lexicographic order.
fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut s: Vec<usize> = (0..k).collect();
    loop {
        out.push(s.clone());
        let Some(i) = (0..k).rev().find(|&i| s[i] < n - k + i) else {
            return out;
        };
        s[i] += 1;
        for j in i + 1..k {
            s[j] = s[j - 1] + 1;
        }
    }
}

#[test]
fn rip_estimate_never_exceeds_exhaustive_delta() {
    let (m, n, k) = (6, 10, 3);
    let a = random_matrix::<f64>(m, n, 11) / (m as f64 / 3.0).sqrt();
    let mut exact: f64 = 0.0;
    for s in subsets(n, k) {
        let sub = a.select_columns(&s);
        let eig = (sub.transpose() * &sub).symmetric_eigenvalues();
        exact = exact.max(eig.max() - 1.0).max(1.0 - eig.min());
    }
    let r = rip_lower_bound(&a, &RipParams::new(k).random_trials(30)).unwrap();
    assert!(r.delta <= exact + 1e-12, "{} > exact {exact}", r.delta);
    // with many more trials than the C(10, 3) = 120 supports, random search finds it
    let r = rip_lower_bound(&a, &RipParams::new(k).random_trials(3000)).unwrap();
    assert!(
        (r.delta - exact).abs() < 1e-12,
        "{} vs exact {exact}",
        r.delta
    );
}

#[test]
fn greedy_beats_random_search_with_the_same_budget() {
    // unit columns in general position, plus a hidden group of k nearly parallel columns
    let (m, n, k) = (64, 256, 6);
    let mut a = random_matrix::<f64>(m, n, 21);
    let common = random_matrix::<f64>(m, 1, 22);
    let noise = random_matrix::<f64>(m, k, 23);
    let group = [5, 40, 77, 131, 190, 250];
    for (q, &j) in group.iter().enumerate() {
        let c = common.column(0) + noise.column(q) * 0.3;
        a.set_column(j, &c);
    }
    for mut c in a.column_iter_mut() {
        let norm = c.norm();
        c /= norm;
    }
    let greedy = rip_lower_bound(&a, &RipParams::new(k).random_trials(0)).unwrap();
    // the greedy search scores about 2·k·n candidate supports: give random search as many
    let budget = 2 * k * n;
    let random =
        rip_lower_bound(&a, &RipParams::new(k).random_trials(budget).greedy(false)).unwrap();
    assert!(greedy.delta >= random.delta, "{greedy:?} vs {random:?}");
    assert!(
        greedy.upper > 3.0,
        "the planted group has λmax ≈ 5: {greedy:?}"
    );
    assert_eq!(greedy.worst_support, group.to_vec());
}

#[test]
fn rip_is_bit_identical_across_thread_counts() {
    let a = random_matrix::<C64>(24, 90, 31) / C64::new((24f64 / 3.0).sqrt(), 0.0);
    let p = RipParams::new(5).random_trials(300).seed(9);
    let one = in_pool(1, || rip_lower_bound(&a, &p).unwrap());
    let two = in_pool(2, || rip_lower_bound(&a, &p).unwrap());
    assert_eq!(one.delta.to_bits(), two.delta.to_bits());
    assert_eq!(one.lower.to_bits(), two.lower.to_bits());
    assert_eq!(one.upper.to_bits(), two.upper.to_bits());
    assert_eq!(one.worst_support, two.worst_support);
    // a different seed draws different supports
    let other = rip_lower_bound(&a, &p.clone().seed(10).greedy(false)).unwrap();
    let same = rip_lower_bound(&a, &p.clone().greedy(false)).unwrap();
    assert_ne!(other.lower.to_bits(), same.lower.to_bits());
}

#[test]
fn rip_greedy_is_fast_enough() {
    // the budget: 128 x 512, k = 10 well under a second (in release; generous here)
    let a = random_matrix::<f64>(128, 512, 41) / (128f64 / 3.0).sqrt();
    let t = std::time::Instant::now();
    let r = rip_lower_bound(&a, &RipParams::new(10).random_trials(0)).unwrap();
    assert!(r.delta > 0.0);
    assert!(t.elapsed().as_secs_f64() < 5.0, "{:?}", t.elapsed());
}

#[test]
fn rip_validates_its_parameters() {
    let a = random_matrix::<f64>(5, 8, 1);
    for k in [0, 6] {
        assert!(matches!(
            rip_lower_bound(&a, &RipParams::new(k)),
            Err(Error::InvalidParam { name: "k", .. })
        ));
    }
    assert!(matches!(
        rip_lower_bound(&a, &RipParams::new(2).random_trials(0).greedy(false)),
        Err(Error::InvalidParam {
            name: "random_trials",
            ..
        })
    ));
    let mut b = a.clone();
    b[(1, 2)] = f64::INFINITY;
    assert!(matches!(
        rip_lower_bound(&b, &RipParams::new(2)),
        Err(Error::NonFinite { .. })
    ));
}

fn random_mask(ny: usize, nx: usize, p: f64, seed: u64) -> Mask {
    let mut r = rng::stream(seed, Domain::MASK, 0);
    let mut m = Mask::from_fn(ny, nx, |_, _| uniform01(&mut r) < p);
    m.set(ny / 2, nx / 2, true);
    m
}

#[test]
fn full_mask_gives_a_delta() {
    let p = psf(&Mask::from_fn(16, 24, |_, _| true)).unwrap();
    assert_eq!(p.peak_at, 8 * 24 + 12);
    assert!((p.peak - 1.0).abs() < 1e-14);
    assert!(p.sidelobe_ratio < 1e-14, "{}", p.sidelobe_ratio);
}

#[test]
fn every_other_row_aliases_with_ratio_one() {
    for (ny, nx) in [(16, 16), (32, 20), (12, 7)] {
        let p = psf(&Mask::from_fn(ny, nx, |ky, _| ky % 2 == 0)).unwrap();
        assert_eq!(p.peak_at, (ny / 2) * nx + nx / 2);
        assert!((p.peak - 0.5).abs() < 1e-15);
        // the copy half a field of view away, (0, nx/2), is as strong as the main lobe
        assert_eq!(p.sidelobe_at, nx / 2);
        // exactly 1: both lobes are the same sum of ±1/N terms, and the FFT rounds them alike
        assert_eq!(p.sidelobe_ratio, 1.0);
        // and nothing else leaks
        let others = p
            .values
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != p.peak_at && i != p.sidelobe_at)
            .map(|(_, &v)| v)
            .fold(0.0, f64::max);
        assert!(others < 1e-14, "{others}");
    }
}

#[test]
fn random_masks_have_ratios_between_zero_and_one() {
    for (seed, frac) in [(1, 0.2), (2, 0.35), (3, 0.5)] {
        let mask = random_mask(48, 64, frac, seed);
        let p = psf(&mask).unwrap();
        assert!(
            p.sidelobe_ratio > 0.0 && p.sidelobe_ratio < 1.0,
            "{}",
            p.sidelobe_ratio
        );
        assert!((p.peak - mask.sampled_fraction()).abs() < 1e-14);
        // Parseval: Σ |PSF|² = the sampled fraction too (F is unitary, M a projection)
        let energy: f64 = p.values.iter().map(|v| v * v).sum();
        assert!((energy - mask.sampled_fraction()).abs() < 1e-12);
    }
}

#[test]
fn tpsf_with_identity_is_the_shifted_psf() {
    let (ny, nx) = (20, 28);
    let mask = random_mask(ny, nx, 0.3, 7);
    let p = psf(&mask).unwrap();
    let id = Identity::new(ny * nx);
    let (cy, cx) = (ny / 2, nx / 2);
    for (r0, c0) in [(0, 0), (3, 25), (cy, cx), (19, 1)] {
        let t = tpsf(&mask, &id, r0 * nx + c0).unwrap();
        assert_eq!(t.peak_at, r0 * nx + c0);
        for r in 0..ny {
            for c in 0..nx {
                let src = ((r + ny - r0 + cy) % ny) * nx + (c + nx - c0 + cx) % nx;
                let (got, want) = (t.values[r * nx + c], p.values[src]);
                assert!((got - want).abs() < 1e-14, "({r0},{c0}) at ({r},{c})");
            }
        }
        assert!((t.sidelobe_ratio - p.sidelobe_ratio).abs() < 1e-12);
    }
}

#[test]
fn tpsf_with_an_orthonormal_wavelet_peaks_at_the_index() {
    let (ny, nx) = (32, 32);
    let psi = Dwt2::<C64>::new(ny, nx, Wavelet::new("db4").unwrap(), 2).unwrap();
    // variable density: the centre fully sampled, 30% elsewhere
    let mut mask = random_mask(ny, nx, 0.3, 9);
    for ky in ny / 2 - 4..ny / 2 + 4 {
        for kx in nx / 2 - 4..nx / 2 + 4 {
            mask.set(ky, kx, true);
        }
    }
    for index in [0, 5, 100, 300, 777, 1023] {
        let t = tpsf(&mask, &psi, index).unwrap();
        assert_eq!(t.peak_at, index);
        let argmax = (0..t.values.len())
            .max_by(|&a, &b| t.values[a].total_cmp(&t.values[b]).then(b.cmp(&a)))
            .unwrap();
        assert_eq!(argmax, index, "index {index}: ratio {}", t.sidelobe_ratio);
        assert!(t.sidelobe_ratio > 0.0 && t.sidelobe_ratio < 1.0);
        // the main lobe is the energy of the atom the mask keeps: ‖M F Ψᴴ e‖²
        let mut e = vec![C64::new(0.0, 0.0); ny * nx];
        e[index] = C64::new(1.0, 0.0);
        let k = cstk_linop::Fft2::<f64>::new(ny, nx, true)
            .unwrap()
            .apply_vec(&psi.adjoint_vec(&e));
        let kept: f64 = k
            .iter()
            .zip(mask.as_slice())
            .filter(|&(_, &s)| s)
            .map(|(v, _)| v.norm_sqr())
            .sum();
        assert!((t.peak - kept).abs() < 1e-12);
    }
    // fully sampled: Ψ Fᴴ F Ψᴴ = I, no side lobes
    let full = Mask::from_fn(ny, nx, |_, _| true);
    let t = tpsf(&full, &psi, 77).unwrap();
    assert!((t.peak - 1.0).abs() < 1e-12 && t.sidelobe_ratio < 1e-12);
}

#[test]
fn psf_errors() {
    let empty = Mask::from_fn(8, 8, |_, _| false);
    assert!(matches!(
        psf(&empty),
        Err(Error::InvalidParam { name: "mask", .. })
    ));
    let mask = random_mask(8, 8, 0.5, 1);
    assert!(matches!(
        tpsf(&mask, &Identity::new(63), 0),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        tpsf(&mask, &Identity::new(64), 64),
        Err(Error::InvalidParam { name: "index", .. })
    ));
    let non_square = cstk_linop::DenseOp::new(DMatrix::<C64>::zeros(32, 64));
    assert!(matches!(
        tpsf(&mask, &non_square, 0),
        Err(Error::ShapeMismatch { .. })
    ));
}
