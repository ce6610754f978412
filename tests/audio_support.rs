//! Generated audio files for the tests.

use std::path::Path;

/// Writes a 16-bit WAV of `frames` frames, `sample(frame, channel)` in ±1 (clamped).
pub fn write_wav(
    path: &Path,
    rate: u32,
    channels: u16,
    frames: usize,
    sample: impl Fn(usize, u16) -> f32,
) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    write(
        path,
        spec,
        frames,
        &mut |w, v| w.write_sample((v.clamp(-1.0, 1.0) * 32767.0) as i16),
        &sample,
    );
}

type Writer = hound::WavWriter<std::io::BufWriter<std::fs::File>>;

fn write(
    path: &Path,
    spec: hound::WavSpec,
    frames: usize,
    put: &mut dyn FnMut(&mut Writer, f32) -> hound::Result<()>,
    sample: &dyn Fn(usize, u16) -> f32,
) {
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..frames {
        for c in 0..spec.channels {
            put(&mut w, sample(i, c)).unwrap();
        }
    }
    w.finalize().unwrap();
}

/// A decaying 1 kHz click every half second (120 beats/min).
pub fn click(i: usize, rate: u32) -> f32 {
    let period = rate as usize / 2;
    let k = i % period;
    let t = k as f32 / rate as f32;
    if t < 0.03 {
        (std::f32::consts::TAU * 1000.0 * t).sin() * (1.0 - t / 0.03) * 0.8
    } else {
        0.0
    }
}

/// Writes a 32-bit float WAV; samples are written as given (NaN and infinities included).
pub fn write_wav_f32(
    path: &Path,
    rate: u32,
    channels: u16,
    frames: usize,
    sample: impl Fn(usize, u16) -> f32,
) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    write(path, spec, frames, &mut |w, v| w.write_sample(v), &sample);
}
