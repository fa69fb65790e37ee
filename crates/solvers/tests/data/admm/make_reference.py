"""Reference basis-pursuit solutions for tests/admm.rs, by linear programming (HiGHS).

One Gaussian 40 x 100 sensing matrix A (entries N(0, 1/m)) and three right-hand sides:

* ``signed_k8``: y = A x with an 8-sparse signed x; basis pursuit recovers x.
* ``signed_k25``: a 25-sparse signed x; basis pursuit does NOT recover it (the minimizer
  of ||x||_1 subject to Ax = y is another, sparser-in-l1 vector).
* ``nonneg_k17``: a 17-sparse nonnegative x; signed basis pursuit fails, nonnegative basis
  pursuit (min 1'x s.t. Ax = y, x >= 0) recovers it.

The LPs: signed BP as x = p - q, p, q >= 0, min 1'p + 1'q; nonnegative BP directly.
HiGHS's vertex is then polished to full precision: x_S = lstsq(A_S, y) on its support S,
and the optimality certificate is checked (HiGHS's dual nu, corrected so that A_S' nu = sign(x_S),
and |A' nu| <= 1 off S, resp. A' nu <= 1), so the stored optima are exact to rounding.

Run: python3 make_reference.py  (writes reference.json beside this file)
"""

import json
import pathlib

import numpy as np
from scipy.optimize import linprog

M, N = 40, 100


def bp(a, y, nonnegative):
    m, n = a.shape
    if nonnegative:
        res = linprog(np.ones(n), A_eq=a, b_eq=y, bounds=(0, None), method="highs",
                      options={"primal_feasibility_tolerance": 1e-10,
                               "dual_feasibility_tolerance": 1e-10})
        assert res.status == 0, res.message
        x = res.x
    else:
        res = linprog(np.ones(2 * n), A_eq=np.hstack([a, -a]), b_eq=y, bounds=(0, None),
                      method="highs",
                      options={"primal_feasibility_tolerance": 1e-10,
                               "dual_feasibility_tolerance": 1e-10})
        assert res.status == 0, res.message
        x = res.x[:n] - res.x[n:]
    lp_objective = res.fun
    # polish on the support and verify the optimality certificate
    s = np.flatnonzero(np.abs(x) > 1e-7 * np.abs(x).max())
    assert len(s) <= m
    xs = np.linalg.lstsq(a[:, s], y, rcond=None)[0]
    x = np.zeros(n)
    x[s] = xs
    assert np.linalg.norm(a @ x - y) <= 1e-12 * np.linalg.norm(y)
    sgn = np.ones(len(s)) if nonnegative else np.sign(xs)
    if nonnegative:
        assert (xs > 0).all()
    # HiGHS's dual (the sensitivities of the optimum to y), corrected minimally so that
    # A_S' nu = sign(x_S) holds exactly
    nu = res.eqlin.marginals
    nu = nu + np.linalg.lstsq(a[:, s].T, sgn - a[:, s].T @ nu, rcond=None)[0]
    g = a.T @ nu
    off = np.setdiff1d(np.arange(n), s)
    assert np.abs(g[s] - sgn).max() < 1e-12
    worst = g[off].max() if nonnegative else np.abs(g[off]).max()
    assert worst <= 1 + 1e-12, worst
    objective = float(np.abs(x).sum())
    assert abs(objective - lp_objective) <= 1e-7 * objective
    assert abs(objective - nu @ y) <= 1e-12 * objective
    return x, objective


def main():
    rng = np.random.default_rng(20240611)
    a = rng.standard_normal((M, N)) / np.sqrt(M)
    problems = []
    for name, k, nonneg, want_signed_ok in [
        ("signed_k8", 8, False, True),
        ("signed_k25", 25, False, False),
        ("nonneg_k17", 17, True, False),
    ]:
        # draw until the case shows the wanted behaviour
        for _ in range(100):
            x0 = np.zeros(N)
            s = rng.choice(N, k, replace=False)
            v = rng.standard_normal(k)
            x0[s] = np.abs(v) + 0.1 if nonneg else v + 0.1 * np.sign(v)
            y = a @ x0
            x_bp, obj = bp(a, y, False)
            signed_ok = np.linalg.norm(x_bp - x0) <= 1e-8 * np.linalg.norm(x0)
            if signed_ok != want_signed_ok:
                continue
            p = {"name": name, "k": k, "x_true": x0.tolist(), "y": y.tolist(),
                 "x_bp": x_bp.tolist(), "objective_bp": obj}
            if nonneg:
                x_nn, obj_nn = bp(a, y, True)
                if np.linalg.norm(x_nn - x0) > 1e-8 * np.linalg.norm(x0):
                    continue
                p["x_nonneg"] = x_nn.tolist()
                p["objective_nonneg"] = obj_nn
            problems.append(p)
            break
        else:
            raise SystemExit(f"no draw for {name}")
    out = {"m": M, "n": N, "a_row_major": a.ravel().tolist(), "problems": problems}
    path = pathlib.Path(__file__).with_name("reference.json")
    path.write_text(json.dumps(out))
    for p in problems:
        print(p["name"], p["objective_bp"], p.get("objective_nonneg"))


if __name__ == "__main__":
    main()
