//! Proximal operators checked against their definitions: brute-force minimization of
//! `g(z) + |z − v|²/(2·step)`, optimality conditions, the Moreau identity, a naive bisection
//! for the ℓ1-ball threshold and a naive sort for the k-sparse projection.

use cstk_linop::{Complex, Error, Scalar};
use cstk_measure::rng::{self, ChaCha8Rng, Domain, uniform01};
use cstk_solvers::prox::{
    BoxSet, ElasticNet, GroupL1, HardThreshold, L1, L1Ball, L2Ball, LinfBall, NonNegative, Prox,
    keep_largest, largest_indices, soft_threshold,
};

type C64 = Complex<f64>;

const TESTS: Domain = Domain::new(*b"proxtest");

fn rng(i: u64) -> ChaCha8Rng {
    rng::stream(2024, TESTS, i)
}

/// Uniform in `[a, b)`.
fn unif(r: &mut ChaCha8Rng, a: f64, b: f64) -> f64 {
    a + (b - a) * uniform01(r)
}

fn rand_vec(r: &mut ChaCha8Rng, n: usize, scale: f64) -> Vec<f64> {
    (0..n).map(|_| unif(r, -scale, scale)).collect()
}

fn rand_cvec(r: &mut ChaCha8Rng, n: usize, scale: f64) -> Vec<C64> {
    (0..n)
        .map(|_| C64::new(unif(r, -scale, scale), unif(r, -scale, scale)))
        .collect()
}

/// Golden-section search for the minimizer of a unimodal `f` on `[a, b]`.
fn golden(f: impl Fn(f64) -> f64, mut a: f64, mut b: f64) -> f64 {
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let mut c = b - g * (b - a);
    let mut d = a + g * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    while b - a > 1e-11 * (1.0 + a.abs().max(b.abs())) {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = f(d);
        }
    }
    0.5 * (a + b)
}

/// `g(z) + (z − v)²/(2 s)` for a scalar `z`.
fn objective_1d(g: &dyn Prox<f64>, v: f64, s: f64, z: f64) -> f64 {
    g.value(&[z]) + (z - v) * (z - v) / (2.0 * s)
}

/// The minimizer of `g(z) + (z − v)²/(2 s)` over `z ∈ [a, b]` (a convex `g`).
fn brute_1d(g: &dyn Prox<f64>, v: f64, s: f64, (a, b): (f64, f64)) -> f64 {
    golden(|z| objective_1d(g, v, s, z), a, b)
}

/// `g(z) + |z − v|²/(2 s)` for a complex scalar `z`.
fn objective_c(g: &dyn Prox<C64>, v: C64, s: f64, z: C64) -> f64 {
    g.value(&[z]) + (z - v).norm_sqr() / (2.0 * s)
}

/// The minimizer over the complex plane (a convex `g`): nested golden-section searches over
/// `re ∈ xr` and `im ∈ yr(re)`.
fn brute_c(
    g: &dyn Prox<C64>,
    v: C64,
    s: f64,
    xr: (f64, f64),
    yr: impl Fn(f64) -> (f64, f64),
) -> C64 {
    let inner = |x: f64| {
        let (a, b) = yr(x);
        let y = golden(|y| objective_c(g, v, s, C64::new(x, y)), a, b);
        (y, objective_c(g, v, s, C64::new(x, y)))
    };
    let x = golden(|x| inner(x).1, xr.0, xr.1);
    C64::new(x, inner(x).0)
}

fn apply1<T: Scalar>(g: &dyn Prox<T>, v: T, s: f64) -> T {
    let mut w = [v];
    g.prox(&mut w, s);
    w[0]
}

// ---------------------------------------------------------------------------------------
// Brute force in one dimension (and separable n-D)
// ---------------------------------------------------------------------------------------

/// Checks `prox` against the brute-force minimizer for random `v`, `step`, both on single
/// entries and (for separable `g`) coordinatewise on a vector.
fn check_real(name: &str, g: &dyn Prox<f64>, dom: (f64, f64), separable: bool, seed: u64) {
    let mut r = rng(seed);
    for trial in 0..40 {
        let s = unif(&mut r, 0.05, 2.0);
        let v = unif(&mut r, -6.0, 6.0);
        let p = apply1(g, v, s);
        let z = brute_1d(g, v, s, dom);
        assert!(
            (p - z).abs() < 1e-6,
            "{name} trial {trial}: v={v} s={s}: prox {p}, brute force {z}"
        );
        // Never worse than the brute-force point.
        assert!(objective_1d(g, v, s, p) <= objective_1d(g, v, s, z) + 1e-12);
    }
    if separable {
        let s = 0.7;
        let v = rand_vec(&mut r, 9, 5.0);
        let mut p = v.clone();
        g.prox(&mut p, s);
        for (i, (&vi, &pi)) in v.iter().zip(&p).enumerate() {
            let z = brute_1d(g, vi, s, dom);
            assert!((pi - z).abs() < 1e-6, "{name} entry {i}: {pi} vs {z}");
        }
    }
}

