//! Dance sets: a polska and then a schottis in one stream with no gap, as tunes follow each
//! other in a hall. The daemon must re-lock on the schottis (tempo, bar family, beats on the
//! schottis's beats), hold the polska back when it hears the change, date the change where the
//! schottis began, and end on the schottis.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use necken_analysis::{decode_file, AudioSink};
use necken_tests::{corpus_dev, f_measure, read_beats};

/// A labels.csv row's fields (titles are quoted and may hold commas).
fn fields(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// The first dev clips of `a` and `b` with one sample rate, as (file, clip id).
fn pair(a: &str, b: &str) -> [(PathBuf, String); 2] {
    let dev = corpus_dev();
    let text = std::fs::read_to_string(dev.join("labels.csv")).unwrap();
    let mut lines = text.lines();
    let header = fields(lines.next().unwrap());
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let rows: Vec<Vec<String>> = lines.map(fields).collect();
    let (style, rate, clip, file) = (col("style"), col("sample_rate"), col("clip"), col("file"));
    for ra in rows.iter().filter(|r| r[style] == a) {
        if let Some(rb) = rows.iter().find(|r| r[style] == b && r[rate] == ra[rate]) {
            return [ra, rb].map(|r| (dev.join(&r[file]), r[clip].clone()));
        }
    }
    panic!("no {a} and {b} dev clips with one sample rate");
}

#[derive(Default)]
struct Mono {
    rate: u32,
    channels: usize,
    samples: Vec<f32>,
}

impl AudioSink for Mono {
    fn start(&mut self, sample_rate: u32, channels: usize) -> Result<(), String> {
        (self.rate, self.channels) = (sample_rate, channels);
        Ok(())
    }
    fn samples(&mut self, interleaved: &[f32]) {
        for frame in interleaved.chunks(self.channels) {
            self.samples
                .push(frame.iter().sum::<f32>() / self.channels as f32);
        }
    }
}

fn decode(path: &Path) -> Mono {
    let mut m = Mono::default();
    decode_file(path, &mut m).unwrap_or_else(|e| panic!("{e}"));
    m
}

#[test]
fn a_schottis_straight_after_a_polska_is_re_locked_and_the_polska_held_back() {
    let [(polska, _), (schottis, schottis_clip)] = pair("polska", "schottis");
    let (a, b) = (decode(&polska), decode(&schottis));
    let change_s = a.samples.len() as f64 / a.rate as f64;
    let end_s = change_s + b.samples.len() as f64 / b.rate as f64;
    let joined: Vec<f32> = a.samples.iter().chain(&b.samples).copied().collect();
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("set.wav");
    necken_tests::audio::write_wav(&wav, a.rate, 1, joined.len(), |i, _| joined[i]);
    let events = dir.path().join("events.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_neckend-under-test"))
        .current_dir(dir.path())
        .args(["--no-mqtt", "--store"])
        .arg(dir.path().join("s.sled"))
        .arg("--events")
        .arg(&events)
        .arg("--input")
        .arg(&wav)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    let events: Vec<serde_json::Value> = std::fs::read_to_string(&events)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |kind: &str| {
        events
            .iter()
            .filter(move |e| e["event"] == kind)
            .collect::<Vec<_>>()
    };

    // Beats: from 8 s after the change, on the schottis's beats and in a binary bar.
    let truth: Vec<f64> = read_beats(&corpus_dev().join(format!("{schottis_clip}.beats")))
        .iter()
        .map(|(t, _)| t + change_s)
        .filter(|t| *t >= change_s + 8.0)
        .collect();
    let late: Vec<&serde_json::Value> = of("beat")
        .into_iter()
        .filter(|e| e["time"].as_f64().unwrap() >= change_s + 8.0)
        .collect();
    let times: Vec<f64> = late.iter().map(|e| e["time"].as_f64().unwrap()).collect();
    let f = f_measure(&truth, &times);
    assert!(f >= 0.8, "beat F {f:.3} on the schottis after the change");
    let binary = late
        .iter()
        .filter(|e| e["beats_per_bar"].as_u64().unwrap() % 2 == 0)
        .count();
    assert!(
        binary * 10 >= late.len() * 9,
        "{binary} of {} schottis beats in a binary bar",
        late.len()
    );

    // Styles: the change is heard and the polska held back, and the set ends on the schottis.
    // Dated where the schottis began (its key and sound), not seconds later where the
    // tracker's beats settled on it.
    let heard: Vec<(f64, f64)> = log
        .lines()
        .filter_map(|l| {
            let rest = l.split("a new tune at ").nth(1)?;
            let (at, rest) = rest.split_once(" s (")?;
            let settled = rest.split("settled at ").nth(1)?.split_once(" s)")?.0;
            Some((at.parse().ok()?, settled.parse().ok()?))
        })
        .collect();
    assert_eq!(heard.len(), 1, "one tune change\n{log}");
    let (dated, settled) = heard[0];
    assert!(
        (dated - change_s).abs() <= 1.0 && settled > dated,
        "change at {change_s:.1} s dated at {dated:.1} s (settled at {settled:.1} s)"
    );
    let styles = of("style");
    let after: Vec<&str> = styles
        .iter()
        .filter(|e| e["time"].as_f64().unwrap() > change_s)
        .filter_map(|e| e["style"].as_str())
        .collect();
    assert!(
        after.contains(&"unknown"),
        "the polska was not held back: {after:?}"
    );
    assert_eq!(after.last(), Some(&"schottis"), "{after:?}");
    // Once held back, the next style named is the schottis: no window straddling the two
    // tunes names a third dance.
    let named: Vec<(f64, &str)> = styles
        .iter()
        .map(|e| {
            (
                e["time"].as_f64().unwrap(),
                e["style"].as_str().unwrap_or(""),
            )
        })
        .filter(|(t, _)| *t > change_s)
        .collect();
    let held = named.iter().position(|(_, s)| *s == "unknown").unwrap();
    let next = named[held..].iter().find(|(_, s)| *s != "unknown");
    assert!(
        next.is_some_and(|(_, s)| *s == "schottis"),
        "change at {change_s:.1} s, then {named:?}"
    );
    assert!(end_s > change_s + 20.0);
}
