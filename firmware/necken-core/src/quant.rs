//! Quantized vector storage: half floats where derived features need relative precision,
//! 8-bit codes with a per-vector scale where only the shape matters.

use half::f16;
use serde::{Deserialize, Serialize};

use crate::bits::{BitReader, BitWriter};
use crate::codec::CodecError;

/// A vector of IEEE half floats, stored as little-endian byte pairs (postcard would otherwise
/// varint-code the raw bits into up to three bytes each). Relative error ≤ 2⁻¹¹ per element.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HalfVec(Vec<u8>);

impl HalfVec {
    /// Quantizes `values` to f16.
    pub fn encode(values: &[f32]) -> HalfVec {
        let mut bytes = Vec::with_capacity(values.len() * 2);
        for v in values {
            bytes.extend_from_slice(&f16::from_f32(*v).to_le_bytes());
        }
        HalfVec(bytes)
    }

    /// Expands back to f32.
    pub fn decode(&self) -> Result<Vec<f32>, CodecError> {
        if !self.0.len().is_multiple_of(2) {
            return Err(CodecError::Invalid("odd length of a half-float vector"));
        }
        Ok(self
            .0
            .chunks_exact(2)
            .map(|c| f16::from_le_bytes([c[0], c[1]]).to_f32())
            .collect())
    }
}

/// Signed 8-bit codes with one scale: `value = code * scale`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct I8Vec {
    scale: f32,
    codes: Vec<i8>,
}

impl I8Vec {
    /// Quantizes symmetric around zero with the scale set by the largest magnitude.
    pub fn encode(values: &[f32]) -> I8Vec {
        let max = values.iter().fold(0f32, |m, v| m.max(v.abs()));
        let scale = if max > 0.0 && max.is_finite() {
            max / 127.0
        } else {
            1.0
        };
        let codes = values
            .iter()
            .map(|v| (v / scale).round().clamp(-127.0, 127.0) as i8)
            .collect();
        I8Vec { scale, codes }
    }

    /// Expands back to f32.
    pub fn decode(&self) -> Result<Vec<f32>, CodecError> {
        check_scale(self.scale)?;
        Ok(self.codes.iter().map(|&c| c as f32 * self.scale).collect())
    }
}

/// Unsigned 8-bit codes with one scale for probabilities: `value = code * scale`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct U8Vec {
    scale: f32,
    codes: Vec<u8>,
}

impl U8Vec {
    /// Quantizes probabilities in 0..=1 with the fixed scale 1/255.
    pub fn encode_unit(values: &[f32]) -> U8Vec {
        U8Vec {
            scale: 1.0 / 255.0,
            codes: values
                .iter()
                .map(|v| (v * 255.0).round().clamp(0.0, 255.0) as u8)
                .collect(),
        }
    }

    /// Expands back to f32.
    pub fn decode(&self) -> Result<Vec<f32>, CodecError> {
        check_scale(self.scale)?;
        Ok(self.codes.iter().map(|&c| c as f32 * self.scale).collect())
    }
}

fn check_scale(scale: f32) -> Result<(), CodecError> {
    if scale.is_finite() && scale >= 0.0 {
        Ok(())
    } else {
        Err(CodecError::Invalid(
            "quantization scale is not a finite non-negative number",
        ))
    }
}

/// Unsigned codes of a fixed width (1–16 bits) with one scale for non-negative values,
/// bit-packed: `value = code * scale`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PackedUVec {
    scale: f32,
    width: u8,
    count: u32,
    packed: Vec<u8>,
}

impl PackedUVec {
    /// Quantizes non-negative values (negatives clamp to 0) to `width`-bit codes with the scale
    /// set by the maximum.
    pub fn encode(values: &[f32], width: u8) -> PackedUVec {
        let width = width.clamp(1, 16);
        let top = ((1u32 << width) - 1) as f32;
        let max = values.iter().fold(0f32, |m, &v| m.max(v));
        let scale = if max > 0.0 && max.is_finite() {
            max / top
        } else {
            1.0
        };
        let mut w = BitWriter::default();
        for v in values {
            w.bits((v / scale).round().clamp(0.0, top) as u64, width as u32);
        }
        PackedUVec {
            scale,
            width,
            count: values.len() as u32,
            packed: w.finish(),
        }
    }

    /// Expands back to f32.
    pub fn decode(&self) -> Result<Vec<f32>, CodecError> {
        check_scale(self.scale)?;
        if !(1..=16).contains(&self.width) {
            return Err(CodecError::Invalid("packed code width out of range"));
        }
        let n = self.count as usize;
        if self.packed.len() != (n * self.width as usize).div_ceil(8) {
            return Err(CodecError::Invalid("packed vector length mismatch"));
        }
        let mut r = BitReader::new(&self.packed);
        (0..n)
            .map(|_| Ok(r.bits(self.width as u32)? as f32 * self.scale))
            .collect()
    }
}

/// Unsigned 8-bit codes between the vector's minimum and maximum: `value = lo + (hi − lo) ·
/// code / 255`. For the mean embedding (schema 2): its values are mostly of one sign, where a
/// symmetric code would waste half its range; cosine to the vector ≥ 0.999 (tested). The ends
/// are stored rather than a step, so decoding and encoding again gives the same codes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AffineU8Vec {
    lo: f32,
    hi: f32,
    codes: Vec<u8>,
}

impl AffineU8Vec {
    /// Quantizes to 255 steps between the minimum and the maximum (non-finite values code as
    /// the minimum).
    pub fn encode(values: &[f32]) -> AffineU8Vec {
        let (lo, hi) = values
            .iter()
            .filter(|v| v.is_finite())
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 0.0) };
        let range = hi as f64 - lo as f64;
        let codes = values
            .iter()
            .map(|&v| {
                if v.is_finite() && range > 0.0 {
                    ((v as f64 - lo as f64) / range * 255.0)
                        .round()
                        .clamp(0.0, 255.0) as u8
                } else {
                    0
                }
            })
            .collect();
        AffineU8Vec { lo, hi, codes }
    }

    /// Expands back to f32.
    pub fn decode(&self) -> Result<Vec<f32>, CodecError> {
        if !(self.lo.is_finite() && self.hi.is_finite() && self.hi >= self.lo) {
            return Err(CodecError::Invalid("bad range of an 8-bit vector"));
        }
        let (lo, range) = (self.lo as f64, self.hi as f64 - self.lo as f64);
        Ok(self
            .codes
            .iter()
            .map(|&c| (lo + range * c as f64 / 255.0) as f32)
            .collect())
    }
}
