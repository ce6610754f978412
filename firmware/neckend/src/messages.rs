//! MQTT topics and payloads: the public contract documented in `docs/mqtt.md`. Fields are
//! only ever added, never renamed or removed.

use serde::{Deserialize, Serialize};

use crate::engine::{BeatInfo, Segment, StyleInfo};

/// Topic suffixes under the device prefix.
pub mod topic {
    /// `online` / `offline`, retained; `offline` is also the Last Will.
    pub const STATUS: &str = "status";
    /// [`super::StylePayload`], retained, QoS 1, queued while offline.
    pub const STYLE: &str = "style";
    /// [`super::BeatPayload`], QoS 0, never queued.
    pub const BEAT: &str = "beat";
    /// [`super::TrackPayload`], QoS 1, queued while offline.
    pub const TRACK: &str = "track";
    /// [`super::DeviceInfo`], retained, QoS 0, re-sent on connect and after each stored track.
    pub const INFO: &str = necken_store::sync::topic::INFO;
}

/// `<prefix>info`: what `necken devices` shows of a device.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// The device id.
    pub device_id: String,
    /// neckend's version.
    pub version: String,
    /// The style head in use (its id), `null` = tags only.
    pub head: Option<String>,
    /// The networks in use.
    pub models: Vec<String>,
    /// Tracks in the store.
    pub tracks: u64,
    /// The store's latest sequence number.
    pub seq: u64,
    /// Everything through this sequence number has been pulled by a host.
    pub pulled_through: u64,
    /// Unix time (ms) when the message was made.
    pub ts: u64,
}

/// One style and its probability.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StyleProbability {
    /// Style name (`polska`, `hambo`, ...).
    pub style: String,
    /// Probability, 0..=1.
    pub p: f32,
}

/// `<prefix>style`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StylePayload {
    /// Current dance style, or `null` when no music plays.
    pub style: Option<String>,
    /// Probability of that style in the latest window, 0..=1 (0 without a style).
    pub confidence: f32,
    /// Tempo of the latest window, beats/min.
    pub tempo_bpm: Option<f64>,
    /// Meter of the latest window, e.g. `3/4`.
    pub meter: Option<String>,
    /// True while music plays.
    pub music: bool,
    /// Unix time (s) since which this style has been published.
    pub since: u64,
    /// Up to three most probable styles of the latest window.
    pub top: Vec<StyleProbability>,
    /// Seconds since the source (capture or file) began at the end of the window this was
    /// decided on (the beat messages' clock).
    #[serde(default)]
    pub time: f64,
    /// The style head that decided (its id; `null` = tags only).
    #[serde(default)]
    pub head: Option<String>,
    /// Unix time (ms) when the message was made.
    pub ts: u64,
}

impl StylePayload {
    /// The payload for an engine style update.
    pub fn from_info(s: &StyleInfo, ts: u64) -> StylePayload {
        StylePayload {
            style: s.style.map(|s| s.name().to_string()),
            confidence: s.confidence,
            tempo_bpm: s.tempo_bpm.map(round1),
            meter: s.meter.clone(),
            music: s.style.is_some(),
            since: s.since,
            top: s
                .top
                .iter()
                .map(|(st, p)| StyleProbability {
                    style: st.name().to_string(),
                    p: *p,
                })
                .collect(),
            time: (s.time_s * 100.0).round() / 100.0,
            head: s.head.clone(),
            ts,
        }
    }
}

/// `<prefix>beat`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BeatPayload {
    /// Time of the beat in seconds since the source (capture or file) began.
    pub time: f64,
    /// Position in the bar, 1 = downbeat.
    pub beat: u8,
    /// Beats per bar.
    pub beats_per_bar: u8,
    /// Bar count since the piece began (first bar = 1).
    pub bar: u32,
    /// Tempo, beats/min.
    pub tempo_bpm: f32,
    /// How long after the beat sounded the message was made, ms (live and `--realtime`
    /// only; `null` when files are read as fast as possible).
    pub lag_ms: Option<f64>,
    /// Unix time (ms) when the message was made.
    pub ts: u64,
}

