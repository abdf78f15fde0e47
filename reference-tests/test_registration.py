"""DeepStroke's transform files against ANTsPy (antspyx), in both directions.

Runs the built CLI (DEEPSTROKE_BIN, default .build/release/deepstroke) on a small known-deformation case
built from the public CT template (DEEPSTROKE_DATA or ../shared/data; skipped when absent) and checks:
- our PREFIX_affine.txt and PREFIX_warp.nii.gz, applied by ants.apply_transforms, give the same image as
  `deepstroke apply` (forward: moving onto the fixed grid; inverse: fixed onto the moving grid, with
  `[affine,1]` and the inverse warp, labels with genericLabel vs our label voting);
- ANTs' own outputs (0GenericAffine.mat, 1Warp.nii.gz, 1InverseWarp.nii.gz) applied by `deepstroke apply`
  give the same image as ants.apply_transforms;
- the warp file layout: 5-D (nx, ny, nz, 1, 3), intent vector (1007), float32, displacements in LPS mm
  (checked against the report's affine and a point mapped by ANTs);
- the affine text file reads back in ANTs as the same point map.
Images are compared inside the region where both are defined; trilinear interpolation of a field by ITK and
by us agree to float precision, so tolerances are small fractions of the intensity range.
"""
import os
import pathlib
import subprocess

import nibabel as nib
import numpy as np
import pytest

ants = pytest.importorskip("ants")

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = os.environ.get("DEEPSTROKE_BIN", str(ROOT / ".build/release/deepstroke"))
DATA = pathlib.Path(os.environ.get("DEEPSTROKE_DATA", ROOT.parent / "shared/data"))
TEMPLATE = DATA / "ct_template" / "template_2mm.nii.gz"
STRUCTURES = DATA / "ct_template" / "structures_2mm.nii.gz"
LPS = np.diag([-1.0, -1.0, 1.0])

pytestmark = pytest.mark.skipif(not TEMPLATE.exists(), reason="CT template data folder not found")


def run(*args):
    p = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True,
                       env=dict(os.environ, DEEPSTROKE_THREADS="2"))
    assert p.returncode == 0, p.stderr
    return p


def deformed(data, affine):
    """Template pulled through a smooth field and a small rotation/shift (independent NumPy code)."""
    from scipy import ndimage
    shape = data.shape
    ijk = np.indices(shape, dtype=np.float64).reshape(3, -1)
    p = LPS @ (affine[:3, :3] @ ijk + affine[:3, 3:4])
    w = 2 * np.pi / 70
    d = np.stack([3 * np.sin(w * p[1]) * np.cos(w * p[2]), 3 * np.sin(w * p[2] + 1) * np.cos(w * p[0]),
                  3 * np.sin(w * p[0] + 2) * np.cos(w * p[1])])
    a = np.deg2rad(4)
    rot = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    c = p.mean(axis=1, keepdims=True)
    q = rot @ (p + d - c) + c + np.array([[3.0], [-2.0], [2.0]])
    inv = np.linalg.inv(affine)
    src = inv[:3, :3] @ (LPS @ q) + inv[:3, 3:4]
    out = ndimage.map_coordinates(data, src.reshape(3, *shape), order=1, mode="nearest")
    inside = np.all((src >= -0.5) & (src <= np.array(shape)[:, None] - 0.5), axis=0).reshape(shape)
    return np.where(inside, out, 0).astype(np.float32)


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    d = tmp_path_factory.mktemp("reg")
    t = nib.load(str(TEMPLATE))
    data = np.asarray(t.dataobj, dtype=np.float32)
    fixed, moving = d / "fixed.nii.gz", d / "moving.nii.gz"
    nib.Nifti1Image(data, t.affine).to_filename(str(fixed))
    nib.Nifti1Image(deformed(data, t.affine), t.affine).to_filename(str(moving))
    prefix = d / "ours"
    run("register", "--fixed", fixed, "--moving", moving, "-o", prefix, "--preset", "fast", "--quiet")
    return dict(dir=d, fixed=fixed, moving=moving, prefix=prefix, affine=t.affine)


def ours_file(case, suffix):
    return str(case["prefix"]) + suffix


def compare(a, b, rng, where=None, mean_tol=2e-4, p99_tol=2e-3):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    diff = np.abs(a - b) if where is None else np.abs(a - b)[where]
    assert diff.mean() < mean_tol * rng, f"mean |diff| {diff.mean():.4g} vs range {rng:.4g}"
    assert np.percentile(diff, 99) < p99_tol * rng, f"99th percentile |diff| {np.percentile(diff, 99):.4g}"


