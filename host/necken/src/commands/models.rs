//! The model options shared by the commands that analyze audio or name styles.

use std::path::PathBuf;
use std::sync::Arc;

use necken_analysis::AnalysisOptions;
use necken_core::head::StyleHead;
use necken_models::{ModelChoice, ModelChoices, ModelSet};

use super::CliResult;

/// `--beat-model` / `--no-beat-model`, `--embed-model` / `--no-embed-model`.
#[derive(clap::Args, Clone, Debug)]
pub struct ModelArgs {
    /// Beat/downbeat network mixed into the tracker's activations (ONNX, checked against the
    /// `SHA256SUMS` beside it). Default: models/beat-tcn-v3.onnx from the working directory
    /// or the install root (beside the executable), else the copy built into necken.
    #[arg(long, env = "NECKEN_BEAT_MODEL")]
    pub beat_model: Option<PathBuf>,
    /// Track with the DSP activations alone; the artifacts then list no beat model.
    #[arg(long)]
    pub no_beat_model: bool,
    /// Embedding and instrumental/vocal network (ONNX, checked against `SHA256SUMS`).
    /// Default: models/embed-cnn-v2.onnx, found like the beat network's.
    #[arg(long, env = "NECKEN_EMBED_MODEL")]
    pub embed_model: Option<PathBuf>,
    /// Analyze without the embedding network; the artifacts then have no embedding and no
    /// vocal scores.
    #[arg(long)]
    pub no_embed_model: bool,
}

/// `--model HEAD` / `--no-model`.
#[derive(clap::Args, Clone, Debug)]
pub struct HeadArgs {
    /// Style head (`.nkhead`): names each track's dance, and binary bars by the dance's
    /// notation (4/4 schottis and marches, 2/4 polka and engelska). Default:
    /// models/style-head-v17.nkhead from the working directory or the install root, else the
    /// copy built into necken.
    #[arg(long, env = "NECKEN_STYLE_MODEL")]
    pub model: Option<PathBuf>,
    /// No style head: styles come from tag keywords only, and bars stay as the tracker read
    /// them.
    #[arg(long)]
    pub no_model: bool,
}

impl HeadArgs {
    /// What these flags choose.
    pub fn choice(&self) -> ModelChoice {
        ModelChoice::from_flags(self.model.as_deref(), self.no_model)
    }

    /// Loads the chosen head (errors name the file).
    pub fn load(&self) -> CliResult<Option<StyleHead>> {
        let roots = necken_model_files::install_roots();
        match self
            .choice()
            .resolve(necken_model_files::STYLE_HEAD, &roots)
        {
            Some(file) => Ok(Some(necken_models::load_head(&file)?)),
            None => Ok(None),
        }
    }
}

impl ModelArgs {
    /// What these flags choose for the networks.
    fn choices(&self, head: ModelChoice) -> ModelChoices {
        ModelChoices {
            beat: ModelChoice::from_flags(self.beat_model.as_deref(), self.no_beat_model),
            embed: ModelChoice::from_flags(self.embed_model.as_deref(), self.no_embed_model),
            head,
        }
    }

    /// Loads the networks (and the head `head` chooses) and puts the networks into
    /// `options`. A missing or altered file is an error naming it, never a silent run
    /// without the model.
    pub fn apply(
        &self,
        options: &mut AnalysisOptions,
        head: ModelChoice,
    ) -> CliResult<Option<Arc<StyleHead>>> {
        let set = ModelSet::load(&self.choices(head), &necken_model_files::install_roots())?;
        options.beat_model = set.beat.map(|m| m as _);
        options.embedding_model = set.embed.map(|m| m as _);
        Ok(set.head)
    }
}

/// Reads and parses a style head named on the command line (errors name the file).
pub fn load_head_file(path: &std::path::Path) -> CliResult<StyleHead> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(StyleHead::from_bytes(&bytes).map_err(|e| format!("{}: {e}", path.display()))?)
}
