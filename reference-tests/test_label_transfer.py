"""`deepstroke label` and `deepstroke atlas aggregate` against ANTs (antspyx) and numpy.

The label transfer writes its transforms in ANTs' layout (ITK affine text, displacement fields as NIfTI
vector images in LPS mm). These tests replay them with antspyx's antsApplyTransforms and compare with
what our CLI wrote, map overlay points with ANTs' point transform and splat them with numpy for the
aggregate, and score the labels against the truth of a generated patient.
"""
import json
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

nib = pytest.importorskip("nibabel")
ants = pytest.importorskip("ants")
pd = pytest.importorskip("pandas")

ROOT = Path(__file__).resolve().parents[1]
BIN = os.environ.get("DEEPSTROKE_BIN", str(ROOT / ".build/release/deepstroke"))
TEMPLATE = Path(os.environ.get("DEEPSTROKE_DATA", ROOT.parent / "shared/data")) / "ct_template"


def run(*args, check=True):
    p = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"{args}: exit {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


@pytest.fixture(scope="module")
def case():
    if not (TEMPLATE / "template_2mm.nii.gz").exists():
        pytest.skip("no CT template in the data folder")
    tmp = Path(tempfile.mkdtemp(prefix="deepstroke-label-"))
    atlas = tmp / "atlas"
    run("atlas", "build", "--template-dir", TEMPLATE, "-o", atlas)
    patient = tmp / "patient"
    run("atlas", "synth-patient", atlas, "-o", patient, "--seed", 3)
    work = tmp / "work"
    out = tmp / "labels.nii.gz"
    run("label", patient / "ct.nii.gz", "--atlas", atlas, "-o", out, "--overlay", patient / "overlay.nii.gz",
        "--work", work, "--preset", "default", "--threads", 2)
    return dict(tmp=tmp, atlas=atlas, patient=patient, work=work, out=out)


def affine_as_mat(work):
    """Our ITK text affine read by ITK (through antspyx) and rewritten as .mat: antspyx only inverts .mat files."""
    mat = work / "affine_from_text.mat"
    ants.write_transform(ants.read_transform(str(work / "transform_0GenericAffine.txt")), str(mat))
    return str(mat)


def dice(a, b):
    return [2 * np.sum((a == l) & (b == l)) / max(1, np.sum(a == l) + np.sum(b == l)) for l in range(1, 21)]


def test_labels_match_truth(case):
    truth = np.asarray(nib.load(case["patient"] / "labels.nii.gz").dataobj).astype(int)
    got = nib.load(case["out"])
    assert got.get_data_dtype() == np.uint8
    labels = np.asarray(got.dataobj).astype(int)
    assert labels.shape == truth.shape
    assert np.all(np.isin(np.unique(labels), np.arange(21)))
    d = dice(labels, truth)
    print(f"label CLI (default preset, 2 mm, seed 3): mean Dice vs truth {np.mean(d):.4f}")
    assert np.mean(d) > 0.85, d
    mask = np.asarray(nib.load(case["work"] / "brain_mask.nii.gz").dataobj)
    assert not np.any((labels > 0) & (mask == 0)), "labels outside the brain mask"


def test_ants_replays_the_inverse_transforms(case):
    """antsApplyTransforms -r ct -i atlas_labels -t [0GenericAffine,1] -t 1InverseWarp (genericLabel) gives our labels."""
    w = case["work"]
    ct = ants.image_read(str(case["patient"] / "ct.nii.gz"))
    atlas_labels = ants.image_read(str(case["atlas"] / "labels.nii.gz"), pixeltype="float")
    pulled = ants.apply_transforms(fixed=ct, moving=atlas_labels,
                                   transformlist=[affine_as_mat(w), str(w / "transform_1InverseWarp.nii.gz")],
                                   whichtoinvert=[True, False], interpolator="genericLabel")
    mask = np.asarray(nib.load(w / "brain_mask.nii.gz").dataobj) > 0
    ref = np.where(mask, np.rint(pulled.numpy()).astype(int), 0)
    ours = np.asarray(nib.load(case["out"]).dataobj).astype(int)
    inside = mask & ((ref > 0) | (ours > 0))
    agreement = np.mean(ref[inside] == ours[inside])
    print(f"ANTs genericLabel replay: voxel agreement {agreement:.4f}, mean Dice {np.mean(dice(ours, ref)):.4f}")
    # genericLabel and our trilinear vote may differ only at a few border voxels
    assert agreement > 0.99, agreement
    assert np.mean(dice(ours, ref)) > 0.98


