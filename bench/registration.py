#!/usr/bin/env python3
"""Affine + deformable registration of a known-deformation case: DeepStroke vs ANTsPy (SyNCC, SyNAggro).

The case (built here with NumPy, independently of DeepStroke): the public CT template (2 mm, and the same
template upsampled to 1 mm, 256^3) is pulled through a known smooth deformation followed by an affine
(5-7 degree rotations, 3-4 % scaling, a few mm of shift) to make the moving image; the template's structure
labels pulled the same way (nearest) are the ground truth in moving space. Each tool registers
fixed = template to moving = deformed template; the template labels are then mapped into moving space
through the tool's inverse transforms and compared with the truth: mean Dice over the 20 largest
structures. The default deformation is the one Tests/RegistrationTests/TemplateRegistrationTests.swift uses;
--amplitude, --wavelength and --rotation build other cases of the same family (larger or shorter-wave
fields are harder: the template is nearly uniform inside the brain).

Every run is a separate process on the same number of threads (DEEPSTROKE_THREADS / --threads for
DeepStroke, ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS for ANTs), timed by /usr/bin/time (wall, CPU, peak RSS).
CPU seconds are printed too because wall times are inflated when the machine is shared.

    python3 bench/registration.py [--resolutions 2,1] [--tools ours,SyNCC,SyNAggro] [--threads 2]
                                  [--preset default] [--workdir DIR] [--json FILE]
                                  [--ants-timeout SECONDS] [--ants-log]
                                  [--amplitude MM] [--wavelength MM] [--rotation X,Y,Z]

Tools: `ours` (with --preset fast|default|aggressive, several joined by +), any ANTsPy type_of_transform
(SyNCC, SyNAggro, ...), and `SyNCC-its=AxBxC`: SyNCC's deformable stage (CC radius 4, SyN[0.15,3,0]) with
the given iterations per level after ANTsPy's 'SyN' affine stage, because SyNCC's own schedule
(2100x1200x1200x20 at shrink 4x3x2x1, convergence 1e-7) does not finish in hours on 2 cores. A run stopped
by --ants-timeout is reported as not finished, with its last logged iteration (--ants-log).
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import nibabel as nib
import numpy as np
from scipy import ndimage

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = os.environ.get("DEEPSTROKE_BIN", str(ROOT / ".build/release/deepstroke"))
DATA = pathlib.Path(os.environ.get("DEEPSTROKE_DATA", ROOT.parent / "shared/data"))
LPS = np.diag([-1.0, -1.0, 1.0])


def rotation(angles_deg):
    ax, ay, az = np.deg2rad(angles_deg)
    rx = np.array([[1, 0, 0], [0, np.cos(ax), -np.sin(ax)], [0, np.sin(ax), np.cos(ax)]])
    ry = np.array([[np.cos(ay), 0, np.sin(ay)], [0, 1, 0], [-np.sin(ay), 0, np.cos(ay)]])
    rz = np.array([[np.cos(az), -np.sin(az), 0], [np.sin(az), np.cos(az), 0], [0, 0, 1]])
    return rz @ ry @ rx


def world_lps(affine_ras, shape):
    """LPS mm of every voxel centre, shape (3, nx, ny, nz)."""
    ijk = np.indices(shape, dtype=np.float64).reshape(3, -1)
    ras = affine_ras[:3, :3] @ ijk + affine_ras[:3, 3:4]
    return (LPS @ ras).reshape(3, *shape)


def known_map(affine_ras, shape, amplitude=4.0, wavelength=60.0, angles=(5, -6, 7)):
    """Input-space (template) continuous indices for every moving-grid voxel: z -> A(z + d(z))."""
    p = world_lps(affine_ras, shape)
    w = 2 * np.pi / wavelength
    d = np.stack([amplitude * np.sin(w * p[1] + 0.3) * np.cos(w * p[2]),
                  amplitude * np.sin(w * p[2] + 1.1) * np.cos(w * p[0] - 0.4),
                  amplitude * np.sin(w * p[0] + 2.0) * np.cos(w * p[1] + 0.7)])
    q = (p + d).reshape(3, -1)
    centre = (LPS @ (affine_ras[:3, :3] @ ((np.array(shape) - 1) / 2) + affine_ras[:3, 3]))
    m = rotation(angles) @ np.array([[1.04, 0.02, 0], [0, 0.97, 0.01], [0, 0, 1.03]])
    r = m @ (q - centre[:, None]) + centre[:, None] + np.array([4.0, -3.0, 5.0])[:, None]
    ras = LPS @ r
    inv = np.linalg.inv(affine_ras)
    ijk = inv[:3, :3] @ ras + inv[:3, 3:4]
    return ijk.reshape(3, *shape)


def pull(data, coords, order):
    """Samples with edge replication inside the footprint [-0.5, n - 0.5] and 0 outside (DeepStroke's and
    ITK's convention)."""
    out = ndimage.map_coordinates(data, coords, order=order, mode="nearest")
    inside = np.ones(coords.shape[1:], bool)
    for a in range(3):
        inside &= (coords[a] >= -0.5) & (coords[a] <= data.shape[a] - 0.5)
    out[~inside] = 0
    return out


def build_case(workdir, mm, amplitude=4.0, wavelength=60.0, angles=(5, -6, 7)):
    d = DATA / "ct_template"
    t = nib.load(str(d / "template_2mm.nii.gz"))
    s = nib.load(str(d / "structures_2mm.nii.gz"))
    tdata = np.asarray(t.dataobj, dtype=np.float32)
    sdata = np.asarray(s.dataobj).astype(np.int16)
    affine = t.affine.copy()
    if mm == 1:
        # the same 256 mm footprint at 1 mm: voxel i' stands for 2 mm index (i' - 0.5) / 2
        up = np.diag([0.5, 0.5, 0.5, 1.0])
        up[:3, 3] = -0.25
        affine = t.affine @ up
        shape = tuple(2 * n for n in tdata.shape)
        coords = (np.indices(shape, dtype=np.float64) - 0.5) / 2
        tdata = pull(tdata, coords, 1).astype(np.float32)
        sdata = pull(sdata, coords, 0).astype(np.int16)
    shape = tdata.shape
    fixed, labels = workdir / f"fixed_{mm}mm.nii.gz", workdir / f"labels_{mm}mm.nii.gz"
    nib.Nifti1Image(tdata, affine).to_filename(str(fixed))
    nib.Nifti1Image(sdata, affine).to_filename(str(labels))
    coords = known_map(affine, shape, amplitude, wavelength, angles)
    moving = pull(tdata, coords, 1).astype(np.float32)
    truth = pull(sdata, coords, 0).astype(np.int16)
    mpath, tpath = workdir / f"moving_{mm}mm.nii.gz", workdir / f"truth_{mm}mm.nii.gz"
    nib.Nifti1Image(moving, affine).to_filename(str(mpath))
    nib.Nifti1Image(truth, affine).to_filename(str(tpath))
    ids, counts = np.unique(sdata[sdata > 0], return_counts=True)
    largest = ids[np.argsort(counts)[::-1][:20]]
    return dict(fixed=fixed, labels=labels, moving=mpath, truth=tpath, largest=[int(x) for x in largest])


def dice(a_path, truth_path, ids):
    a = np.asarray(nib.load(str(a_path)).dataobj).astype(np.int32)
    b = np.asarray(nib.load(str(truth_path)).dataobj).astype(np.int32)
    scores = []
    for l in ids:
        x, y = a == l, b == l
        s = x.sum() + y.sum()
        scores.append(2 * (x & y).sum() / s if s else 1.0)
    return float(np.mean(scores))


def timed(cmd, env, timeout=None):
    """Runs cmd under /usr/bin/time; returns (stdout, wall s, cpu s, peak MB), or None when it ran past
    `timeout` seconds (it is then stopped)."""
    tf = tempfile.NamedTemporaryFile(delete=False)
    tf.close()
    p = subprocess.Popen(["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf.name, *cmd], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)
        p.communicate()
        os.unlink(tf.name)
        return None
    if p.returncode != 0:
        sys.exit(f"command failed: {' '.join(cmd)}\n{err[-3000:]}")
    wall, user, sys_, rss = open(tf.name).read().split()[-4:]
    os.unlink(tf.name)
    return out, float(wall), float(user) + float(sys_), float(rss) / 1024


def run_ours(case, workdir, mm, threads, preset):
    env = dict(os.environ, DEEPSTROKE_THREADS=str(threads))
    prefix = workdir / f"ours_{preset}_{mm}mm"
    _, wall, cpu, rss = timed([BIN, "register", "--fixed", str(case["fixed"]), "--moving", str(case["moving"]),
                               "-o", str(prefix), "--preset", preset, "--threads", str(threads), "--quiet"], env)
    mapped = workdir / f"ours_{preset}_{mm}mm_labels.nii.gz"
    subprocess.run([BIN, "apply", "--reference", str(case["moving"]), "--input", str(case["labels"]),
                    "--transform", str(prefix), "--inverse", "--interpolation", "label", "-o", str(mapped)],
                   check=True, env=env)
    report = json.loads(pathlib.Path(str(prefix) + "_report.json").read_text())
    return dict(tool=f"ours ({preset})", seconds=wall, cpu_seconds=cpu, peak_mb=rss, dice=dice(mapped, case["truth"], case["largest"]),
                internal_seconds=report["timing"]["totalSeconds"])


def ants_worker(args):
    import ants
    f = ants.image_read(args.fixed)
    m = ants.image_read(args.moving)
    verbose = bool(args.ants_log_worker)
    if verbose:
        # ANTs prints its per-iteration metric from C++ to fd 1: send it to the log, keep stdout for the result
        saved = os.dup(1)
        log = os.open(args.ants_log_worker, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(log, 1)
    t0, c0 = time.perf_counter(), time.process_time()
    if args.ants.startswith("SyNCC-its="):
        # SyNCC's deformable stage (CC radius 4, SyN[0.15,3,0]) with fewer iterations per level, after
        # ANTsPy's standard 'SyN' affine stage: the full SyNCC schedule (2100x1200x1200x20) runs for hours here
        its = tuple(int(x) for x in args.ants.split("=", 1)[1].split("x"))
        reg = ants.registration(f, m, type_of_transform="SyN", syn_metric="CC", syn_sampling=4, grad_step=0.15,
                                flow_sigma=3, total_sigma=0, reg_iterations=its, outprefix=args.prefix, verbose=verbose)
    else:
        reg = ants.registration(f, m, type_of_transform=args.ants, outprefix=args.prefix, verbose=verbose)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    if verbose:
        sys.stdout.flush()
        os.dup2(saved, 1)
    labels = ants.image_read(args.labels)
    mapped = ants.apply_transforms(fixed=m, moving=labels, transformlist=reg["invtransforms"],
                                   interpolator="genericLabel", whichtoinvert=[True, False])
    ants.image_write(mapped, args.out)
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu}))


def last_progress(log):
    """The last iteration line of an ANTs verbose log, to say how far a stopped run got."""
    try:
        lines = [l for l in pathlib.Path(log).read_text(errors="replace").splitlines() if "DIAGNOSTIC," in l
                 or "Stage" in l or "Current level" in l]
    except OSError:
        return None
    return " | ".join(l.strip() for l in lines[-3:])


def run_ants(case, workdir, mm, threads, kind, log, timeout=None):
    env = dict(os.environ, ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    out = workdir / f"ants_{kind}_{mm}mm_labels.nii.gz"
    logfile = workdir / f"ants_{kind}_{mm}mm.log"
    result = timed([sys.executable, __file__, "--worker", "--ants", kind, "--fixed", str(case["fixed"]),
                    "--moving", str(case["moving"]), "--labels", str(case["labels"]),
                    "--prefix", str(workdir / f"ants_{kind}_{mm}mm_"), "--out", str(out)]
                   + (["--ants-log-file", str(logfile)] if log else []), env, timeout)
    if result is None:
        return dict(tool=f"ANTsPy {kind}", finished=False, seconds=float(timeout), cpu_seconds=float("nan"),
                    peak_mb=float("nan"), dice=float("nan"), progress=last_progress(logfile) if log else None)
    stdout, wall, cpu, rss = result
    inner = json.loads(stdout.strip().splitlines()[-1])
    return dict(tool=f"ANTsPy {kind}", finished=True, seconds=inner["seconds"], cpu_seconds=inner["cpu_seconds"], process_seconds=wall,
                peak_mb=rss, dice=dice(out, case["truth"], case["largest"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--resolutions", default="2")
    ap.add_argument("--tools", default="ours,SyNCC,SyNAggro")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--preset", default="default")
    ap.add_argument("--workdir")
    ap.add_argument("--json", help="also write the results here (rewritten after every run)")
    ap.add_argument("--ants-timeout", type=float, help="stop an ANTs run after this many seconds (reported as a lower bound)")
    ap.add_argument("--amplitude", type=float, default=4.0, help="deformation amplitude, mm (default 4)")
    ap.add_argument("--wavelength", type=float, default=60.0, help="deformation wavelength, mm (default 60)")
    ap.add_argument("--rotation", default="5,-6,7", help="rotation of the affine part, degrees about x,y,z (default 5,-6,7)")
    ap.add_argument("--ants-log", action="store_true",
                    help="ANTs verbose output (metric per iteration) to WORKDIR/ants_KIND_MMmm.log, to follow long runs")
    # worker mode (one ANTsPy registration in its own process)
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--ants"); ap.add_argument("--fixed"); ap.add_argument("--moving"); ap.add_argument("--labels")
    ap.add_argument("--prefix"); ap.add_argument("--out")
    ap.add_argument("--ants-log-file", dest="ants_log_worker")
    args = ap.parse_args()
    if args.worker:
        return ants_worker(args)
    workdir = pathlib.Path(args.workdir or tempfile.mkdtemp(prefix="regbench"))
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for mm in [int(x) for x in args.resolutions.split(",")]:
        case = build_case(workdir, mm, args.amplitude, args.wavelength, [float(a) for a in args.rotation.split(",")])
        rows = []
        for tool in args.tools.split(","):
            for preset in (args.preset.split("+") if tool == "ours" else [None]):
                r = run_ours(case, workdir, mm, args.threads, preset) if tool == "ours" else run_ants(case, workdir, mm, args.threads, tool, args.ants_log, args.ants_timeout)
                r["mm"] = mm
                rows.append(r)
                if args.json:
                    pathlib.Path(args.json).write_text(json.dumps(results + rows, indent=2))
                if not r.get("finished", True):
                    print(f"{mm} mm  {r['tool']:<22} NOT FINISHED after {r['seconds']:.0f} s wall; last progress: {r['progress']}",
                          flush=True)
                    continue
                print(f"{mm} mm  {r['tool']:<22} wall {r['seconds']:8.1f} s  cpu {r['cpu_seconds']:8.1f} s  "
                      f"peak {r['peak_mb']:7.0f} MB  Dice {r['dice']:.4f}", flush=True)
        ours_rows = [r for r in rows if r["tool"].startswith("ours")]
        for o in ours_rows:
            for r in rows:
                if r["tool"].startswith("ANTsPy") and not r["finished"]:
                    print(f"{mm} mm  {o['tool']} vs {r['tool']}: time ratio ours/ANTs < {o['seconds'] / r['seconds']:.4f} "
                          f"(ANTs stopped unfinished)")
                elif r["tool"].startswith("ANTsPy"):
                    print(f"{mm} mm  {o['tool']} vs {r['tool']}: time ratio ours/ANTs {o['seconds'] / r['seconds']:.3f} "
                          f"(speed-up x{r['seconds'] / o['seconds']:.1f}, CPU x{r['cpu_seconds'] / o['cpu_seconds']:.1f}), "
                          f"memory ratio {o['peak_mb'] / r['peak_mb']:.2f}, Dice {o['dice']:.4f} vs {r['dice']:.4f}")
        results += rows
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
