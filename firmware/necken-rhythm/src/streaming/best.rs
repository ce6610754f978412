//! Finding the most probable state without a pass over every state on most frames.
//!
//! A frame changes only the bar-end slot and the beat-window slots of each ring; every other
//! state keeps its value. So the most probable state is either one of the changed slots or the
//! previous frame's most probable state, unless that state itself changed (it sat in a beat
//! window), in which case every state is scanned. Ties go to the first state in scan order
//! (pattern, tempo, slot), as a full scan would have it: the answer is exactly a full scan's.

use super::lanes::max_of;
use super::StreamingTracker;

/// A candidate for the most probable state: its probability and (pattern, tempo, ring slot).
#[derive(Clone, Copy, Debug)]
pub(super) struct Best {
    pub(super) value: f32,
    pub(super) at: (usize, usize, usize),
}

impl Best {
    /// No candidate yet.
    pub(super) const NONE: Best = Best {
        value: f32::NEG_INFINITY,
        at: (usize::MAX, usize::MAX, usize::MAX),
    };

    /// Keeps the better candidate; equal probabilities go to the one a scan meets first.
    #[inline]
    pub(super) fn offer(&mut self, value: f32, at: (usize, usize, usize)) {
        if value > self.value || (value == self.value && at < self.at) {
            *self = Best { value, at };
        }
    }
}

/// `i` modulo `len` for `i < 2 * len`, without a division.
#[inline]
pub(super) fn wrap(i: usize, len: usize) -> usize {
    if i >= len {
        i - len
    } else {
        i
    }
}

impl StreamingTracker {
    /// Whether this frame changed the state at `at`: it is a ring's bar-end slot, or in one
    /// of its beat windows.
    pub(super) fn changed(&self, (pi, ti, idx): (usize, usize, usize)) -> bool {
        let pat = &self.patterns[pi];
        let (l, w, head) = (pat.lens[ti], self.widths[ti], pat.heads[ti]);
        changed_slots(&pat.starts[ti], head, l, w, self.frame > 0).any(|slot| slot == idx)
    }

    /// The most probable state by a pass over every state.
    pub(super) fn scan_all(&self) -> Best {
        let mut best = Best::NONE;
        for (pi, pat) in self.patterns.iter().enumerate() {
            for (ti, ring) in pat.rings.iter().enumerate() {
                let max = max_of(ring);
                if max > best.value {
                    let idx = ring.iter().position(|&v| v == max).unwrap_or(0);
                    best = Best {
                        value: max,
                        at: (pi, ti, idx),
                    };
                }
            }
        }
        if best.at.0 == usize::MAX {
            best.at = (0, 0, 0);
        }
        best
    }
}

/// The slots of a ring a frame changes: its beat windows (`width` slots from each beat start,
/// shifted by the ring's `head`) and, after the first frame, the bar-end slot at `head`.
pub(super) fn changed_slots(
    starts: &[usize],
    head: usize,
    len: usize,
    width: usize,
    bar_end: bool,
) -> impl Iterator<Item = usize> + '_ {
    let windows = starts.iter().flat_map(move |&start| {
        let first = wrap(start + head, len);
        (0..width).map(move |o| wrap(first + o, len))
    });
    bar_end.then_some(head).into_iter().chain(windows)
}
