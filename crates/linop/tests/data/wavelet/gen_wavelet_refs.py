"""Reference coefficients from PyWavelets for crates/linop/tests/wavelet.rs.

    python3 crates/linop/tests/data/wavelet/gen_wavelet_refs.py

Writes small .npy files (float64, C order) next to this script. Inputs are not stored:
they are given by exact formulas the Rust test evaluates identically (integer arithmetic,
then one correctly rounded division and one subtraction, so every bit agrees):

    signal(i) = ((i * 7919 + 13) % 2003) / 2003 - 0.5        (inputs of the transforms)
    coeffs(i) = ((i * 104729 + 7) % 4001) / 4001 - 0.5      (inputs of the inverses)

over the flat (C-order) index i. `signal_check.npy` holds the first 64 values of `signal`
so the test can confirm it reproduces them.

Files (L = levels; 1-D sizes n, 2-D sizes ny x nx):
  dwt1_{w}_n{n}_L{L}.npy       np.concatenate(wavedec(x, w, 'periodization', L))
  dwt2_{w}_{ny}x{nx}_L{L}.npy  coeffs_to_array(wavedec2(x, w, 'periodization', L))[0]
  swt1_{w}_n{n}_L{L}.npy       np.stack(swt(x, w, L, norm=True, trim_approx=True))
  swt2_{w}_{ny}x{nx}_L{L}.npy  [cA_L, cH_L, cV_L, cD_L, ..., cD_1] of
                               swt2(x, w, L, norm=True, trim_approx=True), stacked
  idwt1_{w}_n{n}_L{L}.npy      waverec(split of coeffs(0..n), w, 'periodization')
  idwt2_{w}_{ny}x{nx}_L{L}.npy waverec2(array_to_coeffs(coeffs(...).reshape(ny, nx)), ...)
  dwt_max_level.npy            int64 table T[len, j] = dwt_max_level(len, FILTER_LENS[j]),
                               len = 0..200, FILTER_LENS = 2, 4, 6, 8, 16, 40, 102
"""

import os
import warnings

import numpy as np
import pywt

HERE = os.path.dirname(os.path.abspath(__file__))
MODE = "periodization"
FILTER_LENS = [2, 4, 6, 8, 16, 40, 102]


def signal(n):
    i = np.arange(n, dtype=np.int64)
    return ((i * 7919 + 13) % 2003) / 2003.0 - 0.5


def coeffs(n):
    i = np.arange(n, dtype=np.int64)
    return ((i * 104729 + 7) % 4001) / 4001.0 - 0.5


def save(name, arr):
    arr = np.ascontiguousarray(arr)
    np.save(os.path.join(HERE, name), arr)
    return arr.nbytes + 128


def levels_for(max_level, wanted):
    return sorted({l for l in wanted if 1 <= l <= max_level} | ({max_level} if max_level >= 1 else set()))


# 1-D decimated: every wavelet the issue names, at sizes whose levels reach odd lengths
DWT1_WAVELETS = ["haar", "db1", "db2", "db4", "db8", "db20", "sym2", "sym8", "sym20",
                 "coif1", "coif5", "coif17"]
DWT1_SIZES = [10, 12, 22, 64, 158]
# long filters need longer signals (coif17 has 102 taps): 406 -> 203 -> 102
DWT1_LONG_SIZES = {"db20": [158, 406], "sym20": [158], "coif5": [158], "coif17": [406]}

# 2-D decimated: (wavelet, ny, nx, levels); sizes non-square, some odd, some with odd
# intermediate lengths (24 x 40 at level 4: 3 -> 2; 20 x 12: 5, 3; 60 x 62: 31); the
# longest 2-D filter is db20's (78 x 80); coif17 (102 taps) is tested in 1-D only, as a
# 2-D reference would need at least 202 x 202 values
DWT2_CASES = [
    ("haar", 24, 40, [4]),
    ("haar", 20, 12, [1, 3]),
    ("haar", 21, 26, [4]),
    ("haar", 32, 32, [5]),
    ("db1", 20, 12, [3]),
    ("db2", 24, 40, [3]),
    ("db2", 20, 12, [2]),
    ("db2", 21, 26, [2]),
    ("db4", 24, 40, [1]),
    ("db4", 32, 32, [2]),
    ("db4", 21, 26, [1]),
    ("sym2", 20, 12, [2]),
    ("sym2", 21, 26, [2]),
    ("sym8", 32, 32, [1]),
    ("coif1", 24, 40, [2]),
    ("coif1", 21, 26, [2]),
    ("db8", 60, 62, [2]),
    ("db20", 78, 80, [1]),
]

