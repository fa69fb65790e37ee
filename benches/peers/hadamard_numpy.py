"""Times NumPy fast Walsh–Hadamard transforms on the problem of benches/hadamard.rs:
2^20 float64 points, natural (Sylvester) order, orthonormal (scaled by 1/sqrt(n)).

    python3 benches/peers/hadamard_numpy.py [log2n]
    OPENBLAS_NUM_THREADS=1 python3 benches/peers/hadamard_numpy.py   # one thread

Three formulations; the fastest is the peer's figure:

- "stack": the textbook vectorized butterfly. For each stride h, view x as
  (n / 2h, 2, h) and build the next x from the sums and differences of the two halves
  with np.stack (a new array per stage).
- "ufunc": the same butterflies written into preallocated ping-pong buffers with
  np.add / np.subtract (out=...), so no array is allocated per stage.
- "matmul{b}": H_n = H_{2^b} ⊗ … ⊗ H_{2^b} (e.g. five factors H_16 for n = 2^20, b = 4),
  applied one factor at a time as a batched matrix product over a reshaped view (no
  transposes): y.reshape(-1, 2^b, s) -> H_{2^b} @ y. 2^b / b times the additions of a
  butterfly, but run by OpenBLAS at full SIMD width (AVX2 / AVX-512 here) and with its
  threads unless OPENBLAS_NUM_THREADS=1. Timed for b = 3, 4, 5.

"stack" and "ufunc" are single-threaded (NumPy's elementwise loops are). All three are
checked against scipy.linalg.hadamard(n) @ x / sqrt(n) at n = 1024 first. Prints
milliseconds (minimum and median of 7 repeats of 5 calls each).
"""

import sys
import timeit

import numpy as np
import scipy.linalg


def fwht_stack(x):
    """Orthonormal natural-order WHT, one np.stack per stage."""
    n = x.shape[0]
    y = x * (1.0 / np.sqrt(n))
    h = 1
    while h < n:
        y = y.reshape(-1, 2, h)
        a = y[:, 0, :]
        b = y[:, 1, :]
        y = np.stack([a + b, a - b], axis=1)
        h *= 2
    return y.reshape(n)


def fwht_ufunc(x, buf):
    """Orthonormal natural-order WHT, ping-pong buffers and ufuncs with out=."""
    n = x.shape[0]
    src = x * (1.0 / np.sqrt(n))  # the scaled copy is the first buffer
    dst = buf
    h = 1
    while h < n:
        s = src.reshape(-1, 2, h)
        d = dst.reshape(-1, 2, h)
        np.add(s[:, 0, :], s[:, 1, :], out=d[:, 0, :])
        np.subtract(s[:, 0, :], s[:, 1, :], out=d[:, 1, :])
        src, dst = dst, src
        h *= 2
    return src


_FACTORS = {}


def fwht_matmul(x, bits=4):
    """Orthonormal natural-order WHT as Kronecker factors H_{2^bits}, batched matmuls."""
    n = x.shape[0]
    m = n.bit_length() - 1
    y = x * (1.0 / np.sqrt(n))
    low = 0  # strides below 2^low are done
    while low < m:
        b = min(bits, m - low)
        if b not in _FACTORS:
            _FACTORS[b] = scipy.linalg.hadamard(1 << b).astype(np.float64)
        h = _FACTORS[b]
        if low == 0:
            y = y.reshape(-1, 1 << b) @ h  # h is symmetric
        else:
            y = np.matmul(h, y.reshape(-1, 1 << b, 1 << low))
        y = y.reshape(n)
        low += b
    return y


def main():
    log2n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    n = 1 << log2n

    # correctness against scipy's dense Hadamard matrix
    m = 1024
    xs = np.random.default_rng(1).standard_normal(m)
    want = scipy.linalg.hadamard(m) @ xs / np.sqrt(m)
    for name, got in [("stack", fwht_stack(xs)), ("ufunc", fwht_ufunc(xs, np.empty(m))),
                      ("matmul3", fwht_matmul(xs, 3)), ("matmul4", fwht_matmul(xs, 4)),
                      ("matmul5", fwht_matmul(xs, 5))]:
        assert np.allclose(got, want, rtol=1e-12, atol=1e-12), name

    x = ((np.arange(n) % 17) - 8.0) / 8.0  # the data of benches/hadamard.rs
    buf = np.empty_like(x)
    best = None
    candidates = [("stack", lambda: fwht_stack(x)), ("ufunc", lambda: fwht_ufunc(x, buf))]
    candidates += [(f"matmul{b}", lambda b=b: fwht_matmul(x, b)) for b in (3, 4, 5)]
    for name, f in candidates:
        reps = 5
        times = sorted(t / reps for t in timeit.repeat(f, number=reps, repeat=7))
        print(f"numpy fwht {name:7s} n=2^{log2n}: min {times[0]*1e3:.3f} ms, "
              f"median {times[3]*1e3:.3f} ms")
        if best is None or times[3] < best[1]:
            best = (name, times[3])
    print(f"numpy fwht fastest: {best[0]}, median {best[1]*1e3:.3f} ms")


if __name__ == "__main__":
    main()