/// The complex counterpart of [`check_real`] on single entries (the unit disk of radius
/// `rad` is the search domain; `rad = ∞` means the square `[−20, 20]²`).
fn check_complex(name: &str, g: &dyn Prox<C64>, rad: f64, seed: u64) {
    let mut r = rng(seed);
    for trial in 0..12 {
        let s = unif(&mut r, 0.05, 2.0);
        let v = C64::new(unif(&mut r, -5.0, 5.0), unif(&mut r, -5.0, 5.0));
        let p = apply1(g, v, s);
        let z = if rad.is_finite() {
            brute_c(g, v, s, (-rad, rad), |x| {
                let h = (rad * rad - x * x).max(0.0).sqrt();
                (-h, h)
            })
        } else {
            brute_c(g, v, s, (-20.0, 20.0), |_| (-20.0, 20.0))
        };
        assert!(
            (p - z).norm() < 1e-6,
            "{name} trial {trial}: v={v} s={s}: prox {p}, brute force {z}"
        );
    }
}

#[test]
fn l1_matches_brute_force() {
    for (k, lam) in [0.0, 0.3, 1.0, 2.5].into_iter().enumerate() {
        let g = L1::new(lam);
        check_real("L1", &g, (-20.0, 20.0), true, 10 + k as u64);
        check_complex("L1 complex", &g, f64::INFINITY, 20 + k as u64);
    }
}

#[test]
fn elastic_net_matches_brute_force() {
    for (k, (l1, l2)) in [(0.5, 0.0), (0.0, 1.0), (1.0, 2.0), (0.2, 0.3)]
        .into_iter()
        .enumerate()
    {
        let g = ElasticNet::new(l1, l2);
        check_real("ElasticNet", &g, (-20.0, 20.0), true, 30 + k as u64);
        check_complex("ElasticNet complex", &g, f64::INFINITY, 40 + k as u64);
    }
}

#[test]
fn singleton_groups_match_brute_force_and_l1() {
    let g = GroupL1::try_new(1.3, vec![0, 1]).unwrap();
    check_real("GroupL1", &g, (-20.0, 20.0), false, 50);
    check_complex("GroupL1 complex", &g, f64::INFINITY, 51);
    // Singleton groups are exactly the ℓ1 norm.
    let mut r = rng(52);
    let v = rand_cvec(&mut r, 10, 3.0);
    let groups = GroupL1::try_uniform(0.8, 10, 1).unwrap();
    let (mut a, mut b) = (v.clone(), v.clone());
    groups.prox(&mut a, 0.9);
    L1::new(0.8).prox(&mut b, 0.9);
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).norm() < 1e-14);
    }
    assert!((groups.value(&v) - Prox::<C64>::value(&L1::new(0.8), &v)).abs() < 1e-12);
}

#[test]
fn balls_in_one_dimension_match_brute_force() {
    for (k, rad) in [0.0, 0.5, 2.0].into_iter().enumerate() {
        let k = k as u64;
        let d = (-rad, rad);
        check_real("L1Ball", &L1Ball::new(rad), d, false, 60 + k);
        check_real("L2Ball", &L2Ball::new(rad), d, false, 63 + k);
        check_real("LinfBall", &LinfBall::new(rad), d, true, 66 + k);
        if rad > 0.0 {
            check_complex("L1Ball complex", &L1Ball::new(rad), rad, 70 + k);
            check_complex("L2Ball complex", &L2Ball::new(rad), rad, 73 + k);
            check_complex("LinfBall complex", &LinfBall::new(rad), rad, 76 + k);
        }
    }
}

#[test]
fn box_and_nonnegative_match_brute_force() {
    check_real("BoxSet", &BoxSet::new(-1.0, 2.5), (-1.0, 2.5), true, 80);
    check_real("BoxSet point", &BoxSet::new(0.5, 0.5), (0.5, 0.5), true, 81);
    check_real("NonNegative", &NonNegative, (0.0, 20.0), true, 82);
    // Half-infinite box = nonnegative orthant.
    let mut r = rng(83);
    let v = rand_vec(&mut r, 20, 3.0);
    let (mut a, mut b) = (v.clone(), v.clone());
    BoxSet::try_new(0.0, f64::INFINITY)
        .unwrap()
        .prox(&mut a, 1.0);
    NonNegative.prox(&mut b, 1.0);
    assert_eq!(a, b);
}

