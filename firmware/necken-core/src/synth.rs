//! Realistic synthetic artifacts for tests, benchmarks and size reports: what the analyzer
//! writes for a tune of a given style, tempo and length (beats on the tracker's 10 ms frame
//! grid, uneven polska/hambo bars, swung onsets, accented downbeats), from a seed.

use crate::artifact::*;
use crate::style::Style;

/// Embedding segment hop in the full profile, seconds.
pub const SEGMENT_HOP_S: f32 = 10.0;
/// Tracker frame rate the synthetic times are snapped to.
pub const FRAME_RATE_HZ: f32 = 100.0;

/// A small deterministic generator (SplitMix64), so tests need no `rand`.
pub struct SplitMix(u64);

impl SplitMix {
    /// Seeds the generator.
    pub fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-12);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// Beats per bar, tempo (beats/min), beat shares and swing fraction typical of a style.
pub fn style_rhythm(style: Style) -> (u8, f64, Vec<f64>, f64) {
    match style {
        Style::Polska => (3, 118.0, vec![0.285, 0.36, 0.355], 0.5),
        Style::Slangpolska => (3, 110.0, vec![0.333, 0.333, 0.334], 0.5),
        Style::Hambo => (3, 112.0, vec![0.40, 0.31, 0.29], 0.5),
        Style::Vals => (3, 160.0, vec![0.333, 0.333, 0.334], 0.5),
        Style::Mazurka => (3, 130.0, vec![0.32, 0.36, 0.32], 0.55),
        Style::Menuett => (3, 110.0, vec![0.333, 0.333, 0.334], 0.5),
        Style::Schottis => (4, 116.0, vec![0.25; 4], 0.64),
        Style::Polka => (2, 126.0, vec![0.5, 0.5], 0.52),
        Style::Snoa => (2, 100.0, vec![0.5, 0.5], 0.5),
        Style::GanglatMarsch => (2, 104.0, vec![0.5, 0.5], 0.5),
        Style::Engelska => (2, 110.0, vec![0.5, 0.5], 0.56),
        Style::Unknown => (4, 120.0, vec![0.25; 4], 0.5),
    }
}

fn snap(t: f64) -> f64 {
    (t * FRAME_RATE_HZ as f64).round() / FRAME_RATE_HZ as f64
}

