//! Engine tests on generated clicks and the built-in networks.

use necken_core::classify::Tags;
use necken_rhythm::ANALYSIS_RATE;
use necken_store::TrackId;

use crate::config::Config;
use crate::engine::*;

/// 16 kHz "music": clicks at `bpm`, an accented (louder, lower) click on every `meter`th
/// beat, over a quiet tone whose pitch changes at each bar line.
fn clicks(seconds: f32, bpm: f32, meter: usize) -> Vec<f32> {
    let rate = ANALYSIS_RATE as f32;
    let period = (60.0 / bpm * rate) as usize;
    let notes = [220.0, 277.2, 329.6, 246.9];
    (0..(seconds * rate) as usize)
        .map(|i| {
            let beat = i / period;
            let t = (i % period) as f32 / rate;
            let note = notes[(beat / meter) % notes.len()];
            let tone = (std::f32::consts::TAU * note * i as f32 / rate).sin() * 0.05;
            let (freq, amp) = if beat.is_multiple_of(meter) {
                (200.0, 0.8)
            } else {
                (1000.0, 0.4)
            };
            tone + if t < 0.03 {
                (std::f32::consts::TAU * freq * t).sin() * amp * (1.0 - t / 0.03)
            } else {
                0.0
            }
        })
        .collect()
}

/// The default profile's settings with a fixed clock (the engine reads no clock of its own).
fn settings() -> EngineSettings {
    let mut c = Config::default();
    c.segments.min_s = 10.0;
    EngineSettings {
        clock: || 1_700_000_000,
        ..c.engine_settings()
    }
}

/// An engine with the built-in default beat network (streamed in pulses of `settings`'
/// `beat_pulse` frames) and the embedding network `embed`, on mono audio at `rate`.
#[cfg(feature = "models")]
fn with_networks(
    settings: EngineSettings,
    embed: necken_model_files::ModelChoice,
    source: SourceInfo,
    rate: u32,
) -> Engine {
    use necken_model_files::ModelChoice;
    let pulse = settings.beat_pulse;
    let models =
        crate::models::load(&ModelChoice::Default, &embed, &ModelChoice::Off, pulse, &[]).unwrap();
    Engine::new(settings, models, source, rate, 1).unwrap()
}

/// The default settings with the network streamed in pulses of `pulse` frames.
#[cfg(feature = "models")]
fn pulsed(pulse: usize) -> EngineSettings {
    EngineSettings {
        beat_pulse: pulse,
        ..settings()
    }
}

fn segments_of(events: &[EngineEvent]) -> Vec<&Segment> {
    events
        .iter()
        .filter_map(|e| match e {
            EngineEvent::Segment(s) => Some(s.as_ref()),
            _ => None,
        })
        .collect()
}

fn duration_of(segment: &Segment) -> f32 {
    segment.artifacts.audio_stats.as_ref().unwrap().duration_s
}

fn run(engine: &mut Engine, audio: &[f32], events: &mut Vec<EngineEvent>) {
    for chunk in audio.chunks(160) {
        engine.push(chunk, &mut |e| events.push(e));
    }
}

#[test]
fn live_audio_is_cut_at_silences_into_tracks_with_beats_and_music_events() {
    let source = SourceInfo {
        name: "live:test".into(),
        file: None,
    };
    let mut engine = Engine::new(settings(), Models::default(), source, ANALYSIS_RATE, 1).unwrap();
    let mut events = Vec::new();
    let silence = vec![0f32; ANALYSIS_RATE as usize * 6];
    run(&mut engine, &silence[..ANALYSIS_RATE as usize], &mut events);
    run(&mut engine, &clicks(25.0, 120.0, 3), &mut events);
    run(&mut engine, &silence, &mut events);
    run(&mut engine, &clicks(25.0, 90.0, 2), &mut events);
    // A blip shorter than the minimum segment: no track.
    run(&mut engine, &silence, &mut events);
    run(&mut engine, &clicks(3.0, 100.0, 2), &mut events);
    engine.finish(&mut |e| events.push(e));

    let music: Vec<bool> = events
        .iter()
        .filter_map(|e| match e {
            EngineEvent::Music { playing, .. } => Some(*playing),
            _ => None,
        })
        .collect();
    assert_eq!(music, [true, false, true, false, true, false]);
    let segments = segments_of(&events);
    assert_eq!(segments.len(), 2, "two tunes stored, the blip not");
    let tempi: Vec<f32> = segments
        .iter()
        .map(|s| s.artifacts.rhythm.tempo_bpm.unwrap())
        .collect();
    assert!(
        (tempi[0] - 120.0).abs() < 2.0 && (tempi[1] - 90.0).abs() < 2.0,
        "{tempi:?}"
    );
    assert!(
        (segments[0].start_s - 1.0).abs() < 1.0,
        "{}",
        segments[0].start_s
    );
    assert_ne!(segments[0].id, segments[1].id);
    assert_eq!(segments[0].name, "live:test#1");
    let duration = duration_of(segments[0]);
    assert!((25.0..=31.0).contains(&duration), "{duration}");
    // Beats while the first tune plays, about two per second, none in the silences.
    let beats: Vec<&BeatInfo> = events
        .iter()
        .filter_map(|e| match e {
            EngineEvent::Beat(b) => Some(b),
            _ => None,
        })
        .collect();
    let first: Vec<_> = beats.iter().filter(|b| b.time_s < 27.0).collect();
    assert!((40..=52).contains(&first.len()), "{} beats", first.len());
    assert!(beats.iter().all(|b| !(27.0..31.0).contains(&b.time_s)));
}

