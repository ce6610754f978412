//! A small seeded mutation fuzzer for the decoders the daemon and the host tool feed with
//! outside bytes: each input is a corpus seed with a few random mutations (bit flips, random
//! bytes, inserted tokens, deletions, duplications, splices with another seed); the target
//! runs under `catch_unwind` and every panic is counted with the input that caused it.
//! `cargo-fuzz` needs a nightly toolchain this machine cannot fetch; this runs on stable.

use std::panic::{catch_unwind, AssertUnwindSafe};

use necken_core::synth::SplitMix;

/// Tokens that often break parsers of text formats.
const TOKENS: &[&[u8]] = &[
    b"NaN",
    b"Infinity",
    b"-1",
    b"1e999",
    b"-0",
    b"null",
    b"true",
    b"\"",
    b"[",
    b"]",
    b"{",
    b"}",
    b",",
    b":",
    b"=",
    b"\n",
    b"\\u0000",
    b"18446744073709551616",
    b"[[",
    b"#",
    b"\xc3\xa5",
    b"\xff",
    b"0x",
    b"'''",
];

/// What a run found.
#[derive(Debug, Default)]
pub struct FuzzReport {
    /// Inputs tried.
    pub inputs: u64,
    /// Inputs the target accepted (returned Ok).
    pub accepted: u64,
    /// Inputs that made the target panic, and the first such input.
    pub panics: u64,
    /// The first input that panicked.
    pub first_panic: Option<Vec<u8>>,
}

fn mutate(rng: &mut SplitMix, seeds: &[Vec<u8>], out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(&seeds[(rng.next_u64() % seeds.len() as u64) as usize]);
    let rounds = 1 + rng.next_u64() % 8;
    for _ in 0..rounds {
        let len = out.len().max(1) as u64;
        let at = (rng.next_u64() % len) as usize;
        match rng.next_u64() % 7 {
            0 if !out.is_empty() => out[at] ^= 1 << (rng.next_u64() % 8),
            1 if !out.is_empty() => out[at] = rng.next_u64() as u8,
            2 => {
                let t = TOKENS[(rng.next_u64() % TOKENS.len() as u64) as usize];
                let at = at.min(out.len());
                out.splice(at..at, t.iter().copied());
            }
            3 if !out.is_empty() => {
                let n = (1 + rng.next_u64() % 16) as usize;
                let at = at.min(out.len() - 1);
                out.drain(at..(at + n).min(out.len()));
            }
            4 if !out.is_empty() => {
                let at = at.min(out.len() - 1);
                let n = (1 + rng.next_u64() % 64) as usize;
                let piece: Vec<u8> = out[at..(at + n).min(out.len())].to_vec();
                out.splice(at..at, piece);
            }
            5 => {
                let other = &seeds[(rng.next_u64() % seeds.len() as u64) as usize];
                if !other.is_empty() {
                    let from = (rng.next_u64() % other.len() as u64) as usize;
                    out.truncate(at.min(out.len()));
                    out.extend_from_slice(&other[from..]);
                }
            }
            _ => {
                let n = rng.next_u64() % 4;
                for _ in 0..n {
                    out.push(rng.next_u64() as u8);
                }
            }
        }
    }
}

/// Runs `target` on `inputs` mutated seeds (seeded by `seed`); `target` returns whether it
/// accepted the input. Panics are caught and counted, never propagated.
pub fn fuzz(
    seeds: &[Vec<u8>],
    inputs: u64,
    seed: u64,
    target: &mut dyn FnMut(&[u8]) -> bool,
) -> FuzzReport {
    assert!(!seeds.is_empty(), "a fuzz corpus needs seeds");
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = SplitMix::new(seed);
    let mut report = FuzzReport::default();
    let mut input = Vec::new();
    for _ in 0..inputs {
        mutate(&mut rng, seeds, &mut input);
        report.inputs += 1;
        match catch_unwind(AssertUnwindSafe(|| target(&input))) {
            Ok(true) => report.accepted += 1,
            Ok(false) => {}
            Err(_) => {
                report.panics += 1;
                report.first_panic.get_or_insert_with(|| input.clone());
            }
        }
    }
    std::panic::set_hook(hook);
    report
}

/// The files of a corpus folder (`tests/fixtures/fuzz/<name>`), sorted.
pub fn corpus(name: &str) -> Vec<Vec<u8>> {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/fuzz")
        .join(name);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// A fuzz target: its name, its corpus folder, and the call (true = accepted).
pub type Target = (&'static str, &'static str, fn(&[u8]) -> bool);

/// The fuzz targets.
pub fn targets() -> Vec<Target> {
    vec![
        ("artifact record decoding", "records", |b| {
            necken_core::codec::decode(b).is_ok()
        }),
        ("NeckenML JSON import", "neckenml", |b| {
            std::str::from_utf8(b).is_ok_and(|t| necken_core::neckenml::import_json(t).is_ok())
        }),
        ("board profile parsing", "profiles", |b| {
            std::str::from_utf8(b).is_ok_and(|t| neckend::config::Config::parse(t).is_ok())
        }),
        ("MQTT outbox entries", "outbox", |b| {
            neckend::mqtt::decode_queued(b).is_ok()
        }),
    ]
}
