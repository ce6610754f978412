//! `necken analyze`: audio files → raw artifacts in the store, with a summary table.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use necken_analysis::AnalysisOptions;
use necken_core::artifact::Profile;
use necken_core::codec;
use necken_core::notation::interpret;
use necken_engine::analyze_file;
use necken_store::{ArtifactStore, TrackId, TrackMeta};
use serde_json::json;

use super::models::{HeadArgs, ModelArgs};
use super::{exit_status, CliResult, Context};

/// Arguments of `necken analyze`.
#[derive(clap::Args)]
pub struct Args {
    /// Audio files or directories (searched recursively for audio files).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    options: Options,
}

/// How files are analyzed (shared by `analyze`, `backfill` and `stale --fix`).
#[derive(clap::Args)]
pub struct Options {
    /// Artifact profile: minimal, standard or full.
    #[arg(long, default_value = "standard")]
    profile: String,
    /// Re-analyze files whose content is already stored.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    head: HeadArgs,
    /// One JSON object per file (per track for `stale`) on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Files with less audio than this many seconds are refused, not stored: a tracker needs
    /// a few bars, and a 2-second clip's "3 beats" would only mislead (0 stores any length).
    #[arg(long, default_value_t = necken_analysis::MIN_TRACK_S)]
    min_duration: f32,
    #[command(flatten)]
    models: ModelArgs,
}

struct Row {
    file: String,
    status: String,
    style: String,
    tempo: String,
    meter: String,
    beats: String,
    seconds: f64,
}

/// Analyzes every input; a bad file gets a one-line error and the rest go on.
pub fn run(ctx: &Context, args: Args) -> CliResult<ExitCode> {
    let files = collect_inputs(&args.inputs)?;
    let store = ctx.open_store()?;
    let summary = analyze_files(&store, &files, &args.options)?;
    Ok(exit_status(summary.failed))
}

/// What [`analyze_files`] did.
pub struct Summary {
    /// Files analyzed and stored, with their new track ids.
    pub stored: Vec<(PathBuf, TrackId)>,
    /// Files that failed (each reported on stderr).
    pub failed: usize,
}

