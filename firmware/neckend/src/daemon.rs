//! The daemon: configuration and overrides, signals, the store, the MQTT publisher, and the
//! input loop (live capture, files or a watched folder) feeding the engine.

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use necken_store::{ArtifactStore, SledStore, StoreConfig, TrackId};

use crate::config::Config;
use crate::engine::{EngineSettings, Models};
use crate::files::{run_file, FileEnd, FolderWatch, Pacing};
use crate::live::run_live;
use crate::mqtt::{MqttSettings, Publisher, ServeSetup, SharedStore, PUSHED_HEAD};
use crate::outputs::Outputs;

pub use crate::args::{load_models, Args};

/// What SIGHUP runs: re-reads the configuration and the models into the running state.
pub(crate) type Reload<'a> = dyn FnMut(&mut Config, &mut Models, &mut EngineSettings) + 'a;

/// Runs the daemon until the input ends (files) or a signal stops it.
pub fn run(args: Args) -> Result<ExitCode, String> {
    if args.list_devices {
        return list_devices();
    }
    let mut config = args.config()?;
    let stop = Arc::new(AtomicBool::new(false));
    let reload = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, stop.clone()).map_err(|e| format!("signals: {e}"))?;
    }
    signal_hook::flag::register(signal_hook::consts::SIGHUP, reload.clone())
        .map_err(|e| format!("signals: {e}"))?;
    // Set by the MQTT serving thread when a host pushed a style head.
    let head_pushed = Arc::new(AtomicBool::new(false));
    let wants_reload = || reload.load(Ordering::Relaxed) || head_pushed.load(Ordering::Relaxed);

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
    settle_head(store.as_ref(), &mut models, &config.engine_settings());
    let publisher = if config.mqtt.enabled {
        let outbox = store
            .message_queue(config.mqtt.max_queued)
            .map_err(|e| e.to_string())?;
        let settings = MqttSettings::from_config(&config)?;
        log::info!(
            "publishing under {} to {}:{}",
            settings.prefix(),
            config.mqtt.host,
            config.mqtt.port
        );
        let serve = ServeSetup {
            store: store.clone() as SharedStore,
            allow: config.pull.allow.clone(),
            key: (!config.pull.key.is_empty()).then(|| config.pull.key.as_bytes().to_vec()),
            embedding_net: models.embed.as_ref().map(|m| m.id().to_string()),
            head_pushed: head_pushed.clone(),
            reload: reload.clone(),
        };
        if serve.allow.is_empty() {
            log::info!("no host may pull tracks or push models (--allow-pull CLIENT_ID)");
        } else {
            log::info!(
                "hosts that may pull tracks and push models: {}{}",
                serve.allow.join(", "),
                if serve.key.is_some() {
                    " (signed requests only)"
                } else {
                    ""
                }
            );
        }
        let p = Publisher::start(settings, outbox, Some(serve));
        announce_models(&p, &models);
        Some(p)
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
        head_pushed.store(false, Ordering::Relaxed);
        if !reload.swap(false, Ordering::Relaxed) {
            settle_head(store.as_ref(), models, settings);
            return;
        }
        match args.config().and_then(|c| load_models(&c).map(|h| (c, h))) {
            Ok((c, h)) => {
                if c.mqtt != config.mqtt
                    || c.audio != config.audio
                    || c.store != config.store
                    || c.pull != config.pull
                {
                    log::warn!(
                        "SIGHUP: [mqtt], [audio], [store] and [pull] changes take effect after a \
                         restart"
                    );
                }
                *settings = c.engine_settings();
                *models = h;
                *config = c;
                settle_head(store.as_ref(), models, settings);
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
            if wants_reload() {
                do_reload(&mut config, &mut models, &mut settings);
                out.announce_models(&models);
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
            if wants_reload() {
                do_reload(&mut config, &mut models, &mut settings);
                out.announce_models(&models);
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
            &wants_reload,
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

/// Chooses the style head the daemon runs, at start and whenever a push or SIGHUP may have
/// changed it: a pushed head replaces the profile's, and a head that reads the mean bar on a
/// profile that does not keep it is warned about.
fn settle_head(store: &dyn ArtifactStore, models: &mut Models, settings: &EngineSettings) {
    apply_pushed_head(store, models);
    if let Some(warning) = starved_head(settings, models) {
        log::warn!("{warning}");
    }
}

/// What is wrong when the head reads the mean bar and the profile does not keep it.
fn starved_head(settings: &EngineSettings, models: &Models) -> Option<String> {
    let minimal = settings.profile == necken_core::artifact::Profile::Minimal;
    let head = models.style.as_ref().filter(|h| h.expects_bar_pattern())?;
    minimal.then(|| {
        format!(
            "style head {} reads the mean bar, which the minimal profile does not keep: it \
             decides without it, less surely (use the standard profile)",
            head.id
        )
    })
}

/// A style head a host pushed (kept in the store) replaces the profile's; one that no longer
/// loads is reported and the profile's stays.
fn apply_pushed_head(store: &dyn ArtifactStore, models: &mut Models) {
    let bytes = match store.setting(PUSHED_HEAD) {
        Ok(Some(b)) => b,
        Ok(None) => return,
        Err(e) => return log::error!("pushed style head: {e}"),
    };
    match necken_core::head::StyleHead::from_bytes(&bytes) {
        Ok(head) => {
            if models.style.as_ref().map(|h| h.sha256()) != Some(head.sha256()) {
                log::info!(
                    "style head {} (pushed by a host) in use instead of {}",
                    head.id,
                    models
                        .style
                        .as_ref()
                        .map_or("none".into(), |h| h.id.clone())
                );
                models.style = Some(Arc::new(head));
            }
        }
        Err(e) => log::error!("the pushed style head does not load ({e}); keeping the profile's"),
    }
}

/// Tells the publisher which models run (the retained `info` message).
pub(crate) fn announce_models(p: &Publisher, models: &Models) {
    let mut networks = Vec::new();
    if let Some(b) = &models.beat {
        networks.push(b.id().to_string());
    }
    if let Some(e) = &models.embed {
        networks.push(e.id().to_string());
    }
    p.models(models.style.as_ref().map(|h| h.id.clone()), networks);
}

fn sleep_unless(stop: &AtomicBool, total: Duration) {
    let end = Instant::now() + total;
    while !stop.load(Ordering::Relaxed) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(20).min(end - Instant::now()));
    }
}

#[cfg(feature = "live")]
fn list_devices() -> Result<ExitCode, String> {
    let devices = crate::alsa_devices::capture_devices();
    print!("{}", crate::alsa_devices::device_table(&devices));
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "live"))]
fn list_devices() -> Result<ExitCode, String> {
    Err("this neckend was built without the `live` feature: it has no capture devices".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use necken_core::artifact::Profile;
    use necken_core::head::StyleHead;

    fn models_with(head: &str) -> Models {
        let path = format!("{}/../../models/{head}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        Models {
            style: Some(Arc::new(StyleHead::from_bytes(&bytes).unwrap())),
            beat: None,
            embed: None,
        }
    }

    #[test]
    fn a_mean_bar_head_on_the_minimal_profile_is_warned_about_and_nothing_else() {
        let minimal = EngineSettings::recording(Profile::Minimal, 0.5, 4);
        let standard = EngineSettings::recording(Profile::Standard, 0.5, 4);
        let v10 = models_with("style-head-v10.nkhead");
        let warning = starved_head(&minimal, &v10).expect("warned");
        assert!(warning.contains("necken-style-head-v10"), "{warning}");
        assert_eq!(starved_head(&standard, &v10), None);
        // A head from before the mean bar reads nothing the minimal profile lacks.
        assert_eq!(
            starved_head(&minimal, &models_with("style-head-v4.nkhead")),
            None
        );
    }
}
