#!/usr/bin/env python3
"""Beat event latency of neckend: runs it with --realtime (paced like live audio) on dev
clips and, for every emitted beat matched to a ground-truth beat within 70 ms, computes how
long after the true beat sounded the event left the daemon:

    latency = lag_ms + (reported beat time - true beat time)

where lag_ms is the daemon's own measure (wall clock since the source began minus the beat's
time). Prints the median, p90 and p95 over all matched beats and the share within 50 ms.

    scripts/beat_latency.py [--dir CLIPS] [--clips N] [--speed S] [--config BOARD.toml | --no-beat-model] [BINARY]

--dir takes any labelled folder (default the dev corpus): choose settings on generated clips.

The beat network runs with the board profile's pulse, beat lead and hold (defaults: 16 frames,
60 ms plus the pulse less a frame with the network: 210 ms; beats leave 20 ms before their
time).
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEV = os.path.join(ROOT, "..", "shared", "corpus", "dev")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=DEV, help="labelled clips (labels.csv, .beats)")
    ap.add_argument("--clips", type=int, default=4, help="clips, one per style in turn")
    ap.add_argument("--speed", type=float, default=1.0)
    ap.add_argument("--config", help="board profile (its beat_pulse, beat_lead_ms and beat_share)")
    ap.add_argument("--no-beat-model", action="store_true", help="DSP activations only, no embedding network")
    ap.add_argument("binary", nargs="?", default=os.path.join(ROOT, "target/release/neckend"))
    args = ap.parse_args()
    with open(os.path.join(args.dir, "labels.csv")) as f:
        rows = list(csv.DictReader(f))
    seen, clips = set(), []
    for r in rows:
        if r["style"] not in seen:
            seen.add(r["style"])
            clips.append(r["file"])
        if len(clips) == args.clips:
            break
    latencies = []
    with tempfile.TemporaryDirectory() as work:
        for clip in clips:
            events = os.path.join(work, clip + ".jsonl")
            subprocess.run(
                [args.binary, "--no-mqtt", "--no-model", "--store", os.path.join(work, "s.sled"),
                 *(["--config", args.config] if args.config else []),
                 *(["--no-beat-model", "--no-embed-model"] if args.no_beat_model
                   else ["--beat-model", os.path.join(ROOT, "models", "beat-tcn-v3.onnx"),
                         "--embed-model", os.path.join(ROOT, "models", "embed-cnn-v2.onnx")]),
                 "--force", "--realtime", "--speed", str(args.speed), "--events", events,
                 "--input", os.path.join(args.dir, clip)],
                check=True, stderr=subprocess.DEVNULL)
            beats = [json.loads(l) for l in open(events)]
            beats = [b for b in beats if b["event"] == "beat"]
            truth = [float(l.split()[0]) for l in open(os.path.join(args.dir, os.path.splitext(clip)[0] + ".beats"))]
            clip_lat = []
            for b in beats:
                t = min(truth, key=lambda x: abs(x - b["time"]))
                if abs(t - b["time"]) <= 0.07:
                    # lag is wall ms; at speed S one audio ms takes 1/S wall ms.
                    clip_lat.append(b["lag_ms"] * args.speed + (b["time"] - t) * 1000.0)
            print(f"{clip}: {len(clip_lat)} matched beats, median {statistics.median(clip_lat):.1f} ms")
            latencies += clip_lat
    latencies.sort()
    q = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))]
    within = sum(1 for x in latencies if x <= 50.0) / len(latencies)
    print(f"all: {len(latencies)} beats, median {statistics.median(latencies):.1f} ms, "
          f"p90 {q(0.9):.1f} ms, p95 {q(0.95):.1f} ms, within 50 ms {100 * within:.1f} %")


if __name__ == "__main__":
    main()
