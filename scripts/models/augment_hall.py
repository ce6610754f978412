#!/usr/bin/env python3
"""Hall augmentations for TRAINING clips (never dev): what make_hall.py does, with the room, the
crowd and the microphone drawn wider, plus what a hall brings that make_hall.py leaves out.

Per clip, one variant with randomly drawn:
- a room: sox reverb with reverberance 20-95 %, HF damping, room scale, stereo depth and
  pre-delay 0-40 ms (make_hall.py uses one pre-delay-free family), sometimes a second, longer
  tail (a big hall) and early echoes (a low ceiling);
- a crowd: make_hall.py's espeak-ng babble (other voice counts and speeds) at 0-15 dB SNR, and
  sometimes pink-ish murmur (many distant voices blur into noise);
- dancers: footsteps (low thumps at a walking pace unrelated to the music's tempo, with jitter)
  and hand claps or shouts at random moments, never placed on the beat;
- a microphone chain: a cheap USB microphone (80-150 Hz to 5-8 kHz), a phone/PA chain
  (300-3400 Hz band and soft saturation) or a clipping one (hard clipping at 1-8 % of peak);
- level riding: a slow gain wobble (automatic gain pumping, a player turning) and make_hall.py's
  compander.
Writes 48 kHz 16-bit mono WAV like live capture, copies the beat files, and adds the drawn
parameters to labels.csv (columns aug_*), so a result can be broken down by condition.

usage: augment_hall.py SRC_DIR OUT_DIR [--seed N] [--jobs J]
Needs sox and espeak-ng; numpy and soundfile (the corpus tools' requirements).
"""
import argparse
import csv
import multiprocessing as mp
import pathlib
import random
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import soundfile as sf

TOOLS = pathlib.Path(__file__).resolve().parents[3] / "shared" / "corpus" / "tools"
sys.path.insert(0, str(TOOLS))
import make_hall  # noqa: E402  (its babble(): the same espeak-ng crowd)

RATE = make_hall.RATE


