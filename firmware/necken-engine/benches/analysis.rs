//! Criterion: whole-file analysis of a dev-corpus clip, and the tracker alone on its
//! activations (the two largest stages; `necken bench analysis` prints every stage).

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use necken_analysis::{file_activations, AnalysisOptions};
use necken_core::artifact::Profile;
use necken_engine::analyze_file;
use necken_rhythm::tracker::{BarPointerTracker, TrackerConfig};

fn clip() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/dev/clip_004b26.ogg")
}

fn bench(c: &mut Criterion) {
    let path = clip();
    let options = AnalysisOptions::new(Profile::Standard);
    let mut g = c.benchmark_group("analysis");
    g.sample_size(10);
    g.bench_function("analyze_file 39 s ogg clip", |b| {
        b.iter(|| analyze_file(&path, &options).unwrap())
    });
    let act = file_activations(&path).unwrap();
    let tracker = BarPointerTracker::new(TrackerConfig::default());
    g.bench_function("bar-pointer tracker on 39 s of activations", |b| {
        b.iter(|| tracker.track(&act))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
