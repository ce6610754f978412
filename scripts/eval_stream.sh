#!/usr/bin/env bash
# Streaming accuracy of the daemon itself: runs neckend (--fast, no MQTT) on every clip of a
# labelled folder, keeps the beat events it would publish (time, beat number) as .beats files
# and scores them with the shared scorer. Tune on generated clips; only report on dev.
# usage: scripts/eval_stream.sh CLIP_DIR [OUT_DIR] [NECKEND_ARGS...]
#   NECKEND_ARGS default to the networks (--beat-model models/beat-tcn-v3.onnx --embed-model
#   models/embed-cnn-v2.onnx); pass --no-beat-model --no-embed-model for the DSP alone.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
clips=$1
out=${2:-/tmp/necken-stream-$(basename "$clips")}
shift; shift || true
extra=("$@")
[ ${#extra[@]} -gt 0 ] || extra=(--beat-model "$here/models/beat-tcn-v3.onnx" --embed-model "$here/models/embed-cnn-v2.onnx")
rm -rf "$out"; mkdir -p "$out/beats"
bin=${NECKEND_BIN:-$here/target/release/neckend}
[ -n "${NECKEND_BIN:-}" ] || cargo build --release -q -p neckend --manifest-path "$here/Cargo.toml"
for f in "$clips"/*.{ogg,flac,mp3,wav}; do
    [ -e "$f" ] || continue
    stem=$(basename "${f%.*}")
    "$bin" --no-mqtt --no-model --store "$out/store" --force \
        --events "$out/$stem.jsonl" --input "$f" "${extra[@]}" 2>"$out/$stem.log" \
        || { echo "neckend failed on $f:"; cat "$out/$stem.log"; exit 1; }
    python3 -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "beat":
        print("%.3f\t%d" % (e["time"], e["beat"]))
' "$out/$stem.jsonl" > "$out/beats/$stem.beats"
done
python3 "$here/scripts/score_by_style.py" "$out/beats" "$clips" --json "$out/by_style.json"
