//! Offline beat, downbeat and meter tracking with a bar-pointer model.
//!
//! The hidden state is (meter M, beat period τ in frames, position φ in the bar, 0 ≤ φ < M·τ).
//! φ advances one frame per frame; at the end of a bar it wraps to 0 and τ may change, with
//! probability falling off exponentially with the relative tempo change (Krebs, Böck & Widmer
//! 2015; the state space of madmom's DBN). Frames at the start of a beat emit the beat (or,
//! for beat 1, the downbeat) activation; other frames emit its complement. Viterbi gives the
//! path; comparing each meter's best path gives the meter posterior.
//!
//! Two things keep this cheap enough for a board: the position within a bar is a ring buffer
//! that never moves (advancing φ is a change of index), and the non-beat emission is common
//! to all states at a frame, so only the few beat-region states are touched per frame.
//!
//! The model assumes equal beats. Polska's uneven beats are placed afterwards: each decoded
//! beat moves to the strongest activation within a fraction of a beat, weighted towards the
//! decoded position.

use crate::activation::Activations;
pub use crate::alternate::{other_binary_meter, AlternateReading};

/// A bar of `shares.len()` beats and the share of the bar each beat takes (summing to 1).
#[derive(Clone, Debug, PartialEq)]
pub struct BarPattern {
    /// Short name ("3/4 long 1").
    pub name: &'static str,
    /// Share of the bar per beat.
    pub shares: Vec<f64>,
}

impl BarPattern {
    /// Beats per bar.
    pub fn meter(&self) -> u8 {
        self.shares.len() as u8
    }

    /// Bar position (frame within a bar of `bar_len` frames) at which each beat starts.
    pub fn beat_starts(&self, bar_len: usize) -> Vec<usize> {
        let mut acc = 0.0;
        self.shares
            .iter()
            .map(|s| {
                let at = (acc * bar_len as f64).round() as usize;
                acc += s;
                at.min(bar_len - 1)
            })
            .collect()
    }

    /// Even 2/4, 3/4 and 4/4 bars plus the uneven three-beat bars of Nordic dance music:
    /// the hambo's long first beat, the polska's short first, long second or short third beat
    /// (round figures from the dance literature, not fitted to any recording).
    pub fn folk_defaults() -> Vec<BarPattern> {
        vec![
            BarPattern {
                name: "2/4",
                shares: vec![0.5, 0.5],
            },
            BarPattern {
                name: "3/4",
                shares: vec![1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0],
            },
            BarPattern {
                name: "3/4 long 1",
                shares: vec![0.40, 0.30, 0.30],
            },
            BarPattern {
                name: "3/4 short 1",
                shares: vec![0.28, 0.36, 0.36],
            },
            BarPattern {
                name: "3/4 long 2",
                shares: vec![0.31, 0.38, 0.31],
            },
            BarPattern {
                name: "3/4 short 3",
                shares: vec![0.36, 0.36, 0.28],
            },
            BarPattern {
                name: "4/4",
                shares: vec![0.25; 4],
            },
        ]
    }
}

/// Tracker settings.
#[derive(Clone, Debug)]
pub struct TrackerConfig {
    /// Frames per second of the activations.
    pub fps: f32,
    /// Slowest tempo considered, beats/min.
    pub min_bpm: f32,
    /// Fastest tempo considered, beats/min.
    pub max_bpm: f32,
    /// Bar patterns considered: each is a meter with the share of the bar each beat takes.
    pub patterns: Vec<BarPattern>,
    /// Tempo-change stiffness λ: p(τ'|τ) ∝ exp(−λ·|τ'/τ − 1|) at bar boundaries.
    pub tempo_change_lambda: f64,
    /// Ratio of non-beat to beat frames in the observation model (madmom's λ_obs).
    pub observation_lambda: f64,
    /// Weight of the low-band accent evidence (log-probability multiplier).
    pub accent_weight: f32,
    /// Weight of the harmonic-change evidence for downbeats (chords change at bar lines).
    pub harmonic_weight: f32,
    /// Share of the low-band activation in the beat emission (bass and stomps mark beats).
    pub downbeat_low_weight: f32,
    /// Seconds of audio per unit of evidence when tempering the meter posterior.
    pub meter_evidence_s: f32,
    /// Centre of the log-normal tempo prior, beats/min.
    pub prior_bpm: f64,
    /// Strength of the tempo prior: nats per second per squared natural-log tempo ratio.
    pub prior_strength: f64,
    /// How far (in beats) a beat may move to the activation peak when placed.
    pub placement_reach: f32,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        TrackerConfig {
            fps: crate::FRAME_RATE,
            min_bpm: 55.0,
            max_bpm: 200.0,
            patterns: BarPattern::folk_defaults(),
            tempo_change_lambda: 100.0,
            observation_lambda: 16.0,
            accent_weight: 2.0,
            harmonic_weight: 1.0,
            downbeat_low_weight: 0.5,
            meter_evidence_s: 10.0,
            prior_bpm: 120.0,
            prior_strength: 2.0,
            placement_reach: 0.2,
        }
    }
}

