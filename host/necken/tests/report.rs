//! `necken report` on a store of synthetic tracks: every picture the index links exists as PNG
//! and SVG, the SVGs say what they show, and a bad track id is an error.

use std::path::Path;

mod common;

use common::{labelled_store, necken, repo_root, stderr};

#[test]
fn report_draws_the_store_and_the_chosen_tracks() {
    let dir = tempfile::tempdir().unwrap();
    let (store, labels) = labelled_store(dir.path(), 22);
    let out = dir.path().join("report");
    let o = out.display().to_string();
    let v1 = repo_root().join("models/style-head-v1.nkhead");
    let v1 = v1.display().to_string();
    let l = labels.display().to_string();
    // The first stored track's id (ids are hashes: take the one `reanalyze` lists first).
    let listing = necken(&store, &["reanalyze", "--json"]);
    let first: serde_json::Value = serde_json::from_str(
        String::from_utf8_lossy(&listing.stdout)
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let id = first["track_id"].as_str().unwrap().to_string();
    let r = necken(
        &store,
        &[
            "report",
            "--out",
            &o,
            "--track",
            &id[..10],
            "--b",
            &v1,
            "--labels",
            &l,
        ],
    );
    assert!(r.status.success(), "{}", stderr(&r));
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    let linked: Vec<&str> = index
        .split("src=\"")
        .skip(1)
        .map(|x| x.split('"').next().unwrap())
        .collect();
    let short = &id[..12];
    for want in [
        "styles.png".to_string(),
        "tempo.png".into(),
        "agreement.png".into(),
        "confusion-a.png".into(),
        "confusion-b.png".into(),
        format!("{short}-rhythm.png"),
        format!("{short}-tempo.png"),
        format!("{short}-styles.png"),
        format!("{short}-bar.png"),
    ] {
        assert!(linked.contains(&want.as_str()), "{want} not in {linked:?}");
        check_png(&out.join(&want));
        let svg = std::fs::read_to_string(out.join(want.replace(".png", ".svg"))).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("<text"), "{want}");
    }
    let styles_svg = std::fs::read_to_string(out.join("styles.svg")).unwrap();
    assert!(styles_svg.contains("styles of 22 track(s) by necken-style-head-v17"));
    let bar = std::fs::read_to_string(out.join(format!("{short}-bar.svg"))).unwrap();
    assert!(bar.contains("the mean bar") && bar.contains("treble"));
    let rhythm = std::fs::read_to_string(out.join(format!("{short}-rhythm.svg"))).unwrap();
    assert!(rhythm.contains("bar lines (downbeats)"));
    let confusion = std::fs::read_to_string(out.join("confusion-b.svg")).unwrap();
    assert!(confusion.contains("necken-style-head-v1"));

    let bad = necken(&store, &["report", "--out", &o, "--track", "zzzz"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("no stored track id starts with zzzz"));
}

/// A PNG of the chart size with more than one colour in it.
fn check_png(p: &Path) {
    let bytes = std::fs::read(p).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", p.display());
    let (w, h) = (
        u32::from_be_bytes(bytes[16..20].try_into().unwrap()),
        u32::from_be_bytes(bytes[20..24].try_into().unwrap()),
    );
    assert_eq!((w, h), (1100, 380), "{}", p.display());
    assert!(bytes.len() > 4000, "{} is nearly empty", p.display());
}
