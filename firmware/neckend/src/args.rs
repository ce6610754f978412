//! The command line of `neckend`, its overrides of the board profile, and loading the models
//! the result names.

use std::path::PathBuf;

use necken_model_files::ModelChoice;

use crate::config::Config;
use crate::engine::Models;

/// Command line of `neckend`.
#[derive(clap::Parser, Debug)]
#[command(
    name = "neckend",
    version,
    about = "necken board daemon: live dance-music analysis published over MQTT"
)]
pub struct Args {
    /// Board profile (`boards/<board>.toml`); built-in defaults without one.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Store directory (overrides `[store] path`).
    #[arg(long)]
    pub store: Option<PathBuf>,
    /// Capture device (overrides `[audio] device`).
    #[arg(long)]
    pub device: Option<String>,
    /// Analyze these files instead of capturing, then exit.
    #[arg(long, num_args = 1..)]
    pub input: Vec<PathBuf>,
    /// Watch a folder and analyze audio files that appear in it, until stopped.
    #[arg(long, conflicts_with = "input")]
    pub watch: Option<PathBuf>,
    /// Pace file input like a live stream.
    #[arg(long, conflicts_with = "fast")]
    pub realtime: bool,
    /// With --realtime: play this many times faster than real time.
    #[arg(long, default_value_t = 1.0, requires = "realtime")]
    pub speed: f64,
    /// Read files as fast as possible (the default for files).
    #[arg(long)]
    pub fast: bool,
    /// Re-analyze files already in the store.
    #[arg(long)]
    pub force: bool,
    /// Style head (overrides `[analysis] style_model`).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Run without a style head (styles come from tags only; recorded as such).
    #[arg(long, conflicts_with = "model")]
    pub no_model: bool,
    /// Beat network (overrides `[analysis] beat_model`; `$NECKEN_BEAT_MODEL` when not given).
    #[arg(long, env = "NECKEN_BEAT_MODEL")]
    pub beat_model: Option<PathBuf>,
    /// Track beats with the DSP activations alone (the stored artifacts then list no beat
    /// model); wins over `--beat-model` and `$NECKEN_BEAT_MODEL`.
    #[arg(long)]
    pub no_beat_model: bool,
    /// Embedding and vocal network (overrides `[analysis] embed_model`;
    /// `$NECKEN_EMBED_MODEL` when not given).
    #[arg(long, env = "NECKEN_EMBED_MODEL")]
    pub embed_model: Option<PathBuf>,
    /// Store tracks without embedding and vocal scores; wins over `--embed-model` and
    /// `$NECKEN_EMBED_MODEL`.
    #[arg(long)]
    pub no_embed_model: bool,
    /// Broker host (overrides `[mqtt] host`).
    #[arg(long)]
    pub mqtt_host: Option<String>,
    /// Broker port (overrides `[mqtt] port`).
    #[arg(long)]
    pub mqtt_port: Option<u16>,
    /// Device id in topics (overrides `[mqtt] device_id`).
    #[arg(long)]
    pub device_id: Option<String>,
    /// Do not publish over MQTT.
    #[arg(long)]
    pub no_mqtt: bool,
    /// Also write every event as a JSON line to this file ("-" = stdout).
    #[arg(long)]
    pub events: Option<PathBuf>,
    /// Allow this MQTT client id to pull stored tracks and push style heads (repeatable; adds
    /// to `[pull] allow`). None is allowed by default.
    #[arg(long = "allow-pull", value_name = "CLIENT_ID")]
    pub allow_pull: Vec<String>,
    /// Folder poll interval, ms.
    #[arg(long, default_value_t = 1000)]
    pub poll_ms: u64,
    /// List the ALSA capture devices (ids for `--device`, card names, channels, rates) and
    /// exit.
    #[arg(long)]
    pub list_devices: bool,
}

