//! Dating a tune change where the sound changed rather than where the beat tracker settled.
//!
//! [`crate::tune_change`] hears a new tune once the streamed beats agree on a new rhythm; its
//! first agreeing beat comes seconds after the new tune began (the tracker re-locks first), and
//! the style windows that start there miss those seconds. Tunes differ in key and
//! instrumentation, so the boundary is looked for just before: the split where the mean pitch
//! classes and spectral shape on either side differ most (a novelty curve in the manner of
//! Foote's, from the front end's chroma and coarse bands).

use std::ops::Range;

use necken_rhythm::frontend::{FrameFeatures, COARSE_BANDS};

/// Frames (10 s) before the settled rhythm's first beat where the boundary may lie.
pub const LOOK_BACK_FRAMES: usize = 1000;
/// Frames (4 s) before the previous tune's last beat where the boundary may lie: the
/// tracker holds on to a rhythm for a few beats after the music left it.
pub const BEFORE_LAST_FRAMES: usize = 400;
/// Frames (3 s) on each side of a split that are compared.
pub const SIDE_FRAMES: usize = 300;
/// Frames (10 s) of the previous tune whose novelty is the baseline a boundary must stand out
/// from...
pub const BASELINE_FRAMES: usize = 1000;
/// ...by this factor over its median; otherwise the settled beat stays the boundary.
pub const MIN_PEAK_RATIO: f32 = 1.3;
/// A frame quieter than this share of the new tune's median energy (−20 dB) is a pause.
pub const PAUSE_LEVEL: f32 = 0.01;
/// Frames (0.3 s) of quiet that make a pause rather than a gap between notes.
pub const PAUSE_FRAMES: usize = 30;
/// Fewest baseline splits (2 s) that make a median.
const MIN_BASELINE_SPLITS: usize = 200;

const DIMS: usize = 12 + COARSE_BANDS;

/// The frame features compared: pitch classes, and the coarse spectral shape without its
/// level (a hall's automatic gain moves the level, not the shape).
fn describe(f: &FrameFeatures) -> [f32; DIMS] {
    let mut d = [0.0; DIMS];
    d[..12].copy_from_slice(&f.chroma);
    let level = f.coarse.iter().sum::<f32>() / COARSE_BANDS as f32;
    for (o, c) in d[12..].iter_mut().zip(&f.coarse) {
        *o = c - level;
    }
    d
}

/// Where the tune whose rhythm settled at `search.end` (an index into `frames`) began, the
/// previous tune's rhythm having been heard last at `search.start`: the index of the most
/// novel split from [`BEFORE_LAST_FRAMES`] before `search.start` to `search.end` (at most
/// [`LOOK_BACK_FRAMES`] back, with [`SIDE_FRAMES`] on both sides after `earliest`), when it
/// stands out from the previous tune's own novelty; otherwise `search.end`. Splits later
/// than `frames.len() - SIDE_FRAMES` are not tried.
pub fn tune_boundary(frames: &[FrameFeatures], search: Range<usize>, earliest: usize) -> usize {
    let settled = search.end;
    // Both sides of a split lie after `earliest`: a side reaching back over the previous
    // boundary would find that one again.
    let first_split = earliest + SIDE_FRAMES;
    let lo = settled
        .saturating_sub(LOOK_BACK_FRAMES)
        .max(search.start.saturating_sub(BEFORE_LAST_FRAMES))
        .max(first_split);
    let hi = settled.min(frames.len().saturating_sub(SIDE_FRAMES));
    if hi <= lo {
        return settled;
    }
    // The previous tune's novelty from splits whose sides end before the searched ones begin.
    let base_lo = lo
        .saturating_sub(SIDE_FRAMES + BASELINE_FRAMES)
        .max(first_split);
    let novelty = novelty(&frames[base_lo - SIDE_FRAMES..hi + SIDE_FRAMES]);
    let (before, searched) = novelty.split_at(lo - base_lo);
    let (peak, &top) = searched
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .expect("hi > lo: at least one split");
    let baseline = before
        .len()
        .checked_sub(SIDE_FRAMES)
        .filter(|&n| n >= MIN_BASELINE_SPLITS);
    let Some(baseline) = baseline.map(|n| median(&before[..n])) else {
        return settled;
    };
    log::debug!(
        "tune boundary: novelty peak {top:.2} at {:.1} s before the settled beat, the previous tune's median {baseline:.2}",
        (settled - lo - peak) as f32 / 100.0
    );
    if top > MIN_PEAK_RATIO * baseline {
        after_the_pause(frames, lo + peak, settled)
    } else {
        settled
    }
}

/// Where the new tune's sound begins when there is a pause between `at` and `settled`: the end
/// of the last pause (at least [`PAUSE_FRAMES`] quieter than [`PAUSE_LEVEL`] of the new tune's
/// median energy) there; `at` without one. The novelty peaks where the music stops as much as
/// where it starts again, and a window that begins with seconds of silence has that much less
/// of the tune.
fn after_the_pause(frames: &[FrameFeatures], at: usize, settled: usize) -> usize {
    let settled = settled.min(frames.len());
    let tune = &frames[settled..];
    if tune.is_empty() {
        return at;
    }
    let level = median(&tune.iter().map(|f| f.energy).collect::<Vec<_>>());
    let (mut begin, mut run) = (at, 0);
    for (i, f) in frames.iter().enumerate().take(settled).skip(at) {
        if f.energy < PAUSE_LEVEL * level {
            run += 1;
        } else {
            if run >= PAUSE_FRAMES {
                begin = i;
            }
            run = 0;
        }
    }
    if run >= PAUSE_FRAMES {
        settled
    } else {
        begin
    }
}

