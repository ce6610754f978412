//! Prints how many bytes each part of a standard-profile record takes (the record's size
//! with and without the part), for files analyzed with the default models.
//!
//! `cargo run --release -p necken-tests --example record_parts -- FILE...`

use necken_analysis::AnalysisOptions;
use necken_core::artifact::{Profile, RawArtifacts};
use necken_core::codec;
use necken_engine::analyze_file;
use necken_models::{ModelChoices, ModelSet};

fn main() {
    let set = ModelSet::load(&ModelChoices::defaults(), &[]).unwrap();
    let mut options = AnalysisOptions::new(Profile::Standard);
    options.beat_model = set.beat.clone().map(|m| m as _);
    options.embedding_model = set.embed.clone().map(|m| m as _);
    type Strip = fn(&mut RawArtifacts);
    let parts: [(&str, Strip); 9] = [
        ("beats", |a| a.beats = None),
        ("onsets", |a| a.onsets = None),
        ("beat energies", |a| {
            if let Some(d) = a.dynamics.as_mut() {
                d.beat_energy.clear()
            }
        }),
        ("envelope", |a| {
            if let Some(d) = a.dynamics.as_mut() {
                d.envelope = None
            }
        }),
        ("structure", |a| a.structure = None),
        ("mean bar", |a| a.bar_pattern = None),
        ("embedding", |a| a.embedding = None),
        ("vocal", |a| a.vocal = None),
        ("audio stats", |a| a.audio_stats = None),
    ];
    for file in std::env::args().skip(1) {
        let a = analyze_file(std::path::Path::new(&file), &options)
            .unwrap()
            .artifacts;
        let whole = codec::encode(&a).len();
        let beats = a.beats.as_ref().map_or(0, |b| b.times.len());
        let onsets = a.onsets.as_ref().map_or(0, |o| o.len());
        println!("{file}: {whole} B, {beats} beats, {onsets} onsets");
        for (name, strip) in parts {
            let mut b = a.clone();
            strip(&mut b);
            println!("  {name:<14} {:>5} B", whole - codec::encode(&b).len());
        }
    }
}
