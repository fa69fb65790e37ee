"""BART's `pics` against `cstk recon` on the same k-space, mask and truth.

Builds the shared problem with BART's own tools, then sweeps λ for both programs and prints
the best λ of each (PSNR, SSIM of |recon| against |truth|, whole-process wall time):

    python3 benches/peers/recon_bart.py --save /tmp/recon-bart-data \
        --cstk target/release/cstk

The problem (one directory per mask under --save, each with k.cfl/.hdr, mask.npy, mask.cfl,
truth.cfl, truth.npy and sens.cfl):
- truth: `bart phantom -x N` (default; the image the issue's reference figures, 46 dB and
  58 dB, were measured on: real, piecewise constant, max 1) or, with `--phantom cstk`,
  `cstk phantom --size N` (the modified Shepp–Logan of `cstk recon --phantom`);
- masks: `poisson` = `bart poisson -Y N -Z N -y 1.8 -z 1.8 -C 24 -e -s 1` (Poisson disc,
  elliptical, fully sampled 24² centre, R ≈ 4.0). BART's variable-density mode `-v` cannot
  reach 4x at 256²: its density profile bottoms out at R ≈ 7.4 even with `-y 1 -z 1` (and
  `-y` < 1 is rejected), so the ≈4x BART mask is the uniform disc plus a calibration box.
  `cartesian` = `cstk mask --kind cartesian --accel 4 --acs 24` (4x, 1-D variable density,
  24 central lines; needs --cstk). `vd-poisson` (opt-in) = `cstk mask --kind poisson
  --accel 4 --acs 24`, a variable-density Poisson disc at 3.9x;
- k-space: `bart fft -u 3` of the truth times the mask (`bart fmac`); the script checks that
  it equals cstk's convention `fftshift(fft2(ifftshift(x)))/√N`;
- sensitivities: `bart ones 2 N N` (single coil).

BART runs: `bart pics -w 1 -l1 -r λ -i 100` (FISTA — pics picks FISTA for a single ℓ1
wavelet term — step 0.95, Daubechies-2 wavelet with random cycle shifts every iteration;
`-n` disables the shifts) and `bart pics -w 1 -R T:3:0:λ -i 500` (isotropic TV over dims 0
and 1; pics picks ADMM, its default ρ (`-u`), about 7 CG steps per iteration with `-d4`). `-w 1` disables
pics' data scaling: by default pics divides the k-space by the 90th percentile of the
zero-filled magnitude (0.334 for the bart phantom and the poisson mask) and returns the
image in those units, so `-r λ` would mean λ·scale in the data's units. With `-w 1` BART's
objective is ½‖M F x − y‖² + λ‖W x‖₁ (or λ TV(x)) on the data as given, the same λ as
`cstk recon --lambda-abs λ`, and the same grid of absolute λ is swept for both tools.

cstk runs (with --cstk): `cstk recon --kspace k.cfl --mask mask.npy --truth truth.cfl
--lambda-abs λ`, l1-wavelet with --wavelet haar, db2, db4, each with --cycle-spin paired,
single and off,
100 iterations (`--tol 1e-12`, so every run does all 100, as BART's does), and tv with
--iters 2000, 500, 200, 100 (default --tol 1e-5 on the relative change: the run may
stop early; at λ = 0.002 on the poisson mask it converges in 898 iterations).

Metrics: PSNR and SSIM (skimage `structural_similarity`, Gaussian σ = 1.5, population
covariance, data_range = max|truth|) of |recon| against |truth|, computed here from each
tool's output file, so both tools are scored by the same code. Timing: whole process
(`subprocess.run`, wall and user+sys CPU of the child). The sweeps run on one thread
(OMP_NUM_THREADS=1, RAYON_NUM_THREADS=1: results do not depend on it, and BART's OpenMP
threads spin-wait badly when the 2-core VM is shared: 100 FISTA iterations took 9.9 s wall on
2 threads against 1.7 s on one at load 6); the best λ of each configuration is then rerun
--repeats times on each of --threads (default 1,2) and the median quoted.

Options: --size N (256), --phantom bart|cstk, --masks poisson,cartesian[,vd-poisson],
--repeats R (5), --threads 1,2, --quick (3 λ per sweep, 1 repeat), --bart PATH, --no-tv,
--no-l1.
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

# Absolute λ grids (the data's units; λ_max = ‖W Fᴴ Mᴴ y‖∞ ≈ 9.3 for the bart phantom).
L1_LAMBDAS = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2]
TV_LAMBDAS = [3e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2]
L1_ITERS = 100
TV_ITERS_BART = 500
TV_ITERS_CSTK = [2000, 500, 200, 100]


def readcfl(base):
    with open(base + ".hdr") as f:
        f.readline()
        dims = [int(d) for d in f.readline().split()]
    n = int(np.prod(dims))
    data = np.fromfile(base + ".cfl", dtype=np.complex64, count=n)
    return dims, data


def writecfl(base, arr2d):
    """A (NY, NX) array as a BART file with dims[0] = NX, dims[1] = NY (same memory)."""
    ny, nx = arr2d.shape
    with open(base + ".hdr", "w") as f:
        f.write(f"# Dimensions\n{nx} {ny} 1 1 1\n")
    np.ascontiguousarray(arr2d, dtype=np.complex64).tofile(base + ".cfl")


def image(base, n):
    """A BART 2-D image file as an (NY, NX) complex array (memory order kept)."""
    dims, data = readcfl(base)
    assert int(np.prod(dims)) == n * n, dims
    return data.reshape(n, n)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def timed(cmd, threads=1):
    """Runs cmd on `threads` threads (OpenMP for BART, rayon for cstk); returns (wall
    seconds, user+sys CPU seconds of the child, stdout)."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), RAYON_NUM_THREADS=str(threads))
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = run(cmd, env=env)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall, cpu, p.stdout


