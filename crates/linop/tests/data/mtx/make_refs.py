#!/usr/bin/env python3
"""Reference data for crates/linop/tests/mtx.rs, made with SciPy.

For every hand-written `*.mtx` here, `scipy.io.mmread` is the reference reader: its dense
result is saved next to the file as `<name>.npy` (float64, or complex128 for complex
fields). `scipy_random.mtx` is written by `scipy.io.mmwrite` (a 30x20 random sparse matrix
with a fixed seed) and its `mmread` result saved as `scipy_random.npy`; the Rust reader
must reproduce every reference exactly.

Run from anywhere: python3 crates/linop/tests/data/mtx/make_refs.py
Made with SciPy 1.17.1 and NumPy 2.4.6.
"""

from pathlib import Path

import numpy as np
import scipy.io
import scipy.sparse

HERE = Path(__file__).resolve().parent
GENERATED = "scipy_random"


def dense(path: Path) -> np.ndarray:
    a = scipy.io.mmread(path)
    a = a.toarray() if scipy.sparse.issparse(a) else np.asarray(a)
    dtype = np.complex128 if np.iscomplexobj(a) else np.float64
    return np.ascontiguousarray(a, dtype=dtype)


def main() -> None:
    rng = np.random.default_rng(20240611)
    a = scipy.sparse.random(30, 20, density=0.15, format="coo", random_state=rng)
    a.data = rng.standard_normal(a.nnz) * 10.0 ** rng.integers(-5, 6, a.nnz)
    scipy.io.mmwrite(HERE / f"{GENERATED}.mtx", a, comment="30x20 random, written by scipy.io.mmwrite")
    ref = dense(HERE / f"{GENERATED}.mtx")
    assert np.array_equal(ref, a.toarray()), "mmwrite/mmread must round-trip exactly"

    for path in sorted(HERE.glob("*.mtx")):
        d = dense(path)
        np.save(path.with_suffix(".npy"), d)
        print(f"{path.name}: {d.shape} {d.dtype}")


if __name__ == "__main__":
    main()
