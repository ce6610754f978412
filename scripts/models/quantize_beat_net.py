#!/usr/bin/env python3
"""Make the int8 variant of a float beat network with ONNX Runtime's static quantization.

Weights and activations become int8 (QDQ format: QuantizeLinear/DequantizeLinear pairs around
each Conv, which tract folds into integer convolutions). Activation ranges are calibrated on
excerpts of *training* clips' bands (never dev).

usage: quantize_beat_net.py FLOAT.onnx OUT_INT8.onnx BANDS_DIR [--clips N] [--frames F]
"""
import argparse
import glob
import os

import numpy as np
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat,
                                      QuantType, quantize_static)
from onnxruntime.quantization.shape_inference import quant_pre_process

def read_bands(path):
    """The dump_bands format: u32 frames, u32 bands, then float16 values (as training)."""
    raw = open(path, "rb").read()
    n, m = np.frombuffer(raw[:8], dtype="<u4")
    return np.frombuffer(raw[8:], dtype="<f2").reshape(int(n), int(m)).astype(np.float32)


class BandReader(CalibrationDataReader):
    def __init__(self, files, frames):
        self.items = []
        for path in files:
            x = read_bands(path)
            self.items.append({"bands": x[:frames][None]})
        self.it = iter(self.items)

    def get_next(self):
        return next(self.it, None)


def pick(items, count):
    """A fixed random choice of calibration items (seed 0), in their order."""
    rng = np.random.default_rng(0)
    return [items[i] for i in sorted(rng.choice(len(items), min(count, len(items)),
                                                replace=False))]


def quantize(float_model, out, reader, per_channel=False, op_types=None):
    """ONNX Runtime static QDQ quantization: int8 weights, uint8 activations, ranges from the
    99.99th percentile of what `reader` feeds; `op_types` limits which operators get QDQ."""
    pre = out + ".pre.onnx"
    quant_pre_process(float_model, pre)
    quantize_static(pre, out, reader, quant_format=QuantFormat.QDQ, per_channel=per_channel,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    calibrate_method=CalibrationMethod.Percentile,
                    extra_options={"CalibPercentile": 99.99},
                    **({"op_types_to_quantize": op_types} if op_types else {}))
    os.remove(pre)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("float_model")
    ap.add_argument("out")
    ap.add_argument("bands_dir")
    ap.add_argument("--clips", type=int, default=48)
    ap.add_argument("--frames", type=int, default=3000)
    ap.add_argument("--per-channel", action="store_true")
    args = ap.parse_args()
    files = sorted(glob.glob(os.path.join(args.bands_dir, "*.bands")))
    if not files:
        raise SystemExit(f"{args.bands_dir}: no .bands files (run the dump_bands example)")
    chosen = pick(files, args.clips)
    quantize(args.float_model, args.out, BandReader(chosen, args.frames), args.per_channel)
    print(f"{args.out}: {os.path.getsize(args.out)} bytes from {len(chosen)} calibration clips")


if __name__ == "__main__":
    main()
