//! Finite differences: NumPy reference vectors (np.diff / np.roll formulas, in
//! tests/data/hadamard, made by make_reference.py), the adjoint (dot) test, adjoint =
//! −divergence, dense matrices, norms, thread-count independence, and errors.

use cstk_linop::io::npy::read_npy;
use cstk_linop::nalgebra::DMatrix;
use cstk_linop::testing::{
    adjoint_matrix_of, assert_bitwise, assert_close, dot_test, in_pool, matrix_of, random_vec,
};
use cstk_linop::transforms::diff::{Boundary, Gradient1, Gradient2};
use cstk_linop::{Complex, Error, LinOp, Scalar, opnorm_est};
use std::path::{Path, PathBuf};

type C32 = Complex<f32>;
type C64 = Complex<f64>;

const BOUNDARIES: [(Boundary, &str); 2] = [
    (Boundary::Periodic, "periodic"),
    (Boundary::Neumann, "neumann"),
];

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/hadamard")
        .join(name)
}

fn load<T: Scalar>(name: &str) -> (Vec<usize>, Vec<T>) {
    let a = read_npy::<T>(&data(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    (a.shape, a.data)
}

fn neg<T: Scalar>(v: &[T]) -> Vec<T> {
    v.iter().map(|&a| -a).collect()
}

// ---------------------------------------------------------------------------------------
// NumPy reference vectors
// ---------------------------------------------------------------------------------------

fn check_reference_1d<T: Scalar>(rtol: f64) {
    for n in [1usize, 2, 9] {
        let (_, x) = load::<T>(&format!("diff1_n{n}_x.npy"));
        let (_, p) = load::<T>(&format!("diff1_n{n}_p.npy"));
        for (bc, name) in BOUNDARIES {
            let d = Gradient1::new(n, bc).unwrap();
            let what = format!("Gradient1 n={n} {name} {}", T::NAME);
            let (_, grad) = load::<T>(&format!("diff1_n{n}_{name}_grad.npy"));
            let (_, div) = load::<T>(&format!("diff1_n{n}_{name}_div.npy"));
            assert_close(&d.apply_vec(&x), &grad, rtol, &format!("{what}: grad"));
            let mut got = vec![T::zero(); n];
            d.divergence(&p, &mut got);
            assert_close(&got, &div, rtol, &format!("{what}: div"));
            assert_close(
                &d.adjoint_vec(&p),
                &neg(&div),
                rtol,
                &format!("{what}: adj"),
            );
        }
    }
}

fn check_reference_2d<T: Scalar>(tag: &str, shapes: &[(usize, usize)], rtol: f64) {
    for &(ny, nx) in shapes {
        let stem = format!("diff2{tag}_{ny}x{nx}");
        let (shape, x) = load::<T>(&format!("{stem}_x.npy"));
        assert_eq!(shape, [ny, nx]);
        let (shape, g) = load::<T>(&format!("{stem}_g.npy"));
        assert_eq!(shape, [2, ny, nx]);
        for (bc, name) in BOUNDARIES {
            let d = Gradient2::new(ny, nx, bc).unwrap();
            let what = format!("Gradient2 {ny}x{nx} {name} {}", T::NAME);
            let (_, grad) = load::<T>(&format!("{stem}_{name}_grad.npy"));
            let (_, div) = load::<T>(&format!("{stem}_{name}_div.npy"));
            assert_close(&d.apply_vec(&x), &grad, rtol, &format!("{what}: grad"));
            let mut got = vec![T::zero(); ny * nx];
            d.divergence(&g, &mut got);
            assert_close(&got, &div, rtol, &format!("{what}: div"));
            assert_close(
                &d.adjoint_vec(&g),
                &neg(&div),
                rtol,
                &format!("{what}: adj"),
            );
        }
    }
}

const REAL_SHAPES: [(usize, usize); 5] = [(5, 7), (1, 4), (6, 1), (1, 1), (2, 2)];

#[test]
fn gradient1_matches_numpy() {
    check_reference_1d::<f64>(1e-15);
    check_reference_1d::<f32>(1e-6);
}

#[test]
fn gradient2_matches_numpy() {
    check_reference_2d::<f64>("", &REAL_SHAPES, 1e-15);
    check_reference_2d::<f32>("", &REAL_SHAPES, 1e-6);
    check_reference_2d::<C64>("c", &[(4, 3)], 1e-15);
    check_reference_2d::<C32>("c", &[(4, 3)], 1e-6);
}

// ---------------------------------------------------------------------------------------
// Adjoint
// ---------------------------------------------------------------------------------------

fn dot_all<L>(op: &L, what: &str)
where
    L: LinOp<f32> + LinOp<f64> + LinOp<C32> + LinOp<C64>,
{
    dot_test::<f32, _>(op, 1e-5).unwrap_or_else(|e| panic!("{what} f32: {e}"));
    dot_test::<f64, _>(op, 1e-12).unwrap_or_else(|e| panic!("{what} f64: {e}"));
    dot_test::<C32, _>(op, 1e-5).unwrap_or_else(|e| panic!("{what} c32: {e}"));
    dot_test::<C64, _>(op, 1e-12).unwrap_or_else(|e| panic!("{what} c64: {e}"));
}

#[test]
fn dot_test_every_type() {
    for (bc, name) in BOUNDARIES {
        for n in [1usize, 2, 3, 17, 1000, 70_000] {
            dot_all(
                &Gradient1::new(n, bc).unwrap(),
                &format!("Gradient1 {n} {name}"),
            );
        }
        for (ny, nx) in [(1, 1), (1, 9), (9, 1), (2, 2), (7, 5), (64, 33), (300, 250)] {
            let d = Gradient2::new(ny, nx, bc).unwrap();
            dot_all(&d, &format!("Gradient2 {ny}x{nx} {name}"));
        }
    }
}

#[test]
fn adjoint_is_exactly_minus_divergence() {
    for (bc, _) in BOUNDARIES {
        for (ny, nx) in [(1, 1), (3, 1), (1, 3), (6, 5), (300, 250)] {
            let d = Gradient2::new(ny, nx, bc).unwrap();
            let g: Vec<C64> = random_vec(2 * ny * nx, 4);
            let mut div = vec![C64::new(0.0, 0.0); ny * nx];
            d.divergence(&g, &mut div);
            assert_bitwise(&d.adjoint_vec(&g), &neg(&div), "Gradient2 adjoint vs -div");
        }
        for n in [1usize, 2, 5, 70_000] {
            let d = Gradient1::new(n, bc).unwrap();
            let p: Vec<f32> = random_vec(n, 4);
            let mut div = vec![0.0; n];
            d.divergence(&p, &mut div);
            assert_bitwise(&d.adjoint_vec(&p), &neg(&div), "Gradient1 adjoint vs -div");
        }
    }
}

#[test]
fn dense_matrices() {
    // Gradient1, n = 4: bidiagonal with the boundary row
    let n = 4;
    let expect = |bc: Boundary| {
        DMatrix::<f64>::from_fn(n, n, |i, j| {
            if i == n - 1 {
                match bc {
                    Boundary::Periodic => f64::from(j == 0) - f64::from(j == n - 1),
                    Boundary::Neumann => 0.0,
                }
            } else {
                f64::from(j == i + 1) - f64::from(j == i)
            }
        })
    };
    for (bc, _) in BOUNDARIES {
        let d = Gradient1::new(n, bc).unwrap();
        assert_eq!(matrix_of::<f64, _>(&d), expect(bc));
        assert_eq!(adjoint_matrix_of::<f64, _>(&d), expect(bc).transpose());
    }
    // Gradient2 = [D_ny ⊗ I_nx ; I_ny ⊗ D_nx]
    let (ny, nx) = (3, 4);
    for (bc, _) in BOUNDARIES {
        let d1 = |k: usize| matrix_of::<f64, _>(&Gradient1::new(k, bc).unwrap());
        let top = d1(ny).kronecker(&DMatrix::identity(nx, nx));
        let bottom = DMatrix::<f64>::identity(ny, ny).kronecker(&d1(nx));
        let mut want = DMatrix::zeros(2 * ny * nx, ny * nx);
        want.view_mut((0, 0), (ny * nx, ny * nx)).copy_from(&top);
        want.view_mut((ny * nx, 0), (ny * nx, ny * nx))
            .copy_from(&bottom);
        let d = Gradient2::new(ny, nx, bc).unwrap();
        assert_eq!(matrix_of::<f64, _>(&d), want);
        assert_eq!(adjoint_matrix_of::<f64, _>(&d), want.transpose());
        let dc = matrix_of::<C32, _>(&d);
        assert_eq!(dc.map(|v| v.re as f64), want);
        assert!(dc.iter().all(|v| v.im == 0.0));
    }
}

#[test]
fn constants_are_in_the_null_space() {
    for (bc, _) in BOUNDARIES {
        let d = Gradient2::new(5, 6, bc).unwrap();
        assert!(d.apply_vec(&[2.5f64; 30]).iter().all(|&v| v == 0.0));
        let d = Gradient1::new(7, bc).unwrap();
        assert!(
            d.apply_vec(&[C32::new(1.0, -2.0); 7])
                .iter()
                .all(|v| *v == C32::new(0.0, 0.0))
        );
    }
}

#[test]
fn operator_norms() {
    // periodic, even sizes: the checkerboard attains ‖D‖² = 8 (2-D) and 4 (1-D) exactly
    let (ny, nx) = (16, 12);
    let checker: Vec<f64> = (0..ny * nx)
        .map(|k| {
            if (k / nx + k % nx) % 2 == 0 {
                1.0
            } else {
                -1.0
            }
        })
        .collect();
    let d = Gradient2::new(ny, nx, Boundary::Periodic).unwrap();
    let g = d.apply_vec(&checker);
    let sq = |v: &[f64]| v.iter().map(|a| a * a).sum::<f64>();
    assert_eq!(sq(&g), 8.0 * sq(&checker));
    let d1 = Gradient1::new(nx, Boundary::Periodic).unwrap();
    assert_eq!(sq(&d1.apply_vec(&checker[..nx])), 4.0 * nx as f64);
    // the power iteration agrees, from below; Neumann stays below √8 (Chambolle: ‖∇‖² ≤ 8)
    for bc in [Boundary::Periodic, Boundary::Neumann] {
        let l = opnorm_est::<f64, _>(&Gradient2::new(ny, nx, bc).unwrap()).unwrap();
        assert!(l <= 8f64.sqrt() * (1.0 + 1e-12) && l > 2.7, "{bc:?}: {l}");
        let l = opnorm_est::<f64, _>(&Gradient1::new(nx, bc).unwrap()).unwrap();
        assert!(l <= 2.0 * (1.0 + 1e-12) && l > 1.9, "{bc:?}: {l}");
    }
}

// ---------------------------------------------------------------------------------------
// Threads
// ---------------------------------------------------------------------------------------

#[test]
fn identical_for_any_thread_count() {
    for (bc, name) in BOUNDARIES {
        // 300 x 250 = 75,000 pixels: parallel, blocks of 65 rows
        let d = Gradient2::new(300, 250, bc).unwrap();
        let x: Vec<f64> = random_vec(300 * 250, 1);
        let g: Vec<f64> = random_vec(2 * 300 * 250, 2);
        let run = |t: usize| {
            in_pool(t, || {
                let mut div = vec![0.0; 300 * 250];
                d.divergence(&g, &mut div);
                (d.apply_vec(&x), d.adjoint_vec(&g), div)
            })
        };
        let (one, two) = (run(1), run(2));
        assert_bitwise(&one.0, &two.0, &format!("Gradient2 {name} apply"));
        assert_bitwise(&one.1, &two.1, &format!("Gradient2 {name} adjoint"));
        assert_bitwise(&one.2, &two.2, &format!("Gradient2 {name} divergence"));
        // a long 1-D signal: parallel chunks of 2^14 entries, the last one partial
        let n = 100_003;
        let d1 = Gradient1::new(n, bc).unwrap();
        let x1: Vec<C32> = random_vec(n, 3);
        let run1 = |t: usize| in_pool(t, || (d1.apply_vec(&x1), d1.adjoint_vec(&x1)));
        let (one, two) = (run1(1), run1(2));
        assert_bitwise(&one.0, &two.0, &format!("Gradient1 {name} apply"));
        assert_bitwise(&one.1, &two.1, &format!("Gradient1 {name} adjoint"));
        // the parallel chunks agree with the definition everywhere, chunk seams included
        for i in 0..n {
            let want = match (i + 1 < n, bc) {
                (true, _) => x1[i + 1] - x1[i],
                (false, Boundary::Periodic) => x1[0] - x1[n - 1],
                (false, Boundary::Neumann) => C32::new(0.0, 0.0),
            };
            assert_eq!(one.0[i], want, "Gradient1 {name} [{i}]");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Layout helpers, errors, panics
// ---------------------------------------------------------------------------------------

#[test]
fn components_and_accessors() {
    let d = Gradient2::new(2, 3, Boundary::Periodic).unwrap();
    assert_eq!(
        (d.ny(), d.nx(), d.pixels(), d.boundary()),
        (2, 3, 6, Boundary::Periodic)
    );
    let x = [0.0, 1.0, 3.0, 10.0, 20.0, 40.0];
    let mut g = d.apply_vec(&x);
    let (p, q) = d.components(&g);
    assert_eq!(p, [10.0, 19.0, 37.0, -10.0, -19.0, -37.0]);
    assert_eq!(q, [1.0, 2.0, -3.0, 10.0, 20.0, -30.0]);
    let (p, q) = d.components_mut(&mut g);
    p[0] = 5.0;
    q[5] = 7.0;
    assert_eq!((g[0], g[11]), (5.0, 7.0));
    let d1 = Gradient1::new(3, Boundary::Neumann).unwrap();
    assert_eq!((d1.dim(), d1.boundary()), (3, Boundary::Neumann));
    assert_eq!(LinOp::<f32>::shape(&d), (12, 6));
    assert_eq!(LinOp::<f32>::scratch_len(&d), 0);
}

#[test]
fn empty_dimensions_are_errors() {
    for (bc, _) in BOUNDARIES {
        let err = Gradient1::new(0, bc).unwrap_err();
        assert!(
            matches!(err, Error::InvalidParam { name: "n", .. }),
            "{err:?}"
        );
        let err = Gradient2::new(0, 3, bc).unwrap_err();
        assert!(
            matches!(err, Error::InvalidParam { name: "ny", .. }),
            "{err:?}"
        );
        let err = Gradient2::new(3, 0, bc).unwrap_err();
        assert!(
            matches!(err, Error::InvalidParam { name: "nx", .. }),
            "{err:?}"
        );
        assert!(Gradient2::new(usize::MAX / 2, 2, bc).is_err());
    }
}

#[test]
#[should_panic(expected = "Gradient2 apply: output y: expected length 12, got 6")]
fn wrong_output_length_panics() {
    let d = Gradient2::new(2, 3, Boundary::Neumann).unwrap();
    d.apply(&[0.0f64; 6], &mut [0.0; 6]);
}

#[test]
#[should_panic(expected = "Gradient2 divergence: input g: expected length 8, got 4")]
fn divergence_of_an_image_panics() {
    let d = Gradient2::new(2, 2, Boundary::Neumann).unwrap();
    d.divergence(&[0.0f64; 4], &mut [0.0; 4]);
}

#[test]
#[should_panic(expected = "Gradient1 adjoint: input y: expected length 3, got 2")]
fn gradient1_wrong_length_panics() {
    let _ = Gradient1::new(3, Boundary::Periodic)
        .unwrap()
        .adjoint_vec(&[0.0f32; 2]);
}
