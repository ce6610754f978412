//! Streaming resampling of the mono mix to the analysis rate with rubato's synchronous FFT
//! resampler; the resampler's delay is removed so output sample k is input time k / rate.

use audioadapter_buffers::direct::SequentialSlice;
use rubato::{Fft, FixedSync, Resampler};

/// Input chunk in source frames, for files and live audio alike (one engine: a file gives the
/// same frames however it is read). The resampler holds back about one chunk, so a small
/// chunk means early frames (5 ms at 48 kHz; 1024 would be 21 ms); whole files cost no more
/// measurably with it than with 1024 (docs/benchmarks.md).
pub const CHUNK: usize = 256;

/// A mono resampler fed in arbitrary chunks.
pub struct StreamResampler {
    rs: Fft<f32>,
    pending: Vec<f32>,
    input: Vec<f32>,
    out: Vec<f32>,
    delay_left: usize,
    input_total: u64,
    output_total: u64,
}

impl StreamResampler {
    /// A resampler from `from` Hz to `to` Hz working on `chunk` input frames at a time.
    pub fn new(from: u32, to: u32, chunk: usize) -> Result<StreamResampler, String> {
        let rs = Fft::<f32>::new(from as usize, to as usize, chunk, 1, FixedSync::Input)
            .map_err(|e| format!("cannot resample from {from} Hz: {e}"))?;
        Ok(StreamResampler {
            delay_left: rs.output_delay(),
            out: vec![0.0; rs.output_frames_max()],
            input: vec![0.0; rs.input_frames_max()],
            rs,
            pending: Vec::new(),
            input_total: 0,
            output_total: 0,
        })
    }

    /// Feeds samples; emits resampled output as it becomes available.
    pub fn push(&mut self, samples: &[f32], emit: &mut dyn FnMut(&[f32])) {
        self.pending.extend_from_slice(samples);
        self.input_total += samples.len() as u64;
        let mut start = 0;
        while self.pending.len() - start >= self.rs.input_frames_next() {
            let need = self.rs.input_frames_next();
            self.input[..need].copy_from_slice(&self.pending[start..start + need]);
            start += need;
            self.process(need, u64::MAX, emit);
        }
        self.pending.drain(..start);
    }

    /// Input samples still to push before `output` more resampled samples are out, by the
    /// rates' ratio: never more than needed, sometimes a block of rubato's short (it works in
    /// FFT blocks of its own size, 258 input samples at 48 kHz, 441 at 44.1 kHz, and gives
    /// nothing for its first). A live source that finds its frames not yet out waits for one
    /// more block: a wake-up too many costs less than beats held back.
    pub fn input_for_output(&self, output: usize) -> usize {
        if output == 0 {
            return 0;
        }
        let chunk = self.rs.input_frames_next() as u64;
        let processed = self.input_total - self.pending.len() as u64;
        let raw_wanted = self.output_total + output as u64 + self.rs.output_delay() as u64;
        let input_wanted = (raw_wanted as f64 / self.rs.resample_ratio()).ceil() as u64;
        let chunks = input_wanted
            .saturating_sub(processed)
            .div_ceil(chunk)
            .max(1);
        (chunks * chunk).saturating_sub(self.pending.len() as u64) as usize
    }

    /// Pushes the rest through with silence until every input sample has its output.
    pub fn finish(&mut self, emit: &mut dyn FnMut(&[f32])) {
        let wanted = (self.input_total as f64 * self.rs.resample_ratio()).round() as u64;
        while self.output_total < wanted {
            let need = self.rs.input_frames_next();
            let take = self.pending.len().min(need);
            self.input[..take].copy_from_slice(&self.pending[..take]);
            self.input[take..need].fill(0.0);
            self.pending.drain(..take);
            self.process(need, wanted, emit);
        }
    }

    fn process(&mut self, need: usize, limit: u64, emit: &mut dyn FnMut(&[f32])) {
        let max_out = self.out.len();
        let adapter_in = SequentialSlice::new(&self.input[..need], 1, need).expect("sized input");
        let mut adapter_out =
            SequentialSlice::new_mut(&mut self.out[..], 1, max_out).expect("sized output");
        let (_, produced) = self
            .rs
            .process_into_buffer(&adapter_in, &mut adapter_out, None)
            .expect("buffers are sized from the resampler");
        let skip = self.delay_left.min(produced);
        self.delay_left -= skip;
        let room = limit.saturating_sub(self.output_total) as usize;
        let end = produced.min(skip.saturating_add(room));
        if end > skip {
            emit(&self.out[skip..end]);
            self.output_total += (end - skip) as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Input samples of rubato's FFT block: the smallest multiple of the rates' reduced
    /// numerator that holds a chunk.
    fn fft_block_in(from: u32, to: u32, chunk: usize) -> u64 {
        let gcd = |mut a: u64, mut b: u64| {
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a
        };
        let numerator = from as u64 / gcd(from as u64, to as u64);
        (chunk as u64).div_ceil(numerator) * numerator
    }

    #[test]
    fn a_click_keeps_its_time_and_the_length_is_exact() {
        let from = 44_100;
        let mut input = vec![0f32; from as usize * 2];
        input[44_100] = 1.0; // at exactly 1 s
        let mut rs = StreamResampler::new(from, 16_000, CHUNK).unwrap();
        let mut out = Vec::new();
        for c in input.chunks(999) {
            rs.push(c, &mut |s| out.extend_from_slice(s));
        }
        rs.finish(&mut |s| out.extend_from_slice(s));
        assert_eq!(out.len(), 32_000);
        let peak = out
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .unwrap()
            .0;
        assert!((peak as i64 - 16_000).abs() <= 1, "peak at {peak}");
    }

    /// A live source sleeps until the samples `input_for_output` names are there: with a
    /// chunk fewer the output would not be out (the count is never high), and with them it
    /// is out or at most one FFT block's output short.
    #[test]
    fn the_input_named_for_an_output_is_never_too_much_and_at_most_a_block_short() {
        for (from, piece) in [(48_000, 480), (44_100, 441), (22_050, 1000)] {
            let mut rs = StreamResampler::new(from, 16_000, CHUNK).unwrap();
            let mut fewer = StreamResampler::new(from, 16_000, CHUNK).unwrap();
            let chunk = rs.rs.input_frames_next();
            let block_out =
                (fft_block_in(from, 16_000, chunk) as f64 * rs.rs.resample_ratio()).ceil();
            for step in 0..200 {
                let wanted = 1 + step % 400;
                let need = rs.input_for_output(wanted);
                let (mut got, mut got_fewer) = (0, 0);
                rs.push(&vec![0.1; need], &mut |s| got += s.len());
                fewer.push(&vec![0.1; need.saturating_sub(chunk)], &mut |s| {
                    got_fewer += s.len()
                });
                fewer.push(&vec![0.1; need.min(chunk)], &mut |_| {});
                assert!(
                    need < chunk || got_fewer < wanted,
                    "{from} Hz: {need} samples for {wanted}, a chunk fewer gave {got_fewer}"
                );
                assert!(
                    got as f64 + block_out >= wanted as f64,
                    "{from} Hz: {need} samples gave {got} of {wanted}"
                );
                rs.push(&vec![0.1; piece], &mut |_| {});
                fewer.push(&vec![0.1; piece], &mut |_| {});
            }
        }
    }
}