def test_ants_replays_the_forward_transforms(case):
    """antsApplyTransforms -r atlas -i brain -t 1Warp -t 0GenericAffine (linear) gives registered.nii.gz."""
    w = case["work"]
    fixed = ants.image_read(str(case["atlas"] / "template.nii.gz"))
    brain = ants.image_read(str(w / "brain.nii.gz"))
    pulled = ants.apply_transforms(fixed=fixed, moving=brain,
                                   transformlist=[str(w / "transform_1Warp.nii.gz"), str(w / "transform_0GenericAffine.txt")],
                                   interpolator="linear").numpy()
    ours = np.asarray(nib.load(w / "registered.nii.gz").dataobj)
    inside = fixed.numpy() > 0
    r = np.corrcoef(pulled[inside], ours[inside])[0, 1]
    print(f"ANTs linear replay of the forward chain: r {r:.5f}, median |diff| {np.median(np.abs(pulled[inside] - ours[inside])):.4f} HU")
    assert r > 0.99, r
    assert np.median(np.abs(pulled[inside] - ours[inside])) < 0.5


def test_aggregate_against_ants_point_mapping(case):
    """A one-scan mean overlay equals the overlay's voxel centres mapped by ANTs and splatted by numpy."""
    w = case["work"]
    overlay = nib.load(case["patient"] / "overlay.nii.gz")
    mean_path = case["tmp"] / "mean.nii.gz"
    run("atlas", "aggregate", "--overlays", case["patient"] / "overlay.nii.gz", "--transforms", w, "--atlas", case["atlas"],
        "-o", mean_path)
    mean = nib.load(mean_path)
    ijk = np.argwhere(np.asarray(overlay.dataobj) > 0)
    ras = nib.affines.apply_affine(overlay.affine, ijk)
    lps = ras * np.array([-1, -1, 1])
    pts = pd.DataFrame({"x": lps[:, 0], "y": lps[:, 1], "z": lps[:, 2]})
    # points go the opposite way of images: scan -> atlas is [affine^-1, inverse warp]
    mapped = ants.apply_transforms_to_points(3, pts, [affine_as_mat(w), str(w / "transform_1InverseWarp.nii.gz")],
                                             whichtoinvert=[True, False]).to_numpy()
    ras_atlas = mapped * np.array([-1, -1, 1])
    x = nib.affines.apply_affine(np.linalg.inv(mean.affine), ras_atlas)
    expect = np.zeros(mean.shape)
    base = np.floor(x).astype(int)
    t = x - base
    for c in range(8):
        o = np.array([c & 1, (c >> 1) & 1, (c >> 2) & 1])
        v = base + o
        wgt = np.prod(np.where(o == 1, t, 1 - t), axis=1)
        ok = np.all((v >= 0) & (v < np.array(mean.shape)), axis=1)
        np.add.at(expect, tuple(v[ok].T), wgt[ok])
    expect = np.minimum(expect, 1)
    got = np.asarray(mean.dataobj)
    print(f"aggregate vs ANTs points + numpy splat: max |diff| {np.abs(got - expect).max():.2e}")
    assert np.abs(got - expect).max() < 2e-3
    assert got.sum() > 0.5 * len(ijk)


def test_sidecars_and_qa(case):
    side = json.loads((case["tmp"] / "labels.json").read_text())
    assert side["convention"] == "DeepStroke ASPECTS 20-label"
    assert [l["code"] for l in side["labels"]] == list(range(1, 21))
    assert side["space"] == "scan"
    reg = json.loads((case["work"] / "registered_labels.json").read_text())
    assert reg["space"] == "atlas"
    qa = json.loads((case["work"] / "qa.json").read_text())
    assert qa["similarity"]["final"] > qa["similarity"]["identity"]
    assert qa["jacobian"]["minimum"] > 0 and qa["jacobian"]["nonPositiveVoxels"] == 0
    assert qa["inverseConsistency"]["meanMM"] < 0.5
    assert len(qa["regions"]) == 20 and qa["missingRegions"] == []
    assert {h["side"] for h in qa["hemispheres"]} == {"right", "left"}
    ref = qa["refinement"]
    assert ref["points"] > 100 and isinstance(ref["applied"], bool)
    png = (case["work"] / "labels_qa.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_inputs_fail_cleanly(case):
    tmp = case["tmp"]
    out = tmp / "bad.nii.gz"
    # overlay on another grid
    small = nib.Nifti1Image(np.zeros((5, 5, 5), np.uint8), np.eye(4))
    nib.save(small, tmp / "small.nii.gz")
    p = run("label", case["patient"] / "ct.nii.gz", "--atlas", case["atlas"], "-o", out, "--overlay", tmp / "small.nii.gz", check=False)
    assert p.returncode != 0 and "overlay" in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert not out.exists()
    # not an atlas folder
    p = run("label", case["patient"] / "ct.nii.gz", "--atlas", tmp / "nowhere", "-o", out, check=False)
    assert p.returncode != 0 and not out.exists()
    # mismatched aggregate lists
    p = run("atlas", "aggregate", "--overlays", tmp / "small.nii.gz", tmp / "small.nii.gz", "--transforms", case["work"], "-o", out, check=False)
    assert p.returncode != 0 and not out.exists()
