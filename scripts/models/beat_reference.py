#!/usr/bin/env python3
"""PyTorch reference activations of a committed beat network for more fixture clips: the weights
are read from the ONNX file into train_beat_net's module (the names are the state_dict's), and
the clips' bands come from the Rust front end (`dump_bands`), as in training.

usage: beat_reference.py MODEL.onnx BANDS_DIR OUT_DIR   (writes <stem>.beat-tcn-v1.act)
"""
import glob
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from train_beat_net import BeatTCN, read_bands


def main():
    model_path, bands_dir, out_dir = sys.argv[1:4]
    weights = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy())
               for i in onnx.load(model_path).graph.initializer}
    bands = weights["mean"].shape[-1]
    model = BeatTCN(bands)
    model.load_state_dict({k: v.reshape(model.state_dict()[k].shape) for k, v in weights.items()
                           if k in model.state_dict()}, strict=True)
    model.eval()
    stem_id = os.path.splitext(os.path.basename(model_path))[0]
    with torch.no_grad():
        for bp in sorted(glob.glob(os.path.join(bands_dir, "*.bands"))):
            p = model(torch.from_numpy(read_bands(bp))[None])[0].numpy()
            stem = os.path.basename(bp)[: -len(".bands")]
            p.astype("<f4").tofile(os.path.join(out_dir, f"{stem}.{stem_id}.act"))
            print(stem, p.shape)


if __name__ == "__main__":
    main()
