//! Derived features: everything computed from raw artifacts alone, in microseconds.
//!
//! This is the counterpart of NeckenML's `compute_derived_features`, with its known faults
//! fixed: beat shares are aligned to the real downbeats, punchiness does not saturate,
//! bounciness has one formula, and missing inputs give `None` instead of invented defaults.
//! Every formula is documented in `docs/features.md`.

use serde::Serialize;

use crate::artifact::{BeatTrack, RawArtifacts};
use crate::folk::{folk_authenticity, FolkAuthenticity};
use crate::vector::feature_vector;

/// All derived features of one track. `None` means the inputs were missing.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DerivedFeatures {
    /// The network that made the track's embedding (its model id), which decides whether a
    /// style head may read the feature vector ([`crate::head::StyleHead::reads`]).
    #[serde(skip)]
    pub embedding_model: Option<String>,
    /// Beats per minute: 60 / mean inter-beat interval.
    pub tempo_bpm: Option<f64>,
    /// 1 − coefficient of variation of bar (or beat) durations, clipped to 0..=1.
    pub bpm_stability: Option<f64>,
    /// Mean share of the bar taken by each beat position, over complete bars aligned to the
    /// downbeats; one value per beat of the bar, summing to 1.
    pub beat_shares: Option<Vec<f64>>,
    /// Median ratio (onset − beat) / (next beat − onset) of the mid-beat onset; 1 is even,
    /// 2 is a 2:1 (triplet) swing.
    pub swing_ratio: Option<f64>,
    /// Beat power relative to the whole track: mean beat power / (mean beat power + mean
    /// power). 0.5 when beats are no louder than the rest; does not saturate.
    pub punchiness: Option<f64>,
    /// Mean power at downbeats / mean power at all beats (1 = no accent on beat 1).
    pub downbeat_dominance: Option<f64>,
    /// Uneven three-beat bar that is not hambo-shaped, 0..=1 (ternary meters only).
    pub polska_score: Option<f64>,
    /// Long first beat with even second and third beats, 0..=1 (ternary meters only).
    pub hambo_score: Option<f64>,
    /// 1 − mean / max of the loudness envelope, 0..=1 (higher is more detached).
    pub articulation: Option<f64>,
    /// Swing and beat accent combined, 0..=1 (one formula on every path).
    pub bounciness: Option<f64>,
    /// Beats per bar of the meter.
    pub beats_per_bar: Option<u8>,
    /// Meter as a string: "2/4", "3/4" or "4/4".
    pub meter: Option<String>,
    /// Probability that the bar is ternary.
    pub ternary_confidence: Option<f64>,
    /// Integrated loudness in LUFS.
    pub loudness_lufs: Option<f64>,
    /// RMS of the signal.
    pub rms: Option<f64>,
    /// Zero crossings per sample.
    pub zcr: Option<f64>,
    /// Onsets per second.
    pub onset_rate: Option<f64>,
    /// Duration in seconds.
    pub duration_s: Option<f64>,
    /// Probability of a singing voice.
    pub voice_probability: Option<f64>,
    /// True when the instrumental score exceeds the vocal score.
    pub is_likely_instrumental: Option<bool>,
    /// Folk-authenticity score with its breakdown.
    pub folk_authenticity: Option<FolkAuthenticity>,
    /// The feature vector the style head reads (layout in `docs/features.md`).
    pub feature_vector: Vec<f32>,
}

/// Fewest complete bars for bar-based statistics.
const MIN_BARS: usize = 2;
/// Fewest beats with a mid-beat onset for a swing estimate.
const MIN_SWING_BEATS: usize = 4;
/// Half-width of the beat window used for beat energies, in seconds (for NeckenML interop).
pub const BEAT_WINDOW_S: f64 = 0.05;