def interior(shape, margin=3):
    m = np.zeros(shape, bool)
    m[margin:-margin, margin:-margin, margin:-margin] = True
    return m


def test_outputs_exist_and_warp_layout(case):
    for s in ["_warped.nii.gz", "_affine.txt", "_warp.nii.gz", "_inverse_warp.nii.gz", "_report.json"]:
        assert pathlib.Path(ours_file(case, s)).exists(), s
    w = nib.load(ours_file(case, "_warp.nii.gz"))
    assert w.shape == (128, 128, 128, 1, 3)
    assert w.header["intent_code"] == 1007
    assert w.get_data_dtype() == np.float32
    np.testing.assert_allclose(w.affine, case["affine"], atol=1e-4)


def test_forward_chain_matches_ants(case):
    fixed = ants.image_read(str(case["fixed"]))
    moving = ants.image_read(str(case["moving"]))
    theirs = ants.apply_transforms(fixed=fixed, moving=moving, interpolator="linear",
                                   transformlist=[ours_file(case, "_warp.nii.gz"), ours_file(case, "_affine.txt")])
    out = case["dir"] / "ours_forward.nii.gz"
    run("apply", "--reference", case["fixed"], "--input", case["moving"], "--transform", case["prefix"], "-o", out)
    mine = nib.load(str(out)).get_fdata()
    rng = float(moving.numpy().max() - moving.numpy().min())
    compare(mine, theirs.numpy(), rng, interior(mine.shape))
    # the warped image `register` wrote is the same resampling
    compare(nib.load(ours_file(case, "_warped.nii.gz")).get_fdata(), theirs.numpy(), rng, interior(mine.shape))


def test_inverse_chain_matches_ants_for_images_and_labels(case):
    fixed = ants.image_read(str(case["fixed"]))
    moving = ants.image_read(str(case["moving"]))
    tl = [ours_file(case, "_affine.txt"), ours_file(case, "_inverse_warp.nii.gz")]
    # ANTsPy only inverts files named *.mat; let ITK read our text affine, invert it and store it as .mat
    # (antsApplyTransforms itself accepts [affine.txt,1])
    inverse_mat = str(case["dir"] / "ours_affine_inverse.mat")
    ants.write_transform(ants.read_transform(tl[0]).invert(), inverse_mat)
    # (whichtoinvert must be explicit: ANTsPy inverts a leading .mat by itself otherwise)
    ants_tl = [inverse_mat, tl[1]]
    theirs = ants.apply_transforms(fixed=moving, moving=fixed, transformlist=ants_tl, whichtoinvert=[False, False],
                                   interpolator="linear")
    out = case["dir"] / "ours_inverse.nii.gz"
    run("apply", "--reference", case["moving"], "--input", case["fixed"], "--transform", case["prefix"], "--inverse", "-o", out)
    mine = nib.load(str(out)).get_fdata()
    rng = float(fixed.numpy().max() - fixed.numpy().min())
    compare(mine, theirs.numpy(), rng, interior(mine.shape))
    # the same chain given as files in antsApplyTransforms syntax
    out2 = case["dir"] / "ours_inverse_files.nii.gz"
    run("apply", "--reference", case["moving"], "--input", case["fixed"], "--transform", f"[{tl[0]},1]",
        "--transform", tl[1], "-o", out2)
    np.testing.assert_allclose(nib.load(str(out2)).get_fdata(), mine, atol=1e-5)
    # labels: ANTs genericLabel vs our per-label linear voting
    labels = ants.image_read(str(STRUCTURES))
    theirs_l = ants.apply_transforms(fixed=moving, moving=labels, transformlist=ants_tl, whichtoinvert=[False, False],
                                     interpolator="genericLabel").numpy()
    out3 = case["dir"] / "ours_labels.nii.gz"
    run("apply", "--reference", case["moving"], "--input", STRUCTURES, "--transform", case["prefix"], "--inverse",
        "--interpolation", "label", "-o", out3)
    mine_l = np.asarray(nib.load(str(out3)).dataobj)
    assert mine_l.dtype == np.asarray(nib.load(str(STRUCTURES)).dataobj).dtype
    fg = (mine_l > 0) | (theirs_l > 0)
    agreement = (mine_l[fg] == np.rint(theirs_l[fg])).mean()
    assert agreement > 0.97, f"label agreement {agreement:.4f}"


