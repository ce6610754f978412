//! Causal beat, downbeat and meter tracking for live audio: the bar-pointer model of
//! [`crate::tracker`] run as a forward filter, with causally normalized activations.
//!
//! Everything is allocated in [`StreamingTracker::new`]; [`StreamingTracker::push`] takes one
//! frame (10 ms) of front-end features, updates the state probabilities and says whether a beat
//! happened at this frame. Memory is fixed by the configuration (patterns × tempi × bar
//! positions probabilities, about 0.4 MB with the defaults), not by the length of the stream.
//!
//! Differences from the offline tracker, all forced by causality: activations are normalized
//! by the recent past (moving mean over 0.5 s, decaying peak) instead of the whole piece; the
//! tempo prior is applied once per bar; harmonic change is not used (it needs the next quarter
//! second); a beat is reported when the most probable state reaches a beat position, so there
//! is no look-ahead and no beat placement refinement.
//!
//! Tunes follow each other in a hall with a few seconds' gap or none. A pure forward filter
//! never forgets: after minutes of a polska the 4-beat patterns and a schottis tempo are so
//! improbable that the new tune needs as long again to win. The filter therefore assumes a
//! small probability of a tune change per second, a jump to any state (see
//! [`StreamingTracker::with_change_rate`]): the old tune's states can then lead the new ones
//! by a bounded amount only, and a change re-locks within a few bars.

use crate::frontend::FrameFeatures;
use crate::learned::mix;
use crate::tracker::{BarPattern, BarPointerTracker, TrackerConfig, EPS, LOW_FLOOR};

mod best;
mod changes;
mod lanes;
mod normalize;
use best::{changed_slots, wrap, Best};
use changes::change_share;
pub use normalize::CausalNormalizer;

/// State probabilities are rescaled (the most probable to 1) when the largest leaves this range.
/// They are f32 (half the memory a frame's scan reads, twice the values per vector
/// instruction), so the range is narrow: one frame multiplies the largest by at most about 1e6.
const RESCALE_BELOW: f32 = 1e-5;
/// See [`RESCALE_BELOW`].
const RESCALE_ABOVE: f32 = 1e10;
/// No state probability is kept below this: far below the tune-change floor (about 1e-18 of
/// the largest) and far above f32's subnormals, whose arithmetic is many times slower on x86.
const TINY: f32 = 1e-30;
/// Frames between applications of the tune-change floor. Its cost is two passes over every
/// state and, after it, a full search for the best state: live, where each frame finds the
/// state cold in the cache, every 10 frames made it a third of the tracker's time. Half a
/// second is still far below the few seconds a re-lock takes.
const CHANGE_EVERY: u64 = 50;
/// Default probability of a tune change per second (see [`StreamingTracker::with_change_rate`]).
/// Chosen on generated training clips (never dev): on 24 joined sets of three (`scripts/
/// eval_sets.py`) rates from 1e-12 to 3e-4 all re-lock a change in a median 4.9-6.1 s (a pure
/// forward filter: 30 s, half of the changes never), while the beats of single clips get worse
/// as the rate grows (80 seed-1 clips, beat-tcn-v1: F 0.962 without, 0.952 at 1e-6, 0.940 at
/// 3e-5): the observations are sharp, so a few misleading beats overturn a memory that is
/// bounded too low. 1e-12 keeps single clips as they were.
pub const DEFAULT_CHANGE_RATE: f64 = 1e-12;

/// A beat reported by the streaming tracker.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BeatEvent {
    /// Frame of the beat: the frame just pushed, plus the tracker's lead (see
    /// [`StreamingTracker::with_lead`]).
    pub frame: u64,
    /// Position in the bar, 1 = downbeat.
    pub number: u8,
    /// Beats per bar of the current best pattern.
    pub beats_per_bar: u8,
    /// Tempo of the current best state, beats/min.
    pub tempo_bpm: f32,
}

struct PatternState {
    meter: usize,
    lens: Vec<usize>,
    starts: Vec<Vec<usize>>,
    rings: Vec<Vec<f32>>,
    heads: Vec<usize>,
}

