"""`deepstroke score` against independent Python references.

A phantom head CT and ASPECTS label map are built here with NumPy (stored RAS, as nibabel writes by
default), scored by the CLI, and the outputs are checked: aspects.json against the known lesion,
regions.csv statistics and descriptors against NumPy recomputations, the PNGs decoded by PIL and by a
small zlib+struct decoder (CRC, inflate, all five filters) and compared with the CT through the CT window
in radiological orientation, and report.html rendered by headless Chromium.
"""
import csv
import json
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from PIL import Image

BIN = os.environ.get("DEEPSTROKE_BIN", ".build/release/deepstroke")
NAMES = ["C", "L", "IC", "I", "M1", "M2", "M3", "M4", "M5", "M6"]
SHAPE = (140, 170, 26)
SPACING = (1.2, 1.1, 5.0)
# Region centres and radii (mm, RAS: +x = patient's right) for the right hemisphere; left mirrors x.
LAYOUT = {
    "C": ((12, 10, 3), (5, 9, 9), 37), "L": ((25, 0, 0), (6, 13, 9), 37), "IC": ((17.5, 1, 0), (3, 13, 9), 29),
    "I": ((36, 0, 0), (3.5, 15, 10), 37), "M1": ((32, 38, 2), (11, 11, 10), 35), "M2": ((52, 0, 0), (7, 18, 11), 35),
    "M3": ((38, -38, 2), (11, 11, 10), 35), "M4": ((30, 26, 30), (11, 13, 9), 35), "M5": ((50, 0, 30), (7, 15, 9), 35),
    "M6": ((35, -28, 30), (11, 13, 9), 35),
}
LESION = ["L", "I", "M2", "M5"]  # right hemisphere
DEPTH = 7.0
WINDOW = (35.0, 40.0)  # level, width: the report's stroke window


