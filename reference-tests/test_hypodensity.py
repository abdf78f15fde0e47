"""The voxel-wise hypodensity map (`hypodensity.nii.gz` from `deepstroke score`) against a NumPy/SciPy
re-implementation: box-dilated label mask, tissue window, sides of the midsagittal plane through the
label centroids, normalised convolution with `scipy.ndimage.gaussian_filter` (sigma in mm over the
spacing, mode='nearest', truncate 4), reflection through the plane and trilinear sampling with
`scipy.ndimage.map_coordinates` (order 1). Uses the phantom of test_report.py (RAS storage, anisotropic
1.2 x 1.1 x 5 mm voxels, a 7 HU lesion in right L, I, M2, M5).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from scipy import ndimage

sys.path.insert(0, str(Path(__file__).parent))
from test_report import BIN, SPACING, make_case  # noqa: E402

SIGMA_MM, DILATION_MM, MIN_WEIGHT = 2.5, 3.0, 0.1


def reference_map(ct, labels, affine):
    lab = (labels >= 1) & (labels <= 20)
    to_world = lambda ijk: ijk @ affine[:3, :3].T + affine[:3, 3]
    right = to_world(np.argwhere((labels >= 1) & (labels <= 10)).mean(0))
    left = to_world(np.argwhere((labels >= 11) & (labels <= 20)).mean(0))
    normal = (left - right) / np.linalg.norm(left - right)
    point = (left + right) / 2
    radius = [int(DILATION_MM / s + 1e-9) for s in SPACING]
    mask = ndimage.maximum_filter(lab, size=[2 * r + 1 for r in radius], mode="constant")
    tissue = mask & (ct >= 10) & (ct <= 60)
    ijk = np.stack(np.indices(ct.shape), -1).reshape(-1, 3).astype(np.float64)
    world = to_world(ijk)
    dist = (world - point) @ normal
    side_left = (dist >= 0).reshape(ct.shape)
    sig = [SIGMA_MM / s for s in SPACING]
    smooth = lambda a: ndimage.gaussian_filter(a.astype(np.float64), sig, mode="nearest", truncate=4.0)
    fields = {}
    for name, sel in (("R", tissue & ~side_left), ("L", tissue & side_left)):
        fields[name] = (smooth(sel), smooth(np.where(sel, ct, 0)))
    mirror_world = world - 2 * dist[:, None] * normal
    mirror_ijk = (mirror_world - affine[:3, 3]) @ np.linalg.inv(affine[:3, :3]).T
    inside = np.all((mirror_ijk >= 0) & (mirror_ijk <= np.array(ct.shape) - 1), axis=1).reshape(ct.shape)
    out = np.zeros(ct.shape)
    for own, other, sel in (("R", "L", tissue & ~side_left), ("L", "R", tissue & side_left)):
        w_own, v_own = fields[own]
        w_m = ndimage.map_coordinates(fields[other][0], mirror_ijk.T, order=1, mode="nearest").reshape(ct.shape)
        v_m = ndimage.map_coordinates(fields[other][1], mirror_ijk.T, order=1, mode="nearest").reshape(ct.shape)
        ok = sel & inside & (w_own >= MIN_WEIGHT) & (w_m >= MIN_WEIGHT)
        h = np.where(ok, v_m / np.maximum(w_m, 1e-12) - v_own / np.maximum(w_own, 1e-12), 0)
        out = np.where(ok, np.maximum(h, 0), out)
    return out


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    d = tmp_path_factory.mktemp("hypo")
    ct_path, lab_path = make_case(d)
    out = d / "report"
    proc = subprocess.run([BIN, "score", str(ct_path), "--labels", str(lab_path), "-o", str(out), "--no-descriptors"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return out, ct_path, lab_path


def test_map_matches_scipy(scored):
    out, ct_path, lab_path = scored
    ct_img = nib.load(ct_path)
    ct = np.asarray(ct_img.dataobj, dtype=np.float32).astype(np.float64)
    labels = np.asarray(nib.load(lab_path).dataobj)
    ours_img = nib.load(out / "hypodensity.nii.gz")
    assert np.allclose(ours_img.affine, ct_img.affine, atol=1e-4)
    ours = np.asarray(ours_img.dataobj, dtype=np.float64)
    ref = reference_map(ct, labels, ct_img.affine)
    diff = np.abs(ours - ref)
    # Float32 sums against float64: a few voxels sit on the minimum-weight edge and may flip.
    assert (diff > 0.01).mean() < 1e-4, (diff > 0.01).sum()
    assert np.median(diff[ref > 0]) < 1e-3
    doc = json.loads((out / "aspects.json").read_text())
    h = doc["hypodensity"]
    assert h["sigma_mm"] == SIGMA_MM
    voxel_ml = np.prod(SPACING) / 1000
    t = h["threshold_hu"]
    # Hemisphere volumes: RAS storage, the plane is x = 0 here (patient right = +x in RAS).
    x = (np.indices(ct.shape)[0] * SPACING[0] + ct_img.affine[0, 3])
    for side, sel in (("right", x > 0), ("left", x <= 0)):
        assert abs(h["hypodense_volume_ml"][side] - ((ref >= t) & sel).sum() * voxel_ml) <= 3 * voxel_ml
    for r in doc["regions"]:
        region = (labels == r["code"]) & (ct >= 10) & (ct <= 60)
        assert abs(r["hypodense_fraction"] - (ref[region] >= t).mean()) < 0.01, r["code"]
