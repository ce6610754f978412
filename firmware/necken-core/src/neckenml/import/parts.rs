//! Readers of the NeckenML sections other than the beats and the rhythm summary.

use serde_json::Value;

use super::ext_f32;
use crate::artifact::*;
use crate::neckenml::*;

/// NeckenML's per-frame beat/downbeat activation (`<rhythm>.activation_functions`).
pub(super) fn read_activation(
    rhythm: Option<&Value>,
    rhythm_key: &str,
) -> Result<Option<ActivationFunction>, ImportError> {
    Ok(match rhythm.and_then(|r| get(r, "activation_functions")) {
        Some(v) => {
            let key = format!("{rhythm_key}.activation_functions");
            let rows = pairs(v, &key)?;
            let fps = match rhythm.and_then(|r| get(r, "fps")) {
                Some(f) => num(f, &format!("{rhythm_key}.fps"))? as f32,
                None => 100.0,
            };
            Some(ActivationFunction {
                frame_rate_hz: fps,
                beat: rows.iter().map(|r| r[0] as f32).collect(),
                downbeat: rows.iter().map(|r| r[1] as f32).collect(),
            })
        }
        None => None,
    })
}

/// The `musicnn` section: mean and per-patch embeddings.
pub(super) fn read_embedding(
    root: &Value,
    ext: Option<&Value>,
) -> Result<Option<Embedding>, ImportError> {
    Ok(match get(root, "musicnn") {
        Some(m) => {
            let mean = match get(m, "avg_embedding") {
                Some(v) => Some(num_array(v, "musicnn.avg_embedding")?),
                None => None,
            };
            let raw = match get(m, "raw_embeddings") {
                Some(v) => Some(
                    v.as_array()
                        .ok_or_else(|| field("musicnn.raw_embeddings", "expected an array"))?
                        .iter()
                        .map(|row| {
                            num_array(row, "musicnn.raw_embeddings")
                                .map(|r| r.iter().map(|&x| x as f32).collect::<Vec<f32>>())
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                ),
                None => None,
            };
            let model = ext
                .and_then(|e| get(e, "embedding_model"))
                .and_then(Value::as_str)
                .unwrap_or("msd-musicnn-1")
                .to_string();
            let hop = ext_f32(ext, "embedding_segment_hop_s").unwrap_or(NECKENML_PATCH_HOP_S);
            mean.map(|mean| Embedding {
                model,
                mean: mean.iter().map(|&x| x as f32).collect(),
                segments: raw.map(|values| Series { hop_s: hop, values }),
            })
        }
        None => None,
    })
}

/// The `vocal` section; NeckenML's "voice model missing" fallback is no vocal data.
pub(super) fn read_vocal(
    root: &Value,
    ext: Option<&Value>,
) -> Result<Option<VocalScores>, ImportError> {
    Ok(match get(root, "vocal") {
        Some(v) => {
            let inst = opt_num(v, "vocal", "instrumental_score")?;
            let voc = opt_num(v, "vocal", "vocal_score")?;
            let preds = match get(v, "predictions") {
                Some(p) => Some(pairs(p, "vocal.predictions")?),
                None => None,
            };
            let inverted_fallback = preds.is_none() && inst == Some(0.0) && voc == Some(1.0);
            match (inst, voc) {
                (Some(i), Some(s)) if !inverted_fallback => Some(VocalScores {
                    instrumental: i as f32,
                    vocal: s as f32,
                    segments: preds.map(|rows| Series {
                        hop_s: ext_f32(ext, "vocal_segment_hop_s").unwrap_or(NECKENML_PATCH_HOP_S),
                        values: rows.iter().map(|r| [r[0] as f32, r[1] as f32]).collect(),
                    }),
                }),
                _ => None,
            }
        }
        None => None,
    })
}

/// The `audio_stats` section.
pub(super) fn read_audio_stats(root: &Value) -> Result<Option<AudioStats>, ImportError> {
    Ok(match get(root, "audio_stats") {
        Some(s) => {
            let need = |k: &str| -> Result<f32, ImportError> {
                opt_num(s, "audio_stats", k)?
                    .map(|x| x as f32)
                    .ok_or_else(|| field(&format!("audio_stats.{k}"), "missing"))
            };
            Some(AudioStats {
                loudness_lufs: opt_num(s, "audio_stats", "loudness_lufs")?.map(|x| x as f32),
                rms: need("rms")?,
                zcr: need("zcr")?,
                onset_rate: need("onset_rate")?,
                duration_s: need("duration_seconds")?,
            })
        }
        None => None,
    })
}

/// `onsets.librosa_onset_times`.
pub(super) fn read_onsets(root: &Value) -> Result<Option<Vec<f64>>, ImportError> {
    Ok(
        match get(root, "onsets").and_then(|o| get(o, "librosa_onset_times")) {
            Some(v) => {
                let t = num_array(v, "onsets.librosa_onset_times")?;
                ascending(&t, "onsets.librosa_onset_times")?;
                Some(t)
            }
            None => None,
        },
    )
}

/// The `dynamics` section: beat energies (one per beat) and the envelope.
pub(super) fn read_dynamics(
    root: &Value,
    ext: Option<&Value>,
    beats: &Option<BeatTrack>,
) -> Result<Option<Dynamics>, ImportError> {
    Ok(match get(root, "dynamics") {
        Some(d) => {
            let beat_energy = match get(d, "beat_activations") {
                Some(v) => num_array(v, "dynamics.beat_activations")?
                    .iter()
                    .map(|e| (e / NECKENML_BEAT_WINDOW_SAMPLES) as f32)
                    .collect(),
                None => Vec::new(),
            };
            let envelope = match get(d, "envelope") {
                Some(v) => {
                    let values = num_array(v, "dynamics.envelope")?;
                    let hop_s = match ext_f32(ext, "envelope_hop_s") {
                        Some(h) => h,
                        None => {
                            let rate = opt_num(d, "dynamics", "envelope_sample_rate")?
                                .unwrap_or(NECKENML_ENVELOPE_RATE_HZ);
                            if rate <= 0.0 {
                                return Err(field("dynamics.envelope_sample_rate", "not positive"));
                            }
                            (1.0 / rate) as f32
                        }
                    };
                    Some(Series {
                        hop_s,
                        values: values.iter().map(|&x| x as f32).collect(),
                    })
                }
                None => None,
            };
            let consistent = beats
                .as_ref()
                .is_some_and(|b: &BeatTrack| b.times.len() == beat_energy.len());
            if !consistent && !beat_energy.is_empty() {
                return Err(field(
                    "dynamics.beat_activations",
                    "count differs from the number of beats",
                ));
            }
            // Without beats, beat energies mean nothing; without either part nothing is kept.
            (consistent || envelope.is_some()).then(|| Dynamics {
                beat_energy: if consistent { beat_energy } else { Vec::new() },
                envelope,
            })
        }
        None => None,
    })
}

/// The `structure` section: section starts and labels.
pub(super) fn read_structure(root: &Value) -> Result<Option<Structure>, ImportError> {
    Ok(match get(root, "structure") {
        Some(s) => match (get(s, "sections"), get(s, "section_labels")) {
            (Some(starts), labels) => {
                let starts = num_array(starts, "structure.sections")?;
                ascending(&starts, "structure.sections")?;
                let labels: Vec<String> = match labels {
                    Some(l) => l
                        .as_array()
                        .ok_or_else(|| field("structure.section_labels", "expected an array"))?
                        .iter()
                        .map(|x| {
                            x.as_str().map(str::to_string).ok_or_else(|| {
                                field("structure.section_labels", "expected strings")
                            })
                        })
                        .collect::<Result<_, _>>()?,
                    None => return Err(field("structure.section_labels", "missing")),
                };
                if labels.len() != starts.len() {
                    return Err(field(
                        "structure.section_labels",
                        "count differs from structure.sections",
                    ));
                }
                Some(Structure { starts, labels })
            }
            _ => None,
        },
        None => None,
    })
}
