//! Running the `necken` binary in the host's integration tests.
// Each test crate uses a part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs necken from the repository root, as the README does.
pub fn necken(store: &Path, args: &[&str]) -> Output {
    necken_in(&repo_root(), store, args)
}

/// Runs necken from `dir` (no model variables from the environment).
pub fn necken_in(dir: &Path, store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_necken"))
        .current_dir(dir)
        .env_remove("NECKEN_BEAT_MODEL")
        .env_remove("NECKEN_EMBED_MODEL")
        .arg("--store")
        .arg(store)
        .args(args)
        .output()
        .expect("run necken")
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A store of `n` synthetic tracks (`necken bench fill`: track i has the style
/// `ALL_STYLES[i % 11]` and comes from `synthetic/<i>.flac`) and a labels CSV naming them.
pub fn labelled_store(dir: &Path, n: usize) -> (PathBuf, PathBuf) {
    let store = dir.join("s.sled");
    let s = store.display().to_string();
    let fill = necken(
        &store,
        &["bench", "fill", "--into", &s, "--tracks", &n.to_string()],
    );
    assert!(fill.status.success(), "{}", stderr(&fill));
    let labels = dir.join("labels.csv");
    let mut csv = String::from("clip,style\n");
    for i in 0..n {
        csv += &format!("{i},{}\n", necken_core::style::ALL_STYLES[i % 11].name());
    }
    std::fs::write(&labels, csv).unwrap();
    (store, labels)
}
