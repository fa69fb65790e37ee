"""Times PyWavelets on the problem of benches/wavelet.rs: wavedec2 / waverec2 with db4,
4 levels, mode="periodization", on a 1024 x 1024 float64 image, one thread.

    python3 benches/peers/wavelet_pywt.py [n] [wavelet] [levels]

cstk's forward operator also arranges the coefficients as pywt.coeffs_to_array does, and
its inverse reads that array, so the script times PyWavelets both ways: the bare
transform, and the transform with the layout conversion (`+ layout`), which is the
like-for-like figure. Prints milliseconds (min and median of 7 repeats).
"""

import sys
import timeit

import numpy as np
import pywt


def image(n):
    # the same formula as benches/wavelet.rs
    i = np.arange(n * n, dtype=np.int64)
    return (((i * 7919 + 13) % 2003) / 2003.0 - 0.5).reshape(n, n)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    name = sys.argv[2] if len(sys.argv) > 2 else "db4"
    levels = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    x = image(n)
    mode = "periodization"
    coeffs = pywt.wavedec2(x, name, mode=mode, level=levels)
    arr, slices = pywt.coeffs_to_array(coeffs)

    def forward():
        return pywt.wavedec2(x, name, mode=mode, level=levels)

    def forward_layout():
        return pywt.coeffs_to_array(pywt.wavedec2(x, name, mode=mode, level=levels))[0]

    def inverse():
        return pywt.waverec2(coeffs, name, mode=mode)

    def inverse_layout():
        c = pywt.array_to_coeffs(arr, slices, output_format="wavedec2")
        return pywt.waverec2(c, name, mode=mode)

    assert np.allclose(inverse_layout(), x)
    for label, f in [("wavedec2", forward), ("wavedec2 + layout", forward_layout),
                     ("waverec2", inverse), ("waverec2 + layout", inverse_layout)]:
        times = sorted(timeit.repeat(f, number=5, repeat=7))
        print(f"pywt {pywt.__version__} {label:18s} {name} L{levels} {n}x{n}: "
              f"min {times[0] / 5 * 1e3:.2f} ms, median {times[3] / 5 * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
