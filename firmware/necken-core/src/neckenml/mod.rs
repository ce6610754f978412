//! JSON interop with NeckenML's `raw_artifacts`.
//!
//! [`import_json`] reads its layouts: the `rhythm_extractor.*` keys NeckenML 0.3.1 writes and
//! reads, and the older `madmom.*` keys of its documentation and tests (with or without
//! `dynamics.envelope_sample_rate`, which NeckenML always sets to 160 Hz). [`export_json`]
//! writes either layout ([`Layout`]) plus a `necken` object carrying what NeckenML has no key
//! for (schema version, profile, provenance, hops), so that export followed by import is
//! lossless up to the compact quantization. Absent parts stay absent: NeckenML's "model
//! missing" vocal fallback (instrumental 0.0, vocal 1.0, no predictions) is read as *no vocal
//! data*. [`compat`] computes NeckenML 0.3.1's own derived features and 217-d vector.

pub mod compat;
mod export;
mod import;

pub use export::{export_json, export_seed_json, Layout};
pub use import::import_json;

use serde_json::Value;

/// NeckenML's beat energy is a sum of squares over ±50 ms at 44.1 kHz (4411 samples); ours is
/// the mean square over the same window.
pub const NECKENML_BEAT_WINDOW_SAMPLES: f64 = 4411.0;
/// MusiCNN patch hop in NeckenML: 93 frames of 256 samples at 16 kHz.
pub const NECKENML_PATCH_HOP_S: f32 = 93.0 * 256.0 / 16000.0;
/// NeckenML's envelope rate: Essentia's envelope of the 16 kHz audio, every 100th sample. Its
/// analyzer always writes it as `dynamics.envelope_sample_rate`; JSON without the key (as in
/// NeckenML's own documentation) is read at this rate.
pub const NECKENML_ENVELOPE_RATE_HZ: f64 = 160.0;

/// Errors from reading NeckenML JSON.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Not JSON.
    #[error("not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// JSON, but not a raw_artifacts object.
    #[error("not a NeckenML raw_artifacts object: {0}")]
    Layout(String),
    /// A key holds the wrong type or impossible values.
    #[error("NeckenML key `{key}`: {problem}")]
    Field {
        /// Dotted key path.
        key: String,
        /// What is wrong.
        problem: String,
    },
}

pub(crate) fn field(key: &str, problem: impl Into<String>) -> ImportError {
    ImportError::Field {
        key: key.to_string(),
        problem: problem.into(),
    }
}

pub(crate) fn get<'a>(obj: &'a Value, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

pub(crate) fn num(v: &Value, key: &str) -> Result<f64, ImportError> {
    let x = v.as_f64().ok_or_else(|| field(key, "expected a number"))?;
    if x.is_finite() {
        Ok(x)
    } else {
        Err(field(key, "not a finite number"))
    }
}

pub(crate) fn opt_num(obj: &Value, section: &str, key: &str) -> Result<Option<f64>, ImportError> {
    get(obj, key)
        .map(|v| num(v, &format!("{section}.{key}")))
        .transpose()
}

pub(crate) fn num_array(v: &Value, key: &str) -> Result<Vec<f64>, ImportError> {
    v.as_array()
        .ok_or_else(|| field(key, "expected an array of numbers"))?
        .iter()
        .map(|x| num(x, key))
        .collect()
}

pub(crate) fn pairs(v: &Value, key: &str) -> Result<Vec<[f64; 2]>, ImportError> {
    v.as_array()
        .ok_or_else(|| field(key, "expected an array of pairs"))?
        .iter()
        .map(|row| {
            let r = num_array(row, key)?;
            if r.len() < 2 {
                return Err(field(key, "a row has fewer than 2 values"));
            }
            Ok([r[0], r[1]])
        })
        .collect()
}

pub(crate) fn ascending(times: &[f64], key: &str) -> Result<(), ImportError> {
    if times.windows(2).any(|w| w[1] < w[0]) {
        Err(field(key, "times are not in ascending order"))
    } else {
        Ok(())
    }
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn parse_hex8(s: &str) -> Option<[u8; 8]> {
    if s.len() != 16 {
        return None;
    }
    let mut out = [0u8; 8];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}
