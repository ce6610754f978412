#!/usr/bin/env python3
"""Compares two neckend event logs (--events) of the same input, e.g. the x86-64 and the
aarch64 build: same beats (times within 1 ms, same numbers), same stored track (id, style,
beats, tempo within 0.1 bpm). FFT rounding differs between SIMD back ends, so times are
compared with a tolerance, not bit for bit. Exit status 1 on a mismatch."""
import json
import sys


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main(a_path, b_path):
    a, b = load(a_path), load(b_path)
    problems = []
    beats_a = [e for e in a if e["event"] == "beat"]
    beats_b = [e for e in b if e["event"] == "beat"]
    if len(beats_a) != len(beats_b):
        problems.append(f"beat count {len(beats_a)} vs {len(beats_b)}")
    for x, y in zip(beats_a, beats_b):
        if abs(x["time"] - y["time"]) > 0.001 or x["beat"] != y["beat"]:
            problems.append(f"beat {x['time']}/{x['beat']} vs {y['time']}/{y['beat']}")
            break
    tracks_a = [e for e in a if e["event"] == "track"]
    tracks_b = [e for e in b if e["event"] == "track"]
    if len(tracks_a) != len(tracks_b) or not tracks_a:
        problems.append(f"track count {len(tracks_a)} vs {len(tracks_b)}")
    for x, y in zip(tracks_a, tracks_b):
        for key in ("id", "style", "beats", "beats_per_bar"):
            if x[key] != y[key]:
                problems.append(f"track {key}: {x[key]} vs {y[key]}")
        if abs((x["tempo_bpm"] or 0) - (y["tempo_bpm"] or 0)) > 0.1:
            problems.append(f"track tempo {x['tempo_bpm']} vs {y['tempo_bpm']}")
    styles_a = [e["style"] for e in a if e["event"] == "style"]
    styles_b = [e["style"] for e in b if e["event"] == "style"]
    if styles_a != styles_b:
        problems.append(f"styles {styles_a} vs {styles_b}")
    if problems:
        print("MISMATCH between", a_path, "and", b_path)
        for p in problems:
            print("  " + p)
        sys.exit(1)
    print(f"match: {len(beats_a)} beats, {len(tracks_a)} track(s), styles {styles_a}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
