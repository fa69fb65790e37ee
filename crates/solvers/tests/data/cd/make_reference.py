"""Reference vectors for crates/solvers/tests/cd.rs, made with scikit-learn (version recorded
in the output). Writes reference.json next to this script:

    python3 crates/solvers/tests/data/cd/make_reference.py

Problems: scikit-learn's diabetes data (442 × 10, as shipped: scaled columns) and a random
p > n problem (50 × 200, NumPy seed 0, N(0, 1/50) entries, 8-sparse ±1 truth, noise σ = 0.05).
Cases use tol = 1e-12 and max_iter = 10**6 so that the solutions are the exact minimizers
(to ~1e-10), except the `default_tol` cases, which use scikit-learn's defaults and are
compared with cstk's `working_sets: false` (the same iteration).
"""

import json
import pathlib
import warnings

import numpy as np
import sklearn
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Lasso, enet_path, lasso_path

TIGHT = dict(tol=1e-12, max_iter=10**6)


def alpha_max(X, y, l1_ratio=1.0, center=True):
    if center:
        X, y = X - X.mean(axis=0), y - y.mean()
    return float(np.max(np.abs(X.T @ y)) / (len(y) * l1_ratio))


def problem_cases(name, X, y):
    out = {"X_colmajor": X.T.ravel().tolist(), "n": X.shape[0], "p": X.shape[1], "y": y.tolist()}
    amax = alpha_max(X, y)
    out["alpha_max"] = amax
    out["alpha_max_nointercept"] = alpha_max(X, y, center=False)
    fits = []
    for kind, alpha, l1_ratio, fit_intercept, extra in [
        ("lasso", amax / 10, 1.0, True, TIGHT),
        ("lasso", amax / 100, 1.0, False, TIGHT),
        ("enet", amax / 20, 0.5, True, TIGHT),
        ("enet", amax / 5, 0.2, False, TIGHT),
        ("lasso", amax / 10, 1.0, True, {}),
        ("enet", amax / 20, 0.5, True, {}),
    ]:
        m = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept, **extra)
        m.fit(X, y)
        fits.append(
            dict(
                kind=kind,
                alpha=alpha,
                l1_ratio=l1_ratio,
                fit_intercept=fit_intercept,
                default_tol=not extra,
                coef=m.coef_.tolist(),
                intercept=float(m.intercept_),
                dual_gap=float(m.dual_gap_),
                n_iter=int(m.n_iter_),
            )
        )
    out["fits"] = fits
    alphas, coefs, gaps = lasso_path(X, y, alphas=30, eps=1e-3, **TIGHT)
    out["lasso_path"] = dict(alphas=alphas.tolist(), coefs=coefs.T.tolist(), n_alphas=30, eps=1e-3)
    alphas, coefs, gaps = enet_path(X, y, l1_ratio=0.7, alphas=10, eps=1e-2, **TIGHT)
    out["enet_path"] = dict(
        alphas=alphas.tolist(), coefs=coefs.T.tolist(), n_alphas=10, eps=1e-2, l1_ratio=0.7
    )
    return out


def main():
    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y = load_diabetes(return_X_y=True)
    rng = np.random.default_rng(0)
    n, p = 50, 200
    R = rng.standard_normal((n, p)) / np.sqrt(n)
    w = np.zeros(p)
    w[rng.choice(p, 8, replace=False)] = rng.choice([-1.0, 1.0], 8)
    yr = R @ w + 0.05 * rng.standard_normal(n)
    ref = {
        "sklearn_version": sklearn.__version__,
        "diabetes": problem_cases("diabetes", X, y),
        "random": problem_cases("random", R, yr),
    }
    path = pathlib.Path(__file__).with_name("reference.json")
    path.write_text(json.dumps(ref))
    print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