/// The tracker's answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrackResult {
    /// Beat frames, ascending.
    pub beat_frames: Vec<usize>,
    /// Position of each beat in its bar (1 = downbeat).
    pub beat_numbers: Vec<u8>,
    /// Chosen beats per bar (0 when nothing was tracked).
    pub beats_per_bar: u8,
    /// Posterior probability of each meter considered, ascending by meter.
    pub meter_posterior: Vec<(u8, f32)>,
    /// Best path log-likelihood of every bar pattern (diagnostics).
    pub pattern_scores: Vec<(&'static str, f64)>,
    /// Name of the chosen bar pattern.
    pub pattern: &'static str,
    /// When the chosen bar is binary, the best path in the other binary meter (2 ↔ 4): the
    /// rhythm cannot tell a 4/4 bar from two 2/4 bars, so both readings are kept and the
    /// dance's notation picks one later, without the audio.
    pub alternate: Option<AlternateReading>,
}

impl TrackResult {
    /// Probability that the bar is ternary (sum over ternary meters).
    pub fn ternary_probability(&self) -> f32 {
        self.meter_posterior
            .iter()
            .filter(|(m, _)| m % 3 == 0)
            .map(|(_, p)| p)
            .sum()
    }
}

/// The bar-pointer tracker, built once per configuration.
pub struct BarPointerTracker {
    pub(crate) config: TrackerConfig,
    pub(crate) periods: Vec<usize>,
    /// log p(τ_to | τ_from), row `from`, only for neighbours within reach; (to, from, logp).
    pub(crate) transitions: Vec<Vec<(usize, f64)>>,
}

pub(crate) const EPS: f32 = 1e-4;
/// Floor of the downbeat-accent probability, so one missing bass note costs little.
pub(crate) const LOW_FLOOR: f32 = 0.1;

