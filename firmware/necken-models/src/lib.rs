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
use std::sync::Arc;

use sha2::{Digest, Sha256};
use tract_onnx::prelude::*;

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
    let actual: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if actual != expected {
        return Err(ModelError::Mismatch {
            path: path.to_path_buf(),
            expected,
            actual,
        });
    }
    Ok(bytes)
}

/// The beat/downbeat activation network.
pub struct BeatNet {
    plan: Arc<TypedRunnableModel>,
    bands: usize,
    path: PathBuf,
}

impl BeatNet {
    /// Band count of the input.
    pub const BANDS: usize = 71;

    /// Loads and checks the model.
    pub fn load(path: &Path) -> Result<BeatNet, ModelError> {
        let bytes = verified_bytes(path)?;
        let invalid = |e: TractError| ModelError::Invalid {
            path: path.to_path_buf(),
            problem: format!("{e:#}"),
        };
        let model = tract_onnx::onnx()
            .model_for_read(&mut bytes.as_slice())
            .map_err(invalid)?;
        let plan = model
            .into_optimized()
            .map_err(invalid)?
            .into_runnable()
            .map_err(invalid)?;
        Ok(BeatNet {
            plan,
            bands: Self::BANDS,
            path: path.to_path_buf(),
        })
    }

    /// Beat and downbeat probabilities for `frames` frames of `bands` (frame-major, 71 log
    /// band magnitudes each, as the front end computes them).
    pub fn activations(&self, bands: &[f32]) -> Result<Vec<[f32; 2]>, ModelError> {
        let frames = bands.len() / self.bands;
        if frames == 0 {
            return Ok(Vec::new());
        }
        let input = tract_ndarray::Array3::from_shape_vec(
            (1, frames, self.bands),
            bands[..frames * self.bands].to_vec(),
        )
        .map_err(|e| ModelError::Invalid {
            path: self.path.clone(),
            problem: e.to_string(),
        })?;
        let out = self
            .plan
            .run(tvec!(Tensor::from(input).into()))
            .map_err(|e| ModelError::Invalid {
                path: self.path.clone(),
                problem: format!("{e:#}"),
            })?;
        let view = out[0]
            .to_plain_array_view::<f32>()
            .map_err(|e| ModelError::Invalid {
                path: self.path.clone(),
                problem: format!("{e:#}"),
            })?;
        Ok(view
            .as_slice()
            .unwrap_or(&[])
            .chunks_exact(2)
            .map(|c| [c[0], c[1]])
            .collect())
    }
}
