#!/usr/bin/env python3
"""Score a folder of predicted .beats files with the shared scorer and print the means per
dance style (style labels from the corpus labels.csv).

usage: scripts/score_by_style.py PRED_DIR [TRUTH_DIR] [--json OUT]
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared"))
KEYS = ["F", "CMLt", "AMLt", "DbF", "meter", "meter_class", "tempo1", "tempo2"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pred_dir")
    ap.add_argument("truth_dir", nargs="?", default=os.path.join(SHARED, "corpus", "dev"))
    ap.add_argument("--json")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "scores.json")
        subprocess.run(
            [sys.executable, os.path.join(SHARED, "eval", "score_beats.py"), args.pred_dir, args.truth_dir, "--json", out],
            check=True, stdout=subprocess.DEVNULL)
        scores = json.load(open(out))
    styles = {}
    with open(os.path.join(args.truth_dir, "labels.csv")) as f:
        for row in csv.DictReader(f):
            styles[row["clip"]] = row["style"]
    groups = {}
    for clip, s in scores["per_clip"].items():
        groups.setdefault(styles.get(clip, "?"), []).append(s)
    table = {}
    print(f"{'style':16s} {'n':>3s} " + " ".join(f"{k:>7s}" for k in KEYS))
    for style in sorted(groups) + ["ALL"]:
        rows = groups[style] if style != "ALL" else [s for g in groups.values() for s in g]
        means = {k: sum(r.get(k, 0.0) for r in rows) / len(rows) for k in KEYS}
        table[style] = dict(means, n=len(rows))
        print(f"{style:16s} {len(rows):3d} " + " ".join(f"{means[k]:7.3f}" for k in KEYS))
    if args.json:
        json.dump(table, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    main()
