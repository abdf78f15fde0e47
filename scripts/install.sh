#!/usr/bin/env bash
# Installs DeepStroke: builds it in release mode and copies the binary and the data files it needs
# (the bundled ASPECTS atlas and U-Net) into PREFIX:
#
#     PREFIX/bin/deepstroke
#     PREFIX/share/deepstroke/{atlas, models/aspects-unet-frame}
#
# The binary finds its data from its own location (docs/pipeline.md, "Where the bundled files are found"),
# so an installed deepstroke needs no environment variable, no data folder and no network.
#
# Usage: bash scripts/install.sh [PREFIX]        (default /usr/local; run as root or with sudo for it)
#
# The installed binary uses the Swift runtime libraries of the toolchain it was built with (as any
# `swift build` product does); install on the machine that has that toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX="${1:-/usr/local}"
case "$PREFIX" in
  -h|--help) sed -n 2,14p "$0"; exit 0 ;;
esac
[ -d share/deepstroke/atlas ] || { echo "install.sh: share/deepstroke/atlas is missing from this checkout" >&2; exit 2; }

bash scripts/install-deps.sh
swift build -c release --product deepstroke
BIN_DIR="$(swift build -c release --show-bin-path)"

# Copy into a staging folder inside PREFIX first and rename into place, so an interrupted install never
# leaves a binary without its data or half a model.
mkdir -p "$PREFIX/bin" "$PREFIX/share"
stage="$(mktemp -d "$PREFIX/share/.deepstroke-install.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
cp -R share/deepstroke "$stage/deepstroke"
cp "$BIN_DIR/deepstroke" "$stage/deepstroke.bin"
chmod 0755 "$stage/deepstroke.bin"
find "$stage/deepstroke" -type d -exec chmod 0755 {} +
find "$stage/deepstroke" -type f -exec chmod 0644 {} +
rm -rf "$PREFIX/share/deepstroke.old"
[ -e "$PREFIX/share/deepstroke" ] && mv "$PREFIX/share/deepstroke" "$PREFIX/share/deepstroke.old"
mv "$stage/deepstroke" "$PREFIX/share/deepstroke"
mv -f "$stage/deepstroke.bin" "$PREFIX/bin/deepstroke"
rm -rf "$PREFIX/share/deepstroke.old"

echo "installed $PREFIX/bin/deepstroke and $PREFIX/share/deepstroke"
"$PREFIX/bin/deepstroke" doctor
