//! The embedding network as the product runs it (Rust decoding, resampling and mel front end →
//! tract) against the training side (libsndfile, SciPy's polyphase resampler, the NumPy mel
//! front end of scripts/models/mel.py → PyTorch), on the fixture clips with the committed
//! reference outputs (`tests/fixtures/embed/*.embref`, written by train_embed_net.py).

use std::path::{Path, PathBuf};

use necken_models::{EmbedNet, ModelError};
use necken_rhythm::mel::{MelPatcher, MEL_BANDS};

mod common;

use common::{cosine, root};

/// The training side's output for one clip.
struct Reference {
    /// The first frames of its log-mel, frame-major.
    mel: Vec<[f32; MEL_BANDS]>,
    embeddings: Vec<Vec<f32>>,
    vocal: Vec<[f32; 2]>,
}

fn read_reference(path: &Path) -> Reference {
    let raw = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut at = 0;
    let u32_at = |at: &mut usize| {
        let v = u32::from_le_bytes(raw[*at..*at + 4].try_into().unwrap()) as usize;
        *at += 4;
        v
    };
    let (frames, bands) = (u32_at(&mut at), u32_at(&mut at));
    assert_eq!(bands, MEL_BANDS);
    let floats = |at: &mut usize, n: usize| -> Vec<f32> {
        let v = raw[*at..*at + 4 * n]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        *at += 4 * n;
        v
    };
    let mel = floats(&mut at, frames * bands)
        .chunks_exact(MEL_BANDS)
        .map(|c| c.try_into().unwrap())
        .collect();
    let (patches, dim) = (u32_at(&mut at), u32_at(&mut at));
    let embeddings = floats(&mut at, patches * dim)
        .chunks_exact(dim)
        .map(<[f32]>::to_vec)
        .collect();
    let vocal = floats(&mut at, patches * 2)
        .chunks_exact(2)
        .map(|c| [c[0], c[1]])
        .collect();
    Reference {
        mel,
        embeddings,
        vocal,
    }
}

/// Every fixture clip with its reference.
fn fixtures() -> Vec<(PathBuf, Reference)> {
    let dir = root().join("tests/fixtures/embed");
    let mut out: Vec<(PathBuf, Reference)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "embref"))
        .map(|r| {
            let stem = r.file_stem().unwrap().to_str().unwrap().to_string();
            let clip = std::fs::read_dir(&dir)
                .unwrap()
                .filter_map(|e| e.ok().map(|e| e.path()))
                .chain(std::iter::once(
                    root().join("tests/fixtures/demo/demo_polska.ogg"),
                ))
                .find(|p| {
                    p.file_stem().is_some_and(|s| s == stem.as_str())
                        && necken_analysis::is_audio_file(p)
                })
                .unwrap_or_else(|| panic!("no audio for {}", r.display()));
            (clip, read_reference(&r))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 3, "a few fixture clips, found {}", out.len());
    out
}

/// A clip's network input as the product makes it: Rust mel frames gathered into patches.
fn clip_patches(clip: &Path) -> Vec<f32> {
    let mut patches = Vec::new();
    let mut patcher = MelPatcher::new();
    for f in necken_analysis::file_mel_frames(clip).unwrap() {
        patcher.push(&f, &mut |p| patches.extend_from_slice(p));
    }
    patcher.finish(&mut |p| patches.extend_from_slice(p));
    patches
}

#[test]
fn rust_mel_front_end_matches_the_training_front_end() {
    for (clip, reference) in fixtures() {
        let ours = necken_analysis::file_mel_frames(&clip).unwrap();
        let n = reference.mel.len();
        assert!(ours.len() >= n, "{}: {} frames", clip.display(), ours.len());
        let a: Vec<f32> = ours[..n].iter().flatten().copied().collect();
        let b: Vec<f32> = reference.mel.iter().flatten().copied().collect();
        let mean_abs = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).sum::<f32>() / a.len() as f32;
        let c = cosine(&a, &b);
        eprintln!(
            "{}: log-mel cosine {c:.6}, mean |diff| {mean_abs:.4}",
            clip.display()
        );
        assert!(c >= 0.999, "{}: log-mel cosine {c:.6}", clip.display());
        assert!(
            mean_abs < 0.02,
            "{}: mean |diff| {mean_abs}",
            clip.display()
        );
    }
}

