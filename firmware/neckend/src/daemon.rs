//! The daemon: configuration and overrides, signals, the store, the MQTT publisher, and the
//! input loop (live capture, files or a watched folder) feeding the engine.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use necken_core::codec;
use necken_model_files::ModelChoice;
use necken_store::{ArtifactStore, Retention, SledStore, StoreConfig, TrackId, TrackMeta};

use crate::config::Config;
use crate::engine::{EngineEvent, EngineSettings, Models};
use crate::files::{run_file, FileEnd, FolderWatch, Pacing, SourceClock};
use crate::messages::{topic, BeatPayload, StylePayload, TrackPayload};
use crate::mqtt::{MqttSettings, Publisher};

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
    /// Folder poll interval, ms.
    #[arg(long, default_value_t = 1000)]
    pub poll_ms: u64,
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

/// What SIGHUP runs: re-reads the configuration and the models into the running state.
type Reload<'a> = dyn FnMut(&mut Config, &mut Models, &mut EngineSettings) + 'a;

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Stores segments, publishes messages, writes the event log.
struct Outputs {
    store: Arc<SledStore>,
    retention: Retention,
    /// Record bytes in the store, once read (see `enforce_retention`).
    record_bytes: Option<u64>,
    publisher: Option<Publisher>,
    events: Option<Box<dyn Write + Send>>,
    stored: usize,
}

impl Outputs {
    /// Keeps the store within `[store] max_mb` / `max_tracks` after a write of `added` record
    /// bytes. The stored total is read once, then followed write by write, so that a store
    /// within its limits costs nothing here.
    fn enforce_retention(&mut self, added: u64) {
        if self.retention.is_unbounded() {
            return;
        }
        let bytes = match self.record_bytes {
            Some(b) => b + added,
            None => match Retention::stored_bytes(self.store.as_ref()) {
                Ok(b) => b,
                Err(e) => return log::error!("store limit: {e}"),
            },
        };
        self.record_bytes = Some(bytes);
        if !self.retention.exceeded(self.store.len(), bytes) {
            return;
        }
        match self.retention.enforce(self.store.as_ref()) {
            Ok(r) => {
                self.record_bytes = Some(r.bytes);
                if !r.removed_pulled.is_empty() {
                    log::info!(
                        "store limit: removed {} old track(s) already pulled ({} left)",
                        r.removed_pulled.len(),
                        r.tracks
                    );
                }
                if !r.removed_unpulled.is_empty() {
                    log::warn!(
                        "store limit: removed {} old track(s) no host has pulled yet ({} left; \
                         raise [store] max_mb / max_tracks or pull more often)",
                        r.removed_unpulled.len(),
                        r.tracks
                    );
                }
            }
            Err(e) => log::error!("store limit: {e}"),
        }
    }

    fn log_event(&mut self, kind: &str, payload: &impl serde::Serialize) {
        if let Some(out) = &mut self.events {
            let mut v = serde_json::to_value(payload).unwrap_or_default();
            v["event"] = kind.into();
            let _ = writeln!(out, "{v}");
            let _ = out.flush();
        }
    }

