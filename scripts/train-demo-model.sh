#!/usr/bin/env bash
# Reproduces the bundled demo model share/deepstroke/models/aspects-unet-synthetic: a 3-D U-Net trained on
# synthetic patients made from the bundled ASPECTS atlas (share/deepstroke/atlas: the public CT template
# and the labels built from it) (random affine + smooth
# deformation + noise, half of them resampled to 5 mm axial slices like hospital NCCT).
# Trained on synthetic data only: NOT for clinical use.
#
# Usage: bash scripts/train-demo-model.sh [WORK_DIR]   (environment: PATIENTS=48 EPOCHS=60 THREADS=all)
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="${1:-$PWD/.build-model}"
PATIENTS="${PATIENTS:-48}"
EPOCHS="${EPOCHS:-60}"
BIN="${DEEPSTROKE_BIN:-$PWD/.build/release/deepstroke}"
[ -x "$BIN" ] || swift build -c release --product deepstroke
ATLAS=share/deepstroke/atlas
mkdir -p "$WORK/data/images" "$WORK/data/labels"
for ((i = 1; i <= PATIENTS; i++)); do
  name=$(printf "synth%03d" "$i")
  [ -f "$WORK/data/labels/$name.nii.gz" ] && continue
  spacing=2; [ $((i % 2)) -eq 0 ] && spacing=1,1,5
  "$BIN" atlas synth-patient "$ATLAS" -o "$WORK/patients/$name" --seed "$i" --spacing "$spacing" --displacement 6 --noise 4
  mv "$WORK/patients/$name/ct.nii.gz" "$WORK/data/images/$name.nii.gz"
  mv "$WORK/patients/$name/labels.nii.gz" "$WORK/data/labels/$name.nii.gz"
done
"$BIN" train --data "$WORK/data" -o "$WORK/run" --config training/aspects-unet-synthetic.config.json \
  --options training/aspects-unet-synthetic.training.json --input-size 48 --head-crop-margin 8 --epochs "$EPOCHS" \
  ${THREADS:+--threads "$THREADS"}
OUT=share/deepstroke/models/aspects-unet-synthetic
rm -rf "$OUT.tmp" && mkdir -p "$OUT.tmp"
# F16 weights: half the file (the engine computes in Float32; Dice on the test patients is unchanged).
"$BIN" model export "$WORK/run/best" -o "$OUT.tmp" --half
cp "$WORK/run/metrics.csv" "$OUT.tmp/metrics.csv"
rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"
echo "wrote $OUT"
