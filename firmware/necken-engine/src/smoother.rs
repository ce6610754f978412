//! Hysteresis for the published style: a rolling window's top style replaces the published
//! one only after it has won `confirm` consecutive windows and, in the last of them, beaten
//! the published style's probability by `margin`. Neighbouring styles (polska/hambo,
//! schottis/polka) trade places from window to window; without this the published style
//! would flap. A window whose top style is below `min_confidence` votes `Unknown` (with the
//! probability that the top style is wrong), so a run of unsure windows publishes "not sure"
//! instead of a guess, and leaving `Unknown` needs a clear winner.

use necken_core::style::Style;

/// A window at least this sure publishes its style at once when nothing or `Unknown` is
/// published: confirmation guards a published style against flapping, and with nothing
/// published there is nothing to guard (a calibrated head is rarely wrong at 0.8).
pub const SURE: f32 = 0.8;

/// The smoother's state.
pub struct StyleSmoother {
    confirm: u32,
    margin: f32,
    min_confidence: f32,
    published: Option<Style>,
    candidate: Option<Style>,
    streak: u32,
}

impl StyleSmoother {
    /// A smoother with the given confirmation count, margin and least confidence.
    pub fn new(confirm: u32, margin: f32, min_confidence: f32) -> StyleSmoother {
        StyleSmoother {
            confirm: confirm.max(1),
            margin,
            min_confidence,
            published: None,
            candidate: None,
            streak: 0,
        }
    }

    /// The published style.
    pub fn published(&self) -> Option<Style> {
        self.published
    }

    /// True while the published style is not settled: nothing or `Unknown` is published, or
    /// the last window voted for another style that may replace it. The engine then
    /// classifies at its quicker cadence: a switch needs `confirm` windows, and at the
    /// settled cadence a tune change the beats did not hear (the same bar family and tempo)
    /// kept the old tune's style four seconds longer per window. A window too unsure to vote
    /// does not hurry the next: hurried, such windows replaced a right style by `Unknown`
    /// sooner (generated hall clips right 0.637 → 0.614 of the time).
    pub fn deciding(&self) -> bool {
        matches!(self.published, None | Some(Style::Unknown))
            || self.candidate.is_some_and(|c| c != Style::Unknown)
    }

    /// Forgets everything (the music stopped).
    pub fn reset(&mut self) {
        self.published = None;
        self.candidate = None;
        self.streak = 0;
    }

    /// The tune changed: a published style becomes `Unknown` until the new tune's windows
    /// confirm one. True when that changes what is published.
    pub fn hold_back(&mut self) -> bool {
        self.candidate = None;
        self.streak = 0;
        match self.published {
            Some(s) if s != Style::Unknown => {
                self.published = Some(Style::Unknown);
                true
            }
            _ => false,
        }
    }

