//! NeckenML 0.3.1's own derived features and 217-d feature vector
//! (`neckenml.core.reanalysis.compute_derived_features`), computed from raw artifacts exactly as
//! the original computes them from the JSON [`super::export_json`] writes, so that style heads
//! trained on NeckenML's vector keep working on necken's store. The formulas are the
//! original's, degenerate ones included (beat ratios over fixed groups of three intervals that
//! ignore downbeats, a bounciness that is 0.85 × swing); necken's own features
//! ([`crate::features`]) fix them, and docs/features.md says feature by feature how they
//! differ. Every number is the same f64 the original reads from the JSON (f32 artifacts widen
//! exactly), and NeckenML's defaults for missing parts are kept.

use crate::artifact::RawArtifacts;

use super::NECKENML_BEAT_WINDOW_SAMPLES;

/// The original's derived features (those that enter its vector, and the meter).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CompatFeatures {
    /// 60 / mean inter-beat interval; 0 with fewer than 12 beats.
    pub tempo_bpm: f64,
    /// Mean inter-beat interval, s.
    pub avg_ibi: f64,
    /// 1 − std(IBI) / mean(IBI).
    pub bpm_stability: f64,
    /// tanh(10 × mean beat energy as a sum of squares).
    pub punchiness: f64,
    /// Mean shares of consecutive interval triples (phase-blind).
    pub avg_beat_ratios: [f64; 3],
    /// The original's polska signature score.
    pub polska_score: f64,
    /// The original's hambo signature score.
    pub hambo_score: f64,
    /// Median mid-beat onset ratio; 1 without onsets.
    pub swing_ratio: f64,
    /// 1 − mean(envelope) / max(envelope).
    pub articulation: f64,
    /// clip(0.85 × swing), 0 without an envelope.
    pub bounciness: f64,
    /// Stored ternary confidence (0.5 when absent).
    pub ternary_confidence: f64,
    /// Vocal probability (0 when absent).
    pub voice_probability: f64,
    /// instrumental > vocal (true when absent).
    pub is_likely_instrumental: bool,
    /// `N/4` from the largest beat position (`0/4` without beats).
    pub meter: String,
    /// The vector: embedding (200), the nine folk values, swing, rms, zcr, onset rate,
    /// ternary confidence, vocal score, articulation, bounciness.
    pub vector: Vec<f64>,
}

const DEFAULT_RATIOS: [f64; 3] = [0.33, 0.33, 0.34];

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// numpy's population standard deviation (two-pass, as `np.std`).
fn std(x: &[f64]) -> f64 {
    var(x).sqrt()
}

fn var(x: &[f64]) -> f64 {
    let m = mean(x);
    x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / x.len() as f64
}

/// `np.median`.
fn median(mut x: Vec<f64>) -> f64 {
    x.sort_by(f64::total_cmp);
    let n = x.len();
    if n % 2 == 1 {
        x[n / 2]
    } else {
        (x[n / 2 - 1] + x[n / 2]) / 2.0
    }
}

struct Folk {
    bpm: f64,
    avg_ibi: f64,
    punchiness: f64,
    ratios: [f64; 3],
    polska: f64,
    hambo: f64,
    stability: f64,
}

const NO_FOLK: Folk = Folk {
    bpm: 0.0,
    avg_ibi: 0.0,
    punchiness: 0.0,
    ratios: DEFAULT_RATIOS,
    polska: 0.0,
    hambo: 0.0,
    stability: 0.0,
};

fn folk(beats: &[f64], activations: &[f64], intervals: &[f64]) -> Folk {
    if beats.len() < 12 {
        return NO_FOLK;
    }
    let ibis: Vec<f64> = if intervals.is_empty() {
        beats.windows(2).map(|w| w[1] - w[0]).collect()
    } else {
        intervals.to_vec()
    };
    let avg_ibi = mean(&ibis);
    if avg_ibi == 0.0 {
        return NO_FOLK;
    }
    let mut shares: [Vec<f64>; 3] = Default::default();
    let mut variances = Vec::new();
    let mut i = 0;
    while i + 2 < ibis.len() {
        let group = &ibis[i..i + 3];
        let total: f64 = group.iter().sum();
        if total > 0.0 {
            let r: Vec<f64> = group.iter().map(|x| x / total).collect();
            for k in 0..3 {
                shares[k].push(r[k]);
            }
            variances.push(var(&r));
        }
        i += 3;
    }
    let ratios = if shares[0].is_empty() {
        DEFAULT_RATIOS
    } else {
        [mean(&shares[0]), mean(&shares[1]), mean(&shares[2])]
    };
    let punchiness = if activations.is_empty() {
        0.0
    } else {
        (activations.iter().sum::<f64>() / activations.len() as f64 * 10.0).tanh()
    };
    let (polska, hambo) = signatures(ratios, &variances, activations);
    Folk {
        bpm: 60.0 / avg_ibi,
        avg_ibi,
        punchiness,
        ratios,
        polska,
        hambo,
        stability: 1.0 - std(&ibis) / avg_ibi,
    }
}

