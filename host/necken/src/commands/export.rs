//! `necken export`: stored tracks as NeckenML seed JSON or as beat files for the scorer.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use necken_core::notation::interpret;
use necken_core::{codec, neckenml};
use necken_store::{ArtifactStore, TrackMeta};

use super::{exit_status, report_track_error, CliResult, Context};

/// Output formats.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// NeckenML raw_artifacts JSON, `<stem>.json`, in the layout `--layout` names.
    SeedJson,
    /// `<stem>.beats` with `time<TAB>beat_number` lines (for `score_beats.py`).
    Beats,
}

/// Arguments of `necken export`.
#[derive(clap::Args)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum)]
    format: Format,
    /// Output directory (created when missing).
    #[arg(long)]
    out: PathBuf,
    /// NeckenML key layout of `seed-json`: `current` (`rhythm_extractor.*`, what NeckenML
    /// 0.3.1 reads) or `legacy` (`madmom.*`, NeckenML's documentation).
    #[arg(long, value_enum, default_value = "current")]
    layout: JsonLayout,
    /// The head that names the bars of `beats` files by the dance's notation (seed JSON keeps
    /// the tracker's reading, with the other binary reading in `necken.alternate_numbers`).
    #[command(flatten)]
    head: super::models::HeadArgs,
}

/// `--layout`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum JsonLayout {
    /// `rhythm_extractor.*`.
    Current,
    /// `madmom.*`.
    Legacy,
}

/// Writes one file per stored track; a track that cannot be exported is reported and skipped.
pub fn run(ctx: &Context, args: Args) -> CliResult<ExitCode> {
    let store = ctx.open_existing_store()?;
    let head = match args.format {
        Format::Beats => args.head.load()?,
        Format::SeedJson => None,
    };
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let mut used = HashSet::new();
    let (mut written, mut failed) = (0usize, 0usize);
    store.for_each(&mut |rec| {
        let name = unique_stem(&rec.meta, &mut used);
        let result = codec::decode(&rec.artifacts)
            .map_err(|e| e.to_string())
            .and_then(|a| match args.format {
                Format::SeedJson => {
                    let layout = match args.layout {
                        JsonLayout::Current => neckenml::Layout::Current,
                        JsonLayout::Legacy => neckenml::Layout::Legacy,
                    };
                    let v = neckenml::export_json(&a, layout);
                    Ok((
                        format!("{name}.json"),
                        serde_json::to_string_pretty(&v).expect("json"),
                    ))
                }
                Format::Beats => {
                    match &interpret(&a, &rec.meta.tags, head.as_ref()).artifacts.beats {
                        Some(b) => {
                            let mut text = String::new();
                            for (t, n) in b.times.iter().zip(&b.numbers) {
                                writeln!(text, "{t:.3}\t{n}").expect("string write");
                            }
                            Ok((format!("{name}.beats"), text))
                        }
                        None => Err(format!("no beats stored (profile {})", a.profile.name())),
                    }
                }
            });
        match result.and_then(|(file, text)| write(&args.out.join(file), &text)) {
            Ok(()) => written += 1,
            Err(e) => {
                failed += 1;
                report_track_error(&rec.meta, e);
            }
        }
        Ok(())
    })?;
    eprintln!(
        "exported {written} track(s) to {}, {failed} failed",
        args.out.display()
    );
    Ok(exit_status(failed))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The source file's stem, made unique with the id's first 8 hex digits on a clash.
fn unique_stem(meta: &TrackMeta, used: &mut HashSet<String>) -> String {
    let stem = Path::new(&meta.source_path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| meta.id.to_string());
    let name = if used.contains(&stem) {
        format!("{stem}-{}", &meta.id.to_string()[..8])
    } else {
        stem
    };
    used.insert(name.clone());
    name
}
