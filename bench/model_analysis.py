#!/usr/bin/env python3
"""Analysis of a U-Net on held-out generated patients: per-region Dice, 95th-percentile surface distance,
volume error, and the calibration of its softmax (reliability table and plot), with the worst cases drawn.

The patients are made by `deepstroke dataset synth` with seeds the training set did not use (default
5001-5012; the bundled frame model was trained on seeds 1-133), in the form the model reads (`--registered`
for a frame model, else native). `deepstroke segment --probabilities` runs the model; everything else is
NumPy/SciPy here, so the figures do not come from the code under test.

    python3 bench/model_analysis.py [--model DIR] [--first-seed 5001] [--count 12] [--workdir DIR] [--out docs/model-analysis]

Writes OUT/analysis.json, OUT/reliability.svg and OUT/worst_*.png, and prints the tables as Markdown.
"""
import argparse
import json
import os
import pathlib
import subprocess
import tempfile

import nibabel as nib
import numpy as np
from scipy import ndimage

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = os.environ.get("DEEPSTROKE_BIN", str(ROOT / ".build/release/deepstroke"))
NAMES = [("R " if c <= 10 else "L ") + ["C", "L", "IC", "I", "M1", "M2", "M3", "M4", "M5", "M6"][(c - 1) % 10] for c in range(1, 21)]


