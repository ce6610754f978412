//! Onset times by peak picking on the beat activation.

/// A peak must be the maximum within ±this many frames (30 ms).
const PEAK_HALF_WIDTH: usize = 3;
/// ... and exceed the local mean over ±this many frames ...
const MEAN_HALF_WIDTH: usize = 10;
/// ... by this much (activation units).
const DELTA: f32 = 0.08;

/// Frames of onsets in an activation, ascending.
pub fn pick_onsets(act: &[f32]) -> Vec<usize> {
    let n = act.len();
    let mut out = Vec::new();
    for t in 0..n {
        let lo = t.saturating_sub(PEAK_HALF_WIDTH);
        let hi = (t + PEAK_HALF_WIDTH + 1).min(n);
        if act[lo..hi].iter().any(|&v| v > act[t]) || act[t] <= 0.0 {
            continue;
        }
        let mlo = t.saturating_sub(MEAN_HALF_WIDTH);
        let mhi = (t + MEAN_HALF_WIDTH + 1).min(n);
        let mean = act[mlo..mhi].iter().sum::<f32>() / (mhi - mlo) as f32;
        if act[t] < mean + DELTA {
            continue;
        }
        if out.last().is_some_and(|&p| t - p <= PEAK_HALF_WIDTH) {
            continue;
        }
        out.push(t);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_separated_peaks_only() {
        let mut a = vec![0.0f32; 100];
        a[10] = 1.0;
        a[11] = 0.5;
        a[40] = 0.6;
        a[70] = 0.03;
        assert_eq!(pick_onsets(&a), vec![10, 40]);
    }
}
