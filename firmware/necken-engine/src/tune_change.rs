//! Telling that one tune has given way to the next: in a hall tunes follow each other with a
//! few seconds' gap or none, and a style window straddling two tunes names neither.
//!
//! The streaming tracker re-locks on the new tune's tempo and bar by itself; this watches its
//! beats. The rhythm is *settled* once [`SETTLE_BEATS`] consecutive beats agree on the bar
//! family (ternary or binary) and the tempo (within [`TEMPO_TOLERANCE`]); a change is a new
//! settled rhythm that differs from the previous one, dated at its first beat, so the style
//! windows after it can leave out the previous tune.
//!
//! A settled rhythm that has not lasted [`MIN_TUNE_FRAMES`] is not yet a tune: when another
//! replaces it, that is the tracker correcting itself (in a hall it often first settles on the
//! wrong bar family for a few seconds), not a new tune.

/// Consecutive agreeing beats that make a rhythm settled.
pub const SETTLE_BEATS: usize = 6;
/// Tempi within this ratio of each other are one tempo.
pub const TEMPO_TOLERANCE: f32 = 0.12;
/// Frames (20 s) a settled rhythm must have lasted before a different one counts as a new
/// tune; dance tunes last minutes. On single held-out clips (seed 4, never dev) the tracker's
/// early corrections had been announced as tune changes in 18 of 96 hall clips.
pub const MIN_TUNE_FRAMES: u64 = 2000;

#[derive(Clone, Copy, Debug, PartialEq)]
struct Rhythm {
    ternary: bool,
    tempo_bpm: f32,
}

impl Rhythm {
    fn agrees(&self, other: &Rhythm) -> bool {
        self.ternary == other.ternary
            && (self.tempo_bpm / other.tempo_bpm - 1.0).abs() <= TEMPO_TOLERANCE
    }
}

/// A new tune, as the beats tell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewTune {
    /// Frame of the first beat of the new rhythm's settled run.
    pub settled: u64,
    /// Frame of the last beat that agreed with the previous tune's rhythm: the tracker keeps
    /// its rhythm for a while into the next tune, so the change came a little before it.
    pub previous_last: u64,
}

/// The detector's state.
#[derive(Debug, Default)]
pub struct TuneChangeDetector {
    settled: Option<Rhythm>,
    /// Frame of the first beat of the settled rhythm's run.
    settled_since: u64,
    /// Frame of the last beat that agreed with the settled rhythm.
    last_agreeing: u64,
    /// The run of agreeing beats being watched: its first beat's frame, its rhythm, its length.
    run: Option<(u64, Rhythm, usize)>,
}

impl TuneChangeDetector {
    /// A detector that has heard nothing.
    pub fn new() -> TuneChangeDetector {
        TuneChangeDetector::default()
    }

    /// Forgets the settled rhythm (the music stopped: what follows is a new tune anyway).
    pub fn reset(&mut self) {
        *self = TuneChangeDetector::default();
    }

    /// False while the latest beats disagree with a settled rhythm that has lasted
    /// [`MIN_TUNE_FRAMES`]: the tracker is re-locking, most likely on the next tune, before it
    /// has settled enough to say so, and a style window then straddles two tunes. A younger
    /// rhythm's disagreement is the tracker correcting itself, as for [`Self::push`].
    pub fn steady(&self) -> bool {
        match (self.settled, self.run) {
            (Some(settled), Some((first, run, _))) => {
                settled.agrees(&run) || first.saturating_sub(self.settled_since) < MIN_TUNE_FRAMES
            }
            _ => true,
        }
    }

