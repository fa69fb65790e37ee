"""Times NumPy's Gaussian matrix generation on the problem of benches/gaussian.rs:

    numpy.random.default_rng(seed).standard_normal((4000, 16000))      # float64, PCG64 + ziggurat

and, for the f32 row, dtype=np.float32; also the N(0, 1/m) scaling that cstk applies
(`rng.standard_normal(shape) / sqrt(m)`, one more pass). NumPy's generator is
single-threaded. Prints milliseconds: minimum and median of `reps` runs.

    python3 benches/peers/gaussian_numpy.py [m n reps]
"""

import sys
import time

import numpy as np


def timeit(f, reps):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        a = f()
        ts.append(time.perf_counter() - t0)
        del a
    ts.sort()
    return 1e3 * ts[0], 1e3 * ts[len(ts) // 2]


def main():
    m = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 16000
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    cases = {
        "standard_normal f64": lambda: np.random.default_rng(1).standard_normal((m, n)),
        "standard_normal f32": lambda: np.random.default_rng(1).standard_normal(
            (m, n), dtype=np.float32
        ),
        "standard_normal f64 / sqrt(m)": lambda: np.random.default_rng(1).standard_normal(
            (m, n)
        )
        / np.sqrt(m),
    }
    print(f"numpy {np.__version__}, {m} x {n}")
    for name, f in cases.items():
        lo, med = timeit(f, reps)
        print(f"{name:32s} min {lo:8.1f} ms  median {med:8.1f} ms")


if __name__ == "__main__":
    main()
