//! Signals: SIGHUP reloads the board profile and the style model (a broken profile is
//! reported and the running one kept), SIGTERM stores and exits cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use necken_tests::corpus_dev;

fn signal(pid: u32, sig: &str) {
    assert!(Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap()
        .success());
}

fn wait_for(log: &Arc<Mutex<Vec<String>>>, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !log.lock().unwrap().iter().any(|l| l.contains(what)) {
        assert!(
            Instant::now() < deadline,
            "no log line with {what:?}; log:\n{}",
            log.lock().unwrap().join("\n")
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sighup_reloads_or_keeps_the_running_config_and_sigterm_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let model = necken_tests::model_path("style-head-v1.nkhead");
    let config = dir.path().join("board.toml");
    let write_config = |model: &std::path::Path, window: u32| {
        std::fs::write(
            &config,
            format!(
                "name = \"t\"\n[analysis]\nstyle_model = \"{}\"\nbeat_model = \"{}\"\nembed_model = \"{}\"\nwindow_s = {window}\n",
                model.display(),
                model.with_file_name("beat-tcn-v1.onnx").display(),
                model.with_file_name("embed-cnn-v1.onnx").display()
            ),
        )
        .unwrap();
    };
    write_config(&model, 12);
    let watch = dir.path().join("in");
    std::fs::create_dir(&watch).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_neckend-under-test"))
        .arg("--config")
        .arg(&config)
        .arg("--store")
        .arg(dir.path().join("s.sled"))
        .args(["--no-mqtt", "--poll-ms", "200", "--watch"])
        .arg(&watch)
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let (l, stderr) = (log.clone(), child.stderr.take().unwrap());
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            l.lock().unwrap().push(line);
        }
    });
    wait_for(&log, "watching");

    // A profile naming a missing model: reported, the running configuration stays.
    write_config(&dir.path().join("missing.nkhead"), 12);
    signal(child.id(), "-HUP");
    wait_for(&log, "reload failed");
    assert!(log
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.contains("missing.nkhead")));
    // Still working: a file dropped in is analyzed with the model that was loaded.
    let clip = corpus_dev().join(
        std::fs::read_to_string(corpus_dev().join("labels.csv"))
            .unwrap()
            .lines()
            .nth(1)
            .unwrap()
            .split(',')
            .nth(1)
            .unwrap(),
    );
    std::fs::copy(&clip, watch.join(clip.file_name().unwrap())).unwrap();
    wait_for(&log, "stored");
    assert!(
        !log.lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("stored") && l.contains(": unknown")),
        "the style head was lost"
    );

    // A good profile: reloaded.
    write_config(&model, 16);
    signal(child.id(), "-HUP");
    wait_for(&log, "configuration and models reloaded");

    signal(child.id(), "-TERM");
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    wait_for(&log, "stopping: 1 track(s) stored");
}
