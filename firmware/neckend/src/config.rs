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
}

/// `[store]`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StoreSection {
    /// sled page cache, MiB.
    pub cache_mb: u64,
    /// Store directory.
    pub path: PathBuf,
    /// Artifact profile of stored tracks: minimal, standard or full.
    pub profile: String,
    /// Most MiB of track records kept (0 = no limit); over it the oldest tracks go, those
    /// already pulled by a host first.
    pub max_mb: u64,
    /// Most tracks kept (0 = no limit), the same way.
    pub max_tracks: usize,
}

/// The store of an installed daemon (the systemd unit's state directory).
pub const SYSTEM_STORE: &str = "/var/lib/neckend/store.sled";

impl StoreSection {
    /// The retention limits of `max_mb` and `max_tracks`.
    pub fn retention(&self) -> necken_store::Retention {
        necken_store::Retention {
            max_tracks: (self.max_tracks > 0).then_some(self.max_tracks),
            max_bytes: (self.max_mb > 0).then_some(self.max_mb * 1024 * 1024),
        }
    }

    /// The store directory to open. The system store is for the service user; anyone else who
    /// did not choose a path (`--store`, `[store] path`) gets one under their own state
    /// directory (`$XDG_STATE_HOME`, else `~/.local/state`), which is logged. A chosen path is
    /// used as it is.
    pub fn resolved_path(&self) -> PathBuf {
        if self.path != Path::new(SYSTEM_STORE) || writable_dir(Path::new(SYSTEM_STORE).parent()) {
            return self.path.clone();
        }
        let state = std::env::var_os("XDG_STATE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")));
        match state {
            Some(dir) => {
                let path = dir.join("neckend/store.sled");
                log::warn!(
                    "{} is not writable for this user: using {} (choose with --store or \
                     [store] path)",
                    Path::new(SYSTEM_STORE)
                        .parent()
                        .unwrap_or(Path::new("/"))
                        .display(),
                    path.display()
                );
                path
            }
            None => self.path.clone(),
        }
    }
}

/// True when `dir` exists (or can be made) and a file can be created in it.
fn writable_dir(dir: Option<&Path>) -> bool {
    let Some(dir) = dir else { return false };
    if std::fs::create_dir_all(dir).is_err() {
        return false;
    }
    let probe = dir.join(format!(".neckend-write-probe-{}", std::process::id()));
    let ok = std::fs::File::create(&probe).is_ok();
    let _ = std::fs::remove_file(&probe);
    ok
}

impl Default for StoreSection {
    fn default() -> Self {
        StoreSection {
            cache_mb: 16,
            path: PathBuf::from(SYSTEM_STORE),
            profile: "standard".into(),
            max_mb: 256,
            max_tracks: 100_000,
        }
    }
}

/// `[audio]`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AudioSection {
    /// Capture device name as ALSA/cpal lists it; "default" is the system default.
    pub device: String,
    /// Preferred capture rate, Hz (the nearest the device supports is used).
    pub sample_rate: u32,
    /// Frames per capture period (cpal's fixed buffer size). The number of periods in the
    /// device buffer is ALSA's choice: cpal cannot set it, and the ring below is what absorbs
    /// scheduling delays.
    pub period_frames: u32,
    /// Seconds of audio the ring between the audio thread and the analysis thread holds.
    pub ring_s: f32,
    /// Capture gain set on the device's ALSA mixer at start, dB (the nearest step at or below;
    /// clamped to the control's range). Absent = the mixer is left as it is.
    pub capture_gain_db: Option<f32>,
}

impl Default for AudioSection {
    fn default() -> Self {
        AudioSection {
            device: "default".into(),
            sample_rate: 48_000,
            period_frames: 1024,
            ring_s: 2.0,
            capture_gain_db: None,
        }
    }
}

