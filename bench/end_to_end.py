#!/usr/bin/env python3
"""End-to-end time of `deepstroke run` on hospital-sized NCCT series: 512 x 512 x 30 slices of 5 mm
(`--case thick`, the default) and 512 x 512 x 150 slices of 1 mm (`--case thin`), 0.5 mm in-plane.

The series is made from the public CT template with skull (NumPy/SciPy resampling to 0.5 mm in-plane and
5 mm slices, 30 slices over the brain, air at -1000 HU, 3 HU noise in the head; no lesion: this measures
time, not accuracy), written as DICOM by `deepstroke dicom synth`. Then each method runs as its
own process, timed by /usr/bin/time (wall, CPU, peak RSS), with the steps `run` prints.

There is no reference tool that does the whole job to set beside it; the reference pipeline's atlas
registration alone (ANTs aggressive SyN) took more than 3 minutes per scan on 24 cores.

    python3 bench/end_to_end.py [--case thick|thin] [--methods unet,atlas,both] [--threads 2] [--workdir DIR]
"""
import argparse
import os
import pathlib
import re
import subprocess
import tempfile

import nibabel as nib
import numpy as np
from scipy import ndimage

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = os.environ.get("DEEPSTROKE_BIN", str(ROOT / ".build/release/deepstroke"))
DATA = pathlib.Path(os.environ.get("DEEPSTROKE_DATA", ROOT.parent / "shared/data"))


def make_series(workdir, slices=30, thickness=5.0):
    src = nib.load(DATA / "ct_template" / "template_with_skull_2mm.nii.gz")
    vol = src.get_fdata(dtype=np.float32)
    vol[vol == 0] = -1000  # the template stores air as 0
    head = np.argwhere(vol > -300)
    zc = (head[:, 2].min() + head[:, 2].max()) / 2
    # Output voxel (i, j, k) of 0.5 x 0.5 x T mm samples the template (2 mm) at (i/4, j/4, z0 + (T/2) k).
    step = thickness / 2
    z0 = zc - step * (slices - 1) / 2
    i = np.arange(512) * 0.25 - 0.375
    k = z0 + np.arange(slices) * step
    coords = np.meshgrid(i, i, k, indexing="ij")
    out = ndimage.map_coordinates(vol, coords, order=1, mode="nearest", cval=-1000).astype(np.float32)
    out += np.random.default_rng(0).normal(0, 3, out.shape).astype(np.float32) * (out > -200)
    aff = src.affine.copy()
    aff[:3, :3] = src.affine[:3, :3] @ np.diag([0.25, 0.25, step])
    aff[:3, 3] = src.affine[:3, :3] @ np.array([-0.375, -0.375, z0]) + src.affine[:3, 3]
    path = workdir / f"ncct_512x512x{slices}.nii.gz"
    nib.save(nib.Nifti1Image(out, aff), path)
    series = workdir / "series"
    subprocess.run([BIN, "dicom", "synth", str(path), "-o", str(series)], check=True, stdout=subprocess.DEVNULL)
    return series


def timed(cmd, env):
    r = subprocess.run(["/usr/bin/time", "-v"] + cmd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stdout}\n{r.stderr}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", r.stderr).group(1)
    parts = [float(p) for p in wall.split(":")]
    seconds = parts[-1] + 60 * parts[-2] + (3600 * parts[-3] if len(parts) > 2 else 0)
    cpu = float(re.search(r"User time \(seconds\): (\S+)", r.stderr).group(1)) + float(re.search(r"System time \(seconds\): (\S+)", r.stderr).group(1))
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1)) / 1024
    return seconds, cpu, peak, r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--methods", default="unet,atlas")
    ap.add_argument("--case", choices=["thick", "thin"], default="thick")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workdir")
    a = ap.parse_args()
    workdir = pathlib.Path(a.workdir or tempfile.mkdtemp(prefix="e2ebench"))
    workdir.mkdir(parents=True, exist_ok=True)
    slices, thickness = (30, 5.0) if a.case == "thick" else (150, 1.0)
    series = make_series(workdir, slices, thickness)
    env = dict(os.environ, DEEPSTROKE_THREADS=str(a.threads))
    # Build (or reuse) the cached atlas once, outside the timed runs, as a site would.
    subprocess.run([BIN, "run", str(series), "-o", str(workdir / "warmup"), "--method", "atlas", "--preset", "fast"],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    for m in a.methods.split(","):
        seconds, cpu, peak, out = timed([BIN, "run", str(series), "-o", str(workdir / m), "--method", m], env)
        steps = [l for l in out.splitlines() if " done in " in l or l.startswith(m + ":")]
        print(f"run --method {m:<6} 512x512x{slices} @ {thickness:g} mm: wall {seconds:6.1f} s  cpu {cpu:6.1f} s  peak {peak:6.0f} MB  "
              f"({a.threads} threads)")
        for s in steps:
            print("    " + s)


if __name__ == "__main__":
    main()
