//! One module per subcommand.

pub mod ab;
pub mod analyze;
pub mod backfill;
pub mod bench;
pub mod devices;
pub mod export;
pub mod import;
pub mod migrate;
pub mod models;
pub mod pull;
pub mod push_model;
pub mod reanalyze;
pub mod stale;
pub mod stats;
pub mod train_head;

use std::path::PathBuf;

use necken_store::{SledStore, StoreConfig};

/// Prints a per-track failure naming the track and its source; the command goes on.
pub fn report_track_error(meta: &necken_store::TrackMeta, error: impl std::fmt::Display) {
    eprintln!("necken: track {} ({}): {error}", meta.id, meta.source_path);
}

/// Exit status of a command that processes many items: 1 when any failed.
pub fn exit_status(failed: usize) -> std::process::ExitCode {
    if failed > 0 {
        std::process::ExitCode::from(1)
    } else {
        std::process::ExitCode::SUCCESS
    }
}

/// Boxed error with a message meant for the user.
pub type CliResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Options shared by every command.
pub struct Context {
    /// Store directory.
    pub store_path: PathBuf,
    /// Board profile path.
    pub board: Option<PathBuf>,
}

impl Context {
    /// Opens a store that must already exist (commands that only read or rewrite tracks):
    /// a mistyped `--store` is an error naming the path instead of a new, empty store.
    pub fn open_existing_store(&self) -> CliResult<SledStore> {
        if !self.store_path.join("conf").is_file() {
            return Err(format!(
                "no track store at {} (pass --store PATH or set $NECKEN_STORE; `necken analyze` \
                 and `necken import` create one)",
                self.store_path.display()
            )
            .into());
        }
        self.open_store()
    }

    /// Opens the store, creating it when missing, with the board profile's cache size
    /// (64 MiB without a profile).
    pub fn open_store(&self) -> CliResult<SledStore> {
        let mut config = StoreConfig::default();
        if let Some(board) = &self.board {
            let text =
                std::fs::read_to_string(board).map_err(|e| format!("{}: {e}", board.display()))?;
            config.cache_capacity_bytes =
                cache_from_board(&text).map_err(|e| format!("{}: {e}", board.display()))?;
        }
        Ok(SledStore::open(&self.store_path, &config)?)
    }
}

/// The part of a board profile the host tool reads.
#[derive(serde::Deserialize)]
struct BoardProfile {
    store: BoardStore,
}

#[derive(serde::Deserialize)]
struct BoardStore {
    cache_mb: u64,
}

/// Reads `cache_mb` from the `[store]` section of a board profile.
fn cache_from_board(text: &str) -> Result<u64, String> {
    let profile: BoardProfile = toml::from_str(text).map_err(|e| e.to_string())?;
    Ok(profile.store.cache_mb * 1024 * 1024)
}
