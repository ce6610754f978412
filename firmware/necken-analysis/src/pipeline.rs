//! The analysis pipeline: decode → mono → (statistics, resample → front end) → activations →
//! tracking → onsets, dynamics, sections → [`RawArtifacts`].

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use necken_core::artifact::*;
use necken_core::classify::Tags;
use necken_core::features::BEAT_WINDOW_S;
use necken_rhythm::activation::Activations;
use necken_rhythm::frontend::{FrameFeatures, SpectralFrontEnd, COARSE_BANDS};
use necken_rhythm::learned::{
    mix_activations, BeatActivationModel, EmbeddingModel, PatchEmbeddings, StreamingBeatActivation,
    DEFAULT_NET_SHARE,
};
use necken_rhythm::mel::{MelPatcher, MEL_BANDS, PATCH_FRAMES, PATCH_HOP_S};
use necken_rhythm::onsets::pick_onsets;
use necken_rhythm::sections::bar_sections;
use necken_rhythm::tracker::{BarPointerTracker, TrackerConfig};
use necken_rhythm::{ANALYSIS_RATE, FRAME_RATE};

use crate::decode::{decode_file, AudioSink, DecodeInfo};
use crate::stats::SourceStats;
use crate::stream::FrameStream;
use crate::AnalysisError;

/// Fewest onsets for which beat tracking is attempted; below it the piece has no beats.
const MIN_ONSETS: usize = 8;

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

/// Patches per embedding inference: batching amortizes tract's per-call cost, and 8 patches
/// of input are 0.6 MB.
const EMBED_BATCH: usize = 8;

/// The embedding network run over a file's mel patches as they complete.
pub struct EmbedRun {
    model: Arc<dyn EmbeddingModel>,
    patcher: MelPatcher,
    batch_patches: usize,
    batch: Vec<f32>,
    out: PatchEmbeddings,
    time: Duration,
    error: Option<String>,
}

impl EmbedRun {
    /// A run of `model` over a new piece of audio.
    pub fn new(model: Arc<dyn EmbeddingModel>) -> EmbedRun {
        EmbedRun {
            model,
            patcher: MelPatcher::new(),
            batch_patches: EMBED_BATCH,
            batch: Vec::with_capacity(EMBED_BATCH * MEL_BANDS * PATCH_FRAMES),
            out: PatchEmbeddings::default(),
            time: Duration::ZERO,
            error: None,
        }
    }

    /// Runs each patch as soon as it is complete (live audio: the rolling windows read the
    /// results so far) instead of in batches.
    pub fn patch_by_patch(mut self) -> EmbedRun {
        self.batch_patches = 1;
        self
    }

    /// The per-patch results so far (patch k covers seconds `[k, k + 1) · PATCH_HOP_S` of the
    /// audio pushed).
    pub fn results(&self) -> &PatchEmbeddings {
        &self.out
    }

    /// Takes the next mel frame.
    pub fn push(&mut self, frame: &[f32; MEL_BANDS]) {
        let batch = &mut self.batch;
        let mut completed = false;
        self.patcher.push(frame, &mut |p| {
            batch.extend_from_slice(p);
            completed = true;
        });
        if completed && self.batch.len() >= self.batch_patches * MEL_BANDS * PATCH_FRAMES {
            self.run();
        }
    }

    fn run(&mut self) {
        if self.batch.is_empty() || self.error.is_some() {
            self.batch.clear();
            return;
        }
        let t = Instant::now();
        match self.model.embed(&self.batch) {
            Ok(r) => {
                self.out.embeddings.extend(r.embeddings);
                self.out.vocal.extend(r.vocal);
            }
            Err(e) => self.error = Some(e),
        }
        self.batch.clear();
        self.time += t.elapsed();
    }

    /// The audio ended: runs what is left (a piece shorter than a patch gets one padded
    /// patch) and gives the per-patch results, or the network's error.
    pub fn finish(mut self) -> Result<(PatchEmbeddings, Duration), String> {
        let batch = &mut self.batch;
        self.patcher.finish(&mut |p| batch.extend_from_slice(p));
        self.run();
        match self.error {
            Some(e) => Err(e),
            None => Ok((self.out, self.time)),
        }
    }

    /// The model.
    pub fn model(&self) -> &Arc<dyn EmbeddingModel> {
        &self.model
    }
}

