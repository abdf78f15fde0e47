"""DICOM writer and selection on data generated here (no data folder needed): `dicom synth` output read
by pydicom and converted back exactly, and `dicom list --json` choosing the head series of a synthetic
study with decoys. Runs the built CLI; the helpers and the judging rule are test_dicom.py's.
"""
import glob
import json
import os

import nibabel as nib
import numpy as np
import pydicom
import pytest

from test_dicom import BIN, affine_close, check_against_truth, convert, pydicom_truth, run

pytestmark = pytest.mark.skipif(not os.path.exists(BIN), reason="deepstroke binary not built")


# ---------------------------------------------------------------- writer: synth -> pydicom, synth -> convert

def synth_inputs(tmp_path):
    """A left-handed (LAS, like dcm2niix output) oblique test volume in integer HU and an overlay mask."""
    rng = np.random.default_rng(3)
    vol = np.full((48, 40, 30), -1000, np.float32)
    vol[6:42, 5:35, 3:27] = 40
    vol[10:38, 9:31, 5:25] += rng.integers(-20, 60, size=(28, 22, 20))
    vol[20:24, 18:22, :] = 1500
    a = 0.15
    aff = np.array([[-0.6 * np.cos(a), 0.6 * np.sin(a), 0, 20.0],
                    [-0.6 * np.sin(a), -0.6 * np.cos(a), 0, 30.0],
                    [0, 0, 1.0, -40.0],
                    [0, 0, 0, 1]])
    aff[:3, 1] *= -1  # j flipped: left-handed like the reader's output
    mask = np.zeros(vol.shape, np.uint8)
    mask[12:20, 10:16, 10] = 1
    mask[25:30, 20:24, 15:18] = 1
    vp, mp = tmp_path / "vol.nii.gz", tmp_path / "mask.nii.gz"
    nib.save(nib.Nifti1Image(vol, aff), vp)
    nib.save(nib.Nifti1Image(mask, aff), mp)
    return vp, mp, vol, mask, aff


@pytest.mark.parametrize("flags", [[], ["--implicit"], ["--rle"], ["--embedded-overlay"], ["--slice-thickness", "5"], ["--tilt", "15"],
                                   ["--tilt", "15", "--slice-thickness", "5", "--rle"]])
def test_synth_is_read_by_pydicom_and_converts_back(flags, tmp_path):
    vp, mp, vol, mask, aff = synth_inputs(tmp_path)
    d = tmp_path / "dicom"
    rc, so, se = run("synth", str(vp), "-o", str(d), "--overlay", str(mp), *flags)
    assert rc == 0, se
    files = sorted(glob.glob(str(d / "*.dcm")))
    overlay_bits = 0
    for f in files:  # pydicom must read every file the writer makes, pixels included
        ds = pydicom.dcmread(f)
        assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.2"
        assert ds.pixel_array.shape == (ds.Rows, ds.Columns)
        if (0x6000, 0x3000) in ds:
            overlay_bits += int(ds.overlay_array(0x6000).sum())
    rc, log, vols, out = convert(str(d), tmp_path)
    assert rc == 0, log
    assert len(vols) == 1
    truth = pydicom_truth(files)
    check_against_truth(vols[0], truth)  # the converter reproduces exactly what the writer stored
    ours = nib.load(vols[0])
    if "--embedded-overlay" not in flags:
        m = np.asarray(nib.load(vols[0][:-7] + "_overlay.nii.gz").dataobj)
        assert int(m.sum()) == overlay_bits
    if not any(f in flags for f in ["--slice-thickness", "--tilt"]):
        # Same grid: voxel values and affine equal the input volume; mask equals the input mask.
        assert np.array_equal(np.rint(ours.get_fdata()), vol)
        affine_close(ours.affine, aff)
        m = np.asarray(nib.load(vols[0][:-7] + "_overlay.nii.gz").dataobj)
        assert np.array_equal(m, mask)
    if "--slice-thickness" in flags and "--tilt" not in flags:
        assert ours.shape[2] == 6
        assert np.array_equal(np.rint(ours.get_fdata()), vol[:, :, ::5])
    if "--tilt" in flags:
        side = json.load(open(vols[0][:-7] + ".json"))
        assert "sheared" in side["TiltHandling"]
        ds = pydicom.dcmread(files[0])
        assert float(ds.GantryDetectorTilt) == 15
        n = np.cross(np.array(ds.ImageOrientationPatient[:3], float), np.array(ds.ImageOrientationPatient[3:], float))
        k = ours.affine[:3, 2] * np.array([-1, -1, 1])
        assert abs(np.degrees(np.arccos(abs(np.dot(n, k)) / np.linalg.norm(k))) - 15) < 1e-6


def test_synth_study_selects_head_series(tmp_path):
    vp, mp, vol, mask, aff = synth_inputs(tmp_path)
    d = tmp_path / "study"
    rc, so, se = run("synth", str(vp), "-o", str(d), "--study")
    assert rc == 0, se
    rc, so, se = run("list", str(d), "--json")
    assert rc == 0, se
    (study,) = json.loads(so)["studies"]
    assert study["selected"] == "2"
    v = {s["label"]: s for s in study["series"]}
    assert v["1"]["verdict"] == "excluded" and v["4"]["verdict"] == "excluded"
    assert any("bone" in r for r in v["3"]["reasons"]) and any("derived" in r for r in v["5"]["reasons"])
