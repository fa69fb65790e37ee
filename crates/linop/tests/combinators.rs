//! Combinators against dense matrices computed by nalgebra, the adjoint (dot) test for
//! every combinator and scalar type, scratch plumbing, and shape errors.

use cstk_linop::nalgebra::DMatrix;
use cstk_linop::testing::{adjoint_matrix_of, dot_test, matrix_of, random_vec};
use cstk_linop::{
    Adjoint, Compose, DenseOp, Diagonal, Error, Identity, LinOp, LinOpExt, Restriction, Scalar,
    Scaled, Sum,
};
use num_complex::Complex;
use proptest::prelude::*;

/// A seeded random `m × n` matrix.
fn rand_mat<T: Scalar>(m: usize, n: usize, seed: u64) -> DMatrix<T> {
    DMatrix::from_vec(m, n, random_vec(m * n, seed))
}

/// `‖a − b‖_F ≤ tol · max(1, ‖b‖_F)`, with a message naming the discrepancy.
fn assert_close<T: Scalar>(a: &DMatrix<T>, b: &DMatrix<T>, tol: f64, what: &str) {
    assert_eq!(a.shape(), b.shape(), "{what}: shapes");
    let norm = |m: &DMatrix<T>| m.iter().map(|v| v.to_c64().norm_sqr()).sum::<f64>().sqrt();
    let diff = norm(&(a - b));
    let scale = norm(b).max(1.0);
    assert!(
        diff <= tol * scale,
        "{what}: |a - b| = {diff:e} > {tol:e} * {scale}"
    );
}

/// Checks an operator and its adjoint against the expected dense matrix.
fn check_against<T: Scalar, L: LinOp<T> + ?Sized>(op: &L, expected: &DMatrix<T>, tol: f64) {
    assert_eq!(op.shape(), expected.shape());
    assert_close(&matrix_of(op), expected, tol, "apply");
    assert_close(&adjoint_matrix_of(op), &expected.adjoint(), tol, "adjoint");
}

/// A dense operator that also demands `k` scratch entries, asserts that it gets exactly
/// that many (combinators hand children exact slices) and scribbles over them.
struct NeedsScratch<T: Scalar> {
    a: DenseOp<T>,
    k: usize,
}

impl<T: Scalar> LinOp<T> for NeedsScratch<T> {
    fn nrows(&self) -> usize {
        self.a.nrows()
    }
    fn ncols(&self) -> usize {
        self.a.ncols()
    }
    fn scratch_len(&self) -> usize {
        self.k
    }
    fn apply_with_scratch(&self, x: &[T], y: &mut [T], scratch: &mut [T]) {
        assert_eq!(scratch.len(), self.k, "child scratch length");
        scratch.fill(T::from_f64_parts(f64::NAN, 1.0));
        self.a.apply_with_scratch(x, y, &mut []);
    }
    fn adjoint_with_scratch(&self, y: &[T], x: &mut [T], scratch: &mut [T]) {
        assert_eq!(scratch.len(), self.k, "child scratch length");
        scratch.fill(T::from_f64_parts(f64::NAN, 1.0));
        self.a.adjoint_with_scratch(y, x, &mut []);
    }
}

fn needs_scratch<T: Scalar>(m: usize, n: usize, k: usize, seed: u64) -> NeedsScratch<T> {
    NeedsScratch {
        a: DenseOp::new(rand_mat(m, n, seed)),
        k,
    }
}

// ---------------------------------------------------------------------------------------
// Against dense matrices
// ---------------------------------------------------------------------------------------

