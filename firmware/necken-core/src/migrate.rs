//! Schema migrations: every older record version has a function that rewrites its payload into
//! the next version's payload, and [`upgrade_payload`] chains them up to the current version.
//!
//! Version 0 is the pre-release prototype layout (f32 seconds, no profile, no provenance
//! beyond the analyzer name). It is kept so that the migration path is exercised by real code
//! and tests, and as the template for the next schema change.

use serde::{Deserialize, Serialize};

use crate::artifact::*;
use crate::codec::{self, CodecError};

/// One step in the registry: rewrites a payload of version `from` into version `from + 1`.
pub struct Migration {
    /// Version this step reads.
    pub from: u32,
    /// What changed, for `necken migrate` output.
    pub summary: &'static str,
    /// The rewrite.
    pub upgrade: fn(&[u8]) -> Result<Vec<u8>, CodecError>,
}

/// All migrations, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        from: 0,
        summary: "prototype layout (f32 seconds) to schema 1 (coded ticks, profiles, provenance)",
        upgrade: upgrade_v0_to_v1,
    },
    Migration {
        from: 1,
        summary: "schema 1 to schema 2 (8-bit mean embedding; room for the other binary \
                  reading, which schema-1 tracks do not have: their bars stay as analyzed)",
        upgrade: upgrade_v1_to_v2,
    },
    Migration {
        from: 2,
        summary: "schema 2 to schema 3 (room for the mean bar, which older tracks do not have: \
                  re-analyze their audio to add it)",
        upgrade: upgrade_v2_to_v3,
    },
];

/// Upgrades a payload of `version` to the current schema version.
pub fn upgrade_payload(version: u32, payload: &[u8]) -> Result<Vec<u8>, CodecError> {
    let mut version = version;
    let mut bytes = payload.to_vec();
    while version < SCHEMA_VERSION {
        let step = MIGRATIONS
            .iter()
            .find(|m| m.from == version)
            .ok_or(CodecError::NoMigration(version))?;
        bytes = (step.upgrade)(&bytes)?;
        version += 1;
    }
    Ok(bytes)
}

/// The version-0 prototype payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PayloadV0 {
    /// Tempo in beats per minute.
    pub tempo_bpm: f32,
    /// Beats per bar.
    pub beats_per_bar: u8,
    /// Beat times in seconds.
    pub beat_times: Vec<f32>,
    /// Beat numbers (1 = downbeat).
    pub beat_numbers: Vec<u8>,
    /// Onset times in seconds.
    pub onsets: Vec<f32>,
    /// RMS of the signal.
    pub rms: f32,
    /// Zero-crossing rate per sample.
    pub zcr: f32,
    /// Duration in seconds.
    pub duration_s: f32,
    /// Analyzer name.
    pub analyzer: String,
}

impl PayloadV0 {
    /// Encodes a complete version-0 record (version prefix included), for tests and fixtures.
    pub fn to_record(&self) -> Vec<u8> {
        let mut out = postcard::to_stdvec(&0u32).expect("a u32 always encodes");
        out.extend(postcard::to_stdvec(self).expect("v0 always encodes"));
        out
    }
}

fn upgrade_v0_to_v1(payload: &[u8]) -> Result<Vec<u8>, CodecError> {
    let (v0, rest) = postcard::take_from_bytes::<PayloadV0>(payload)?;
    if !rest.is_empty() {
        return Err(CodecError::Invalid(
            "trailing bytes after a version-0 record",
        ));
    }
    if v0.beat_times.len() != v0.beat_numbers.len() {
        return Err(CodecError::Invalid(
            "version-0 beat times and numbers differ in count",
        ));
    }
    let onset_rate = if v0.duration_s > 0.0 {
        v0.onsets.len() as f32 / v0.duration_s
    } else {
        0.0
    };
    let artifacts = RawArtifacts {
        profile: Profile::Standard,
        rhythm: RhythmSummary {
            tempo_bpm: (v0.beat_times.len() >= 2).then_some(v0.tempo_bpm),
            beats_per_bar: (v0.beats_per_bar > 0).then_some(v0.beats_per_bar),
            // Version 0 had no meter posterior; absence is stated, not guessed.
            ternary_confidence: None,
            beat_count: v0.beat_times.len() as u32,
        },
        beats: Some(BeatTrack {
            times: v0.beat_times.iter().map(|&t| t as f64).collect(),
            numbers: v0.beat_numbers,
            alternate_numbers: None,
        }),
        activation: None,
        embedding: None,
        vocal: None,
        audio_stats: Some(AudioStats {
            loudness_lufs: None,
            rms: v0.rms,
            zcr: v0.zcr,
            onset_rate,
            duration_s: v0.duration_s,
        }),
        onsets: Some(v0.onsets.iter().map(|&t| t as f64).collect()),
        dynamics: None,
        structure: None,
        bar_pattern: None,
        provenance: Provenance {
            analyzer: v0.analyzer,
            models: Vec::new(),
            source_sample_rate_hz: 0,
            analysis_sample_rate_hz: 0,
            frame_rate_hz: 0.0,
            analyzed_at: 0,
            audio_fingerprint: [0; 8],
        },
    };
    Ok(codec::encode_v1_payload(&artifacts))
}

