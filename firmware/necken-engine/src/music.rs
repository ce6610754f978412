//! Music/silence detection from the front end's per-frame energy: the level averaged over the
//! last second, compared with a threshold, with hysteresis (on after 0.5 s above, off after
//! `hold` seconds below). It tells sound from silence, not music from speech.

use necken_rhythm::FRAME_RATE;

/// Frames in the level average (1 s).
const AVERAGE_FRAMES: usize = FRAME_RATE as usize;
/// Frames above the threshold before music counts as started (0.5 s).
const ON_FRAMES: u32 = FRAME_RATE as u32 / 2;

/// The detector; fixed memory.
pub struct MusicDetector {
    ring: [f32; AVERAGE_FRAMES],
    next: usize,
    sum: f64,
    threshold: f64,
    hold_frames: u32,
    above: u32,
    below: u32,
    playing: bool,
}

/// A change of state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MusicChange {
    /// Sound began (0.5 s ago).
    Started,
    /// Sound stopped (`hold` seconds ago).
    Stopped,
}

impl MusicDetector {
    /// A detector with a threshold in dBFS (a full-scale sine is −3 dBFS) and a hold time.
    pub fn new(threshold_dbfs: f32, hold_s: f32) -> MusicDetector {
        MusicDetector {
            ring: [0.0; AVERAGE_FRAMES],
            next: 0,
            sum: 0.0,
            threshold: 10f64.powf(threshold_dbfs as f64 / 10.0),
            hold_frames: (hold_s * FRAME_RATE).round().max(1.0) as u32,
            above: 0,
            below: 0,
            playing: false,
        }
    }

    /// True while music plays.
    pub fn playing(&self) -> bool {
        self.playing
    }

    /// True while music plays and the last second was above the threshold (false during the
    /// silence that ends a piece, before `hold` has passed).
    pub fn sounding(&self) -> bool {
        self.playing && self.below == 0
    }

    /// Takes one frame's mean-square energy.
    pub fn push(&mut self, energy: f32) -> Option<MusicChange> {
        self.sum += energy as f64 - self.ring[self.next] as f64;
        self.ring[self.next] = energy;
        self.next = (self.next + 1) % AVERAGE_FRAMES;
        let loud = self.sum.max(0.0) / AVERAGE_FRAMES as f64 > self.threshold;
        if loud {
            self.above += 1;
            self.below = 0;
        } else {
            self.below += 1;
            self.above = 0;
        }
        if !self.playing && self.above >= ON_FRAMES {
            self.playing = true;
            return Some(MusicChange::Started);
        }
        if self.playing && self.below >= self.hold_frames {
            self.playing = false;
            return Some(MusicChange::Stopped);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(d: &mut MusicDetector, energy: f32, seconds: f32) -> Vec<(usize, MusicChange)> {
        (0..(seconds * FRAME_RATE) as usize)
            .filter_map(|i| d.push(energy).map(|c| (i, c)))
            .collect()
    }

    #[test]
    fn starts_after_half_a_second_and_stops_after_the_hold() {
        let mut d = MusicDetector::new(-50.0, 3.0);
        assert!(run(&mut d, 0.0, 2.0).is_empty());
        // −20 dBFS: the 1 s average crosses −50 dBFS within a frame, then 0.5 s more.
        let on = run(&mut d, 0.01, 5.0);
        assert_eq!(on.len(), 1);
        assert_eq!(on[0].1, MusicChange::Started);
        assert!((49..=52).contains(&on[0].0), "{on:?}");
        // A 2 s pause shorter than the hold does not stop it.
        assert!(run(&mut d, 0.0, 2.0).is_empty());
        assert!(run(&mut d, 0.01, 2.0).is_empty());
        let off = run(&mut d, 0.0, 6.0);
        assert_eq!(off.len(), 1);
        assert_eq!(off[0].1, MusicChange::Stopped);
        assert!(!d.playing());
    }

    #[test]
    fn quiet_noise_below_the_threshold_is_silence() {
        let mut d = MusicDetector::new(-50.0, 3.0);
        // −60 dBFS.
        assert!(run(&mut d, 1e-6, 10.0).is_empty());
    }
}