def test_ants_transforms_applied_by_us(case):
    fixed = ants.image_read(str(case["fixed"]))
    moving = ants.image_read(str(case["moving"]))
    prefix = str(case["dir"] / "ants_")
    reg = ants.registration(fixed, moving, type_of_transform="SyN", reg_iterations=(20, 10, 0), outprefix=prefix)
    fwd = reg["fwdtransforms"]
    assert fwd[0].endswith("1Warp.nii.gz") and fwd[1].endswith("0GenericAffine.mat")
    theirs = ants.apply_transforms(fixed=fixed, moving=moving, transformlist=fwd, interpolator="linear").numpy()
    rng = float(moving.numpy().max() - moving.numpy().min())
    # explicit files (.mat read natively) ...
    out = case["dir"] / "ants_by_us.nii.gz"
    run("apply", "--reference", case["fixed"], "--input", case["moving"], "--transform", fwd[0], "--transform", fwd[1], "-o", out)
    compare(nib.load(str(out)).get_fdata(), theirs, rng, interior(theirs.shape))
    # ... and ANTs' prefix naming, both directions
    out2 = case["dir"] / "ants_by_us_prefix.nii.gz"
    run("apply", "--reference", case["fixed"], "--input", case["moving"], "--transform", prefix, "-o", out2)
    compare(nib.load(str(out2)).get_fdata(), theirs, rng, interior(theirs.shape))
    theirs_inv = ants.apply_transforms(fixed=moving, moving=fixed, transformlist=reg["invtransforms"],
                                       whichtoinvert=[True, False], interpolator="linear").numpy()
    out3 = case["dir"] / "ants_inverse_by_us.nii.gz"
    run("apply", "--reference", case["moving"], "--input", case["fixed"], "--transform", prefix, "--inverse", "-o", out3)
    compare(nib.load(str(out3)).get_fdata(), theirs_inv, float(fixed.numpy().max()), interior(theirs.shape))


def test_affine_text_file_is_the_same_point_map_in_ants(case):
    import json
    tx = ants.read_transform(ours_file(case, "_affine.txt"), precision="double")
    report = json.loads(pathlib.Path(ours_file(case, "_report.json")).read_text())
    p = np.array(report["affine"]["parameters"])
    c = np.array(report["affine"]["center"])
    m, t = p[:9].reshape(3, 3), p[9:]
    for point in [(10.0, -20.0, 30.0), (-40.0, 15.0, -5.0), tuple(c)]:
        x = np.array(point)
        expected = m @ (x - c) + c + t
        np.testing.assert_allclose(tx.apply_to_point(tuple(x)), expected, atol=1e-9)


def test_warp_is_lps_millimetres(case):
    """A point pushed through our forward chain by ANTs equals the chain we define: x + w(x), then the
    affine, with w read from the NIfTI as LPS mm."""
    w = nib.load(ours_file(case, "_warp.nii.gz"))
    field = np.asarray(w.dataobj)[:, :, :, 0, :]
    aff = w.affine
    ijk = np.array([60, 70, 64])
    x = LPS @ (aff[:3, :3] @ ijk + aff[:3, 3])
    y = x + field[tuple(ijk)]
    tx = ants.read_transform(ours_file(case, "_affine.txt"), precision="double")
    expected = np.array(tx.apply_to_point(tuple(y)))
    warp_tx = ants.transform_from_displacement_field(ants.image_read(ours_file(case, "_warp.nii.gz")))
    got = np.array(tx.apply_to_point(warp_tx.apply_to_point(tuple(x))))
    np.testing.assert_allclose(got, expected, atol=1e-3)


def test_parameters_file_replaces_the_preset(case):
    import json
    params = json.loads(pathlib.Path(ours_file(case, "_report.json")).read_text())["parameters"]
    params["syn"]["levels"] = [{"spacing": 8, "iterations": 7}]
    params["syn"]["radius"] = 3
    pfile = case["dir"] / "params.json"
    pfile.write_text(json.dumps(params))
    prefix = case["dir"] / "custom"
    run("register", "--fixed", case["fixed"], "--moving", case["moving"], "-o", prefix, "--parameters", pfile, "--quiet")
    report = json.loads(pathlib.Path(str(prefix) + "_report.json").read_text())
    assert report["parameters"] == params
    syn = [lvl for lvl in report["levels"] if lvl["stage"] in ("syn", "greedy")]
    assert len(syn) == 1 and 1 <= syn[0]["iterations"] <= 7
    # Not a parameters file: a clear error naming it, nothing written.
    bad = case["dir"] / "bad.json"
    bad.write_text('{"syn": 3}')
    p = subprocess.run([BIN, "register", "--fixed", str(case["fixed"]), "--moving", str(case["moving"]),
                        "-o", str(case["dir"] / "bad"), "--parameters", str(bad)], capture_output=True, text=True)
    assert p.returncode != 0 and "bad.json" in p.stderr, p.stderr
    assert not (case["dir"] / "bad_report.json").exists()
