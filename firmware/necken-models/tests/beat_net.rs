//! The beat network as the product runs it (Rust front end → tract) against the training
//! framework (PyTorch on the same clip's bands, committed reference), and the manifest check.

use std::path::PathBuf;

use necken_models::{BeatNet, ModelError};

mod common;

use common::{cosine, root};

#[test]
fn rust_front_end_and_tract_match_pytorch_on_the_fixture_clips() {
    compare_with_pytorch("beat-tcn-v1.onnx", "beat-tcn-v1", 0.99, Some(1e-3));
    compare_with_pytorch("beat-tcn-v2.onnx", "beat-tcn-v2", 0.99, Some(1e-3));
    // The pair's whole-piece output is its offline network's.
    compare_with_pytorch("beat-tcn-v3.onnx", "beat-tcn-v3", 0.99, Some(1e-3));
}

/// The int8 variants against the *float* network's PyTorch output: what quantization costs.
#[test]
fn the_int8_variant_stays_close_to_the_float_network() {
    compare_with_pytorch("beat-tcn-v1-int8.onnx", "beat-tcn-v1", 0.97, None);
    compare_with_pytorch("beat-tcn-v2-int8.onnx", "beat-tcn-v2", 0.97, None);
    compare_with_pytorch("beat-tcn-v3-int8.onnx", "beat-tcn-v3", 0.97, None);
}

/// The demo clip's front-end frames and their log bands, frame-major.
fn demo_bands() -> (Vec<necken_rhythm::frontend::FrameFeatures>, Vec<f32>) {
    let clip = root().join("tests/fixtures/demo/demo_polska.ogg");
    let frames = necken_analysis::file_frames_with_bands(&clip).unwrap();
    let bands = frames
        .iter()
        .flat_map(|f| f.bands.as_deref().unwrap().iter().copied())
        .collect();
    (frames, bands)
}

/// The largest difference between two runs' beat and downbeat probabilities.
fn max_difference(a: &[[f32; 2]], b: &[[f32; 2]]) -> f32 {
    a.iter()
        .zip(b)
        .flat_map(|(x, y)| [(x[0] - y[0]).abs(), (x[1] - y[1]).abs()])
        .fold(0f32, f32::max)
}

/// The fixture clips with a PyTorch reference: the demo clip (reference from training) and
/// the embedding fixtures (reference from `scripts/models/beat_reference.py`, PyTorch with the
/// committed weights) where one exists for the network (`<stem>.<network>.act`; beat-tcn-v2
/// has the demo clip's, from its training run).
fn fixture_clips(network: &str) -> Vec<(PathBuf, PathBuf)> {
    let demo = root().join("tests/fixtures/demo");
    let embed = root().join("tests/fixtures/embed");
    let clips: Vec<(PathBuf, PathBuf)> = [
        demo.join("demo_polska.ogg"),
        embed.join("train_04a5c6cb.ogg"),
        embed.join("train_10be10c5.flac"),
    ]
    .into_iter()
    .map(|c| {
        let act = c.with_extension(format!("{network}.act"));
        (c, act)
    })
    .filter(|(_, act)| act.exists())
    .collect();
    assert!(
        clips
            .first()
            .is_some_and(|(c, _)| c.ends_with("demo_polska.ogg")),
        "the demo clip has a {network} reference"
    );
    clips
}

