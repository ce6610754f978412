//! `necken import`: NeckenML raw_artifacts JSON into the store.

use std::path::PathBuf;
use std::process::ExitCode;

use necken_core::{codec, neckenml};
use necken_store::{ArtifactStore, TrackId, TrackMeta};

use super::{exit_status, CliResult, Context};

/// Arguments of `necken import`.
#[derive(clap::Args)]
pub struct Args {
    /// NeckenML raw_artifacts JSON files (either the `madmom.*` or `rhythm_extractor.*` layout).
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// Imports every file; a bad file is reported by name and the rest go on.
pub fn run(ctx: &Context, args: Args) -> CliResult<ExitCode> {
    let store = ctx.open_store()?;
    let (mut ok, mut failed) = (0usize, 0usize);
    for path in &args.files {
        match import_one(&store, path) {
            Ok(id) => {
                ok += 1;
                log::info!("{}: imported as {id}", path.display());
            }
            Err(e) => {
                failed += 1;
                eprintln!("necken: {}: {e}", path.display());
            }
        }
    }
    eprintln!("imported {ok} file(s), {failed} failed");
    Ok(exit_status(failed))
}

fn import_one(store: &impl ArtifactStore, path: &PathBuf) -> CliResult<TrackId> {
    let bytes = std::fs::read(path)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| "not UTF-8 text")?;
    let artifacts = neckenml::import_json(text)?;
    let id = TrackId::of_content(&bytes);
    let meta = TrackMeta::from_artifacts(
        id,
        path.display().to_string(),
        Default::default(),
        &artifacts,
    );
    store.put(&meta, &codec::encode(&artifacts))?;
    Ok(id)
}
