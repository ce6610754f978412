//! The MQTT side: one thread owning a rumqttc connection. Beats go out at QoS 0 only while
//! connected (a late beat is useless). Style and track messages are first written to the
//! durable [`Outbox`] in the store and leave it only when the broker has acknowledged them
//! (QoS 1), so they survive broker outages and daemon restarts; delivery is at least once.
//!
//! One durable message is in flight at a time: after a reconnect the head of the queue is sent
//! again, and a stale copy of it still in rumqttc's request channel is the same message, so
//! acknowledgements can never be attributed to the wrong entry.

use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use necken_store::{Outbox, StoreError};
use rumqttc::{Client, Connection, Event, LastWill, MqttOptions, Outgoing, Packet, QoS, Transport};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::messages::{discovery, topic};

/// Commands to the MQTT thread.
enum Command {
    Beat(Vec<u8>),
    Wake,
    Shutdown,
}

/// A durable message as stored in the outbox.
#[derive(Serialize, Deserialize)]
struct Queued {
    topic: String,
    payload: Vec<u8>,
    retain: bool,
}

/// Settings of the connection, resolved from the configuration.
#[derive(Clone, Debug)]
pub struct MqttSettings {
    options: MqttOptions,
    prefix: String,
    device_id: String,
    discovery_prefix: String,
}

impl MqttSettings {
    /// Resolves the `[mqtt]` section (reads TLS files; errors name them).
    pub fn from_config(c: &Config) -> Result<MqttSettings, String> {
        let m = &c.mqtt;
        let device_id = c.device_id();
        let prefix = c.topic_prefix();
        let mut options = MqttOptions::new(format!("neckend-{device_id}"), &m.host, m.port);
        options.set_keep_alive(Duration::from_secs(m.keep_alive_s.max(5)));
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
        })
    }

    /// The topic prefix (ends in `/`).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
}

/// The daemon's handle on the MQTT thread.
pub struct Publisher {
    tx: SyncSender<Command>,
    outbox: Outbox,
    prefix: String,
    thread: Option<JoinHandle<()>>,
}

impl Publisher {
    /// Starts the MQTT thread; it connects (and reconnects) in the background.
    pub fn start(settings: MqttSettings, outbox: Outbox) -> Publisher {
        let (tx, rx) = sync_channel(1024);
        let prefix = settings.prefix.clone();
        let worker_outbox = outbox.clone();
        let thread = std::thread::Builder::new()
            .name("mqtt".into())
            .spawn(move || Worker::new(settings, worker_outbox, rx).run())
            .expect("spawning a thread");
        Publisher {
            tx,
            outbox,
            prefix,
            thread: Some(thread),
        }
    }

    /// Queues a durable message (style, track): it is on disk when this returns.
    pub fn durable(&self, suffix: &str, payload: Vec<u8>, retain: bool) -> Result<(), StoreError> {
        let q = Queued {
            topic: format!("{}{suffix}", self.prefix),
            payload,
            retain,
        };
        let bytes = postcard::to_stdvec(&q).expect("a queued message always encodes");
        let dropped = self.outbox.push(&bytes)?;
        if dropped > 0 {
            log::warn!("mqtt queue full: dropped the {dropped} oldest message(s)");
        }
        let _ = self.tx.try_send(Command::Wake);
        Ok(())
    }

    /// Sends a beat now if connected; dropped otherwise or when the thread is behind.
    pub fn beat(&self, payload: Vec<u8>) {
        if let Err(TrySendError::Full(_)) = self.tx.try_send(Command::Beat(payload)) {
            log::debug!("mqtt thread behind; beat dropped");
        }
    }

