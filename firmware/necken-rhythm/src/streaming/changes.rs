//! The tune-change floor: a small share of the probability mass spread over every state, so
//! that no pattern, tempo or bar phase becomes too improbable to take over when the music
//! changes (see [`StreamingTracker::with_change_rate`]).

use super::lanes::sum_of;
use super::{StreamingTracker, CHANGE_EVERY};

impl StreamingTracker {
    /// Moves `change_share` of the mass to the uniform distribution.
    pub(super) fn spread_for_changes(&mut self) {
        let total: f64 = self
            .patterns
            .iter()
            .flat_map(|p| p.rings.iter())
            .map(|r| sum_of(r) as f64)
            .sum();
        if !(total > 0.0 && total.is_finite()) {
            return;
        }
        let keep = (1.0 - self.change_share) as f32;
        let floor = (self.change_share * total / self.states as f64) as f32;
        for pat in &mut self.patterns {
            for ring in &mut pat.rings {
                for v in ring.iter_mut() {
                    *v = *v * keep + floor;
                }
            }
        }
    }
}

/// The share of the mass spread every [`CHANGE_EVERY`] frames for a change rate per second.
pub(super) fn change_share(per_second: f64, fps: f32) -> f64 {
    (per_second * CHANGE_EVERY as f64 / fps as f64).clamp(0.0, 0.5)
}