/// The forward-filtering tracker.
pub struct StreamingTracker {
    config: TrackerConfig,
    periods: Vec<usize>,
    /// For each target tempo: (source tempo, probability).
    transitions: Vec<Vec<(usize, f32)>>,
    /// exp(−tempo prior over one bar) per pattern per tempo.
    bar_prior: Vec<Vec<f32>>,
    widths: Vec<usize>,
    patterns: Vec<PatternState>,
    ends: Vec<f32>,
    beat_norm: CausalNormalizer,
    low_norm: CausalNormalizer,
    typical_low: f32,
    frame: u64,
    /// Frame of the last beat reported (where it falls, the lead included).
    last_beat: Option<u64>,
    /// Pattern and bar position (fraction of the bar) of the previous frame's most probable
    /// state, advanced by the lead.
    last_position: Option<(usize, f64)>,
    /// Frames ahead of the newest frame at which beats are reported.
    lead: usize,
    /// Share of the probability mass moved to the uniform distribution every
    /// [`CHANGE_EVERY`] frames.
    change_share: f64,
    /// Number of states, for the uniform floor.
    states: usize,
    /// Where the most probable state was after the previous frame, when no pass over every
    /// state (rescaling, the tune-change floor) has changed the states since.
    last_best: Option<(usize, usize, usize)>,
}

impl StreamingTracker {
    /// Allocates every buffer for the configuration.
    pub fn new(config: TrackerConfig) -> StreamingTracker {
        let offline = BarPointerTracker::new(config.clone());
        let periods = offline.periods.clone();
        let transitions = offline
            .transitions
            .iter()
            .map(|row| {
                row.iter()
                    .map(|&(from, lp)| (from, lp.exp() as f32))
                    .collect()
            })
            .collect();
        let widths: Vec<usize> = periods
            .iter()
            .map(|&p| ((p as f64 / config.observation_lambda).round() as usize).max(1))
            .collect();
        let patterns: Vec<PatternState> = config
            .patterns
            .iter()
            .map(|pat| pattern_state(pat, &periods))
            .collect();
        let total: usize = patterns.iter().flat_map(|p| p.lens.iter()).sum();
        let mut patterns = patterns;
        for p in &mut patterns {
            for r in &mut p.rings {
                r.fill(1.0 / total as f32);
            }
        }
        let bar_prior = patterns
            .iter()
            .map(|pat| {
                periods
                    .iter()
                    .zip(&pat.lens)
                    .map(|(&p, &l)| {
                        let bpm = 60.0 * config.fps as f64 / p as f64;
                        let per_frame = config.prior_strength
                            * (bpm / config.prior_bpm).ln().powi(2)
                            / config.fps as f64;
                        (-per_frame * l as f64).exp() as f32
                    })
                    .collect()
            })
            .collect();
        StreamingTracker {
            ends: vec![0.0; periods.len()],
            beat_norm: CausalNormalizer::new(0.25),
            low_norm: CausalNormalizer::new(0.03),
            typical_low: 0.5,
            frame: 0,
            last_beat: None,
            last_position: None,
            lead: 0,
            change_share: change_share(DEFAULT_CHANGE_RATE, config.fps),
            states: total,
            last_best: None,
            config,
            periods,
            transitions,
            bar_prior,
            widths,
            patterns,
        }
    }

    /// Reports each beat `frames` frames before the newest frame reaches it, at the frame the
    /// most probable state predicts for it. A live front end sees a beat only some tens of
    /// milliseconds after it sounded (half its window, the resampler, the network's pulse);
    /// predicting that far ahead lets beat events leave on time, at some cost in accuracy
    /// because the beat's own onset is not yet heard.
    pub fn with_lead(mut self, frames: usize) -> StreamingTracker {
        self.lead = frames;
        self
    }

    /// Assumes tunes change with probability `per_second` per second: that share of the
    /// state probability is spread over all states, so no pattern, tempo or bar phase ever
    /// becomes too improbable to take over when the music changes. 0 = a pure forward filter.
    pub fn with_change_rate(mut self, per_second: f64) -> StreamingTracker {
        self.change_share = change_share(per_second, self.config.fps);
        self
    }

    /// Takes one front-end frame; returns a beat if one happened at this frame (or, with a
    /// lead, is predicted `lead` frames ahead).
    pub fn push(&mut self, f: &FrameFeatures) -> Option<BeatEvent> {
        let (a, low) = self.dsp_activations(f);
        self.push_activations(a, low)
    }

