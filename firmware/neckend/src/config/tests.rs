//! Board profile tests: the bundled profiles, validation and overrides.

use super::*;

#[test]
fn a_key_the_daemon_does_not_use_is_an_error_naming_it() {
    // `[audio] periods` was once accepted and silently ignored.
    let e = Config::parse("[audio]\nperiods = 3\n").unwrap_err();
    assert!(e.contains("periods"), "{e}");
}

#[test]
fn every_bundled_board_profile_loads_and_validates() {
    let boards = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../boards");
    let mut n = 0;
    for entry in std::fs::read_dir(&boards).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let c = Config::load(&path).unwrap_or_else(|e| panic!("{e}"));
            assert!(!c.name.is_empty(), "{} has no name", path.display());
            // Every model the profile names is found in its install root.
            let root = c.root.clone().expect("a loaded profile knows its root");
            for m in [
                &c.analysis.style_model,
                &c.analysis.beat_model,
                &c.analysis.embed_model,
            ] {
                let found = necken_model_files::locate(m, std::slice::from_ref(&root));
                assert!(
                    matches!(found, necken_model_files::ModelFile::Path(ref p) if p.exists()),
                    "{}: model {} not in {}",
                    path.display(),
                    m.display(),
                    root.display()
                );
            }
            n += 1;
        }
    }
    assert_eq!(n, 5);
}

#[test]
fn unknown_keys_and_bad_values_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("b.toml");
    std::fs::write(&p, "[audio]\ndevcie = \"hw:1\"\n").unwrap();
    let e = Config::load(&p).unwrap_err();
    assert!(e.contains("b.toml") && e.contains("devcie"), "{e}");
    std::fs::write(&p, "[analysis]\nwindow_s = 1.0\n").unwrap();
    let e = Config::load(&p).unwrap_err();
    assert!(e.contains("window_s"), "{e}");
    // Classifying less often while unsure than while sure is a mistake, not a setting.
    std::fs::write(&p, "[analysis]\nclassify_every_unsure_s = 6\n").unwrap();
    let e = Config::load(&p).unwrap_err();
    assert!(e.contains("classify_every_unsure_s"), "{e}");
}

#[test]
fn prefix_gets_the_device_id() {
    let mut c = Config::default();
    c.mqtt.device_id = "hall 1".into();
    assert_eq!(c.topic_prefix(), "necken/hall_1/");
}
