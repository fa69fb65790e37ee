"""Reference values for crates/ml/tests/*.rs, made with scikit-learn (version recorded in the
output). Writes reference.json and synthetic_X.npy next to this script:

    python3 crates/ml/tests/data/make_reference.py

Cases (all with cv=KFold(5) — contiguous folds, which cstk's `Folds::kfold(5)` reproduces —
except `diabetes_shuffled`, whose shuffled test sets are stored and passed explicitly):
  diabetes_tight      LassoCV(tol=1e-12) on the diabetes data as shipped (scaled columns)
  diabetes_default    LassoCV() with scikit-learn's defaults (tol=1e-4)
  diabetes_raw_std    make_pipeline(StandardScaler(), LassoCV(tol=1e-12)) on load_diabetes(scaled=False)
  diabetes_enet       ElasticNetCV(l1_ratio=[0.1, 0.5, 0.9, 1.0], tol=1e-12)
  diabetes_shuffled   LassoCV(cv=KFold(5, shuffle=True, random_state=0), tol=1e-12)
  synthetic           LassoCV(tol=1e-12) on a p >> n problem (60 x 500, NumPy seed 0, Gaussian X,
                      8-sparse truth with |w| in [1, 2], noise sigma = 0.1); X in synthetic_X.npy
  sparse              LassoCV(tol=1e-12) on a scipy.sparse CSR matrix (120 x 80, density 0.1, seed 1)
  diabetes_raw_default  LassoCV() on load_diabetes(scaled=False) (data/diabetes.csv; the CLI tests)
  diabetes_raw_lasso  Lasso(alpha=0.5, tol=1e-12) on the same data (`cstk select --alpha 0.5`)
  stratified          StratifiedKFold(k).split test sets for a few label vectors
"""

import json
import pathlib

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.datasets import load_diabetes
from sklearn.linear_model import ElasticNetCV, Lasso, LassoCV
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

HERE = pathlib.Path(__file__).parent
TIGHT = dict(tol=1e-12, max_iter=100000)


def summary(m, extra=None):
    out = dict(
        alpha=float(m.alpha_),
        alphas=np.asarray(m.alphas_).tolist(),
        mse_path=np.asarray(m.mse_path_).tolist(),
        coef=m.coef_.tolist(),
        intercept=float(m.intercept_),
    )
    if hasattr(m, "l1_ratio_"):
        out["l1_ratio"] = float(m.l1_ratio_)
    out.update(extra or {})
    return out


def main():
    X, y = load_diabetes(return_X_y=True)
    Xraw, yraw = load_diabetes(return_X_y=True, scaled=False)
    kf = KFold(5)
    ref = {"sklearn": sklearn.__version__}
    ref["diabetes"] = dict(n=X.shape[0], p=X.shape[1], X_colmajor=X.T.ravel().tolist(), y=y.tolist())
    ref["diabetes_raw"] = dict(X_colmajor=Xraw.T.ravel().tolist(), y=yraw.tolist())
    ref["diabetes_tight"] = summary(LassoCV(cv=kf, **TIGHT).fit(X, y))
    ref["diabetes_default"] = summary(LassoCV(cv=kf).fit(X, y))
    pipe = make_pipeline(StandardScaler(), LassoCV(cv=kf, **TIGHT)).fit(Xraw, yraw)
    sc, m = pipe[0], pipe[1]
    ref["diabetes_raw_std"] = summary(
        m, dict(mean=sc.mean_.tolist(), scale=sc.scale_.tolist(),
                coef_original=(m.coef_ / sc.scale_).tolist(),
                intercept_original=float(m.intercept_ - (m.coef_ / sc.scale_) @ sc.mean_)))
    ref["diabetes_enet"] = summary(ElasticNetCV(l1_ratio=[0.1, 0.5, 0.9, 1.0], cv=kf, **TIGHT).fit(X, y))
    ks = KFold(5, shuffle=True, random_state=0)
    tests = [t.tolist() for _, t in ks.split(X)]
    ref["diabetes_shuffled"] = summary(LassoCV(cv=ks, **TIGHT).fit(X, y), dict(test_sets=tests))

    rng = np.random.default_rng(0)
    n, p, k = 60, 500, 8
    Xs = rng.standard_normal((n, p))
    support = np.sort(rng.choice(p, k, replace=False))
    w = np.zeros(p)
    w[support] = rng.choice([-1.0, 1.0], k) * rng.uniform(1.0, 2.0, k)
    ys = Xs @ w + 0.1 * rng.standard_normal(n)
    np.save(HERE / "synthetic_X.npy", Xs)
    ref["synthetic"] = summary(LassoCV(cv=kf, **TIGHT).fit(Xs, ys),
                               dict(y=ys.tolist(), support=support.tolist(), w_true=w.tolist()))

    A = sp.random(120, 80, density=0.1, format="csr", random_state=1)
    beta = np.zeros(80)
    beta[[3, 17, 40, 66]] = [2.0, -1.5, 1.0, 3.0]
    yA = A @ beta + 0.05 * np.random.default_rng(1).standard_normal(120) + 1.0
    ref["sparse"] = summary(LassoCV(cv=kf, **TIGHT).fit(A, yA), dict(
        n=120, p=80, indptr=A.indptr.tolist(), indices=A.indices.tolist(), data=A.data.tolist(),
        y=yA.tolist()))
    ref["diabetes_raw_default"] = summary(LassoCV(cv=kf).fit(Xraw, yraw))
    m = Lasso(alpha=0.5, tol=1e-12, max_iter=100000).fit(Xraw, yraw)
    ref["diabetes_raw_lasso"] = dict(alpha=0.5, coef=m.coef_.tolist(), intercept=float(m.intercept_))
    strat = []
    r2 = np.random.default_rng(2)
    for labels, k in [
        ((yraw > 140).astype(float), 5),
        (r2.integers(0, 3, 50).astype(float), 3),
        (np.r_[np.zeros(7), np.ones(23)], 4),
        (r2.choice([-1.0, 3.0], 41, p=[0.3, 0.7]), 5),
    ]:
        sets = [t.tolist() for _, t in StratifiedKFold(k).split(np.zeros((len(labels), 1)), labels)]
        strat.append(dict(y=labels.tolist(), k=k, test_sets=sets))
    ref["stratified"] = strat
    (HERE / "reference.json").write_text(json.dumps(ref))


if __name__ == "__main__":
    main()
