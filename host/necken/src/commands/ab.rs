//! `necken ab`: two style heads on every stored track, from the artifacts alone: how often they
//! agree, which tracks change, and with labels each head's per-style accuracy and confusion.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use necken_core::classify::classify;
use necken_core::head::StyleHead;
use necken_core::style::{Style, ALL_STYLES};
use necken_core::{codec, features};
use necken_store::ArtifactStore;
use serde_json::{json, Value};

use super::models::load_head_file;
use super::{exit_status, report_track_error, CliResult, Context};
use crate::labels::{read_all_labels, stem_of};

/// Arguments of `necken ab`.
#[derive(clap::Args)]
pub struct Args {
    /// Head A (`.nkhead`).
    #[arg(long)]
    a: PathBuf,
    /// Head B (`.nkhead`).
    #[arg(long)]
    b: PathBuf,
    /// CSV with `clip` (file stem) and `style` columns: adds accuracy per style and a
    /// confusion matrix for each head.
    #[arg(long)]
    labels: Vec<PathBuf>,
    /// List at most this many changed tracks (all in `--json`).
    #[arg(long, default_value_t = 20)]
    show: usize,
    /// One JSON object.
    #[arg(long)]
    json: bool,
}

/// Rows × columns of counts, by style name.
type Matrix = BTreeMap<(Style, Style), usize>;

/// One track the heads disagree on.
struct Change {
    id: String,
    source: String,
    a: (Style, f32),
    b: (Style, f32),
    label: Option<Style>,
}

/// What both heads said about the store.
#[derive(Default)]
struct Comparison {
    tracks: usize,
    agree: usize,
    failed: usize,
    /// (A's style, B's style).
    between: Matrix,
    /// (label, A's style) and (label, B's style) for labelled tracks.
    confusion: [Matrix; 2],
    changes: Vec<Change>,
}

