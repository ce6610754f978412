//! Streaming decode with symphonia: packets are decoded one at a time and handed to a sink as
//! interleaved f32; nothing accumulates here.

use std::fs::File;
use std::path::Path;

use necken_core::classify::Tags;
use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{DecoderOptions, CODEC_TYPE_NULL};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::{MetadataOptions, MetadataRevision, StandardTagKey};
use symphonia::core::probe::Hint;

use crate::AnalysisError;

/// Receives decoded audio.
pub trait AudioSink {
    /// Called once before the first samples with the stream's format.
    fn start(&mut self, sample_rate: u32, channels: usize) -> Result<(), String>;
    /// Interleaved samples, full scale ±1, always finite.
    fn samples(&mut self, interleaved: &[f32]);
    /// False when the sink wants no more audio (the daemon is stopping): decoding ends early
    /// and [`DecodeInfo::interrupted`] says so.
    fn wants_more(&self) -> bool {
        true
    }
}

/// What the decode found.
#[derive(Clone, Debug, Default)]
pub struct DecodeInfo {
    /// Source sample rate, Hz.
    pub sample_rate: u32,
    /// Channel count.
    pub channels: usize,
    /// Frames (samples per channel) decoded.
    pub frames: u64,
    /// Packets that failed to decode and were skipped (e.g. a truncated MP3 frame).
    pub bad_packets: usize,
    /// Samples that were NaN or infinite and were replaced by silence.
    pub non_finite_samples: u64,
    /// Title/artist/album tags.
    pub tags: Tags,
    /// Codec name.
    pub codec: String,
    /// The sink stopped the decoding before the end of the file.
    pub interrupted: bool,
}

/// Decodes `path` into `sink`.
pub fn decode_file(path: &Path, sink: &mut dyn AudioSink) -> Result<DecodeInfo, AnalysisError> {
    let err = |p: String| AnalysisError::new(path, p);
    let file = File::open(path).map_err(|e| err(format!("cannot open: {e}")))?;
    if file.metadata().map(|m| m.len()).unwrap_or(0) == 0 {
        return Err(err("the file is empty".into()));
    }
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let mut probed = symphonia::default::get_probe()
        .format(
            &hint,
            mss,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .map_err(|e| err(format!("not a recognised audio file ({e})")))?;
    let mut info = DecodeInfo::default();
    if let Some(rev) = probed.metadata.get().as_ref().and_then(|m| m.current()) {
        read_tags(rev, &mut info.tags);
    }
    let mut format = probed.format;
    if let Some(rev) = format.metadata().current() {
        read_tags(rev, &mut info.tags);
    }
    let track = format
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
        .ok_or_else(|| err("no audio track".into()))?;
    let track_id = track.id;
    info.codec = symphonia::default::get_codecs()
        .get_codec(track.codec_params.codec)
        .map(|d| d.short_name.to_string())
        .unwrap_or_else(|| "unknown".into());
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| err(format!("unsupported codec ({e})")))?;
    let mut buffer: Option<SampleBuffer<f32>> = None;
    let mut good_packets = 0usize;
    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break
            }
            Err(SymphoniaError::ResetRequired) => break,
            Err(e) => {
                if good_packets > 0 {
                    // A damaged tail: keep what decoded, say so.
                    log::warn!(
                        "{}: stopped reading at a damaged packet: {e}",
                        path.display()
                    );
                    info.bad_packets += 1;
                    break;
                }
                return Err(err(format!("cannot read audio packets ({e})")));
            }
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(d) => d,
            Err(SymphoniaError::DecodeError(e)) => {
                info.bad_packets += 1;
                log::debug!("{}: skipped a bad packet: {e}", path.display());
                continue;
            }
            Err(SymphoniaError::IoError(_)) => {
                info.bad_packets += 1;
                continue;
            }
            Err(e) => return Err(err(format!("decoding failed ({e})"))),
        };
        let spec = *decoded.spec();
        let channels = spec.channels.count();
        if info.sample_rate == 0 {
            if spec.rate == 0 || channels == 0 {
                return Err(err("the stream has no sample rate or no channels".into()));
            }
            info.sample_rate = spec.rate;
            info.channels = channels;
            sink.start(spec.rate, channels).map_err(err)?;
        } else if spec.rate != info.sample_rate || channels != info.channels {
            return Err(err(format!(
                "the stream changes format mid-file ({} Hz × {} → {} Hz × {})",
                info.sample_rate, info.channels, spec.rate, channels
            )));
        }
        let frames = decoded.frames();
        if frames == 0 {
            continue;
        }
        let buf = match &mut buffer {
            Some(b) if b.capacity() >= frames * channels => b,
            _ => buffer.insert(SampleBuffer::new(decoded.capacity() as u64, spec)),
        };
        buf.copy_interleaved_ref(decoded);
        info.non_finite_samples += crate::sanitize::sanitize_samples(buf.samples_mut());
        sink.samples(buf.samples());
        if !sink.wants_more() {
            info.interrupted = true;
            break;
        }
        info.frames += frames as u64;
        good_packets += 1;
    }
    if info.non_finite_samples > 0 {
        log::warn!(
            "{}: {} sample(s) were NaN or infinite and were replaced by silence",
            path.display(),
            info.non_finite_samples
        );
    }
    if info.frames == 0 {
        return Err(err(if info.bad_packets > 0 {
            format!(
                "no audio could be decoded ({} bad packets)",
                info.bad_packets
            )
        } else {
            "the file holds no audio samples".into()
        }));
    }
    Ok(info)
}

fn read_tags(rev: &MetadataRevision, tags: &mut Tags) {
    for tag in rev.tags() {
        let value = tag.value.to_string();
        if value.trim().is_empty() {
            continue;
        }
        match tag.std_key {
            Some(StandardTagKey::TrackTitle) => tags.title = Some(value),
            Some(StandardTagKey::Artist) => tags.artist = Some(value),
            Some(StandardTagKey::Album) => tags.album = Some(value),
            _ => {}
        }
    }
}
