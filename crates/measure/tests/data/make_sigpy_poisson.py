"""Reference density profile of SigPy's variable-density Poisson-disc mask.

sigpy.mri.poisson((128, 128), accel=4, calib=(12, 12), seed=s) for s in 0..15: the
fraction of sampled points in ten annuli of the normalized elliptical radius
r = sqrt(((ky - ny/2) / (ny/2))^2 + ((kx - nx/2) / (nx/2))^2), r in [0.1 i, 0.1 (i + 1)),
averaged over the seeds, with the per-seed standard deviation, and the mean achieved
acceleration. Written to sigpy_poisson_profile.json beside this script.

    pip install sigpy   # 0.1.27 made the committed file
    python3 make_sigpy_poisson.py
"""

import json
import os

import numpy as np
import sigpy
import sigpy.mri

NY = NX = 128
ACCEL = 4.0
CALIB = 12
SEEDS = range(16)
BINS = 10


def profile(mask):
    ky, kx = np.mgrid[:NY, :NX]
    r = np.sqrt(((ky - NY // 2) / (NY / 2)) ** 2 + ((kx - NX // 2) / (NX / 2)) ** 2)
    out = []
    for i in range(BINS):
        ring = (r >= i / BINS) & (r < (i + 1) / BINS)
        out.append(float(mask[ring].mean()))
    return out


def main():
    profs, accels = [], []
    for s in SEEDS:
        m = np.abs(sigpy.mri.poisson((NY, NX), ACCEL, calib=(CALIB, CALIB), seed=s)) > 0
        profs.append(profile(m))
        accels.append(m.size / m.sum())
    profs = np.array(profs)
    data = {
        "source": f"sigpy {sigpy.__version__} sigpy.mri.poisson",
        "shape": [NY, NX],
        "accel": ACCEL,
        "calib": CALIB,
        "seeds": len(SEEDS),
        "bin_edges": [i / BINS for i in range(BINS + 1)],
        "mean_fraction": profs.mean(axis=0).round(6).tolist(),
        "std_fraction": profs.std(axis=0).round(6).tolist(),
        "mean_accel": round(float(np.mean(accels)), 6),
    }
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "sigpy_poisson_profile.json"), "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    print(json.dumps(data, indent=1))


if __name__ == "__main__":
    main()
