//! neckend against a real broker: a mosquitto process per test, a real MQTT subscriber, the
//! daemon run as a process on corpus clips. Checks the style/beat/track messages and their
//! payload contract, the Home Assistant discovery configs (and their re-sending when Home
//! Assistant announces itself), the Last Will after `kill -9`, and delivery of messages
//! queued while the broker was down — across a daemon restart too.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use necken_tests::mqtt::{free_port, Broker, Received, Subscriber};
use necken_tests::process::{sigterm, wait_exit};
use necken_tests::{dev_clip_of, f_measure, read_beats};
use serde_json::Value;

const DEVICE: &str = "testhall";

fn model() -> PathBuf {
    necken_tests::model_path("style-head-v1.nkhead")
}

fn beat_model() -> PathBuf {
    necken_tests::model_path("beat-tcn-v1.onnx")
}

fn neckend(store: &Path, port: u16, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_neckend-under-test"))
        .arg("--store")
        .arg(store)
        .arg("--model")
        .arg(model())
        .arg("--beat-model")
        .arg(beat_model())
        .arg("--embed-model")
        .arg(beat_model().with_file_name("embed-cnn-v1.onnx"))
        .args(["--mqtt-host", "127.0.0.1", "--device-id", DEVICE])
        .arg("--mqtt-port")
        .arg(port.to_string())
        .args(extra)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("neckend starts")
}

fn topic(suffix: &str) -> String {
    format!("necken/{DEVICE}/{suffix}")
}

fn json(m: &Received) -> Value {
    serde_json::from_str(&m.payload).unwrap_or_else(|e| panic!("{}: {e}: {}", m.topic, m.payload))
}

fn discovery_topics() -> Vec<String> {
    [
        "sensor/testhall/style",
        "sensor/testhall/tempo",
        "sensor/testhall/confidence",
        "binary_sensor/testhall/music",
        "event/testhall/beat",
    ]
    .iter()
    .map(|t| format!("homeassistant/{t}/config"))
    .collect()
}

fn track_ids(sub: &Subscriber) -> Vec<String> {
    sub.on(&topic("track"))
        .iter()
        .map(|m| json(m)["id"].as_str().unwrap().to_string())
        .collect()
}

/// The id `necken analyze` gives a file.
fn file_id(path: &Path) -> String {
    necken_store::TrackId::of_file(path).unwrap().to_string()
}