    fn handle(&mut self, event: EngineEvent, clock: &SourceClock) {
        let ts = unix_ms();
        match event {
            EngineEvent::Beat(b) => {
                let lag_ms = clock.speed.map(|speed| {
                    (clock.started.elapsed().as_secs_f64() - b.time_s / speed) * 1000.0
                });
                let p = BeatPayload::from_info(&b, lag_ms, ts);
                if let Some(publisher) = &self.publisher {
                    publisher.beat(serde_json::to_vec(&p).expect("beat payload encodes"));
                }
                self.log_event("beat", &p);
            }
            EngineEvent::Music { playing, time_s } => {
                log::info!(
                    "music {} at {time_s:.1} s",
                    if playing { "started" } else { "stopped" }
                );
                self.log_event(
                    "music",
                    &serde_json::json!({ "playing": playing, "time": time_s }),
                );
            }
            EngineEvent::Style(s) => {
                let p = StylePayload::from_info(&s, ts);
                log::info!(
                    "style {} ({:.0} %), {} bpm, {}",
                    p.style.as_deref().unwrap_or("none"),
                    p.confidence * 100.0,
                    p.tempo_bpm.map_or("-".into(), |t| format!("{t:.1}")),
                    p.meter.as_deref().unwrap_or("-")
                );
                if let Some(publisher) = &self.publisher {
                    let value = serde_json::to_value(&p).expect("style payload encodes");
                    if let Err(e) = publisher.durable(topic::STYLE, value, true) {
                        log::error!("cannot queue the style message: {e}");
                    }
                }
                self.log_event("style", &p);
            }
            EngineEvent::Segment(seg) => {
                let a = &seg.artifacts;
                let meta = TrackMeta {
                    id: seg.id,
                    source_path: seg.name.clone(),
                    tags: seg.tags.clone(),
                    duration_s: a.audio_stats.as_ref().map_or(0.0, |s| s.duration_s),
                    analyzed_at: a.provenance.analyzed_at,
                    audio_fingerprint: a.provenance.audio_fingerprint,
                    profile: a.profile,
                    seq: 0,
                };
                let encoded = codec::encode(a);
                if let Err(e) = self.store.put(&meta, &encoded) {
                    log::error!("{}: cannot store the track: {e}", seg.name);
                    return;
                }
                self.stored += 1;
                self.enforce_retention(Retention::record_bytes(encoded.len(), &meta.source_path));
                let p = TrackPayload::from_segment(&seg, ts);
                log::info!(
                    "stored {} ({}): {} {:.1} s, {} beats",
                    p.id,
                    p.source,
                    p.style,
                    p.duration_s,
                    p.beats
                );
                if let Some(publisher) = &self.publisher {
                    let value = serde_json::to_value(&p).expect("track payload encodes");
                    if let Err(e) = publisher.durable(topic::TRACK, value, false) {
                        log::error!("cannot queue the track message: {e}");
                    }
                }
                self.log_event("track", &p);
            }
        }
    }
}

