#!/usr/bin/env bash
# Daemon CPU as it runs live: a 2-minute 48 kHz mono WAV paced at real time (--realtime,
# speed 1) with MQTT on (a local mosquitto on a free port, every beat published) and off.
# CPU seconds per audio second; idle wake-ups count here, unlike the as-fast-as-possible
# runs of bench_daemon.sh. Prints a markdown table for docs/benchmarks.md.
#
#   [NECKEND_BIN=BINARY] scripts/bench_daemon_live.sh [BOARD] [SECONDS]   (default boards/pi-4b.toml, 120)
set -euo pipefail
cd "$(dirname "$0")/.."
BOARD=${1:-boards/pi-4b.toml}
SECONDS_OF_AUDIO=${2:-120}
BIN=${NECKEND_BIN:-target/release/neckend}
[ -x "$BIN" ] || cargo build --release -p neckend
WORK=$(mktemp -d)
trap 'kill "${BROKER:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
mapfile -t CLIPS < <(ls ../shared/corpus/dev/*.ogg | head -6)
for i in "${!CLIPS[@]}"; do
    sox "${CLIPS[$i]}" -r 48000 -c 1 "$WORK/part$i.wav"
done
sox "$WORK"/part*.wav "$WORK/live.wav" trim 0 "$SECONDS_OF_AUDIO"
AUDIO=$(soxi -D "$WORK/live.wav")
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$PORT" > "$WORK/m.conf"
mosquitto -c "$WORK/m.conf" >/dev/null 2>&1 &
BROKER=$!
sleep 0.5
echo "| $(basename "$BOARD" .toml), ${AUDIO} s at real time | CPU s per audio s | peak RSS |"
echo "| --- | --- | --- |"
for mode in mqtt no-mqtt; do
    rm -rf "$WORK/s.sled"
    args=(--mqtt-host 127.0.0.1 --mqtt-port "$PORT" --device-id bench)
    [ "$mode" = no-mqtt ] && args=(--no-mqtt)
    /usr/bin/time -f "%U %S %M" -o "$WORK/time" "$BIN" --config "$BOARD" "${args[@]}" \
        --store "$WORK/s.sled" --realtime --input "$WORK/live.wav" 2>/dev/null
    read -r user sys rss_kb < "$WORK/time"
    awk -v u="$user" -v s="$sys" -v a="$AUDIO" -v r="$rss_kb" -v m="$mode" \
        'BEGIN { printf "| %s | %.4f | %.1f MB |\n", m, (u + s) / a, r / 1024 }'
done
