//! The file pipeline: decode → mono → (statistics, resample → front end, beat network,
//! embedding network) → [`analyze_frames`] → [`RawArtifacts`].

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use necken_core::artifact::*;
use necken_core::classify::Tags;
use necken_rhythm::frontend::FrameFeatures;
use necken_rhythm::learned::{
    BeatActivationModel, EmbeddingModel, StreamingBeatActivation, DEFAULT_NET_SHARE,
};
use necken_rhythm::mel::MEL_BANDS;
use necken_rhythm::tracker::TrackerConfig;

use crate::decode::{decode_file, AudioSink, DecodeInfo};
use crate::embed_run::{attach_embeddings, EmbedRun};
use crate::frames::analyze_frames;
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

/// The result of analyzing one file.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// The raw artifacts.
    pub artifacts: RawArtifacts,
    /// Tags read from the file.
    pub tags: Tags,
    /// Decoder facts.
    pub decode: DecodeInfo,
    /// Time per stage.
    pub times: StageTimes,
}

/// Frames per network inference for whole files: large enough that tract's per-call cost
/// vanishes, small enough that its intermediate tensors stay a few hundred kilobytes.
const FILE_PULSE: usize = 500;

/// Collects the frames of a decoded file, and runs the beat network on them as they come
/// (so the bands never pile up: a 10-minute file would hold 17 MB of them), and the embedding
/// network on each batch of mel patches.
struct PipelineSink {
    stream: Option<FrameStream>,
    frames: Vec<FrameFeatures>,
    bands: bool,
    net: Option<NetRun>,
    embed: Option<EmbedRun>,
}

/// The network streamed over a file.
struct NetRun {
    stream: Box<dyn StreamingBeatActivation>,
    out: Vec<[f32; 2]>,
    time: Duration,
    error: Option<String>,
}

impl NetRun {
    fn push(&mut self, f: &mut FrameFeatures) {
        let Some(bands) = f.bands.take() else { return };
        if self.error.is_none() {
            let t = Instant::now();
            if let Err(e) = self.stream.push(&bands, &mut self.out) {
                self.error = Some(e);
            }
            self.time += t.elapsed();
        }
    }

    fn finish(&mut self) {
        if self.error.is_none() {
            let t = Instant::now();
            if let Err(e) = self.stream.finish(&mut self.out) {
                self.error = Some(e);
            }
            self.time += t.elapsed();
        }
    }
}

impl PipelineSink {
    fn new() -> PipelineSink {
        PipelineSink {
            stream: None,
            frames: Vec::new(),
            bands: false,
            net: None,
            embed: None,
        }
    }

    fn finish(&mut self) {
        let (frames, net) = (&mut self.frames, &mut self.net);
        if let Some(stream) = &mut self.stream {
            stream.finish(&mut |mut f| {
                if let Some(net) = net.as_mut() {
                    net.push(&mut f);
                }
                frames.push(f)
            });
            if let Some(embed) = self.embed.as_mut() {
                stream.drain_mel(&mut |f| embed.push(f));
            }
        }
        if let Some(net) = &mut self.net {
            net.finish();
        }
    }
}

impl AudioSink for PipelineSink {
    fn start(&mut self, sample_rate: u32, channels: usize) -> Result<(), String> {
        let mut stream = FrameStream::new(sample_rate, channels)?;
        if self.bands {
            stream = stream.with_bands();
        }
        if self.embed.is_some() {
            stream = stream.with_mel();
        }
        self.stream = Some(stream);
        Ok(())
    }

    fn samples(&mut self, interleaved: &[f32]) {
        let (frames, net) = (&mut self.frames, &mut self.net);
        if let Some(stream) = &mut self.stream {
            stream.push(interleaved, &mut |mut f| {
                if let Some(net) = net.as_mut() {
                    net.push(&mut f);
                }
                frames.push(f)
            });
            if let Some(embed) = self.embed.as_mut() {
                stream.drain_mel(&mut |f| embed.push(f));
            }
        }
    }
}

/// Analyzes one audio file.
pub fn analyze_file(path: &Path, options: &AnalysisOptions) -> Result<Analysis, AnalysisError> {
    let start = Instant::now();
    let mut sink = PipelineSink::new();
    if let Some(model) = &options.beat_model {
        let stream = model
            .stream(FILE_PULSE)
            .map_err(|e| AnalysisError::new(path, format!("beat model: {e}")))?;
        sink.bands = true;
        sink.net = Some(NetRun {
            stream,
            out: Vec::new(),
            time: Duration::ZERO,
            error: None,
        });
    }
    sink.embed = options.embedding_model.clone().map(EmbedRun::new);
    let info = decode_file(path, &mut sink)?;
    sink.finish();
    let decode_total = start.elapsed();
    let stream = sink.stream.as_mut().expect("decode started the sink");
    let (resample, spectrum) = stream.stage_times();
    let source = stream.take_facts();
    let (net, network) = match sink.net.take() {
        Some(run) => {
            if let Some(e) = run.error {
                return Err(AnalysisError::new(path, format!("beat model: {e}")));
            }
            (Some(run.out), run.time)
        }
        None => (None, Duration::ZERO),
    };
    let embedded = match sink.embed.take() {
        Some(run) => {
            let model = run.model().clone();
            let (result, time) = run
                .finish()
                .map_err(|e| AnalysisError::new(path, format!("embedding model: {e}")))?;
            Some((model, result, time))
        }
        None => None,
    };
    let embedding = embedded.as_ref().map_or(Duration::ZERO, |e| e.2);
    // The network runs inside the front end's frame callback, so the spectrum time holds it.
    let spectrum = spectrum.saturating_sub(network);
    let mut times = StageTimes {
        resample,
        spectrum,
        network,
        embedding,
        decode: decode_total.saturating_sub(resample + spectrum + network + embedding),
        ..Default::default()
    };
    let mut artifacts = analyze_frames(&sink.frames, net.as_deref(), &source, options, &mut times);
    if let Some((model, result, _)) = embedded {
        attach_embeddings(&mut artifacts, model.as_ref(), result);
    }
    Ok(Analysis {
        artifacts,
        tags: info.tags.clone(),
        decode: info,
        times,
    })
}

/// Decodes a file into front-end frames only.
pub(crate) fn file_frames(path: &Path, bands: bool) -> Result<Vec<FrameFeatures>, AnalysisError> {
    let mut sink = PipelineSink::new();
    sink.bands = bands;
    decode_file(path, &mut sink)?;
    sink.finish();
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
