#!/usr/bin/env bash
# Reproduces models/beat-tcn-v2.onnx: beat-tcn-v1's network and recipe trained on clean + hall
# audio. Renders the training clips (never the evaluation tunes), makes two hall variants of
# each training set -- ../shared/corpus/tools/make_hall.py (its room and crowd family, seeds
# other than dev-hall's 5) and scripts/models/augment_hall.py (other rooms, pre-delay and
# echoes, murmur, footsteps and claps off the beat, phone and clipping microphones, level
# riding) -- dumps the Rust front end's bands, trains on seed 2 (clean, augment_hall, make_hall:
# 1200 clips, 12.4 h), validates on seed 1 (clean and augment_hall), exports ONNX, quantizes
# it to int8 and updates models/SHA256SUMS. About 25 minutes of training on 2 cores, plus about
# 40 minutes of rendering and hall variants.
# usage: scripts/models/train_beat_net_v2.sh [WORK_DIR]
#   PYTHON (default python3) must have scripts/models/requirements.txt installed;
#   GEN_PYTHON must have ../shared/corpus/tools/requirements.txt (sox and espeak-ng on PATH).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-/tmp/necken-train}
py=${PYTHON:-python3}
"$here/scripts/models/beat_net_data.sh" "$work"
b="$work/bands"
"$py" "$here/scripts/models/train_beat_net.py" \
    --train "$b/train2:$work/train2" "$b/train2-aug:$work/train2-aug" "$b/train2-hall:$work/train2-hall" \
    --valid "$b/train1:$work/train1" "$b/train1-aug:$work/train1-aug" \
    --out "$work/beat-tcn-v2" --steps 2500 --seed 1 \
    --predict "$b/demo" "$work/demo-act-v2"
"$py" "$here/scripts/models/quantize_beat_net.py" "$work/beat-tcn-v2.onnx" \
    "$work/beat-tcn-v2-int8.onnx" "$b/train2-aug"
cp "$work/beat-tcn-v2.onnx" "$work/beat-tcn-v2-int8.onnx" "$here/models/"
cp "$work/demo-act-v2/demo_polska.act" "$here/tests/fixtures/demo/demo_polska.beat-tcn-v2.act"
"$here/scripts/models/update_manifest.sh" beat-tcn-v2.onnx beat-tcn-v2-int8.onnx
