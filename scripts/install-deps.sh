#!/usr/bin/env bash
# Installs what building and testing DeepStroke needs on Debian: the C libraries behind the
# system-library targets (Open MPI for distributed training, with its mpirun), dcm2niix, DCMTK (DICOM network peers) and
# Chromium for reference tests, and a Python virtual
# environment (tests and benchmarks only; the product is Swift).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(zlib1g-dev libdeflate-dev libdnnl-dev libcharls-dev libopenjp2-7-dev libturbojpeg0-dev libsqlite3-dev libopenmpi-dev openmpi-bin dcm2niix dcmtk curl python3 python3-venv)
[ "${DEEPSTROKE_SKIP_CHROMIUM:-0}" = 1 ] || APT_PACKAGES+=(chromium)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing Debian packages: ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--python" ]; then
  # System site packages are visible so preinstalled numpy/scipy are reused rather than downloaded again.
  VENV=.venv-tests
  [ -x "$VENV/bin/python" ] || python3 -m venv --system-site-packages "$VENV"
  reqs=(reference-tests/requirements-*.txt)
  if [ -e "${reqs[0]}" ]; then
    cat "${reqs[@]}" | sort -u > "$VENV/requirements.txt"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$VENV/requirements.txt" pytest
  else
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check pytest
  fi
fi
