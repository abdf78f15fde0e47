"""`deepstroke run` on scans it must refuse: exit status 3, `aspects.json` with status "not_assessable"
and its reasons, no score in any output, a report that says so, no DICOM SEG. Drives the built CLI.
"""
import json
import os
import subprocess

import nibabel as nib
import numpy as np
import pytest

from test_dicom import BIN

pytestmark = pytest.mark.skipif(not os.path.exists(BIN), reason="deepstroke binary not built")
DATA = os.environ.get("DEEPSTROKE_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
NOT_ASSESSABLE = 3


def run_refused(inp, out):
    r = subprocess.run([BIN, "run", str(inp), "-o", str(out), "--method", "atlas"], capture_output=True, text=True)
    assert r.returncode == NOT_ASSESSABLE, r.stdout + r.stderr
    doc = json.loads((out / "aspects.json").read_text())
    assert doc["status"] == "not_assessable"
    assert doc["not_assessable_reasons"], doc
    assert doc["score"] is None and doc["aspects"] == {"right": None, "left": None}
    html = (out / "report.html").read_text()
    assert "Not assessable" in html and "ASPECTS (of 10)" not in html
    assert not (out / "segmentation.dcm").exists()
    assert "NOT ASSESSABLE" in r.stdout
    return {g["gate"] for g in doc["gates"]}


def test_body_ct_is_refused(tmp_path):
    """A trunk-like CT (soft tissue and fat, no skull) given as NIfTI: nothing inside a skull."""
    rng = np.random.default_rng(5)
    x, y = np.meshgrid(np.linspace(-1.2, 1.2, 160), np.linspace(-1.2, 1.2, 128), indexing="ij")
    r = (x / 1.05) ** 2 + (y / 0.8) ** 2
    plane = np.where(r > 1, -1000.0, np.where(r > 0.8, -100.0, 40.0))
    vol = np.repeat(plane[:, :, None], 30, axis=2) + (plane[:, :, None] > -1000) * rng.normal(0, 5, (160, 128, 30))
    nib.save(nib.Nifti1Image(vol.astype(np.float32), np.diag([2.0, 2.0, 5.0, 1.0])), tmp_path / "body.nii.gz")
    assert "head" in run_refused(tmp_path / "body.nii.gz", tmp_path / "out")


@pytest.mark.needs_data("dicom")
def test_head_phantom_is_refused(tmp_path):
    gates = run_refused(os.path.join(DATA, "dicom", "ct_philips_head_dicomdir", "DICOMDIR"), tmp_path / "out")
    assert gates & {"head", "not_brain"}, gates
