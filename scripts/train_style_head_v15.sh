#!/usr/bin/env bash
# Reproduces models/style-head-v15.nkhead: style-head-v14's recipe (train_style_head_v14.sh) —
# style-head-v13's track model as it is and a window model for the live windows — with the
# window model trained on the excerpts of all six of v13's seeds (v14: three) at L2 0.01
# (v14: 0.03): 23040 excerpts. Never dev or dev-hall.
# About 3 hours on 2 cores with rendering and analysis, 4 minutes to train once the excerpts
# are stored. usage and variables as train_style_head_v14.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export WINDOW_SEEDS=${WINDOW_SEEDS:-"5:51:15 6:61:16 10:101:107 11:111:117 14:141:147 15:151:157"}
export L2=${L2:-0.01}
export OUT=${OUT:-$here/models/style-head-v15.nkhead}
export HEAD_ID=${HEAD_ID:-necken-style-head-v15}
exec "$here/scripts/train_style_head_v14.sh" "$@"
