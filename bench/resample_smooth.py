#!/usr/bin/env python3
"""Trilinear resampling and Gaussian smoothing of a float32 volume: DeepStroke vs scipy.ndimage.

Same input for both (a raw float32 file written here), same operation:
- resample: into a grid of the same size rotated 10 degrees about (0.2, 0.3, 1) through the centre;
  DeepStroke prints the output-index -> input-index map it used and scipy's affine_transform (and
  map_coordinates, coordinates precomputed outside the timing) run with exactly that map, order=1,
  mode='nearest';
- smooth: Gaussian, sigma 2 mm on 1 mm voxels, edges replicated: gaussian_filter(mode='nearest').
Each side times only the operation, in its own process, best of --repeats. scipy.ndimage is
single-threaded, so ratios are against scipy on one thread; DeepStroke is reported at each --threads.
CPU seconds are printed too because wall times are inflated when the machine is shared.

    python3 bench/resample_smooth.py [--size 256] [--threads 1,2] [--repeats 3]
"""
import argparse
import json
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
BENCH_BIN = os.environ.get("DEEPSTROKE_BENCH_BIN", str(ROOT / ".build/release/deepstroke-bench"))


def peak_rss_mb():
    """VmHWM (reset at exec, unlike ru_maxrss, which a forked child inherits from this driver)."""
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def kji_matrix(index_map):
    """DeepStroke's (i, j, k) index map as a 4x4 for numpy arrays indexed [k, j, i]."""
    m = np.array(index_map, float).reshape(4, 4)
    p = np.eye(4)[[2, 1, 0, 3]]
    return p @ m @ p


def scipy_worker(args):
    from scipy import ndimage
    n = args.size
    data = np.fromfile(args.raw, dtype=np.float32).reshape(n, n, n)
    best, cpu = float("inf"), float("inf")
    result = None
    if args.op == "affine_transform":
        m = kji_matrix(json.loads(args.index_map))
        run = lambda: ndimage.affine_transform(data, m, order=1, mode="nearest")
    elif args.op == "map_coordinates":
        m = kji_matrix(json.loads(args.index_map))
        grid = np.indices((n, n, n), dtype=np.float32).reshape(3, -1)
        coords = (m[:3, :3].astype(np.float32) @ grid + m[:3, 3:4].astype(np.float32)).reshape(3, n, n, n)
        del grid
        run = lambda: ndimage.map_coordinates(data, coords, order=1, mode="nearest")
    else:
        run = lambda: ndimage.gaussian_filter(data, args.sigma, mode="nearest", truncate=4.0)
    for _ in range(args.repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        result = run()
        best = min(best, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    if args.output:
        result.astype(np.float32).tofile(args.output)
    peak = peak_rss_mb()
    print(json.dumps({"seconds": best, "cpu_seconds": cpu, "peak_rss_mb": peak}))


def ours(op, raw, size, threads, repeats, output, sigma):
    cmd = [BENCH_BIN, op, "--raw", raw, "--size", str(size), "--threads", str(threads),
           "--repeats", str(repeats), "--output", output]
    if op == "smooth":
        cmd += ["--sigma", str(sigma)]
    r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    r["cpu_seconds"] = min(r["cpu_seconds"])
    return r


def reference(op, raw, size, repeats, output, index_map=None, sigma=2.0):
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    cmd = [sys.executable, __file__, "--worker", op, "--raw", raw, "--size", str(size), "--repeats", str(repeats),
           "--output", output, "--sigma", str(sigma)]
    if index_map is not None:
        cmd += ["--index-map", json.dumps(index_map)]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sigma", type=float, default=2.0)
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--raw", help=argparse.SUPPRESS)
    ap.add_argument("--output", help=argparse.SUPPRESS)
    ap.add_argument("--index-map", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        args.op = args.worker
        return scipy_worker(args)

    n = args.size
    threads = [int(t) for t in args.threads.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        raw = str(tmp / "in.raw")
        rng = np.random.default_rng(0)
        # CT-like content: smooth structure, a noise floor, air around it.
        k, j, i = np.ogrid[:n, :n, :n]
        r2 = ((i - n / 2) ** 2 + (j - n / 2) ** 2 + (k - n / 2) ** 2) / (0.4 * n) ** 2
        vol = np.where(r2 < 1, 40 + 30 * np.sin(i * 0.05) * np.cos(j * 0.07), -1000).astype(np.float32)
        vol += rng.standard_normal((n, n, n), dtype=np.float32) * 5
        vol.tofile(raw)
        del vol

        rows = []
        # Resample.
        mine = {t: ours("resample", raw, n, t, args.repeats, str(tmp / f"ours_rs{t}.raw"), args.sigma) for t in threads}
        index_map = mine[threads[0]]["index_map"]
        at = reference("affine_transform", raw, n, args.repeats, str(tmp / "ref_rs.raw"), index_map)
        mc = reference("map_coordinates", raw, n, args.repeats, str(tmp / "ref_mc.raw"), index_map)
        best_ref = min(at["seconds"], mc["seconds"])
        a = np.fromfile(tmp / f"ours_rs{threads[0]}.raw", dtype=np.float32).reshape(n, n, n)
        b = np.fromfile(tmp / "ref_rs.raw", dtype=np.float32).reshape(n, n, n)
        # Compare where the mapped point is inside [0, n-1] (outside, DeepStroke writes 0, scipy extends).
        m = kji_matrix(index_map)
        idx = np.indices((n, n, n), dtype=np.float32).reshape(3, -1)
        c = (m[:3, :3].astype(np.float32) @ idx + m[:3, 3:4].astype(np.float32))
        inside = np.all((c >= 0) & (c <= n - 1), axis=0).reshape(n, n, n)
        del idx, c
        diff_rs = float(np.abs(a - b)[inside].max())
        del a, b, inside
        rows.append(("resample linear", "scipy affine_transform", 1, at, None))
        rows.append(("resample linear", "scipy map_coordinates", 1, mc, None))
        for t in threads:
            rows.append(("resample linear", "deepstroke", t, mine[t], mine[t]["seconds"] / best_ref))

        # Smooth.
        mine = {t: ours("smooth", raw, n, t, args.repeats, str(tmp / f"ours_sm{t}.raw"), args.sigma) for t in threads}
        gf = reference("gaussian_filter", raw, n, args.repeats, str(tmp / "ref_sm.raw"), sigma=args.sigma)
        a = np.fromfile(tmp / f"ours_sm{threads[0]}.raw", dtype=np.float32)
        b = np.fromfile(tmp / "ref_sm.raw", dtype=np.float32)
        diff_sm = float(np.abs(a - b).max())
        del a, b
        rows.append((f"gaussian sigma {args.sigma} mm", "scipy gaussian_filter", 1, gf, None))
        for t in threads:
            rows.append((f"gaussian sigma {args.sigma} mm", "deepstroke", t, mine[t], mine[t]["seconds"] / gf["seconds"]))

    print(f"{n}^3 float32, best of {args.repeats}; ratio = DeepStroke wall time / best scipy wall time (1 thread)")
    print(f"{'operation':24} {'tool':24} {'threads':>7} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'ratio':>6}")
    for op, tool, t, r, ratio in rows:
        print(f"{op:24} {tool:24} {t:7d} {r['seconds']:8.3f} {r['cpu_seconds']:8.3f} {r['peak_rss_mb']:8.0f} "
              f"{'' if ratio is None else f'{ratio:6.2f}'}")
    print(f"max |ours - scipy|: resample (interior) {diff_rs:.2e}, smooth {diff_sm:.2e}")


if __name__ == "__main__":
    main()
