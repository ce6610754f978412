//! Compact coding of time series (beat, onset and section times).
//!
//! Times become integer ticks; the tick is the coarsest of 10 ms, 1 ms and 0.1 ms that holds
//! every time exactly (trackers working at 100 frames/s get 10 ms), else 0.1 ms. Successive
//! intervals are predicted from the interval `period` steps back (one bar for beats) and only
//! the residuals are stored, zig-zag mapped and Rice-coded with the parameter that makes the
//! series shortest: a steady beat costs two to three bits per beat, an onset about six.

use serde::{Deserialize, Serialize};

use crate::bits::{BitReader, BitWriter};
use crate::codec::CodecError;

/// Tick sizes in seconds, indexed by the stored tick code.
const TICK_SECONDS: [f64; 3] = [0.0001, 0.001, 0.01];

/// Largest number of ticks accepted on decode (about 11.5 days at 0.1 ms), so that corrupt
/// input cannot produce absurd times.
const MAX_TICKS: i64 = 10_000_000_000;

/// A time series coded as Rice-coded interval residuals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodedTimes {
    tick: u8,
    period: u8,
    first: i64,
    rice_k: u8,
    bits: Vec<u8>,
}

/// Quotients from this value up are escaped to a raw [`RAW_BITS`]-bit value, so a rare large
/// residual (a gap in the music) cannot cost thousands of unary bits.
const ESCAPE_QUOTIENT: u64 = 24;
/// Width of an escaped value; zig-zag ticks stay below 2^35 (see [`MAX_TICKS`]).
const RAW_BITS: u32 = 40;

impl CodedTimes {
    /// Codes ascending `times` (seconds) predicting each interval from the one `period` steps
    /// back; `period` 0 stores plain deltas.
    pub fn encode(times: &[f64], period: u8) -> CodedTimes {
        let tick = choose_tick(times);
        let step = TICK_SECONDS[tick as usize];
        let ticks: Vec<i64> = times.iter().map(|t| (t / step).round() as i64).collect();
        let mut residuals = Vec::with_capacity(ticks.len().saturating_sub(1));
        let mut intervals: Vec<i64> = Vec::with_capacity(residuals.capacity());
        for w in ticks.windows(2) {
            let d = w[1] - w[0];
            let pred = predict(&intervals, period);
            residuals.push(d - pred);
            intervals.push(d);
        }
        let values: Vec<u64> = residuals.iter().map(|&r| zigzag(r)).collect();
        let rice_k = (0..=20u8)
            .min_by_key(|&k| values.iter().map(|&v| rice_len(v, k)).sum::<u64>())
            .unwrap_or(0);
        let mut w = BitWriter::default();
        for &v in &values {
            let q = v >> rice_k;
            if q < ESCAPE_QUOTIENT {
                w.ones(q as u32);
                w.bits(0, 1);
                w.bits(v, rice_k as u32);
            } else {
                w.ones(ESCAPE_QUOTIENT as u32);
                w.bits(v, RAW_BITS);
            }
        }
        CodedTimes {
            tick,
            period,
            first: ticks.first().copied().unwrap_or(0),
            rice_k,
            bits: w.finish(),
        }
    }

    /// Codes with whichever prediction period in `periods` gives the fewest bits (onsets have
    /// no bar to predict from; runs of equal notes favour the previous interval, free rhythms
    /// plain deltas).
    pub fn encode_best(times: &[f64], periods: &[u8]) -> CodedTimes {
        periods
            .iter()
            .map(|&p| CodedTimes::encode(times, p))
            .min_by_key(|c| c.bits.len())
            .unwrap_or_else(|| CodedTimes::encode(times, 0))
    }

