//! The beat-network options shared by the commands that analyze audio.

use std::path::PathBuf;
use std::sync::Arc;

use necken_models::BeatNet;
use necken_rhythm::learned::BeatActivationModel;

use super::CliResult;

/// `--beat-model` / `--no-beat-model`.
#[derive(clap::Args, Clone, Debug)]
pub struct BeatModelArgs {
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
}

impl BeatModelArgs {
    /// The network, or `None` when `--no-beat-model` asked for none. A missing or altered
    /// file is an error naming it, never a silent DSP-only run.
    pub fn load(&self) -> CliResult<Option<Arc<dyn BeatActivationModel>>> {
        if self.no_beat_model {
            return Ok(None);
        }
        let net = BeatNet::load(&self.beat_model).map_err(|e| {
            format!("{e} (pass --beat-model PATH, or --no-beat-model for DSP activations only)")
        })?;
        Ok(Some(Arc::new(net)))
    }
}
