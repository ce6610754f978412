//! The live loop: capture ring → engine, with SIGHUP reloads and capture health reports.

use std::sync::atomic::AtomicBool;
#[cfg(feature = "live")]
use std::sync::atomic::Ordering;
#[cfg(feature = "live")]
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::daemon::Reload;
use crate::engine::{EngineSettings, Models};
#[cfg(feature = "live")]
use crate::files::SourceClock;
use crate::outputs::Outputs;

#[cfg(feature = "live")]
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_live(
    config: &Config,
    models: &mut Models,
    settings: &mut EngineSettings,
    stop: &AtomicBool,
    wants_reload: &dyn Fn() -> bool,
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
    // Whole blocks (a frame at the capture rate each), as many as the engine wants at a time.
    let block = engine.block_len();
    let mut buffer = Vec::with_capacity(8 * block);
    let (mut last_dropped, mut last_xruns, mut last_bad) = (0, 0, 0);
    let mut last_report = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        if wants_reload() {
            let before = models.clone();
            do_reload(&mut config, models, settings);
            out.announce_models(models);
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
        let wanted = engine.blocks_wanted() * block;
        let available = capture.consumer.slots();
        if available < wanted {
            // Sleep until the blocks should be there (the card delivers whole periods, so it
            // may take a little longer), not a fixed poll interval: a wake-up per pulse or
            // held beat.
            let missing = (wanted - available) as f64 / capture.sample_rate as f64;
            std::thread::sleep(Duration::from_secs_f64(missing).max(Duration::from_millis(1)));
            continue;
        }
        // Behind (a slow moment): the whole blocks there are, up to a second's, so the engine
        // catches up and the loop still looks at reloads and stops.
        let take = available.min(capture.sample_rate as usize).max(wanted);
        let take = take - take % block;
        let chunk = capture
            .consumer
            .read_chunk(take)
            .map_err(|e| format!("capture ring: {e}"))?;
        let (a, b) = chunk.as_slices();
        buffer.clear();
        buffer.extend_from_slice(a);
        buffer.extend_from_slice(b);
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
pub(crate) fn run_live(
    _config: &Config,
    _models: &mut Models,
    _settings: &mut EngineSettings,
    _stop: &AtomicBool,
    _wants_reload: &dyn Fn() -> bool,
    _out: &mut Outputs,
    _do_reload: &mut Reload,
) -> Result<(), String> {
    Err("this neckend was built without the `live` feature: use --input or --watch".into())
}
