#!/usr/bin/env python3
"""Style accuracy per dance style from `necken reanalyze --json` lines (stdin) and a labelled
folder's labels.csv: per style the share right, and over all the share of answers that are
wrong with confidence >= 0.8 (a dancer would rather hear "not sure").

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
    for line in sys.stdin:
        t = json.loads(line)
        stem = os.path.splitext(os.path.basename(t["source_path"]))[0]
        if stem not in labels:
            continue
        truth = labels[stem]
        right = t["style"] == NAMES.get(truth, truth)
        per.setdefault(truth, []).append(right)
        total += 1
        confident_wrong += (not right) and (t.get("confidence") or 0) >= 0.8
    print(f"{'style':16} {'n':>3} {'right':>6}")
    result = {}
    for style in sorted(per):
        r = per[style]
        result[style] = sum(r) / len(r)
        print(f"{style:16} {len(r):3} {result[style]:6.3f}")
    n_right = sum(sum(r) for r in per.values())
    print(f"{'ALL':16} {total:3} {n_right / max(total, 1):6.3f}")
    print(f"wrong with confidence >= 0.8: {confident_wrong}/{total} = "
          f"{confident_wrong / max(total, 1):.3f}")
    if out_json:
        result["ALL"] = n_right / max(total, 1)
        result["confident_wrong"] = confident_wrong / max(total, 1)
        with open(out_json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
