//! # necken-engine
//!
//! The one analysis engine: audio chunks in, events out. Live ([`EngineSettings::live`]), it
//! runs the streaming beat tracker frame by frame, detects music and silence, classifies a
//! rolling window every few seconds (the same analysis and style head as the stored tracks,
//! on the last `window_s` of frames), and cuts the stream into segments whose full artifacts
//! it computes when they close. Recording only, it does the last part alone: that is how
//! `necken analyze` reads a file ([`analyze_file`]), so a file gives the same artifacts
//! through `necken analyze` and through `neckend --input`.
//!
//! No I/O here but reading the file [`analyze_file`] is given: the daemon feeds audio from a
//! capture ring or a decoder, and stores and publishes what comes out.
#![warn(missing_docs)]

mod beat_grip;
mod beat_send;
mod file;
pub mod music;
mod net_route;
mod segment;
pub mod smoother;
pub mod tune_boundary;
pub mod tune_change;
mod types;
mod window;

pub use file::{analyze_file, Analysis};

pub use types::*;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use beat_grip::BeatGrip;
use beat_send::BeatSender;
use necken_analysis::{AnalysisOptions, FrameStream};
use necken_core::classify::Tags;
use necken_core::head::StyleHead;
use necken_rhythm::frontend::FrameFeatures;
use necken_rhythm::learned::StreamingBeatActivation;
use necken_rhythm::streaming::StreamingTracker;
use necken_rhythm::tracker::TrackerConfig;
use necken_rhythm::FRAME_RATE;

use crate::music::{MusicChange, MusicDetector};
use crate::smoother::StyleSmoother;
use crate::tune_change::TuneChangeDetector;
use segment::OpenSegment;

