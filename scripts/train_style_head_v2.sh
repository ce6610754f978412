#!/usr/bin/env bash
# Reproduces models/style-head-v2.nkhead: the linear style head over feature vectors that
# include the embedding network's 200 dimensions. Trained on clips the embedding network never
# trained on: seed 1 (40 per style) and seed 4 (12 per style, half with a voice; the embedding
# network's validation clips), analyzed with both networks. About 25 minutes on 2 cores with
# rendering. usage: scripts/train_style_head_v2.sh [WORK_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/necken-train}
tools="$here/../shared/corpus/tools"
py=${PYTHON:-python3}
mkdir -p "$work"
[ -d "$work/train1" ] || "$py" "$tools/make_train.py" --out "$work/train1" --per-style 40 --seed 1 --jobs 2
[ -d "$work/valid4v" ] || "$py" "$tools/make_train.py" --out "$work/valid4v" --per-style 12 --seed 4 --jobs 2 --vocal-fraction 0.5
cargo build --release -q -p necken --manifest-path "$here/Cargo.toml"
bin="$here/target/release/necken"
rm -rf "$work/train-v2.sled"
(cd "$here" && "$bin" --store "$work/train-v2.sled" analyze "$work/train1" "$work/valid4v" > /dev/null)
"$bin" --store "$work/train-v2.sled" train-head \
    --labels "$work/train1/labels.csv" --labels "$work/valid4v/labels.csv" \
    --out "$here/models/style-head-v2.nkhead" --id necken-style-head-v2 \
    --trained-on "416 clips rendered by ../shared/corpus/tools/make_train.py (seed 1: 40 per style; seed 4: 12 per style, half with a voice), analyzed with beat-tcn-v1 and embed-cnn-v1"
"$here/scripts/models/update_manifest.sh" style-head-v2.nkhead
