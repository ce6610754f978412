#!/usr/bin/env bash
# A generated test set for choosing between models: tunes nothing trains on, never dev, each
# clean and through two make_hall.py rooms and crowds, analyzed into one store per folder so
# that heads are compared by `necken reanalyze --model` without the audio again.
# t9 (80 clips per folder) stopped separating heads: v10 and v11 differ by 3 of 336 generated
# tracks while dev moves by 3 of 72. This set has SEEDS x 320 clips per folder.
#   SEEDS (default "12 13"): make_train.py seeds, 40 clips per style each (half with a voice
#   for the second seed, as the held-out seed-4 clips); halls: make_hall.py seeds 1<seed>1 and
#   1<seed>2 (rooms and crowds no training set used).
# Folders: WORK/test<seed>, test<seed>-hallA, test<seed>-hallB; stores WORK/test<seed>*.sled
# (the default models, --no-model: heads are applied afterwards).
# About 25 minutes per seed on 2 cores.
# usage: scripts/make_test_sets.sh [WORK_DIR]   (GEN_PYTHON as for train_style_head_v11.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/necken-test}
tools="$here/../shared/corpus/tools"
gen=${GEN_PYTHON:-python3}
mkdir -p "$work"
cargo build --release -q -p necken --manifest-path "$here/Cargo.toml"
bin="$here/target/release/necken"
vocal=0.25
for seed in ${SEEDS:-12 13}; do
    d="$work/test$seed"
    [ -f "$d/labels.csv" ] || "$gen" "$tools/make_train.py" --out "$d" --per-style 40 --seed "$seed" \
        --vocal-fraction "$vocal" --jobs 2
    vocal=0.5
    for room in A:1 B:2; do
        IFS=: read -r name n <<< "$room"
        if [ ! -f "$d-hall$name/labels.csv" ]; then
            "$here/scripts/need_sox_mp3.sh"
            "$gen" "$tools/make_hall.py" "$d" "$d-hall$name" --seed "1${seed}$n"
        fi
    done
    for f in "$d" "$d-hallA" "$d-hallB"; do
        [ -d "$f.sled" ] || "$bin" --store "$f.sled" analyze --no-model "$f" > /dev/null
    done
done
echo "test sets in $work"
