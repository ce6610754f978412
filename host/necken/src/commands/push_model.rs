//! `necken push-model`: sends a style head to a device, which checks it, tries it on a stored
//! track, keeps it across restarts and classifies with it from the next window on.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use necken_core::head::StyleHead;
use necken_store::sync::{topic, ModelAnswer, Op, Request};

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
    /// Drop the head pushed earlier: the device's board profile decides again.
    #[arg(long, conflicts_with_all = ["file", "no_check"])]
    reset: bool,
    /// The style head (`.nkhead`).
    #[arg(required_unless_present = "reset")]
    file: Option<PathBuf>,
}

/// Pushes the head and waits for the device's answer; exit 1 when it refused.
pub fn run(_ctx: &Context, args: Args) -> CliResult<ExitCode> {
    let (op, bytes, what) = match &args.file {
        Some(file) => {
            let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
            if !args.no_check {
                StyleHead::from_bytes(&bytes)
                    .map_err(|e| format!("{}: not a style head: {e}", file.display()))?;
            }
            (Op::PushModel, Some(bytes), file.display().to_string())
        }
        None => (Op::ResetModel, None, "the reset".to_string()),
    };
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
    let client = &args.to.broker.client_id;
    let req = Request::new(
        op,
        broker::request_id(client, 1),
        client,
        0,
        0,
        bytes.as_deref(),
        key.as_deref(),
    );
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
            match &answer.head {
                Some(h) => println!(
                    "device {} now classifies with {h} (kept across restarts)",
                    args.to.device
                ),
                None => println!(
                    "device {} dropped its pushed head: its board profile's decides",
                    args.to.device
                ),
            }
        }
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "necken: device {} refused {what}: {}",
            args.to.device,
            answer.error.as_deref().unwrap_or("no reason given")
        );
        Ok(ExitCode::from(1))
    }
}
