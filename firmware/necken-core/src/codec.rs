//! The compact on-disk record: a varint schema version followed by the postcard-encoded
//! payload of that version.
//!
//! Size decisions (see `docs/artifacts.md`): times are integer ticks coded as interval
//! residuals ([`crate::timecode`]); the mean embedding is f16 (derived features need relative
//! precision); per-segment vectors and activations are 8-bit, the envelope 6-bit, with a
//! per-vector scale (beat energies as 10-bit RMS amplitudes); beat numbers are stored only
//! where they break the bar cycle.

use serde::{Deserialize, Serialize};

use crate::artifact::*;
use crate::migrate;
use crate::quant::{HalfVec, I8Vec, PackedUVec, U8Vec};
use crate::timecode::CodedTimes;

/// Errors from decoding a record.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CodecError {
    /// The bytes are not a valid record.
    #[error("corrupt artifact record: {0}")]
    Invalid(&'static str),
    /// Postcard could not decode the payload.
    #[error("corrupt artifact record: {0}")]
    Postcard(String),
    /// The record was written by a newer necken.
    #[error("artifact record has schema version {found}, newer than the {supported} this necken reads; upgrade necken")]
    NewerVersion {
        /// Version in the record.
        found: u32,
        /// Newest version this build reads.
        supported: u32,
    },
    /// No migration path exists from the record's version.
    #[error("artifact record has schema version {0}, for which no migration exists")]
    NoMigration(u32),
}

impl From<postcard::Error> for CodecError {
    fn from(e: postcard::Error) -> Self {
        CodecError::Postcard(e.to_string())
    }
}

/// Encodes artifacts as a current-version record.
pub fn encode(artifacts: &RawArtifacts) -> Vec<u8> {
    let mut out = postcard::to_stdvec(&SCHEMA_VERSION).expect("a u32 always encodes");
    let wire = WireV1::from_artifacts(artifacts);
    out.extend(postcard::to_stdvec(&wire).expect("the wire types always encode"));
    out
}

/// Reads the schema version of a record without decoding the payload.
pub fn record_version(bytes: &[u8]) -> Result<u32, CodecError> {
    let (version, _) = postcard::take_from_bytes::<u32>(bytes)?;
    Ok(version)
}

