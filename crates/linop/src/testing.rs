//! Test helpers shared by every operator's tests: seeded random vectors and the
//! adjoint (dot) test `⟨A x, y⟩ = ⟨x, Aᴴ y⟩` (PyLops' `dottest`).

use crate::scalar::{dot, norm2};
use crate::{LinOp, Scalar};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A vector of `n` values with real (and, for complex `T`, imaginary) parts uniform in
/// `[-1, 1)`, from `ChaCha8Rng` seeded with `seed`: the same on every platform.
///
/// ```
/// let a: Vec<f64> = cstk_linop::testing::random_vec(4, 7);
/// assert_eq!(a, cstk_linop::testing::random_vec::<f64>(4, 7));
/// assert!(a.iter().all(|v| (-1.0..1.0).contains(v)));
/// ```
pub fn random_vec<T: Scalar>(n: usize, seed: u64) -> Vec<T> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let re: f64 = rng.random_range(-1.0..1.0);
            let im: f64 = if T::IS_COMPLEX {
                rng.random_range(-1.0..1.0)
            } else {
                0.0
            };
            T::from_f64_parts(re, im)
        })
        .collect()
}

/// Checks `⟨A x, y⟩ = ⟨x, Aᴴ y⟩` for three pairs of seeded random vectors.
///
/// The discrepancy is measured relative to `‖A x‖·‖y‖ + ‖x‖·‖Aᴴ y‖` (the scale of the
/// rounding error of either inner product), so the test is meaningful even when the
/// inner products themselves nearly cancel. Output and scratch buffers are filled with
/// garbage first, so an operator that reads instead of overwriting them fails.
///
/// Returns the largest relative discrepancy, or an error naming it when it exceeds `rtol`
/// (use about `1e-12` for f64 and `1e-5` for f32).
///
/// ```
/// use cstk_linop::{Diagonal, testing::dot_test};
/// let err = dot_test(&Diagonal::new(vec![1.0, -2.0, 0.5]), 1e-12).unwrap();
/// assert!(err < 1e-15);
/// ```
pub fn dot_test<T: Scalar, L: LinOp<T> + ?Sized>(op: &L, rtol: f64) -> Result<f64, String> {
    let (m, n) = (op.nrows(), op.ncols());
    let garbage = T::from_f64_parts(7.25, -3.5);
    let mut scratch = vec![garbage; op.scratch_len()];
    let mut worst = 0.0f64;
    for trial in 0..3u64 {
        let x: Vec<T> = random_vec(n, 2 * trial + 1);
        let y: Vec<T> = random_vec(m, 2 * trial + 2);
        let mut ax = vec![garbage; m];
        let mut ahy = vec![garbage; n];
        scratch.fill(garbage);
        op.apply_with_scratch(&x, &mut ax, &mut scratch);
        scratch.fill(garbage);
        op.adjoint_with_scratch(&y, &mut ahy, &mut scratch);
        let lhs = dot(&ax, &y).to_c64();
        let rhs = dot(&x, &ahy).to_c64();
        let to64 = |v: T::RealField| T::from_real(v).to_c64().re;
        let scale = to64(norm2(&ax)) * to64(norm2(&y)) + to64(norm2(&x)) * to64(norm2(&ahy));
        let diff = (lhs - rhs).norm();
        let rel = if scale > 0.0 { diff / scale } else { diff };
        if !rel.is_finite() {
            return Err(format!(
                "dot test on {m}x{n} operator: non-finite result (<Ax,y> = {lhs}, <x,A^H y> = {rhs})"
            ));
        }
        worst = worst.max(rel);
    }
    if worst > rtol {
        Err(format!(
            "dot test on {m}x{n} operator failed: relative discrepancy {worst:.3e} > {rtol:.1e}"
        ))
    } else {
        Ok(worst)
    }
}