#[test]
fn hard_threshold_is_a_global_minimizer() {
    let mut r = rng(90);
    for lam in [0.0, 0.1, 1.0, 3.0] {
        let g = HardThreshold::new(lam);
        for _ in 0..40 {
            let s = unif(&mut r, 0.05, 2.0);
            let v = unif(&mut r, -6.0, 6.0);
            let p = apply1(&g, v, s);
            assert!(p == 0.0 || p == v);
            // Fine grid (it contains 0) plus the candidate z = v.
            let fp = objective_1d(&g, v, s, p);
            let best = (-24_000..=24_000)
                .map(|i| i as f64 * 5e-4)
                .chain([v])
                .map(|z| objective_1d(&g, v, s, z))
                .fold(f64::INFINITY, f64::min);
            assert!(fp <= best + 1e-12, "λ={lam} v={v} s={s}: {fp} > {best}");
            // Complex: the same decision on the modulus, the phase kept.
            let c = C64::from_polar(v.abs(), unif(&mut r, -3.0, 3.0));
            let pc = apply1(&g, c, s);
            assert!(if p == 0.0 {
                pc == C64::new(0.0, 0.0)
            } else {
                pc == c
            });
        }
    }
    // Ties go to 0: √(2·0.5·1) = 1 exactly.
    let mut v = vec![1.0, -1.0, 1.0 + 1e-15, -2.0, 0.0];
    HardThreshold::new(0.5).prox(&mut v, 1.0);
    assert_eq!(v, vec![0.0, 0.0, 1.0 + 1e-15, -2.0, 0.0]);
    assert_eq!(Prox::<f64>::value(&HardThreshold::new(0.5), &v), 1.0);
    // NaN survives (the solver's NaN check must see it).
    let mut v = vec![f64::NAN, 0.1];
    HardThreshold::new(0.5).prox(&mut v, 1.0);
    assert!(v[0].is_nan() && v[1] == 0.0);
}

// ---------------------------------------------------------------------------------------
// n-D optimality
// ---------------------------------------------------------------------------------------

fn objective<T: Scalar>(g: &dyn Prox<T>, v: &[T], s: f64, z: &[T]) -> f64 {
    let d: f64 = v
        .iter()
        .zip(z)
        .map(|(&a, &b)| (a.to_c64() - b.to_c64()).norm_sqr())
        .sum();
    g.value(z) + d / (2.0 * s)
}

/// `F(p) ≤ F(z)` for random `z` near and far from `p` (feasible, via `project`, for
/// indicators).
fn check_no_better_point(
    name: &str,
    g: &dyn Prox<C64>,
    v: &[C64],
    s: f64,
    r: &mut ChaCha8Rng,
    project: Option<&dyn Prox<C64>>,
) {
    let mut p = v.to_vec();
    g.prox(&mut p, s);
    let fp = objective(g, v, s, &p);
    assert!(fp.is_finite(), "{name}: infeasible prox");
    for delta in [1e-4, 1e-2, 0.3, 3.0] {
        for _ in 0..20 {
            let mut z: Vec<C64> = p
                .iter()
                .map(|&x| x + C64::new(unif(r, -delta, delta), unif(r, -delta, delta)))
                .collect();
            if let Some(pr) = project {
                pr.prox(&mut z, 1.0);
            }
            let fz = objective(g, v, s, &z);
            assert!(
                fp <= fz + 1e-12 * (1.0 + fp.abs()),
                "{name}: F(prox) = {fp} > F(z) = {fz} (δ = {delta})"
            );
        }
    }
}

#[test]
fn convex_proxes_beat_random_points_in_n_dimensions() {
    let mut r = rng(100);
    for n in [1, 2, 5, 16] {
        let v = rand_cvec(&mut r, n, 3.0);
        let s = unif(&mut r, 0.1, 2.0);
        check_no_better_point("L1", &L1::new(0.7), &v, s, &mut r, None);
        check_no_better_point("EN", &ElasticNet::new(0.7, 0.4), &v, s, &mut r, None);
        let groups = GroupL1::try_uniform(1.1, n, 3).unwrap();
        check_no_better_point("GroupL1", &groups, &v, s, &mut r, None);
        for rad in [0.5, 4.0] {
            let b1 = L1Ball::new(rad);
            check_no_better_point("L1Ball", &b1, &v, s, &mut r, Some(&b1));
            let b2 = L2Ball::new(rad);
            check_no_better_point("L2Ball", &b2, &v, s, &mut r, Some(&b2));
            let bi = LinfBall::new(rad);
            check_no_better_point("LinfBall", &bi, &v, s, &mut r, Some(&bi));
        }
    }
}

#[test]
fn group_soft_threshold_optimality() {
    let mut r = rng(110);
    let g = GroupL1::try_new(1.5, vec![0, 3, 4, 8, 10]).unwrap();
    for trial in 0..30 {
        let s = unif(&mut r, 0.1, 2.0);
        let v = rand_cvec(&mut r, 10, 1.5);
        let mut p = v.clone();
        g.prox(&mut p, s);
        for k in 0..g.num_groups() {
            let rg = g.group(k);
            let (vg, pg) = (&v[rg.clone()], &p[rg]);
            let nv = vg.iter().map(|x| x.norm_sqr()).sum::<f64>().sqrt();
            let np = pg.iter().map(|x| x.norm_sqr()).sum::<f64>().sqrt();
            if np == 0.0 {
                // 0 ∈ ∂: ‖v_g‖ ≤ λ s.
                assert!(nv <= 1.5 * s + 1e-12, "trial {trial} group {k}");
            } else {
                // (v_g − p_g)/s = λ p_g/‖p_g‖, and the norm follows the 1-D problem.
                for (a, b) in vg.iter().zip(pg) {
                    assert!(((a - b) / s - b * (1.5 / np)).norm() < 1e-12);
                }
                let t = brute_1d(&L1::new(1.5), nv, s, (-20.0, 20.0));
                assert!((np - t).abs() < 1e-6);
            }
        }
        let expect: f64 = (0..g.num_groups())
            .map(|k| {
                p[g.group(k)]
                    .iter()
                    .map(|x| x.norm_sqr())
                    .sum::<f64>()
                    .sqrt()
            })
            .sum::<f64>()
            * 1.5;
        assert!((g.value(&p) - expect).abs() < 1e-12);
    }
}

