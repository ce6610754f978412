//! Measures the schema-2 contract of the 8-bit mean embedding on a folder of clips (report on
//! dev, never tune): analyzes each clip with the default models, and compares the embedding
//! and the default head's style from a schema-1 record (f16 embedding) and a schema-2 record
//! (8 bits over the vector's range). Prints the worst cosine, the styles that change and the
//! mean record sizes.
//! usage: embedding_codes CLIP_DIR
use necken_analysis::{analyze_file, AnalysisOptions};
use necken_core::artifact::Profile;
use necken_core::codec;
use necken_core::notation::interpret;
use necken_models::{ModelChoices, ModelSet};

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
    let (mut worst, mut changed, mut n) = (1f64, Vec::new(), 0usize);
    let (mut bytes_v1, mut bytes_v2) = (0usize, 0usize);
    for path in &files {
        let a = analyze_file(path, &options)
            .expect("clip analyzes")
            .artifacts;
        let mut v1 = postcard::to_stdvec(&1u32).unwrap();
        v1.extend(codec::encode_v1_payload(&a));
        let v2 = codec::encode(&a);
        bytes_v1 += v1.len();
        bytes_v2 += v2.len();
        let (half, byte) = (codec::decode(&v1).unwrap(), codec::decode(&v2).unwrap());
        let (e1, e2) = (
            &half.embedding.as_ref().expect("embedding").mean,
            &byte.embedding.as_ref().expect("embedding").mean,
        );
        let dot: f64 = e1.iter().zip(e2).map(|(x, y)| *x as f64 * *y as f64).sum();
        let norm = |v: &[f32]| v.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
        worst = worst.min(dot / (norm(e1) * norm(e2)));
        let tags = Default::default();
        let (s1, s2) = (
            interpret(&half, &tags, Some(&head)).classification,
            interpret(&byte, &tags, Some(&head)).classification,
        );
        if s1.style != s2.style {
            changed.push(format!(
                "{}: {} -> {}",
                path.display(),
                s1.style.name(),
                s2.style.name()
            ));
        }
        n += 1;
    }
    println!("clips {n}");
    println!("worst embedding cosine {worst:.6}");
    println!("styles changed {}: {changed:?}", changed.len());
    println!(
        "mean record bytes: schema 1 (f16) {:.0}, schema 2 (8-bit) {:.0}",
        bytes_v1 as f64 / n.max(1) as f64,
        bytes_v2 as f64 / n.max(1) as f64
    );
}