/// Novelty of every split of `frames` with [`SIDE_FRAMES`] on both sides (the first is at
/// index `SIDE_FRAMES`): the distance between the mean features before and after it, each
/// feature scaled by its spread over `frames` so that chroma and bands weigh alike.
fn novelty(frames: &[FrameFeatures]) -> Vec<f32> {
    let rows: Vec<[f32; DIMS]> = frames.iter().map(describe).collect();
    let mut mean = [0.0f64; DIMS];
    let mut square = [0.0f64; DIMS];
    for r in &rows {
        for k in 0..DIMS {
            mean[k] += r[k] as f64;
            square[k] += (r[k] as f64).powi(2);
        }
    }
    let n = rows.len() as f64;
    let scale: Vec<f64> = (0..DIMS)
        .map(|k| {
            let m = mean[k] / n;
            let var = (square[k] / n - m * m).max(0.0);
            if var > 1e-12 {
                1.0 / var.sqrt()
            } else {
                0.0
            }
        })
        .collect();
    // Running sums: the mean of any stretch in constant time.
    let mut sums = vec![[0.0f64; DIMS]; rows.len() + 1];
    for (i, r) in rows.iter().enumerate() {
        for k in 0..DIMS {
            sums[i + 1][k] = sums[i][k] + r[k] as f64 * scale[k];
        }
    }
    let side = SIDE_FRAMES as f64;
    (SIDE_FRAMES..=rows.len() - SIDE_FRAMES)
        .map(|s| {
            (0..DIMS)
                .map(|k| {
                    let before = (sums[s][k] - sums[s - SIDE_FRAMES][k]) / side;
                    let after = (sums[s + SIDE_FRAMES][k] - sums[s][k]) / side;
                    (after - before).powi(2)
                })
                .sum::<f64>()
                .sqrt() as f32
        })
        .collect()
}

fn median(values: &[f32]) -> f32 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f32::total_cmp);
    sorted[sorted.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames of a tune in one key and with one spectral shape, with frame-to-frame noise
    /// (a small linear congruential generator: deterministic, no dependency).
    fn tune(frames: usize, key: usize, tilt: f32, seed: &mut u32) -> Vec<FrameFeatures> {
        let mut noise = || {
            *seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (*seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        };
        (0..frames)
            .map(|_| {
                let mut f = FrameFeatures::default();
                for (pc, c) in f.chroma.iter_mut().enumerate() {
                    let in_key = [0, 2, 4, 5, 7, 9, 11].contains(&((pc + 12 - key) % 12));
                    *c = if in_key { 0.35 } else { 0.1 } + 0.3 * noise();
                }
                for (b, c) in f.coarse.iter_mut().enumerate() {
                    *c = -3.0 - tilt * b as f32 + 0.8 * noise();
                }
                f.energy = 0.01 * (1.0 + noise());
                f
            })
            .collect()
    }

    #[test]
    fn the_boundary_is_where_key_and_sound_change_not_where_the_beats_settled() {
        let mut seed = 7;
        let mut frames = tune(3000, 0, 0.2, &mut seed);
        frames.extend(tune(700, 3, 0.3, &mut seed));
        // The previous rhythm was heard last 2 s after the change, the new one settled 4 s
        // after it, and 3 s have been heard since.
        let at = tune_boundary(&frames, 3200..3400, 0);
        assert!((2970..=3030).contains(&at), "boundary at frame {at}");
        // Never before the previous tune's start.
        assert_eq!(tune_boundary(&frames, 3200..3400, 3200), 3400);
        // Nor more than 4 s before the previous rhythm's last beat.
        let at = tune_boundary(&frames, 3500..3600, 0);
        assert!((3100..=3600).contains(&at), "boundary at frame {at}");
    }

    #[test]
    fn after_a_pause_the_boundary_is_where_the_music_starts_again() {
        let mut seed = 3;
        let mut frames = tune(3000, 0, 0.2, &mut seed);
        // 3 s of silence (chroma is zero when silent), then the next tune, in the same key and
        // sound: the silence's two edges are equally novel.
        frames.extend((0..300).map(|_| FrameFeatures::default()));
        frames.extend(tune(700, 0, 0.2, &mut seed));
        let at = tune_boundary(&frames, 3400..3600, 0);
        assert!((3300..=3330).contains(&at), "boundary at frame {at}");
        // A peak where the music stopped moves to where it starts again...
        assert_eq!(after_the_pause(&frames, 2990, 3400), 3300);
        // ...not over a gap between notes (0.2 s), nor past the settled beat.
        frames[3350..3370].iter_mut().for_each(|f| f.energy = 0.0);
        assert_eq!(after_the_pause(&frames, 3320, 3400), 3320);
        assert_eq!(after_the_pause(&frames, 2990, 3200), 3200);
    }

    #[test]
    fn without_a_change_the_settled_beat_stays_the_boundary() {
        let mut seed = 11;
        let frames = tune(4000, 5, 0.25, &mut seed);
        assert_eq!(tune_boundary(&frames, 3200..3400, 0), 3400);
        // Too little heard after the settled beat to compare: nothing moves.
        assert_eq!(tune_boundary(&frames[..3500], 3200..3400, 0), 3400);
        // Too little of the previous tune to know its own novelty: nothing moves.
        assert_eq!(tune_boundary(&frames, 3200..3400, 2300), 3400);
    }
}
