"""Times scikit-learn's OMP on the problem of benches/omp.rs: k = 50 atoms, A 1000 x 5000
with N(0, 1/m) entries, y = A x + 0.01 e (x 50-sparse with N(0, 1) values, e standard normal):

    OrthogonalMatchingPursuit(n_nonzero_coefs=50, fit_intercept=False).fit(A, y)
    orthogonal_mp_gram(A.T @ A, A.T @ Y, n_nonzero_coefs=50)          # 16 signals

    python3 benches/peers/omp_sklearn.py [--data DIR] [m n k]

With --data DIR, A and y are read from DIR/a.npy and DIR/y.npy, as written by
`CSTK_BENCH_DUMP=DIR cargo bench --bench omp` (the very problem cstk solves; the 16 Gram
signals are built from y and the noise-free part the same way as the bench, up to the noise
vector); otherwise NumPy draws a problem of the same distribution (seed 1).

Prints the median and minimum of 20 runs in ms, for the BLAS thread counts in
CSTK_PEER_THREADS (default "1 2"): each count runs in a fresh interpreter with
OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS set, since BLAS reads them at load.
A is passed in Fortran order (as nalgebra stores it; scikit-learn copies it to Fortran order
anyway).
"""

import os
import subprocess
import sys
import timeit

import numpy as np


def problem(args):
    data = None
    if "--data" in args:
        i = args.index("--data")
        data = args[i + 1]
        args = args[:i] + args[i + 2 :]
    m, n, k = (int(v) for v in args) if len(args) == 3 else (1000, 5000, 50)
    rng = np.random.default_rng(1)
    if data is not None:
        a = np.load(os.path.join(data, "a.npy"))
        y = np.load(os.path.join(data, "y.npy"))
        m, n = a.shape
    else:
        a = rng.standard_normal((m, n)) / np.sqrt(m)
        x = np.zeros(n)
        x[rng.choice(n, k, replace=False)] = rng.standard_normal(k)
        y = a @ x + 0.01 * rng.standard_normal(m)
    e = rng.standard_normal(m)
    ys = np.stack([y + 0.01 * q * np.roll(e, -7 * q) for q in range(16)], axis=1)
    return np.asfortranarray(a), y, ys, k


def time_ms(f, repeat=20):
    runs = sorted(t * 1e3 for t in timeit.repeat(f, number=1, repeat=repeat))
    return runs[len(runs) // 2], runs[0]


def child(args):
    import sklearn
    from sklearn.linear_model import OrthogonalMatchingPursuit, orthogonal_mp_gram

    a, y, ys, k = problem(args)
    omp = OrthogonalMatchingPursuit(n_nonzero_coefs=k, fit_intercept=False)
    omp.fit(a, y)  # warm up
    med, best = time_ms(lambda: omp.fit(a, y))
    r = y - a @ omp.coef_
    gram, xty = a.T @ a, a.T @ ys
    orthogonal_mp_gram(gram, xty, n_nonzero_coefs=k)
    gmed, gbest = time_ms(lambda: orthogonal_mp_gram(gram, xty, n_nonzero_coefs=k))
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "?")
    print(
        f"scikit-learn {sklearn.__version__} (numpy {np.__version__}) OMP {a.shape[0]}x{a.shape[1]} "
        f"k={k}, BLAS threads {threads}: median {med:8.2f} ms, min {best:8.2f} ms "
        f"(|r|^2 = {r @ r:.4e}); orthogonal_mp_gram x{ys.shape[1]}: median {gmed:8.2f} ms, "
        f"min {gbest:8.2f} ms"
    )


def main():
    args = [a for a in sys.argv[1:] if a != "--child"]
    if "--child" in sys.argv:
        child(args)
        return
    for t in os.environ.get("CSTK_PEER_THREADS", "1 2").split():
        env = dict(os.environ)
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = t
        subprocess.run([sys.executable, __file__, "--child", *args], env=env, check=True)


if __name__ == "__main__":
    main()
