"""Times scipy's CSR SpMV on the problem of benches/spmv.rs (n = 200,000 square,
20 distinct random columns per row, f64 values, int32 indices), one thread.

    python3 benches/peers/spmv_scipy.py [n]

Prints milliseconds (median of 7 repeats) and effective GB/s with the same byte count
as the Rust bench: 12 bytes per stored entry plus the two 8-byte vectors.
"""

import sys
import timeit

import numpy as np
import scipy.sparse as sp


def random_csr(n, per_row, seed):
    rng = np.random.default_rng(seed)
    # distinct columns per row: sample with replacement and redraw collisions
    cols = rng.integers(0, n, size=(n, per_row), dtype=np.int64)
    cols.sort(axis=1)
    while True:
        dup = np.zeros_like(cols, dtype=bool)
        dup[:, 1:] = cols[:, 1:] == cols[:, :-1]
        if not dup.any():
            break
        cols[dup] = rng.integers(0, n, size=int(dup.sum()))
        cols.sort(axis=1)
    data = rng.uniform(-1.0, 1.0, size=n * per_row)
    indptr = np.arange(0, n * per_row + 1, per_row, dtype=np.int32)
    return sp.csr_matrix((data, cols.ravel().astype(np.int32), indptr), shape=(n, n))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    a = random_csr(n, 20, 42)
    assert a.indices.dtype == np.int32
    x = ((np.arange(n) % 17) - 8.0) / 8.0
    at = a.T  # CSC view of the same arrays: what A.T @ y computes with
    nbytes = 12 * a.nnz + 16 * n
    for name, f in [("A @ x", lambda: a @ x), ("A.T @ x", lambda: at @ x)]:
        t = min(timeit.repeat(f, number=20, repeat=7)) / 20
        med = sorted(timeit.repeat(f, number=20, repeat=7))[3] / 20
        print(f"scipy {name:8s} n={n}: min {t*1e3:.3f} ms, median {med*1e3:.3f} ms, "
              f"{nbytes / med / 1e9:.2f} GB/s")


if __name__ == "__main__":
    main()
