//! Bad and unusual inputs: each gives a clear error naming the file, or a sane result; never a
//! panic.

use std::path::Path;

use necken_analysis::AnalysisOptions;
use necken_core::artifact::Profile;
use necken_engine::{analyze_file, Analysis};
use necken_tests::audio::{click, write_wav, write_wav_f32};
use necken_tests::corpus_dev;

fn analyze(path: &Path) -> Result<Analysis, String> {
    analyze_file(path, &AnalysisOptions::new(Profile::Standard)).map_err(|e| e.to_string())
}

fn expect_error(path: &Path, words: &str) {
    let err = analyze(path).expect_err("must be refused");
    assert!(
        err.contains(&path.display().to_string()),
        "error does not name the file: {err}"
    );
    assert!(err.contains(words), "error {err:?} does not say {words:?}");
}

#[test]
fn unreadable_files_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.flac");
    std::fs::write(&empty, b"").unwrap();
    expect_error(&empty, "empty");

    let text = dir.path().join("notes.wav");
    std::fs::write(&text, "this is not audio\n".repeat(50)).unwrap();
    expect_error(&text, "not a recognised audio file");

    let zero = dir.path().join("zero.wav");
    write_wav(&zero, 44_100, 1, 0, |_, _| 0.0);
    expect_error(&zero, "no audio");

    expect_error(&dir.path().join("missing.ogg"), "cannot open");
}

#[test]
fn truncated_mp3_keeps_what_decodes() {
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read_dir(corpus_dev())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "mp3"))
        .expect("an mp3 in the dev corpus");
    let bytes = std::fs::read(&src).unwrap();
    let cut = dir.path().join("truncated.mp3");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let full = analyze(&src).unwrap();
    let half = analyze(&cut).unwrap();
    let (d_full, d_half) = (
        full.artifacts.audio_stats.unwrap().duration_s,
        half.artifacts.audio_stats.unwrap().duration_s,
    );
    assert!(
        d_half > 0.3 * d_full && d_half < 0.7 * d_full,
        "{d_half} of {d_full}"
    );
    assert!(half.artifacts.rhythm.beat_count > 10);
}

#[test]
fn silence_dc_and_steady_tones_have_no_beats() {
    let dir = tempfile::tempdir().unwrap();
    type Signal = Box<dyn Fn(usize, u16) -> f32>;
    let cases: Vec<(&str, Signal)> = vec![
        ("silence.wav", Box::new(|_, _| 0.0)),
        ("dc.wav", Box::new(|_, _| 0.5)),
        // A full-scale square wave clipped at the rails.
        (
            "square.wav",
            Box::new(|i, _| if (i / 200) % 2 == 0 { 1.0 } else { -1.0 }),
        ),
    ];
    for (name, f) in cases {
        let path = dir.path().join(name);
        let secs = if name == "silence.wav" { 2 } else { 10 };
        write_wav(&path, 44_100, 1, 44_100 * secs, f);
        let a = analyze(&path).unwrap_or_else(|e| panic!("{e}")).artifacts;
        assert_eq!(
            a.rhythm.beat_count, 0,
            "{name}: no beats in a steady signal"
        );
        assert!(a.beats.is_none() && a.rhythm.tempo_bpm.is_none(), "{name}");
        let s = a.audio_stats.clone().unwrap();
        assert!(
            (s.duration_s - secs as f32).abs() < 0.01,
            "{name}: {}",
            s.duration_s
        );
        assert!(s.rms.is_finite() && s.zcr.is_finite(), "{name}");
        match name {
            "silence.wav" => {
                assert_eq!(s.rms, 0.0);
                assert_eq!(s.loudness_lufs, None, "silence has no integrated loudness");
            }
            "dc.wav" => assert!((s.rms - 0.5).abs() < 0.01),
            _ => {
                assert!((s.rms - 1.0).abs() < 0.01);
                assert!((s.zcr - 1.0 / 200.0).abs() < 1e-4, "zcr {}", s.zcr);
            }
        }
        let f = necken_core::features::derive(&a);
        assert_eq!(f.tempo_bpm, None);
        assert_eq!(f.swing_ratio, None);
    }
}

#[test]
fn odd_formats_are_resampled_and_tracked() {
    let dir = tempfile::tempdir().unwrap();
    let multi = dir.path().join("eight_channels_96k.wav");
    write_wav(&multi, 96_000, 8, 96_000 * 20, |i, c| {
        if c < 2 {
            click(i, 96_000)
        } else {
            0.0
        }
    });
    let low = dir.path().join("mono_8k.wav");
    write_wav(&low, 8_000, 1, 8_000 * 20, |i, _| click(i, 8_000));
    for path in [multi, low] {
        let a = analyze(&path).unwrap_or_else(|e| panic!("{e}"));
        let tempo = a
            .artifacts
            .rhythm
            .tempo_bpm
            .expect("a click track has a tempo");
        assert!(
            (tempo - 120.0).abs() < 2.0,
            "{}: tempo {tempo}",
            path.display()
        );
        let beats = a.artifacts.beats.unwrap();
        // Clicks at k/2 s: every tracked beat within 20 ms of one.
        for t in beats.times {
            let off = (t * 2.0 - (t * 2.0).round()).abs() / 2.0;
            assert!(off < 0.02, "{}: beat at {t}", path.display());
        }
    }
}

#[test]
fn nan_and_infinite_samples_are_replaced_by_silence_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken_float.wav");
    // A click track whose float samples are NaN or ±∞ in bursts (a broken export).
    write_wav_f32(&path, 44_100, 2, 44_100 * 20, |i, c| match (i / 4410) % 7 {
        3 => f32::NAN,
        5 if c == 1 => f32::INFINITY,
        6 if c == 0 => f32::NEG_INFINITY,
        _ => click(i, 44_100),
    });
    let a = analyze(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        a.decode.non_finite_samples > 100_000,
        "{}",
        a.decode.non_finite_samples
    );
    let s = a.artifacts.audio_stats.clone().unwrap();
    assert!(s.rms.is_finite() && s.rms > 0.0 && s.zcr.is_finite());
    let tempo = a
        .artifacts
        .rhythm
        .tempo_bpm
        .expect("the clicks still have a tempo");
    assert!((tempo - 120.0).abs() < 2.0, "tempo {tempo}");
    // Denormals alone are valid audio: kept, analyzed as near-silence.
    let tiny = dir.path().join("denormals.wav");
    write_wav_f32(&tiny, 22_050, 1, 22_050 * 6, |i, _| {
        f32::from_bits(1 + (i as u32 % 1000))
    });
    let a = analyze(&tiny).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.decode.non_finite_samples, 0);
    assert_eq!(a.artifacts.rhythm.beat_count, 0);
}
