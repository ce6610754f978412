//! `necken pull`: copies a device's new stored tracks into the host's store over MQTT, a page at
//! a time, each page durable before the next is asked for; the position per device is kept in
//! the host's store, so a second pull moves only what is new and an interrupted one resumes.

use std::process::ExitCode;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use necken_store::sync::{topic, Op, Page, Request};
use necken_store::ArtifactStore;

use super::{CliResult, Context};
use crate::broker::{self, DeviceArgs, Session};

/// Arguments of `necken pull`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    to: DeviceArgs,
    /// Largest page asked for, bytes (the device keeps it within 256 B .. 1 MiB; a page
    /// always holds at least one track).
    #[arg(long, default_value_t = 256 * 1024)]
    page_bytes: u64,
    /// Print one JSON object (`pulled`, `bytes`, `seq`, ...) instead of a sentence.
    #[arg(long)]
    json: bool,
}

/// The host-store setting holding how far `device` has been pulled.
pub fn position_key(device: &str) -> String {
    format!("pull/{device}")
}

/// How far `device` has been pulled into `store` (its sequence number; 0 = never).
pub fn position(store: &impl ArtifactStore, device: &str) -> CliResult<u64> {
    Ok(match store.setting(&position_key(device))? {
        Some(v) => u64::from_be_bytes(
            v.as_slice()
                .try_into()
                .map_err(|_| format!("pull position of {device}: {} bytes", v.len()))?,
        ),
        None => 0,
    })
}

/// Sends one request and returns the device's page for it (asking again, up to three times,
/// when no answer comes: answers are not queued while a link is down).
fn ask(session: &Session, args: &Args, req: &Request) -> CliResult<Page> {
    let prefix = args.to.broker.prefix_of(&args.to.device);
    let request_topic = format!(
        "{prefix}{}{}",
        topic::PULL_REQUEST,
        args.to.broker.client_id
    );
    let payload = serde_json::to_vec(req)?;
    for _attempt in 0..3 {
        session.publish(request_topic.clone(), payload.clone())?;
        let deadline = Instant::now() + session.timeout();
        while let Some(m) = session.next_before(deadline)? {
            if !m.topic.ends_with(&format!(
                "{}{}",
                topic::PULL_RESPONSE,
                args.to.broker.client_id
            )) {
                continue;
            }
            let page =
                Page::decode(&m.payload).map_err(|e| format!("device {}: {e}", args.to.device))?;
            if let Some(e) = &page.error {
                return Err(format!("device {} refused the pull: {e}", args.to.device).into());
            }
            if page.req_id == req.req_id {
                return Ok(page);
            }
        }
        log::warn!(
            "device {}: no answer within {:.1} s; asking again",
            args.to.device,
            session.timeout().as_secs_f64()
        );
    }
    Err(format!(
        "device {} does not answer on {request_topic} (is its neckend connected to {}?)",
        args.to.device, args.to.broker.broker
    )
    .into())
}

/// Pulls until the device has nothing newer.
pub fn run(ctx: &Context, args: Args) -> CliResult<ExitCode> {
    let key = args.to.key.key()?;
    let store = ctx.open_store()?;
    let session = Session::connect(&args.to.broker)?;
    let prefix = args.to.broker.prefix_of(&args.to.device);
    session.subscribe(&[format!(
        "{prefix}{}{}",
        topic::PULL_RESPONSE,
        args.to.broker.client_id
    )])?;
    broker::require_online(&session, &args.to.broker, &args.to.device)?;

    let start = Instant::now();
    let first = position(&store, &args.to.device)?;
    let mut after = first;
    let (mut pulled, mut bytes, mut n) = (0u64, 0u64, 0u64);
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} seq ({per_sec})")
            .expect("template"),
    );
    bar.set_message(format!("pulling {}", args.to.device));
    let mut device_tracks;
    loop {
        n += 1;
        let client = &args.to.broker.client_id;
        let req = Request::new(
            Op::Pull,
            broker::request_id(client, n),
            client,
            after,
            args.page_bytes,
            None,
            key.as_deref(),
        );
        let page = ask(&session, &args, &req)?;
        device_tracks = page.device_tracks;
        for rec in &page.records {
            store.put_batch(&rec.meta, &rec.artifacts)?;
            bytes += rec.artifacts.len() as u64;
        }
        store.flush()?;
        // Only now, with the page durable, does the position move.
        store.set_setting(
            &position_key(&args.to.device),
            Some(&page.through.to_be_bytes()),
        )?;
        pulled += page.records.len() as u64;
        after = page.through;
        bar.set_length(page.device_seq.saturating_sub(first));
        bar.set_position(after.saturating_sub(first));
        if !page.more {
            break;
        }
    }
    bar.finish_and_clear();
    // Tell the device how far this host holds its tracks (its retention removes those first).
    let client = &args.to.broker.client_id;
    let ack = Request::new(
        Op::Ack,
        broker::request_id(client, n + 1),
        client,
        after,
        0,
        None,
        key.as_deref(),
    );
    if after > 0 {
        ask(&session, &args, &ack)?;
    }
    session.close();
    let seconds = start.elapsed().as_secs_f64();
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "device": args.to.device,
                "pulled": pulled,
                "bytes": bytes,
                "seq": after,
                "from_seq": first,
                "device_tracks": device_tracks,
                "host_tracks": store.len(),
                "seconds": (seconds * 1000.0).round() / 1000.0,
            })
        );
    } else {
        println!(
            "pulled {pulled} track(s), {:.1} KB, from {} in {seconds:.2} s (through seq {after}; \
             {device_tracks} on the device, {} in {})",
            bytes as f64 / 1000.0,
            args.to.device,
            store.len(),
            ctx.store_path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
