#!/usr/bin/env python3
"""Style accuracy of the daemon itself: runs neckend on every clip of a labelled folder (no
MQTT, no tags in the dev clips) and compares with the labels (1) the last style it published
from its rolling windows, (2) the share of all its published style messages that were right,
(3) the style of the stored track, and over audio time (each style message holds until the
next one or the clip's end): (4) the seconds of music until the published style is first
right (median over clips; a clip never right counts as its whole length) and (5) the share of
the audio during which the published style names a wrong dance (`unknown` and nothing
published are not wrong). Only report on dev; tune on generated clips.

usage: [NECKEND=BINARY] scripts/eval_stream_styles.py CLIP_DIR [--model HEAD] [NECKEND_ARGS...]
  default: --model models/style-head-v17.nkhead with both networks
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMES = {"engelska_reel": "engelska", "ganglat_marsch": "gånglåt/marsch"}


def main():
    clips = sys.argv[1]
    extra = sys.argv[2:] or ["--model", "models/style-head-v17.nkhead"]
    if "--beat-model" not in extra and "--no-beat-model" not in extra:
        extra += ["--beat-model", "models/beat-tcn-v3.onnx"]
    if "--embed-model" not in extra and "--no-embed-model" not in extra:
        extra += ["--embed-model", "models/embed-cnn-v2.onnx"]
    # $NECKEND: another build (an A/B run while the tree is being rebuilt).
    binary = os.environ.get("NECKEND", os.path.join(ROOT, "target/release/neckend"))
    rows = list(csv.DictReader(open(os.path.join(clips, "labels.csv"))))
    last_ok = track_ok = msgs = msgs_ok = n = 0
    first_right, wrong_s, right_s, total_s = [], 0.0, 0.0, 0.0
    with tempfile.TemporaryDirectory() as work:
        for r in rows:
            events = os.path.join(work, r["clip"] + ".jsonl")
            subprocess.run([binary, "--no-mqtt", "--store", os.path.join(work, "s.sled"),
                            "--force", "--events", events, "--input",
                            os.path.join(os.path.abspath(clips), r["file"]), *extra],
                           cwd=ROOT, check=True, stderr=subprocess.DEVNULL)
            ev = [json.loads(l) for l in open(events)]
            truth = NAMES.get(r["style"], r["style"])
            styles = [e["style"] for e in ev if e["event"] == "style" and e.get("style")]
            tracks = [e["style"] for e in ev if e["event"] == "track"]
            n += 1
            last_ok += bool(styles) and styles[-1] == truth
            msgs += len(styles)
            msgs_ok += sum(s == truth for s in styles)
            track_ok += bool(tracks) and tracks[-1] == truth
            duration = max([float(r.get("duration_s") or 0)] +
                           [e.get("time", 0.0) for e in ev])
            timeline = [(e["time"], e.get("style")) for e in ev if e["event"] == "style"]
            ends = [t for t, _ in timeline[1:]] + [duration]
            first = duration
            for (t, style), end in zip(timeline, ends):
                span = max(0.0, min(end, duration) - t)
                if style == truth:
                    first = min(first, t)
                    right_s += span
                elif style not in (None, "unknown"):
                    wrong_s += span
            total_s += duration
            first_right.append(first)
    print(f"{clips} ({' '.join(extra)}): {n} clips")
    print(f"  last published style correct: {last_ok}/{n} = {last_ok / n:.3f}")
    print(f"  published style messages correct: {msgs_ok}/{msgs} = {msgs_ok / max(msgs, 1):.3f}")
    print(f"  stored track style correct: {track_ok}/{n} = {track_ok / n:.3f}")
    first_right.sort()
    median = (first_right[(n - 1) // 2] + first_right[n // 2]) / 2
    print(f"  seconds until the published style is first right: median {median:.1f} s")
    print(f"  audio time with the right style published: {right_s / total_s:.3f}, "
          f"with a wrong one: {wrong_s / total_s:.3f}")


if __name__ == "__main__":
    main()
