//! The mean bar as heard: onset strength in a few frequency bands at equal steps through the
//! bar, averaged over a piece's complete bars (the rhythm patterns of Dixon, Gouyon and
//! Widmer's ballroom-dance work). What tells a mazurka from a vals or a polska from a hambo
//! is where in the bar the bass, the chords and the accents fall; the beat shares say only
//! where the beats are, and the mean embedding (3-second patches, pooled) says neither.

use std::ops::Range;

use crate::frontend::{FrameFeatures, COARSE_BANDS};

/// Steps per bar.
pub const BINS: usize = 24;
/// Frequency bands: bass (about 40–250 Hz), middle (250 Hz–2.5 kHz), treble (above).
pub const BANDS: usize = 3;
/// The front end's coarse band groups (2/3 octave each from 40 Hz) in each band.
const GROUPS: [Range<usize>; BANDS] = [0..4, 4..9, 9..COARSE_BANDS];
/// Bars longer than this are gaps in the tracking, not bars.
const MAX_BAR_FRAMES: usize = 400;
/// Fewest complete bars worth a pattern.
const MIN_BARS: u32 = 2;

/// A piece's mean bar.
#[derive(Clone, Debug, PartialEq)]
pub struct MeanBar {
    /// Complete bars averaged.
    pub bars: u32,
    /// Band-major: band `b`'s step `k` at `b * BINS + k`; each band's mean is 1 (0 throughout
    /// when the band had no onsets).
    pub values: Vec<f32>,
}

/// Onset strength of band `b` at frame `i`: the positive change of the band's mean log
/// magnitude from the frame before (the first frame has none). Computed where read, so that a
/// long live segment needs no second per-frame buffer at its close.
fn onset(frames: &[FrameFeatures], i: usize, b: usize) -> f32 {
    let level = |f: &FrameFeatures| {
        let g = &GROUPS[b];
        f.coarse[g.clone()].iter().sum::<f32>() / g.len() as f32
    };
    if i == 0 {
        return 0.0;
    }
    (level(&frames[i]) - level(&frames[i - 1])).max(0.0)
}

/// The mean bar over the bars the beats mark (frames of the beats, their numbers; 1 = a
/// downbeat): each step takes the strongest onset within half a step of its place in the bar.
/// `None` with fewer than two complete bars.
pub fn mean_bar(
    frames: &[FrameFeatures],
    beat_frames: &[usize],
    numbers: &[u8],
) -> Option<MeanBar> {
    let downbeats: Vec<usize> = beat_frames
        .iter()
        .zip(numbers)
        .filter(|(_, &n)| n == 1)
        .map(|(&f, _)| f)
        .collect();
    let mut sum = vec![0f64; BANDS * BINS];
    let mut bars = 0u32;
    for pair in downbeats.windows(2) {
        let (start, end) = (pair[0], pair[1]);
        if end <= start || end - start > MAX_BAR_FRAMES || end >= frames.len() {
            continue;
        }
        let length = (end - start) as f64;
        let edge = |k: usize| {
            let t = start as f64 + length * (k as f64 - 0.5) / BINS as f64;
            (t.round().max(0.0) as usize).min(frames.len() - 1)
        };
        for k in 0..BINS {
            let (lo, hi) = (edge(k), edge(k + 1).max(edge(k) + 1));
            for b in 0..BANDS {
                let strongest = (lo..hi.min(frames.len()))
                    .map(|i| onset(frames, i, b))
                    .fold(0f32, f32::max);
                sum[b * BINS + k] += strongest as f64;
            }
        }
        bars += 1;
    }
    if bars < MIN_BARS {
        return None;
    }
    let mut values: Vec<f32> = sum.iter().map(|&s| (s / bars as f64) as f32).collect();
    for band in values.chunks_mut(BINS) {
        let mean = band.iter().sum::<f32>() / BINS as f32;
        if mean > 0.0 && mean.is_finite() {
            band.iter_mut().for_each(|v| *v /= mean);
        } else {
            band.iter_mut().for_each(|v| *v = 0.0);
        }
    }
    Some(MeanBar { bars, values })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames whose band levels step up at the given frames (bass on `bass`, treble on
    /// `treble`) and fall back the frame after.
    fn frames(n: usize, bass: &[usize], treble: &[usize]) -> Vec<FrameFeatures> {
        (0..n)
            .map(|i| {
                let mut f = FrameFeatures::default();
                if bass.contains(&i) {
                    f.coarse[0..4].iter_mut().for_each(|c| *c = 2.0);
                }
                if treble.contains(&i) {
                    f.coarse[9..].iter_mut().for_each(|c| *c = 1.0);
                }
                f
            })
            .collect()
    }

    #[test]
    fn a_bass_on_one_and_chords_on_two_and_three_land_on_their_steps() {
        // 3/4 bars of 120 frames: bass at the downbeat, treble on beats 2 and 3.
        let beats: Vec<usize> = (0..31).map(|k| 10 + 40 * k).collect();
        let numbers: Vec<u8> = (0..31).map(|k| (k % 3 + 1) as u8).collect();
        let bass: Vec<usize> = beats.iter().step_by(3).copied().collect();
        let treble: Vec<usize> = beats
            .iter()
            .enumerate()
            .filter(|(k, _)| k % 3 != 0)
            .map(|(_, &f)| f)
            .collect();
        let f = frames(1300, &bass, &treble);
        let bar = mean_bar(&f, &beats, &numbers).unwrap();
        assert_eq!(bar.bars, 10);
        let (low, mid, high) = (
            &bar.values[..BINS],
            &bar.values[BINS..2 * BINS],
            &bar.values[2 * BINS..],
        );
        assert!((low[0] - BINS as f32).abs() < 1e-4, "{low:?}");
        assert!(low[1..].iter().all(|&v| v == 0.0));
        assert!(mid.iter().all(|&v| v == 0.0), "a silent band is all 0");
        let half = BINS as f32 / 2.0;
        assert!(
            (high[8] - half).abs() < 1e-4 && (high[16] - half).abs() < 1e-4,
            "{high:?}"
        );
    }

    #[test]
    fn an_uneven_bar_moves_its_second_beat() {
        // A polska's short first beat: beat 2 at 0.29 of the bar.
        let bar_frames = 120;
        let mut beats = Vec::new();
        let mut numbers = Vec::new();
        for bar in 0..8 {
            for (n, at) in [(1u8, 0usize), (2, 35), (3, 78)] {
                beats.push(bar * bar_frames + at);
                numbers.push(n);
            }
        }
        let f = frames(1000, &[], &beats);
        let bar = mean_bar(&f, &beats, &numbers).unwrap();
        let high = &bar.values[2 * BINS..];
        let peak_after_one = (1..BINS)
            .max_by(|&a, &b| high[a].total_cmp(&high[b]))
            .unwrap();
        assert!(
            high[7] > 0.0 && high[8] == 0.0,
            "35/120 of a bar is step 7: {high:?}"
        );
        assert!(high[7] >= high[peak_after_one] - 1e-6);
    }

    #[test]
    fn too_few_bars_or_too_long_ones_give_none() {
        let f = frames(600, &[10], &[]);
        assert_eq!(mean_bar(&f, &[10, 130], &[1, 1]), None);
        assert_eq!(mean_bar(&f, &[10, 550, 590], &[1, 1, 1]), None);
        assert!(mean_bar(&f, &[10, 130, 250], &[1, 1, 1]).is_some());
    }
}
