//! The decoding half of the tracker: Viterbi over one bar pattern's state space, and placing
//! the decoded beats on the activation peaks.

use super::BarPointerTracker;
use crate::tracker::BarPattern;

impl BarPointerTracker {
    /// Viterbi over one bar pattern; returns the best score and the path's beats (frame,
    /// number, beat period at that beat).
    #[allow(clippy::type_complexity)]
    pub(super) fn viterbi(
        &self,
        pattern: &BarPattern,
        n: usize,
        beat_diff: &[f64],
        down_diff: &[f64],
    ) -> (f64, (Vec<usize>, Vec<u8>, Vec<usize>)) {
        let np = self.periods.len();
        let meter = pattern.shares.len();
        let lens: Vec<usize> = self.periods.iter().map(|p| p * meter).collect();
        // Bar position at which each beat starts, per tempo.
        let starts: Vec<Vec<usize>> = lens.iter().map(|&l| pattern.beat_starts(l)).collect();
        // Uniform prior over all states.
        let total_states: usize = lens.iter().sum();
        let prior = -(total_states as f64).ln();
        let mut rings: Vec<Vec<f64>> = lens.iter().map(|&l| vec![prior; l]).collect();
        let widths: Vec<usize> = self
            .periods
            .iter()
            .map(|&p| ((p as f64 / self.config.observation_lambda).round() as usize).max(1))
            .collect();
        let mut backptr: Vec<u8> = vec![0; n * np];
        let mut ends = vec![0f64; np];
        // The tempo prior costs every state of a tempo the same per frame; it is kept as a
        // per-tempo offset and applied only when paths cross tempi (and at the end).
        let prior_per_frame: Vec<f64> = self
            .periods
            .iter()
            .map(|&p| {
                let bpm = 60.0 * self.config.fps as f64 / p as f64;
                self.config.prior_strength * (bpm / self.config.prior_bpm).ln().powi(2)
                    / self.config.fps as f64
            })
            .collect();
        let mut offset = vec![0f64; np];
        // Ring slot of bar position 0 at the current frame, per tempo: (−t) mod l, kept
        // incrementally because a division per tempo per frame dominated the run time.
        let mut head = vec![0usize; np];
        for t in 0..n {
            for (o, g) in offset.iter_mut().zip(&prior_per_frame) {
                *o -= g;
            }
            if t > 0 {
                for ((h, &l), (e, (ring, o))) in head
                    .iter_mut()
                    .zip(&lens)
                    .zip(ends.iter_mut().zip(rings.iter().zip(&offset)))
                {
                    *h = if *h == 0 { l - 1 } else { *h - 1 };
                    *e = ring[*h] + o;
                }
                for (to, ring) in rings.iter_mut().enumerate() {
                    let (mut best, mut arg) = (f64::NEG_INFINITY, to);
                    for &(from, lp) in &self.transitions[to] {
                        let v = ends[from] + lp;
                        if v > best {
                            best = v;
                            arg = from;
                        }
                    }
                    ring[head[to]] = best - offset[to];
                    backptr[t * np + to] = arg as u8;
                }
            }
            for (i, ring) in rings.iter_mut().enumerate() {
                let (l, w) = (lens[i], widths[i]);
                let shift = head[i];
                for (k, &start) in starts[i].iter().enumerate() {
                    let diff = if k == 0 { down_diff[t] } else { beat_diff[t] };
                    // start < l and shift < l, so one subtraction replaces a division.
                    let mut idx = start + shift;
                    if idx >= l {
                        idx -= l;
                    }
                    let first = w.min(l - idx);
                    for v in &mut ring[idx..idx + first] {
                        *v += diff;
                    }
                    for v in &mut ring[..w - first] {
                        *v += diff;
                    }
                }
            }
        }
        // Best final state.
        let (mut best, mut bi, mut bphi) = (f64::NEG_INFINITY, 0, 0);
        for (i, ring) in rings.iter().enumerate() {
            let l = lens[i];
            for (idx, &v) in ring.iter().enumerate() {
                let v = v + offset[i];
                if v > best {
                    best = v;
                    bi = i;
                    bphi = (idx + (n - 1)) % l;
                }
            }
        }
        // Backtrack.
        let (mut frames, mut numbers, mut period) = (Vec::new(), Vec::new(), Vec::new());
        let (mut ti, mut phi) = (bi, bphi);
        for t in (0..n).rev() {
            if let Some(k) = starts[ti].iter().position(|&s| s == phi) {
                frames.push(t);
                numbers.push((k + 1) as u8);
                period.push(self.periods[ti]);
            }
            if t == 0 {
                break;
            }
            if phi > 0 {
                phi -= 1;
            } else {
                ti = backptr[t * np + ti] as usize;
                phi = lens[ti] - 1;
            }
        }
        frames.reverse();
        numbers.reverse();
        period.reverse();
        (best, (frames, numbers, period))
    }

    /// Moves each beat to the strongest nearby activation (Gaussian-weighted towards the
    /// decoded position), keeping beats in order.
    pub(super) fn place(&self, frames: &[usize], periods: &[usize], act: &[f32]) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::with_capacity(frames.len());
        for (&f, &p) in frames.iter().zip(periods) {
            let reach = ((p as f32 * self.config.placement_reach).round() as usize).max(1);
            let sigma = (p as f32 * self.config.placement_reach * 0.6).max(1.0);
            let lo = f.saturating_sub(reach);
            let hi = (f + reach).min(act.len() - 1);
            let mut best = (f, act[f]);
            for (t, &a) in act.iter().enumerate().take(hi + 1).skip(lo) {
                let d = (t as f32 - f as f32) / sigma;
                let score = a * (-0.5 * d * d).exp();
                if score > best.1 {
                    best = (t, score);
                }
            }
            let mut t = best.0;
            if let Some(&prev) = out.last() {
                if t <= prev {
                    t = f.max(prev + 1);
                }
            }
            out.push(t);
        }
        out
    }
}

/// Mean of a cue at onset peaks (local maxima of the beat activation above 0.3).
pub(super) fn typical_at_onsets(beat: &[f32], low: &[f32]) -> f32 {
    let (mut sum, mut count) = (0f32, 0usize);
    for t in 1..beat.len().min(low.len()).saturating_sub(1) {
        if beat[t] > 0.3 && beat[t] >= beat[t - 1] && beat[t] >= beat[t + 1] {
            sum += low[t - 1].max(low[t]).max(low[t + 1]);
            count += 1;
        }
    }
    if count == 0 {
        0.5
    } else {
        (sum / count as f32).clamp(0.05, 0.95)
    }
}
