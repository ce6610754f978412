//! `necken analyze` end to end: what it prints is what it stored, unchanged files are skipped
//! and bad ones named.

use std::path::PathBuf;

mod common;

use common::{necken, stderr, stdout};

#[test]
fn analyze_skips_unchanged_files_and_reports_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.sled");
    let demo =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/demo/demo_polska.ogg");
    let junk = dir.path().join("junk.mp3");
    std::fs::write(&junk, "not audio at all").unwrap();
    let o = necken(
        &store,
        &[
            "analyze",
            "--json",
            demo.to_str().unwrap(),
            junk.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("junk.mp3"), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert_eq!(v["meter"], "3/4");
    assert_eq!(
        v["models"],
        serde_json::json!(["beat-tcn-v3", "embed-cnn-v2"]),
        "{v}"
    );
    let vocal = v["vocal_score"].as_f64().expect("a vocal score");
    assert!(vocal < 0.5, "the demo clip is instrumental: {v}");
    // The style analyze prints is the stored record's: reanalyze reads the same, to the bit
    // (it was decided on the full-precision artifacts once, and a track near a threshold
    // changed its name when read back).
    let o = necken(&store, &["reanalyze", "--json"]);
    let r: serde_json::Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert_eq!(
        (&r["style"], &r["confidence"]),
        (&v["style"], &v["confidence"])
    );
    let o = necken(&store, &["analyze", demo.to_str().unwrap()]);
    assert!(o.status.success());
    assert!(stderr(&o).contains("1 unchanged"), "{}", stderr(&o));
    let o = necken(&store, &["analyze", "--force", demo.to_str().unwrap()]);
    assert!(
        stderr(&o).contains("analyzed 1 file(s), 0 unchanged"),
        "{}",
        stderr(&o)
    );
}
