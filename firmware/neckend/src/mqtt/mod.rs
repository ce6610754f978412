//! The MQTT side: a worker thread owning the rumqttc client and a network thread driving the
//! connection ([`link`]). Beats go out at QoS 0 only while connected (a late beat is useless).
//! Style and track messages are first written to the durable message queue of the store ([`MessageQueue`]) and
//! leave it only when the broker has acknowledged them (QoS 1), so they survive broker
//! outages and daemon restarts; delivery is at least once, and each durable message carries
//! a `msg_id` unique on the device so that consumers can drop a repeat.
//!
//! One durable message is in flight at a time: after a reconnect the head of the queue is sent
//! again, and a stale copy of it still in rumqttc's request channel is the same message, so
//! acknowledgements can never be attributed to the wrong entry.

mod link;
mod serve;
mod worker;

use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use necken_store::{MessageQueue, StoreError};
use rumqttc::{LastWill, MqttOptions, QoS, Transport};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::messages::topic;
pub use link::Backoff;
use link::LinkEvent;
pub use serve::{ServeSetup, SharedStore, PUSHED_HEAD};

/// What reaches the worker thread: the daemon's commands and the network thread's events.
pub(crate) enum Command {
    Beat(Vec<u8>),
    Wake,
    /// The models in use changed: (style head, networks).
    Models(Option<String>, Vec<String>),
    /// A track was stored or pulled: re-send the device info.
    Stored,
    Shutdown,
    Link(LinkEvent),
}

/// The store's durable message queue, shared by the publisher and its worker.
pub type Queue = Arc<dyn MessageQueue + Send + Sync>;

/// A durable message as stored in the outbox.
#[derive(Serialize, Deserialize)]
struct Queued {
    topic: String,
    payload: Vec<u8>,
    retain: bool,
}

/// Decodes an outbox entry as the worker does before sending it (the entries are read back
/// from disk, so they are outside input too): `(topic, payload, retain)`.
pub fn decode_queued(bytes: &[u8]) -> Result<(String, Vec<u8>, bool), postcard::Error> {
    postcard::from_bytes::<Queued>(bytes).map(|q| (q.topic, q.payload, q.retain))
}

/// Settings of the connection, resolved from the configuration.
#[derive(Clone, Debug)]
pub struct MqttSettings {
    options: MqttOptions,
    prefix: String,
    device_id: String,
    discovery_prefix: String,
    backoff: Backoff,
}

impl MqttSettings {
    /// Resolves the `[mqtt]` section (reads TLS files; errors name them).
    pub fn from_config(c: &Config) -> Result<MqttSettings, String> {
        let m = &c.mqtt;
        let device_id = c.device_id();
        let prefix = c.topic_prefix();
        let mut options = MqttOptions::new(format!("neckend-{device_id}"), &m.host, m.port);
        options.set_keep_alive(Duration::from_secs(m.keep_alive_s.max(5)));
        // Pull pages (up to 1 MiB of records) out, pushed style heads in.
        options.set_max_packet_size(4 << 20, 4 << 20);
        options.set_clean_session(true);
        options.set_last_will(LastWill::new(
            format!("{prefix}{}", topic::STATUS),
            "offline",
            QoS::AtLeastOnce,
            true,
        ));
        if !m.username.is_empty() {
            options.set_credentials(&m.username, &m.password);
        }
        if !m.tls_ca.as_os_str().is_empty() {
            let read = |p: &std::path::Path| {
                std::fs::read(p).map_err(|e| format!("mqtt TLS file {}: {e}", p.display()))
            };
            let ca = read(&m.tls_ca)?;
            let client_auth = if m.tls_client_cert.as_os_str().is_empty() {
                None
            } else {
                Some((read(&m.tls_client_cert)?, read(&m.tls_client_key)?))
            };
            options.set_transport(Transport::tls(ca, client_auth, None));
        }
        Ok(MqttSettings {
            options,
            prefix,
            device_id,
            discovery_prefix: m.discovery_prefix.clone(),
            backoff: Backoff {
                first: Duration::from_millis(m.reconnect_min_ms.max(50)),
                max: Duration::from_secs_f64(m.reconnect_max_s.max(0.1)),
            },
        })
    }

