//! Loading the beat network. tract is behind the `models` feature (on by default) so that
//! the rest of the daemon builds and tests without its long compile; without the feature a
//! configured network is an error, never silently skipped.

use std::path::Path;
use std::sync::Arc;

use necken_rhythm::learned::BeatActivationModel;

/// Loads and checks (sha256 manifest) the network at `path`, streamed `pulse` frames at a time.
#[cfg(feature = "models")]
pub fn load(path: &Path, pulse: usize) -> Result<Arc<dyn BeatActivationModel>, String> {
    let net = necken_models::BeatNet::load(path).map_err(|e| e.to_string())?;
    // Build one stream now, so a model tract cannot stream fails at start, not mid-music.
    net.stream(pulse).map_err(|e| e.to_string())?;
    Ok(Arc::new(net))
}

/// Without the `models` feature there is no network runtime.
#[cfg(not(feature = "models"))]
pub fn load(path: &Path, _pulse: usize) -> Result<Arc<dyn BeatActivationModel>, String> {
    Err(format!(
        "beat model {}: this neckend was built without the \"models\" feature; \
         run it with --no-beat-model or rebuild with the feature",
        path.display()
    ))
}
