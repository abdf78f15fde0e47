#!/usr/bin/env python3
"""NIfTI .nii.gz read and write: DeepStroke vs nibabel on the same 256^3 float32 file.

Ours runs the `deepstroke-bench nifti` command, which times NIfTIFile.readVolume(as: Float) and
NIfTIFile.write (gzip level 1) inside the process; nibabel times nib.load(f).get_fdata(dtype=float32) and
nib.save (its default gzip level is also 1). Each side runs in its own process so peak memory (max RSS)
is per side. nibabel is single-threaded, so ours is reported with 1 thread and with all threads.

Input: the CT template with skull, upsampled x2 (trilinear) to 256^3 float32, written by nibabel: real
anatomy, non-integer values, a compressibility typical of processed CT. --noise adds N(0, 2) noise, the
nearly incompressible worst case.

Usage: python3 bench/nifti_io.py [--repeat 3] [--noise] [--workdir DIR]
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH_BIN = os.environ.get("DEEPSTROKE_BENCH_BIN", os.path.join(ROOT, ".build/release/deepstroke-bench"))

NIBABEL_SCRIPT = r"""
import json, sys, time
import numpy as np, nibabel as nib
path, out, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
reads, writes = [], []
for _ in range(repeat):
    t0 = time.perf_counter(); data = nib.load(path).get_fdata(dtype=np.float32); reads.append(time.perf_counter() - t0)
img = nib.Nifti1Image(data, nib.load(path).affine)
for _ in range(repeat):
    t0 = time.perf_counter(); nib.save(img, out); writes.append(time.perf_counter() - t0)
import os
print(json.dumps({"read_s": min(reads), "write_s": min(writes), "written_bytes": os.path.getsize(out)}))
"""


def make_input(path, noise):
    import nibabel as nib
    import numpy as np
    data_dir = os.environ.get("DEEPSTROKE_DATA", os.path.join(ROOT, "..", "shared", "data"))
    src = os.path.join(data_dir, "ct_template", "template_with_skull_2mm.nii.gz")
    if os.path.exists(src):
        import scipy.ndimage as ndi
        t = nib.load(src)
        vol = ndi.zoom(t.get_fdata(dtype=np.float32), 2.0, order=1).astype(np.float32)
        affine = t.affine.copy()
        affine[:3, :3] /= 2
    else:  # no data folder: smooth synthetic head-like volume
        z, y, x = np.mgrid[-1:1:256j, -1:1:256j, -1:1:256j].astype(np.float32)
        r = np.sqrt(x * x + y * y + z * z)
        vol = np.where(r < 0.8, 40 + 10 * np.sin(8 * x) * np.cos(6 * y), np.where(r < 0.9, 1000.0, -1000.0)).astype(np.float32)
        affine = np.diag([-1.0, 1.0, 1.0, 1.0])
    if noise:
        vol = vol + np.random.default_rng(0).normal(0, 2, vol.shape).astype(np.float32)
    nib.save(nib.Nifti1Image(vol, affine), path)


def run_measured(cmd, env=None):
    """Runs cmd in a wrapper process that reports the child's peak RSS (MiB) with its JSON output."""
    wrapper = (
        "import resource, subprocess, sys, json\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "if p.returncode: sys.stderr.write(p.stderr); sys.exit(p.returncode)\n"
        "d = json.loads(p.stdout.strip().splitlines()[-1])\n"
        "d['peak_mib'] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps(d))\n"
    )
    out = subprocess.run([sys.executable, "-c", wrapper] + cmd, capture_output=True, text=True, env=env)
    if out.returncode:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    return json.loads(out.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--noise", action="store_true")
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix="deepstroke-bench-")
    os.makedirs(work, exist_ok=True)
    path = os.path.join(work, "ct256_noise.nii.gz" if args.noise else "ct256.nii.gz")
    if not os.path.exists(path):
        make_input(path, args.noise)
    print(f"input: {path} ({os.path.getsize(path) / 2**20:.1f} MiB compressed, 64 MiB float32)")

    nib_res = run_measured([sys.executable, "-c", NIBABEL_SCRIPT, path, os.path.join(work, "nib_out.nii.gz"), str(args.repeat)])
    rows = [("nibabel", nib_res)]
    cores = os.cpu_count() or 1
    for threads in sorted({1, cores}):
        env = dict(os.environ, DEEPSTROKE_THREADS=str(threads))
        res = run_measured([BENCH_BIN, "nifti", "--input", path, "--output", os.path.join(work, "ours_out.nii.gz"),
                            "--repeat", str(args.repeat), "--threads", str(threads)], env=env)
        rows.append((f"deepstroke {threads} thread{'s' if threads > 1 else ''}", res))

    print(f"{'':24} {'read s':>8} {'write s':>8} {'peak MiB':>9} {'out MiB':>8} {'read ratio':>10} {'write ratio':>11}")
    for name, r in rows:
        rr = r["read_s"] / nib_res["read_s"]
        wr = r["write_s"] / nib_res["write_s"]
        print(f"{name:24} {r['read_s']:8.3f} {r['write_s']:8.3f} {r['peak_mib']:9.0f} {r['written_bytes'] / 2**20:8.1f} {rr:10.2f} {wr:11.2f}")
    print("ratio = ours / nibabel (below 1.0: DeepStroke is faster)")


if __name__ == "__main__":
    main()
