//! The compact on-disk record: a varint schema version followed by the postcard-encoded
//! payload of that version.
//!
//! Size decisions (see `docs/artifacts.md`): times are integer ticks coded as interval
//! residuals ([`crate::timecode`]); the mean embedding is 8-bit with an offset and a step
//! (schema 1: f16); per-segment vectors and activations are 8-bit, the envelope 6-bit, with a
//! per-vector scale (beat energies as 6-bit RMS amplitudes whose rounding is diffused over
//! the beats of each bar position, so that the sums features read survive); beat numbers
//! (and the other binary reading's, schema 2) are stored only where they break the bar cycle.

use serde::Serialize;

use crate::artifact::*;
use crate::migrate;
use crate::quant::U8Vec;

mod beats;
mod pattern;
mod wire;

pub use wire::beat_energy_classes;
use wire::{WireActivation, WireV1, WireV2, WireV3};

/// Errors from decoding a record.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CodecError {
    /// The bytes are not a valid record.
    #[error("corrupt artifact record: {0}")]
    Invalid(&'static str),
    /// Postcard could not decode the payload.
    #[error("corrupt artifact record: {0}")]
    Postcard(String),
    /// The record was written by a newer necken.
    #[error("artifact record has schema version {found}, newer than the {supported} this necken reads; upgrade necken")]
    NewerVersion {
        /// Version in the record.
        found: u32,
        /// Newest version this build reads.
        supported: u32,
    },
    /// No migration path exists from the record's version.
    #[error("artifact record has schema version {0}, for which no migration exists")]
    NoMigration(u32),
}

impl From<postcard::Error> for CodecError {
    fn from(e: postcard::Error) -> Self {
        CodecError::Postcard(e.to_string())
    }
}

/// Encodes artifacts as a current-version record.
pub fn encode(artifacts: &RawArtifacts) -> Vec<u8> {
    let mut out = postcard::to_stdvec(&SCHEMA_VERSION).expect("a u32 always encodes");
    out.extend(encode_current_payload(artifacts));
    out
}

/// Reads the schema version of a record without decoding the payload.
pub fn record_version(bytes: &[u8]) -> Result<u32, CodecError> {
    let (version, _) = postcard::take_from_bytes::<u32>(bytes)?;
    Ok(version)
}

/// Decodes a record of any known version, migrating older versions on the fly.
pub fn decode(bytes: &[u8]) -> Result<RawArtifacts, CodecError> {
    let (version, payload) = postcard::take_from_bytes::<u32>(bytes)?;
    if version > SCHEMA_VERSION {
        return Err(CodecError::NewerVersion {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    let payload = migrate::upgrade_payload(version, payload)?;
    decode_current_payload(&payload)
}

pub(crate) fn decode_current_payload(payload: &[u8]) -> Result<RawArtifacts, CodecError> {
    WireV3::decode_payload(payload, "trailing bytes after the record")
}

/// Encodes a current-version payload (without the version prefix).
pub(crate) fn encode_current_payload(artifacts: &RawArtifacts) -> Vec<u8> {
    WireV3::encode_payload(artifacts)
}

/// Decodes a schema-2 payload (for the migration to schema 3).
pub(crate) fn decode_v2_payload(payload: &[u8]) -> Result<RawArtifacts, CodecError> {
    WireV2::decode_payload(payload, "trailing bytes after a schema-2 record")
}

/// Encodes a schema-2 payload (the migration from schema 1 writes one; tests make old records
/// with it).
pub fn encode_v2_payload(artifacts: &RawArtifacts) -> Vec<u8> {
    WireV2::encode_payload(artifacts)
}

/// Decodes a schema-1 payload (for the migration to schema 2).
pub(crate) fn decode_v1_payload(payload: &[u8]) -> Result<RawArtifacts, CodecError> {
    WireV1::decode_payload(payload, "trailing bytes after a schema-1 record")
}

/// Encodes a schema-1 payload (the migration from schema 0 writes one; tests make old
/// records with it).
pub fn encode_v1_payload(artifacts: &RawArtifacts) -> Vec<u8> {
    WireV1::encode_payload(artifacts)
}

/// Sizes in bytes of the parts of an encoded record, for reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PartSizes {
    /// The whole record.
    pub total: usize,
    /// The activation function alone (0 when absent).
    pub activation: usize,
}

/// Measures the encoded size of a record and of its activation function.
pub fn part_sizes(a: &RawArtifacts) -> PartSizes {
    let total = encode(a).len();
    let activation = a
        .activation
        .as_ref()
        .map(|act| {
            postcard::to_stdvec(&WireActivation {
                frame_rate_hz: act.frame_rate_hz,
                beat: U8Vec::encode_unit(&act.beat),
                downbeat: U8Vec::encode_unit(&act.downbeat),
            })
            .map(|v| v.len())
            .unwrap_or(0)
        })
        .unwrap_or(0);
    PartSizes { total, activation }
}
