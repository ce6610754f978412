//! Streaming tracker tests on synthetic activations.

use super::lanes::max_of;
use super::*;

/// Beats of a 120 bpm click track with a bass accent every other beat (2/4), each with
/// the frame that was newest when it was reported.
fn click_track_beats(lead: usize) -> Vec<(u64, BeatEvent)> {
    clicks_beats(50, 2, lead)
}

/// Beats of a click track with a click every `period` frames and a bass accent every
/// `meter` clicks, each with the frame that was newest when it was reported.
fn clicks_beats(period: u64, meter: u64, lead: usize) -> Vec<(u64, BeatEvent)> {
    let mut t = StreamingTracker::new(TrackerConfig::default()).with_lead(lead);
    let mut beats = Vec::new();
    for frame in 0..3000u64 {
        let on = frame % period == 0;
        let down = frame % (period * meter) == 0;
        let f = FrameFeatures {
            flux: if on { 8.0 } else { 0.1 },
            low_flux: if down { 3.0 } else { 0.05 },
            ..Default::default()
        };
        if let Some(b) = t.push(&f) {
            beats.push((frame, b));
        }
    }
    beats
}

#[test]
fn a_steady_click_track_is_followed_causally() {
    let beats: Vec<BeatEvent> = click_track_beats(0).into_iter().map(|(_, b)| b).collect();
    let late: Vec<&BeatEvent> = beats.iter().filter(|b| b.frame > 1000).collect();
    assert!(late.len() >= 38 && late.len() <= 42, "{} beats", late.len());
    for b in &late {
        let off = (b.frame % 50).min(50 - b.frame % 50);
        assert!(off <= 3, "beat at frame {}", b.frame);
        assert!((b.tempo_bpm - 120.0).abs() < 6.0);
    }
    let downs_on_accent = late
        .iter()
        .filter(|b| b.number == 1)
        .filter(|b| (b.frame % 100).min(100 - b.frame % 100) <= 3)
        .count();
    assert!(downs_on_accent * 10 >= late.iter().filter(|b| b.number == 1).count() * 8);
}

#[test]
fn with_a_lead_beats_are_reported_before_the_audio_reaches_them() {
    let late = |beats: Vec<(u64, BeatEvent)>| -> Vec<(u64, BeatEvent)> {
        beats.into_iter().filter(|(_, b)| b.frame > 1000).collect()
    };
    let plain = late(click_track_beats(0));
    let led = late(click_track_beats(4));
    assert!(plain.len() >= 38, "{} beats without a lead", plain.len());
    assert!(
        led.len().abs_diff(plain.len()) <= 1,
        "{} vs {}",
        led.len(),
        plain.len()
    );
    for (seen, b) in &plain {
        assert_eq!(*seen, b.frame);
    }
    for (seen, b) in &led {
        let off = (b.frame % 50).min(50 - b.frame % 50);
        assert!(off <= 3, "beat at frame {}", b.frame);
        assert!(
            b.frame >= seen + 2,
            "beat {} reported at frame {seen}",
            b.frame
        );
    }
}

#[test]
fn a_long_lead_reports_each_fast_beat_once() {
    // 200 bpm in 3/4 predicted 21 frames ahead (the daemon's lead with 16-frame pulses): the
    // lead-widened window spans most of a beat, and the same beat was once reported again a
    // frame or two later as soon as the frames since the last report allowed.
    let late: Vec<u64> = clicks_beats(30, 3, 21)
        .into_iter()
        .map(|(_, b)| b.frame)
        .filter(|&f| f > 1000)
        .collect();
    assert!(
        late.len().abs_diff(66) <= 2,
        "{} beats, 66 clicks",
        late.len()
    );
    for pair in late.windows(2) {
        assert!(pair[1] - pair[0] >= 18, "beats at frames {pair:?}");
        let off = (pair[1] % 30).min(30 - pair[1] % 30);
        assert!(off <= 3, "beat at frame {}", pair[1]);
    }
}

#[test]
fn the_vectorized_scan_finds_the_largest_state() {
    for len in [1usize, 7, 8, 9, 31, 300] {
        let ring: Vec<f32> = (0..len).map(|i| ((i * 7919) % 101) as f32 * 0.5).collect();
        assert_eq!(
            max_of(&ring),
            ring.iter().cloned().fold(f32::NEG_INFINITY, f32::max),
            "len {len}"
        );
    }
}

#[test]
fn the_kept_best_state_is_the_one_a_full_scan_finds() {
    // Noisy activations with a beat every 43 frames, so that the best state moves, sits in
    // beat windows, is rescaled and gets the tune-change floor.
    let mut t = StreamingTracker::new(TrackerConfig::default()).with_change_rate(1e-3);
    let mut seed = 12345u32;
    let mut kept = 0;
    for frame in 0..4000u32 {
        seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
        let noise = (seed >> 8) as f32 / (1u32 << 24) as f32;
        let a = if frame % 43 == 0 { 0.9 } else { 0.3 * noise };
        t.push_activations(a, noise);
        if let Some(at) = t.last_best {
            assert_eq!(at, t.scan_all().at, "frame {frame}");
            kept += 1;
        }
    }
    assert!(kept > 2000, "the best state was kept on only {kept} frames");
}
