"""NIfTI I/O against nibabel, through the built CLI.

nibabel writes fixtures (every datatype, NIfTI-1/2, .nii/.nii.gz, big-endian, sform, qform-only, no
transform, scaled, 4-D, 5-D vector) and `deepstroke info --json` must report the same shape, dtype,
affine (bit for bit) and scaled value range. In the other direction `deepstroke-bench nifti-convert` rewrites
each fixture with DeepStroke's writer and nibabel must load identical data and affine. The project's CT
template copies are checked the same way.
"""
import json
import os
import subprocess

import nibabel as nib
import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("DEEPSTROKE_BIN", os.path.join(ROOT, ".build/release/deepstroke"))
# The NIfTI rewriter is a test tool, built as the separate `deepstroke-bench` executable.
BENCH_BIN = os.environ.get("DEEPSTROKE_BENCH_BIN", os.path.join(ROOT, ".build/release/deepstroke-bench"))
DATA = os.environ.get("DEEPSTROKE_DATA", os.path.join(ROOT, "..", "shared", "data"))
TEMPLATE = os.path.join(DATA, "ct_template")

DTYPES = ["uint8", "int8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64"]


def run(*args, check=True, binary=BIN):
    p = subprocess.run([binary, *args], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"{os.path.basename(binary)} {' '.join(args)} failed ({p.returncode}): {p.stderr}")
    return p


def convert(*args):
    """`deepstroke-bench nifti-convert ARGS`: rewrite a file with DeepStroke's writer."""
    return run("nifti-convert", *args, binary=BENCH_BIN)


def info(path):
    return json.loads(run("info", "--json", str(path)).stdout)


def oblique_affine():
    a, b = 0.3, -0.2
    rz = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
    aff = np.eye(4)
    aff[:3, :3] = rz @ rx @ np.diag([0.8, 1.25, 2.5])
    aff[:3, 3] = [91.5, -120.25, -33.75]
    return aff


def sample(dtype, shape, rng):
    dt = np.dtype(dtype)
    if dt.kind == "f":
        data = rng.normal(0, 1000, shape).astype(dt)
        data.flat[1] = np.finfo(np.float32).max if dt == np.float32 else 1e300
        return data
    info_ = np.iinfo(dt)
    data = rng.integers(info_.min, info_.max, shape, dtype=dt, endpoint=True)
    data.flat[0], data.flat[1] = info_.min, info_.max
    return data


def reference(img):
    """What nibabel says: shape, dtype, best affine, scaled range."""
    scaled = float(img.dataobj.slope) != 1.0 or float(img.dataobj.inter) != 0.0
    # get_fdata: float64 with scl_slope/scl_inter applied; unscaled data is compared in its own type
    # (same extremes, without a float64 copy of a 512^3 volume).
    values = img.get_fdata() if scaled else np.asanyarray(img.dataobj)
    return {
        "shape": list(img.shape),
        "dtype": img.header.get_data_dtype().name,
        "affine": img.affine,
        "min": float(np.nanmin(values)),
        "max": float(np.nanmax(values)),
    }


def assert_info_matches(path, img):
    ours = info(path)
    ref = reference(img)
    assert ours["shape"] == ref["shape"]
    assert ours["datatype"] == ref["dtype"]
    assert np.array_equal(np.array(ours["affine"]), ref["affine"]), f"{np.array(ours['affine'])}\n!=\n{ref['affine']}"
    assert ours["min"] == ref["min"] and ours["max"] == ref["max"], (ours["min"], ours["max"], ref["min"], ref["max"])
    assert ours["sform_code"] == int(img.header["sform_code"])
    assert ours["qform_code"] == int(img.header["qform_code"])
    assert ours["orientation"] == "".join(nib.aff2axcodes(img.affine))
    return ours


def assert_same_image(a, b):
    """Same stored dtype, identical stored values, identical scaled values and identical affine."""
    assert a.header.get_data_dtype().newbyteorder("=") == b.header.get_data_dtype().newbyteorder("=")
    assert np.array_equal(np.asanyarray(a.dataobj), np.asanyarray(b.dataobj), equal_nan=True)
    assert np.array_equal(a.affine, b.affine), f"{a.affine}\n!=\n{b.affine}"
    assert a.shape == b.shape


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(20240601)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("klass", [nib.Nifti1Image, nib.Nifti2Image], ids=["nifti1", "nifti2"])
@pytest.mark.parametrize("ext", [".nii", ".nii.gz"])
def test_every_dtype_both_ways(tmp_path, rng, dtype, klass, ext):
    data = sample(dtype, (7, 5, 4), rng)
    img = klass(data, oblique_affine(), dtype=data.dtype)
    src = tmp_path / f"src{ext}"
    nib.save(img, src)
    loaded = nib.load(src)
    ours = assert_info_matches(src, loaded)
    assert ours["version"] == (2 if klass is nib.Nifti2Image else 1)
    # Our writer, read by nibabel: same type, values, affine; as NIfTI-2 too.
    for extra in ([], ["--nifti2"]):
        out = tmp_path / f"out{len(extra)}{ext}"
        convert(str(src), str(out), *extra)
        back = nib.load(out)
        assert_same_image(loaded, back)
        assert isinstance(back, nib.Nifti2Image) == (bool(extra) or klass is nib.Nifti2Image)


