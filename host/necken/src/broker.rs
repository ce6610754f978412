//! The host's side of an MQTT broker: connection options shared by `pull`, `push-model` and
//! `devices`, and a session that waits for what it asked for.
//!
//! rumqttc's event loop runs on a thread of its own that is never interrupted (a sync
//! `recv_timeout` cancels a connect in flight on slow links); the session waits on a channel.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use rumqttc::{Client, Event, MqttOptions, Packet, QoS, Transport};

use crate::commands::CliResult;

/// How to reach the broker and the devices on it.
#[derive(clap::Args, Clone, Debug)]
pub struct BrokerArgs {
    /// The broker, `HOST:PORT` (port 1883 when left out).
    #[arg(long, env = "NECKEN_BROKER", default_value = "localhost:1883")]
    pub broker: String,
    /// MQTT client id of this host; the device must allow it (`neckend --allow-pull ID`).
    #[arg(long, default_value = "necken-host")]
    pub client_id: String,
    /// Broker username.
    #[arg(long, env = "NECKEN_MQTT_USER")]
    pub username: Option<String>,
    /// Broker password.
    #[arg(long, env = "NECKEN_MQTT_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// CA certificate (PEM): connect with TLS.
    #[arg(long)]
    pub tls_ca: Option<PathBuf>,
    /// Client certificate (PEM) for brokers that require one (with `--tls-key`).
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// Client key (PEM).
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Devices' topic prefix, as in their `[mqtt] prefix`.
    #[arg(long, default_value = "necken/{device_id}/")]
    pub prefix: String,
    /// Seconds to wait for the broker and for each answer.
    #[arg(long, default_value_t = 10.0)]
    pub timeout_s: f64,
}

impl BrokerArgs {
    /// The topic prefix of `device` (ends in `/`).
    pub fn prefix_of(&self, device: &str) -> String {
        let mut p = self.prefix.replace("{device_id}", device);
        if !p.ends_with('/') {
            p.push('/');
        }
        p
    }

    /// The device id in a topic `<prefix of id><suffix>`, when it is one.
    pub fn device_in<'a>(&self, topic: &'a str, suffix: &str) -> Option<&'a str> {
        let template = self.prefix_of("{device_id}");
        let (pre, post) = template.split_once("{device_id}")?;
        let id = topic.strip_prefix(pre)?.strip_suffix(suffix)?;
        let id = id.strip_suffix(post)?;
        (!id.is_empty() && !id.contains('/')).then_some(id)
    }

    /// The answer wait.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs_f64(self.timeout_s.clamp(0.1, 3600.0))
    }

    fn options(&self) -> CliResult<MqttOptions> {
        let (host, port) = match self.broker.rsplit_once(':') {
            Some((h, p)) => (
                h.to_string(),
                p.parse::<u16>()
                    .map_err(|_| format!("--broker {}: the port is not a number", self.broker))?,
            ),
            None => (self.broker.clone(), 1883),
        };
        if host.is_empty() {
            return Err(format!("--broker {}: no host", self.broker).into());
        }
        let mut o = MqttOptions::new(&self.client_id, host, port);
        o.set_keep_alive(Duration::from_secs(15));
        o.set_clean_session(true);
        o.set_max_packet_size(4 << 20, 4 << 20);
        if let Some(u) = &self.username {
            o.set_credentials(u, self.password.as_deref().unwrap_or(""));
        }
        if let Some(ca) = &self.tls_ca {
            let read = |p: &PathBuf| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
            let auth = match (&self.tls_cert, &self.tls_key) {
                (Some(c), Some(k)) => Some((read(c)?, read(k)?)),
                _ => None,
            };
            o.set_transport(Transport::tls(read(ca)?, auth, None));
        }
        Ok(o)
    }
}

/// A message that arrived.
pub struct Message {
    /// Its topic.
    pub topic: String,
    /// Its payload.
    pub payload: Vec<u8>,
}

enum Incoming {
    Connected,
    Subscribed,
    Message(Message),
    Failed(String),
}

/// A connected client.
pub struct Session {
    client: Client,
    rx: Receiver<Incoming>,
    /// Messages that arrived while waiting for something else.
    pending: RefCell<VecDeque<Message>>,
    broker: String,
    timeout: Duration,
}

impl Session {
    /// Connects (waiting up to the timeout for the broker's answer).
    pub fn connect(args: &BrokerArgs) -> CliResult<Session> {
        let (client, mut connection) = Client::new(args.options()?, 64);
        let (tx, rx) = channel();
        std::thread::Builder::new()
            .name("mqtt-net".into())
            .spawn(move || loop {
                let incoming = match connection.recv() {
                    Ok(Ok(Event::Incoming(Packet::ConnAck(_)))) => Incoming::Connected,
                    Ok(Ok(Event::Incoming(Packet::SubAck(_)))) => Incoming::Subscribed,
                    Ok(Ok(Event::Incoming(Packet::Publish(p)))) => Incoming::Message(Message {
                        topic: p.topic,
                        payload: p.payload.to_vec(),
                    }),
                    Ok(Ok(_)) => continue,
                    Ok(Err(e)) => Incoming::Failed(e.to_string()),
                    Err(_) => return,
                };
                let failed = matches!(incoming, Incoming::Failed(_));
                if tx.send(incoming).is_err() || failed {
                    return;
                }
            })?;
        let s = Session {
            client,
            rx,
            pending: RefCell::new(VecDeque::new()),
            broker: args.broker.clone(),
            timeout: args.timeout(),
        };
        s.wait_for("the broker's CONNACK", |i| matches!(i, Incoming::Connected))?;
        Ok(s)
    }

