//! The sections of a board profile, each with its defaults.

use std::path::{Path, PathBuf};

use serde::Deserialize;

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

/// The live default of `[analysis] min_confidence`, above the offline head's 0.4
/// (`MIN_MODEL_CONFIDENCE`): a published style is heard at once and a wrong one misleads the
/// dancers. It reads the window-calibrated probabilities of a head with a window temperature
/// (`style-head-v11`): 0.45 / 0.5 / 0.55 / 0.6 were tried on generated clips nothing trained on
/// (t9, t9-hall, t9-hall2; docs/accuracy.md) and 0.5 has the most time right less twice the
/// time wrong (a wrong style costs the dancers more than "not sure"). With `style-head-v12`,
/// on a larger generated hall set, 0.5 is the one setting that meets both live targets (first
/// right within 10 s, wrong at most 10 % of the time; 0.45 is wrong more, 0.55 later), and
/// v13 meets them there at 0.5 too. Heads without a window temperature (v10 and older) are
/// surer on windows than they are right: 0.6 suited them.
pub const LIVE_MIN_CONFIDENCE: f32 = 0.5;

/// `[analysis]`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AnalysisSection {
    /// Seconds of audio in each rolling classification window. A tune is first classified
    /// after 6 s (or half a shorter window); a longer window grows with the tune up to this.
    /// 30 with `min_confidence` 0.55 answers sooner and is right more of the time, but also
    /// wrong more of it on dev-hall (docs/accuracy.md).
    pub window_s: f32,
    /// Seconds between rolling classifications while a style is published and the windows
    /// agree with it.
    pub classify_every_s: f32,
    /// Seconds between them while nothing or `unknown` is published (the music just began or
    /// the tune just changed) or the last window disputed the published style (a switch under
    /// way): a style is wanted soonest then, and steady music does not pay for it.
    pub classify_every_unsure_s: f32,
    /// Beat/downbeat network (`.onnx`, listed in the `SHA256SUMS` beside it); a relative path
    /// is looked for in the working directory, the profile's install root and beside the
    /// executable, and the default file names fall back to the copies built into neckend.
    /// Empty = DSP activations only, which must be asked for (`--no-beat-model` or
    /// `beat_model = ""` with `--no-beat-model` accepted on the command line; see
    /// `Args::config`).
    pub beat_model: PathBuf,
    /// Frames per network inference: larger pulses cost less CPU (tract's per-call cost and a
    /// wake-up per pulse) and hold frames back up to `beat_pulse − 1` frames (10 ms each),
    /// which the beat lead makes up for (`engine::tracker_lead_frames`).
    pub beat_pulse: usize,
    /// The network's share of the beat activations (0..=1), the rest DSP.
    pub beat_share: f32,
    /// Beat events are predicted this far ahead of the newest analysed audio, ms (0..=200):
    /// the front end hears a beat only after half its 64 ms window and the resampler, and a
    /// held beat leaves `beat_send_ahead_ms` before it sounds; the prediction makes up for
    /// both. With the beat network `beat_pulse − 1` frames are added for the frames the pulse
    /// holds back (210 ms with the defaults; `engine::tracker_lead_frames`).
    pub beat_lead_ms: f32,
    /// Beat events are held until this long before their beat sounds, ms (0..=200): a beat
    /// predicted early waits, so that every predicted beat leaves at the same moment wherever
    /// in the network's pulse it was found (a beat found late leaves at once), for consumers
    /// on a network that act on receipt.
    pub beat_send_ahead_ms: f32,
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
    /// A window whose top style is below this probability votes `unknown`: a dancer would
    /// rather hear "not sure" than a confident wrong dance.
    pub min_confidence: f32,
}

impl Default for AnalysisSection {
    fn default() -> Self {
        AnalysisSection {
            window_s: 12.0,
            classify_every_s: 4.0,
            classify_every_unsure_s: 2.0,
            beat_model: Path::new("models").join(necken_model_files::BEAT_NET),
            beat_pulse: 16,
            beat_share: necken_rhythm::learned::DEFAULT_NET_SHARE,
            beat_lead_ms: 60.0,
            beat_send_ahead_ms: 20.0,
            embed_model: Path::new("models").join(necken_model_files::EMBED_NET),
            style_model: Path::new("models").join(necken_model_files::STYLE_HEAD),
            confirm_windows: 2,
            switch_margin: 0.1,
            min_confidence: LIVE_MIN_CONFIDENCE,
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

/// `[pull]`: which hosts may pull stored tracks and push style heads.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PullSection {
    /// MQTT client ids allowed to pull and push models (none by default). A client id is
    /// not authentication: back it with broker ACLs and TLS client certificates, and
    /// optionally `key`.
    pub allow: Vec<String>,
    /// Shared secret: when set, every request must carry its HMAC-SHA256 (the host's
    /// `--key-file` / `$NECKEN_PULL_KEY`).
    pub key: String,
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
