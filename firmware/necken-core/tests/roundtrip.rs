//! Property tests: artifacts round-trip through the compact record and through NeckenML JSON;
//! random and truncated bytes give errors, never panics.

use necken_core::artifact::{Profile, RawArtifacts};
use necken_core::style::ALL_STYLES;
use necken_core::{codec, neckenml, synth};
use proptest::prelude::*;

fn artifacts() -> impl Strategy<Value = RawArtifacts> {
    (
        any::<u64>(),
        0..ALL_STYLES.len(),
        prop_oneof![
            Just(Profile::Minimal),
            Just(Profile::Standard),
            Just(Profile::Full)
        ],
        1.0f64..400.0,
        proptest::collection::vec(any::<bool>(), 9),
    )
        .prop_map(|(seed, style, profile, duration, drop)| {
            let mut a = synth::synthetic_artifacts(ALL_STYLES[style], duration, profile, seed);
            if !drop[8] {
                // The other binary reading, with a phase change half-way.
                if let (Some(b), Some(alt)) = (
                    a.beats.as_mut(),
                    a.rhythm
                        .beats_per_bar
                        .and_then(necken_core::notation::other_binary_meter),
                ) {
                    let n = b.numbers.len();
                    b.alternate_numbers = Some(
                        (0..n)
                            .map(|i| ((i + usize::from(i > n / 2)) % alt as usize) as u8 + 1)
                            .collect(),
                    );
                }
            }
            if drop[0] {
                a.embedding = None;
            }
            if drop[1] {
                a.vocal = None;
            }
            if drop[2] {
                a.audio_stats = None;
            }
            if drop[3] {
                a.structure = None;
            }
            if drop[4] {
                a.rhythm.ternary_confidence = None;
                a.rhythm.tempo_bpm = None;
            }
            if drop[5] {
                if let Some(d) = a.dynamics.as_mut() {
                    d.envelope = None;
                }
            }
            if drop[6] {
                // An irregular bar (a dropped beat) must survive the cyclic numbering.
                if let Some(b) = a.beats.as_mut() {
                    if b.numbers.len() > 5 {
                        b.numbers[4] = 1;
                    }
                }
            }
            if drop[7] {
                a.provenance.models.clear();
            }
            a
        })
}