    /// Like [`StreamingTracker::push`], with the frame's beat and downbeat probabilities from
    /// a network mixed in: `share` of the network's, `1 − share` of the DSP activations.
    pub fn push_mixed(
        &mut self,
        f: &FrameFeatures,
        net: [f32; 2],
        share: f32,
    ) -> Option<BeatEvent> {
        let (a, low) = self.dsp_activations(f);
        self.push_activations(mix(a, net[0], share), mix(low, net[1], share))
    }

    /// The causally normalized flux and low-band flux of a frame, both 0..=1-ish.
    fn dsp_activations(&mut self, f: &FrameFeatures) -> (f32, f32) {
        let a = self.beat_norm.push(f.flux);
        let low = self.low_norm.push(f.low_flux).clamp(0.0, 1.0);
        (a, low)
    }

    /// Advances one frame with the given beat activation `a` (0..=1) and downbeat/low-band
    /// activation `low` (0..=1).
    pub fn push_activations(&mut self, a: f32, low: f32) -> Option<BeatEvent> {
        if a > 0.5 {
            self.typical_low = 0.99 * self.typical_low + 0.01 * low.clamp(0.05, 0.95);
        }
        let lambda = self.config.observation_lambda;
        let w_low = self.config.downbeat_low_weight;
        let w_accent = self.config.accent_weight as f64;
        let nonbeat = ((1.0 - a) as f64) / (lambda - 1.0) + EPS as f64;
        let mix = ((1.0 - w_low) * a + w_low * low + EPS) as f64;
        let accent = |down: bool| {
            let (p, q) = if down {
                (low, self.typical_low)
            } else {
                (1.0 - low, 1.0 - self.typical_low)
            };
            ((p + LOW_FLOOR) / (q + LOW_FLOOR)) as f64
        };
        // black_box keeps the two powf calls here: otherwise the optimizer sinks them into the
        // loop over every tempo and beat below (hundreds of calls per frame).
        let down_ratio = std::hint::black_box(mix / nonbeat * accent(true).powf(w_accent)) as f32;
        let beat_ratio = std::hint::black_box(mix / nonbeat * accent(false).powf(w_accent)) as f32;

        // Only the bar-end slot and the beat windows of each ring change in a frame, so the
        // most probable state is the better of the changed slots and last frame's best, unless
        // that one changed itself (then every state is scanned; see `best.rs`).
        let mut best = Best::NONE;
        for (pi, pat) in self.patterns.iter_mut().enumerate() {
            if self.frame > 0 {
                for (i, ((h, &l), ring)) in pat
                    .heads
                    .iter_mut()
                    .zip(&pat.lens)
                    .zip(&pat.rings)
                    .enumerate()
                {
                    *h = if *h == 0 { l - 1 } else { *h - 1 };
                    self.ends[i] = ring[*h] * self.bar_prior[pi][i];
                }
                for (to, ring) in pat.rings.iter_mut().enumerate() {
                    let incoming: f32 = self.transitions[to]
                        .iter()
                        .map(|&(from, p)| self.ends[from] * p)
                        .sum();
                    ring[pat.heads[to]] = incoming;
                }
            }
            for (i, ring) in pat.rings.iter_mut().enumerate() {
                let (l, w, head) = (pat.lens[i], self.widths[i], pat.heads[i]);
                let mut changed_max = if self.frame > 0 {
                    ring[head]
                } else {
                    f32::NEG_INFINITY
                };
                for (k, &start) in pat.starts[i].iter().enumerate() {
                    let ratio = if k == 0 { down_ratio } else { beat_ratio };
                    let first = wrap(start + head, l);
                    // The window as at most two runs of the ring, so the loops vectorize.
                    let run = w.min(l - first);
                    let (wrapped, rest) = ring.split_at_mut(first);
                    for v in rest[..run].iter_mut().chain(&mut wrapped[..w - run]) {
                        *v = (*v * ratio).max(TINY);
                        changed_max = changed_max.max(*v);
                    }
                }
                // Where the largest changed state sits is looked for only when it can win.
                if changed_max >= best.value {
                    let at = changed_slots(&pat.starts[i], head, l, w, self.frame > 0)
                        .filter(|&idx| ring[idx] == changed_max)
                        .min();
                    if let Some(idx) = at {
                        best.offer(changed_max, (pi, i, idx));
                    }
                }
            }
        }
        match self.last_best.filter(|&at| !self.changed(at)) {
            Some((pi, ti, idx)) => best.offer(self.patterns[pi].rings[ti][idx], (pi, ti, idx)),
            None => best = self.scan_all(),
        }
        self.last_best = Some(best.at);
        let best_at = best.at;
        let best = best.value;
        // The model is linear in the state probabilities, so they need rescaling only to stay
        // inside f32's range, and the largest (needed anyway) tells when: skipping the pass over
        // every state on most frames, and the sum, saves most of the tracker's time.
        if best > 0.0 && best.is_finite() && !(RESCALE_BELOW..=RESCALE_ABOVE).contains(&best) {
            let scale = 1.0 / best;
            for pat in &mut self.patterns {
                for ring in &mut pat.rings {
                    for v in ring.iter_mut() {
                        *v = (*v * scale).max(TINY);
                    }
                }
            }
            // Rounding may tie states the scale kept apart: the next frame scans them all.
            self.last_best = None;
        }
        if self.change_share > 0.0 && self.frame % CHANGE_EVERY == CHANGE_EVERY - 1 {
            self.spread_for_changes();
            self.last_best = None;
        }
        let (pi, ti, idx) = best_at;
        let pat = &self.patterns[pi];
        let l = pat.lens[ti];
        let phi = (idx + l - pat.heads[ti] + self.lead % l) % l;
        let period = self.periods[ti];
        let width = self.widths[ti];
        // A beat is due when the most probable state sits at a beat start, or when it has
        // moved past one since the previous frame within the same bar pattern (the best state
        // can jump between tempi).
        let position = phi as f64 / l as f64;
        let max_step = 0.6 / pat.meter as f64;
        let crossed = |s: usize| {
            let at = s as f64 / l as f64;
            let small_step = self
                .last_position
                .is_some_and(|(_, prev)| (position - prev).rem_euclid(1.0) < max_step);
            if !small_step {
                // A jump of more than half a beat re-phases the bar: no beat was crossed.
                return false;
            }
            match self.last_position {
                Some((p, prev)) if p == pi && prev <= position => prev < at && at <= position,
                Some((p, prev)) if p == pi => prev < at || at <= position,
                _ => false,
            }
        };
        // With a lead, a state that jumps in at the beat's onset is already `lead` frames past
        // the beat start: the window is widened by the lead, and such a beat is reported at
        // the frame the state puts it on (never in the future of that).
        let event = pat.starts[ti]
            .iter()
            .position(|&s| (phi >= s && phi < s + width + self.lead) || crossed(s))
            .map(|k| BeatEvent {
                frame: self.frame
                    + self.lead.saturating_sub((phi + l - pat.starts[ti][k]) % l) as u64,
                number: (k + 1) as u8,
                beats_per_bar: pat.meter as u8,
                tempo_bpm: 60.0 * self.config.fps / period as f32,
            })
            // Beats are spaced by where they fall, not by when they were found: the widened
            // window still holds a beat already reported once its state has moved on a little
            // (with a long lead, most of a fast beat), and the same beat found again would be
            // sent twice a frame or two apart.
            .filter(|e| {
                self.last_beat
                    .is_none_or(|b| e.frame >= b + (period as u64 * 6 / 10).max(1))
            });
        self.last_position = Some((pi, position));
        if let Some(e) = &event {
            self.last_beat = Some(e.frame);
        }
        self.frame += 1;
        event
    }
}

fn pattern_state(pattern: &BarPattern, periods: &[usize]) -> PatternState {
    let meter = pattern.shares.len();
    let lens: Vec<usize> = periods.iter().map(|p| p * meter).collect();
    let starts = lens.iter().map(|&l| pattern.beat_starts(l)).collect();
    PatternState {
        meter,
        rings: lens.iter().map(|&l| vec![0.0; l]).collect(),
        heads: vec![0; lens.len()],
        lens,
        starts,
    }
}

#[cfg(test)]
mod tests;
