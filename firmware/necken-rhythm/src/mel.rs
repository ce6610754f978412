//! The embedding network's front end: 16 kHz mono → log-compressed mel frames → 3-second
//! patches. The same computation as the training front end (`scripts/models/mel.py`); the
//! `embed_net` test in necken-models checks the two against each other on fixture clips.
//!
//! 512-point FFT of periodic-Hann-windowed frames every 256 samples (62.5 frames/s; frame i
//! covers samples `[256 i, 256 i + 512)`, whole frames only), power spectrum, 96 Slaney mel
//! bands over 0–8 kHz with Slaney area normalization (librosa's defaults), then
//! `log10(1 + 10000 · mel)`.

use std::sync::Arc;

use rustfft::num_complex::Complex32;
use rustfft::{Fft, FftPlanner};

use crate::ANALYSIS_RATE;

/// FFT length in samples (32 ms).
pub const MEL_FFT: usize = 512;
/// Hop between mel frames in samples (16 ms).
pub const MEL_HOP: usize = 256;
/// Mel bands per frame.
pub const MEL_BANDS: usize = 96;
/// Frames per patch (≈ 2.99 s).
pub const PATCH_FRAMES: usize = 187;
/// Mel frames per second.
pub const MEL_FRAME_RATE: f32 = ANALYSIS_RATE as f32 / MEL_HOP as f32;
/// Seconds between the starts of successive patches (they do not overlap).
pub const PATCH_HOP_S: f32 = PATCH_FRAMES as f32 / MEL_FRAME_RATE;
/// Factor inside the log compression.
const COMPRESSION: f32 = 10_000.0;

/// A mel filter: weights over consecutive FFT bins from `start`.
struct Filter {
    start: usize,
    weights: Vec<f32>,
}

fn hz_to_mel(f: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let logstep = 6.4f64.ln() / 27.0;
    if f >= min_log_hz {
        min_log_hz / f_sp + (f / min_log_hz).ln() / logstep
    } else {
        f / f_sp
    }
}

fn mel_to_hz(m: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if m >= min_log_mel {
        min_log_hz * (logstep * (m - min_log_mel)).exp()
    } else {
        f_sp * m
    }
}

/// Slaney-scale triangular filters with area normalization (computed in f64 as the
/// training side does, then stored as f32).
fn filters() -> Vec<Filter> {
    let nyquist = ANALYSIS_RATE as f64 / 2.0;
    let (lo, hi) = (hz_to_mel(0.0), hz_to_mel(nyquist));
    let edges: Vec<f64> = (0..MEL_BANDS + 2)
        .map(|i| mel_to_hz(lo + (hi - lo) * i as f64 / (MEL_BANDS + 1) as f64))
        .collect();
    let bin_hz = ANALYSIS_RATE as f64 / MEL_FFT as f64;
    (0..MEL_BANDS)
        .map(|m| {
            let (left, centre, right) = (edges[m], edges[m + 1], edges[m + 2]);
            let norm = 2.0 / (right - left);
            let weights: Vec<(usize, f32)> = (0..=MEL_FFT / 2)
                .filter_map(|b| {
                    let f = b as f64 * bin_hz;
                    let w = ((f - left) / (centre - left))
                        .min((right - f) / (right - centre))
                        .max(0.0);
                    (w > 0.0).then_some((b, (w * norm) as f32))
                })
                .collect();
            let start = weights.first().map_or(0, |&(b, _)| b);
            let mut dense = vec![0.0; weights.last().map_or(0, |&(b, _)| b + 1 - start)];
            for (b, w) in weights {
                dense[b - start] = w;
            }
            Filter {
                start,
                weights: dense,
            }
        })
        .collect()
}

/// The streaming mel front end. Push 16 kHz samples in any chunks; each completed frame's
/// [`MEL_BANDS`] log-mel values go to the callback.
pub struct MelFrontEnd {
    fft: Arc<dyn Fft<f32>>,
    window: Vec<f32>,
    filters: Vec<Filter>,
    buffer: Vec<f32>,
    spectrum: Vec<Complex32>,
    scratch: Vec<Complex32>,
    power: Vec<f32>,
    frame: [f32; MEL_BANDS],
}

impl Default for MelFrontEnd {
    fn default() -> Self {
        Self::new()
    }
}

impl MelFrontEnd {
    /// Plans the FFT and builds the filters.
    pub fn new() -> MelFrontEnd {
        let fft = FftPlanner::new().plan_fft_forward(MEL_FFT);
        let scratch = vec![Complex32::default(); fft.get_inplace_scratch_len()];
        MelFrontEnd {
            window: (0..MEL_FFT)
                .map(|i| {
                    (0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / MEL_FFT as f64).cos()) as f32
                })
                .collect(),
            filters: filters(),
            buffer: Vec::with_capacity(MEL_FFT + MEL_HOP),
            spectrum: vec![Complex32::default(); MEL_FFT],
            power: vec![0.0; MEL_FFT / 2 + 1],
            frame: [0.0; MEL_BANDS],
            scratch,
            fft,
        }
    }

    /// Feeds samples (16 kHz mono, full scale ±1) and emits every completed frame.
    pub fn push(&mut self, samples: &[f32], emit: &mut dyn FnMut(&[f32; MEL_BANDS])) {
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (MEL_FFT - self.buffer.len()).min(rest.len());
            self.buffer.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.buffer.len() == MEL_FFT {
                self.compute();
                emit(&self.frame);
                self.buffer.drain(..MEL_HOP);
            }
        }
    }

    fn compute(&mut self) {
        for ((c, s), w) in self.spectrum.iter_mut().zip(&self.buffer).zip(&self.window) {
            *c = Complex32::new(s * w, 0.0);
        }
        self.fft
            .process_with_scratch(&mut self.spectrum, &mut self.scratch);
        for (p, c) in self.power.iter_mut().zip(&self.spectrum) {
            *p = c.re * c.re + c.im * c.im;
        }
        for (v, f) in self.frame.iter_mut().zip(&self.filters) {
            let e: f32 = f
                .weights
                .iter()
                .zip(&self.power[f.start..])
                .map(|(w, p)| w * p)
                .sum();
            *v = (1.0 + COMPRESSION * e).log10();
        }
    }
}

