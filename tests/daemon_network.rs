//! neckend across a real network's faults: a broker behind a proxy that adds 200 ms of round
//! trip, TLS with a password (and with client certificates) at 80 ms round trip, Wi-Fi drops
//! that cut the connection, and a broker that is down for a while and comes back. The daemon
//! must connect, deliver every durable message in order, back off instead of hammering the
//! broker, and say in its log when it lost the broker and when it got it back.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use necken_tests::mqtt::{free_port, Broker, Received, Subscriber, TlsFiles};
use necken_tests::net::LatencyProxy;
use necken_tests::process::{sigterm, wait_exit};
use necken_tests::{corpus_dev, model_path};
use serde_json::Value;

const DEVICE: &str = "nethall";

fn topic(suffix: &str) -> String {
    format!("necken/{DEVICE}/{suffix}")
}

fn json(m: &Received) -> Value {
    serde_json::from_str(&m.payload).unwrap_or_else(|e| panic!("{}: {e}: {}", m.topic, m.payload))
}

/// Dev clips, the first `n` in label order.
fn clips(n: usize) -> Vec<PathBuf> {
    let labels = std::fs::read_to_string(corpus_dev().join("labels.csv")).unwrap();
    labels
        .lines()
        .skip(1)
        .take(n)
        .map(|l| corpus_dev().join(l.split(',').nth(1).unwrap()))
        .collect()
}

fn file_id(path: &Path) -> String {
    necken_store::TrackId::of_file(path).unwrap().to_string()
}

/// The daemon watching `watch`, publishing to 127.0.0.1:`port`, its log in `log`. The light
/// model set (style head v1, no networks) keeps the analysis quick; the network path is
/// what is tested here.
fn neckend(dir: &Path, port: u16, watch: &Path, log: &Path, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_neckend-under-test"))
        .arg("--store")
        .arg(dir.join("s.sled"))
        .arg("--model")
        .arg(model_path("style-head-v1.nkhead"))
        .args(["--no-beat-model", "--no-embed-model"])
        .args(["--mqtt-host", "127.0.0.1", "--device-id", DEVICE])
        .arg("--mqtt-port")
        .arg(port.to_string())
        .arg("--watch")
        .arg(watch)
        .args(["--poll-ms", "200"])
        .args(extra)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .expect("neckend starts")
}

fn sigterm_and_wait(child: &mut Child) -> ExitStatus {
    sigterm(child);
    wait_exit(child, Duration::from_secs(20))
}

fn drop_in(watch: &Path, clip: &Path) {
    std::fs::copy(clip, watch.join(clip.file_name().unwrap())).unwrap();
}

fn wait_track(sub: &Subscriber, clip: &Path, within: Duration) {
    let id = file_id(clip);
    sub.wait_for(&format!("the track of {}", clip.display()), within, |m| {
        m.iter()
            .any(|r| r.topic == topic("track") && r.payload.contains(&id))
    });
}

