//! Measures candidate codings of the stored mean embedding on a folder of clips (report on
//! dev, never tune): analyzes each clip with the default models and compares the default
//! head's style at full precision with the style from the embedding as stored (schema 2:
//! 8-bit codes over the vector's range) and as 10- and 12-bit codes. Prints per coding the
//! worst cosine, the styles that change (with the full-precision margin between the top two)
//! and the mean-embedding bytes.
//! usage: embedding_codes CLIP_DIR
use necken_analysis::AnalysisOptions;
use necken_core::artifact::{Profile, RawArtifacts};
use necken_core::codec;
use necken_core::notation::interpret;
use necken_engine::analyze_file;
use necken_models::{ModelChoices, ModelSet};

/// `values` quantized to `bits`-bit codes between their minimum and maximum.
fn range_coded(values: &[f32], bits: u32) -> Vec<f32> {
    let lo = values.iter().copied().fold(f32::INFINITY, f32::min) as f64;
    let hi = values.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let top = ((1u32 << bits) - 1) as f64;
    values
        .iter()
        .map(|&v| {
            let code = ((v as f64 - lo) / (hi - lo).max(1e-30) * top).round();
            (lo + (hi - lo) * code / top) as f32
        })
        .collect()
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum();
    let norm = |v: &[f32]| v.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    dot / (norm(a) * norm(b))
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: embedding_codes CLIP_DIR");
    let set = ModelSet::load(&ModelChoices::defaults(), &[]).expect("default models");
    let mut options = AnalysisOptions::new(Profile::Standard);
    options.beat_model = set.beat.clone().map(|m| m as _);
    options.embedding_model = set.embed.clone().map(|m| m as _);
    let head = set.head.clone().expect("default head");
    let files = necken_analysis::audio_files_in(dir.as_ref(), false).expect("clip folder");
    let codings: [(&str, Option<u32>); 3] =
        [("stored", None), ("10-bit", Some(10)), ("12-bit", Some(12))];
    let mut worst = [1f64; 3];
    let mut changed: Vec<Vec<String>> = vec![Vec::new(); 3];
    let tags = Default::default();
    for path in &files {
        let a = analyze_file(path, &options)
            .expect("clip analyzes")
            .artifacts;
        let full = interpret(&a, &tags, Some(&head)).classification;
        let mut p: Vec<f32> = full.probabilities.iter().map(|x| x.1).collect();
        p.sort_by(|x, y| y.total_cmp(x));
        let margin = p[0] - p.get(1).copied().unwrap_or(0.0);
        let mean = &a.embedding.as_ref().expect("embedding").mean;
        for (k, (name, bits)) in codings.iter().enumerate() {
            let coded: RawArtifacts = match bits {
                None => codec::decode(&codec::encode(&a)).expect("record decodes"),
                Some(b) => {
                    let mut c = a.clone();
                    c.embedding.as_mut().unwrap().mean = range_coded(mean, *b);
                    c
                }
            };
            let e = &coded.embedding.as_ref().unwrap().mean;
            worst[k] = worst[k].min(cosine(mean, e));
            let c = interpret(&coded, &tags, Some(&head)).classification;
            if c.style != full.style {
                changed[k].push(format!(
                    "{} ({name}): {} -> {} (margin {margin:.4})",
                    path.display(),
                    full.style.name(),
                    c.style.name()
                ));
            }
        }
    }
    println!("clips {}", files.len());
    for (k, (name, bits)) in codings.iter().enumerate() {
        let bytes = (200 * bits.unwrap_or(8) as usize).div_ceil(8) + 8;
        println!(
            "{name:7} {bytes:4} B  worst cosine {:.6}  styles changed {}: {:?}",
            worst[k],
            changed[k].len(),
            changed[k]
        );
    }
}
