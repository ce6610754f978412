#!/usr/bin/env bash
# Reproduces models/style-head-v12.nkhead: style-head-v11's recipe (train_style_head_v11.sh)
# with two more of the head's own seeds of tunes, 10 and 11 (each clean, through
# augment_hall.py 101 / 111 and make_hall.py 107 / 117): 4896 training tracks instead of
# 2976. Chosen on the generated test set of scripts/make_test_sets.sh (seeds 12 and 13), which
# separates heads where t9 no longer did (docs/accuracy.md). About 70 minutes on 2 cores with
# rendering. usage: scripts/train_style_head_v12.sh [WORK_DIR]   (GEN_PYTHON, L2 as for v11)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export HEAD_SEEDS=${HEAD_SEEDS:-"5:51:15 6:61:16 10:101:107 11:111:117"}
export OUT=${OUT:-$here/models/style-head-v12.nkhead}
export HEAD_ID=${HEAD_ID:-necken-style-head-v12}
exec "$here/scripts/train_style_head_v11.sh" "$@"