fn combinators_match_dense<T: Scalar>(tol: f64) {
    let (a, b, c) = (
        rand_mat::<T>(4, 3, 11),
        rand_mat::<T>(3, 5, 12),
        rand_mat::<T>(4, 3, 13),
    );
    let (da, db, dc) = (
        DenseOp::new(a.clone()),
        DenseOp::new(b.clone()),
        DenseOp::new(c.clone()),
    );
    let alpha = T::from_f64_parts(-1.5, 0.75);

    check_against(&Compose::try_new(&da, &db).unwrap(), &(&a * &b), tol);
    check_against(&Adjoint::new(&da), &a.adjoint(), tol);
    check_against(&Scaled::new(&da, alpha), &(&a * alpha), tol);
    check_against(&Sum::try_new(&da, &dc).unwrap(), &(&a + &c), tol);
    check_against(&Identity::new(4), &DMatrix::<T>::identity(4, 4), tol);

    let d: Vec<T> = random_vec(5, 14);
    check_against(
        &Diagonal::new(d.clone()),
        &DMatrix::from_diagonal(&DMatrix::from_vec(5, 1, d).column(0)),
        tol,
    );

    let r = Restriction::new(6, vec![0, 2, 3, 5]).unwrap();
    let mut rm = DMatrix::<T>::zeros(4, 6);
    for (k, &i) in r.indices().iter().enumerate() {
        rm[(k, i)] = T::one();
    }
    check_against(&r, &rm, tol);

    // Nested: α (R A) B + C B, with R restricting the 4 rows of A to 3.
    let r = Restriction::from_mask(&[true, false, true, true]);
    let rm = DMatrix::<T>::from_fn(3, 4, |k, i| {
        if [0, 2, 3][k] == i {
            T::one()
        } else {
            T::zero()
        }
    });
    let c3 = rand_mat::<T>(3, 3, 15);
    let nested = (&r)
        .compose(&da)
        .unwrap()
        .compose(&db)
        .unwrap()
        .scaled(alpha)
        .plus(DenseOp::new(c3.clone()).compose(&db).unwrap())
        .unwrap();
    let expected = (&rm * &a * &b) * alpha + &c3 * &b;
    check_against(&nested, &expected, tol);
    // ... and its adjoint as an operator.
    check_against(&(&nested).adjoint_op(), &expected.adjoint(), tol);
}

#[test]
fn match_dense_f32() {
    combinators_match_dense::<f32>(1e-5);
}
#[test]
fn match_dense_f64() {
    combinators_match_dense::<f64>(1e-13);
}
#[test]
fn match_dense_c32() {
    combinators_match_dense::<Complex<f32>>(1e-5);
}
#[test]
fn match_dense_c64() {
    combinators_match_dense::<Complex<f64>>(1e-13);
}

// ---------------------------------------------------------------------------------------
// Adjoint (dot) tests
// ---------------------------------------------------------------------------------------

fn dot_tests<T: Scalar>(rtol: f64) {
    let a = DenseOp::new(rand_mat::<T>(7, 5, 1));
    let b = DenseOp::new(rand_mat::<T>(5, 6, 2));
    let c = DenseOp::new(rand_mat::<T>(7, 5, 3));
    let alpha = T::from_f64_parts(0.5, -2.0);
    let r = Restriction::new(7, vec![1, 2, 4, 6]).unwrap();

    let check = |name: &str, res: Result<f64, String>| {
        if let Err(e) = res {
            panic!("{name} ({}): {e}", T::NAME);
        }
    };
    check("dense", dot_test(&a, rtol));
    check(
        "compose",
        dot_test(&Compose::try_new(&a, &b).unwrap(), rtol),
    );
    check("adjoint", dot_test(&Adjoint::new(&a), rtol));
    check("scaled", dot_test(&Scaled::new(&a, alpha), rtol));
    check("sum", dot_test(&Sum::try_new(&a, &c).unwrap(), rtol));
    check("identity", dot_test::<T, _>(&Identity::new(9), rtol));
    check(
        "diagonal",
        dot_test(&Diagonal::new(random_vec::<T>(8, 4)), rtol),
    );
    check("restriction", dot_test::<T, _>(&r, rtol));
    check(
        "empty restriction",
        dot_test::<T, _>(&Restriction::from_mask(&[false; 4]), rtol),
    );

    // Scaled(Compose(Restriction, Dense)) + Dense
    let nested = (&r)
        .compose(&a)
        .unwrap()
        .scaled(alpha)
        .plus(DenseOp::new(rand_mat::<T>(4, 5, 5)))
        .unwrap();
    check("nested", dot_test(&nested, rtol));
    check("adjoint of nested", dot_test(&(&nested).adjoint_op(), rtol));

    // Children that need scratch, at several depths, of different sizes.
    let s1 = needs_scratch::<T>(7, 5, 3, 6);
    let s2 = needs_scratch::<T>(5, 6, 11, 7);
    let s3 = needs_scratch::<T>(7, 6, 2, 8);
    let deep = (&s1)
        .compose(&s2)
        .unwrap()
        .plus(&s3)
        .unwrap()
        .scaled(alpha)
        .adjoint_op();
    check("scratch-needing children", dot_test(&deep, rtol));
    // Boxed trait objects work as children too.
    let boxed: Box<dyn LinOp<T>> = Box::new(Compose::try_new(&r, &a).unwrap());
    let sum = Sum::try_new(
        boxed,
        Scaled::new(DenseOp::new(rand_mat::<T>(4, 5, 9)), alpha),
    )
    .unwrap();
    check("boxed child", dot_test(&sum, rtol));
}

