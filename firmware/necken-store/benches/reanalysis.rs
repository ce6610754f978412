//! Criterion: per-track re-analysis (sled read + decode + derived features + MLP head) on a
//! store of 1000 synthetic standard-profile tracks.

use criterion::{criterion_group, criterion_main, Criterion};
use necken_core::artifact::Profile;
use necken_core::style::ALL_STYLES;
use necken_core::{codec, synth};
use necken_store::{ArtifactStore, SledStore, StoreConfig, TrackId, TrackMeta};

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("bench.sled"), &StoreConfig::default()).unwrap();
    let mut ids = Vec::new();
    for i in 0..1000u64 {
        let a =
            synth::synthetic_artifacts(ALL_STYLES[(i % 11) as usize], 180.0, Profile::Standard, i);
        let id = TrackId::of_content(&i.to_le_bytes());
        let meta = TrackMeta::from_artifacts(id, format!("{i}.flac"), Default::default(), &a);
        store.put_batch(&meta, &codec::encode(&a)).unwrap();
        ids.push(id);
    }
    store.flush().unwrap();
    let head = synth::random_head(1);
    let mut k = 0usize;
    c.bench_function(
        "reanalyze one standard track (store read + decode + features + head)",
        |b| {
            b.iter(|| {
                let rec = store.get(&ids[k % ids.len()]).unwrap().unwrap();
                k += 1;
                necken_core::reanalyze(&rec.artifacts, &rec.meta.tags, Some(&head)).unwrap()
            })
        },
    );
    let record = codec::encode(&synth::synthetic_artifacts(
        ALL_STYLES[0],
        180.0,
        Profile::Standard,
        1,
    ));
    c.bench_function("decode + features + head, no store", |b| {
        b.iter(|| necken_core::reanalyze(&record, &Default::default(), Some(&head)).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