/// `[analysis]`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AnalysisSection {
    /// Seconds of audio in each rolling classification window.
    pub window_s: f32,
    /// Seconds between rolling classifications.
    pub classify_every_s: f32,
    /// Beat/downbeat network (`.onnx`, listed in the `SHA256SUMS` beside it); a relative path
    /// is looked for in the working directory, the profile's install root and beside the
    /// executable, and the default file names fall back to the copies built into neckend.
    /// Empty = DSP activations only, which must be asked for (`--no-beat-model` or
    /// `beat_model = ""` with `--no-beat-model` accepted on the command line; see
    /// `Args::config`).
    pub beat_model: PathBuf,
    /// Frames per network inference: 1 = lowest latency; larger pulses cost less CPU
    /// (tract's per-call overhead) but hold beats back up to `beat_pulse − 1` frames (10 ms
    /// each).
    pub beat_pulse: usize,
    /// The network's share of the beat activations (0..=1), the rest DSP.
    pub beat_share: f32,
    /// Beat events are predicted this far ahead of the newest analysed audio, ms (0..=200):
    /// the front end hears a beat only after half its 64 ms window, the resampler and the
    /// network's pulse, and the prediction makes up for that delay.
    pub beat_lead_ms: f32,
    /// Embedding and instrumental/vocal network (`.onnx`, listed in `SHA256SUMS`), run on
    /// each stored track; empty = tracks without embedding and vocal scores, which must be
    /// asked for (`--no-embed-model`).
    pub embed_model: PathBuf,
    /// Style head file (`.nkhead`, found like `beat_model`); empty = classify by keywords only
    /// (recorded as such).
    pub style_model: PathBuf,
    /// A new style is published only after it has been the top style in this many
    /// consecutive windows...
    pub confirm_windows: u32,
    /// ...and beaten the published style's probability by this margin in the last one.
    pub switch_margin: f32,
}

impl Default for AnalysisSection {
    fn default() -> Self {
        AnalysisSection {
            window_s: 12.0,
            classify_every_s: 4.0,
            beat_model: Path::new("models").join(necken_model_files::BEAT_NET),
            beat_pulse: 4,
            beat_share: necken_rhythm::learned::DEFAULT_NET_SHARE,
            beat_lead_ms: 60.0,
            embed_model: Path::new("models").join(necken_model_files::EMBED_NET),
            style_model: Path::new("models").join(necken_model_files::STYLE_HEAD),
            confirm_windows: 2,
            switch_margin: 0.1,
        }
    }
}

/// `[segments]`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SegmentSection {
    /// Sound level (dBFS, 1 s average) above which audio counts as music.
    pub music_dbfs: f32,
    /// Seconds below the level before the music counts as stopped (ends the segment).
    pub silence_hold_s: f32,
    /// Live segments shorter than this are not stored.
    pub min_s: f32,
    /// Files with less audio than this are not stored (the tracker needs a few bars).
    pub min_file_s: f32,
    /// A live segment is closed (and a new one begun) after this long.
    pub max_s: f32,
}

impl Default for SegmentSection {
    fn default() -> Self {
        SegmentSection {
            music_dbfs: -50.0,
            silence_hold_s: 4.0,
            min_s: 20.0,
            min_file_s: necken_analysis::MIN_TRACK_S,
            max_s: 600.0,
        }
    }
}

/// `[mqtt]`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MqttSection {
    /// Publish at all.
    pub enabled: bool,
    /// Broker host.
    pub host: String,
    /// Broker port.
    pub port: u16,
    /// Device id in topics and client id; empty = the host name.
    pub device_id: String,
    /// Topic prefix; `{device_id}` is replaced.
    pub prefix: String,
    /// Home Assistant discovery prefix; empty disables discovery.
    pub discovery_prefix: String,
    /// Username (with `password`).
    pub username: String,
    /// Password.
    pub password: String,
    /// CA certificate (PEM) for TLS; empty = plain TCP.
    pub tls_ca: PathBuf,
    /// Client certificate (PEM) for mutual TLS.
    pub tls_client_cert: PathBuf,
    /// Client key (PEM) for mutual TLS.
    pub tls_client_key: PathBuf,
    /// Keep-alive, seconds (also how soon the broker notices a dead daemon).
    pub keep_alive_s: u64,
    /// Most messages kept in the durable queue while the broker is unreachable.
    pub max_queued: usize,
    /// First delay before reconnecting after a failed or lost connection, ms; it doubles
    /// with each further failure (±20 % jitter)...
    pub reconnect_min_ms: u64,
    /// ...up to this many seconds.
    pub reconnect_max_s: f64,
}