fn upgrade_v1_to_v2(payload: &[u8]) -> Result<Vec<u8>, CodecError> {
    let artifacts = codec::decode_v1_payload(payload)?;
    Ok(codec::encode_v2_payload(&artifacts))
}

fn upgrade_v2_to_v3(payload: &[u8]) -> Result<Vec<u8>, CodecError> {
    let artifacts = codec::decode_v2_payload(payload)?;
    Ok(codec::encode_current_payload(&artifacts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v0() -> PayloadV0 {
        PayloadV0 {
            tempo_bpm: 120.0,
            beats_per_bar: 3,
            beat_times: vec![0.5, 1.0, 1.5, 2.0],
            beat_numbers: vec![1, 2, 3, 1],
            onsets: vec![0.5, 0.75, 1.0],
            rms: 0.1,
            zcr: 0.05,
            duration_s: 3.0,
            analyzer: "proto".into(),
        }
    }

    #[test]
    fn a_version_zero_record_is_upgraded_on_read() {
        let a = codec::decode(&v0().to_record()).unwrap();
        let beats = a.beats.unwrap();
        assert_eq!(beats.times, vec![0.5, 1.0, 1.5, 2.0]);
        assert_eq!(beats.numbers, vec![1, 2, 3, 1]);
        assert_eq!(a.rhythm.beats_per_bar, Some(3));
        assert_eq!(a.rhythm.ternary_confidence, None);
        assert_eq!(a.audio_stats.unwrap().onset_rate, 1.0);
        assert_eq!(a.provenance.analyzer, "proto");
    }

    #[test]
    fn a_schema_one_record_is_upgraded_with_its_bars_as_analyzed() {
        let a = crate::synth::synthetic_artifacts(
            crate::style::Style::Schottis,
            60.0,
            Profile::Standard,
            3,
        );
        let mut rec = postcard::to_stdvec(&1u32).unwrap();
        rec.extend(codec::encode_v1_payload(&a));
        let up = codec::decode(&rec).unwrap();
        assert_eq!(up.rhythm, a.rhythm);
        assert_eq!(
            up.beats.as_ref().unwrap().numbers,
            a.beats.as_ref().unwrap().numbers
        );
        assert_eq!(up.beats.as_ref().unwrap().alternate_numbers, None);
        let (e, u) = (
            &a.embedding.as_ref().unwrap().mean,
            &up.embedding.as_ref().unwrap().mean,
        );
        // f16, then 8 bits over the vector's range.
        let range = e.iter().fold(0f32, |m, v| m.max(v.abs())) * 2.0;
        for (x, y) in e.iter().zip(u) {
            assert!((x - y).abs() <= range / 510.0 + 2e-3 * x.abs(), "{x} {y}");
        }
        assert_eq!(up.bar_pattern, None);
        // Written again it is a current record.
        assert_eq!(
            codec::record_version(&codec::encode(&up)).unwrap(),
            SCHEMA_VERSION
        );
    }

    #[test]
    fn a_schema_two_record_is_upgraded_without_a_mean_bar() {
        let mut a = crate::synth::synthetic_artifacts(
            crate::style::Style::Polska,
            60.0,
            Profile::Standard,
            5,
        );
        let written = codec::decode(&codec::encode(&a)).unwrap();
        a.bar_pattern = None;
        let mut rec = postcard::to_stdvec(&2u32).unwrap();
        rec.extend(codec::encode_v2_payload(&a));
        let up = codec::decode(&rec).unwrap();
        assert_eq!(up.bar_pattern, None);
        assert_eq!(up.beats, written.beats);
        assert_eq!(up.dynamics, written.dynamics);
        assert_eq!(up.embedding, written.embedding);
    }

    #[test]
    fn a_newer_version_is_refused_not_misread() {
        let mut rec = postcard::to_stdvec(&(SCHEMA_VERSION + 1)).unwrap();
        rec.extend(codec::encode_current_payload(
            &codec::decode(&v0().to_record()).unwrap(),
        ));
        match codec::decode(&rec) {
            Err(CodecError::NewerVersion { found, supported }) => {
                assert_eq!(found, SCHEMA_VERSION + 1);
                assert_eq!(supported, SCHEMA_VERSION);
            }
            other => panic!("expected a newer-version error, got {other:?}"),
        }
    }

    #[test]
    fn a_corrupt_version_zero_record_is_an_error() {
        let mut rec = v0().to_record();
        rec.truncate(rec.len() - 3);
        assert!(codec::decode(&rec).is_err());
    }
}
