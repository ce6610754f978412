//! Causal normalization of activations: what the streaming tracker sees of the recent past.

/// Frames of the causal moving mean (0.5 s).
const MEAN_FRAMES: usize = 50;
/// Per-frame decay of the running peak (half-life about 7 s).
const PEAK_DECAY: f32 = 0.999;
/// Causal counterpart of [`crate::activation::normalize`]: subtract the mean of the last
/// 0.5 s, rectify, divide by a slowly decaying peak (with a floor).
pub struct CausalNormalizer {
    history: [f32; MEAN_FRAMES],
    filled: usize,
    next: usize,
    sum: f32,
    peak: f32,
    floor: f32,
}

impl CausalNormalizer {
    /// A normalizer whose scale never falls below `floor` (see `activation.rs` for values).
    pub fn new(floor: f32) -> CausalNormalizer {
        CausalNormalizer {
            history: [0.0; MEAN_FRAMES],
            filled: 0,
            next: 0,
            sum: 0.0,
            peak: floor,
            floor,
        }
    }

    /// Normalizes one value to 0..=1.
    pub fn push(&mut self, x: f32) -> f32 {
        let mean = if self.filled == 0 {
            0.0
        } else {
            self.sum / self.filled as f32
        };
        let y = (x - mean).max(0.0);
        self.sum += x - self.history[self.next];
        self.history[self.next] = x;
        self.next = (self.next + 1) % MEAN_FRAMES;
        self.filled = (self.filled + 1).min(MEAN_FRAMES);
        // Peaks are about twice the 98th percentile the offline normalization uses.
        self.peak = (self.peak * PEAK_DECAY).max(y * 0.5).max(self.floor);
        (y / self.peak).min(1.0)
    }
}