/// Gathers mel frames into the network's patches: [`PATCH_FRAMES`] frames, band-major
/// (`[band][frame]`, the network's input layout), back to back from the first frame.
pub struct MelPatcher {
    patch: Vec<f32>,
    filled: usize,
    emitted: usize,
}

impl Default for MelPatcher {
    fn default() -> Self {
        Self::new()
    }
}

impl MelPatcher {
    /// An empty patcher.
    pub fn new() -> MelPatcher {
        MelPatcher {
            patch: vec![0.0; MEL_BANDS * PATCH_FRAMES],
            filled: 0,
            emitted: 0,
        }
    }

    /// Adds a frame; a completed patch goes to `emit`.
    pub fn push(&mut self, frame: &[f32; MEL_BANDS], emit: &mut dyn FnMut(&[f32])) {
        for (b, v) in frame.iter().enumerate() {
            self.patch[b * PATCH_FRAMES + self.filled] = *v;
        }
        self.filled += 1;
        if self.filled == PATCH_FRAMES {
            emit(&self.patch);
            self.emitted += 1;
            self.filled = 0;
        }
    }

    /// Ends the audio. Audio shorter than one patch still gets one, padded with silence
    /// (log-mel 0); otherwise a partial last patch is dropped, as in training.
    pub fn finish(&mut self, emit: &mut dyn FnMut(&[f32])) {
        if self.emitted == 0 && self.filled > 0 {
            for band in self.patch.chunks_mut(PATCH_FRAMES) {
                band[self.filled..].fill(0.0);
            }
            emit(&self.patch);
            self.emitted += 1;
        }
        self.filled = 0;
    }

    /// Patches emitted so far.
    pub fn emitted(&self) -> usize {
        self.emitted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(samples: &[f32], chunk: usize) -> Vec<[f32; MEL_BANDS]> {
        let mut fe = MelFrontEnd::new();
        let mut out = Vec::new();
        for c in samples.chunks(chunk) {
            fe.push(c, &mut |f| out.push(*f));
        }
        out
    }

    #[test]
    fn frames_are_whole_and_independent_of_chunking() {
        let tone: Vec<f32> = (0..16_000).map(|i| (i as f32 * 0.07).sin() * 0.3).collect();
        let a = frames(&tone, 16_000);
        assert_eq!(a.len(), 1 + (16_000 - MEL_FFT) / MEL_HOP);
        assert_eq!(a, frames(&tone, 37));
    }

    #[test]
    fn a_tone_lights_the_band_around_its_frequency() {
        let hz = 1000.0f64;
        let tone: Vec<f32> = (0..8000)
            .map(|i| (std::f64::consts::TAU * hz * i as f64 / 16_000.0).sin() as f32 * 0.5)
            .collect();
        let f = frames(&tone, 8000)[5];
        let peak = (0..MEL_BANDS)
            .max_by(|&a, &b| f[a].total_cmp(&f[b]))
            .unwrap();
        let edges: Vec<f64> = (0..MEL_BANDS + 2)
            .map(|i| mel_to_hz(hz_to_mel(8000.0) * i as f64 / (MEL_BANDS + 1) as f64))
            .collect();
        assert!(edges[peak] < hz && hz < edges[peak + 2], "band {peak}");
        assert!(frames(&[0.0; 2048], 2048)
            .iter()
            .flatten()
            .all(|&v| v == 0.0));
    }

    #[test]
    fn patches_are_band_major_and_short_audio_gets_one_padded_patch() {
        let mut p = MelPatcher::new();
        let mut out: Vec<Vec<f32>> = Vec::new();
        for t in 0..PATCH_FRAMES + 10 {
            let mut f = [0.0; MEL_BANDS];
            f[3] = t as f32;
            p.push(&f, &mut |x| out.push(x.to_vec()));
        }
        p.finish(&mut |x| out.push(x.to_vec()));
        assert_eq!(out.len(), 1, "the partial second patch is dropped");
        assert_eq!(out[0][3 * PATCH_FRAMES + 100], 100.0);

        let mut short = MelPatcher::new();
        let mut got = Vec::new();
        for _ in 0..5 {
            short.push(&[1.0; MEL_BANDS], &mut |x| got.push(x.to_vec()));
        }
        short.finish(&mut |x| got.push(x.to_vec()));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0][4], 1.0);
        assert_eq!(got[0][5], 0.0);
    }
}
