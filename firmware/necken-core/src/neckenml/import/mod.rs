//! Reading NeckenML JSON into raw artifacts.

use serde_json::Value;

mod parts;

use super::*;
use crate::artifact::*;
use parts::*;

/// Reads NeckenML raw_artifacts JSON (any of its layouts).
pub fn import_json(text: &str) -> Result<RawArtifacts, ImportError> {
    let root: Value = serde_json::from_str(text)?;
    if !root.is_object() {
        return Err(ImportError::Layout("the top level is not an object".into()));
    }
    let ext = get(&root, "necken");
    let (rhythm_key, rhythm) = match (get(&root, "rhythm_extractor"), get(&root, "madmom")) {
        (Some(r), _) => ("rhythm_extractor", Some(r)),
        (None, Some(m)) => ("madmom", Some(m)),
        (None, None) => ("", None),
    };
    let known = [
        "musicnn",
        "vocal",
        "audio_stats",
        "onsets",
        "dynamics",
        "structure",
    ];
    if rhythm.is_none() && !known.iter().any(|k| get(&root, k).is_some()) {
        return Err(ImportError::Layout(
            "none of rhythm_extractor, madmom, musicnn, vocal, audio_stats, onsets, dynamics, structure is present".into(),
        ));
    }

    let beats = match rhythm {
        Some(r) => read_beats(r, rhythm_key)?,
        None => None,
    };
    let beats = match beats {
        Some(b) => Some(with_alternate(b, ext)?),
        None => None,
    };
    let activation = read_activation(rhythm, rhythm_key)?;

    let embedding = read_embedding(&root, ext)?;

    let vocal = read_vocal(&root, ext)?;

    let audio_stats = read_audio_stats(&root)?;

    let onsets = read_onsets(&root)?;

    let dynamics = read_dynamics(&root, ext, &beats)?;

    let structure = read_structure(&root)?;

    let bar_pattern = read_bar_pattern(ext)?;

    let beats_per_bar = match ext.and_then(|e| e.get("beats_per_bar")) {
        Some(v) if ext.is_some() => v.as_u64().map(|n| n as u8),
        _ => match rhythm.and_then(|r| get(r, "beats_per_bar")) {
            Some(v) => Some(num(v, &format!("{rhythm_key}.beats_per_bar"))? as u8),
            None => beats.as_ref().and_then(|b| b.numbers.iter().copied().max()),
        },
    };
    let ternary_confidence = match ext {
        Some(e) => e
            .get("ternary_confidence")
            .and_then(Value::as_f64)
            .map(|x| x as f32),
        None => match rhythm.and_then(|r| get(r, "ternary_confidence")) {
            Some(v) => Some(num(v, &format!("{rhythm_key}.ternary_confidence"))? as f32),
            None => None,
        },
    };
    let tempo_bpm = match ext {
        Some(e) => e.get("tempo_bpm").and_then(Value::as_f64).map(|x| x as f32),
        None => match rhythm.and_then(|r| get(r, "bpm")) {
            Some(v) if beats.as_ref().is_some_and(|b| b.times.len() >= 2) => {
                Some(num(v, &format!("{rhythm_key}.bpm"))? as f32)
            }
            _ => None,
        },
    };
    let beat_count = match ext
        .and_then(|e| e.get("beat_count"))
        .and_then(Value::as_u64)
    {
        Some(n) => n as u32,
        None => beats.as_ref().map(|b| b.times.len() as u32).unwrap_or(0),
    };

    let profile = match ext.and_then(|e| get(e, "profile")).and_then(Value::as_str) {
        Some(p) => {
            Profile::from_name(p).ok_or_else(|| field("necken.profile", "unknown profile"))?
        }
        None if activation.is_some() => Profile::Full,
        None if beats.is_some() => Profile::Standard,
        None => Profile::Minimal,
    };
    let provenance = match ext.and_then(|e| get(e, "provenance")) {
        Some(p) => read_provenance(p)?,
        None => Provenance {
            analyzer: format!(
                "neckenml {}",
                root.get("version")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown")
            ),
            models: Vec::new(),
            source_sample_rate_hz: 0,
            analysis_sample_rate_hz: 0,
            frame_rate_hz: activation.as_ref().map(|a| a.frame_rate_hz).unwrap_or(0.0),
            analyzed_at: 0,
            audio_fingerprint: [0; 8],
        },
    };

    Ok(RawArtifacts {
        profile,
        rhythm: RhythmSummary {
            tempo_bpm,
            beats_per_bar,
            ternary_confidence,
            beat_count,
        },
        beats,
        activation,
        embedding,
        vocal,
        audio_stats,
        onsets,
        dynamics,
        structure,
        bar_pattern,
        provenance,
    })
}

fn ext_f32(ext: Option<&Value>, key: &str) -> Option<f32> {
    ext.and_then(|e| e.get(key))
        .and_then(Value::as_f64)
        .map(|x| x as f32)
}

