//! Streaming spectral front end: Hann-windowed 1024-point FFT every 10 ms at 16 kHz, a
//! log-frequency triangular filterbank (12 bands per octave, 40 Hz – 7.6 kHz), logarithmic
//! magnitudes, and SuperFlux-style positive flux (lag 2, maximum filter across 3 bands).

use std::sync::Arc;

use rustfft::num_complex::Complex32;
use rustfft::{Fft, FftPlanner};

use crate::{ANALYSIS_RATE, HOP};

/// FFT frame length in samples (64 ms).
pub const FRAME: usize = 1024;
/// Lag in frames between the spectra the flux compares.
const FLUX_LAG: usize = 2;
/// Bands whose centre is below this are "low" (bass, stomps): the downbeat cue.
const LOW_BAND_HZ: f32 = 150.0;
/// Lowest frequency in the chroma, Hz (bass notes of the accompaniment).
const CHROMA_MIN_HZ: f32 = 60.0;
/// Highest frequency in the chroma, Hz.
const CHROMA_MAX_HZ: f32 = 2000.0;
/// Number of coarse bands kept per frame for section labelling.
pub const COARSE_BANDS: usize = 12;

/// One analysis frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrameFeatures {
    /// Positive spectral flux over all bands.
    pub flux: f32,
    /// Positive spectral flux over the low bands.
    pub low_flux: f32,
    /// Mean square of the 10 ms of samples this frame advanced over.
    pub energy: f32,
    /// Mean log magnitude in [`COARSE_BANDS`] groups of bands (timbre/harmony fingerprint).
    pub coarse: [f32; COARSE_BANDS],
    /// Pitch-class profile (FFT bins from 60 Hz to 2 kHz, log magnitudes), unit length (zero
    /// when silent).
    pub chroma: [f32; 12],
    /// Every log band magnitude, only from a front end built [`SpectralFrontEnd::with_bands`]
    /// (the input of the neural activation models; not kept otherwise, it is 0.3 KB a frame).
    pub bands: Option<Box<[f32]>>,
}

/// Triangular filter over FFT bins.
struct Band {
    start: usize,
    weights: Vec<f32>,
    low: bool,
}

/// The streaming front end. Push samples with [`SpectralFrontEnd::push`]; frames come out
/// through the callback as soon as they are complete.
pub struct SpectralFrontEnd {
    fft: Arc<dyn Fft<f32>>,
    window: Vec<f32>,
    bands: Vec<Band>,
    buffer: Vec<f32>,
    spectrum: Vec<Complex32>,
    scratch: Vec<Complex32>,
    /// Log band magnitudes of the last FLUX_LAG + 1 frames (a ring, indexed by frame count).
    history: Vec<Vec<f32>>,
    /// Magnitude spectrum of the current frame.
    mags: Vec<f32>,
    frames_out: usize,
    /// (FFT bin, pitch class) of the bins in the chroma range.
    chroma_bins: Vec<(usize, u8)>,
    keep_bands: bool,
}

impl Default for SpectralFrontEnd {
    fn default() -> Self {
        Self::new()
    }
}