/// Both heads over the store: the records are read once, then classified on every core.
fn compare(
    store: &impl ArtifactStore,
    heads: [&StyleHead; 2],
    labels: &HashMap<String, Style>,
) -> CliResult<Comparison> {
    let mut records = Vec::with_capacity(store.len());
    store.for_each(&mut |rec| {
        records.push(rec);
        Ok(())
    })?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = records.len().div_ceil(threads).max(1);
    let parts: Vec<Comparison> = std::thread::scope(|scope| {
        let handles: Vec<_> = records
            .chunks(chunk)
            .map(|part| scope.spawn(move || compare_part(part, heads, labels)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a comparison thread panicked"))
            .collect()
    });
    let mut c = Comparison::default();
    for p in parts {
        c.tracks += p.tracks;
        c.agree += p.agree;
        c.failed += p.failed;
        for (k, n) in p.between {
            *c.between.entry(k).or_default() += n;
        }
        for (side, m) in p.confusion.into_iter().enumerate() {
            for (k, n) in m {
                *c.confusion[side].entry(k).or_default() += n;
            }
        }
        c.changes.extend(p.changes);
    }
    Ok(c)
}

fn compare_part(
    records: &[necken_store::TrackRecord],
    heads: [&StyleHead; 2],
    labels: &HashMap<String, Style>,
) -> Comparison {
    let mut c = Comparison::default();
    for rec in records {
        let a = match codec::decode(&rec.artifacts) {
            Ok(a) => a,
            Err(e) => {
                c.failed += 1;
                report_track_error(&rec.meta, e);
                continue;
            }
        };
        let f = features::derive(&a);
        let [x, y] = heads.map(|h| {
            let k = classify(&f, &rec.meta.tags, Some(h));
            (k.style, k.confidence)
        });
        c.tracks += 1;
        *c.between.entry((x.0, y.0)).or_default() += 1;
        let label = labels.get(&stem_of(&rec.meta.source_path)).copied();
        if let Some(l) = label {
            *c.confusion[0].entry((l, x.0)).or_default() += 1;
            *c.confusion[1].entry((l, y.0)).or_default() += 1;
        }
        if x.0 == y.0 {
            c.agree += 1;
        } else {
            c.changes.push(Change {
                id: rec.meta.id.to_string(),
                source: rec.meta.source_path.clone(),
                a: x,
                b: y,
                label,
            });
        }
    }
    c
}

/// The styles that occur in a matrix, in the usual order.
fn styles_in(m: &Matrix) -> Vec<Style> {
    ALL_STYLES
        .into_iter()
        .filter(|s| m.keys().any(|(r, c)| r == s || c == s))
        .collect()
}

/// A matrix as text: rows `rows_are`, columns the other side.
pub(crate) fn matrix_text(title: &str, m: &Matrix) -> String {
    let styles = styles_in(m);
    let short = |s: Style| s.name().chars().take(7).collect::<String>();
    let mut out = format!("{title}\n{:>16}", "");
    for s in &styles {
        out += &format!(" {:>7}", short(*s));
    }
    out.push('\n');
    for r in &styles {
        out += &format!("{:>16}", r.name());
        for col in &styles {
            match m.get(&(*r, *col)) {
                Some(n) => out += &format!(" {n:>7}"),
                None => out += &format!(" {:>7}", "."),
            }
        }
        out.push('\n');
    }
    out
}

/// Per label: (right, total).
fn per_style(m: &Matrix) -> BTreeMap<Style, (usize, usize)> {
    let mut out: BTreeMap<Style, (usize, usize)> = BTreeMap::new();
    for ((label, said), n) in m {
        let e = out.entry(*label).or_default();
        e.1 += n;
        if label == said {
            e.0 += n;
        }
    }
    out
}

fn matrix_json(m: &Matrix) -> Value {
    let mut rows = serde_json::Map::new();
    for ((r, col), n) in m {
        let row = rows
            .entry(r.name().to_string())
            .or_insert_with(|| json!({}));
        row[col.name()] = (*n).into();
    }
    Value::Object(rows)
}

/// Compares the heads over the store.
pub fn run(ctx: &Context, args: Args) -> CliResult<ExitCode> {
    let (a, b) = (load_head_file(&args.a)?, load_head_file(&args.b)?);
    let labels = read_all_labels(&args.labels)?;
    let store = ctx.open_existing_store()?;
    let start = Instant::now();
    let c = compare(&store, [&a, &b], &labels)?;
    let seconds = start.elapsed().as_secs_f64();
    let accuracy = |m: &Matrix| {
        let (right, all) = per_style(m)
            .values()
            .fold((0, 0), |(r, n), (a, b)| (r + a, n + b));
        (all > 0).then(|| right as f64 / all as f64)
    };
    if args.json {
        let per = |m: &Matrix| {
            per_style(m)
                .into_iter()
                .map(|(s, (r, n))| (s.name().to_string(), json!({"right": r, "of": n})))
                .collect::<serde_json::Map<_, _>>()
        };
        let out = json!({
            "a": a.id, "b": b.id, "tracks": c.tracks, "agree": c.agree, "failed": c.failed,
            "between": matrix_json(&c.between),
            "changed": c.changes.iter().map(|x| json!({
                "id": x.id, "source": x.source,
                "a": x.a.0.name(), "a_p": x.a.1, "b": x.b.0.name(), "b_p": x.b.1,
                "label": x.label.map(|l| l.name()),
            })).collect::<Vec<_>>(),
            "labelled": c.confusion[0].values().sum::<usize>(),
            "accuracy": {"a": accuracy(&c.confusion[0]), "b": accuracy(&c.confusion[1])},
            "per_style": {"a": per(&c.confusion[0]), "b": per(&c.confusion[1])},
            "confusion": {"a": matrix_json(&c.confusion[0]), "b": matrix_json(&c.confusion[1])},
            "seconds": seconds,
        });
        println!("{out}");
        return Ok(exit_status(c.failed));
    }
    println!(
        "A = {}, B = {}: {} track(s), agree on {} ({:.1} %), {} change\n",
        a.id,
        b.id,
        c.tracks,
        c.agree,
        100.0 * c.agree as f64 / c.tracks.max(1) as f64,
        c.changes.len()
    );
    print!("{}", matrix_text("rows A, columns B", &c.between));
    if !c.changes.is_empty() {
        println!("\ntracks that change (A -> B):");
        for x in c.changes.iter().take(args.show) {
            println!(
                "  {}  {} ({:.2}) -> {} ({:.2}){}  {}",
                &x.id[..12],
                x.a.0.name(),
                x.a.1,
                x.b.0.name(),
                x.b.1,
                x.label
                    .map(|l| format!(" [label {}]", l.name()))
                    .unwrap_or_default(),
                x.source
            );
        }
        if c.changes.len() > args.show {
            println!("  ... and {} more (--show N)", c.changes.len() - args.show);
        }
    }
    if !labels.is_empty() {
        let labelled: usize = c.confusion[0].values().sum();
        println!("\n{labelled} labelled track(s)");
        let (pa, pb) = (per_style(&c.confusion[0]), per_style(&c.confusion[1]));
        println!("{:>16} {:>9} {:>9}", "style", "A", "B");
        for (s, (ra, n)) in &pa {
            let rb = pb.get(s).map_or(0, |x| x.0);
            println!("{:>16} {:>4}/{:<4} {:>4}/{:<4}", s.name(), ra, n, rb, n);
        }
        println!(
            "{:>16} {:>9.3} {:>9.3}\n",
            "all",
            accuracy(&c.confusion[0]).unwrap_or(0.0),
            accuracy(&c.confusion[1]).unwrap_or(0.0)
        );
        print!(
            "{}\n{}",
            matrix_text("A: rows label, columns A", &c.confusion[0]),
            matrix_text("B: rows label, columns B", &c.confusion[1])
        );
    }
    eprintln!(
        "compared {} track(s) in {:.1} ms ({:.1} µs per track, both heads)",
        c.tracks,
        seconds * 1e3,
        seconds * 1e6 / c.tracks.max(1) as f64
    );
    Ok(exit_status(c.failed))
}
