//! Quantized vector storage: half floats where derived features need relative precision,
//! 8-bit codes with a per-vector scale where only the shape matters.

use half::f16;
use serde::{Deserialize, Serialize};

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

/// Unsigned 8-bit codes with one scale for non-negative values: `value = code * scale`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct U8Vec {
    scale: f32,
    codes: Vec<u8>,
}

impl U8Vec {
    /// Quantizes non-negative values (negatives clamp to 0) with the scale set by the maximum.
    pub fn encode(values: &[f32]) -> U8Vec {
        let max = values.iter().fold(0f32, |m, &v| m.max(v));
        let scale = if max > 0.0 && max.is_finite() {
            max / 255.0
        } else {
            1.0
        };
        let codes = values
            .iter()
            .map(|v| (v / scale).round().clamp(0.0, 255.0) as u8)
            .collect();
        U8Vec { scale, codes }
    }

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

    /// Number of values.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
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

/// Unsigned 12-bit codes with one scale for non-negative values, two codes per three bytes:
/// 16 times finer than [`U8Vec`] for 1.5 times its size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct U12Vec {
    scale: f32,
    count: u32,
    packed: Vec<u8>,
}

impl U12Vec {
    /// Quantizes non-negative values (negatives clamp to 0) with the scale set by the maximum.
    pub fn encode(values: &[f32]) -> U12Vec {
        let max = values.iter().fold(0f32, |m, &v| m.max(v));
        let scale = if max > 0.0 && max.is_finite() {
            max / 4095.0
        } else {
            1.0
        };
        let codes: Vec<u16> = values
            .iter()
            .map(|v| (v / scale).round().clamp(0.0, 4095.0) as u16)
            .collect();
        let mut packed = Vec::with_capacity(codes.len().div_ceil(2) * 3);
        for pair in codes.chunks(2) {
            let a = pair[0];
            let b = pair.get(1).copied().unwrap_or(0);
            packed.push((a >> 4) as u8);
            packed.push((((a & 0xF) << 4) | (b >> 8)) as u8);
            packed.push((b & 0xFF) as u8);
        }
        U12Vec {
            scale,
            count: values.len() as u32,
            packed,
        }
    }

    /// Expands back to f32.
    pub fn decode(&self) -> Result<Vec<f32>, CodecError> {
        check_scale(self.scale)?;
        let n = self.count as usize;
        if self.packed.len() != n.div_ceil(2) * 3 {
            return Err(CodecError::Invalid("12-bit vector length mismatch"));
        }
        let mut out = Vec::with_capacity(n);
        for t in self.packed.chunks_exact(3) {
            let a = ((t[0] as u16) << 4) | (t[1] as u16 >> 4);
            let b = (((t[1] & 0xF) as u16) << 8) | t[2] as u16;
            out.push(a as f32 * self.scale);
            if out.len() < n {
                out.push(b as f32 * self.scale);
            }
        }
        Ok(out)
    }
}
