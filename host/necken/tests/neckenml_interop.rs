//! Interop with the real NeckenML: the pinned `neckenml-core` 0.3.1 from PyPI (in a virtual
//! environment `scripts/neckenml/venv.sh` makes) runs its own `compute_derived_features` on
//! every dev clip as `necken export --format seed-json` writes it; its tempo, meter and swing
//! must equal `necken reanalyze --features neckenml` (and its tempo and meter necken's own),
//! and its 217-d vector must equal the compat vector to 1e-6. The three layouts necken writes
//! or documents (current, legacy, and legacy without `envelope_sample_rate`, as NeckenML's
//! documentation shows it) import back with the same tempo and meter.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod common;

use common::repo_root as root;

/// Runs necken from the repository root; it must succeed.
fn necken(store: &Path, args: &[&str]) -> Output {
    let o = common::necken(store, args);
    assert!(
        o.status.success(),
        "necken {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn json_lines(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `reanalyze --json` lines by source file stem.
fn by_stem(lines: Vec<Value>) -> HashMap<String, Value> {
    lines
        .into_iter()
        .map(|v| {
            let src = v["source"]
                .as_str()
                .or(v["source_path"].as_str())
                .unwrap_or("");
            let stem = Path::new(src)
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (stem, v)
        })
        .collect()
}

fn dev_clips() -> Vec<String> {
    let dev = root().join("../shared/corpus/dev");
    let mut clips: Vec<String> = std::fs::read_dir(&dev)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| necken_analysis_ext(p))
        .map(|p| p.display().to_string())
        .collect();
    clips.sort();
    clips
}

fn necken_analysis_ext(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["ogg", "flac", "mp3", "wav"].contains(&e))
}

#[test]
fn the_original_reads_our_export_and_computes_what_necken_computes() {
    let venv = Command::new(root().join("scripts/neckenml/venv.sh"))
        .output()
        .expect("scripts/neckenml/venv.sh");
    assert!(
        venv.status.success(),
        "making the NeckenML environment failed (PyPI reachable?): {}",
        String::from_utf8_lossy(&venv.stderr)
    );
    let python = String::from_utf8(venv.stdout).unwrap().trim().to_string();

    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("dev.sled");
    let clips = dev_clips();
    assert_eq!(clips.len(), 72);
    // Beats from the DSP tracker (quicker; the formulas are what is compared), the embedding
    // from the network (it is 200 of the 217 dimensions).
    let mut args = vec!["analyze", "--no-beat-model"];
    args.extend(clips.iter().map(String::as_str));
    necken(&store, &args);
    // The tracker's own bars (no head): the original reads the same raw artifacts.
    let ours = by_stem(json_lines(&necken(
        &store,
        &["reanalyze", "--no-model", "--json"],
    )));
    let compat = by_stem(json_lines(&necken(
        &store,
        &["reanalyze", "--features", "neckenml", "--json"],
    )));
    assert_eq!(compat.len(), 72);

    let out = dir.path().join("current");
    necken(
        &store,
        &[
            "export",
            "--format",
            "seed-json",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let py = Command::new(&python)
        .arg(root().join("scripts/neckenml/derive.py"))
        .args(&files)
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let original = json_lines(&py);
    assert_eq!(original.len(), 72);
    let mut worst = 0f64;
    for o in &original {
        let stem = Path::new(o["file"].as_str().unwrap())
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let c = &compat[&stem];
        let n = &ours[&stem];
        let (ot, ct) = (
            o["tempo_bpm"].as_f64().unwrap(),
            c["tempo_bpm"].as_f64().unwrap(),
        );
        assert!(
            ot > 0.0,
            "{stem}: the original found no tempo in our export"
        );
        assert!((ot - ct).abs() < 1e-9, "{stem}: tempo {ot} vs compat {ct}");
        let nt = n["tempo_bpm"].as_f64().unwrap();
        assert!((ot - nt).abs() <= 0.01, "{stem}: tempo {ot} vs necken {nt}");
        assert_eq!(o["meter"], c["meter"], "{stem}");
        assert_eq!(o["meter"], n["meter"], "{stem}: meter vs necken's");
        // necken's own swing is the same formula; it is null where fewer than 4 beats have a
        // mid-beat onset (the original says 1.0 there).
        if let Some(ns) = n["swing_ratio"].as_f64() {
            let os = o["swing_ratio"].as_f64().unwrap();
            assert!((os - ns).abs() <= 1e-9, "{stem}: swing {os} vs necken {ns}");
        }
        for key in ["swing_ratio", "articulation", "bounciness", "bpm_stability"] {
            let (a, b) = (o[key].as_f64().unwrap(), c[key].as_f64().unwrap());
            assert!((a - b).abs() <= 1e-9, "{stem}: {key} {a} vs {b}");
        }
        let (ov, cv) = (
            o["vector"].as_array().unwrap(),
            c["vector"].as_array().unwrap(),
        );
        assert_eq!(ov.len(), 217, "{stem}");
        assert_eq!(cv.len(), 217, "{stem}");
        for (k, (a, b)) in ov.iter().zip(cv).enumerate() {
            let d = (a.as_f64().unwrap() - b.as_f64().unwrap()).abs();
            worst = worst.max(d);
            assert!(d <= 1e-6, "{stem}: dimension {k}: {a} vs {b}");
        }
    }
    eprintln!("largest compat vector difference over 72 dev clips: {worst:.3e}");

    // Import: current, legacy, and legacy as NeckenML documents it (no envelope rate, no
    // necken object) all read back with the same tempo and meter.
    let legacy = dir.path().join("legacy");
    necken(
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
    let seed = dir.path().join("seed");
    std::fs::create_dir(&seed).unwrap();
    for e in std::fs::read_dir(&legacy).unwrap() {
        let p = e.unwrap().path();
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let root = v.as_object_mut().unwrap();
        root.remove("necken");
        if let Some(d) = root.get_mut("dynamics").and_then(Value::as_object_mut) {
            d.remove("envelope_sample_rate");
        }
        std::fs::write(seed.join(p.file_name().unwrap()), v.to_string()).unwrap();
    }
    for layout in [&out, &legacy, &seed] {
        let imported = dir.path().join(format!(
            "{}.sled",
            layout.file_name().unwrap().to_string_lossy()
        ));
        let mut files: Vec<String> = std::fs::read_dir(layout)
            .unwrap()
            .map(|e| e.unwrap().path().display().to_string())
            .collect();
        files.sort();
        let mut args = vec!["import"];
        args.extend(files.iter().map(String::as_str));
        necken(&imported, &args);
        let back = json_lines(&necken(&imported, &["reanalyze", "--no-model", "--json"]));
        assert_eq!(back.len(), 72, "{}", layout.display());
        for v in back {
            let stem = Path::new(v["source_path"].as_str().or(v["source"].as_str()).unwrap())
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let n = ours
                .get(&stem)
                .unwrap_or_else(|| panic!("{}: unknown track {stem}", layout.display()));
            let (a, b) = (
                v["tempo_bpm"].as_f64().unwrap(),
                n["tempo_bpm"].as_f64().unwrap(),
            );
            assert!(
                (a - b).abs() <= 0.01,
                "{}: {stem}: tempo {a} vs {b}",
                layout.display()
            );
            assert_eq!(v["meter"], n["meter"], "{}: {stem}", layout.display());
        }
    }
}
