"""Reference solutions for crates/solvers/tests/logistic.rs, made with scikit-learn
(version recorded in the output). Writes reference.json next to this script:

    python3 crates/solvers/tests/data/logistic/make_reference.py

scikit-learn's L1 logistic regression, labels y in {0, 1} (ỹ = 2y − 1):

* saga:      min_{w,b} C Σ_i log(1 + exp(−ỹ_i (x_iᵀw + b))) + ‖w‖₁          (b free)
* liblinear: min_{w,v} C Σ_i log(1 + exp(−ỹ_i (x_iᵀw + s v))) + ‖w‖₁ + |v|,  b = s v
             (s = intercept_scaling: the intercept is a penalized synthetic feature)

Every case stores `objective` in that scaling, computed here. cstk's scaling is
(1/n) Σ log-loss + α‖w‖₁ with α = 1/(n C), i.e. cstk's objective · n C = scikit-learn's.

Matrices are stored row-major (`X_rowmajor`, n × p) rounded to 4 decimals — the rounded
values *are* the data scikit-learn was fitted on. The sparse problem is CSR (indptr,
indices, data). Solvers run with tol = 1e-10 and a large max_iter; the script checks the KKT
conditions of every stored solution (scaled by 1/C: max violation ≤ 1e-5 printed and
asserted) so that the references are minimizers, not merely what a solver returned.
"""

import json
import pathlib
import warnings

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

warnings.simplefilter("ignore", ConvergenceWarning)


def softplus(t):
    return np.logaddexp(0.0, t)


def objective(X, y, C, coef, intercept, penalized_scale=None):
    z = X @ coef + intercept
    yt = 2.0 * y - 1.0
    obj = C * np.sum(softplus(-yt * z)) + np.sum(np.abs(coef))
    if penalized_scale is not None:
        obj += abs(intercept) / penalized_scale
    return float(obj)


def kkt(X, y, C, coef, intercept, penalized_scale=None):
    """Max violation of the optimality conditions, in units of the ℓ1 weight (1)."""
    z = X @ coef + intercept
    p = 1.0 / (1.0 + np.exp(-z))
    g = C * (X.T @ (p - y))
    g = np.asarray(g).ravel()
    viol = np.where(coef != 0, np.abs(g + np.sign(coef)), np.maximum(np.abs(g) - 1.0, 0.0))
    gb = C * np.sum(p - y)
    if penalized_scale is None:
        vb = abs(gb)
    else:
        v = intercept / penalized_scale
        gv = gb * penalized_scale
        vb = abs(gv + np.sign(v)) if v != 0 else max(abs(gv) - 1.0, 0.0)
    return float(max(viol.max(), vb))


def fit(X, y, C, solver, scale=1.0):
    kw = dict(l1_ratio=1.0, C=C, solver=solver, tol=1e-10, max_iter=200000)
    if solver == "liblinear":
        kw["intercept_scaling"] = scale
    m = LogisticRegression(**kw).fit(X, y)
    return m.coef_.ravel(), float(m.intercept_[0])


def case(name, X, y, C, solver, scale=None):
    coef, b = fit(X, y, C, solver, scale or 1.0)
    ps = scale if solver == "liblinear" else None
    v = kkt(X, y, C, coef, b, ps)
    obj = objective(X, y, C, coef, b, ps)
    print(f"{name:28s} C={C:<8g} nnz={np.count_nonzero(coef):3d} obj={obj:.12g} kkt={v:.2e}")
    assert v < 1e-5, (name, v)
    out = {"name": name, "C": C, "solver": solver, "coef": coef.tolist(), "intercept": b,
           "objective": obj}
    if scale is not None:
        out["intercept_scaling"] = scale
    return out


def dense(X):
    return {"n": X.shape[0], "p": X.shape[1], "X_rowmajor": X.ravel().tolist()}


def main():
    out = {"sklearn_version": sklearn.__version__, "problems": []}

    # (a) breast cancer, standardized, rounded.
    X, y = load_breast_cancer(return_X_y=True)
    X = np.round((X - X.mean(0)) / X.std(0), 4)
    y = y.astype(float)
    prob = {"name": "breast_cancer", **dense(X), "y": y.tolist(), "cases": []}
    for C in [0.01, 0.1, 1.0]:
        prob["cases"].append(case("breast_cancer/saga", X, y, C, "saga"))
    prob["cases"].append(case("breast_cancer/liblinear", X, y, 0.1, "liblinear", 1.0))
    out["problems"].append(prob)

    # (b) synthetic p > n, sparse truth; (c) the same with liblinear.
    rng = np.random.default_rng(0)
    n, p = 60, 150
    X = np.round(rng.standard_normal((n, p)), 4)
    w = np.zeros(p)
    w[rng.choice(p, 6, replace=False)] = rng.choice([-2.0, 2.0], 6)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(X @ w + 0.3)))).astype(float)
    prob = {"name": "synthetic", **dense(X), "y": y.tolist(), "cases": []}
    for C in [0.2, 1.0]:
        prob["cases"].append(case("synthetic/saga", X, y, C, "saga"))
    for s in [1.0, 10.0]:
        prob["cases"].append(case("synthetic/liblinear", X, y, 0.5, "liblinear", s))
    out["problems"].append(prob)

    # (d) scipy.sparse CSR.
    n, p = 120, 300
    A = sp.random(n, p, density=0.05, random_state=np.random.RandomState(1), format="csr")
    A.data = np.round(np.random.RandomState(2).standard_normal(A.nnz), 4)
    w = np.zeros(p)
    w[:5] = [3.0, -3.0, 2.0, -2.0, 2.5]
    y = (np.random.RandomState(3).random(n) < 1.0 / (1.0 + np.exp(-(A @ w)))).astype(float)
    prob = {"name": "sparse_csr", "n": n, "p": p, "indptr": A.indptr.tolist(),
            "indices": A.indices.tolist(), "data": A.data.tolist(), "y": y.tolist(), "cases": []}
    prob["cases"].append(case("sparse_csr/saga", A, y, 1.0, "saga"))
    prob["cases"].append(case("sparse_csr/liblinear", A, y, 1.0, "liblinear", 1.0))
    out["problems"].append(prob)

    path = pathlib.Path(__file__).with_name("reference.json")
    path.write_text(json.dumps(out, separators=(",", ":")))
    print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
