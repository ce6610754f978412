//! Serving hosts over MQTT (docs/mqtt.md, *Pull and push*): pages of stored tracks for
//! `necken pull` and style heads from `necken push-model`, for the client ids `[pull] allow`
//! names. Runs on a thread of its own so that reading the store and sending a page never
//! delays a beat.
//!
//! Answers go out at QoS 0: the host asks again when an answer does not come, and a QoS 1
//! publish here would interleave with the worker's one durable message in flight.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use necken_core::head::StyleHead;
use necken_store::sync::{
    sha256_hex, topic, unhex, unix_s, ModelAnswer, Op, Page, PulledRecord, Request, MAX_PAGE_BYTES,
    PROTOCOL,
};
use necken_store::{ArtifactStore, StoreError};
use rumqttc::{Client, QoS};

use super::Command;

/// The store setting that keeps a pushed style head across restarts.
pub const PUSHED_HEAD: &str = "pushed_style_head";

/// The shared store, as the MQTT threads see it.
pub type SharedStore = Arc<dyn ArtifactStore + Send + Sync>;

/// A host request as it arrived: (topic, payload).
pub(super) type HostRequest = (String, Vec<u8>);

/// What the worker needs of a served store: the store (for `info`) and the serving thread's
/// inbox.
pub(super) type Served = (SharedStore, SyncSender<HostRequest>);

/// What the serving thread needs besides the connection.
#[derive(Clone)]
pub struct ServeSetup {
    /// The daemon's store.
    pub store: SharedStore,
    /// Client ids that may pull and push.
    pub allow: Vec<String>,
    /// Shared key every request must be signed with, when set.
    pub key: Option<Vec<u8>>,
    /// The id of the embedding network the daemon runs, if any (a head trained with
    /// embeddings needs one, and one of its own network).
    pub embedding_net: Option<String>,
    /// Set when a pushed head was stored: the daemon's loops swap it in.
    pub head_pushed: Arc<AtomicBool>,
    /// The full reload (SIGHUP's): set when a pushed head was dropped, so the profile's
    /// head is loaded again.
    pub reload: Arc<AtomicBool>,
}

struct Server {
    setup: ServeSetup,
    client: Client,
    /// The worker's inbox: told when the counts in `info` changed.
    worker: SyncSender<Command>,
    prefix: String,
    device_id: String,
}

/// Starts the serving thread; it ends when `rx` closes.
pub(super) fn spawn(
    setup: ServeSetup,
    client: Client,
    prefix: String,
    device_id: String,
    rx: Receiver<HostRequest>,
    worker: SyncSender<Command>,
) -> JoinHandle<()> {
    let server = Server {
        setup,
        client,
        worker,
        prefix,
        device_id,
    };
    std::thread::Builder::new()
        .name("mqtt-serve".into())
        .spawn(move || {
            for (topic, payload) in rx {
                server.handle(&topic, &payload);
            }
        })
        .expect("spawning a thread")
}

/// The topic filters the daemon subscribes to for serving.
pub(super) fn filters(prefix: &str) -> [String; 2] {
    [
        format!("{prefix}{}+", topic::PULL_REQUEST),
        format!("{prefix}{}+", topic::MODEL_REQUEST),
    ]
}

/// For a topic [`filters`] matches: whether it is the pull topic (else the model topic), and
/// the client id it names.
fn split_request<'a>(prefix: &str, t: &'a str) -> Option<(bool, &'a str)> {
    let rest = t.strip_prefix(prefix)?;
    match rest.strip_prefix(topic::PULL_REQUEST) {
        Some(client) => Some((true, client)),
        None => rest
            .strip_prefix(topic::MODEL_REQUEST)
            .map(|client| (false, client)),
    }
}

/// True for a topic [`filters`] matches.
pub(super) fn is_request(prefix: &str, t: &str) -> bool {
    split_request(prefix, t).is_some()
}

