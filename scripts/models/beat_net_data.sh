#!/usr/bin/env bash
# The beat networks' data (beat-tcn-v2 and v3): renders the training clips (never the
# evaluation tunes), makes two hall variants of each training set -- ../shared/corpus/tools/
# make_hall.py (its room and crowd family, seeds other than dev-hall's 5) and
# scripts/models/augment_hall.py (other rooms, pre-delay and echoes, murmur, footsteps and
# claps off the beat, phone and clipping microphones, level riding) -- and dumps the Rust front
# end's bands of each set and of the demo clip into WORK_DIR/bands. Sets already present are
# kept. About 40 minutes on 2 cores from nothing.
# usage: scripts/models/beat_net_data.sh WORK_DIR
#   GEN_PYTHON must have ../shared/corpus/tools/requirements.txt (sox and espeak-ng on PATH).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
work=$1
tools="$here/../shared/corpus/tools"
gen=${GEN_PYTHON:-python3}
mkdir -p "$work"
[ -d "$work/train1" ] || "$gen" "$tools/make_train.py" --out "$work/train1" --per-style 40 --seed 1 --jobs 2
[ -d "$work/train2" ] || "$gen" "$tools/make_train.py" --out "$work/train2" --per-style 50 --seed 2 --jobs 2
[ -d "$work/train1-aug" ] || "$gen" "$here/scripts/models/augment_hall.py" "$work/train1" "$work/train1-aug" --seed 21
[ -d "$work/train2-aug" ] || "$gen" "$here/scripts/models/augment_hall.py" "$work/train2" "$work/train2-aug" --seed 23
[ -d "$work/train2-hall" ] || "$gen" "$tools/make_hall.py" "$work/train2" "$work/train2-hall" --seed 13
cargo build --release -q -p necken-analysis --example dump_bands --manifest-path "$here/Cargo.toml"
dump="$here/target/release/examples/dump_bands"
for set in train1 train1-aug train2 train2-aug train2-hall; do
    [ -d "$work/bands/$set" ] || "$dump" "$work/$set" "$work/bands/$set"
done
mkdir -p "$work/demo" && cp "$here/tests/fixtures/demo/demo_polska.ogg" "$work/demo/"
"$dump" "$work/demo" "$work/bands/demo"
