//! The analysis engine: audio chunks in, events out. It runs the streaming beat tracker frame
//! by frame, detects music and silence, classifies a rolling window every few seconds (the same
//! offline analysis and style head as `necken analyze`, on the last `window_s` of frames), and
//! cuts the stream into segments whose full artifacts it computes when they close.
//!
//! No I/O here: the daemon feeds audio from a capture ring or a decoder, and stores and
//! publishes what comes out.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use necken_analysis::{
    analyze_frames, attach_embeddings, AnalysisOptions, EmbedRun, FrameStream, SourceFacts,
    StageTimes,
};
use necken_core::artifact::{Profile, RawArtifacts};
use necken_core::classify::{Classification, DecisionSource, Tags};
use necken_core::head::StyleHead;
use necken_core::notation::interpret;
use necken_core::style::Style;
use necken_rhythm::frontend::FrameFeatures;
use necken_rhythm::learned::{
    BeatActivationModel, EmbeddingModel, PatchEmbeddings, StreamingBeatActivation,
};
use necken_rhythm::mel::PATCH_HOP_S;
use necken_rhythm::streaming::StreamingTracker;
use necken_rhythm::tracker::TrackerConfig;
use necken_rhythm::{ANALYSIS_RATE, FRAME_RATE};
use necken_store::TrackId;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::music::{MusicChange, MusicDetector};
use crate::smoother::StyleSmoother;

/// A published style is re-sent when the window tempo moves by more than this fraction.
const TEMPO_CHANGE: f64 = 0.03;

/// Engine settings, in frames where they are durations.
#[derive(Clone, Debug)]
pub struct EngineSettings {
    /// Frames per classification window.
    pub window_frames: usize,
    /// Frames between classifications.
    pub classify_every_frames: usize,
    /// Music threshold, dBFS.
    pub music_dbfs: f32,
    /// Seconds of silence that stop the music.
    pub silence_hold_s: f32,
    /// Shortest live segment stored, frames.
    pub min_segment_frames: usize,
    /// Shortest file stored, frames.
    pub min_file_frames: usize,
    /// Longest segment, frames.
    pub max_segment_frames: usize,
    /// Artifact profile of stored segments.
    pub profile: Profile,
    /// Style hysteresis: confirmations.
    pub confirm_windows: u32,
    /// Style hysteresis: margin.
    pub switch_margin: f32,
    /// The beat network's share of the activations (when there is a network).
    pub net_share: f32,
    /// Frames per streamed network inference.
    pub beat_pulse: usize,
    /// Frames ahead at which the streaming tracker reports beats.
    pub beat_lead_frames: usize,
}

/// The models the engine runs.
#[derive(Clone, Default)]
pub struct Models {
    /// Style head; `None` = styles from tags only (recorded as such).
    pub style: Option<Arc<StyleHead>>,
    /// Beat network, streamed for the live beats and used again (its streamed output) in the
    /// windows and stored segments; `None` = DSP activations only (explicitly asked for).
    pub beat: Option<Arc<dyn BeatActivationModel>>,
    /// Embedding and vocal network, run over each segment's mel patches as they complete;
    /// `None` = tracks without embedding and vocal scores (explicitly asked for).
    pub embed: Option<Arc<dyn EmbeddingModel>>,
}

impl Models {
    /// Whether `other` runs the same beat and embedding networks (same ids and checksums).
    pub fn same_networks(&self, other: &Models) -> bool {
        let beat = |m: &Models| {
            m.beat
                .as_ref()
                .map(|n| (n.id().to_string(), n.sha256_prefix()))
        };
        let embed = |m: &Models| {
            m.embed
                .as_ref()
                .map(|n| (n.id().to_string(), n.sha256_prefix()))
        };
        beat(self) == beat(other) && embed(self) == embed(other)
    }
}

