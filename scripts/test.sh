#!/usr/bin/env bash
# The whole test suite: Swift unit tests (release build, since many tests do real numerics) and the
# reference comparisons against Python tools (nibabel, pydicom, scipy, ...), which drive the built CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --python

swift build -c release --product deepstroke
swift test -c release
export DEEPSTROKE_BIN="$PWD/.build/release/deepstroke"
if ls tests/reference/test_*.py >/dev/null 2>&1; then
  .venv-tests/bin/python -m pytest -q tests/reference
fi
