//! Loading the neural networks. tract is behind the `models` feature (on by default) so that
//! the rest of the daemon builds and tests without its long compile; without the feature a
//! configured network is an error, never silently skipped.

use std::path::Path;
use std::sync::Arc;

use necken_rhythm::learned::{BeatActivationModel, EmbeddingModel};

/// Loads and checks (sha256 manifest) the beat network at `path`, streamed `pulse` frames at
/// a time.
#[cfg(feature = "models")]
pub fn load_beat(path: &Path, pulse: usize) -> Result<Arc<dyn BeatActivationModel>, String> {
    let net = necken_models::BeatNet::load(path).map_err(|e| e.to_string())?;
    // Build one stream now, so a model tract cannot stream fails at start, not mid-music.
    net.stream(pulse).map_err(|e| e.to_string())?;
    Ok(Arc::new(net))
}

/// Loads and checks (sha256 manifest; one silent patch is run) the embedding network.
#[cfg(feature = "models")]
pub fn load_embed(path: &Path) -> Result<Arc<dyn EmbeddingModel>, String> {
    let net = necken_models::EmbedNet::load(path).map_err(|e| e.to_string())?;
    Ok(Arc::new(net))
}

/// Without the `models` feature there is no network runtime.
#[cfg(not(feature = "models"))]
pub fn load_beat(path: &Path, _pulse: usize) -> Result<Arc<dyn BeatActivationModel>, String> {
    Err(without_runtime("beat model", path, "--no-beat-model"))
}

/// Without the `models` feature there is no network runtime.
#[cfg(not(feature = "models"))]
pub fn load_embed(path: &Path) -> Result<Arc<dyn EmbeddingModel>, String> {
    Err(without_runtime("embedding model", path, "--no-embed-model"))
}

#[cfg(not(feature = "models"))]
fn without_runtime(what: &str, path: &Path, flag: &str) -> String {
    format!(
        "{what} {}: this neckend was built without the \"models\" feature; \
         run it with {flag} or rebuild with the feature",
        path.display()
    )
}