#[test]
fn dot_f32() {
    dot_tests::<f32>(1e-5);
}
#[test]
fn dot_f64() {
    dot_tests::<f64>(1e-12);
}
#[test]
fn dot_c32() {
    dot_tests::<Complex<f32>>(1e-5);
}
#[test]
fn dot_c64() {
    dot_tests::<Complex<f64>>(1e-12);
}

// ---------------------------------------------------------------------------------------
// Scratch plumbing
// ---------------------------------------------------------------------------------------

#[test]
fn scratch_len_is_own_temporaries_plus_largest_child() {
    let s1 = needs_scratch::<f64>(7, 5, 3, 6);
    let s2 = needs_scratch::<f64>(5, 6, 11, 7);
    let s3 = needs_scratch::<f64>(7, 6, 2, 8);
    let c = Compose::try_new(&s1, &s2).unwrap();
    assert_eq!(c.scratch_len(), 5 + 11);
    let s = Sum::try_new(&c, &s3).unwrap();
    assert_eq!(s.scratch_len(), 7 + (5 + 11));
    assert_eq!(Scaled::new(&s, 2.0).scratch_len(), s.scratch_len());
    assert_eq!(Adjoint::new(&s).scratch_len(), s.scratch_len());
    assert_eq!(LinOp::<f64>::scratch_len(&Identity::new(3)), 0);
    assert_eq!(
        LinOp::<f64>::scratch_len(&Restriction::from_mask(&[true])),
        0
    );
    assert_eq!(Diagonal::new(vec![1.0]).scratch_len(), 0);
    // Wide sum: the temporary holds the longer of input and output (the adjoint's).
    let w1 = needs_scratch::<f64>(2, 9, 1, 1);
    let w2 = needs_scratch::<f64>(2, 9, 4, 2);
    assert_eq!(Sum::try_new(&w1, &w2).unwrap().scratch_len(), 9 + 4);
}

#[test]
fn longer_scratch_is_accepted_and_results_do_not_depend_on_its_contents() {
    let a = DenseOp::new(rand_mat::<f64>(4, 3, 1));
    let b = DenseOp::new(rand_mat::<f64>(3, 5, 2));
    let op = Compose::try_new(&a, &b)
        .unwrap()
        .plus(DenseOp::new(rand_mat(4, 5, 3)))
        .unwrap();
    let x: Vec<f64> = random_vec(5, 4);
    let expected = op.apply_vec(&x);
    let mut scratch = vec![f64::NAN; op.scratch_len() + 10];
    let mut y = vec![f64::NAN; 4];
    op.apply_with_scratch(&x, &mut y, &mut scratch);
    assert_eq!(y, expected);
    let yv: Vec<f64> = random_vec(4, 5);
    let expected = op.adjoint_vec(&yv);
    scratch.fill(1e300);
    let mut xo = vec![f64::NAN; 5];
    op.adjoint_with_scratch(&yv, &mut xo, &mut scratch);
    assert_eq!(xo, expected);
}

// ---------------------------------------------------------------------------------------
// Construction errors and accessors
// ---------------------------------------------------------------------------------------

#[test]
fn compose_shape_mismatch_names_both_shapes() {
    let a = DenseOp::new(rand_mat::<f64>(3, 4, 1));
    let b = DenseOp::new(rand_mat::<f64>(5, 2, 2));
    let err = Compose::try_new(&a, &b).unwrap_err();
    match &err {
        Error::ShapeMismatch { expected, got, .. } => {
            assert!(
                expected.contains("3x4") && expected.contains('4'),
                "{expected}"
            );
            assert!(got.contains("5x2"), "{got}");
        }
        other => panic!("unexpected error {other:?}"),
    }
    assert!((&a).compose(&b).is_err());
    assert!((&b).compose(&a).is_err()); // 5x2 · 3x4
}

