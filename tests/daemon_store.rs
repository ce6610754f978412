//! The daemon keeps its store within `[store] max_tracks` / `max_mb`: after more tracks than
//! the limit, the newest are kept and the log says that unpulled tracks were dropped.

use std::process::{Command, Stdio};

use necken_store::{ArtifactStore, SledStore};
use necken_tests::audio::{click, write_wav};

#[test]
fn the_store_keeps_its_track_limit_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for k in 0..5 {
        let p = dir.path().join(format!("t{k}.wav"));
        // Distinct content per file (a different click offset), so five different ids.
        write_wav(&p, 16_000, 1, 16_000 * 6, |i, _| click(i + 400 * k, 16_000));
        files.push(p);
    }
    let profile = dir.path().join("board.toml");
    std::fs::write(&profile, "[store]\nmax_tracks = 3\nmax_mb = 16\n").unwrap();
    let store = dir.path().join("s.sled");
    let out = Command::new(env!("CARGO_BIN_EXE_neckend-under-test"))
        .arg("--config")
        .arg(&profile)
        .arg("--store")
        .arg(&store)
        .arg("--model")
        .arg(necken_tests::model_path("style-head-v1.nkhead"))
        .args([
            "--no-beat-model",
            "--no-embed-model",
            "--no-mqtt",
            "--input",
        ])
        .args(&files)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("no host has pulled yet"), "{log}");
    let s = SledStore::open(&store, &Default::default()).unwrap();
    assert_eq!(s.len(), 3);
    for (k, f) in files.iter().enumerate() {
        let id = necken_store::TrackId::of_file(f).unwrap();
        assert_eq!(s.contains(&id).unwrap(), k >= 2, "file {k}");
    }
}