def sh(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def room(dry, wet, rng, info):
    reverberance = rng.randint(20, 95)
    damping = rng.randint(10, 90)
    scale = rng.randint(40, 100)
    predelay = rng.randint(0, 40)
    info.update(aug_reverb=reverberance, aug_predelay_ms=predelay)
    effects = ["reverb", str(reverberance), str(damping), str(scale), "100", str(predelay), "0"]
    if rng.random() < 0.3:
        # A low ceiling: a few early echoes before the tail.
        d1, d2 = rng.randint(15, 45), rng.randint(50, 110)
        effects = ["echo", "0.8", "0.9", str(d1), "0.3", str(d2), "0.2"] + effects
        info.update(aug_echo="yes")
    sh("sox", str(dry), str(wet), *effects)
    if rng.random() < 0.3:
        # A big hall: a second, longer tail on top.
        tail = wet.with_name("tail.wav")
        sh("sox", str(wet), str(tail), "reverb", str(rng.randint(70, 100)), "30", "100", "100", "20", "-4")
        shutil.move(tail, wet)
        info.update(aug_big_hall="yes")


def murmur(n, rng):
    """Distant crowd: noise shaped like speech (most energy 200-1500 Hz), slowly modulated."""
    white = np.random.default_rng(rng.randrange(2**32)).standard_normal(n)
    spec = np.fft.rfft(white)
    f = np.fft.rfftfreq(n, 1 / RATE)
    shape = 1 / (1 + ((f - 600) / 700) ** 2)
    x = np.fft.irfft(spec * shape, n)
    t = np.arange(n) / RATE
    x *= 1 + 0.4 * np.sin(2 * np.pi * rng.uniform(0.1, 0.5) * t + rng.uniform(0, 6.3))
    return x


def thump(rng):
    """One footstep: a short low-frequency decaying burst."""
    n = int(RATE * rng.uniform(0.04, 0.09))
    t = np.arange(n) / RATE
    f0 = rng.uniform(50, 120)
    return np.sin(2 * np.pi * f0 * t) * np.exp(-t * rng.uniform(30, 60))


def clap(rng):
    """One hand clap or shout onset: a short band-passed noise burst."""
    n = int(RATE * rng.uniform(0.01, 0.03))
    x = np.random.default_rng(rng.randrange(2**32)).standard_normal(n)
    x = np.convolve(x, [1, -0.9], mode="same")
    return x * np.exp(-np.arange(n) / (RATE * 0.006))


def dancers(n, beats, rng, info):
    """Footsteps at a pace unrelated to the music, claps at random moments; none within 60 ms
    of a beat, so the network cannot learn that they mark beats."""
    out = np.zeros(n)
    near_beat = np.zeros(n, dtype=bool)
    for b in beats:
        i = int(b * RATE)
        near_beat[max(0, i - int(0.06 * RATE)): i + int(0.06 * RATE)] = True
    events = []
    if rng.random() < 0.6:
        pace = rng.uniform(1.3, 2.6)
        t = rng.uniform(0, 1)
        while t < n / RATE:
            events.append((t, thump(rng), rng.uniform(0.3, 1.0)))
            t += 1 / pace * rng.uniform(0.8, 1.25)
        info.update(aug_steps=f"{pace:.2f}")
    if rng.random() < 0.5:
        for _ in range(rng.randint(3, 25)):
            events.append((rng.uniform(0, n / RATE), clap(rng), rng.uniform(0.3, 1.0)))
        info.update(aug_claps="yes")
    for t, x, gain in events:
        i = int(t * RATE)
        if i >= n or near_beat[i]:
            continue
        m = min(len(x), n - i)
        out[i: i + m] += x[:m] * gain
    return out


def mic_chain(mixf, dst, rng, info):
    kind = rng.choices(["usb", "phone", "clip"], weights=[0.55, 0.25, 0.2])[0]
    info.update(aug_mic=kind)
    comp = ["compand", "0.3,1", "6:-70,-60,-20", "-5", "-90", "0.2"]
    if kind == "usb":
        chain = ["highpass", str(rng.randint(80, 150)), "lowpass", str(rng.randint(5000, 8000))]
    elif kind == "phone":
        chain = ["highpass", "300", "lowpass", "3400", "overdrive", str(rng.randint(5, 20)), "gain", "-6"]
    else:
        chain = ["highpass", "90", "lowpass", "7000"]
    sh("sox", str(mixf), "-b", "16", str(dst), *chain, *comp, "gain", "-n", "-3")
    if kind == "clip":
        y, _ = sf.read(dst, dtype="float64")
        limit = np.quantile(np.abs(y), 1 - rng.uniform(0.01, 0.08))
        y = np.clip(y, -limit, limit)
        sf.write(dst, y / (np.max(np.abs(y)) + 1e-9) * 0.7, RATE, subtype="PCM_16")


def read_beats(path):
    out = []
    for line in open(path):
        parts = line.split()
        if parts:
            out.append(float(parts[0]))
    return out


def one(job):
    src, out, row, seed = job
    rng = random.Random(seed)
    clip = row["clip"]
    info = {}
    with tempfile.TemporaryDirectory() as t:
        tmp = pathlib.Path(t)
        dry, wet = tmp / "dry.wav", tmp / "wet.wav"
        sh("sox", str(src / row["file"]), "-r", str(RATE), "-c", "1", "-b", "32", "-e", "floating-point", str(dry))
        room(dry, wet, rng, info)
        n = len(sf.read(dry)[0])
        music, _ = sf.read(wet, dtype="float64")
        music = music[:n]
        p_m = np.mean(music ** 2)
        snr = rng.uniform(0.0, 15.0)
        crowd = make_hall.babble(n / RATE, rng, tmp)[:n]
        if rng.random() < 0.4:
            m = murmur(n, rng)
            crowd = crowd / (np.std(crowd) + 1e-12) + m / (np.std(m) + 1e-12) * rng.uniform(0.3, 1.0)
        crowd *= np.sqrt(p_m / (np.mean(crowd ** 2) + 1e-12) / 10 ** (snr / 10))
        feet = dancers(n, read_beats(src / f"{clip}.beats"), rng, info)
        feet *= np.sqrt(p_m) / (np.sqrt(np.mean(feet ** 2)) + 1e-12) * rng.uniform(0.2, 0.8) if feet.any() else 0
        mix = music + crowd + feet
        if rng.random() < 0.5:
            tt = np.arange(n) / RATE
            depth = rng.uniform(2, 8)
            mix *= 10 ** (depth * np.sin(2 * np.pi * rng.uniform(0.02, 0.2) * tt) / 20)
            info.update(aug_riding_db=f"{depth:.1f}")
        mixf = tmp / "mix.wav"
        sf.write(mixf, mix / (np.max(np.abs(mix)) + 1e-9) * 0.5, RATE, subtype="FLOAT")
        dst = out / f"{clip}.wav"
        mic_chain(mixf, dst, rng, info)
    shutil.copy(src / f"{clip}.beats", out / f"{clip}.beats")
    row = dict(row, file=dst.name, snr_db=f"{snr:.1f}", format="wav", sample_rate=str(RATE), channels="1")
    row.update({k: str(v) for k, v in info.items()})
    print(clip, row["style"], f"snr {snr:.1f} dB", " ".join(f"{k}={v}" for k, v in info.items()), flush=True)
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    src, out = pathlib.Path(a.src), pathlib.Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = list(csv.DictReader(open(src / "labels.csv")))
    jobs = [(src, out, r, a.seed * 100003 + i) for i, r in enumerate(rows)]
    with mp.Pool(a.jobs) as pool:
        done = pool.map(one, jobs, chunksize=1)
    keys = list(rows[0].keys())
    for r in done:
        keys += [k for k in r if k not in keys]
    with open(out / "labels.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys, restval="")
        w.writeheader()
        w.writerows(done)


if __name__ == "__main__":
    main()
