//! `necken stale`: stored tracks whose audio file changed (or vanished) since it was analyzed,
//! found by hashing each file again: a track's id is the hash of the bytes that were analyzed.
//! `--fix` analyzes the changed files and removes the tracks that described the old audio.
//! Relative source paths (as `necken analyze` was given them) are taken from the working
//! directory.

use std::path::PathBuf;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use necken_store::{ArtifactStore, TrackId};
use serde_json::json;

use super::analyze::{analyze_files, Options};
use super::{exit_status, CliResult, Context};

/// Arguments of `necken stale`.
#[derive(clap::Args)]
pub struct Args {
    /// Re-analyze the changed files (a new track each) and remove the stale tracks.
    #[arg(long)]
    fix: bool,
    #[command(flatten)]
    options: Options,
}

/// Why a track is stale.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Why {
    Changed,
    Missing,
}

/// Lists (and with `--fix` refreshes) the stale tracks.
pub fn run(ctx: &Context, args: Args) -> CliResult<ExitCode> {
    let store = ctx.open_existing_store()?;
    let mut files = Vec::new();
    store.for_each(&mut |rec| {
        // Live segments have no audio file to look at.
        if !rec.meta.source_path.starts_with("live:") {
            files.push((rec.meta.id, PathBuf::from(&rec.meta.source_path)));
        }
        Ok(())
    })?;
    let bar = ProgressBar::new(files.len() as u64).with_style(
        ProgressStyle::with_template("hashing {bar:30} {pos}/{len} {wide_msg}")
            .expect("static template"),
    );
    let mut stale: Vec<(TrackId, PathBuf, Why)> = Vec::new();
    for (id, path) in &files {
        bar.set_message(path.display().to_string());
        match TrackId::of_file(path) {
            Ok(now) if now == *id => {}
            Ok(_) => stale.push((*id, path.clone(), Why::Changed)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                stale.push((*id, path.clone(), Why::Missing))
            }
            Err(e) => bar.suspend(|| eprintln!("necken: {}: cannot read: {e}", path.display())),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    for (id, path, why) in &stale {
        let why = match why {
            Why::Changed => "changed",
            Why::Missing => "missing",
        };
        if args.options.json {
            println!(
                "{}",
                json!({"track_id": id.to_string(), "file": path.display().to_string(), "why": why})
            );
        } else {
            println!("{}  {why:<8} {}", &id.to_string()[..12], path.display());
        }
    }
    let changed: Vec<&(TrackId, PathBuf, Why)> =
        stale.iter().filter(|s| s.2 == Why::Changed).collect();
    eprintln!(
        "{} of {} track(s) with an audio file are stale: {} changed, {} missing",
        stale.len(),
        files.len(),
        changed.len(),
        stale.len() - changed.len()
    );
    if !args.fix || changed.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let paths: Vec<PathBuf> = changed.iter().map(|s| s.1.clone()).collect();
    let summary = analyze_files(&store, &paths, &args.options)?;
    let mut removed = 0usize;
    for (old, path, _) in &changed {
        if summary.stored.iter().any(|(p, _)| p == path) && store.remove(old)? {
            removed += 1;
        }
    }
    eprintln!(
        "re-analyzed {} changed file(s), removed {removed} stale track(s); {} missing file(s) \
         left as they are",
        summary.stored.len(),
        stale.len() - changed.len()
    );
    Ok(exit_status(summary.failed))
}
