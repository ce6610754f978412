//! `necken push-model`: sends a style head to a device, which checks it, tries it on a stored
//! track, keeps it across restarts and classifies with it from the next window on.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use necken_core::head::StyleHead;
use necken_store::sync::{hex, sha256_hex, topic, ModelAnswer, Op, Request, PROTOCOL};

use super::{CliResult, Context};
use crate::broker::{self, DeviceArgs, Session};

/// Arguments of `necken push-model`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    to: DeviceArgs,
    /// Send the file even when it does not load here (to see the device refuse it).
    #[arg(long)]
    no_check: bool,
    /// Print the device's answer as JSON.
    #[arg(long)]
    json: bool,
    /// The style head (`.nkhead`).
    file: PathBuf,
}

/// Pushes the head and waits for the device's answer; exit 1 when it refused.
pub fn run(_ctx: &Context, args: Args) -> CliResult<ExitCode> {
    let bytes = std::fs::read(&args.file).map_err(|e| format!("{}: {e}", args.file.display()))?;
    if !args.no_check {
        StyleHead::from_bytes(&bytes)
            .map_err(|e| format!("{}: not a style head: {e}", args.file.display()))?;
    }
    let key = args.to.key.key()?;
    let session = Session::connect(&args.to.broker)?;
    let prefix = args.to.broker.prefix_of(&args.to.device);
    let answers = format!(
        "{prefix}{}{}",
        topic::MODEL_RESPONSE,
        args.to.broker.client_id
    );
    session.subscribe(std::slice::from_ref(&answers))?;
    broker::require_online(&session, &args.to.broker, &args.to.device)?;
    let mut req = Request {
        protocol: PROTOCOL,
        op: Op::PushModel,
        req_id: broker::request_id(&args.to.broker.client_id, 1),
        client_id: args.to.broker.client_id.clone(),
        after: 0,
        max_bytes: 0,
        ts: broker::unix_s(),
        model_sha256: Some(sha256_hex(&bytes)),
        model_hex: Some(hex(&bytes)),
        mac: None,
    };
    if let Some(k) = &key {
        req.sign(k);
    }
    session.publish(
        format!(
            "{prefix}{}{}",
            topic::MODEL_REQUEST,
            args.to.broker.client_id
        ),
        serde_json::to_vec(&req)?,
    )?;
    let deadline = Instant::now() + session.timeout();
    let answer = loop {
        let Some(m) = session.next_before(deadline)? else {
            return Err(format!(
                "device {} did not answer the push within {:.1} s",
                args.to.device,
                session.timeout().as_secs_f64()
            )
            .into());
        };
        if m.topic != answers {
            continue;
        }
        let a: ModelAnswer = serde_json::from_slice(&m.payload)
            .map_err(|e| format!("device {}: unreadable answer: {e}", args.to.device))?;
        if a.req_id == req.req_id || (!a.ok && a.req_id.is_empty()) {
            break a;
        }
    };
    session.close();
    if args.json {
        println!("{}", serde_json::to_string(&answer)?);
    }
    if answer.ok {
        if !args.json {
            println!(
                "device {} now classifies with {} (kept across restarts)",
                args.to.device,
                answer.head.as_deref().unwrap_or("?")
            );
        }
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "necken: device {} refused {}: {}",
            args.to.device,
            args.file.display(),
            answer.error.as_deref().unwrap_or("no reason given")
        );
        Ok(ExitCode::from(1))
    }
}
