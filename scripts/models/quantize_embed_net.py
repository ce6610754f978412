#!/usr/bin/env python3
"""Make the int8 variant of the float embedding network with ONNX Runtime's static quantization
(QDQ around the convolutions and dense layers: int8 weights, uint8 activations, ranges
calibrated on log-mel patches of *training* clips, never dev).

usage: quantize_embed_net.py FLOAT.onnx OUT_INT8.onnx CLIP_DIR [--clips N]
"""
import argparse
import csv
import os

from onnxruntime.quantization import CalibrationDataReader

import mel
from quantize_beat_net import pick, quantize
from train_embed_net import patches


PATCHES = 8  # per calibration item: ORT stacks the items, so they must be the same size


class PatchReader(CalibrationDataReader):
    def __init__(self, clips):
        self.items = [{"mel": p[:PATCHES]} for p in (patches(mel.log_mel(c)) for c in clips)
                      if len(p) >= PATCHES]
        self.it = iter(self.items)

    def get_next(self):
        return next(self.it, None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("float_model")
    ap.add_argument("out")
    ap.add_argument("clip_dir")
    ap.add_argument("--clips", type=int, default=48)
    ap.add_argument("--per-channel", action="store_true")
    args = ap.parse_args()
    rows = list(csv.DictReader(open(os.path.join(args.clip_dir, "labels.csv"))))
    chosen = pick([os.path.join(args.clip_dir, r["file"]) for r in rows], args.clips)
    # Only the convolutions and dense layers: quantizing every tensor puts the concatenated
    # mean- and max-pooled features on one uint8 scale, where the small means vanish
    # (embedding cosine 0.33 instead of 0.99).
    quantize(args.float_model, args.out, PatchReader(chosen), args.per_channel,
             op_types=["Conv", "Gemm"])
    print(f"{args.out}: {os.path.getsize(args.out)} bytes from {len(chosen)} calibration clips")

if __name__ == "__main__":
    main()