    /// Publishes `offline`, disconnects and waits (up to a few seconds) for the thread.
    pub fn shutdown(mut self) {
        let _ = self.tx.send(Command::Shutdown);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Worker {
    settings: MqttSettings,
    outbox: Outbox,
    rx: Receiver<Command>,
    client: Client,
    connection: Connection,
    connected: bool,
    /// The durable message in flight: outbox key and, once rumqttc assigned it, its packet id.
    in_flight: Option<(u64, Option<u16>)>,
    retry_at: Option<Instant>,
    failures: u32,
}

impl Worker {
    fn new(settings: MqttSettings, outbox: Outbox, rx: Receiver<Command>) -> Worker {
        let (client, connection) = Client::new(settings.options.clone(), 64);
        Worker {
            settings,
            outbox,
            rx,
            client,
            connection,
            connected: false,
            in_flight: None,
            retry_at: None,
            failures: 0,
        }
    }

    fn topic(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.settings.prefix)
    }

    fn run(mut self) {
        loop {
            // Commands first, without waiting.
            loop {
                match self.rx.try_recv() {
                    Ok(Command::Beat(p)) => {
                        if self.connected {
                            let _ = self.client.try_publish(
                                self.topic(topic::BEAT),
                                QoS::AtMostOnce,
                                false,
                                p,
                            );
                        }
                    }
                    Ok(Command::Wake) => {}
                    Ok(Command::Shutdown) | Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                        self.shutdown();
                        return;
                    }
                    Err(std::sync::mpsc::TryRecvError::Empty) => break,
                }
            }
            if self.connected && self.in_flight.is_none() {
                self.send_next();
            }
            if let Some(at) = self.retry_at {
                // Waiting to reconnect: sleep on the command channel instead of polling.
                let now = Instant::now();
                if now < at {
                    match self
                        .rx
                        .recv_timeout((at - now).min(Duration::from_millis(200)))
                    {
                        Ok(Command::Shutdown) | Err(RecvTimeoutError::Disconnected) => {
                            self.shutdown();
                            return;
                        }
                        Ok(_) | Err(RecvTimeoutError::Timeout) => continue,
                    }
                }
                self.retry_at = None;
            }
            match self.connection.recv_timeout(Duration::from_millis(20)) {
                Ok(Ok(event)) => self.on_event(event),
                Ok(Err(e)) => {
                    if self.connected || self.failures == 0 {
                        log::warn!(
                            "mqtt {}:{}: {e}; queueing until it is back",
                            self.settings.options.broker_address().0,
                            self.settings.options.broker_address().1
                        );
                    }
                    self.connected = false;
                    self.in_flight = None;
                    self.failures += 1;
                    let backoff = Duration::from_millis(250 * u64::from(self.failures.min(8)));
                    self.retry_at = Some(Instant::now() + backoff);
                }
                Err(rumqttc::RecvTimeoutError::Timeout) => {}
                Err(rumqttc::RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::Incoming(Packet::ConnAck(_)) => {
                log::info!(
                    "mqtt connected to {}:{}; {} queued message(s)",
                    self.settings.options.broker_address().0,
                    self.settings.options.broker_address().1,
                    self.outbox.len()
                );
                self.connected = true;
                self.failures = 0;
                self.in_flight = None;
                let _ = self.client.try_publish(
                    self.topic(topic::STATUS),
                    QoS::AtMostOnce,
                    true,
                    "online",
                );
                if !self.settings.discovery_prefix.is_empty() {
                    let _ = self.client.try_subscribe(
                        format!("{}/status", self.settings.discovery_prefix),
                        QoS::AtMostOnce,
                    );
                    self.send_discovery();
                }
            }
            Event::Incoming(Packet::Publish(p))
                if p.topic == format!("{}/status", self.settings.discovery_prefix)
                    && p.payload.as_ref() == b"online" =>
            {
                log::info!("Home Assistant is back: re-sending discovery");
                self.send_discovery();
            }
            Event::Outgoing(Outgoing::Publish(pkid)) if pkid != 0 => {
                if let Some((_, id @ None)) = &mut self.in_flight {
                    *id = Some(pkid);
                }
            }
            Event::Incoming(Packet::PubAck(ack)) => {
                if let Some((key, Some(pkid))) = self.in_flight {
                    if pkid == ack.pkid {
                        if let Err(e) = self.outbox.remove(key) {
                            log::error!("mqtt queue: {e}");
                        }
                        self.in_flight = None;
                    }
                }
            }
            _ => {}
        }
    }

    fn send_discovery(&self) {
        for (t, payload) in discovery(
            &self.settings.discovery_prefix,
            &self.settings.device_id,
            &self.settings.prefix,
        ) {
            let _ = self
                .client
                .try_publish(t, QoS::AtMostOnce, true, payload.to_string());
        }
    }

    fn send_next(&mut self) {
        let next = match self.outbox.peek(None, 1) {
            Ok(mut v) => v.pop(),
            Err(e) => {
                log::error!("mqtt queue: {e}");
                None
            }
        };
        let Some((key, bytes)) = next else { return };
        match postcard::from_bytes::<Queued>(&bytes) {
            Ok(q) => {
                if self
                    .client
                    .try_publish(q.topic, QoS::AtLeastOnce, q.retain, q.payload)
                    .is_ok()
                {
                    self.in_flight = Some((key, None));
                }
            }
            Err(e) => {
                log::error!("mqtt queue: entry {key} does not decode ({e}); dropped");
                let _ = self.outbox.remove(key);
            }
        }
    }

    /// Clean stop: deliver what can be delivered in a moment, say `offline`, disconnect.
    fn shutdown(&mut self) {
        if !self.connected {
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        while self.connected && !self.outbox.is_empty() && Instant::now() < deadline {
            if self.in_flight.is_none() {
                self.send_next();
            }
            match self.connection.recv_timeout(Duration::from_millis(50)) {
                Ok(Ok(event)) => self.on_event(event),
                Ok(Err(_)) => self.connected = false,
                Err(_) => {}
            }
        }
        let _ =
            self.client
                .try_publish(self.topic(topic::STATUS), QoS::AtMostOnce, true, "offline");
        let _ = self.client.try_disconnect();
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            match self.connection.recv_timeout(Duration::from_millis(50)) {
                Ok(Ok(Event::Outgoing(Outgoing::Disconnect))) | Ok(Err(_)) => break,
                Err(rumqttc::RecvTimeoutError::Disconnected) => break,
                _ => {}
            }
        }
    }
}
