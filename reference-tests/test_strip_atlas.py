"""`deepstroke atlas build` and `atlas check` through the CLI, checked with nibabel.

nibabel (an independent NIfTI reader working in RAS+) must see labels.nii.gz on exactly the template's
grid, as uint8 values 0-20 with all 20 labels present; each region must lie on the side of the midline
where the template's own Right/Left structures of the same kind lie (RAS x: Right structures have the
smaller x); labels.json must carry the convention, licence and citation; the PNGs must open; a
hand-made atlas folder without labels.json must pass `atlas check`, one with a label 42 must fail.
"""
import json
import os
import shutil
import subprocess

import nibabel as nib
import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("DEEPSTROKE_BIN", os.path.join(ROOT, ".build/release/deepstroke"))
DATA = os.environ.get("DEEPSTROKE_DATA", os.path.join(ROOT, "..", "shared", "data"))
TEMPLATE = os.path.join(DATA, "ct_template")
NAMES = ["C", "L", "IC", "I", "M1", "M2", "M3", "M4", "M5", "M6"]


def run(*args, check=True):
    p = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"deepstroke {' '.join(map(str, args))} failed ({p.returncode}): {p.stderr}")
    return p


@pytest.fixture(scope="module")
def atlas(tmp_path_factory):
    if not os.path.exists(os.path.join(TEMPLATE, "structures_2mm.nii.gz")):
        pytest.skip("CT template not available")
    out = tmp_path_factory.mktemp("atlas") / "A"
    run("atlas", "build", "--template-dir", TEMPLATE, "-o", out)
    return out


def test_files_and_grid(atlas):
    assert sorted(os.listdir(atlas)) == ["labels.json", "labels.nii.gz", "levels.png", "montage.png",
                                         "template.nii.gz", "template_with_skull.nii.gz"]
    ref = nib.load(os.path.join(TEMPLATE, "template_2mm.nii.gz"))
    lab = nib.load(str(atlas / "labels.nii.gz"))
    tpl = nib.load(str(atlas / "template.nii.gz"))
    np.testing.assert_allclose(lab.affine, ref.affine, atol=1e-5)
    np.testing.assert_allclose(tpl.affine, ref.affine, atol=1e-5)
    np.testing.assert_array_equal(np.asanyarray(tpl.dataobj), np.asanyarray(ref.dataobj))
    data = np.asanyarray(lab.dataobj)
    assert data.dtype == np.uint8 and data.shape == ref.shape
    assert set(np.unique(data)) == set(range(21))


def test_sides_follow_the_templates_own_right_and_left(atlas):
    lab = nib.load(str(atlas / "labels.nii.gz"))
    data = np.asanyarray(lab.dataobj)
    structures = np.asanyarray(nib.load(os.path.join(TEMPLATE, "structures_2mm.nii.gz")).dataobj)
    ras = lambda mask: (np.argwhere(mask) @ lab.affine[:3, :3].T + lab.affine[:3, 3])[:, 0].mean()
    right_caudate, left_caudate = ras(structures == 36), ras(structures == 37)   # 'Right/Left Caudate'
    assert right_caudate > left_caudate  # RAS: +x is the patient's right
    for code in range(1, 21):
        x = ras(data == code)
        partner = ras(data == (code + 10 if code <= 10 else code - 10))
        assert (x > partner) == (code <= 10), f"label {code}"


def test_sidecar(atlas):
    meta = json.load(open(atlas / "labels.json"))
    assert meta["convention"] == "DeepStroke ASPECTS 20-label"
    assert [e["name"] for e in meta["labels"]] == NAMES * 2
    assert [e["side"] for e in meta["labels"]] == ["right"] * 10 + ["left"] * 10
    assert "CC BY-NC-SA 4.0" in meta["licence"] and "Muschelli" in meta["citation"]
    data = np.asanyarray(nib.load(str(atlas / "labels.nii.gz")).dataobj)
    for r in meta["regions"]:
        assert r["voxels"] == int((data == r["code"]).sum())


def test_pngs_open(atlas):
    from PIL import Image
    for name in ["montage.png", "levels.png"]:
        with Image.open(atlas / name) as im:
            im.load()
            assert im.mode == "RGB" and im.width > 400


def test_hand_made_atlas(atlas, tmp_path):
    hand = tmp_path / "hand"
    hand.mkdir()
    shutil.copy(atlas / "template.nii.gz", hand / "template.nii.gz")
    lab = nib.load(str(atlas / "labels.nii.gz"))
    data = np.asanyarray(lab.dataobj).astype(np.int16)
    nib.save(nib.Nifti1Image(data, lab.affine), str(hand / "labels.nii"))
    p = run("atlas", "check", hand)
    assert "absent (fixed convention assumed)" in p.stdout
    data[10, 10, 10] = 42
    nib.save(nib.Nifti1Image(data, lab.affine), str(hand / "labels.nii"))
    p = run("atlas", "check", hand, check=False)
    assert p.returncode != 0 and "42" in p.stderr
