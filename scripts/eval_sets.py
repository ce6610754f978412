#!/usr/bin/env python3
"""Dance sets: tunes following each other in one stream, as in a hall. Joins the clips of a
labelled folder three at a time (three different styles, a fixed order, GAP seconds of silence
between them; 0 = none), runs neckend on each joined stream (files, no MQTT) and measures after
every tune start how long the daemon needs until
  - beats: 8 consecutive beat events each on consecutive true beats (70 ms) with the right beat
    number (2/4 and 4/4 readings of a binary bar both count) -- tempo, meter and bar phase;
  - style: the first published style message naming the tune's style,
and whether a wrong style (not the tune's, not `unknown`) was published meanwhile; the summary
also counts the tunes within the issue's targets (beats 6 s, style 12 s).
Tunes 2 and 3 of a set are the changes; tune 1 is the start from nothing.
Report only on dev and dev-hall; tune on generated clips.

usage: eval_sets.py CLIP_DIR [--gap S] [--max-sets N] [--out DIR] [--json FILE] [-- NECKEND_ARGS...]
Needs numpy, scipy and soundfile; neckend built (target/release/neckend, or $NECKEND_BIN).
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMES = {"engelska_reel": "engelska", "ganglat_marsch": "gånglåt/marsch"}
RATE = 44100
RUN = 8
TOL = 0.07


def read_beats(path):
    out = []
    for line in open(path):
        p = line.split()
        if p:
            out.append((float(p[0]), int(float(p[1]))))
    return out


def make_sets(rows):
    """Sets of three clips of three different styles, every clip used once where possible."""
    by_style = {}
    for r in rows:
        by_style.setdefault(r["style"], []).append(r)
    order = sorted(by_style)
    pool = [r for i in range(max(len(v) for v in by_style.values()))
            for s in order for r in by_style[s][i:i + 1]]
    sets = []
    while len(pool) >= 3:
        pick = [pool.pop(0)]
        for _ in range(2):
            j = next((j for j, r in enumerate(pool) if r["style"] not in {p["style"] for p in pick}), 0)
            pick.append(pool.pop(j))
        sets.append(pick)
    return sets


def load(path):
    x, sr = sf.read(path, dtype="float64", always_2d=True)
    x = x.mean(axis=1)
    if sr != RATE:
        g = np.gcd(sr, RATE)
        x = resample_poly(x, RATE // g, sr // g)
    return x


def number_ok(num, bpb, truth_num, meter):
    if bpb == meter:
        return num == truth_num
    if {bpb, meter} == {2, 4}:
        return (num - 1) % 2 == (truth_num - 1) % 2
    return False


def beats_lock(events, truth, start, end, meter):
    """Seconds from `start` to the first of RUN consecutive right beat events, or None."""
    times = np.array([t for t, _ in truth])
    ev = [e for e in events if start - TOL <= e["time"] < end]
    ok = []
    for e in ev:
        i = int(np.argmin(np.abs(times - e["time"])))
        hit = abs(times[i] - e["time"]) <= TOL and number_ok(e["beat"], e["beats_per_bar"], truth[i][1], meter)
        ok.append(i if hit else None)
    for k in range(len(ok) - RUN + 1):
        run = ok[k:k + RUN]
        if all(i is not None for i in run) and all(b - a == 1 for a, b in zip(run, run[1:])):
            return max(0.0, ev[k]["time"] - start)
    return None


def style_lock(styles, truth, start, end):
    """(seconds to the first right style message, wrong styles published before it)."""
    wrong = 0
    for s in styles:
        # neckend before 2026-12-02 did not date its style messages: no style result then.
        if "time" not in s or not start <= s["time"] < end:
            continue
        if s["style"] == truth:
            return s["time"] - start, wrong
        if s["style"] not in (None, "unknown"):
            wrong += 1
    return None, wrong


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    ap = argparse.ArgumentParser()
    ap.add_argument("clips")
    ap.add_argument("--gap", type=float, default=0.0)
    ap.add_argument("--out", default=None)
    ap.add_argument("--json", default=None)
    ap.add_argument("--max-sets", type=int, default=None)
    a = ap.parse_args(argv)
    clips = os.path.abspath(a.clips)
    out = a.out or f"/tmp/necken-sets-{os.path.basename(clips)}-gap{a.gap:g}"
    os.makedirs(out, exist_ok=True)
    rows = list(csv.DictReader(open(os.path.join(clips, "labels.csv"))))
    binary = os.environ.get("NECKEND_BIN") or os.path.join(ROOT, "target/release/neckend")
    results = []
    for n, tunes in enumerate(make_sets(rows)[:a.max_sets]):
        audio, truth, spans, t0 = [], [], [], 0.0
        for k, r in enumerate(tunes):
            if k > 0 and a.gap > 0:
                audio.append(np.zeros(int(a.gap * RATE)))
                t0 += a.gap
            x = load(os.path.join(clips, r["file"]))
            beats = [(t + t0, b) for t, b in read_beats(os.path.join(clips, r["clip"] + ".beats"))]
            spans.append((t0, t0 + len(x) / RATE, r, beats))
            audio.append(x)
            t0 += len(x) / RATE
        joined = np.concatenate(audio)
        wav = os.path.join(out, f"set{n:02d}.wav")
        sf.write(wav, joined / max(1.0, np.max(np.abs(joined))), RATE, subtype="PCM_16")
        events = os.path.join(out, f"set{n:02d}.jsonl")
        subprocess.run([binary, "--no-mqtt", "--store", os.path.join(out, "store.sled"), "--force",
                        "--events", events, "--input", wav, *extra],
                       cwd=ROOT, check=True, stderr=subprocess.DEVNULL)
        ev = [json.loads(l) for l in open(events)]
        beats = [e for e in ev if e["event"] == "beat"]
        styles = [e for e in ev if e["event"] == "style"]
        for k, (start, end, r, tb) in enumerate(spans):
            meter = int(r["meter"])
            truth_style = NAMES.get(r["style"], r["style"])
            tb_lock = beats_lock(beats, tb, start, end, meter)
            ts_lock, wrong = style_lock(styles, truth_style, start, end)
            results.append(dict(set=n, tune=k, clip=r["clip"], style=r["style"], duration=end - start,
                                beats_s=tb_lock, style_s=ts_lock, wrong_styles=wrong))
            print(f"set {n:2d} tune {k} {r['style']:15} beats "
                  f"{'never' if tb_lock is None else f'{tb_lock:5.1f} s'}  style "
                  f"{'never' if ts_lock is None else f'{ts_lock:5.1f} s'}  wrong styles before {wrong}",
                  flush=True)
    summary = {}
    for name, sel in (("start", lambda r: r["tune"] == 0), ("change", lambda r: r["tune"] > 0)):
        rs = [r for r in results if sel(r)]
        # A tune never locked counts as its whole length (the median stays honest).
        b = [r["beats_s"] if r["beats_s"] is not None else r["duration"] for r in rs]
        s = [r["style_s"] if r["style_s"] is not None else r["duration"] for r in rs]
        # The median of ~50 changes can sit between a fast and a slow group; the shares within
        # the targets (beats 6 s, style 12 s) move steadily with either.
        summary[name] = dict(
            n=len(rs), beats_median_s=statistics.median(b), style_median_s=statistics.median(s),
            beats_within_6s=sum(x <= 6.0 for x in b), style_within_12s=sum(x <= 12.0 for x in s),
            beats_never=sum(r["beats_s"] is None for r in rs),
            style_never=sum(r["style_s"] is None for r in rs),
            with_wrong_style=sum(r["wrong_styles"] > 0 for r in rs))
        m = summary[name]
        print(f"{name:6} n={m['n']:2}  beats median {m['beats_median_s']:.1f} s (never {m['beats_never']})  "
              f"style median {m['style_median_s']:.1f} s (never {m['style_never']})  "
              f"tunes with a wrong style first {m['with_wrong_style']}  "
              f"within 6 s / 12 s: beats {m['beats_within_6s']}, style {m['style_within_12s']}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(dict(gap=a.gap, summary=summary, tunes=results), f, indent=1)


if __name__ == "__main__":
    main()
