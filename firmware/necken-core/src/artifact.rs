//! The raw-artifact schema (version [`SCHEMA_VERSION`]): everything expensive that analysis
//! produces, kept so that derived features never need the audio again.
//!
//! In memory every value is at full precision (`f64` seconds, `f32` vectors); the compact
//! on-disk form lives in [`crate::codec`]. Units and rates are documented per field and in
//! `docs/artifacts.md`.

use serde::{Deserialize, Serialize};

/// The artifact schema version written into every record.
pub const SCHEMA_VERSION: u32 = 3;

/// How much of the analysis is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Profile {
    /// Embedding, audio stats and the tempo/meter summary.
    Minimal,
    /// Minimal plus beats, bars, onsets and dynamics.
    Standard,
    /// Standard plus the activation function and the per-patch series.
    Full,
}

impl Profile {
    /// Lower-case name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Minimal => "minimal",
            Profile::Standard => "standard",
            Profile::Full => "full",
        }
    }

    /// Hop of the stored loudness envelope in seconds (none in the minimal profile): 1 s is
    /// enough for the standard profile's size budget, 0.1 s keeps the full profile's shape.
    pub fn envelope_hop_s(self) -> Option<f32> {
        match self {
            Profile::Minimal => None,
            Profile::Standard => Some(1.0),
            Profile::Full => Some(0.1),
        }
    }

    /// The onsets this profile stores of `onsets` (all the analysis found), given the beats:
    /// none in minimal, the ones swing reads in standard ([`crate::features::swing_onsets`]:
    /// what kept a 3-minute record over 1.5 KB was the rest), every one in full.
    pub fn onsets_to_store(self, beats: &[f64], onsets: Vec<f64>) -> Option<Vec<f64>> {
        match self {
            Profile::Minimal => None,
            Profile::Standard => Some(crate::features::swing_onsets(beats, &onsets)),
            Profile::Full => Some(onsets),
        }
    }

    /// Parses a profile name as written by [`Profile::name`].
    pub fn from_name(name: &str) -> Option<Profile> {
        match name {
            "minimal" => Some(Profile::Minimal),
            "standard" => Some(Profile::Standard),
            "full" => Some(Profile::Full),
            _ => None,
        }
    }
}

/// All raw artifacts of one analyzed piece of audio.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RawArtifacts {
    /// Which parts were kept.
    pub profile: Profile,
    /// Tempo and meter summary; present in every profile.
    pub rhythm: RhythmSummary,
    /// Beat times and positions in the bar (standard and full).
    pub beats: Option<BeatTrack>,
    /// Beat/downbeat activation function (full profile only).
    pub activation: Option<ActivationFunction>,
    /// Audio embedding from a named model.
    pub embedding: Option<Embedding>,
    /// Instrumental/vocal scores.
    pub vocal: Option<VocalScores>,
    /// Whole-track audio statistics.
    pub audio_stats: Option<AudioStats>,
    /// Onset times in seconds, ascending (standard and full).
    pub onsets: Option<Vec<f64>>,
    /// Beat energies and the loudness envelope (standard and full).
    pub dynamics: Option<Dynamics>,
    /// Section starts and labels.
    pub structure: Option<Structure>,
    /// The mean bar as heard (standard and full; schema 3, absent in older records).
    #[serde(default)]
    pub bar_pattern: Option<BarPattern>,
    /// Where the artifacts came from.
    pub provenance: Provenance,
}

/// The tempo/meter summary kept even in the minimal profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RhythmSummary {
    /// Beats per minute (60 / mean inter-beat interval); `None` when fewer than two beats.
    pub tempo_bpm: Option<f32>,
    /// Beats per bar of the detected meter (2, 3 or 4); `None` when no meter was found.
    pub beats_per_bar: Option<u8>,
    /// Posterior probability that the bar is ternary (3 beats), in 0..=1.
    pub ternary_confidence: Option<f32>,
    /// Number of beats found.
    pub beat_count: u32,
}

/// Beat times with their position in the bar.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BeatTrack {
    /// Beat times in seconds from the start of the audio, strictly ascending.
    pub times: Vec<f64>,
    /// Position of each beat in its bar: 1 is the downbeat. Same length as `times`.
    pub numbers: Vec<u8>,
    /// When the bar is binary, each beat's position in the bar of the other binary meter
    /// (4/4 for a tracked 2/4, 2/4 for a tracked 4/4; see [`crate::notation`]): the audio
    /// cannot tell one 4/4 bar from two 2/4 bars, so both readings are kept and the dance's
    /// notation picks one when features are derived. Same length as `times`; `None` for
    /// ternary bars, imports and records older than schema 2.
    pub alternate_numbers: Option<Vec<u8>>,
}