impl Server {
    fn handle(&self, t: &str, payload: &[u8]) {
        let Some((pull, client)) = split_request(&self.prefix, t) else {
            return;
        };
        let req: Request = match serde_json::from_slice(payload) {
            Ok(r) => r,
            Err(e) => {
                log::warn!("host request from client {client} on {t} does not parse: {e}");
                return self.answer_error(pull, client, "", format!("bad request: {e}"));
            }
        };
        if let Err(e) = self.authorize(client, &req, pull) {
            log::warn!("refused {:?} request from client {client}: {e}", req.op);
            return self.answer_error(pull, client, &req.req_id, e);
        }
        match req.op {
            Op::Pull | Op::Ack => match self.page(&req) {
                Ok(page) => {
                    if !page.records.is_empty() {
                        log::info!(
                            "pull by {client}: {} track(s) after seq {} (through {}{})",
                            page.records.len(),
                            req.after,
                            page.through,
                            if page.more { ", more follow" } else { "" }
                        );
                    }
                    self.send(topic::PULL_RESPONSE, client, page.encode());
                    if req.op == Op::Ack {
                        let _ = self.worker.try_send(Command::Stored);
                    }
                }
                Err(e) => {
                    log::error!("pull by {client}: {e}");
                    self.answer_error(pull, client, &req.req_id, format!("device store: {e}"));
                }
            },
            Op::ResetModel => {
                let result = match self.setup.store.set_setting(PUSHED_HEAD, None) {
                    Ok(()) => {
                        log::info!("{client} dropped the pushed style head: the profile's decides");
                        self.setup.reload.store(true, Ordering::Relaxed);
                        Ok(None)
                    }
                    Err(e) => Err(format!("cannot drop the pushed head: {e}")),
                };
                self.answer_model(client, &req.req_id, result);
            }
            Op::PushModel => {
                let result = match self.take_model(&req) {
                    Ok(id) => {
                        log::info!("style head {id} pushed by {client}: stored, swapping it in");
                        Ok(Some(id))
                    }
                    Err(e) => {
                        log::warn!("style head pushed by {client} not taken: {e}");
                        Err(e)
                    }
                };
                self.answer_model(client, &req.req_id, result);
            }
        }
    }

    fn authorize(&self, client: &str, req: &Request, pull_topic: bool) -> Result<(), String> {
        if req.protocol != PROTOCOL {
            return Err(format!(
                "the host speaks pull protocol {}, this device {PROTOCOL}",
                req.protocol
            ));
        }
        if req.client_id != client {
            return Err(format!(
                "the request names client {} but came on the topic of client {client}",
                req.client_id
            ));
        }
        if pull_topic == req.op.is_model() {
            return Err(format!("{:?} does not belong on this topic", req.op));
        }
        if !self.setup.allow.iter().any(|a| a == client) {
            return Err(format!(
                "client {client} is not allowed on device {} (start neckend with --allow-pull \
                 {client} or add it to [pull] allow)",
                self.device_id
            ));
        }
        if let Some(key) = &self.setup.key {
            req.verify(key, unix_s())?;
        }
        Ok(())
    }

    /// The records after `req.after`, up to the page size. The request says the host holds
    /// everything through `after`, so that is recorded for retention.
    fn page(&self, req: &Request) -> Result<Page, StoreError> {
        let store = &self.setup.store;
        if req.after > 0 {
            store.mark_pulled(req.after)?;
        }
        let last = store.last_seq()?;
        let mut page = Page {
            protocol: PROTOCOL,
            req_id: req.req_id.clone(),
            device_id: self.device_id.clone(),
            error: None,
            records: Vec::new(),
            through: req.after,
            device_seq: last,
            device_tracks: store.len() as u64,
            more: false,
        };
        if req.op == Op::Ack {
            return Ok(page);
        }
        let max = req.max_bytes.clamp(256, MAX_PAGE_BYTES) as usize;
        let mut bytes = 0usize;
        let walk = store.changes_since(req.after, &mut |rec| {
            let size = rec.artifacts.len() + rec.meta.source_path.len() + 64;
            if !page.records.is_empty() && bytes + size > max {
                page.more = true;
                return Err(StoreError::Engine(String::new()));
            }
            bytes += size;
            page.through = rec.meta.seq;
            page.records.push(PulledRecord {
                meta: rec.meta,
                artifacts: rec.artifacts,
            });
            Ok(())
        });
        match walk {
            Err(_) if page.more => {}
            other => other?,
        }
        if !page.more {
            page.through = page.through.max(last);
        }
        Ok(page)
    }