#[test]
fn a_file_is_one_track_with_its_content_id_whatever_its_silences() {
    let id = TrackId([7; 16]);
    let source = SourceInfo {
        name: "a.wav".into(),
        file: Some((id, Tags::default())),
    };
    let mut engine = Engine::new(settings(), Models::default(), source, ANALYSIS_RATE, 1).unwrap();
    let mut events = Vec::new();
    run(&mut engine, &clicks(15.0, 120.0, 3), &mut events);
    run(
        &mut engine,
        &vec![0f32; ANALYSIS_RATE as usize * 6],
        &mut events,
    );
    run(&mut engine, &clicks(15.0, 120.0, 3), &mut events);
    engine.finish(&mut |e| events.push(e));
    let segments = segments_of(&events);
    assert_eq!(segments.len(), 1);
    assert_eq!(segments[0].id, id);
    assert_eq!(segments[0].name, "a.wav");
    let d = duration_of(segments[0]);
    assert!((d - 36.0).abs() < 0.1, "{d}");
}

/// With the beat network the frames wait for its output (at most a pulse), every frame
/// still reaches the tracker and the segment; the embedding network adds the embedding
/// and vocal scores, and the stored artifacts name both models.
#[cfg(feature = "models")]
#[test]
fn with_the_networks_the_segment_records_them_and_beats_still_flow() {
    use necken_model_files::ModelChoice;
    // A pulse that does not divide the clip: the last frames need the end-of-source drain
    // (the built-in default networks).
    let source = SourceInfo {
        name: "a.wav".into(),
        file: Some((TrackId([9; 16]), Tags::default())),
    };
    let mut engine = with_networks(pulsed(7), ModelChoice::Default, source, ANALYSIS_RATE);
    let mut events = Vec::new();
    let audio = clicks(20.03, 120.0, 3);
    run(&mut engine, &audio, &mut events);
    engine.finish(&mut |e| events.push(e));
    let beats = events
        .iter()
        .filter(|e| matches!(e, EngineEvent::Beat(_)))
        .count();
    assert!(
        (30..=42).contains(&beats),
        "{beats} beats in 20 s at 120 bpm"
    );
    let segments = segments_of(&events);
    assert_eq!(segments.len(), 1);
    let models: Vec<&str> = segments[0]
        .artifacts
        .provenance
        .models
        .iter()
        .map(|m| m.id.as_str())
        .collect();
    assert_eq!(models, ["beat-tcn-v3", "embed-cnn-v2"]);
    let a = &segments[0].artifacts;
    assert_eq!(a.embedding.as_ref().map(|e| e.mean.len()), Some(200));
    let v = a.vocal.as_ref().expect("vocal scores");
    assert!((v.instrumental + v.vocal - 1.0).abs() < 1e-3, "{v:?}");
    let d = duration_of(segments[0]);
    assert!((d - 20.0).abs() < 0.1, "{d}");
}

