//! The `necken` binary end to end: import, export, reanalyze, migrate, stats, bench, and the
//! errors a user sees.

use std::path::{Path, PathBuf};
use std::process::Command;

use necken_core::artifact::SCHEMA_VERSION;
use necken_core::migrate::PayloadV0;
use necken_core::{codec, neckenml, synth};
use necken_store::{ArtifactStore, SledStore, StoreConfig, TrackId, TrackMeta};

mod common;

use common::{necken, stderr, stdout};

fn fixtures(dir: &Path) -> Vec<PathBuf> {
    // A NeckenML file in the newer layout with a hambo-like long first beat...
    let mut beats = Vec::new();
    let mut positions = Vec::new();
    let mut t = 1.0;
    for _ in 0..40 {
        for (k, share) in [0.40, 0.31, 0.29].iter().enumerate() {
            beats.push((t * 100.0f64).round() / 100.0);
            positions.push(k + 1);
            t += share * 1.6;
        }
    }
    let newer = serde_json::json!({
        "version": "1.0.0",
        "rhythm_extractor": {"source": "madmom_rnn_downbeat", "bpm": 112.5, "beats": beats,
            "beat_positions": positions, "beats_per_bar": 3, "ternary_confidence": 0.9, "fps": 100},
        "audio_stats": {"loudness_lufs": -18.0, "rms": 0.08, "zcr": 0.07, "onset_rate": 3.1,
            "duration_seconds": 80.0},
        "vocal": {"instrumental_score": 0.0, "vocal_score": 1.0}
    });
    // ...and one in the older `madmom.*` layout, exported from synthetic artifacts.
    let older = neckenml::export_seed_json(&synth::synthetic_artifacts(
        necken_core::style::Style::Schottis,
        120.0,
        necken_core::artifact::Profile::Standard,
        3,
    ));
    let a = dir.join("hambo_newer.json");
    let b = dir.join("schottis_older.json");
    std::fs::write(&a, newer.to_string()).unwrap();
    std::fs::write(&b, older.to_string()).unwrap();
    vec![a, b]
}