def surface_distance_95(a, b, spacing):
    """Symmetric 95th-percentile distance (mm) between the surfaces of two masks."""
    if not a.any() or not b.any():
        return float("nan")
    sa = a & ~ndimage.binary_erosion(a)
    sb = b & ~ndimage.binary_erosion(b)
    da = ndimage.distance_transform_edt(~sb, sampling=spacing)[sa]
    db = ndimage.distance_transform_edt(~sa, sampling=spacing)[sb]
    return float(np.percentile(np.concatenate([da, db]), 95))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(ROOT / "share/deepstroke/models/aspects-unet-frame"))
    ap.add_argument("--first-seed", type=int, default=5001)
    ap.add_argument("--count", type=int, default=12)
    ap.add_argument("--workdir")
    ap.add_argument("--out", default=str(ROOT / "docs/model-analysis"))
    a = ap.parse_args()
    work = pathlib.Path(a.workdir or tempfile.mkdtemp(prefix="analysis-"))
    out = pathlib.Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    pre = json.loads((pathlib.Path(a.model) / "preprocessing.json").read_text())
    registered = "atlas_frame" in pre
    classes = json.loads((pathlib.Path(a.model) / "config.json").read_text())["classes"]
    sideless = classes == 11  # regions 1-10 without side: the truth is folded to match
    names = [n[2:] for n in NAMES[:10]] if sideless else NAMES
    codes = range(1, 11) if sideless else range(1, 21)
    data = work / "data"
    cmd = [BIN, "dataset", "synth", "-o", str(data), "--count", str(a.count), "--first-seed", str(a.first_seed)]
    if registered:
        cmd.append("--registered")
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)

    dice, hd95, verr, cases = [], [], [], []
    bins = np.linspace(0, 1, 11)
    conf_sum, acc_sum, count = np.zeros(10), np.zeros(10), np.zeros(10)
    for img in sorted((data / "images").glob("*.nii.gz")):
        name = img.name[: -len(".nii.gz")]
        seg, prob = work / f"{name}_seg.nii.gz", work / f"{name}_prob.nii.gz"
        subprocess.run([BIN, "segment", str(img), "--model", a.model, "-o", str(seg), "--probabilities", str(prob)],
                       check=True, stdout=subprocess.DEVNULL)
        truth_nii = nib.load(data / "labels" / img.name)
        truth = np.asarray(truth_nii.dataobj).astype(np.int16)
        if sideless:
            truth = np.where(truth > 10, truth - 10, truth)
        pred = np.asarray(nib.load(seg).dataobj).astype(np.int16)
        p = np.asarray(nib.load(prob).dataobj, dtype=np.float32)  # (x, y, z, K) or (x, y, z, 1, K)
        if p.ndim == 5:
            p = p[:, :, :, 0, :]
        spacing = truth_nii.header.get_zooms()[:3]
        vox_ml = float(np.prod(spacing)) / 1000
        d, h, v = [], [], []
        for c in codes:
            t, q = truth == c, pred == c
            n = t.sum() + q.sum()
            d.append(float(2 * (t & q).sum() / n) if n else float("nan"))
            h.append(surface_distance_95(t, q, spacing))
            v.append(float((q.sum() - t.sum()) * vox_ml))
        dice.append(d), hd95.append(h), verr.append(v)
        cases.append((float(np.nanmean(d)), name, img, truth, pred))
        # Reliability: every voxel inside the brain box where either map has a region, binned by the
        # probability of the predicted class; accuracy = predicted class is the truth.
        roi = (truth > 0) | (pred > 0)
        conf = p.max(axis=-1)[roi]
        hit = (p.argmax(axis=-1)[roi] == truth[roi])
        idx = np.clip(np.digitize(conf, bins) - 1, 0, 9)
        for b in range(10):
            sel = idx == b
            conf_sum[b] += conf[sel].sum()
            acc_sum[b] += hit[sel].sum()
            count[b] += sel.sum()
    dice, hd95, verr = np.array(dice), np.array(hd95), np.array(verr)
    rel = [dict(bin=f"{bins[b]:.1f}-{bins[b + 1]:.1f}", voxels=int(count[b]),
                confidence=float(conf_sum[b] / count[b]) if count[b] else None,
                accuracy=float(acc_sum[b] / count[b]) if count[b] else None) for b in range(10)]
    ece = float(sum(abs(conf_sum[b] - acc_sum[b]) for b in range(10)) / max(1, count.sum()))
    result = dict(model=a.model, seeds=[a.first_seed, a.first_seed + a.count - 1], registered=registered,
                  mean_dice=float(np.nanmean(dice)), regions={n: dict(dice=float(np.nanmean(dice[:, i])), dice_min=float(np.nanmin(dice[:, i])),
                                                                     hd95_mm=float(np.nanmean(hd95[:, i])), volume_error_ml=float(np.mean(verr[:, i])),
                                                                     volume_abs_error_ml=float(np.mean(np.abs(verr[:, i]))))
                                                                for i, n in enumerate(names)},
                  reliability=rel, expected_calibration_error=ece)
    (out / "analysis.json").write_text(json.dumps(result, indent=1))

    # Reliability plot (SVG by hand: no plotting library needed).
    pts = [(r["confidence"], r["accuracy"]) for r in rel if r["confidence"] is not None]
    W = 320
    poly = " ".join(f"{40 + c * 260:.1f},{290 - acc * 260:.1f}" for c, acc in pts)
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{W}" font-family="sans-serif" font-size="11">',
           '<rect x="40" y="30" width="260" height="260" fill="none" stroke="#888"/>',
           '<line x1="40" y1="290" x2="300" y2="30" stroke="#bbb" stroke-dasharray="4"/>',
           f'<polyline points="{poly}" fill="none" stroke="#c0392b" stroke-width="2"/>',
           '<text x="120" y="315">softmax probability</text>', '<text x="5" y="20">fraction correct</text>',
           f'<text x="50" y="50">ECE {ece:.3f}</text>', '</svg>']
    (out / "reliability.svg").write_text("\n".join(svg))

    # The two worst cases: middle slice of the regions, truth (left) and prediction (right) outlines.
    try:
        from PIL import Image
        cases.sort(key=lambda c: c[0])
        for rank, (md, name, img, truth, pred) in enumerate(cases[:2]):
            ct = np.asarray(nib.load(img).dataobj, dtype=np.float32)
            z = int(np.median(np.argwhere(truth > 0)[:, 2]))
            tiles = []
            for lab in (truth, pred):
                g = np.clip(ct[:, :, z] / 80, 0, 1) * 255
                rgb = np.stack([g, g, g], -1)
                l = lab[:, :, z]
                edge = (l > 0) & ((np.roll(l, 1, 0) != l) | (np.roll(l, 1, 1) != l))
                rgb[edge] = [230, 60, 40]
                tiles.append(np.rot90(rgb))
            pic = np.concatenate(tiles, 1).astype(np.uint8)
            Image.fromarray(pic).resize((pic.shape[1] * 3, pic.shape[0] * 3), Image.NEAREST).save(out / f"worst_{rank + 1}_{name}.png")
    except ImportError:
        pass

    print(f"| region | Dice (mean) | Dice (min) | HD95 mm | volume error mL (signed / abs) |")
    print("|---|---|---|---|---|")
    for n, r in result["regions"].items():
        print(f"| {n} | {r['dice']:.3f} | {r['dice_min']:.3f} | {r['hd95_mm']:.1f} | {r['volume_error_ml']:+.2f} / {r['volume_abs_error_ml']:.2f} |")
    print(f"\nmean Dice {result['mean_dice']:.3f} over {len(cases)} patients; expected calibration error {ece:.3f}")
    print("\n| probability | voxels | mean probability | fraction correct |\n|---|---|---|---|")
    for r in rel:
        if r["voxels"]:
            print(f"| {r['bin']} | {r['voxels']} | {r['confidence']:.3f} | {r['accuracy']:.3f} |")


if __name__ == "__main__":
    main()
