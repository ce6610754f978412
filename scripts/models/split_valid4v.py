#!/usr/bin/env python3
"""Splits the seed-4 validation clips' labels in two halves, every other clip: `valid4v-a.csv`
(training) and `valid4v-b.csv` (held out for calibration), and the same halves under the
stems of their 12 s excerpts (`ex-valid4v-a.csv`, `ex-valid4v-b.csv`: `<clip>_w12`, as
`make_excerpts.py` names them). The style-head training scripts share it, so every head holds
out the same clips.

usage: scripts/models/split_valid4v.py WORK_DIR   (reads WORK_DIR/valid4v/labels.csv)
"""
import csv
import sys


def main():
    work = sys.argv[1]
    rows = list(csv.DictReader(open(f"{work}/valid4v/labels.csv")))
    for half, part in (("a", rows[0::2]), ("b", rows[1::2])):
        for prefix, suffix in (("", ""), ("ex-", "_w12")):
            with open(f"{work}/{prefix}valid4v-{half}.csv", "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
                w.writeheader()
                for r in part:
                    w.writerow({**r, "clip": r["clip"] + suffix})


if __name__ == "__main__":
    main()
