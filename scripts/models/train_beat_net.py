#!/usr/bin/env python3
"""Trains necken's beat/downbeat activation network: a small causal TCN over the front end's
log band magnitudes (71 bands, 100 frames/s; `dump_bands` writes them), predicting per frame
the probability of a beat and of a downbeat. Causal, so the daemon can run it frame by frame;
with --centred each convolution looks as far ahead as back (an offline network: a stored
track's analysis has the whole segment).

Data: clips rendered by ../shared/corpus/tools/make_train.py (never ../shared/corpus/dev).

    train_beat_net.py --train BANDS_DIR:CLIP_DIR [...] --valid BANDS_DIR:CLIP_DIR
                      --out models/beat-tcn-v1 [--steps N] [--seed S]
                      [--init NET.onnx --max-lr LR] [--centred] [--predict BANDS_DIR OUT_DIR ...]

Writes OUT.onnx (float, input "bands" [1, T, 71] raw log magnitudes; the normalization is
inside the graph; output "activation" [1, T, 2] = beat, downbeat probabilities), OUT.pt and a
JSON summary. --predict writes <stem>.act (f32 beat, downbeat per frame) for evaluation.
--init starts from a network this script exported (its weights and its input normalization,
which stays as it was, so the weights keep meaning what they meant): fine-tuning on more data.
"""
import argparse
import glob
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FPS = 100


def read_bands(path):
    raw = open(path, "rb").read()
    n, m = np.frombuffer(raw[:8], dtype="<u4")
    return np.frombuffer(raw[8:], dtype="<f2").reshape(int(n), int(m)).astype(np.float32)


def read_targets(beats_path, n, uneven_weight=1.0):
    """Per frame: beat and downbeat targets, and the weight of the beat target (the beats
    after the downbeat of three-beat bars, where uneven bars put them, count `uneven_weight`
    times)."""
    beat = np.zeros(n, np.float32)
    down = np.zeros(n, np.float32)
    weight = np.ones(n, np.float32)
    lines = [l.split() for l in open(beats_path)]
    lines = [p for p in lines if p]
    ternary = max((int(float(p[1])) for p in lines if len(p) > 1), default=0) == 3
    for parts in lines:
        f = int(round(float(parts[0]) * FPS))
        is_down = len(parts) > 1 and int(float(parts[1])) == 1
        if ternary and not is_down:
            for d in (-1, 0, 1):
                if 0 <= f + d < n:
                    weight[f + d] = uneven_weight
        # Targets widened to the neighbouring frames (half weight): beat times are exact, the
        # frame grid is not.
        for d, w in ((0, 1.0), (-1, 0.5), (1, 0.5)):
            if 0 <= f + d < n:
                beat[f + d] = max(beat[f + d], w)
                if is_down:
                    down[f + d] = max(down[f + d], w)
    return np.stack([beat, down, weight], axis=1)


def load(pairs, uneven_weight=1.0):
    data = []
    for pair in pairs:
        bands_dir, clip_dir = pair.split(":")
        for bp in sorted(glob.glob(os.path.join(bands_dir, "*.bands"))):
            stem = os.path.basename(bp)[: -len(".bands")]
            beats = os.path.join(clip_dir, stem + ".beats")
            if not os.path.exists(beats):
                continue
            x = read_bands(bp)
            data.append((x, read_targets(beats, len(x), uneven_weight)))
    return data


class CausalBlock(nn.Module):
    """A residual dilated convolution; causal (it sees only the past), or centred (as far into
    the future as into the past) for the offline network."""

    def __init__(self, ch, dilation, dropout, centred=False):
        super().__init__()
        self.pad = (dilation, dilation) if centred else (2 * dilation, 0)
        self.conv = nn.Conv1d(ch, ch, 3, dilation=dilation)
        self.mix = nn.Conv1d(ch, ch, 1)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        y = self.conv(F.pad(x, self.pad))
        y = self.mix(self.drop(F.elu(y)))
        return x + y


class BeatTCN(nn.Module):
    """Input [B, T, bands] raw log magnitudes → [B, T, 2] probabilities."""

    def __init__(self, bands, ch=32, levels=9, dropout=0.1, centred=False):
        super().__init__()
        self.register_buffer("mean", torch.zeros(bands))
        self.register_buffer("std", torch.ones(bands))
        self.inp = nn.Conv1d(bands, ch, 1)
        self.blocks = nn.Sequential(*[CausalBlock(ch, 2 ** i, dropout, centred) for i in range(levels)])
        self.out = nn.Conv1d(ch, 2, 1)

    def forward(self, bands):
        x = ((bands - self.mean) / self.std).transpose(1, 2)
        x = self.blocks(F.elu(self.inp(x)))
        return torch.sigmoid(self.out(x)).transpose(1, 2)


def batches(data, rng, batch, length):
    while True:
        xs, ys = [], []
        for _ in range(batch):
            x, y = data[rng.integers(len(data))]
            if len(x) <= length:
                start = 0
            else:
                start = rng.integers(len(x) - length)
            xs.append(x[start : start + length])
            ys.append(y[start : start + length])
        n = min(len(a) for a in xs)
        yield (torch.from_numpy(np.stack([a[:n] for a in xs])),
               torch.from_numpy(np.stack([a[:n] for a in ys])))


