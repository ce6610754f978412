//! A folder of damaged and odd files through `neckend --watch`, `neckend --input` and
//! `necken analyze`: each gets a clear log line or error naming it, or a sensible track; the
//! daemon keeps running and nothing panics.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use necken_tests::audio::{click, write_wav, write_wav_f32};
use necken_tests::corpus_dev;

/// A WAV whose header carries a 4 MB chunk of junk before the audio (a tag editor's doing).
fn write_huge_header_wav(path: &Path, rate: u32, seconds: u32) {
    let frames = rate * seconds;
    let data_len = frames * 2;
    let junk = 4 * 1024 * 1024u32;
    let mut b = Vec::new();
    b.extend(b"RIFF");
    b.extend((4 + (8 + 16) + (8 + junk) + (8 + data_len)).to_le_bytes());
    b.extend(b"WAVE");
    b.extend(b"junk");
    b.extend(junk.to_le_bytes());
    b.extend(std::iter::repeat_n(0xA5u8, junk as usize));
    b.extend(b"fmt ");
    b.extend(16u32.to_le_bytes());
    b.extend(1u16.to_le_bytes()); // PCM
    b.extend(1u16.to_le_bytes()); // mono
    b.extend(rate.to_le_bytes());
    b.extend((rate * 2).to_le_bytes());
    b.extend(2u16.to_le_bytes());
    b.extend(16u16.to_le_bytes());
    b.extend(b"data");
    b.extend(data_len.to_le_bytes());
    for i in 0..frames as usize {
        b.extend(((click(i, rate) * 32767.0) as i16).to_le_bytes());
    }
    std::fs::write(path, b).unwrap();
}

fn first_dev_clip(ext: &str) -> PathBuf {
    let mut clips: Vec<PathBuf> = std::fs::read_dir(corpus_dev())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    clips.sort();
    clips.remove(0)
}

/// The bad folder: (file name, what must be said of it in the log, stored as a track?).
fn make_bad_folder(dir: &Path) -> Vec<(&'static str, &'static str, bool)> {
    std::fs::write(dir.join("zero_bytes.wav"), b"").unwrap();
    std::fs::write(dir.join("text.mp3"), "not audio at all\n".repeat(100)).unwrap();
    let ogg = std::fs::read(first_dev_clip("ogg")).unwrap();
    std::fs::write(dir.join("truncated.ogg"), &ogg[..ogg.len() * 2 / 5]).unwrap();
    // A WAV named .flac: the content decides.
    write_wav(
        &dir.join("really_a_wav.flac"),
        22_050,
        1,
        22_050 * 12,
        |i, _| click(i, 22_050),
    );
    write_huge_header_wav(&dir.join("huge_header.wav"), 16_000, 12);
    write_wav(
        &dir.join("eight_channels.wav"),
        48_000,
        8,
        48_000 * 12,
        |i, c| {
            if c % 3 == 0 {
                click(i, 48_000)
            } else {
                0.0
            }
        },
    );
    write_wav_f32(
        &dir.join("nan_inf.wav"),
        44_100,
        1,
        44_100 * 12,
        |i, _| match (i / 4410) % 5 {
            2 => f32::NAN,
            4 => f32::INFINITY,
            _ => click(i, 44_100),
        },
    );
    write_wav_f32(&dir.join("denormals.wav"), 16_000, 1, 16_000 * 8, |i, _| {
        f32::from_bits(1 + (i as u32 % 5000))
    });
    write_wav(&dir.join("one_second.wav"), 44_100, 2, 44_100, |i, _| {
        click(i, 44_100)
    });
    // A long silence (an hour at 8 kHz): split into parts, no beats, no trouble.
    write_wav(
        &dir.join("hour_of_silence.wav"),
        8_000,
        1,
        8_000 * 3600,
        |_, _| 0.0,
    );
    vec![
        ("zero_bytes.wav", "empty", false),
        ("text.mp3", "not a recognised audio file", false),
        ("truncated.ogg", "stored", true),
        ("really_a_wav.flac", "stored", true),
        ("huge_header.wav", "stored", true),
        ("eight_channels.wav", "stored", true),
        ("nan_inf.wav", "NaN or infinite", true),
        ("denormals.wav", "stored", true),
        ("one_second.wav", "too short", false),
        ("hour_of_silence.wav", "stored", true),
    ]
}

