"""Reference vectors for crates/solvers/tests/omp.rs: scikit-learn's OMP on a shared problem.

    python3 make_omp_reference.py      # writes the .npy files next to this script

Problem: A is 60 x 200 with i.i.d. N(0, 1/60) entries, x is 8-sparse with N(0, 1) values,
y = A x + 0.05 * N(0, 1) noise, all from numpy.random.default_rng(20240611). Files:

    a.npy              A (float64, 60 x 200, C order)
    y.npy              y (float64, 60)
    x_true.npy         the 8-sparse truth (float64, 200)
    coef_k8.npy        OrthogonalMatchingPursuit(n_nonzero_coefs=8, fit_intercept=False).coef_
    coef_tol.npy       OrthogonalMatchingPursuit(tol=0.5, fit_intercept=False).coef_
    coef_gram_k8.npy   orthogonal_mp_gram(A.T A, A.T Y, n_nonzero_coefs=8) for Y = [y, 2 y - A[:, 7]]
                       (float64, 200 x 2)

Made with the scikit-learn and NumPy versions printed by the script (1.9.1 / 2.4.6 here).
"""

import os

import numpy as np
import sklearn
from sklearn.linear_model import OrthogonalMatchingPursuit, orthogonal_mp_gram

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    rng = np.random.default_rng(20240611)
    m, n, k = 60, 200, 8
    a = rng.standard_normal((m, n)) / np.sqrt(m)
    x = np.zeros(n)
    support = np.sort(rng.choice(n, k, replace=False))
    x[support] = rng.standard_normal(k)
    y = a @ x + 0.05 * rng.standard_normal(m)

    coef_k8 = OrthogonalMatchingPursuit(n_nonzero_coefs=k, fit_intercept=False).fit(a, y).coef_
    coef_tol = OrthogonalMatchingPursuit(tol=0.5, fit_intercept=False).fit(a, y).coef_
    ys = np.stack([y, 2.0 * y - a[:, 7]], axis=1)
    coef_gram = orthogonal_mp_gram(a.T @ a, a.T @ ys, n_nonzero_coefs=k)

    for name, arr in [
        ("a", a),
        ("y", y),
        ("x_true", x),
        ("coef_k8", coef_k8),
        ("coef_tol", coef_tol),
        ("coef_gram_k8", coef_gram),
    ]:
        np.save(os.path.join(HERE, f"{name}.npy"), np.ascontiguousarray(arr, dtype=np.float64))
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}")
    print("true support   ", support.tolist())
    print("k8 support     ", np.flatnonzero(coef_k8).tolist())
    print("tol support    ", np.flatnonzero(coef_tol).tolist())
    print("gram supports  ", [np.flatnonzero(c).tolist() for c in coef_gram.T])


if __name__ == "__main__":
    main()
