#!/usr/bin/env bash
# SD-card wear: bytes neckend writes (/proc/PID/io: wchar = bytes handed to write(2),
# write_bytes = bytes sent to the block device) per stored track and per idle hour, with MQTT
# on (a local mosquitto; style and track messages pass through the durable outbox) and off.
#
#   scripts/measure_sd_wear.sh [TRACKS] [IDLE_SECONDS]   (default 12 dev clips, 120 s idle)
set -euo pipefail
cd "$(dirname "$0")/.."
TRACKS=${1:-12}
IDLE=${2:-120}
BIN=target/release/neckend
[ -x "$BIN" ] || cargo build --release -p neckend
WORK=$(mktemp -d)
trap 'kill "${BROKER:-0}" "${PID:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$PORT" > "$WORK/m.conf"
mosquitto -c "$WORK/m.conf" >/dev/null 2>&1 &
BROKER=$!
sleep 0.5
mapfile -t CLIPS < <(ls ../shared/corpus/dev/*.ogg | head -"$TRACKS")
# Reads the io counters of $PID just before it exits: it is stopped with SIGTERM after its
# files (--watch keeps it alive).
io() { awk '/^wchar|^write_bytes/ {printf "%s ", $2}' "/proc/$1/io"; }
echo "| case | wchar | write_bytes |"
echo "| --- | --- | --- |"
for mode in mqtt no-mqtt; do
    rm -rf "$WORK/s.sled" "$WORK/in"; mkdir "$WORK/in"
    args=(--mqtt-host 127.0.0.1 --mqtt-port "$PORT" --device-id wear)
    [ "$mode" = no-mqtt ] && args=(--no-mqtt)
    "$BIN" --config boards/pi-4b.toml "${args[@]}" --store "$WORK/s.sled" \
        --watch "$WORK/in" --poll-ms 200 2>"$WORK/log" &
    PID=$!
    sleep 3
    read -r w0 b0 <<<"$(io $PID)"
    cp "${CLIPS[@]}" "$WORK/in/"
    while [ "$(grep -c 'stored ' "$WORK/log" || true)" -lt "$TRACKS" ]; do sleep 0.5; done
    sleep 2
    read -r w1 b1 <<<"$(io $PID)"
    sleep "$IDLE"
    read -r w2 b2 <<<"$(io $PID)"
    kill -TERM $PID; wait $PID || true
    awk -v m="$mode" -v t="$TRACKS" -v w="$((w1 - w0))" -v b="$((b1 - b0))" \
        'BEGIN { printf "| %s, per stored track | %.0f B | %.0f B |\n", m, w / t, b / t }'
    awk -v m="$mode" -v s="$IDLE" -v w="$((w2 - w1))" -v b="$((b2 - b1))" \
        'BEGIN { printf "| %s, per idle hour | %.0f B | %.0f B |\n", m, w * 3600 / s, b * 3600 / s }'
done
