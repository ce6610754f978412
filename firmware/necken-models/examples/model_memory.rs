//! Resident memory of the models: `VmRSS` before and after loading and running each network
//! the way the product does (the beat network streamed, the embedding network on a batch of
//! 8 patches). Linux only (reads /proc/self/status).
//!
//! `cargo run --release -p necken-models --example model_memory [MODELS_DIR]`

use std::path::PathBuf;

use necken_models::{BeatNet, EmbedNet};
use necken_rhythm::mel::{MEL_BANDS, PATCH_FRAMES};

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "models".into()));
    let start = rss_mb();
    println!("{:<40} {:>9} {:>9}", "step", "VmRSS MB", "+MB");
    println!("{:<40} {:>9.1} {:>9}", "start", start, "");
    let mut last = start;
    let mut report = |step: &str| {
        let now = rss_mb();
        println!("{step:<40} {now:>9.1} {:>9.1}", now - last);
        last = now;
    };

    let beat = BeatNet::load(&dir.join("beat-tcn-v1.onnx"))?;
    let mut stream = beat.stream(2)?;
    let mut out = Vec::new();
    for _ in 0..1000 {
        stream.push(&[0.5; BeatNet::BANDS], &mut out)?;
    }
    report("beat-tcn-v1 loaded, 1000 frames streamed");

    let embed = EmbedNet::load(&dir.join("embed-cnn-v1.onnx"))?;
    let result = embed.embed(&vec![1.0; 8 * MEL_BANDS * PATCH_FRAMES])?;
    report("embed-cnn-v1 loaded, 8 patches run");
    println!(
        "{:<40} {:>9.1}",
        "both networks (resident model memory)",
        last - start
    );
    assert_eq!(result.embeddings.len(), 8);
    Ok(())
}
