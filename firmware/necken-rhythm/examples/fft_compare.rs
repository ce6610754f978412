//! The live front end's 1024-point FFT of a real frame, two ways: rustfft's complex FFT (what
//! the front end used first: the frame as complex numbers with zero imaginary parts) and
//! microfft's fixed-size real FFT. Prints the median time per frame of each over 7 runs of
//! 20 000 frames, and checks the two give the same magnitudes. Run it on each target (x86-64,
//! and the aarch64 build under qemu) to choose per target.
//! usage: fft_compare
use std::time::Instant;

use rustfft::num_complex::Complex32;
use rustfft::FftPlanner;

const N: usize = 1024;
const FRAMES: usize = 20_000;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let signal: Vec<f32> = (0..N)
        .map(|i| ((i as f32 * 0.37).sin() + (i as f32 * 0.011).cos()) * 0.3)
        .collect();
    let fft = FftPlanner::new().plan_fft_forward(N);
    let mut scratch = vec![Complex32::default(); fft.get_inplace_scratch_len()];
    let mut buf = vec![Complex32::default(); N];
    let mut mags_a = vec![0f32; N / 2 + 1];
    let mut mags_b = vec![0f32; N / 2 + 1];
    let mut complex_runs = Vec::new();
    let mut real_runs = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        for k in 0..FRAMES {
            for (c, &x) in buf.iter_mut().zip(&signal) {
                *c = Complex32::new(x + k as f32 * 1e-9, 0.0);
            }
            fft.process_with_scratch(&mut buf, &mut scratch);
            for (m, c) in mags_a.iter_mut().zip(&buf[..N / 2 + 1]) {
                *m = (c.re * c.re + c.im * c.im).sqrt();
            }
        }
        complex_runs.push(t.elapsed().as_secs_f64() / FRAMES as f64);
        let t = Instant::now();
        for k in 0..FRAMES {
            let mut frame = [0f32; N];
            for (f, &x) in frame.iter_mut().zip(&signal) {
                *f = x + k as f32 * 1e-9;
            }
            let spectrum = microfft::real::rfft_1024(&mut frame);
            // Bin 0's imaginary part holds the Nyquist bin's real value.
            let nyquist = spectrum[0].im;
            mags_b[0] = spectrum[0].re.abs();
            for (m, c) in mags_b[1..N / 2].iter_mut().zip(&spectrum[1..]) {
                *m = (c.re * c.re + c.im * c.im).sqrt();
            }
            mags_b[N / 2] = nyquist.abs();
        }
        real_runs.push(t.elapsed().as_secs_f64() / FRAMES as f64);
    }
    let worst = mags_a
        .iter()
        .zip(&mags_b)
        .map(|(a, b)| (a - b).abs() / a.abs().max(1.0))
        .fold(0f32, f32::max);
    let (c, r) = (median(complex_runs), median(real_runs));
    println!("target {}", std::env::consts::ARCH);
    println!("rustfft complex 1024: {:.2} µs per frame", c * 1e6);
    println!("microfft real 1024:   {:.2} µs per frame", r * 1e6);
    println!(
        "ratio complex/real {:.2}; worst magnitude difference {worst:.2e}",
        c / r
    );
}
