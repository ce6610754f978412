#!/usr/bin/env bash
# Trains embed-cnn-v2: embed-cnn-v1's network and recipe (scripts/models/train_embed_net.py) on
# clean + hall audio, for issue 15's biggest lever (the stored tracks are right far more often
# than the live windows in the hall, and the embedding was only ever trained on clean clips).
# Training clips (never the evaluation tunes): seed 2 (50 per style) clean, through
# augment_hall.py (seed 23) and through make_hall.py (seed 13) -- the same hall variants
# beat-tcn-v2 was trained on -- and seed 3 (40 per style, half with a voice) clean and through
# augment_hall.py (seed 31): 1840 clips. Validation (checkpoint choice): seed 4 (12 per style,
# half with a voice) clean and through augment_hall.py (seed 22). Writes WORK/embed-cnn-v2.onnx
# and its int8 variant; it does not touch models/ or the defaults: a new head must be trained
# on its embeddings (train_style_head_v3.sh's recipe with this embedding network) and both
# measured on dev and dev-hall (scripts/eval_hall.sh) before they are shipped.
# Rendering and hall variants about 40 minutes on 2 cores; training about 4 minutes per 1000
# steps alone on this VM (2000 steps: 442 s; STEPS, default 3000).
# usage: scripts/models/train_embed_net_v2.sh [WORK_DIR]
#   PYTHON (default python3) must have scripts/models/requirements.txt installed;
#   GEN_PYTHON must have ../shared/corpus/tools/requirements.txt (sox and espeak-ng on PATH).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-/tmp/necken-train}
tools="$here/../shared/corpus/tools"
py=${PYTHON:-python3}
gen=${GEN_PYTHON:-python3}
mkdir -p "$work"
[ -d "$work/train2" ] || "$gen" "$tools/make_train.py" --out "$work/train2" --per-style 50 --seed 2 --jobs 2
[ -d "$work/train3v" ] || "$gen" "$tools/make_train.py" --out "$work/train3v" --per-style 40 --seed 3 --jobs 2 --vocal-fraction 0.5
[ -d "$work/valid4v" ] || "$gen" "$tools/make_train.py" --out "$work/valid4v" --per-style 12 --seed 4 --jobs 2 --vocal-fraction 0.5
[ -d "$work/train2-aug" ] || "$gen" "$here/scripts/models/augment_hall.py" "$work/train2" "$work/train2-aug" --seed 23 --jobs 2
[ -d "$work/train3v-aug" ] || "$gen" "$here/scripts/models/augment_hall.py" "$work/train3v" "$work/train3v-aug" --seed 31 --jobs 2
[ -d "$work/train2-hall" ] || "$gen" "$tools/make_hall.py" "$work/train2" "$work/train2-hall" --seed 13
[ -d "$work/valid4v-aug" ] || "$gen" "$here/scripts/models/augment_hall.py" "$work/valid4v" "$work/valid4v-aug" --seed 22 --jobs 2
cd "$here/scripts/models"
"$py" train_embed_net.py \
    --train "$work/train2" "$work/train2-aug" "$work/train2-hall" "$work/train3v" "$work/train3v-aug" \
    --valid "$work/valid4v" "$work/valid4v-aug" \
    --out "$work/embed-cnn-v2" --steps "${STEPS:-3000}" --seed 1 --cache "$work/mel-cache"
"$py" quantize_embed_net.py "$work/embed-cnn-v2.onnx" "$work/embed-cnn-v2-int8.onnx" "$work/train3v-aug"
