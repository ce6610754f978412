#!/usr/bin/env python3
"""Instrumental/vocal accuracy of the embedding network as `necken analyze` runs it, per clip,
against a labelled folder's `vocal` column (a folder without the column, such as the dev
corpus, is all instrumental).

usage: scripts/eval_vocal.py CLIP_DIR [NECKEN_BINARY]
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    clips = sys.argv[1]
    binary = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "target/release/necken")
    labels = {r["file"]: int(r.get("vocal") or 0)
              for r in csv.DictReader(open(os.path.join(clips, "labels.csv")))}
    with tempfile.TemporaryDirectory() as work:
        out = subprocess.run([binary, "--store", os.path.join(work, "s.sled"), "analyze",
                              "--json", clips], cwd=ROOT, check=False, capture_output=True,
                             text=True).stdout
    rows = [json.loads(l) for l in out.splitlines() if l.strip()]
    scored = [(labels[os.path.basename(r["file"])], r["vocal_score"]) for r in rows
              if os.path.basename(r["file"]) in labels and r.get("vocal_score") is not None]
    if not scored:
        sys.exit(f"{clips}: no clip got a vocal score")
    correct = sum((s > 0.5) == bool(v) for v, s in scored)
    vocal = [s for v, s in scored if v]
    inst = [s for v, s in scored if not v]
    print(f"{clips}: {len(scored)} clips ({len(vocal)} vocal), clip accuracy "
          f"{correct / len(scored):.3f}")
    if vocal:
        print(f"  vocal clips: mean score {sum(vocal) / len(vocal):.3f}, "
              f"found {sum(s > 0.5 for s in vocal)}/{len(vocal)}")
    if inst:
        print(f"  instrumental clips: mean score {sum(inst) / len(inst):.3f}, "
              f"judged instrumental {sum(s <= 0.5 for s in inst)}/{len(inst)}")


if __name__ == "__main__":
    main()
