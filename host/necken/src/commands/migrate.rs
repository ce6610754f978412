//! `necken migrate`: rewrite older records in the current schema version.

use std::process::ExitCode;

use necken_core::artifact::SCHEMA_VERSION;
use necken_core::codec;
use necken_store::{ArtifactStore, TrackId};

use super::{exit_status, report_track_error, CliResult, Context};

/// Upgrades every record older than the current schema; newer or corrupt ones are reported.
pub fn run(ctx: &Context) -> CliResult<ExitCode> {
    let store = ctx.open_existing_store()?;
    let mut todo: Vec<(TrackId, String, Vec<u8>)> = Vec::new();
    let (mut current, mut failed) = (0usize, 0usize);
    store.for_each(&mut |rec| {
        match codec::record_version(&rec.artifacts) {
            Ok(v) if v == SCHEMA_VERSION => current += 1,
            Ok(_) => todo.push((rec.meta.id, rec.meta.source_path, rec.artifacts)),
            Err(e) => {
                failed += 1;
                report_track_error(&rec.meta, e);
            }
        }
        Ok(())
    })?;
    let mut migrated = 0usize;
    for (id, path, bytes) in todo {
        match codec::decode(&bytes) {
            Ok(a) => {
                store.replace_artifacts(&id, &codec::encode(&a))?;
                migrated += 1;
            }
            Err(e) => {
                failed += 1;
                eprintln!("necken: track {id} ({path}): {e}");
            }
        }
    }
    eprintln!(
        "migrated {migrated} record(s) to schema {SCHEMA_VERSION}; {current} already current, {failed} failed"
    );
    Ok(exit_status(failed))
}