#[test]
fn rust_front_end_and_tract_match_pytorch() {
    compare_with_pytorch("embed-cnn-v1.onnx", 0.99);
}

/// The int8 variant against the *float* network's PyTorch output: what quantization costs.
#[test]
fn the_int8_variant_stays_close_to_the_float_network() {
    compare_with_pytorch("embed-cnn-v1-int8.onnx", 0.97);
}

fn compare_with_pytorch(model: &str, min_cosine: f64) {
    let net = EmbedNet::load(&root().join("models").join(model)).unwrap();
    for (clip, reference) in fixtures() {
        let ours = net.embed(&clip_patches(&clip)).unwrap();
        assert_eq!(ours.embeddings.len(), reference.embeddings.len(), "patches");
        let mut lowest = 1f64;
        for (k, (a, b)) in ours
            .embeddings
            .iter()
            .zip(&reference.embeddings)
            .enumerate()
        {
            let c = cosine(a, b);
            assert!(
                c >= min_cosine,
                "{model} {} patch {k}: cosine {c:.5}",
                clip.display()
            );
            lowest = lowest.min(c);
        }
        let a: Vec<f32> = ours.vocal.iter().map(|v| v[1]).collect();
        let b: Vec<f32> = reference.vocal.iter().map(|v| v[1]).collect();
        let worst = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0f32, f32::max);
        eprintln!(
            "{model} {}: lowest patch embedding cosine {lowest:.5}, vocal {:.3} vs {:.3} (worst patch diff {worst:.3})",
            clip.display(),
            a.iter().sum::<f32>() / a.len() as f32,
            b.iter().sum::<f32>() / b.len() as f32,
        );
        assert!(
            worst < 0.05,
            "{model} {}: vocal differs by {worst}",
            clip.display()
        );
    }
}

/// The clips were never trained on: the vocal one is heard as vocal, the others as
/// instrumental (labels.csv beside them).
#[test]
fn held_out_fixture_clips_get_the_right_vocal_answer() {
    let net = EmbedNet::load(&root().join("models/embed-cnn-v1.onnx")).unwrap();
    let labels = std::fs::read_to_string(root().join("tests/fixtures/embed/labels.csv")).unwrap();
    let fixtures = fixtures();
    for line in labels.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let (clip, _) = fixtures
            .iter()
            .find(|(p, _)| p.file_name().is_some_and(|n| n == cols[0]))
            .unwrap_or_else(|| panic!("no fixture {}", cols[0]));
        let out = net.embed(&clip_patches(clip)).unwrap();
        let vocal = out.vocal.iter().map(|v| v[1]).sum::<f32>() / out.vocal.len() as f32;
        assert_eq!(
            vocal > 0.5,
            cols[2] == "1",
            "{}: vocal score {vocal}",
            cols[0]
        );
    }
}

#[test]
fn the_network_gives_a_200_dimensional_embedding_and_vocal_probabilities() {
    let net = EmbedNet::load(&root().join("models/embed-cnn-v1.onnx")).unwrap();
    use necken_rhythm::learned::EmbeddingModel;
    assert_eq!(EmbeddingModel::dim(&net), 200);
    let out = net.embed(&vec![1.0; 3 * MEL_BANDS * 187]).unwrap();
    assert_eq!(out.embeddings.len(), 3);
    for v in &out.vocal {
        assert!(
            (v[0] + v[1] - 1.0).abs() < 1e-4,
            "{v:?} is not a distribution"
        );
    }
    let err = net.embed(&[0.0; 100]).unwrap_err();
    assert!(err.to_string().contains("patches"), "{err}");
}

#[test]
fn an_altered_model_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let src = root().join("models/embed-cnn-v1.onnx");
    let mut bytes = std::fs::read(&src).unwrap();
    bytes.truncate(bytes.len() / 2);
    let path = dir.path().join("embed-cnn-v1.onnx");
    std::fs::write(&path, &bytes).unwrap();
    std::fs::copy(
        root().join("models/SHA256SUMS"),
        dir.path().join("SHA256SUMS"),
    )
    .unwrap();
    match EmbedNet::load(&path) {
        Err(ModelError::File(f)) if f.problem.contains("does not match") => {
            assert_eq!(f.path, path)
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("a truncated model loaded"),
    }
}
