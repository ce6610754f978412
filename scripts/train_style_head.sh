#!/usr/bin/env bash
# Reproduces models/style-head-v1.nkhead: renders training clips with the corpus generator
# (never the evaluation tunes), analyzes them and fits the linear style head.
# Needs the generator's dependencies (see ../shared/corpus/tools/README.md); about 20 minutes
# on 2 cores. usage: scripts/train_style_head.sh [WORK_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/necken-train}
tools="$here/../shared/corpus/tools"
py=${PYTHON:-python3}
mkdir -p "$work"
"$py" "$tools/make_train.py" --out "$work/train1" --per-style 40 --seed 1 --jobs 2
"$py" "$tools/make_train.py" --out "$work/train2" --per-style 50 --seed 2 --jobs 2
cargo build --release -q -p necken --manifest-path "$here/Cargo.toml"
bin="$here/target/release/necken"
rm -rf "$work/train.sled"
"$bin" --store "$work/train.sled" analyze "$work/train1" "$work/train2" > /dev/null
"$bin" --store "$work/train.sled" train-head \
    --labels "$work/train1/labels.csv" --labels "$work/train2/labels.csv" \
    --out "$here/models/style-head-v1.nkhead" --id necken-style-head-v1 \
    --trained-on "720 clips rendered by ../shared/corpus/tools/make_train.py (seed 1: 40 per style; seed 2: 50 per style), analyzed without neural models"
"$here/scripts/models/update_manifest.sh" style-head-v1.nkhead
