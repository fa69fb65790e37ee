"""Times NumPy's centered unitary 2-D FFT on the problems of benches/fft.rs:
`np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(x), norm="ortho"))`, complex128, 256² and
1024² by default (BART's and SigPy's convention; NumPy's pocketfft runs on one thread).
Also times the same transform as two 1-D `np.fft.fft` calls (one per axis), and
`np.fft.rfft2` plus the completion of the full spectrum, the peer of `Fft2::forward_real`.

    python3 benches/peers/fft_numpy.py [n ...]

Prints the median and minimum of 15 repeats (each the mean of several calls) in ms.

NumPy allocates every intermediate and result. With glibc's default settings, arrays of a
few hundred KiB and more are fresh `mmap`s, page-faulted on every call: that doubles the
256² time on the project VM. The cstk operators write into caller buffers, so for a
like-for-like comparison also run NumPy with glibc reusing its heap:

    MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=4294967296 \
        python3 benches/peers/fft_numpy.py
"""

import os
import sys
import timeit

import numpy as np


def centered(x):
    return np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(x), norm="ortho"))


def centered_axes(x):
    y = np.fft.fft(np.fft.ifftshift(x), axis=0, norm="ortho")
    return np.fft.fftshift(np.fft.fft(y, axis=1, norm="ortho"))


def centered_real(x):
    # full spectrum of a real image from rfft2 (the Hermitian half mirrored), then shifted
    ny, nx = x.shape
    half = np.fft.rfft2(np.fft.ifftshift(x), norm="ortho")
    full = np.empty((ny, nx), dtype=np.complex128)
    full[:, : nx // 2 + 1] = half
    rest = np.conj(half[(-np.arange(ny)) % ny][:, 1 : (nx + 1) // 2][:, ::-1])
    full[:, nx // 2 + 1 :] = rest
    return np.fft.fftshift(full)


def time_ms(f, x, number):
    runs = timeit.repeat(lambda: f(x), number=number, repeat=15)
    per = sorted(r / number * 1e3 for r in runs)
    return per[len(per) // 2], per[0]


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [256, 1024]
    tuned = "MALLOC_MMAP_THRESHOLD_" in os.environ
    print(f"numpy {np.__version__}, glibc malloc {'tuned (heap reused)' if tuned else 'default'}")
    rng = np.random.default_rng(1)
    for n in sizes:
        x = rng.uniform(-1, 1, (n, n)) + 1j * rng.uniform(-1, 1, (n, n))
        xr = rng.uniform(-1, 1, (n, n))
        assert np.allclose(centered_real(xr), centered(xr.astype(np.complex128)))
        assert np.allclose(centered_axes(x), centered(x))
        number = max(1, int(2e6 / (n * n)))
        cases = [
            ("centered fft2", centered, x),
            ("centered fft per axis", centered_axes, x),
            ("centered rfft2+mirror", centered_real, xr),
        ]
        for name, f, arg in cases:
            med, best = time_ms(f, arg, number)
            print(f"numpy {name:22s} {n}x{n}: median {med:8.3f} ms, min {best:8.3f} ms")


if __name__ == "__main__":
    main()
