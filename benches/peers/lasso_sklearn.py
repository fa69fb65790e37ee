"""Times scikit-learn's `lasso_path` and `Lasso`, and celer's `Lasso`, on the problem of
benches/lasso.rs (the same distribution, generated here with NumPy — the bench and this
script do not share files):

    X  : 1000 × 5000, i.i.d. N(0, 1/n) entries (cstk's Gaussian ensemble scaling)
    w* : 50-sparse, support drawn uniformly, ±1 amplitudes
    y  = X w* + white noise at 20 dB SNR

Cases (no intercept for the path, as `sklearn.linear_model.lasso_path`; intercept on for the
single α, as the `Lasso` defaults):
    lasso_path      : 100 α on the log grid α_max · [1, 1e-3], tol 1e-4 (sklearn defaults)
    Lasso sklearn   : α = α_max / 20 (gives ~50–100 nonzeros), tol 1e-6
    Lasso celer     : the same α and tol

Prints milliseconds (minimum and median of `reps` runs) and the number of nonzeros.

    python3 benches/peers/lasso_sklearn.py [reps] [--save DIR] [--seed S]

With `--save DIR` it also writes DIR/lasso_X.npy and DIR/lasso_y.npy; running the bench with
`CSTK_LASSO_DATA=DIR cargo bench --bench lasso` then times cstk on exactly the same data.
`--seed S` (default 0) draws another problem of the same distribution (to compare across
draws, not just on one).
"""

import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, lasso_path

N_SAMPLES, N_FEATURES, SPARSITY, SNR_DB, ALPHA_DIV = 1000, 5000, 50, 20.0, 20.0


def problem(seed=0):
    rng = np.random.default_rng(seed)
    X = np.asfortranarray(rng.standard_normal((N_SAMPLES, N_FEATURES)) / np.sqrt(N_SAMPLES))
    w = np.zeros(N_FEATURES)
    w[rng.choice(N_FEATURES, SPARSITY, replace=False)] = rng.choice([-1.0, 1.0], SPARSITY)
    clean = X @ w
    noise = rng.standard_normal(N_SAMPLES)
    noise *= np.linalg.norm(clean) * 10 ** (-SNR_DB / 20) / np.linalg.norm(noise)
    return X, clean + noise


def timeit(f, reps):
    ts, out = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return 1e3 * ts[0], 1e3 * ts[len(ts) // 2], out


def main():
    args = [a for a in sys.argv[1:]]
    save, seed = None, 0
    if "--save" in args:
        i = args.index("--save")
        save = args[i + 1]
        del args[i : i + 2]
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i : i + 2]
    reps = int(args[0]) if args else 5
    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y = problem(seed)
    if save:
        np.save(f"{save}/lasso_X.npy", X)
        np.save(f"{save}/lasso_y.npy", y)
    yc = y - y.mean()
    Xc = X - X.mean(axis=0)
    alpha = np.max(np.abs(Xc.T @ yc)) / N_SAMPLES / ALPHA_DIV

    lo, med, out = timeit(lambda: lasso_path(X, y, alphas=100, eps=1e-3, tol=1e-4), reps)
    print(f"sklearn lasso_path 100 alphas : min {lo:9.2f} ms  median {med:9.2f} ms")

    lo, med, m = timeit(lambda: Lasso(alpha=alpha, tol=1e-6, max_iter=100000).fit(X, y), reps)
    print(f"sklearn Lasso tol 1e-6        : min {lo:9.2f} ms  median {med:9.2f} ms"
          f"  nnz {np.count_nonzero(m.coef_)}")
    try:
        from celer import Lasso as CelerLasso
    except ImportError:
        print("celer not installed")
        return
    lo, med, m = timeit(lambda: CelerLasso(alpha=alpha, tol=1e-6).fit(X, y), reps)
    print(f"celer Lasso tol 1e-6          : min {lo:9.2f} ms  median {med:9.2f} ms"
          f"  nnz {np.count_nonzero(m.coef_)}")


if __name__ == "__main__":
    main()
