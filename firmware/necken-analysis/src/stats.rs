//! Whole-track statistics at the source rate: EBU R128 integrated loudness over all channels,
//! RMS and zero-crossing rate of the mono mix, and the audio fingerprint (XXH3-64 of the
//! 16-bit mono PCM).

use ebur128::{EbuR128, Mode};
use xxhash_rust::xxh3::Xxh3;

/// Accumulates statistics chunk by chunk.
pub struct SourceStats {
    loudness: Option<EbuR128>,
    sum_squares: f64,
    crossings: u64,
    samples: u64,
    last_sign: bool,
    fingerprint: Xxh3,
    /// The 16-bit PCM of the current chunk, kept between chunks (no allocation per chunk on
    /// the live path).
    pcm: Vec<u8>,
}

impl SourceStats {
    /// Starts accumulating for a stream of `channels` at `rate`.
    pub fn new(rate: u32, channels: usize) -> SourceStats {
        let loudness = EbuR128::new(channels as u32, rate, Mode::I)
            .map_err(|e| log::warn!("loudness meter unavailable at {rate} Hz × {channels}: {e}"))
            .ok();
        SourceStats {
            loudness,
            sum_squares: 0.0,
            crossings: 0,
            samples: 0,
            last_sign: false,
            fingerprint: Xxh3::new(),
            pcm: Vec::new(),
        }
    }

    /// Adds interleaved samples and their mono mix.
    pub fn add(&mut self, interleaved: &[f32], mono: &[f32]) {
        if let Some(m) = &mut self.loudness {
            if m.add_frames_f32(interleaved).is_err() {
                self.loudness = None;
            }
        }
        let bytes = &mut self.pcm;
        bytes.clear();
        for &s in mono {
            self.sum_squares += (s as f64) * (s as f64);
            let sign = s >= 0.0;
            if self.samples > 0 && sign != self.last_sign {
                self.crossings += 1;
            }
            self.last_sign = sign;
            self.samples += 1;
            bytes.extend_from_slice(&((s.clamp(-1.0, 1.0) * 32767.0) as i16).to_le_bytes());
        }
        self.fingerprint.update(bytes);
    }

    /// Integrated loudness in LUFS; `None` when the meter failed or the audio is below the
    /// absolute gate (silence).
    pub fn loudness_lufs(&self) -> Option<f32> {
        let l = self.loudness.as_ref()?.loudness_global().ok()?;
        l.is_finite().then_some(l as f32)
    }

    /// RMS of the mono mix.
    pub fn rms(&self) -> f32 {
        if self.samples == 0 {
            0.0
        } else {
            (self.sum_squares / self.samples as f64).sqrt() as f32
        }
    }

    /// Zero crossings per sample of the mono mix.
    pub fn zcr(&self) -> f32 {
        if self.samples < 2 {
            0.0
        } else {
            self.crossings as f32 / (self.samples - 1) as f32
        }
    }

    /// XXH3-64 of the 16-bit little-endian mono PCM (a fingerprint, not a security hash:
    /// SHA-256 over every sample cost a tenth of the analysis time).
    pub fn fingerprint(&self) -> [u8; 8] {
        self.fingerprint.digest().to_le_bytes()
    }
}