def make_case(directory: Path):
    rng = np.random.default_rng(7)
    origin = np.array([-(SHAPE[i] - 1) / 2 * SPACING[i] for i in range(2)] + [-50.0])
    i, j, k = np.meshgrid(*[np.arange(n) for n in SHAPE], indexing="ij")
    x, y, z = (origin[0] + i * SPACING[0], origin[1] + j * SPACING[1], origin[2] + k * SPACING[2])
    ct = np.full(SHAPE, -1000.0)
    brain = ((x / 66) ** 2 + (y / 84) ** 2 + ((z - 10) / 60) ** 2) <= 1
    skull = (((x / 72) ** 2 + (y / 90) ** 2 + ((z - 10) / 66) ** 2) <= 1) & ~brain
    ct[skull] = 900
    ct[brain] = 32
    labels = np.zeros(SHAPE, np.uint8)
    for code in range(1, 21):
        name = NAMES[(code - 1) % 10]
        (cx, cy, cz), (rx, ry, rz), hu = LAYOUT[name]
        if code > 10:
            cx = -cx
        inside = brain & ((((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 + ((z - cz) / rz) ** 2) <= 1) & (labels == 0)
        labels[inside] = code
        ct[inside] = hu - (DEPTH if code <= 10 and name in LESION else 0)
    # Frontal horns overlapping the caudate labels, and a calcified spot in each lentiform nucleus.
    for sx in (1, -1):
        ct[brain & ((((x - sx * 6) / 5) ** 2 + ((y - 8) / 16) ** 2 + ((z - 6) / 10) ** 2) <= 1)] = 5
        ct[brain & ((((x - sx * 24) / 2) ** 2 + ((y + 4) / 2) ** 2 + (z / 3) ** 2) <= 1)] = 160
    noisy = ct + rng.normal(0, 6, SHAPE) * (ct > -900)
    # In-plane 3x3 box smoothing (noise SD about 2 HU).
    sm = sum(np.roll(np.roll(noisy, a, 0), b, 1) for a in (-1, 0, 1) for b in (-1, 0, 1)) / 9
    affine = np.diag(list(SPACING) + [1.0])
    affine[:3, 3] = origin
    ct_path, lab_path = directory / "ct.nii.gz", directory / "labels.nii.gz"
    nib.save(nib.Nifti1Image(sm.astype(np.float32), affine), ct_path)
    nib.save(nib.Nifti1Image(labels, affine), lab_path)
    return ct_path, lab_path


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    d = tmp_path_factory.mktemp("score")
    ct_path, lab_path = make_case(d)
    out = d / "report"
    proc = subprocess.run([BIN, "score", str(ct_path), "--labels", str(lab_path), "-o", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    ct = np.asarray(nib.load(ct_path).dataobj, dtype=np.float32)
    labels = np.asarray(nib.load(lab_path).dataobj)
    return out, ct, labels


def test_scores_and_schema(report):
    out, _, _ = report
    doc = json.loads((out / "aspects.json").read_text())
    assert doc["aspects"] == {"right": 10 - len(LESION), "left": 10}
    assert doc["affected_side"] == "right"
    regions = doc["regions"]
    assert [r["code"] for r in regions] == list(range(1, 21))
    affected = sorted(r["code"] for r in regions if r["affected"])
    assert affected == sorted(NAMES.index(n) + 1 for n in LESION)
    for r in regions:
        assert r["side"] == ("right" if r["code"] <= 10 else "left")
        assert r["name"] == NAMES[(r["code"] - 1) % 10]
        assert 0.5 <= r["confidence"] <= 1
        assert r["segmentation_probability"] is None
    assert "not for clinical use" in doc["note"]


def read_csv(out):
    with open(out / "regions.csv", newline="") as f:
        return {int(row["code"]): row for row in csv.DictReader(f)}


def close(a, b, rel=2e-5, abs_=2e-4):
    return abs(float(a) - b) <= abs_ + rel * abs(b)


def test_region_statistics_match_numpy(report):
    out, ct, labels = report
    rows = read_csv(out)
    voxel_ml = np.prod(SPACING) / 1000
    compared = halves_compared = 0
    for code in range(1, 21):
        row = rows[code]
        region = labels == code
        values = ct[region & (ct >= 10) & (ct <= 60)].astype(np.float64)
        assert int(row["label_voxels"]) == region.sum()
        assert int(row["tissue_voxels"]) == values.size
        assert close(row["volume_ml"], region.sum() * voxel_ml)
        assert close(row["mean_hu"], values.mean())
        assert close(row["sd_hu"], values.std(ddof=1))
        for q, key in [(10, "p10_hu"), (25, "p25_hu"), (50, "median_hu"), (75, "p75_hu"), (90, "p90_hu")]:
            assert close(row[key], np.percentile(values, q)), (code, key)
        mirror = ct[(labels == (code + 10 if code <= 10 else code - 10)) & (ct >= 10) & (ct <= 60)].astype(np.float64)
        # The cores (voxels whose box of +-1.5 mm, rounded to whole voxels per axis, holds only their label) are
        # compared too when both sides have one of at least 50 voxels and 10 % of their tissue.
        cores = [core_values(ct, labels, c) for c in (code, code + 10 if code <= 10 else code - 10)]
        sizes = [values.size, mirror.size]
        use = all(c.size >= 50 and c.size >= 0.1 * n for c, n in zip(cores, sizes))
        assert close(row["difference_hu"], values.mean() - mirror.mean())
        assert int(row["core_voxels"]) == cores[0].size
        if use:
            compared += 1
            assert close(row["core_difference_hu"], cores[0].mean() - cores[1].mean()), code
        else:
            assert row["core_difference_hu"] == "", code
        # The halves: each side's tissue cut at the median of its LPS y (the NIfTI affine is RAS and
        # diagonal, so LPS y = -(origin + j * spacing)); anterior = at or in front of the median.
        own, other = (half_values(ct, labels, c) for c in (code, code + 10 if code <= 10 else code - 10))
        for h, key in ((0, "anterior_half_difference_hu"), (1, "posterior_half_difference_hu")):
            if own[h].size >= 50 and other[h].size >= 50:
                halves_compared += 1
                assert close(row[key], own[h].mean() - other[h].mean()), (code, key)
            else:
                assert row[key] == "", (code, key)
    assert compared >= 10, "most regions of this phantom have cores to compare"
    assert halves_compared >= 20, "most regions of this phantom have halves to compare"


def half_values(ct, labels, code):
    """Tissue HU of a region's anterior and posterior halves, cut at the median LPS y of its tissue."""
    idx = np.argwhere((labels == code) & (ct >= 10) & (ct <= 60))
    lps_y = -(idx[:, 1] * SPACING[1])
    median = np.sort(lps_y)[(len(lps_y) - 1) // 2]
    values = ct[tuple(idx.T)].astype(np.float64)
    return values[lps_y <= median], values[lps_y > median]


def core_values(ct, labels, code):
    """Tissue HU of a region's core, by scipy's binary erosion with a box (nothing outside the grid)."""
    from scipy import ndimage
    radius = [int(np.floor(1.5 / s + 0.5)) for s in SPACING]
    box = np.ones([2 * r + 1 for r in radius], bool)
    core = ndimage.binary_erosion(labels == code, structure=box, border_value=0)
    return ct[core & (ct >= 10) & (ct <= 60)].astype(np.float64)


def test_descriptors_match_numpy(report):
    out, ct, labels = report
    rows = read_csv(out)
    for code in (2, 6, 13, 18):
        row = rows[code]
        region = labels == code
        # Surface: exposed voxel faces times 2/3.
        padded = np.pad(region, 1)
        faces = 0.0
        for axis, area in enumerate([SPACING[1] * SPACING[2], SPACING[0] * SPACING[2], SPACING[0] * SPACING[1]]):
            faces += area * np.count_nonzero(np.diff(padded.astype(np.int8), axis=axis))
        assert close(row["surface_area_mm2"], faces * 2 / 3)
        tissue = region & (ct >= 10) & (ct <= 60)
        v = ct[tissue].astype(np.float64)
        d = v - v.mean()
        m2, m3, m4 = (d ** 2).mean(), (d ** 3).mean(), (d ** 4).mean()
        assert close(row["histogram_variance"], m2)
        assert close(row["skewness"], m3 / m2 ** 1.5, abs_=1e-4)
        assert close(row["excess_kurtosis"], m4 / m2 ** 2 - 3, abs_=1e-4)
        counts = np.bincount(np.clip(np.floor((v - 10) / 2.5).astype(int), 0, 19), minlength=20)
        p = counts[counts > 0] / v.size
        assert close(row["entropy_bits"], -(p * np.log2(p)).sum())
        # GLCM: 16 levels over 10-60 HU, in-plane offsets (5 mm slices), symmetric.
        level = np.clip(np.floor((ct - 10) / 50 * 16).astype(int), 0, 15)
        glcm = np.zeros((16, 16))
        for di, dj in [(1, 0), (0, 1), (1, 1), (1, -1)]:
            a = tissue[max(0, -di):SHAPE[0] - max(0, di), max(0, -dj):SHAPE[1] - max(0, dj)]
            b = tissue[max(0, di):SHAPE[0] + min(0, di) or None, max(0, dj):SHAPE[1] + min(0, dj) or None]
            la = level[max(0, -di):SHAPE[0] - max(0, di), max(0, -dj):SHAPE[1] - max(0, dj)]
            lb = level[max(0, di):SHAPE[0] + min(0, di) or None, max(0, dj):SHAPE[1] + min(0, dj) or None]
            both = a & b
            np.add.at(glcm, (la[both], lb[both]), 1)
            np.add.at(glcm, (lb[both], la[both]), 1)
        glcm /= glcm.sum()
        ii, jj = np.indices(glcm.shape)
        assert close(row["glcm_contrast"], (glcm * (ii - jj) ** 2).sum())
        assert close(row["glcm_homogeneity"], (glcm / (1 + (ii - jj) ** 2)).sum())


def decode_png(data: bytes) -> np.ndarray:
    """Minimal independent PNG reader: chunk CRCs, IDAT inflate, the five row filters (8-bit grey/RGB)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (0, 2) and interlace == 0
    bpp = 3 if colour == 2 else 1
    raw = zlib.decompress(idat)
    stride = width * bpp
    out = np.zeros((height, stride), np.int32)
    prev = np.zeros(stride, np.int32)
    for y in range(height):
        f, row = raw[y * (stride + 1)], np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        cur = np.zeros(stride, np.int32)
        for x in range(stride):
            a = cur[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 0:
                pred = 0
            elif f == 1:
                pred = a
            elif f == 2:
                pred = b
            elif f == 3:
                pred = (a + b) // 2
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            cur[x] = (row[x] + pred) & 0xFF
        out[y], prev = cur, cur
    return out.reshape(height, width, bpp).astype(np.uint8)


@pytest.mark.parametrize("level", ["ganglionic", "supraganglionic"])
def test_level_png_decodes_and_shows_the_ct_radiologically(report, level):
    out, ct, labels = report
    data = (out / f"{level}.png").read_bytes()
    pil = np.asarray(Image.open(out / f"{level}.png").convert("RGB"))
    ours = decode_png(data)
    assert np.array_equal(pil, ours)
    doc = json.loads((out / "aspects.json").read_text())
    k = doc["levels"][f"{level}_slice"]  # RAS storage: display slice = k
    # Expected display mapping: 512 columns across the field of view (the CT's native 1.1 mm would be
    # narrower); patient right (high i in RAS storage) on the image's left, anterior (high j) at the top.
    # The CT is interpolated bilinearly (pixel centres in voxel units, edges held), labels nearest.
    pixel = SHAPE[0] * SPACING[0] / 512
    height, width, _ = ours.shape
    assert width == 512 and height == round(SHAPE[1] * SPACING[1] / pixel)
    cols = np.minimum(SHAPE[0] - 1, ((np.arange(width) + 0.5) * pixel / SPACING[0]).astype(int))
    rows = np.minimum(SHAPE[1] - 1, ((np.arange(height) + 0.5) * pixel / SPACING[1]).astype(int))
    ii, jj = SHAPE[0] - 1 - cols[None, :], SHAPE[1] - 1 - rows[:, None]
    u = np.clip((np.arange(width) + 0.5) * pixel / SPACING[0] - 0.5, 0, SHAPE[0] - 1)
    w = np.clip((np.arange(height) + 0.5) * pixel / SPACING[1] - 0.5, 0, SHAPE[1] - 1)
    u0, w0 = np.minimum(u.astype(int), SHAPE[0] - 2), np.minimum(w.astype(int), SHAPE[1] - 2)
    fu, fw = (u - u0)[None, :], (w - w0)[:, None]
    disp = ct[::-1, ::-1, k].T.astype(np.float64)  # [display row, display column]
    a, b = disp[w0[:, None], u0[None, :]], disp[w0[:, None], u0[None, :] + 1]
    c, d = disp[w0[:, None] + 1, u0[None, :]], disp[w0[:, None] + 1, u0[None, :] + 1]
    hu = (a + fu * (b - a)) + fw * ((c + fu * (d - c)) - (a + fu * (b - a)))
    lab = labels[ii, jj, k]
    lo = WINDOW[0] - WINDOW[1] / 2
    grey = np.clip(np.floor((hu - lo) / WINDOW[1] * 255 + 0.5), 0, 255)
    # Compare where no region, outline, heat map or text can be: away from the labels by more than the
    # hypodensity mask's 3 mm dilation, and away from the text margins.
    near = lab > 0
    for _ in range(int(np.ceil(4 / pixel))):
        near = near | np.roll(near, 1, 0) | np.roll(near, -1, 0) | np.roll(near, 1, 1) | np.roll(near, -1, 1)
    free = ~near
    free[:40, :] = free[-40:, :] = False
    free[:, :60] = free[:, -60:] = False
    img = ours.astype(np.int32)
    is_grey = (img[..., 0] == img[..., 1]) & (img[..., 1] == img[..., 2])
    assert free.sum() > 20000
    match = is_grey[free] & (np.abs(img[..., 0][free] - grey[free]) <= 1)
    assert match.mean() > 0.995, match.mean()
    # The affected (right) regions are filled red on the image's left half only.
    red = (img[..., 0] > 150) & (img[..., 1] < 120) & (img[..., 2] < 120) & (img[..., 0] - np.maximum(img[..., 1], img[..., 2]) > 70)
    assert red[:, : width // 2].sum() > 1000
    assert red[:, width // 2:].sum() < red[:, : width // 2].sum() / 50


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def test_report_html_renders_in_headless_chromium(report, tmp_path):
    if os.environ.get("DEEPSTROKE_SKIP_CHROMIUM") == "1":
        pytest.skip("DEEPSTROKE_SKIP_CHROMIUM=1")
    browser = chromium()
    assert browser, "chromium not installed (scripts/install-deps.sh installs it)"
    out, _, _ = report
    html = (out / "report.html").read_text()
    assert "not for clinical use" in html and html.count("data:image/png;base64,") == 2
    assert "http://" not in html and "https://" not in html
    shot = tmp_path / "report.png"
    proc = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--window-size=1280,1400", f"--screenshot={shot}", (out / "report.html").as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert shot.exists(), proc.stderr
    keep = os.environ.get("DEEPSTROKE_KEEP_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)
    img = np.asarray(Image.open(shot).convert("RGB")).astype(np.int32)
    assert img.shape[0] >= 1000 and img.shape[1] >= 1200
    # Not blank: many colours, and both the dark header/CT images and the red warning banner are drawn.
    flat = img.reshape(-1, 3)
    assert len(np.unique(flat // 8, axis=0)) > 200
    dark = (flat.sum(axis=1) < 150).mean()
    banner = ((flat[:, 0] > 150) & (flat[:, 1] < 40) & (flat[:, 2] < 60)).mean()
    assert dark > 0.05, dark
    assert banner > 0.005, banner
    assert flat.std(axis=0).min() > 20
