//! Criterion: the beat network streamed as the daemon runs it (pulses of 4 frames, and of 8)
//! over 10 s of a dev clip's bands: its per-call cost, which a board pays 25 times a second.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use necken_models::BeatNet;

fn bench(c: &mut Criterion) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let net = BeatNet::load(&root.join("models/beat-tcn-v2.onnx")).unwrap();
    let clip = root.join("../shared/corpus/dev/clip_004b26.ogg");
    let frames = necken_analysis::file_frames_with_bands(&clip).unwrap();
    let bands: Vec<Box<[f32]>> = frames
        .iter()
        .take(1000)
        .map(|f| f.bands.clone().unwrap())
        .collect();
    let mut g = c.benchmark_group("beat network");
    // One stream per pulse size for every iteration, as the daemon keeps one for hours. Pulse 4
    // is the boards' default; 8 halves the calls and holds frames back 40 ms longer.
    for pulse in [4, 8] {
        let mut stream = net.stream(pulse).unwrap();
        g.bench_function(format!("streamed, pulse {pulse}, 10 s of frames"), |b| {
            b.iter(|| {
                let mut out = Vec::with_capacity(bands.len());
                for f in &bands {
                    stream.push(f, &mut out).unwrap();
                }
                out
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
