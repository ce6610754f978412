//! Crash safety of the store: `kill -9` the daemon at 100 moments (fixed seed) while it stores
//! tracks and queues their messages. After every kill the store opens, every record in it
//! decodes, and every track the daemon had announced (its `track` event, written after the
//! store reported the track durable) is in the store, written in that run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use necken_store::{ArtifactStore, SledStore};
use necken_tests::audio::write_wav;
use necken_tests::mqtt::{free_port, Broker};

/// Short generated tunes: clicks at different tempos and accent patterns.
fn make_clips(dir: &Path) -> Vec<PathBuf> {
    (0..8)
        .map(|k| {
            let path = dir.join(format!("clip{k}.wav"));
            let rate = 16_000;
            let period = rate * 60 / (90 + 10 * k);
            write_wav(&path, rate as u32, 1, rate * 6, |i, _| {
                let (beat, t) = (i / period, (i % period) as f32 / rate as f32);
                let accent = if beat % (2 + k % 2) == 0 { 0.9 } else { 0.5 };
                if t < 0.03 {
                    (std::f32::consts::TAU * 800.0 * t).sin() * (1.0 - t / 0.03) * accent
                } else {
                    0.0
                }
            });
            path
        })
        .collect()
}

/// Every record's sequence number by track id; panics if the store does not open or a
/// record does not decode.
fn check_store(path: &Path, round: usize) -> HashMap<String, u64> {
    let store = SledStore::open(path, &Default::default())
        .unwrap_or_else(|e| panic!("round {round}: the store does not open after kill -9: {e}"));
    let mut seqs = HashMap::new();
    store
        .for_each(&mut |r| {
            necken_core::codec::decode(&r.artifacts).unwrap_or_else(|e| {
                panic!("round {round}: track {} does not decode: {e}", r.meta.id)
            });
            seqs.insert(r.meta.id.to_string(), r.meta.seq);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("round {round}: reading the store: {e}"));
    seqs
}

#[test]
fn kill_9_at_100_moments_loses_nothing_announced_and_never_breaks_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let clips = make_clips(dir.path());
    let store = dir.path().join("s.sled");
    let broker = Broker::start(free_port());
    let mut inputs: Vec<&Path> = Vec::new();
    for _ in 0..4 {
        inputs.extend(clips.iter().map(PathBuf::as_path));
    }
    // A fixed-seed generator for the kill moments (0..1.5 s into a run of ~1–2 s).
    let mut state = 0x5eed_u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        state >> 33
    };
    let mut announced_total = 0;
    let mut max_seq = 0u64;
    for round in 0..100 {
        let events = dir.path().join(format!("events{round}.jsonl"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_neckend-under-test"))
            .arg("--store")
            .arg(&store)
            .arg("--model")
            .arg(necken_tests::model_path("style-head-v1.nkhead"))
            .args(["--no-beat-model", "--no-embed-model", "--force"])
            .args(["--mqtt-host", "127.0.0.1", "--device-id", "crash"])
            .arg("--mqtt-port")
            .arg(broker.port.to_string())
            .arg("--events")
            .arg(&events)
            .arg("--input")
            .args(&inputs)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(next() % 1500));
        let _ = child.kill();
        let _ = child.wait();

        let seqs = check_store(&store, round);
        let text = std::fs::read_to_string(&events).unwrap_or_default();
        // The last line may be cut by the kill; whole lines only.
        let complete = text.rfind('\n').map_or("", |end| &text[..end]);
        for line in complete.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            if v["event"] != "track" {
                continue;
            }
            let id = v["id"].as_str().unwrap();
            let seq = seqs.get(id).unwrap_or_else(|| {
                panic!("round {round}: announced track {id} is not in the store")
            });
            // Written in this run (each run re-stores every file with --force).
            assert!(
                *seq > max_seq,
                "round {round}: track {id} is an older write"
            );
            announced_total += 1;
        }
        max_seq = seqs.values().copied().max().unwrap_or(max_seq).max(max_seq);
    }
    eprintln!("100 kills: {announced_total} announced tracks, all in the store");
    // The kills fell both before and after tracks were stored.
    assert!(
        announced_total > 100,
        "only {announced_total} tracks announced in 100 runs"
    );
}
