"""Times scikit-learn's ℓ1 `LogisticRegression` (saga and liblinear) on the problems of
benches/logistic.rs, and prints each fit's objective in scikit-learn's scaling so the
solutions can be compared with cstk's.

    python3 benches/peers/logistic_sklearn.py [reps] [DIR]

Problems:
    dense : X = DIR/lasso_X.npy (1000 × 5000 Gaussian, written by
            `python3 benches/peers/lasso_sklearn.py 1 --save DIR`), labels
            y_i = 1 if lasso_y_i > median(lasso_y) else 0 (lasso_y = DIR/lasso_y.npy, the
            noisy X w* of the lasso problem; 500 ones), C = 0.5 (~15 nonzeros).
            Without DIR the lasso problem of lasso_sklearn.py (seed 0) is drawn here.
    bc    : scikit-learn's breast-cancer data (569 × 30), StandardScaler'ed, C = 0.1.
            With DIR it is written to DIR/logistic_bc_X.npy and DIR/logistic_bc_y.npy
            (float64, labels 0/1) so that `CSTK_LASSO_DATA=DIR cargo bench --bench logistic`
            fits exactly the same data.

Cases per problem: `LogisticRegression(l1_ratio=1, C=C, solver=..., tol=..., max_iter=...)`
with solver "saga" (intercept not penalized) and "liblinear" (intercept_scaling=1: the
intercept is a penalized synthetic feature), each at tol 1e-4 (the default) and 1e-8.
`penalty="l1"` is deprecated in scikit-learn 1.9; `l1_ratio=1` alone selects the ℓ1 penalty.
saga's max_iter is capped at SAGA_MAX_ITER = 500 epochs on the dense problem (~40 ms per
epoch on a 2-core machine, so one fit stays under ~20 s; on lasso_sklearn.py's seed 0 saga
converges in 85 epochs at tol 1e-4 and 215 at 1e-8, ~3.5 s and ~9 s; should it stop at the
cap, the ConvergenceWarning is silenced here and n_iter = 500 and the objective say so);
10,000 for liblinear and for the breast-cancer problem.

Prints milliseconds (minimum and median of `reps` runs), iterations, nonzeros and the
objective in scikit-learn's scaling,

    C Σ_i log(1 + exp(−ỹ_i z_i)) + ‖w‖₁   (+ |b| / intercept_scaling for liblinear),

with ỹ = 2y − 1 and z = X w + b. cstk's objective (module docs of
crates/solvers/src/logistic.rs, with its 1/n) times n·C is this number; the bench prints it
that way.
"""

import sys
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from lasso_sklearn import problem, timeit  # noqa: E402  (the lasso bench's problem and timer)

DENSE_C, BC_C = 0.5, 0.1
SAGA_MAX_ITER = 500


def labels_from_lasso_y(y_lasso):
    """The dense problem's labels: 1 above the median of the lasso response, else 0."""
    return (y_lasso > np.median(y_lasso)).astype(np.float64)


def objective(m, X, y, C, liblinear):
    w = m.coef_.ravel()
    b = float(m.intercept_[0])
    z = X @ w + b
    loss = np.logaddexp(0.0, -(2.0 * y - 1.0) * z).sum()
    pen = np.abs(w).sum() + (abs(b) / m.intercept_scaling if liblinear else 0.0)
    return C * loss + pen


def run(name, X, y, C, reps, saga_max_iter):
    n, p = X.shape
    print(f"{name}: {n} x {p}, C = {C}, {int(y.sum())} positive labels")
    for solver in ("saga", "liblinear"):
        for tol in (1e-4, 1e-8):
            max_iter = saga_max_iter if solver == "saga" else 10_000

            def fit():
                return LogisticRegression(
                    l1_ratio=1, C=C, solver=solver, tol=tol, max_iter=max_iter
                ).fit(X, y)

            lo, med, m = timeit(fit, reps)
            obj = objective(m, X, y, C, solver == "liblinear")
            print(f"  sklearn {solver:9s} tol {tol:.0e}: min {lo:9.1f} ms  median {med:9.1f} ms"
                  f"  n_iter {int(np.max(m.n_iter_)):5d}  nnz {np.count_nonzero(m.coef_):3d}"
                  f"  objective {obj:.10e}")


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    out = sys.argv[2] if len(sys.argv) > 2 else None
    if out:
        X = np.load(f"{out}/lasso_X.npy")
        y_lasso = np.load(f"{out}/lasso_y.npy")
    else:
        X, y_lasso = problem(0)
    y = labels_from_lasso_y(y_lasso)

    bc = load_breast_cancer()
    Xb = StandardScaler().fit_transform(bc.data)
    yb = bc.target.astype(np.float64)
    if out:
        np.save(f"{out}/logistic_bc_X.npy", Xb)
        np.save(f"{out}/logistic_bc_y.npy", yb)

    warnings.simplefilter("ignore", ConvergenceWarning)
    run("dense", X, y, DENSE_C, reps, SAGA_MAX_ITER)
    run("breast_cancer", Xb, yb, BC_C, reps, 10_000)


if __name__ == "__main__":
    main()