def scores(truth, recon):
    t = np.abs(truth).astype(np.float64)
    r = np.abs(recon).astype(np.float64)
    dr = float(t.max())
    psnr = peak_signal_noise_ratio(t, r, data_range=dr)
    ssim = structural_similarity(
        t, r, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=dr
    )
    return psnr, ssim


def build(args, root):
    n, bart = args.size, args.bart
    os.makedirs(root, exist_ok=True)
    common = os.path.join(root, "common")
    os.makedirs(common, exist_ok=True)
    truth_base = os.path.join(common, "truth")
    if args.phantom == "bart":
        run([bart, "phantom", "-x", str(n), truth_base])
    else:
        npy = os.path.join(common, "truth_cstk.npy")
        run([args.cstk, "phantom", "--size", str(n), "--out", npy])
        writecfl(truth_base, np.load(npy).astype(np.complex64))
    truth = image(truth_base, n)
    sens = os.path.join(common, "sens")
    run([bart, "ones", "2", str(n), str(n), sens])
    kfull = os.path.join(common, "kfull")
    run([bart, "fft", "-u", "3", truth_base, kfull])
    # cstk's convention (and numpy's): k = fftshift(fft2(ifftshift(x)))/√N, DC at N/2.
    ref = np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(truth.astype(np.complex128)), norm="ortho"))
    kb = image(kfull, n)
    err = np.abs(kb - ref).max() / np.abs(ref).max()
    print(f"bart fft -u vs fftshift(fft2(ifftshift(x)))/sqrt(N): max rel. diff {err:.1e}")
    assert err < 1e-5, "BART's fft -u differs from cstk's convention"

    problems = {}
    for name in args.masks:
        d = os.path.join(root, name)
        os.makedirs(d, exist_ok=True)
        mask_base = os.path.join(d, "mask")
        if name == "poisson":
            raw = os.path.join(d, "poisson_raw")
            run([bart, "poisson", "-Y", str(n), "-Z", str(n), "-y", "1.8", "-z", "1.8",
                 "-C", "24", "-e", "-s", "1", raw])
            run([bart, "reshape", "7", str(n), str(n), "1", raw, mask_base])  # [1,Y,Z] → [Y,Z,1]
            mask = image(mask_base, n).real.astype(np.float64)
        else:
            if not args.cstk:
                print(f"mask {name}: needs --cstk, skipped")
                continue
            kind = "cartesian" if name == "cartesian" else "poisson"
            npy = os.path.join(d, "mask_cstk.npy")
            run([args.cstk, "mask", "--kind", kind, "--shape", f"{n}x{n}", "--accel", "4",
                 "--acs", "24", "--out", npy])
            mask = np.load(npy)
            writecfl(mask_base, mask.astype(np.complex64))
        np.save(os.path.join(d, "mask.npy"), mask)
        kbase = os.path.join(d, "k")
        run([bart, "fmac", kfull, mask_base, kbase])
        for ext in (".cfl", ".hdr"):
            shutil.copy(truth_base + ext, os.path.join(d, "truth" + ext))
            shutil.copy(sens + ext, os.path.join(d, "sens" + ext))
        np.save(os.path.join(d, "truth.npy"), truth.astype(np.complex128))
        r = mask.size / mask.sum()
        centre = mask[n // 2 - 12 : n // 2 + 12, n // 2 - 12 : n // 2 + 12].min()
        print(f"mask {name}: {int(mask.sum())} of {mask.size} samples, R = {r:.3f}, "
              f"24x24 centre fully sampled: {bool(centre == 1)}")
        problems[name] = d
    return truth, problems


def bart_runs(args, d, truth, scratch):
    k, sens = os.path.join(d, "k"), os.path.join(d, "sens")
    out = os.path.join(scratch, "bart_recon")
    configs = []
    if not args.no_l1:
        configs.append(("l1-wavelet db2 spin", ["-l1"], L1_LAMBDAS, L1_ITERS, "-r"))
        configs.append(("l1-wavelet db2 (-n)", ["-l1", "-n"], L1_LAMBDAS, L1_ITERS, "-r"))
        configs.append(("l1-wavelet haar spin", ["-l1", "--wavelet", "haar"], L1_LAMBDAS,
                        L1_ITERS, "-r"))
    if not args.no_tv:
        configs.append(("tv (ADMM)", [], TV_LAMBDAS, TV_ITERS_BART, "T"))
    rows = []
    for label, flags, lams, iters, kind in configs:
        def cmd(lam):
            reg = ["-r", str(lam)] if kind == "-r" else ["-R", f"T:3:0:{lam}"]
            return [args.bart, "pics", "-w", "1", *flags, *reg, "-i", str(iters), k, sens, out]

        rows += sweep("bart", label, iters, lams, cmd, lambda: image(out, args.size), truth, args)
    return rows


def cstk_runs(args, d, truth, scratch):
    out = os.path.join(scratch, "cstk_out")
    base = [args.cstk, "recon", "--kspace", os.path.join(d, "k.cfl"),
            "--mask", os.path.join(d, "mask.npy"), "--truth", os.path.join(d, "truth.cfl"),
            "--quiet", "--json", "--out", out]
    # `--cycle-spin` was a switch (off by default), then `--cycle-spin [<BOOL>]` (on by
    # default), and is now `--cycle-spin [<MODE>]` (paired, single, off; paired by default):
    # say which explicitly, in the binary's own form (so older builds can be compared).
    help_text = run([args.cstk, "recon", "--help"]).stdout
    if "paired" in help_text:
        modes = {"paired": ["--cycle-spin", "paired"], "single": ["--cycle-spin", "single"],
                 "off": ["--cycle-spin", "off"]}
    elif "--cycle-spin [<" in help_text:
        modes = {"single": ["--cycle-spin", "true"], "off": ["--cycle-spin", "false"]}
    else:
        modes = {"single": ["--cycle-spin"], "off": []}

    configs = []
    if not args.no_l1:
        for wav in ["haar", "db2", "db4"]:
            for mode, spin_flags in modes.items():
                flags = ["--method", "l1-wavelet", "--wavelet", wav, "--iters", str(L1_ITERS),
                         "--tol", "1e-12"] + spin_flags
                configs.append((f"l1-wavelet {wav} {mode}", flags, L1_LAMBDAS, L1_ITERS))
    if not args.no_tv:
        for it in TV_ITERS_CSTK:
            configs.append((f"tv {it} its", ["--method", "tv", "--iters", str(it)],
                            TV_LAMBDAS, it))
    rows = []
    for label, flags, lams, iters in configs:
        def cmd(lam):
            return base + flags + ["--lambda-abs", str(lam)]

        def load():
            return np.load(os.path.join(out, "recon.npy"))

        rows += sweep("cstk", label, iters, lams, cmd, load, truth, args, metrics_dir=out)
    return rows


def sweep(tool, label, iters, lams, cmd, load, truth, args, metrics_dir=None):
    """λ sweep (one run each; then the two geometric midpoints around the best), then the
    best λ rerun args.repeats times on each thread count for the timing."""
    def one(lam):
        wall, cpu, _ = timed(cmd(lam))
        psnr, ssim = scores(truth, load())
        its = iters
        if metrics_dir:
            with open(os.path.join(metrics_dir, "metrics.json")) as f:
                m = json.load(f)
            its = m["iterations"]
            if m["method"] == "l1-wavelet":
                mode = label.split()[-1]
                spin = m["cycle_spin"]
                assert spin == mode or (isinstance(spin, bool) and spin == (mode != "off")), m
            # cstk's own metrics must agree with skimage's on the same output
            assert abs(m["psnr_db"] - psnr) < 1e-6 and abs(m["ssim"] - ssim) < 1e-6, (m, psnr, ssim)
        print(f"  {tool:4s} {label:24s} λ={lam:<8g} its={its:<4d} PSNR {psnr:6.2f} dB  "
              f"SSIM {ssim:.4f}  {wall:6.2f} s", flush=True)
        return dict(tool=tool, method=label, lam=lam, iters=its, psnr=psnr, ssim=ssim,
                    wall=wall, cpu=cpu)

    results = [one(lam) for lam in lams]
    # refine: the geometric midpoints on either side of the best λ of the grid
    best = max(results, key=lambda r: r["psnr"])
    i = lams.index(best["lam"])
    extra = [(lams[j] * best["lam"]) ** 0.5 for j in (i - 1, i + 1) if 0 <= j < len(lams)]
    for lam in extra if not args.quick else []:
        lam = float(f"{lam:.2g}")
        results.append(one(lam))
    best = max(results, key=lambda r: r["psnr"])
    rows = []
    for threads in args.threads:
        walls, cpus = [], []
        for _ in range(args.repeats):
            w, c, _ = timed(cmd(best["lam"]), threads)
            walls.append(w)
            cpus.append(c)
        rows.append(dict(best, threads=threads, wall=statistics.median(walls),
                         cpu=statistics.median(cpus), wall_min=min(walls), runs=len(walls)))
    return rows


def table(rows):
    print("| tool | method | best λ | iterations | PSNR (dB) | SSIM | threads | "
          "wall s (median) | wall s (min) | CPU s (median) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['tool']} | {r['method']} | {r['lam']:g} | {r['iters']} | {r['psnr']:.2f} | "
              f"{r['ssim']:.4f} | {r['threads']} | {r['wall']:.3f} | {r['wall_min']:.3f} | "
              f"{r['cpu']:.3f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--phantom", choices=["bart", "cstk"], default="bart")
    ap.add_argument("--masks", default="poisson,cartesian")
    ap.add_argument("--save", help="directory for the shared data (default: a temporary one)")
    ap.add_argument("--cstk", help="path of the cstk binary (release build): also runs cstk")
    ap.add_argument("--bart", default=shutil.which("bart") or "/usr/bin/bart")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", default="1,2", help="thread counts of the timing reruns")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-tv", action="store_true")
    ap.add_argument("--no-l1", action="store_true")
    args = ap.parse_args()
    args.masks = [m for m in args.masks.split(",") if m]
    args.threads = [int(t) for t in args.threads.split(",") if t]
    if args.phantom == "cstk" and not args.cstk:
        sys.exit("--phantom cstk needs --cstk")
    if args.quick:
        global L1_LAMBDAS, TV_LAMBDAS
        L1_LAMBDAS, TV_LAMBDAS = [1e-3, 3e-3, 1e-2], [1e-3, 3e-3, 1e-2]
        args.repeats = 1
    version = run([args.bart, "version"]).stdout.strip()
    print(f"BART {version}, numpy {np.__version__}, {os.cpu_count()} CPUs")
    root = args.save or tempfile.mkdtemp(prefix="recon-bart-")
    truth, problems = build(args, root)
    print(f"shared data in {root}")
    scratch = tempfile.mkdtemp(prefix="recon-bart-run-")
    try:
        for name, d in problems.items():
            print(f"\n## mask {name} ({d})")
            rows = bart_runs(args, d, truth, scratch)
            if args.cstk:
                rows += cstk_runs(args, d, truth, scratch)
            print(f"\nbest λ per configuration, mask {name}, {args.phantom} phantom {args.size}²:")
            table(rows)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