impl Default for MqttSection {
    fn default() -> Self {
        MqttSection {
            enabled: true,
            host: "localhost".into(),
            port: 1883,
            device_id: String::new(),
            prefix: "necken/{device_id}/".into(),
            discovery_prefix: "homeassistant".into(),
            username: String::new(),
            password: String::new(),
            tls_ca: PathBuf::new(),
            tls_client_cert: PathBuf::new(),
            tls_client_key: PathBuf::new(),
            keep_alive_s: 15,
            max_queued: 10_000,
            reconnect_min_ms: 500,
            reconnect_max_s: 10.0,
        }
    }
}

/// `[memory]`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MemorySection {
    /// Resident memory budget, MiB (measured by the bench, not enforced at run time).
    pub budget_mb: u64,
}

impl Default for MemorySection {
    fn default() -> Self {
        MemorySection { budget_mb: 48 }
    }
}

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
        if !(0.0..=200.0).contains(&a.beat_lead_ms) {
            return Err(format!(
                "analysis.beat_lead_ms must be 0..=200, not {}",
                a.beat_lead_ms
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
            window_frames: frames(c.analysis.window_s),
            classify_every_frames: frames(c.analysis.classify_every_s).max(1),
            music_dbfs: c.segments.music_dbfs,
            silence_hold_s: c.segments.silence_hold_s,
            min_segment_frames: frames(c.segments.min_s),
            min_file_frames: frames(c.segments.min_file_s),
            max_segment_frames: frames(c.segments.max_s),
            profile: Profile::from_name(&c.store.profile).unwrap_or(Profile::Standard),
            confirm_windows: c.analysis.confirm_windows,
            switch_margin: c.analysis.switch_margin,
            net_share: c.analysis.beat_share,
            beat_pulse: c.analysis.beat_pulse,
            beat_lead_frames: (c.analysis.beat_lead_ms / 1000.0 * FRAME_RATE).round() as usize,
            clock: system_clock,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_the_daemon_does_not_use_is_an_error_naming_it() {
        // `[audio] periods` was once accepted and silently ignored.
        let e = Config::parse("[audio]\nperiods = 3\n").unwrap_err();
        assert!(e.contains("periods"), "{e}");
    }

    #[test]
    fn every_bundled_board_profile_loads_and_validates() {
        let boards = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../boards");
        let mut n = 0;
        for entry in std::fs::read_dir(&boards).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let c = Config::load(&path).unwrap_or_else(|e| panic!("{e}"));
                assert!(!c.name.is_empty(), "{} has no name", path.display());
                // Every model the profile names is found in its install root.
                let root = c.root.clone().expect("a loaded profile knows its root");
                for m in [
                    &c.analysis.style_model,
                    &c.analysis.beat_model,
                    &c.analysis.embed_model,
                ] {
                    let found = necken_model_files::locate(m, std::slice::from_ref(&root));
                    assert!(
                        matches!(found, necken_model_files::ModelFile::Path(ref p) if p.exists()),
                        "{}: model {} not in {}",
                        path.display(),
                        m.display(),
                        root.display()
                    );
                }
                n += 1;
            }
        }
        assert_eq!(n, 5);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.toml");
        std::fs::write(&p, "[audio]\ndevcie = \"hw:1\"\n").unwrap();
        let e = Config::load(&p).unwrap_err();
        assert!(e.contains("b.toml") && e.contains("devcie"), "{e}");
        std::fs::write(&p, "[analysis]\nwindow_s = 1.0\n").unwrap();
        let e = Config::load(&p).unwrap_err();
        assert!(e.contains("window_s"), "{e}");
    }

    #[test]
    fn prefix_gets_the_device_id() {
        let mut c = Config::default();
        c.mqtt.device_id = "hall 1".into();
        assert_eq!(c.topic_prefix(), "necken/hall_1/");
    }
}
