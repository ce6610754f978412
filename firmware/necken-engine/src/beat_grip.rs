//! Whether the streamed beats still sit on the music's beats. At a tune change the tracker
//! keeps the old tune's rhythm for some seconds, and its predicted beats stop landing on the
//! beat network's peaks well before the tune-change detector can say that a new rhythm has
//! settled. A style window classified then holds mostly the old tune: published, it names
//! the old dance for the new tune.
//!
//! Chosen on generated dance sets (`scripts/eval_sets.py`, gap 0; never dev or dev-hall): a
//! window is skipped while the last beats' peaks fall below [`LOST`] of the long-run mean. On
//! t9, t9-hall and t9-hall2 (156 changes) the tunes with a wrong style published before the
//! right one went from 6 / 8 / 9 to 3 / 4 / 8, the median time to the right style after a
//! change from 9.0 / 11.6 / 12.2 s to 9.0 / 11.6 / 12.3 s; 0.9 halved them again but cost
//! 0.7 s; single clips kept their first right style (8 s) and wrong-style time.

use std::collections::VecDeque;

/// Frames either side of a predicted beat searched for the activation peak (±40 ms).
const REACH: u64 = 4;
/// Frames of activations kept: the longest lead plus the reach.
const KEEP: usize = 64;
/// Predicted beats waiting for their neighbourhood: a beat is scored `REACH` frames after it
/// falls and predicted at most the lead before, so only a few ever wait.
const PENDING: usize = 8;
/// Weight of each new beat in the long-run mean of the peaks at the predicted beats.
const LONG_RATE: f32 = 0.1;
/// Weight of each new beat in the short-run mean.
const SHORT_RATE: f32 = 0.5;
/// The short-run mean below this share of the long-run one is a lost grip.
pub const LOST: f32 = 0.8;

/// The peaks of the beat activation at the tracker's predicted beats, short-run against
/// long-run.
#[derive(Debug)]
pub struct BeatGrip {
    /// (frame, activation) of the latest frames.
    recent: VecDeque<(u64, f32)>,
    /// Predicted beats whose neighbourhood has not all arrived yet.
    pending: VecDeque<u64>,
    long: Option<f32>,
    short: Option<f32>,
}

impl BeatGrip {
    /// A grip that has seen nothing (and so is not lost).
    pub fn new() -> BeatGrip {
        BeatGrip {
            recent: VecDeque::with_capacity(KEEP),
            pending: VecDeque::with_capacity(PENDING),
            long: None,
            short: None,
        }
    }

    /// Forgets everything (the music stopped).
    pub fn reset(&mut self) {
        self.recent.clear();
        self.pending.clear();
        self.long = None;
        self.short = None;
    }

    /// A beat the tracker predicts at `frame`.
    pub fn predicted(&mut self, frame: u64) {
        if self.pending.len() == PENDING {
            self.pending.pop_front();
        }
        self.pending.push_back(frame);
    }

    /// The beat activation of frame `frame`; scores every predicted beat whose neighbourhood
    /// is now complete.
    pub fn frame(&mut self, frame: u64, activation: f32) {
        if self.recent.len() == KEEP {
            self.recent.pop_front();
        }
        self.recent.push_back((frame, activation));
        while let Some(&beat) = self.pending.front() {
            if frame < beat + REACH {
                break;
            }
            self.pending.pop_front();
            let peak = self
                .recent
                .iter()
                .filter(|(f, _)| f + REACH >= beat && *f <= beat + REACH)
                .map(|(_, a)| *a)
                .reduce(f32::max);
            if let Some(peak) = peak {
                let mean =
                    |m: Option<f32>, rate: f32| Some(m.map_or(peak, |m| m + rate * (peak - m)));
                self.long = mean(self.long, LONG_RATE);
                self.short = mean(self.short, SHORT_RATE);
            }
        }
    }

    /// The short-run and long-run means (for the log).
    pub fn means(&self) -> (Option<f32>, Option<f32>) {
        (self.short, self.long)
    }

    /// True when the latest predicted beats found much weaker peaks than the beats before.
    pub fn lost(&self) -> bool {
        match (self.short, self.long) {
            (Some(s), Some(l)) => s < LOST * l,
            _ => false,
        }
    }
}

impl Default for BeatGrip {
    fn default() -> Self {
        BeatGrip::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames of a click track: activation 0.9 on every `period`-th frame from `phase`, 0.05
    /// elsewhere.
    fn feed(grip: &mut BeatGrip, frames: std::ops::Range<u64>, period: u64, phase: u64) {
        for f in frames {
            let on = f >= phase && (f - phase).is_multiple_of(period);
            grip.frame(f, if on { 0.9 } else { 0.05 });
        }
    }

    #[test]
    fn beats_on_the_peaks_hold_and_beats_between_them_lose_the_grip() {
        let mut grip = BeatGrip::new();
        assert!(!grip.lost(), "nothing heard is no lost grip");
        // The tracker predicts every 50th frame and the music beats there: held.
        for beat in (100..1000).step_by(50) {
            grip.predicted(beat);
        }
        feed(&mut grip, 0..1010, 50, 0);
        assert!(!grip.lost(), "{:?}", grip.means());
        // The next tune beats every 40th frame, off the old beats, and the tracker still
        // predicts the old ones: two beats later the grip is lost.
        for beat in [1050, 1100] {
            grip.predicted(beat);
        }
        feed(&mut grip, 1010..1110, 40, 1025);
        assert!(grip.lost(), "{:?}", grip.means());
        // Once the tracker follows the new beats it holds again.
        for beat in (1145..1400).step_by(40) {
            grip.predicted(beat);
        }
        feed(&mut grip, 1110..1410, 40, 1025);
        assert!(!grip.lost(), "{:?}", grip.means());
        grip.reset();
        assert!(!grip.lost() && grip.means() == (None, None));
    }
}
