//! What the engine is told and what it reports.

use std::sync::Arc;

use necken_analysis::StageTimes;
use necken_core::artifact::{Profile, RawArtifacts};
use necken_core::classify::{Classification, Tags};
use necken_core::style::Style;
use necken_rhythm::learned::{BeatActivationModel, EmbeddingModel};
use necken_store::TrackId;

use necken_core::head::StyleHead;

/// Engine settings, in frames where they are durations.
#[derive(Clone, Debug)]
pub struct EngineSettings {
    /// Whether the engine follows the audio as it comes: streamed beats, music and silence,
    /// the rolling style. `false` only records the source's segments (`necken analyze`), and
    /// the settings of the live parts are then unused.
    pub live: bool,
    /// Frames per classification window.
    pub window_frames: usize,
    /// Frames between classifications while a style is published and the windows agree.
    pub classify_every_frames: usize,
    /// Frames between classifications while nothing or `unknown` is published (the start of
    /// the music, just after a tune change) or the last window disputed the published style
    /// (a switch under way), when a style is wanted soonest.
    pub classify_every_unsure_frames: usize,
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
    /// Style hysteresis: a window's top style below this probability votes `unknown`.
    pub min_confidence: f32,
    /// The beat network's share of the activations (when there is a network).
    pub net_share: f32,
    /// Frames per streamed network inference.
    pub beat_pulse: usize,
    /// Frames ahead at which the streaming tracker reports beats.
    pub beat_lead_frames: usize,
    /// Live beats are held until this long before their time, so that a beat leaves at the
    /// same moment wherever in the network's pulse it was found; `None` sends each beat when
    /// it is found.
    pub beat_send_ahead_s: Option<f64>,
    /// The wall clock, Unix seconds (injected: the engine reads no clock of its own; it
    /// stamps `since` of published styles and names live segments).
    pub clock: fn() -> u64,
}

impl EngineSettings {
    /// Recording only, a file as one segment of any length: what `necken analyze` runs.
    /// `pulse` is the frames per network inference: the network's output does not depend on
    /// it, large pulses only save calls.
    pub fn recording(profile: Profile, net_share: f32, pulse: usize) -> EngineSettings {
        EngineSettings {
            live: false,
            window_frames: 0,
            classify_every_frames: usize::MAX,
            classify_every_unsure_frames: usize::MAX,
            music_dbfs: f32::NEG_INFINITY,
            silence_hold_s: 0.0,
            min_segment_frames: 0,
            min_file_frames: 0,
            max_segment_frames: usize::MAX,
            profile,
            confirm_windows: 1,
            switch_margin: 0.0,
            min_confidence: 0.0,
            net_share,
            beat_pulse: pulse.max(1),
            beat_lead_frames: 0,
            beat_send_ahead_s: None,
            clock: system_clock,
        }
    }
}

/// The system clock in Unix seconds, for [`EngineSettings::clock`].
pub fn system_clock() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
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
    /// The style head that decided (`None` = tags only).
    pub head: Option<String>,
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
    /// The artifacts' record as it is stored (`necken_core::codec::encode`, once).
    pub record: Vec<u8>,
    /// Its classification with the current style head, decided on the record.
    pub classification: Classification,
    /// Beats per bar as the decided dance is notated ([`necken_core::notation`]).
    pub beats_per_bar: Option<u8>,
    /// Seconds since the source began at which the segment began.
    pub start_s: f64,
    /// The style head that classified it (`None` = tags only).
    pub head: Option<String>,
    /// What failed while it was recorded (a network that stopped): it is stored without what
    /// that would have given, and its provenance does not name it.
    pub failures: Vec<String>,
    /// Wall time of each stage since the source began (for benchmarks of recordings, whose
    /// file is one segment; the decoder's share is the caller's to measure).
    pub times: StageTimes,
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

/// Frames the streaming tracker predicts beats ahead of the analysed audio. `lead_frames`
/// (`[analysis] beat_lead_ms`) makes up for the front end's delay and the time a held beat
/// leaves before it sounds (`beat_send_ahead_ms`); the beat network's pulse holds each frame
/// back up to `pulse - 1` frames more, so with the network the lead grows by that much and
/// every beat the tracker predicts is found before it is due to leave, wherever in the pulse
/// it falls (210 ms with the 16-frame pulse; chosen on generated clips, docs/accuracy.md). The
/// DSP alone keeps 60 ms (dev subset F 0.881 at 60 ms, 0.879 at 50, 0.872 at 80).
pub fn tracker_lead_frames(lead_frames: usize, pulse: usize, network: bool) -> usize {
    if network {
        lead_frames + pulse.saturating_sub(1)
    } else {
        lead_frames
    }
}
