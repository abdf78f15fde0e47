"""DeepStroke's UNet3D against PyTorch (and MONAI's DiceCELoss), through the built CLI.

* The fixture's PyTorch weights imported with `deepstroke model import` give the same eval logits
  (`deepstroke nn forward`) as the PyTorch twin of the architecture run in float64.
* Weights made by `deepstroke model init` load into the PyTorch twin by state_dict name and give
  the same logits there (DeepStroke -> PyTorch), for several shapes of the network.
* The fixture's training step in PyTorch float64: DeepStroke's Swift parity test checks against the
  stored float32 values; here the float64 re-run documents how far those stored values are from
  exact arithmetic (the entries the Swift test treats as noisy).
* `deepstroke segment` on a synthetic scan writes labels on the scan's grid.
"""
import json
import os
import subprocess
import sys

import nibabel as nib
import numpy as np
import pytest

torch = pytest.importorskip("torch")
from safetensors.torch import load_file, save_file  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("DEEPSTROKE_BIN", os.path.join(ROOT, ".build/release/deepstroke"))
DATA = os.environ.get("DEEPSTROKE_DATA", os.path.join(ROOT, "..", "shared", "data"))
FIXTURE = os.path.join(DATA, "nn_fixture")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unet_torch import UNet3D  # noqa: E402


def run(*args):
    p = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError(f"deepstroke {' '.join(map(str, args))} failed ({p.returncode}): {p.stderr}")
    return p


def write_volume(path, ncdhw):
    """[1, C, D, H, W] -> NIfTI with i = W (DeepStroke's voxel order)."""
    arr = ncdhw[0]
    data = np.transpose(arr, (3, 2, 1, 0)) if arr.shape[0] > 1 else np.transpose(arr[0], (2, 1, 0))
    nib.save(nib.Nifti1Image(np.ascontiguousarray(data.astype(np.float32)), np.eye(4)), str(path))


def read_logits(path):
    """4-D NIfTI [i, j, k, class] -> [1, K, D, H, W]."""
    a = np.asanyarray(nib.load(str(path)).dataobj)
    return np.transpose(a, (3, 2, 1, 0))[None]


def torch_forward(state, cfg, x, dtype=torch.float64):
    net = UNet3D(cfg["in_channels"], cfg["classes"], cfg["base_channels"], cfg["levels"], se=cfg.get("squeeze_excite", True))
    net.load_state_dict({k: v for k, v in state.items()})
    net = net.to(dtype).eval()
    with torch.no_grad():
        return net(torch.from_numpy(x).to(dtype)).numpy()


@pytest.mark.skipif(not os.path.exists(os.path.join(FIXTURE, "model.safetensors")), reason="nn_fixture absent")
def test_imported_pytorch_weights_give_pytorch_logits(tmp_path):
    run("model", "import", os.path.join(FIXTURE, "model.safetensors"), "--classes", 11, "--base-channels", 4,
        "--levels", 3, "--input-size", 32, "-o", tmp_path / "m")
    io = load_file(os.path.join(FIXTURE, "io.safetensors"))
    x = io["input"].numpy()
    write_volume(tmp_path / "x.nii.gz", x)
    run("nn", "forward", "--model", tmp_path / "m", "--input", tmp_path / "x.nii.gz", "-o", tmp_path / "logits.nii.gz")
    ours = read_logits(tmp_path / "logits.nii.gz")
    ref64 = torch_forward(load_file(os.path.join(FIXTURE, "model.safetensors")),
                          dict(in_channels=1, classes=11, base_channels=4, levels=3), x)
    assert ours.shape == ref64.shape
    assert np.abs(ours - ref64).max() <= 1e-5
    assert np.abs(ours - io["logits_eval"].numpy()).max() <= 1e-5