@pytest.mark.parametrize("dtype", ["int16", "uint16", "int32", "float32", "float64", "int64"])
def test_big_endian(tmp_path, rng, dtype):
    data = sample(dtype, (6, 5, 3), rng)
    hdr = nib.Nifti1Header(endianness=">")
    img = nib.Nifti1Image(data, oblique_affine(), header=hdr, dtype=data.dtype)
    src = tmp_path / "be.nii.gz"
    nib.save(img, src)
    loaded = nib.load(src)
    assert loaded.header.endianness == ">"
    ours = assert_info_matches(src, loaded)
    assert ours["endianness"] == "big"
    out = tmp_path / "le.nii"
    convert(str(src), str(out))
    assert_same_image(loaded, nib.load(out))


@pytest.mark.parametrize("version", [1, 2])
def test_qform_only(tmp_path, rng, version):
    """The quaternion path: nibabel and we must agree on the affine to the last bit."""
    klass = nib.Nifti1Image if version == 1 else nib.Nifti2Image
    for k, aff in enumerate([oblique_affine(), np.diag([-0.5, 0.5, 0.5, 1.0]) @ np.array([[0, 1, 0, 3], [0, 0, 1, -4], [1, 0, 0, 5], [0, 0, 0, 1.0]])]):
        data = sample("int16", (6, 5, 4), rng)
        img = klass(data, None)
        img.set_qform(aff, code=1)
        img.set_sform(None, code=0)
        src = tmp_path / f"q{k}.nii"
        nib.save(img, src)
        loaded = nib.load(src)
        assert int(loaded.header["sform_code"]) == 0
        ours = assert_info_matches(src, loaded)
        assert ours["affine_source"] == "qform"
        out = tmp_path / f"q{k}_out.nii.gz"
        convert(str(src), str(out))
        assert_same_image(loaded, nib.load(out))


def test_sform_preferred_and_no_transform(tmp_path, rng):
    data = sample("float32", (5, 4, 3), rng)
    img = nib.Nifti1Image(data, oblique_affine())
    img.set_qform(np.diag([3.0, 3.0, 3.0, 1.0]), code=1)  # a different, valid qform
    src = tmp_path / "both.nii"
    nib.save(img, src)
    assert info(src)["affine_source"] == "sform"
    assert_info_matches(src, nib.load(src))

    none = nib.Nifti1Image(data, None)
    none.header.set_zooms((1.5, 2.0, 3.0))
    none.set_qform(None, code=0)
    none.set_sform(None, code=0)
    src = tmp_path / "none.nii"
    nib.save(none, src)
    loaded = nib.load(src)
    assert int(loaded.header["qform_code"]) == 0 and int(loaded.header["sform_code"]) == 0
    ours = assert_info_matches(src, loaded)
    assert ours["affine_source"] == "pixdim"


@pytest.mark.parametrize("stored", ["int16", "uint8", "int32"])
def test_scaled(tmp_path, rng, stored):
    """Float data stored as integers: nibabel picks scl_slope/scl_inter; we apply them identically."""
    data = (rng.normal(40, 300, (8, 7, 6))).astype(np.float32)
    img = nib.Nifti1Image(data, oblique_affine())
    img.set_data_dtype(np.dtype(stored))
    src = tmp_path / "scaled.nii.gz"
    nib.save(img, src)
    loaded = nib.load(src)
    # nibabel moves the file's scaling from the loaded header into the array proxy.
    slope, inter = float(loaded.dataobj.slope), float(loaded.dataobj.inter)
    assert slope != 1.0
    ours = assert_info_matches(src, loaded)
    assert (ours["scl_slope"], ours["scl_inter"]) == (slope, inter)
    # Kept stored integers and scaling through our writer.
    out = tmp_path / "scaled_out.nii.gz"
    convert(str(src), str(out))
    back = nib.load(out)
    assert_same_image(loaded, back)
    assert (float(back.dataobj.slope), float(back.dataobj.inter)) == (slope, inter)
    assert np.array_equal(back.get_fdata(), loaded.get_fdata())
    # Converted to float32 by us: nibabel's scaled values, rounded once to float32.
    out32 = tmp_path / "scaled_f32.nii"
    convert(str(src), str(out32), "--datatype", "float32")
    f32 = nib.load(out32)
    assert f32.header.get_data_dtype() == np.float32
    assert np.array_equal(np.asanyarray(f32.dataobj), loaded.get_fdata().astype(np.float32))


