#!/usr/bin/env python3
"""Style accuracy per dance style from `necken reanalyze --json` lines (stdin) and a labelled
folder's labels.csv: per style the share right, and over all the share of answers that are
wrong with confidence >= 0.8 (a dancer would rather hear "not sure"), and a reliability table:
per confidence bin the answers, the share right and the mean stated confidence ("unknown"
answers count as not right).

usage: necken --store S reanalyze --json | scripts/style_by_style.py CLIP_DIR [--json OUT]
"""
import csv
import json
import os
import sys

NAMES = {"engelska_reel": "engelska", "ganglat_marsch": "gånglåt/marsch"}


def main():
    clips = sys.argv[1]
    out_json = sys.argv[sys.argv.index("--json") + 1] if "--json" in sys.argv else None
    labels = {}
    with open(os.path.join(clips, "labels.csv")) as f:
        for row in csv.DictReader(f):
            labels[os.path.splitext(row["file"])[0]] = row["style"]
    per = {}
    confident_wrong = total = 0
    edges = [0.0, 0.4, 0.6, 0.8, 0.9, 1.0001]
    bins = [[0, 0, 0.0] for _ in edges[1:]]
    for line in sys.stdin:
        t = json.loads(line)
        stem = os.path.splitext(os.path.basename(t["source_path"]))[0]
        if stem not in labels:
            continue
        truth = labels[stem]
        right = t["style"] == NAMES.get(truth, truth)
        per.setdefault(truth, []).append(right)
        total += 1
        conf = t.get("confidence") or 0
        confident_wrong += (not right) and conf >= 0.8
        for i in range(len(bins)):
            if edges[i] <= conf < edges[i + 1]:
                bins[i][0] += 1
                bins[i][1] += right
                bins[i][2] += conf
    print(f"{'style':16} {'n':>3} {'right':>6}")
    result = {}
    for style in sorted(per):
        r = per[style]
        result[style] = sum(r) / len(r)
        print(f"{style:16} {len(r):3} {result[style]:6.3f}")
    n_right = sum(sum(r) for r in per.values())
    print(f"{'ALL':16} {total:3} {n_right / max(total, 1):6.3f}")
    print("confidence   answers  right  stated")
    for i, (n, r, c) in enumerate(bins):
        print(f"[{edges[i]:.1f}, {min(edges[i + 1], 1.0):.1f}) {n:9} {r / max(n, 1):6.3f} {c / max(n, 1):7.3f}")
    print(f"wrong with confidence >= 0.8: {confident_wrong}/{total} = "
          f"{confident_wrong / max(total, 1):.3f}")
    if out_json:
        result["ALL"] = n_right / max(total, 1)
        result["confident_wrong"] = confident_wrong / max(total, 1)
        with open(out_json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