/// Synthesizes the artifacts of a `duration_s` tune in `style` with the given profile.
pub fn synthetic_artifacts(
    style: Style,
    duration_s: f64,
    profile: Profile,
    seed: u64,
) -> RawArtifacts {
    let mut rng = SplitMix::new(seed);
    let (bpb, base_tempo, shares, swing) = style_rhythm(style);
    let tempo = base_tempo * (1.0 + 0.06 * (rng.uniform() - 0.5));
    let bar = 60.0 * bpb as f64 / tempo;
    let mut times = Vec::new();
    let mut numbers = Vec::new();
    let mut t = 0.3 + rng.uniform();
    while t + bar < duration_s - 1.0 {
        let stretch = 1.0 + 0.01 * rng.normal();
        let mut b = t;
        for (k, s) in shares.iter().enumerate() {
            times.push(snap(b + 0.008 * rng.normal()));
            numbers.push(k as u8 + 1);
            b += s * bar * stretch;
        }
        t = b;
    }
    let mut onsets = Vec::new();
    for (i, &bt) in times.iter().enumerate() {
        if rng.uniform() < 0.95 {
            onsets.push(snap(bt + 0.012 * rng.normal()));
        }
        if let Some(&next) = times.get(i + 1) {
            if rng.uniform() < 0.7 {
                onsets.push(snap(bt + swing * (next - bt) + 0.012 * rng.normal()));
            }
        }
    }
    onsets.sort_by(|a, b| a.total_cmp(b));
    onsets.dedup();
    let rms = 0.08 + 0.04 * rng.uniform();
    let beat_energy: Vec<f32> = numbers
        .iter()
        .map(|&n| {
            let accent = if n == 1 { 2.2 } else { 1.5 };
            (accent * rms * rms * (0.3 * rng.normal()).exp()) as f32
        })
        .collect();
    let envelope = |hop: f32, rng: &mut SplitMix| Series {
        hop_s: hop,
        values: (0..(duration_s / hop as f64) as usize)
            .map(|_| (rms * (0.4 * rng.normal()).exp()) as f32)
            .collect(),
    };
    let embedding_mean: Vec<f32> = (0..200).map(|_| (0.3 * rng.normal()) as f32).collect();
    let full = profile == Profile::Full;
    let standard = profile != Profile::Minimal;
    let frames = (duration_s * FRAME_RATE_HZ as f64) as usize;
    RawArtifacts {
        profile,
        rhythm: RhythmSummary {
            tempo_bpm: Some(tempo as f32),
            beats_per_bar: Some(bpb),
            ternary_confidence: Some(if bpb == 3 { 0.93 } else { 0.04 }),
            beat_count: times.len() as u32,
        },
        activation: full.then(|| ActivationFunction {
            frame_rate_hz: FRAME_RATE_HZ,
            beat: (0..frames).map(|_| rng.uniform() as f32 * 0.3).collect(),
            downbeat: (0..frames).map(|_| rng.uniform() as f32 * 0.2).collect(),
        }),
        embedding: Some(Embedding {
            model: "necken-embed-v1".into(),
            segments: full.then(|| Series {
                hop_s: SEGMENT_HOP_S,
                values: (0..(duration_s / SEGMENT_HOP_S as f64).ceil() as usize)
                    .map(|_| {
                        embedding_mean
                            .iter()
                            .map(|m| m + (0.1 * rng.normal()) as f32)
                            .collect()
                    })
                    .collect(),
            }),
            mean: embedding_mean.clone(),
        }),
        vocal: Some(VocalScores {
            instrumental: 0.9,
            vocal: 0.1,
            segments: full.then(|| Series {
                hop_s: SEGMENT_HOP_S,
                values: (0..(duration_s / SEGMENT_HOP_S as f64).ceil() as usize)
                    .map(|_| {
                        let v = (0.1 * rng.uniform()) as f32;
                        [1.0 - v, v]
                    })
                    .collect(),
            }),
        }),
        audio_stats: Some(AudioStats {
            loudness_lufs: Some(-20.0 + 6.0 * rng.uniform() as f32),
            rms: rms as f32,
            zcr: 0.06 + 0.04 * rng.uniform() as f32,
            onset_rate: onsets.len() as f32 / duration_s as f32,
            duration_s: duration_s as f32,
        }),
        dynamics: standard.then(|| Dynamics {
            beat_energy,
            envelope: profile.envelope_hop_s().map(|hop| envelope(hop, &mut rng)),
        }),
        // As analysis stores them.
        onsets: profile.onsets_to_store(&times, onsets),
        beats: standard.then_some(BeatTrack {
            times,
            numbers,
            alternate_numbers: None,
        }),
        structure: standard.then(|| Structure {
            starts: (0..(duration_s / 30.0) as usize)
                .map(|i| snap(i as f64 * 30.0))
                .collect(),
            labels: (0..(duration_s / 30.0) as usize)
                .map(|i| ["A", "A", "B", "B"][i % 4].to_string())
                .collect(),
        }),
        bar_pattern: standard.then(|| BarPattern {
            bars: (duration_s * tempo / 180.0) as u32,
            bins: 24,
            values: (0..72).map(|_| (2.0 * rng.uniform()) as f32).collect(),
        }),
        provenance: Provenance {
            analyzer: concat!("necken ", env!("CARGO_PKG_VERSION")).into(),
            models: vec![ModelRef {
                id: "necken-embed-v1".into(),
                sha256_prefix: rng.next_u64().to_le_bytes(),
            }],
            source_sample_rate_hz: 44100,
            analysis_sample_rate_hz: 22050,
            frame_rate_hz: FRAME_RATE_HZ,
            analyzed_at: 1_790_000_000 + (rng.next_u64() % 10_000_000),
            audio_fingerprint: rng.next_u64().to_le_bytes(),
        },
    }
}

/// A randomly initialized MLP head (226 → 32 → 12) with the cost of a real one, for benchmarks
/// and tests of the head machinery; its answers mean nothing.
pub fn random_head(seed: u64) -> crate::head::StyleHead {
    use crate::head::{Dense, StyleHead};
    use crate::style::ALL_STYLES;
    use crate::vector::{FEATURE_DIM, FEATURE_VERSION};
    let mut rng = SplitMix::new(seed);
    let mut layer = |inputs: usize, outputs: usize, relu: bool| Dense {
        inputs: inputs as u32,
        outputs: outputs as u32,
        weights: (0..inputs * outputs)
            .map(|_| (rng.normal() / (inputs as f64).sqrt()) as f32)
            .collect(),
        bias: vec![0.0; outputs],
        relu,
    };
    let hidden = layer(FEATURE_DIM, 32, true);
    let out = layer(32, ALL_STYLES.len(), false);
    StyleHead {
        id: "random-benchmark-head".into(),
        feature_version: FEATURE_VERSION,
        classes: ALL_STYLES.to_vec(),
        feature_mean: vec![0.0; FEATURE_DIM],
        feature_scale: vec![1.0; FEATURE_DIM],
        layers: vec![hidden, out],
        trained_on: "nothing: random weights for benchmarks".into(),
        embedding_model: None,
        window_temperature: 1.0,
        window_model: None,
    }
}