def loss_fn(pred, target):
    # Beats are ~3 % of frames, downbeats ~1 %: weight the positives up. The third column
    # weighs the beat target of each frame (1 unless --uneven-weight).
    y, extra = target[..., :2], target[..., 2:]
    w = 1.0 + y * torch.tensor([8.0, 16.0])
    w = w * torch.cat([extra, torch.ones_like(extra)], dim=-1)
    return F.binary_cross_entropy(pred.clamp(1e-6, 1 - 1e-6), y, weight=w)


def evaluate(model, data):
    model.eval()
    total, n = 0.0, 0
    with torch.no_grad():
        for x, y in data:
            p = model(torch.from_numpy(x)[None])
            total += float(loss_fn(p, torch.from_numpy(y)[None])) * len(x)
            n += len(x)
    model.train()
    return total / max(n, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", nargs="+", required=True)
    ap.add_argument("--valid", nargs="+", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--length", type=int, default=1200)
    ap.add_argument("--channels", type=int, default=32)
    ap.add_argument("--levels", type=int, default=9)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--predict", nargs="*", default=[])
    ap.add_argument("--init", default=None)
    ap.add_argument("--max-lr", type=float, default=3e-3)
    ap.add_argument("--uneven-weight", type=float, default=1.0)
    ap.add_argument("--centred", action="store_true",
                    help="an offline network: each convolution sees as far ahead as back")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    torch.set_num_threads(os.cpu_count() or 1)

    # Validation keeps weight 1, so losses stay comparable across weights.
    train, valid = load(args.train, args.uneven_weight), load(args.valid)
    print(f"train {len(train)} clips ({sum(len(x) for x, _ in train) / FPS / 3600:.2f} h), "
          f"valid {len(valid)} clips")
    bands = train[0][0].shape[1]
    model = BeatTCN(bands, args.channels, args.levels, centred=args.centred)
    allx = np.concatenate([x for x, _ in train])
    model.mean.copy_(torch.from_numpy(allx.mean(0)))
    model.std.copy_(torch.from_numpy(allx.std(0) + 1e-3))
    if args.init:
        import onnx
        from onnx import numpy_helper
        weights = {i.name: numpy_helper.to_array(i) for i in onnx.load(args.init).graph.initializer}
        state = model.state_dict()
        missing = [k for k in state if k not in weights]
        if missing:
            raise SystemExit(f"{args.init}: no {missing} (not a network of this script?)")
        model.load_state_dict({k: torch.from_numpy(weights[k].copy()) for k in state})
        print(f"initialized from {args.init}; valid {evaluate(model, valid):.4f}", flush=True)
    params = sum(p.numel() for p in model.parameters())
    reach = 2 * (2 ** args.levels - 1)
    field = f"±{reach // 2}" if args.centred else f"{1 + reach}"
    print(f"{params} parameters, receptive field {field} frames")
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.max_lr, total_steps=args.steps)
    gen = batches(train, rng, args.batch, args.length)
    start = time.time()
    best = (float("inf"), None)
    for step in range(1, args.steps + 1):
        x, y = next(gen)
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 250 == 0 or step == args.steps:
            v = evaluate(model, valid)
            print(f"step {step} train {float(loss):.4f} valid {v:.4f} "
                  f"({time.time() - start:.0f} s)", flush=True)
            if v < best[0]:
                best = (v, {k: t.clone() for k, t in model.state_dict().items()})
    model.load_state_dict(best[1])
    model.eval()
    torch.save(model.state_dict(), args.out + ".pt")
    example = torch.from_numpy(valid[0][0][:500])[None]
    torch.onnx.export(model, (example,), args.out + ".onnx", input_names=["bands"],
                      output_names=["activation"],
                      dynamic_axes={"bands": {1: "frames"}, "activation": {1: "frames"}},
                      opset_version=17, dynamo=False)
    summary = {"parameters": params, "valid_loss": best[0], "steps": args.steps,
               "train": args.train, "valid": args.valid, "seed": args.seed,
               "channels": args.channels, "levels": args.levels, "bands": bands,
               "init": args.init, "centred": args.centred, "max_lr": args.max_lr, "uneven_weight": args.uneven_weight,
               "train_seconds": round(time.time() - start)}
    json.dump(summary, open(args.out + ".json", "w"), indent=1)
    print(summary)
    pairs = args.predict
    for i in range(0, len(pairs), 2):
        src, dst = pairs[i], pairs[i + 1]
        os.makedirs(dst, exist_ok=True)
        with torch.no_grad():
            for bp in sorted(glob.glob(os.path.join(src, "*.bands"))):
                p = model(torch.from_numpy(read_bands(bp))[None])[0].numpy()
                stem = os.path.basename(bp)[: -len(".bands")]
                p.astype("<f4").tofile(os.path.join(dst, stem + ".act"))


if __name__ == "__main__":
    main()
