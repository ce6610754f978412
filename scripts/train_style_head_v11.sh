#!/usr/bin/env bash
# Reproduces models/style-head-v11.nkhead: style-head-v10's recipe (scripts/train_style_head_v3.sh
# with beat-tcn-v3 and embed-cnn-v2) on three times the tunes. The head's training
# clips must be clips the embedding network never trained on (a head trained on the network's
# own clips learns to lean on an embedding that separates them better than it will separate new
# audio: style-head-v5 and the seed-2 experiment of 2026-12-06), so the new tunes are two new
# seeds rendered for the head: seeds 5 and 6 (40 per style, a quarter with a voice), each clean,
# through scripts/models/augment_hall.py (seeds 51 / 61) and through make_hall.py (seeds 15 /
# 16), next to v10's seed 1 (clean, augment_hall.py 21, make_hall.py 11) and half of seed 4
# (clean, augment_hall.py 22). Calibration (temperature) on the other half of seed 4, clean and
# through augment_hall.py, as before; then the window temperature (NKHEAD03) on one 12 s excerpt
# of each of those held-out clips (make_excerpts.py, seed 7), analyzed with the causal network
# alone (beat-tcn-v2, which is beat-tcn-v3's causal half: what the live windows read). Never
# dev or dev-hall.
# About 45 minutes on 2 cores with rendering (20 without).
# usage: scripts/train_style_head_v11.sh [WORK_DIR]
#   GEN_PYTHON must have ../shared/corpus/tools/requirements.txt (sox and espeak-ng on PATH).
#   L2 (default 0.03: 0.01 / 0.03 / 0.1 gave 296 / 296 / 294 of 336 generated clips held out;
#   the smoother head wins the tie), OUT and HEAD_ID as in train_style_head_v3.sh; HEAD_SEEDS
#   (default "5:51:15 6:61:16") the head's own seeds, each SEED:AUGMENT_SEED:HALL_SEED.
#   STORE, the store the tracks are analyzed into (default WORK_DIR/head-v11.sled); TRACK_ARGS,
#   more `necken train-head` options (e.g. `--hidden` for a network track model).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/necken-train}
tools="$here/../shared/corpus/tools"
gen=${GEN_PYTHON:-python3}
beat="$here/models/beat-tcn-v3.onnx"
embed="$here/models/embed-cnn-v2.onnx"
out=${OUT:-$here/models/style-head-v11.nkhead}
head_id=${HEAD_ID:-necken-style-head-v11}
l2=${L2:-0.03}
mkdir -p "$work"
. "$here/scripts/models/render_steps.sh"
render train1 --per-style 40 --seed 1
render valid4v --per-style 12 --seed 4 --vocal-fraction 0.5
aug train1 train1-aug 21; hall train1 train1-hall 11
aug valid4v valid4v-aug 22
# The head's own seeds, each SEED:AUGMENT_SEED:HALL_SEED.
dirs=() labels=()
for spec in ${HEAD_SEEDS:-5:51:15 6:61:16}; do
    IFS=: read -r seed aug_seed hall_seed <<< "$spec"
    render "train$seed" --per-style 40 --seed "$seed" --vocal-fraction 0.25
    aug "train$seed" "train$seed-aug" "$aug_seed"; hall "train$seed" "train$seed-hall" "$hall_seed"
    dirs+=("$work/train$seed" "$work/train$seed-aug" "$work/train$seed-hall")
    labels+=(--labels "$work/train$seed/labels.csv")
done
for s in valid4v valid4v-aug; do
    [ -f "$work/ex-$s/labels.csv" ] || "$gen" "$here/scripts/models/make_excerpts.py" "$work/$s" "$work/ex-$s" --seed 7
done
cargo build --release -q -p necken --manifest-path "$here/Cargo.toml"
bin="$here/target/release/necken"
store=${STORE:-$work/head-v11.sled}
"$bin" --store "$store" analyze --no-model --beat-model "$beat" --embed-model "$embed" \
    "$work"/{train1,train1-aug,train1-hall,valid4v,valid4v-aug} \
    "${dirs[@]}" > /dev/null
"$bin" --store "$store" analyze --no-model --beat-model "$here/models/beat-tcn-v2.onnx" \
    --embed-model "$embed" "$work"/{ex-valid4v,ex-valid4v-aug} > /dev/null
python3 "$here/scripts/models/split_valid4v.py" "$work"
"$bin" --store "$store" train-head --l2 "$l2" ${TRACK_ARGS:-} \
    --labels "$work/train1/labels.csv" "${labels[@]}" --labels "$work/valid4v-a.csv" \
    --calibrate "$work/valid4v-b.csv" --calibrate-windows "$work/ex-valid4v-b.csv" \
    --out "$out" --id "$head_id" \
    --trained-on "$((960 * (1 + ${#labels[@]} / 2) + 96)) tracks: 320 clips each of make_train.py seed 1 and of the head's seeds (SEED:AUGMENT:HALL ${HEAD_SEEDS:-5:51:15 6:61:16}; a quarter with a voice), each clean, through augment_hall.py (seed 21 for seed 1) and make_hall.py (seed 11), and 48 of seed 4 (half with a voice) clean and through augment_hall.py (seed 22); temperature fitted on the other 96 seed-4 clips, the window temperature on a 12 s excerpt of each; beat-tcn-v3, embed-cnn-v2; L2 $l2"
if [ "$(dirname "$(realpath "$out")")" = "$here/models" ]; then
    "$here/scripts/models/update_manifest.sh" "$(basename "$out")"
fi
