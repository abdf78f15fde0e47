#!/usr/bin/env python3
"""DeepStroke's UNet3D vs PyTorch on CPU, same architecture (base 8, 5 levels, SE, 11 classes), same threads.

Times (best of N after a warm-up) and peak resident memory, each measurement in its own process:
  forward (eval) at 128^3 and 256^3, and one training step (forward + DiceCE + backward + Adam) at
  96^3 and 128^3; PyTorch in its default NCDHW layout and in channels_last_3d.
Prints a table and the ratio ours / PyTorch's best (< 1 means DeepStroke is faster).

  python3 bench/nn_unet.py [--threads 2] [--sizes-forward 128 256] [--sizes-train 96 128] [--repeats 2]
"""
import argparse, json, os, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BENCH_BIN = os.environ.get("DEEPSTROKE_BENCH_BIN", os.path.join(ROOT, ".build/release/deepstroke-bench"))

TORCH_CHILD = r'''
import json, resource, sys, time, torch
sys.path.insert(0, %(ref)r)
from unet_torch import UNet3D
mode, size, layout, repeats, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
torch.manual_seed(0)
net = UNet3D(1, 11, 8, 5)
x = torch.rand(1, 1, size, size, size)
mf = torch.channels_last_3d if layout == "channels_last" else torch.contiguous_format
net = net.to(memory_format=mf); x = x.contiguous(memory_format=mf)
times = []
if mode == "train":
    from monai.losses import DiceCELoss
    y = torch.randint(0, 11, (1, 1, size, size, size))
    loss_fn = DiceCELoss(softmax=True, to_onehot_y=True)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    net.train()
    for r in range(repeats + 1):
        t = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        if r: times.append(time.perf_counter() - t)
else:
    net.eval()
    with torch.no_grad():
        for r in range(repeats + 1):
            t = time.perf_counter()
            net(x)
            if r: times.append(time.perf_counter() - t)
print(json.dumps({"seconds": min(times), "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''


def run_torch(mode, size, layout, repeats, threads):
    code = TORCH_CHILD % {"ref": os.path.join(ROOT, "reference-tests")}
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, "-c", code, mode, str(size), layout, str(repeats), str(threads)],
                         capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_ours(mode, size, repeats, threads):
    env = dict(os.environ, DEEPSTROKE_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    out = subprocess.run([BENCH_BIN, "unet", "--mode", mode, "--size", str(size), "--repeats", str(repeats),
                          "--threads", str(threads)], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sizes-forward", type=int, nargs="*", default=[128, 256])
    ap.add_argument("--sizes-train", type=int, nargs="*", default=[96, 128])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--json", help="also write the results here")
    a = ap.parse_args()
    rows = []
    jobs = [("forward", s) for s in a.sizes_forward] + [("train", s) for s in a.sizes_train]
    print(f"{'case':<14} {'ours s':>8} {'MB':>7} | {'torch NCDHW s':>13} {'MB':>7} | {'torch CL3d s':>12} {'MB':>7} | {'ratio':>6} {'mem ratio':>9}")
    for mode, size in jobs:
        ours = run_ours(mode, size, a.repeats, a.threads)
        tdef = run_torch(mode, size, "default", a.repeats, a.threads)
        tcl = run_torch(mode, size, "channels_last", a.repeats, a.threads)
        best = min(tdef["seconds"], tcl["seconds"])
        best_mem = tdef["peak_rss_mb"] if tdef["seconds"] <= tcl["seconds"] else tcl["peak_rss_mb"]
        row = dict(case=f"{mode} {size}^3", ours=ours, torch_default=tdef, torch_channels_last=tcl,
                   ratio=ours["seconds"] / best, memory_ratio=ours["peak_rss_mb"] / best_mem)
        rows.append(row)
        print(f"{row['case']:<14} {ours['seconds']:8.3f} {ours['peak_rss_mb']:7.0f} | {tdef['seconds']:13.3f} {tdef['peak_rss_mb']:7.0f} | "
              f"{tcl['seconds']:12.3f} {tcl['peak_rss_mb']:7.0f} | {row['ratio']:6.2f} {row['memory_ratio']:9.2f}", flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