    fn wait_for(&self, what: &str, done: impl Fn(&Incoming) -> bool) -> CliResult<()> {
        let deadline = Instant::now() + self.timeout;
        loop {
            match self
                .rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(Incoming::Failed(e)) => {
                    return Err(format!("broker {}: {e}", self.broker).into())
                }
                Ok(i) if done(&i) => return Ok(()),
                Ok(Incoming::Message(m)) => self.pending.borrow_mut().push_back(m),
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => {
                    return Err(format!(
                        "broker {}: no {what} within {:.1} s",
                        self.broker,
                        self.timeout.as_secs_f64()
                    )
                    .into())
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(format!("broker {}: connection closed", self.broker).into())
                }
            }
        }
    }

    /// Subscribes (QoS 1) and waits for the broker's acknowledgement; retained messages on
    /// the filters follow.
    pub fn subscribe(&self, filters: &[String]) -> CliResult<()> {
        for f in filters {
            self.client.subscribe(f.clone(), QoS::AtLeastOnce)?;
            self.wait_for("SUBACK", |i| matches!(i, Incoming::Subscribed))?;
        }
        Ok(())
    }

    /// Publishes at QoS 1.
    pub fn publish(&self, topic: String, payload: Vec<u8>) -> CliResult<()> {
        self.client
            .publish(topic, QoS::AtLeastOnce, false, payload)
            .map_err(|e| format!("broker {}: {e}", self.broker).into())
    }

    /// The next message before `deadline` (`None` when none came).
    pub fn next_before(&self, deadline: Instant) -> CliResult<Option<Message>> {
        if let Some(m) = self.pending.borrow_mut().pop_front() {
            return Ok(Some(m));
        }
        loop {
            match self
                .rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(Incoming::Message(m)) => return Ok(Some(m)),
                Ok(Incoming::Failed(e)) => {
                    return Err(format!("broker {}: {e}", self.broker).into())
                }
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => return Ok(None),
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(format!("broker {}: connection closed", self.broker).into())
                }
            }
        }
    }

    /// The answer wait.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Disconnects, letting queued publishes go first.
    pub fn close(self) {
        let _ = self.client.disconnect();
        let deadline = Instant::now() + Duration::from_millis(500);
        while self
            .rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .is_ok()
        {}
    }
}

/// What a device's retained `status` says, waiting briefly after subscribing: the device must
/// exist on this broker and be online to answer.
pub fn require_online(session: &Session, args: &BrokerArgs, device: &str) -> CliResult<()> {
    let status = format!("{}status", args.prefix_of(device));
    session.subscribe(std::slice::from_ref(&status))?;
    let deadline = Instant::now() + Duration::from_millis(1500).min(session.timeout());
    while let Some(m) = session.next_before(deadline)? {
        if m.topic == status {
            return match m.payload.as_slice() {
                b"online" => Ok(()),
                other => Err(format!(
                    "device {device} is {} (its {status} says so): start its neckend or check \
                     its network",
                    String::from_utf8_lossy(other)
                )
                .into()),
            };
        }
    }
    Err(format!(
        "unknown device {device}: nothing on {status} at {} (is the device id right? \
         `necken devices` lists the devices on a broker)",
        args.broker
    )
    .into())
}

/// A request id unique enough for one host's requests.
pub fn request_id(client: &str, n: u64) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{client}-{}-{nanos:08x}-{n}", std::process::id())
}

/// One device on a broker, and how to sign requests to it.
#[derive(clap::Args, Clone, Debug)]
pub struct DeviceArgs {
    #[command(flatten)]
    pub broker: BrokerArgs,
    #[command(flatten)]
    pub key: KeyArgs,
    /// The device's id (`[mqtt] device_id`; `necken devices` lists them).
    #[arg(long)]
    pub device: String,
}

/// The shared key from `--key-file` or `$NECKEN_PULL_KEY`.
#[derive(clap::Args, Clone, Debug)]
pub struct KeyArgs {
    /// File holding the shared key the device's `[pull] key` names (requests are signed with
    /// HMAC-SHA256). Default: `$NECKEN_PULL_KEY` when set; unsigned otherwise.
    #[arg(long)]
    pub key_file: Option<PathBuf>,
}

impl KeyArgs {
    /// The key, if any (surrounding whitespace removed).
    pub fn key(&self) -> CliResult<Option<Vec<u8>>> {
        if let Some(p) = &self.key_file {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            return Ok(Some(text.trim().as_bytes().to_vec()));
        }
        Ok(std::env::var("NECKEN_PULL_KEY")
            .ok()
            .filter(|k| !k.is_empty())
            .map(|k| k.trim().as_bytes().to_vec()))
    }
}
