"""Reference vectors for the Fourier and DCT operators (tests/fourier.rs, tests/dct.rs).

    python3 crates/linop/tests/data/fourier/make_refs.py

Writes, next to this script, seeded inputs and NumPy/SciPy outputs as `.npy` (C order):

    x1_{n}_{c|r}.npy             1-D input, complex128 (c) or float64 (r)
    x2_{ny}x{nx}_{c|r}.npy       2-D input
    {op}{1|2}_{size}_{c|r}.npy   op applied to that input, where op is
        fft    np.fft.fft(x, norm="ortho")                  / np.fft.fft2
        ifft   np.fft.ifft(x, norm="ortho")                 / np.fft.ifft2
        cfft   np.fft.fftshift(np.fft.fft(np.fft.ifftshift(x))) / sqrt(x.size)   (and 2-D)
        cifft  np.fft.fftshift(np.fft.ifft(np.fft.ifftshift(x))) * sqrt(x.size)  (and 2-D)
        dct    scipy.fft.dct(x, norm="ortho")  (type II)    / scipy.fft.dctn
        idct   scipy.fft.idct(x, norm="ortho") (type III)   / scipy.fft.idctn

The FFTs are computed for complex inputs (and, 2-D, real inputs too: the spectrum that
`Fft2::forward_real` must reproduce); the DCTs for real and complex inputs.
"""

import os

import numpy as np
import scipy.fft

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES_1D = [1, 2, 5, 8, 12, 17]
SIZES_2D = [(4, 4), (6, 10), (5, 7), (8, 3), (16, 16)]


def cfft(x, inverse=False):
    axes = tuple(range(x.ndim))
    f = np.fft.ifftn if inverse else np.fft.fftn
    y = np.fft.fftshift(f(np.fft.ifftshift(x, axes=axes), axes=axes), axes=axes)
    return y * np.sqrt(x.size) if inverse else y / np.sqrt(x.size)


def ops(x):
    """Every reference output for input x (complex or real)."""
    out = {}
    if x.ndim == 1:
        out["fft"] = np.fft.fft(x, norm="ortho")
        out["ifft"] = np.fft.ifft(x, norm="ortho")
        out["dct"] = scipy.fft.dct(x, norm="ortho")
        out["idct"] = scipy.fft.idct(x, norm="ortho")
    else:
        out["fft"] = np.fft.fft2(x, norm="ortho")
        out["ifft"] = np.fft.ifft2(x, norm="ortho")
        out["dct"] = scipy.fft.dctn(x, norm="ortho")
        out["idct"] = scipy.fft.idctn(x, norm="ortho")
    out["cfft"] = cfft(x)
    out["cifft"] = cfft(x, inverse=True)
    if not np.iscomplexobj(x):
        keep = ["dct", "idct"] + (["fft", "cfft"] if x.ndim == 2 else [])
        out = {k: v for k, v in out.items() if k in keep}
    return out


def save(name, a):
    a = np.ascontiguousarray(a)
    assert a.dtype in (np.float64, np.complex128), a.dtype
    np.save(os.path.join(HERE, name + ".npy"), a)


def main():
    rng = np.random.default_rng(20240607)
    cases = [(1, (n,), str(n)) for n in SIZES_1D]
    cases += [(2, s, f"{s[0]}x{s[1]}") for s in SIZES_2D]
    for dim, shape, tag in cases:
        xc = rng.uniform(-1, 1, shape) + 1j * rng.uniform(-1, 1, shape)
        xr = rng.uniform(-1, 1, shape)
        for kind, x in (("c", xc), ("r", xr)):
            save(f"x{dim}_{tag}_{kind}", x)
            for op, y in ops(x).items():
                save(f"{op}{dim}_{tag}_{kind}", y)


if __name__ == "__main__":
    main()