/// Track ids in the order they arrived, and their `msg_id`s.
fn tracks(sub: &Subscriber) -> Vec<(String, String)> {
    sub.on(&topic("track"))
        .iter()
        .map(|m| {
            let v = json(m);
            (
                v["id"].as_str().unwrap().to_string(),
                v["msg_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn log_text(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_default()
}

#[test]
fn a_200ms_round_trip_and_wifi_drops_still_deliver_everything_in_order() {
    let broker = Broker::start(free_port());
    let proxy = LatencyProxy::start(broker.port, Duration::from_millis(100));
    let sub = Subscriber::connect(broker.port, &["necken/#", "homeassistant/#"]);
    let dir = tempfile::tempdir().unwrap();
    let watch = dir.path().join("in");
    std::fs::create_dir(&watch).unwrap();
    let log = dir.path().join("neckend.log");
    let clips = clips(3);
    let mut d = neckend(dir.path(), proxy.port, &watch, &log, &[]);

    sub.wait_for("online across 200 ms", Duration::from_secs(20), |m| {
        m.iter()
            .any(|r| r.topic == topic("status") && r.payload == "online")
    });
    sub.wait_for("discovery", Duration::from_secs(10), |m| {
        m.iter()
            .any(|r| r.topic == "homeassistant/event/nethall/beat/config")
    });
    // One connection: the connect in flight was never cancelled and retried.
    assert_eq!(proxy.connections(), 1, "{}", log_text(&log));

    drop_in(&watch, &clips[0]);
    wait_track(&sub, &clips[0], Duration::from_secs(60));

    // Wi-Fi drop: every connection cut while the next file is analyzed.
    drop_in(&watch, &clips[1]);
    std::thread::sleep(Duration::from_millis(300));
    proxy.cut();
    wait_track(&sub, &clips[1], Duration::from_secs(60));
    proxy.cut();
    drop_in(&watch, &clips[2]);
    wait_track(&sub, &clips[2], Duration::from_secs(60));

    let got = tracks(&sub);
    let mut order: Vec<&String> = got.iter().map(|(id, _)| id).collect();
    order.dedup();
    let want: Vec<String> = clips.iter().map(|c| file_id(c)).collect();
    assert_eq!(
        order,
        want.iter().collect::<Vec<_>>(),
        "tracks out of order"
    );
    let status = sigterm_and_wait(&mut d);
    assert!(status.success(), "{status}");
    let text = log_text(&log);
    assert!(
        text.contains("connection lost"),
        "no log line for the drop:\n{text}"
    );
    assert!(
        text.contains("again after"),
        "no log line for the recovery:\n{text}"
    );
    eprintln!(
        "200 ms round trip, two cuts: {} connections",
        proxy.connections()
    );
    // Two cuts, a few reconnects each at most: no storm.
    assert!(
        proxy.connections() <= 6,
        "{} connections",
        proxy.connections()
    );
}

#[test]
fn a_broker_that_is_down_for_a_while_gets_backoff_then_the_queue_in_order() {
    let port = free_port();
    let proxy = LatencyProxy::start(port, Duration::from_millis(5));
    let dir = tempfile::tempdir().unwrap();
    let watch = dir.path().join("in");
    std::fs::create_dir(&watch).unwrap();
    let log = dir.path().join("neckend.log");
    let clips = clips(2);
    let mut d = neckend(dir.path(), proxy.port, &watch, &log, &[]);
    for c in &clips {
        drop_in(&watch, c);
    }
    // Both tracks stored and queued while nobody listens.
    let deadline = Instant::now() + Duration::from_secs(90);
    while log_text(&log).matches("stored ").count() < 2 {
        assert!(Instant::now() < deadline, "{}", log_text(&log));
        std::thread::sleep(Duration::from_millis(100));
    }
    let outage = Instant::now();
    std::thread::sleep(Duration::from_secs(8));
    // 0.5, 1, 2, 4 s (±20 %) between attempts: a handful in ~10 s, not hundreds.
    let attempts = proxy.connections();
    eprintln!("broker down: {attempts} connection attempts while analyzing two files and 8 s more");
    assert!(
        (2..=8).contains(&attempts),
        "{attempts} connection attempts in {:.1} s",
        outage.elapsed().as_secs_f64()
    );
    assert!(
        log_text(&log).contains("cannot connect"),
        "{}",
        log_text(&log)
    );

    let _broker = Broker::start(port);
    let sub = Subscriber::connect(port, &["necken/#"]);
    // The longest gap is the 10 s ceiling (±20 %), plus the time to deliver.
    sub.wait_for("both queued tracks", Duration::from_secs(20), |m| {
        m.iter().filter(|r| r.topic == topic("track")).count() >= 2
    });
    let got = tracks(&sub);
    assert_eq!(got[0].0, file_id(&clips[0]));
    assert_eq!(got[1].0, file_id(&clips[1]));
    // msg_ids increase in queue order.
    let n = |s: &str| s.rsplit('-').next().unwrap().parse::<u64>().unwrap();
    assert!(n(&got[0].1) < n(&got[1].1), "{got:?}");
    assert!(sigterm_and_wait(&mut d).success());
    assert!(log_text(&log).contains("again after"), "{}", log_text(&log));
}

/// A mosquitto with a TLS listener that needs a password (and, with `client_certs`, a client
/// certificate), and a plain anonymous one for the test's subscriber.
fn tls_broker(files: &TlsFiles, tls_port: u16, plain_port: u16, client_certs: bool) -> Broker {
    let conf = format!(
        // `user root`: a broker started as root keeps reading the test's private files
        // (without it mosquitto drops to its own user); no effect for other users.
        "per_listener_settings true\npersistence false\nlog_dest none\nuser root\n\
         listener {plain_port} 127.0.0.1\nallow_anonymous true\n\
         listener {tls_port} 127.0.0.1\nallow_anonymous false\npassword_file {}\n\
         cafile {}\ncertfile {}\nkeyfile {}\nrequire_certificate {client_certs}\n",
        files.passwords.display(),
        files.ca.display(),
        files.server_cert.display(),
        files.server_key.display(),
    );
    let b = Broker::start_with(tls_port, conf);
    // The plain listener comes up with the same process.
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect(("127.0.0.1", plain_port)).is_err() {
        assert!(Instant::now() < deadline, "plain listener");
        std::thread::sleep(Duration::from_millis(20));
    }
    b
}

fn tls_profile(dir: &Path, files: &TlsFiles, password: &str, client_certs: bool) -> PathBuf {
    let mut text = format!(
        "[mqtt]\nusername = \"neckend\"\npassword = \"{password}\"\ntls_ca = \"{}\"\n",
        files.ca.display()
    );
    if client_certs {
        text += &format!(
            "tls_client_cert = \"{}\"\ntls_client_key = \"{}\"\n",
            files.client_cert.display(),
            files.client_key.display()
        );
    }
    let p = dir.join(format!("tls-{client_certs}-{password}.toml"));
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn tls_with_a_password_and_with_client_certificates_at_80ms_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let files = TlsFiles::make(dir.path(), "neckend", "s3cret-hall");
    let clip = &clips(1)[0];
    for client_certs in [false, true] {
        let (tls_port, plain_port) = (free_port(), free_port());
        let _broker = tls_broker(&files, tls_port, plain_port, client_certs);
        let proxy = LatencyProxy::start(tls_port, Duration::from_millis(40));
        let sub = Subscriber::connect(plain_port, &["necken/#"]);
        let run = dir.path().join(format!("run-{client_certs}"));
        let watch = run.join("in");
        std::fs::create_dir_all(&watch).unwrap();
        let log = run.join("neckend.log");
        let profile = tls_profile(dir.path(), &files, "s3cret-hall", client_certs);
        let mut d = neckend(
            &run,
            proxy.port,
            &watch,
            &log,
            &["--config", profile.to_str().unwrap()],
        );
        sub.wait_for("online over TLS", Duration::from_secs(20), |m| {
            m.iter()
                .any(|r| r.topic == topic("status") && r.payload == "online")
        });
        drop_in(&watch, clip);
        wait_track(&sub, clip, Duration::from_secs(60));
        assert_eq!(proxy.connections(), 1, "{}", log_text(&log));
        assert!(sigterm_and_wait(&mut d).success());
    }

    // A wrong password: refused by the broker, said in the log, the daemon keeps running and
    // keeps its messages.
    let (tls_port, plain_port) = (free_port(), free_port());
    let _broker = tls_broker(&files, tls_port, plain_port, false);
    let run = dir.path().join("run-wrong");
    let watch = run.join("in");
    std::fs::create_dir_all(&watch).unwrap();
    let log = run.join("neckend.log");
    let profile = tls_profile(dir.path(), &files, "wrong", false);
    let mut d = neckend(
        &run,
        tls_port,
        &watch,
        &log,
        &["--config", profile.to_str().unwrap()],
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while !log_text(&log).contains("cannot connect") {
        assert!(Instant::now() < deadline, "{}", log_text(&log));
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(d.try_wait().unwrap().is_none(), "neckend exited");
    assert!(sigterm_and_wait(&mut d).success());
}
