#!/usr/bin/env bash
# Reproduces models/style-head-v17.nkhead: a **track model that is a network** — three 128-unit
# ReLU nets averaged (seeds 1-3, 100 passes, L2 0.01) over style-head-v13's 6816 training tracks,
# calibrated as v13 (train_style_head_v13.sh with TRACK_ARGS) — and style-head-v16's window
# network (train_style_head_v16.sh keeping that track model). Never dev or dev-hall.
# About 2 hours on 2 cores with rendering and analysis, 5 minutes to train once stored.
# usage: scripts/train_style_head_v17.sh [WORK_DIR]   (GEN_PYTHON as for v11)
#   TRACK_STORE, WINDOW_STORE: the stores the tracks and the excerpts are analyzed into
#   (defaults: the v11-v13 and the v14-v16 scripts' own); OUT.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/necken-train}
out=${OUT:-$here/models/style-head-v17.nkhead}
tracks="$work/style-head-v17-tracks.nkhead"
STORE=${TRACK_STORE:-$work/head-v11.sled} OUT=$tracks HEAD_ID=necken-style-head-v17-tracks \
    TRACK_ARGS="--hidden 128 --net-epochs 100 --net-seed 1 --nets 3" \
    "$here/scripts/train_style_head_v13.sh" "$work"
STORE=${WINDOW_STORE:-$work/window-excerpts.sled} TRACK_MODEL=$tracks OUT=$out \
    HEAD_ID=necken-style-head-v17 exec "$here/scripts/train_style_head_v16.sh" "$work"
