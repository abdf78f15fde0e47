#!/usr/bin/env bash
# Builds DeepStroke and runs its built-in example end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product deepstroke
.build/release/deepstroke demo "$@"