#[test]
#[should_panic(expected = "expected length 10")]
fn group_l1_checks_the_length() {
    let g = GroupL1::try_uniform(1.0, 10, 2).unwrap();
    g.prox(&mut [0.0f64; 9], 1.0);
}

// ---------------------------------------------------------------------------------------
// Projections
// ---------------------------------------------------------------------------------------

/// A random point of the set of `ball` (random direction, random radius `≤ rad` in the norm
/// `norm`), sometimes a sparse one on the boundary.
fn random_feasible(r: &mut ChaCha8Rng, n: usize, rad: f64, norm: fn(&[C64]) -> f64) -> Vec<C64> {
    let mut w = rand_cvec(r, n, 1.0);
    if uniform01(r) < 0.3 {
        for x in w.iter_mut() {
            if uniform01(r) < 0.7 {
                *x = C64::new(0.0, 0.0);
            }
        }
    }
    let nw = norm(&w);
    if nw == 0.0 {
        return w;
    }
    let t = if uniform01(r) < 0.3 {
        1.0
    } else {
        uniform01(r)
    };
    w.iter().map(|&x| x * (rad * t / nw)).collect()
}

fn norm1(x: &[C64]) -> f64 {
    x.iter().map(|z| z.norm()).sum()
}
fn norm2(x: &[C64]) -> f64 {
    x.iter().map(|z| z.norm_sqr()).sum::<f64>().sqrt()
}
fn norm_inf(x: &[C64]) -> f64 {
    x.iter().map(|z| z.norm()).fold(0.0, f64::max)
}

/// Feasibility, `Re⟨v − p, z − p⟩ ≤ 0` for random feasible `z`, idempotence, and points
/// inside stay put.
fn check_projection(name: &str, ball: &dyn Prox<C64>, rad: f64, norm: fn(&[C64]) -> f64) {
    let mut r = rng(120);
    for n in [1, 2, 7, 40] {
        for scale in [0.1, 1.0, 10.0, 1e4] {
            let v = rand_cvec(&mut r, n, scale);
            let mut p = v.clone();
            ball.prox(&mut p, 0.37);
            assert_eq!(ball.value(&p), 0.0, "{name}: infeasible projection");
            assert!(norm(&p) <= rad * (1.0 + 1e-12));
            if norm(&v) <= rad {
                assert_eq!(p, v, "{name}: a point inside moved");
            }
            for _ in 0..30 {
                let z = random_feasible(&mut r, n, rad, norm);
                let ip: f64 = v
                    .iter()
                    .zip(&p)
                    .zip(&z)
                    .map(|((&vi, &pi), &zi)| ((vi - pi).conj() * (zi - pi)).re)
                    .sum();
                let tol = 1e-10 * (1.0 + norm2(&v) * (1.0 + rad));
                assert!(ip <= tol, "{name} n={n} scale={scale}: ⟨v−p, z−p⟩ = {ip}");
            }
            let mut q = p.clone();
            ball.prox(&mut q, 1.0);
            for (a, b) in p.iter().zip(&q) {
                assert!((a - b).norm() <= 1e-12 * (1.0 + rad));
            }
        }
    }
}

#[test]
fn projections_onto_balls_are_optimal() {
    for rad in [0.3, 2.0] {
        check_projection("L1Ball", &L1Ball::new(rad), rad, norm1);
        check_projection("L2Ball", &L2Ball::new(rad), rad, norm2);
        check_projection("LinfBall", &LinfBall::new(rad), rad, norm_inf);
    }
}

#[test]
fn real_projections_are_optimal() {
    let mut r = rng(130);
    let sets: [(&dyn Prox<f64>, (f64, f64)); 3] = [
        (&BoxSet::new(-0.5, 1.5), (-0.5, 1.5)),
        (&NonNegative, (0.0, 10.0)),
        (&L1Ball::new(1.0), (0.0, 0.0)),
    ];
    for (k, (set, (lo, hi))) in sets.into_iter().enumerate() {
        for _ in 0..20 {
            let v = rand_vec(&mut r, 12, 4.0);
            let mut p = v.clone();
            set.prox(&mut p, 2.0);
            assert_eq!(set.value(&p), 0.0);
            for _ in 0..20 {
                let z: Vec<f64> = if k == 2 {
                    let w = rand_vec(&mut r, 12, 1.0);
                    let n1: f64 = w.iter().map(|x| x.abs()).sum();
                    w.iter().map(|x| x / n1).collect()
                } else {
                    (0..12).map(|_| unif(&mut r, lo, hi)).collect()
                };
                let ip: f64 = (0..12).map(|i| (v[i] - p[i]) * (z[i] - p[i])).sum();
                assert!(ip <= 1e-12, "set {k}: {ip}");
            }
        }
    }
}

