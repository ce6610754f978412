#!/usr/bin/env bash
# Reproduces models/beat-tcn-v1.onnx: renders training clips with the corpus generator
# (never the evaluation tunes; the same seeds as the style head), dumps the Rust front end's
# log bands, trains the causal TCN with PyTorch on seed 2, validates on seed 1, exports ONNX,
# quantizes it to int8 (ONNX Runtime static QDQ, calibrated on seed-2 bands),
# writes the reference activations of the demo clip for the Rust-vs-PyTorch test and updates
# models/SHA256SUMS. About 25 minutes of training on 2 cores plus rendering.
# usage: scripts/models/train_beat_net.sh [WORK_DIR]
#   PYTHON (default python3) must have scripts/models/requirements.txt installed;
#   GEN_PYTHON must have ../shared/corpus/tools/requirements.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-/tmp/necken-train}
tools="$here/../shared/corpus/tools"
py=${PYTHON:-python3}
gen=${GEN_PYTHON:-python3}
mkdir -p "$work"
[ -d "$work/train1" ] || "$gen" "$tools/make_train.py" --out "$work/train1" --per-style 40 --seed 1 --jobs 2
[ -d "$work/train2" ] || "$gen" "$tools/make_train.py" --out "$work/train2" --per-style 50 --seed 2 --jobs 2
cargo build --release -q -p necken-analysis --example dump_bands --manifest-path "$here/Cargo.toml"
dump="$here/target/release/examples/dump_bands"
for set in train1 train2; do "$dump" "$work/$set" "$work/bands/$set"; done
mkdir -p "$work/demo" && cp "$here/tests/fixtures/demo/demo_polska.ogg" "$work/demo/"
"$dump" "$work/demo" "$work/bands/demo"
"$py" "$here/scripts/models/train_beat_net.py" \
    --train "$work/bands/train2:$work/train2" --valid "$work/bands/train1:$work/train1" \
    --out "$work/beat-tcn-v1" --steps 2500 --seed 1 \
    --predict "$work/bands/demo" "$work/demo-act"
"$py" "$here/scripts/models/quantize_beat_net.py" "$work/beat-tcn-v1.onnx" \
    "$work/beat-tcn-v1-int8.onnx" "$work/bands/train2"
cp "$work/beat-tcn-v1.onnx" "$work/beat-tcn-v1-int8.onnx" "$here/models/"
cp "$work/demo-act/demo_polska.act" "$here/tests/fixtures/demo/demo_polska.beat-tcn-v1.act"
"$here/scripts/models/update_manifest.sh" beat-tcn-v1.onnx beat-tcn-v1-int8.onnx