#[test]
fn sum_shape_mismatch_names_both_shapes() {
    let a = DenseOp::new(rand_mat::<f64>(3, 4, 1));
    let b = DenseOp::new(rand_mat::<f64>(4, 3, 2));
    let err = Sum::try_new(&a, &b).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::ShapeMismatch { .. }));
    assert!(msg.contains("3x4") && msg.contains("4x3"), "{msg}");
    assert!((&a).plus(&b).is_err());
}

#[test]
fn restriction_validation_and_accessors() {
    let err = Restriction::new(4, vec![0, 4]).unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidParam {
            name: "indices",
            ..
        }
    ));
    assert!(err.to_string().contains("indices[1] = 4"), "{err}");
    let err = Restriction::new(4, vec![2, 1]).unwrap_err();
    assert!(err.to_string().contains("strictly increasing"), "{err}");
    assert!(Restriction::new(4, vec![1, 1]).is_err());
    assert!(Restriction::new(0, vec![0]).is_err());

    let r = Restriction::new(0, vec![]).unwrap();
    assert!(r.is_empty() && r.full_len() == 0 && r.fraction() == 0.0);
    assert_eq!(LinOp::<f64>::shape(&r), (0, 0));

    let mask = [true, false, false, true, true, false];
    let r = Restriction::from_mask(&mask);
    assert_eq!(r, Restriction::new(6, vec![0, 3, 4]).unwrap());
    assert_eq!(r.indices(), &[0, 3, 4]);
    assert_eq!((r.len(), r.full_len(), r.is_empty()), (3, 6, false));
    assert_eq!(r.fraction(), 0.5);
    assert_eq!(r.to_mask(), mask);
    assert_eq!(LinOp::<Complex<f32>>::shape(&r), (3, 6));
    // R Rᴴ = I, Rᴴ R = diag(mask)
    let rm = matrix_of::<f64, _>(&r);
    assert_eq!(&rm * rm.transpose(), DMatrix::identity(3, 3));
    let mm = rm.transpose() * &rm;
    for (i, &keep) in mask.iter().enumerate() {
        assert_eq!(mm[(i, i)], if keep { 1.0 } else { 0.0 });
    }
    assert_eq!(r.clone().into_indices(), vec![0, 3, 4]);
}

#[test]
fn restriction_adjoint_zero_fills_garbage() {
    let r = Restriction::from_mask(&[false, true, false]);
    let mut x = [9.0, 9.0, 9.0];
    r.adjoint(&[5.0], &mut x);
    assert_eq!(x, [0.0, 5.0, 0.0]);
}

#[test]
fn accessors_return_parts() {
    let a = Diagonal::new(vec![1.0, 2.0]);
    let b = Identity::new(2);
    let c = Compose::try_new(a.clone(), b).unwrap();
    assert_eq!(c.outer(), &a);
    assert_eq!(c.inner(), &b);
    assert_eq!(c.into_parts(), (a.clone(), b));
    let s = Sum::try_new(a.clone(), b).unwrap();
    assert_eq!(s.parts(), (&a, &b));
    let sc = a.clone().scaled(3.0);
    assert_eq!((sc.alpha(), sc.inner()), (3.0, &a));
    assert_eq!(sc.into_inner(), a);
    let ad = a.clone().adjoint_op();
    assert_eq!(ad.inner(), &a);
    assert_eq!(Diagonal::from(vec![1.0, 2.0]), a);
    assert_eq!((a.dim(), a.diagonal()), (2, &[1.0, 2.0][..]));
    assert_eq!(a.into_vec(), vec![1.0, 2.0]);
    assert_eq!(b.dim(), 2);
}

#[test]
fn complex_scaling_and_diagonal_conjugate_in_the_adjoint() {
    let i = Complex::new(0.0f64, 1.0);
    let one = Complex::new(1.0, 0.0);
    let s = Identity::new(1).scaled(i);
    assert_eq!(s.apply_vec(&[one]), vec![i]);
    assert_eq!(s.adjoint_vec(&[one]), vec![-i]);
    let d = Diagonal::new(vec![Complex::new(3.0, 4.0)]);
    assert_eq!(d.adjoint_vec(&[one]), vec![Complex::new(3.0, -4.0)]);
}

// ---------------------------------------------------------------------------------------
// Buffer-length panics
// ---------------------------------------------------------------------------------------

#[test]
#[should_panic(expected = "expected length")]
fn identity_wrong_input_length_panics() {
    let mut y = vec![0.0; 3];
    Identity::new(3).apply(&[1.0, 2.0], &mut y);
}