/// The ℓ1-ball threshold by bisection on `θ ↦ Σ max(|v_i| − θ, 0) − r`.
fn naive_l1_threshold(m: &[f64], r: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, m.iter().cloned().fold(0.0, f64::max));
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        let s: f64 = m.iter().map(|&x| (x - mid).max(0.0)).sum();
        if s > r {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[test]
fn l1_ball_equals_bisection_on_the_threshold() {
    let mut r = rng(140);
    for n in [1, 2, 3, 10, 100, 2000] {
        for (rad, scale) in [(1.0, 1.0), (0.5, 10.0), (3.0, 1.0), (1e-3, 1e3), (5.0, 0.2)] {
            // Complex case.
            let v = rand_cvec(&mut r, n, scale);
            let m: Vec<f64> = v.iter().map(|z| z.norm()).collect();
            let mut p = v.clone();
            L1Ball::new(rad).prox(&mut p, 1.0);
            if m.iter().sum::<f64>() <= rad {
                assert_eq!(p, v);
            } else {
                let th = naive_l1_threshold(&m, rad);
                for (x, (&vi, &mi)) in p.iter().zip(v.iter().zip(&m)) {
                    let e = if mi > th {
                        vi * ((mi - th) / mi)
                    } else {
                        C64::new(0.0, 0.0)
                    };
                    assert!(
                        (x - e).norm() <= 1e-9 * (1.0 + scale),
                        "n={n} r={rad}: {x} vs {e}"
                    );
                    // The phase is kept.
                    assert!(x.norm() == 0.0 || (x.arg() - vi.arg()).abs() < 1e-12);
                }
                assert!((norm1(&p) - rad).abs() <= 1e-12 * rad);
            }
            // Real case, with ties (entries drawn from a few values).
            let v: Vec<f64> = (0..n)
                .map(|_| scale * ((unif(&mut r, -4.0, 4.0)).round() / 4.0))
                .collect();
            let m: Vec<f64> = v.iter().map(|x| x.abs()).collect();
            let mut p = v.clone();
            L1Ball::new(rad).prox(&mut p, 1.0);
            if m.iter().sum::<f64>() > rad {
                let th = naive_l1_threshold(&m, rad);
                for (&x, &vi) in p.iter().zip(&v) {
                    let e = vi.signum() * (vi.abs() - th).max(0.0);
                    assert!((x - e).abs() <= 1e-9 * (1.0 + scale), "n={n}: {x} vs {e}");
                }
            }
            assert_eq!(Prox::<f64>::value(&L1Ball::new(rad), &p), 0.0);
        }
    }
}

#[test]
fn l1_ball_far_outside_stays_feasible() {
    // ‖v‖₁/r up to 1e12: the threshold's rounding error is polished away.
    let mut r = rng(150);
    for n in [5, 50, 5000] {
        for ratio in [1e3, 1e6, 1e9, 1e12] {
            let v = rand_vec(&mut r, n, 1.0);
            let rad = v.iter().map(|x| x.abs()).sum::<f64>() / ratio;
            let mut p = v.clone();
            L1Ball::new(rad).prox(&mut p, 1.0);
            let s: f64 = p.iter().map(|x| x.abs()).sum();
            assert!(s <= rad * (1.0 + 1e-12), "n={n} ratio={ratio}: {s} > {rad}");
            assert!(s >= rad * (1.0 - 1e-9), "n={n} ratio={ratio}: {s} ≪ {rad}");
            assert_eq!(Prox::<f64>::value(&L1Ball::new(rad), &p), 0.0);
            let v32: Vec<f32> = v.iter().map(|&x| x as f32).collect();
            let mut p32 = v32.clone();
            L1Ball::new(rad).prox(&mut p32, 1.0);
            assert_eq!(Prox::<f32>::value(&L1Ball::new(rad), &p32), 0.0);
        }
    }
    // Radius 0 and non-finite input.
    let mut v = vec![1.0, -2.0];
    L1Ball::new(0.0).prox(&mut v, 1.0);
    assert_eq!(v, vec![0.0, 0.0]);
    let mut v = vec![f64::NAN, 2.0];
    L1Ball::new(1.0).prox(&mut v, 1.0);
    assert!(v[0].is_nan() && v[1] == 2.0);
}

#[test]
fn indicator_values() {
    let b1 = L1Ball::new(1.0);
    assert_eq!(Prox::<f64>::value(&b1, &[0.5, -0.5]), 0.0);
    assert_eq!(Prox::<f64>::value(&b1, &[0.5, -0.5 - 1e-9]), f64::INFINITY);
    assert_eq!(Prox::<f64>::value(&b1, &[0.5, -0.5 - 1e-14]), 0.0); // rounding tolerance
    assert_eq!(Prox::<f64>::value(&b1, &[f64::NAN]), f64::INFINITY);
    let b2 = L2Ball::new(5.0);
    assert_eq!(Prox::<f64>::value(&b2, &[3.0, 4.0]), 0.0);
    assert_eq!(Prox::<f64>::value(&b2, &[3.0, 4.001]), f64::INFINITY);
    let bi = LinfBall::new(1.0);
    assert_eq!(Prox::<C64>::value(&bi, &[C64::new(0.6, 0.8)]), 0.0);
    assert_eq!(
        Prox::<C64>::value(&bi, &[C64::new(0.6, 0.81)]),
        f64::INFINITY
    );
    let bx = BoxSet::new(-1.0, 1.0);
    assert_eq!(Prox::<f32>::value(&bx, &[-1.0, 1.0]), 0.0);
    assert_eq!(Prox::<f32>::value(&bx, &[1.001]), f64::INFINITY);
    assert_eq!(Prox::<f64>::value(&NonNegative, &[0.0, -0.0, 3.0]), 0.0);
    assert_eq!(Prox::<f64>::value(&NonNegative, &[f64::NAN]), f64::INFINITY);
}

// ---------------------------------------------------------------------------------------
// Moreau identity, phases, f32
// ---------------------------------------------------------------------------------------

#[test]
fn moreau_identity_for_l1() {
    // v = prox_{s λ‖·‖₁}(v) + s · Π_{‖·‖∞ ≤ λ}(v/s): the conjugate of λ‖·‖₁ is the indicator
    // of the ℓ∞ ball of radius λ, and prox_{g*/s} is the projection.
    let mut r = rng(160);
    for _ in 0..50 {
        let lam = unif(&mut r, 0.0, 2.0);
        let s = unif(&mut r, 0.05, 3.0);
        let v = rand_vec(&mut r, 13, 4.0);
        let mut p = v.clone();
        L1::new(lam).prox(&mut p, s);
        let mut q: Vec<f64> = v.iter().map(|x| x / s).collect();
        LinfBall::new(lam).prox(&mut q, 1.0 / s);
        for i in 0..13 {
            assert!((v[i] - (p[i] + s * q[i])).abs() < 1e-12);
        }
        let v = rand_cvec(&mut r, 13, 4.0);
        let mut p = v.clone();
        L1::new(lam).prox(&mut p, s);
        let mut q: Vec<C64> = v.iter().map(|x| x / s).collect();
        LinfBall::new(lam).prox(&mut q, 1.0 / s);
        for i in 0..13 {
            assert!((v[i] - (p[i] + q[i] * s)).norm() < 1e-12);
        }
    }
}

#[test]
fn complex_soft_threshold_keeps_the_phase() {
    let mut r = rng(170);
    for _ in 0..200 {
        let m = unif(&mut r, 0.0, 5.0);
        let phi = unif(&mut r, -3.1, 3.1);
        let t = unif(&mut r, 0.0, 3.0);
        let v = C64::from_polar(m, phi);
        let mut w = [v];
        soft_threshold(&mut w, t);
        if m > t {
            assert!((w[0].norm() - (m - t)).abs() < 1e-12);
            assert!((w[0].arg() - v.arg()).abs() < 1e-12);
        } else {
            assert_eq!(w[0], C64::new(0.0, 0.0));
        }
        let v32 = Complex::<f32>::from_polar(m as f32, phi as f32);
        let mut w32 = [v32];
        soft_threshold(&mut w32, t);
        if m > t + 1e-5 {
            assert!((w32[0].arg() - v32.arg()).abs() < 1e-5);
            assert!((w32[0].norm() as f64 - (m - t)).abs() < 1e-5);
        }
    }
}

/// The `f32` result of `g` agrees with the `f64` one.
fn check_f32<G: Prox<f32> + Prox<f64>>(name: &str, g: &G, seed: u64) {
    let mut r = rng(seed);
    let v = rand_vec(&mut r, 50, 3.0);
    let mut p = v.clone();
    Prox::<f64>::prox(g, &mut p, 0.6);
    let mut p32: Vec<f32> = v.iter().map(|&x| x as f32).collect();
    Prox::<f32>::prox(g, &mut p32, 0.6);
    for (a, b) in p.iter().zip(&p32) {
        assert!(
            (a - *b as f64).abs() < 1e-5 * (1.0 + a.abs()),
            "{name}: {a} vs {b}"
        );
    }
    let (f64v, f32v) = (g.value(&p), Prox::<f32>::value(g, &p32));
    assert!(
        f64v == f32v || (f64v - f32v).abs() < 1e-4 * (1.0 + f64v.abs()),
        "{name}"
    );
}

/// The `Complex<f32>` result of `g` agrees with the `Complex<f64>` one.
fn check_c32<G: Prox<Complex<f32>> + Prox<C64>>(name: &str, g: &G, seed: u64) {
    let mut r = rng(seed);
    let v = rand_cvec(&mut r, 50, 3.0);
    let mut p = v.clone();
    Prox::<C64>::prox(g, &mut p, 0.6);
    let mut p32: Vec<Complex<f32>> = v
        .iter()
        .map(|z| Complex::new(z.re as f32, z.im as f32))
        .collect();
    Prox::<Complex<f32>>::prox(g, &mut p32, 0.6);
    for (a, b) in p.iter().zip(&p32) {
        let b = C64::new(b.re as f64, b.im as f64);
        assert!(
            (a - b).norm() < 1e-5 * (1.0 + a.norm()),
            "{name}: {a} vs {b}"
        );
    }
    let (f64v, f32v) = (g.value(&p), Prox::<Complex<f32>>::value(g, &p32));
    assert!(
        f64v == f32v || (f64v - f32v).abs() < 1e-4 * (1.0 + f64v.abs()),
        "{name}"
    );
}

#[test]
fn f32_agrees_with_f64() {
    check_f32("L1", &L1::new(0.8), 180);
    check_f32("ElasticNet", &ElasticNet::new(0.8, 0.5), 181);
    check_f32("GroupL1", &GroupL1::try_uniform(1.0, 50, 4).unwrap(), 182);
    check_f32("L1Ball", &L1Ball::new(3.0), 183);
    check_f32("L2Ball", &L2Ball::new(3.0), 184);
    check_f32("LinfBall", &LinfBall::new(0.7), 185);
    check_f32("BoxSet", &BoxSet::new(-0.3, 1.7), 186);
    check_f32("NonNegative", &NonNegative, 187);
    check_c32("L1 c", &L1::new(0.8), 190);
    check_c32("ElasticNet c", &ElasticNet::new(0.8, 0.5), 191);
    check_c32("GroupL1 c", &GroupL1::try_uniform(1.0, 50, 4).unwrap(), 192);
    check_c32("L1Ball c", &L1Ball::new(3.0), 193);
    check_c32("L2Ball c", &L2Ball::new(3.0), 194);
    check_c32("LinfBall c", &LinfBall::new(0.7), 195);
    // Hard threshold: away from ties the decisions agree.
    let g = HardThreshold::new(0.5);
    let v = [0.3f32, -2.0, 0.99, 1.01, -1.5];
    let mut p = v;
    g.prox(&mut p, 1.0);
    assert_eq!(p, [0.0, -2.0, 0.0, 1.01, -1.5]);
}

#[test]
fn f32_projections_are_feasible() {
    let mut r = rng(200);
    for _ in 0..50 {
        let rad = unif(&mut r, 0.01, 5.0);
        let n = 1 + (uniform01(&mut r) * 300.0) as usize;
        let v: Vec<f32> = rand_vec(&mut r, n, 100.0)
            .into_iter()
            .map(|x| x as f32)
            .collect();
        let vc: Vec<Complex<f32>> = v
            .chunks(2)
            .map(|c| Complex::new(c[0], *c.last().unwrap()))
            .collect();
        macro_rules! feasible {
            ($g:expr) => {{
                let mut p = v.clone();
                $g.prox(&mut p, 1.0);
                assert_eq!(Prox::<f32>::value(&$g, &p), 0.0, "{:?} n={n}", $g);
                let mut p = vc.clone();
                $g.prox(&mut p, 1.0);
                assert_eq!(Prox::<Complex<f32>>::value(&$g, &p), 0.0, "{:?} c", $g);
            }};
        }
        feasible!(L1Ball::new(rad));
        feasible!(L2Ball::new(rad));
        feasible!(LinfBall::new(rad));
        let b = BoxSet::new(-rad, rad * 0.3);
        let mut p = v.clone();
        b.prox(&mut p, 1.0);
        assert_eq!(Prox::<f32>::value(&b, &p), 0.0);
    }
}

// ---------------------------------------------------------------------------------------
// k-sparse projection
// ---------------------------------------------------------------------------------------

/// The `k` largest moduli by a full stable sort (larger first, ties by lower index).
fn naive_largest(m: &[f64], k: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..m.len()).collect();
    idx.sort_by(|&a, &b| m[b].partial_cmp(&m[a]).unwrap().then(a.cmp(&b)));
    idx.truncate(k);
    idx.sort_unstable();
    idx
}