/// Panics unless every entry satisfies `|got_i − want_i| ≤ rtol · max(1, ‖want‖∞)`,
/// naming `what`, the first offending index and both values.
///
/// The scale is the largest entry of `want`, so entries that are small through
/// cancellation are held to the rounding error of the whole product.
///
/// ```
/// use cstk_linop::testing::assert_close;
/// assert_close(&[1.0, 2.0 + 1e-14], &[1.0, 2.0], 1e-12, "y");
/// let r = std::panic::catch_unwind(|| assert_close(&[1.0, 2.1], &[1.0, 2.0], 1e-12, "y"));
/// assert!(r.is_err());
/// ```
#[track_caller]
pub fn assert_close<T: Scalar>(got: &[T], want: &[T], rtol: f64, what: &str) {
    crate::check_len(what, want.len(), got.len());
    let scale = want
        .iter()
        .map(|v| v.to_c64().norm())
        .fold(1.0f64, f64::max);
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let d = (g.to_c64() - w.to_c64()).norm();
        assert!(
            d <= rtol * scale,
            "{what}[{i}]: got {g}, want {w} (|diff| = {d:.3e} > {rtol:.1e} · {scale:.3e})"
        );
    }
}

/// The dense matrix of an operator, column by column from `A e_j` (for tests on small
/// operators: it costs `ncols` applications).
///
/// ```
/// use cstk_linop::{Diagonal, testing::matrix_of};
/// let m = matrix_of(&Diagonal::new(vec![2.0, 3.0]));
/// assert_eq!(m[(1, 1)], 3.0);
/// assert_eq!(m[(0, 1)], 0.0);
/// ```
pub fn matrix_of<T: Scalar, L: LinOp<T> + ?Sized>(op: &L) -> nalgebra::DMatrix<T> {
    let (m, n) = op.shape();
    let mut a = nalgebra::DMatrix::zeros(m, n);
    let mut e = vec![T::zero(); n];
    let mut col = vec![T::zero(); m];
    for j in 0..n {
        e[j] = T::one();
        op.apply(&e, &mut col);
        a.column_mut(j).copy_from_slice(&col);
        e[j] = T::zero();
    }
    a
}

/// The dense matrix of an operator's adjoint, column by column from `Aᴴ e_i`; compare it
/// with `matrix_of(op).adjoint()` to test an adjoint entry by entry.
///
/// ```
/// use cstk_linop::{Complex, Diagonal, testing::adjoint_matrix_of};
/// let d = Diagonal::new(vec![Complex::new(0.0, 1.0)]);
/// assert_eq!(adjoint_matrix_of(&d)[(0, 0)], Complex::new(0.0, -1.0));
/// ```
pub fn adjoint_matrix_of<T: Scalar, L: LinOp<T> + ?Sized>(op: &L) -> nalgebra::DMatrix<T> {
    let (m, n) = op.shape();
    let mut a = nalgebra::DMatrix::zeros(n, m);
    let mut e = vec![T::zero(); m];
    let mut col = vec![T::zero(); n];
    for i in 0..m {
        e[i] = T::one();
        op.adjoint(&e, &mut col);
        a.column_mut(i).copy_from_slice(&col);
        e[i] = T::zero();
    }
    a
}

/// Panics unless `a` and `b` are equal bit for bit (what "identical for any thread count"
/// means), naming `what` and the first differing index.
///
/// ```
/// cstk_linop::testing::assert_bitwise(&[1.0, -0.0], &[1.0, -0.0], "x");
/// assert!(std::panic::catch_unwind(|| {
///     cstk_linop::testing::assert_bitwise(&[0.0], &[-0.0], "x")
/// }).is_err());
/// ```
#[track_caller]
pub fn assert_bitwise<T: Scalar>(a: &[T], b: &[T], what: &str) {
    crate::check_len(what, b.len(), a.len());
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let (x, y) = (x.to_c64(), y.to_c64());
        assert!(
            x.re.to_bits() == y.re.to_bits() && x.im.to_bits() == y.im.to_bits(),
            "{what}[{i}]: {x} vs {y} (not bit-identical)"
        );
    }
}