impl SpectralFrontEnd {
    /// Plans the FFT and builds the filterbank.
    pub fn new() -> SpectralFrontEnd {
        let fft = FftPlanner::new().plan_fft_forward(FRAME);
        let scratch = vec![Complex32::default(); fft.get_inplace_scratch_len()];
        let window = (0..FRAME)
            .map(|i| 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / FRAME as f32).cos())
            .collect();
        let bands = filterbank();
        let band_count = bands.len();
        // Bins are 15.6 Hz wide, so bass bins mix neighbouring semitones; still the bass
        // carries most of a chord change.
        let bin_hz = ANALYSIS_RATE as f32 / FRAME as f32;
        let chroma_bins = (0..=FRAME / 2)
            .filter_map(|b| {
                let f = b as f32 * bin_hz;
                (CHROMA_MIN_HZ..=CHROMA_MAX_HZ).contains(&f).then(|| {
                    (
                        b,
                        ((12.0 * (f / 440.0).log2()).round() as i32).rem_euclid(12) as u8,
                    )
                })
            })
            .collect();
        SpectralFrontEnd {
            fft,
            window,
            bands,
            chroma_bins,
            // Half a frame of leading silence centres frame t on sample t·HOP.
            buffer: vec![0.0; FRAME / 2],
            spectrum: vec![Complex32::default(); FRAME],
            scratch,
            history: vec![vec![0.0; band_count]; FLUX_LAG + 1],
            mags: vec![0.0; FRAME / 2 + 1],
            frames_out: 0,
            keep_bands: false,
        }
    }

    /// A front end whose frames also carry all log band magnitudes.
    pub fn with_bands(mut self) -> SpectralFrontEnd {
        self.keep_bands = true;
        self
    }

    /// Number of bands in the filterbank.
    pub fn band_count(&self) -> usize {
        self.bands.len()
    }

    /// Frames produced so far.
    pub fn frames(&self) -> usize {
        self.frames_out
    }

    /// Feeds samples (16 kHz mono, full scale ±1) and emits every completed frame.
    pub fn push(&mut self, samples: &[f32], emit: &mut dyn FnMut(FrameFeatures)) {
        self.buffer.extend_from_slice(samples);
        while self.buffer.len() >= FRAME {
            let f = self.frame();
            emit(f);
            self.buffer.drain(..HOP);
        }
    }

    /// Samples still to push before `frames` more frames are out.
    pub fn samples_until_frames(&self, frames: usize) -> usize {
        if frames == 0 {
            return 0;
        }
        (FRAME + (frames - 1) * HOP).saturating_sub(self.buffer.len())
    }

    /// Flushes the tail with silence so the last samples get frames too.
    pub fn finish(&mut self, emit: &mut dyn FnMut(FrameFeatures)) {
        let pad = vec![0.0; FRAME / 2];
        self.push(&pad, emit);
    }

    fn frame(&mut self) -> FrameFeatures {
        for (i, c) in self.spectrum.iter_mut().enumerate() {
            *c = Complex32::new(self.buffer[i] * self.window[i], 0.0);
        }
        self.fft
            .process_with_scratch(&mut self.spectrum, &mut self.scratch);
        for (m, c) in self.mags.iter_mut().zip(&self.spectrum[..FRAME / 2 + 1]) {
            *m = (c.re * c.re + c.im * c.im).sqrt();
        }
        // Log band magnitudes go into the history ring; the slot FLUX_LAG frames back is the
        // flux reference.
        let slot = self.frames_out % (FLUX_LAG + 1);
        let mut logbands = std::mem::take(&mut self.history[slot]);
        for (v, b) in logbands.iter_mut().zip(&self.bands) {
            let e: f32 = b
                .weights
                .iter()
                .zip(&self.mags[b.start..])
                .map(|(w, m)| w * m)
                .sum();
            *v = (1.0 + e).log10();
        }
        let (mut flux, mut low_flux) = (0.0, 0.0);
        if self.frames_out >= FLUX_LAG {
            let prev = &self.history[(slot + 1) % (FLUX_LAG + 1)];
            for (i, (cur, band)) in logbands.iter().zip(&self.bands).enumerate() {
                let lo = i.saturating_sub(1);
                let hi = (i + 1).min(prev.len() - 1);
                let reference = prev[lo..=hi].iter().fold(f32::MIN, |m, &v| m.max(v));
                let d = (cur - reference).max(0.0);
                flux += d;
                if band.low {
                    low_flux += d;
                }
            }
        }
        let start = FRAME / 2 - HOP / 2;
        let energy = self.buffer[start..start + HOP]
            .iter()
            .map(|s| s * s)
            .sum::<f32>()
            / HOP as f32;
        let mut coarse = [0f32; COARSE_BANDS];
        let per = logbands.len().div_ceil(COARSE_BANDS);
        for (g, chunk) in logbands.chunks(per).enumerate().take(COARSE_BANDS) {
            coarse[g] = chunk.iter().sum::<f32>() / chunk.len() as f32;
        }
        let mut chroma = [0f32; 12];
        for &(bin, pc) in &self.chroma_bins {
            chroma[pc as usize] += (1.0 + self.mags[bin]).ln();
        }
        let norm = chroma.iter().map(|c| c * c).sum::<f32>().sqrt();
        if norm > 1e-6 {
            for c in &mut chroma {
                *c /= norm;
            }
        }
        let bands = self.keep_bands.then(|| logbands.clone().into_boxed_slice());
        self.history[slot] = logbands;
        self.frames_out += 1;
        FrameFeatures {
            flux,
            low_flux,
            energy,
            coarse,
            chroma,
            bands,
        }
    }
}

