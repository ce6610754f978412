//! `necken ab` end to end on a store of synthetic tracks: two different heads, a head against
//! itself, labels, and the errors a user sees.

use serde_json::Value;

mod common;

use common::{labelled_store, necken, repo_root, stderr, stdout};

#[test]
fn ab_compares_two_heads_and_scores_them_against_labels() {
    let dir = tempfile::tempdir().unwrap();
    let (store, labels) = labelled_store(dir.path(), 66);
    let models = repo_root().join("models");
    let v1 = models.join("style-head-v1.nkhead").display().to_string();
    let v3 = models.join("style-head-v3.nkhead").display().to_string();
    let l = labels.display().to_string();

    let out = necken(
        &store,
        &["ab", "--a", &v1, "--b", &v3, "--labels", &l, "--json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let r: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(r["tracks"], 66);
    assert_eq!(r["labelled"], 66);
    let changed = r["changed"].as_array().unwrap().len() as u64;
    assert_eq!(r["agree"].as_u64().unwrap() + changed, 66);
    let cells = |m: &Value| -> u64 {
        m.as_object()
            .unwrap()
            .values()
            .flat_map(|row| row.as_object().unwrap().values())
            .map(|n| n.as_u64().unwrap())
            .sum()
    };
    assert_eq!(cells(&r["between"]), 66);
    assert_eq!(cells(&r["confusion"]["a"]), 66);
    assert_eq!(cells(&r["confusion"]["b"]), 66);
    // Accuracy is the confusion matrix's diagonal share.
    for side in ["a", "b"] {
        let m = &r["confusion"][side];
        let diagonal: u64 = m
            .as_object()
            .unwrap()
            .iter()
            .map(|(label, row)| row.get(label).and_then(Value::as_u64).unwrap_or(0))
            .sum();
        let acc = r["accuracy"][side].as_f64().unwrap();
        assert!((acc - diagonal as f64 / 66.0).abs() < 1e-9, "{side}: {acc}");
    }
    // Every changed track's two styles differ, and the between matrix counts it off-diagonal.
    for c in r["changed"].as_array().unwrap() {
        assert_ne!(c["a"], c["b"]);
    }

    // A head against itself agrees everywhere.
    let same = necken(&store, &["ab", "--a", &v3, "--b", &v3, "--json"]);
    let r: Value = serde_json::from_str(stdout(&same).trim()).unwrap();
    assert_eq!(r["agree"], 66);
    assert!(r["changed"].as_array().unwrap().is_empty());

    // The table form names both heads and prints both confusion matrices.
    let text = necken(&store, &["ab", "--a", &v1, "--b", &v3, "--labels", &l]);
    let t = stdout(&text);
    assert!(
        t.contains("necken-style-head-v1") && t.contains("necken-style-head-v3"),
        "{t}"
    );
    assert!(
        t.contains("A: rows label") && t.contains("B: rows label"),
        "{t}"
    );

    // A damaged head is named.
    let bad = dir.path().join("bad.nkhead");
    std::fs::write(&bad, b"not a head").unwrap();
    let b = bad.display().to_string();
    let out = necken(&store, &["ab", "--a", &b, "--b", &v3]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("bad.nkhead"), "{}", stderr(&out));
}