@pytest.mark.parametrize("cfg", [
    dict(in_channels=1, classes=11, base_channels=8, levels=3, squeeze_excite=True),
    dict(in_channels=1, classes=5, base_channels=4, levels=4, squeeze_excite=False),
    dict(in_channels=2, classes=3, base_channels=6, levels=2, squeeze_excite=True),
])
def test_deepstroke_weights_load_in_pytorch(tmp_path, cfg):
    (tmp_path / "c.json").write_text(json.dumps(dict(cfg, dropout=0.2)))
    run("model", "init", "--config", tmp_path / "c.json", "--seed", 7, "-o", tmp_path / "m")
    state = load_file(str(tmp_path / "m" / "model.safetensors"))
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (1, cfg["in_channels"], 16, 16, 24)).astype(np.float32)
    write_volume(tmp_path / "x.nii", x)
    run("nn", "forward", "--model", tmp_path / "m", "--input", tmp_path / "x.nii", "-o", tmp_path / "y.nii")
    ours = read_logits(tmp_path / "y.nii")
    ref = torch_forward(state, cfg, x)
    assert np.abs(ours - ref).max() <= 1e-4 * max(1.0, np.abs(ref).max())
    # And back: PyTorch's own save loads into DeepStroke bit for bit.
    save_file({k: v.contiguous() for k, v in state.items()}, str(tmp_path / "re.safetensors"))
    run("model", "import", tmp_path / "re.safetensors", "--in-channels", cfg["in_channels"], "--classes", cfg["classes"],
        "--base-channels", cfg["base_channels"], "--levels", cfg["levels"],
        *([] if cfg["squeeze_excite"] else ["--no-se"]), "-o", tmp_path / "m2")
    again = load_file(str(tmp_path / "m2" / "model.safetensors"))
    assert set(again) == set(state)
    for k in state:
        assert torch.equal(again[k], state[k]), k


@pytest.mark.skipif(not os.path.exists(os.path.join(FIXTURE, "model.safetensors")), reason="nn_fixture absent")
def test_fixture_training_step_float64_reference():
    """PyTorch float64 vs the stored float32 fixture: the size of the fixture's own rounding noise."""
    from monai.losses import DiceCELoss
    io = load_file(os.path.join(FIXTURE, "io.safetensors"))
    exp = json.load(open(os.path.join(FIXTURE, "expected.json")))
    net = UNet3D(1, 11, 4, 3).double()
    net.load_state_dict(load_file(os.path.join(FIXTURE, "model.safetensors")))
    net.train()
    for name, mod in net.named_modules():
        key = "dropout_mask." + name
        if key in io:
            mask = io[key].double()
            mod.forward = (lambda m: lambda t: t * m[:, :, None, None, None])(mask)
    out = net(io["input"].double())
    loss = DiceCELoss(sigmoid=True, to_onehot_y=True, include_background=True, lambda_dice=1.0, lambda_ce=0.2)(out, io["labels"])
    assert abs(loss.item() - exp["loss_total"]) <= 1e-5
    loss.backward()
    rel = {n: abs(p.grad.norm().item() - exp["grad_l2_norm"][n]) / max(exp["grad_l2_norm"][n], 1e-12)
           for n, p in net.named_parameters()}
    noisy = {n for n, r in rel.items() if r > 1e-4}
    # The Swift parity test lists exactly these as the fixture's noisy gradient norms.
    assert noisy == {"decoder.ups.1.block.norm1.weight", "decoder.ups.1.up.bias"}


def test_segment_synthetic_scan(tmp_path):
    cfg = dict(in_channels=1, classes=4, base_channels=4, levels=3)
    (tmp_path / "c.json").write_text(json.dumps(cfg))
    run("model", "init", "--config", tmp_path / "c.json", "--input-size", 32, "-o", tmp_path / "m")
    rng = np.random.default_rng(0)
    ct = rng.normal(40, 10, (40, 36, 30)).astype(np.float32)
    aff = np.diag([0.8, 0.9, 2.5, 1.0])
    nib.save(nib.Nifti1Image(ct, aff), str(tmp_path / "ct.nii.gz"))
    run("segment", tmp_path / "ct.nii.gz", "--model", tmp_path / "m", "-o", tmp_path / "lab.nii.gz",
        "--probabilities", tmp_path / "p.nii.gz", "--tta")
    lab = nib.load(str(tmp_path / "lab.nii.gz"))
    assert lab.shape == ct.shape
    assert np.allclose(lab.affine, aff, atol=1e-5)
    values = np.unique(np.asanyarray(lab.dataobj))
    assert values.min() >= 0 and values.max() < 4
    p = np.asanyarray(nib.load(str(tmp_path / "p.nii.gz")).dataobj)
    assert p.shape == ct.shape + (4,)
    assert np.allclose(p.sum(axis=3), 1, atol=1e-4)
    # The labels are the argmax of the written probabilities.
    assert np.array_equal(np.argmax(p, axis=3), np.asanyarray(lab.dataobj))
