#!/usr/bin/env bash
# Network faults below TCP and a long outage, with real packets: neckend and mosquitto in two
# network namespaces joined by scripts/lossy_link.py (packet loss and delay on every IP
# packet, so TCP retransmits for real). Phase 1: CLIPS dev clips dropped into a watched folder
# across the lossy link. Phase 2: the broker is stopped for OUTAGE_S seconds while 3 more clips
# are stored, then started again. Checks that every track arrives once per msg_id, in order,
# and prints the reconnect attempts and delays. Needs root, mosquitto and mosquitto_sub.
#
#   sudo scripts/net_faults.sh            # LOSS=0.05 DELAY_MS=50 OUTAGE_S=180 CLIPS=6
set -euo pipefail
cd "$(dirname "$0")/.."
LOSS="${LOSS:-0.05}"
DELAY_MS="${DELAY_MS:-50}"
OUTAGE_S="${OUTAGE_S:-180}"
CLIPS="${CLIPS:-6}"
work="$(mktemp -d /tmp/necken-netfaults.XXXXXX)"
ns=nkf
cargo build --release -q -p neckend
bin="$PWD/target/release/neckend"
mapfile -t clips < <(ls ../shared/corpus/dev/*.ogg | head -n $((CLIPS + 3)))

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

python3 scripts/lossy_link.py --name $ns --loss "$LOSS" --delay-ms "$DELAY_MS" > "$work/link.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q "lossy link up" "$work/link.log" && break; sleep 0.1; done
grep -q "lossy link up" "$work/link.log" || { cat "$work/link.log"; exit 1; }

mkdir -p "$work/db" "$work/watch"
cat > "$work/broker.conf" <<CONF
listener 1883 0.0.0.0
allow_anonymous true
persistence true
persistence_location $work/db/
log_dest file $work/broker.log
# The work dir is root-only; the broker would otherwise drop to the mosquitto user.
user root
CONF
start_broker() {
    ip netns exec $ns-brk mosquitto -c "$work/broker.conf" &
    broker=$!
    pids+=($broker)
    sleep 0.5
}
start_broker
# A persistent QoS 1 session on the broker's side of the link (clean), so that it gets what
# was published while it was away too.
ip netns exec $ns-brk mosquitto_sub -h 127.0.0.1 -t 'necken/field/track' -q 1 -c -i field-sub \
    > "$work/tracks.jsonl" 2> "$work/sub.log" &
pids+=($!)
sleep 0.5
RUST_LOG=info ip netns exec $ns-dev "$bin" --store "$work/store" --watch "$work/watch" \
    --mqtt-host 10.77.0.2 --device-id field --poll-ms 200 2> "$work/neckend.log" &
pids+=($!)

wait_tracks() { # count timeout_s
    local deadline=$((SECONDS + $2))
    while [ "$(wc -l < "$work/tracks.jsonl")" -lt "$1" ]; do
        [ $SECONDS -lt $deadline ] || { echo "timed out waiting for $1 tracks"; return 1; }
        sleep 0.2
    done
}

t0=$SECONDS
for c in "${clips[@]:0:$CLIPS}"; do cp "$c" "$work/watch/"; sleep 1; done
wait_tracks "$CLIPS" 300
echo "phase 1: $CLIPS tracks over loss $LOSS, ${DELAY_MS} ms one way: $((SECONDS - t0)) s"

kill -TERM "$broker"; wait "$broker" 2>/dev/null || true
for c in "${clips[@]:$CLIPS:3}"; do cp "$c" "$work/watch/"; sleep 1; done
echo "phase 2: broker down for $OUTAGE_S s with 3 tracks stored meanwhile"
sleep "$OUTAGE_S"
back=$SECONDS
start_broker
wait_tracks $((CLIPS + 3)) 120
echo "phase 2: all 3 delivered $((SECONDS - back)) s after the broker came back"

python3 - "$work/tracks.jsonl" "$((CLIPS + 3))" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ids = [int(r["msg_id"].rsplit("-", 1)[1]) for r in rows]
unique = sorted(set(ids))
assert len(unique) == int(sys.argv[2]), f"{len(unique)} distinct tracks, expected {sys.argv[2]}"
assert ids == sorted(ids), f"out of order: {ids}"
print(f"tracks: {len(rows)} messages, {len(unique)} distinct, in order")
PY
grep -E "mqtt (connected|.*connection lost|.*cannot connect)" "$work/neckend.log" | sed 's/^/  /'
tail -1 "$work/link.log" | sed 's/^/  link: /'
echo "work dir: $work"
