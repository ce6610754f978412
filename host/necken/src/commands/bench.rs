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
}

/// Runs a benchmark.
pub fn run(which: Which) -> CliResult<ExitCode> {
    match which {
        Which::Reanalysis {
            tracks,
            profile,
            json,
        } => reanalysis(tracks, &profile, json),
    }
}

fn reanalysis(n: usize, profile: &str, as_json: bool) -> CliResult<ExitCode> {
    if n == 0 {
        return Err("--tracks must be at least 1".into());
    }
    let profile =
        Profile::from_name(profile).ok_or("--profile must be minimal, standard or full")?;
    let dir = tempfile::tempdir()?;
    let store = SledStore::open(&dir.path().join("bench.sled"), &StoreConfig::default())?;
    let styles = &ALL_STYLES[..ALL_STYLES.len() - 1];
    let mut ids = Vec::with_capacity(n);
    let mut bytes_total = 0usize;
    for i in 0..n {
        let style = styles[i % styles.len()];
        let duration = 150.0 + (i % 7) as f64 * 15.0;
        let a = synth::synthetic_artifacts(style, duration, profile, i as u64);
        let record = codec::encode(&a);
        bytes_total += record.len();
        let mut seed = [0u8; 16];
        seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
        let id = TrackId::of_content(&seed);
        let meta = TrackMeta {
            id,
            source_path: format!("synthetic/{i}.flac"),
            tags: Default::default(),
            duration_s: duration as f32,
            analyzed_at: a.provenance.analyzed_at,
            audio_fingerprint: a.provenance.audio_fingerprint,
            profile,
            seq: 0,
        };
        put_unflushed(&store, &meta, &record)?;
        ids.push(id);
    }
    store.flush()?;
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

/// Filling the benchmark store need not flush per write; the benchmark measures reads.
fn put_unflushed(store: &SledStore, meta: &TrackMeta, record: &[u8]) -> CliResult<()> {
    store.put_batch(meta, record)?;
    Ok(())
}
