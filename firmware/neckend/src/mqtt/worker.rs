//! The MQTT worker: sends what the daemon hands it and what waits in the outbox, reacts to the
//! connection's events, and says in the log when the broker is lost and when it is back.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rumqttc::{Client, Event, Outgoing, Packet, QoS};

use super::link::LinkEvent;
use super::serve::{self, Served};
use super::{Command, MqttSettings, Queued};
use crate::messages::{discovery, topic, DeviceInfo};

/// How often the worker looks again when it could not hand a message to rumqttc (its request
/// channel was full).
const RETRY_TICK: Duration = Duration::from_millis(250);

pub(super) struct Worker {
    settings: MqttSettings,
    outbox: super::Queue,
    rx: Receiver<Command>,
    client: Client,
    stop: Arc<AtomicBool>,
    connected: bool,
    /// The durable message in flight: outbox key and, once rumqttc assigned it, its packet id.
    in_flight: Option<(u64, Option<u16>)>,
    /// Since when the broker could not be reached (None while connected or before trying).
    down_since: Option<Instant>,
    failed_attempts: u32,
    /// The store and the serving thread's inbox, when hosts are served.
    served: Option<Served>,
    /// The style head and networks in use, for `info`.
    models: (Option<String>, Vec<String>),
}

impl Worker {
    pub(super) fn new(
        settings: MqttSettings,
        client: Client,
        outbox: super::Queue,
        rx: Receiver<Command>,
        stop: Arc<AtomicBool>,
        served: Option<Served>,
    ) -> Worker {
        Worker {
            settings,
            outbox,
            rx,
            client,
            stop,
            connected: false,
            in_flight: None,
            down_since: None,
            failed_attempts: 0,
            served,
            models: (None, Vec::new()),
        }
    }

    fn topic(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.settings.prefix)
    }

    pub(super) fn run(mut self) {
        loop {
            if self.connected && self.in_flight.is_none() {
                self.send_next();
            }
            match self.rx.recv_timeout(RETRY_TICK) {
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
                Ok(Command::Wake) | Err(RecvTimeoutError::Timeout) => {}
                Ok(Command::Models(head, networks)) => {
                    self.models = (head, networks);
                    self.send_info();
                }
                Ok(Command::Stored) => self.send_info(),
                Ok(Command::Link(e)) => self.on_link(e),
                Ok(Command::Shutdown) | Err(RecvTimeoutError::Disconnected) => {
                    self.shutdown();
                    return;
                }
            }
        }
    }

    fn on_link(&mut self, e: LinkEvent) {
        match e {
            LinkEvent::Event(event) => self.on_event(event),
            LinkEvent::Failed {
                error,
                attempts,
                retry_in,
            } => {
                let address = self.settings.address();
                if self.connected {
                    log::warn!(
                        "mqtt {address}: connection lost ({error}); queueing until it is back, \
                         next attempt in {:.1} s",
                        retry_in.as_secs_f64()
                    );
                } else if attempts == 1 || attempts.is_power_of_two() {
                    log::warn!(
                        "mqtt {address}: cannot connect ({error}); {attempts} failed attempt(s), \
                         next in {:.1} s",
                        retry_in.as_secs_f64()
                    );
                } else {
                    log::debug!("mqtt {address}: attempt {attempts} failed ({error})");
                }
                self.connected = false;
                self.in_flight = None;
                self.failed_attempts = attempts;
                self.down_since.get_or_insert_with(Instant::now);
            }
        }
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::Incoming(Packet::ConnAck(_)) => {
                let address = self.settings.address();
                match self.down_since.take() {
                    Some(since) => log::info!(
                        "mqtt connected to {address} again after {} failed attempt(s) over \
                         {:.1} s; {} queued message(s)",
                        self.failed_attempts,
                        since.elapsed().as_secs_f64(),
                        self.outbox.len()
                    ),
                    None => log::info!(
                        "mqtt connected to {address}; {} queued message(s)",
                        self.outbox.len()
                    ),
                }
                self.connected = true;
                self.failed_attempts = 0;
                self.in_flight = None;
                let _ = self.client.try_publish(
                    self.topic(topic::STATUS),
                    QoS::AtMostOnce,
                    true,
                    "online",
                );
                if self.served.is_some() {
                    for filter in serve::filters(&self.settings.prefix) {
                        let _ = self.client.try_subscribe(filter, QoS::AtLeastOnce);
                    }
                }
                self.send_info();
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
            Event::Incoming(Packet::Publish(p))
                if serve::is_request(&self.settings.prefix, &p.topic) =>
            {
                if let Some((_, tx)) = &self.served {
                    if let Err(TrySendError::Full(_)) = tx.try_send((p.topic, p.payload.to_vec())) {
                        log::warn!("host requests arrive faster than they are served; one dropped");
                    }
                }
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

    /// The retained `info` message: models in use and the store's counts.
    fn send_info(&self) {
        if !self.connected {
            return;
        }
        let (tracks, seq, pulled_through) = match &self.served {
            Some((store, _)) => (
                store.len() as u64,
                store.last_seq().unwrap_or(0),
                store.pulled_through().unwrap_or(0),
            ),
            None => (0, 0, 0),
        };
        let info = DeviceInfo {
            device_id: self.settings.device_id.clone(),
            version: env!("CARGO_PKG_VERSION").into(),
            head: self.models.0.clone(),
            models: self.models.1.clone(),
            tracks,
            seq,
            pulled_through,
            ts: crate::outputs::unix_ms(),
        };
        let _ = self.client.try_publish(
            self.topic(topic::INFO),
            QoS::AtMostOnce,
            true,
            serde_json::to_vec(&info).expect("info encodes"),
        );
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

    /// Waits up to `deadline` for the next input, handling connection events; commands other
    /// than events are dropped (the daemon is stopping).
    fn pump_until(&mut self, deadline: Instant, done: fn(&Event) -> bool) {
        while Instant::now() < deadline {
            match self
                .rx
                .recv_timeout((deadline - Instant::now()).min(RETRY_TICK))
            {
                Ok(Command::Link(LinkEvent::Event(event))) => {
                    let finished = done(&event);
                    self.on_event(event);
                    if finished {
                        return;
                    }
                }
                Ok(Command::Link(failed)) => {
                    self.on_link(failed);
                    return;
                }
                Ok(_) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    /// Clean stop: deliver what can be delivered in a moment, say `offline`, disconnect.
    fn shutdown(&mut self) {
        if self.connected {
            let deadline = Instant::now() + Duration::from_secs(2);
            while self.connected && !self.outbox.is_empty() && Instant::now() < deadline {
                if self.in_flight.is_none() {
                    self.send_next();
                }
                // Back here after every event, so the next queued message goes out at once.
                self.pump_until(deadline, |_| true);
            }
            let _ = self.client.try_publish(
                self.topic(topic::STATUS),
                QoS::AtMostOnce,
                true,
                "offline",
            );
            let _ = self.client.try_disconnect();
            self.pump_until(Instant::now() + Duration::from_secs(2), |e| {
                matches!(e, Event::Outgoing(Outgoing::Disconnect))
            });
        }
        self.stop.store(true, Ordering::Relaxed);
    }
}
