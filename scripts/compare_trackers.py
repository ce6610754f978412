#!/usr/bin/env python3
"""Side-by-side beat tracking on a labelled folder: librosa.beat.beat_track and aubio's tempo
tracker (beats only, no bar numbers), next to necken's exported beats. Writes one .beats folder
per tool, scores each with the shared scorer and prints the means per style.

Not part of the product; needs `pip install librosa aubio` (plus the scorer's numpy, scipy,
mir_eval).

usage: scripts/compare_trackers.py NECKEN_BEATS_DIR [CLIP_DIR] [--out DIR]
"""
import argparse
import glob
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEV = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "corpus", "dev"))


def audio_files(clip_dir):
    out = []
    for ext in ("ogg", "flac", "mp3", "wav"):
        out += glob.glob(os.path.join(clip_dir, f"*.{ext}"))
    return sorted(out)


def librosa_beats(path):
    import librosa
    y, sr = librosa.load(path, sr=22050, mono=True)
    _, frames = librosa.beat.beat_track(y=y, sr=sr)
    return librosa.frames_to_time(frames, sr=sr)


def aubio_beats(path):
    # The PyPI build of aubio reads only WAV, so the audio is decoded by librosa and fed in
    # hops.
    import aubio
    import librosa
    import numpy as np
    hop, win, sr = 512, 1024, 44100
    y, _ = librosa.load(path, sr=sr, mono=True)
    y = np.ascontiguousarray(y, dtype=np.float32)
    tracker = aubio.tempo("default", win, hop, sr)
    beats = []
    for i in range(0, len(y) - hop + 1, hop):
        if tracker(y[i:i + hop])[0]:
            beats.append(tracker.get_last_s())
    return beats


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("necken_beats")
    ap.add_argument("clip_dir", nargs="?", default=DEV)
    ap.add_argument("--out", default="/tmp/necken-compare")
    args = ap.parse_args()
    tools = {"librosa": librosa_beats, "aubio": aubio_beats}
    skip = {name for name in tools if os.path.isdir(os.path.join(args.out, name)) and
            len(os.listdir(os.path.join(args.out, name))) == len(audio_files(args.clip_dir))}
    dirs = {"necken": args.necken_beats}
    for name, fn in tools.items():
        d = os.path.join(args.out, name)
        if name in skip:
            print(f"{name}: reusing {d}", file=sys.stderr)
            dirs[name] = d
            continue
        os.makedirs(d, exist_ok=True)
        start = time.time()
        files = audio_files(args.clip_dir)
        for f in files:
            stem = os.path.splitext(os.path.basename(f))[0]
            with open(os.path.join(d, stem + ".beats"), "w") as out:
                for t in fn(f):
                    out.write(f"{t:.3f}\n")
        print(f"{name}: {len(files)} clips in {time.time() - start:.1f} s", file=sys.stderr)
        dirs[name] = d
    for name, d in dirs.items():
        print(f"\n== {name}")
        subprocess.run([sys.executable, os.path.join(HERE, "score_by_style.py"), d, args.clip_dir,
                        "--json", os.path.join(args.out, f"{name}.json")], check=True)


if __name__ == "__main__":
    main()
