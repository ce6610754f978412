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
py=${PYTHON:-python3}
"$here/scripts/models/beat_net_data.sh" "$work"
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
