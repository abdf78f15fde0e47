#!/usr/bin/env python3
"""Receive throughput of `deepstroke serve` against DCMTK's `storescp`, side by side, on loopback.

    python3 bench/dicom_node.py [--images 300] [--repeats 3] [--fsync] [--receivers storescp-tuned,deepstroke]

A 512x512x300 CT series is generated once (`deepstroke dicom synth`, Explicit VR Little Endian,
about 150 MiB). DCMTK's `storescu` (with TCP_NODELAY=1, so the sender is never the bottleneck) sends
it, in one association, to each receiver in turn (the order reversed every other repetition), `--repeats`
times, each time into an empty folder:

- `storescp`: `storescp -od DIR`, DCMTK's defaults (16 KiB PDUs; Debian's build leaves Nagle's
  algorithm on unless the environment sets TCP_NODELAY, which costs about 40 ms per image on loopback);
- `storescp-tuned`: the same with TCP_NODELAY=1 and `--max-pdu 131072` (its largest): its best case;
- `deepstroke`: `deepstroke serve` with its defaults (1 MiB PDUs; each file written atomically, renamed
  into place before the answer, indexed in the job store in groups; the study timeout set far away so no
  scoring runs). Neither side fsyncs unless `--fsync` is given to the node.

The wall time of `storescu` is compared; the median of the repeats is reported. Ratios are
deepstroke / storescp (< 1: we are faster); the one that matters is against `storescp-tuned`.
The machine may be shared: run it more than once before trusting a few percent.
"""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import nibabel as nib
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("DEEPSTROKE_BIN", os.path.join(ROOT, ".build/release/deepstroke"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_echo(aet, port, proc):
    deadline = time.time() + 30
    while subprocess.run(["echoscu", "-aec", aet, "127.0.0.1", str(port)], capture_output=True).returncode != 0:
        if proc.poll() is not None or time.time() > deadline:
            sys.exit(f"receiver {aet} on {port} did not start")
        time.sleep(0.1)


def send(series, aet, port):
    t0 = time.perf_counter()
    r = subprocess.run(["storescu", "-aec", aet, "-aet", "BENCH", "+sd", "127.0.0.1", str(port), series],
                       capture_output=True, text=True, env=dict(os.environ, TCP_NODELAY="1"))
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"storescu to {aet} failed: {r.stdout}{r.stderr}")
    return dt


def count_files(folder):
    return sum(len(f) for _, _, f in os.walk(folder))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--fsync", action="store_true", help="run the node with --fsync")
    ap.add_argument("--receivers", default="storescp,storescp-tuned,deepstroke",
                    help="comma-separated subset, run in this order each repetition (storescp with its defaults takes ~14 s a run)")
    a = ap.parse_args()
    for tool in ("storescu", "storescp", "echoscu"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: apt-get install dcmtk")
    tmp = tempfile.mkdtemp(prefix="bench-dicom-node-")
    try:
        rng = np.random.default_rng(0)
        vol = np.full((512, 512, a.images), -1000, np.float32)
        vol[96:416, 80:432, :] = rng.integers(0, 80, size=(320, 352, a.images))
        nib.save(nib.Nifti1Image(vol, np.diag([0.45, 0.45, 1.0, 1.0])), os.path.join(tmp, "vol.nii"))
        series = os.path.join(tmp, "series")
        subprocess.run([BIN, "dicom", "synth", os.path.join(tmp, "vol.nii"), "-o", series], check=True, capture_output=True)
        n = count_files(series)
        size = sum(os.path.getsize(os.path.join(series, f)) for f in os.listdir(series))
        print(f"series: {n} images, {size / 2**20:.0f} MiB")
        names = tuple(a.receivers.split(","))
        unknown = set(names) - {"storescp", "storescp-tuned", "deepstroke"}
        if unknown:
            sys.exit(f"unknown receivers: {sorted(unknown)}")
        times = {n: [] for n in names}
        for rep in range(a.repeats):
            # Alternate the order so a load change on the shared machine does not favour one receiver.
            for name in (names if rep % 2 == 0 else names[::-1]):
                out = os.path.join(tmp, f"{name}-{rep}")
                os.makedirs(out)
                port = free_port()
                if name.startswith("storescp"):
                    aet = "STORESCP"
                    tuned = name == "storescp-tuned"
                    env = dict(os.environ, TCP_NODELAY="1") if tuned else {k: v for k, v in os.environ.items() if k != "TCP_NODELAY"}
                    p = subprocess.Popen(["storescp", "-aet", aet, "-od", out] + (["--max-pdu", "131072"] if tuned else []) + [str(port)],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
                else:
                    aet = "DEEPSTROKE"
                    args = [BIN, "serve", "--port", str(port), "--host", "127.0.0.1", "--ae-title", aet, "--inbox", os.path.join(out, "inbox"),
                            "--output", os.path.join(out, "output"), "--study-timeout", "3600"] + (["--fsync"] if a.fsync else [])
                    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                try:
                    wait_echo(aet, port, p)
                    dt = send(series, aet, port)
                finally:
                    p.kill()
                    p.wait()
                stored = sum(1 for root, _, files in os.walk(out) for f in files if f.endswith(".dcm") or name.startswith("storescp"))
                if stored != n:
                    sys.exit(f"{name} stored {stored} of {n} files")
                times[name].append(dt)
                print(f"  run {rep + 1}: {name:14s} {dt:6.2f} s  ({n / dt:6.1f} images/s, {size / 2**20 / dt:6.1f} MiB/s)")
                shutil.rmtree(out)
        med = {n: statistics.median(t) for n, t in times.items()}
        print("median " + ", ".join(f"{n} {t:.2f} s" for n, t in med.items()) + (" (deepstroke with --fsync)" if a.fsync else ""))
        ratios = [f"deepstroke/{r} = {med['deepstroke'] / med[r]:.2f}" for r in ("storescp-tuned", "storescp") if r in med and "deepstroke" in med]
        print("ratio " + ", ".join(ratios) + f" (< 1: faster; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
