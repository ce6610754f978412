//! The model options shared by the commands that analyze audio.

use std::path::PathBuf;
use std::sync::Arc;

use necken_analysis::AnalysisOptions;
use necken_models::{BeatNet, EmbedNet};

use super::CliResult;

/// `--beat-model` / `--no-beat-model`, `--embed-model` / `--no-embed-model`.
#[derive(clap::Args, Clone, Debug)]
pub struct ModelArgs {
    /// Beat/downbeat network mixed into the tracker's activations (ONNX, checked against the
    /// `SHA256SUMS` beside it).
    #[arg(
        long,
        env = "NECKEN_BEAT_MODEL",
        default_value = "models/beat-tcn-v1.onnx"
    )]
    pub beat_model: PathBuf,
    /// Track with the DSP activations alone; the artifacts then list no beat model.
    #[arg(long)]
    pub no_beat_model: bool,
    /// Embedding and instrumental/vocal network (ONNX, checked against `SHA256SUMS`).
    #[arg(
        long,
        env = "NECKEN_EMBED_MODEL",
        default_value = "models/embed-cnn-v1.onnx"
    )]
    pub embed_model: PathBuf,
    /// Analyze without the embedding network; the artifacts then have no embedding and no
    /// vocal scores.
    #[arg(long)]
    pub no_embed_model: bool,
}

impl ModelArgs {
    /// Loads the networks asked for into `options`. A missing or altered file is an error
    /// naming it, never a silent run without the model.
    pub fn apply(&self, options: &mut AnalysisOptions) -> CliResult<()> {
        options.beat_model = if self.no_beat_model {
            None
        } else {
            let net = BeatNet::load(&self.beat_model).map_err(|e| {
                format!("{e} (pass --beat-model PATH, or --no-beat-model for DSP activations only)")
            })?;
            Some(Arc::new(net))
        };
        options.embedding_model = if self.no_embed_model {
            None
        } else {
            let net = EmbedNet::load(&self.embed_model).map_err(|e| {
                format!("{e} (pass --embed-model PATH, or --no-embed-model to go without)")
            })?;
            Some(Arc::new(net))
        };
        Ok(())
    }
}
