//! The rolling classification window: every few seconds the last `window_s` of the open
//! segment is analyzed and classified, and the smoother decides what is published.

use necken_analysis::{analyze_frames, attach_embeddings, SourceFacts, StageTimes};
use necken_core::classify::DecisionSource;
use necken_core::notation::interpret;
use necken_core::style::Style;
use necken_rhythm::frontend::FrameFeatures;
use necken_rhythm::learned::PatchEmbeddings;
use necken_rhythm::mel::PATCH_HOP_S;
use necken_rhythm::{ANALYSIS_RATE, FRAME_RATE};

use super::segment::seg_net;
use super::{Engine, EngineEvent, StyleInfo};

/// A published style is re-sent when the window tempo moves by more than this fraction...
const TEMPO_CHANGE: f64 = 0.03;
/// ...but not by more than this: such a jump is more likely the next tune, and re-sending the
/// old style then would announce it again for music it no longer describes.
const TEMPO_JUMP: f64 = crate::tune_change::TEMPO_TOLERANCE as f64;
/// A tune is first classified once this much of it (6 s) has been heard, or half a window
/// when windows are shorter; a longer window grows from there with the tune.
const FIRST_WINDOW_FRAMES: usize = 600;

impl Engine {
    /// A new tune began at `first` (a frame): the published style is held back as `unknown`,
    /// and the windows from now on start no earlier than the new tune.
    pub(super) fn next_tune(&mut self, first: u64, emit: &mut dyn FnMut(EngineEvent)) {
        self.tune_start = Some(first);
        self.last_tempo = None;
        log::info!(
            "{}: a new tune at {:.1} s",
            self.source.name,
            first as f64 / FRAME_RATE as f64
        );
        if self.smoother.hold_back() {
            self.style_since = (self.settings.clock)();
            emit(EngineEvent::Style(StyleInfo {
                style: Some(Style::Unknown),
                confidence: 0.0,
                tempo_bpm: None,
                meter: None,
                since: self.style_since,
                top: Vec::new(),
                time_s: self.time_s(),
                head: self.head_id(),
            }));
        }
    }

    pub(super) fn classify_window(&mut self, emit: &mut dyn FnMut(EngineEvent)) {
        let Some(seg) = &self.segment else { return };
        // Frames of the segment that belong to the current tune.
        let tune_from = self
            .tune_start
            .filter(|&f| f > seg.start_frame)
            .map_or(0, |f| {
                ((f - seg.start_frame) as usize).min(seg.frames.len())
            });
        let tune_frames = seg.frames.len() - tune_from;
        let first_window = (self.settings.window_frames / 2).min(FIRST_WINDOW_FRAMES);
        if !self.music.playing() || tune_frames < first_window {
            return;
        }
        let from = seg
            .frames
            .len()
            .saturating_sub(self.settings.window_frames)
            .max(tune_from);
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
            self.style_since = (self.settings.clock)();
        }
        let Some(style) = self.smoother.published() else {
            return;
        };
        let window_top = probabilities
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(s, _)| *s);
        // A tempo update re-sends the published style only while the windows still agree
        // with it: a disputed style is not news.
        if changed.is_none() && window_top != Some(style) {
            return;
        }
        let tempo_moved = match (features.tempo_bpm, self.last_tempo) {
            (Some(t), Some(last)) => {
                let moved = (t - last).abs();
                moved > TEMPO_CHANGE * last && moved <= TEMPO_JUMP * last
            }
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
            head: self.head_id(),
        }));
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
