#!/usr/bin/env bash
# Builds the libFuzzer target for the DICOM reader (Fuzz/DICOMFuzz) with address sanitizer and runs it,
# seeded with the sample files, for SECONDS (default 300). Crashes/timeouts/OOMs land in .fuzz/artifacts.
#   bash scripts/fuzz-dicom.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN="${1:-300}"
OUT=.fuzz
mkdir -p "$OUT/build" "$OUT/corpus" "$OUT/artifacts"
FLAGS=(-O -sanitize=fuzzer,address -parse-as-library -swift-version 5 -g)
INC=(-I "$OUT/build" -I Sources/CZlib -I Sources/CDeflate -I Sources/CCharLS -I Sources/COpenJPEG -I Sources/CTurboJPEG)

build_module() {  # name, sources...
  local name="$1"; shift
  swiftc "${FLAGS[@]}" "${INC[@]}" -wmo -module-name "$name" -emit-module -emit-module-path "$OUT/build/$name.swiftmodule" \
    -c "$@" -o "$OUT/build/$name.o"
}
echo "building fuzz target..." >&2
build_module ImageCore Sources/ImageCore/*.swift
build_module NIfTI Sources/NIfTI/*.swift
build_module DICOM Sources/DICOM/*.swift
swiftc "${FLAGS[@]}" "${INC[@]}" Fuzz/DICOMFuzz/main.swift "$OUT"/build/{ImageCore,NIfTI,DICOM}.o \
  -lz -ldeflate -lcharls -lopenjp2 -lturbojpeg -o "$OUT/dicom-fuzz"

DATA="${DEEPSTROKE_DATA:-../shared/data}/dicom"
SEEDS=()
if [ -d "$DATA" ]; then
  # Small samples as seeds (libFuzzer truncates inputs to -max_len anyway).
  find "$DATA" -type f ! -path '*/reference/*' ! -path '*/LICENSES/*' ! -name README.md -size -600k -print0 |
    while IFS= read -r -d '' f; do cp -n "$f" "$OUT/corpus/$(basename "$(dirname "$f")")_$(basename "$f")" 2>/dev/null || true; done
fi
echo "fuzzing for ${SECONDS_TO_RUN}s..." >&2
"$OUT/dicom-fuzz" "$OUT/corpus" -max_total_time="$SECONDS_TO_RUN" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -malloc_limit_mb=512 -artifact_prefix="$OUT/artifacts/" -print_final_stats=1 2>&1 | tail -n 25