#[test]
fn keep_largest_matches_a_full_sort() {
    let mut r = rng(210);
    for n in [0usize, 1, 2, 5, 17, 300] {
        for _ in 0..5 {
            // Few distinct values → many ties.
            let v: Vec<f64> = (0..n).map(|_| (unif(&mut r, -3.0, 3.0)).round()).collect();
            let m: Vec<f64> = v.iter().map(|x| x.abs()).collect();
            for k in [0, 1, 2, n / 3, n / 2, n.saturating_sub(1), n, n + 3] {
                let expect = naive_largest(&m, k);
                assert_eq!(largest_indices(&v, k), expect, "n={n} k={k}");
                let mut w = v.clone();
                keep_largest(&mut w, k);
                for i in 0..n {
                    let kept = expect.binary_search(&i).is_ok();
                    assert_eq!(w[i], if kept { v[i] } else { 0.0 }, "n={n} k={k} i={i}");
                }
            }
            // Complex and f32.
            let vc = rand_cvec(&mut r, n, 2.0);
            let mc: Vec<f64> = vc.iter().map(|z| z.norm()).collect();
            let k = n / 4;
            let mut w = vc.clone();
            keep_largest(&mut w, k);
            let expect = naive_largest(&mc, k);
            assert_eq!(largest_indices(&vc, k), expect);
            assert_eq!(w.iter().filter(|z| z.norm() > 0.0).count(), k);
            for &i in &expect {
                assert_eq!(w[i], vc[i]);
            }
            let v32: Vec<f32> = v.iter().map(|&x| x as f32).collect();
            assert_eq!(largest_indices(&v32, k), naive_largest(&m, k));
        }
    }
    // Ties by lower index, and a NaN ranks first.
    let mut v = vec![1.0, 2.0, -2.0, f64::NAN, 2.0];
    keep_largest(&mut v, 2);
    assert!(v[3].is_nan());
    assert_eq!([v[0], v[1], v[2], v[4]], [0.0, 2.0, 0.0, 0.0]);
}

