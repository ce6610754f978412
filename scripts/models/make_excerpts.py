#!/usr/bin/env python3
"""Cuts one excerpt of the live window's length from every clip of a labelled folder, so that
a style head can be trained and calibrated on what the daemon's rolling window sees (12 s of a
tune, not the whole clip). The offset is drawn per clip from SEED; the excerpt keeps the
clip's labels under the stem `<clip>_w<SECONDS>`. With --from-start the excerpt is the clip's
first SECONDS instead (what the daemon's first windows of a tune see), under `<clip>_s<SECONDS>`.
Never run it on dev or dev-hall.

usage: scripts/models/make_excerpts.py SRC OUT [--seconds 12] [--seed 7] [--from-start] [--jobs 2]
  (sox on PATH)
"""
import argparse
import csv
import os
import random
import subprocess
from concurrent.futures import ThreadPoolExecutor


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--seconds", type=float, default=12.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--from-start", action="store_true")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    rows = list(csv.DictReader(open(os.path.join(a.src, "labels.csv"))))
    os.makedirs(a.out, exist_ok=True)
    tag = f"_s{a.seconds:g}" if a.from_start else f"_w{a.seconds:g}"
    jobs, out_rows = [], []
    for r in rows:
        rng = random.Random(f"{a.seed}:{r['clip']}")
        duration = float(r["duration_s"])
        if duration < a.seconds + 1.0:
            continue
        start = 0.0 if a.from_start else rng.uniform(0.0, duration - a.seconds)
        stem = r["clip"] + tag
        target = os.path.join(a.out, stem + ".wav")
        jobs.append(["sox", os.path.join(a.src, r["file"]), target,
                     "trim", f"{start:.3f}", f"{a.seconds:g}"])
        out_rows.append({**r, "clip": stem, "file": stem + ".wav",
                         "duration_s": f"{a.seconds:g}"})
    with ThreadPoolExecutor(a.jobs) as pool:
        for job in pool.map(lambda c: subprocess.run(c, check=True), jobs):
            pass
    with open(os.path.join(a.out, "labels.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(out_rows[0].keys()))
        w.writeheader()
        w.writerows(out_rows)
    print(f"{a.out}: {len(out_rows)} excerpts of {a.seconds:g} s")


if __name__ == "__main__":
    main()
