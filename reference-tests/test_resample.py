"""DeepStroke's resampling and smoothing against scipy.ndimage on the same index maps.

Runs the built CLI (DEEPSTROKE_BIN, default .build/release/deepstroke): `deepstroke resample` on NIfTI
files written by nibabel, and `deepstroke-bench smooth` (DEEPSTROKE_BENCH_BIN) on raw float32 files. Index maps are
computed from the affines exactly as stored in the files (nibabel's `img.affine`), so both sides
interpolate at the same continuous indices.

Conventions checked (see Sources/ImageCore/GridSampler.swift):
- a point is inside when its continuous index lies in [-0.5, n - 0.5] on every axis, else it gets 0;
- linear / nearest / label extend the grid by repeating the edge voxel: scipy mode='nearest';
- cubic is a B-spline with mirror boundary: scipy map_coordinates(order=3, mode='mirror');
- Gaussian smoothing replicates edges: scipy gaussian_filter(mode='nearest', truncate=4).
"""
import os
import pathlib
import subprocess

import nibabel as nib
import numpy as np
import pytest
from scipy import ndimage

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = os.environ.get("DEEPSTROKE_BIN", str(ROOT / ".build/release/deepstroke"))
# The timing commands are the separate `deepstroke-bench` executable.
BENCH_BIN = os.environ.get("DEEPSTROKE_BENCH_BIN", str(ROOT / ".build/release/deepstroke-bench"))