impl Args {
    /// The configuration file with the command-line overrides applied.
    pub fn config(&self) -> Result<Config, String> {
        let mut c = match &self.config {
            Some(p) => Config::load(p)?,
            None => Config::default(),
        };
        if let Some(s) = &self.store {
            c.store.path = s.clone();
        }
        if let Some(d) = &self.device {
            c.audio.device = d.clone();
        }
        if let Some(m) = &self.model {
            c.analysis.style_model = m.clone();
        }
        if self.no_model {
            c.analysis.style_model = PathBuf::new();
        }
        if let Some(m) = &self.beat_model {
            c.analysis.beat_model = m.clone();
        }
        if self.no_beat_model {
            c.analysis.beat_model = PathBuf::new();
        }
        if let Some(m) = &self.embed_model {
            c.analysis.embed_model = m.clone();
        }
        if self.no_embed_model {
            c.analysis.embed_model = PathBuf::new();
        }
        if let Some(h) = &self.mqtt_host {
            c.mqtt.host = h.clone();
        }
        if let Some(p) = self.mqtt_port {
            c.mqtt.port = p;
        }
        if let Some(d) = &self.device_id {
            c.mqtt.device_id = d.clone();
        }
        if self.no_mqtt {
            c.mqtt.enabled = false;
        }
        for id in &self.allow_pull {
            if !c.pull.allow.contains(id) {
                c.pull.allow.push(id.clone());
            }
        }
        if !(self.speed > 0.0 && self.speed <= 1000.0) {
            return Err(format!("--speed must be in (0, 1000], not {}", self.speed));
        }
        c.validate()?;
        if c.analysis.style_model.as_os_str().is_empty() && !self.no_model {
            return Err(
                "no style model: set [analysis] style_model, pass --model, or run with --no-model"
                    .into(),
            );
        }
        if c.analysis.beat_model.as_os_str().is_empty() && !self.no_beat_model {
            return Err(
                "no beat model: set [analysis] beat_model, pass --beat-model, or run \
                        with --no-beat-model (DSP activations only)"
                    .into(),
            );
        }
        if c.analysis.embed_model.as_os_str().is_empty() && !self.no_embed_model {
            return Err(
                "no embedding model: set [analysis] embed_model, pass --embed-model, or run \
                        with --no-embed-model (tracks without embedding and vocal scores)"
                    .into(),
            );
        }
        Ok(c)
    }
}

/// Loads the style head and the networks named by the configuration; errors name the file.
pub fn load_models(c: &Config) -> Result<Models, String> {
    let mut roots: Vec<PathBuf> = c.root.iter().cloned().collect();
    roots.extend(necken_model_files::install_roots());
    crate::models::load(
        &ModelChoice::from_profile(&c.analysis.beat_model),
        &ModelChoice::from_profile(&c.analysis.embed_model),
        &ModelChoice::from_profile(&c.analysis.style_model),
        c.analysis.beat_pulse,
        &roots,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// A profile that sets `key = ""` in `[analysis]`.
    fn profile_without(key: &str) -> (tempfile::TempDir, String) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("board.toml");
        std::fs::write(&p, format!("[analysis]\n{key} = \"\"\n")).unwrap();
        let p = p.display().to_string();
        (dir, p)
    }

    #[test]
    fn without_a_profile_or_flags_the_default_models_are_chosen() {
        let c = Args::parse_from(["neckend", "--no-mqtt"]).config().unwrap();
        assert!(c
            .analysis
            .beat_model
            .ends_with(necken_model_files::BEAT_NET));
        assert!(c
            .analysis
            .embed_model
            .ends_with(necken_model_files::EMBED_NET));
        assert!(c
            .analysis
            .style_model
            .ends_with(necken_model_files::STYLE_HEAD));
    }

    #[test]
    fn running_without_a_beat_network_must_be_asked_for() {
        let (_dir, profile) = profile_without("beat_model");
        let args = Args::parse_from(["neckend", "--config", &profile, "--no-mqtt"]);
        let e = args.config().unwrap_err();
        assert!(
            e.contains("no beat model") && e.contains("--no-beat-model"),
            "{e}"
        );
        let args = Args::parse_from([
            "neckend",
            "--no-model",
            "--no-beat-model",
            "--no-embed-model",
        ]);
        assert!(args
            .config()
            .unwrap()
            .analysis
            .beat_model
            .as_os_str()
            .is_empty());
    }

    #[test]
    fn running_without_an_embedding_network_must_be_asked_for() {
        let (_dir, profile) = profile_without("embed_model");
        let args = Args::parse_from(["neckend", "--config", &profile, "--no-beat-model"]);
        let e = args.config().unwrap_err();
        assert!(
            e.contains("no embedding model") && e.contains("--no-embed-model"),
            "{e}"
        );
        let args = Args::parse_from([
            "neckend",
            "--no-model",
            "--no-beat-model",
            "--embed-model",
            "/nonexistent/e.onnx",
        ]);
        let c = args.config().unwrap();
        let e = load_models(&c).err().expect("missing model");
        assert!(e.contains("/nonexistent/e.onnx"), "{e}");
    }

    #[test]
    fn a_missing_beat_network_is_an_error_naming_it() {
        let args = Args::parse_from([
            "neckend",
            "--no-model",
            "--beat-model",
            "/nonexistent/b.onnx",
            "--no-embed-model",
        ]);
        let c = args.config().unwrap();
        let e = load_models(&c).err().expect("missing model");
        assert!(e.contains("/nonexistent/b.onnx"), "{e}");
    }
}
