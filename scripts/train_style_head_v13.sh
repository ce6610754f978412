#!/usr/bin/env bash
# Reproduces models/style-head-v13.nkhead: style-head-v11's recipe (train_style_head_v11.sh)
# on seven seeds of the head's own tunes — v12's five and 14 and 15 (each clean, through
# augment_hall.py 141 / 151 and make_hall.py 147 / 157): 6816 training tracks — at L2 0.01
# (0.003 / 0.01 / 0.03: 1663 / 1661 / 1636 of the 1920 tracks of scripts/make_test_sets.sh; the
# smoother of the tied two). About 95 minutes on 2 cores with rendering, 2 without.
# usage: scripts/train_style_head_v13.sh [WORK_DIR]   (GEN_PYTHON as for v11)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export HEAD_SEEDS=${HEAD_SEEDS:-"5:51:15 6:61:16 10:101:107 11:111:117 14:141:147 15:151:157"}
export L2=${L2:-0.01}
export OUT=${OUT:-$here/models/style-head-v13.nkhead}
export HEAD_ID=${HEAD_ID:-necken-style-head-v13}
exec "$here/scripts/train_style_head_v11.sh" "$@"