/// Analyzes `files` into `store` with a progress bar, then prints the table (or JSON lines)
/// and a summary line.
pub fn analyze_files(
    store: &impl ArtifactStore,
    files: &[PathBuf],
    args: &Options,
) -> CliResult<Summary> {
    let profile = Profile::from_name(&args.profile).ok_or_else(|| {
        format!(
            "--profile must be minimal, standard or full, not {:?}",
            args.profile
        )
    })?;
    let mut options = AnalysisOptions::new(profile);
    let head = args.models.apply(&mut options, args.head.choice())?;
    let bar = ProgressBar::new(files.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed_precise} {wide_msg}")
            .expect("static template"),
    );
    if files.len() < 2 {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let mut rows = Vec::new();
    let mut failed = 0usize;
    let mut stored = Vec::new();
    for path in files {
        bar.set_message(path.display().to_string());
        let start = Instant::now();
        let result = analyze_one(
            store,
            path,
            &options,
            head.as_deref(),
            args.force,
            args.min_duration,
        );
        let seconds = start.elapsed().as_secs_f64();
        match result {
            Ok(Some((row_json, mut row, id))) => {
                row.seconds = seconds;
                stored.push((path.clone(), id));
                if args.json {
                    let mut v = row_json;
                    v["seconds"] = json!(seconds);
                    bar.suspend(|| println!("{v}"));
                }
                rows.push(row);
            }
            Ok(None) => rows.push(Row {
                file: path.display().to_string(),
                status: "unchanged".into(),
                style: "-".into(),
                tempo: "-".into(),
                meter: "-".into(),
                beats: "-".into(),
                seconds,
            }),
            Err(e) => {
                failed += 1;
                bar.suspend(|| eprintln!("necken: {e}"));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if !args.json {
        print_table(&rows);
    }
    eprintln!(
        "analyzed {} file(s), {} unchanged, {failed} failed",
        rows.iter().filter(|r| r.status == "ok").count(),
        rows.iter().filter(|r| r.status == "unchanged").count()
    );
    Ok(Summary { stored, failed })
}

fn analyze_one(
    store: &impl ArtifactStore,
    path: &Path,
    options: &AnalysisOptions,
    head: Option<&necken_core::head::StyleHead>,
    force: bool,
    min_duration: f32,
) -> CliResult<Option<(serde_json::Value, Row, TrackId)>> {
    let id = TrackId::of_file(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    if !force && store.contains(&id)? {
        return Ok(None);
    }
    let analysis = analyze_file(path, options)?;
    let a = &analysis.artifacts;
    let duration = a.audio_stats.as_ref().map_or(0.0, |s| s.duration_s);
    if duration < min_duration {
        return Err(format!(
            "{}: {duration:.1} s of audio is too short to analyze (minimum {min_duration} s; \
             --min-duration 0 stores it anyway); not stored",
            path.display()
        )
        .into());
    }
    let meta = TrackMeta::from_artifacts(id, path.display().to_string(), analysis.tags.clone(), a);
    store.put(&meta, &analysis.record)?;
    // Decided on what was stored, as `reanalyze` will decide it.
    let stored = codec::decode(&analysis.record).map_err(|e| {
        format!(
            "{}: the record just stored does not decode: {e}",
            path.display()
        )
    })?;
    let reading = interpret(&stored, &analysis.tags, head);
    let (f, c) = (&reading.features, &reading.classification);
    let row = Row {
        file: path.display().to_string(),
        status: "ok".into(),
        style: c.style.name().into(),
        tempo: f.tempo_bpm.map(|t| format!("{t:.1}")).unwrap_or("-".into()),
        meter: f.meter.clone().unwrap_or("-".into()),
        beats: a.rhythm.beat_count.to_string(),
        seconds: 0.0,
    };
    let v = json!({
        "track_id": id.to_string(),
        "file": path.display().to_string(),
        "style": c.style.name(),
        "confidence": c.confidence,
        "style_source": c.source,
        "tempo_bpm": f.tempo_bpm,
        "meter": f.meter,
        "ternary_confidence": f.ternary_confidence,
        "beats": a.rhythm.beat_count,
        "duration_s": f.duration_s,
        "loudness_lufs": f.loudness_lufs,
        "bad_packets": analysis.decode.bad_packets,
        "vocal_score": a.vocal.as_ref().map(|v| v.vocal),
        "models": a.provenance.models.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
    });
    Ok(Some((v, row, id)))
}

fn print_table(rows: &[Row]) {
    let w = rows
        .iter()
        .map(|r| r.file.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 60);
    println!(
        "{:<w$}  {:<16} {:>7} {:>5} {:>6} {:>8}",
        "file", "style", "tempo", "meter", "beats", "seconds"
    );
    for r in rows {
        let file = shorten_left(&r.file, w);
        let style = if r.status == "ok" {
            r.style.clone()
        } else {
            r.status.clone()
        };
        println!(
            "{file:<w$}  {style:<16} {:>7} {:>5} {:>6} {:>8.3}",
            r.tempo, r.meter, r.beats, r.seconds
        );
    }
}

/// `text` cut to its last `width - 1` characters behind an ellipsis when it is longer than
/// `width` characters (counted in characters: a name with å, ä or ö must not be cut inside
/// one).
fn shorten_left(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width {
        return text.to_string();
    }
    let tail: String = text.chars().skip(n - (width - 1)).collect();
    format!("…{tail}")
}

/// Expands directories into their audio files (sorted); files are taken as given.
pub fn collect_inputs(inputs: &[PathBuf]) -> CliResult<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in inputs {
        if p.is_dir() {
            out.extend(
                necken_analysis::audio_files_in(p, true)
                    .map_err(|e| format!("{}: {e}", p.display()))?,
            );
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::shorten_left;

    #[test]
    fn long_names_with_swedish_letters_are_cut_by_characters() {
        let name = "/musik/spelmän/gärdebylåtar/".repeat(4) + "slängpolska_efter_Östen.ogg";
        let cut = shorten_left(&name, 20);
        assert_eq!(cut.chars().count(), 20);
        assert!(cut.starts_with('…') && cut.ends_with("Östen.ogg"), "{cut}");
        assert_eq!(shorten_left("kort.ogg", 20), "kort.ogg");
    }
}
