//! JSON shapes printed by the commands (a public contract for scripts).

use necken_core::classify::Classification;
use necken_core::features::DerivedFeatures;
use necken_store::TrackMeta;
use serde_json::{json, Map, Value};

/// One `reanalyze --json` line: the track, every derived feature and the style decision.
pub fn track_json(meta: &TrackMeta, f: &DerivedFeatures, c: &Classification) -> Value {
    let mut m = Map::new();
    m.insert("track_id".into(), json!(meta.id.to_string()));
    m.insert("source_path".into(), json!(meta.source_path));
    m.insert("title".into(), json!(meta.tags.title));
    m.insert("profile".into(), json!(meta.profile.name()));
    if let Value::Object(features) = serde_json::to_value(f).expect("features serialize") {
        m.extend(features);
    }
    m.insert(
        "avg_beat_ratios".into(),
        json!(f.beat_shares.as_ref().filter(|s| s.len() == 3)),
    );
    m.insert("style".into(), json!(c.style.name()));
    m.insert("sub_style".into(), json!(c.sub_style));
    m.insert("confidence".into(), json!(c.confidence));
    m.insert("style_source".into(), json!(c.source));
    m.insert(
        "keyword".into(),
        json!(c.keyword.as_ref().map(|k| k.keyword)),
    );
    m.insert(
        "ml_suggested_style".into(),
        json!(c.ml_suggested_style.map(|s| s.name())),
    );
    m.insert("ml_confidence".into(), json!(c.ml_confidence));
    let probs: Map<String, Value> = c
        .probabilities
        .iter()
        .map(|(s, p)| (s.name().to_string(), json!(p)))
        .collect();
    m.insert("style_probabilities".into(), Value::Object(probs));
    Value::Object(m)
}
