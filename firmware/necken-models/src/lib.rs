//! # necken-models
//!
//! The neural models, run with tract. Every model file is checked against the `SHA256SUMS`
//! manifest next to it before it is loaded (`necken-model-files`, which also holds the
//! built-in default models): a missing, truncated or altered file is a clear error naming it,
//! never a silently different model.
//!
//! [`BeatNet`] is the beat/downbeat activation network (`models/beat-tcn-v3.onnx` by default): a causal
//! TCN over the front end's 71 log band magnitudes per 10 ms frame, giving per frame the
//! probability of a beat and of a downbeat, streamed for live beats, and beside it in the same
//! file an offline TCN that also hears the future, for whole pieces. Trained by `scripts/models/train_beat_net.py`.
#![warn(missing_docs)]

use std::borrow::Cow;
use std::path::{Path, PathBuf};

pub use necken_model_files::{ModelChoice, ModelFile, ModelFileError};

mod beat;
mod elu;
mod embed;
mod set;

pub use beat::{BeatNet, BeatNetStream};
pub use embed::EmbedNet;
pub use set::{load_head, ModelChoices, ModelSet};

/// A model that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The file cannot be read, or its checksum is not the manifest's (truncated, altered,
    /// replaced or unlisted).
    #[error("{0}")]
    File(#[from] ModelFileError),
    /// tract cannot load or run it.
    #[error("model {path}: {problem}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Why.
        problem: String,
    },
}

/// Reads `path` and checks it against `SHA256SUMS` in its folder; returns the bytes.
pub fn verified_bytes(path: &Path) -> Result<Vec<u8>, ModelError> {
    Ok(necken_model_files::verified(path)?.0)
}

/// A model's checked bytes, its id (the file stem) and the first 8 bytes of its SHA-256, as
/// artifacts record it.
pub(crate) struct Checked {
    /// The file for messages (`<built-in>/NAME` for a built-in copy).
    pub(crate) path: PathBuf,
    pub(crate) bytes: Cow<'static, [u8]>,
    pub(crate) id: String,
    pub(crate) sha256_prefix: [u8; 8],
}

/// Reads and checks a model file (or the built-in copy).
pub(crate) fn checked(file: &ModelFile) -> Result<Checked, ModelError> {
    let (bytes, digest) = file.read()?;
    let mut sha256_prefix = [0u8; 8];
    sha256_prefix.copy_from_slice(&digest[..8]);
    Ok(Checked {
        path: file.display_path(),
        bytes,
        id: file.id(),
        sha256_prefix,
    })
}
