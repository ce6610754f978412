#!/usr/bin/env bash
# Needs sox and mosquitto-clients (apt-get install sox mosquitto-clients).
# Soak: HOURS of audio (dev clips, repeated) through one neckend process as fast as it goes,
# with MQTT on (a local mosquitto, every message counted by mosquitto_sub) and a small store
# limit, sampling the daemon's RSS every 5 s. Passes when RSS stays flat (last quarter's
# median within 10 % of the second quarter's), the store stays within its limit, and every
# track message was delivered (nothing left queued).
#
#   scripts/soak.sh [HOURS] [BOARD]   (default 24, boards/pi-4b.toml)
set -euo pipefail
cd "$(dirname "$0")/.."
HOURS=${1:-24}
BOARD=${2:-boards/pi-4b.toml}
BIN=target/release/neckend
[ -x "$BIN" ] || cargo build --release -p neckend
WORK=$(mktemp -d)
trap 'kill "${BROKER:-0}" "${SUB:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
mapfile -t CLIPS < <(ls ../shared/corpus/dev/*.{ogg,flac,mp3,wav} 2>/dev/null)
total=$(for c in "${CLIPS[@]}"; do soxi -D "$c"; done | awk '{s += $1} END {print s}')
repeats=$(awk -v t="$total" -v h="$HOURS" 'BEGIN { r = int(h * 3600 / t + 0.999); print (r < 1 ? 1 : r) }')
inputs=()
for _ in $(seq "$repeats"); do inputs+=("${CLIPS[@]}"); done
audio=$(awk -v t="$total" -v r="$repeats" 'BEGIN { print t * r }')
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$PORT" > "$WORK/m.conf"
mosquitto -c "$WORK/m.conf" >/dev/null 2>&1 &
BROKER=$!
sleep 0.5
mosquitto_sub -p "$PORT" -t 'necken/soak/track' -q 1 > "$WORK/tracks.txt" &
SUB=$!
sed -e 's/^max_tracks = .*/max_tracks = 40/' "$BOARD" > "$WORK/board.toml"
start=$(date +%s)
"$BIN" --config "$WORK/board.toml" --store "$WORK/s.sled" --mqtt-host 127.0.0.1 \
    --mqtt-port "$PORT" --device-id soak --force --input "${inputs[@]}" 2>"$WORK/log" &
PID=$!
while kill -0 $PID 2>/dev/null; do
    awk '/VmRSS/ {print $2}' "/proc/$PID/status" 2>/dev/null >> "$WORK/rss" || true
    sleep 5
done
wait $PID || { echo "neckend failed"; tail -20 "$WORK/log"; exit 1; }
elapsed=$(( $(date +%s) - start ))
sleep 2
stored=$(grep -c 'stored ' "$WORK/log" || true)
delivered=$(wc -l < "$WORK/tracks.txt")
python3 - "$WORK/rss" "$audio" "$elapsed" "$stored" "$delivered" "$WORK/s.sled" <<'PY'
import os, statistics, sys
rss = [int(l) / 1024 for l in open(sys.argv[1]) if l.strip()]
audio, elapsed, stored, delivered = float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
q = len(rss) // 4
second, last = statistics.median(rss[q:2 * q]), statistics.median(rss[3 * q:])
size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(sys.argv[6]) for f in fs)
print(f"| audio | wall | tracks stored | track messages delivered | RSS 2nd quarter / last quarter / max | store on disk |")
print(f"| --- | --- | --- | --- | --- | --- |")
print(f"| {audio / 3600:.1f} h | {elapsed} s | {stored} | {delivered} | {second:.1f} / {last:.1f} / {max(rss):.1f} MB | {size / 1e6:.1f} MB |")
ok = last <= 1.1 * second and delivered >= stored
sys.exit(0 if ok else 1)
PY
