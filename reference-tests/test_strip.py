"""Skull stripping through the built CLI (`deepstroke strip`), checked with nibabel and SciPy.

* The public CT template with skull must strip to the brain of the skull-stripped template
  (Dice > 0.95) and agree with the template's tissue segmentation (seg_2mm > 0, a second, independent
  definition of the brain) as well as the two references agree with each other.
* Generated heads (ellipsoidal brain, CSF, 1300 HU skull, scalp, neck, eyes, table; partial-volume
  sampling and noise) written by nibabel in orientations other than the template's (LAS, an oblique
  affine, 5 mm slices, a missing bone flap) must strip to the known brain (Dice > 0.9), and the outputs
  must keep the input's grid exactly.
* Bad input (no skull) fails with a one-line message and leaves no output behind.
"""
import os
import subprocess

import nibabel as nib
import numpy as np
import pytest
from scipy import ndimage as ndi

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("DEEPSTROKE_BIN", os.path.join(ROOT, ".build/release/deepstroke"))
DATA = os.environ.get("DEEPSTROKE_DATA", os.path.join(ROOT, "..", "shared", "data"))
TEMPLATE = os.path.join(DATA, "ct_template")


def run(*args, check=True):
    p = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"deepstroke {' '.join(map(str, args))} failed ({p.returncode}): {p.stderr}")
    return p


def dice(a, b):
    a, b = a.astype(bool), b.astype(bool)
    return 2.0 * (a & b).sum() / (a.sum() + b.sum())


# ---------------------------------------------------------------- generated heads (RAS+ millimetres)
BRAIN = np.array([66.0, 82.0, 58.0])  # semi-axes: left-right, anterior-posterior, inferior-superior


def rotation(ax, ay, az):
    ax, ay, az = np.radians([ax, ay, az])
    rx = np.array([[1, 0, 0], [0, np.cos(ax), -np.sin(ax)], [0, np.sin(ax), np.cos(ax)]])
    ry = np.array([[np.cos(ay), 0, np.sin(ay)], [0, 1, 0], [-np.sin(ay), 0, np.cos(ay)]])
    rz = np.array([[np.cos(az), -np.sin(az), 0], [np.sin(az), np.cos(az), 0], [0, 0, 1]])
    return rz @ ry @ rx


def classify(p, flap=None):
    """HU and intracranial flag at head coordinates p (RAS mm, brain centre at 0)."""
    x, y, z = p[..., 0], p[..., 1], p[..., 2]

    def ell(d):
        return (x / (BRAIN[0] + d)) ** 2 + (y / (BRAIN[1] + d)) ** 2 + (z / (BRAIN[2] + d)) ** 2

    r_in, r_out = ell(3), ell(10)
    hu = np.full(x.shape, -1000.0)
    hu[ell(16) <= 1] = 40                                     # scalp
    canal = np.hypot(x, y + 10)                                 # canal axis (posterior: -y in RAS)
    neck = ((x / 45) ** 2 + ((y + 15) / 45) ** 2 < 1) & (z < -30)
    hu[neck] = 40
    hu[neck & (canal < 22) & (z < -BRAIN[2] - 12)] = 900      # vertebra
    skull = (r_out <= 1) & (r_in > 1) & ~((canal < 16) & (z < 0))   # foramen magnum open
    defect = np.zeros_like(skull)
    if flap is not None:
        u = np.asarray(flap, float) / np.linalg.norm(flap)
        n = np.sqrt(x * x + y * y + z * z) + 1e-9
        defect = skull & ((x * u[0] + y * u[1] + z * u[2]) / n > 0.8)
        skull &= ~defect
    hu[skull] = 1300
    hu[skull & (np.abs(np.sqrt(r_in * r_out) - 1) < 0.02)] = 700   # diploe
    tube = (canal < 12) & (z < -20) & (r_in > 1)
    hu[tube] = 8
    hu[tube & (canal < 6)] = 30
    for sx in (-32, 32):                                        # eyes, anterior (+y in RAS)
        hu[((x - sx) ** 2 + (y - BRAIN[1] - 8) ** 2 + (z + 20) ** 2 < 144) & (r_out > 1)] = 10
    inside = r_in <= 1
    hu[inside] = 8
    hu[inside & (ell(0) <= 1)] = 32
    hu[inside & (ell(-14) <= 1)] = 26
    hu[defect] = 30                                             # herniated brain in the defect
    return hu, inside | defect


