//! # necken-core
//!
//! The pure core of necken, shared by the board daemon and the host tool: the raw-artifact
//! schema, its compact postcard encoding with versioned migrations, NeckenML JSON interop,
//! every derived feature, and the style head. Nothing here does I/O.
//!
//! ```
//! use necken_core::{artifact::*, codec, features};
//! let a = RawArtifacts {
//!     profile: Profile::Minimal,
//!     rhythm: RhythmSummary { tempo_bpm: Some(120.0), beats_per_bar: Some(3),
//!                             ternary_confidence: Some(0.97), beat_count: 300 },
//!     beats: None, activation: None, embedding: None, vocal: None, audio_stats: None,
//!     onsets: None, dynamics: None, structure: None, bar_pattern: None,
//!     provenance: Provenance { analyzer: "doc".into(), models: vec![],
//!         source_sample_rate_hz: 44100, analysis_sample_rate_hz: 22050, frame_rate_hz: 100.0,
//!         analyzed_at: 0, audio_fingerprint: [0; 8] },
//! };
//! let bytes = codec::encode(&a);
//! let f = features::derive(&codec::decode(&bytes).unwrap());
//! assert_eq!(f.meter.as_deref(), Some("3/4"));
//! assert_eq!(f.swing_ratio, None); // no onsets: absent, not invented
//! ```
#![warn(missing_docs)]

pub mod artifact;
mod bits;
pub mod classify;
pub mod codec;
pub mod excerpt;
pub mod features;
pub mod folk;
pub mod head;
pub mod migrate;
pub mod neckenml;
pub mod notation;
pub mod quant;
pub mod style;
pub mod synth;
pub mod timecode;
pub mod vector;

/// Re-analysis of one stored record: decode, derive every feature, classify, and name the
/// bars by the dance's notation ([`notation::interpret`]). This is the whole per-track cost of
/// `necken reanalyze` apart from reading the store.
pub fn reanalyze(
    record: &[u8],
    tags: &classify::Tags,
    head: Option<&head::StyleHead>,
) -> Result<(features::DerivedFeatures, classify::Classification), codec::CodecError> {
    let artifacts = codec::decode(record)?;
    let reading = notation::interpret(&artifacts, tags, head);
    Ok((reading.features, reading.classification))
}
