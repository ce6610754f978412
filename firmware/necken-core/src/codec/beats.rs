//! The beat track on the wire: times, the beat numbering (only the beats that break the bar
//! cycle), and — from schema 2 — the other binary reading's numbering.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::wire::WireTimes;
use super::CodecError;
use crate::artifact::BeatTrack;

/// How a layout stores the other binary reading's beat numbers.
pub(crate) trait AlternateCode: Serialize + DeserializeOwned {
    fn encode(numbers: Option<&[u8]>, cycle: u8) -> Self;
    fn decode(&self, count: usize) -> Result<Option<Vec<u8>>, CodecError>;
}

/// Schema 1 had no alternate reading.
impl AlternateCode for () {
    fn encode(_: Option<&[u8]>, _: u8) -> Self {}
    fn decode(&self, _: usize) -> Result<Option<Vec<u8>>, CodecError> {
        Ok(None)
    }
}

impl AlternateCode for Option<WireNumbers> {
    fn encode(numbers: Option<&[u8]>, cycle: u8) -> Self {
        numbers.map(|n| WireNumbers::encode(n, cycle))
    }
    fn decode(&self, count: usize) -> Result<Option<Vec<u8>>, CodecError> {
        self.as_ref().map(|w| w.decode(count)).transpose()
    }
}

/// A beat numbering: the first number and the bar length it cycles through; only the beats
/// that break the cycle are stored.
#[derive(Serialize, Deserialize)]
pub(super) struct WireNumbers {
    /// Number of the first beat.
    first_number: u8,
    /// Bar length the numbering cycles through.
    cycle: u8,
    /// `(beats since the previous exception, number)` wherever the cycle is broken.
    exceptions: Vec<(u32, u8)>,
}

impl WireNumbers {
    fn encode(numbers: &[u8], cycle: u8) -> WireNumbers {
        let cycle = cycle.max(1);
        let mut exceptions = Vec::new();
        let mut last_exception = 0usize;
        let mut expected = numbers.first().copied().unwrap_or(1);
        for (i, &n) in numbers.iter().enumerate() {
            if n != expected {
                exceptions.push(((i - last_exception) as u32, n));
                last_exception = i;
            }
            expected = next_in_cycle(n, cycle);
        }
        WireNumbers {
            first_number: numbers.first().copied().unwrap_or(1),
            cycle,
            exceptions,
        }
    }

    fn decode(&self, count: usize) -> Result<Vec<u8>, CodecError> {
        let mut numbers = Vec::with_capacity(count);
        let mut exceptions = self.exceptions.iter();
        let mut next_exception_at = exceptions.next().map(|&(gap, n)| (gap as usize, n));
        let mut last_exception = 0usize;
        let mut expected = self.first_number;
        for i in 0..count {
            let mut n = expected;
            if let Some((gap, value)) = next_exception_at {
                if i == last_exception + gap {
                    n = value;
                    last_exception = i;
                    next_exception_at = exceptions.next().map(|&(g, v)| (g as usize, v));
                }
            }
            numbers.push(n);
            expected = next_in_cycle(n, self.cycle.max(1));
        }
        if next_exception_at.is_some() {
            return Err(CodecError::Invalid(
                "beat-number exceptions beyond the last beat",
            ));
        }
        Ok(numbers)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(bound = "A: AlternateCode")]
pub(super) struct WireBeats<A> {
    times: WireTimes,
    numbers: WireNumbers,
    alternate: A,
}

impl<A: AlternateCode> WireBeats<A> {
    pub(super) fn encode(beats: &BeatTrack, beats_per_bar: Option<u8>) -> WireBeats<A> {
        let cycle = beats_per_bar
            .or_else(|| beats.numbers.iter().copied().max())
            .unwrap_or(1)
            .max(1);
        let alternate_cycle = crate::notation::other_binary_meter(cycle).unwrap_or(cycle);
        WireBeats {
            times: WireTimes::encode(&beats.times, cycle),
            numbers: WireNumbers::encode(&beats.numbers, cycle),
            alternate: A::encode(beats.alternate_numbers.as_deref(), alternate_cycle),
        }
    }

    pub(super) fn decode(&self) -> Result<BeatTrack, CodecError> {
        let times = self.times.decode()?;
        let numbers = self.numbers.decode(times.len())?;
        let alternate_numbers = self.alternate.decode(times.len())?;
        Ok(BeatTrack {
            times,
            numbers,
            alternate_numbers,
        })
    }
}

fn next_in_cycle(n: u8, cycle: u8) -> u8 {
    if n >= cycle {
        1
    } else {
        n + 1
    }
}
