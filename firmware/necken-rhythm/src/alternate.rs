//! The other binary reading of a piece: the tracker cannot hear whether a binary bar is one
//! 4/4 bar or two 2/4 bars, so it keeps the best path of the meter it did not choose, and the
//! dance's notation picks one later (`necken_core::notation`).

/// The other binary meter's reading of a piece (see
/// [`TrackResult::alternate`](crate::tracker::TrackResult::alternate)).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlternateReading {
    /// Beats per bar of this reading (2 or 4).
    pub beats_per_bar: u8,
    /// Beat frames, ascending (placed like the chosen path's).
    pub beat_frames: Vec<usize>,
    /// Position of each beat in its bar.
    pub beat_numbers: Vec<u8>,
}

/// The other binary meter: 4 for 2, 2 for 4, `None` for ternary bars.
pub fn other_binary_meter(meter: u8) -> Option<u8> {
    match meter {
        2 => Some(4),
        4 => Some(2),
        _ => None,
    }
}

impl AlternateReading {
    /// This reading's bar positions for the chosen path's beats (`beat_frames`, ascending):
    /// the beat nearest each of this reading's downbeats is a 1 and the others count on from
    /// it, so the stored beat times stay one list. `None` when this reading has no downbeat.
    pub fn numbers_on(&self, beat_frames: &[usize]) -> Option<Vec<u8>> {
        let meter = self.beats_per_bar.max(1) as usize;
        if beat_frames.is_empty() {
            return None;
        }
        let mut bar_starts: Vec<usize> = self
            .beat_frames
            .iter()
            .zip(&self.beat_numbers)
            .filter(|(_, &n)| n == 1)
            .map(|(&f, _)| nearest(beat_frames, f))
            .collect();
        bar_starts.dedup();
        let first = *bar_starts.first()?;
        let mut numbers = Vec::with_capacity(beat_frames.len());
        let mut starts = bar_starts.iter().peekable();
        let mut last_start = first;
        for i in 0..beat_frames.len() {
            if starts.peek() == Some(&&i) {
                last_start = i;
                starts.next();
            }
            let pos = (i as isize - last_start as isize).rem_euclid(meter as isize);
            numbers.push(pos as u8 + 1);
        }
        Some(numbers)
    }
}

/// Index of the frame in `frames` (ascending, non-empty) nearest `f`.
fn nearest(frames: &[usize], f: usize) -> usize {
    match frames.binary_search(&f) {
        Ok(i) => i,
        Err(0) => 0,
        Err(i) if i >= frames.len() => frames.len() - 1,
        Err(i) => {
            if f - frames[i - 1] <= frames[i] - f {
                i - 1
            } else {
                i
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_four_bars_are_numbered_on_the_two_four_beats() {
        // 2/4 beats every 50 frames; the 4/4 reading's beats a frame or two off, downbeats on
        // every other 2/4 downbeat, starting on the second beat.
        let beats: Vec<usize> = (0..12).map(|i| 100 + 50 * i).collect();
        let alt = AlternateReading {
            beats_per_bar: 4,
            beat_frames: beats.iter().map(|f| f + 2).collect(),
            beat_numbers: (0..12).map(|i| ((i + 3) % 4) as u8 + 1).collect(),
        };
        assert_eq!(
            alt.numbers_on(&beats).unwrap(),
            vec![4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3]
        );
    }

    #[test]
    fn a_phase_change_restarts_the_count_and_no_downbeat_gives_none() {
        let beats: Vec<usize> = (0..10).map(|i| 50 * i).collect();
        let alt = AlternateReading {
            beats_per_bar: 4,
            beat_frames: beats.clone(),
            beat_numbers: vec![1, 2, 3, 4, 1, 2, 1, 2, 3, 4],
        };
        assert_eq!(
            alt.numbers_on(&beats).unwrap(),
            vec![1, 2, 3, 4, 1, 2, 1, 2, 3, 4]
        );
        let none = AlternateReading {
            beats_per_bar: 4,
            beat_frames: beats.clone(),
            beat_numbers: vec![2; 10],
        };
        assert_eq!(none.numbers_on(&beats), None);
        assert_eq!(alt.numbers_on(&[]), None);
    }
}
