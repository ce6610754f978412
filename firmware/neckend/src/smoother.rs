//! Hysteresis for the published style: a rolling window's top style replaces the published
//! one only after it has won `confirm` consecutive windows and, in the last of them, beaten
//! the published style's probability by `margin`. Neighbouring styles (polska/hambo,
//! schottis/polka) trade places from window to window; without this the published style
//! would flap.

use necken_core::style::Style;

/// The smoother's state.
pub struct StyleSmoother {
    confirm: u32,
    margin: f32,
    published: Option<Style>,
    candidate: Option<Style>,
    streak: u32,
}

impl StyleSmoother {
    /// A smoother with the given confirmation count and margin.
    pub fn new(confirm: u32, margin: f32) -> StyleSmoother {
        StyleSmoother {
            confirm: confirm.max(1),
            margin,
            published: None,
            candidate: None,
            streak: 0,
        }
    }

    /// The published style.
    pub fn published(&self) -> Option<Style> {
        self.published
    }

    /// Forgets everything (the music stopped).
    pub fn reset(&mut self) {
        self.published = None;
        self.candidate = None;
        self.streak = 0;
    }

    /// Takes one window's probabilities (any order); returns the newly published style when
    /// it changes.
    pub fn push(&mut self, probabilities: &[(Style, f32)]) -> Option<Style> {
        let (top, p_top) = probabilities
            .iter()
            .copied()
            .max_by(|a, b| a.1.total_cmp(&b.1))?;
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
        let p_published = self
            .published
            .and_then(|s| probabilities.iter().find(|(t, _)| *t == s))
            .map_or(0.0, |(_, p)| *p);
        if self.streak >= self.confirm && p_top >= p_published + self.margin {
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
        let mut s = StyleSmoother::new(2, 0.1);
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
}