/// Computes every derived feature from raw artifacts.
pub fn derive(a: &RawArtifacts) -> DerivedFeatures {
    let beats = a.beats.as_ref().filter(|b| b.times.len() >= 2);
    let beats_per_bar = a
        .rhythm
        .beats_per_bar
        .or_else(|| beats.and_then(|b| dominant_bar_length(&b.numbers)));
    let tempo_bpm = match beats {
        Some(b) => tempo_from_beats(&b.times),
        None => a.rhythm.tempo_bpm.map(f64::from),
    };
    let bars = match (beats, beats_per_bar) {
        (Some(b), Some(n)) => complete_bars(b, n),
        _ => Vec::new(),
    };
    let bpm_stability = beats.and_then(|b| stability(b, &bars, beats_per_bar));
    let beat_shares = shares(beats, &bars, beats_per_bar);
    let swing_ratio = match (beats, a.onsets.as_ref()) {
        (Some(b), Some(o)) => swing(&b.times, o),
        _ => None,
    };
    let stats = a.audio_stats.as_ref();
    let beat_energy = match (beats, a.dynamics.as_ref()) {
        (Some(b), Some(d)) if d.beat_energy.len() == b.times.len() => Some(&d.beat_energy),
        _ => None,
    };
    let punchiness = match (beat_energy, stats) {
        (Some(e), Some(s)) => punch(e, s.rms),
        _ => None,
    };
    let downbeat_dominance = match (beats, beat_energy) {
        (Some(b), Some(e)) => dominance(&b.numbers, e),
        _ => None,
    };
    let (polska_score, hambo_score) = match (&beat_shares, beats_per_bar) {
        (Some(s), Some(3)) => {
            let h = hambo(s);
            (Some(polska(s, h)), Some(h))
        }
        _ => (None, None),
    };
    let articulation = a
        .dynamics
        .as_ref()
        .and_then(|d| d.envelope.as_ref())
        .and_then(|e| articulation_of(&e.values));
    let bounciness = match (swing_ratio, punchiness) {
        (Some(s), Some(p)) => Some(bounce(s, p)),
        _ => None,
    };
    let voice_probability = a.vocal.as_ref().map(|v| v.vocal as f64);
    let is_likely_instrumental = a.vocal.as_ref().map(|v| v.instrumental > v.vocal);

    let mut f = DerivedFeatures {
        embedding_model: a.embedding.as_ref().map(|e| e.model.clone()),
        tempo_bpm,
        bpm_stability,
        beat_shares,
        swing_ratio,
        punchiness,
        downbeat_dominance,
        polska_score,
        hambo_score,
        articulation,
        bounciness,
        beats_per_bar,
        meter: beats_per_bar.map(|n| format!("{n}/4")),
        ternary_confidence: a.rhythm.ternary_confidence.map(f64::from),
        loudness_lufs: stats.and_then(|s| s.loudness_lufs).map(f64::from),
        rms: stats.map(|s| s.rms as f64),
        zcr: stats.map(|s| s.zcr as f64),
        onset_rate: stats.map(|s| s.onset_rate as f64),
        duration_s: stats.map(|s| s.duration_s as f64),
        voice_probability,
        is_likely_instrumental,
        folk_authenticity: None,
        feature_vector: Vec::new(),
    };
    f.folk_authenticity = folk_authenticity(&f, a.embedding.as_ref().map(|e| e.mean.as_slice()));
    f.feature_vector = feature_vector(&f, a);
    f
}

fn tempo_from_beats(times: &[f64]) -> Option<f64> {
    let span = times.last()? - times.first()?;
    (span > 0.0).then(|| 60.0 * (times.len() - 1) as f64 / span)
}

/// The most common bar length: the beat number just before each downbeat.
fn dominant_bar_length(numbers: &[u8]) -> Option<u8> {
    let mut counts = [0usize; 17];
    for w in numbers.windows(2) {
        if w[1] == 1 && (w[0] as usize) < counts.len() {
            counts[w[0] as usize] += 1;
        }
    }
    let (n, c) = counts.iter().enumerate().skip(1).max_by_key(|(_, c)| **c)?;
    (*c > 0).then_some(n as u8)
}

/// Indices of downbeats that start a complete bar of `n` beats numbered 1..=n and followed by
/// another downbeat.
fn complete_bars(b: &BeatTrack, n: u8) -> Vec<usize> {
    let n = n as usize;
    (0..b.numbers.len().saturating_sub(n))
        .filter(|&i| b.numbers[i + n] == 1 && (0..n).all(|k| b.numbers[i + k] as usize == k + 1))
        .collect()
}

