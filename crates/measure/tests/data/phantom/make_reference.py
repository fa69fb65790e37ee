"""Reference modified Shepp-Logan phantoms for `cstk_measure::phantom::shepp_logan`.

Run from this directory:  python3 make_reference.py
Writes shepp_logan_{16,64,100}.npy (float64, C order, n x n, row 0 at the top).

An independent, vectorized numpy implementation of MATLAB's
phantom('Modified Shepp-Logan', n) (Toft 1996 intensities):

    xax = ((0:n-1) - (n-1)/2) / ((n-1)/2);  xg = repmat(xax, n, 1);  yg = rot90(xg);
    p(idx) += A  where  ((x cos phi + y sin phi)^2 / a^2 + (y cos phi - x sin phi)^2 / b^2 <= 1)

followed by clipping to [0, 1] (only removes the -3e-17 rounding residue of 1 - 0.8 - 0.2).
"""

import math

import numpy as np

# A, a, b, x0, y0, phi (degrees)
TOFT = [
    (1.0, 0.69, 0.92, 0.0, 0.0, 0.0),
    (-0.8, 0.6624, 0.8740, 0.0, -0.0184, 0.0),
    (-0.2, 0.1100, 0.3100, 0.22, 0.0, -18.0),
    (-0.2, 0.1600, 0.4100, -0.22, 0.0, 18.0),
    (0.1, 0.2100, 0.2500, 0.0, 0.35, 0.0),
    (0.1, 0.0460, 0.0460, 0.0, 0.1, 0.0),
    (0.1, 0.0460, 0.0460, 0.0, -0.1, 0.0),
    (0.1, 0.0460, 0.0230, -0.08, -0.605, 0.0),
    (0.1, 0.0230, 0.0230, 0.0, -0.606, 0.0),
    (0.1, 0.0230, 0.0460, 0.06, -0.605, 0.0),
]


def phantom(n):
    xax = (np.arange(n) - (n - 1) / 2) / ((n - 1) / 2)
    xg = np.tile(xax, (n, 1))
    yg = np.rot90(xg)  # yg[i, j] = xax[n - 1 - i]: y = +1 in the top row
    p = np.zeros((n, n))
    for A, a, b, x0, y0, deg in TOFT:
        phi = deg * math.pi / 180.0
        c, s = math.cos(phi), math.sin(phi)
        x = xg - x0
        y = yg - y0
        inside = ((x * c + y * s) * (x * c + y * s)) / (a * a) + (
            (y * c - x * s) * (y * c - x * s)
        ) / (b * b) <= 1
        p[inside] += A
    return np.clip(p, 0.0, 1.0)


if __name__ == "__main__":
    for n in (16, 64, 100):
        p = phantom(n)
        np.save(f"shepp_logan_{n}.npy", np.ascontiguousarray(p, dtype="<f8"))
        print(n, p.min(), p.max(), np.unique(np.round(p, 12)))