impl BarPointerTracker {
    /// Builds the tempo grid and transition table.
    pub fn new(config: TrackerConfig) -> BarPointerTracker {
        let min_p = (60.0 * config.fps / config.max_bpm).floor().max(2.0) as usize;
        let max_p = (60.0 * config.fps / config.min_bpm).ceil() as usize;
        let mut periods: Vec<usize> = Vec::new();
        let mut p = min_p as f64;
        while p <= max_p as f64 {
            let r = p.round() as usize;
            if periods.last() != Some(&r) {
                periods.push(r);
            }
            p *= 1.03;
        }
        // transitions[to] = list of (from, log p(to | from)).
        let n = periods.len();
        let mut rows: Vec<Vec<f64>> = vec![vec![f64::NEG_INFINITY; n]; n];
        for (from, &pf) in periods.iter().enumerate() {
            let weights: Vec<f64> = periods
                .iter()
                .map(|&pt| {
                    (-config.tempo_change_lambda * (pt as f64 / pf as f64 - 1.0).abs()).exp()
                })
                .collect();
            let sum: f64 = weights.iter().sum();
            for (to, w) in weights.iter().enumerate() {
                let prob = w / sum;
                if *w > 1e-3 {
                    rows[to][from] = prob.ln();
                }
            }
        }
        let transitions = rows
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .enumerate()
                    .filter(|(_, l)| l.is_finite())
                    .collect()
            })
            .collect();
        BarPointerTracker {
            config,
            periods,
            transitions,
        }
    }

    /// Tracks beats, downbeats and meter in a piece's activations.
    pub fn track(&self, act: &Activations) -> TrackResult {
        let (beat, low) = (&act.beat[..], &act.downbeat[..]);
        let n = beat.len().min(low.len());
        let harmonic: Vec<f32> = if act.harmonic.len() >= n {
            act.harmonic[..n].to_vec()
        } else {
            vec![0.0; n]
        };
        if n < 2 || self.periods.is_empty() {
            return TrackResult::default();
        }
        let lambda = self.config.observation_lambda;
        let w_low = self.config.downbeat_low_weight;
        let w_accent = self.config.accent_weight;
        // Emission differences relative to the common non-beat emission.
        let nonbeat: Vec<f64> = beat[..n]
            .iter()
            .map(|&a| (((1.0 - a) as f64) / (lambda - 1.0) + EPS as f64).ln())
            .collect();
        // Every beat emits the beat activation; whether it is a downbeat is judged by the
        // low-band activation relative to its typical value at onsets, so that a piece with
        // bass on every beat does not reward calling every beat a downbeat (which favoured
        // 2/4 over 3/4 and 4/4).
        let typical_low = typical_at_onsets(beat, low);
        let typical_harmonic = typical_at_onsets(beat, &harmonic);
        let w_harmonic = self.config.harmonic_weight;
        let evidence = |x: f32, typical: f32, down: bool| {
            let x = x.clamp(0.0, 1.0);
            let (p, q) = if down {
                (x, typical)
            } else {
                (1.0 - x, 1.0 - typical)
            };
            (((p + LOW_FLOOR) / (q + LOW_FLOOR)) as f64).ln()
        };
        let accent = |t: usize, down: bool| {
            w_accent as f64 * evidence(low[t], typical_low, down)
                + w_harmonic as f64 * evidence(harmonic[t], typical_harmonic, down)
        };
        let onset: Vec<f64> = (0..n)
            .map(|t| {
                let mix = (1.0 - w_low) * beat[t] + w_low * low[t];
                ((mix + EPS) as f64).ln() - nonbeat[t]
            })
            .collect();
        let beat_diff: Vec<f64> = (0..n).map(|t| onset[t] + accent(t, false)).collect();
        let down_diff: Vec<f64> = (0..n).map(|t| onset[t] + accent(t, true)).collect();

        let mut scores = Vec::new();
        let mut paths = Vec::new();
        for pattern in &self.config.patterns {
            let (score, path) = self.viterbi(pattern, n, &beat_diff, &down_diff);
            scores.push(score);
            paths.push(path);
        }
        let best_idx = (0..scores.len())
            .max_by(|&a, &b| scores[a].total_cmp(&scores[b]))
            .expect("at least one pattern");
        // Meter evidence: the best pattern of each meter, tempered to one unit per
        // `meter_evidence_s` seconds so the posterior reflects more than the clip length.
        let mut meters: Vec<u8> = self.config.patterns.iter().map(BarPattern::meter).collect();
        meters.sort_unstable();
        meters.dedup();
        let per_meter: Vec<(u8, f64)> = meters
            .iter()
            .map(|&m| {
                let best = self
                    .config
                    .patterns
                    .iter()
                    .zip(&scores)
                    .filter(|(p, _)| p.meter() == m)
                    .map(|(_, s)| *s)
                    .fold(f64::NEG_INFINITY, f64::max);
                (m, best)
            })
            .collect();
        let temperature =
            (n as f64 / (self.config.fps as f64 * self.config.meter_evidence_s as f64)).max(1.0);
        let max_score = scores[best_idx];
        let weights: Vec<f64> = per_meter
            .iter()
            .map(|(_, s)| ((s - max_score) / temperature).exp())
            .collect();
        let total: f64 = weights.iter().sum();
        let meter_posterior = per_meter
            .iter()
            .zip(&weights)
            .map(|((m, _), w)| (*m, (w / total) as f32))
            .collect();
        let chosen_meter = self.config.patterns[best_idx].meter();
        let alternate = other_binary_meter(chosen_meter)
            .and_then(|m| {
                (0..scores.len())
                    .filter(|&i| self.config.patterns[i].meter() == m)
                    .max_by(|&a, &b| scores[a].total_cmp(&scores[b]))
            })
            .map(|i| {
                let (frames, numbers, period) = &paths[i];
                AlternateReading {
                    beats_per_bar: self.config.patterns[i].meter(),
                    beat_frames: self.place(frames, period, beat),
                    beat_numbers: numbers.clone(),
                }
            });
        let (frames, numbers, period) = paths.swap_remove(best_idx);
        let placed = self.place(&frames, &period, beat);
        TrackResult {
            beat_frames: placed,
            beat_numbers: numbers,
            beats_per_bar: self.config.patterns[best_idx].meter(),
            meter_posterior,
            pattern_scores: self
                .config
                .patterns
                .iter()
                .map(|p| p.name)
                .zip(scores.iter().copied())
                .collect(),
            pattern: self.config.patterns[best_idx].name,
            alternate,
        }
    }

    /// Viterbi over one bar pattern; returns the best score and the path's beats (frame,
    /// number, beat period at that beat).
    #[allow(clippy::type_complexity)]
    fn viterbi(
        &self,
        pattern: &BarPattern,
        n: usize,
        beat_diff: &[f64],
        down_diff: &[f64],
    ) -> (f64, (Vec<usize>, Vec<u8>, Vec<usize>)) {
        let np = self.periods.len();
        let meter = pattern.shares.len();
        let lens: Vec<usize> = self.periods.iter().map(|p| p * meter).collect();
        // Bar position at which each beat starts, per tempo.
        let starts: Vec<Vec<usize>> = lens.iter().map(|&l| pattern.beat_starts(l)).collect();
        // Uniform prior over all states.
        let total_states: usize = lens.iter().sum();
        let prior = -(total_states as f64).ln();
        let mut rings: Vec<Vec<f64>> = lens.iter().map(|&l| vec![prior; l]).collect();
        let widths: Vec<usize> = self
            .periods
            .iter()
            .map(|&p| ((p as f64 / self.config.observation_lambda).round() as usize).max(1))
            .collect();
        let mut backptr: Vec<u8> = vec![0; n * np];
        let mut ends = vec![0f64; np];
        // The tempo prior costs every state of a tempo the same per frame; it is kept as a
        // per-tempo offset and applied only when paths cross tempi (and at the end).
        let prior_per_frame: Vec<f64> = self
            .periods
            .iter()
            .map(|&p| {
                let bpm = 60.0 * self.config.fps as f64 / p as f64;
                self.config.prior_strength * (bpm / self.config.prior_bpm).ln().powi(2)
                    / self.config.fps as f64
            })
            .collect();
        let mut offset = vec![0f64; np];
        // Ring slot of bar position 0 at the current frame, per tempo: (−t) mod l, kept
        // incrementally because a division per tempo per frame dominated the run time.
        let mut head = vec![0usize; np];
        for t in 0..n {
            for (o, g) in offset.iter_mut().zip(&prior_per_frame) {
                *o -= g;
            }
            if t > 0 {
                for ((h, &l), (e, (ring, o))) in head
                    .iter_mut()
                    .zip(&lens)
                    .zip(ends.iter_mut().zip(rings.iter().zip(&offset)))
                {
                    *h = if *h == 0 { l - 1 } else { *h - 1 };
                    *e = ring[*h] + o;
                }
                for (to, ring) in rings.iter_mut().enumerate() {
                    let (mut best, mut arg) = (f64::NEG_INFINITY, to);
                    for &(from, lp) in &self.transitions[to] {
                        let v = ends[from] + lp;
                        if v > best {
                            best = v;
                            arg = from;
                        }
                    }
                    ring[head[to]] = best - offset[to];
                    backptr[t * np + to] = arg as u8;
                }
            }
            for (i, ring) in rings.iter_mut().enumerate() {
                let (l, w) = (lens[i], widths[i]);
                let shift = head[i];
                for (k, &start) in starts[i].iter().enumerate() {
                    let diff = if k == 0 { down_diff[t] } else { beat_diff[t] };
                    // start < l and shift < l, so one subtraction replaces a division.
                    let mut idx = start + shift;
                    if idx >= l {
                        idx -= l;
                    }
                    let first = w.min(l - idx);
                    for v in &mut ring[idx..idx + first] {
                        *v += diff;
                    }
                    for v in &mut ring[..w - first] {
                        *v += diff;
                    }
                }
            }
        }
        // Best final state.
        let (mut best, mut bi, mut bphi) = (f64::NEG_INFINITY, 0, 0);
        for (i, ring) in rings.iter().enumerate() {
            let l = lens[i];
            for (idx, &v) in ring.iter().enumerate() {
                let v = v + offset[i];
                if v > best {
                    best = v;
                    bi = i;
                    bphi = (idx + (n - 1)) % l;
                }
            }
        }
        // Backtrack.
        let (mut frames, mut numbers, mut period) = (Vec::new(), Vec::new(), Vec::new());
        let (mut ti, mut phi) = (bi, bphi);
        for t in (0..n).rev() {
            if let Some(k) = starts[ti].iter().position(|&s| s == phi) {
                frames.push(t);
                numbers.push((k + 1) as u8);
                period.push(self.periods[ti]);
            }
            if t == 0 {
                break;
            }
            if phi > 0 {
                phi -= 1;
            } else {
                ti = backptr[t * np + ti] as usize;
                phi = lens[ti] - 1;
            }
        }
        frames.reverse();
        numbers.reverse();
        period.reverse();
        (best, (frames, numbers, period))
    }

    /// Moves each beat to the strongest nearby activation (Gaussian-weighted towards the
    /// decoded position), keeping beats in order.
    fn place(&self, frames: &[usize], periods: &[usize], act: &[f32]) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::with_capacity(frames.len());
        for (&f, &p) in frames.iter().zip(periods) {
            let reach = ((p as f32 * self.config.placement_reach).round() as usize).max(1);
            let sigma = (p as f32 * self.config.placement_reach * 0.6).max(1.0);
            let lo = f.saturating_sub(reach);
            let hi = (f + reach).min(act.len() - 1);
            let mut best = (f, act[f]);
            for (t, &a) in act.iter().enumerate().take(hi + 1).skip(lo) {
                let d = (t as f32 - f as f32) / sigma;
                let score = a * (-0.5 * d * d).exp();
                if score > best.1 {
                    best = (t, score);
                }
            }
            let mut t = best.0;
            if let Some(&prev) = out.last() {
                if t <= prev {
                    t = f.max(prev + 1);
                }
            }
            out.push(t);
        }
        out
    }
}

