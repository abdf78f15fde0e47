#!/usr/bin/env python3
"""DICOM -> NIfTI conversion speed and memory: deepstroke vs dcm2niix (Debian package) on the same input,
plus listing a generated 10,000-file folder.

    python3 bench/dicom_convert.py [--threads N] [--skip-large] [--skip-listing]

Each run goes through /usr/bin/time -v (wall time, peak RSS). Cases:
  1. the largest CT sample series (ct_philips_head_dicomdir S2010, 28 x 512x512);
  2. a generated 512x512x300 CT series (written by `deepstroke dicom synth`);
  3. `deepstroke dicom list` on a generated folder of 10,000 files (20 series of 500 64x64 slices);
  4. 12-bit JPEG Extended (1.2.840.10008.1.2.4.51), which dcm2niix cannot decode: the sample slice
     copied into a 100-slice series, converted by us against pydicom + pylibjpeg-libjpeg only decoding
     it (no NIfTI written on that side), so the ratio is, if anything, unfavourable to us.
Both converters write gzip-compressed NIfTI. Ratios are ours/reference (< 1 means we are faster/smaller).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import nibabel as nib
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("DEEPSTROKE_BIN", os.path.join(ROOT, ".build/release/deepstroke"))
DATA = os.environ.get("DEEPSTROKE_DATA", os.path.join(os.path.dirname(ROOT), "shared/data"))
DCM2NIIX = shutil.which("dcm2niix") or "/usr/bin/dcm2niix"


def timed(cmd, env=None, repeat=3):
    """Best wall time and the peak RSS of that run, from /usr/bin/time -v."""
    best = None
    for _ in range(repeat):
        p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env)
        if p.returncode != 0:
            raise RuntimeError(f"{cmd[0]} failed: {p.stderr[-2000:]}")
        wall = re.search(r"Elapsed \(wall clock\) time .*: (?:(\d+):)?(\d+):([\d.]+)", p.stderr)
        h, m, s = wall.groups()
        secs = (int(h) if h else 0) * 3600 + int(m) * 60 + float(s)
        rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024
        if best is None or secs < best[0]:
            best = (secs, rss)
    return best


def compare(name, src, tmp, env):
    ours_out, ref_out = os.path.join(tmp, name + "_ours"), os.path.join(tmp, name + "_dcm2niix")
    for d in (ours_out, ref_out):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    ours = timed([BIN, "dicom", "convert", src, "-o", ours_out, "--all"], env=env)
    ref = timed([DCM2NIIX, "-z", "y", "-b", "y", "-f", "%s_%d", "-o", ref_out, src])
    row = {"case": name, "ours_s": round(ours[0], 3), "dcm2niix_s": round(ref[0], 3), "time_ratio": round(ours[0] / ref[0], 3),
           "ours_peak_mb": round(ours[1], 1), "dcm2niix_peak_mb": round(ref[1], 1), "memory_ratio": round(ours[1] / ref[1], 3)}
    print(json.dumps(row), flush=True)
    return row


PYDICOM_DECODE = """
import glob, sys, pydicom
for f in sorted(glob.glob(sys.argv[1] + '/*.dcm')):
    pydicom.pixels.pixel_array(pydicom.dcmread(f), decoding_plugin='pylibjpeg')
