//! The one loader of the models an analysis runs, shared by `necken` and `neckend`.

use std::path::PathBuf;
use std::sync::Arc;

use necken_core::head::StyleHead;
use necken_model_files::{ModelChoice, ModelFile, BEAT_NET, EMBED_NET, STYLE_HEAD};

use crate::{BeatNet, EmbedNet};

/// The beat network, the embedding network and the style head, each optional.
#[derive(Clone, Default)]
pub struct ModelSet {
    /// Beat/downbeat network.
    pub beat: Option<Arc<BeatNet>>,
    /// Embedding and instrumental/vocal network.
    pub embed: Option<Arc<EmbedNet>>,
    /// Style head.
    pub head: Option<Arc<StyleHead>>,
}

/// What to load for each role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelChoices {
    /// The beat network.
    pub beat: ModelChoice,
    /// The embedding network.
    pub embed: ModelChoice,
    /// The style head.
    pub head: ModelChoice,
}

impl ModelChoices {
    /// Every default model.
    pub fn defaults() -> ModelChoices {
        ModelChoices {
            beat: ModelChoice::Default,
            embed: ModelChoice::Default,
            head: ModelChoice::Default,
        }
    }
}

impl ModelSet {
    /// Loads the chosen models; relative paths are also looked for in `roots`, and default
    /// file names fall back to the built-in copies. Errors name the file and the flag that
    /// goes without it. Warns when the head was trained with embeddings and runs without them.
    pub fn load(choices: &ModelChoices, roots: &[PathBuf]) -> Result<ModelSet, String> {
        // The head first: it is what a profile changes most, and what a reload's error
        // should name.
        let head = match choices.head.resolve(STYLE_HEAD, roots) {
            Some(file) => Some(Arc::new(load_head(&file)?)),
            None => None,
        };
        let beat = match choices.beat.resolve(BEAT_NET, roots) {
            Some(file) => Some(Arc::new(BeatNet::open(&file).map_err(|e| {
                format!("{e} (name another with --beat-model, or --no-beat-model for DSP activations only)")
            })?)),
            None => None,
        };
        let embed = match choices.embed.resolve(EMBED_NET, roots) {
            Some(file) => Some(Arc::new(EmbedNet::open(&file).map_err(|e| {
                format!("{e} (name another with --embed-model, or --no-embed-model to go without)")
            })?)),
            None => None,
        };
        if let (Some(h), None) = (&head, &embed) {
            if h.expects_embedding() {
                log::warn!(
                    "style head {} was trained with embeddings; without an embedding network \
                     its decisions are unreliable (use style-head-v1 with --no-embed-model)",
                    h.id
                );
            }
        }
        if let (Some(h), Some(e)) = (&head, &embed) {
            let net = necken_rhythm::learned::EmbeddingModel::id(e.as_ref());
            if !h.reads(Some(net)) {
                log::warn!(
                    "style head {} reads {}'s embeddings and the embedding network is {net}: it \
                     will classify nothing (tags only); name the head's network with \
                     --embed-model, or a head trained on {net}'s",
                    h.id,
                    h.embedding_model.as_deref().unwrap_or("no network")
                );
            }
        }
        Ok(ModelSet { beat, embed, head })
    }
}

/// Reads and parses a style head; errors name the file.
pub fn load_head(file: &ModelFile) -> Result<StyleHead, String> {
    let bytes = file.read_unlisted().map_err(|e| e.to_string())?;
    StyleHead::from_bytes(&bytes).map_err(|e| format!("style head {file}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_load_from_anywhere_and_off_loads_nothing() {
        let set = ModelSet::load(&ModelChoices::defaults(), &[]).unwrap();
        assert_eq!(
            necken_rhythm::learned::BeatActivationModel::id(set.beat.as_ref().unwrap().as_ref()),
            "beat-tcn-v3"
        );
        assert_eq!(set.head.as_ref().unwrap().id, "necken-style-head-v17");
        assert!(set.embed.is_some());
        let off = ModelChoices {
            beat: ModelChoice::Off,
            embed: ModelChoice::Off,
            head: ModelChoice::Off,
        };
        let set = ModelSet::load(&off, &[]).unwrap();
        assert!(set.beat.is_none() && set.embed.is_none() && set.head.is_none());
        let missing = ModelChoices {
            beat: ModelChoice::File("/nonexistent/beat.onnx".into()),
            ..off
        };
        let e = ModelSet::load(&missing, &[]).err().unwrap();
        assert!(
            e.contains("/nonexistent/beat.onnx") && e.contains("--no-beat-model"),
            "{e}"
        );
    }
}
