"""Reference vectors for the sparse-X cases of crates/solvers/tests/cd_sparse.rs, made with
scikit-learn on a scipy.sparse matrix (versions recorded in the output). Writes
sparse_reference.json next to this script:

    python3 crates/solvers/tests/data/cd/make_sparse_reference.py

Problem: X = scipy.sparse.random(60, 150, density=0.1, random_state=0, format="csc") with
N(0, 1) values (NumPy default_rng(0) drives both the pattern and the values), then column 3
set to 5 + 0.3 N(0, 1) on every row (a column stored whole whose mean dominates its spread) and
columns 7 and 11 emptied; y = X w + 0.1 N(0, 1) noise + 2 (w 6-sparse, ±1, rng seed 1). Stored as CSC arrays
(indptr, indices, data). Fits use tol = 1e-12 and max_iter = 10**6 so that the solutions are the
exact minimizers (to ~1e-10): scikit-learn's `Lasso` / `ElasticNet` on the sparse X (its
`sparse_enet_coordinate_descent`, implicit centering), and `lasso_path` (no intercept).
"""

import json
import pathlib
import warnings

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Lasso, lasso_path

TIGHT = dict(tol=1e-12, max_iter=10**6)


def make_problem():
    rng = np.random.default_rng(0)
    n, p = 60, 150
    X = sp.random(n, p, density=0.1, random_state=rng, data_rvs=rng.standard_normal, format="csc")
    X = X.tolil()
    X[:, 3] = (5.0 + 0.3 * rng.standard_normal(n)).reshape(-1, 1)
    X[:, 7] = 0.0
    X[:, 11] = 0.0
    X = sp.csc_matrix(X)
    X.eliminate_zeros()
    X.sort_indices()
    r1 = np.random.default_rng(1)
    w = np.zeros(p)
    w[r1.choice(p, 6, replace=False)] = r1.choice([-1.0, 1.0], 6)
    y = X @ w + 0.1 * r1.standard_normal(n) + 2.0
    return X, y


def alpha_max(X, y, l1_ratio=1.0, center=True):
    Xd = X.toarray()
    if center:
        Xd, y = Xd - Xd.mean(axis=0), y - y.mean()
    return float(np.max(np.abs(Xd.T @ y)) / (len(y) * l1_ratio))


def main():
    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y = make_problem()
    amax = alpha_max(X, y)
    out = {
        "sklearn_version": sklearn.__version__,
        "scipy_version": scipy.__version__,
        "n": X.shape[0],
        "p": X.shape[1],
        "indptr": X.indptr.tolist(),
        "indices": X.indices.tolist(),
        "data": X.data.tolist(),
        "y": y.tolist(),
        "alpha_max": amax,
        "alpha_max_nointercept": alpha_max(X, y, center=False),
    }
    fits = []
    for kind, alpha, l1_ratio, fit_intercept in [
        ("lasso", amax / 10, 1.0, True),
        ("lasso", amax / 50, 1.0, False),
        ("enet", amax / 20, 0.5, True),
    ]:
        if kind == "lasso":
            m = Lasso(alpha=alpha, fit_intercept=fit_intercept, **TIGHT)
        else:
            m = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept, **TIGHT)
        m.fit(X, y)
        fits.append(
            dict(
                kind=kind,
                alpha=alpha,
                l1_ratio=l1_ratio,
                fit_intercept=fit_intercept,
                coef=m.coef_.tolist(),
                intercept=float(m.intercept_),
                dual_gap=float(m.dual_gap_),
            )
        )
    out["fits"] = fits
    alphas, coefs, _ = lasso_path(X, y, alphas=20, eps=1e-2, **TIGHT)
    out["lasso_path"] = dict(alphas=alphas.tolist(), coefs=coefs.T.tolist(), n_alphas=20, eps=1e-2)
    path = pathlib.Path(__file__).with_name("sparse_reference.json")
    path.write_text(json.dumps(out))
    print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
