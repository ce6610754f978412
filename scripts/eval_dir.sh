#!/usr/bin/env bash
# Analyze a labelled folder (the dev corpus or generated training clips), export beats and
# score them per style. Tune on generated clips; only report on ../shared/corpus/dev.
# usage: [STYLE_HEAD=PATH|''] scripts/eval_dir.sh CLIP_DIR [OUT_DIR] [extra analyze args...]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
clips=$1; shift
out=${1:-/tmp/necken-eval-$(basename "$clips")}; shift || true
rm -rf "$out"; mkdir -p "$out"
cargo build --release -q -p necken --manifest-path "$here/Cargo.toml"
bin="$here/target/release/necken"
export NECKEN_BEAT_MODEL=${NECKEN_BEAT_MODEL:-$here/models/beat-tcn-v3.onnx}
export NECKEN_EMBED_MODEL=${NECKEN_EMBED_MODEL:-$here/models/embed-cnn-v2.onnx}
# The style head names the style column and the binary bars of the exported beats (4/4
# schottis and marches, 2/4 polka and engelska); STYLE_HEAD= (empty) keeps the tracker's own
# bar length (--no-model).
head=${STYLE_HEAD-$here/models/style-head-v17.nkhead}
if [ -n "$head" ]; then head_args=(--model "$head"); else head_args=(--no-model); fi
"$bin" --store "$out/store" analyze "$clips" "${head_args[@]}" "$@" > "$out/analyze.txt"
"$bin" --store "$out/store" export --format beats --out "$out/beats" "${head_args[@]}" 2>/dev/null
python3 "$here/scripts/score_by_style.py" "$out/beats" "$clips" --json "$out/by_style.json"