/// Decodes a record of any known version, migrating older versions on the fly.
pub fn decode(bytes: &[u8]) -> Result<RawArtifacts, CodecError> {
    let (version, payload) = postcard::take_from_bytes::<u32>(bytes)?;
    if version > SCHEMA_VERSION {
        return Err(CodecError::NewerVersion {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    let payload = migrate::upgrade_payload(version, payload)?;
    decode_current_payload(&payload)
}

pub(crate) fn decode_current_payload(payload: &[u8]) -> Result<RawArtifacts, CodecError> {
    let (wire, rest) = postcard::take_from_bytes::<WireV1>(payload)?;
    if !rest.is_empty() {
        return Err(CodecError::Invalid("trailing bytes after the record"));
    }
    wire.into_artifacts()
}

/// Encodes a current-version payload (without the version prefix).
pub(crate) fn encode_current_payload(artifacts: &RawArtifacts) -> Vec<u8> {
    postcard::to_stdvec(&WireV1::from_artifacts(artifacts)).expect("the wire types always encode")
}

/// Code width of the beat amplitudes.
const BEAT_AMPLITUDE_BITS: u8 = 10;
/// Code width of the envelope.
const ENVELOPE_BITS: u8 = 6;

#[derive(Serialize, Deserialize)]
struct WireV1 {
    profile: u8,
    tempo_bpm: Option<f32>,
    beats_per_bar: Option<u8>,
    ternary_confidence: Option<f32>,
    beat_count: u32,
    beats: Option<WireBeats>,
    activation: Option<WireActivation>,
    embedding: Option<WireEmbedding>,
    vocal: Option<WireVocal>,
    audio_stats: Option<WireStats>,
    onsets: Option<WireTimes>,
    dynamics: Option<WireDynamics>,
    structure: Option<WireStructure>,
    provenance: WireProvenance,
}

#[derive(Serialize, Deserialize)]
struct WireTimes {
    count: u32,
    coded: CodedTimes,
}

impl WireTimes {
    fn encode(times: &[f64], period: u8) -> WireTimes {
        WireTimes {
            count: times.len() as u32,
            coded: CodedTimes::encode(times, period),
        }
    }

    fn decode(&self) -> Result<Vec<f64>, CodecError> {
        self.coded.decode(self.count as usize)
    }
}

#[derive(Serialize, Deserialize)]
struct WireBeats {
    times: WireTimes,
    /// Number of the first beat.
    first_number: u8,
    /// Bar length the numbering cycles through.
    cycle: u8,
    /// `(beats since the previous exception, number)` wherever the cycle is broken.
    exceptions: Vec<(u32, u8)>,
}

impl WireBeats {
    fn encode(beats: &BeatTrack, beats_per_bar: Option<u8>) -> WireBeats {
        let cycle = beats_per_bar
            .or_else(|| beats.numbers.iter().copied().max())
            .unwrap_or(1)
            .max(1);
        let period = cycle;
        let mut exceptions = Vec::new();
        let mut last_exception = 0usize;
        let mut expected = beats.numbers.first().copied().unwrap_or(1);
        for (i, &n) in beats.numbers.iter().enumerate() {
            if n != expected {
                exceptions.push(((i - last_exception) as u32, n));
                last_exception = i;
            }
            expected = next_in_cycle(n, cycle);
        }
        WireBeats {
            times: WireTimes::encode(&beats.times, period),
            first_number: beats.numbers.first().copied().unwrap_or(1),
            cycle,
            exceptions,
        }
    }

    fn decode(&self) -> Result<BeatTrack, CodecError> {
        let times = self.times.decode()?;
        let mut numbers = Vec::with_capacity(times.len());
        let mut exceptions = self.exceptions.iter().peekable();
        let mut next_exception_at = exceptions.next().map(|&(gap, n)| (gap as usize, n));
        let mut last_exception = 0usize;
        let mut expected = self.first_number;
        for i in 0..times.len() {
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
        Ok(BeatTrack { times, numbers })
    }
}

fn next_in_cycle(n: u8, cycle: u8) -> u8 {
    if n >= cycle {
        1
    } else {
        n + 1
    }
}

#[derive(Serialize, Deserialize)]
struct WireActivation {
    frame_rate_hz: f32,
    beat: U8Vec,
    downbeat: U8Vec,
}

#[derive(Serialize, Deserialize)]
struct WireEmbedding {
    model: String,
    mean: HalfVec,
    segments: Option<(f32, Vec<I8Vec>)>,
}

#[derive(Serialize, Deserialize)]
struct WireVocal {
    instrumental: f32,
    vocal: f32,
    segments: Option<(f32, U8Vec, U8Vec)>,
}

#[derive(Serialize, Deserialize)]
struct WireStats {
    loudness_lufs: Option<f32>,
    rms: f32,
    zcr: f32,
    onset_rate: f32,
    duration_s: f32,
}

#[derive(Serialize, Deserialize)]
struct WireDynamics {
    /// Square roots of the beat energies (RMS amplitudes), 10 bits with the vector's scale:
    /// downbeat dominance and punchiness are ratios of their means, and 8 bits moved those by
    /// more than 1e-3.
    beat_amplitude: PackedUVec,
    /// 6-bit codes: articulation (mean / max) stays within 1e-3, and the standard profile
    /// fits its size target.
    envelope: Option<(f32, PackedUVec)>,
}

#[derive(Serialize, Deserialize)]
struct WireStructure {
    starts: WireTimes,
    labels: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct WireProvenance {
    analyzer: String,
    models: Vec<(String, [u8; 8])>,
    source_sample_rate_hz: u32,
    analysis_sample_rate_hz: u32,
    frame_rate_hz: f32,
    analyzed_at: u64,
    audio_fingerprint: [u8; 8],
}

fn profile_code(p: Profile) -> u8 {
    match p {
        Profile::Minimal => 0,
        Profile::Standard => 1,
        Profile::Full => 2,
    }
}

fn profile_from_code(c: u8) -> Result<Profile, CodecError> {
    match c {
        0 => Ok(Profile::Minimal),
        1 => Ok(Profile::Standard),
        2 => Ok(Profile::Full),
        _ => Err(CodecError::Invalid("unknown profile code")),
    }
}

impl WireV1 {
    fn from_artifacts(a: &RawArtifacts) -> WireV1 {
        WireV1 {
            profile: profile_code(a.profile),
            tempo_bpm: a.rhythm.tempo_bpm,
            beats_per_bar: a.rhythm.beats_per_bar,
            ternary_confidence: a.rhythm.ternary_confidence,
            beat_count: a.rhythm.beat_count,
            beats: a
                .beats
                .as_ref()
                .map(|b| WireBeats::encode(b, a.rhythm.beats_per_bar)),
            activation: a.activation.as_ref().map(|act| WireActivation {
                frame_rate_hz: act.frame_rate_hz,
                beat: U8Vec::encode_unit(&act.beat),
                downbeat: U8Vec::encode_unit(&act.downbeat),
            }),
            embedding: a.embedding.as_ref().map(|e| WireEmbedding {
                model: e.model.clone(),
                mean: HalfVec::encode(&e.mean),
                segments: e
                    .segments
                    .as_ref()
                    .map(|s| (s.hop_s, s.values.iter().map(|v| I8Vec::encode(v)).collect())),
            }),
            vocal: a.vocal.as_ref().map(|v| WireVocal {
                instrumental: v.instrumental,
                vocal: v.vocal,
                segments: v.segments.as_ref().map(|s| {
                    let inst: Vec<f32> = s.values.iter().map(|p| p[0]).collect();
                    let voc: Vec<f32> = s.values.iter().map(|p| p[1]).collect();
                    (s.hop_s, U8Vec::encode_unit(&inst), U8Vec::encode_unit(&voc))
                }),
            }),
            audio_stats: a.audio_stats.as_ref().map(|s| WireStats {
                loudness_lufs: s.loudness_lufs,
                rms: s.rms,
                zcr: s.zcr,
                onset_rate: s.onset_rate,
                duration_s: s.duration_s,
            }),
            onsets: a.onsets.as_ref().map(|o| WireTimes {
                count: o.len() as u32,
                coded: CodedTimes::encode_best(o, &[0, 1, 2]),
            }),
            dynamics: a.dynamics.as_ref().map(|d| {
                let amp: Vec<f32> = d.beat_energy.iter().map(|e| e.max(0.0).sqrt()).collect();
                WireDynamics {
                    beat_amplitude: PackedUVec::encode(&amp, BEAT_AMPLITUDE_BITS),
                    envelope: d
                        .envelope
                        .as_ref()
                        .map(|e| (e.hop_s, PackedUVec::encode(&e.values, ENVELOPE_BITS))),
                }
            }),
            structure: a.structure.as_ref().map(|s| WireStructure {
                starts: WireTimes::encode(&s.starts, 0),
                labels: s.labels.clone(),
            }),
            provenance: WireProvenance {
                analyzer: a.provenance.analyzer.clone(),
                models: a
                    .provenance
                    .models
                    .iter()
                    .map(|m| (m.id.clone(), m.sha256_prefix))
                    .collect(),
                source_sample_rate_hz: a.provenance.source_sample_rate_hz,
                analysis_sample_rate_hz: a.provenance.analysis_sample_rate_hz,
                frame_rate_hz: a.provenance.frame_rate_hz,
                analyzed_at: a.provenance.analyzed_at,
                audio_fingerprint: a.provenance.audio_fingerprint,
            },
        }
    }

    fn into_artifacts(self) -> Result<RawArtifacts, CodecError> {
        let beats = self.beats.as_ref().map(WireBeats::decode).transpose()?;
        let activation = match self.activation {
            Some(act) => {
                let beat = act.beat.decode()?;
                let downbeat = act.downbeat.decode()?;
                if beat.len() != downbeat.len() {
                    return Err(CodecError::Invalid("activation columns differ in length"));
                }
                Some(ActivationFunction {
                    frame_rate_hz: act.frame_rate_hz,
                    beat,
                    downbeat,
                })
            }
            None => None,
        };
        let embedding = match self.embedding {
            Some(e) => Some(Embedding {
                model: e.model,
                mean: e.mean.decode()?,
                segments: match e.segments {
                    Some((hop_s, vs)) => Some(Series {
                        hop_s,
                        values: vs.iter().map(I8Vec::decode).collect::<Result<_, _>>()?,
                    }),
                    None => None,
                },
            }),
            None => None,
        };
        let vocal = match self.vocal {
            Some(v) => Some(VocalScores {
                instrumental: v.instrumental,
                vocal: v.vocal,
                segments: match v.segments {
                    Some((hop_s, inst, voc)) => {
                        let inst = inst.decode()?;
                        let voc = voc.decode()?;
                        if inst.len() != voc.len() {
                            return Err(CodecError::Invalid("vocal columns differ in length"));
                        }
                        Some(Series {
                            hop_s,
                            values: inst.into_iter().zip(voc).map(|(i, v)| [i, v]).collect(),
                        })
                    }
                    None => None,
                },
            }),
            None => None,
        };
        let dynamics = match self.dynamics {
            Some(d) => {
                let beat_energy: Vec<f32> =
                    d.beat_amplitude.decode()?.iter().map(|a| a * a).collect();
                let envelope = match d.envelope {
                    Some((hop_s, values)) => Some(Series {
                        hop_s,
                        values: values.decode()?,
                    }),
                    None => None,
                };
                Some(Dynamics {
                    beat_energy,
                    envelope,
                })
            }
            None => None,
        };
        let structure = match self.structure {
            Some(s) => {
                let starts = s.starts.decode()?;
                if starts.len() != s.labels.len() {
                    return Err(CodecError::Invalid(
                        "section starts and labels differ in count",
                    ));
                }
                Some(Structure {
                    starts,
                    labels: s.labels,
                })
            }
            None => None,
        };
        if let (Some(b), Some(d)) = (&beats, &dynamics) {
            if b.times.len() != d.beat_energy.len() {
                return Err(CodecError::Invalid(
                    "beat energies and beats differ in count",
                ));
            }
        }
        Ok(RawArtifacts {
            profile: profile_from_code(self.profile)?,
            rhythm: RhythmSummary {
                tempo_bpm: self.tempo_bpm,
                beats_per_bar: self.beats_per_bar,
                ternary_confidence: self.ternary_confidence,
                beat_count: self.beat_count,
            },
            beats,
            activation,
            embedding,
            vocal,
            audio_stats: self.audio_stats.map(|s| AudioStats {
                loudness_lufs: s.loudness_lufs,
                rms: s.rms,
                zcr: s.zcr,
                onset_rate: s.onset_rate,
                duration_s: s.duration_s,
            }),
            onsets: self.onsets.as_ref().map(WireTimes::decode).transpose()?,
            dynamics,
            structure,
            provenance: Provenance {
                analyzer: self.provenance.analyzer,
                models: self
                    .provenance
                    .models
                    .into_iter()
                    .map(|(id, sha256_prefix)| ModelRef { id, sha256_prefix })
                    .collect(),
                source_sample_rate_hz: self.provenance.source_sample_rate_hz,
                analysis_sample_rate_hz: self.provenance.analysis_sample_rate_hz,
                frame_rate_hz: self.provenance.frame_rate_hz,
                analyzed_at: self.provenance.analyzed_at,
                audio_fingerprint: self.provenance.audio_fingerprint,
            },
        })
    }
}

/// Sizes in bytes of the parts of an encoded record, for reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PartSizes {
    /// The whole record.
    pub total: usize,
    /// The activation function alone (0 when absent).
    pub activation: usize,
}

/// Measures the encoded size of a record and of its activation function.
pub fn part_sizes(a: &RawArtifacts) -> PartSizes {
    let total = encode(a).len();
    let activation = a
        .activation
        .as_ref()
        .map(|act| {
            postcard::to_stdvec(&WireActivation {
                frame_rate_hz: act.frame_rate_hz,
                beat: U8Vec::encode_unit(&act.beat),
                downbeat: U8Vec::encode_unit(&act.downbeat),
            })
            .map(|v| v.len())
            .unwrap_or(0)
        })
        .unwrap_or(0);
    PartSizes { total, activation }
}