    /// Takes one window's probabilities (any order); returns the newly published style when
    /// it changes.
    pub fn push(&mut self, probabilities: &[(Style, f32)]) -> Option<Style> {
        let (top, p_top) = probabilities
            .iter()
            .copied()
            .max_by(|a, b| a.1.total_cmp(&b.1))?;
        let p_unknown = 1.0 - p_top;
        let (top, p_top) = if p_top < self.min_confidence {
            (Style::Unknown, p_unknown)
        } else {
            (top, p_top)
        };
        if Some(top) == self.published {
            self.candidate = None;
            self.streak = 0;
            return None;
        }
        if Some(top) == self.candidate {
            self.streak += 1;
        } else {
            self.candidate = Some(top);
            self.streak = 1;
        }
        let p_published = match self.published {
            Some(Style::Unknown) => p_unknown,
            Some(s) => probabilities
                .iter()
                .find(|(t, _)| *t == s)
                .map_or(0.0, |(_, p)| *p),
            None => 0.0,
        };
        let undecided = matches!(self.published, None | Some(Style::Unknown));
        let needed = if undecided && top != Style::Unknown && p_top >= SURE {
            1
        } else {
            self.confirm
        };
        if self.streak >= needed && p_top >= p_published + self.margin {
            self.published = Some(top);
            self.candidate = None;
            self.streak = 0;
            return Some(top);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Style::*;

    #[test]
    fn needs_confirmation_and_a_margin_and_ignores_one_window_flips() {
        let mut s = StyleSmoother::new(2, 0.1, 0.0);
        assert_eq!(s.push(&[(Polska, 0.6), (Hambo, 0.4)]), None);
        assert_eq!(s.push(&[(Polska, 0.6), (Hambo, 0.4)]), Some(Polska));
        // One window of hambo: no change.
        assert_eq!(s.push(&[(Polska, 0.45), (Hambo, 0.55)]), None);
        assert_eq!(s.push(&[(Polska, 0.6), (Hambo, 0.4)]), None);
        // Two close windows: hambo wins but not by the margin.
        assert_eq!(s.push(&[(Polska, 0.48), (Hambo, 0.52)]), None);
        assert_eq!(s.push(&[(Polska, 0.48), (Hambo, 0.52)]), None);
        assert_eq!(s.published(), Some(Polska));
        // Clear change.
        assert_eq!(s.push(&[(Polska, 0.2), (Hambo, 0.8)]), Some(Hambo));
        s.reset();
        assert_eq!(s.published(), None);
    }

    #[test]
    fn deciding_until_a_style_is_published_and_while_a_window_disputes_it() {
        let mut s = StyleSmoother::new(2, 0.1, 0.4);
        assert!(s.deciding(), "nothing published");
        s.push(&[(Polska, 0.6), (Hambo, 0.4)]);
        assert!(s.deciding(), "one window is no style yet");
        s.push(&[(Polska, 0.6), (Hambo, 0.4)]);
        assert_eq!(s.published(), Some(Polska));
        assert!(!s.deciding());
        // A window for another style disputes it...
        s.push(&[(Polska, 0.3), (Hambo, 0.7)]);
        assert!(s.deciding());
        // ...until a window agrees with the published style again.
        s.push(&[(Polska, 0.6), (Hambo, 0.4)]);
        assert!(!s.deciding());
        // Windows too unsure to vote do not hurry: they lead to `unknown` at the usual pace.
        s.push(&[(Polska, 0.38), (Hambo, 0.32), (Vals, 0.3)]);
        assert!(!s.deciding());
        s.push(&[(Polska, 0.38), (Hambo, 0.32), (Vals, 0.3)]);
        assert_eq!(s.published(), Some(Unknown));
        assert!(s.deciding(), "unknown is published");
        s.reset();
        assert_eq!(s.published(), None);
    }

    #[test]
    fn unsure_windows_publish_unknown_and_leaving_it_needs_a_clear_winner() {
        let mut s = StyleSmoother::new(2, 0.1, 0.4);
        // Unsure from the start: never a guess.
        assert_eq!(s.push(&[(Polska, 0.35), (Hambo, 0.33), (Vals, 0.32)]), None);
        assert_eq!(
            s.push(&[(Polska, 0.3), (Hambo, 0.36), (Vals, 0.34)]),
            Some(Unknown)
        );
        // A top style at 0.5 is sure enough to vote, but does not beat "unknown" (0.5) by the
        // margin.
        assert_eq!(s.push(&[(Polska, 0.5), (Hambo, 0.3), (Vals, 0.2)]), None);
        assert_eq!(s.push(&[(Polska, 0.5), (Hambo, 0.3), (Vals, 0.2)]), None);
        assert_eq!(s.published(), Some(Unknown));
        // Polska has topped three windows: one clear one publishes it.
        assert_eq!(
            s.push(&[(Polska, 0.7), (Hambo, 0.2), (Vals, 0.1)]),
            Some(Polska)
        );
        // Confidence fading away: back to unknown after two unsure windows.
        assert_eq!(s.push(&[(Polska, 0.38), (Hambo, 0.32), (Vals, 0.3)]), None);
        assert_eq!(
            s.push(&[(Polska, 0.38), (Hambo, 0.32), (Vals, 0.3)]),
            Some(Unknown)
        );
    }

    #[test]
    fn a_sure_window_publishes_at_once_only_when_nothing_is_published() {
        let mut s = StyleSmoother::new(2, 0.1, 0.4);
        assert_eq!(s.push(&[(Polska, 0.85), (Hambo, 0.15)]), Some(Polska));
        // Replacing a published style still needs confirmation.
        assert_eq!(s.push(&[(Polska, 0.05), (Hambo, 0.95)]), None);
        assert_eq!(s.push(&[(Polska, 0.05), (Hambo, 0.95)]), Some(Hambo));
        assert!(s.hold_back());
        assert_eq!(s.published(), Some(Unknown));
        assert!(!s.hold_back());
        assert_eq!(s.push(&[(Polska, 0.9), (Hambo, 0.1)]), Some(Polska));
    }
}