/// The track's style is decided on its stored record, as `necken reanalyze` decides it: the
/// same probabilities to the bit (decided on the full-precision artifacts, a track near a
/// threshold was named one thing when stored and another when read back).
#[cfg(feature = "models")]
#[test]
fn a_segment_is_classified_as_its_stored_record_reads() {
    use necken_model_files::ModelChoice;
    let models = crate::models::load(
        &ModelChoice::Default,
        &ModelChoice::Default,
        &ModelChoice::Default,
        4,
        &[],
    )
    .unwrap();
    let head = models.style.clone().expect("the default head");
    let source = SourceInfo {
        name: "a.wav".into(),
        file: Some((TrackId([7; 16]), Tags::default())),
    };
    let mut engine = Engine::new(settings(), models, source, ANALYSIS_RATE, 1).unwrap();
    let mut events = Vec::new();
    run(&mut engine, &clicks(24.0, 150.0, 3), &mut events);
    engine.finish(&mut |e| events.push(e));
    let segment = segments_of(&events)[0];
    assert_eq!(
        segment.record,
        necken_core::codec::encode(&segment.artifacts)
    );
    let (_, read_back) =
        necken_core::reanalyze(&segment.record, &segment.tags, Some(head.as_ref())).unwrap();
    assert_eq!(segment.classification, read_back);
}

#[test]
fn without_a_beat_network_the_artifacts_list_no_model() {
    let source = SourceInfo {
        name: "a.wav".into(),
        file: Some((TrackId([8; 16]), Tags::default())),
    };
    let mut engine = Engine::new(settings(), Models::default(), source, ANALYSIS_RATE, 1).unwrap();
    let mut events = Vec::new();
    run(&mut engine, &clicks(15.0, 120.0, 3), &mut events);
    engine.finish(&mut |e| events.push(e));
    assert!(segments_of(&events)[0]
        .artifacts
        .provenance
        .models
        .is_empty());
}

#[test]
fn a_long_window_still_classifies_a_tune_after_its_first_seconds() {
    // A 30 s window grows with the tune from 6 s on, rather than waiting for half of it.
    use necken_model_files::ModelChoice;
    let d = ModelChoice::Default;
    let models = crate::models::load(&d, &d, &d, 4, &[]).unwrap();
    let mut settings = settings();
    settings.window_frames = 3000;
    let source = SourceInfo {
        name: "live:test".into(),
        file: None,
    };
    let mut engine = Engine::new(settings, models, source, ANALYSIS_RATE, 1).unwrap();
    let mut events = Vec::new();
    run(&mut engine, &clicks(12.0, 120.0, 3), &mut events);
    let first_style = events.iter().find_map(|e| match e {
        EngineEvent::Style(s) => Some(s.time_s),
        _ => None,
    });
    assert!(
        first_style.is_some_and(|t| t < 12.0),
        "first style message at {first_style:?}"
    );
}

/// Clicks at 48 kHz (each 16 kHz sample three times: the tests need a block of 480).
#[cfg(feature = "models")]
fn clicks_48k(seconds: f32, bpm: f32, meter: usize) -> Vec<f32> {
    clicks(seconds, bpm, meter)
        .iter()
        .flat_map(|&s| [s, s, s])
        .collect()
}

/// Mono 48 kHz `audio` fed as a live or paced source feeds it: [`Engine::blocks_wanted`]
/// blocks at a time. Returns the beats, each with the seconds of audio fed when it was sent,
/// and the blocks wanted at each feed.
#[cfg(feature = "models")]
fn feed_as_wanted(engine: &mut Engine, audio: &[f32]) -> (Vec<(BeatInfo, f64)>, Vec<usize>) {
    let block = engine.block_len();
    let (mut sent, mut feeds) = (Vec::new(), Vec::new());
    let mut fed = 0;
    while fed < audio.len() {
        let wanted = engine.blocks_wanted();
        feeds.push(wanted);
        let end = (fed + wanted * block).min(audio.len());
        let at = end as f64 / 48_000.0;
        engine.push(&audio[fed..end], &mut |e| {
            if let EngineEvent::Beat(b) = e {
                sent.push((b, at));
            }
        });
        fed = end;
    }
    (sent, feeds)
}

/// The beats alone of [`feed_as_wanted`]'s answer.
#[cfg(feature = "models")]
fn beats_of(sent: &[(BeatInfo, f64)]) -> Vec<BeatInfo> {
    sent.iter().map(|(b, _)| b.clone()).collect()
}