def run(*args, binary=BIN):
    p = subprocess.run([binary, *map(str, args)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p.stdout


def resample(*args):
    return run("resample", *args)


def rotation(axis, degrees):
    u = np.asarray(axis, float) / np.linalg.norm(axis)
    a = np.deg2rad(degrees)
    k = np.array([[0, -u[2], u[1]], [u[2], 0, -u[0]], [-u[1], u[0], 0]])
    return np.eye(3) + np.sin(a) * k + (1 - np.cos(a)) * k @ k


def smooth_field(shape, seed):
    rng = np.random.default_rng(seed)
    return ndimage.gaussian_filter(rng.standard_normal(shape), 1.5).astype(np.float32) * 10


def save(path, data, affine):
    nib.Nifti1Image(data, affine).to_filename(str(path))
    return nib.load(str(path))


@pytest.fixture
def scene(tmp_path):
    """An oblique input image and a rotated, shifted reference grid of another size and spacing."""
    shape = (40, 36, 30)
    a_in = np.eye(4)
    a_in[:3, :3] = rotation([0.3, -0.2, 1], 12) @ np.diag([1.1, 0.9, 1.6])
    a_in[:3, 3] = [-20, 15, -8]
    img = save(tmp_path / "in.nii.gz", smooth_field(shape, 1), a_in)
    ref_shape = (38, 40, 26)
    a_ref = np.eye(4)
    a_ref[:3, :3] = rotation([1, 0.4, -0.3], 17) @ a_in[:3, :3] @ np.diag([1.05, 0.92, 1.1])
    centre = a_in[:3, :3] @ ((np.array(shape) - 1) / 2) + a_in[:3, 3]
    a_ref[:3, 3] = centre - a_ref[:3, :3] @ ((np.array(ref_shape) - 1) / 2) + [3.7, -2.1, 1.3]
    ref = save(tmp_path / "ref.nii.gz", np.zeros(ref_shape, np.float32), a_ref)
    return tmp_path, img, ref


def coordinates(src, dst):
    """Continuous indices in `src` of every voxel of `dst`'s grid, shape (3,) + dst.shape."""
    m = np.linalg.inv(src.affine) @ dst.affine
    grid = np.indices(dst.shape[:3], dtype=float).reshape(3, -1)
    return (m[:3, :3] @ grid + m[:3, 3:4]).reshape((3,) + dst.shape[:3])


def regions(coords, shape, margin=1e-6):
    """Masks: interior ([0, n-1]), inside the footprint, and clearly outside it."""
    n = np.array(shape, float).reshape(3, 1, 1, 1)
    interior = np.all((coords >= 0) & (coords <= n - 1), axis=0)
    inside = np.all((coords >= -0.5 + margin) & (coords <= n - 0.5 - margin), axis=0)
    outside = np.any((coords < -0.5 - margin) | (coords > n - 0.5 + margin), axis=0)
    return interior, inside, outside


def scipy_resample(data, coords, order, mode):
    out = ndimage.map_coordinates(data.astype(np.float64), coords, order=order, mode=mode)
    n = np.array(data.shape, float).reshape(3, 1, 1, 1)
    footprint = np.all((coords >= -0.5) & (coords <= n - 0.5), axis=0)
    return np.where(footprint, out, 0.0)


def test_linear_forward_and_back_matches_scipy(scene):
    d, img, ref = scene
    resample(d / "in.nii.gz", "-o", d / "fwd.nii.gz", "--like", d / "ref.nii.gz", "--interpolation", "linear")
    fwd = nib.load(str(d / "fwd.nii.gz"))
    assert fwd.shape == ref.shape and fwd.get_data_dtype() == np.float32
    np.testing.assert_allclose(fwd.affine, ref.affine, atol=1e-5)
    c = coordinates(img, ref)
    expected = scipy_resample(img.get_fdata(), c, 1, "nearest")
    interior, inside, outside = regions(c, img.shape)
    ours = fwd.get_fdata()
    assert interior.sum() > 10000 and outside.sum() > 1000
    assert np.abs(ours - expected)[interior].max() < 1e-4
    assert np.abs(ours - expected)[inside].max() < 1e-4
    assert np.all(ours[outside] == 0)

    # And back onto the input grid, from each side's own forward result.
    resample(d / "fwd.nii.gz", "-o", d / "back.nii.gz", "--like", d / "in.nii.gz")
    back = nib.load(str(d / "back.nii.gz"))
    c2 = coordinates(fwd, img)
    expected_back = scipy_resample(expected.astype(np.float32), c2, 1, "nearest")
    interior2, _, _ = regions(c2, ref.shape)
    # Only where the forward grid's values around the point are unaffected by the footprint edge.
    safe = interior2 & np.all((c2 >= 1) & (c2 <= np.array(ref.shape).reshape(3, 1, 1, 1) - 2), axis=0)
    assert safe.sum() > 5000
    assert np.abs(back.get_fdata() - expected_back)[safe].max() < 1e-4


def test_cubic_matches_scipy_mirror_spline(scene):
    d, img, ref = scene
    resample(d / "in.nii.gz", "-o", d / "cubic.nii", "--like", d / "ref.nii.gz", "--interpolation", "cubic")
    c = coordinates(img, ref)
    expected = scipy_resample(img.get_fdata(), c, 3, "mirror")
    interior, inside, outside = regions(c, img.shape)
    ours = nib.load(str(d / "cubic.nii")).get_fdata()
    assert np.abs(ours - expected)[interior].max() < 1e-4
    assert np.abs(ours - expected)[inside].max() < 1e-4
    assert np.all(ours[outside] == 0)


def test_nearest_matches_scipy_order0(scene):
    d, img, ref = scene
    resample(d / "in.nii.gz", "-o", d / "nn.nii.gz", "--like", d / "ref.nii.gz", "--interpolation", "nearest")
    c = coordinates(img, ref)
    expected = scipy_resample(img.get_fdata(), c, 0, "nearest")
    _, inside, _ = regions(c, img.shape)
    # Away from rounding ties (x.5), where the two rules may legitimately differ.
    frac = np.abs((c - np.floor(c)) - 0.5)
    clear = inside & np.all(frac > 1e-6, axis=0)
    ours = nib.load(str(d / "nn.nii.gz")).get_fdata()
    assert np.array_equal(ours[clear], expected[clear])


def test_label_mode_is_weighted_vote_and_never_invents_labels(scene):
    d, img, ref = scene
    rng = np.random.default_rng(5)
    # Blocky maps of the ASPECTS label values, so many voxels sit between several labels.
    coarse = rng.integers(0, 21, size=(10, 9, 8)).astype(np.uint8)
    labels = np.kron(coarse, np.ones((4, 4, 4), np.uint8))[: img.shape[0], : img.shape[1], : img.shape[2]]
    lab = save(d / "labels.nii.gz", labels, img.affine)
    resample(d / "labels.nii.gz", "-o", d / "lab_out.nii.gz", "--like", d / "ref.nii.gz", "--interpolation", "label")
    out_img = nib.load(str(d / "lab_out.nii.gz"))
    assert out_img.get_data_dtype() == np.uint8
    out = np.asarray(out_img.dataobj)
    c = coordinates(lab, ref)
    _, inside, outside = regions(c, labels.shape)
    assert set(np.unique(out[inside])) <= set(np.unique(labels))
    assert np.all(out[outside] == 0)

    # Independent reference: summed trilinear weights per label over the 8 edge-clamped neighbours.
    pts = c[:, inside]
    n = np.array(labels.shape).reshape(3, 1)
    base = np.floor(pts).astype(int)
    t = pts - base
    votes = np.zeros((21, pts.shape[1]))
    for corner in np.ndindex(2, 2, 2):
        off = np.array(corner).reshape(3, 1)
        idx = np.clip(base + off, 0, n - 1)
        w = np.prod(np.where(off == 1, t, 1 - t), axis=0)
        np.add.at(votes, (labels[idx[0], idx[1], idx[2]], np.arange(pts.shape[1])), w)
    ranked = np.sort(votes, axis=0)
    clear = ranked[-1] - ranked[-2] > 1e-4
    assert clear.sum() > 0.9 * clear.size
    assert np.array_equal(out[inside][clear], np.argmax(votes, axis=0)[clear])
    # Linear interpolation of the same map would have made new values; the vote did not.
    assert len(np.unique(out[inside])) > 15


def test_spacing_option_keeps_first_voxel_and_extent(scene):
    d, img, _ = scene
    resample(d / "in.nii.gz", "-o", d / "iso.nii.gz", "--spacing", "1.5")
    out = nib.load(str(d / "iso.nii.gz"))
    zooms = np.sqrt((img.affine[:3, :3] ** 2).sum(axis=0))
    extent = (np.array(img.shape) - 1) * zooms
    assert out.shape == tuple(int(np.floor(e / 1.5)) + 1 for e in extent)
    np.testing.assert_allclose(np.sqrt((out.affine[:3, :3] ** 2).sum(axis=0)), 1.5, atol=1e-5)
    np.testing.assert_allclose(out.affine[:3, 3], img.affine[:3, 3], atol=1e-4)
    c = coordinates(img, out)
    interior, _, _ = regions(c, img.shape)
    expected = scipy_resample(img.get_fdata(), c, 1, "nearest")
    assert np.abs(out.get_fdata() - expected)[interior].max() < 1e-4


def test_integer_image_keeps_datatype_and_rounds(scene):
    d, img, ref = scene
    ct = np.round(img.get_fdata() * 50).astype(np.int16)
    src = save(d / "ct.nii.gz", ct, img.affine)
    resample(d / "ct.nii.gz", "-o", d / "ct_out.nii.gz", "--like", d / "ref.nii.gz")
    out = nib.load(str(d / "ct_out.nii.gz"))
    assert out.get_data_dtype() == np.int16
    c = coordinates(src, ref)
    interior, _, _ = regions(c, ct.shape)
    expected = scipy_resample(ct.astype(np.float64), c, 1, "nearest")
    # Rounded to the nearest integer (allow float32 arithmetic at exact .5 ties).
    assert np.abs(np.asarray(out.dataobj)[interior] - expected[interior]).max() <= 0.5 + 1e-3


def test_gaussian_smoothing_matches_scipy(tmp_path):
    shape_kji = (21, 33, 40)  # numpy C order: k, j, i (i fastest on disk)
    rng = np.random.default_rng(7)
    data = rng.standard_normal(shape_kji).astype(np.float32)
    data[5:9, 10:20, 30:] += 20  # a step reaching the border
    raw = tmp_path / "in.raw"
    data.tofile(raw)
    spacing = (0.8, 1.5, 2.5)  # i, j, k in mm
    for sigma_mm in (2.0, 0.7):
        out = tmp_path / "out.raw"
        run("smooth", "--raw", raw, "--size", "40,33,21", "--spacing", ",".join(map(str, spacing)),
            "--sigma", sigma_mm, "--repeats", 1, "--output", out, binary=BENCH_BIN)
        ours = np.fromfile(out, dtype=np.float32).reshape(shape_kji)
        sigma_kji = [sigma_mm / spacing[2], sigma_mm / spacing[1], sigma_mm / spacing[0]]
        expected = ndimage.gaussian_filter(data.astype(np.float64), sigma_kji, mode="nearest", truncate=4.0)
        assert np.abs(ours - expected).max() < 1e-4 * max(1.0, np.abs(expected).max())


def test_bad_arguments_fail_with_one_line_and_no_output(scene):
    d, _, _ = scene
    for args in (["--spacing", "1", "--like", d / "ref.nii.gz"], ["--spacing", "0,1,1"],
                 ["--spacing", "1", "--interpolation", "bicubic"], []):
        out = d / "bad.nii.gz"
        p = subprocess.run([BIN, "resample", str(d / "in.nii.gz"), "-o", str(out), *map(str, args)],
                           capture_output=True, text=True)
        assert p.returncode != 0
        assert p.stderr.strip().splitlines()[0].startswith("Error:")
        assert not out.exists()
    p = subprocess.run([BIN, "resample", str(d / "missing.nii.gz"), "-o", str(d / "x.nii"), "--spacing", "1"],
                       capture_output=True, text=True)
    assert p.returncode != 0 and len(p.stderr.strip().splitlines()) == 1 and not (d / "x.nii").exists()
