//! Samples that are not audio: NaN and infinities from a damaged float file or a broken
//! capture driver, and absurd magnitudes. They are replaced at the edge (decoding, capture) so
//! that nothing downstream (resampler, statistics, networks) ever sees them.

/// Largest magnitude kept: 24 dB over full scale. Real float audio that is clipped or hot
/// stays well inside it; anything beyond is garbage that would swamp every statistic.
pub const MAX_MAGNITUDE: f32 = 16.0;

/// One sample made usable: NaN and ±∞ become silence, magnitudes over [`MAX_MAGNITUDE`] are
/// clamped. Returns the sample and whether it had to be replaced (not finite).
#[inline]
pub fn sanitize_sample(x: f32) -> (f32, bool) {
    if x.is_finite() {
        (x.clamp(-MAX_MAGNITUDE, MAX_MAGNITUDE), false)
    } else {
        (0.0, true)
    }
}

/// Sanitizes `samples` in place; returns how many were not finite. The common case (all
/// finite and in range) is one read-only pass.
pub fn sanitize_samples(samples: &mut [f32]) -> u64 {
    if samples
        .iter()
        .all(|x| x.is_finite() && x.abs() <= MAX_MAGNITUDE)
    {
        return 0;
    }
    let mut bad = 0;
    for x in samples.iter_mut() {
        let (y, replaced) = sanitize_sample(*x);
        *x = y;
        bad += u64::from(replaced);
    }
    bad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_samples_become_silence_and_huge_ones_are_clamped() {
        let mut s = [
            0.5,
            f32::NAN,
            f32::INFINITY,
            -f32::INFINITY,
            1e30,
            -3.0,
            1e-40,
        ];
        assert_eq!(sanitize_samples(&mut s), 3);
        assert_eq!(s, [0.5, 0.0, 0.0, 0.0, MAX_MAGNITUDE, -3.0, 1e-40]);
        let mut clean = [0.1f32; 64];
        assert_eq!(sanitize_samples(&mut clean), 0);
        assert_eq!(clean, [0.1f32; 64]);
    }
}