    /// The topic prefix (ends in `/`).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn address(&self) -> String {
        let (host, port) = self.options.broker_address();
        format!("{host}:{port}")
    }
}

/// The daemon's handle on the MQTT threads.
pub struct Publisher {
    tx: SyncSender<Command>,
    outbox: Queue,
    prefix: String,
    device_id: String,
    thread: Option<JoinHandle<()>>,
}

impl Publisher {
    /// Starts the MQTT threads; they connect (and reconnect) in the background. With `serve`,
    /// hosts can pull tracks and push style heads (those `serve.allow` names).
    pub fn start(settings: MqttSettings, outbox: Queue, serve: Option<ServeSetup>) -> Publisher {
        let (tx, rx) = sync_channel(1024);
        let prefix = settings.prefix.clone();
        let device_id = settings.device_id.clone();
        let (client, connection) = rumqttc::Client::new(settings.options.clone(), 64);
        let stop = Arc::new(AtomicBool::new(false));
        link::spawn(
            connection,
            tx.clone(),
            Command::Link,
            settings.backoff,
            stop.clone(),
        );
        let served = serve.map(|setup| {
            let (serve_tx, serve_rx) = sync_channel(16);
            let store = setup.store.clone();
            serve::spawn(
                setup,
                client.clone(),
                prefix.clone(),
                device_id.clone(),
                serve_rx,
                tx.clone(),
            );
            (store, serve_tx)
        });
        let worker_outbox = outbox.clone();
        let thread = std::thread::Builder::new()
            .name("mqtt".into())
            .spawn(move || {
                worker::Worker::new(settings, client, worker_outbox, rx, stop, served).run()
            })
            .expect("spawning a thread");
        Publisher {
            tx,
            outbox,
            prefix,
            device_id,
            thread: Some(thread),
        }
    }

    /// Queues a durable message (style, track): it is on disk when this returns. The payload
    /// (a JSON object) gets `msg_id`, `<device_id>-<n>` with `n` increasing for the life of the
    /// store, so a consumer can recognise a message delivered twice (after a daemon restart
    /// the message that was in flight is sent again).
    pub fn durable(
        &self,
        suffix: &str,
        payload: serde_json::Value,
        retain: bool,
    ) -> Result<(), StoreError> {
        let topic = format!("{}{suffix}", self.prefix);
        let dropped = self.outbox.push_keyed(&mut |key| {
            let mut payload = payload.clone();
            payload["msg_id"] = format!("{}-{key}", self.device_id).into();
            let q = Queued {
                topic: topic.clone(),
                payload: serde_json::to_vec(&payload).expect("a JSON value always encodes"),
                retain,
            };
            postcard::to_stdvec(&q).expect("a queued message always encodes")
        })?;
        if dropped > 0 {
            log::warn!("mqtt queue full: dropped the {dropped} oldest message(s)");
        }
        let _ = self.tx.try_send(Command::Wake);
        Ok(())
    }

    /// Says which style head and networks run now (for the retained `info` message).
    pub fn models(&self, head: Option<String>, networks: Vec<String>) {
        let _ = self.tx.try_send(Command::Models(head, networks));
    }

    /// Says a track was stored (the `info` message's counts change).
    pub fn stored(&self) {
        let _ = self.tx.try_send(Command::Stored);
    }

    /// Sends a beat now if connected; dropped otherwise or when the thread is behind.
    pub fn beat(&self, payload: Vec<u8>) {
        if let Err(TrySendError::Full(_)) = self.tx.try_send(Command::Beat(payload)) {
            log::debug!("mqtt thread behind; beat dropped");
        }
    }

    /// Delivers what it can in a moment, publishes `offline`, disconnects and waits (a few
    /// seconds at most) for the worker.
    pub fn shutdown(mut self) {
        let _ = self.tx.send(Command::Shutdown);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
