//! # necken-analysis
//!
//! The analysis edge, the parts the engine (`necken-engine`) is built of: symphonia decodes,
//! every decoded chunk feeds the loudness meter and statistics at the source rate and a rubato
//! resampler to 16 kHz, whose output feeds the rhythm front end ([`FrameStream`]); a piece's
//! frames become raw artifacts in [`analyze_frames`]. Only 10 ms frame features are kept, so
//! memory grows by about 60 bytes per 10 ms of audio, not by the samples.
#![warn(missing_docs)]

mod decode;
mod files;
pub mod sanitize;

/// Seconds of audio below which a file is not stored as a track by default (`necken analyze
/// --min-duration`, the daemon's `[segments] min_file_s`): the tracker needs a few bars.
pub const MIN_TRACK_S: f32 = 5.0;
mod embed_run;
mod frames;
mod pipeline;
mod resample;
mod stats;
mod stream;

pub use decode::{decode_file, AudioSink, DecodeInfo};
pub use embed_run::{attach_embeddings, EmbedRun, SERIES_PATCHES};
pub use files::{audio_files_in, is_audio_file, AUDIO_EXTENSIONS};
pub use frames::{analyze_frames, analyze_samples, SourceFacts};
pub use pipeline::{AnalysisOptions, StageTimes};
pub use stream::FrameStream;

use std::path::PathBuf;

/// An analysis failure, naming the file.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct AnalysisError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong, in a sentence.
    pub problem: String,
}

impl AnalysisError {
    /// A failure of `path`.
    pub fn new(path: &std::path::Path, problem: impl Into<String>) -> AnalysisError {
        AnalysisError {
            path: path.to_path_buf(),
            problem: problem.into(),
        }
    }
}

/// The front-end frames of a file (16 kHz, 100 frames/s), for streaming evaluation.
pub fn file_frames(
    path: &std::path::Path,
) -> Result<Vec<necken_rhythm::frontend::FrameFeatures>, AnalysisError> {
    pipeline::file_frames(path, false)
}

/// The same frames carrying every log band magnitude (input of the neural activation models).
pub fn file_frames_with_bands(
    path: &std::path::Path,
) -> Result<Vec<necken_rhythm::frontend::FrameFeatures>, AnalysisError> {
    pipeline::file_frames(path, true)
}

/// The log-mel frames of a file (the embedding network's front end, 62.5 frames/s).
pub fn file_mel_frames(
    path: &std::path::Path,
) -> Result<Vec<[f32; necken_rhythm::mel::MEL_BANDS]>, AnalysisError> {
    pipeline::file_mel_frames(path)
}

/// Frame-wise activations of a file (for diagnostics and the model-training scripts).
pub fn file_activations(
    path: &std::path::Path,
) -> Result<necken_rhythm::activation::Activations, AnalysisError> {
    pipeline::file_frames(path, false)
        .map(|f| necken_rhythm::activation::Activations::from_frames(&f))
}