/// Runs the daemon until the input ends (files) or a signal stops it.
pub fn run(args: Args) -> Result<ExitCode, String> {
    let mut config = args.config()?;
    let stop = Arc::new(AtomicBool::new(false));
    let reload = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, stop.clone()).map_err(|e| format!("signals: {e}"))?;
    }
    signal_hook::flag::register(signal_hook::consts::SIGHUP, reload.clone())
        .map_err(|e| format!("signals: {e}"))?;

    let mut models = load_models(&config)?;
    if models.style.is_none() {
        log::warn!("no style model: styles come from tags only");
    }
    match &models.beat {
        Some(m) => log::info!(
            "beat network {} ({} frames per inference, share {})",
            m.id(),
            config.analysis.beat_pulse,
            config.analysis.beat_share
        ),
        None => log::warn!("no beat network: DSP activations only"),
    }
    match &models.embed {
        Some(m) => log::info!("embedding network {}", m.id()),
        None => log::warn!("no embedding network: tracks without embedding and vocal scores"),
    }
    let store_path = config.store.resolved_path();
    if let Some(parent) = store_path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let store = Arc::new(
        SledStore::open(
            &store_path,
            &StoreConfig {
                cache_capacity_bytes: config.store.cache_mb * 1024 * 1024,
            },
        )
        .map_err(|e| {
            format!(
                "store: {e} (neckend needs a store directory it can write: pass --store PATH \
                 or set [store] path in the board profile)"
            )
        })?,
    );
    log::info!("store {}", store_path.display());
    let publisher = if config.mqtt.enabled {
        let outbox = store
            .outbox(config.mqtt.max_queued)
            .map_err(|e| e.to_string())?;
        let settings = MqttSettings::from_config(&config)?;
        log::info!(
            "publishing under {} to {}:{}",
            settings.prefix(),
            config.mqtt.host,
            config.mqtt.port
        );
        Some(Publisher::start(settings, outbox))
    } else {
        None
    };
    let events: Option<Box<dyn Write + Send>> = match &args.events {
        None => None,
        Some(p) if p.as_os_str() == "-" => Some(Box::new(std::io::stdout())),
        Some(p) => Some(Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).map_err(|e| format!("{}: {e}", p.display()))?,
        ))),
    };
    let mut out = Outputs {
        store: store.clone(),
        retention: config.store.retention(),
        record_bytes: None,
        publisher,
        events,
        stored: 0,
    };
    let pacing = if args.realtime {
        Pacing::Realtime { speed: args.speed }
    } else {
        Pacing::Fast
    };
    let mut settings = config.engine_settings();
    let mut failed = 0usize;

    let mut do_reload = |config: &mut Config,
                         models: &mut Models,
                         settings: &mut EngineSettings| {
        match args.config().and_then(|c| load_models(&c).map(|h| (c, h))) {
            Ok((c, h)) => {
                if c.mqtt != config.mqtt || c.audio != config.audio || c.store != config.store {
                    log::warn!(
                        "SIGHUP: [mqtt], [audio] and [store] changes take effect after a restart"
                    );
                }
                *settings = c.engine_settings();
                *models = h;
                *config = c;
                log::info!(
                    "SIGHUP: configuration and models reloaded (new networks take over at the \
                     next file; live, at once)"
                );
            }
            Err(e) => log::error!("SIGHUP: reload failed, keeping the running configuration: {e}"),
        }
    };

    let handle_file = |path: &std::path::Path,
                       models: &Models,
                       settings: &EngineSettings,
                       out: &mut Outputs|
     -> bool {
        if !args.force {
            match TrackId::of_file(path) {
                Ok(id) if store.contains(&id).unwrap_or(false) => {
                    log::info!(
                        "{}: already stored as {id}; skipped (--force re-analyzes)",
                        path.display()
                    );
                    return true;
                }
                Ok(_) => {}
                Err(e) => {
                    log::error!("{}: cannot read: {e}", path.display());
                    return false;
                }
            }
        }
        let start = Instant::now();
        match run_file(
            path,
            settings,
            models.clone(),
            pacing,
            &stop,
            &mut |e, clock| out.handle(e, clock),
        ) {
            Ok(FileEnd::Complete) => {
                log::info!(
                    "{}: done in {:.2} s",
                    path.display(),
                    start.elapsed().as_secs_f64()
                );
                true
            }
            Ok(FileEnd::Interrupted) => {
                log::warn!(
                    "{}: stopped before its end; not stored (analyzed again next time)",
                    path.display()
                );
                true
            }
            Err(e) => {
                log::error!("{e}");
                false
            }
        }
    };

    if !args.input.is_empty() {
        for path in &args.input {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            if reload.swap(false, Ordering::Relaxed) {
                do_reload(&mut config, &mut models, &mut settings);
            }
            if !handle_file(path, &models, &settings, &mut out) {
                failed += 1;
            }
        }
    } else if let Some(dir) = &args.watch {
        if !dir.is_dir() {
            return Err(format!("{}: not a folder", dir.display()));
        }
        log::info!("watching {}", dir.display());
        let mut watch = FolderWatch::default();
        while !stop.load(Ordering::Relaxed) {
            if reload.swap(false, Ordering::Relaxed) {
                do_reload(&mut config, &mut models, &mut settings);
            }
            match watch.poll(dir) {
                Ok(files) => {
                    for path in files {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        handle_file(&path, &models, &settings, &mut out);
                    }
                }
                Err(e) => log::error!("{e}"),
            }
            sleep_unless(&stop, Duration::from_millis(args.poll_ms));
        }
    } else {
        run_live(
            &config,
            &mut models,
            &mut settings,
            &stop,
            &reload,
            &mut out,
            &mut do_reload,
        )?;
    }

    log::info!("stopping: {} track(s) stored", out.stored);
    if let Some(p) = out.publisher.take() {
        p.shutdown();
    }
    store.flush().map_err(|e| e.to_string())?;
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn sleep_unless(stop: &AtomicBool, total: Duration) {
    let end = Instant::now() + total;
    while !stop.load(Ordering::Relaxed) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(20).min(end - Instant::now()));
    }
}

