//! `necken bench`: measured figures for docs/benchmarks.md.

use std::process::ExitCode;
use std::time::Instant;

use necken_core::artifact::Profile;
use necken_core::style::ALL_STYLES;
use necken_core::{codec, synth};
use necken_store::{ArtifactStore, SledStore, StoreConfig, TrackId, TrackMeta};
use serde_json::json;

use super::CliResult;

/// Which benchmark.
#[derive(clap::Subcommand)]
pub enum Which {
    /// Per-track re-analysis (store read + decode + derived features + classification).
    Reanalysis {
        /// Tracks to put in the temporary store.
        #[arg(long, default_value_t = 10_000)]
        tracks: usize,
        /// Artifact profile of the synthetic tracks.
        #[arg(long, default_value = "standard")]
        profile: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Fill a store with synthetic tracks of 2.5-4 minutes (for the pull and ab benchmarks:
    /// scripts/bench_pull.sh).
    Fill {
        /// The store to fill (created when missing).
        #[arg(long)]
        into: std::path::PathBuf,
        /// Tracks to add.
        #[arg(long, default_value_t = 10_000)]
        tracks: usize,
        /// Artifact profile of the synthetic tracks.
        #[arg(long, default_value = "standard")]
        profile: String,
    },
    /// Encoded artifact size per profile for audio files (activation function separately).
    Sizes {
        /// Audio files to analyze.
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        #[command(flatten)]
        models: super::models::ModelArgs,
    },
    /// Full analysis of audio files (with the beat and embedding networks unless
    /// --no-beat-model / --no-embed-model), with a per-stage breakdown.
    Analysis {
        /// Audio files to analyze.
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        #[command(flatten)]
        models: super::models::ModelArgs,
        /// Runs per file; medians are reported.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a benchmark.
pub fn run(which: Which) -> CliResult<ExitCode> {
    match which {
        Which::Reanalysis {
            tracks,
            profile,
            json,
        } => reanalysis(tracks, &profile, json),
        Which::Analysis {
            files,
            models,
            runs,
            json,
        } => analysis(&files, &models, runs.max(1), json),
        Which::Sizes { files, models } => sizes(&files, &models),
        Which::Fill {
            into,
            tracks,
            profile,
        } => {
            let profile = Profile::from_name(&profile)
                .ok_or("--profile must be minimal, standard or full")?;
            let store = SledStore::open(&into, &StoreConfig::default())?;
            let (ids, bytes) = fill_synthetic(&store, tracks, profile)?;
            println!(
                "added {} {} track(s), {:.1} MB of records, to {}",
                ids.len(),
                profile.name(),
                bytes as f64 / 1e6,
                into.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Adds `n` synthetic tracks of every style but `unknown` (flushed once at the end); returns
/// their ids and the record bytes.
fn fill_synthetic(
    store: &SledStore,
    n: usize,
    profile: Profile,
) -> CliResult<(Vec<TrackId>, usize)> {
    let styles = &ALL_STYLES[..ALL_STYLES.len() - 1];
    let mut ids = Vec::with_capacity(n);
    let mut bytes_total = 0usize;
    let first = store.len();
    for k in 0..n {
        let i = first + k;
        let style = styles[i % styles.len()];
        let duration = 150.0 + (i % 7) as f64 * 15.0;
        let a = synth::synthetic_artifacts(style, duration, profile, i as u64);
        let record = codec::encode(&a);
        bytes_total += record.len();
        let mut seed = [0u8; 16];
        seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
        let id = TrackId::of_content(&seed);
        let meta =
            TrackMeta::from_artifacts(id, format!("synthetic/{i}.flac"), Default::default(), &a);
        store.put_batch(&meta, &record)?;
        ids.push(id);
    }
    store.flush()?;
    Ok((ids, bytes_total))
}

fn reanalysis(n: usize, profile: &str, as_json: bool) -> CliResult<ExitCode> {
    if n == 0 {
        return Err("--tracks must be at least 1".into());
    }
    let profile =
        Profile::from_name(profile).ok_or("--profile must be minimal, standard or full")?;
    let dir = tempfile::tempdir()?;
    let store = SledStore::open(&dir.path().join("bench.sled"), &StoreConfig::default())?;
    let (ids, bytes_total) = fill_synthetic(&store, n, profile)?;
    let head = synth::random_head(1);
    let mut per_track = Vec::with_capacity(n);
    let wall = Instant::now();
    for id in &ids {
        let t = Instant::now();
        let rec = store.get(id)?.ok_or("track vanished")?;
        let (f, c) = necken_core::reanalyze(&rec.artifacts, &rec.meta.tags, Some(&head))?;
        std::hint::black_box((f, c));
        per_track.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let wall_s = wall.elapsed().as_secs_f64();
    per_track.sort_by(|a, b| a.total_cmp(b));
    let median = per_track[n / 2];
    let p95 = per_track[((n as f64 * 0.95) as usize).min(n - 1)];
    if as_json {
        println!(
            "{}",
            json!({
                "per_track_us_median": median,
                "per_track_us_p95": p95,
                "tracks": n,
                "total_s": wall_s,
                "profile": profile.name(),
                "mean_record_bytes": bytes_total / n,
            })
        );
    } else {
        println!(
            "re-analysis of {n} {} tracks (store read + decode + features + MLP head)",
            profile.name()
        );
        println!("  per track  median {median:.1} µs   p95 {p95:.1} µs");
        println!("  all tracks {:.3} s", wall_s);
        println!("  mean record {} bytes", bytes_total / n);
    }
    Ok(ExitCode::SUCCESS)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn analysis(
    files: &[std::path::PathBuf],
    models: &super::models::ModelArgs,
    runs: usize,
    as_json: bool,
) -> CliResult<ExitCode> {
    use necken_analysis::AnalysisOptions;
    use necken_engine::analyze_file;
    let mut options = AnalysisOptions::new(Profile::Standard);
    models.apply(&mut options, necken_models::ModelChoice::Off)?;
    let mut rows = Vec::new();
    for path in files {
        let mut stages: [Vec<f64>; 9] = Default::default();
        let mut duration = 0.0;
        for _ in 0..runs {
            let t = Instant::now();
            let a = analyze_file(path, &options)?;
            let total = t.elapsed().as_secs_f64();
            duration = a
                .artifacts
                .audio_stats
                .as_ref()
                .map(|s| s.duration_s as f64)
                .unwrap_or(0.0);
            let st = &a.times;
            for (v, d) in stages.iter_mut().zip([
                st.decode,
                st.resample,
                st.spectrum,
                st.network,
                st.embedding,
                st.activation,
                st.tracking,
                st.stats,
            ]) {
                v.push(d.as_secs_f64());
            }
            stages[8].push(total);
        }
        let m: Vec<f64> = stages.iter_mut().map(|v| median(v)).collect();
        rows.push(json!({
            "file": path.display().to_string(),
            "audio_s": duration,
            "decode_s": m[0], "resample_s": m[1], "spectrum_s": m[2], "network_s": m[3],
            "embedding_s": m[4], "activation_s": m[5], "tracking_s": m[6], "stats_s": m[7],
            "total_s": m[8],
            "realtime_factor": if m[8] > 0.0 { duration / m[8] } else { 0.0 },
            "beat_model": options.beat_model.as_ref().map(|m| m.id().to_string()),
            "embed_model": options.embedding_model.as_ref().map(|m| m.id().to_string()),
            "runs": runs,
        }));
    }
    if as_json {
        println!("{}", serde_json::Value::Array(rows));
    } else {
        println!(
            "{:<40} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7}",
            "file (median of runs, seconds)",
            "audio",
            "decode",
            "resamp",
            "spectr",
            "network",
            "embed",
            "activ",
            "track",
            "stats",
            "total",
            "x RT"
        );
        for r in &rows {
            let f = r["file"].as_str().unwrap_or("");
            let f = if f.len() > 40 { &f[f.len() - 40..] } else { f };
            println!(
                "{f:<40} {:>7.1} {:>7.4} {:>7.4} {:>7.4} {:>7.4} {:>7.4} {:>7.4} {:>7.4} {:>7.4} {:>7.4} {:>7.0}",
                r["audio_s"].as_f64().unwrap_or(0.0),
                r["decode_s"].as_f64().unwrap_or(0.0),
                r["resample_s"].as_f64().unwrap_or(0.0),
                r["spectrum_s"].as_f64().unwrap_or(0.0),
                r["network_s"].as_f64().unwrap_or(0.0),
                r["embedding_s"].as_f64().unwrap_or(0.0),
                r["activation_s"].as_f64().unwrap_or(0.0),
                r["tracking_s"].as_f64().unwrap_or(0.0),
                r["stats_s"].as_f64().unwrap_or(0.0),
                r["total_s"].as_f64().unwrap_or(0.0),
                r["realtime_factor"].as_f64().unwrap_or(0.0),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn sizes(files: &[std::path::PathBuf], models: &super::models::ModelArgs) -> CliResult<ExitCode> {
    use necken_analysis::AnalysisOptions;
    use necken_engine::analyze_file;
    let mut options = AnalysisOptions::new(Profile::Minimal);
    models.apply(&mut options, necken_models::ModelChoice::Off)?;
    println!(
        "{:<40} {:>7} {:>6} {:>8} {:>9} {:>9} {:>11}",
        "file", "audio s", "beats", "minimal", "standard", "full", "activation"
    );
    for path in files {
        let mut row = Vec::new();
        let mut beats = 0;
        let mut audio = 0.0;
        let mut activation = 0;
        for profile in [Profile::Minimal, Profile::Standard, Profile::Full] {
            options.profile = profile;
            let a = analyze_file(path, &options)?.artifacts;
            let s = codec::part_sizes(&a);
            beats = a.rhythm.beat_count;
            audio = a.audio_stats.as_ref().map(|s| s.duration_s).unwrap_or(0.0);
            if profile == Profile::Full {
                activation = s.activation;
                row.push(s.total - s.activation);
            } else {
                row.push(s.total);
            }
        }
        let f = path.display().to_string();
        let f = if f.len() > 40 {
            f[f.len() - 40..].to_string()
        } else {
            f
        };
        println!(
            "{f:<40} {audio:>7.1} {beats:>6} {:>8} {:>9} {:>9} {:>11}",
            row[0], row[1], row[2], activation
        );
    }
    println!("(full is shown without the activation function, which is listed on its own)");
    Ok(ExitCode::SUCCESS)
}