    /// Checks, validates and stores a pushed head; returns its id.
    fn take_model(&self, req: &Request) -> Result<String, String> {
        let bytes = req
            .model_hex
            .as_deref()
            .and_then(unhex)
            .ok_or("the request carries no model (model_hex)")?;
        let sum = sha256_hex(&bytes);
        if req.model_sha256.as_deref() != Some(sum.as_str()) {
            return Err(format!(
                "checksum mismatch: the model's SHA-256 is {sum}, the request says {}",
                req.model_sha256.as_deref().unwrap_or("nothing")
            ));
        }
        let head = StyleHead::from_bytes(&bytes).map_err(|e| format!("not a style head: {e}"))?;
        let net = self.setup.embedding_net.as_deref();
        if head.expects_embedding() && net.is_none() {
            return Err(format!(
                "head {} was trained with embeddings and this device runs no embedding network",
                head.id
            ));
        }
        if !head.reads(net) {
            return Err(format!(
                "head {} reads {}'s embeddings and this device runs {}: it would classify nothing",
                head.id,
                head.embedding_model.as_deref().unwrap_or("no network"),
                net.unwrap_or("no embedding network")
            ));
        }
        self.try_on_a_stored_track(&head)?;
        self.setup
            .store
            .set_setting(PUSHED_HEAD, Some(&bytes))
            .map_err(|e| format!("cannot keep the head: {e}"))?;
        self.setup.head_pushed.store(true, Ordering::Relaxed);
        Ok(head.id)
    }

    /// Classifies the newest stored track with the head: a head that cannot is refused
    /// before it replaces the running one.
    fn try_on_a_stored_track(&self, head: &StyleHead) -> Result<(), String> {
        let store = &self.setup.store;
        let last = store.last_seq().map_err(|e| e.to_string())?;
        let mut tried = Ok(());
        let _ = store.changes_since(last.saturating_sub(1), &mut |rec| {
            tried = necken_core::reanalyze(&rec.artifacts, &rec.meta.tags, Some(head))
                .map_err(|e| e.to_string())
                .and_then(|(_, c)| {
                    if c.confidence.is_finite() {
                        Ok(())
                    } else {
                        Err(format!("head {} gives no finite probabilities", head.id))
                    }
                });
            Ok(())
        });
        tried.map_err(|e| format!("head {} fails on a stored track: {e}", head.id))
    }

    fn answer_error(&self, pull: bool, client: &str, req_id: &str, error: String) {
        if pull {
            let page = Page::error(req_id, &self.device_id, error);
            self.send(topic::PULL_RESPONSE, client, page.encode());
        } else {
            self.answer_model(client, req_id, Err(error));
        }
    }

    /// Answers a model request: the head now pushed (`None` after a reset), or why not.
    fn answer_model(&self, client: &str, req_id: &str, result: Result<Option<String>, String>) {
        let answer = ModelAnswer {
            req_id: req_id.into(),
            device_id: self.device_id.clone(),
            ok: result.is_ok(),
            head: result.clone().ok().flatten(),
            error: result.err(),
        };
        let json = serde_json::to_vec(&answer).expect("an answer encodes");
        self.send(topic::MODEL_RESPONSE, client, json);
    }

    fn send(&self, suffix: &str, client: &str, payload: Vec<u8>) {
        let t = format!("{}{suffix}{client}", self.prefix);
        if let Err(e) = self.client.publish(t, QoS::AtMostOnce, false, payload) {
            log::warn!("cannot answer client {client}: {e}");
        }
    }
}
