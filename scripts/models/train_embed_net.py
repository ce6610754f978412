#!/usr/bin/env python3
"""Trains necken's embedding network: a small CNN over 3-second log-mel patches (mel.py: 96 bands,
62.5 frames/s, 187 frames a patch) giving a 200-dimensional embedding per patch and
instrumental/vocal probabilities. The embedding is the layer the style and vocal heads read, so
it is trained to separate dance styles and singing; only the vocal head is exported with it.

Data: clips rendered by ../shared/corpus/tools/make_train.py (never ../shared/corpus/dev), with
`--vocal-fraction` for the vocal labels.

    train_embed_net.py --train CLIP_DIR [...] --valid CLIP_DIR [...] --out PREFIX
                       [--steps N] [--seed S] [--cache DIR] [--predict OUT_DIR CLIP ...]

Writes PREFIX.onnx (float; input "mel" [patches, 96, 187] log-compressed mel, normalized
inside the graph; outputs "embedding" [patches, 200] and "vocal" [patches, 2] = softmax
(instrumental, vocal)), PREFIX.pt and PREFIX.json (summary). --predict writes, per clip,
<stem>.embref: the reference the Rust test compares with (see write_reference).
"""
import argparse
import csv
import glob
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import mel

PATCH = 187
DIM = 200
STYLES = ["polska", "hambo", "vals", "mazurka", "schottis", "engelska_reel", "polka",
          "ganglat_marsch"]


def clip_mel_power(path, cache):
    """Mel power of a clip, cached as .npy (the front end is the slow part of loading)."""
    if cache:
        os.makedirs(cache, exist_ok=True)
        # The hall variants keep their source's file names: the folder is part of the key.
        folder = os.path.basename(os.path.dirname(os.path.abspath(path)))
        c = os.path.join(cache, f"{folder}--{os.path.basename(path)}.npy")
        if os.path.exists(c):
            return np.load(c)
    p = mel.mel_power(mel.load_16k(path)).astype(np.float32)
    if cache:
        np.save(c, p)
    return p


def load(dirs, cache):
    data = []
    for d in dirs:
        for row in csv.DictReader(open(os.path.join(d, "labels.csv"))):
            p = clip_mel_power(os.path.join(d, row["file"]), cache)
            if len(p) < PATCH:
                continue
            data.append((p, STYLES.index(row["style"]), int(row.get("vocal", "0") or 0)))
    return data


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.max_pool2d(F.relu(self.bn(self.conv(x))), 2)


class EmbedNet(nn.Module):
    def __init__(self, mean, std, widths=(8, 16, 32, 64), dropout=0.3):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32)[:, None])
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32)[:, None])
        chans = (1,) + tuple(widths)
        self.blocks = nn.Sequential(*[Block(a, b) for a, b in zip(chans[:-1], chans[1:])])
        self.embed = nn.Linear(2 * widths[-1], DIM)
        self.drop = nn.Dropout(dropout)
        self.style = nn.Linear(DIM, len(STYLES))
        self.vocal = nn.Linear(DIM, 2)

    def trunk(self, x):
        x = ((x - self.mean) / self.std)[:, None]
        h = self.blocks(x)
        return self.embed(torch.cat([h.mean(dim=(2, 3)), h.amax(dim=(2, 3))], dim=1))

    def heads(self, e):
        h = self.drop(F.relu(e))
        return self.style(h), self.vocal(h)

    def forward(self, x):
        e = self.trunk(x)
        _, v = self.heads(e)
        return e, F.softmax(v, dim=1)


def batch(data, rng, n, augment):
    xs, ys, vs = [], [], []
    for i in rng.integers(len(data), size=n):
        p, s, v = data[i]
        t = rng.integers(len(p) - PATCH + 1)
        x = p[t:t + PATCH]
        # Level changes of -20..+6 dB: live input has no fixed gain.
        gain = 10 ** (rng.uniform(-2.0, 0.6)) if augment else 1.0
        xs.append(mel.compress(x * gain).T)
        ys.append(s)
        vs.append(v)
    return (torch.from_numpy(np.stack(xs).astype(np.float32)), torch.tensor(ys),
            torch.tensor(vs))


def patches(log_mel):
    """The inference patches: whole 187-frame patches from the start; a clip shorter than one
    patch gets one patch padded with silence (log-mel 0)."""
    n = len(log_mel) // PATCH
    if n == 0:
        pad = np.zeros((PATCH, mel.N_MELS), np.float32)
        pad[:len(log_mel)] = log_mel
        return pad.T[None]
    return np.stack([log_mel[k * PATCH:(k + 1) * PATCH].T for k in range(n)])


