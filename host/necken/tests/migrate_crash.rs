//! `kill -9` during `necken migrate`, at 25 moments (fixed seed): after every kill the store
//! opens and every record decodes (old or new schema); the number of migrated records never
//! goes down; a final run finishes the job with every record at the current schema and its
//! beats intact.

use std::process::{Command, Stdio};
use std::time::Duration;

use necken_core::artifact::SCHEMA_VERSION;
use necken_core::codec;
use necken_core::migrate::PayloadV0;
use necken_store::{ArtifactStore, SledStore, StoreConfig, TrackId, TrackMeta};

const RECORDS: u16 = 5000;

fn id(k: u16) -> TrackId {
    let mut b = [0u8; 16];
    b[..2].copy_from_slice(&k.to_be_bytes());
    TrackId(b)
}

/// (current-schema records, all records); panics when a record does not decode.
fn census(path: &std::path::Path, round: usize) -> (usize, usize) {
    let store = SledStore::open(path, &StoreConfig::default())
        .unwrap_or_else(|e| panic!("round {round}: store does not open: {e}"));
    let (mut current, mut all) = (0, 0);
    store
        .for_each(&mut |r| {
            let a = codec::decode(&r.artifacts)
                .unwrap_or_else(|e| panic!("round {round}: {} does not decode: {e}", r.meta.id));
            assert_eq!(a.beats.unwrap().numbers.len(), 8, "round {round}");
            all += 1;
            current += usize::from(codec::record_version(&r.artifacts).unwrap() == SCHEMA_VERSION);
            Ok(())
        })
        .unwrap();
    (current, all)
}

#[test]
fn kill_9_during_migrate_never_breaks_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sled");
    {
        let store = SledStore::open(&path, &StoreConfig::default()).unwrap();
        for k in 0..RECORDS {
            let v0 = PayloadV0 {
                tempo_bpm: 100.0 + (k % 50) as f32,
                beats_per_bar: 2,
                beat_times: (0..8).map(|i| 0.5 + 0.6 * i as f32).collect(),
                beat_numbers: vec![1, 2, 1, 2, 1, 2, 1, 2],
                onsets: vec![0.5, 1.1],
                rms: 0.1,
                zcr: 0.1,
                duration_s: 6.0,
                analyzer: "proto".into(),
            };
            let meta = TrackMeta {
                id: id(k),
                source_path: format!("old{k}.wav"),
                tags: Default::default(),
                duration_s: 6.0,
                analyzed_at: 0,
                audio_fingerprint: [0; 8],
                profile: necken_core::artifact::Profile::Standard,
                seq: 0,
            };
            store.put_batch(&meta, &v0.to_record()).unwrap();
        }
        store.flush().unwrap();
    }
    let mut state = 0x6d69_6772_u64;
    let mut last_current = 0;
    let mut interrupted = 0;
    for round in 0..25 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut child = Command::new(env!("CARGO_BIN_EXE_necken"))
            .arg("--store")
            .arg(&path)
            .arg("migrate")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis((state >> 33) % 300));
        let finished = child.try_wait().unwrap().is_some();
        let _ = child.kill();
        let _ = child.wait();
        interrupted += usize::from(!finished);
        let (current, all) = census(&path, round);
        assert_eq!(all, RECORDS as usize, "round {round}: records lost");
        assert!(
            current >= last_current,
            "round {round}: {current} < {last_current}"
        );
        last_current = current;
    }
    assert!(interrupted >= 5, "only {interrupted} runs were cut short");
    let o = Command::new(env!("CARGO_BIN_EXE_necken"))
        .arg("--store")
        .arg(&path)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(census(&path, 99), (RECORDS as usize, RECORDS as usize));
}
