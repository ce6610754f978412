#!/usr/bin/env bash
# Reproduces models/beat-tcn-v3.onnx: beat-tcn-v2's causal network (unchanged, for the live
# stream) paired with an offline network of the same size whose convolutions look as far
# ahead as back (--centred), trained on v2's data with v2's recipe. Whole pieces (`necken
# analyze`, each segment the daemon stores) read the offline one. Renders and augments the
# data as train_beat_net_v2.sh does (its WORK_DIR is reused when present), trains (about 15
# minutes on 2 cores), pairs the two networks in one ONNX file, quantizes it to int8 and
# updates models/SHA256SUMS.
# usage: scripts/models/train_beat_net_v3.sh [WORK_DIR]
#   PYTHON (default python3) must have scripts/models/requirements.txt installed;
#   GEN_PYTHON must have ../shared/corpus/tools/requirements.txt (sox and espeak-ng on PATH).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-/tmp/necken-train}
tools="$here/../shared/corpus/tools"
py=${PYTHON:-python3}
gen=${GEN_PYTHON:-python3}
mkdir -p "$work"
[ -d "$work/train1" ] || "$gen" "$tools/make_train.py" --out "$work/train1" --per-style 40 --seed 1 --jobs 2
[ -d "$work/train2" ] || "$gen" "$tools/make_train.py" --out "$work/train2" --per-style 50 --seed 2 --jobs 2
[ -d "$work/train1-aug" ] || "$gen" "$here/scripts/models/augment_hall.py" "$work/train1" "$work/train1-aug" --seed 21
[ -d "$work/train2-aug" ] || "$gen" "$here/scripts/models/augment_hall.py" "$work/train2" "$work/train2-aug" --seed 23
[ -d "$work/train2-hall" ] || "$gen" "$tools/make_hall.py" "$work/train2" "$work/train2-hall" --seed 13
cargo build --release -q -p necken-analysis --example dump_bands --manifest-path "$here/Cargo.toml"
dump="$here/target/release/examples/dump_bands"
for set in train1 train1-aug train2 train2-aug train2-hall; do
    [ -d "$work/bands/$set" ] || "$dump" "$work/$set" "$work/bands/$set"
done
mkdir -p "$work/demo" && cp "$here/tests/fixtures/demo/demo_polska.ogg" "$work/demo/"
"$dump" "$work/demo" "$work/bands/demo"
b="$work/bands"
"$py" "$here/scripts/models/train_beat_net.py" --centred \
    --train "$b/train2:$work/train2" "$b/train2-aug:$work/train2-aug" "$b/train2-hall:$work/train2-hall" \
    --valid "$b/train1:$work/train1" "$b/train1-aug:$work/train1-aug" \
    --out "$work/beat-offline-v3" --steps 2500 --seed 1 \
    --predict "$b/demo" "$work/demo-act-v3"
"$py" "$here/scripts/models/pair_beat_nets.py" "$here/models/beat-tcn-v2.onnx" \
    "$work/beat-offline-v3.onnx" "$work/beat-tcn-v3.onnx" --check "$b/demo/demo_polska.bands"
"$py" "$here/scripts/models/quantize_beat_net.py" "$work/beat-tcn-v3.onnx" \
    "$work/beat-tcn-v3-int8.onnx" "$b/train2-aug"
cp "$work/beat-tcn-v3.onnx" "$work/beat-tcn-v3-int8.onnx" "$here/models/"
cp "$work/demo-act-v3/demo_polska.act" "$here/tests/fixtures/demo/demo_polska.beat-tcn-v3.act"
"$here/scripts/models/update_manifest.sh" beat-tcn-v3.onnx beat-tcn-v3-int8.onnx
