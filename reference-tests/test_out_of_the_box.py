"""Works out of the box: a new user's clone with no data folder, no cache and no network, and an installed
binary run from elsewhere with no environment variable.

1. The repository is cloned into an empty folder (`git clone`; on a working tree with uncommitted changes its
   files, tracked and new, never .build or the venv, are copied instead), so there is no ../shared beside it; HOME and XDG_CACHE_HOME point at empty folders and
   every DEEPSTROKE_* variable is removed. `bash scripts/demo.sh` must build, run the demo with both methods
   and write both reports, using only what the project ships (share/deepstroke); nothing may be fetched
   into the cache.
2. `bash scripts/install.sh PREFIX` from that copy; the copy (with its build folder) is then deleted and
   the installed binary, started from `/` with only PATH and an empty HOME, runs `--method both` on the
   generated DICOMDIR study the demo wrote: both reports.

The copy builds from scratch (several minutes): this module is the slowest of the suite by design.
"""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO_LESION = {"right": 6, "left": 10}   # DemoPatient: right I, M2, M3, M5 hypodense


def project_files():
    r = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                       capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"not a git checkout ({r.stderr.decode().strip()}): cannot make a clean copy")
    return [f for f in r.stdout.decode().split("\0") if f]


def clean_env(home: Path, cache: Path | None = None, keep_path: bool = True) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEEPSTROKE_")}
    env["HOME"] = str(home)
    if cache is not None:
        env["XDG_CACHE_HOME"] = str(cache)
    return env


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    base = tmp_path_factory.mktemp("fresh")
    clone = base / "empty" / "deepstroke"
    files = project_files()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"], capture_output=True, text=True).stdout.strip()
    if not dirty:
        clone.parent.mkdir(parents=True)
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    else:
        for f in files:
            src = ROOT / f
            if not src.is_file():
                continue   # a tracked file deleted in the working tree
            dst = clone / f
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    assert not (clone.parent.parent / "shared").exists() and not (clone.parent / "shared").exists()
    home, cache = base / "home", base / "cache"
    home.mkdir()
    cache.mkdir()
    r = subprocess.run(["bash", "scripts/demo.sh", "--preset", "fast"], cwd=clone, env=clean_env(home, cache),
                       capture_output=True, text=True, timeout=3600, stdin=subprocess.DEVNULL)
    return {"base": base, "clone": clone, "home": home, "cache": cache, "demo": r}


def scores(folder: Path):
    a = json.loads((folder / "aspects.json").read_text())
    return a


def test_demo_in_a_fresh_clone_writes_both_reports(fresh):
    r = fresh["demo"]
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    result = fresh["clone"] / "deepstroke-demo" / "result"
    for method in ("atlas", "unet"):
        report = result / method / "report.html"
        assert report.is_file() and report.stat().st_size > 10_000, f"no {method} report: {r.stdout[-2000:]}"
        assert (result / method / "aspects.json").is_file()
    # Both methods (the atlas, and the bundled frame U-Net) score the demo patient exactly as it was made.
    for method in ("atlas", "unet"):
        a = scores(result / method)
        assert a["status"] == "scored", (method, a.get("not_assessable_reasons"))
        assert (a["aspects"]["right"], a["aspects"]["left"]) == (DEMO_LESION["right"], DEMO_LESION["left"]), (method, a["aspects"])
    # DeepStroke fetched or built nothing into the user's cache: the shipped files were enough. (The
    # toolchain's own caches, clang modules and SwiftPM's clones, land there too; they are not ours.)
    for cache in (fresh["cache"] / "deepstroke", fresh["home"] / ".cache" / "deepstroke"):
        assert not cache.exists(), sorted(str(p) for p in cache.rglob("*"))[:20]


def test_installed_binary_runs_from_anywhere_without_settings(fresh):
    if fresh["demo"].returncode != 0:
        pytest.fail("the demo in the fresh clone failed; see the test above")
    base, clone = fresh["base"], fresh["clone"]
    prefix = base / "prefix"
    r = subprocess.run(["bash", "scripts/install.sh", str(prefix)], cwd=clone, env=clean_env(fresh["home"]),
                       capture_output=True, text=True, timeout=1800, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    study = base / "study"
    shutil.copytree(clone / "deepstroke-demo" / "study", study)
    shutil.rmtree(clone)   # the checkout and its build folder are gone: only the installation is left
    binary = prefix / "bin" / "deepstroke"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(fresh["home"])}
    doctor = subprocess.run([str(binary), "doctor"], cwd="/", env=env, capture_output=True, text=True, timeout=60)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert f"atlas: {prefix}/share/deepstroke/atlas" in doctor.stdout, doctor.stdout
    assert f"U-Net model: {prefix}/share/deepstroke/models/aspects-unet-frame" in doctor.stdout, doctor.stdout
    out = base / "installed-run"
    run = subprocess.run([str(binary), "run", str(study / "DICOMDIR"), "-o", str(out), "--method", "both",
                          "--preset", "fast"], cwd="/", env=env, capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    for method in ("atlas", "unet"):
        assert (out / method / "report.html").is_file(), f"no {method} report from the installed binary"
    a = scores(out / "atlas")
    assert (a["aspects"]["right"], a["aspects"]["left"]) == (DEMO_LESION["right"], DEMO_LESION["left"]), a["aspects"]
