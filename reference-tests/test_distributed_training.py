"""Data-parallel training over MPI (docs/distributed-training.md): `mpirun -np 2 deepstroke train` against
one-process `deepstroke train` with the same global batch, on a tiny generated set (7 scans of 16^3).

The network uses instance norm (batch norm does not decompose over ranks), channel dropout and the default
augmentation, so per-sample draws are exercised; the batch of 3 splits into uneven shares (2 + 1), so the
share-weighted gradient sum is too. Checked:
1. two ranks end with the weights of one process (float tolerance), the same metrics, and the same files;
2. a two-rank run stopped after 1 of 3 epochs and started again ends exactly where the uninterrupted two-rank
   run does (resume from last/), and so within tolerance of one process;
3. an error on a rank ends the whole job (no hang).

mpirun is a required tool (scripts/install-deps.sh installs Open MPI): without it the module skips, and fails
under DEEPSTROKE_REQUIRE_DATA=1 (CI).
"""
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from conftest import REQUIRE_DATA
from test_dicom import BIN

MPIRUN = shutil.which("mpirun")
if not MPIRUN:
    message = "mpirun not found: scripts/install-deps.sh installs it (Debian packages openmpi-bin, libopenmpi-dev)"
    if REQUIRE_DATA:
        pytest.fail(f"DEEPSTROKE_REQUIRE_DATA=1: {message}", pytrace=False)
    pytest.skip(message, allow_module_level=True)

pytestmark = pytest.mark.skipif(not os.path.exists(BIN), reason="deepstroke binary not built")

# Open MPI on a CI machine: root in a container, 2 cores, no network but loopback -> shared memory.
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1", "OMPI_MCA_btl": "self,vader",
           "OMPI_MCA_btl_vader_single_copy_mechanism": "none"}
CONFIG = {"in_channels": 1, "classes": 3, "base_channels": 4, "levels": 2, "dropout": 0.2,
          "squeeze_excite": True, "se_reduction": 2, "norm": "instance", "activation": "relu"}
OPTIONS = {"batch_size": 3, "learning_rate": 0.003, "schedule": "constant", "patience": 50,
           "validation_fraction": 0.3, "seed": 7}
EPOCHS = 3
# Weights after 3 epochs (6 Adam steps of lr 3e-3): one process and two ranks sum in different orders.
TOLERANCE = 1e-4


def make_dataset(folder: Path, count=7, n=16):
    rng = np.random.default_rng(11)
    (folder / "images").mkdir(parents=True)
    (folder / "labels").mkdir()
    grid = np.stack(np.meshgrid(*[np.arange(n)] * 3, indexing="ij"), -1).astype(float)
    for s in range(count):
        image = np.full((n, n, n), -10.0)
        labels = np.zeros((n, n, n), np.int16)
        for c in (1, 2):
            centre, radius = rng.uniform(4, n - 4, 3), rng.uniform(2.5, 4.5)
            inside = (((grid - centre) / radius) ** 2).sum(-1) <= 1
            image[inside] = 30.0 + 35.0 * c
            labels[inside] = c
        image += rng.normal(0, 6, image.shape)
        affine = np.diag([2.0, 2.0, 2.0, 1.0])
        nib.save(nib.Nifti1Image(image.astype(np.float32), affine), folder / "images" / f"s{s}.nii.gz")
        nib.save(nib.Nifti1Image(labels, affine), folder / "labels" / f"s{s}.nii.gz")


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    base = tmp_path_factory.mktemp("mpi")
    make_dataset(base / "data")
    (base / "config.json").write_text(json.dumps(CONFIG))
    (base / "options.json").write_text(json.dumps(OPTIONS))
    return base


def train(base: Path, run: str, ranks: int, epochs=EPOCHS, timeout=120, extra=()):
    cmd = [BIN, "train", "--data", str(base / "data"), "-o", str(base / run), "--config", str(base / "config.json"),
           "--options", str(base / "options.json"), "--input-size", "16", "--epochs", str(epochs), "--threads", "1",
           *extra]
    if ranks > 1:
        cmd = [MPIRUN, "-np", str(ranks), *cmd]
    start = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env={**os.environ, **MPI_ENV})
    return r, time.monotonic() - start


def weights(folder: Path):
    from safetensors.numpy import load_file
    return load_file(str(folder / "model.safetensors"))


def max_difference(a, b):
    assert a.keys() == b.keys()
    return max(float(np.abs(a[k].astype(np.float64) - b[k]).max()) for k in a)


def metrics(folder: Path):
    lines = (folder / "metrics.csv").read_text().splitlines()
    rows = [dict(zip(lines[0].split(","), line.split(","))) for line in lines[1:]]
    return [{k: float(v) for k, v in row.items() if k != "seconds" and v != ""} for row in rows]


@pytest.fixture(scope="module")
def runs(setup):
    one, t1 = train(setup, "one", 1)
    assert one.returncode == 0, one.stdout + one.stderr
    two, t2 = train(setup, "two", 2)
    assert two.returncode == 0, two.stdout + two.stderr
    print(f"\n{EPOCHS} epochs: 1 process {t1:.1f} s, mpirun -np 2 {t2:.1f} s")
    return one, two


def test_two_ranks_equal_one_process(setup, runs):
    one, two = runs
    assert "2 processes share each batch" in two.stdout
    assert two.stdout.count(f"epoch {EPOCHS}:") == 1, "only rank 0 prints"
    diff = max_difference(weights(setup / "one" / "last"), weights(setup / "two" / "last"))
    print(f"max |w(1 process) - w(2 ranks)| = {diff:.3g}")
    assert diff < TOLERANCE, diff
    m1, m2 = metrics(setup / "one"), metrics(setup / "two")
    assert len(m1) == len(m2) == EPOCHS
    for r1, r2 in zip(m1, m2):
        assert r1.keys() == r2.keys()
        for k in r1:
            assert abs(r1[k] - r2[k]) <= 1e-4 * max(1.0, abs(r1[k])), (k, r1, r2)
    files = lambda run: sorted(str(p.relative_to(setup / run)) for p in (setup / run).rglob("*"))
    assert files("one") == files("two")
    assert m1[0]["train_loss"] != m1[-1]["train_loss"], "the runs trained"


def test_resume_after_stop_under_mpirun(setup, runs):
    first, _ = train(setup, "resumed", 2, epochs=1)
    assert first.returncode == 0, first.stdout + first.stderr
    assert len(metrics(setup / "resumed")) == 1
    again, _ = train(setup, "resumed", 2)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "resuming after epoch 1" in again.stdout
    assert len(metrics(setup / "resumed")) == EPOCHS
    resumed, straight = weights(setup / "resumed" / "last"), weights(setup / "two" / "last")
    assert max_difference(resumed, straight) == 0, "resume under mpirun is exact"
    assert max_difference(resumed, weights(setup / "one" / "last")) < TOLERANCE


def test_error_on_one_rank_ends_the_job(setup):
    # The run folder lies under a regular file: rank 0, the only rank that writes, fails to create it while
    # rank 1 waits in its first collective call; MPI_Abort must end both, with rank 0's message.
    (setup / "blocker").write_text("not a folder")
    r, seconds = train(setup, "blocker/run", 2, epochs=1, timeout=60)
    assert r.returncode != 0
    assert "rank 0" in r.stderr, r.stderr
    assert seconds < 60