fn daemon(store: &Path, args: &[&str], files: &[PathBuf]) -> std::process::Child {
    let mut c = Command::new(env!("CARGO_BIN_EXE_neckend-under-test"));
    c.arg("--store")
        .arg(store)
        .arg("--model")
        .arg(necken_tests::model_path("style-head-v1.nkhead"))
        .args(["--no-beat-model", "--no-embed-model", "--no-mqtt"])
        .args(args);
    if !files.is_empty() {
        c.arg("--input").args(files);
    }
    c.env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn collect_log(child: &mut std::process::Child) -> Arc<Mutex<Vec<String>>> {
    let log = Arc::new(Mutex::new(Vec::new()));
    let (l, stderr) = (log.clone(), child.stderr.take().unwrap());
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            l.lock().unwrap().push(line);
        }
    });
    log
}

fn check_log(log: &[String], cases: &[(&str, &str, bool)]) {
    let text = log.join("\n");
    assert!(!text.contains("panicked"), "{text}");
    for (name, says, _) in cases {
        assert!(
            log.iter().any(|l| l.contains(name) && l.contains(says)),
            "no log line naming {name} with {says:?}:\n{text}"
        );
    }
}

#[test]
fn a_folder_of_damaged_files_through_watch_input_and_analyze() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    let cases = make_bad_folder(&bad);
    let good = first_dev_clip("flac");

    // --watch: the bad files first, then a good one; the daemon must still be there for it.
    let watch = dir.path().join("watch");
    std::fs::create_dir(&watch).unwrap();
    let store = dir.path().join("watch.sled");
    let mut child = daemon(
        &store,
        &["--watch", watch.to_str().unwrap(), "--poll-ms", "100"],
        &[],
    );
    let log = collect_log(&mut child);
    for (name, _, _) in &cases {
        std::fs::copy(bad.join(name), watch.join(name)).unwrap();
    }
    std::thread::sleep(Duration::from_millis(500));
    std::fs::copy(&good, watch.join(good.file_name().unwrap())).unwrap();
    let good_name = good.file_name().unwrap().to_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(240);
    while !log
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.contains("stored") && l.contains(&good_name))
    {
        assert!(
            Instant::now() < deadline,
            "the good file after the bad ones was not stored:\n{}",
            log.lock().unwrap().join("\n")
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "neckend died:\n{}",
            log.lock().unwrap().join("\n")
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    assert!(child.wait().unwrap().success());
    check_log(&log.lock().unwrap(), &cases);

    // --input: the same files in one run; the failures make the exit status 1, not a crash.
    let files: Vec<PathBuf> = cases.iter().map(|(n, _, _)| bad.join(n)).collect();
    let mut child = daemon(&dir.path().join("input.sled"), &[], &files);
    let log = collect_log(&mut child);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{}", log.lock().unwrap().join("\n"));
    std::thread::sleep(Duration::from_millis(200));
    check_log(&log.lock().unwrap(), &cases);

    // necken analyze: one line per refused file, the rest stored, exit status 1.
    let out = Command::new(necken_tests::process::necken_binary())
        .arg("--store")
        .arg(dir.path().join("analyze.sled"))
        .args(["analyze", "--json", "--no-beat-model", "--no-embed-model"])
        .args(&files)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for (name, _, stored) in &cases {
        let reported = stdout.lines().any(|l| l.contains(name));
        assert_eq!(
            reported, *stored,
            "{name}: stdout {stdout}\nstderr {stderr}"
        );
        if !stored {
            assert!(
                stderr.lines().any(|l| l.contains(name)),
                "{name} not named: {stderr}"
            );
        }
    }
}
