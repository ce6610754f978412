//! The daemon's configuration: a board profile (`boards/*.toml`) with every setting the daemon
//! reads, defaults for what a profile leaves out, and command-line overrides applied on top.

use std::path::{Path, PathBuf};

use necken_core::artifact::Profile;
use necken_rhythm::FRAME_RATE;
use serde::Deserialize;

use crate::engine::{system_clock, EngineSettings};

/// A whole board profile.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Short board name (`pi-4b`).
    #[serde(default)]
    pub name: String,
    /// Human description.
    #[serde(default)]
    pub description: String,
    /// Artifact store.
    #[serde(default)]
    pub store: StoreSection,
    /// Audio capture.
    #[serde(default)]
    pub audio: AudioSection,
    /// Rolling classification and models.
    #[serde(default)]
    pub analysis: AnalysisSection,
    /// The install root the profile was read from (the parent of its `boards/` folder), where
    /// relative model paths are looked for first; not a key of the file.
    #[serde(skip)]
    pub root: Option<PathBuf>,
    /// Cutting live audio into stored tracks.
    #[serde(default)]
    pub segments: SegmentSection,
    /// MQTT publishing.
    #[serde(default)]
    pub mqtt: MqttSection,
    /// Memory budget.
    #[serde(default)]
    pub memory: MemorySection,
    /// Hosts that may pull tracks and push models.
    #[serde(default)]
    pub pull: PullSection,
}

mod sections;

pub use sections::*;

impl Config {
    /// Parses and validates a profile's text (no file paths are resolved).
    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        config.validate()?;
        Ok(config)
    }

    /// Reads a profile; errors name the file.
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let mut config = Config::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        // Relative model paths are looked for in the profile's install root first (the
        // bundled profiles are written relative to it).
        config.root = path
            .canonicalize()
            .ok()
            .and_then(|p| p.parent().and_then(Path::parent).map(Path::to_path_buf));
        config
            .validate()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(config)
    }

    /// Checks values that would make the daemon misbehave.
    pub fn validate(&self) -> Result<(), String> {
        let a = &self.analysis;
        if !(a.window_s >= 4.0 && a.window_s <= 120.0) {
            return Err(format!(
                "analysis.window_s must be 4..=120, not {}",
                a.window_s
            ));
        }
        if !(a.classify_every_s >= 0.5 && a.classify_every_s <= a.window_s) {
            return Err(format!(
                "analysis.classify_every_s must be 0.5..=window_s, not {}",
                a.classify_every_s
            ));
        }
        if !(a.classify_every_unsure_s >= 0.5 && a.classify_every_unsure_s <= a.classify_every_s) {
            return Err(format!(
                "analysis.classify_every_unsure_s must be 0.5..=classify_every_s, not {}",
                a.classify_every_unsure_s
            ));
        }
        if !(1..=50).contains(&a.beat_pulse) {
            return Err(format!(
                "analysis.beat_pulse must be 1..=50 frames, not {}",
                a.beat_pulse
            ));
        }
        if !(0.0..=1.0).contains(&a.beat_share) {
            return Err(format!(
                "analysis.beat_share must be 0..=1, not {}",
                a.beat_share
            ));
        }
        if !(0.0..1.0).contains(&a.min_confidence) {
            return Err(format!(
                "analysis.min_confidence must be 0..1, not {}",
                a.min_confidence
            ));
        }
        if !(0.0..=200.0).contains(&a.beat_lead_ms) {
            return Err(format!(
                "analysis.beat_lead_ms must be 0..=200, not {}",
                a.beat_lead_ms
            ));
        }
        if !(0.0..=200.0).contains(&a.beat_send_ahead_ms) {
            return Err(format!(
                "analysis.beat_send_ahead_ms must be 0..=200, not {}",
                a.beat_send_ahead_ms
            ));
        }
        let s = &self.segments;
        if !(s.min_s >= 0.0 && s.max_s >= s.min_s.max(a.window_s)) {
            return Err(
                "segments.max_s must be at least segments.min_s and analysis.window_s".into(),
            );
        }
        if necken_core::artifact::Profile::from_name(&self.store.profile).is_none() {
            return Err(format!(
                "store.profile must be minimal, standard or full, not {:?}",
                self.store.profile
            ));
        }
        let m = &self.mqtt;
        let max_range = m.reconnect_min_ms as f64 / 1000.0..=3600.0;
        if !(50..=60_000).contains(&m.reconnect_min_ms) || !max_range.contains(&m.reconnect_max_s) {
            return Err(format!(
                "mqtt.reconnect_min_ms must be 50..=60000 and mqtt.reconnect_max_s at least that \
                 and ≤ 3600 (now {} ms, {} s)",
                m.reconnect_min_ms, m.reconnect_max_s
            ));
        }
        if self.audio.sample_rate < 8_000 || self.audio.ring_s < 0.1 {
            return Err("audio.sample_rate must be ≥ 8000 and audio.ring_s ≥ 0.1".into());
        }
        if let Some(g) = self.audio.capture_gain_db {
            if !(-100.0..=100.0).contains(&g) {
                return Err(format!(
                    "audio.capture_gain_db must be -100..=100 dB, not {g}"
                ));
            }
        }
        Ok(())
    }

    /// The device id: configured, else the host name, else "necken".
    pub fn device_id(&self) -> String {
        if !self.mqtt.device_id.is_empty() {
            return sanitize_id(&self.mqtt.device_id);
        }
        std::fs::read_to_string("/etc/hostname")
            .ok()
            .map(|h| sanitize_id(h.trim()))
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "necken".into())
    }

    /// The topic prefix with the device id filled in, ending in `/`.
    pub fn topic_prefix(&self) -> String {
        let mut p = self.mqtt.prefix.replace("{device_id}", &self.device_id());
        if !p.ends_with('/') {
            p.push('/');
        }
        p
    }
}

/// Keeps characters that are safe in MQTT topics and Home Assistant ids.
fn sanitize_id(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl Config {
    /// The engine's settings from a validated configuration, with the system clock.
    pub fn engine_settings(&self) -> EngineSettings {
        let c = self;
        let frames = |s: f32| (s * FRAME_RATE).round() as usize;
        EngineSettings {
            live: true,
            window_frames: frames(c.analysis.window_s),
            classify_every_frames: frames(c.analysis.classify_every_s).max(1),
            classify_every_unsure_frames: frames(c.analysis.classify_every_unsure_s).max(1),
            music_dbfs: c.segments.music_dbfs,
            silence_hold_s: c.segments.silence_hold_s,
            min_segment_frames: frames(c.segments.min_s),
            min_file_frames: frames(c.segments.min_file_s),
            max_segment_frames: frames(c.segments.max_s),
            profile: Profile::from_name(&c.store.profile).unwrap_or(Profile::Standard),
            confirm_windows: c.analysis.confirm_windows,
            switch_margin: c.analysis.switch_margin,
            min_confidence: c.analysis.min_confidence,
            net_share: c.analysis.beat_share,
            beat_pulse: c.analysis.beat_pulse,
            beat_lead_frames: (c.analysis.beat_lead_ms / 1000.0 * FRAME_RATE).round() as usize,
            beat_send_ahead_s: Some(c.analysis.beat_send_ahead_ms as f64 / 1000.0),
            clock: system_clock,
        }
    }
}

#[cfg(test)]
mod tests;