fn read_beats(r: &Value, section: &str) -> Result<Option<BeatTrack>, ImportError> {
    // Newer layout: `beats` + `beat_positions`; older: `beat_times` + `beat_info`.
    let info_key = format!("{section}.beat_info");
    let info = get(r, "beat_info")
        .map(|v| pairs(v, &info_key))
        .transpose()?;
    let times = match get(r, "beats").or_else(|| get(r, "beat_times")) {
        Some(v) => Some(num_array(v, &format!("{section}.beats"))?),
        None => info
            .as_ref()
            .map(|rows| rows.iter().map(|r| r[0]).collect()),
    };
    let Some(times) = times else { return Ok(None) };
    ascending(&times, &format!("{section}.beats"))?;
    let numbers: Vec<f64> = match (get(r, "beat_positions"), &info) {
        (Some(v), _) => num_array(v, &format!("{section}.beat_positions"))?,
        (None, Some(rows)) => rows.iter().map(|r| r[1]).collect(),
        (None, None) => {
            return Err(field(
                &format!("{section}.beat_positions"),
                "beats without beat positions or beat_info",
            ))
        }
    };
    if numbers.len() != times.len() {
        return Err(field(
            &format!("{section}.beat_positions"),
            "count differs from the number of beats",
        ));
    }
    if numbers
        .iter()
        .any(|&n| !(1.0..=16.0).contains(&n) || n.fract() != 0.0)
    {
        return Err(field(
            &format!("{section}.beat_positions"),
            "positions must be whole numbers from 1 to 16",
        ));
    }
    Ok(Some(BeatTrack {
        times,
        numbers: numbers.iter().map(|&n| n as u8).collect(),
        alternate_numbers: None,
    }))
}

/// The other binary reading kept by necken's own export (`necken.alternate_numbers`).
fn with_alternate(mut beats: BeatTrack, ext: Option<&Value>) -> Result<BeatTrack, ImportError> {
    let key = "necken.alternate_numbers";
    let Some(v) = ext.and_then(|e| get(e, "alternate_numbers")) else {
        return Ok(beats);
    };
    let numbers = num_array(v, key)?;
    if numbers.len() != beats.times.len() {
        return Err(field(key, "one number per beat is needed"));
    }
    if numbers
        .iter()
        .any(|&n| !(1.0..=16.0).contains(&n) || n.fract() != 0.0)
    {
        return Err(field(key, "positions must be whole numbers from 1 to 16"));
    }
    beats.alternate_numbers = Some(numbers.iter().map(|&n| n as u8).collect());
    Ok(beats)
}

/// The mean bar kept by necken's own export (`necken.bar_pattern`).
fn read_bar_pattern(ext: Option<&Value>) -> Result<Option<BarPattern>, ImportError> {
    let key = "necken.bar_pattern";
    let Some(v) = ext.and_then(|e| get(e, "bar_pattern")) else {
        return Ok(None);
    };
    let whole = |name: &str, max: u64| {
        v.get(name)
            .and_then(Value::as_u64)
            .filter(|&n| n <= max)
            .ok_or_else(|| field(key, format!("`{name}` must be a whole number up to {max}")))
    };
    let bars = whole("bars", u32::MAX as u64)? as u32;
    let bins = whole("bins", u8::MAX as u64)? as u8;
    let values = num_array(
        v.get("values")
            .ok_or_else(|| field(key, "`values` missing"))?,
        key,
    )?;
    if bins == 0 || values.len() % bins as usize != 0 {
        return Err(field(key, "values must be whole bands of `bins` steps"));
    }
    if values.iter().any(|x| !x.is_finite() || *x < 0.0) {
        return Err(field(key, "values must be finite and not negative"));
    }
    Ok(Some(BarPattern {
        bars,
        bins,
        values: values.iter().map(|&x| x as f32).collect(),
    }))
}

fn read_provenance(p: &Value) -> Result<Provenance, ImportError> {
    let hex8 = |key: &str| -> Result<[u8; 8], ImportError> {
        let s = p
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("0000000000000000");
        parse_hex8(s).ok_or_else(|| {
            field(
                &format!("necken.provenance.{key}"),
                "expected 16 hex digits",
            )
        })
    };
    let models = match p.get("models").and_then(Value::as_array) {
        Some(ms) => ms
            .iter()
            .map(|m| {
                Ok(ModelRef {
                    id: m
                        .get("id")
                        .and_then(Value::as_str)
                        .ok_or_else(|| field("necken.provenance.models.id", "missing"))?
                        .to_string(),
                    sha256_prefix: parse_hex8(
                        m.get("sha256_prefix").and_then(Value::as_str).unwrap_or(""),
                    )
                    .ok_or_else(|| {
                        field(
                            "necken.provenance.models.sha256_prefix",
                            "expected 16 hex digits",
                        )
                    })?,
                })
            })
            .collect::<Result<_, ImportError>>()?,
        None => Vec::new(),
    };
    Ok(Provenance {
        analyzer: p
            .get("analyzer")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string(),
        models,
        source_sample_rate_hz: p
            .get("source_sample_rate_hz")
            .and_then(Value::as_u64)
            .unwrap_or(0) as u32,
        analysis_sample_rate_hz: p
            .get("analysis_sample_rate_hz")
            .and_then(Value::as_u64)
            .unwrap_or(0) as u32,
        frame_rate_hz: p
            .get("frame_rate_hz")
            .and_then(Value::as_f64)
            .unwrap_or(0.0) as f32,
        analyzed_at: p.get("analyzed_at").and_then(Value::as_u64).unwrap_or(0),
        audio_fingerprint: hex8("audio_fingerprint")?,
    })
}
