#!/usr/bin/env bash
# Analyze the dev corpus into a fresh store, export beats and score them per style.
# usage: scripts/eval_dev.sh [OUT_DIR] [extra analyze args...]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/necken-eval}; shift || true
rm -rf "$out"; mkdir -p "$out"
cargo build --release -q -p necken --manifest-path "$here/Cargo.toml"
bin="$here/target/release/necken"
"$bin" --store "$out/store" analyze "$here/../shared/corpus/dev" "$@" > "$out/analyze.txt"
"$bin" --store "$out/store" export --format beats --out "$out/beats" 2>/dev/null
python3 "$here/scripts/score_by_style.py" "$out/beats" "$here/../shared/corpus/dev" --json "$out/by_style.json"
