//! Beat and downbeat activations from the front end's flux: local-mean removal (so slow level
//! changes and sustained notes do not count), half-wave rectification and scaling by a high
//! percentile into 0..=1.

use crate::frontend::FrameFeatures;

/// Half-width of the moving mean, frames (0.25 s).
const MEAN_HALF_WIDTH: usize = 25;
/// Percentile that maps to activation 1.
const SCALE_PERCENTILE: f64 = 0.98;

/// Frame-wise activations at the front end's frame rate.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Activations {
    /// Onset/beat activation, 0..=1.
    pub beat: Vec<f32>,
    /// Low-band (bass, stomp) activation, 0..=1: the downbeat cue.
    pub downbeat: Vec<f32>,
    /// Harmonic change, 0..=1: how much the pitch-class profile of the next quarter second
    /// differs from the last (chords change at bar lines).
    pub harmonic: Vec<f32>,
}

impl Activations {
    /// Computes both activations from the frames of a whole piece.
    pub fn from_frames(frames: &[FrameFeatures]) -> Activations {
        let flux: Vec<f32> = frames.iter().map(|f| f.flux).collect();
        let low: Vec<f32> = frames.iter().map(|f| f.low_flux).collect();
        Activations {
            beat: normalize(&flux, BEAT_SCALE_FLOOR),
            downbeat: normalize(&low, LOW_SCALE_FLOOR),
            harmonic: harmonic_change(frames),
        }
    }

    /// Number of frames.
    pub fn len(&self) -> usize {
        self.beat.len()
    }

    /// True when there are no frames.
    pub fn is_empty(&self) -> bool {
        self.beat.is_empty()
    }
}

/// Smallest flux that may map to activation 1. Music at normal levels has its 98th
/// percentile at 1.5–8 (all bands) and 0.5–3 (low bands); without a floor the faint flux of a
/// steady tone would be scaled up into "onsets".
const BEAT_SCALE_FLOOR: f32 = 0.25;
/// The same floor for the low-band flux.
const LOW_SCALE_FLOOR: f32 = 0.03;

/// Half-width of the windows compared by the harmonic change, frames.
const HARMONIC_WINDOW: usize = 25;

/// 1 − cosine between the mean pitch-class profiles of the windows before and after each
/// frame, scaled to 0..=1 by its 98th percentile.
pub fn harmonic_change(frames: &[FrameFeatures]) -> Vec<f32> {
    let n = frames.len();
    let mut prefix = vec![[0f32; 12]; n + 1];
    for (t, f) in frames.iter().enumerate() {
        let mut next = prefix[t];
        for (p, c) in next.iter_mut().zip(&f.chroma) {
            *p += c;
        }
        prefix[t + 1] = next;
    }
    let window_sum = |a: usize, b: usize| {
        let mut v = prefix[b];
        for (x, y) in v.iter_mut().zip(&prefix[a]) {
            *x -= y;
        }
        v
    };
    let raw: Vec<f32> = (0..n)
        .map(|t| {
            let before = window_sum(t.saturating_sub(HARMONIC_WINDOW), t);
            let after = window_sum(t, (t + HARMONIC_WINDOW).min(n));
            let dot: f32 = before.iter().zip(&after).map(|(a, b)| a * b).sum();
            let na = before.iter().map(|x| x * x).sum::<f32>().sqrt();
            let nb = after.iter().map(|x| x * x).sum::<f32>().sqrt();
            if na < 1e-6 || nb < 1e-6 {
                0.0
            } else {
                (1.0 - dot / (na * nb)).max(0.0)
            }
        })
        .collect();
    let mut sorted: Vec<f32> = raw.iter().copied().filter(|v| *v > 0.0).collect();
    if sorted.is_empty() {
        return raw;
    }
    sorted.sort_by(|a, b| a.total_cmp(b));
    let scale = sorted[((sorted.len() - 1) as f64 * SCALE_PERCENTILE) as usize].max(1e-3);
    raw.iter().map(|v| (v / scale).min(1.0)).collect()
}

/// Removes the moving mean, rectifies and scales to 0..=1 (`floor` bounds the scale below).
pub fn normalize(x: &[f32], floor: f32) -> Vec<f32> {
    let n = x.len();
    if n == 0 {
        return Vec::new();
    }
    let mut prefix = Vec::with_capacity(n + 1);
    prefix.push(0f64);
    for &v in x {
        prefix.push(prefix.last().unwrap() + v as f64);
    }
    let mut y: Vec<f32> = (0..n)
        .map(|t| {
            let lo = t.saturating_sub(MEAN_HALF_WIDTH);
            let hi = (t + MEAN_HALF_WIDTH + 1).min(n);
            let mean = (prefix[hi] - prefix[lo]) / (hi - lo) as f64;
            (x[t] as f64 - mean).max(0.0) as f32
        })
        .collect();
    let mut sorted: Vec<f32> = y.iter().copied().filter(|v| *v > 0.0).collect();
    if sorted.is_empty() {
        return y;
    }
    sorted.sort_by(|a, b| a.total_cmp(b));
    let scale = sorted[((sorted.len() - 1) as f64 * SCALE_PERCENTILE) as usize].max(floor);
    if scale > 0.0 {
        for v in &mut y {
            *v = (*v / scale).min(1.0);
        }
    }
    y
}
