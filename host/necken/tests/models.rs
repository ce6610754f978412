//! Model choice end to end: networks asked for and recorded, the bundled heads, and a head
//! deciding the bars at re-analysis rather than in the stored artifacts.

use std::path::{Path, PathBuf};
use std::process::Output;

use necken_core::codec;
use necken_store::{ArtifactStore, SledStore, StoreConfig, TrackId};

mod common;

use common::{necken, necken_in, stderr, stdout};

#[test]
fn analysis_without_the_networks_is_asked_for_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.sled");
    let demo =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/demo/demo_polska.ogg");
    let o = necken(
        &store,
        &[
            "analyze",
            "--json",
            "--no-beat-model",
            "--no-embed-model",
            demo.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert_eq!(v["models"], serde_json::json!([]), "{v}");
    assert!(v["vocal_score"].is_null(), "no network, no score: {v}");
    assert_eq!(v["meter"], "3/4");

    let missing = dir.path().join("gone.onnx");
    let o = necken(
        &store,
        &[
            "analyze",
            "--force",
            "--beat-model",
            missing.to_str().unwrap(),
            demo.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("gone.onnx") && stderr(&o).contains("--no-beat-model"),
        "{}",
        stderr(&o)
    );
    let o = necken(
        &store,
        &[
            "analyze",
            "--force",
            "--embed-model",
            missing.to_str().unwrap(),
            demo.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("gone.onnx") && stderr(&o).contains("--no-embed-model"),
        "{}",
        stderr(&o)
    );
}

/// The bundled heads, each on a clip embedded by its own network (v1 reads no embedding; v2
/// was trained on `embed-cnn-v1`'s, v4, the default, on `embed-cnn-v2`'s): all call the demo
/// clip a polska (the README's first command). A head given a track embedded by another
/// network leaves it alone instead of reading vectors from another space.
#[test]
fn the_bundled_style_heads_call_the_demo_clip_a_polska() {
    let dir = tempfile::tempdir().unwrap();
    let demo =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/demo/demo_polska.ogg");
    let v1_net = ["--embed-model", "models/embed-cnn-v1.onnx"];
    for (k, (head, net)) in [
        ("models/style-head-v1.nkhead", &[][..]),
        ("models/style-head-v2.nkhead", &v1_net[..]),
        ("models/style-head-v17.nkhead", &[][..]),
    ]
    .iter()
    .enumerate()
    {
        let store = dir.path().join(format!("{k}.sled"));
        let mut args = vec!["analyze", "--json", "--model", head];
        args.extend_from_slice(net);
        args.push(demo.to_str().unwrap());
        let o = necken(&store, &args);
        assert!(o.status.success(), "{head}: {}", stderr(&o));
        let v: serde_json::Value =
            serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
        assert_eq!(v["style"], "polska", "{head}: {v}");
        assert_eq!(v["style_source"], "model", "{head}: {v}");
    }
    // v2 on the default network's embedding: not classified, and re-analysis says why.
    let store = dir.path().join("mismatch.sled");
    let o = necken(
        &store,
        &[
            "analyze",
            "--json",
            "--model",
            "models/style-head-v2.nkhead",
            demo.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert_eq!(v["style"], "unknown", "{v}");
    let o = necken(
        &store,
        &["reanalyze", "--model", "models/style-head-v2.nkhead"],
    );
    assert!(
        stderr(&o).contains("embedded by another network") && stderr(&o).contains("embed-cnn-v1"),
        "{}",
        stderr(&o)
    );
}

/// Raw artifacts hold what the audio says: a schottis analyzed with `--no-model` and with the
/// default head gives the same record (but its analysis time), the tracker's 2/4 bars are in
/// it, and re-analysis with the head names them 4/4 — run from an empty directory, where the
/// default models are the ones built in.
#[test]
fn a_head_decides_the_bars_at_reanalysis_not_in_the_artifacts() {
    let dir = tempfile::tempdir().unwrap();
    let dev = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/dev");
    let labels = std::fs::read_to_string(dev.join("labels.csv")).unwrap();
    let clip = labels
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|f| f[2] == "schottis" && f[3] == "4")
        .map(|f| dev.join(f[1]))
        .unwrap();
    let run = |store: &Path, args: &[&str]| {
        let o = necken_in(dir.path(), store, args);
        assert!(o.status.success(), "{}", stderr(&o));
        o
    };
    let (plain, headed) = (
        dir.path().join("plain.sled"),
        dir.path().join("headed.sled"),
    );
    let clip_arg = clip.to_str().unwrap();
    run(&plain, &["analyze", "--no-model", clip_arg]);
    run(&headed, &["analyze", clip_arg]);
    let record = |store: &Path| {
        let s = SledStore::open(store, &StoreConfig::default()).unwrap();
        let mut a = codec::decode(
            &s.get(&TrackId::of_file(&clip).unwrap())
                .unwrap()
                .unwrap()
                .artifacts,
        )
        .unwrap();
        a.provenance.analyzed_at = 0;
        a
    };
    let (a, b) = (record(&plain), record(&headed));
    assert_eq!(a, b, "the head must not change the raw artifacts");
    assert_eq!(a.rhythm.beats_per_bar, Some(2), "the tracker hears 2/4");
    assert!(a.beats.as_ref().unwrap().alternate_numbers.is_some());
    let line = |o: &Output| -> serde_json::Value {
        serde_json::from_str(stdout(o).lines().next().unwrap()).unwrap()
    };
    let with_head = line(&run(&plain, &["reanalyze", "--json"]));
    assert_eq!(with_head["style"], "schottis", "{with_head}");
    assert_eq!(with_head["meter"], "4/4", "{with_head}");
    let without = line(&run(&headed, &["reanalyze", "--no-model", "--json"]));
    assert_eq!(without["meter"], "2/4", "{without}");
}

/// The help names the models that are the defaults, so it cannot drift from them again (it
/// named embed-cnn-v1 and style-head-v3 after the defaults had moved on).
#[test]
fn the_help_names_the_default_models() {
    let dir = tempfile::tempdir().unwrap();
    let o = necken(&dir.path().join("s.sled"), &["analyze", "--help"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let help = stdout(&o);
    for name in [
        necken_model_files::BEAT_NET,
        necken_model_files::EMBED_NET,
        necken_model_files::STYLE_HEAD,
    ] {
        assert!(
            help.contains(&format!("models/{name}")),
            "`necken analyze --help` does not name the default {name}:\n{help}"
        );
    }
}
