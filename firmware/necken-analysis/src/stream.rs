//! Audio at any rate and channel count → 10 ms front-end frames, chunk by chunk: mixing to
//! mono, statistics at the source rate, resampling to 16 kHz and the spectral front end. The
//! file pipeline and the daemon's live path both run this, so a file and the same audio
//! captured live give the same frames.

use std::time::{Duration, Instant};

use necken_rhythm::frontend::{FrameFeatures, SpectralFrontEnd};
use necken_rhythm::mel::{MelFrontEnd, MEL_BANDS};
use necken_rhythm::ANALYSIS_RATE;

use crate::frames::SourceFacts;
use crate::resample::{StreamResampler, CHUNK};
use crate::stats::SourceStats;

/// A stream of audio turned into frames as it arrives.
pub struct FrameStream {
    rate: u32,
    channels: usize,
    stats: SourceStats,
    stats_frames: u64,
    resampler: Option<StreamResampler>,
    mono: Vec<f32>,
    frontend: SpectralFrontEnd,
    /// The embedding network's front end, when asked for, and its frames not yet taken.
    mel: Option<MelFrontEnd>,
    mel_frames: Vec<[f32; MEL_BANDS]>,
    resample_time: Duration,
    spectrum_time: Duration,
}

impl FrameStream {
    /// A stream of `channels` interleaved channels at `sample_rate` Hz (a file or live audio:
    /// the frames do not depend on how the samples are cut into pushes).
    pub fn new(sample_rate: u32, channels: usize) -> Result<FrameStream, String> {
        if sample_rate == 0 || channels == 0 {
            return Err(format!(
                "unusable stream format: {sample_rate} Hz, {channels} channel(s)"
            ));
        }
        let resampler = (sample_rate != ANALYSIS_RATE)
            .then(|| StreamResampler::new(sample_rate, ANALYSIS_RATE, CHUNK))
            .transpose()?;
        Ok(FrameStream {
            rate: sample_rate,
            channels,
            stats: SourceStats::new(sample_rate, channels),
            stats_frames: 0,
            resampler,
            mono: Vec::new(),
            frontend: SpectralFrontEnd::new(),
            mel: None,
            mel_frames: Vec::new(),
            resample_time: Duration::ZERO,
            spectrum_time: Duration::ZERO,
        })
    }

    /// Frames will carry every log band magnitude (training data for the neural models).
    pub fn with_bands(mut self) -> FrameStream {
        self.frontend = SpectralFrontEnd::new().with_bands();
        self
    }

    /// The 16 kHz audio also goes through the mel front end (input of the embedding
    /// network); take its frames with [`FrameStream::drain_mel`].
    pub fn with_mel(mut self) -> FrameStream {
        self.mel = Some(MelFrontEnd::new());
        self
    }

    /// Hands over the mel frames computed so far (none without [`FrameStream::with_mel`]).
    pub fn drain_mel(&mut self, take: &mut dyn FnMut(&[f32; MEL_BANDS])) {
        for f in self.mel_frames.drain(..) {
            take(&f);
        }
    }

    /// Source sample rate, Hz.
    pub fn sample_rate(&self) -> u32 {
        self.rate
    }

    /// Interleaved channels of the source.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Feeds interleaved samples (full scale ±1); completed frames go to `emit`.
    pub fn push(&mut self, interleaved: &[f32], emit: &mut dyn FnMut(FrameFeatures)) {
        let ch = self.channels;
        let mut mono = std::mem::take(&mut self.mono);
        mono.clear();
        if ch == 1 {
            mono.extend_from_slice(interleaved);
        } else {
            mono.extend(
                interleaved
                    .chunks_exact(ch)
                    .map(|f| f.iter().sum::<f32>() / ch as f32),
            );
        }
        self.stats.add(interleaved, &mono);
        self.stats_frames += mono.len() as u64;
        self.forward(&mono, false, emit);
        self.mono = mono;
    }

    /// Samples (per channel, at the source rate) still to push before `frames` more frames
    /// are out: a live source can sleep until then.
    pub fn samples_until_frames(&self, frames: usize) -> usize {
        let analysis = self.frontend.samples_until_frames(frames);
        match &self.resampler {
            Some(rs) => rs.input_for_output(analysis),
            None => analysis,
        }
    }

    /// Flushes the resampler and the front end: the last samples get their frames.
    pub fn finish(&mut self, emit: &mut dyn FnMut(FrameFeatures)) {
        self.forward(&[], true, emit);
    }

    /// Facts about the audio pushed since the stream began or since the last call, and a
    /// fresh start for the statistics (the daemon cuts live audio into segments).
    pub fn take_facts(&mut self) -> SourceFacts {
        let stats = std::mem::replace(&mut self.stats, SourceStats::new(self.rate, self.channels));
        let frames = std::mem::take(&mut self.stats_frames);
        SourceFacts {
            sample_rate: self.rate,
            duration_s: frames as f64 / self.rate as f64,
            loudness_lufs: stats.loudness_lufs(),
            rms: stats.rms(),
            zcr: stats.zcr(),
            fingerprint: stats.fingerprint(),
        }
    }

    /// Time spent resampling and in the front end so far.
    pub fn stage_times(&self) -> (Duration, Duration) {
        (self.resample_time, self.spectrum_time)
    }

    fn forward(&mut self, mono: &[f32], last: bool, emit: &mut dyn FnMut(FrameFeatures)) {
        let spectrum_before = self.spectrum_time;
        let frontend = &mut self.frontend;
        let spectrum_time = &mut self.spectrum_time;
        let (mel, mel_frames) = (&mut self.mel, &mut self.mel_frames);
        let mut feed = |s: &[f32]| {
            let t = Instant::now();
            frontend.push(s, emit);
            if let Some(mel) = mel.as_mut() {
                mel.push(s, &mut |f| mel_frames.push(*f));
            }
            *spectrum_time += t.elapsed();
        };
        let t = Instant::now();
        match self.resampler.as_mut() {
            Some(rs) if last => rs.finish(&mut feed),
            Some(rs) => rs.push(mono, &mut feed),
            None => feed(mono),
        }
        let total = t.elapsed();
        let spectrum_inside = self.spectrum_time.saturating_sub(spectrum_before);
        self.resample_time += total.saturating_sub(spectrum_inside);
        if last {
            let t = Instant::now();
            self.frontend.finish(emit);
            self.spectrum_time += t.elapsed();
        }
    }
}