fn compare_with_pytorch(model: &str, network: &str, min_cosine: f64, max_abs_diff: Option<f32>) {
    let net = BeatNet::load(&root().join("models").join(model)).unwrap();
    for (clip, act) in fixture_clips(network) {
        let bands: Vec<f32> = necken_analysis::file_frames_with_bands(&clip)
            .unwrap()
            .iter()
            .flat_map(|f| f.bands.as_deref().unwrap().iter().copied())
            .collect();
        let ours = net.activations(&bands).unwrap();
        let reference: Vec<f32> = std::fs::read(&act)
            .unwrap()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(
            ours.len() * 2,
            reference.len(),
            "{}: frame count",
            clip.display()
        );
        for k in 0..2 {
            let a: Vec<f32> = ours.iter().map(|v| v[k]).collect();
            let b: Vec<f32> = reference.iter().skip(k).step_by(2).copied().collect();
            let c = cosine(&a, &b);
            eprintln!(
                "{model} {} output {k}: cosine {c:.5} with PyTorch",
                clip.display()
            );
            assert!(
                c >= min_cosine,
                "{model} {} output {k}: cosine {c:.5}",
                clip.display()
            );
            if let Some(limit) = max_abs_diff {
                let max_diff = a
                    .iter()
                    .zip(&b)
                    .map(|(x, y)| (x - y).abs())
                    .fold(0f32, f32::max);
                assert!(
                    max_diff < limit,
                    "{model} {} output {k}: max difference {max_diff}",
                    clip.display()
                );
            }
        }
    }
    let (_, bands) = demo_bands();
    let ours = net.activations(&bands).unwrap();
    // And the activation is about beats: it peaks near the annotated ones.
    let truth: Vec<usize> =
        std::fs::read_to_string(root().join("tests/fixtures/demo/demo_polska.beats"))
            .unwrap()
            .lines()
            .filter_map(|l| l.split_whitespace().next()?.parse::<f64>().ok())
            .map(|t| (t * 100.0).round() as usize)
            .collect();
    let near: f32 = truth
        .iter()
        .filter(|&&f| f + 2 < ours.len())
        .map(|&f| {
            (f.saturating_sub(2)..=f + 2)
                .map(|i| ours[i][0])
                .fold(0f32, f32::max)
        })
        .sum::<f32>()
        / truth.len() as f32;
    let mean: f32 = ours.iter().map(|v| v[0]).sum::<f32>() / ours.len() as f32;
    assert!(
        near > 4.0 * mean,
        "beat activation near beats {near:.3} vs mean {mean:.3}"
    );
}

#[test]
fn a_missing_truncated_or_unlisted_model_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(root().join("models/beat-tcn-v1.onnx")).unwrap();
    let manifest = std::fs::read_to_string(root().join("models/SHA256SUMS")).unwrap();
    std::fs::write(dir.path().join("SHA256SUMS"), &manifest).unwrap();
    let path = dir.path().join("beat-tcn-v1.onnx");

    let e = BeatNet::load(&path).err().expect("missing file");
    assert!(
        matches!(e, ModelError::File(_)) && e.to_string().contains("beat-tcn-v1.onnx"),
        "{e}"
    );

    std::fs::write(&path, &good[..good.len() / 2]).unwrap();
    let e = BeatNet::load(&path).err().expect("truncated file");
    assert!(
        matches!(&e, ModelError::File(f) if f.problem.contains("does not match")),
        "{e}"
    );
    assert!(e.to_string().contains("does not match"), "{e}");

    let other = dir.path().join("renamed.onnx");
    std::fs::write(&other, &good).unwrap();
    let e = BeatNet::load(&other).err().expect("unlisted file");
    assert!(e.to_string().contains("not listed"), "{e}");

    std::fs::write(&path, &good).unwrap();
    assert!(BeatNet::load(&path).is_ok());
}

/// The daemon's way: frames one at a time through tract's pulsed graph give the very
/// probabilities of the whole-clip run, in order, with at most `pulse − 1` frames held back.
#[test]
fn the_streamed_network_equals_the_whole_clip_run() {
    let (frames, bands) = demo_bands();
    let net = BeatNet::load(&root().join("models/beat-tcn-v1.onnx")).unwrap();
    let whole = net.activations(&bands).unwrap();
    for pulse in [1, 3] {
        let mut stream = net.stream(pulse).unwrap();
        let mut streamed = Vec::new();
        for f in &frames {
            stream
                .push(f.bands.as_deref().unwrap(), &mut streamed)
                .unwrap();
            assert!(
                stream.pending() < pulse,
                "pulse {pulse}: {} pending",
                stream.pending()
            );
        }
        assert_eq!(
            streamed.len() + stream.pending(),
            whole.len(),
            "pulse {pulse}"
        );
        // The end of the source: the held frames come out, the silent padding does not.
        stream.finish(&mut streamed).unwrap();
        assert_eq!(streamed.len(), whole.len(), "pulse {pulse} after finish");
        assert_eq!(stream.pending(), 0);
        let worst = max_difference(&streamed, &whole);
        assert!(worst < 1e-4, "pulse {pulse}: streamed differs by {worst}");
    }
    let mut stream = net.stream(2).unwrap();
    let e = stream.push(&[0.0; 12], &mut Vec::new()).unwrap_err();
    assert!(e.to_string().contains("12 bands"), "{e}");
}

