#!/usr/bin/env bash
# Record sizes of 3-minute tunes: for each style, dev clips of that style joined with sox to
# 180 s (44.1 kHz mono ogg), analyzed with the default models, printed part by part.
# Usage: scripts/size_joins.sh [OUT_DIR]   (needs sox; writes the joins to OUT_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-/tmp/necken-three}"
dev=../shared/corpus/dev
mkdir -p "$out"
python3 - "$dev" "$out" <<'PY'
import collections, csv, subprocess, sys
dev, out = sys.argv[1], sys.argv[2]
by = collections.defaultdict(list)
for r in csv.DictReader(open(f"{dev}/labels.csv")):
    by[r["style"]].append(r)
for style, rows in sorted(by.items()):
    parts, total, i = [], 0.0, 0
    while total < 185:
        r = rows[i % len(rows)]
        part = f"{out}/{style}_{i}.wav"
        subprocess.run(["sox", f"{dev}/{r['file']}", "-r", "44100", "-c", "1", part], check=True)
        parts.append(part)
        total += float(r["duration_s"])
        i += 1
    subprocess.run(["sox", *parts, "-C", "5", f"{out}/{style}.ogg", "trim", "0", "180"], check=True)
    for p in parts:
        subprocess.run(["rm", p], check=True)
PY
cargo run --release -q -p necken-tests --example record_parts -- "$out"/*.ogg