SWT1_CASES = [("haar", 16, 4), ("db2", 64, 3), ("sym8", 64, 2), ("coif1", 48, 4),
              ("db20", 64, 3), ("coif17", 32, 1), ("sym20", 40, 3)]
SWT2_CASES = [("haar", 8, 16, 3), ("db2", 16, 8, 2), ("sym8", 16, 16, 2), ("db20", 8, 16, 2),
              ("coif1", 12, 8, 2)]

IDWT1_CASES = [("db4", 64, 3), ("sym8", 48, 1), ("haar", 32, 5)]
IDWT2_CASES = [("db4", 32, 32, 2), ("haar", 24, 40, 3), ("coif1", 20, 40, 2)]


def main():
    for f in os.listdir(HERE):
        if f.endswith(".npy"):
            os.remove(os.path.join(HERE, f))
    total = 0
    total += save("signal_check.npy", signal(64))

    for w in DWT1_WAVELETS:
        flen = pywt.Wavelet(w).dec_len
        for n in DWT1_LONG_SIZES.get(w, DWT1_SIZES):
            mx = pywt.dwt_max_level(n, flen)
            for L in levels_for(mx, [1, 2]):
                c = pywt.wavedec(signal(n), w, mode=MODE, level=L)
                total += save(f"dwt1_{w}_n{n}_L{L}.npy", np.concatenate(c))

    for w, ny, nx, levels in DWT2_CASES:
        flen = pywt.Wavelet(w).dec_len
        mx = min(pywt.dwt_max_level(ny, flen), pywt.dwt_max_level(nx, flen))
        for L in levels:
            assert 1 <= L <= mx, (w, ny, nx, L, mx)
            c = pywt.wavedec2(signal(ny * nx).reshape(ny, nx), w, mode=MODE, level=L)
            arr, _ = pywt.coeffs_to_array(c)
            total += save(f"dwt2_{w}_{ny}x{nx}_L{L}.npy", arr)

    for w, n, L in SWT1_CASES:
        c = pywt.swt(signal(n), w, level=L, norm=True, trim_approx=True)
        total += save(f"swt1_{w}_n{n}_L{L}.npy", np.stack(c))

    for w, ny, nx, L in SWT2_CASES:
        c = pywt.swt2(signal(ny * nx).reshape(ny, nx), w, level=L, norm=True, trim_approx=True)
        flat = [c[0]] + [b for level in c[1:] for b in level]
        total += save(f"swt2_{w}_{ny}x{nx}_L{L}.npy", np.stack(flat))

    for w, n, L in IDWT1_CASES:
        assert n % 2**L == 0
        v = coeffs(n)
        sizes = [n >> L] + [n >> l for l in range(L, 0, -1)]
        parts = np.split(v, np.cumsum(sizes)[:-1])
        total += save(f"idwt1_{w}_n{n}_L{L}.npy", pywt.waverec(parts, w, mode=MODE))

    for w, ny, nx, L in IDWT2_CASES:
        assert ny % 2**L == 0 and nx % 2**L == 0
        template = pywt.wavedec2(np.zeros((ny, nx)), w, mode=MODE, level=L)
        _, slices = pywt.coeffs_to_array(template)
        c = pywt.array_to_coeffs(coeffs(ny * nx).reshape(ny, nx), slices,
                                 output_format="wavedec2")
        total += save(f"idwt2_{w}_{ny}x{nx}_L{L}.npy", pywt.waverec2(c, w, mode=MODE))

    table = np.array([[pywt.dwt_max_level(n, f) for f in FILTER_LENS] for n in range(201)],
                     dtype=np.int64)
    total += save("dwt_max_level.npy", table)

    count = sum(1 for f in os.listdir(HERE) if f.endswith(".npy"))
    print(f"wrote {count} files, about {total / 1024:.0f} KiB (PyWavelets {pywt.__version__})")


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        main()
