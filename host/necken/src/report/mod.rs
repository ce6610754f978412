//! `necken report`: pictures of what the store holds, from the artifacts alone — per track the
//! envelope with beat and bar grid, tempo over time and style probabilities over time; for the
//! store the style distribution, the tempo histogram and, with a second head or labels, the
//! confusion matrices — as PNG and SVG with an `index.html` linking them.

mod charts;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use necken_core::classify::classify;
use necken_core::head::StyleHead;
use necken_core::style::{Style, ALL_STYLES};
use necken_core::{codec, features, notation::interpret};
use necken_store::{ArtifactStore, TrackId, TrackRecord};
use plotters::prelude::*;

use crate::commands::{exit_status, report_track_error, CliResult, Context};
use crate::labels::{read_all_labels, stem_of};

/// Arguments of `necken report`.
#[derive(clap::Args)]
pub struct Args {
    /// Folder to write the pictures and `index.html` into (created when missing).
    #[arg(long)]
    out: PathBuf,
    /// Per-track pictures of this track (its id, or a unique start of it; repeatable).
    #[arg(long)]
    track: Vec<String>,
    /// Per-track pictures of every track.
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    head: crate::commands::models::HeadArgs,
    /// A second head: the store pages add the agreement matrix of the two.
    #[arg(long)]
    b: Option<PathBuf>,
    /// Labels CSV (`clip`, `style`): the store pages add each head's confusion matrix.
    #[arg(long)]
    labels: Vec<PathBuf>,
}

/// Counts by (row style, column style).
type Matrix = BTreeMap<(Style, Style), usize>;

/// Draws `$body` into `<dir>/<name>.png` and `<dir>/<name>.svg`; evaluates to the name.
macro_rules! picture {
    ($dir:expr, $name:expr, |$root:ident| $body:expr) => {{
        let name: String = $name.to_string();
        let png = $dir.join(format!("{name}.png"));
        let svg = $dir.join(format!("{name}.svg"));
        {
            let $root = BitMapBackend::new(&png, charts::SIZE).into_drawing_area();
            $body.map_err(|e| format!("{}: {e}", png.display()))?;
        }
        {
            let $root = SVGBackend::new(&svg, charts::SIZE).into_drawing_area();
            $body.map_err(|e| format!("{}: {e}", svg.display()))?;
        }
        name
    }};
}

mod track;

