#!/usr/bin/env bash
# Reproduces models/style-head-v16.nkhead: style-head-v15's recipe (train_style_head_v14.sh
# with v15's six seeds and L2 0.01) — style-head-v13's track model as it is — with the window
# model a 128-unit ReLU network of its own over the 23040 excerpts (100 passes, seed 1) instead
# of v13's track model corrected linearly. Never dev or dev-hall.
# About 3 hours on 2 cores with rendering and analysis, under a minute to train once the
# excerpts are stored. usage and variables as train_style_head_v14.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export OUT=${OUT:-$here/models/style-head-v16.nkhead}
export HEAD_ID=${HEAD_ID:-necken-style-head-v16}
export WINDOW_ARGS=${WINDOW_ARGS:-"--window-hidden 128 --net-epochs 100 --net-seed 1"}
exec "$here/scripts/train_style_head_v15.sh" "$@"