// ---------------------------------------------------------------------------------------
// Parameters and allocation
// ---------------------------------------------------------------------------------------

fn param_name(e: Error) -> &'static str {
    match e {
        Error::InvalidParam { name, .. } => name,
        other => panic!("expected InvalidParam, got {other:?}"),
    }
}

#[test]
fn invalid_parameters_are_errors() {
    for bad in [-1.0, -1e-300, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(param_name(L1::try_new(bad).unwrap_err()), "lambda");
        assert_eq!(
            param_name(HardThreshold::try_new(bad).unwrap_err()),
            "lambda"
        );
        assert_eq!(param_name(ElasticNet::try_new(bad, 1.0).unwrap_err()), "l1");
        assert_eq!(param_name(ElasticNet::try_new(1.0, bad).unwrap_err()), "l2");
        assert_eq!(
            param_name(GroupL1::try_new(bad, vec![0, 1]).unwrap_err()),
            "lambda"
        );
        assert_eq!(param_name(L1Ball::try_new(bad).unwrap_err()), "radius");
        assert_eq!(param_name(L2Ball::try_new(bad).unwrap_err()), "radius");
        assert_eq!(param_name(LinfBall::try_new(bad).unwrap_err()), "radius");
    }
    for groups in [vec![], vec![1, 2], vec![0, 2, 2], vec![0, 3, 1]] {
        let e = GroupL1::try_new(1.0, groups.clone()).unwrap_err();
        assert_eq!(param_name(e), "groups", "{groups:?}");
    }
    assert_eq!(
        param_name(GroupL1::try_uniform(1.0, 5, 0).unwrap_err()),
        "size"
    );
    assert_eq!(param_name(BoxSet::try_new(1.0, 0.0).unwrap_err()), "hi");
    assert_eq!(
        param_name(BoxSet::try_new(f64::NAN, 0.0).unwrap_err()),
        "lo"
    );
    assert_eq!(
        param_name(BoxSet::try_new(0.0, f64::NAN).unwrap_err()),
        "hi"
    );
    assert_eq!(
        param_name(BoxSet::try_new(f64::INFINITY, f64::INFINITY).unwrap_err()),
        "lo"
    );
    assert_eq!(
        param_name(BoxSet::try_new(f64::NEG_INFINITY, f64::NEG_INFINITY).unwrap_err()),
        "hi"
    );
    // The message names the offending value and what was expected.
    let msg = L1::try_new(-2.5).unwrap_err().to_string();
    assert!(
        msg.contains("lambda") && msg.contains("-2.5") && msg.contains("≥ 0"),
        "{msg}"
    );
    // Valid edge values.
    assert!(L1::try_new(0.0).is_ok() && L1Ball::try_new(0.0).is_ok());
    assert!(BoxSet::try_new(f64::NEG_INFINITY, f64::INFINITY).is_ok());
    assert!(BoxSet::try_new(2.0, 2.0).is_ok());
    assert_eq!(GroupL1::try_uniform(1.0, 0, 3).unwrap().num_groups(), 0);
    assert_eq!(
        GroupL1::try_uniform(1.0, 6, 3).unwrap().groups,
        vec![0, 3, 6]
    );
}

