"""Reference values for crates/measure/tests/phase_theory.rs, computed with scipy.

Run from this directory:  python3 reference.py > reference.json

Independent of the Rust code: the real classes maximise the Donoho-Maleki-Montanari
(PNAS 2009) formula directly with scipy.optimize.minimize_scalar (no stationarity
equation, no continued fractions), using scipy.stats.norm; the complex class solves
M(eps) = delta with scipy.optimize.brentq, M from minimize_scalar over tau with the
closed-form risk exp(-tau^2) - tau sqrt(pi) erfc(tau).
"""
import json

import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.special import erfc
from scipy.stats import norm

KAPPA = {"signed": 2.0, "nonnegative": 1.0}


def g(z):
    return (1.0 + z * z) * norm.sf(z) - z * norm.pdf(z)


def r0(tau, cls):
    if cls == "complex":
        return np.exp(-tau * tau) - tau * np.sqrt(np.pi) * erfc(tau)
    return KAPPA[cls] * g(tau)


def dmm_rho(delta, cls):
    k = KAPPA[cls]
    f = lambda z: -(1.0 - k / delta * g(z)) / (1.0 + z * z - k * g(z))
    hi = np.sqrt(2.0 * np.log(1.0 / delta)) + 3.0
    # coarse grid, then a bounded Brent search around the best grid point
    zs = np.linspace(1e-6, hi, 2001)
    i = int(np.argmin([f(z) for z in zs]))
    lo_b, hi_b = zs[max(i - 1, 0)], zs[min(i + 1, len(zs) - 1)]
    r = minimize_scalar(f, bounds=(lo_b, hi_b), method="bounded", options={"xatol": 1e-13})
    return -r.fun


def minimax(eps, cls):
    f = lambda t: eps * (1.0 + t * t) + (1.0 - eps) * r0(t, cls)
    hi = np.sqrt(2.0 * np.log(1.0 / eps)) + 3.0
    ts = np.linspace(0.0, hi, 2001)
    i = int(np.argmin([f(t) for t in ts]))
    r = minimize_scalar(
        f,
        bounds=(ts[max(i - 1, 0)], ts[min(i + 1, len(ts) - 1)]),
        method="bounded",
        options={"xatol": 1e-13},
    )
    return r.fun, r.x


def complex_rho(delta):
    eps = brentq(lambda e: minimax(e, "complex")[0] - delta, 1e-300, delta, xtol=1e-16, rtol=1e-15)
    return eps / delta


deltas = [1e-4, 1e-3, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5,
          0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99]
epsilons = [1e-4, 1e-3, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.99]
out = {"weak_threshold": [], "minimax_risk": []}
for cls in ["signed", "nonnegative", "complex"]:
    for d in deltas:
        rho = complex_rho(d) if cls == "complex" else dmm_rho(d, cls)
        out["weak_threshold"].append({"class": cls, "delta": d, "rho": float(rho)})
    for e in epsilons:
        m, tau = minimax(e, cls)
        out["minimax_risk"].append({"class": cls, "epsilon": e, "m": float(m), "tau": float(tau)})
print(json.dumps(out, indent=1))