/// The element-wise mean of equally long rows (at least one).
fn mean_of(rows: &[&[f32]]) -> Vec<f32> {
    let k = rows.len() as f32;
    let mut mean = vec![0f32; rows[0].len()];
    for row in rows {
        for (m, v) in mean.iter_mut().zip(*row) {
            *m += v / k;
        }
    }
    mean
}

/// Patches per value of the full profile's embedding and vocal series (≈ 12 s).
pub const SERIES_PATCHES: usize = 4;

/// Puts an embedding network's per-patch output into the artifacts: the mean embedding and
/// mean vocal scores, with the full profile their series over groups of [`SERIES_PATCHES`]
/// patches, and the model in the provenance. Audio too short to give any patch leaves them absent.
pub fn attach_embeddings(
    artifacts: &mut RawArtifacts,
    model: &dyn EmbeddingModel,
    result: PatchEmbeddings,
) {
    let n = result.embeddings.len();
    if n == 0 || result.vocal.len() != n {
        return;
    }
    let vocal: Vec<&[f32]> = result.vocal.iter().map(|v| v.as_slice()).collect();
    let embeddings: Vec<&[f32]> = result.embeddings.iter().map(Vec::as_slice).collect();
    let pair = |m: Vec<f32>| [m[0], m[1]];
    // The full profile keeps one vector per SERIES_PATCHES patches (12 s), not per patch: a
    // 200-value vector every 3 s would be 4 KB a minute, past the full profile's size budget.
    let full = artifacts.profile == Profile::Full;
    let hop_s = PATCH_HOP_S * SERIES_PATCHES as f32;
    let series =
        |rows: &[&[f32]]| -> Vec<Vec<f32>> { rows.chunks(SERIES_PATCHES).map(mean_of).collect() };
    let overall = pair(mean_of(&vocal));
    artifacts.vocal = Some(VocalScores {
        instrumental: overall[0],
        vocal: overall[1],
        segments: full.then(|| Series {
            hop_s,
            values: series(&vocal).into_iter().map(pair).collect(),
        }),
    });
    artifacts.embedding = Some(Embedding {
        model: model.id().to_string(),
        mean: mean_of(&embeddings),
        segments: full.then(|| Series {
            hop_s,
            values: series(&embeddings),
        }),
    });
    artifacts.provenance.models.push(ModelRef {
        id: model.id().to_string(),
        sha256_prefix: model.sha256_prefix(),
    });
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

/// Facts about the source audio measured during decoding.
#[derive(Clone, Debug)]
pub struct SourceFacts {
    /// Source sample rate, Hz.
    pub sample_rate: u32,
    /// Duration, seconds.
    pub duration_s: f64,
    /// Integrated loudness, LUFS.
    pub loudness_lufs: Option<f32>,
    /// RMS of the mono mix.
    pub rms: f32,
    /// Zero crossings per sample.
    pub zcr: f32,
    /// Audio fingerprint.
    pub fingerprint: [u8; 8],
}

/// Analyzes 16 kHz mono samples already in memory (tests, generated audio).
pub fn analyze_samples(samples_16k: &[f32], options: &AnalysisOptions) -> RawArtifacts {
    let mut fe = SpectralFrontEnd::new();
    let mut frames = Vec::new();
    fe.push(samples_16k, &mut |f| frames.push(f));
    fe.finish(&mut |f| frames.push(f));
    let mut stats = SourceStats::new(ANALYSIS_RATE, 1);
    stats.add(samples_16k, samples_16k);
    let source = SourceFacts {
        sample_rate: ANALYSIS_RATE,
        duration_s: samples_16k.len() as f64 / ANALYSIS_RATE as f64,
        loudness_lufs: stats.loudness_lufs(),
        rms: stats.rms(),
        zcr: stats.zcr(),
        fingerprint: stats.fingerprint(),
    };
    analyze_frames(&frames, None, &source, options, &mut StageTimes::default())
}

fn frame_time(f: usize) -> f64 {
    f as f64 / FRAME_RATE as f64
}

/// Tracking, onsets, dynamics and sections over front-end frames → raw artifacts. Used for
/// whole files, for live segments and for the daemon's rolling classification windows.
///
/// `net`: the beat network's probabilities for these frames (from `options.beat_model`, run
/// whole or streamed), mixed into the activations and recorded in the provenance. Onsets stay
/// the DSP's.
pub fn analyze_frames(
    frames: &[FrameFeatures],
    net: Option<&[[f32; 2]]>,
    source: &SourceFacts,
    options: &AnalysisOptions,
    times: &mut StageTimes,
) -> RawArtifacts {
    let t = Instant::now();
    let dsp = Activations::from_frames(frames);
    let (mixed, model) = match (net, &options.beat_model) {
        (Some(net), Some(model)) if net.len() >= frames.len() => (
            Some(mix_activations(&dsp, net, options.net_share)),
            Some(ModelRef {
                id: model.id().to_string(),
                sha256_prefix: model.sha256_prefix(),
            }),
        ),
        (Some(net), _) => {
            log::error!(
                "beat network output ignored: {} frames for {} (or no model named)",
                net.len(),
                frames.len()
            );
            (None, None)
        }
        (None, _) => (None, None),
    };
    let act = mixed.as_ref().unwrap_or(&dsp);
    times.activation = t.elapsed();

    let t = Instant::now();
    let onset_frames = pick_onsets(&dsp.beat);
    let track = if onset_frames.len() >= MIN_ONSETS {
        BarPointerTracker::new(options.tracker.clone()).track(act)
    } else {
        Default::default()
    };
    times.tracking = t.elapsed();
    log::debug!(
        "tracker chose {} (meter posterior {:?}); pattern scores {:?}",
        track.pattern,
        track.meter_posterior,
        track.pattern_scores
    );

    let t = Instant::now();
    let beat_times: Vec<f64> = track.beat_frames.iter().map(|&f| frame_time(f)).collect();
    let tempo_bpm = match (beat_times.first(), beat_times.last()) {
        (Some(a), Some(b)) if beat_times.len() >= 2 && b > a => {
            Some((60.0 * (beat_times.len() - 1) as f64 / (b - a)) as f32)
        }
        _ => None,
    };
    let has_beats = !beat_times.is_empty();
    let standard = options.profile != Profile::Minimal;
    let full = options.profile == Profile::Full;
    let onsets: Vec<f64> = onset_frames.iter().map(|&f| frame_time(f)).collect();
    let energy: Vec<f32> = frames.iter().map(|f| f.energy).collect();
    let beat_window = (BEAT_WINDOW_S * FRAME_RATE as f64).round() as usize;
    let beat_energy: Vec<f32> = track
        .beat_frames
        .iter()
        .map(|&f| {
            let lo = f.saturating_sub(beat_window);
            let hi = (f + beat_window + 1).min(energy.len());
            energy[lo..hi].iter().sum::<f32>() / (hi - lo).max(1) as f32
        })
        .collect();
    let envelope = |hop_s: f32| {
        let per = ((hop_s * FRAME_RATE).round() as usize).max(1);
        Series {
            hop_s,
            values: energy
                .chunks(per)
                .map(|c| (c.iter().sum::<f32>() / c.len() as f32).sqrt())
                .collect(),
        }
    };
    let structure = if has_beats {
        let bars: Vec<usize> = track
            .beat_frames
            .iter()
            .zip(&track.beat_numbers)
            .filter(|(_, &n)| n == 1)
            .map(|(&f, _)| f)
            .collect();
        let fp: Vec<[f32; COARSE_BANDS]> = frames.iter().map(|f| f.coarse).collect();
        let (starts, labels) = bar_sections(&bars, &fp);
        (!starts.is_empty()).then(|| Structure {
            starts: starts.iter().map(|&f| frame_time(f)).collect(),
            labels,
        })
    } else {
        None
    };
    let artifacts = RawArtifacts {
        profile: options.profile,
        rhythm: RhythmSummary {
            tempo_bpm,
            beats_per_bar: has_beats.then_some(track.beats_per_bar),
            ternary_confidence: has_beats.then(|| track.ternary_probability()),
            beat_count: beat_times.len() as u32,
        },
        beats: (standard && has_beats).then(|| BeatTrack {
            times: beat_times.clone(),
            numbers: track.beat_numbers.clone(),
            alternate_numbers: track
                .alternate
                .as_ref()
                .and_then(|alt| alt.numbers_on(&track.beat_frames)),
        }),
        activation: full.then(|| ActivationFunction {
            frame_rate_hz: FRAME_RATE,
            beat: act.beat.clone(),
            downbeat: act.downbeat.clone(),
        }),
        // Filled by attach_embeddings when an embedding network ran: absent, not faked.
        embedding: None,
        vocal: None,
        audio_stats: Some(AudioStats {
            loudness_lufs: source.loudness_lufs,
            rms: source.rms,
            zcr: source.zcr,
            onset_rate: if source.duration_s > 0.0 {
                (onsets.len() as f64 / source.duration_s) as f32
            } else {
                0.0
            },
            duration_s: source.duration_s as f32,
        }),
        onsets: standard.then_some(onsets),
        dynamics: standard.then(|| Dynamics {
            beat_energy: if has_beats { beat_energy } else { Vec::new() },
            envelope: options.profile.envelope_hop_s().map(envelope),
        }),
        structure: if standard { structure } else { None },
        provenance: Provenance {
            analyzer: concat!("necken ", env!("CARGO_PKG_VERSION")).into(),
            models: model.into_iter().collect(),
            source_sample_rate_hz: source.sample_rate,
            analysis_sample_rate_hz: ANALYSIS_RATE,
            frame_rate_hz: FRAME_RATE,
            analyzed_at: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            audio_fingerprint: source.fingerprint,
        },
    };
    times.stats = t.elapsed();
    artifacts
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Named;

    impl EmbeddingModel for Named {
        fn id(&self) -> &str {
            "embed-test"
        }
        fn sha256_prefix(&self) -> [u8; 8] {
            [1; 8]
        }
        fn dim(&self) -> usize {
            2
        }
        fn embed(&self, _: &[f32]) -> Result<PatchEmbeddings, String> {
            Err("not run here".into())
        }
    }

    #[test]
    fn embeddings_become_means_and_a_12_second_series_with_the_full_profile() {
        let patches = PatchEmbeddings {
            embeddings: (0..10).map(|k| vec![k as f32, 1.0]).collect(),
            vocal: (0..10)
                .map(|k| if k < 8 { [1.0, 0.0] } else { [0.0, 1.0] })
                .collect(),
        };
        let mut a = analyze_samples(&[0.0; 16_000], &AnalysisOptions::new(Profile::Full));
        attach_embeddings(&mut a, &Named, patches.clone());
        let e = a.embedding.as_ref().unwrap();
        assert!((e.mean[0] - 4.5).abs() < 1e-5 && (e.mean[1] - 1.0).abs() < 1e-5);
        let series = e.segments.as_ref().unwrap();
        assert!((series.hop_s - 4.0 * PATCH_HOP_S).abs() < 1e-6);
        assert_eq!(
            series.values,
            vec![vec![1.5, 1.0], vec![5.5, 1.0], vec![8.5, 1.0]]
        );
        let v = a.vocal.as_ref().unwrap();
        assert!((v.vocal - 0.2).abs() < 1e-6 && (v.instrumental - 0.8).abs() < 1e-6);
        assert_eq!(v.segments.as_ref().unwrap().values[2], [0.0, 1.0]);
        assert_eq!(a.provenance.models[0].id, "embed-test");

        let mut a = analyze_samples(&[0.0; 16_000], &AnalysisOptions::new(Profile::Standard));
        attach_embeddings(&mut a, &Named, patches);
        assert!(a.embedding.as_ref().unwrap().segments.is_none());
        assert!(a.vocal.as_ref().unwrap().segments.is_none());
    }

    #[test]
    fn in_memory_samples_are_analyzed_like_files() {
        // 20 s of 16 kHz audio: a 1 kHz click every 0.4 s (150 bpm).
        let rate = ANALYSIS_RATE as usize;
        let samples: Vec<f32> = (0..rate * 20)
            .map(|i| {
                let t = (i % (rate * 2 / 5)) as f32 / rate as f32;
                if t < 0.02 {
                    (std::f32::consts::TAU * 1000.0 * t).sin() * (1.0 - t / 0.02) * 0.7
                } else {
                    0.0
                }
            })
            .collect();
        let a = analyze_samples(&samples, &AnalysisOptions::new(Profile::Standard));
        let tempo = a.rhythm.tempo_bpm.expect("clicks have a tempo");
        assert!((tempo - 150.0).abs() < 2.0, "tempo {tempo}");
        let stats = a.audio_stats.unwrap();
        assert!((stats.duration_s - 20.0).abs() < 1e-3);
        assert_eq!(a.provenance.source_sample_rate_hz, ANALYSIS_RATE);
        assert!(a.onsets.unwrap().len() >= 45);
    }
}
