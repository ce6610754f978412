//! What an analysis runs with ([`AnalysisOptions`]), and a file's front-end frames alone (for
//! evaluation and training). Whole files become artifacts through the engine
//! (`necken_engine::analyze_file`), as the daemon's sources do.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use necken_core::artifact::Profile;
use necken_rhythm::frontend::FrameFeatures;
use necken_rhythm::learned::{BeatActivationModel, EmbeddingModel, DEFAULT_NET_SHARE};
use necken_rhythm::mel::MEL_BANDS;
use necken_rhythm::tracker::TrackerConfig;

use crate::decode::{decode_file, AudioSink};
use crate::stream::FrameStream;
use crate::AnalysisError;

/// What to keep, and which models to run.
#[derive(Clone)]
pub struct AnalysisOptions {
    /// Artifact profile.
    pub profile: Profile,
    /// Tracker settings.
    pub tracker: TrackerConfig,
    /// Beat/downbeat network mixed into the tracker's activations. `None` runs the DSP
    /// activations alone, and the artifacts' provenance then lists no beat model.
    pub beat_model: Option<Arc<dyn BeatActivationModel>>,
    /// The network's share of the activations (see [`DEFAULT_NET_SHARE`]).
    pub net_share: f32,
    /// Embedding and instrumental/vocal network. `None` leaves the artifacts' embedding and
    /// vocal scores absent.
    pub embedding_model: Option<Arc<dyn EmbeddingModel>>,
}

impl AnalysisOptions {
    /// DSP-only settings for a profile (set `beat_model` to add the network).
    pub fn new(profile: Profile) -> AnalysisOptions {
        AnalysisOptions {
            profile,
            tracker: TrackerConfig::default(),
            beat_model: None,
            net_share: DEFAULT_NET_SHARE,
            embedding_model: None,
        }
    }
}

impl std::fmt::Debug for AnalysisOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnalysisOptions")
            .field("profile", &self.profile)
            .field("tracker", &self.tracker)
            .field(
                "beat_model",
                &self.beat_model.as_ref().map(|m| m.id().to_string()),
            )
            .field("net_share", &self.net_share)
            .field(
                "embedding_model",
                &self.embedding_model.as_ref().map(|m| m.id().to_string()),
            )
            .finish()
    }
}

/// Wall time of each stage.
#[derive(Clone, Debug, Default)]
pub struct StageTimes {
    /// Decoding, mixing to mono, statistics (the decode loop minus the parts below).
    pub decode: Duration,
    /// Resampling to 16 kHz.
    pub resample: Duration,
    /// FFT, filterbank and flux.
    pub spectrum: Duration,
    /// The beat network (zero without one).
    pub network: Duration,
    /// The embedding network (zero without one; its mel front end counts as spectrum).
    pub embedding: Duration,
    /// Activation normalization and mixing.
    pub activation: Duration,
    /// Bar-pointer tracking and beat placement.
    pub tracking: Duration,
    /// Onsets, dynamics, sections and assembly.
    pub stats: Duration,
}

/// Collects the front-end frames of a decoded file.
struct FrameSink {
    stream: Option<FrameStream>,
    frames: Vec<FrameFeatures>,
    bands: bool,
}

impl AudioSink for FrameSink {
    fn start(&mut self, sample_rate: u32, channels: usize) -> Result<(), String> {
        let mut stream = FrameStream::new(sample_rate, channels)?;
        if self.bands {
            stream = stream.with_bands();
        }
        self.stream = Some(stream);
        Ok(())
    }

    fn samples(&mut self, interleaved: &[f32]) {
        if let Some(stream) = &mut self.stream {
            stream.push(interleaved, &mut |f| self.frames.push(f));
        }
    }
}

/// Decodes a file into front-end frames only.
pub(crate) fn file_frames(path: &Path, bands: bool) -> Result<Vec<FrameFeatures>, AnalysisError> {
    let mut sink = FrameSink {
        stream: None,
        frames: Vec::new(),
        bands,
    };
    decode_file(path, &mut sink)?;
    if let Some(stream) = &mut sink.stream {
        stream.finish(&mut |f| sink.frames.push(f));
    }
    Ok(sink.frames)
}

/// Decodes a file into log-mel frames only.
pub(crate) fn file_mel_frames(path: &Path) -> Result<Vec<[f32; MEL_BANDS]>, AnalysisError> {
    struct MelSink(Option<FrameStream>, Vec<[f32; MEL_BANDS]>);
    impl AudioSink for MelSink {
        fn start(&mut self, sample_rate: u32, channels: usize) -> Result<(), String> {
            self.0 = Some(FrameStream::new(sample_rate, channels)?.with_mel());
            Ok(())
        }
        fn samples(&mut self, interleaved: &[f32]) {
            if let Some(s) = &mut self.0 {
                s.push(interleaved, &mut |_| {});
                s.drain_mel(&mut |f| self.1.push(*f));
            }
        }
    }
    let mut sink = MelSink(None, Vec::new());
    decode_file(path, &mut sink)?;
    if let Some(s) = &mut sink.0 {
        s.finish(&mut |_| {});
        s.drain_mel(&mut |f| sink.1.push(*f));
    }
    Ok(sink.1)
}
