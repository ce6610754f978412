//! Fuzzes every decoder that takes outside bytes (artifact records, NeckenML JSON, board
//! profiles, MQTT outbox entries) with the seeded mutation fuzzer of `necken_tests::fuzz`,
//! and prints a markdown table for docs/reliability.md.
//!
//!   cargo run --release -p necken-tests --example fuzz_inputs -- [INPUTS_PER_TARGET [SEED]]
//!   cargo run --release -p necken-tests --example fuzz_inputs -- --write-corpus
//!
//! `--write-corpus` (re)writes the seed corpora in tests/fixtures/fuzz from synthetic
//! artifacts and the bundled board profiles.

use std::path::PathBuf;
use std::time::Instant;

use necken_core::artifact::Profile;
use necken_core::style::ALL_STYLES;
use necken_core::synth::synthetic_artifacts;
use necken_tests::fuzz::{corpus, fuzz, targets};

fn write_corpus() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/fuzz");
    for sub in ["records", "neckenml", "profiles", "outbox"] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    for (k, (style, profile)) in [
        (ALL_STYLES[0], Profile::Minimal),
        (ALL_STYLES[2], Profile::Standard),
        (ALL_STYLES[7], Profile::Standard),
        (ALL_STYLES[9], Profile::Full),
    ]
    .into_iter()
    .enumerate()
    {
        let a = synthetic_artifacts(style, 20.0, profile, k as u64 + 1);
        std::fs::write(
            root.join(format!("records/{k}.rec")),
            necken_core::codec::encode(&a),
        )
        .unwrap();
        let json = necken_core::neckenml::export_seed_json(&a);
        std::fs::write(
            root.join(format!("neckenml/{k}.json")),
            serde_json::to_string(&json).unwrap(),
        )
        .unwrap();
    }
    let boards = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../boards");
    for e in std::fs::read_dir(boards).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, root.join("profiles").join(p.file_name().unwrap())).unwrap();
    }
    // An outbox entry is postcard of (topic, payload, retain).
    for (k, (topic, payload, retain)) in [
        (
            "necken/hall/style",
            r#"{"style":"polska","confidence":0.9,"msg_id":"hall-3"}"#,
            true,
        ),
        (
            "necken/hall/track",
            r#"{"id":"00ff","beats":120,"msg_id":"hall-4"}"#,
            false,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let bytes =
            postcard::to_stdvec(&(topic.to_string(), payload.as_bytes().to_vec(), retain)).unwrap();
        std::fs::write(root.join(format!("outbox/{k}.bin")), bytes).unwrap();
    }
    println!("corpora written under {}", root.display());
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--write-corpus") {
        return write_corpus();
    }
    let inputs: u64 = args
        .first()
        .map_or(1_000_000, |a| a.parse().expect("inputs"));
    let seed: u64 = args.get(1).map_or(1, |a| a.parse().expect("seed"));
    println!("| target | inputs | accepted | panics | seconds |");
    println!("| --- | --- | --- | --- | --- |");
    let mut failed = false;
    for (name, dir, target) in targets() {
        let seeds = corpus(dir);
        let start = Instant::now();
        let mut run = |b: &[u8]| target(b);
        let r = fuzz(&seeds, inputs, seed, &mut run);
        println!(
            "| {name} | {} | {} | {} | {:.1} |",
            r.inputs,
            r.accepted,
            r.panics,
            start.elapsed().as_secs_f64()
        );
        if let Some(bad) = r.first_panic {
            failed = true;
            let path = std::env::temp_dir().join(format!("fuzz-panic-{dir}.bin"));
            std::fs::write(&path, bad).unwrap();
            eprintln!(
                "{name}: first panicking input written to {}",
                path.display()
            );
        }
    }
    if failed {
        std::process::exit(1);
    }
}
