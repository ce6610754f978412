#!/usr/bin/env bash
# Pull throughput and `necken ab` over a loopback mosquitto: a neckend whose store holds
# N synthetic standard-profile tracks (3-minute tunes), pulled RUNS times into a fresh host
# store; then both bundled heads compared on the pulled tracks. Prints a table for
# docs/benchmarks.md.
#   scripts/bench_pull.sh [N=10000] [RUNS=5]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
RUNS=${2:-5}
cargo build --release -q -p necken -p neckend
BIN=target/release
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mosquitto -p "$PORT" >"$WORK/mosquitto.log" 2>&1 &
"$BIN/necken" bench fill --into "$WORK/device.sled" --tracks "$N" --profile standard
mkdir -p "$WORK/watch"
RUST_LOG=warn "$BIN/neckend" --store "$WORK/device.sled" --mqtt-host 127.0.0.1 --mqtt-port "$PORT" \
  --device-id bench --allow-pull necken-host --watch "$WORK/watch" \
  --no-beat-model --no-embed-model --no-model 2>"$WORK/neckend.log" &
for _ in $(seq 100); do
  "$BIN/necken" --store "$WORK/probe.sled" devices --broker "127.0.0.1:$PORT" --wait-ms 300 --json 2>/dev/null \
    | grep -q '"status":"online"' && break
  sleep 0.2
done
echo "| run | tracks | MB | seconds | tracks/s |"
echo "| --- | --- | --- | --- | --- |"
times=()
for r in $(seq "$RUNS"); do
  rm -rf "$WORK/host.sled"
  out=$("$BIN/necken" --store "$WORK/host.sled" pull --broker "127.0.0.1:$PORT" --device bench --json 2>/dev/null)
  python3 - "$r" "$out" <<'PY'
import json, sys
r, o = sys.argv[1], json.loads(sys.argv[2])
print(f"| {r} | {o['pulled']} | {o['bytes']/1e6:.1f} | {o['seconds']:.2f} | {o['pulled']/o['seconds']:.0f} |")
PY
  times+=("$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["seconds"])' "$out")")
done
python3 -c 'import statistics,sys; v=[float(x) for x in sys.argv[1:]]; print(f"median pull: {statistics.median(v):.2f} s")' "${times[@]}"
again=$("$BIN/necken" --store "$WORK/host.sled" pull --broker "127.0.0.1:$PORT" --device bench --json 2>/dev/null)
echo "second pull: $again"
abt=()
for r in $(seq "$RUNS"); do
  abt+=("$("$BIN/necken" --store "$WORK/host.sled" ab --a models/style-head-v1.nkhead --b models/style-head-v3.nkhead --json \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"])')")
done
python3 -c 'import statistics,sys; v=[float(x) for x in sys.argv[1:]]; print(f"median ab over the pulled tracks: {statistics.median(v):.3f} s (runs: {v})")' "${abt[@]}"
