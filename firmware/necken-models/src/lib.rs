//! # necken-models
//!
//! The neural models, run with tract. Every model file is checked against the `SHA256SUMS`
//! manifest next to it before it is loaded: a missing, truncated or altered file is a clear
//! error naming it, never a silently different model.
//!
//! [`BeatNet`] is the beat/downbeat activation network (`models/beat-tcn-v1.onnx`): a causal
//! TCN over the front end's 71 log band magnitudes per 10 ms frame, giving per frame the
//! probability of a beat and of a downbeat. Trained by `scripts/models/train_beat_net.py`.
#![warn(missing_docs)]

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

mod beat;
mod embed;

pub use beat::{BeatNet, BeatNetStream};
pub use embed::EmbedNet;

/// A model that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The file or its manifest cannot be read.
    #[error("model {path}: {problem}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        problem: String,
    },
    /// The file's hash differs from the manifest's (truncated, altered or replaced).
    #[error("model {path}: sha256 {actual} does not match {expected} in the manifest")]
    Mismatch {
        /// The file.
        path: PathBuf,
        /// Manifest hash.
        expected: String,
        /// File hash.
        actual: String,
    },
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
    verified(path).map(|(bytes, _)| bytes)
}

/// A model's id (its file stem) and the first 8 bytes of its SHA-256, as artifacts record it.
pub(crate) fn identity(path: &Path, digest: &[u8; 32]) -> (String, [u8; 8]) {
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut prefix = [0u8; 8];
    prefix.copy_from_slice(&digest[..8]);
    (id, prefix)
}

/// [`verified_bytes`] and the file's SHA-256.
pub(crate) fn verified(path: &Path) -> Result<(Vec<u8>, [u8; 32]), ModelError> {
    let unreadable = |problem: String| ModelError::Unreadable {
        path: path.to_path_buf(),
        problem,
    };
    let bytes = std::fs::read(path).map_err(|e| unreadable(e.to_string()))?;
    let manifest_path = path.with_file_name("SHA256SUMS");
    let manifest = std::fs::read_to_string(&manifest_path)
        .map_err(|e| unreadable(format!("manifest {}: {e}", manifest_path.display())))?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| unreadable("no file name".into()))?;
    let expected = manifest
        .lines()
        .filter_map(|l| l.split_once("  "))
        .find(|(_, file)| file.trim() == name)
        .map(|(hash, _)| hash.trim().to_ascii_lowercase())
        .ok_or_else(|| unreadable(format!("not listed in {}", manifest_path.display())))?;
    let digest: [u8; 32] = Sha256::digest(&bytes).into();
    let actual: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    if actual != expected {
        return Err(ModelError::Mismatch {
            path: path.to_path_buf(),
            expected,
            actual,
        });
    }
    Ok((bytes, digest))
}
