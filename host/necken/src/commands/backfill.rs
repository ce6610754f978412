//! `necken backfill`: analyzes the audio files under folders that have no artifacts in the
//! store yet (files whose content is stored are not decoded at all).

use std::path::PathBuf;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use necken_store::{ArtifactStore, TrackId};

use super::analyze::{analyze_files, collect_inputs, Options};
use super::{exit_status, CliResult, Context};

/// Arguments of `necken backfill`.
#[derive(clap::Args)]
pub struct Args {
    /// Folders (searched recursively) or files.
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Only list the files that have no artifacts.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    options: Options,
}

/// Finds the files without artifacts and analyzes them.
pub fn run(ctx: &Context, args: Args) -> CliResult<ExitCode> {
    let files = collect_inputs(&args.dirs)?;
    let store = ctx.open_store()?;
    let bar = ProgressBar::new(files.len() as u64).with_style(
        ProgressStyle::with_template("checking {bar:30} {pos}/{len} {wide_msg}")
            .expect("static template"),
    );
    let mut missing = Vec::new();
    let mut unreadable = 0usize;
    for f in &files {
        bar.set_message(f.display().to_string());
        match TrackId::of_file(f) {
            Ok(id) if store.contains(&id)? => {}
            Ok(_) => missing.push(f.clone()),
            Err(e) => {
                unreadable += 1;
                bar.suspend(|| eprintln!("necken: {}: cannot read: {e}", f.display()));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    eprintln!(
        "{} of {} audio file(s) have no artifacts{}",
        missing.len(),
        files.len(),
        if unreadable > 0 {
            format!(", {unreadable} unreadable")
        } else {
            String::new()
        }
    );
    if args.dry_run {
        for f in &missing {
            println!("{}", f.display());
        }
        return Ok(exit_status(unreadable));
    }
    if missing.is_empty() {
        return Ok(exit_status(unreadable));
    }
    let summary = analyze_files(&store, &missing, &args.options)?;
    Ok(exit_status(summary.failed + unreadable))
}