def head(shape, affine, rot=np.eye(3), flap=None, sub=(2, 2, 2), seed=0):
    """CT (float32), truth mask and affine; partial-volume sampling, 5 HU noise, a table behind."""
    shape = np.asarray(shape)
    acc = np.zeros(shape)
    tru = np.zeros(shape)
    grid = np.indices(shape).reshape(3, -1).T.astype(float)
    for a in range(sub[0]):
        for b in range(sub[1]):
            for c in range(sub[2]):
                off = (np.array([a, b, c]) + 0.5) / np.array(sub) - 0.5
                w = (grid + off) @ affine[:3, :3].T + affine[:3, 3]
                hu, t = classify(w @ rot)  # head = R^T w
                table = (w[:, 1] < -BRAIN[1] - 17) & (w[:, 1] > -BRAIN[1] - 27) & (hu < -500)
                hu = np.where(table, 90, hu)
                acc += hu.reshape(shape)
                tru += t.reshape(shape)
    n = np.prod(sub)
    img = acc / n + np.random.default_rng(seed).normal(0, 5, shape)
    return img.astype(np.float32), tru / n >= 0.5


def centred_affine(shape, linear):
    aff = np.eye(4)
    aff[:3, :3] = linear
    aff[:3, 3] = -linear @ ((np.asarray(shape) - 1) / 2)
    return aff


CASES = {
    "las_rotated": dict(shape=(100, 120, 96), linear=np.diag([-2.0, 2.0, 2.0]), rot=rotation(12, -8, 18)),
    "oblique_affine": dict(shape=(100, 120, 96), linear=rotation(0, 10, 25) @ np.diag([2.0, 2.0, 2.0])),
    "thick_slices_5mm": dict(shape=(120, 140, 38), linear=np.diag([1.5, 1.5, 5.0]), rot=rotation(8, 0, 5), sub=(1, 1, 5)),
    "missing_bone_flap": dict(shape=(100, 120, 96), linear=np.diag([2.0, 2.0, 2.0]), flap=(1, 0.3, 0.6), rot=rotation(-10, 5, 15)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_generated_head(tmp_path, name):
    c = CASES[name]
    aff = centred_affine(c["shape"], c["linear"])
    img, truth = head(c["shape"], aff, rot=c.get("rot", np.eye(3)), flap=c.get("flap"), sub=c.get("sub", (2, 2, 2)))
    ct = tmp_path / "ct.nii.gz"
    nib.save(nib.Nifti1Image(img, aff), str(ct))
    run("strip", ct, "-o", tmp_path / "brain.nii.gz", "--mask", tmp_path / "mask.nii.gz")
    m_img = nib.load(str(tmp_path / "mask.nii.gz"))
    b_img = nib.load(str(tmp_path / "brain.nii.gz"))
    m = np.asanyarray(m_img.dataobj)
    b = np.asanyarray(b_img.dataobj)
    assert m.dtype == np.uint8 and set(np.unique(m)) <= {0, 1}
    assert m.shape == img.shape and b.shape == img.shape
    np.testing.assert_allclose(m_img.affine, aff, atol=1e-4)
    np.testing.assert_allclose(b_img.affine, aff, atol=1e-4)
    assert np.all(b[m == 0] == 0)
    inside = m == 1
    np.testing.assert_allclose(b[inside], np.clip(img[inside], -15, 100), atol=1e-4)
    d = dice(m, truth)
    print(f"{name}: Dice {d:.4f}")
    assert d > 0.9


def test_template_with_skull(tmp_path):
    src = os.path.join(TEMPLATE, "template_with_skull_2mm.nii.gz")
    if not os.path.exists(src):
        pytest.skip("CT template not available")
    run("strip", src, "-o", tmp_path / "brain.nii.gz", "--mask", tmp_path / "mask.nii.gz")
    m = np.asanyarray(nib.load(str(tmp_path / "mask.nii.gz")).dataobj)
    truth = np.asanyarray(nib.load(os.path.join(TEMPLATE, "template_2mm.nii.gz")).dataobj) > 0
    seg = np.asanyarray(nib.load(os.path.join(TEMPLATE, "seg_2mm.nii.gz")).dataobj) > 0
    d, d_seg, d_ref = dice(m, truth), dice(m, seg), dice(truth, seg)
    print(f"template: Dice vs template_2mm {d:.4f}, vs seg_2mm {d_seg:.4f}, references agree at {d_ref:.4f}")
    assert d > 0.95
    assert d_seg > d_ref - 0.01
    # the mask is one piece without holes, as scipy sees it
    lab, n = ndi.label(m)
    assert n == 1
    assert np.array_equal(ndi.binary_fill_holes(m), m.astype(bool))


def test_no_skull_fails_cleanly(tmp_path):
    img = np.full((40, 40, 40), 30, np.float32)
    ct = tmp_path / "soft.nii.gz"
    nib.save(nib.Nifti1Image(img, np.diag([2.0, 2.0, 2.0, 1.0])), str(ct))
    out = tmp_path / "brain.nii.gz"
    p = run("strip", ct, "-o", out, "--mask", tmp_path / "mask.nii.gz", check=False)
    assert p.returncode != 0
    assert "no skull" in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert sorted(os.listdir(tmp_path)) == ["soft.nii.gz"]