fn close(a: f64, b: f64, rel: f64, abs: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()) + abs
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn compact_record_round_trips(a in artifacts()) {
        let bytes = codec::encode(&a);
        let q = codec::decode(&bytes).unwrap();
        // Decoding is stable: the quantized artifacts encode to the same bytes.
        prop_assert_eq!(codec::encode(&q), bytes);
        // Exact parts stay exact.
        prop_assert_eq!(&q.rhythm, &a.rhythm);
        prop_assert_eq!(&q.provenance, &a.provenance);
        prop_assert_eq!(&q.audio_stats, &a.audio_stats);
        prop_assert_eq!(q.profile, a.profile);
        // Beat numbers are lossless; times are within half a tick (≤ 0.05 ms).
        if let (Some(qb), Some(ab)) = (&q.beats, &a.beats) {
            prop_assert_eq!(&qb.numbers, &ab.numbers);
            prop_assert_eq!(&qb.alternate_numbers, &ab.alternate_numbers);
            for (x, y) in qb.times.iter().zip(&ab.times) {
                prop_assert!((x - y).abs() <= 5.01e-5);
            }
        } else {
            prop_assert_eq!(q.beats.is_some(), a.beats.is_some());
        }
        if let (Some(qe), Some(ae)) = (&q.embedding, &a.embedding) {
            // 8 bits over the vector's range: within half a step.
            let (lo, hi) = ae.mean.iter().fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
            let half_step = (hi as f64 - lo as f64) / 510.0;
            for (x, y) in qe.mean.iter().zip(&ae.mean) {
                prop_assert!(close(*x as f64, *y as f64, 0.0, half_step * 1.0001 + 1e-7));
            }
        }
        prop_assert_eq!(q.onsets.as_ref().map(Vec::len), a.onsets.as_ref().map(Vec::len));
        // The mean bar: 12 bits under its peak, within half a step.
        prop_assert_eq!(q.bar_pattern.is_some(), a.bar_pattern.is_some());
        if let (Some(qp), Some(ap)) = (&q.bar_pattern, &a.bar_pattern) {
            prop_assert_eq!((qp.bars, qp.bins, qp.values.len()), (ap.bars, ap.bins, ap.values.len()));
            let peak = ap.values.iter().fold(0f32, |m, &v| m.max(v)) as f64;
            for (x, y) in qp.values.iter().zip(&ap.values) {
                prop_assert!(close(*x as f64, *y as f64, 0.0, peak / 8190.0 * 1.0001 + 1e-7));
            }
        }
    }

    #[test]
    fn neckenml_json_round_trips_up_to_quantization(a in artifacts()) {
        let q = codec::decode(&codec::encode(&a)).unwrap();
        let json = neckenml::export_seed_json(&q).to_string();
        let back = neckenml::import_json(&json).unwrap();
        prop_assert_eq!(codec::encode(&back), codec::encode(&q));
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = codec::decode(&bytes);
        let _ = necken_core::head::StyleHead::from_bytes(&bytes);
        let _ = neckenml::import_json(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn truncated_records_are_errors(a in artifacts(), cut in 0.0f64..1.0) {
        let bytes = codec::encode(&a);
        let n = ((bytes.len() as f64) * cut) as usize;
        prop_assert!(codec::decode(&bytes[..n.min(bytes.len() - 1)]).is_err());
    }

    #[test]
    fn corrupted_records_never_panic(a in artifacts(), pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = codec::encode(&a);
        let i = pos.index(bytes.len());
        bytes[i] = byte;
        if let Ok(q) = codec::decode(&bytes) {
            let _ = necken_core::features::derive(&q);
        }
    }
}

#[test]
fn both_neckenml_layouts_import() {
    let newer = r#"{"version":"1.0.0","rhythm_extractor":{"source":"madmom_rnn_downbeat","bpm":120.0,
        "beats":[0.5,1.0,1.5,2.0,2.5,3.0,3.5],"beat_positions":[1,2,3,1,2,3,1],"beats_per_bar":3,
        "ternary_confidence":0.9,"fps":100,"activation_functions":[[0.1,0.0],[0.9,0.8]]},
        "vocal":{"instrumental_score":0.0,"vocal_score":1.0},
        "audio_stats":{"loudness_lufs":-14.0,"rms":0.1,"zcr":0.05,"onset_rate":3.0,"duration_seconds":4.0}}"#;
    let a = neckenml::import_json(newer).unwrap();
    assert_eq!(a.beats.as_ref().unwrap().numbers, vec![1, 2, 3, 1, 2, 3, 1]);
    assert_eq!(a.rhythm.beats_per_bar, Some(3));
    assert_eq!(a.activation.as_ref().unwrap().beat, vec![0.1, 0.9]);
    assert_eq!(a.profile, Profile::Full);
    // NeckenML's inverted "no voice model" fallback is absence, not "vocal, p = 1".
    assert!(a.vocal.is_none());

    let older = r#"{"version":"1.0.0","madmom":{"beat_times":[0.5,1.0,1.5,2.0],
        "beat_info":[[0.5,1],[1.0,2],[1.5,1],[2.0,2]],"bars":[0.5,1.5],"ternary_confidence":0.2},
        "onsets":{"librosa_onset_times":[0.5,0.75,1.0]}}"#;
    let b = neckenml::import_json(older).unwrap();
    assert_eq!(b.beats.as_ref().unwrap().bar_times(), vec![0.5, 1.5]);
    assert_eq!(b.rhythm.beats_per_bar, Some(2));
    assert_eq!(b.rhythm.ternary_confidence, Some(0.2));
    assert!(
        b.embedding.is_none() && b.audio_stats.is_none(),
        "missing parts stay missing"
    );

    let err = neckenml::import_json(
        r#"{"madmom":{"beat_times":[1.0,0.5],"beat_info":[[1.0,1],[0.5,2]]}}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("ascending"), "{err}");
    assert!(neckenml::import_json("[1,2]").is_err());
    assert!(neckenml::import_json(r#"{"hello":1}"#).is_err());
}

/// The example of NeckenML's `madmom.*` layout as its documentation gives it: `dynamics` holds
/// `beat_activations`, `envelope` and `intervals` and no `envelope_sample_rate` (NeckenML's
/// rate is the constant 160 Hz, which import assumes).
#[test]
fn the_documented_seed_layout_imports_with_the_160_hz_envelope() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/neckenml/seed_example.json"),
    )
    .unwrap();
    let a = neckenml::import_json(&text).unwrap_or_else(|e| panic!("{e}"));
    let env = a.dynamics.as_ref().unwrap().envelope.as_ref().unwrap();
    assert_eq!(env.hop_s, 1.0 / 160.0);
    assert_eq!(env.values.len(), 12);
    assert_eq!(a.beats.as_ref().unwrap().times.len(), 13);
    assert_eq!(a.rhythm.beats_per_bar, Some(3));
    assert_eq!(a.dynamics.as_ref().unwrap().beat_energy.len(), 13);
    let f = necken_core::features::derive(&a);
    assert_eq!(f.meter.as_deref(), Some("3/4"));
    // Both export layouts read back to the same artifacts.
    for layout in [neckenml::Layout::Current, neckenml::Layout::Legacy] {
        let back = neckenml::import_json(&neckenml::export_json(&a, layout).to_string()).unwrap();
        assert_eq!(back.beats, a.beats, "{layout:?}");
        assert_eq!(back.dynamics, a.dynamics, "{layout:?}");
    }
    // The original's formulas on this example, worked by hand: 13 beats ≥ 12, mean interval
    // 0.5 s → 120 bpm; ratios over the four interval triples (0.5, 0.48, 0.52) / 1.5.
    let c = neckenml::compat::compat_features(&a);
    assert!((c.tempo_bpm - 120.0).abs() < 1e-9, "{}", c.tempo_bpm);
    assert!((c.avg_beat_ratios[0] - 0.5 / 1.5).abs() < 1e-9);
    assert!((c.avg_beat_ratios[1] - 0.48 / 1.5).abs() < 1e-9);
    assert_eq!(c.meter, "3/4");
    assert_eq!(c.vector.len(), 4 + 17);
    assert!((c.articulation - (1.0 - (5.52 / 12.0) / 0.9)).abs() < 1e-6);
}