/// Draws the pictures and writes the index.
pub fn run(ctx: &Context, args: Args) -> CliResult<ExitCode> {
    charts::register_font();
    let head = args
        .head
        .load()?
        .ok_or("necken report needs a style head (leave out --no-model)")?;
    let b = match &args.b {
        Some(p) => Some(crate::commands::models::load_head_file(p)?),
        None => None,
    };
    let labels = read_all_labels(&args.labels)?;
    let store = ctx.open_existing_store()?;
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let chosen = chosen_tracks(&store, &args)?;

    // One pass over the store for the store pictures.
    let mut styles: BTreeMap<Style, usize> = BTreeMap::new();
    let mut tempi = Vec::new();
    let mut between: Matrix = BTreeMap::new();
    let mut confusion: [Matrix; 2] = Default::default();
    let mut failed = 0usize;
    let mut tracks = 0usize;
    store.for_each(&mut |rec| {
        let Ok(a) = codec::decode(&rec.artifacts) else {
            failed += 1;
            report_track_error(&rec.meta, "artifacts do not decode");
            return Ok(());
        };
        tracks += 1;
        let reading = interpret(&a, &rec.meta.tags, Some(&head));
        let style = reading.classification.style;
        *styles.entry(style).or_default() += 1;
        if let Some(t) = reading.features.tempo_bpm {
            tempi.push(t);
        }
        let label = labels.get(&stem_of(&rec.meta.source_path)).copied();
        if let Some(l) = label {
            *confusion[0].entry((l, style)).or_default() += 1;
        }
        if let Some(b) = &b {
            let sb = classify(&features::derive(&a), &rec.meta.tags, Some(b)).style;
            *between.entry((style, sb)).or_default() += 1;
            if let Some(l) = label {
                *confusion[1].entry((l, sb)).or_default() += 1;
            }
        }
        Ok(())
    })?;
    let dir = &args.out;
    let mut store_pictures: Vec<(String, String)> = Vec::new();
    let items: Vec<(String, f64)> = styles
        .iter()
        .map(|(s, n)| (s.name().to_string(), *n as f64))
        .collect();
    let title = format!("styles of {tracks} track(s) by {}", head.id);
    let name = picture!(dir, "styles", |root| charts::bars(
        &root, &title, "tracks", &items
    ));
    store_pictures.push((name, title));
    let histogram = tempo_histogram(&tempi);
    let title = format!("tempo of {} track(s), 5 bpm bins", tempi.len());
    let name = picture!(dir, "tempo", |root| charts::bars(
        &root, &title, "tracks", &histogram
    ));
    store_pictures.push((name, title));
    let mut matrices: Vec<(&str, String, &Matrix)> = Vec::new();
    if let Some(b) = &b {
        matrices.push((
            "agreement",
            format!("rows {}, columns {}", head.id, b.id),
            &between,
        ));
    }
    if !labels.is_empty() {
        matrices.push((
            "confusion-a",
            format!("rows label, columns {}", head.id),
            &confusion[0],
        ));
        if let Some(b) = &b {
            matrices.push((
                "confusion-b",
                format!("rows label, columns {}", b.id),
                &confusion[1],
            ));
        }
    }
    for (file, title, m) in matrices {
        let (rows, cols) = axes(m);
        let names = |v: &[Style]| v.iter().map(|s| s.name().to_string()).collect::<Vec<_>>();
        let (rn, cn) = (names(&rows), names(&cols));
        let count = |r: usize, c: usize| m.get(&(rows[r], cols[c])).copied().unwrap_or(0);
        let name = picture!(dir, file, |root| charts::matrix(
            &root, &title, &rn, &cn, &count
        ));
        store_pictures.push((name, title));
    }

    let bar = ProgressBar::new(chosen.len() as u64).with_style(
        ProgressStyle::with_template("drawing {bar:30} {pos}/{len} {wide_msg}")
            .expect("static template"),
    );
    let mut track_pages = Vec::new();
    for id in &chosen {
        let Some(rec) = store.get(id)? else { continue };
        bar.set_message(rec.meta.source_path.clone());
        match track::pictures(dir, &rec, &head) {
            Ok(p) => track_pages.push((rec, p)),
            Err(e) => {
                failed += 1;
                bar.suspend(|| report_track_error(&rec.meta, e));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let index = dir.join("index.html");
    std::fs::write(
        &index,
        index_html(&head, tracks, &store_pictures, &track_pages),
    )
    .map_err(|e| format!("{}: {e}", index.display()))?;
    eprintln!(
        "wrote {} store picture(s) and {} track page(s) to {} ({} failed)",
        store_pictures.len(),
        track_pages.len(),
        index.display(),
        failed
    );
    Ok(exit_status(failed))
}

/// The tracks `--track` names (by id or a unique start of one) or all with `--all`.
fn chosen_tracks(store: &impl ArtifactStore, args: &Args) -> CliResult<Vec<TrackId>> {
    let mut all = Vec::new();
    store.for_each(&mut |rec| {
        all.push(rec.meta.id);
        Ok(())
    })?;
    if args.all {
        return Ok(all);
    }
    let mut out = Vec::new();
    for want in &args.track {
        let matching: Vec<TrackId> = all
            .iter()
            .filter(|id| id.to_string().starts_with(&want.to_lowercase()))
            .copied()
            .collect();
        match matching.as_slice() {
            [one] => out.push(*one),
            [] => return Err(format!("no stored track id starts with {want}").into()),
            _ => {
                return Err(format!("{} stored track ids start with {want}", matching.len()).into())
            }
        }
    }
    Ok(out)
}

/// Rows (labels or A) and columns (B) present in a matrix, in the usual style order.
fn axes(m: &Matrix) -> (Vec<Style>, Vec<Style>) {
    let rows = ALL_STYLES
        .into_iter()
        .filter(|s| m.keys().any(|k| k.0 == *s))
        .collect();
    let cols = ALL_STYLES
        .into_iter()
        .filter(|s| m.keys().any(|k| k.1 == *s))
        .collect();
    (rows, cols)
}

/// Counts per 5-bpm bin from the slowest to the fastest tempo present.
fn tempo_histogram(tempi: &[f64]) -> Vec<(String, f64)> {
    if tempi.is_empty() {
        return Vec::new();
    }
    let bin = |t: f64| (t / 5.0).floor() as i64;
    let lo = tempi.iter().map(|&t| bin(t)).min().unwrap_or(0);
    let hi = tempi.iter().map(|&t| bin(t)).max().unwrap_or(0);
    (lo..=hi)
        .map(|b| {
            let n = tempi.iter().filter(|&&t| bin(t) == b).count();
            (format!("{}", b * 5), n as f64)
        })
        .collect()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn index_html(
    head: &StyleHead,
    tracks: usize,
    store_pictures: &[(String, String)],
    track_pages: &[(TrackRecord, Vec<String>)],
) -> String {
    let mut h = String::from(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>necken report</title><style>body{font-family:sans-serif;margin:2em;}\
         img{max-width:100%;border:1px solid #ccc;margin:.5em 0;}</style></head><body>\n",
    );
    let _ = writeln!(
        h,
        "<h1>necken report</h1>\n<p>{tracks} track(s); styles by {}.</p>\n<h2>Store</h2>",
        html_escape(&head.id)
    );
    for (name, title) in store_pictures {
        let _ = writeln!(
            h,
            "<figure><img src=\"{name}.png\" alt=\"{t}\"><figcaption>{t} \
             (<a href=\"{name}.svg\">SVG</a>)</figcaption></figure>",
            t = html_escape(title)
        );
    }
    if !track_pages.is_empty() {
        h.push_str("<h2>Tracks</h2>\n");
    }
    for (rec, names) in track_pages {
        let _ = writeln!(
            h,
            "<h3 id=\"{id}\">{id}</h3>\n<p>{}</p>",
            html_escape(&rec.meta.source_path),
            id = rec.meta.id
        );
        for name in names {
            let _ = writeln!(
                h,
                "<figure><img src=\"{name}.png\" alt=\"{name}\"><figcaption>\
                 <a href=\"{name}.svg\">{name}.svg</a></figcaption></figure>"
            );
        }
    }
    h.push_str("</body></html>\n");
    h
}
