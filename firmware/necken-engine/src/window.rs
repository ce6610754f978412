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
use super::tune_boundary::tune_boundary;
use super::tune_change::NewTune;
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
    /// The beats heard a new tune: it is dated where its sound began
    /// ([`tune_boundary`]), the published style is held back as `unknown`, and the windows
    /// from now on start no earlier than the new tune.
    pub(super) fn next_tune(&mut self, heard: NewTune, emit: &mut dyn FnMut(EngineEvent)) {
        let first = self.segment.as_ref().map_or(heard.settled, |seg| {
            let at = |f: u64| (f.saturating_sub(seg.start_frame) as usize).min(seg.frames.len());
            let earliest = self.tune_start.map_or(0, at);
            let search = at(heard.previous_last)..at(heard.settled);
            seg.start_frame + tune_boundary(&seg.frames, search, earliest) as u64
        });
        self.tune_start = Some(first);
        self.last_tempo = None;
        self.moved_tempo = None;
        log::info!(
            "{}: a new tune at {:.1} s (the last beat of the previous at {:.1} s, the new rhythm settled at {:.1} s)",
            self.source.name,
            first as f64 / FRAME_RATE as f64,
            heard.previous_last as f64 / FRAME_RATE as f64,
            heard.settled as f64 / FRAME_RATE as f64
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
        if !self.music.playing() || tune_frames < first_window || !self.change.steady() {
            return;
        }
        if self.grip.lost() {
            log::debug!(
                "{}: no window at {:.1} s: the beats lost their grip {:?}",
                self.source.name,
                self.time_s(),
                self.grip.means()
            );
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
        let reading = interpret(&artifacts, &tags, self.window_head());
        let (features, c) = (&reading.features, &reading.classification);
        let probabilities = if c.source == DecisionSource::Metadata {
            vec![(c.style, c.confidence)]
        } else {
            c.probabilities.clone()
        };
        if log::log_enabled!(log::Level::Debug) {
            log::debug!(
                "{}: window {:.1}-{:.1} s: {:?}",
                self.source.name,
                (seg.start_frame + from as u64) as f64 / FRAME_RATE as f64,
                (seg.start_frame + seg.frames.len() as u64) as f64 / FRAME_RATE as f64,
                top_three(probabilities.clone())
            );
        }
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
        let (news, moved) = tempo_news(self.last_tempo, self.moved_tempo, features.tempo_bpm);
        self.moved_tempo = moved;
        if changed.is_none() && !news {
            return;
        }
        self.moved_tempo = None;
        self.last_tempo = features.tempo_bpm;
        let confidence = probabilities
            .iter()
            .find(|(s, _)| *s == style)
            .map_or(0.0, |(_, p)| *p);
        let top = top_three(probabilities);
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

/// The three most probable styles, most probable first.
fn top_three(mut probabilities: Vec<(Style, f32)>) -> Vec<(Style, f32)> {
    probabilities.sort_by(|a, b| b.1.total_cmp(&a.1));
    probabilities.truncate(3);
    probabilities
}

/// Whether a window's tempo is news beside the last one published: its first tempo, or a move
/// of more than [`TEMPO_CHANGE`] (not more than [`TEMPO_JUMP`]) that the window before made
/// too. At a tune change the window holds both tunes and its tempo moves seconds before the
/// change is heard; re-sending the style then would announce the old tune again, with a tempo
/// of neither. Returns the news and the moved tempo for the next window to confirm.
fn tempo_news(last: Option<f64>, moved: Option<f64>, now: Option<f64>) -> (bool, Option<f64>) {
    let (Some(now), Some(last)) = (now, last) else {
        return (now.is_some(), None);
    };
    let change = (now - last).abs();
    if change <= TEMPO_CHANGE * last || change > TEMPO_JUMP * last {
        return (false, None);
    }
    match moved {
        Some(m) if (now - m).abs() <= TEMPO_CHANGE * m => (true, None),
        _ => (false, Some(now)),
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

#[cfg(test)]
mod tests {
    use super::tempo_news;

    #[test]
    fn a_tempo_move_is_news_once_the_next_window_confirms_it() {
        // The first tempo is news; a small wobble or a jump (the next tune's) is not.
        assert_eq!(tempo_news(None, None, Some(120.0)), (true, None));
        assert_eq!(tempo_news(Some(120.0), None, Some(121.0)), (false, None));
        assert_eq!(tempo_news(Some(120.0), None, Some(160.0)), (false, None));
        assert_eq!(tempo_news(Some(120.0), None, None), (false, None));
        // A move waits for the next window...
        assert_eq!(
            tempo_news(Some(120.0), None, Some(126.0)),
            (false, Some(126.0))
        );
        // ...which confirms it,
        assert_eq!(
            tempo_news(Some(120.0), Some(126.0), Some(126.5)),
            (true, None)
        );
        // or moves on (a window across a tune change), and waits again,
        assert_eq!(
            tempo_news(Some(120.0), Some(126.0), Some(132.0)),
            (false, Some(132.0))
        );
        // or comes back, and the move is forgotten.
        assert_eq!(
            tempo_news(Some(120.0), Some(126.0), Some(120.5)),
            (false, None)
        );
    }
}