#[test]
fn realtime_run_publishes_beats_style_tracks_and_discovery() {
    let broker = Broker::start(free_port());
    let sub = Subscriber::connect(broker.port, &["necken/#", "homeassistant/#"]);
    let dir = tempfile::tempdir().unwrap();
    let clips = [dev_clip_of("polska"), dev_clip_of("schottis")];
    let events = dir.path().join("events.jsonl");
    let mut args = vec![
        "--realtime",
        "--speed",
        "4",
        "--events",
        events.to_str().unwrap(),
        "--input",
    ];
    let names: Vec<String> = clips.iter().map(|c| c.display().to_string()).collect();
    args.extend(names.iter().map(String::as_str));
    let mut d = neckend(&dir.path().join("s.sled"), broker.port, &args);
    let status = wait_exit(&mut d, Duration::from_secs(120));
    assert!(status.success(), "neckend exited with {status}");

    // Discovery: five retained configs pointing at our topics, with Home Assistant's
    // `default_entity_id` (not the retired `object_id`).
    sub.wait_for("discovery configs", Duration::from_secs(5), |m| {
        discovery_topics()
            .iter()
            .all(|t| m.iter().any(|r| &r.topic == t))
    });
    for t in discovery_topics() {
        let cfg = json(&sub.on(&t)[0]);
        let state = if t.contains("/event/") {
            "beat"
        } else {
            "style"
        };
        assert_eq!(cfg["state_topic"], topic(state));
        let domain = t.split('/').nth(1).unwrap();
        assert_eq!(
            cfg["default_entity_id"].as_str().unwrap(),
            format!("{domain}.{}", cfg["unique_id"].as_str().unwrap())
        );
        assert!(cfg.get("object_id").is_none());
        assert_eq!(cfg["availability_topic"], topic("status"));
        assert!(cfg["unique_id"]
            .as_str()
            .unwrap()
            .starts_with("necken_testhall_"));
        assert!(cfg["value_template"]
            .as_str()
            .unwrap()
            .contains("value_json"));
    }
    // Status: online first, offline at the clean exit.
    let status: Vec<String> = sub
        .on(&topic("status"))
        .iter()
        .map(|m| m.payload.clone())
        .collect();
    assert_eq!(
        status.first().map(String::as_str),
        Some("online"),
        "{status:?}"
    );
    sub.wait_for("offline status", Duration::from_secs(5), |m| {
        m.iter()
            .rev()
            .find(|r| r.topic == topic("status"))
            .is_some_and(|r| r.payload == "offline")
    });

    // Tracks: one per file, in order, with the content ids `necken analyze` would give.
    sub.wait_for("two track messages", Duration::from_secs(10), |m| {
        m.iter().filter(|r| r.topic == topic("track")).count() == 2
    });
    let tracks: Vec<Value> = sub.on(&topic("track")).iter().map(json).collect();
    for (t, c) in tracks.iter().zip(&clips) {
        assert_eq!(t["id"].as_str().unwrap(), file_id(c));
        assert_eq!(t["source"].as_str().unwrap(), c.display().to_string());
        assert!(t["duration_s"].as_f64().unwrap() > 25.0);
        assert!(t["beats"].as_u64().unwrap() > 40);
        assert_eq!(t["decided_by"], "model");
        let models: Vec<&str> = t["models"]
            .as_array()
            .expect("a model list")
            .iter()
            .map(|m| m.as_str().unwrap())
            .collect();
        assert_eq!(models[..2], ["beat-tcn-v1", "embed-cnn-v1"], "{t}");
        // A binary bar the style head settled by the dance's notation names the head too.
        assert!(
            models.len() == 2
                || (models.len() == 3
                    && models[2].starts_with("necken-style-head")
                    && t["beats_per_bar"] != 3),
            "{t}"
        );
        let vocal = t["vocal"].as_f64().expect("a vocal score");
        assert!((0.0..=1.0).contains(&vocal), "{t}");
    }
    assert_eq!(tracks[0]["beats_per_bar"], 3, "the polska is ternary");

    // Style: retained, with the contract's fields; while the polska plays the published style
    // is a ternary dance, while the schottis plays a binary one (which one is the head's call
    // on 12 s windows; its accuracy is in docs/accuracy.md).
    let mut clip_index = 0;
    let mut per_clip: [Vec<Value>; 2] = Default::default();
    for m in sub.messages() {
        if m.topic == topic("track") {
            clip_index += 1;
        } else if m.topic == topic("style") {
            per_clip[clip_index.min(1)].push(json(&m));
        }
    }
    for (clip_styles, ternary) in per_clip.iter().zip([true, false]) {
        assert!(clip_styles.len() >= 2, "no style message for a clip");
        // The file's end withdraws its style: a retained style must not say that music plays.
        let last = clip_styles.last().unwrap();
        assert!(
            last["style"].is_null() && last["music"] == false,
            "the last style message of a file is not `style: null`: {last}"
        );
        for s in &clip_styles[..clip_styles.len() - 1] {
            for key in [
                "style",
                "confidence",
                "tempo_bpm",
                "meter",
                "music",
                "since",
                "top",
                "ts",
            ] {
                assert!(s.get(key).is_some(), "style payload lacks {key}: {s}");
            }
            let style = s["style"].as_str().unwrap();
            let is_ternary = ["polska", "hambo", "vals", "mazurka"].contains(&style);
            assert_eq!(is_ternary, ternary, "{s}");
        }
    }
    let late = Subscriber::connect(broker.port, &[&topic("style")]);
    late.wait_for("the retained style", Duration::from_secs(5), |m| {
        m.iter()
            .any(|r| r.retain && r.payload.contains("\"style\":null"))
    });
    // Every durable message carries an id unique on the device, so a consumer can drop a
    // repeat (delivery is at least once).
    let mut ids: Vec<String> = sub
        .messages()
        .iter()
        .filter(|m| m.topic == topic("style") || m.topic == topic("track"))
        .map(|m| json(m)["msg_id"].as_str().expect("msg_id").to_string())
        .collect();
    assert!(ids.iter().all(|i| i.starts_with("testhall-")), "{ids:?}");
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "a msg_id repeats");

    // Beats: every beat the daemon emitted arrived, in order (QoS 0 on loopback), and they
    // follow the polska's ground truth (the tracker's accuracy is tested in
    // streaming_accuracy.rs on the whole dev set; this clip is one of its harder ones).
    let beats: Vec<Value> = sub.on(&topic("beat")).iter().map(json).collect();
    let emitted: Vec<Value> = std::fs::read_to_string(&events)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["event"] == "beat")
        .collect();
    assert_eq!(
        beats.len(),
        emitted.len(),
        "beats lost between daemon and subscriber"
    );
    for (b, e) in beats.iter().zip(&emitted) {
        assert_eq!(b["time"], e["time"]);
        assert_eq!(b["beat"], e["beat"]);
    }
    let boundary = (1..beats.len())
        .find(|&i| beats[i]["time"].as_f64() < beats[i - 1]["time"].as_f64())
        .expect("beats of both clips arrive");
    let times: Vec<f64> = beats[..boundary]
        .iter()
        .map(|b| b["time"].as_f64().unwrap())
        .collect();
    let truth: Vec<f64> = read_beats(&clips[0].with_extension("beats"))
        .iter()
        .map(|b| b.0)
        .collect();
    let f = f_measure(&truth, &times);
    assert!(f >= 0.5, "streamed beat F-measure {f:.3} over MQTT");
    for b in &beats {
        let n = b["beat"].as_u64().unwrap();
        assert!(n >= 1 && n <= b["beats_per_bar"].as_u64().unwrap(), "{b}");
        let lag = b["lag_ms"]
            .as_f64()
            .unwrap_or_else(|| panic!("paced input reports lag: {b}"));
        // Predicted beats are held until `beat_send_ahead_ms` (20 by default) before they
        // sound, never sent earlier (a block and a little of slack for rounding).
        assert!(lag > -35.0 && lag < 500.0, "lag {lag} ms");
    }
}

