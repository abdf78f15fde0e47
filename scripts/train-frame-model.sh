#!/usr/bin/env bash
# Reproduces the bundled U-Net share/deepstroke/models/aspects-unet-frame: a 3-D U-Net that reads the
# registered form (skull stripped, affine to the bundled atlas, an 80x96x48 box of its 2 mm grid), trained on
# domain-randomised patients made from the bundled atlas (`dataset synth --registered`: atrophy, grey/white
# contrast, acute and old lesions, rotation, deformation, 1-5 mm slices with partial volume, beam hardening,
# noise, HU offsets, cropped fields of view). Trained on generated data only: NOT for clinical use.
#
# Every step resumes: patients already generated are kept, and `train` continues from RUN/last. Stop it at
# any time and run it again.
#
# Usage: bash scripts/train-frame-model.sh [WORK_DIR]   (environment: PATIENTS=220 EPOCHS=30 THREADS=all)
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="${1:-$PWD/.build-model-frame}"
PATIENTS="${PATIENTS:-220}"
BIN="${DEEPSTROKE_BIN:-$PWD/.build/release/deepstroke}"
[ -x "$BIN" ] || swift build -c release --product deepstroke
"$BIN" dataset synth -o "$WORK/data" --count "$PATIENTS" --registered
"$BIN" train --data "$WORK/data" -o "$WORK/run" --config training/aspects-unet-frame.config.json \
  --options training/aspects-unet-frame.training.json ${EPOCHS:+--epochs "$EPOCHS"} ${THREADS:+--threads "$THREADS"}
OUT=share/deepstroke/models/aspects-unet-frame
rm -rf "$OUT.tmp" && mkdir -p "$OUT.tmp"
# F16 weights: half the file (the engine computes in Float32).
"$BIN" model export "$WORK/run/best" -o "$OUT.tmp" --half
cp "$WORK/run/metrics.csv" "$OUT.tmp/metrics.csv"
rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"
echo "wrote $OUT"
