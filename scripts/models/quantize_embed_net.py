#!/usr/bin/env python3
"""Make the int8 variant of the float embedding network with ONNX Runtime's static quantization
(QDQ around the convolutions and dense layers: int8 weights, uint8 activations, ranges
calibrated on log-mel patches of *training* clips, never dev).

usage: quantize_embed_net.py FLOAT.onnx OUT_INT8.onnx CLIP_DIR [--clips N]
"""
import argparse
import csv
import os

import numpy as np
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat,
                                      QuantType, quantize_static)
from onnxruntime.quantization.shape_inference import quant_pre_process

import mel
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
    rng = np.random.default_rng(0)
    pick = [os.path.join(args.clip_dir, rows[i]["file"])
            for i in sorted(rng.choice(len(rows), min(args.clips, len(rows)), replace=False))]
    pre = args.out + ".pre.onnx"
    quant_pre_process(args.float_model, pre)
    quantize_static(pre, args.out, PatchReader(pick), quant_format=QuantFormat.QDQ,
                    per_channel=args.per_channel, activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.Percentile,
                    extra_options={"CalibPercentile": 99.99},
                    # Only the convolutions and dense layers: quantizing every tensor puts
                    # the concatenated mean- and max-pooled features on one uint8 scale, where
                    # the small means vanish (embedding cosine 0.33 instead of 0.99).
                    op_types_to_quantize=["Conv", "Gemm"])
    os.remove(pre)
    print(f"{args.out}: {os.path.getsize(args.out)} bytes from {len(pick)} calibration clips")


if __name__ == "__main__":
    main()
