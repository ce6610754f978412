//! Device and host end to end: a real mosquitto, real neckend processes watching folders of
//! generated audio, and the real `necken` host tool. Pulls from two devices (one that wants
//! signed requests), a second pull that moves nothing, a pull killed with -9 half-way across
//! a slow link that resumes and ends with the devices' records byte for byte, a client that is
//! not allowed, and a pushed style head that the next messages name and a restart keeps.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use necken_store::{ArtifactStore, SledStore};
use necken_tests::audio::{click, write_wav};
use necken_tests::mqtt::{free_port, Broker, Subscriber};
use necken_tests::net::LatencyProxy;
use necken_tests::process::{necken_binary, sigterm, wait_exit};
use serde_json::Value;

/// `n` distinct 6-second click tracks (a different offset each, so different ids).
fn write_tracks(dir: &Path, n: usize, salt: usize) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    (0..n)
        .map(|k| {
            let p = dir.join(format!("t{salt}-{k}.wav"));
            write_wav(&p, 16_000, 1, 16_000 * 6, |i, _| {
                click(i + 97 * k + 5000 * salt, 16_000)
            });
            p
        })
        .collect()
}

/// A daemon that is killed if the test fails before stopping it.
struct Daemon(Child);

impl Daemon {
    /// SIGTERM, and a clean exit.
    fn stop(&mut self) {
        sigterm(&self.0);
        assert!(wait_exit(&mut self.0, Duration::from_secs(30)).success());
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn neckend(store: &Path, port: u16, device: &str, head: &Path, extra: &[&str]) -> Child {
    let networks = ["--no-beat-model", "--no-embed-model"];
    neckend_with(store, port, device, head, &networks, extra)
}

/// [`neckend`] with the given network arguments instead of none.
fn neckend_with(
    store: &Path,
    port: u16,
    device: &str,
    head: &Path,
    networks: &[&str],
    extra: &[&str],
) -> Child {
    Command::new(env!("CARGO_BIN_EXE_neckend-under-test"))
        .arg("--store")
        .arg(store)
        .arg("--model")
        .arg(head)
        .args(networks)
        .args(["--mqtt-host", "127.0.0.1"])
        .args(["--device-id", device, "--mqtt-port", &port.to_string()])
        .args(["--poll-ms", "100"])
        .args(extra)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("neckend starts")
}

fn necken(host_store: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(necken_binary());
    c.arg("--store").arg(host_store).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.env_remove("NECKEN_PULL_KEY").output().unwrap()
}

fn pull(host_store: &Path, port: u16, device: &str, extra: &[&str]) -> Output {
    let broker = format!("127.0.0.1:{port}");
    let mut args = vec!["pull", "--broker", &broker, "--device", device, "--json"];
    args.extend_from_slice(extra);
    necken(host_store, &args, &[])
}

fn json_of(out: &Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim()).unwrap_or_else(|e| {
        panic!(
            "{e}: {text}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn wait_tracks(sub: &Subscriber, device: &str, n: usize) {
    let t = format!("necken/{device}/track");
    sub.wait_for(
        &format!("{n} track messages of {device}"),
        Duration::from_secs(120),
        |m| m.iter().filter(|r| r.topic == t).count() >= n,
    );
}

/// Every record of `device_store` is in `host` with identical artifact bytes and metadata
/// (the sequence number is each store's own).
fn assert_same_records(device_store: &Path, host: &SledStore) -> usize {
    let dev = SledStore::open(device_store, &Default::default()).unwrap();
    let mut n = 0;
    dev.for_each(&mut |rec| {
        let mine = host
            .get(&rec.meta.id)
            .unwrap()
            .unwrap_or_else(|| panic!("track {} was not pulled", rec.meta.id));
        assert_eq!(mine.artifacts, rec.artifacts, "track {}", rec.meta.id);
        let (mut a, mut b) = (mine.meta.clone(), rec.meta.clone());
        a.seq = 0;
        b.seq = 0;
        assert_eq!(a, b, "metadata of {}", rec.meta.id);
        n += 1;
        Ok(())
    })
    .unwrap();
    n
}

fn host_position(host_store: &Path, device: &str) -> u64 {
    let s = SledStore::open(host_store, &Default::default()).unwrap();
    s.setting(&format!("pull/{device}"))
        .unwrap()
        .map(|v| u64::from_be_bytes(v.as_slice().try_into().unwrap()))
        .unwrap_or(0)
}

#[test]
fn pulls_move_new_tracks_once_resume_after_kill_and_refuse_others() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _broker = Broker::start(port);
    let sub = Subscriber::connect(port, &["necken/+/track"]);
    let head = necken_tests::model_path("style-head-v1.nkhead");

    // hall1: 24 tracks, open to necken-host. hall2: 3 tracks, signed requests only.
    write_tracks(&dir.path().join("w1"), 24, 1);
    write_tracks(&dir.path().join("w2"), 3, 2);
    let profile2 = dir.path().join("hall2.toml");
    std::fs::write(
        &profile2,
        "[pull]\nallow = [\"necken-host\"]\nkey = \"s3cret\"\n",
    )
    .unwrap();
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, "s3cret\n").unwrap();
    let (s1, s2) = (dir.path().join("d1.sled"), dir.path().join("d2.sled"));
    let w1 = dir.path().join("w1").display().to_string();
    let w2 = dir.path().join("w2").display().to_string();
    let mut d1 = Daemon(neckend(
        &s1,
        port,
        "hall1",
        &head,
        &["--allow-pull", "necken-host", "--watch", &w1],
    ));
    let profile2_arg = profile2.display().to_string();
    let mut d2 = Daemon(neckend(
        &s2,
        port,
        "hall2",
        &head,
        &["--config", &profile2_arg, "--watch", &w2],
    ));
    wait_tracks(&sub, "hall1", 24);
    wait_tracks(&sub, "hall2", 3);
    let host = dir.path().join("host.sled");

    // A client the device does not allow gets nothing and a clear error.
    let out = pull(&host, port, "hall1", &["--client-id", "intruder"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("not allowed") && err.contains("intruder"),
        "{err}"
    );
    assert_eq!(host_position(&host, "hall1"), 0);
    // An unknown device is named as such.
    let out = pull(&host, port, "nosuchhall", &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("unknown device nosuchhall"),
        "{err}"
    );

    // hall1 across a 150 ms one-way link in small pages, killed with -9 part-way: the next
    // pull continues where it stopped. The kill moment is searched for: later when nothing
    // was stored yet, earlier when the pull had finished (the host store is then reset).
    let proxy = LatencyProxy::start(port, Duration::from_millis(150));
    let slow = format!("127.0.0.1:{}", proxy.port);
    let mut resumed_with = None;
    let mut delay_ms = 1200u64;
    for _try in 0..14 {
        let _ = std::fs::remove_dir_all(&host);
        let mut child = Command::new(necken_binary())
            .arg("--store")
            .arg(&host)
            .args([
                "pull",
                "--broker",
                &slow,
                "--device",
                "hall1",
                "--page-bytes",
                "1024",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        if host_position(&host, "hall1") == 0 {
            delay_ms += 150;
            continue;
        }
        let resumed = json_of(&pull(&host, port, "hall1", &[]));
        let n = resumed["pulled"].as_u64().unwrap();
        if n > 0 {
            resumed_with = Some((n, resumed["from_seq"].as_u64().unwrap()));
            break;
        }
        delay_ms = delay_ms.saturating_sub(100);
    }
    let (n, from) = resumed_with.expect("no kill landed in the middle of the pull");
    assert!(
        n < 24 && from > 0,
        "the resumed pull moved {n} of 24 from seq {from}"
    );
    assert_eq!(json_of(&pull(&host, port, "hall1", &[]))["pulled"], 0);

    // hall2 wants signed requests: refused without the key, served with it; then nothing new.
    let out = pull(&host, port, "hall2", &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("not signed"), "{err}");
    let key_arg = key_file.display().to_string();
    let first = json_of(&pull(&host, port, "hall2", &["--key-file", &key_arg]));
    assert_eq!(first["pulled"], 3, "{first}");
    assert!(first["bytes"].as_u64().unwrap() > 0);
    let again = json_of(&pull(&host, port, "hall2", &["--key-file", &key_arg]));
    assert_eq!(again["pulled"], 0, "{again}");
    assert_eq!(again["seq"], first["seq"]);

    d1.stop();
    d2.stop();
    // A device that stopped (its retained status says offline) is named as such.
    let out = pull(&host, port, "hall1", &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("hall1 is offline"),
        "{err}"
    );
    // A broker that is not there is named.
    let out = pull(&host, free_port(), "hall1", &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("Connection refused"),
        "{err}"
    );
    let h = SledStore::open(&host, &Default::default()).unwrap();
    assert_eq!(assert_same_records(&s1, &h), 24);
    assert_eq!(assert_same_records(&s2, &h), 3);
    assert_eq!(h.len(), 27);
    let d = SledStore::open(&s1, &Default::default()).unwrap();
    assert_eq!(
        d.pulled_through().unwrap(),
        d.last_seq().unwrap(),
        "the device knows the host holds all its tracks"
    );
}

/// A copy of style-head-v1 under another id: a head this device (no embedding network) can
/// run, different from the one it started with.
fn renamed_head(dir: &Path, id: &str) -> PathBuf {
    let bytes = std::fs::read(necken_tests::model_path("style-head-v1.nkhead")).unwrap();
    let mut head = necken_core::head::StyleHead::from_bytes(&bytes).unwrap();
    head.id = id.into();
    let p = dir.join(format!("{id}.nkhead"));
    std::fs::write(&p, head.to_bytes()).unwrap();
    p
}

fn push(host_store: &Path, port: u16, device: &str, file: &Path, extra: &[&str]) -> Output {
    let broker = format!("127.0.0.1:{port}");
    let mut args = vec!["push-model", "--broker", &broker, "--device", device];
    args.extend_from_slice(extra);
    let file = file.display().to_string();
    args.push(&file);
    necken(host_store, &args, &[])
}

#[test]
fn a_pushed_head_names_the_next_messages_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _broker = Broker::start(port);
    let sub = Subscriber::connect(port, &["necken/hall3/#"]);
    let watch = dir.path().join("watch");
    std::fs::create_dir_all(&watch).unwrap();
    let w = watch.display().to_string();
    let store = dir.path().join("d3.sled");
    let host = dir.path().join("host.sled");
    let head = necken_tests::model_path("style-head-v1.nkhead");
    let args = ["--allow-pull", "necken-host", "--watch", &w];
    let mut d = Daemon(neckend(&store, port, "hall3", &head, &args));
    wait_online(&sub, "hall3");

    // Refused: a damaged file, and a head this device cannot run (it wants embeddings).
    let damaged = dir.path().join("damaged.nkhead");
    let mut bytes = std::fs::read(&head).unwrap();
    bytes[100] ^= 0xff;
    std::fs::write(&damaged, &bytes).unwrap();
    let out = push(&host, port, "hall3", &damaged, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("damaged.nkhead"),
        "{err}"
    );
    let out = push(&host, port, "hall3", &damaged, &["--no-check"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("refused") && err.contains("checksum"), "{err}");
    let v3 = necken_tests::model_path("style-head-v3.nkhead");
    let out = push(&host, port, "hall3", &v3, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("embedding"), "{err}");

    // Taken: the next track and style messages name it.
    let pushed = renamed_head(dir.path(), "pushed-head-test");
    let out = push(&host, port, "hall3", &pushed, &["--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer = json_of(&out);
    assert_eq!(answer["ok"], true);
    assert_eq!(answer["head"], "pushed-head-test");
    sub.clear();
    std::fs::copy(necken_tests::dev_clip_of("polska"), watch.join("first.ogg")).unwrap();
    wait_named(&sub, "pushed-head-test");

    // A restart keeps it.
    d.stop();
    sub.clear();
    d = Daemon(neckend(&store, port, "hall3", &head, &args));
    sub.wait_for(
        "info naming the pushed head",
        Duration::from_secs(30),
        |m| {
            m.iter().any(|r| {
                r.topic == "necken/hall3/info"
                    && serde_json::from_str::<Value>(&r.payload).unwrap()["head"]
                        == "pushed-head-test"
            })
        },
    );
    std::fs::copy(necken_tests::dev_clip_of("vals"), watch.join("second.ogg")).unwrap();
    wait_named(&sub, "pushed-head-test");

    // Dropping it brings back the profile's head.
    sub.clear();
    let broker = format!("127.0.0.1:{port}");
    let args = [
        "push-model",
        "--broker",
        &broker,
        "--device",
        "hall3",
        "--reset",
    ];
    let out = necken(&host, &args, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    sub.wait_for(
        "info naming the profile's head",
        Duration::from_secs(30),
        |m| {
            m.iter().any(|r| {
                r.topic == "necken/hall3/info"
                    && serde_json::from_str::<Value>(&r.payload).unwrap()["head"]
                        == "necken-style-head-v1"
            })
        },
    );
    d.stop();
    let s = SledStore::open(&store, &Default::default()).unwrap();
    assert_eq!(s.len(), 2);
}

#[test]
fn a_device_takes_pushed_heads_of_its_embedding_network_only() {
    // A device running embed-cnn-v2 with style-head-v4: a head that reads embed-cnn-v1's
    // embeddings would name no style, so it is refused and the running head stays; a head of
    // the device's own network is taken.
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _broker = Broker::start(port);
    let sub = Subscriber::connect(port, &["necken/hall4/#"]);
    let store = dir.path().join("d4.sled");
    let host = dir.path().join("host.sled");
    let watch = dir.path().join("watch");
    std::fs::create_dir_all(&watch).unwrap();
    let embed = necken_tests::model_path("embed-cnn-v2.onnx")
        .display()
        .to_string();
    let networks = ["--no-beat-model", "--embed-model", &embed];
    let head = necken_tests::model_path("style-head-v4.nkhead");
    let w = watch.display().to_string();
    let args = ["--allow-pull", "necken-host", "--watch", &w];
    let _d = Daemon(neckend_with(&store, port, "hall4", &head, &networks, &args));
    wait_online(&sub, "hall4");
    let v3 = necken_tests::model_path("style-head-v3.nkhead");
    let out = push(&host, port, "hall4", &v3, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("embed-cnn-v1") && err.contains("embed-cnn-v2"),
        "{err}"
    );
    let v6 = necken_tests::model_path("style-head-v6.nkhead");
    let out = push(&host, port, "hall4", &v6, &["--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json_of(&out)["head"], "necken-style-head-v6");
    // The default head, whose live-window model is a network (173 KB, seven times v6's
    // bytes), goes across as well.
    let v16 = necken_tests::model_path("style-head-v16.nkhead");
    let out = push(&host, port, "hall4", &v16, &["--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json_of(&out)["head"], "necken-style-head-v16");
}

/// Waits until `device` says it is online.
fn wait_online(sub: &Subscriber, device: &str) {
    let status = format!("necken/{device}/status");
    sub.wait_for(&format!("{device} online"), Duration::from_secs(30), |m| {
        m.iter().any(|r| r.topic == status && r.payload == "online")
    });
}

/// Waits for a track message and a style message that name `head`.
fn wait_named(sub: &Subscriber, head: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let named = |suffix: &str| {
            sub.on(&format!("necken/hall3/{suffix}"))
                .iter()
                .any(|r| serde_json::from_str::<Value>(&r.payload).unwrap()["head"] == head)
        };
        if named("track") && named("style") {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no track and style message named {head}: {:?}",
            sub.messages()
                .iter()
                .map(|r| (&r.topic, &r.payload))
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The crash test of docs/reliability.md for `necken pull`: killed with -9 at twelve moments
/// (fixed seed) across a slow link, the host store opens every time, every record in it
/// decodes, and the pull that finally runs to its end leaves the device's records byte for
/// byte.
#[test]
fn a_pull_killed_at_any_moment_resumes_to_identical_records() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _broker = Broker::start(port);
    let sub = Subscriber::connect(port, &["necken/+/track"]);
    write_tracks(&dir.path().join("w"), 30, 4);
    let w = dir.path().join("w").display().to_string();
    let dev = dir.path().join("d.sled");
    let head = necken_tests::model_path("style-head-v1.nkhead");
    let mut d = Daemon(neckend(
        &dev,
        port,
        "hall4",
        &head,
        &["--allow-pull", "necken-host", "--watch", &w],
    ));
    wait_tracks(&sub, "hall4", 30);
    let proxy = LatencyProxy::start(port, Duration::from_millis(80));
    let slow = format!("127.0.0.1:{}", proxy.port);
    let host = dir.path().join("host.sled");
    let mut seed = 0x5eed_u64;
    let mut positions = Vec::new();
    for _ in 0..12 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = Duration::from_millis(300 + (seed >> 33) % 2200);
        let mut child = Command::new(necken_binary())
            .arg("--store")
            .arg(&host)
            .args(["pull", "--broker", &slow, "--device", "hall4"])
            .args(["--page-bytes", "256"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        let h = SledStore::open(&host, &Default::default()).unwrap_or_else(|e| {
            panic!("after a kill at {delay:?} the host store does not open: {e}")
        });
        h.for_each(&mut |rec| {
            necken_core::codec::decode(&rec.artifacts)
                .unwrap_or_else(|e| panic!("track {} after a kill: {e}", rec.meta.id));
            Ok(())
        })
        .unwrap();
        drop(h);
        positions.push(host_position(&host, "hall4"));
    }
    let last = json_of(&pull(&host, port, "hall4", &[]));
    let end = last["seq"].as_u64().unwrap();
    let part_way = positions.iter().filter(|&&p| p > 0 && p < end).count();
    eprintln!("pull killed at 12 moments: positions {positions:?}, end {end}, {part_way} part-way");
    assert!(
        part_way >= 3,
        "only {part_way} of 12 kills landed part-way (positions {positions:?}, end {end})"
    );
    assert!(positions.windows(2).all(|w| w[0] <= w[1]), "{positions:?}");
    d.stop();
    let h = SledStore::open(&host, &Default::default()).unwrap();
    assert_eq!(assert_same_records(&dev, &h), 30);
    assert_eq!(h.len(), 30);
}
