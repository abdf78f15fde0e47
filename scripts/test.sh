#!/usr/bin/env bash
# The whole test suite: Swift unit tests (release build, since many tests do real numerics) and the
# reference comparisons against Python tools (nibabel, pydicom, scipy, ...), which drive the built CLI.
#
# Then the multi-threaded tests under ThreadSanitizer (scripts/sanitize.sh thread: a debug build in its own
# scratch folder, .build-sanitize-thread; DEEPSTROKE_SANITIZE=0 skips it, e.g. for a quick local run;
# AddressSanitizer runs with `bash scripts/sanitize.sh address`, outside CI for time).
#
# All parts always run; then a summary (Swift tests and pytest items: ran, passed, failed, skipped, and
# every skip with its reason) and an exit status that is non-zero when any part failed. Tests that
# need the data folder (DEEPSTROKE_DATA, default ../shared/data) skip without it; with
# DEEPSTROKE_REQUIRE_DATA=1, as .ci/run sets it, a skip for missing data counts as a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --python

# One release build of everything, tests included, with testable imports: `swift test` then runs it
# (--skip-build) instead of compiling the whole package a second time with its own flags.
swift build -c release --build-tests -Xswiftc -enable-testing
export DEEPSTROKE_BIN="$PWD/.build/release/deepstroke"
export DEEPSTROKE_BENCH_BIN="$PWD/.build/release/deepstroke-bench"
for bin in "$DEEPSTROKE_BIN" "$DEEPSTROKE_BENCH_BIN"; do
  [ -x "$bin" ] || { echo "scripts/test.sh: $bin was not built" >&2; exit 1; }
done

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

set +e
swift test -c release --skip-build 2>&1 | tee "$logs/swift.log"
swift_rc=${PIPESTATUS[0]}
# -rs: every skip with its reason. Exit 5 (nothing collected) counts as a failure in the summary.
.venv-tests/bin/python -m pytest -q -rs --junitxml="$logs/pytest.xml" reference-tests
pytest_rc=$?
sanitize_args=()
if [ "${DEEPSTROKE_SANITIZE:-1}" != 0 ]; then
  bash scripts/sanitize.sh thread 2>&1 | tee "$logs/sanitize.log"
  sanitize_args=(--sanitize-log "$logs/sanitize.log" --sanitize-rc "${PIPESTATUS[0]}")
fi
set -e

python3 scripts/test_summary.py --swift-log "$logs/swift.log" --swift-rc "$swift_rc" \
  --junit "$logs/pytest.xml" --pytest-rc "$pytest_rc" "${sanitize_args[@]}"
