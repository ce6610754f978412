//! `necken stats`: how much is stored and how big it is.

use std::collections::BTreeMap;
use std::process::ExitCode;

use necken_store::ArtifactStore;
use serde_json::json;

use super::{CliResult, Context};

/// Arguments of `necken stats`.
#[derive(clap::Args)]
pub struct Args {
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Prints track count, store size and artifact sizes (overall and per profile).
pub fn run(ctx: &Context, args: Args) -> CliResult<ExitCode> {
    let store = ctx.open_existing_store()?;
    let mut sizes = Vec::new();
    let mut by_profile: BTreeMap<&'static str, Vec<usize>> = BTreeMap::new();
    store.for_each(&mut |rec| {
        sizes.push(rec.artifacts.len());
        by_profile
            .entry(rec.meta.profile.name())
            .or_default()
            .push(rec.artifacts.len());
        Ok(())
    })?;
    let store_bytes = store.size_on_disk()?;
    let summary = |v: &mut Vec<usize>| {
        v.sort_unstable();
        json!({
            "min": v.first().copied().unwrap_or(0),
            "median": v.get(v.len() / 2).copied().unwrap_or(0),
            "max": v.last().copied().unwrap_or(0),
        })
    };
    let profiles: serde_json::Map<String, serde_json::Value> = by_profile
        .iter_mut()
        .map(|(p, v)| {
            let mut s = summary(v);
            s["tracks"] = json!(v.len());
            (p.to_string(), s)
        })
        .collect();
    let out = json!({
        "tracks": sizes.len(),
        "store_bytes": store_bytes,
        "artifact_bytes": summary(&mut sizes),
        "by_profile": profiles,
    });
    if args.json {
        println!("{out}");
    } else {
        println!("store        {}", ctx.store_path.display());
        println!("tracks       {}", out["tracks"]);
        println!("store bytes  {store_bytes}");
        let a = &out["artifact_bytes"];
        println!(
            "artifacts    min {} / median {} / max {} bytes",
            a["min"], a["median"], a["max"]
        );
        for (p, s) in &profiles {
            println!(
                "  {p:<9} {} track(s), median {} bytes",
                s["tracks"], s["median"]
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
