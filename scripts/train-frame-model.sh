#!/usr/bin/env bash
# Trains the frame U-Net (share/deepstroke/models/aspects-unet-frame when it is good enough): a 3-D U-Net that reads the
# registered form (skull stripped, affine to the bundled atlas, an 80x96x48 box of its 2 mm grid), trained on
# domain-randomised patients made from the bundled atlas (`dataset synth --registered`: atrophy, grey/white
# contrast, acute and old lesions, rotation, deformation, 1-5 mm slices with partial volume, beam hardening,
# noise, HU offsets, cropped fields of view). Trained on generated data only: NOT for clinical use.
#
# Every step resumes: patients already generated are kept, and `train` continues from RUN/last. Stop it at
# any time and run it again.
#
# The shipped (default) model is stage 2 run for 9 epochs and then resumed three times, each with a larger
# --epochs (STAGE2_EPOCHS=21, stopped after epoch 17; 40, stopped after 31; 46, best at epoch 44), so the
# cosine rate rose again at each restart: the first rise is what brought its caudate channel to life
# (docs/neural.md, "The registered form"). Its curves and options are in training/checkpoints/aspects-unet-frame;
# to go on from it, train with --model share/deepstroke/models/aspects-unet-frame --fold-sides.
#
# Usage: bash scripts/train-frame-model.sh [WORK_DIR]   (environment: PATIENTS=133 STAGE1_EPOCHS=16 STAGE2_EPOCHS=9 THREADS=all)
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="${1:-$PWD/.build-model-frame}"
PATIENTS="${PATIENTS:-133}"
BIN="${DEEPSTROKE_BIN:-$PWD/.build/release/deepstroke}"
[ -x "$BIN" ] || swift build -c release --product deepstroke
"$BIN" dataset synth -o "$WORK/data" --count "$PATIENTS" --registered
# Stage 1: 21 classes (sided), cosine over 16 epochs; the 2026-12-07 run stopped after epoch 13.
"$BIN" train --data "$WORK/data" -o "$WORK/run21" --config training/aspects-unet-frame.config.json \
  --options training/aspects-unet-frame.training.json --epochs "${STAGE1_EPOCHS:-16}" ${THREADS:+--threads "$THREADS"}
# Stage 2: side-less (11 classes), from stage 1's left channels (the side it learned), at a lower rate.
[ -d "$WORK/fold11" ] || "$BIN" model fold-sides "$WORK/run21/best" --keep left -o "$WORK/fold11"
"$BIN" train --data "$WORK/data" --fold-sides --model "$WORK/fold11" -o "$WORK/run" \
  --options training/aspects-unet-frame.training.json --epochs "${STAGE2_EPOCHS:-9}" --lr 0.0015 ${THREADS:+--threads "$THREADS"}
OUT=share/deepstroke/models/aspects-unet-frame
rm -rf "$OUT.tmp" && mkdir -p "$OUT.tmp"
# F16 weights: half the file (the engine computes in Float32).
"$BIN" model export "$WORK/run/best" -o "$OUT.tmp" --half
cp "$WORK/run/metrics.csv" "$OUT.tmp/metrics.csv"
rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"
echo "wrote $OUT"
