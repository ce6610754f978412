//! Folk-authenticity score: NeckenML's six-signal detector with its unit errors fixed.
//!
//! NeckenML fed articulation as a number where a category was expected (always 0.5), judged a
//! swing *ratio* against swing *fraction* bands, and scored RMS against bands far above real
//! track levels. Here every signal reads the unit it is given, a missing signal is left out
//! and the remaining weights are renormalized, and the breakdown says which were used.

use serde::Serialize;

use crate::features::DerivedFeatures;

/// The score and its parts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FolkAuthenticity {
    /// Weighted score, 0..=1.
    pub score: f64,
    /// True when the score is below 0.6 (NeckenML's review threshold).
    pub requires_manual_review: bool,
    /// Band name: "very likely folk", "likely folk", "uncertain", "likely not folk",
    /// "very likely not folk".
    pub interpretation: &'static str,
    /// Per-signal scores (0..=1); `None` when the input was missing.
    pub breakdown: FolkBreakdown,
}

/// Per-signal scores; weights are 0.20, 0.20, 0.15, 0.15, 0.10, 0.20 in field order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FolkBreakdown {
    /// From loudness: acoustic recordings are rarely mastered loud.
    pub dynamics: Option<f64>,
    /// From the zero-crossing rate: bowed and reeded timbres.
    pub timbre: Option<f64>,
    /// From swing and bounciness: played, not quantized, timing.
    pub timing: Option<f64>,
    /// From articulation.
    pub articulation: Option<f64>,
    /// From the voice probability.
    pub vocals: Option<f64>,
    /// From the spread of the embedding.
    pub production: Option<f64>,
}

const WEIGHTS: [f64; 6] = [0.20, 0.20, 0.15, 0.15, 0.10, 0.20];

/// Scores a track; `None` when no signal is available.
pub fn folk_authenticity(
    f: &DerivedFeatures,
    embedding: Option<&[f32]>,
) -> Option<FolkAuthenticity> {
    let breakdown = FolkBreakdown {
        dynamics: f.loudness_lufs.map(|l| {
            if l < -20.0 {
                0.7
            } else if l < -12.0 {
                0.9
            } else if l < -8.0 {
                0.5
            } else {
                0.2
            }
        }),
        timbre: f.zcr.map(|z| {
            if (0.05..=0.15).contains(&z) {
                0.9
            } else if (0.03..=0.20).contains(&z) {
                0.7
            } else if (0.20..=0.30).contains(&z) {
                0.4
            } else {
                0.2
            }
        }),
        timing: f.swing_ratio.map(|s| {
            let mut t: f64 = 0.5;
            // A swing ratio between 1.2 and 2.3 (fraction 0.55–0.70) is played swing.
            if (1.2..=2.3).contains(&s) {
                t += 0.3;
            }
            // Machine-exact straight (1.0) or triplet (2.0) timing.
            if (s - 1.0).abs() < 0.02 || (s - 2.0).abs() < 0.02 {
                t -= 0.2;
            }
            if let Some(b) = f.bounciness {
                if (0.3..=0.7).contains(&b) {
                    t += 0.2;
                } else if b > 0.8 {
                    t -= 0.1;
                }
            }
            t.clamp(0.0, 1.0)
        }),
        articulation: f.articulation.map(|a| {
            // Legato bowing (low) through detached playing (high); extremes are rarer in folk.
            if a < 0.5 {
                0.8
            } else if a < 0.8 {
                0.6
            } else {
                0.3
            }
        }),
        vocals: match (f.is_likely_instrumental, f.voice_probability) {
            (Some(true), _) => Some(0.5),
            (Some(false), Some(v)) if v > 0.7 => Some(0.6),
            (Some(false), Some(_)) => Some(0.5),
            _ => None,
        },
        production: embedding.filter(|e| e.len() >= 10).map(production_score),
    };
    let parts = [
        breakdown.dynamics,
        breakdown.timbre,
        breakdown.timing,
        breakdown.articulation,
        breakdown.vocals,
        breakdown.production,
    ];
    let (mut sum, mut weight) = (0.0, 0.0);
    for (p, w) in parts.iter().zip(WEIGHTS) {
        if let Some(p) = p {
            sum += p * w;
            weight += w;
        }
    }
    if weight == 0.0 {
        return None;
    }
    let score = (sum / weight).clamp(0.0, 1.0);
    Some(FolkAuthenticity {
        score,
        requires_manual_review: score < 0.6,
        interpretation: if score >= 0.8 {
            "very likely folk"
        } else if score >= 0.6 {
            "likely folk"
        } else if score >= 0.4 {
            "uncertain"
        } else if score >= 0.2 {
            "likely not folk"
        } else {
            "very likely not folk"
        },
        breakdown,
    })
}

fn production_score(e: &[f32]) -> f64 {
    let n = e.len() as f64;
    let mean = e.iter().map(|&v| v as f64).sum::<f64>() / n;
    let var = e.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
    let mut s: f64 = 0.5;
    s += if var > 0.5 {
        0.3
    } else if var > 0.3 {
        0.1
    } else {
        -0.1
    };
    let mut mags: Vec<f64> = e.iter().map(|v| v.abs() as f64).collect();
    mags.sort_by(|a, b| b.total_cmp(a));
    let total: f64 = mags.iter().sum();
    if total > 0.0 {
        let top = mags.iter().take(10).sum::<f64>() / total;
        if top < 0.3 {
            s += 0.2;
        } else if top > 0.5 {
            s -= 0.2;
        }
    }
    s.clamp(0.0, 1.0)
}