/// `beat-tcn-v3` holds two networks over one input: its stream is `beat-tcn-v2`'s causal
/// network (unchanged, so the live beats are v2's), its whole-piece output the offline
/// network's (checked against PyTorch in the test above).
#[test]
fn the_paired_model_streams_its_causal_network_and_reads_pieces_with_the_offline_one() {
    let (frames, bands) = demo_bands();
    let pair = BeatNet::load(&root().join("models/beat-tcn-v3.onnx")).unwrap();
    let v2 = BeatNet::load(&root().join("models/beat-tcn-v2.onnx")).unwrap();
    assert!(pair.looks_ahead() && !v2.looks_ahead());
    let causal = v2.activations(&bands).unwrap();
    let mut stream = pair.stream(4).unwrap();
    let mut streamed = Vec::new();
    for f in &frames {
        stream
            .push(f.bands.as_deref().unwrap(), &mut streamed)
            .unwrap();
    }
    stream.finish(&mut streamed).unwrap();
    assert_eq!(streamed.len(), causal.len());
    let worst = max_difference(&streamed, &causal);
    assert!(worst < 1e-5, "stream vs beat-tcn-v2: {worst}");
    // The whole piece is the offline network's: not the causal output.
    let whole = pair.activations(&bands).unwrap();
    assert_eq!(whole.len(), causal.len());
    let apart = whole
        .iter()
        .zip(&causal)
        .map(|(a, b)| (a[0] - b[0]).abs())
        .fold(0f32, f32::max);
    assert!(apart > 0.1, "offline and causal outputs agree ({apart})");
}

/// Segments run the offline network frame by frame as their audio arrives (memory of its
/// look-back and look-ahead, not of the segment): its output is the whole-piece run's, but for
/// the last look-ahead (5.1 s), which hears silence after the piece instead of the run's edge.
#[test]
fn the_offline_network_streamed_equals_the_whole_piece_run_before_the_end() {
    let (frames, bands) = demo_bands();
    let pair = BeatNet::load(&root().join("models/beat-tcn-v3.onnx")).unwrap();
    assert!(BeatNet::load(&root().join("models/beat-tcn-v2.onnx"))
        .unwrap()
        .stream_offline(100)
        .is_none());
    let whole = pair.activations(&bands).unwrap();
    let mut stream = pair.stream_offline(100).unwrap().unwrap();
    let mut streamed = Vec::new();
    for f in &frames {
        stream
            .push(f.bands.as_deref().unwrap(), &mut streamed)
            .unwrap();
    }
    // Nothing comes out before the look-ahead has been heard.
    assert!(streamed.len() + 511 <= frames.len(), "{}", streamed.len());
    stream.finish(&mut streamed).unwrap();
    assert_eq!(streamed.len(), whole.len());
    let body = whole.len() - 512;
    let worst = max_difference(&streamed[..body], &whole[..body]);
    assert!(worst < 1e-5, "streamed vs whole before the end: {worst}");
    // The end differs only as much as silence differs from the run's edge.
    let a: Vec<f32> = streamed[body..].iter().map(|v| v[0]).collect();
    let b: Vec<f32> = whole[body..].iter().map(|v| v[0]).collect();
    assert!(
        cosine(&a, &b) > 0.9,
        "the last 5 s: cosine {}",
        cosine(&a, &b)
    );
}
