//! Writing raw artifacts as NeckenML JSON.

use serde_json::{json, Map, Value};

use super::*;
use crate::artifact::*;

/// Which of NeckenML's key layouts to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Layout {
    /// `rhythm_extractor.*` (`beats`, `beat_positions`, `beat_info`, `bars`, ...): what
    /// NeckenML 0.3.1 writes and what its `compute_derived_features` reads.
    #[default]
    Current,
    /// `madmom.*` (`beat_times`, `beat_info`, `bars`, ...): NeckenML's documentation and
    /// tests; 0.3.1 reads no rhythm from it.
    Legacy,
}

/// Writes artifacts in NeckenML's documented `madmom.*` layout (plus the `necken` object);
/// the same as [`export_json`] with [`Layout::Legacy`].
pub fn export_seed_json(a: &RawArtifacts) -> Value {
    export_json(a, Layout::Legacy)
}

/// Writes artifacts as NeckenML raw_artifacts JSON in `layout`, plus the `necken` object.
pub fn export_json(a: &RawArtifacts, layout: Layout) -> Value {
    let mut root = Map::new();
    root.insert("version".into(), json!("1.0.0"));
    let mut madmom = Map::new();
    if let Some(b) = &a.beats {
        let info: Vec<[f64; 2]> = b
            .times
            .iter()
            .zip(&b.numbers)
            .map(|(&t, &n)| [t, n as f64])
            .collect();
        match layout {
            Layout::Current => {
                madmom.insert("source".into(), json!("madmom_rnn_downbeat"));
                madmom.insert("beats".into(), json!(b.times));
                let positions: Vec<f64> = b.numbers.iter().map(|&n| n as f64).collect();
                madmom.insert("beat_positions".into(), json!(positions));
            }
            Layout::Legacy => {
                madmom.insert("beat_times".into(), json!(b.times));
            }
        }
        madmom.insert("beat_info".into(), json!(info));
        madmom.insert("bars".into(), json!(b.bar_times()));
    }
    if let Some(tc) = a.rhythm.ternary_confidence {
        madmom.insert("ternary_confidence".into(), json!(tc));
    }
    if let Some(bpm) = a.rhythm.tempo_bpm {
        madmom.insert("bpm".into(), json!(bpm));
    }
    if let Some(n) = a.rhythm.beats_per_bar {
        madmom.insert("beats_per_bar".into(), json!(n));
    }
    if let Some(act) = &a.activation {
        let rows: Vec<[f32; 2]> = act
            .beat
            .iter()
            .zip(&act.downbeat)
            .map(|(&b, &d)| [b, d])
            .collect();
        madmom.insert("activation_functions".into(), json!(rows));
        madmom.insert("fps".into(), json!(act.frame_rate_hz));
    }
    if !madmom.is_empty() {
        let key = match layout {
            Layout::Current => "rhythm_extractor",
            Layout::Legacy => "madmom",
        };
        root.insert(key.into(), Value::Object(madmom));
    }
    if let Some(e) = &a.embedding {
        let mut m = Map::new();
        m.insert("avg_embedding".into(), json!(e.mean));
        if let Some(s) = &e.segments {
            m.insert("raw_embeddings".into(), json!(s.values));
        }
        root.insert("musicnn".into(), Value::Object(m));
    }
    if let Some(v) = &a.vocal {
        let mut m = Map::new();
        m.insert("instrumental_score".into(), json!(v.instrumental));
        m.insert("vocal_score".into(), json!(v.vocal));
        if let Some(s) = &v.segments {
            m.insert("predictions".into(), json!(s.values));
        }
        root.insert("vocal".into(), Value::Object(m));
    }
    if let Some(s) = &a.audio_stats {
        root.insert(
            "audio_stats".into(),
            json!({
                "loudness_lufs": s.loudness_lufs,
                "rms": s.rms,
                "zcr": s.zcr,
                "onset_rate": s.onset_rate,
                "duration_seconds": s.duration_s,
            }),
        );
    }
    if let Some(o) = &a.onsets {
        root.insert("onsets".into(), json!({ "librosa_onset_times": o }));
    }
    if let Some(d) = &a.dynamics {
        let mut m = Map::new();
        let sums: Vec<f64> = d
            .beat_energy
            .iter()
            .map(|&e| e as f64 * NECKENML_BEAT_WINDOW_SAMPLES)
            .collect();
        m.insert("beat_activations".into(), json!(sums));
        if let Some(e) = &a.beats {
            m.insert("intervals".into(), json!(e.intervals()));
        }
        if let Some(env) = &d.envelope {
            m.insert("envelope".into(), json!(env.values));
            m.insert("envelope_sample_rate".into(), json!(1.0 / env.hop_s as f64));
        }
        root.insert("dynamics".into(), Value::Object(m));
    }
    if let Some(s) = &a.structure {
        root.insert(
            "structure".into(),
            json!({ "sections": s.starts, "section_labels": s.labels }),
        );
    }
    let p = &a.provenance;
    root.insert(
        "necken".into(),
        json!({
            "schema_version": SCHEMA_VERSION,
            "profile": a.profile.name(),
            "tempo_bpm": a.rhythm.tempo_bpm,
            "beats_per_bar": a.rhythm.beats_per_bar,
            "ternary_confidence": a.rhythm.ternary_confidence,
            "beat_count": a.rhythm.beat_count,
            "alternate_numbers": a.beats.as_ref().and_then(|b| b.alternate_numbers.clone()),
            "embedding_model": a.embedding.as_ref().map(|e| e.model.clone()),
            "embedding_segment_hop_s": a.embedding.as_ref().and_then(|e| e.segments.as_ref()).map(|s| s.hop_s),
            "vocal_segment_hop_s": a.vocal.as_ref().and_then(|v| v.segments.as_ref()).map(|s| s.hop_s),
            "envelope_hop_s": a.dynamics.as_ref().and_then(|d| d.envelope.as_ref()).map(|e| e.hop_s),
            "bar_pattern": a.bar_pattern.as_ref().map(|b| json!({"bars": b.bars, "bins": b.bins, "values": b.values})),
            "provenance": {
                "analyzer": p.analyzer,
                "models": p.models.iter().map(|m| json!({"id": m.id, "sha256_prefix": hex(&m.sha256_prefix)})).collect::<Vec<_>>(),
                "source_sample_rate_hz": p.source_sample_rate_hz,
                "analysis_sample_rate_hz": p.analysis_sample_rate_hz,
                "frame_rate_hz": p.frame_rate_hz,
                "analyzed_at": p.analyzed_at,
                "audio_fingerprint": hex(&p.audio_fingerprint),
            }
        }),
    );
    Value::Object(root)
}