impl EngineSettings {
    /// Settings from a validated configuration.
    pub fn from_config(c: &Config) -> EngineSettings {
        let frames = |s: f32| (s * FRAME_RATE).round() as usize;
        EngineSettings {
            window_frames: frames(c.analysis.window_s),
            classify_every_frames: frames(c.analysis.classify_every_s).max(1),
            music_dbfs: c.segments.music_dbfs,
            silence_hold_s: c.segments.silence_hold_s,
            min_segment_frames: frames(c.segments.min_s),
            min_file_frames: frames(c.segments.min_file_s),
            max_segment_frames: frames(c.segments.max_s),
            profile: Profile::from_name(&c.store.profile).unwrap_or(Profile::Standard),
            confirm_windows: c.analysis.confirm_windows,
            switch_margin: c.analysis.switch_margin,
            net_share: c.analysis.beat_share,
            beat_pulse: c.analysis.beat_pulse,
            beat_lead_frames: (c.analysis.beat_lead_ms / 1000.0 * FRAME_RATE).round() as usize,
        }
    }
}

/// Where the audio comes from.
#[derive(Clone, Debug)]
pub struct SourceInfo {
    /// A name for logs and the stored track's `source_path` (file path, or `live:<device>`).
    pub name: String,
    /// A file: its content id (the same id `necken analyze` gives it), its tags, and the rule
    /// that the whole file is one track. `None` for live audio, which is cut at silences.
    pub file: Option<(TrackId, Tags)>,
}

/// A beat as it happens.
#[derive(Clone, Debug, PartialEq)]
pub struct BeatInfo {
    /// Seconds since the source began.
    pub time_s: f64,
    /// Position in the bar, 1 = downbeat.
    pub number: u8,
    /// Beats per bar.
    pub beats_per_bar: u8,
    /// Bars since the segment began (the first bar is 1).
    pub bar: u32,
    /// Tempo, beats/min.
    pub tempo_bpm: f32,
}

/// The published style changed, or its tempo moved.
#[derive(Clone, Debug, PartialEq)]
pub struct StyleInfo {
    /// The style (`None` when the music stopped).
    pub style: Option<Style>,
    /// Its probability in the latest window (0.98 for a keyword match).
    pub confidence: f32,
    /// Tempo of the latest window, beats/min.
    pub tempo_bpm: Option<f64>,
    /// Meter of the latest window ("3/4").
    pub meter: Option<String>,
    /// Unix time (s) since which this style has been published.
    pub since: u64,
    /// The three most probable styles of the latest window.
    pub top: Vec<(Style, f32)>,
    /// Seconds since the source began.
    pub time_s: f64,
}

/// A closed segment, ready to store.
#[derive(Clone, Debug)]
pub struct Segment {
    /// Track id.
    pub id: TrackId,
    /// Name for `source_path`.
    pub name: String,
    /// Tags (files only).
    pub tags: Tags,
    /// The raw artifacts (the tracker's bars, both binary readings).
    pub artifacts: RawArtifacts,
    /// Its classification with the current style head.
    pub classification: Classification,
    /// Beats per bar as the decided dance is notated ([`necken_core::notation`]).
    pub beats_per_bar: Option<u8>,
    /// Seconds since the source began at which the segment began.
    pub start_s: f64,
}

/// What the engine reports.
#[derive(Clone, Debug)]
pub enum EngineEvent {
    /// A beat (only while music sounds).
    Beat(BeatInfo),
    /// Music started or stopped.
    Music {
        /// Now playing.
        playing: bool,
        /// Seconds since the source began.
        time_s: f64,
    },
    /// Published style.
    Style(StyleInfo),
    /// A segment closed.
    Segment(Box<Segment>),
}

struct OpenSegment {
    start_frame: u64,
    frames: Vec<FrameFeatures>,
    /// The network's probabilities for `frames` (empty without a network).
    net: Vec<[f32; 2]>,
    /// The embedding network over the segment's mel patches (none without a network).
    embed: Option<EmbedRun>,
    part: u32,
}