impl BeatPayload {
    /// The payload for an engine beat.
    pub fn from_info(b: &BeatInfo, lag_ms: Option<f64>, ts: u64) -> BeatPayload {
        BeatPayload {
            time: (b.time_s * 1000.0).round() / 1000.0,
            beat: b.number,
            beats_per_bar: b.beats_per_bar,
            bar: b.bar,
            tempo_bpm: (b.tempo_bpm * 10.0).round() / 10.0,
            lag_ms: lag_ms.map(round1),
            ts,
        }
    }
}

/// `<prefix>track`: one stored segment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrackPayload {
    /// Track id in the store (32 hex digits).
    pub id: String,
    /// Source file, or `live:<device>#<n>`.
    pub source: String,
    /// Seconds since the source began at which the segment began.
    pub start_s: f64,
    /// Duration, s.
    pub duration_s: f32,
    /// Style decided for the whole segment.
    pub style: String,
    /// Its confidence, 0..=1.
    pub confidence: f32,
    /// What decided: `metadata`, `model` or `none`.
    pub decided_by: String,
    /// Tempo, beats/min.
    pub tempo_bpm: Option<f32>,
    /// Beats per bar, as the decided dance is notated.
    pub beats_per_bar: Option<u8>,
    /// Beats found.
    pub beats: u32,
    /// Probability that the track has a singing voice; `None` without the embedding network.
    pub vocal: Option<f32>,
    /// Models that made the artifacts (e.g. `beat-tcn-v1`); empty = DSP only.
    pub models: Vec<String>,
    /// The style head that classified the track (`null` = tags only).
    #[serde(default)]
    pub head: Option<String>,
    /// Unix time (ms) when the message was made.
    pub ts: u64,
}

