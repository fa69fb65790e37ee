"""Times scikit-learn's `LassoCV(cv=KFold(5))` (100 α, eps 1e-3, tol 1e-4, intercept — the
defaults) on the problem of benches/select.rs, sequential (`n_jobs=None`) and with one job
per core (`n_jobs=-1`).

    python3 benches/peers/lassocv_sklearn.py [reps] [DIR]

With DIR it reads DIR/lasso_X.npy and DIR/lasso_y.npy (written by
`python3 benches/peers/lasso_sklearn.py 1 --save DIR`; time cstk on the same files with
`CSTK_LASSO_DATA=DIR cargo bench --bench select`); otherwise it draws the problem of
benches/peers/lasso_sklearn.py (seed 0). Prints milliseconds (minimum and median).
"""

import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LassoCV
from sklearn.model_selection import KFold


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    if len(sys.argv) > 2:
        X = np.load(f"{sys.argv[2]}/lasso_X.npy")
        y = np.load(f"{sys.argv[2]}/lasso_y.npy")
    else:
        sys.path.insert(0, __file__.rsplit("/", 1)[0])
        from lasso_sklearn import problem

        X, y = problem(0)
    warnings.simplefilter("ignore", ConvergenceWarning)
    for jobs in (None, -1):
        ts, m = [], None
        for _ in range(reps):
            t0 = time.perf_counter()
            m = LassoCV(cv=KFold(5), n_jobs=jobs).fit(X, y)
            ts.append(time.perf_counter() - t0)
        ts.sort()
        nnz = int(np.count_nonzero(m.coef_))
        print(f"sklearn LassoCV 5 folds x 100 alphas n_jobs={jobs}: min {1e3 * ts[0]:9.1f} ms"
              f"  median {1e3 * ts[len(ts) // 2]:9.1f} ms  alpha {m.alpha_:.4e}  {nnz} nonzeros")


if __name__ == "__main__":
    main()
