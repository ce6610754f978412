//! Derived features computed from the compact record match the full-precision result within
//! 1e-3 (relative), on artifacts built from the dev corpus ground truth.

use std::path::PathBuf;

use necken_core::artifact::*;
use necken_core::features::{derive, DerivedFeatures};
use necken_core::synth::SplitMix;
use necken_core::{codec, synth};

fn corpus_dev() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/dev")
}

/// Reads a `.beats` file: `time<TAB>number` lines.
fn read_beats(path: &PathBuf) -> BeatTrack {
    let text = std::fs::read_to_string(path).unwrap();
    let mut times = Vec::new();
    let mut numbers = Vec::new();
    for line in text.lines() {
        let mut parts = line.split_whitespace();
        if let (Some(t), Some(n)) = (parts.next(), parts.next()) {
            times.push(t.parse().unwrap());
            numbers.push(n.parse::<f64>().unwrap() as u8);
        }
    }
    BeatTrack {
        times,
        numbers,
        alternate_numbers: None,
    }
}

/// Full-precision artifacts from ground-truth beats: onsets on the beats and at a swung
/// mid-beat position with jitter, accented beat energies, a 10 Hz envelope.
fn from_truth(beats: BeatTrack, seed: u64) -> RawArtifacts {
    let mut rng = SplitMix::new(seed);
    let mut a =
        synth::synthetic_artifacts(necken_core::style::Style::Polska, 60.0, Profile::Full, seed);
    let mut onsets = Vec::new();
    for w in beats.times.windows(2) {
        onsets.push(w[0] + 0.004 * rng.normal());
        if rng.uniform() < 0.8 {
            onsets.push(w[0] + (0.5 + 0.12 * rng.uniform()) * (w[1] - w[0]) + 0.004 * rng.normal());
        }
    }
    onsets.sort_by(|x, y| x.total_cmp(y));
    let energy: Vec<f32> = beats
        .numbers
        .iter()
        .map(|&n| ((if n == 1 { 0.02 } else { 0.012 }) * (0.3 * rng.normal()).exp()) as f32)
        .collect();
    let duration = beats.times.last().unwrap() + 1.0;
    a.dynamics = Some(Dynamics {
        beat_energy: energy,
        envelope: Some(Series {
            hop_s: 0.1,
            values: (0..(duration * 10.0) as usize)
                .map(|_| (0.1 * (0.4 * rng.normal()).exp()) as f32)
                .collect(),
        }),
    });
    a.rhythm.beats_per_bar = beats.numbers.iter().copied().max();
    a.rhythm.beat_count = beats.times.len() as u32;
    a.onsets = Some(onsets);
    a.beats = Some(beats);
    a
}

fn scalars(f: &DerivedFeatures) -> Vec<(&'static str, Option<f64>)> {
    let mut v = vec![
        ("tempo_bpm", f.tempo_bpm),
        ("bpm_stability", f.bpm_stability),
        ("swing_ratio", f.swing_ratio),
        ("punchiness", f.punchiness),
        ("downbeat_dominance", f.downbeat_dominance),
        ("polska_score", f.polska_score),
        ("hambo_score", f.hambo_score),
        ("articulation", f.articulation),
        ("bounciness", f.bounciness),
        (
            "folk_authenticity",
            f.folk_authenticity.as_ref().map(|x| x.score),
        ),
    ];
    for (k, s) in f.beat_shares.iter().flatten().enumerate() {
        v.push((["share1", "share2", "share3", "share4"][k.min(3)], Some(*s)));
    }
    v
}

#[test]
fn compact_features_match_full_precision_on_the_dev_corpus() {
    let dir = corpus_dev();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (the dev corpus must be at ../shared)",
                dir.display()
            )
        })
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "beats"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 60,
        "expected the 72 dev clips, found {}",
        files.len()
    );
    let mut compared = 0;
    let mut worst_cosine = 1f64;
    for (i, path) in files.iter().enumerate() {
        let full = from_truth(read_beats(path), i as u64);
        let compact = codec::decode(&codec::encode(&full)).unwrap();
        let (ff, fc) = (derive(&full), derive(&compact));
        assert_eq!(ff.meter, fc.meter);
        for ((name, a), (_, b)) in scalars(&ff).into_iter().zip(scalars(&fc)) {
            match (a, b) {
                (Some(a), Some(b)) => {
                    // Scores on 0..=1 are compared relative to their full range (a score near
                    // 0 has no meaningful relative error); unbounded features (tempo, swing,
                    // dominance) relative to their value.
                    let unbounded =
                        matches!(name, "tempo_bpm" | "swing_ratio" | "downbeat_dominance");
                    let scale = if unbounded { a.abs().max(b.abs()) } else { 1.0 };
                    assert!(
                        (a - b).abs() <= 1e-3 * scale + 1e-12,
                        "{}: {name} full {a} compact {b}",
                        path.display()
                    );
                    compared += 1;
                }
                (None, None) => {}
                _ => panic!("{}: {name} present on one side only", path.display()),
            }
        }
        // The mean embedding is stored in 8 bits: its contract is relative to the vector
        // (cosine ≥ 0.999, each value within half a step of 1/255 of the vector's range).
        let (e_full, e_compact) = (
            &full.embedding.as_ref().unwrap().mean,
            &compact.embedding.as_ref().unwrap().mean,
        );
        let cosine = cosine(e_full, e_compact);
        assert!(
            cosine >= 0.999,
            "{}: embedding cosine {cosine}",
            path.display()
        );
        let (lo, hi) = e_full
            .iter()
            .fold((f32::MAX, f32::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        let half_step = (hi - lo) / 510.0;
        for (a, b) in e_full.iter().zip(e_compact) {
            assert!((a - b).abs() <= half_step * 1.001 + 1e-7, "{a} {b}");
        }
        worst_cosine = worst_cosine.min(cosine);
        let embedding_dims = e_full.len();
        for (k, (a, b)) in ff
            .feature_vector
            .iter()
            .zip(&fc.feature_vector)
            .enumerate()
            .skip(embedding_dims)
        {
            assert!(
                (a - b).abs() <= 1e-3 * a.abs().max(b.abs()).max(1.0),
                "{}: feature {k} full {a} compact {b}",
                path.display()
            );
        }
    }
    assert!(compared > 500, "only {compared} feature values compared");
    eprintln!("worst embedding cosine {worst_cosine:.6}");
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum();
    let norm = |v: &[f32]| v.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    dot / (norm(a) * norm(b)).max(1e-30)
}
