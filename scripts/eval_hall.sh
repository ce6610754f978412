#!/usr/bin/env bash
# Accuracy in the dance hall: makes dev-hall when it is missing (the dev clips through
# ../shared/corpus/tools/make_hall.py with its default seed: reverb, crowd babble at 3-12 dB,
# a cheap microphone's band, automatic gain), then reports per style
#   1. offline beats and meter (necken analyze + export with the default head, the scorer),
#   2. offline style (necken reanalyze with the default head; share wrong at confidence >= 0.8),
#   3. streaming beats (neckend's own beat events, scripts/eval_stream.sh),
#   4. the daemon's published styles (scripts/eval_stream_styles.py).
# Report only: never tune on dev-hall.
# usage: scripts/eval_hall.sh [HALL_DIR] [OUT_DIR]
#   PYTHON=... a Python with numpy and soundfile for make_hall.py (sox with its mp3 handler --
#   libsox-fmt-mp3 -- and espeak-ng on PATH)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
hall=${1:-/tmp/dev-hall}
out=${2:-/tmp/necken-hall}
py=${PYTHON:-python3}
if [ ! -f "$hall/labels.csv" ]; then
    "$here/scripts/need_sox_mp3.sh"
    echo "making $hall from the dev corpus (about 4 minutes)"
    "$py" "$here/../shared/corpus/tools/make_hall.py" "$here/../shared/corpus/dev" "$hall"
fi
mkdir -p "$out"
cargo build --release -q -p necken -p neckend --manifest-path "$here/Cargo.toml"
echo "== offline beats and meter"
"$here/scripts/eval_dir.sh" "$hall" "$out/offline"
echo "== offline style"
# The head eval_dir.sh analyzed with (STYLE_HEAD), not only the default.
style_head=${STYLE_HEAD:-$here/models/style-head-v17.nkhead}
"$here/target/release/necken" --store "$out/offline/store" reanalyze --json --model "$style_head" \
    | python3 "$here/scripts/style_by_style.py" "$hall" --json "$out/offline_style.json"
echo "== streaming beats (the daemon's beat events)"
"$here/scripts/eval_stream.sh" "$hall" "$out/stream"
echo "== the daemon's published styles"
(cd "$here" && python3 scripts/eval_stream_styles.py "$hall")
