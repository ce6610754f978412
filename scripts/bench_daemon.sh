#!/usr/bin/env bash
# Daemon budgets per board profile: CPU seconds per audio second and peak RSS of neckend
# analyzing a 10-minute 48 kHz mono WAV (dev clips joined with sox: the format live capture
# delivers, so decoding costs next to nothing) with each board's settings, MQTT off, style
# head loaded. Prints a markdown table for docs/benchmarks.md.
#
#   scripts/bench_daemon.sh [BINARY [NECKEND_ARGS...]]   (default target/release/neckend)
#   e.g. scripts/bench_daemon.sh target/release/neckend --no-embed-model
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/neckend}
shift || true
EXTRA=("$@")
[ -x "$BIN" ] || cargo build --release -p neckend
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mapfile -t CLIPS < <(ls ../shared/corpus/dev/*.ogg | head -18)
for i in "${!CLIPS[@]}"; do
    sox "${CLIPS[$i]}" -r 48000 -c 1 "$WORK/part$(printf %02d "$i").wav"
done
sox "$WORK"/part*.wav "$WORK/ten.wav" trim 0 600
AUDIO=$(soxi -D "$WORK/ten.wav")
echo "| board | window / every | CPU s per audio s | peak RSS | budget |"
echo "| --- | --- | --- | --- | --- |"
for board in boards/*.toml; do
    name=$(basename "$board" .toml)
    rm -rf "$WORK/s.sled"
    /usr/bin/time -f "%U %S %M" -o "$WORK/time" "$BIN" --config "$board" --no-mqtt \
        --store "$WORK/s.sled" --input "$WORK/ten.wav" "${EXTRA[@]}" 2>/dev/null
    read -r user sys rss_kb < "$WORK/time"
    win=$(awk -F' = ' '/^window_s/ {print $2}' "$board")
    every=$(awk -F' = ' '/^classify_every_s/ {print $2}' "$board")
    budget=$(awk -F' = ' '/^budget_mb/ {print $2}' "$board")
    awk -v u="$user" -v s="$sys" -v a="$AUDIO" -v r="$rss_kb" -v n="$name" -v w="$win" \
        -v e="$every" -v b="$budget" \
        'BEGIN { printf "| %s | %s s / %s s | %.4f | %.1f MB | %s MB |\n", n, w, e, (u + s) / a, r / 1024, b }'
done
