//! The live path end to end through real ALSA and cpal, without a sound card: an `.asoundrc`
//! (found through `HOME`) makes the default capture device ALSA's `file` plugin reading a
//! corpus clip as raw 48 kHz float samples. The daemon opens the device, its audio callback
//! fills the lock-free ring, the analysis thread tracks beats and stores the piece as a live
//! segment when the music stops.
//!
//! ALSA's `null` slave has no clock, so the plugin delivers audio as fast as it is read: the
//! ring is made large enough (60 s) to hold the whole clip, and the silence after it overruns
//! the ring (counted and logged, as in real overruns).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use necken_tests::{dev_clip_of, f_measure, read_beats};
use serde_json::Value;

#[test]
fn live_capture_through_alsa_stores_the_piece_with_its_beats() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dev_clip_of("vals");
    // Decoded with the project's own decoder, as 48 kHz mono f32 (the clip's own rate may
    // differ; the rate is part of the device format the plugin pretends to have).
    let samples = decode_to_48k_mono(&clip);
    let duration = samples.len() as f64 / 48_000.0;
    file_plugin_default_capture(dir.path(), &samples);
    let config = dir.path().join("board.toml");
    let model = necken_tests::model_path("style-head-v1.nkhead");
    std::fs::write(
        &config,
        format!(
            "name = \"test\"\n[audio]\nsample_rate = 48000\nring_s = 60.0\n[analysis]\nstyle_model = \"{}\"\nbeat_model = \"{}\"\nembed_model = \"{}\"\n[segments]\nmin_s = 10.0\n",
            model.display(),
            model.with_file_name("beat-tcn-v1.onnx").display(),
            model.with_file_name("embed-cnn-v1.onnx").display()
        ),
    )
    .unwrap();
    let events = dir.path().join("events.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_neckend-under-test"))
        .arg("--config")
        .arg(&config)
        .arg("--store")
        .arg(dir.path().join("s.sled"))
        .arg("--no-mqtt")
        .arg("--events")
        .arg(&events)
        .env("HOME", dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let read = || read_events(&events);
    while !read().iter().any(|e| e["event"] == "track") {
        if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            panic!("no live track stored; events: {:?}", read());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");

    let all = read();
    let track = all.iter().find(|e| e["event"] == "track").unwrap();
    assert!(
        track["source"].as_str().unwrap().starts_with("live:"),
        "{track}"
    );
    let d = track["duration_s"].as_f64().unwrap();
    // The segment runs from the music start to the end of the hold after it (4 s).
    assert!(
        d > duration - 2.0 && d < duration + 5.0,
        "{d} vs {duration}"
    );
    assert_eq!(track["beats_per_bar"], 3, "a vals is ternary: {track}");
    assert_eq!(
        track["models"],
        serde_json::json!(["beat-tcn-v1", "embed-cnn-v1"]),
        "the stored artifacts record both networks: {track}"
    );
    let beats: Vec<f64> = all
        .iter()
        .filter(|e| e["event"] == "beat")
        .map(|e| e["time"].as_f64().unwrap())
        .collect();
    let truth: Vec<f64> = read_beats(&clip.with_extension("beats"))
        .iter()
        .map(|b| b.0)
        .collect();
    let f = f_measure(&truth, &beats);
    assert!(f >= 0.7, "live beat F-measure {f:.3}");
}

/// SIGHUP with a profile naming another embedding network, while live music plays: the open
/// segment is stored with the networks that made it, and the new network runs from then on
/// (a live source has no "next file"; it used to log "reloaded" and keep the old networks).
/// The profile's capture gain cannot be set on the `file` plugin: logged naming the device,
/// and capture goes on.
#[test]
fn a_live_sighup_with_new_networks_stores_the_open_segment_and_runs_them() {
    let dir = tempfile::tempdir().unwrap();

    // The clip three times over (no silence between): long enough that the reload lands while
    // the music plays.
    let once = decode_to_48k_mono(&dev_clip_of("polka"));
    let samples: Vec<f32> = once.iter().chain(&once).chain(&once).copied().collect();
    file_plugin_default_capture(dir.path(), &samples);
    let config = dir.path().join("board.toml");
    let head = necken_tests::model_path("style-head-v2.nkhead");
    let write_profile = |embed: &str| {
        std::fs::write(
            &config,
            format!(
                "name = \"test\"\n[audio]\nsample_rate = 48000\nring_s = 200.0\ncapture_gain_db = 6.0\n[analysis]\nstyle_model = \"{}\"\nbeat_model = \"{}\"\nembed_model = \"{}\"\n[segments]\nmin_s = 2.0\n",
                head.display(),
                head.with_file_name("beat-tcn-v1.onnx").display(),
                head.with_file_name(embed).display()
            ),
        )
        .unwrap()
    };
    write_profile("embed-cnn-v1.onnx");
    let events = dir.path().join("events.jsonl");
    let log = dir.path().join("log.txt");
    let mut child = Command::new(env!("CARGO_BIN_EXE_neckend-under-test"))
        .arg("--config")
        .arg(&config)
        .arg("--store")
        .arg(dir.path().join("s.sled"))
        .arg("--no-mqtt")
        .arg("--events")
        .arg(&events)
        .env("HOME", dir.path())
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let read = || read_events(&events);
    let wait = |what: &dyn Fn(&[Value]) -> bool, child: &mut std::process::Child| {
        let deadline = Instant::now() + Duration::from_secs(90);
        while !what(&read()) {
            if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
                let _ = child.kill();
                panic!(
                    "timed out; events: {:?}\nlog:\n{}",
                    read(),
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    // A style is published 6 s into the music: reload then.
    wait(&|e| e.iter().any(|e| e["event"] == "style"), &mut child);
    write_profile("embed-cnn-v1-int8.onnx");
    Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status()
        .unwrap();
    let with_int8 = |e: &Value| {
        e["event"] == "track"
            && e["models"]
                .as_array()
                .is_some_and(|m| m.iter().any(|m| m == "embed-cnn-v1-int8"))
    };
    wait(&|e| e.iter().any(with_int8), &mut child);
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("SIGHUP: the new networks run from now on"),
        "{text}"
    );
    assert!(
        text.contains("capture gain") && text.contains("device default"),
        "{text}"
    );
    let tracks: Vec<Value> = read()
        .into_iter()
        .filter(|e| e["event"] == "track")
        .collect();
    // The segment open at the reload was stored with the old network, before any with the new.
    let first = &tracks[0];
    assert_eq!(
        first["models"],
        serde_json::json!(["beat-tcn-v1", "embed-cnn-v1"]),
        "{tracks:?}"
    );
    assert!(tracks.iter().skip(1).any(with_int8), "{tracks:?}");
}

/// The daemon's event log so far (`--events`), one JSON value per complete line.
fn read_events(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Makes ALSA's default capture device (for a daemon whose `HOME` is `dir`) the `file` plugin
/// reading `samples` as raw 48 kHz float.
fn file_plugin_default_capture(dir: &std::path::Path, samples: &[f32]) {
    let raw = dir.join("in.raw");
    let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    std::fs::write(&raw, bytes).unwrap();
    std::fs::write(
        dir.join(".asoundrc"),
        format!(
            "pcm.!default {{\n type file\n slave.pcm \"null\"\n file \"/dev/null\"\n infile \"{}\"\n format \"raw\"\n}}\n",
            raw.display()
        ),
    )
    .unwrap();
}

fn decode_to_48k_mono(path: &std::path::Path) -> Vec<f32> {
    struct Collect {
        rate: u32,
        channels: usize,
        mono: Vec<f32>,
    }
    impl necken_analysis::AudioSink for Collect {
        fn start(&mut self, rate: u32, channels: usize) -> Result<(), String> {
            self.rate = rate;
            self.channels = channels;
            Ok(())
        }
        fn samples(&mut self, interleaved: &[f32]) {
            self.mono.extend(
                interleaved
                    .chunks_exact(self.channels)
                    .map(|f| f.iter().sum::<f32>() / self.channels as f32),
            );
        }
    }
    let mut c = Collect {
        rate: 0,
        channels: 1,
        mono: Vec::new(),
    };
    necken_analysis::decode_file(path, &mut c).unwrap();
    // Linear interpolation to 48 kHz is enough for a capture test.
    let ratio = c.rate as f64 / 48_000.0;
    let n = (c.mono.len() as f64 / ratio) as usize;
    (0..n)
        .map(|i| {
            let x = i as f64 * ratio;
            let j = x as usize;
            let frac = (x - j as f64) as f32;
            let a = c.mono[j];
            let b = *c.mono.get(j + 1).unwrap_or(&a);
            a + (b - a) * frac
        })
        .collect()
}
