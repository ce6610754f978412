//! Where the engine's events go: the store (with retention), the MQTT publisher and the
//! event log.

use std::io::Write;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use necken_store::{ArtifactStore, Retention, SledStore, TrackMeta};

use crate::engine::EngineEvent;
use crate::files::SourceClock;
use crate::messages::{topic, BeatPayload, StylePayload, TrackPayload};
use crate::mqtt::Publisher;

/// Unix time, milliseconds (the messages' `ts`).
pub(crate) fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Stores segments, publishes messages, writes the event log.
pub(crate) struct Outputs {
    pub(crate) store: Arc<SledStore>,
    pub(crate) retention: Retention,
    /// Record bytes in the store, once read (see `enforce_retention`).
    pub(crate) record_bytes: Option<u64>,
    pub(crate) publisher: Option<Publisher>,
    pub(crate) events: Option<Box<dyn Write + Send>>,
    pub(crate) stored: usize,
}

impl Outputs {
    /// Tells the publisher which models run now.
    pub(crate) fn announce_models(&self, models: &crate::engine::Models) {
        if let Some(p) = &self.publisher {
            crate::daemon::announce_models(p, models);
        }
    }

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

    pub(crate) fn handle(&mut self, event: EngineEvent, clock: &SourceClock) {
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
                let meta = TrackMeta::from_artifacts(seg.id, seg.name.clone(), seg.tags.clone(), a);
                if let Err(e) = self.store.put(&meta, &seg.record) {
                    log::error!("{}: cannot store the track: {e}", seg.name);
                    return;
                }
                self.stored += 1;
                self.enforce_retention(Retention::record_bytes(
                    seg.record.len(),
                    &meta.source_path,
                ));
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
                    publisher.stored();
                }
                self.log_event("track", &p);
            }
        }
    }
}