/// Panics unless `Aᴴ A x = x` and `A Aᴴ x = x` to `rtol` (see [`assert_close`]) for a seeded
/// random `x`: the operator is unitary, so its adjoint is its inverse.
///
/// ```
/// use cstk_linop::{Diagonal, testing::assert_unitary};
/// assert_unitary(&Diagonal::new(vec![1.0, -1.0]), 1e-15, "signs");
/// ```
#[track_caller]
pub fn assert_unitary<T: Scalar, L: LinOp<T> + ?Sized>(op: &L, rtol: f64, what: &str) {
    let x: Vec<T> = random_vec(op.ncols(), 11);
    assert_close(
        &op.adjoint_vec(&op.apply_vec(&x)),
        &x,
        rtol,
        &format!("{what}: A^H A x"),
    );
    let y: Vec<T> = random_vec(op.nrows(), 11);
    assert_close(
        &op.apply_vec(&op.adjoint_vec(&y)),
        &y,
        rtol,
        &format!("{what}: A A^H y"),
    );
}

/// Runs `f` inside a fresh rayon pool of `threads` threads — how tests check that a result
/// does not depend on the thread count. Panics if the pool cannot be built.
///
/// ```
/// use cstk_linop::testing::in_pool;
/// assert_eq!(in_pool(2, rayon::current_num_threads), 2);
/// ```
pub fn in_pool<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("rayon thread pool")
        .install(f)
}

/// `‖a − b‖₂ / ‖b‖₂` (with `‖b‖ = 0` treated as tiny): how tests compare two solutions.
///
/// ```
/// assert_eq!(cstk_linop::testing::rel_err(&[3.0, 4.0], &[3.0, 4.0]), 0.0);
/// assert!((cstk_linop::testing::rel_err(&[3.0, 4.5], &[3.0, 4.0]) - 0.1).abs() < 1e-15);
/// ```
pub fn rel_err(a: &[f64], b: &[f64]) -> f64 {
    crate::check_len("rel_err: b", a.len(), b.len());
    let d: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt();
    d / b
        .iter()
        .map(|y| y * y)
        .sum::<f64>()
        .sqrt()
        .max(f64::MIN_POSITIVE)
}

/// A seeded random sparse `m × n` matrix with values uniform in `[-1, 1)`: `per_row`
/// entries per row at uniformly random columns (duplicates summed), or with `power_law`,
/// Pareto-distributed row lengths (tail exponent 1.2, mean near `per_row`, a few rows of
/// thousands of entries), as in web graphs and bag-of-words designs.
///
/// ```
/// let a = cstk_linop::testing::random_sparse(100, 50, 5, false, 1);
/// assert_eq!((a.nrows(), a.ncols()), (100, 50));
/// assert!(a.nnz() <= 500 && a.nnz() > 400);
/// ```
pub fn random_sparse(
    m: usize,
    n: usize,
    per_row: usize,
    power_law: bool,
    seed: u64,
) -> crate::CsrMatrix<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut r, mut c, mut v) = (vec![], vec![], vec![]);
    for i in 0..m {
        let len = if power_law {
            let u: f64 = rng.random_range(1e-4..1.0);
            ((per_row as f64 / 3.0) * u.powf(-1.0 / 1.2)).clamp(1.0, n as f64) as usize
        } else {
            per_row
        };
        for _ in 0..len.min(if n == 0 { 0 } else { usize::MAX }) {
            r.push(i);
            c.push(rng.random_range(0..n));
            v.push(rng.random_range(-1.0..1.0));
        }
    }
    crate::CooMatrix::try_from_triplets(m, n, r, c, v)
        .expect("valid triplets")
        .to_csr()
}

/// GPU 0 for a test, or `None` after saying on the real stderr why the test is skipped
/// (libtest hides `eprintln!` of passing tests; the message must show).
///
/// ```
/// if let Some(gpu) = cstk_linop::testing::gpu_or_skip("doc example") {
///     assert!(!gpu.name().is_empty());
/// }
/// ```
#[cfg(feature = "cuda")]
pub fn gpu_or_skip(test: &str) -> Option<std::sync::Arc<crate::gpu::Gpu>> {
    match crate::gpu::Gpu::new(0) {
        Ok(g) => Some(g),
        Err(e) => {
            skip(&format!("{test}: skipped, no usable GPU ({e})"));
            None
        }
    }
}

/// Prints why a test (or part of one) is skipped, on the real stderr (shown even when the
/// test passes).
///
/// ```
/// cstk_linop::testing::skip("example: nothing to skip");
/// ```
pub fn skip(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{msg}");
}