    /// Decodes `count` times (the caller stores the count so a lone time 0.0 survives).
    pub fn decode(&self, count: usize) -> Result<Vec<f64>, CodecError> {
        let step = *TICK_SECONDS
            .get(self.tick as usize)
            .ok_or(CodecError::Invalid("unknown time tick code"))?;
        if self.rice_k > 20 {
            return Err(CodecError::Invalid("Rice parameter out of range"));
        }
        if count == 0 {
            return if self.bits.is_empty() && self.first == 0 {
                Ok(Vec::new())
            } else {
                Err(CodecError::Invalid("time series count mismatch"))
            };
        }
        // Every residual takes at least one bit: a count beyond that is corrupt, and this
        // bound keeps a hostile count from allocating.
        if count - 1 > self.bits.len() * 8 {
            return Err(CodecError::Invalid("time series count mismatch"));
        }
        let mut reader = BitReader::new(&self.bits);
        let mut residuals = Vec::with_capacity(count - 1);
        for _ in 1..count {
            let q = reader.unary(ESCAPE_QUOTIENT)?;
            let v = if q < ESCAPE_QUOTIENT {
                (q << self.rice_k) | reader.bits(self.rice_k as u32)?
            } else {
                reader.bits(RAW_BITS)?
            };
            residuals.push(unzigzag(v));
        }
        if !reader.only_padding_left() {
            return Err(CodecError::Invalid("trailing bits in a time series"));
        }
        let mut out = Vec::with_capacity(count);
        let mut t = self.first;
        check_range(t)?;
        out.push(t as f64 * step);
        let mut intervals: Vec<i64> = Vec::with_capacity(residuals.len());
        for &r in &residuals {
            let d = predict(&intervals, self.period)
                .checked_add(r)
                .ok_or(CodecError::Invalid("time interval overflow"))?;
            check_range(d)?;
            t = t
                .checked_add(d)
                .ok_or(CodecError::Invalid("time overflow"))?;
            check_range(t)?;
            out.push(t as f64 * step);
            intervals.push(d);
        }
        Ok(out)
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn rice_len(v: u64, k: u8) -> u64 {
    let q = v >> k;
    if q < ESCAPE_QUOTIENT {
        q + 1 + k as u64
    } else {
        ESCAPE_QUOTIENT + RAW_BITS as u64
    }
}

fn check_range(ticks: i64) -> Result<(), CodecError> {
    if ticks.abs() > MAX_TICKS {
        Err(CodecError::Invalid("time out of range"))
    } else {
        Ok(())
    }
}

fn predict(intervals: &[i64], period: u8) -> i64 {
    let p = period as usize;
    if p == 0 || intervals.is_empty() {
        0
    } else if intervals.len() >= p {
        intervals[intervals.len() - p]
    } else {
        intervals[intervals.len() - 1]
    }
}

fn choose_tick(times: &[f64]) -> u8 {
    for code in (1..TICK_SECONDS.len()).rev() {
        let step = TICK_SECONDS[code];
        let exact = times.iter().all(|t| {
            let k = (t / step).round();
            (t - k * step).abs() < 1e-7
        });
        if exact {
            return code as u8;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_grid_times_use_ten_ms_ticks_and_stay_exact() {
        let times: Vec<f64> = (0..50).map(|i| 0.37 + i as f64 * 0.52).collect();
        let c = CodedTimes::encode(&times, 3);
        assert_eq!(c.tick, 2);
        let back = c.decode(times.len()).unwrap();
        for (a, b) in times.iter().zip(&back) {
            assert!((a - b).abs() < 1e-9);
        }
        // A steady beat costs about a byte per beat.
        let bytes = postcard::to_stdvec(&c).unwrap();
        assert!(bytes.len() < times.len() / 2 + 12, "{} bytes", bytes.len());
    }

    #[test]
    fn off_grid_times_are_within_half_a_tenth_of_a_millisecond() {
        let times = [0.123_456, 0.654_321, 1.111_111];
        let c = CodedTimes::encode(&times, 0);
        let back = c.decode(3).unwrap();
        for (a, b) in times.iter().zip(&back) {
            assert!((a - b).abs() <= 0.000_050_1);
        }
    }

    #[test]
    fn large_gaps_and_negative_residuals_survive() {
        let times = [0.5, 0.52, 900.0, 900.01, 2000.0, 2000.5];
        let c = CodedTimes::encode(&times, 1);
        assert_eq!(c.decode(6).unwrap(), times.to_vec());
    }

    #[test]
    fn lone_zero_and_empty_series_are_distinguished_by_count() {
        let zero = CodedTimes::encode(&[0.0], 1);
        assert_eq!(zero.decode(1).unwrap(), vec![0.0]);
        let empty = CodedTimes::encode(&[], 1);
        assert!(empty.decode(0).unwrap().is_empty());
        assert!(empty.decode(2).is_err());
    }
}