/// The engine for one source.
pub struct Engine {
    settings: EngineSettings,
    /// Analysis settings and networks.
    options: AnalysisOptions,
    /// Style head; `None` = styles from tags only.
    head: Option<Arc<StyleHead>>,
    /// The streamed beat network, and the frames waiting for its output.
    net: Option<Box<dyn StreamingBeatActivation>>,
    held: VecDeque<FrameFeatures>,
    net_out: Vec<[f32; 2]>,
    source: SourceInfo,
    stream: FrameStream,
    tracker: StreamingTracker,
    music: MusicDetector,
    smoother: StyleSmoother,
    scratch: Vec<FrameFeatures>,
    frame: u64,
    since_classify: usize,
    bar: u32,
    segment: Option<OpenSegment>,
    parts: u32,
    style_since: u64,
    last_tempo: Option<f64>,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Engine {
    /// An engine for a source of `channels` interleaved channels at `sample_rate`.
    pub fn new(
        settings: EngineSettings,
        models: Models,
        source: SourceInfo,
        sample_rate: u32,
        channels: usize,
    ) -> Result<Engine, String> {
        let mut stream = FrameStream::live(sample_rate, channels)?;
        let mut options = AnalysisOptions::new(settings.profile);
        options.net_share = settings.net_share;
        let net = match &models.beat {
            Some(model) => {
                stream = stream.with_bands();
                options.beat_model = Some(model.clone());
                Some(model.stream(settings.beat_pulse)?)
            }
            None => None,
        };
        if let Some(model) = &models.embed {
            stream = stream.with_mel();
            options.embedding_model = Some(model.clone());
        }
        let mut engine = Engine {
            options,
            head: models.style,
            net,
            held: VecDeque::with_capacity(16),
            net_out: Vec::with_capacity(16),
            music: MusicDetector::new(settings.music_dbfs, settings.silence_hold_s),
            smoother: StyleSmoother::new(settings.confirm_windows, settings.switch_margin),
            tracker: StreamingTracker::new(TrackerConfig::default())
                .with_lead(settings.beat_lead_frames),
            scratch: Vec::with_capacity(64),
            settings,
            source,
            stream,
            frame: 0,
            since_classify: 0,
            bar: 0,
            segment: None,
            parts: 0,
            style_since: 0,
            last_tempo: None,
        };
        if engine.source.file.is_some() {
            engine.open_segment();
        }
        Ok(engine)
    }

    /// Replaces the style head (SIGHUP) and the settings that can change while running. The
    /// beat network and its share stay until the next source (the stream has ten seconds of
    /// history in it).
    pub fn reload(&mut self, models: Models, settings: EngineSettings) {
        self.head = models.style;
        self.smoother = StyleSmoother::new(settings.confirm_windows, settings.switch_margin);
        self.settings.window_frames = settings.window_frames;
        self.settings.classify_every_frames = settings.classify_every_frames;
        self.settings.min_segment_frames = settings.min_segment_frames;
        self.settings.min_file_frames = settings.min_file_frames;
        self.settings.max_segment_frames = settings.max_segment_frames;
    }

    /// Sets the tags of a file source (the decoder reports them at the end); the stored
    /// track's keyword classification uses them.
    pub fn set_tags(&mut self, tags: Tags) {
        if let Some((_, t)) = &mut self.source.file {
            *t = tags;
        }
    }

    /// The style head, if any.
    fn head(&self) -> Option<&StyleHead> {
        self.head.as_deref()
    }

    /// The tags of a file source (none for live audio).
    fn source_tags(&self) -> Tags {
        self.source
            .file
            .as_ref()
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    }

    /// Seconds of audio consumed.
    pub fn time_s(&self) -> f64 {
        self.frame as f64 / FRAME_RATE as f64
    }

    /// Feeds interleaved samples.
    pub fn push(&mut self, interleaved: &[f32], emit: &mut dyn FnMut(EngineEvent)) {
        let scratch = &mut self.scratch;
        self.stream.push(interleaved, &mut |f| scratch.push(f));
        self.process_scratch(emit);
        self.drain_mel();
    }

    /// Mel frames go to the open segment's embedding run (between segments they are dropped).
    fn drain_mel(&mut self) {
        match self.segment.as_mut().and_then(|s| s.embed.as_mut()) {
            Some(run) => self.stream.drain_mel(&mut |f| run.push(f)),
            None => self.stream.drain_mel(&mut |_| {}),
        }
    }

    /// The source ended: flushes the last frames and closes the segment.
    pub fn finish(mut self, emit: &mut dyn FnMut(EngineEvent)) {
        let scratch = &mut self.scratch;
        self.stream.finish(&mut |f| scratch.push(f));
        self.process_scratch(emit);
        self.drain_mel();
        self.drain_net(emit);
        self.flush_held(emit);
        self.end_of_source(emit);
        self.close_segment(emit);
    }

    /// The source stopped before its end and its audio is not to be stored (a file cut short
    /// by a stop): says that the music and the style are over, stores nothing.
    pub fn abandon(mut self, emit: &mut dyn FnMut(EngineEvent)) {
        self.end_of_source(emit);
        self.segment = None;
    }

    /// The source is over: the music stops, and a retained style must not go on saying that
    /// music plays.
    fn end_of_source(&mut self, emit: &mut dyn FnMut(EngineEvent)) {
        if self.music.playing() {
            emit(EngineEvent::Music {
                playing: false,
                time_s: self.time_s(),
            });
        }
        self.withdraw_style(emit);
    }

    /// Publishes `style: null` if a style is published, and forgets it.
    fn withdraw_style(&mut self, emit: &mut dyn FnMut(EngineEvent)) {
        if self.smoother.published().is_none() {
            return;
        }
        self.smoother.reset();
        self.last_tempo = None;
        emit(EngineEvent::Style(StyleInfo {
            style: None,
            confidence: 0.0,
            tempo_bpm: None,
            meter: None,
            since: unix_now(),
            top: Vec::new(),
            time_s: self.time_s(),
        }));
    }

    fn process_scratch(&mut self, emit: &mut dyn FnMut(EngineEvent)) {
        let mut frames = std::mem::take(&mut self.scratch);
        for f in frames.drain(..) {
            self.route_frame(f, emit);
        }
        self.scratch = frames;
    }

    /// Without a network a frame goes straight on; with one it waits (at most the network's
    /// pulse) for its probabilities.
    fn route_frame(&mut self, mut f: FrameFeatures, emit: &mut dyn FnMut(EngineEvent)) {
        let Some(net) = &mut self.net else {
            return self.process_frame(f, None, emit);
        };
        // The bands only feed the network; segments keep frames without them (70 floats each).
        let bands = f.bands.take();
        let mut out = std::mem::take(&mut self.net_out);
        let failed = match bands.as_deref().map(|b| net.push(b, &mut out)) {
            Some(Ok(())) => None,
            Some(Err(e)) => Some(e),
            None => Some("the front end gave a frame without bands".to_string()),
        };
        self.held.push_back(f);
        self.release_held(out, emit);
        if let Some(e) = failed {
            log::error!(
                "{}: beat network failed, DSP activations only from here on: {e}",
                self.source.name
            );
            self.net = None;
            self.flush_held(emit);
        }
    }

    /// Sends on the held frames whose probabilities are in `out`, oldest first.
    fn release_held(&mut self, mut out: Vec<[f32; 2]>, emit: &mut dyn FnMut(EngineEvent)) {
        for a in out.drain(..) {
            if let Some(f) = self.held.pop_front() {
                self.process_frame(f, Some(a), emit);
            }
        }
        self.net_out = out;
    }

    /// At the end of the source, gets the network's output for the frames it still holds.
    fn drain_net(&mut self, emit: &mut dyn FnMut(EngineEvent)) {
        let Some(net) = &mut self.net else { return };
        let mut out = std::mem::take(&mut self.net_out);
        if let Err(e) = net.finish(&mut out) {
            log::error!("{}: beat network failed at the end: {e}", self.source.name);
        }
        self.release_held(out, emit);
    }

    /// Frames still waiting for the network (the end of the source) go on without it.
    fn flush_held(&mut self, emit: &mut dyn FnMut(EngineEvent)) {
        while let Some(f) = self.held.pop_front() {
            self.process_frame(f, None, emit);
        }
    }

    fn process_frame(
        &mut self,
        f: FrameFeatures,
        net: Option<[f32; 2]>,
        emit: &mut dyn FnMut(EngineEvent),
    ) {
        let beat = match net {
            Some(a) => self.tracker.push_mixed(&f, a, self.settings.net_share),
            None => self.tracker.push(&f),
        };
        match self.music.push(f.energy) {
            Some(MusicChange::Started) => {
                emit(EngineEvent::Music {
                    playing: true,
                    time_s: self.time_s(),
                });
                if self.segment.is_none() {
                    self.open_segment();
                }
            }
            Some(MusicChange::Stopped) => {
                emit(EngineEvent::Music {
                    playing: false,
                    time_s: self.time_s(),
                });
                self.withdraw_style(emit);
                if self.source.file.is_none() {
                    self.close_segment(emit);
                }
            }
            None => {}
        }
        // No beats in the silence after a piece: the tracker would go on beating there.
        if let (Some(b), true) = (beat, self.music.sounding()) {
            if b.number == 1 {
                self.bar += 1;
            }
            emit(EngineEvent::Beat(BeatInfo {
                time_s: b.frame as f64 / FRAME_RATE as f64,
                number: b.number,
                beats_per_bar: b.beats_per_bar,
                bar: self.bar.max(1),
                tempo_bpm: b.tempo_bpm,
            }));
        }
        self.frame += 1;
        if let Some(seg) = &mut self.segment {
            seg.frames.push(f);
            if let Some(a) = net {
                seg.net.push(a);
            }
            if seg.frames.len() >= self.settings.max_segment_frames {
                self.close_segment(emit);
                self.open_segment();
            }
        }
        self.since_classify += 1;
        if self.since_classify >= self.settings.classify_every_frames {
            self.since_classify = 0;
            self.classify_window(emit);
        }
    }

    fn open_segment(&mut self) {
        // Statistics restart with the segment.
        self.stream.take_facts();
        self.bar = 0;
        self.parts += 1;
        self.segment = Some(OpenSegment {
            start_frame: self.frame,
            frames: Vec::with_capacity(self.settings.window_frames * 2),
            net: Vec::new(),
            embed: self
                .options
                .embedding_model
                .clone()
                .map(|m| EmbedRun::new(m).patch_by_patch()),
            part: self.parts,
        });
    }

    fn classify_window(&mut self, emit: &mut dyn FnMut(EngineEvent)) {
        let Some(seg) = &self.segment else { return };
        if !self.music.playing() || seg.frames.len() < self.settings.window_frames / 2 {
            return;
        }
        let from = seg.frames.len().saturating_sub(self.settings.window_frames);
        let window = &seg.frames[from..];
        let facts = window_facts(window);
        let net = seg_net(&seg.frames, &seg.net).map(|n| &n[from..]);
        let mut artifacts = analyze_frames(
            window,
            net,
            &facts,
            &self.options,
            &mut StageTimes::default(),
        );
        if let Some(run) = &seg.embed {
            let patches = window_patches(run.results(), from as f32 / FRAME_RATE);
            attach_embeddings(&mut artifacts, run.model().as_ref(), patches);
        }
        let tags = self.source_tags();
        let reading = interpret(&artifacts, &tags, self.head());
        let (features, c) = (&reading.features, &reading.classification);
        let probabilities = if c.source == DecisionSource::Metadata {
            vec![(c.style, c.confidence)]
        } else {
            c.probabilities.clone()
        };
        let changed = self.smoother.push(&probabilities);
        if changed.is_some() {
            self.style_since = unix_now();
        }
        let Some(style) = self.smoother.published() else {
            return;
        };
        let tempo_moved = match (features.tempo_bpm, self.last_tempo) {
            (Some(t), Some(last)) => (t - last).abs() > TEMPO_CHANGE * last,
            (Some(_), None) => true,
            _ => false,
        };
        if changed.is_none() && !tempo_moved {
            return;
        }
        self.last_tempo = features.tempo_bpm;
        let confidence = probabilities
            .iter()
            .find(|(s, _)| *s == style)
            .map_or(0.0, |(_, p)| *p);
        let mut top = probabilities;
        top.sort_by(|a, b| b.1.total_cmp(&a.1));
        top.truncate(3);
        // Binary bars are named by the published dance's notation, as the stored track's are.
        let meter = match reading
            .artifacts
            .rhythm
            .beats_per_bar
            .and_then(|b| style.notated_meter(b))
        {
            Some(m) => Some(format!("{m}/4")),
            None => features.meter.clone(),
        };
        emit(EngineEvent::Style(StyleInfo {
            style: Some(style),
            confidence,
            tempo_bpm: features.tempo_bpm,
            meter,
            since: self.style_since,
            top,
            time_s: self.time_s(),
        }));
    }

    fn close_segment(&mut self, emit: &mut dyn FnMut(EngineEvent)) {
        let Some(seg) = self.segment.take() else {
            return;
        };
        let file = self.source.file.clone();
        if file.is_none() && seg.frames.len() < self.settings.min_segment_frames {
            log::info!(
                "{}: dropped a {:.1} s segment (shorter than the minimum)",
                self.source.name,
                seg.frames.len() as f64 / FRAME_RATE as f64
            );
            return;
        }
        if file.is_some() && self.parts == 1 && seg.frames.len() < self.settings.min_file_frames {
            log::warn!(
                "{}: {:.1} s of audio is too short to store as a track (minimum {:.1} s, \
                 [segments] min_file_s); not stored",
                self.source.name,
                seg.frames.len() as f64 / FRAME_RATE as f64,
                self.settings.min_file_frames as f64 / FRAME_RATE as f64
            );
            return;
        }
        let mut facts = self.stream.take_facts();
        // Live segments are measured by their frames (the statistics restart at chunk
        // boundaries, the frames exactly).
        if file.is_none() {
            facts.duration_s = seg.frames.len() as f64 / FRAME_RATE as f64;
        }
        let mut artifacts = analyze_frames(
            &seg.frames,
            seg_net(&seg.frames, &seg.net),
            &facts,
            &self.options,
            &mut StageTimes::default(),
        );
        if let Some(run) = seg.embed {
            let model = run.model().clone();
            match run.finish() {
                Ok((result, _)) => attach_embeddings(&mut artifacts, model.as_ref(), result),
                // Like a failing beat network: the track is stored without what the network
                // would give, and its provenance does not name it.
                Err(e) => log::error!("{}: embedding network: {e}", self.source.name),
            }
        }
        let tags = self.source_tags();
        let (id, name) = match &file {
            Some((id, _)) if seg.part == 1 && self.parts == 1 => (*id, self.source.name.clone()),
            Some((id, _)) => {
                let mut h = Sha256::new();
                h.update(id.0);
                h.update(seg.part.to_le_bytes());
                (track_id(h), format!("{}#{}", self.source.name, seg.part))
            }
            None => {
                // A live segment is named by its audio (the statistics' fingerprint of the
                // segment's samples), when it ended and its part number.
                let mut h = Sha256::new();
                h.update(facts.fingerprint);
                h.update(unix_now().to_le_bytes());
                h.update(seg.part.to_le_bytes());
                (track_id(h), format!("{}#{}", self.source.name, seg.part))
            }
        };
        let reading = interpret(&artifacts, &tags, self.head());
        let (classification, beats_per_bar) = (
            reading.classification,
            reading.artifacts.rhythm.beats_per_bar,
        );
        emit(EngineEvent::Segment(Box::new(Segment {
            id,
            name,
            tags,
            artifacts,
            classification,
            beats_per_bar,
            start_s: seg.start_frame as f64 / FRAME_RATE as f64,
        })));
    }
}

/// The embedding network's patches that start inside a window beginning `from_s` seconds into
/// the segment (half a patch of tolerance: mel and analysis frames start a chunk apart).
fn window_patches(all: &PatchEmbeddings, from_s: f32) -> PatchEmbeddings {
    let first = ((from_s / PATCH_HOP_S) - 0.5).ceil().max(0.0) as usize;
    PatchEmbeddings {
        embeddings: all.embeddings.iter().skip(first).cloned().collect(),
        vocal: all.vocal.iter().skip(first).copied().collect(),
    }
}

/// The network's output for a segment's frames when it covers all of them (a failed network
/// leaves the segment DSP-only, and its provenance says so).
fn seg_net<'a>(frames: &[FrameFeatures], net: &'a [[f32; 2]]) -> Option<&'a [[f32; 2]]> {
    (!net.is_empty() && net.len() == frames.len()).then_some(net)
}