"""


def jpeg_extended_case(tmp, env, slices=100):
    import pydicom
    from pydicom.uid import generate_uid
    src = os.path.join(DATA, "dicom/ct_transfer_syntaxes/CT_jpeg_extended_p2_4.dcm")
    if not os.path.exists(src):
        return None
    try:
        import pylibjpeg  # noqa: F401 - the reference decoder must be there
        import libjpeg  # noqa: F401
    except ImportError:
        print("# skipped the JPEG Extended case: pip install pylibjpeg pylibjpeg-libjpeg", flush=True)
        return None
    folder = os.path.join(tmp, "jpeg_extended")
    os.makedirs(folder)
    ds = pydicom.dcmread(src)
    z0 = float(ds.ImagePositionPatient[2])
    ds.SeriesInstanceUID = generate_uid()
    for k in range(slices):
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.InstanceNumber = k + 1
        ds.ImagePositionPatient = [ds.ImagePositionPatient[0], ds.ImagePositionPatient[1], z0 + 5.0 * k]
        ds.save_as(os.path.join(folder, f"{k:04d}.dcm"))
    out = os.path.join(tmp, "jpeg_extended_ours")
    os.makedirs(out)
    ours = timed([BIN, "dicom", "convert", folder, "-o", out, "--all"], env=env)
    ref = timed([sys.executable, "-c", PYDICOM_DECODE, folder])
    row = {"case": f"jpeg_extended_12bit_{slices}x512x512", "ours_s": round(ours[0], 3), "pydicom_pylibjpeg_decode_s": round(ref[0], 3),
           "time_ratio": round(ours[0] / ref[0], 3), "ours_peak_mb": round(ours[1], 1), "pydicom_peak_mb": round(ref[1], 1),
           "memory_ratio": round(ours[1] / ref[1], 3)}
    print(json.dumps(row), flush=True)
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=0, help="DEEPSTROKE_THREADS for our runs (0: all cores)")
    ap.add_argument("--skip-large", action="store_true")
    ap.add_argument("--skip-listing", action="store_true")
    ap.add_argument("--only-jpeg-extended", action="store_true", help="run case 4 alone")
    args = ap.parse_args()
    env = dict(os.environ)
    if args.threads:
        env["DEEPSTROKE_THREADS"] = str(args.threads)
    print(f"# deepstroke: {BIN}; dcm2niix: {subprocess.run([DCM2NIIX, '-v'], capture_output=True, text=True).stdout.split()[-1]}; "
          f"threads: {args.threads or os.cpu_count()}", flush=True)
    rows = []
    tmp = tempfile.mkdtemp(prefix="dicom-bench-")
    try:
        row = jpeg_extended_case(tmp, env)
        if row:
            rows.append(row)
        if args.only_jpeg_extended:
            return rows
        sample = os.path.join(DATA, "dicom/ct_philips_head_dicomdir/DICOM/S21570/S2010")
        if os.path.isdir(sample):
            rows.append(compare("philips_28x512x512", sample, tmp, env))
        if not args.skip_large:
            rng = np.random.default_rng(0)
            vol = (rng.normal(40, 15, size=(512, 512, 300))).astype(np.int16)
            vol[:, :, :] += (np.arange(512)[:, None, None] % 200).astype(np.int16)
            aff = np.diag([-0.45, 0.45, 0.625, 1.0])
            vp = os.path.join(tmp, "big.nii.gz")
            nib.save(nib.Nifti1Image(vol, aff), vp)
            big = os.path.join(tmp, "big_dicom")
            subprocess.run([BIN, "dicom", "synth", vp, "-o", big], check=True, capture_output=True)
            rows.append(compare("generated_300x512x512", big, tmp, env))
            shutil.rmtree(big, ignore_errors=True)
        if not args.skip_listing:
            small = nib.Nifti1Image(np.zeros((64, 64, 500), np.int16), np.diag([-0.5, 0.5, 1.0, 1.0]))
            sp = os.path.join(tmp, "small.nii.gz")
            nib.save(small, sp)
            folder = os.path.join(tmp, "tenk")
            for s in range(20):
                subprocess.run([BIN, "dicom", "synth", sp, "-o", os.path.join(folder, f"series{s:02d}")], check=True, capture_output=True)
            n = sum(len(f) for _, _, f in os.walk(folder))
            secs, rss = timed([BIN, "dicom", "list", folder, "--json"], env=env)
            row = {"case": f"list_{n}_files", "ours_s": round(secs, 3), "ours_peak_mb": round(rss, 1)}
            print(json.dumps(row), flush=True)
            rows.append(row)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
