//! One engine: the same file through `necken analyze` (the engine recording only) and through
//! `neckend --input` (the engine live, reading a file) gives the same raw artifacts — the same
//! bytes but for the time of analysis, so the same beats, beat numbers and both binary
//! readings — and the same notated meter, with the daemon's default models (its built-in
//! copies, from any directory).

use std::process::{Command, Stdio};

use necken_analysis::AnalysisOptions;
use necken_core::artifact::Profile;
use necken_core::codec;
use necken_core::notation::interpret;
use necken_engine::analyze_file;
use necken_models::{ModelChoices, ModelSet};
use necken_store::{ArtifactStore, SledStore, TrackId};
use necken_tests::dev_clip_of;

#[test]
fn a_file_gives_the_same_artifacts_through_necken_analyze_and_neckend() {
    let files: Vec<_> = ["schottis", "polka", "polska", "vals"]
        .map(dev_clip_of)
        .to_vec();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("d.sled");
    // Run from an empty directory: the daemon finds its default models without paths.
    let out = Command::new(env!("CARGO_BIN_EXE_neckend-under-test"))
        .current_dir(dir.path())
        .arg("--store")
        .arg(&store)
        .args(["--no-mqtt", "--input"])
        .args(&files)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");

    let set = ModelSet::load(&ModelChoices::defaults(), &[]).unwrap();
    let mut options = AnalysisOptions::new(Profile::Standard);
    options.beat_model = set.beat.clone().map(|m| m as _);
    options.embedding_model = set.embed.clone().map(|m| m as _);
    let head = set.head.clone().unwrap();
    let s = SledStore::open(&store, &Default::default()).unwrap();
    let mut binary_with_both = 0;
    for f in &files {
        let offline = analyze_file(f, &options)
            .unwrap_or_else(|e| panic!("{e}"))
            .artifacts;
        let rec = s
            .get(&TrackId::of_file(f).unwrap())
            .unwrap()
            .unwrap_or_else(|| panic!("{}: not stored by neckend\n{log}", f.display()));
        let daemon = codec::decode(&rec.artifacts).unwrap();
        // Byte for byte the same record but for when it was made.
        let mut same_time = offline.clone();
        same_time.provenance.analyzed_at = daemon.provenance.analyzed_at;
        assert!(
            codec::encode(&same_time) == rec.artifacts,
            "{}: the records differ",
            f.display()
        );
        let (a, d) = (
            offline.beats.as_ref().unwrap(),
            daemon.beats.as_ref().unwrap(),
        );
        assert_eq!(a.times.len(), d.times.len(), "{}", f.display());
        let worst = a
            .times
            .iter()
            .zip(&d.times)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max);
        assert!(worst <= 0.001, "{}: beats {worst} s apart", f.display());
        assert_eq!(a.numbers, d.numbers, "{}", f.display());
        assert_eq!(a.alternate_numbers, d.alternate_numbers, "{}", f.display());
        binary_with_both += usize::from(a.alternate_numbers.is_some());
        assert_eq!(offline.rhythm.beats_per_bar, daemon.rhythm.beats_per_bar);
        let tags = Default::default();
        let (x, y) = (
            interpret(&offline, &tags, Some(&head)),
            interpret(&daemon, &tags, Some(&head)),
        );
        assert_eq!(x.classification.style, y.classification.style);
        assert_eq!(x.features.meter, y.features.meter, "{}", f.display());
        eprintln!(
            "{}: {} beats, meter {:?} ({})",
            f.display(),
            a.times.len(),
            x.features.meter,
            x.classification.style.name()
        );
    }
    assert!(binary_with_both >= 2, "the binary clips keep both readings");
}
