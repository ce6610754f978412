#!/usr/bin/env python3
"""Puts a causal beat network and an offline (centred) one, both exported by
train_beat_net.py, into one ONNX file over the same input: output `activation` is the causal
network's (the daemon streams it for live beats), output `offline` the centred one's (whole
pieces: `necken analyze` and each segment the daemon stores). necken-models reads either kind
of file; one file keeps the pair under one name and checksum, so stored tracks name both.

usage: pair_beat_nets.py CAUSAL.onnx OFFLINE.onnx OUT.onnx [--check BANDS_FILE]
--check runs the pair with onnxruntime on a dumped .bands file and compares each output with
its network run alone.
"""
import argparse
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_beat_net import BeatTCN, read_bands  # noqa: E402


def load_net(path, centred):
    weights = {i.name: numpy_helper.to_array(i) for i in onnx.load(path).graph.initializer}
    bands = weights["mean"].shape[0]
    channels = weights["inp.weight"].shape[0]
    levels = len({k.split(".")[1] for k in weights if k.startswith("blocks.")})
    net = BeatTCN(bands, channels, levels, centred=centred)
    state = net.state_dict()
    missing = [k for k in state if k not in weights]
    if missing:
        raise SystemExit(f"{path}: no {missing} (not a network of train_beat_net.py?)")
    net.load_state_dict({k: torch.from_numpy(weights[k].copy()) for k in state})
    return net.eval()


class Pair(nn.Module):
    def __init__(self, causal, offline):
        super().__init__()
        self.causal = causal
        self.offline = offline

    def forward(self, bands):
        return self.causal(bands), self.offline(bands)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("causal")
    ap.add_argument("offline")
    ap.add_argument("out")
    ap.add_argument("--check")
    args = ap.parse_args()
    pair = Pair(load_net(args.causal, False), load_net(args.offline, True)).eval()
    example = torch.zeros(1, 500, pair.causal.mean.shape[0])
    torch.onnx.export(pair, (example,), args.out, input_names=["bands"],
                      output_names=["activation", "offline"],
                      dynamic_axes={"bands": {1: "frames"}, "activation": {1: "frames"},
                                    "offline": {1: "frames"}},
                      opset_version=17, dynamo=False)
    print(f"wrote {args.out}")
    if args.check:
        import onnxruntime as ort
        x = read_bands(args.check)[None]
        both = ort.InferenceSession(args.out).run(None, {"bands": x})
        for name, path, got in (("activation", args.causal, both[0]),
                                ("offline", args.offline, both[1])):
            alone = ort.InferenceSession(path).run(None, {"bands": x})[0]
            diff = float(np.abs(alone - got).max())
            print(f"{name}: max difference from {os.path.basename(path)} alone {diff:.2e}")
            if diff > 1e-5:
                raise SystemExit(f"{name} differs from {path}")


if __name__ == "__main__":
    main()
