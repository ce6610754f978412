//! Most-significant-bit-first bit packing for the compact codec (Rice-coded times, packed
//! fixed-width codes).

use crate::codec::CodecError;

/// Most-significant-bit-first bit packing.
#[derive(Default)]
pub(crate) struct BitWriter {
    bytes: Vec<u8>,
    used: u32,
}

impl BitWriter {
    pub(crate) fn push(&mut self, bit: bool) {
        if self.used.is_multiple_of(8) {
            self.bytes.push(0);
        }
        if bit {
            let last = self.bytes.len() - 1;
            self.bytes[last] |= 0x80 >> (self.used % 8);
        }
        self.used += 1;
    }

    pub(crate) fn ones(&mut self, n: u32) {
        for _ in 0..n {
            self.push(true);
        }
    }

    pub(crate) fn bits(&mut self, v: u64, n: u32) {
        for i in (0..n).rev() {
            self.push((v >> i) & 1 == 1);
        }
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.bytes
    }
}

/// Reads the packing of [`BitWriter`] 64 bits at a time (decoding is on the re-analysis hot
/// path; a bit at a time made it a third slower).
pub(crate) struct BitReader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> BitReader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> BitReader<'a> {
        BitReader { bytes, pos: 0 }
    }

    fn total(&self) -> usize {
        self.bytes.len() * 8
    }

    /// The next bits, most significant first, zero-filled past the end (at least 57 valid).
    fn peek(&self) -> u64 {
        let start = self.pos / 8;
        let mut buf = [0u8; 8];
        let avail = self.bytes.len().saturating_sub(start).min(8);
        buf[..avail].copy_from_slice(&self.bytes[start..start + avail]);
        u64::from_be_bytes(buf) << (self.pos % 8)
    }

    /// Counts ones up to a zero (consumed), or up to `limit` ones (then no zero follows).
    pub(crate) fn unary(&mut self, limit: u64) -> Result<u64, CodecError> {
        let ones = (self.peek().leading_ones() as u64).min(limit);
        let used = if ones == limit { ones } else { ones + 1 } as usize;
        if self.pos + used > self.total() {
            return Err(CodecError::Invalid("packed bits end early"));
        }
        self.pos += used;
        Ok(ones)
    }

    pub(crate) fn bits(&mut self, n: u32) -> Result<u64, CodecError> {
        if n == 0 {
            return Ok(0);
        }
        if self.pos + n as usize > self.total() {
            return Err(CodecError::Invalid("packed bits end early"));
        }
        let v = self.peek() >> (64 - n);
        self.pos += n as usize;
        Ok(v)
    }

    /// True when at most the zero padding of the last byte is unread.
    pub(crate) fn only_padding_left(&self) -> bool {
        let left = self.total() - self.pos;
        left < 8 && (left == 0 || self.peek() >> (64 - left) == 0)
    }
}