/// Live and paced sources feed as many whole blocks as the engine wants: about one wake-up
/// per network pulse instead of one per block (the count is never high, sometimes a block
/// short, then one more block completes the pulse), and the beats are those of feeding block
/// by block.
#[cfg(feature = "models")]
#[test]
fn feeding_the_blocks_the_engine_wants_wakes_about_once_a_pulse_and_changes_no_beat() {
    use necken_model_files::ModelChoice;
    let engine_for = || {
        let source = SourceInfo {
            name: "live:test".into(),
            file: None,
        };
        // Without held beats, whose wake-ups come on top (the next test).
        let settings = EngineSettings {
            beat_send_ahead_s: None,
            ..pulsed(4)
        };
        with_networks(settings, ModelChoice::Off, source, 48_000)
    };
    let audio = clicks_48k(12.0, 126.0, 3);

    let mut by_block = engine_for();
    let block = by_block.block_len();
    assert_eq!(block, 480);
    let mut one_at_a_time = Vec::new();
    for chunk in audio.chunks(block) {
        by_block.push(chunk, &mut |e| {
            if let EngineEvent::Beat(b) = e {
                one_at_a_time.push(b);
            }
        });
    }

    let (as_wanted, feeds) = feed_as_wanted(&mut engine_for(), &audio);
    // The first frame needs the front end's whole window (64 ms) and the resampler's delay.
    for wanted in &feeds {
        assert!((1..=8).contains(wanted), "{wanted}");
    }
    // 1200 blocks, 300 pulses: at most half again as many wake-ups (a block short), where
    // one a block was four a pulse.
    let (feeds, pulses) = (feeds.len(), audio.len() / block / 4);
    assert!(
        feeds * 2 <= pulses * 3 && feeds >= pulses,
        "{feeds} feeds for {pulses} pulses"
    );
    assert!(one_at_a_time.len() > 15, "{} beats", one_at_a_time.len());
    assert_eq!(one_at_a_time, beats_of(&as_wanted));
}

/// Held beats (`beat_send_ahead_s`) leave when the audio reaches their time less the hold,
/// never before, and — those predicted in time — within the block that reaches it, whatever
/// the pulse; they are the beats sent at once without holding.
#[cfg(feature = "models")]
#[test]
fn held_beats_leave_a_fixed_time_before_they_sound_whatever_the_pulse() {
    use necken_model_files::ModelChoice;
    const AHEAD: f64 = 0.02;
    let engine_for = |hold: Option<f64>| {
        let source = SourceInfo {
            name: "live:test".into(),
            file: None,
        };
        // The profiles' lead: the front end's half window and resampler (about 40 ms) and the
        // hold; the engine adds the pulse's wait (70 ms).
        let settings = EngineSettings {
            beat_lead_frames: 6,
            beat_send_ahead_s: hold,
            ..pulsed(8)
        };
        with_networks(settings, ModelChoice::Off, source, 48_000)
    };
    let audio = clicks_48k(12.0, 126.0, 3);
    let (held, _) = feed_as_wanted(&mut engine_for(Some(AHEAD)), &audio);
    let (at_once, _) = feed_as_wanted(&mut engine_for(None), &audio);
    assert!(held.len() > 15, "{} beats", held.len());
    assert_eq!(beats_of(&held), beats_of(&at_once));
    let block_s = 0.01 + 1e-9;
    for (b, at) in &held {
        assert!(
            *at >= b.time_s - AHEAD - 1e-9,
            "beat {} sent at {at}",
            b.time_s
        );
    }
    let on_time: Vec<_> = held
        .iter()
        .filter(|(b, at)| *at < b.time_s - AHEAD + block_s)
        .cloned()
        .collect();
    assert!(
        on_time.len() * 10 >= held.len() * 9,
        "{} of {} on time",
        on_time.len(),
        held.len()
    );
    // How long before its time each beat left: held, within a block for those on time; sent
    // at once, spread over most of a pulse (80 ms).
    let spread = |s: &[(BeatInfo, f64)]| {
        let ahead: Vec<f64> = s.iter().skip(4).map(|(b, at)| b.time_s - at).collect();
        let max = ahead.iter().copied().fold(f64::MIN, f64::max);
        let min = ahead.iter().copied().fold(f64::MAX, f64::min);
        max - min
    };
    assert!(spread(&on_time) <= block_s, "{}", spread(&on_time));
    assert!(spread(&at_once) >= 0.04, "{}", spread(&at_once));
}