/// Triangular log-frequency filters, 12 per octave; filters that would fall between two FFT
/// bins at low frequencies are merged so each covers at least one bin.
fn filterbank() -> Vec<Band> {
    let bin_hz = ANALYSIS_RATE as f32 / FRAME as f32;
    let (fmin, fmax) = (40.0f32, 7600.0f32);
    let n = (12.0 * (fmax / fmin).log2()).floor() as usize;
    let mut centres: Vec<usize> = (0..=n + 1)
        .map(|i| (fmin * 2f32.powf(i as f32 / 12.0) / bin_hz).round() as usize)
        .collect();
    centres.dedup();
    centres
        .windows(3)
        .map(|w| {
            let (l, c, r) = (w[0], w[1], w[2]);
            let weights: Vec<f32> = (l..=r)
                .map(|b| {
                    if b <= c {
                        if c == l {
                            1.0
                        } else {
                            (b - l) as f32 / (c - l) as f32
                        }
                    } else {
                        (r - b) as f32 / (r - c) as f32
                    }
                })
                .collect();
            Band {
                start: l,
                weights,
                low: (c as f32 * bin_hz) < LOW_BAND_HZ,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_samples_named_for_frames_give_exactly_those_frames() {
        let mut fe = SpectralFrontEnd::new();
        for k in [1, 4, 1, 3, 7, 2] {
            let need = fe.samples_until_frames(k);
            let mut frames = 0;
            fe.push(&vec![0.01; need - 1], &mut |_| frames += 1);
            assert_eq!(frames, k - 1, "one sample short of {k}");
            fe.push(&[0.01], &mut |_| frames += 1);
            assert_eq!(frames, k);
        }
    }

    #[test]
    fn clicks_give_flux_peaks_at_their_frames() {
        let mut fe = SpectralFrontEnd::new();
        let mut signal = vec![0f32; ANALYSIS_RATE as usize * 2];
        for k in 0..4 {
            let at = (0.3 + 0.5 * k as f32) * ANALYSIS_RATE as f32;
            for i in 0..200 {
                signal[at as usize + i] = (i as f32 * 0.7).sin() * (1.0 - i as f32 / 200.0);
            }
        }
        let mut flux = Vec::new();
        for chunk in signal.chunks(777) {
            fe.push(chunk, &mut |f| flux.push(f.flux));
        }
        fe.finish(&mut |f| flux.push(f.flux));
        assert_eq!(flux.len(), signal.len() / HOP + 1);
        for k in 0..4 {
            let expect = (30.0 + 50.0 * k as f32) as usize;
            let window = &flux[expect - 5..expect + 5];
            let peak = window.iter().cloned().fold(0.0, f32::max);
            let far = flux[expect + 15];
            assert!(
                peak > 5.0 * far.max(1e-3),
                "click {k}: peak {peak} far {far}"
            );
        }
    }
}