def evaluate(model, data):
    model.eval()
    style_ok = vocal_ok = count = 0
    clip_style_ok = clip_vocal_ok = 0
    with torch.no_grad():
        for p, s, v in data:
            x = torch.from_numpy(patches(mel.compress(p).astype(np.float32)))
            e = model.trunk(x)
            ls, lv = model.heads(e)
            style_ok += int((ls.argmax(1) == s).sum())
            vocal_ok += int((lv.argmax(1) == v).sum())
            count += len(x)
            clip_style_ok += int(F.softmax(ls, 1).mean(0).argmax() == s)
            clip_vocal_ok += int(F.softmax(lv, 1).mean(0).argmax() == v)
    model.train()
    n = len(data)
    return {"patch_style_acc": style_ok / count, "patch_vocal_acc": vocal_ok / count,
            "clip_style_acc": clip_style_ok / n, "clip_vocal_acc": clip_vocal_ok / n}


def write_reference(model, clip, out_dir, mel_frames=500):
    """<stem>.embref, little-endian: u32 frames, u32 bands, f32 log-mel [frames][bands] (the
    first `mel_frames` frames), u32 patches, u32 dim, f32 embedding [patches][dim], f32 vocal
    [patches][2]."""
    log_mel = mel.log_mel(clip)
    x = torch.from_numpy(patches(log_mel))
    with torch.no_grad():
        e, v = model(x)
    head = log_mel[:mel_frames]
    stem = os.path.splitext(os.path.basename(clip))[0]
    with open(os.path.join(out_dir, stem + ".embref"), "wb") as f:
        f.write(np.array(head.shape, "<u4").tobytes())
        f.write(head.astype("<f4").tobytes())
        f.write(np.array(e.shape, "<u4").tobytes())
        f.write(e.numpy().astype("<f4").tobytes())
        f.write(v.numpy().astype("<f4").tobytes())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", nargs="+", required=True)
    ap.add_argument("--valid", nargs="+", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=48)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cache", default=None)
    ap.add_argument("--predict", nargs="+", default=[])
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    torch.set_num_threads(2)
    start = time.time()
    train = load(args.train, args.cache)
    valid = load(args.valid, args.cache)
    print(f"{len(train)} training clips ({sum(v for _, _, v in train)} vocal), {len(valid)} "
          f"validation clips ({sum(v for _, _, v in valid)} vocal), loaded in "
          f"{time.time() - start:.0f} s", flush=True)
    sample = np.concatenate([mel.compress(p[::10]) for p, _, _ in train])
    model = EmbedNet(sample.mean(0), sample.std(0) + 1e-3)
    params = sum(p.numel() for n, p in model.named_parameters()
                 if not n.startswith("style."))
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=args.steps)
    best = (-1.0, None, None)
    for step in range(1, args.steps + 1):
        x, s, v = batch(train, rng, args.batch, True)
        ls, lv = model.heads(model.trunk(x))
        loss = F.cross_entropy(ls, s) + F.cross_entropy(lv, v)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 250 == 0 or step == args.steps:
            m = evaluate(model, valid)
            score = m["patch_style_acc"] + m["patch_vocal_acc"]
            print(f"step {step} loss {float(loss):.3f} {m} ({time.time() - start:.0f} s)",
                  flush=True)
            if score > best[0]:
                best = (score, {k: t.clone() for k, t in model.state_dict().items()}, m)
    model.load_state_dict(best[1])
    model.eval()
    torch.save(model.state_dict(), args.out + ".pt")
    example = torch.zeros(2, mel.N_MELS, PATCH)
    torch.onnx.export(model, (example,), args.out + ".onnx", input_names=["mel"],
                      output_names=["embedding", "vocal"],
                      dynamic_axes={"mel": {0: "patches"}, "embedding": {0: "patches"},
                                    "vocal": {0: "patches"}},
                      opset_version=17, dynamo=False)
    summary = {"parameters_exported": params, "valid": best[2], "steps": args.steps,
               "train_dirs": args.train, "valid_dirs": args.valid, "seed": args.seed,
               "train_clips": len(train), "valid_clips": len(valid),
               "train_seconds": round(time.time() - start)}
    json.dump(summary, open(args.out + ".json", "w"), indent=1)
    print(summary)
    if args.predict:
        out_dir, clips = args.predict[0], args.predict[1:]
        os.makedirs(out_dir, exist_ok=True)
        for clip in clips:
            write_reference(model, clip, out_dir)


if __name__ == "__main__":
    main()