fn signatures(ratios: [f64; 3], variances: &[f64], activations: &[f64]) -> (f64, f64) {
    let [r1, r2, r3] = ratios;
    let timing_variance = if variances.is_empty() {
        0.0
    } else {
        mean(variances)
    };
    let mut dominance = 0.33;
    if activations.len() >= 6 {
        let downbeats: Vec<f64> = activations.iter().step_by(3).copied().collect();
        let total = mean(activations) * 3.0;
        if total > 0.0 {
            dominance = mean(&downbeats) / total;
        }
    }
    let mut polska: f64 = 0.0;
    if (r3 > r1 && r3 > 0.34) || (r2 > r1 && r2 > 0.36) {
        polska += 0.35;
    }
    if timing_variance > 0.003 {
        polska += (timing_variance * 30.0).min(0.25);
    }
    if dominance < 0.38 {
        polska += 0.15;
    }
    let mut hambo: f64 = 0.0;
    if r1 > 0.38 {
        hambo += 0.30 + ((r1 - 0.38) * 2.0).min(0.20);
    }
    if timing_variance < 0.004 {
        hambo += 0.20;
    }
    if dominance > 0.40 {
        hambo += 0.20;
    }
    (polska.min(1.0), hambo.min(1.0))
}

fn swing(beats: &[f64], onsets: &[f64]) -> f64 {
    if onsets.is_empty() || beats.len() < 2 {
        return 1.0;
    }
    let mut ratios = Vec::new();
    for w in beats.windows(2) {
        let (start, end) = (w[0], w[1]);
        let d = end - start;
        let (lo, hi, mid) = (start + d * 0.2, end - d * 0.2, start + d / 2.0);
        // The first of the onsets nearest to the middle, as Python's min() picks it.
        let mut best: Option<f64> = None;
        for &o in onsets.iter().filter(|&&o| lo < o && o < hi) {
            if best.is_none_or(|b| (o - mid).abs() < (b - mid).abs()) {
                best = Some(o);
            }
        }
        if let Some(m) = best {
            let (first, second) = (m - start, end - m);
            if second > 0.001 {
                ratios.push(first / second);
            }
        }
    }
    if ratios.is_empty() {
        1.0
    } else {
        median(ratios)
    }
}

fn feel(envelope: &[f64], swing: f64) -> (f64, f64) {
    if envelope.is_empty() {
        return (0.0, 0.0);
    }
    let max = envelope.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let max = if max > 0.0 { max } else { 1.0 };
    let articulation = (1.0 - mean(envelope) / max).clamp(0.0, 1.0);
    (articulation, (swing * 0.85).clamp(0.0, 1.0))
}

/// The original's derived features of `a`, as it computes them from `export_json(a, Current)`.
pub fn compat_features(a: &RawArtifacts) -> CompatFeatures {
    let beats: &[f64] = a.beats.as_ref().map_or(&[], |b| b.times.as_slice());
    let (activations, intervals, envelope): (Vec<f64>, Vec<f64>, Vec<f64>) = match &a.dynamics {
        Some(d) => (
            d.beat_energy
                .iter()
                .map(|&e| e as f64 * NECKENML_BEAT_WINDOW_SAMPLES)
                .collect(),
            a.beats.as_ref().map(|b| b.intervals()).unwrap_or_default(),
            d.envelope
                .as_ref()
                .map(|e| e.values.iter().map(|&v| v as f64).collect())
                .unwrap_or_default(),
        ),
        None => (Vec::new(), Vec::new(), Vec::new()),
    };
    let f = folk(beats, &activations, &intervals);
    let swing_ratio = swing(beats, a.onsets.as_deref().unwrap_or(&[]));
    let (articulation, bounciness) = feel(&envelope, swing_ratio);
    let ternary = a.rhythm.ternary_confidence.map_or(0.5, |t| t as f64);
    let (vocal, instrumental) = a
        .vocal
        .as_ref()
        .map_or((0.0, 1.0), |v| (v.vocal as f64, v.instrumental as f64));
    let (rms, zcr, onset_rate) = a.audio_stats.as_ref().map_or((0.0, 0.0, 0.0), |s| {
        (s.rms as f64, s.zcr as f64, s.onset_rate as f64)
    });
    let mut vector: Vec<f64> = a
        .embedding
        .as_ref()
        .map(|e| e.mean.iter().map(|&x| x as f64).collect())
        .unwrap_or_default();
    vector.extend([
        f.bpm,
        f.avg_ibi,
        f.punchiness,
        f.ratios[0],
        f.ratios[1],
        f.ratios[2],
        f.polska,
        f.hambo,
        f.stability,
        swing_ratio,
        rms,
        zcr,
        onset_rate,
        ternary,
        vocal,
        articulation,
        bounciness,
    ]);
    let numerator = a
        .beats
        .as_ref()
        .and_then(|b| b.numbers.iter().copied().max())
        .unwrap_or(0);
    CompatFeatures {
        tempo_bpm: f.bpm,
        avg_ibi: f.avg_ibi,
        bpm_stability: f.stability,
        punchiness: f.punchiness,
        avg_beat_ratios: f.ratios,
        polska_score: f.polska,
        hambo_score: f.hambo,
        swing_ratio,
        articulation,
        bounciness,
        ternary_confidence: ternary,
        voice_probability: vocal,
        is_likely_instrumental: instrumental > vocal,
        meter: format!("{numerator}/4"),
        vector,
    }
}