def test_vector_field_5d(tmp_path, rng):
    """ITK/ANTs displacement-field layout: (x, y, z, 1, 3), intent vector."""
    data = rng.normal(0, 3, (6, 5, 4, 1, 3)).astype(np.float32)
    img = nib.Nifti1Image(data, oblique_affine())
    img.header.set_intent("vector")
    src = tmp_path / "warp.nii.gz"
    nib.save(img, src)
    ours = assert_info_matches(src, nib.load(src))
    assert ours["components"] == 3 and ours["intent_code"] == 1007
    out = tmp_path / "warp_out.nii.gz"
    convert(str(src), str(out))
    back = nib.load(out)
    assert back.shape == (6, 5, 4, 1, 3)
    assert back.header.get_intent()[0] == "vector"
    assert_same_image(nib.load(src), back)


def test_4d_series(tmp_path, rng):
    data = sample("int16", (5, 4, 3, 6), rng)
    src = tmp_path / "series.nii"
    nib.save(nib.Nifti1Image(data, oblique_affine()), src)
    ours = assert_info_matches(src, nib.load(src))
    assert ours["components"] == 6
    out = tmp_path / "series_out.nii"
    convert(str(src), str(out))
    assert_same_image(nib.load(src), nib.load(out))


def test_bad_file_is_one_line_error(tmp_path):
    bad = tmp_path / "bad.nii.gz"
    data = np.zeros((10, 10, 10), np.float32)
    nib.save(nib.Nifti1Image(data, np.eye(4)), bad)
    raw = bad.read_bytes()
    bad.write_bytes(raw[: len(raw) // 2])
    p = run("info", str(bad), check=False)
    assert p.returncode != 0
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and str(bad) in lines[0], p.stderr


TEMPLATE_FILES = sorted(f for f in os.listdir(TEMPLATE) if f.endswith(".nii.gz")) if os.path.isdir(TEMPLATE) else []


@pytest.mark.skipif(not TEMPLATE_FILES, reason="no data folder")
@pytest.mark.parametrize("name", TEMPLATE_FILES)
def test_ct_template(tmp_path, name):
    """The project's template copies: same header facts as nibabel, and the data we read (written back
    out uncompressed by our writer) is identical to nibabel's array."""
    src = os.path.join(TEMPLATE, name)
    loaded = nib.load(src)
    assert_info_matches(src, loaded)
    out = tmp_path / name.replace(".nii.gz", ".nii")
    convert(src, str(out))
    assert_same_image(loaded, nib.load(out))


@pytest.mark.skipif(not TEMPLATE_FILES, reason="no data folder")
def test_fetch_template_cli(tmp_path):
    """fetch-template end to end against a local mirror laid out like the source repository: every file
    arrives, checksummed, and nibabel reads the fetched template exactly as the original."""
    layout = {
        "template_2mm.nii.gz": "template/2mm", "template_with_skull_2mm.nii.gz": "template/2mm",
        "structures_2mm.nii.gz": "template/2mm", "seg_2mm.nii.gz": "template/2mm", "csf_2mm.nii.gz": "template/2mm",
        "lateral_ventricles_2mm.nii.gz": "template/2mm", "structures.nii.gz": "template", "seg.nii.gz": "template",
        "structure_labels.csv": "template",
    }
    mirror = tmp_path / "mirror"
    for name, folder in layout.items():
        (mirror / folder).mkdir(parents=True, exist_ok=True)
        os.symlink(os.path.join(TEMPLATE, name), mirror / folder / name)
    dest = tmp_path / "cache" / "ct_template"
    p = run("fetch-template", "--dest", str(dest), "--source-url", mirror.as_uri())
    assert "template ready" in p.stdout
    assert sorted(os.listdir(dest)) == sorted(layout)
    for name in layout:
        assert (dest / name).read_bytes() == open(os.path.join(TEMPLATE, name), "rb").read()
    again = run("fetch-template", "--dest", str(dest), "--source-url", mirror.as_uri())
    assert again.stdout.count("already present") == len(layout)
    # A missing source file: non-zero exit, one-line error, nothing half-written.
    os.unlink(mirror / "template" / "seg.nii.gz")
    os.unlink(dest / "seg.nii.gz")
    bad = run("fetch-template", "--dest", str(dest), "--source-url", mirror.as_uri(), check=False)
    assert bad.returncode != 0
    assert len([l for l in bad.stderr.splitlines() if l.strip()]) == 1 and "seg.nii.gz" in bad.stderr, bad.stderr
    assert "seg.nii.gz" not in os.listdir(dest) and not any(n.startswith(".") for n in os.listdir(dest))
