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

/// Classes of values whose sums a diffused code keeps (at most 256).
const DIFFUSION_CLASSES: usize = 256;
/// How many of a class's last values the final correction considers (pairs of them).
const PAIR_SEARCH: usize = 64;

impl PackedUVec {
    /// Codes the square roots of non-negative `energies` (decoded as `(code · scale)²`) so that
    /// sums survive a narrow code: each value is rounded down or up to a neighbouring code,
    /// whichever brings the running sum of its class (`classes[i]`, e.g. the position in the
    /// bar) closer to the exact one; at the end up to two of the class's last values move to
    /// their other neighbouring code when that brings the whole class's sum closer still.
    /// Every amplitude stays within one step of the exact one, and the sum of any stretch of
    /// one class's values is within four energy steps at the loudest value
    /// (`4 · (2·top − 1) · scale²`) of the exact sum, however long the stretch (the whole
    /// class usually far closer). Features read such sums (downbeat dominance, punchiness);
    /// per-value rounding errors would instead accumulate with the number of values.
    pub fn encode_square_roots(energies: &[f32], classes: &[u8], width: u8) -> PackedUVec {
        let width = width.clamp(1, 16);
        let top = ((1u32 << width) - 1) as f64;
        // Amplitudes and scale in f32 as the decoder has them: the square root of a decoded
        // energy is then exactly the decoded amplitude, and records re-encode to the same bytes.
        let amplitude = |e: f32| {
            if e.is_finite() {
                e.max(0.0).sqrt()
            } else {
                0.0
            }
        };
        let max = energies.iter().fold(0f32, |m, &e| m.max(amplitude(e)));
        let scale = if max > 0.0 && max.is_finite() {
            (max / top as f32) as f64
        } else {
            1.0
        };
        let square = |code: f64| (code * scale).powi(2);
        let mut carried = [0f64; DIFFUSION_CLASSES];
        // (class, lower code, upper code, chosen code) per value.
        let mut coded = Vec::with_capacity(energies.len());
        for (i, &e) in energies.iter().enumerate() {
            let class = classes.get(i).copied().unwrap_or(0) as usize;
            let exact = amplitude(e) as f64;
            let want = exact * exact + carried[class];
            let steps = exact / scale;
            // A value that decodes from a code keeps it, so records re-encode to the same bytes.
            let (low, high) = if (steps - steps.round()).abs() < 1e-3 {
                (steps.round(), steps.round())
            } else {
                (steps.floor(), steps.ceil())
            };
            let (low, high) = (low.clamp(0.0, top), high.clamp(0.0, top));
            let code = if (want - square(low)).abs() <= (want - square(high)).abs() {
                low
            } else {
                high
            };
            carried[class] = want - square(code);
            coded.push((class, low, high, code));
        }
        // What is left over at the end of a class is up to half a step at its last values'
        // level, and moving one value to its other neighbouring code moves the sum by a whole
        // step: a pair moved in opposite directions moves it by the difference of two steps,
        // which among a class's recent values comes close to any leftover.
        let moved = |(_, low, high, code): (usize, f64, f64, f64)| {
            let other = if code == low { high } else { low };
            (square(code) - square(other), other)
        };
        for (class, left) in carried.iter_mut().enumerate() {
            if *left == 0.0 {
                continue;
            }
            let recent: Vec<usize> = (0..coded.len())
                .rev()
                .filter(|&i| coded[i].0 == class && coded[i].1 != coded[i].2)
                .take(PAIR_SEARCH)
                .collect();
            let mut best = (left.abs(), None);
            for (k, &i) in recent.iter().enumerate() {
                let (di, _) = moved(coded[i]);
                if (*left + di).abs() < best.0 {
                    best = ((*left + di).abs(), Some((i, None)));
                }
                for &j in &recent[k + 1..] {
                    let after = (*left + di + moved(coded[j]).0).abs();
                    if after < best.0 {
                        best = (after, Some((i, Some(j))));
                    }
                }
            }
            if let Some((i, j)) = best.1 {
                for m in std::iter::once(i).chain(j) {
                    let (delta, other) = moved(coded[m]);
                    *left += delta;
                    coded[m].3 = other;
                }
            }
        }
        let mut w = BitWriter::default();
        for &(_, _, _, code) in &coded {
            w.bits(code as u64, width as u32);
        }
        PackedUVec {
            scale: scale as f32,
            width,
            count: energies.len() as u32,
            packed: w.finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::SplitMix;

    fn decoded_energies(code: &PackedUVec) -> Vec<f64> {
        code.decode()
            .unwrap()
            .iter()
            .map(|&a| (a as f64).powi(2))
            .collect()
    }

    #[test]
    fn diffused_codes_keep_each_class_sum_where_rounding_drifts() {
        // Every value sits where plain rounding errs the same way: the error of a sum grows
        // with its length, the diffused code's must not.
        let (width, n) = (5u8, 10_000);
        let top = 31.0f64;
        let loud = 1.0f32;
        let amplitude = (10.4 / top) as f32;
        let mut energies = vec![loud];
        energies.extend(std::iter::repeat_n(amplitude * amplitude, n));
        let classes: Vec<u8> = (0..energies.len()).map(|i| (i % 3) as u8).collect();
        let exact: Vec<f64> = energies.iter().map(|&e| e as f64).collect();
        let bound = 4.0 * (2.0 * top - 1.0) * (1.0 / top).powi(2);
        let sum_error = |values: &[f64], class: usize| {
            let class_sum = |v: &[f64]| {
                v.iter()
                    .enumerate()
                    .filter(|(i, _)| i % 3 == class)
                    .map(|(_, x)| x)
                    .sum::<f64>()
            };
            (class_sum(values) - class_sum(&exact)).abs()
        };
        let diffused =
            decoded_energies(&PackedUVec::encode_square_roots(&energies, &classes, width));
        let amplitudes: Vec<f32> = energies.iter().map(|e| e.sqrt()).collect();
        let rounded = decoded_energies(&PackedUVec::encode(&amplitudes, width));
        for class in 0..3 {
            assert!(sum_error(&diffused, class) <= bound, "class {class}");
            assert!(sum_error(&rounded, class) > 100.0 * bound, "class {class}");
        }
    }

    #[test]
    fn diffused_amplitudes_stay_within_one_step_and_stretches_keep_their_sums() {
        let mut rng = SplitMix::new(7);
        let energies: Vec<f32> = (0..2000)
            .map(|_| (0.02 * (0.8 * rng.normal()).exp()) as f32)
            .collect();
        let classes: Vec<u8> = (0..2000).map(|i| (i % 4) as u8).collect();
        let code = PackedUVec::encode_square_roots(&energies, &classes, 7);
        let step = code.scale as f64;
        let decoded = decoded_energies(&code);
        for (e, d) in energies.iter().zip(&decoded) {
            assert!(((*e as f64).sqrt() - d.sqrt()).abs() <= step * 1.0001);
        }
        let bound = 4.0 * (2.0 * 127.0 - 1.0) * step * step;
        for (start, end) in [(0, 2000), (100, 900), (1500, 1999)] {
            for class in 0..4 {
                let sum = |v: &mut dyn Iterator<Item = f64>| v.sum::<f64>();
                let exact = sum(&mut (start..end)
                    .filter(|i| i % 4 == class)
                    .map(|i| energies[i] as f64));
                let got = sum(&mut (start..end).filter(|i| i % 4 == class).map(|i| decoded[i]));
                assert!((exact - got).abs() <= bound, "{start}..{end} class {class}");
            }
        }
    }

    #[test]
    fn diffused_codes_take_odd_input_without_panicking() {
        for energies in [vec![], vec![0.0], vec![f32::NAN, -1.0, f32::INFINITY, 2.0]] {
            let code = PackedUVec::encode_square_roots(&energies, &[], 7);
            let decoded = code.decode().unwrap();
            assert_eq!(decoded.len(), energies.len());
            assert!(decoded.iter().all(|v| v.is_finite() && *v >= 0.0));
        }
    }

    #[test]
    fn decoded_energies_encode_to_the_same_codes() {
        let mut rng = SplitMix::new(3);
        for _ in 0..2000 {
            let n = 1 + (rng.uniform() * 300.0) as usize;
            let energies: Vec<f32> = (0..n)
                .map(|_| (0.02 * (0.5 * rng.normal()).exp()) as f32)
                .collect();
            let classes: Vec<u8> = (0..n).map(|i| (i % 3) as u8).collect();
            let code = PackedUVec::encode_square_roots(&energies, &classes, 7);
            let decoded: Vec<f32> = code.decode().unwrap().iter().map(|a| a * a).collect();
            assert_eq!(PackedUVec::encode_square_roots(&decoded, &classes, 7), code);
        }
    }
}
