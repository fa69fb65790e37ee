#!/usr/bin/env python3
"""Writes weights.safetensors, the reference file that crates/linop/tests/safetensors.rs reads.

Run from anywhere:  python3 crates/linop/tests/data/make_weights.py
Needs numpy and safetensors (`pip install numpy safetensors`; no torch). The committed file
was made with safetensors 0.8.0 and NumPy 2.4.6.

Every value is a formula of its flat (C-order) index k, so the test recomputes it exactly:

| tensor        | dtype | shape        | value at flat index k                                |
|---------------|-------|--------------|------------------------------------------------------|
| fc1.weight    | F32   | (4, 3)       | k / 8 - 0.75                                          |
| fc1.bias      | F32   | (4,)         | -k / 4                                                |
| bn.momentum   | F32   | ()           | 1.5                                                   |
| conv.weight   | F16   | (2, 1, 3, 3) | k / 16 - 0.5                                          |
| f16.special   | F16   | (8,)         | 0, -0, inf, -inf, 65504, 2**-24, -2**-14, NaN (0x7E00) |
| emb.weight    | BF16  | (3, 4)       | k * 0.5 - 2.75                                        |
| bf16.special  | BF16  | (4,)         | 3.3895313892515355e38 (0x7F7F), -2**-133 (0x8001), 1 + 2**-7, NaN (0x7FC0) |
| head.scale    | F64   | (2, 2, 2)    | k / 3                                                 |

and the header holds the metadata {"format": "pt"}, as PyTorch's save_file writes it.
NumPy has no bfloat16: its tensors are written as the raw little-endian 16-bit patterns
(the top half of the float32 value, exact for these values) through a TensorSpec.
"""

import os

import numpy as np
from safetensors import TensorSpec, serialize_file

HERE = os.path.dirname(os.path.abspath(__file__))


def k(shape):
    return np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)


def spec(arr, dtype=None):
    """A TensorSpec pointing into `arr`, which must stay alive until the file is written."""
    assert arr.flags.c_contiguous and arr.dtype.byteorder in "<|="
    return TensorSpec(
        dtype=dtype or arr.dtype.name,
        shape=arr.shape,
        data_ptr=arr.ctypes.data,
        data_len=arr.nbytes,
    )


def bf16_bits(values):
    """bfloat16 bit patterns of float32 values whose low 16 bits are zero (exact)."""
    bits = np.asarray(values, dtype="<f4").view("<u4")
    assert np.all(bits & 0xFFFF == 0), "value not exact in bfloat16"
    return (bits >> 16).astype("<u2")


arrays = {
    "fc1.weight": (k((4, 3)) / 8 - 0.75).astype("<f4"),
    "fc1.bias": (-k((4,)) / 4).astype("<f4"),
    "bn.momentum": np.array(1.5, dtype="<f4"),
    "conv.weight": (k((2, 1, 3, 3)) / 16 - 0.5).astype("<f2"),
    "f16.special": np.array(
        [0x0000, 0x8000, 0x7C00, 0xFC00, 0x7BFF, 0x0001, 0x8400, 0x7E00], dtype="<u2"
    ).view("<f2"),
    "head.scale": (k((2, 2, 2)) / 3).astype("<f8"),
}
bf16 = {
    "emb.weight": bf16_bits(k((3, 4)) * 0.5 - 2.75),
    "bf16.special": np.array([0x7F7F, 0x8001, 0x3F81, 0x7FC0], dtype="<u2"),
}

specs = {name: spec(a) for name, a in arrays.items()}
specs.update({name: spec(a, "bfloat16") for name, a in bf16.items()})
# `arrays` and `bf16` stay alive until the file is written (the specs hold raw pointers).
serialize_file(specs, os.path.join(HERE, "weights.safetensors"), metadata={"format": "pt"})
