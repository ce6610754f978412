//! A real MQTT broker (Debian's mosquitto, one process per test on a free loopback port) and
//! a real MQTT subscriber (rumqttc) for the daemon tests.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rumqttc::{Client, Event, MqttOptions, Packet, QoS};

/// A free loopback port (bound and released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn mosquitto_binary() -> PathBuf {
    for p in [
        "/usr/sbin/mosquitto",
        "/usr/bin/mosquitto",
        "/usr/local/sbin/mosquitto",
    ] {
        if std::path::Path::new(p).exists() {
            return p.into();
        }
    }
    panic!("mosquitto is not installed (apt-get install mosquitto; scripts/test.sh does it)");
}

/// A mosquitto process on 127.0.0.1:`port`, no persistence.
pub struct Broker {
    child: Option<Child>,
    /// Its port.
    pub port: u16,
    config: String,
    dir: tempfile::TempDir,
}

impl Broker {
    /// Starts a broker on `port` and waits until it accepts connections.
    pub fn start(port: u16) -> Broker {
        Broker::start_with(
            port,
            format!(
                "listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n\
                 log_dest none\n"
            ),
        )
    }

    /// Starts a broker with this whole `mosquitto.conf` (which must listen on `port`).
    pub fn start_with(port: u16, config: String) -> Broker {
        let dir = tempfile::tempdir().unwrap();
        let mut b = Broker {
            child: None,
            port,
            config,
            dir,
        };
        b.restart();
        b
    }

    /// Starts the (stopped) broker again on the same port.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "broker already running");
        let conf = self.dir.path().join("mosquitto.conf");
        let mut f = std::fs::File::create(&conf).unwrap();
        f.write_all(self.config.as_bytes()).unwrap();
        let child = Command::new(mosquitto_binary())
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "mosquitto did not listen on {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the broker (its retained messages go with it: no persistence).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One received message.
#[derive(Clone, Debug)]
pub struct Received {
    /// Topic.
    pub topic: String,
    /// Payload as text.
    pub payload: String,
    /// Retain flag as delivered.
    pub retain: bool,
}

/// A subscriber collecting everything under some filters; it resubscribes after reconnects.
pub struct Subscriber {
    client: Client,
    messages: Arc<Mutex<Vec<Received>>>,
    connected: Arc<Mutex<bool>>,
}

impl Subscriber {
    /// Connects to the broker on `port` and subscribes to `filters` at QoS 1.
    pub fn connect(port: u16, filters: &[&str]) -> Subscriber {
        let mut opts = MqttOptions::new(format!("test-sub-{}", free_port()), "127.0.0.1", port);
        opts.set_keep_alive(Duration::from_secs(5));
        let (client, mut connection) = Client::new(opts, 100);
        let messages = Arc::new(Mutex::new(Vec::new()));
        let connected = Arc::new(Mutex::new(false));
        let (m, c, cl) = (messages.clone(), connected.clone(), client.clone());
        let filters: Vec<String> = filters.iter().map(|s| s.to_string()).collect();
        std::thread::spawn(move || loop {
            match connection.recv() {
                Ok(Ok(Event::Incoming(Packet::ConnAck(_)))) => {
                    for f in &filters {
                        let _ = cl.try_subscribe(f.clone(), QoS::AtLeastOnce);
                    }
                }
                Ok(Ok(Event::Incoming(Packet::SubAck(_)))) => *c.lock().unwrap() = true,
                Ok(Ok(Event::Incoming(Packet::Publish(p)))) => m.lock().unwrap().push(Received {
                    topic: p.topic.clone(),
                    payload: String::from_utf8_lossy(&p.payload).into_owned(),
                    retain: p.retain,
                }),
                Ok(Ok(_)) => {}
                Ok(Err(_)) => {
                    *c.lock().unwrap() = false;
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(_) => return,
            }
        });
        let s = Subscriber {
            client,
            messages,
            connected,
        };
        s.wait_connected();
        s
    }

    /// Waits until the subscriptions are acknowledged.
    pub fn wait_connected(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !*self.connected.lock().unwrap() {
            assert!(Instant::now() < deadline, "subscriber did not connect");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// True once a reconnect has been noticed (connected flag dropped).
    pub fn is_connected(&self) -> bool {
        *self.connected.lock().unwrap()
    }

    /// Everything received so far.
    pub fn messages(&self) -> Vec<Received> {
        self.messages.lock().unwrap().clone()
    }

    /// Messages on one topic.
    pub fn on(&self, topic: &str) -> Vec<Received> {
        self.messages()
            .into_iter()
            .filter(|m| m.topic == topic)
            .collect()
    }

    /// Forgets what was received.
    pub fn clear(&self) {
        self.messages.lock().unwrap().clear();
    }

    /// Waits until `pred` holds for the messages received, or panics with `what`.
    pub fn wait_for(&self, what: &str, timeout: Duration, pred: impl Fn(&[Received]) -> bool) {
        let deadline = Instant::now() + timeout;
        loop {
            if pred(&self.messages()) {
                return;
            }
            if Instant::now() > deadline {
                let topics: Vec<String> = self
                    .messages()
                    .iter()
                    .map(|m| {
                        format!(
                            "{} {}",
                            m.topic,
                            m.payload.chars().take(80).collect::<String>()
                        )
                    })
                    .collect();
                panic!(
                    "timed out waiting for {what}; received:\n{}",
                    topics.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Publishes (as Home Assistant would).
    pub fn publish(&self, topic: &str, payload: &str, retain: bool) {
        self.client
            .publish(topic, QoS::AtLeastOnce, retain, payload.as_bytes().to_vec())
            .unwrap();
    }
}

/// TLS material for a broker on loopback: a CA, a server certificate for `localhost` and
/// `127.0.0.1` signed by it, a client certificate, and a mosquitto password file with one
/// user. Made with the openssl and mosquitto_passwd command-line tools.
pub struct TlsFiles {
    /// CA certificate (PEM).
    pub ca: PathBuf,
    /// Server certificate and key (PEM).
    pub server_cert: PathBuf,
    /// Server key.
    pub server_key: PathBuf,
    /// Client certificate and key signed by the CA (PEM), for mutual TLS.
    pub client_cert: PathBuf,
    /// Client key.
    pub client_key: PathBuf,
    /// mosquitto password file.
    pub passwords: PathBuf,
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl TlsFiles {
    /// Makes the files in `dir`; `user`/`password` go into the password file.
    pub fn make(dir: &std::path::Path, user: &str, password: &str) -> TlsFiles {
        let p = |n: &str| dir.join(n);
        let openssl = || {
            let mut c = Command::new("openssl");
            c.current_dir(dir);
            c
        };
        run(openssl().args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=necken test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
        ]));
        std::fs::write(
            p("server.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        std::fs::write(p("client.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
        for (name, cn) in [("server", "localhost"), ("client", "neckend-test")] {
            run(openssl().args([
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                &format!("/CN={cn}"),
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
            ]));
            run(openssl().args([
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                &format!("{name}.ext"),
                "-out",
                &format!("{name}.crt"),
            ]));
        }
        run(Command::new("mosquitto_passwd")
            .args(["-b", "-c"])
            .arg(p("passwords"))
            .args([user, password]));
        TlsFiles {
            ca: p("ca.crt"),
            server_cert: p("server.crt"),
            server_key: p("server.key"),
            client_cert: p("client.crt"),
            client_key: p("client.key"),
            passwords: p("passwords"),
        }
    }
}