impl TrackPayload {
    /// The payload for a closed segment.
    pub fn from_segment(s: &Segment, ts: u64) -> TrackPayload {
        let a = &s.artifacts;
        let c = &s.classification;
        TrackPayload {
            id: s.id.to_string(),
            source: s.name.clone(),
            start_s: (s.start_s * 1000.0).round() / 1000.0,
            duration_s: a.audio_stats.as_ref().map_or(0.0, |x| x.duration_s),
            style: c.style.name().to_string(),
            confidence: c.confidence,
            decided_by: serde_json::to_value(c.source)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            tempo_bpm: a.rhythm.tempo_bpm.map(|t| (t * 10.0).round() / 10.0),
            beats_per_bar: s.beats_per_bar,
            beats: a.rhythm.beat_count,
            vocal: a
                .vocal
                .as_ref()
                .map(|v| (v.vocal * 1000.0).round() / 1000.0),
            models: a.provenance.models.iter().map(|m| m.id.clone()).collect(),
            head: s.head.clone(),
            ts,
        }
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The Home Assistant discovery messages: (topic, JSON payload), one per entity. Entity ids
/// are proposed with `default_entity_id` (`<domain>.necken_<device>_<key>`), which replaced
/// `object_id` in Home Assistant 2025.10 (Core 2026.4 ignores `object_id`).
pub fn discovery(
    discovery_prefix: &str,
    device_id: &str,
    prefix: &str,
) -> Vec<(String, serde_json::Value)> {
    let device = serde_json::json!({
        "identifiers": [format!("necken_{device_id}")],
        "name": format!("necken {device_id}"),
        "manufacturer": "necken",
        "model": "neckend",
        "sw_version": env!("CARGO_PKG_VERSION"),
    });
    let entity = |domain: &str, name: &str, key: &str, state: &str| {
        let slug = format!("necken_{device_id}_{key}");
        serde_json::json!({
            "name": name,
            "unique_id": slug,
            "default_entity_id": format!("{domain}.{slug}"),
            "state_topic": format!("{prefix}{state}"),
            "availability_topic": format!("{prefix}{}", topic::STATUS),
            "payload_available": "online",
            "payload_not_available": "offline",
            "device": device,
        })
    };
    let mut style = entity("sensor", "Dance style", "style", topic::STYLE);
    style["value_template"] = "{{ value_json.style if value_json.style else 'none' }}".into();
    style["json_attributes_topic"] = format!("{prefix}{}", topic::STYLE).into();
    style["icon"] = "mdi:dance-ballroom".into();
    let mut tempo = entity("sensor", "Tempo", "tempo", topic::STYLE);
    tempo["value_template"] =
        "{{ value_json.tempo_bpm | round(1) if value_json.tempo_bpm is not none else None }}"
            .into();
    tempo["unit_of_measurement"] = "BPM".into();
    tempo["state_class"] = "measurement".into();
    tempo["icon"] = "mdi:metronome".into();
    let mut confidence = entity("sensor", "Style confidence", "confidence", topic::STYLE);
    confidence["value_template"] = "{{ (value_json.confidence * 100) | round(0) }}".into();
    confidence["unit_of_measurement"] = "%".into();
    confidence["state_class"] = "measurement".into();
    let mut music = entity("binary_sensor", "Music playing", "music", topic::STYLE);
    music["value_template"] = "{{ 'ON' if value_json.music else 'OFF' }}".into();
    music["device_class"] = "sound".into();
    // An event entity fires on every beat message: `downbeat` on the bar's first beat, `beat`
    // on the others, with the bar position and tempo as attributes, for light shows.
    let mut beat = entity("event", "Beat", "beat", topic::BEAT);
    beat["event_types"] = serde_json::json!(["beat", "downbeat"]);
    beat["value_template"] = concat!(
        "{{ {'event_type': 'downbeat' if value_json.beat == 1 else 'beat', ",
        "'beat': value_json.beat, 'beats_per_bar': value_json.beats_per_bar, ",
        "'bar': value_json.bar, 'tempo_bpm': value_json.tempo_bpm} | to_json }}"
    )
    .into();
    beat["icon"] = "mdi:metronome-tick".into();
    let at = |component: &str, key: &str| {
        format!("{discovery_prefix}/{component}/{device_id}/{key}/config")
    };
    vec![
        (at("sensor", "style"), style),
        (at("sensor", "tempo"), tempo),
        (at("sensor", "confidence"), confidence),
        (at("binary_sensor", "music"), music),
        (at("event", "beat"), beat),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys Home Assistant's MQTT discovery schema accepts for these platforms (2026.x):
    /// anything else is rejected or ignored, and `object_id` is no longer honoured.
    const COMMON: &[&str] = &[
        "name",
        "unique_id",
        "default_entity_id",
        "state_topic",
        "availability_topic",
        "payload_available",
        "payload_not_available",
        "device",
        "value_template",
        "icon",
        "json_attributes_topic",
    ];

    #[test]
    fn discovery_uses_default_entity_id_and_only_schema_keys() {
        let d = discovery("homeassistant", "hall", "necken/hall/");
        assert_eq!(d.len(), 5);
        for (topic, payload) in &d {
            let component = topic.split('/').nth(1).unwrap();
            let obj = payload.as_object().unwrap();
            assert!(!obj.contains_key("object_id"), "{topic}");
            let id = obj["default_entity_id"].as_str().unwrap();
            assert_eq!(
                id,
                format!("{component}.{}", obj["unique_id"].as_str().unwrap())
            );
            let extra: &[&str] = match component {
                "sensor" => &["unit_of_measurement", "state_class"],
                "binary_sensor" => &["device_class"],
                "event" => &["event_types"],
                other => panic!("unexpected component {other}"),
            };
            for key in obj.keys() {
                assert!(
                    COMMON.contains(&key.as_str()) || extra.contains(&key.as_str()),
                    "{topic}: {key} is not in the {component} schema"
                );
            }
        }
        let beat = &d.iter().find(|(t, _)| t.contains("/event/")).unwrap().1;
        assert_eq!(beat["state_topic"], "necken/hall/beat");
        assert_eq!(beat["event_types"], serde_json::json!(["beat", "downbeat"]));
        let tempo = &d
            .iter()
            .find(|(t, _)| t.ends_with("tempo/config"))
            .unwrap()
            .1;
        assert_eq!(tempo["unit_of_measurement"], "BPM");
    }
}
