#!/usr/bin/env bash
# Reproduces models/style-head-v14.nkhead: style-head-v13's track model as it is, and a window
# model for the daemon's live windows (NKHEAD04) trained on window-length excerpts of the
# head's own tunes — the first 6, 8 and 10 s of each clip (what the first windows of a tune
# see) and one 12 s excerpt from anywhere in it (a settled window) — of make_train.py seeds
# WINDOW_SEEDS, each clean, through augment_hall.py and through make_hall.py (as for v13),
# analyzed with the causal beat network alone (beat-tcn-v2, beat-tcn-v3's causal half: what the
# live windows read) and embed-cnn-v2. The window temperature is fitted on the same excerpts of
# the seed-4 validation clips (clean and through augment_hall.py). Never dev or dev-hall.
# About 90 minutes on 2 cores with rendering, under a minute to train once the excerpts are stored.
# usage: scripts/train_style_head_v14.sh [WORK_DIR]   (GEN_PYTHON as for v11; sox on PATH)
#   WINDOW_SEEDS (default below) SEED:AUGMENT_SEED:HALL_SEED; L2 (default below); OUT, HEAD_ID;
#   STORE, the store the excerpts are analyzed into (default: one that v14 and v15 share, so
#   excerpts already in it — e.g. v14's for v15 — are not analyzed again); WINDOW_ARGS, more
#   `necken train-head` options for the window model (e.g. v16's network); TRACK_MODEL, the
#   head file whose track model is kept (default style-head-v13's).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/necken-train}
tools="$here/../shared/corpus/tools"
gen=${GEN_PYTHON:-python3}
out=${OUT:-$here/models/style-head-v14.nkhead}
head_id=${HEAD_ID:-necken-style-head-v14}
l2=${L2:-0.03}
seeds=${WINDOW_SEEDS:-"5:51:15 6:61:16 10:101:107"}
mkdir -p "$work"
. "$here/scripts/models/render_steps.sh"
# The excerpts of folder $1: ex-$1-s6, -s8, -s10 (from the start) and -w12 (anywhere, seed 7).
excerpts() {
    for spec in s6 s8 s10 w12; do
        local sec=${spec:1} dir="$work/ex-$1-$spec"
        [ -f "$dir/labels.csv" ] && continue
        if [ "${spec:0:1}" = s ]; then
            "$gen" "$here/scripts/models/make_excerpts.py" "$work/$1" "$dir" --seconds "$sec" --from-start
        else
            "$gen" "$here/scripts/models/make_excerpts.py" "$work/$1" "$dir" --seconds "$sec" --seed 7
        fi
    done
}
train=() calib=()
for spec in $seeds; do
    IFS=: read -r seed aug_seed hall_seed <<< "$spec"
    render "train$seed" --per-style 40 --seed "$seed" --vocal-fraction 0.25
    aug "train$seed" "train$seed-aug" "$aug_seed"; hall "train$seed" "train$seed-hall" "$hall_seed"
    for f in "train$seed" "train$seed-aug" "train$seed-hall"; do
        excerpts "$f"; train+=("$work"/ex-"$f"-{s6,s8,s10,w12})
    done
done
render valid4v --per-style 12 --seed 4 --vocal-fraction 0.5
aug valid4v valid4v-aug 22
for f in valid4v valid4v-aug; do excerpts "$f"; calib+=("$work"/ex-"$f"-{s6,s8,s10,w12}); done
cargo build --release -q -p necken --manifest-path "$here/Cargo.toml"
bin="$here/target/release/necken"
store=${STORE:-$work/window-excerpts.sled}
"$bin" --store "$store" analyze --no-model --beat-model "$here/models/beat-tcn-v2.onnx" \
    --embed-model "$here/models/embed-cnn-v2.onnx" "${train[@]}" "${calib[@]}" > /dev/null
"$bin" --store "$store" train-head --l2 "$l2" \
    --track-model "${TRACK_MODEL:-$here/models/style-head-v13.nkhead}" ${WINDOW_ARGS:-} \
    $(printf -- '--windows %s/labels.csv ' "${train[@]}") \
    $(printf -- '--calibrate-windows %s/labels.csv ' "${calib[@]}") \
    --out "$out" --id "$head_id" \
    --trained-on "window model: the first 6, 8 and 10 s and a 12 s excerpt of each of the 320 clips of make_train.py seeds (SEED:AUGMENT:HALL $seeds; a quarter with a voice), each clean, through augment_hall.py and make_hall.py; window temperature on the same excerpts of the 96 seed-4 clips, clean and through augment_hall.py; beat-tcn-v2 (causal), embed-cnn-v2; L2 $l2"
if [ "$(dirname "$(realpath "$out")")" = "$here/models" ]; then
    "$here/scripts/models/update_manifest.sh" "$(basename "$out")"
fi