fn coefficient_of_variation(xs: &[f64]) -> Option<f64> {
    if xs.len() < 2 {
        return None;
    }
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    if mean <= 0.0 {
        return None;
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
    Some(var.sqrt() / mean)
}

/// Bar durations when the bars are known (so uneven polska beats do not count as unsteady),
/// else beat intervals.
fn stability(b: &BeatTrack, bars: &[usize], bpb: Option<u8>) -> Option<f64> {
    let durations: Vec<f64> = match bpb {
        Some(n) if bars.len() >= MIN_BARS => {
            let n = n as usize;
            bars.iter().map(|&i| b.times[i + n] - b.times[i]).collect()
        }
        _ => b.intervals(),
    };
    coefficient_of_variation(&durations).map(|cv| (1.0 - cv).clamp(0.0, 1.0))
}

fn shares(beats: Option<&BeatTrack>, bars: &[usize], bpb: Option<u8>) -> Option<Vec<f64>> {
    let b = beats?;
    let n = bpb? as usize;
    if bars.len() < MIN_BARS || n < 2 {
        return None;
    }
    let mut sums = vec![0.0; n];
    for &i in bars {
        let bar = b.times[i + n] - b.times[i];
        for (k, s) in sums.iter_mut().enumerate() {
            *s += (b.times[i + k + 1] - b.times[i + k]) / bar;
        }
    }
    Some(sums.iter().map(|s| s / bars.len() as f64).collect())
}

fn swing(beats: &[f64], onsets: &[f64]) -> Option<f64> {
    let mut ratios = Vec::new();
    for_each_band(beats, onsets, 0.0, |b0, b1, mid, band| {
        // The first of the onsets nearest the middle.
        let mut best: Option<f64> = None;
        for &o in band {
            if best.is_none_or(|b| (o - mid).abs() < (b - mid).abs()) {
                best = Some(o);
            }
        }
        if let Some(o) = best {
            ratios.push((o - b0) / (b1 - o));
        }
    });
    if ratios.len() < MIN_SWING_BEATS {
        return None;
    }
    Some(median(&mut ratios))
}

/// How close two times count as equal where swing's rules may round differently: the marks
/// (NeckenML computes `end - d * 0.2`, necken `start + d * 0.8`, an excerpt works on shifted
/// times) and two onsets as near the middle as each other.
const MARK_TOLERANCE_S: f64 = 1e-6;

/// The onsets a swing ratio reads: for each beat interval, the onset inside its 20–80 %
/// nearest the middle — every such onset when several are as near, or when the nearest lies
/// on a mark (ascending). The standard profile stores only these, so swing from a standard
/// record — necken's or NeckenML's, of the whole track or of any excerpt — is exactly swing
/// from all onsets: whichever way a rule computes the marks, the onset it picks is kept.
pub fn swing_onsets(beats: &[f64], onsets: &[f64]) -> Vec<f64> {
    let mut kept = Vec::new();
    for_each_band(beats, onsets, MARK_TOLERANCE_S, |_, _, mid, band| {
        let nearest = band
            .iter()
            .map(|o| (o - mid).abs())
            .fold(f64::INFINITY, f64::min);
        kept.extend(
            band.iter()
                .filter(|o| (*o - mid).abs() <= nearest + 2.0 * MARK_TOLERANCE_S),
        );
    });
    kept.sort_by(f64::total_cmp);
    kept.dedup();
    kept
}

/// Calls `take(beat, next beat, middle, onsets)` for each beat interval with the onsets
/// strictly inside its 20–80 %, the band widened by `widen` seconds at both ends. `beats` and
/// `onsets` ascending.
fn for_each_band(
    beats: &[f64],
    onsets: &[f64],
    widen: f64,
    mut take: impl FnMut(f64, f64, f64, &[f64]),
) {
    let mut j = 0;
    for w in beats.windows(2) {
        let (b0, b1) = (w[0], w[1]);
        let d = b1 - b0;
        if d <= 0.0 {
            continue;
        }
        let (lo, hi) = (b0 + 0.2 * d - widen, b0 + 0.8 * d + widen);
        while j < onsets.len() && onsets[j] <= lo {
            j += 1;
        }
        let mut k = j;
        while k < onsets.len() && onsets[k] < hi {
            k += 1;
        }
        take(b0, b1, b0 + 0.5 * d, &onsets[j..k]);
    }
}

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        0.5 * (xs[n / 2 - 1] + xs[n / 2])
    }
}

fn punch(beat_energy: &[f32], rms: f32) -> Option<f64> {
    if beat_energy.is_empty() {
        return None;
    }
    let beat = beat_energy.iter().map(|&e| e as f64).sum::<f64>() / beat_energy.len() as f64;
    let mean = (rms as f64).powi(2);
    (beat + mean > 0.0).then(|| beat / (beat + mean))
}

fn dominance(numbers: &[u8], energy: &[f32]) -> Option<f64> {
    let (mut down, mut nd) = (0.0, 0usize);
    let mut all = 0.0;
    for (&n, &e) in numbers.iter().zip(energy) {
        all += e as f64;
        if n == 1 {
            down += e as f64;
            nd += 1;
        }
    }
    if nd == 0 || all <= 0.0 {
        return None;
    }
    Some((down / nd as f64) / (all / energy.len() as f64))
}

/// How much longer beat 1 is than the longer of beats 2 and 3; 1 at six hundredths of the
/// bar (the classic 0.40/0.31/0.29 hambo gives 0.09).
fn hambo(shares: &[f64]) -> f64 {
    let lead = shares[0] - shares[1].max(shares[2]);
    (lead / 0.06).clamp(0.0, 1.0)
}

/// Unevenness of the three beats (RMS deviation from 1/3, 1 at 0.05) that the hambo shape
/// does not explain.
fn polska(shares: &[f64], hambo: f64) -> f64 {
    let dev = (shares.iter().map(|s| (s - 1.0 / 3.0).powi(2)).sum::<f64>() / 3.0).sqrt();
    ((dev / 0.05).clamp(0.0, 1.0) * (1.0 - hambo)).clamp(0.0, 1.0)
}

fn articulation_of(envelope: &[f32]) -> Option<f64> {
    let max = envelope.iter().fold(0f32, |m, &v| m.max(v)) as f64;
    if envelope.is_empty() || max <= 0.0 {
        return None;
    }
    let mean = envelope.iter().map(|&v| v as f64).sum::<f64>() / envelope.len() as f64;
    Some((1.0 - mean / max).clamp(0.0, 1.0))
}

/// Half from swing (0 when even, 1 at 2:1 or 1:2), half from beat accent (0 at punchiness 0.5,
/// 1 at 0.9).
fn bounce(swing_ratio: f64, punchiness: f64) -> f64 {
    let swing_part = (swing_ratio.max(1e-6).ln().abs() / 2f64.ln()).clamp(0.0, 1.0);
    let punch_part = ((punchiness - 0.5) / 0.4).clamp(0.0, 1.0);
    0.5 * swing_part + 0.5 * punch_part
}