#[test]
fn proxes_do_not_allocate_except_l1_ball() {
    let mut r = rng(220);
    let v = rand_vec(&mut r, 64, 3.0);
    let vc = rand_cvec(&mut r, 64, 3.0);
    let groups = GroupL1::try_uniform(1.0, 64, 8).unwrap();
    let real: [&dyn Prox<f64>; 9] = [
        &L1::new(0.5),
        &HardThreshold::new(0.5),
        &groups,
        &ElasticNet::new(0.5, 0.5),
        &L2Ball::new(1.0),
        &LinfBall::new(1.0),
        &BoxSet::new(-1.0, 1.0),
        &NonNegative,
        &L1Ball::new(1e3), // inside: the early return does not allocate either
    ];
    let mut w = v.clone();
    let count = allocation_counter::measure(|| {
        for g in real {
            w.copy_from_slice(&v);
            g.prox(&mut w, 0.5);
            let _ = g.value(&w);
        }
    })
    .count_total;
    assert_eq!(count, 0);
    let complex: [&dyn Prox<C64>; 6] = [
        &L1::new(0.5),
        &HardThreshold::new(0.5),
        &groups,
        &ElasticNet::new(0.5, 0.5),
        &L2Ball::new(1.0),
        &LinfBall::new(1.0),
    ];
    let mut w = vc.clone();
    let count = allocation_counter::measure(|| {
        for g in complex {
            w.copy_from_slice(&vc);
            g.prox(&mut w, 0.5);
            let _ = g.value(&w);
        }
    })
    .count_total;
    assert_eq!(count, 0);
}
