//! The mean bar's layout (schema 3): 12-bit codes with one scale. Schemas 1 and 2 had no mean
//! bar; their layouts take `()`, which postcard writes as nothing.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::CodecError;
use crate::artifact::BarPattern;
use crate::quant::PackedUVec;

/// Code width of the mean bar's values: each is off by at most the band set's peak / 8190
/// (0.003 at the largest possible peak, 24: a band with all its onsets on one step), a few
/// thousandths of the spread the style head standardizes by; 108 bytes a track.
const PATTERN_BITS: u8 = 12;

/// How a layout stores the mean bar.
pub(super) trait PatternCode: Serialize + DeserializeOwned {
    fn encode(pattern: Option<&BarPattern>) -> Self;
    fn decode(&self) -> Result<Option<BarPattern>, CodecError>;
}

impl PatternCode for () {
    fn encode(_: Option<&BarPattern>) -> Self {}
    fn decode(&self) -> Result<Option<BarPattern>, CodecError> {
        Ok(None)
    }
}

#[derive(Serialize, Deserialize)]
pub(super) struct WirePattern {
    bars: u32,
    bins: u8,
    values: PackedUVec,
}

impl PatternCode for Option<WirePattern> {
    fn encode(pattern: Option<&BarPattern>) -> Self {
        pattern.map(|p| WirePattern {
            bars: p.bars,
            bins: p.bins,
            values: PackedUVec::encode(&p.values, PATTERN_BITS),
        })
    }
    fn decode(&self) -> Result<Option<BarPattern>, CodecError> {
        let Some(w) = self else { return Ok(None) };
        let values = w.values.decode()?;
        if w.bins == 0 || values.len() % w.bins as usize != 0 {
            return Err(CodecError::Invalid(
                "mean bar values are not whole bands of steps",
            ));
        }
        Ok(Some(BarPattern {
            bars: w.bars,
            bins: w.bins,
            values,
        }))
    }
}
