//! `necken reanalyze`: derived features and styles of every stored track, from artifacts only.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use necken_core::vector::has_bar_pattern;
use necken_store::{ArtifactStore, StoreError, TrackRecord};

use super::{exit_status, report_track_error, CliResult, Context};
use crate::output::track_json;

/// Arguments of `necken reanalyze`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    head: super::models::HeadArgs,
    /// One JSON object per line per track.
    #[arg(long)]
    json: bool,
    /// Which derived features: `necken` (the default) or `neckenml`, NeckenML 0.3.1's own
    /// formulas and 217-d vector from the same artifacts (for heads trained with NeckenML;
    /// docs/features.md says how the two differ).
    #[arg(long, value_enum, default_value = "necken")]
    features: FeatureSet,
    /// Read every track as the daemon reads its live windows: the head's window model and
    /// window temperature (for stores of window-length excerpts, to compare window models).
    #[arg(long)]
    as_windows: bool,
}

/// `--features`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FeatureSet {
    /// necken's features and style.
    Necken,
    /// NeckenML's `compute_derived_features`.
    Neckenml,
}

/// Writes one line per stored track made by `line`; a track `line` fails on is reported and
/// skipped. Returns (lines written, failures).
fn each_track_line(
    store: &impl ArtifactStore,
    out: &mut impl Write,
    line: &mut dyn FnMut(&TrackRecord) -> Result<String, String>,
) -> CliResult<(usize, usize)> {
    let (mut done, mut failed) = (0usize, 0usize);
    store.for_each(&mut |rec| {
        match line(&rec) {
            Ok(text) => {
                done += 1;
                writeln!(out, "{text}").map_err(|e| StoreError::Engine(e.to_string()))?;
            }
            Err(e) => {
                failed += 1;
                report_track_error(&rec.meta, e);
            }
        }
        Ok(())
    })?;
    Ok((done, failed))
}

/// Re-classifies every track; a record that does not decode is reported and skipped.
pub fn run(ctx: &Context, args: Args) -> CliResult<ExitCode> {
    let mut head = args.head.load()?;
    if args.as_windows {
        head = head.map(|h| h.for_windows());
    }
    let store = ctx.open_existing_store()?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.features == FeatureSet::Neckenml {
        return neckenml_features(&store, args.json, &mut out);
    }
    let start = Instant::now();
    let (mut unread, mut without_bar) = (0usize, 0usize);
    let (done, failed) = each_track_line(&store, &mut out, &mut |rec| {
        let (f, c) = necken_core::reanalyze(&rec.artifacts, &rec.meta.tags, head.as_ref())
            .map_err(|e| e.to_string())?;
        if head
            .as_ref()
            .is_some_and(|h| !h.reads(f.embedding_model.as_deref()))
        {
            unread += 1;
        }
        if head.as_ref().is_some_and(|h| h.expects_bar_pattern())
            && !has_bar_pattern(&f.feature_vector)
        {
            without_bar += 1;
        }
        Ok(if args.json {
            track_json(&rec.meta, &f, &c).to_string()
        } else {
            format!(
                "{}  {:<16} {:>6} {:>5} {:>5.2} {:<8} {}",
                &rec.meta.id.to_string()[..12],
                c.style.name(),
                f.tempo_bpm.map(|t| format!("{t:.1}")).unwrap_or("-".into()),
                f.meter.as_deref().unwrap_or("-"),
                c.confidence,
                serde_json::to_value(c.source)
                    .expect("json")
                    .as_str()
                    .unwrap_or(""),
                rec.meta.source_path
            )
        })
    })?;
    let elapsed = start.elapsed();
    eprintln!(
        "re-analyzed {done} track(s) in {:.1} ms{}; {failed} failed; head: {}",
        elapsed.as_secs_f64() * 1e3,
        if done > 0 {
            format!(
                " ({:.1} µs per track incl. output)",
                elapsed.as_secs_f64() * 1e6 / done as f64
            )
        } else {
            String::new()
        },
        head.as_ref()
            .map(|h| h.id.as_str())
            .unwrap_or("none (keywords only)")
    );
    if let (Some(h), true) = (&head, unread > 0) {
        eprintln!(
            "necken: {unread} track(s) were embedded by another network than {}'s ({}): the head \
             does not classify them (keywords only); re-analyze them with a head trained on \
             their network",
            h.id,
            h.embedding_model.as_deref().unwrap_or("none")
        );
    }
    if let (Some(h), true) = (&head, without_bar > 0) {
        eprintln!(
            "necken: {without_bar} track(s) have no mean bar (stored before schema 3, or \
             imported): {} reads them without it, less surely; `necken analyze --force` on \
             their audio adds it (or a head of feature version 1, e.g. style-head-v4, reads \
             them as before)",
            h.id
        );
    }
    Ok(exit_status(failed))
}

/// `--features neckenml`: the original's features of every track.
fn neckenml_features(
    store: &impl ArtifactStore,
    json: bool,
    out: &mut impl Write,
) -> CliResult<ExitCode> {
    let start = Instant::now();
    let (done, failed) = each_track_line(store, out, &mut |rec| {
        let a = necken_core::codec::decode(&rec.artifacts).map_err(|e| e.to_string())?;
        let f = necken_core::neckenml::compat::compat_features(&a);
        Ok(if json {
            let mut v = serde_json::to_value(&f).expect("features encode");
            v["track_id"] = rec.meta.id.to_string().into();
            v["source"] = rec.meta.source_path.clone().into();
            v.to_string()
        } else {
            format!(
                "{}  {:>6.1} {:>5} swing {:>5.2} stability {:>5.2} {}",
                &rec.meta.id.to_string()[..12],
                f.tempo_bpm,
                f.meter,
                f.swing_ratio,
                f.bpm_stability,
                rec.meta.source_path
            )
        })
    })?;
    eprintln!(
        "NeckenML features of {done} track(s) in {:.1} ms; {failed} failed",
        start.elapsed().as_secs_f64() * 1e3
    );
    Ok(exit_status(failed))
}