#[cfg(feature = "live")]
#[allow(clippy::too_many_arguments)]
fn run_live(
    config: &Config,
    models: &mut Models,
    settings: &mut EngineSettings,
    stop: &AtomicBool,
    reload: &AtomicBool,
    out: &mut Outputs,
    do_reload: &mut Reload,
) -> Result<(), String> {
    use crate::engine::{Engine, SourceInfo};
    let mut capture = crate::capture::open(&config.audio)?;
    let mut config = config.clone();
    let clock = SourceClock {
        started: Instant::now(),
        speed: Some(1.0),
    };
    let source = SourceInfo {
        name: format!("live:{}", capture.device_name),
        file: None,
    };
    let mut engine = Engine::new(
        settings.clone(),
        models.clone(),
        source.clone(),
        capture.sample_rate,
        1,
    )?;
    let mut buffer = vec![0f32; (capture.sample_rate / 100) as usize];
    let (mut last_dropped, mut last_xruns, mut last_bad) = (0, 0, 0);
    let mut last_report = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        if reload.swap(false, Ordering::Relaxed) {
            let before = models.clone();
            do_reload(&mut config, models, settings);
            if models.same_networks(&before) {
                engine.reload(models.clone(), settings.clone());
            } else {
                // The stream's state belongs to the old networks: the open segment is stored
                // with them, and a new engine runs the new ones from here on.
                let fresh = Engine::new(
                    settings.clone(),
                    models.clone(),
                    source.clone(),
                    capture.sample_rate,
                    1,
                )?;
                std::mem::replace(&mut engine, fresh).finish(&mut |e| out.handle(e, &clock));
                log::info!("SIGHUP: the new networks run from now on");
            }
        }
        let available = capture.consumer.slots();
        if available < buffer.len() {
            std::thread::sleep(Duration::from_millis(2));
            continue;
        }
        let chunk = capture
            .consumer
            .read_chunk(buffer.len())
            .map_err(|e| format!("capture ring: {e}"))?;
        let (a, b) = chunk.as_slices();
        buffer[..a.len()].copy_from_slice(a);
        buffer[a.len()..a.len() + b.len()].copy_from_slice(b);
        chunk.commit_all();
        engine.push(&buffer, &mut |e| out.handle(e, &clock));
        if last_report.elapsed() > Duration::from_secs(10) {
            last_report = Instant::now();
            let dropped = capture.counters.dropped.load(Ordering::Relaxed);
            let xruns = capture.counters.xruns.load(Ordering::Relaxed);
            let bad = capture.counters.non_finite.load(Ordering::Relaxed);
            if bad != last_bad {
                log::warn!(
                    "capture {}: {} NaN or infinite sample(s) in the last 10 s replaced by \
                     silence (a driver problem; {bad} in all)",
                    capture.device_name,
                    bad - last_bad
                );
                last_bad = bad;
            }
            if dropped != last_dropped || xruns != last_xruns {
                log::warn!(
                    "capture: {} xrun(s) and {} dropped sample(s) in the last 10 s ({} / {} in all)",
                    xruns - last_xruns,
                    dropped - last_dropped,
                    xruns,
                    dropped
                );
                (last_dropped, last_xruns) = (dropped, xruns);
            }
        }
    }
    engine.finish(&mut |e| out.handle(e, &clock));
    Ok(())
}

#[cfg(not(feature = "live"))]
#[allow(clippy::too_many_arguments)]
fn run_live(
    _config: &Config,
    _models: &mut Models,
    _settings: &mut EngineSettings,
    _stop: &AtomicBool,
    _reload: &AtomicBool,
    _out: &mut Outputs,
    _do_reload: &mut Reload,
) -> Result<(), String> {
    Err("this neckend was built without the `live` feature: use --input or --watch".into())
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
