//! `necken train-head` end to end: stored tracks of generated audio, labels, a linear head and
//! network heads (`--hidden`, `--window-hidden`), read back by `necken reanalyze`.

use std::path::Path;
use std::process::{Command, Output};

use necken_tests::audio::write_wav;
use necken_tests::process::necken_binary;
use serde_json::Value;

/// A decaying click of `pitch` Hz every `period_s` seconds.
fn clicks(i: usize, rate: u32, period_s: f32, pitch: f32) -> f32 {
    let t = (i as f32 / rate as f32) % period_s;
    if t < 0.03 {
        (std::f32::consts::TAU * pitch * t).sin() * (1.0 - t / 0.03) * 0.8
    } else {
        0.0
    }
}

fn necken(store: &Path, args: &[&str]) -> Output {
    let out = Command::new(necken_binary())
        .arg("--store")
        .arg(store)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "necken {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Share of the stored tracks `head` names as labelled.
fn accuracy(store: &Path, head: &Path, labels: &[(String, &str)]) -> f64 {
    let out = necken(
        store,
        &["reanalyze", "--json", "--model", head.to_str().unwrap()],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let right = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|t| {
            let path = t["source_path"].as_str().unwrap();
            labels
                .iter()
                .any(|(stem, style)| path.contains(stem.as_str()) && t["style"] == *style)
        })
        .count();
    right as f64 / labels.len() as f64
}

#[test]
fn heads_with_networks_are_trained_repeatably_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let audio = dir.path().join("audio");
    std::fs::create_dir_all(&audio).unwrap();
    // Two "dances": slow high clicks and quick low ones, each clip a little off the others.
    // Sixteen tracks for the track model, eight more as the window model's excerpts.
    let mut labels = vec![];
    for k in 0..24 {
        let (style, period, pitch) = if k % 2 == 0 {
            ("polka", 0.5, 1200.0)
        } else {
            ("vals", 0.36, 300.0)
        };
        let period = period * (1.0 + 0.01 * (k / 2) as f32);
        let stem = format!("clip{k:02}");
        write_wav(
            &audio.join(format!("{stem}.wav")),
            16_000,
            1,
            16_000 * 8,
            |i, _| clicks(i, 16_000, period, pitch),
        );
        labels.push((stem, style));
    }
    let write_csv = |name: &str, rows: &[(String, &str)]| {
        let path = dir.path().join(name);
        let rows: Vec<String> = rows.iter().map(|(s, y)| format!("{s},{y}")).collect();
        std::fs::write(&path, format!("clip,style\n{}\n", rows.join("\n"))).unwrap();
        path.to_str().unwrap().to_string()
    };
    let csv = write_csv("labels.csv", &labels[..16]);
    let window_csv = write_csv("windows.csv", &labels[16..]);
    let (csv, window_csv) = (csv.as_str(), window_csv.as_str());
    let store = dir.path().join("s.sled");
    necken(
        &store,
        &[
            "analyze",
            "--no-model",
            "--no-beat-model",
            "--no-embed-model",
            audio.to_str().unwrap(),
        ],
    );

    let train = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let mut args = vec!["train-head", "--labels", csv, "--l2", "0.001"];
        args.extend_from_slice(&["--net-epochs", "60", "--out", out.to_str().unwrap()]);
        args.extend_from_slice(extra);
        necken(&store, &args);
        out
    };
    let linear = train("linear.nkhead", &[]);
    let net = train("net.nkhead", &["--hidden", "16"]);
    let again = train("again.nkhead", &["--hidden", "16"]);
    let windows = train(
        "windows.nkhead",
        &[
            "--hidden",
            "16",
            "--windows",
            window_csv,
            "--window-hidden",
            "8",
            "--nets",
            "2",
        ],
    );

    // A network's weights are in the file (16 hidden units of 299 inputs where the linear
    // head has a row per class, 2), and the same arguments give the same bytes.
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    let grown = size(&net) - size(&linear);
    assert!(grown >= (16 - 2) * 299 * 4, "{grown}");
    assert_eq!(std::fs::read(&net).unwrap(), std::fs::read(&again).unwrap());
    assert!(size(&windows) > size(&net) + 2 * 8 * 299 * 4);
    for head in [&linear, &net, &windows] {
        let a = accuracy(&store, head, &labels);
        assert!(a >= 0.9, "{}: {a}", head.display());
    }
}