    /// Takes one beat (its frame, bar length and tempo); returns the new tune when this beat
    /// settles a rhythm unlike the previous settled one.
    pub fn push(&mut self, frame: u64, beats_per_bar: u8, tempo_bpm: f32) -> Option<NewTune> {
        if !tempo_bpm.is_finite() || tempo_bpm <= 0.0 {
            return None;
        }
        let beat = Rhythm {
            ternary: beats_per_bar == 3,
            tempo_bpm,
        };
        let previous_last = self.last_agreeing;
        if self.settled.is_some_and(|s| s.agrees(&beat)) {
            self.last_agreeing = frame;
        }
        let (first, rhythm, len) = match self.run {
            // The run's tempo follows its latest beats, so a slow drift stays one run.
            Some((first, r, len)) if r.agrees(&beat) => (first, beat, len + 1),
            _ => (frame, beat, 1),
        };
        self.run = Some((first, rhythm, len));
        if len < SETTLE_BEATS {
            return None;
        }
        match self.settled {
            Some(s) if s.agrees(&rhythm) => {
                self.settled = Some(rhythm);
                None
            }
            Some(_) if len == SETTLE_BEATS => {
                let lasted = first.saturating_sub(self.settled_since);
                self.settled = Some(rhythm);
                self.settled_since = first;
                self.last_agreeing = frame;
                (lasted >= MIN_TUNE_FRAMES).then_some(NewTune {
                    settled: first,
                    previous_last,
                })
            }
            Some(_) => None,
            None => {
                self.settled = Some(rhythm);
                self.settled_since = first;
                self.last_agreeing = frame;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Beats at `bpm` from `from_s` for `seconds`, with `bpb` beats per bar.
    fn beats(from_s: f64, seconds: f64, bpm: f32, bpb: u8) -> Vec<(u64, u8, f32)> {
        let step = 60.0 / bpm as f64;
        (0..)
            .map(|i| from_s + i as f64 * step)
            .take_while(|t| *t < from_s + seconds)
            .map(|t| ((t * 100.0) as u64, bpb, bpm))
            .collect()
    }

    fn changes(beats: &[(u64, u8, f32)]) -> Vec<u64> {
        let mut d = TuneChangeDetector::new();
        beats
            .iter()
            .filter_map(|&(f, b, t)| d.push(f, b, t))
            .map(|n| n.settled)
            .collect()
    }

    #[test]
    fn a_polska_then_a_schottis_is_one_change_dated_at_the_schottis() {
        let mut all = beats(0.0, 60.0, 120.0, 3);
        all.extend(beats(60.0, 60.0, 160.0, 4));
        assert_eq!(changes(&all), vec![6000]);
    }

    #[test]
    fn the_same_tempo_in_another_bar_family_is_a_change() {
        let mut all = beats(0.0, 30.0, 120.0, 3);
        all.extend(beats(30.0, 30.0, 120.0, 2));
        assert_eq!(changes(&all), vec![3000]);
    }

    #[test]
    fn a_first_rhythm_corrected_within_seconds_is_no_change_but_a_later_change_is() {
        // Settled in 3 for 5 s, then the tracker hears the 4/4 it is: a correction.
        let mut all = beats(0.0, 5.0, 140.0, 3);
        all.extend(beats(5.0, 40.0, 140.0, 4));
        // The next tune, 40 s into the corrected rhythm.
        all.extend(beats(45.0, 30.0, 100.0, 3));
        assert_eq!(changes(&all), vec![4500]);
    }

    #[test]
    fn the_rhythm_is_unsteady_from_the_first_disagreeing_beat_until_it_agrees_again() {
        let mut d = TuneChangeDetector::new();
        assert!(d.steady(), "nothing settled: nothing to disagree with");
        for (f, b, t) in beats(0.0, 10.0, 120.0, 3) {
            d.push(f, b, t);
        }
        // A rhythm settled 10 s ago may still be the tracker's first guess: disagreeing with
        // it is the tracker correcting itself.
        d.push(1000, 2, 120.0);
        assert!(d.steady());
        for (f, b, t) in beats(10.5, 20.0, 120.0, 3) {
            d.push(f, b, t);
        }
        assert!(d.steady());
        // One stray beat, then the tune goes on.
        d.push(3000, 3, 80.0);
        assert!(!d.steady());
        d.push(3050, 3, 120.0);
        assert!(d.steady());
        // The next tune: unsteady until its rhythm settles and is announced.
        let next = beats(30.5, 10.0, 160.0, 4);
        for (i, &(f, b, t)) in next.iter().enumerate() {
            let change = d.push(f, b, t);
            assert_eq!(d.steady(), i + 1 >= SETTLE_BEATS, "beat {i}");
            assert_eq!(change.is_some(), i + 1 == SETTLE_BEATS, "beat {i}");
        }
    }

    #[test]
    fn drift_a_few_stray_beats_and_two_or_four_beat_bars_are_no_change() {
        let mut all: Vec<(u64, u8, f32)> = (0..200)
            .map(|i| {
                (
                    i * 50,
                    if i % 20 < 10 { 2 } else { 4 },
                    110.0 + i as f32 * 0.1,
                )
            })
            .collect();
        // Three beats at a wrong tempo, then the tune goes on.
        all[100].2 = 80.0;
        all[101].2 = 80.0;
        all[102].2 = 80.0;
        assert!(changes(&all).is_empty());
    }
}
