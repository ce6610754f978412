#!/usr/bin/env python3
"""Picks the embedding test's fixture clips from a generated validation set (never dev): a vocal
Ogg Vorbis clip and an instrumental FLAC clip, cut to their first 10 s (re-encoded in the same
format) so the repository stays small, and labels.csv (file, style, vocal) for them and the
demo clip.

usage: make_embed_fixtures.py CLIP_DIR OUT_DIR
"""
import csv
import os
import sys

import soundfile as sf

SECONDS = 10.0


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    rows = list(csv.DictReader(open(os.path.join(src, "labels.csv"))))
    wanted = [("1", "ogg", "VORBIS"), ("0", "flac", "PCM_16")]
    labels = open(os.path.join(out, "labels.csv"), "w")
    labels.write("file,style,vocal\ndemo_polska.ogg,polska,0\n")
    for vocal, fmt, subtype in wanted:
        row = next(r for r in rows if r["vocal"] == vocal and r["format"] == fmt)
        x, sr = sf.read(os.path.join(src, row["file"]), always_2d=True)
        x = x[: int(SECONDS * sr)]
        dst = os.path.join(out, row["file"])
        sf.write(dst, x, sr, format=fmt.upper(), subtype=subtype)
        labels.write(f"{row['file']},{row['style']},{vocal}\n")
        print(f"{dst}: {row['style']}, vocal={vocal}, {sr} Hz, {x.shape[1]} channel(s)")


if __name__ == "__main__":
    main()