impl BeatTrack {
    /// Downbeat (bar start) times: the beats numbered 1.
    pub fn bar_times(&self) -> Vec<f64> {
        self.times
            .iter()
            .zip(&self.numbers)
            .filter(|(_, &n)| n == 1)
            .map(|(&t, _)| t)
            .collect()
    }

    /// Successive inter-beat intervals in seconds.
    pub fn intervals(&self) -> Vec<f64> {
        self.times.windows(2).map(|w| w[1] - w[0]).collect()
    }
}

/// Frame-wise beat and downbeat activation (probabilities).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActivationFunction {
    /// Frames per second.
    pub frame_rate_hz: f32,
    /// Probability of a beat at each frame, 0..=1.
    pub beat: Vec<f32>,
    /// Probability of a downbeat at each frame, 0..=1. Same length as `beat`.
    pub downbeat: Vec<f32>,
}

/// An embedding of the audio by a named model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Embedding {
    /// Model id (see `models/`), e.g. `necken-embed-v1`.
    pub model: String,
    /// Mean embedding over all patches; its length is the model's dimension.
    pub mean: Vec<f32>,
    /// Optional per-segment embeddings (each the mean of the patches in one segment).
    pub segments: Option<Series<Vec<f32>>>,
}

/// A regularly sampled series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series<T> {
    /// Seconds between successive values.
    pub hop_s: f32,
    /// The values, the first one at time 0.
    pub values: Vec<T>,
}

/// Instrumental/vocal probabilities.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VocalScores {
    /// Probability that the piece is instrumental, 0..=1.
    pub instrumental: f32,
    /// Probability that the piece has a singing voice, 0..=1.
    pub vocal: f32,
    /// Optional per-segment `[instrumental, vocal]` pairs.
    pub segments: Option<Series<[f32; 2]>>,
}

/// Whole-track audio statistics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AudioStats {
    /// EBU R128 integrated loudness in LUFS; `None` when the audio is too quiet to gate.
    pub loudness_lufs: Option<f32>,
    /// Root-mean-square of the mono signal (full scale = 1).
    pub rms: f32,
    /// Zero crossings per sample of the mono signal.
    pub zcr: f32,
    /// Onsets per second.
    pub onset_rate: f32,
    /// Duration in seconds.
    pub duration_s: f32,
}

/// Beat energies and loudness envelope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dynamics {
    /// Mean signal power (mean square, full scale = 1) within ±50 ms of each beat; one value per
    /// beat of [`RawArtifacts::beats`].
    pub beat_energy: Vec<f32>,
    /// RMS envelope (full scale = 1) sampled at a stated rate.
    pub envelope: Option<Series<f32>>,
}

/// The mean bar as heard: onset strength in [`BarPattern::bands`] frequency bands (bass, middle,
/// treble) at [`BarPattern::bins`] equal steps through the bar, from each downbeat to the
/// next, averaged over the complete bars; each band scaled to mean 1 (0 throughout when the
/// band had no onsets).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BarPattern {
    /// Complete bars averaged.
    pub bars: u32,
    /// Steps per bar.
    pub bins: u8,
    /// Band-major values: band `b`'s step `k` at `b * bins + k`.
    pub values: Vec<f32>,
}

impl BarPattern {
    /// Number of bands.
    pub fn bands(&self) -> usize {
        if self.bins == 0 {
            0
        } else {
            self.values.len() / self.bins as usize
        }
    }
}

/// Structural sections.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Structure {
    /// Section start times in seconds, ascending.
    pub starts: Vec<f64>,
    /// One label per section ("A", "B", "A'", ...).
    pub labels: Vec<String>,
}

/// A model that contributed to the artifacts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelRef {
    /// Model id.
    pub id: String,
    /// First 8 bytes of the SHA-256 of the model file.
    pub sha256_prefix: [u8; 8],
}

/// Where and how the artifacts were made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// Analyzer name and version, e.g. `necken 0.1.0` or `neckenml 1.0.0` for imports.
    pub analyzer: String,
    /// Models used (empty when the analysis ran without models).
    pub models: Vec<ModelRef>,
    /// Sample rate of the source audio in Hz (0 when unknown, e.g. imported JSON).
    pub source_sample_rate_hz: u32,
    /// Sample rate the analysis ran at in Hz (0 when unknown).
    pub analysis_sample_rate_hz: u32,
    /// Frame rate of the activation function and tracker in frames per second (0 when unknown).
    pub frame_rate_hz: f32,
    /// Unix time in seconds at which the analysis finished.
    pub analyzed_at: u64,
    /// XXH3-64 (little-endian) of the decoded mono PCM as 16-bit samples at the source rate;
    /// all zero when unknown.
    pub audio_fingerprint: [u8; 8],
}
