"""Reference values for `cstk_measure::metrics` (psnr, nrmse, ssim) from scikit-image.

Run from this directory:  python3 make_reference.py   (writes reference.json)

Each case stores the two images as flat row-major lists (rounded to 6 decimals so the
file stays small; the metrics are computed on exactly the stored values), the shape,
the data range, and skimage's

* peak_signal_noise_ratio(truth, test, data_range=R)
* normalized_root_mse(truth, test)                      (normalization='euclidean')
* structural_similarity(truth, test, gaussian_weights=True, sigma=1.5,
                        use_sample_covariance=False, data_range=R)
"""

import json

import numpy as np
import scipy.ndimage as ndi
import skimage
from skimage.metrics import (
    normalized_root_mse,
    peak_signal_noise_ratio,
    structural_similarity,
)

rng = np.random.default_rng(20240611)


def smooth_plus_noise(ny, nx):
    y, x = np.mgrid[0:ny, 0:nx]
    truth = 0.5 + 0.3 * np.sin(2 * np.pi * x / nx * 1.5) * np.cos(2 * np.pi * y / ny * 0.75)
    truth += 0.1 * np.exp(-((x - nx / 3) ** 2 + (y - ny / 2) ** 2) / 50.0)
    test = truth + 0.05 * rng.standard_normal(truth.shape)
    return truth, test


def piecewise_vs_blur(n):
    truth = np.zeros((n, n))
    truth[4:20, 6:26] = 0.8
    truth[10:28, 14:22] = 0.3
    truth[22:30, 2:10] = 1.0
    test = ndi.gaussian_filter(truth, 1.0)
    return truth, test


def minimum_size(n):
    truth = rng.uniform(0.0, 1.0, (n, n))
    test = np.clip(truth + 0.1 * rng.standard_normal((n, n)), 0.0, 1.0)
    return truth, test


def range_255(ny, nx):
    y, x = np.mgrid[0:ny, 0:nx]
    truth = 128 + 100 * np.sin(x / 5.0) * np.sin(y / 7.0)
    test = np.clip(truth + 12.0 * rng.standard_normal(truth.shape), 0, 255)
    return truth, test


cases = []


def add(name, truth, test, data_range):
    truth = np.round(truth, 6)
    test = np.round(test, 6)
    ny, nx = truth.shape
    cases.append(
        {
            "name": name,
            "ny": ny,
            "nx": nx,
            "data_range": data_range,
            "truth": truth.ravel().tolist(),
            "test": test.ravel().tolist(),
            "psnr": float(peak_signal_noise_ratio(truth, test, data_range=data_range)),
            "nrmse": float(normalized_root_mse(truth, test)),
            "ssim": float(
                structural_similarity(
                    truth,
                    test,
                    gaussian_weights=True,
                    sigma=1.5,
                    use_sample_covariance=False,
                    data_range=data_range,
                )
            ),
        }
    )


add("smooth_noise_48x64", *smooth_plus_noise(48, 64), 1.0)
add("piecewise_blur_32x32", *piecewise_vs_blur(32), 1.0)
add("minimum_11x11", *minimum_size(11), 1.0)
add("range255_40x24", *range_255(40, 24), 255.0)
add("tall_12x30_range2", *smooth_plus_noise(30, 12), 2.0)

with open("reference.json", "w") as f:
    json.dump({"skimage_version": skimage.__version__, "cases": cases}, f)
for c in cases:
    print(c["name"], c["psnr"], c["nrmse"], c["ssim"])
