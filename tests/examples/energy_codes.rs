//! Measures how narrow beat-energy codes move what features read from them: downbeat
//! dominance (both binary readings) and punchiness, and the default head's style, on every
//! clip of a folder analyzed with the default models. Compares plain rounding with the
//! class-diffused code of `PackedUVec::encode_square_roots`.
//!
//! `cargo run --release -p necken-tests --example energy_codes -- ../shared/corpus/dev
//! [--no-beat-model]`

use necken_analysis::{audio_files_in, AnalysisOptions};
use necken_core::artifact::{Profile, RawArtifacts};
use necken_core::codec;
use necken_core::features::derive;
use necken_core::notation::interpret;
use necken_core::quant::PackedUVec;
use necken_engine::analyze_file;
use necken_models::{ModelChoices, ModelSet};

fn with_energy(a: &RawArtifacts, energy: Vec<f32>) -> RawArtifacts {
    let mut b = a.clone();
    b.dynamics.as_mut().unwrap().beat_energy = energy;
    b
}

fn alternate(a: &RawArtifacts) -> Option<RawArtifacts> {
    let beats = a.beats.as_ref()?;
    let alt = beats.alternate_numbers.clone()?;
    let mut b = a.clone();
    let bb = b.beats.as_mut().unwrap();
    b.rhythm.beats_per_bar = alt.iter().copied().max();
    bb.numbers = alt;
    Some(b)
}

fn rel(a: Option<f64>, b: Option<f64>) -> f64 {
    match (a, b) {
        (Some(a), Some(b)) => ((a - b) / a).abs(),
        _ => 0.0,
    }
}

fn main() {
    let dir = std::env::args().nth(1).expect("a folder of clips");
    let files =
        audio_files_in(std::path::Path::new(&dir), false).unwrap_or_else(|e| panic!("{dir}: {e}"));
    let set = ModelSet::load(&ModelChoices::defaults(), &[]).unwrap();
    let mut options = AnalysisOptions::new(Profile::Standard);
    // `--no-beat-model`: the bar-pointer tracker on the spectral flux alone.
    if !std::env::args().any(|a| a == "--no-beat-model") {
        options.beat_model = set.beat.clone().map(|m| m as _);
    }
    options.embedding_model = set.embed.clone().map(|m| m as _);
    let head = set.head.clone().unwrap();
    let tags = Default::default();
    let clips: Vec<RawArtifacts> = files
        .iter()
        .map(|f| analyze_file(f, &options).unwrap().artifacts)
        .filter(|a| a.dynamics.is_some() && a.beats.is_some())
        .collect();
    println!("{} clips", clips.len());
    println!("| code | bits | worst dominance | median | worst alternate | worst punchiness | styles changed |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for diffused in [false, true] {
        for width in [5u8, 6, 7, 8, 10] {
            let (mut dom, mut alt, mut punch, mut changed) = (Vec::new(), 0f64, 0f64, 0);
            for a in &clips {
                let b = a.beats.as_ref().unwrap();
                let e = &a.dynamics.as_ref().unwrap().beat_energy;
                let amp: Vec<f32> = e.iter().map(|e| e.max(0.0).sqrt()).collect();
                let classes = codec::beat_energy_classes(Some(b), e.len());
                let code = if diffused {
                    PackedUVec::encode_square_roots(e, &classes, width)
                } else {
                    PackedUVec::encode(&amp, width)
                };
                let decoded: Vec<f32> = code.decode().unwrap().iter().map(|a| a * a).collect();
                let q = with_energy(a, decoded);
                let (fa, fq) = (derive(a), derive(&q));
                dom.push(rel(fa.downbeat_dominance, fq.downbeat_dominance));
                punch = punch.max(rel(fa.punchiness, fq.punchiness));
                if let (Some(x), Some(y)) = (alternate(a), alternate(&q)) {
                    alt = alt.max(rel(
                        derive(&x).downbeat_dominance,
                        derive(&y).downbeat_dominance,
                    ));
                }
                let (ia, iq) = (
                    interpret(a, &tags, Some(&head)),
                    interpret(&q, &tags, Some(&head)),
                );
                if ia.classification.style != iq.classification.style
                    || ia.features.meter != iq.features.meter
                {
                    changed += 1;
                }
            }
            dom.sort_by(f64::total_cmp);
            println!(
                "| {} | {width} | {:.5} | {:.5} | {alt:.5} | {punch:.5} | {changed} |",
                if diffused { "diffused" } else { "rounded" },
                dom.last().unwrap(),
                dom[dom.len() / 2],
            );
        }
    }
}
