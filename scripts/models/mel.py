"""The embedding network's training front end: audio file → 16 kHz mono → log-compressed mel
spectrogram. `necken_rhythm::mel` is the Rust implementation of the same computation, checked
against this one by `firmware/necken-models/tests/embed_net.rs` on the fixture clips.

Parameters (shared with the Rust side, see the model card):
  16 kHz mono (mean of the channels, polyphase resampling), 512-point FFT of periodic-Hann
  windowed frames every 256 samples (62.5 frames/s; frame i covers samples [256 i, 256 i + 512),
  only whole frames), power spectrum, 96 Slaney mel bands (0–8 kHz, Slaney area
  normalization, as librosa's defaults), then log10(1 + 10000 · mel).
"""
from math import gcd

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

RATE = 16000
N_FFT = 512
HOP = 256
N_MELS = 96
COMPRESSION = 10000.0


def hz_to_mel(f):
    f = np.asarray(f, dtype=np.float64)
    f_sp = 200.0 / 3
    mel = f / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz)
                    / logstep, mel)


def mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


def mel_filters():
    """[N_MELS, N_FFT // 2 + 1] Slaney-normalized triangular filters."""
    fft_hz = np.arange(N_FFT // 2 + 1) * RATE / N_FFT
    mel_hz = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(RATE / 2), N_MELS + 2))
    fdiff = np.diff(mel_hz)
    ramps = mel_hz[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_hz[2:] - mel_hz[:-2]))[:, None]
    return weights


FILTERS = mel_filters()
WINDOW = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)


def load_16k(path):
    """Decoded, mixed to mono, resampled to 16 kHz (float64)."""
    x, sr = sf.read(path, dtype="float64", always_2d=True)
    x = x.mean(axis=1)
    if sr != RATE:
        g = gcd(RATE, sr)
        x = resample_poly(x, RATE // g, sr // g)
    return x


def mel_power(samples):
    """[frames, N_MELS] mel power (before compression)."""
    n = 0 if len(samples) < N_FFT else 1 + (len(samples) - N_FFT) // HOP
    if n == 0:
        return np.zeros((0, N_MELS))
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n)[:, None]
    spec = np.abs(np.fft.rfft(samples[idx] * WINDOW, axis=1)) ** 2
    return spec @ FILTERS.T


def compress(power):
    return np.log10(1.0 + COMPRESSION * power)


def log_mel(path):
    """[frames, N_MELS] float32 log-compressed mel of an audio file."""
    return compress(mel_power(load_16k(path))).astype(np.float32)
