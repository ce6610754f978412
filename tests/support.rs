//! Helpers shared by the integration tests: the corpus location, `.beats` files and the
//! 70 ms beat F-measure (mir_eval's definition: beats in the first 5 s ignored, each reference
//! beat matched to at most one estimate within ±70 ms).

use std::path::{Path, PathBuf};

#[path = "mqtt_support.rs"]
pub mod mqtt;

#[path = "net_support.rs"]
pub mod net;

#[path = "audio_support.rs"]
pub mod audio;

#[path = "fuzz_support.rs"]
pub mod fuzz;

#[path = "process_support.rs"]
pub mod process;

/// A bundled model file: `models/<name>` in the workspace.
pub fn model_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../models")
        .join(name)
}

/// `../shared/corpus/dev` relative to the workspace root.
pub fn corpus_dev() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/dev")
}

/// The first dev clip of a style (as `labels.csv` names it: `vals`, `ganglat_marsch`, ...).
pub fn dev_clip_of(style: &str) -> PathBuf {
    let dev = corpus_dev();
    let labels = std::fs::read_to_string(dev.join("labels.csv")).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the dev corpus must be at ../shared)",
            dev.display()
        )
    });
    let file = labels
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|c| c.get(2) == Some(&style))
        .and_then(|c| c.get(1).map(|f| f.to_string()))
        .unwrap_or_else(|| panic!("no {style} clip in labels.csv"));
    dev.join(file)
}

/// Reads `time [number]` lines.
pub fn read_beats(path: &Path) -> Vec<(f64, u8)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter_map(|l| {
            let mut p = l.split_whitespace();
            let t: f64 = p.next()?.parse().ok()?;
            let n = p.next().and_then(|n| n.parse::<f64>().ok()).unwrap_or(0.0) as u8;
            Some((t, n))
        })
        .collect()
}

/// Beat F-measure with a ±70 ms window, ignoring beats before 5 s.
pub fn f_measure(reference: &[f64], estimate: &[f64]) -> f64 {
    let r: Vec<f64> = reference.iter().copied().filter(|&t| t >= 5.0).collect();
    let e: Vec<f64> = estimate.iter().copied().filter(|&t| t >= 5.0).collect();
    if r.is_empty() || e.is_empty() {
        return 0.0;
    }
    let mut used = vec![false; e.len()];
    let mut hits = 0usize;
    let mut j0 = 0usize;
    for &rt in &r {
        while j0 < e.len() && e[j0] < rt - 0.07 {
            j0 += 1;
        }
        let mut best: Option<usize> = None;
        let mut j = j0;
        while j < e.len() && e[j] <= rt + 0.07 {
            if !used[j] && best.is_none_or(|b| (e[j] - rt).abs() < (e[b] - rt).abs()) {
                best = Some(j);
            }
            j += 1;
        }
        if let Some(b) = best {
            used[b] = true;
            hits += 1;
        }
    }
    let p = hits as f64 / e.len() as f64;
    let rc = hits as f64 / r.len() as f64;
    if p + rc == 0.0 {
        0.0
    } else {
        2.0 * p * rc / (p + rc)
    }
}