#[test]
fn import_reanalyze_export_stats() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.sled");
    let files = fixtures(dir.path());
    let bad = dir.path().join("broken.json");
    std::fs::write(
        &bad,
        "{\"madmom\": {\"beat_times\": [2.0, 1.0], \"beat_info\": [[2.0,1],[1.0,2]]}}",
    )
    .unwrap();
    let o = necken(
        &store,
        &[
            "import",
            files[0].to_str().unwrap(),
            bad.to_str().unwrap(),
            files[1].to_str().unwrap(),
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "one bad file fails the run: {}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("broken.json") && stderr(&o).contains("ascending"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("imported 2 file(s), 1 failed"));

    let o = necken(&store, &["reanalyze", "--no-model", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let hambo = lines
        .iter()
        .find(|l| l["source_path"].as_str().unwrap().contains("hambo"))
        .unwrap();
    assert_eq!(hambo["meter"], "3/4");
    let tempo = hambo["tempo_bpm"].as_f64().unwrap();
    assert!((tempo - 112.5).abs() < 1.0, "tempo {tempo}");
    assert!(hambo["hambo_score"].as_f64().unwrap() > 0.9);
    assert!(hambo["polska_score"].as_f64().unwrap() < 0.1);
    // The inverted NeckenML vocal fallback was not imported as "vocal".
    assert!(hambo["voice_probability"].is_null());
    // Keyword classification needs tags; imported JSON has none, and no head was given.
    assert_eq!(hambo["style_source"], "none");
    assert!(hambo["ml_suggested_style"].is_null());
    let schottis = lines
        .iter()
        .find(|l| l["source_path"].as_str().unwrap().contains("schottis"))
        .unwrap();
    assert_eq!(schottis["meter"], "4/4");
    assert!(schottis["swing_ratio"].as_f64().unwrap() > 1.4);
    for key in [
        "track_id",
        "bpm_stability",
        "punchiness",
        "articulation",
        "bounciness",
        "folk_authenticity",
        "feature_vector",
        "ml_confidence",
    ] {
        assert!(lines[0].get(key).is_some(), "missing {key}");
    }

    let out = dir.path().join("seed");
    let o = necken(
        &store,
        &[
            "export",
            "--format",
            "seed-json",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // The default layout is the one NeckenML 0.3.1 reads; `--layout legacy` the documented one.
    let exported = std::fs::read_to_string(out.join("hambo_newer.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&exported).unwrap();
    let r = &v["rhythm_extractor"];
    assert!(r["beats"].is_array() && r["beat_positions"].is_array() && r["beat_info"].is_array());
    assert!(v.get("madmom").is_none());
    let back = neckenml::import_json(&exported).unwrap();
    assert_eq!(back.beats.unwrap().times.len(), 120);
    let legacy = dir.path().join("legacy");
    let o = necken(
        &store,
        &[
            "export",
            "--format",
            "seed-json",
            "--layout",
            "legacy",
            "--out",
            legacy.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let exported = std::fs::read_to_string(legacy.join("hambo_newer.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&exported).unwrap();
    assert!(v["madmom"]["beat_times"].is_array() && v["madmom"]["beat_info"].is_array());
    let back = neckenml::import_json(&exported).unwrap();
    assert_eq!(back.beats.unwrap().times.len(), 120);

    let beats_dir = dir.path().join("beats");
    let o = necken(
        &store,
        &[
            "export",
            "--format",
            "beats",
            "--out",
            beats_dir.to_str().unwrap(),
        ],
    );
    assert!(o.status.success());
    let text = std::fs::read_to_string(beats_dir.join("hambo_newer.beats")).unwrap();
    assert_eq!(text.lines().next().unwrap(), "1.000\t1");

    let o = necken(&store, &["stats", "--json"]);
    let s: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(s["tracks"], 2);
    assert!(s["store_bytes"].as_u64().unwrap() > 0);
    let a = &s["artifact_bytes"];
    assert!(a["min"].as_u64().unwrap() <= a["median"].as_u64().unwrap());
    assert!(a["median"].as_u64().unwrap() <= a["max"].as_u64().unwrap());
    assert_eq!(s["by_profile"]["standard"]["tracks"], 2);
}

/// The metadata of a standard-profile track put into a store by hand.
fn stored_meta(id: u8, source_path: &str, duration_s: f32) -> TrackMeta {
    TrackMeta {
        id: TrackId([id; 16]),
        source_path: source_path.into(),
        tags: Default::default(),
        duration_s,
        analyzed_at: 0,
        audio_fingerprint: [0; 8],
        profile: necken_core::artifact::Profile::Standard,
        seq: 0,
    }
}

#[test]
fn migrate_upgrades_old_records_and_refuses_newer_ones() {
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("s.sled");
    let meta = |id: u8| stored_meta(id, &format!("old{id}.wav"), 3.0);
    {
        let store = SledStore::open(&store_path, &StoreConfig::default()).unwrap();
        let v0 = PayloadV0 {
            tempo_bpm: 120.0,
            beats_per_bar: 2,
            beat_times: vec![0.5, 1.0, 1.5, 2.0],
            beat_numbers: vec![1, 2, 1, 2],
            onsets: vec![0.5, 1.0],
            rms: 0.1,
            zcr: 0.1,
            duration_s: 3.0,
            analyzer: "proto".into(),
        };
        store.put(&meta(1), &v0.to_record()).unwrap();
        let mut newer = postcard::to_stdvec(&(SCHEMA_VERSION + 1)).unwrap();
        newer.extend([0u8; 10]);
        store.put(&meta(2), &newer).unwrap();
    }
    let o = necken(&store_path, &["migrate"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("old2.wav") && err.contains("newer"), "{err}");
    assert!(err.contains("migrated 1 record(s)"), "{err}");
    let store = SledStore::open(&store_path, &StoreConfig::default()).unwrap();
    let rec = store.get(&TrackId([1; 16])).unwrap().unwrap();
    assert_eq!(
        codec::record_version(&rec.artifacts).unwrap(),
        SCHEMA_VERSION
    );
    assert_eq!(
        codec::decode(&rec.artifacts)
            .unwrap()
            .beats
            .unwrap()
            .numbers,
        vec![1, 2, 1, 2]
    );
}

#[test]
fn style_heads_are_checked_and_used() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.sled");
    let files = fixtures(dir.path());
    assert!(necken(&store, &["import", files[0].to_str().unwrap()])
        .status
        .success());
    let head_path = dir.path().join("head.nkhead");
    std::fs::write(&head_path, synth::random_head(5).to_bytes()).unwrap();
    let o = necken(
        &store,
        &[
            "reanalyze",
            "--json",
            "--model",
            head_path.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let line: serde_json::Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert_eq!(line["style_source"], "model");
    let probs = line["style_probabilities"].as_object().unwrap();
    assert_eq!(probs.len(), 12);
    let sum: f64 = probs.values().map(|p| p.as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-4);

    let mut bytes = synth::random_head(5).to_bytes();
    bytes.truncate(bytes.len() - 10);
    std::fs::write(&head_path, bytes).unwrap();
    let o = necken(
        &store,
        &["reanalyze", "--model", head_path.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("head.nkhead") && stderr(&o).contains("checksum"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bench_reports_json() {
    let dir = tempfile::tempdir().unwrap();
    let o = necken(
        &dir.path().join("unused.sled"),
        &["bench", "reanalysis", "--tracks", "200", "--json"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["tracks"], 200);
    assert!(v["per_track_us_median"].as_f64().unwrap() > 0.0);
    assert!(v["per_track_us_p95"].as_f64().unwrap() >= v["per_track_us_median"].as_f64().unwrap());
}

#[test]
fn every_board_profile_sizes_the_store() {
    let boards = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../boards");
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.sled");
    let demo =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/demo/demo_polska.ogg");
    let o = necken(
        &store,
        &[
            "analyze",
            "--no-beat-model",
            "--no-embed-model",
            demo.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let mut seen = 0;
    for entry in std::fs::read_dir(&boards).unwrap() {
        let board = entry.unwrap().path();
        let o = Command::new(env!("CARGO_BIN_EXE_necken"))
            .arg("--store")
            .arg(&store)
            .arg("--board")
            .arg(&board)
            .args(["stats", "--json"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}: {}", board.display(), stderr(&o));
        seen += 1;
    }
    assert_eq!(seen, 5, "Pi Zero 2 W, 3B+, 4B, 5 and x86-64");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "name = \"x\"\n[store]\ncache_mb = \"lots\"\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_necken"))
        .arg("--store")
        .arg(&store)
        .arg("--board")
        .arg(&bad)
        .arg("stats")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.toml"), "{}", stderr(&o));
}

#[test]
fn read_only_commands_never_create_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("nekcen.sled");
    for args in [
        &["stats"][..],
        &["stats", "--json"],
        &["reanalyze"],
        &["export", "--format", "beats", "--out"],
        &["migrate"],
    ] {
        let mut args: Vec<&str> = args.to_vec();
        let out_dir = dir.path().join("out");
        if args.last() == Some(&"--out") {
            args.push(out_dir.to_str().unwrap());
        }
        let o = necken(&typo, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let e = stderr(&o);
        assert!(
            e.contains("no track store") && e.contains("nekcen.sled"),
            "{args:?}: {e}"
        );
        assert!(!typo.exists(), "{args:?} created {}", typo.display());
    }
}

/// A track stored before schema 3 has no mean bar: the default head (trained with one) still
/// classifies it, and `reanalyze` says how many such tracks it met and what to do; a
/// version-1 head reads it as before and says nothing.
#[test]
fn reanalyze_counts_tracks_without_a_mean_bar() {
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("s.sled");
    let mut a = synth::synthetic_artifacts(
        necken_core::style::Style::Polska,
        90.0,
        necken_core::artifact::Profile::Standard,
        8,
    );
    {
        let store = SledStore::open(&store_path, &StoreConfig::default()).unwrap();
        let meta = |id: u8| stored_meta(id, &format!("t{id}.wav"), 90.0);
        assert!(a.bar_pattern.is_some());
        store.put(&meta(1), &codec::encode(&a)).unwrap();
        a.bar_pattern = None;
        let mut old = postcard::to_stdvec(&2u32).unwrap();
        old.extend(codec::encode_v2_payload(&a));
        store.put(&meta(2), &old).unwrap();
    }
    let o = necken(&store_path, &["reanalyze", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("head: necken-style-head-v17"), "{err}");
    assert!(
        err.contains("1 track(s) have no mean bar") && err.contains("analyze --force"),
        "{err}"
    );
    assert_eq!(stdout(&o).lines().count(), 2, "both tracks are classified");
    let v4 = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/style-head-v4.nkhead");
    let o = necken(&store_path, &["reanalyze", "--model", v4.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("mean bar"), "{}", stderr(&o));
}
