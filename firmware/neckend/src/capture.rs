//! Live capture with cpal (ALSA on Linux). The audio callback only mixes to mono and copies
//! into a lock-free single-producer ring ([`rtrb`]); it never allocates, locks or logs. The
//! analysis thread drains the ring. Overruns (ring full) and device xruns are counted in
//! atomics and logged by the analysis side.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{BufferSize, FromSample, SampleFormat, StreamConfig};
use necken_analysis::sanitize::sanitize_sample;
use rtrb::{Consumer, Producer, RingBuffer};

use crate::config::AudioSection;

/// Counters shared with the audio thread.
#[derive(Debug, Default)]
pub struct CaptureCounters {
    /// Mono samples dropped because the ring was full (the analysis fell behind).
    pub dropped: AtomicU64,
    /// Device overruns/underruns and other stream errors reported by the backend.
    pub xruns: AtomicU64,
    /// Callbacks served.
    pub callbacks: AtomicU64,
    /// Samples that were NaN or infinite (a broken driver) and were replaced by silence.
    pub non_finite: AtomicU64,
}

/// Builds the audio callback: interleaved `channels` samples in, mono into the ring.
/// Separate from the stream so a test can run it under a counting allocator.
pub fn mono_into_ring<T>(
    mut producer: Producer<f32>,
    channels: usize,
    counters: Arc<CaptureCounters>,
) -> impl FnMut(&[T]) + Send + 'static
where
    T: cpal::Sample + Copy + Send + 'static,
    f32: cpal::FromSample<T>,
{
    let scale = 1.0 / channels as f32;
    move |data: &[T]| {
        counters.callbacks.fetch_add(1, Ordering::Relaxed);
        let frames = data.len() / channels;
        let room = producer.slots().min(frames);
        if room < frames {
            counters
                .dropped
                .fetch_add((frames - room) as u64, Ordering::Relaxed);
        }
        if room == 0 {
            return;
        }
        let Ok(mut chunk) = producer.write_chunk_uninit(room) else {
            return;
        };
        let (first, second) = chunk.as_mut_slices();
        let mut frames_in = data.chunks_exact(channels);
        let mut non_finite = 0u64;
        for slot in first.iter_mut().chain(second.iter_mut()) {
            let frame = frames_in.next().expect("room ≤ frames");
            let sum: f32 = frame.iter().map(|&s| f32::from_sample_(s)).sum();
            let (mono, replaced) = sanitize_sample(sum * scale);
            non_finite += u64::from(replaced);
            slot.write(mono);
        }
        // SAFETY: every slot of both slices was written just above.
        unsafe { chunk.commit_all() };
        if non_finite > 0 {
            counters.non_finite.fetch_add(non_finite, Ordering::Relaxed);
        }
    }
}

/// A running capture stream.
pub struct Capture {
    _stream: cpal::Stream,
    /// The analysis side of the ring (mono, `sample_rate`).
    pub consumer: Consumer<f32>,
    /// Negotiated rate, Hz.
    pub sample_rate: u32,
    /// The device's name.
    pub device_name: String,
    /// Counters.
    pub counters: Arc<CaptureCounters>,
}

/// Opens the configured device and starts capturing.
pub fn open(audio: &AudioSection) -> Result<Capture, String> {
    if let Some(gain) = audio.capture_gain_db {
        // A gain that cannot be set is reported and capture goes on at the mixer's setting.
        match crate::alsa_devices::set_capture_gain(&audio.device, gain) {
            Ok(done) => log::info!("{done}"),
            Err(e) => log::error!("{e}; capturing at the mixer's current gain"),
        }
    }
    let host = cpal::default_host();
    let device = if audio.device == "default" {
        host.default_input_device()
            .ok_or("no default audio input device")?
    } else {
        let devices = host
            .input_devices()
            .map_err(|e| format!("cannot list audio input devices: {e}"))?;
        let mut names = Vec::new();
        let mut found = None;
        for d in devices {
            let name = d.to_string();
            let id = d.id().map(|i| i.id().to_string()).unwrap_or_default();
            if name == audio.device || id == audio.device {
                found = Some(d);
                break;
            }
            names.push(format!("{name} ({id})"));
        }
        found.ok_or_else(|| {
            format!(
                "audio device {:?} not found; input devices: {}",
                audio.device,
                names.join(", ")
            )
        })?
    };
    let device_name = device.to_string();
    // The supported configuration closest to the wanted rate, preferring f32 then i16.
    let mut best: Option<(u32, cpal::SupportedStreamConfig)> = None;
    let configs = device
        .supported_input_configs()
        .map_err(|e| format!("{device_name}: cannot query formats: {e}"))?;
    for range in configs {
        if !matches!(range.sample_format(), SampleFormat::F32 | SampleFormat::I16) {
            continue;
        }
        let rate = audio
            .sample_rate
            .clamp(range.min_sample_rate(), range.max_sample_rate());
        let score = rate.abs_diff(audio.sample_rate) * 4
            + u32::from(range.sample_format() != SampleFormat::F32)
            + range.channels() as u32 * 2;
        if best.as_ref().is_none_or(|(s, _)| score < *s) {
            best = Some((score, range.with_sample_rate(rate)));
        }
    }
    let (_, supported) =
        best.ok_or_else(|| format!("{device_name}: no f32 or i16 capture format"))?;
    let channels = supported.channels() as usize;
    let sample_rate = supported.sample_rate();
    let config = StreamConfig {
        channels: supported.channels(),
        sample_rate,
        buffer_size: BufferSize::Fixed(audio.period_frames),
    };
    let (producer, consumer) =
        RingBuffer::<f32>::new(((sample_rate as f32 * audio.ring_s) as usize).max(4096));
    let counters = Arc::new(CaptureCounters::default());
    let errors = counters.clone();
    let on_error = move |_e: cpal::Error| {
        errors.xruns.fetch_add(1, Ordering::Relaxed);
    };
    let stream = match supported.sample_format() {
        SampleFormat::F32 => {
            let mut cb = mono_into_ring::<f32>(producer, channels, counters.clone());
            device.build_input_stream(config, move |d: &[f32], _: &_| cb(d), on_error, None)
        }
        _ => {
            let mut cb = mono_into_ring::<i16>(producer, channels, counters.clone());
            device.build_input_stream(config, move |d: &[i16], _: &_| cb(d), on_error, None)
        }
    }
    .map_err(|e| format!("{device_name}: cannot open capture stream: {e}"))?;
    stream
        .play()
        .map_err(|e| format!("{device_name}: cannot start capture: {e}"))?;
    log::info!(
        "capturing from {device_name}: {sample_rate} Hz, {channels} channel(s), {} frames/period",
        audio.period_frames
    );
    Ok(Capture {
        _stream: stream,
        consumer,
        sample_rate,
        device_name,
        counters,
    })
}
