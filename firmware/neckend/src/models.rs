//! Loading the models. tract is behind the `models` feature (on by default) so that the rest
//! of the daemon builds and tests without its long compile; without the feature a configured
//! network is an error, never silently skipped. The loader itself is `necken-models`'
//! `ModelSet`, shared with the host tool.

use std::path::PathBuf;
#[cfg(feature = "models")]
use std::sync::Arc;

use necken_model_files::ModelChoice;

use crate::engine::Models;

/// Loads the chosen networks and head (relative paths also in `roots`, default names falling
/// back to the built-in copies); the beat network is proved to stream `pulse` frames at a
/// time now, so a model tract cannot stream fails at start, not mid-music.
#[cfg(feature = "models")]
pub fn load(
    beat: &ModelChoice,
    embed: &ModelChoice,
    head: &ModelChoice,
    pulse: usize,
    roots: &[PathBuf],
) -> Result<Models, String> {
    let choices = necken_models::ModelChoices {
        beat: beat.clone(),
        embed: embed.clone(),
        head: head.clone(),
    };
    let set = necken_models::ModelSet::load(&choices, roots)?;
    if let Some(net) = &set.beat {
        net.stream(pulse).map_err(|e| e.to_string())?;
    }
    Ok(Models {
        style: set.head,
        beat: set
            .beat
            .map(|n| n as Arc<dyn necken_rhythm::learned::BeatActivationModel>),
        embed: set
            .embed
            .map(|n| n as Arc<dyn necken_rhythm::learned::EmbeddingModel>),
    })
}

/// Without the `models` feature there is no network runtime: the head loads, a network is an
/// error.
#[cfg(not(feature = "models"))]
pub fn load(
    beat: &ModelChoice,
    embed: &ModelChoice,
    head: &ModelChoice,
    _pulse: usize,
    roots: &[PathBuf],
) -> Result<Models, String> {
    use necken_model_files::{BEAT_NET, EMBED_NET, STYLE_HEAD};
    for (choice, name, what, flag) in [
        (beat, BEAT_NET, "beat model", "--no-beat-model"),
        (embed, EMBED_NET, "embedding model", "--no-embed-model"),
    ] {
        if let Some(file) = choice.resolve(name, roots) {
            return Err(format!(
                "{what} {file}: this neckend was built without the \"models\" feature; \
                 run it with {flag} or rebuild with the feature"
            ));
        }
    }
    let style = match head.resolve(STYLE_HEAD, roots) {
        Some(file) => {
            let bytes = file.read_unlisted().map_err(|e| e.to_string())?;
            let head = necken_core::head::StyleHead::from_bytes(&bytes)
                .map_err(|e| format!("style head {file}: {e}"))?;
            Some(std::sync::Arc::new(head))
        }
        None => None,
    };
    Ok(Models {
        style,
        beat: None,
        embed: None,
    })
}
