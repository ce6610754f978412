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

/// The first clip of the dev corpus's labels.
fn first_dev_clip() -> std::path::PathBuf {
    let labels = std::fs::read_to_string(corpus_dev().join("labels.csv")).unwrap();
    let file = labels.lines().nth(1).unwrap().split(',').nth(1).unwrap();
    corpus_dev().join(file)
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
    let clip = first_dev_clip();
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

/// Tracks in a store directory (opened after the daemon released it).
fn stored_tracks(store: &std::path::Path) -> Vec<necken_store::TrackMeta> {
    use necken_store::ArtifactStore;
    let s = necken_store::SledStore::open(store, &Default::default()).unwrap();
    let mut out = Vec::new();
    s.for_each(&mut |r| {
        out.push(r.meta);
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn sigterm_in_the_middle_of_a_file_stores_nothing_and_the_next_run_analyzes_it_whole() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.sled");
    let clip = first_dev_clip();
    let daemon = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_neckend-under-test"))
            .arg("--store")
            .arg(&store)
            .arg("--model")
            .arg(necken_tests::model_path("style-head-v1.nkhead"))
            .args(["--no-beat-model", "--no-embed-model", "--no-mqtt"])
            .args(extra)
            .arg("--input")
            .arg(&clip)
            .env("RUST_LOG", "info")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    // Paced at 4× real time the clip takes several seconds; stop it 3 s in.
    let mut child = daemon(&["--realtime", "--speed", "4"]);
    let log = Arc::new(Mutex::new(Vec::new()));
    let (l, stderr) = (log.clone(), child.stderr.take().unwrap());
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            l.lock().unwrap().push(line);
        }
    });
    std::thread::sleep(Duration::from_secs(3));
    signal(child.id(), "-TERM");
    assert!(child.wait().unwrap().success());
    wait_for(&log, "stopped before its end; not stored");
    assert!(
        stored_tracks(&store).is_empty(),
        "a truncated track was stored"
    );

    // The next run does not skip the file: it is analyzed to its end and stored whole.
    let child = daemon(&[]);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let tracks = stored_tracks(&store);
    assert_eq!(tracks.len(), 1);
    let whole = necken_analysis::decode_file(&clip, &mut Counting(0)).unwrap();
    let seconds = whole.frames as f32 / whole.sample_rate as f32;
    assert!(
        (tracks[0].duration_s - seconds).abs() < 0.1,
        "stored {} s of a {seconds} s file",
        tracks[0].duration_s
    );
}

/// A sink that only lets the decoder run.
struct Counting(u64);

impl necken_analysis::AudioSink for Counting {
    fn start(&mut self, _: u32, _: usize) -> Result<(), String> {
        Ok(())
    }
    fn samples(&mut self, interleaved: &[f32]) {
        self.0 += interleaved.len() as u64;
    }
}
