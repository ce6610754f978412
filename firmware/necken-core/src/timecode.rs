//! Compact coding of time series (beat, onset and section times).
//!
//! Times become integer ticks; the tick is the coarsest of 10 ms, 1 ms and 0.1 ms that holds
//! every time exactly (trackers working at 100 frames/s get 10 ms), else 0.1 ms. Successive
//! intervals are predicted from the interval `period` steps back (one bar for beats) and only
//! the residuals are stored; postcard writes them as zig-zag varints, so a steady beat costs
//! one byte per beat.

use serde::{Deserialize, Serialize};

use crate::codec::CodecError;

/// Tick sizes in seconds, indexed by the stored tick code.
const TICK_SECONDS: [f64; 3] = [0.0001, 0.001, 0.01];

/// Largest number of ticks accepted on decode (about 11.5 days at 0.1 ms), so that corrupt
/// input cannot produce absurd times.
const MAX_TICKS: i64 = 10_000_000_000;

/// A time series coded as interval residuals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodedTimes {
    tick: u8,
    period: u8,
    first: i64,
    residuals: Vec<i64>,
}

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
        CodedTimes {
            tick,
            period,
            first: ticks.first().copied().unwrap_or(0),
            residuals: if ticks.is_empty() {
                Vec::new()
            } else {
                residuals
            },
        }
    }

    /// Decodes `count` times (the caller stores the count so a lone time 0.0 survives).
    pub fn decode(&self, count: usize) -> Result<Vec<f64>, CodecError> {
        let step = *TICK_SECONDS
            .get(self.tick as usize)
            .ok_or(CodecError::Invalid("unknown time tick code"))?;
        if count == 0 {
            return if self.residuals.is_empty() {
                Ok(Vec::new())
            } else {
                Err(CodecError::Invalid("time series count mismatch"))
            };
        }
        if self.residuals.len() + 1 != count {
            return Err(CodecError::Invalid("time series count mismatch"));
        }
        let mut out = Vec::with_capacity(count);
        let mut t = self.first;
        check_range(t)?;
        out.push(t as f64 * step);
        let mut intervals: Vec<i64> = Vec::with_capacity(self.residuals.len());
        for &r in &self.residuals {
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
        assert!(bytes.len() < times.len() + 8, "{} bytes", bytes.len());
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
    fn lone_zero_and_empty_series_are_distinguished_by_count() {
        let zero = CodedTimes::encode(&[0.0], 1);
        assert_eq!(zero.decode(1).unwrap(), vec![0.0]);
        let empty = CodedTimes::encode(&[], 1);
        assert!(empty.decode(0).unwrap().is_empty());
        assert!(empty.decode(2).is_err());
    }
}
