#!/usr/bin/env bash
# Replaces (or adds) the lines of the given model files in models/SHA256SUMS.
# usage: scripts/models/update_manifest.sh FILE_NAME...
set -euo pipefail
cd "$(dirname "$0")/../../models"
for f in "$@"; do
    grep -v "  $f\$" SHA256SUMS > SHA256SUMS.new || true
    sha256sum "$f" >> SHA256SUMS.new
    mv SHA256SUMS.new SHA256SUMS
done