#[test]
#[should_panic(expected = "expected length")]
fn diagonal_wrong_output_length_panics() {
    let mut y = vec![0.0; 2];
    Diagonal::new(vec![1.0, 2.0, 3.0]).apply(&[1.0, 2.0, 3.0], &mut y);
}

#[test]
#[should_panic(expected = "expected length")]
fn restriction_wrong_adjoint_length_panics() {
    let mut x = vec![0.0; 3];
    Restriction::from_mask(&[true, false, true]).adjoint(&[1.0], &mut x);
}

#[test]
#[should_panic(expected = "expected length")]
fn compose_wrong_output_length_panics() {
    let c = Compose::try_new(Diagonal::new(vec![1.0, 2.0]), Identity::new(2)).unwrap();
    let mut y = vec![0.0; 3];
    c.apply(&[1.0, 2.0], &mut y);
}

#[test]
#[should_panic(expected = "expected length")]
fn sum_wrong_input_length_panics() {
    let s = Sum::try_new(Diagonal::new(vec![1.0, 2.0]), Identity::new(2)).unwrap();
    let mut x = vec![0.0; 2];
    s.adjoint(&[1.0], &mut x);
}

#[test]
#[should_panic(expected = "expected length")]
fn short_scratch_panics() {
    let c = Compose::try_new(Diagonal::new(vec![1.0, 2.0]), Identity::new(2)).unwrap();
    let mut y = vec![0.0; 2];
    c.apply_with_scratch(&[1.0, 2.0], &mut y, &mut [0.0]);
}

// ---------------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------------

/// Dense `DenseOp` and its matrix from a seed.
fn dense(m: usize, n: usize, seed: u64) -> (DenseOp<f64>, DMatrix<f64>) {
    let a = rand_mat::<f64>(m, n, seed);
    (DenseOp::new(a.clone()), a)
}

fn c_dense(m: usize, n: usize, seed: u64) -> (DenseOp<Complex<f64>>, DMatrix<Complex<f64>>) {
    let a = rand_mat::<Complex<f64>>(m, n, seed);
    (DenseOp::new(a.clone()), a)
}

