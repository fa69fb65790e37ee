#!/usr/bin/env python3
"""Writes the reference .npy files that crates/linop/tests/npy.rs reads.

Run from anywhere:  python3 crates/linop/tests/data/npy/make_npy.py
The committed files were made with NumPy 2.4.6 (any NumPy >= 1.17 writes the same data;
the byte-exact `ref_*` comparisons need one that pads headers for a growing axis, as 2.x does).
Every array is a formula of its indices, so the tests can recompute the values exactly.
The `ref_*` files (and f64_0d.npy, f64_empty_0x3.npy) are compared byte for byte with
what cstk's writer produces for the same array.
"""

import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def save(name, arr):
    np.save(os.path.join(HERE, name), arr, allow_pickle=False)


def idx(shape):
    """Index grids i, j (, k) as float64 arrays."""
    return np.indices(shape, dtype=np.float64)


# ---- element types, 1-D ---------------------------------------------------------------
# f32: k / 2 - 1
save("f32_1d.npy", (np.arange(5, dtype=np.float32) / 2 - 1).astype(np.float32))
# f64: k / 4 - 1 (6 values)
save("f64_1d.npy", np.arange(6, dtype=np.float64) / 4 - 1)
# complex64: k - 0.5j * k
save("c64_1d.npy", (np.arange(4) - 0.5j * np.arange(4)).astype(np.complex64))
# bool: k % 3 != 1
save("bool_1d.npy", np.arange(5) % 3 != 1)
# int64: values that probe rounding into f32 / f64
save("i64_1d.npy", np.array([-3, 0, 7, 2**40, 2**53 + 1, 2**24 + 1, -(2**62), 2**63 - 1], dtype=np.int64))
# uint8: 250 .. 255
save("u8_1d.npy", np.arange(250, 256, dtype=np.uint8))
# int16: -3 .. 2, little-endian
save("i16_1d.npy", np.arange(-3, 3, dtype=np.int16))
# the remaining integer widths
save("i8_1d.npy", np.array([-128, -1, 0, 127], dtype=np.int8))
save("i32_1d.npy", np.array([-(2**31), -1, 0, 2**31 - 1], dtype=np.int32))
save("u16_1d.npy", np.array([0, 1, 65535], dtype=np.uint16))
save("u32_1d.npy", np.array([0, 1, 2**32 - 1], dtype=np.uint32))
save("u64_1d.npy", np.array([0, 1, 2**64 - 1], dtype=np.uint64))

# ---- 2-D and 3-D, C and Fortran order --------------------------------------------------
i, j = idx((3, 4))
a = 10 * i + j + 0.25  # a[i, j] = 10 i + j + 1/4
save("f64_2d_c.npy", a)
save("f64_2d_f.npy", np.asfortranarray(a))
save("f32_2d_f.npy", np.asfortranarray(a.astype(np.float32)))
i, j, k = idx((2, 3, 4))
save("f64_3d_f.npy", np.asfortranarray(100 * i + 10 * j + k))  # 100 i + 10 j + k
i, j = idx((2, 3))
z = (i + 0.5 * j) + 1j * (i - j)  # z[i, j] = (i + j / 2) + (i - j) i
save("c128_2d_f.npy", np.asfortranarray(z))
save("c128_2d_c.npy", z)

# ---- byte order -----------------------------------------------------------------------
i, j = idx((2, 3))
save("f64_be.npy", (3 * i + j - 2.5).astype(">f8"))  # 3 i + j - 5/2, big-endian
save("i16_be.npy", np.arange(-3, 3).astype(">i2"))
save("c128_be.npy", (np.arange(3) + 1j * (np.arange(3) - 10)).astype(">c16"))  # k + (k - 10) i
save("f32_be_f.npy", np.asfortranarray((3 * i + j).astype(">f4")))

# ---- header versions ------------------------------------------------------------------
v = np.arange(5, dtype=np.float64) * 1.5  # 1.5 k
for major in (2, 3):
    with open(os.path.join(HERE, f"f64_v{major}.npy"), "wb") as f:
        np.lib.format.write_array(f, v, version=(major, 0))

# ---- 0-D and empty --------------------------------------------------------------------
save("f64_0d.npy", np.float64(2.5))
save("f64_empty_0x3.npy", np.zeros((0, 3)))

# ---- byte-exact references for the writer -----------------------------------------------
i, j = idx((2, 3))
save("ref_f64_c_2x3.npy", 1.5 * (3 * i + j))  # 1.5 (3 i + j)
save("ref_f64_f_2x3.npy", np.asfortranarray(1.5 * (3 * i + j)))
save("ref_f32_1d_7.npy", (np.arange(7) - 3).astype(np.float32))  # k - 3
i, j = idx((3, 2))
save("ref_c64_f_3x2.npy", np.asfortranarray((i + 1j * j).astype(np.complex64)))  # i + j i
save("ref_c128_0d.npy", np.complex128(1 - 2j))
i, j, k = idx((2, 1, 3))
save("ref_f32_f_2x1x3.npy", np.asfortranarray((i + 2 * j + 4 * k).astype(np.float32)))  # i + 2 j + 4 k
save("ref_f64_c_3.npy", np.arange(3.0))  # k

print("numpy", np.__version__)