/// Mean of a cue at onset peaks (local maxima of the beat activation above 0.3).
fn typical_at_onsets(beat: &[f32], low: &[f32]) -> f32 {
    let (mut sum, mut count) = (0f32, 0usize);
    for t in 1..beat.len().min(low.len()).saturating_sub(1) {
        if beat[t] > 0.3 && beat[t] >= beat[t - 1] && beat[t] >= beat[t + 1] {
            sum += low[t - 1].max(low[t]).max(low[t + 1]);
            count += 1;
        }
    }
    if count == 0 {
        0.5
    } else {
        (sum / count as f32).clamp(0.05, 0.95)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pulses(n: usize, beats: &[(usize, u8)]) -> (Vec<f32>, Vec<f32>) {
        let mut a = vec![0.02f32; n];
        let mut low = vec![0.0f32; n];
        for &(f, num) in beats {
            a[f] = 1.0;
            if num == 1 {
                low[f] = 1.0;
            }
        }
        (a, low)
    }

    #[test]
    fn finds_a_waltz_and_its_downbeats() {
        // 150 bpm (40 frames per beat), 3/4, downbeat accents in the low band.
        let beats: Vec<(usize, u8)> = (0..60).map(|i| (20 + 40 * i, (i % 3 + 1) as u8)).collect();
        let (a, low) = pulses(2500, &beats);
        let r = BarPointerTracker::new(TrackerConfig::default()).track(&Activations {
            beat: a,
            downbeat: low,
            harmonic: Vec::new(),
        });
        assert_eq!(r.beats_per_bar, 3);
        assert!(r.ternary_probability() > 0.9, "{:?}", r.meter_posterior);
        let downs: Vec<usize> = r
            .beat_frames
            .iter()
            .zip(&r.beat_numbers)
            .filter(|(_, n)| **n == 1)
            .map(|(f, _)| *f)
            .collect();
        let hits = downs
            .iter()
            .filter(|d| beats.iter().any(|(f, n)| *n == 1 && f.abs_diff(**d) <= 2))
            .count();
        assert!(hits + 2 >= downs.len() && downs.len() >= 18, "{downs:?}");
    }

    #[test]
    fn places_uneven_polska_beats() {
        // Bar of 150 frames split 0.285 / 0.36 / 0.355.
        let mut beats = Vec::new();
        for bar in 0..20 {
            let s = 30 + 150 * bar;
            beats.push((s, 1));
            beats.push((s + 43, 2));
            beats.push((s + 97, 3));
        }
        let (a, low) = pulses(3200, &beats);
        let r = BarPointerTracker::new(TrackerConfig::default()).track(&Activations {
            beat: a,
            downbeat: low,
            harmonic: Vec::new(),
        });
        assert_eq!(r.beats_per_bar, 3, "{:?}", r.meter_posterior);
        let matched = beats
            .iter()
            .filter(|(f, _)| r.beat_frames.iter().any(|b| b.abs_diff(*f) <= 3))
            .count();
        assert!(
            matched >= beats.len() - 3,
            "matched {matched} of {}",
            beats.len()
        );
    }
}
