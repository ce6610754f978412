//! `necken devices`: the neckend devices a broker knows, from their retained `status`, `info`
//! and `style` messages.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use necken_store::sync::topic;
use serde_json::Value;

use super::{CliResult, Context};
use crate::broker::{BrokerArgs, Session};

/// Arguments of `necken devices`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    broker: BrokerArgs,
    /// How long to collect the retained messages, ms.
    #[arg(long, default_value_t = 1500)]
    wait_ms: u64,
    /// One JSON object per device, one per line.
    #[arg(long)]
    json: bool,
}

#[derive(Default)]
struct Seen {
    status: Option<String>,
    info: Option<Value>,
    style: Option<Value>,
}

/// Lists the devices.
pub fn run(_ctx: &Context, args: Args) -> CliResult<ExitCode> {
    let session = Session::connect(&args.broker)?;
    let any = args.broker.prefix_of("+");
    let suffixes = ["status", topic::INFO, "style"];
    session.subscribe(&suffixes.map(|s| format!("{any}{s}")))?;
    let mut devices: BTreeMap<String, Seen> = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_millis(args.wait_ms);
    while let Some(m) = session.next_before(deadline)? {
        for suffix in suffixes {
            let Some(id) = args.broker.device_in(&m.topic, suffix) else {
                continue;
            };
            let seen = devices.entry(id.to_string()).or_default();
            match suffix {
                "status" => seen.status = Some(String::from_utf8_lossy(&m.payload).into_owned()),
                "style" => seen.style = serde_json::from_slice(&m.payload).ok(),
                _ => seen.info = serde_json::from_slice(&m.payload).ok(),
            }
        }
    }
    session.close();
    let rows: Vec<Value> = devices
        .iter()
        .map(|(id, s)| {
            let info = s.info.clone().unwrap_or(Value::Null);
            let last_ms = [info.get("ts"), s.style.as_ref().and_then(|v| v.get("ts"))]
                .into_iter()
                .flatten()
                .filter_map(Value::as_u64)
                .max();
            serde_json::json!({
                "device": id,
                "status": s.status.clone().unwrap_or_else(|| "unknown".into()),
                "head": info.get("head").cloned().unwrap_or(Value::Null),
                "models": info.get("models").cloned().unwrap_or(Value::Null),
                "tracks": info.get("tracks").cloned().unwrap_or(Value::Null),
                "seq": info.get("seq").cloned().unwrap_or(Value::Null),
                "pulled_through": info.get("pulled_through").cloned().unwrap_or(Value::Null),
                "style": s.style.as_ref().and_then(|v| v.get("style")).cloned().unwrap_or(Value::Null),
                "last_seen_ms": last_ms,
            })
        })
        .collect();
    if args.json {
        for r in &rows {
            println!("{r}");
        }
    } else {
        println!(
            "{:<16} {:<8} {:<24} {:>7} {:>11}  {:<16} last seen",
            "device", "status", "head", "tracks", "pulled/seq", "style"
        );
        let now_ms = necken_store::sync::unix_s() * 1000;
        for r in &rows {
            let text = |k: &str| match &r[k] {
                Value::String(s) => s.clone(),
                Value::Null => "-".into(),
                v => v.to_string(),
            };
            let pulled = match (r["pulled_through"].as_u64(), r["seq"].as_u64()) {
                (Some(p), Some(s)) => format!("{p}/{s}"),
                _ => "-".into(),
            };
            let seen = r["last_seen_ms"]
                .as_u64()
                .map(|t| format!("{:.0} s ago", now_ms.saturating_sub(t) as f64 / 1000.0))
                .unwrap_or("-".into());
            println!(
                "{:<16} {:<8} {:<24} {:>7} {:>11}  {:<16} {seen}",
                text("device"),
                text("status"),
                text("head"),
                text("tracks"),
                pulled,
                text("style"),
            );
        }
        eprintln!("{} device(s) on {}", rows.len(), args.broker.broker);
    }
    Ok(ExitCode::SUCCESS)
}
