//! Helpers shared by the linop integration tests.

#![allow(dead_code)] // each test binary uses its own subset

use cstk_linop::testing::random_vec;
use cstk_linop::{LinOp, Scalar};

/// Allocations made by three rounds of `apply_with_scratch` and `adjoint_with_scratch`
/// run in `pool` (after one warm-up round).
pub fn allocations<T: Scalar, L: LinOp<T>>(op: &L, pool: &rayon::ThreadPool) -> u64 {
    let x: Vec<T> = random_vec(op.ncols(), 1);
    let y0: Vec<T> = random_vec(op.nrows(), 2);
    let mut y = vec![T::zero(); op.nrows()];
    let mut x2 = vec![T::zero(); op.ncols()];
    let mut scratch = vec![T::zero(); op.scratch_len()];
    let mut run = || {
        op.apply_with_scratch(&x, &mut y, &mut scratch);
        op.adjoint_with_scratch(&y0, &mut x2, &mut scratch);
    };
    pool.install(&mut run);
    pool.install(|| {
        allocation_counter::measure(|| {
            for _ in 0..3 {
                run();
            }
        })
    })
    .count_total
}

/// The reason of an `Error::Format` without a line number, or a panic naming what came
/// instead (the file-format tests).
pub fn format_reason<T: std::fmt::Debug>(r: cstk_linop::Result<T>) -> String {
    match r {
        Err(cstk_linop::Error::Format { reason, line, .. }) => {
            assert_eq!(line, None);
            reason
        }
        other => panic!("expected Error::Format, got {other:?}"),
    }
}