/// The engine for one source.
pub struct Engine {
    settings: EngineSettings,
    /// Analysis settings and networks.
    options: AnalysisOptions,
    /// Style head; `None` = styles from tags only.
    head: Option<Arc<StyleHead>>,
    /// The same head calibrated for the live windows ([`StyleHead::for_windows`]).
    window_head: Option<StyleHead>,
    /// The streamed beat network, and the frames waiting for its output.
    net: Option<Box<dyn StreamingBeatActivation>>,
    held: VecDeque<FrameFeatures>,
    net_out: Vec<[f32; 2]>,
    /// Wall time spent in the beat network (for the stage times of recordings).
    net_time: Duration,
    source: SourceInfo,
    stream: FrameStream,
    tracker: StreamingTracker,
    music: MusicDetector,
    smoother: StyleSmoother,
    scratch: Vec<FrameFeatures>,
    frame: u64,
    /// Samples per channel fed so far: the audio clock held beats wait on.
    samples_in: u64,
    beats: BeatSender,
    since_classify: usize,
    bar: u32,
    segment: Option<OpenSegment>,
    parts: u32,
    style_since: u64,
    last_tempo: Option<f64>,
    /// A window tempo that moved from `last_tempo`, waiting for the next window to confirm it.
    moved_tempo: Option<f64>,
    /// Watches the streamed beats for the next tune.
    change: TuneChangeDetector,
    /// Whether the streamed beats still land on the network's beats.
    grip: BeatGrip,
    /// Frame where the current tune began, when a change was heard inside the segment.
    tune_start: Option<u64>,
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
        let mut stream = FrameStream::new(sample_rate, channels)?;
        let mut options = AnalysisOptions::new(settings.profile);
        options.net_share = settings.net_share;
        let offline = models.beat.as_ref().is_some_and(|m| m.looks_ahead());
        let net = match &models.beat {
            Some(model) => {
                stream = stream.with_bands();
                options.beat_model = Some(model.clone());
                // A recording with an offline network needs no stream: the segment's analysis
                // reads the offline network alone.
                if settings.live || !offline {
                    Some(model.stream(settings.beat_pulse)?)
                } else {
                    None
                }
            }
            None => None,
        };
        if let Some(model) = &models.embed {
            stream = stream.with_mel();
            options.embedding_model = Some(model.clone());
        }
        let has_net = net.is_some();
        let beats = BeatSender::new(settings.beat_send_ahead_s.filter(|_| settings.live));
        let mut engine = Engine {
            options,
            window_head: models.style.as_deref().map(StyleHead::for_windows),
            head: models.style,
            net,
            held: VecDeque::with_capacity(16),
            net_out: Vec::with_capacity(16),
            net_time: Duration::ZERO,
            music: MusicDetector::new(settings.music_dbfs, settings.silence_hold_s),
            smoother: StyleSmoother::new(
                settings.confirm_windows,
                settings.switch_margin,
                settings.min_confidence,
            ),
            tracker: StreamingTracker::new(TrackerConfig::streaming()).with_lead(
                tracker_lead_frames(settings.beat_lead_frames, settings.beat_pulse, has_net),
            ),
            change: TuneChangeDetector::new(),
            grip: BeatGrip::new(),
            tune_start: None,
            scratch: Vec::with_capacity(64),
            settings,
            source,
            stream,
            frame: 0,
            samples_in: 0,
            beats,
            since_classify: 0,
            bar: 0,
            segment: None,
            parts: 0,
            style_since: 0,
            last_tempo: None,
            moved_tempo: None,
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
        self.window_head = models.style.as_deref().map(StyleHead::for_windows);
        self.head = models.style;
        self.smoother = StyleSmoother::new(
            settings.confirm_windows,
            settings.switch_margin,
            settings.min_confidence,
        );
        self.settings.window_frames = settings.window_frames;
        self.settings.classify_every_frames = settings.classify_every_frames;
        self.settings.classify_every_unsure_frames = settings.classify_every_unsure_frames;
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

    /// The style head as the live windows read it, if any.
    fn window_head(&self) -> Option<&StyleHead> {
        self.window_head.as_ref()
    }

    /// The tags of a file source (none for live audio).
    fn source_tags(&self) -> Tags {
        self.source
            .file
            .as_ref()
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    }

    /// Samples per channel of one block, a 10 ms frame at the source's rate: live and paced
    /// sources feed whole blocks, [`Engine::blocks_wanted`] of them at a time.
    pub fn block_len(&self) -> usize {
        (self.stream.sample_rate() as usize / FRAME_RATE as usize).max(1)
    }

    /// Blocks to feed before the engine can say anything new: with a beat network, those that
    /// complete its next pulse (nothing reaches the tracker before the pulse runs), else those
    /// that complete the next frame. A live source that waits for them wakes once per pulse
    /// instead of once per block: each wake-up finds the per-frame state cold in the cache,
    /// and on a shared VM the per-frame work paced at 100 wake-ups a second cost about three
    /// times what it costs as fast as possible (docs/benchmarks.md). Fewer when a held beat
    /// is due sooner: the block that reaches its time sends it (see `beat_send`).
    pub fn blocks_wanted(&self) -> usize {
        let frames = match &self.net {
            Some(net) => net.frames_until_run(),
            None => 1,
        };
        let pulse = self
            .stream
            .samples_until_frames(frames.max(1))
            .div_ceil(self.block_len());
        // A held beat leaves with the block that reaches its time.
        let beat = self.beats.next_due_s().map_or(usize::MAX, |due| {
            let samples = (due - self.audio_s()) * self.stream.sample_rate() as f64;
            (samples.max(0.0).ceil() as usize).div_ceil(self.block_len())
        });
        pulse.min(beat).max(1)
    }

    /// Seconds of audio fed so far (the clock of the audio's arrival; [`Engine::time_s`] is
    /// that of the frames analysed, which trail it by the front end's window).
    fn audio_s(&self) -> f64 {
        self.samples_in as f64 / self.stream.sample_rate() as f64
    }

    /// Seconds of audio consumed.
    pub fn time_s(&self) -> f64 {
        self.frame as f64 / FRAME_RATE as f64
    }

    /// Feeds interleaved samples, a block at a time however long the slice: a block's mel
    /// frames reach the open segment's embedding run before a later block can close the
    /// segment (a live loop catching up once fed 60 s at a time, and the segment it opened
    /// and closed in one push lost every mel frame).
    pub fn push(&mut self, interleaved: &[f32], emit: &mut dyn FnMut(EngineEvent)) {
        let piece = self.block_len() * self.stream.channels();
        for part in interleaved.chunks(piece) {
            self.samples_in += (part.len() / self.stream.channels()) as u64;
            let scratch = &mut self.scratch;
            self.stream.push(part, &mut |f| scratch.push(f));
            self.process_scratch(emit);
            self.drain_mel();
            self.beats.release(self.audio_s(), emit);
        }
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
        self.beats.flush(emit);
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

    /// The id of the style head deciding now.
    fn head_id(&self) -> Option<String> {
        self.head.as_ref().map(|h| h.id.clone())
    }

    /// Publishes `style: null` if a style is published, and forgets it.
    fn withdraw_style(&mut self, emit: &mut dyn FnMut(EngineEvent)) {
        if self.smoother.published().is_none() {
            return;
        }
        self.smoother.reset();
        self.last_tempo = None;
        self.moved_tempo = None;
        emit(EngineEvent::Style(StyleInfo {
            style: None,
            confidence: 0.0,
            tempo_bpm: None,
            meter: None,
            since: (self.settings.clock)(),
            top: Vec::new(),
            time_s: self.time_s(),
            head: self.head_id(),
        }));
    }

    fn process_scratch(&mut self, emit: &mut dyn FnMut(EngineEvent)) {
        let mut frames = std::mem::take(&mut self.scratch);
        for f in frames.drain(..) {
            self.route_frame(f, emit);
        }
        self.scratch = frames;
    }

    fn process_frame(
        &mut self,
        mut f: FrameFeatures,
        net: Option<[f32; 2]>,
        emit: &mut dyn FnMut(EngineEvent),
    ) {
        if self.settings.live {
            self.follow_frame(&f, net, emit);
        }
        self.frame += 1;
        let bands = f.bands.take();
        if let Some(seg) = &mut self.segment {
            seg.feed_offline(&self.source.name, bands.as_deref());
            seg.frames.push(f);
            if let Some(a) = net {
                seg.net.push(a);
            }
            if seg.frames.len() >= self.settings.max_segment_frames {
                self.close_segment(emit);
                self.open_segment();
            }
        }
        if !self.settings.live {
            return;
        }
        self.since_classify += 1;
        let every = if self.smoother.deciding() {
            self.settings.classify_every_unsure_frames
        } else {
            self.settings.classify_every_frames
        };
        if self.since_classify >= every {
            self.since_classify = 0;
            self.classify_window(emit);
        }
    }

    /// The live part of a frame: the streamed beat, music and silence, the next tune.
    fn follow_frame(
        &mut self,
        f: &FrameFeatures,
        net: Option<[f32; 2]>,
        emit: &mut dyn FnMut(EngineEvent),
    ) {
        let beat = match net {
            Some(a) => self.tracker.push_mixed(f, a, self.settings.net_share),
            None => self.tracker.push(f),
        };
        if let Some(a) = net {
            self.grip.frame(self.frame, a[0]);
        }
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
                self.change.reset();
                self.grip.reset();
                self.tune_start = None;
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
            let beat = BeatInfo {
                time_s: b.frame as f64 / FRAME_RATE as f64,
                number: b.number,
                beats_per_bar: b.beats_per_bar,
                bar: self.bar.max(1),
                tempo_bpm: b.tempo_bpm,
            };
            let now = self.audio_s();
            self.beats.take(beat, now, emit);
            self.grip.predicted(b.frame);
            if let Some(heard) = self.change.push(b.frame, b.beats_per_bar, b.tempo_bpm) {
                self.next_tune(heard, emit);
            }
        }
    }
}