/// `op x` equals the nalgebra product `a x` (and `op.adjoint(y)` equals `aᴴ y`).
fn prop_matches<T: Scalar, L: LinOp<T>>(
    op: &L,
    a: &DMatrix<T>,
    seed: u64,
) -> Result<(), TestCaseError> {
    let (m, n) = a.shape();
    prop_assert_eq!(op.shape(), (m, n));
    let x: Vec<T> = random_vec(n, seed);
    let y: Vec<T> = random_vec(m, seed ^ 0xA5A5);
    let ax = a * DMatrix::from_vec(n, 1, x.clone());
    let ahy = a.adjoint() * DMatrix::from_vec(m, 1, y.clone());
    let tol = |v: &DMatrix<T>| 1e-12 * (1.0 + v.iter().map(|z| z.to_c64().norm()).sum::<f64>());
    let got = op.apply_vec(&x);
    for (g, e) in got.iter().zip(ax.iter()) {
        prop_assert!(
            (g.to_c64() - e.to_c64()).norm() <= tol(&ax),
            "apply {g:?} vs {e:?}"
        );
    }
    let got = op.adjoint_vec(&y);
    for (g, e) in got.iter().zip(ahy.iter()) {
        prop_assert!(
            (g.to_c64() - e.to_c64()).norm() <= tol(&ahy),
            "adjoint {g:?} vs {e:?}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn prop_compose(m in 0usize..7, k in 0usize..7, n in 0usize..7, seed in any::<u64>()) {
        let (a, am) = dense(m, k, seed);
        let (b, bm) = dense(k, n, seed.wrapping_add(1));
        prop_matches(&Compose::try_new(&a, &b).unwrap(), &(&am * &bm), seed)?;
        let (a, am) = c_dense(m, k, seed);
        let (b, bm) = c_dense(k, n, seed.wrapping_add(1));
        prop_matches(&(&a).compose(&b).unwrap(), &(&am * &bm), seed)?;
    }

    #[test]
    fn prop_compose_mismatch_errors(
        m in 1usize..7, k in 1usize..7, k2 in 1usize..7, n in 1usize..7,
    ) {
        prop_assume!(k != k2);
        let (a, _) = dense(m, k, 1);
        let (b, _) = dense(k2, n, 2);
        let err = Compose::try_new(&a, &b).unwrap_err();
        prop_assert!(matches!(err, Error::ShapeMismatch { .. }), "{:?}", err);
        let msg = err.to_string();
        prop_assert!(msg.contains(&format!("{m}x{k}")), "{}", msg);
        prop_assert!(msg.contains(&format!("{k2}x{n}")), "{}", msg);
    }

    #[test]
    fn prop_sum(m in 0usize..7, n in 0usize..7, seed in any::<u64>()) {
        let (a, am) = dense(m, n, seed);
        let (b, bm) = dense(m, n, seed.wrapping_add(1));
        prop_matches(&Sum::try_new(&a, &b).unwrap(), &(&am + &bm), seed)?;
        let (a, am) = c_dense(m, n, seed);
        let (b, bm) = c_dense(m, n, seed.wrapping_add(1));
        prop_matches(&(&a).plus(&b).unwrap(), &(&am + &bm), seed)?;
    }

    #[test]
    fn prop_sum_mismatch_errors(m in 1usize..6, n in 1usize..6, m2 in 1usize..6, n2 in 1usize..6) {
        prop_assume!((m, n) != (m2, n2));
        let (a, _) = dense(m, n, 1);
        let (b, _) = dense(m2, n2, 2);
        let err = Sum::try_new(&a, &b).unwrap_err();
        prop_assert!(matches!(err, Error::ShapeMismatch { .. }), "{:?}", err);
        let msg = err.to_string();
        prop_assert!(msg.contains(&format!("{m}x{n}")), "{}", msg);
        prop_assert!(msg.contains(&format!("{m2}x{n2}")), "{}", msg);
    }

    #[test]
    fn prop_scaled_and_adjoint(
        m in 0usize..7, n in 0usize..7, re in -3.0f64..3.0, im in -3.0f64..3.0,
        seed in any::<u64>(),
    ) {
        let (a, am) = c_dense(m, n, seed);
        let alpha = Complex::new(re, im);
        prop_matches(&Scaled::new(&a, alpha), &(&am * alpha), seed)?;
        prop_matches(&Adjoint::new(&a), &am.adjoint(), seed)?;
        let (a, am) = dense(m, n, seed);
        prop_matches(&(&a).scaled(re), &(&am * re), seed)?;
        prop_matches(&(&a).adjoint_op(), &am.transpose(), seed)?;
    }

    #[test]
    fn prop_diagonal_and_identity(n in 0usize..9, seed in any::<u64>()) {
        let d: Vec<Complex<f64>> = random_vec(n, seed);
        let dm = DMatrix::from_diagonal(&DMatrix::from_vec(n, 1, d.clone()).column(0));
        prop_matches(&Diagonal::new(d), &dm, seed)?;
        prop_matches::<f64, _>(&Identity::new(n), &DMatrix::identity(n, n), seed)?;
    }

    #[test]
    fn prop_restriction(
        mask in proptest::collection::vec(any::<bool>(), 0..12), seed in any::<u64>(),
    ) {
        let r = Restriction::from_mask(&mask);
        let rm = DMatrix::<f64>::from_fn(r.len(), mask.len(), |k, i| {
            if r.indices()[k] == i { 1.0 } else { 0.0 }
        });
        prop_assert_eq!(Restriction::new(mask.len(), r.indices().to_vec()).unwrap(), r.clone());
        prop_matches::<f64, _>(&r, &rm, seed)?;
        prop_matches::<Complex<f64>, _>(&r, &rm.map(|v| Complex::new(v, 0.0)), seed)?;
    }

    #[test]
    fn prop_nested(m in 1usize..6, k in 1usize..6, n in 1usize..6,
                   mask in proptest::collection::vec(any::<bool>(), 6), alpha in -2.0f64..2.0,
                   seed in any::<u64>()) {
        // alpha · (R A) B + C, with R keeping the masked rows among the first m.
        let r = Restriction::from_mask(&mask[..m]);
        let rm = matrix_of::<f64, _>(&r);
        let (a, am) = dense(m, k, seed);
        let (b, bm) = dense(k, n, seed.wrapping_add(1));
        let (c, cm) = dense(r.len(), n, seed.wrapping_add(2));
        let op = (&r).compose(&a).unwrap().compose(&b).unwrap().scaled(alpha).plus(&c).unwrap();
        prop_matches(&op, &((&rm * &am * &bm) * alpha + &cm), seed)?;
    }
}
