#!/usr/bin/env python3
"""Calibrates and checks the quality gates on generated patients of mixed geometry.

Each patient is a synthetic head made from the atlas's template with skull (`deepstroke atlas
synth-patient`: a random smooth deformation, noise), given an early ischaemic change of known extent
(4-8 HU darker tissue in 1-4 regions of one hemisphere, some lesions only in part of a region) or none,
written as a DICOM series with a chosen slice thickness (1-5 mm) and gantry tilt (`deepstroke dicom
synth`), and run end to end (`deepstroke run --method both`). The table says, per patient and method,
whether the run was refused, which gates fired, the measured figures the gates use (NCC, affine scales,
region volume ratios, field-of-view fractions, tissue SD), whether the score is exact, and each method's
per-region Dice against the patient's truth labels (compared on the truth's grid).

    python3 bench/gate_calibration.py [--count 20] [--workdir DIR] [--json OUT.json] [--methods both]

False-refusal rate = refused hemispheres / scored-hemisphere opportunities on these (all scorable) scans.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import nibabel as nib
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = os.environ.get("DEEPSTROKE_BIN", str(ROOT / ".build/release/deepstroke"))
NAMES = ["C", "L", "IC", "I", "M1", "M2", "M3", "M4", "M5", "M6"]


def atlas_dir():
    """The bundled atlas, the one `run` uses by default."""
    return ROOT / "share" / "deepstroke" / "atlas"


def make_patient(n, work, rng):
    geometries = [(1.0, 1.0, 0), (0.9, 5.0, 0), (0.5, 5.0, 0), (0.8, 3.0, 15), (1.0, 2.5, 0), (0.7, 5.0, 20), (1.0, 4.0, 10), (0.6, 1.5, 0)]
    inplane, thick, tilt = geometries[n % len(geometries)]
    pdir = work / f"p{n:02d}"
    pdir.mkdir(parents=True, exist_ok=True)
    subprocess.run([BIN, "atlas", "synth-patient", str(atlas_dir()), "-o", str(pdir), "--spacing", f"{inplane},{inplane},{min(thick, 2.0)}",
                    "--seed", str(1000 + n), "--displacement", str(4 + (n % 4)), "--noise", "3"], check=True, stdout=subprocess.DEVNULL)
    ct = nib.load(pdir / "ct.nii.gz")
    vol = ct.get_fdata(dtype=np.float32)
    labels = np.asarray(nib.load(pdir / "labels.nii.gz").dataobj).astype(np.int16)
    lesion = []
    depth = 0.0
    if n % 5 != 4:  # four in five patients have a lesion
        side = 0 if rng.random() < 0.5 else 10
        k = int(rng.integers(1, 5))
        codes = sorted(int(c) + side for c in rng.choice(np.arange(1, 11), size=k, replace=False))
        depth = float(rng.uniform(4, 8))
        for c in codes:
            m = (labels == c) & (vol > 10) & (vol < 60)
            if n % 3 == 2:  # part of the region: the half nearest the back
                ys = np.argwhere(labels == c)[:, 1]
                m &= (np.arange(vol.shape[1])[None, :, None] <= np.median(ys))
            vol[m] -= depth
        lesion = codes
    nib.save(nib.Nifti1Image(vol, ct.affine), pdir / "ct_lesion.nii.gz")
    series = pdir / "series"
    cmd = [BIN, "dicom", "synth", str(pdir / "ct_lesion.nii.gz"), "-o", str(series), "--slice-thickness", str(thick)]
    if tilt:
        cmd += ["--tilt", str(tilt)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return dict(patient=n, inplane=inplane, thickness=thick, tilt=tilt, lesion=[(("R " if c <= 10 else "L ") + NAMES[(c - 1) % 10]) for c in lesion],
                depth=round(depth, 2), partial=(n % 3 == 2 and bool(lesion)), series=str(series))


def expected(p):
    r = 10 - sum(1 for x in p["lesion"] if x.startswith("R "))
    l = 10 - sum(1 for x in p["lesion"] if x.startswith("L "))
    return r, l


def dice_to_truth(labels_path, truth_path):
    """Per-region Dice (codes 1-20) of a native label map against the patient's truth, compared on the
    truth's grid: each truth voxel takes the label of the output voxel at the same world point (nearest;
    the output grid may be tilted and thicker)."""
    from scipy.ndimage import map_coordinates
    out = nib.load(labels_path)
    truth = nib.load(truth_path)
    t = np.asarray(truth.dataobj).astype(np.int16)
    m = np.linalg.inv(out.affine) @ truth.affine
    idx = np.indices(t.shape, dtype=np.float32).reshape(3, -1)
    coords = m[:3, :3] @ idx + m[:3, 3:4]
    o = map_coordinates(np.asarray(out.dataobj).astype(np.float32), coords, order=0, mode="constant", cval=0).reshape(t.shape)
    d = []
    for c in range(1, 21):
        a, b = t == c, o == c
        n = a.sum() + b.sum()
        d.append(float(2 * (a & b).sum() / n) if n else None)
    return d


def run(p, work, methods, model=None):
    out = work / f"out{p['patient']:02d}"
    cmd = [BIN, "run", p["series"], "-o", str(out), "--method", methods] + (["--model", model] if model else [])
    r = subprocess.run(cmd, capture_output=True, text=True)
    rows = []
    folders = [("atlas", out / "atlas"), ("unet", out / "unet")] if methods == "both" else [(methods, out)]
    for name, folder in folders:
        f = folder / "aspects.json"
        if not f.exists():
            f = out / "aspects.json"
        if not f.exists():
            rows.append(dict(method=name, exit=r.returncode, error=r.stderr.strip()[-300:]))
            continue
        doc = json.loads(f.read_text())
        er, el = expected(p)
        got = doc.get("aspects", {})
        affected = set(doc.get("affected_regions", []))
        row = dict(method=name, exit=r.returncode, status=doc["status"], right=got.get("right"), left=got.get("left"),
                   exact=(got.get("right") == er and got.get("left") == el and affected == set(p["lesion"])),
                   affected=sorted(affected), gates=sorted({g["gate"] for g in doc.get("gates", []) if g["severity"] == "refuse"}),
                   reasons=doc.get("not_assessable_reasons", []), warnings=doc.get("warnings", []))
        lab = folder / "labels.nii.gz"
        if lab.exists():
            row["dice"] = dice_to_truth(lab, pathlib.Path(p["series"]).parent / "labels.nii.gz")
        rows.append(row)
    for line in r.stdout.splitlines():
        if "agreement" in line or "brain" in line:
            rows[-1].setdefault("log", []).append(line.strip())
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--methods", default="both")
    ap.add_argument("--workdir")
    ap.add_argument("--json")
    ap.add_argument("--model", help="U-Net model folder (default: the bundled one)")
    a = ap.parse_args()
    work = pathlib.Path(a.workdir or tempfile.mkdtemp(prefix="gates-"))
    rng = np.random.default_rng(20261207)
    results = []
    for n in range(a.start, a.start + a.count):
        p = make_patient(n, work, rng)
        p["runs"] = run(p, work, a.methods, a.model)
        results.append(p)
        for row in p["runs"]:
            print(f"p{n:02d} {p['inplane']}x{p['thickness']}mm tilt {p['tilt']:>2} lesion {','.join(p['lesion']) or '-':<24} "
                  f"{row['method']:<5} status {row.get('status', 'ERROR'):<20} R {row.get('right')} L {row.get('left')} "
                  f"exact {row.get('exact')} gates {','.join(row.get('gates', []))} {row.get('error', '')}", flush=True)
        if a.json:
            pathlib.Path(a.json).write_text(json.dumps(results, indent=1))
    for m in sorted({r["method"] for p in results for r in p["runs"]}):
        rows = [r for p in results for r in p["runs"] if r["method"] == m]
        hemis = 2 * len(rows)
        refused = sum((r.get("right") is None) + (r.get("left") is None) for r in rows)
        exact = sum(bool(r.get("exact")) for r in rows)
        print(f"{m}: {len(rows)} patients, exact {exact}/{len(rows)}, refused hemispheres {refused}/{hemis} "
              f"(false-refusal rate {refused / max(1, hemis):.1%})")
        dice = np.array([[np.nan if x is None else x for x in r["dice"]] for r in rows if "dice" in r], dtype=float)
        if dice.size:
            per_region = np.nanmean(dice, axis=0)
            names = [("R " if c <= 10 else "L ") + NAMES[(c - 1) % 10] for c in range(1, 21)]
            print(f"{m}: mean Dice to truth {np.nanmean(per_region):.3f}; per region " +
                  ", ".join(f"{n} {v:.2f}" for n, v in zip(names, per_region)))


if __name__ == "__main__":
    sys.exit(main())