#[test]
fn last_will_after_kill_and_discovery_again_when_home_assistant_returns() {
    let broker = Broker::start(free_port());
    let sub = Subscriber::connect(broker.port, &["necken/#", "homeassistant/#"]);
    let dir = tempfile::tempdir().unwrap();
    let watch = dir.path().join("in");
    std::fs::create_dir(&watch).unwrap();
    let mut d = neckend(
        &dir.path().join("s.sled"),
        broker.port,
        &["--watch", watch.to_str().unwrap()],
    );
    sub.wait_for("online status", Duration::from_secs(20), |m| {
        m.iter()
            .any(|r| r.topic == topic("status") && r.payload == "online")
    });
    sub.wait_for("discovery", Duration::from_secs(5), |m| {
        discovery_topics()
            .iter()
            .all(|t| m.iter().any(|r| &r.topic == t))
    });
    sub.clear();
    sub.publish("homeassistant/status", "online", false);
    sub.wait_for("discovery re-sent", Duration::from_secs(10), |m| {
        discovery_topics()
            .iter()
            .all(|t| m.iter().any(|r| &r.topic == t))
    });
    sub.clear();
    d.kill().unwrap(); // SIGKILL: no chance to say goodbye
    d.wait().unwrap();
    sub.wait_for("the Last Will", Duration::from_secs(30), |m| {
        m.iter()
            .any(|r| r.topic == topic("status") && r.payload == "offline")
    });
    // A late subscriber sees the retained offline status.
    let late = Subscriber::connect(broker.port, &[&topic("status")]);
    late.wait_for("retained offline", Duration::from_secs(5), |m| {
        m.iter().any(|r| r.payload == "offline" && r.retain)
    });
}

#[test]
fn messages_queued_while_the_broker_is_down_are_delivered_later_even_across_restarts() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.sled");
    let (first, second) = (dev_clip_of("hambo"), dev_clip_of("vals"));

    // 1. No broker at all: the daemon analyzes a file, queues, and exits cleanly.
    let mut d = neckend(&store, port, &["--input", first.to_str().unwrap()]);
    let status = wait_exit(&mut d, Duration::from_secs(60));
    assert!(status.success(), "{status}");

    // 2. The broker comes up; a new daemon process on the same store delivers the queue.
    let mut broker = Broker::start(port);
    let sub = Subscriber::connect(port, &["necken/#"]);
    let watch = dir.path().join("in");
    std::fs::create_dir(&watch).unwrap();
    let events = dir.path().join("events.jsonl");
    let mut d = neckend(
        &store,
        port,
        &[
            "--watch",
            watch.to_str().unwrap(),
            "--poll-ms",
            "200",
            "--events",
            events.to_str().unwrap(),
        ],
    );
    sub.wait_for("the queued track", Duration::from_secs(30), |m| {
        m.iter()
            .any(|r| r.topic == topic("track") && r.payload.contains(&file_id(&first)))
    });
    assert!(sub
        .on(&topic("style"))
        .iter()
        .any(|m| json(m)["style"].is_string()));

    // 3. The broker dies; a file arrives; its messages wait in the store.
    broker.stop();
    std::fs::copy(&second, watch.join(second.file_name().unwrap())).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !std::fs::read_to_string(&events)
        .unwrap_or_default()
        .contains("\"track\"")
    {
        assert!(
            Instant::now() < deadline,
            "the second file was not analyzed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!track_ids(&sub).contains(&file_id(&second)));

    // 4. The broker returns (empty: no persistence); the queued track arrives.
    broker.restart();
    sub.wait_for(
        "the track queued during the outage",
        Duration::from_secs(30),
        |m| {
            m.iter()
                .any(|r| r.topic == topic("track") && r.payload.contains(&file_id(&second)))
        },
    );
    sigterm(&d);
    let status = wait_exit(&mut d, Duration::from_secs(20));
    assert!(status.success(), "{status}");
    sub.wait_for("offline at SIGTERM", Duration::from_secs(5), |m| {
        m.iter()
            .rev()
            .find(|r| r.topic == topic("status"))
            .is_some_and(|r| r.payload == "offline")
    });
    // Each track was delivered (at least once) and nothing is left queued: a fresh start
    // delivers no old track again.
    let before = sub.on(&topic("track")).len();
    let mut d = neckend(&store, port, &["--watch", watch.to_str().unwrap()]);
    sub.wait_for("online again", Duration::from_secs(20), |m| {
        m.iter()
            .filter(|r| r.topic == topic("status") && r.payload == "online")
            .count()
            >= 2
    });
    std::thread::sleep(Duration::from_secs(1));
    sigterm(&d);
    wait_exit(&mut d, Duration::from_secs(20));
    assert_eq!(
        sub.on(&topic("track")).len(),
        before,
        "a delivered track was sent again"
    );
}
