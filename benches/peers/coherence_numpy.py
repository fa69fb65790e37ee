"""Times NumPy's mutual coherence on the problem of benches/coherence.rs: a 512 x 2048
float64 matrix with entries uniform in [-1, 1), by

    A = A / np.linalg.norm(A, axis=0)   # normalize columns
    G = A.T @ A                         # Gram matrix (BLAS; NumPy uses syrk for A.T @ A)
    np.fill_diagonal(G, 0)
    mu = np.abs(G).max()

    python3 benches/peers/coherence_numpy.py [m n]

Prints the median and minimum of 20 runs in ms, for the BLAS thread counts in
CSTK_PEER_THREADS (default "1 2"): each count runs in a fresh interpreter with
OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS set, since BLAS reads them at load.
Also prints the time of the product `A.T @ A` alone, and checks the coherence against a
plain loop over column blocks.
"""

import os
import subprocess
import sys
import timeit

import numpy as np


def coherence(a):
    a = a / np.linalg.norm(a, axis=0)
    g = a.T @ a
    np.fill_diagonal(g, 0.0)
    return np.abs(g).max()


def coherence_blocks(a, bs=256):
    a = a / np.linalg.norm(a, axis=0)
    n = a.shape[1]
    best = 0.0
    for i in range(0, n, bs):
        g = a[:, i : i + bs].T @ a[:, i:]
        for q in range(g.shape[0]):
            g[q, : q + 1] = 0.0
        best = max(best, np.abs(g).max())
    return best


def time_ms(f, repeat=20):
    runs = sorted(t * 1e3 for t in timeit.repeat(f, number=1, repeat=repeat))
    return runs[len(runs) // 2], runs[0]


def child(m, n):
    a = np.random.default_rng(42).uniform(-1.0, 1.0, (m, n))
    a = np.asfortranarray(a)  # column-major like nalgebra (NumPy's syrk path takes either)
    mu = coherence(a)
    assert abs(mu - coherence_blocks(a)) < 1e-12
    f(a)  # warm up
    med, best = time_ms(lambda: coherence(a))
    an = a / np.linalg.norm(a, axis=0)
    gmed, gbest = time_ms(lambda: an.T @ an)
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "?")
    print(
        f"numpy {np.__version__} coherence {m}x{n}, BLAS threads {threads}: "
        f"median {med:8.2f} ms, min {best:8.2f} ms (A.T @ A alone: median {gmed:8.2f} ms, "
        f"min {gbest:8.2f} ms); mu = {mu:.6f}"
    )


def f(a):
    return coherence(a)


def main():
    args = [a for a in sys.argv[1:] if a != "--child"]
    m, n = (int(args[0]), int(args[1])) if len(args) == 2 else (512, 2048)
    if "--child" in sys.argv:
        child(m, n)
        return
    for t in os.environ.get("CSTK_PEER_THREADS", "1 2").split():
        env = dict(os.environ)
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = t
        subprocess.run([sys.executable, __file__, "--child", str(m), str(n)], env=env, check=True)


if __name__ == "__main__":
    main()