fn track_id(h: Sha256) -> TrackId {
    let d = h.finalize();
    let mut id = [0u8; 16];
    id.copy_from_slice(&d[..16]);
    TrackId(id)
}

/// Statistics of a classification window from its frames. Loudness is approximated by the
/// unweighted, ungated mean square (the window has no K-weighted meter of its own).
fn window_facts(window: &[FrameFeatures]) -> SourceFacts {
    let mean_square =
        window.iter().map(|f| f.energy as f64).sum::<f64>() / window.len().max(1) as f64;
    SourceFacts {
        sample_rate: ANALYSIS_RATE,
        duration_s: window.len() as f64 / FRAME_RATE as f64,
        loudness_lufs: (mean_square > 1e-10).then(|| (-0.691 + 10.0 * mean_square.log10()) as f32),
        rms: mean_square.sqrt() as f32,
        zcr: 0.0,
        fingerprint: [0; 8],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 16 kHz "music": clicks at `bpm`, an accented (louder, lower) click on every `meter`th
    /// beat, over a quiet tone whose pitch changes at each bar line.
    fn clicks(seconds: f32, bpm: f32, meter: usize) -> Vec<f32> {
        let rate = ANALYSIS_RATE as f32;
        let period = (60.0 / bpm * rate) as usize;
        let notes = [220.0, 277.2, 329.6, 246.9];
        (0..(seconds * rate) as usize)
            .map(|i| {
                let beat = i / period;
                let t = (i % period) as f32 / rate;
                let note = notes[(beat / meter) % notes.len()];
                let tone = (std::f32::consts::TAU * note * i as f32 / rate).sin() * 0.05;
                let (freq, amp) = if beat.is_multiple_of(meter) {
                    (200.0, 0.8)
                } else {
                    (1000.0, 0.4)
                };
                tone + if t < 0.03 {
                    (std::f32::consts::TAU * freq * t).sin() * amp * (1.0 - t / 0.03)
                } else {
                    0.0
                }
            })
            .collect()
    }

    fn settings() -> EngineSettings {
        let mut c = Config::default();
        c.segments.min_s = 10.0;
        EngineSettings::from_config(&c)
    }

    fn segments_of(events: &[EngineEvent]) -> Vec<&Segment> {
        events
            .iter()
            .filter_map(|e| match e {
                EngineEvent::Segment(s) => Some(s.as_ref()),
                _ => None,
            })
            .collect()
    }

    fn duration_of(segment: &Segment) -> f32 {
        segment.artifacts.audio_stats.as_ref().unwrap().duration_s
    }

    fn run(engine: &mut Engine, audio: &[f32], events: &mut Vec<EngineEvent>) {
        for chunk in audio.chunks(160) {
            engine.push(chunk, &mut |e| events.push(e));
        }
    }

    #[test]
    fn live_audio_is_cut_at_silences_into_tracks_with_beats_and_music_events() {
        let source = SourceInfo {
            name: "live:test".into(),
            file: None,
        };
        let mut engine =
            Engine::new(settings(), Models::default(), source, ANALYSIS_RATE, 1).unwrap();
        let mut events = Vec::new();
        let silence = vec![0f32; ANALYSIS_RATE as usize * 6];
        run(&mut engine, &silence[..ANALYSIS_RATE as usize], &mut events);
        run(&mut engine, &clicks(25.0, 120.0, 3), &mut events);
        run(&mut engine, &silence, &mut events);
        run(&mut engine, &clicks(25.0, 90.0, 2), &mut events);
        // A blip shorter than the minimum segment: no track.
        run(&mut engine, &silence, &mut events);
        run(&mut engine, &clicks(3.0, 100.0, 2), &mut events);
        engine.finish(&mut |e| events.push(e));

        let music: Vec<bool> = events
            .iter()
            .filter_map(|e| match e {
                EngineEvent::Music { playing, .. } => Some(*playing),
                _ => None,
            })
            .collect();
        assert_eq!(music, [true, false, true, false, true, false]);
        let segments = segments_of(&events);
        assert_eq!(segments.len(), 2, "two tunes stored, the blip not");
        let tempi: Vec<f32> = segments
            .iter()
            .map(|s| s.artifacts.rhythm.tempo_bpm.unwrap())
            .collect();
        assert!(
            (tempi[0] - 120.0).abs() < 2.0 && (tempi[1] - 90.0).abs() < 2.0,
            "{tempi:?}"
        );
        assert!(
            (segments[0].start_s - 1.0).abs() < 1.0,
            "{}",
            segments[0].start_s
        );
        assert_ne!(segments[0].id, segments[1].id);
        assert_eq!(segments[0].name, "live:test#1");
        let duration = duration_of(segments[0]);
        assert!((25.0..=31.0).contains(&duration), "{duration}");
        // Beats while the first tune plays, about two per second, none in the silences.
        let beats: Vec<&BeatInfo> = events
            .iter()
            .filter_map(|e| match e {
                EngineEvent::Beat(b) => Some(b),
                _ => None,
            })
            .collect();
        let first: Vec<_> = beats.iter().filter(|b| b.time_s < 27.0).collect();
        assert!((40..=52).contains(&first.len()), "{} beats", first.len());
        assert!(beats.iter().all(|b| !(27.0..31.0).contains(&b.time_s)));
    }

    #[test]
    fn a_file_is_one_track_with_its_content_id_whatever_its_silences() {
        let id = TrackId([7; 16]);
        let source = SourceInfo {
            name: "a.wav".into(),
            file: Some((id, Tags::default())),
        };
        let mut engine =
            Engine::new(settings(), Models::default(), source, ANALYSIS_RATE, 1).unwrap();
        let mut events = Vec::new();
        run(&mut engine, &clicks(15.0, 120.0, 3), &mut events);
        run(
            &mut engine,
            &vec![0f32; ANALYSIS_RATE as usize * 6],
            &mut events,
        );
        run(&mut engine, &clicks(15.0, 120.0, 3), &mut events);
        engine.finish(&mut |e| events.push(e));
        let segments = segments_of(&events);
        assert_eq!(segments.len(), 1);
        assert_eq!(segments[0].id, id);
        assert_eq!(segments[0].name, "a.wav");
        let d = duration_of(segments[0]);
        assert!((d - 36.0).abs() < 0.1, "{d}");
    }

    /// With the beat network the frames wait for its output (at most a pulse), every frame
    /// still reaches the tracker and the segment; the embedding network adds the embedding
    /// and vocal scores, and the stored artifacts name both models.
    #[cfg(feature = "models")]
    #[test]
    fn with_the_networks_the_segment_records_them_and_beats_still_flow() {
        use necken_model_files::ModelChoice;
        // A pulse that does not divide the clip: the last frames need the end-of-source drain
        // (the built-in default networks).
        let models = crate::models::load(
            &ModelChoice::Default,
            &ModelChoice::Default,
            &ModelChoice::Off,
            7,
            &[],
        )
        .unwrap();
        let mut settings = settings();
        settings.beat_pulse = 7;
        let source = SourceInfo {
            name: "a.wav".into(),
            file: Some((TrackId([9; 16]), Tags::default())),
        };
        let mut engine = Engine::new(settings, models, source, ANALYSIS_RATE, 1).unwrap();
        let mut events = Vec::new();
        let audio = clicks(20.03, 120.0, 3);
        run(&mut engine, &audio, &mut events);
        engine.finish(&mut |e| events.push(e));
        let beats = events
            .iter()
            .filter(|e| matches!(e, EngineEvent::Beat(_)))
            .count();
        assert!(
            (30..=42).contains(&beats),
            "{beats} beats in 20 s at 120 bpm"
        );
        let segments = segments_of(&events);
        assert_eq!(segments.len(), 1);
        let models: Vec<&str> = segments[0]
            .artifacts
            .provenance
            .models
            .iter()
            .map(|m| m.id.as_str())
            .collect();
        assert_eq!(models, ["beat-tcn-v1", "embed-cnn-v1"]);
        let a = &segments[0].artifacts;
        assert_eq!(a.embedding.as_ref().map(|e| e.mean.len()), Some(200));
        let v = a.vocal.as_ref().expect("vocal scores");
        assert!((v.instrumental + v.vocal - 1.0).abs() < 1e-3, "{v:?}");
        let d = duration_of(segments[0]);
        assert!((d - 20.0).abs() < 0.1, "{d}");
    }

    #[test]
    fn without_a_beat_network_the_artifacts_list_no_model() {
        let source = SourceInfo {
            name: "a.wav".into(),
            file: Some((TrackId([8; 16]), Tags::default())),
        };
        let mut engine =
            Engine::new(settings(), Models::default(), source, ANALYSIS_RATE, 1).unwrap();
        let mut events = Vec::new();
        run(&mut engine, &clicks(15.0, 120.0, 3), &mut events);
        engine.finish(&mut |e| events.push(e));
        assert!(segments_of(&events)[0]
            .artifacts
            .provenance
            .models
            .is_empty());
    }
}
