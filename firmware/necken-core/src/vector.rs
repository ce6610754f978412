//! The feature vector the style head reads.
//!
//! Dimensions 0–216 keep NeckenML's order (embedding, then rhythm, stats, voice, feel) so its
//! documentation still applies; 217–225 are ours; version 2 adds the mean bar (226–297) and
//! its flag (298). A missing input is 0 in its dimensions and its presence flag (221–225,
//! 298) is 0, so a head learns absence instead of reading a fake value. Each version's layout
//! is the start of the next one's, so a head of an older version reads the first
//! [`dim_of_version`] values of today's vector.

use crate::artifact::RawArtifacts;
use crate::features::DerivedFeatures;

/// Version of the layout below; heads of this version or an older one are read.
pub const FEATURE_VERSION: u32 = 2;
/// Dimensions of the embedding part.
pub const EMBEDDING_DIM: usize = 200;
/// Dimensions of version 1 (embedding and the named tail).
pub const V1_DIM: usize = 226;
/// Steps per bar of the mean bar the vector takes (`necken_rhythm::bar_pattern::BINS`).
pub const PATTERN_BINS: usize = 24;
/// Bands of the mean bar the vector takes (`necken_rhythm::bar_pattern::BANDS`).
pub const PATTERN_BANDS: usize = 3;
/// Total dimensions: version 1, the mean bar, its presence flag.
pub const FEATURE_DIM: usize = V1_DIM + PATTERN_BANDS * PATTERN_BINS + 1;
/// Index of the `has_bar_pattern` flag, the last dimension (version 2).
pub const BAR_FLAG: usize = FEATURE_DIM - 1;

/// Whether a vector of today's layout carries a mean bar.
pub fn has_bar_pattern(v: &[f32]) -> bool {
    v.get(BAR_FLAG) == Some(&1.0)
}

/// The dimensions of a layout version (`None` for a version this build does not know).
pub fn dim_of_version(version: u32) -> Option<usize> {
    match version {
        1 => Some(V1_DIM),
        2 => Some(FEATURE_DIM),
        _ => None,
    }
}

/// Names of dimensions 200..226 (the first 200 are `embedding[i]`; from version 2 the mean
/// bar's 72 values and its flag follow, as `docs/features.md` lists them).
pub const TAIL_NAMES: [&str; V1_DIM - EMBEDDING_DIM] = [
    "tempo_bpm",
    "mean_beat_interval_s",
    "punchiness",
    "beat_share_1",
    "beat_share_2",
    "beat_share_3",
    "polska_score",
    "hambo_score",
    "bpm_stability",
    "swing_ratio",
    "rms",
    "zcr",
    "onset_rate",
    "ternary_confidence",
    "voice_probability",
    "articulation",
    "bounciness",
    "downbeat_dominance",
    "beats_per_bar",
    "loudness_lufs",
    "duration_s",
    "has_embedding",
    "has_beats",
    "has_swing",
    "has_dynamics",
    "has_vocal",
];

/// Builds the vector from derived features and the artifacts' embedding.
pub fn feature_vector(f: &DerivedFeatures, a: &RawArtifacts) -> Vec<f32> {
    let mut v = vec![0f32; FEATURE_DIM];
    let embedding = a
        .embedding
        .as_ref()
        .filter(|e| e.mean.len() == EMBEDDING_DIM);
    if let Some(e) = embedding {
        v[..EMBEDDING_DIM].copy_from_slice(&e.mean);
    }
    let share = |k: usize| {
        f.beat_shares
            .as_ref()
            .and_then(|s| s.get(k).copied())
            .unwrap_or(0.0)
    };
    let tail = [
        f.tempo_bpm.unwrap_or(0.0),
        f.tempo_bpm.map(|t| 60.0 / t).unwrap_or(0.0),
        f.punchiness.unwrap_or(0.0),
        share(0),
        share(1),
        share(2),
        f.polska_score.unwrap_or(0.0),
        f.hambo_score.unwrap_or(0.0),
        f.bpm_stability.unwrap_or(0.0),
        f.swing_ratio.unwrap_or(0.0),
        f.rms.unwrap_or(0.0),
        f.zcr.unwrap_or(0.0),
        f.onset_rate.unwrap_or(0.0),
        f.ternary_confidence.unwrap_or(0.0),
        f.voice_probability.unwrap_or(0.0),
        f.articulation.unwrap_or(0.0),
        f.bounciness.unwrap_or(0.0),
        f.downbeat_dominance.unwrap_or(0.0),
        f.beats_per_bar.map(f64::from).unwrap_or(0.0),
        f.loudness_lufs.unwrap_or(0.0),
        f.duration_s.unwrap_or(0.0),
        flag(embedding.is_some()),
        flag(f.beat_shares.is_some()),
        flag(f.swing_ratio.is_some()),
        flag(f.punchiness.is_some()),
        flag(f.voice_probability.is_some()),
    ];
    for (dst, src) in v[EMBEDDING_DIM..V1_DIM].iter_mut().zip(tail) {
        *dst = src as f32;
    }
    let pattern = a.bar_pattern.as_ref().filter(|p| {
        p.bins as usize == PATTERN_BINS && p.values.len() == PATTERN_BANDS * PATTERN_BINS
    });
    if let Some(p) = pattern {
        v[V1_DIM..BAR_FLAG].copy_from_slice(&p.values);
        v[BAR_FLAG] = 1.0;
    }
    v
}

fn flag(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::Profile;
    use crate::features::derive;
    use crate::style::Style;
    use crate::synth::synthetic_artifacts;

    #[test]
    fn the_mean_bar_follows_version_one_with_its_flag() {
        let mut a = synthetic_artifacts(Style::Polska, 60.0, Profile::Standard, 2);
        let bar = a
            .bar_pattern
            .clone()
            .expect("standard synthetic tracks have a mean bar");
        let v = derive(&a).feature_vector;
        assert_eq!(v.len(), FEATURE_DIM);
        assert_eq!(&v[V1_DIM..FEATURE_DIM - 1], &bar.values[..]);
        assert_eq!(v[FEATURE_DIM - 1], 1.0);
        // A record without one (older schemas, imports) reads 0 with the flag 0; so does a
        // mean bar of another shape than the layout's.
        let first = v[..V1_DIM].to_vec();
        a.bar_pattern = None;
        let without = derive(&a).feature_vector;
        assert!(without[V1_DIM..].iter().all(|&x| x == 0.0));
        assert_eq!(&without[..V1_DIM], &first[..]);
        a.bar_pattern = Some(crate::artifact::BarPattern { bins: 12, ..bar });
        assert_eq!(derive(&a).feature_vector[FEATURE_DIM - 1], 0.0);
        assert_eq!(dim_of_version(1), Some(V1_DIM));
        assert_eq!(dim_of_version(FEATURE_VERSION), Some(FEATURE_DIM));
        assert_eq!(dim_of_version(FEATURE_VERSION + 1), None);
    }
}
