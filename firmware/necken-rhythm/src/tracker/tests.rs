//! Tracker tests on synthetic activations.

use super::*;

fn pulses(n: usize, beats: &[(usize, u8)]) -> (Vec<f32>, Vec<f32>) {
    let mut a = vec![0.02f32; n];
    let mut low = vec![0.0f32; n];
    for &(f, num) in beats {
        a[f] = 1.0;
        if num == 1 {
            low[f] = 1.0;
        }
    }
    (a, low)
}

#[test]
fn finds_a_waltz_and_its_downbeats() {
    // 150 bpm (40 frames per beat), 3/4, downbeat accents in the low band.
    let beats: Vec<(usize, u8)> = (0..60).map(|i| (20 + 40 * i, (i % 3 + 1) as u8)).collect();
    let (a, low) = pulses(2500, &beats);
    let r = BarPointerTracker::new(TrackerConfig::default()).track(&Activations {
        beat: a,
        downbeat: low,
        harmonic: Vec::new(),
    });
    assert_eq!(r.beats_per_bar, 3);
    assert!(r.ternary_probability() > 0.9, "{:?}", r.meter_posterior);
    let downs: Vec<usize> = r
        .beat_frames
        .iter()
        .zip(&r.beat_numbers)
        .filter(|(_, n)| **n == 1)
        .map(|(f, _)| *f)
        .collect();
    let hits = downs
        .iter()
        .filter(|d| beats.iter().any(|(f, n)| *n == 1 && f.abs_diff(**d) <= 2))
        .count();
    assert!(hits + 2 >= downs.len() && downs.len() >= 18, "{downs:?}");
}

#[test]
fn places_uneven_polska_beats() {
    // Bar of 150 frames split 0.285 / 0.36 / 0.355.
    let mut beats = Vec::new();
    for bar in 0..20 {
        let s = 30 + 150 * bar;
        beats.push((s, 1));
        beats.push((s + 43, 2));
        beats.push((s + 97, 3));
    }
    let (a, low) = pulses(3200, &beats);
    let r = BarPointerTracker::new(TrackerConfig::default()).track(&Activations {
        beat: a,
        downbeat: low,
        harmonic: Vec::new(),
    });
    assert_eq!(r.beats_per_bar, 3, "{:?}", r.meter_posterior);
    let matched = beats
        .iter()
        .filter(|(f, _)| r.beat_frames.iter().any(|b| b.abs_diff(*f) <= 3))
        .count();
    assert!(
        matched >= beats.len() - 3,
        "matched {matched} of {}",
        beats.len()
    );
}
