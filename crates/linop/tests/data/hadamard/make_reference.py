"""Reference vectors for crates/linop/tests/{hadamard,diff}.rs, from NumPy / SciPy.

    python3 crates/linop/tests/data/hadamard/make_reference.py

(run from anywhere; it writes next to itself; numpy 2.x and scipy 1.x). Deterministic:
seeded numpy.random.default_rng, float64 / complex128 data.

Walsh–Hadamard (n = 1, 2, 4, 8, 64, 256; real and complex x):
  had_n{n}_x.npy, had_n{n}_xc.npy          inputs (real, complex)
  had_n{n}_natural{,_c}.npy                scipy.linalg.hadamard(n) @ x / sqrt(n)
  had_n{n}_sequency{,_c}.npy               W @ x / sqrt(n), W = the rows of hadamard(n)
                                           sorted by their number of sign changes
                                           (built here independently of any formula)
  had_n{n}_walsh_rows.npy                  int64: the hadamard(n) row that is row k of W

Finite differences, both boundaries ({bc} = periodic | neumann), from np.diff / np.roll:
  diff1_n{n}_x.npy, diff1_n{n}_p.npy       1-D signal x and field p (n = 1, 2, 9)
  diff1_n{n}_{bc}_grad.npy                 forward differences of x
  diff1_n{n}_{bc}_div.npy                  divergence of p (Chambolle's, for neumann)
  diff2{,c}_{ny}x{nx}_x.npy                image x, shape (ny, nx) ("c": complex128)
  diff2{,c}_{ny}x{nx}_g.npy                field g = (p, q), shape (2, ny, nx)
  diff2{,c}_{ny}x{nx}_{bc}_grad.npy        (vertical, horizontal) differences, (2, ny, nx)
  diff2{,c}_{ny}x{nx}_{bc}_div.npy         divergence of g, shape (ny, nx)
"""

import os

import numpy as np
import scipy.linalg

HERE = os.path.dirname(os.path.abspath(__file__))


def save(name, a):
    np.save(os.path.join(HERE, name), a)


def walsh_rows(n):
    """Rows of hadamard(n) ordered by number of sign changes (each count occurs once)."""
    h = scipy.linalg.hadamard(n)
    changes = (np.diff(h, axis=1) != 0).sum(axis=1)
    order = np.argsort(changes, kind="stable")
    assert (changes[order] == np.arange(n)).all()
    return order


def hadamard_refs(rng):
    for n in [1, 2, 4, 8, 64, 256]:
        h = scipy.linalg.hadamard(n).astype(np.float64)
        rows = walsh_rows(n)
        w = h[rows]
        x = rng.standard_normal(n)
        xc = rng.standard_normal(n) + 1j * rng.standard_normal(n)
        save(f"had_n{n}_x.npy", x)
        save(f"had_n{n}_xc.npy", xc)
        save(f"had_n{n}_natural.npy", h @ x / np.sqrt(n))
        save(f"had_n{n}_natural_c.npy", h @ xc / np.sqrt(n))
        save(f"had_n{n}_sequency.npy", w @ x / np.sqrt(n))
        save(f"had_n{n}_sequency_c.npy", w @ xc / np.sqrt(n))
        save(f"had_n{n}_walsh_rows.npy", rows.astype(np.int64))


def grad(x, axis, bc):
    """Forward differences along `axis`; the last one wraps (periodic) or is 0 (neumann)."""
    if bc == "periodic":
        return np.roll(x, -1, axis=axis) - x
    d = np.zeros_like(x)
    idx = [slice(None)] * x.ndim
    idx[axis] = slice(0, -1)
    d[tuple(idx)] = np.diff(x, axis=axis)
    return d


def div(p, axis, bc):
    """Divergence along `axis`: minus the adjoint of grad (Chambolle 2004 for neumann)."""
    if bc == "periodic":
        return p - np.roll(p, 1, axis=axis)
    pp = p.copy()
    idx = [slice(None)] * p.ndim
    idx[axis] = -1
    pp[tuple(idx)] = 0  # the last difference is 0, so its dual value is never used
    shifted = np.roll(pp, 1, axis=axis)
    idx[axis] = 0
    shifted[tuple(idx)] = 0
    return pp - shifted


def diff_refs(rng):
    for n in [1, 2, 9]:
        x = rng.standard_normal(n)
        p = rng.standard_normal(n)
        save(f"diff1_n{n}_x.npy", x)
        save(f"diff1_n{n}_p.npy", p)
        for bc in ["periodic", "neumann"]:
            save(f"diff1_n{n}_{bc}_grad.npy", grad(x, 0, bc))
            save(f"diff1_n{n}_{bc}_div.npy", div(p, 0, bc))
    for tag, ny, nx in [("", 5, 7), ("", 1, 4), ("", 6, 1), ("", 1, 1), ("", 2, 2), ("c", 4, 3)]:
        def draw(shape):
            a = rng.standard_normal(shape)
            return a + 1j * rng.standard_normal(shape) if tag == "c" else a

        x = draw((ny, nx))
        g = draw((2, ny, nx))
        name = f"diff2{tag}_{ny}x{nx}"
        save(f"{name}_x.npy", x)
        save(f"{name}_g.npy", g)
        for bc in ["periodic", "neumann"]:
            save(f"{name}_{bc}_grad.npy", np.stack([grad(x, 0, bc), grad(x, 1, bc)]))
            save(f"{name}_{bc}_div.npy", div(g[0], 0, bc) + div(g[1], 1, bc))


def check_adjoints(rng):
    """The formulas above are mutual adjoints: <grad x, g> = -<x, div g>."""
    for bc in ["periodic", "neumann"]:
        for shape in [(1, 1), (1, 5), (4, 1), (5, 6)]:
            x = rng.standard_normal(shape)
            g = rng.standard_normal((2,) + shape)
            lhs = (grad(x, 0, bc) * g[0]).sum() + (grad(x, 1, bc) * g[1]).sum()
            rhs = -(x * (div(g[0], 0, bc) + div(g[1], 1, bc))).sum()
            assert np.isclose(lhs, rhs, rtol=1e-12, atol=1e-12), (bc, shape)


def main():
    rng = np.random.default_rng(20240601)
    hadamard_refs(rng)
    diff_refs(rng)
    check_adjoints(rng)


if __name__ == "__main__":
    main()
