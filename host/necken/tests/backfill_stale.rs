//! `necken backfill` and `necken stale` on copies of dev clips: only files without artifacts
//! are analyzed, a changed file is found by its content and refreshed, a vanished one is
//! reported and kept.

use std::path::{Path, PathBuf};

mod common;

use common::{necken, stderr, stdout};

fn dev_clips(n: usize) -> Vec<PathBuf> {
    let dev = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/dev");
    let mut clips: Vec<PathBuf> = std::fs::read_dir(&dev)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ogg"))
        .collect();
    clips.sort();
    clips.truncate(n);
    assert_eq!(clips.len(), n, "the dev corpus at {}", dev.display());
    clips
}

const FAST: [&str; 3] = ["--no-beat-model", "--no-embed-model", "--no-model"];

fn run(store: &Path, args: &[&str]) -> (String, String) {
    let mut all: Vec<&str> = args.to_vec();
    if matches!(args[0], "analyze" | "backfill") || args.contains(&"--fix") {
        all.extend(FAST);
    }
    let o = necken(store, &all);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    (stdout(&o), stderr(&o))
}

#[test]
fn backfill_analyzes_only_what_is_missing_and_stale_finds_changed_audio() {
    let dir = tempfile::tempdir().unwrap();
    let music = dir.path().join("music");
    std::fs::create_dir_all(music.join("sub")).unwrap();
    let clips = dev_clips(3);
    let (a, b) = (music.join("a.ogg"), music.join("sub/b.ogg"));
    std::fs::copy(&clips[0], &a).unwrap();
    std::fs::copy(&clips[1], &b).unwrap();
    let store = dir.path().join("s.sled");
    let (a_s, m_s) = (a.display().to_string(), music.display().to_string());
    run(&store, &["analyze", &a_s]);

    let (out, err) = run(&store, &["backfill", "--dry-run", &m_s]);
    assert!(
        err.contains("1 of 2 audio file(s) have no artifacts"),
        "{err}"
    );
    assert_eq!(out.trim(), b.display().to_string());
    let (_, err) = run(&store, &["backfill", &m_s]);
    assert!(err.contains("analyzed 1 file(s)"), "{err}");
    let (_, err) = run(&store, &["backfill", &m_s]);
    assert!(err.contains("0 of 2"), "{err}");

    let (out, err) = run(&store, &["stale"]);
    assert!(
        out.trim().is_empty() && err.contains("0 of 2"),
        "{out}{err}"
    );
    // a.ogg now holds other music; b.ogg is gone.
    std::fs::copy(&clips[2], &a).unwrap();
    std::fs::remove_file(&b).unwrap();
    let (out, _) = run(&store, &["stale", "--json"]);
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2, "{out}");
    let why = |f: &Path| {
        rows.iter()
            .find(|r| r["file"] == f.display().to_string())
            .map(|r| r["why"].as_str().unwrap().to_string())
    };
    assert_eq!(why(&a).as_deref(), Some("changed"));
    assert_eq!(why(&b).as_deref(), Some("missing"));
    let (_, err) = run(&store, &["stale", "--fix"]);
    assert!(err.contains("removed 1 stale track(s)"), "{err}");
    let (out, err) = run(&store, &["stale"]);
    assert!(err.contains("0 changed, 1 missing"), "{err}");
    assert!(out.contains("missing"), "{out}");
    let (out, _) = run(&store, &["stats", "--json"]);
    assert!(out.contains("\"tracks\":2"), "{out}");
}
