//! The style head's file (`.nkhead`): the 8 magic bytes `NKHEAD04`, a postcard-encoded
//! [`StyleHead`], then the 32-byte SHA-256 of everything before it. Loading checks the magic,
//! the checksum, the feature version, every dimension (the window model's too) and the window
//! temperature; any mismatch is a clear error. Older files still load: `NKHEAD03` (before the
//! window model) reads windows with the track model, `NKHEAD02` (before the window
//! temperature) reads windows as it reads tracks, and `NKHEAD01` (before the embedding network
//! was named) as well; every such head that reads an embedding was trained on
//! `embed-cnn-v1`'s.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{Dense, StyleHead};
use crate::style::Style;
use crate::vector::{dim_of_version, FEATURE_VERSION};

const MAGIC: &[u8; 8] = b"NKHEAD04";
const MAGIC_V3: &[u8; 8] = b"NKHEAD03";
const MAGIC_V2: &[u8; 8] = b"NKHEAD02";
const MAGIC_V1: &[u8; 8] = b"NKHEAD01";
/// The embedding network every `NKHEAD01` head with an embedding was trained on.
const V1_EMBEDDING: &str = "embed-cnn-v1";

/// Errors from loading a head.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum HeadError {
    /// Not a head file.
    #[error("not a necken style-head file (bad magic bytes)")]
    BadMagic,
    /// The checksum does not match: the file is truncated or corrupt.
    #[error("style-head checksum mismatch: the file is truncated or corrupt")]
    Checksum,
    /// The payload does not decode.
    #[error("style-head payload does not decode: {0}")]
    Decode(String),
    /// Trained for another feature layout.
    #[error(
        "style head expects feature version {found}, this necken computes versions 1 to {expected}"
    )]
    FeatureVersion {
        /// In the file.
        found: u32,
        /// Computed here.
        expected: u32,
    },
    /// Inconsistent shapes.
    #[error("style head is malformed: {0}")]
    Shape(String),
}

/// The fields every head file has, in their order (postcard writes a nested struct as its
/// fields, so the older layouts below are this and what each version added).
#[derive(Deserialize)]
struct HeadCore {
    id: String,
    feature_version: u32,
    classes: Vec<Style>,
    feature_mean: Vec<f32>,
    feature_scale: Vec<f32>,
    layers: Vec<Dense>,
    trained_on: String,
}

impl HeadCore {
    /// The head of an older file: windows read as tracks.
    fn into_head(self, embedding_model: Option<String>) -> StyleHead {
        StyleHead {
            id: self.id,
            feature_version: self.feature_version,
            classes: self.classes,
            feature_mean: self.feature_mean,
            feature_scale: self.feature_scale,
            layers: self.layers,
            trained_on: self.trained_on,
            embedding_model,
            window_temperature: 1.0,
            window_model: None,
        }
    }
}

/// The `NKHEAD02` layout: a [`StyleHead`] without its window temperature (`NKHEAD01` is the
/// core alone).
#[derive(Deserialize)]
struct HeadV2 {
    core: HeadCore,
    embedding_model: Option<String>,
}

/// The `NKHEAD03` layout: a [`StyleHead`] without its window model.
#[derive(Deserialize)]
struct HeadV3 {
    v2: HeadV2,
    window_temperature: f32,
}

impl StyleHead {
    /// Serializes with magic and checksum.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend(postcard::to_stdvec(self).expect("a head always encodes"));
        let sum = Sha256::digest(&out);
        out.extend_from_slice(&sum);
        out
    }

    /// Parses and validates a head file's bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<StyleHead, HeadError> {
        if bytes.len() < MAGIC.len() + 32 {
            return Err(HeadError::BadMagic);
        }
        let magic = &bytes[..MAGIC.len()];
        if ![MAGIC, MAGIC_V3, MAGIC_V2, MAGIC_V1]
            .iter()
            .any(|m| magic == *m)
        {
            return Err(HeadError::BadMagic);
        }
        let (body, sum) = bytes.split_at(bytes.len() - 32);
        if Sha256::digest(body).as_slice() != sum {
            return Err(HeadError::Checksum);
        }
        let payload = &body[MAGIC.len()..];
        let decode_error = |e: postcard::Error| HeadError::Decode(e.to_string());
        let head = if magic == MAGIC {
            postcard::from_bytes::<StyleHead>(payload).map_err(decode_error)?
        } else if magic == MAGIC_V3 {
            let v3: HeadV3 = postcard::from_bytes(payload).map_err(decode_error)?;
            let mut head = v3.v2.core.into_head(v3.v2.embedding_model);
            head.window_temperature = v3.window_temperature;
            head
        } else if magic == MAGIC_V2 {
            let v2: HeadV2 = postcard::from_bytes(payload).map_err(decode_error)?;
            v2.core.into_head(v2.embedding_model)
        } else {
            let v1: HeadCore = postcard::from_bytes(payload).map_err(decode_error)?;
            let mut head = v1.into_head(None);
            if head.expects_embedding() {
                head.embedding_model = Some(V1_EMBEDDING.to_string());
            }
            head
        };
        head.validate()?;
        Ok(head)
    }

    /// SHA-256 of the serialized head.
    pub fn sha256(&self) -> [u8; 32] {
        Sha256::digest(self.to_bytes()).into()
    }

    fn validate(&self) -> Result<(), HeadError> {
        let Some(dim) = dim_of_version(self.feature_version) else {
            return Err(HeadError::FeatureVersion {
                found: self.feature_version,
                expected: FEATURE_VERSION,
            });
        };
        let classes = self.classes.len();
        check_model(
            &self.feature_mean,
            &self.feature_scale,
            &self.layers,
            dim,
            classes,
        )
        .map_err(HeadError::Shape)?;
        if let Some(w) = &self.window_model {
            check_model(&w.feature_mean, &w.feature_scale, &w.layers, dim, classes)
                .map_err(|e| HeadError::Shape(format!("window model: {e}")))?;
        }
        if !(self.window_temperature.is_finite() && self.window_temperature > 0.0) {
            return Err(HeadError::Shape(format!(
                "window temperature {} is not a positive number",
                self.window_temperature
            )));
        }
        Ok(())
    }
}

/// Checks one model's normalization and layers: `dim` inputs, one output per class.
fn check_model(
    mean: &[f32],
    scale: &[f32],
    layers: &[Dense],
    dim: usize,
    classes: usize,
) -> Result<(), String> {
    if mean.len() != dim || scale.len() != dim {
        return Err(format!(
            "normalization has {} means and {} scales, expected {dim}",
            mean.len(),
            scale.len(),
        ));
    }
    if scale.iter().any(|s| *s == 0.0 || !s.is_finite()) {
        return Err("a feature scale is zero or not finite".into());
    }
    let mut width = dim as u32;
    for (i, l) in layers.iter().enumerate() {
        if l.inputs != width
            || l.weights.len() as u64 != l.inputs as u64 * l.outputs as u64
            || l.bias.len() != l.outputs as usize
        {
            return Err(format!("layer {i} has inconsistent sizes"));
        }
        width = l.outputs;
    }
    if layers.is_empty() || width as usize != classes {
        return Err(format!(
            "last layer has {width} outputs for {classes} classes"
        ));
    }
    Ok(())
}
