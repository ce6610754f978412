#!/usr/bin/env bash
# Reproduces models/style-head-v6.nkhead: the linear style head on embed-cnn-v2 embeddings,
# trained on every rendered training tune (not only seed 1's 40 per style) and on 12-second
# excerpts of them, the length of the daemon's rolling window.
# Training (never dev or dev-hall): seeds 1, 2 and 3 (train1, train2, train3v) clean and through
# every hall variant made for them (augment_hall.py seeds 21/23/31, make_hall.py seeds 11/13),
# half of seed 4 (valid4v) clean, through augment_hall.py (seed 22) and make_hall.py (seed 14),
# and one 12 s excerpt of each of those clips (make_excerpts.py, seed 7): 5888 tracks.
# Calibration (temperature) and the held-out reliability table: the other half of seed 4, the
# same three ways, whole and as excerpts (288 tracks). L2 0.01 as v3/v4 (0.003-0.1 within one
# clip of each other on the held-out clips).
# Needs the clips of scripts/train_style_head_v3.sh and scripts/models/train_embed_net_v2.sh
# (run those first, or this script renders what is missing); analysis about 10 minutes on 2
# cores.
# usage: scripts/train_style_head_v6.sh [WORK_DIR]
#   GEN_PYTHON must have ../shared/corpus/tools/requirements.txt (sox and espeak-ng on PATH).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/necken-train}
tools="$here/../shared/corpus/tools"
gen=${GEN_PYTHON:-python3}
out=${OUT:-$here/models/style-head-v6.nkhead}
mkdir -p "$work"
render() { [ -d "$work/$1" ] || "$gen" "$tools/make_train.py" --out "$work/$1" "${@:2}" --jobs 2; }
render train1 --per-style 40 --seed 1
render train2 --per-style 50 --seed 2
render train3v --per-style 40 --seed 3 --vocal-fraction 0.5
render valid4v --per-style 12 --seed 4 --vocal-fraction 0.5
aug() { [ -d "$work/$2" ] || "$gen" "$here/scripts/models/augment_hall.py" "$work/$1" "$work/$2" --seed "$3"; }
hall() { [ -d "$work/$2" ] || "$gen" "$tools/make_hall.py" "$work/$1" "$work/$2" --seed "$3"; }
aug train1 train1-aug 21; hall train1 train1-hall 11
aug train2 train2-aug 23; hall train2 train2-hall 13
aug train3v train3v-aug 31
aug valid4v valid4v-aug 22; hall valid4v valid4v-hall 14
sets=(train1 train1-aug train1-hall train2 train2-aug train2-hall train3v train3v-aug
      valid4v valid4v-aug valid4v-hall)
for s in "${sets[@]}"; do
    [ -d "$work/ex-$s" ] || "$gen" "$here/scripts/models/make_excerpts.py" "$work/$s" "$work/ex-$s" --seed 7
done
cargo build --release -q -p necken --manifest-path "$here/Cargo.toml"
bin="$here/target/release/necken"
store="$work/head-v6.sled"
rm -rf "$store"
dirs=()
for s in "${sets[@]}"; do dirs+=("$work/$s" "$work/ex-$s"); done
"$bin" --store "$store" analyze --no-model \
    --beat-model "$here/models/beat-tcn-v2.onnx" --embed-model "$here/models/embed-cnn-v2.onnx" \
    "${dirs[@]}" > /dev/null
python3 "$here/scripts/models/split_valid4v.py" "$work"
labels=()
for s in train1 train2 train3v; do labels+=(--labels "$work/$s/labels.csv" --labels "$work/ex-$s/labels.csv"); done
"$bin" --store "$store" train-head --l2 0.01 "${labels[@]}" \
    --labels "$work/valid4v-a.csv" --labels "$work/ex-valid4v-a.csv" \
    --calibrate "$work/valid4v-b.csv" --calibrate "$work/ex-valid4v-b.csv" \
    --out "$out" --id necken-style-head-v6 \
    --trained-on "5888 tracks: seeds 1-3 of make_train.py (1040 clips) clean and through augment_hall.py (seeds 21, 23, 31) and make_hall.py (seeds 11, 13), half of seed 4 clean, augment_hall.py (22) and make_hall.py (14), each whole and as one 12 s excerpt (make_excerpts.py, seed 7); temperature fitted on the other half of seed 4 the same ways (288); beat-tcn-v2, embed-cnn-v2"
if [ "$(dirname "$(realpath "$out")")" = "$here/models" ]; then
    "$here/scripts/models/update_manifest.sh" "$(basename "$out")"
fi
