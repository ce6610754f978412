#!/usr/bin/env bash
# Reproduces models/embed-cnn-v1.onnx and its int8 variant: renders training clips with the
# corpus generator (never the evaluation tunes; half of the seed-3 clips and of the seed-4
# validation clips with a sung-like voice), trains the CNN with PyTorch on seeds 2 and 3
# (NumPy mel front end, scripts/models/mel.py), validates on seed 4, exports ONNX, quantizes
# it to int8 (ONNX Runtime static QDQ, calibrated on seed-3 clips), trims the fixture clips,
# writes their reference outputs (embedding and beat network) for the Rust-vs-PyTorch tests and
# updates models/SHA256SUMS.
# About 15 minutes of training on 2 cores plus rendering (about 25 minutes).
# usage: scripts/models/train_embed_net.sh [WORK_DIR]
#   PYTHON (default python3) must have scripts/models/requirements.txt installed;
#   GEN_PYTHON must have ../shared/corpus/tools/requirements.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-/tmp/necken-train}
tools="$here/../shared/corpus/tools"
py=${PYTHON:-python3}
gen=${GEN_PYTHON:-python3}
mkdir -p "$work"
[ -d "$work/train2" ] || "$gen" "$tools/make_train.py" --out "$work/train2" --per-style 50 --seed 2 --jobs 2
[ -d "$work/train3v" ] || "$gen" "$tools/make_train.py" --out "$work/train3v" --per-style 40 --seed 3 --jobs 2 --vocal-fraction 0.5
[ -d "$work/valid4v" ] || "$gen" "$tools/make_train.py" --out "$work/valid4v" --per-style 12 --seed 4 --jobs 2 --vocal-fraction 0.5
cd "$here/scripts/models"
fixtures="$here/tests/fixtures/embed"
"$py" make_embed_fixtures.py "$work/valid4v" "$fixtures"
# The fixtures also check the beat network against PyTorch (weights read from its ONNX file).
cargo build --release -q -p necken-analysis --example dump_bands --manifest-path "$here/Cargo.toml"
"$here/target/release/examples/dump_bands" "$fixtures" "$work/fixture-bands"
"$py" beat_reference.py "$here/models/beat-tcn-v1.onnx" "$work/fixture-bands" "$fixtures"
"$py" train_embed_net.py --train "$work/train2" "$work/train3v" --valid "$work/valid4v" \
    --out "$work/embed-cnn-v1" --steps "${STEPS:-3000}" --seed 1 --cache "$work/mel-cache" \
    --predict "$fixtures" "$here/tests/fixtures/demo/demo_polska.ogg" "$fixtures"/*.ogg "$fixtures"/*.flac
"$py" quantize_embed_net.py "$work/embed-cnn-v1.onnx" "$work/embed-cnn-v1-int8.onnx" "$work/train3v"
cp "$work/embed-cnn-v1.onnx" "$work/embed-cnn-v1-int8.onnx" "$here/models/"
"$here/scripts/models/update_manifest.sh" embed-cnn-v1.onnx embed-cnn-v1-int8.onnx
