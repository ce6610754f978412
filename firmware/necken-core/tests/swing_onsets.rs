//! The standard profile stores only the onsets swing reads (`features::swing_onsets`): swing
//! from those — necken's feature and NeckenML's — must equal swing from every onset, for
//! whole tracks and excerpts, including onsets exactly on an interval's 20 % and 80 % marks.

use necken_core::artifact::{Profile, RawArtifacts};
use necken_core::excerpt::excerpt;
use necken_core::features::{derive, swing_onsets};
use necken_core::neckenml::compat::compat_features;
use necken_core::style::Style;
use necken_core::synth::synthetic_artifacts;
use proptest::prelude::*;

/// Times on the tracker's 10 ms grid, as analysis produces them.
fn on_grid(ticks: &[u32]) -> Vec<f64> {
    let mut t: Vec<f64> = ticks.iter().map(|&k| f64::from(k) / 100.0).collect();
    t.sort_by(f64::total_cmp);
    t.dedup();
    t
}

fn with_onsets(a: &RawArtifacts, onsets: Vec<f64>) -> RawArtifacts {
    RawArtifacts {
        onsets: Some(onsets),
        ..a.clone()
    }
}

fn assert_same_swing(a: &RawArtifacts, all: &[f64]) {
    let beats = &a.beats.as_ref().unwrap().times;
    let kept = swing_onsets(beats, all);
    assert!(kept.len() < beats.len() * 2, "{} kept", kept.len());
    assert!(
        kept.iter().all(|o| all.contains(o)),
        "kept onsets are onsets"
    );
    let (full, standard) = (with_onsets(a, all.to_vec()), with_onsets(a, kept));
    assert_eq!(derive(&full).swing_ratio, derive(&standard).swing_ratio);
    assert_eq!(
        compat_features(&full).swing_ratio,
        compat_features(&standard).swing_ratio
    );
    for (from, to) in [(0.0, 20.0), (7.3, 27.3), (30.0, 1e9)] {
        assert_eq!(
            derive(&excerpt(&full, from, to)).swing_ratio,
            derive(&excerpt(&standard, from, to)).swing_ratio,
            "excerpt {from}..{to}"
        );
    }
}

#[test]
fn swing_is_the_same_from_the_kept_onsets_on_synthetic_tunes() {
    let styles = [
        Style::Polska,
        Style::Hambo,
        Style::Schottis,
        Style::Vals,
        Style::Polka,
    ];
    for (i, style) in styles.iter().enumerate() {
        let a = synthetic_artifacts(*style, 90.0, Profile::Full, i as u64 + 11);
        let all = a.onsets.clone().unwrap();
        assert!(derive(&a).swing_ratio.is_some(), "{style:?} has swing");
        assert_same_swing(&a, &all);
    }
}

#[test]
fn onsets_on_the_marks_are_kept_for_either_rule() {
    // Beats 0.5 s apart: the 20 % and 80 % marks (0.1 s, 0.4 s after a beat) are on the grid.
    let mut a = synthetic_artifacts(Style::Polka, 30.0, Profile::Full, 5);
    let beats: Vec<f64> = (0..60).map(|k| f64::from(k) * 0.5).collect();
    a.beats.as_mut().unwrap().times = beats.clone();
    a.beats.as_mut().unwrap().numbers = (0..60).map(|k| (k % 2 + 1) as u8).collect();
    a.beats.as_mut().unwrap().alternate_numbers = None;
    let mut all: Vec<f64> = beats
        .iter()
        .flat_map(|b| [b + 0.1, b + 0.4, b + 0.26])
        .map(|t| (t * 100.0f64).round() / 100.0)
        .collect();
    all.sort_by(f64::total_cmp);
    assert_same_swing(&a, &all);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn swing_is_the_same_from_the_kept_onsets(
        beat_ticks in prop::collection::vec(0u32..6000, 2..120),
        onset_ticks in prop::collection::vec(0u32..6000, 0..400),
    ) {
        let mut a = synthetic_artifacts(Style::Schottis, 60.0, Profile::Full, 1);
        let beats = on_grid(&beat_ticks);
        let track = a.beats.as_mut().unwrap();
        track.numbers = (0..beats.len()).map(|k| (k % 4 + 1) as u8).collect();
        track.times = beats;
        track.alternate_numbers = None;
        a.dynamics = None;
        assert_same_swing(&a, &on_grid(&onset_ticks));
    }
}
