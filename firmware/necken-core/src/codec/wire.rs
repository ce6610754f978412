//! The payload layouts of schemas 1 to 3: one generic record whose mean-embedding code,
//! alternate beat numbering and mean bar are type parameters, so that older schemas stay
//! readable (a part they lack is `()`, which postcard writes as nothing) without a second
//! copy of the layout.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::CodecError;
use crate::artifact::*;
use crate::quant::{AffineU8Vec, HalfVec, I8Vec, PackedUVec, U8Vec};
use crate::timecode::CodedTimes;

use super::beats::{AlternateCode, WireBeats, WireNumbers};
use super::pattern::{PatternCode, WirePattern};

/// How a layout stores the mean embedding.
pub(super) trait MeanCode: Serialize + DeserializeOwned {
    fn encode(values: &[f32]) -> Self;
    fn decode(&self) -> Result<Vec<f32>, CodecError>;
}

impl MeanCode for HalfVec {
    fn encode(values: &[f32]) -> Self {
        HalfVec::encode(values)
    }
    fn decode(&self) -> Result<Vec<f32>, CodecError> {
        HalfVec::decode(self)
    }
}

impl MeanCode for AffineU8Vec {
    fn encode(values: &[f32]) -> Self {
        AffineU8Vec::encode(values)
    }
    fn decode(&self) -> Result<Vec<f32>, CodecError> {
        AffineU8Vec::decode(self)
    }
}

/// Schema 1: f16 mean embedding, no alternate reading.
pub(super) type WireV1 = Wire<HalfVec, (), ()>;
/// Schema 2: 8-bit mean embedding, the other binary reading's numbers.
pub(super) type WireV2 = Wire<AffineU8Vec, Option<WireNumbers>, ()>;
/// Schema 3: schema 2 and the mean bar.
pub(super) type WireV3 = Wire<AffineU8Vec, Option<WireNumbers>, Option<WirePattern>>;

/// Code width of the beat amplitudes (schema 2 records written before 2026-12-02 have 10;
/// the width is in the record): with the rounding diffused over the beats of each bar
/// position, 6 bits keep downbeat dominance (either reading) and punchiness within 3e-4 on
/// every dev clip, closer than plain 10-bit rounding did (`tests/examples/energy_codes.rs`).
const BEAT_AMPLITUDE_BITS: u8 = 6;
/// Code width of the envelope.
const ENVELOPE_BITS: u8 = 6;

#[derive(Serialize, Deserialize)]
#[serde(bound = "M: MeanCode, A: AlternateCode, P: PatternCode")]
pub(super) struct Wire<M, A, P> {
    profile: u8,
    tempo_bpm: Option<f32>,
    beats_per_bar: Option<u8>,
    ternary_confidence: Option<f32>,
    beat_count: u32,
    beats: Option<WireBeats<A>>,
    activation: Option<WireActivation>,
    embedding: Option<WireEmbedding<M>>,
    vocal: Option<WireVocal>,
    audio_stats: Option<WireStats>,
    onsets: Option<WireTimes>,
    dynamics: Option<WireDynamics>,
    structure: Option<WireStructure>,
    provenance: WireProvenance,
    bar_pattern: P,
}

#[derive(Serialize, Deserialize)]
pub(super) struct WireTimes {
    count: u32,
    coded: CodedTimes,
}

impl WireTimes {
    pub(super) fn encode(times: &[f64], period: u8) -> WireTimes {
        WireTimes {
            count: times.len() as u32,
            coded: CodedTimes::encode(times, period),
        }
    }

    pub(super) fn decode(&self) -> Result<Vec<f64>, CodecError> {
        self.coded.decode(self.count as usize)
    }
}

#[derive(Serialize, Deserialize)]
pub(super) struct WireActivation {
    pub(super) frame_rate_hz: f32,
    pub(super) beat: U8Vec,
    pub(super) downbeat: U8Vec,
}

#[derive(Serialize, Deserialize)]
#[serde(bound = "M: MeanCode")]
struct WireEmbedding<M> {
    model: String,
    mean: M,
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
    /// Square roots of the beat energies (RMS amplitudes) with the vector's scale, rounded so
    /// that each bar position's sums survive ([`PackedUVec::encode_square_roots`]): downbeat
    /// dominance and punchiness are ratios of such sums.
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

impl<M: MeanCode, A: AlternateCode, P: PatternCode> Wire<M, A, P> {
    /// Decodes a whole payload of this layout; `trailing` is the error when bytes are left.
    pub(super) fn decode_payload(
        payload: &[u8],
        trailing: &'static str,
    ) -> Result<RawArtifacts, CodecError> {
        let (wire, rest) = postcard::take_from_bytes::<Self>(payload)?;
        if !rest.is_empty() {
            return Err(CodecError::Invalid(trailing));
        }
        wire.into_artifacts()
    }

    /// Encodes a payload of this layout.
    pub(super) fn encode_payload(artifacts: &RawArtifacts) -> Vec<u8> {
        postcard::to_stdvec(&Self::from_artifacts(artifacts)).expect("the wire types always encode")
    }

    pub(super) fn from_artifacts(a: &RawArtifacts) -> Self {
        Wire {
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
                mean: M::encode(&e.mean),
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
            dynamics: a.dynamics.as_ref().map(|d| WireDynamics {
                beat_amplitude: PackedUVec::encode_square_roots(
                    &d.beat_energy,
                    &beat_energy_classes(a.beats.as_ref(), d.beat_energy.len()),
                    BEAT_AMPLITUDE_BITS,
                ),
                envelope: d
                    .envelope
                    .as_ref()
                    .map(|e| (e.hop_s, PackedUVec::encode(&e.values, ENVELOPE_BITS))),
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
            bar_pattern: P::encode(a.bar_pattern.as_ref()),
        }
    }

    pub(super) fn into_artifacts(self) -> Result<RawArtifacts, CodecError> {
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
            bar_pattern: self.bar_pattern.decode()?,
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

/// The class of each beat for the beat-energy code: its number in the tracker's reading and in
/// the other binary reading, so that the energies of the downbeats of either reading keep
/// their sum (beats beyond the beat track, which a valid record does not have, share class 0).
pub fn beat_energy_classes(beats: Option<&BeatTrack>, count: usize) -> Vec<u8> {
    let mut classes = vec![0u8; count];
    if let Some(b) = beats {
        for (i, class) in classes.iter_mut().enumerate() {
            let number = b.numbers.get(i).copied().unwrap_or(0).min(15);
            let other = b
                .alternate_numbers
                .as_ref()
                .and_then(|alt| alt.get(i).copied())
                .unwrap_or(0)
                .min(15);
            *class = (number << 4) | other;
        }
    }
    classes
}
