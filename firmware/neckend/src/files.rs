//! File input: one file, a list, or a watched folder, decoded with symphonia and fed to an
//! [`Engine`] in 10 ms blocks, as fast as possible or paced like a live stream.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use necken_analysis::{decode_file, AudioSink};
use necken_store::TrackId;

use crate::engine::{Engine, EngineEvent, EngineSettings, Models, SourceInfo};

/// How fast to read.
#[derive(Clone, Copy, Debug)]
pub enum Pacing {
    /// As fast as the machine goes.
    Fast,
    /// Like a live stream, `speed` times real time.
    Realtime {
        /// 1.0 = real time.
        speed: f64,
    },
}

/// Feeds decoded audio to the engine, pacing it.
struct EngineSink<'a> {
    settings: EngineSettings,
    models: Models,
    source: SourceInfo,
    engine: Option<Engine>,
    channels: usize,
    /// Samples of the block being gathered (interleaved).
    pending: Vec<f32>,
    pacer: Pacer,
    stop: &'a AtomicBool,
    emit: &'a mut dyn FnMut(EngineEvent, &SourceClock),
}

/// Where a source is in time, for the beat messages' lag.
#[derive(Clone, Copy, Debug)]
pub struct SourceClock {
    /// When the source began (wall clock).
    pub started: Instant,
    /// Audio seconds per wall second (`None` when not paced).
    pub speed: Option<f64>,
}

impl AudioSink for EngineSink<'_> {
    fn start(&mut self, sample_rate: u32, channels: usize) -> Result<(), String> {
        self.channels = channels;
        self.pacer.rate = sample_rate;
        self.engine = Some(Engine::new(
            self.settings.clone(),
            self.models.clone(),
            self.source.clone(),
            sample_rate,
            channels,
        )?);
        self.pacer.started = Instant::now();
        Ok(())
    }

    fn wants_more(&self) -> bool {
        !self.stop.load(Ordering::Relaxed)
    }

    fn samples(&mut self, interleaved: &[f32]) {
        if self.stop.load(Ordering::Relaxed) {
            return;
        }
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        let clock = self.pacer.clock();
        // Whole blocks, as many as the engine wants at a time (the decoder's packets are of any
        // size), so that paced beats leave when they happen, not a packet later. They are fed
        // when their last sample would have arrived, as live capture delivers them.
        let mut rest = interleaved;
        while !rest.is_empty() {
            let piece = engine.blocks_wanted() * engine.block_len() * self.channels;
            let take = (piece.saturating_sub(self.pending.len())).min(rest.len());
            self.pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.pending.len() < piece {
                break;
            }
            self.pacer.wait_for((piece / self.channels) as u64);
            engine.push(&self.pending, &mut |e| (self.emit)(e, &clock));
            self.pending.clear();
        }
    }
}

/// Where a source's feeding is in time: paced, each block waits for its last sample's time.
struct Pacer {
    pacing: Pacing,
    rate: u32,
    started: Instant,
    fed_frames: u64,
}

impl Pacer {
    /// The next `frames` (per channel) are about to be fed: when paced, waits until the last
    /// of them would have arrived.
    fn wait_for(&mut self, frames: u64) {
        self.fed_frames += frames;
        if let Pacing::Realtime { speed } = self.pacing {
            let due = self.started
                + Duration::from_secs_f64(self.fed_frames as f64 / self.rate as f64 / speed);
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
        }
    }

    fn clock(&self) -> SourceClock {
        SourceClock {
            started: self.started,
            speed: match self.pacing {
                Pacing::Fast => None,
                Pacing::Realtime { speed } => Some(speed),
            },
        }
    }
}

/// How a file's analysis ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileEnd {
    /// Read to its end; its track was handed over to be stored.
    Complete,
    /// Stopped before its end (the daemon is stopping): nothing was stored, so the next run
    /// analyzes the file again instead of skipping it as stored.
    Interrupted,
}

/// Analyzes one file through the engine. Errors name the file.
pub fn run_file(
    path: &Path,
    settings: &EngineSettings,
    models: Models,
    pacing: Pacing,
    stop: &AtomicBool,
    emit: &mut dyn FnMut(EngineEvent, &SourceClock),
) -> Result<FileEnd, String> {
    let id = TrackId::of_file(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    // Tags come from the decoder, which reports them only at the end; a first cheap probe is
    // not worth it: keyword classification of the stored track uses them (below), the rolling
    // windows of a file do not.
    let mut sink = EngineSink {
        settings: settings.clone(),
        models,
        source: SourceInfo {
            name: path.display().to_string(),
            file: Some((id, Default::default())),
        },
        engine: None,
        channels: 1,
        pending: Vec::new(),
        pacer: Pacer {
            pacing,
            rate: 1,
            started: Instant::now(),
            fed_frames: 0,
        },
        stop,
        emit,
    };
    let info = decode_file(path, &mut sink).map_err(|e| e.to_string())?;
    // Beats flushed at the end are as paced as the others: a paced run reports their lag too.
    let clock = sink.pacer.clock();
    let interrupted = info.interrupted || stop.load(Ordering::Relaxed);
    if let Some(mut engine) = sink.engine.take() {
        let emit = &mut *sink.emit;
        // The last, partial block.
        if !interrupted && !sink.pending.is_empty() {
            sink.pacer
                .wait_for((sink.pending.len() / sink.channels) as u64);
            engine.push(&sink.pending, &mut |e| emit(e, &clock));
        }
        if interrupted {
            engine.abandon(&mut |e| emit(e, &clock));
        } else {
            engine.set_tags(info.tags.clone());
            engine.finish(&mut |e| emit(e, &clock));
        }
    }
    Ok(if interrupted {
        FileEnd::Interrupted
    } else {
        FileEnd::Complete
    })
}

/// Audio files directly in `dir` (not recursive), sorted; the error names the folder.
pub fn audio_files_in(dir: &Path) -> Result<Vec<PathBuf>, String> {
    necken_analysis::audio_files_in(dir, false)
        .map_err(|e| format!("{}: cannot read folder: {e}", dir.display()))
}

/// Remembers which files of a watched folder were handled, by path, size and modification
/// time, so a poll does not re-hash everything. A file still being written (its size changed
/// since the last poll) waits for the next poll.
#[derive(Default)]
pub struct FolderWatch {
    seen: HashMap<PathBuf, (u64, SystemTime)>,
    pending: HashMap<PathBuf, u64>,
}

impl FolderWatch {
    /// Files that appeared or changed and have stopped growing.
    pub fn poll(&mut self, dir: &Path) -> Result<Vec<PathBuf>, String> {
        let mut ready = Vec::new();
        for path in audio_files_in(dir)? {
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            let stamp = (
                meta.len(),
                meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            );
            if self.seen.get(&path) == Some(&stamp) {
                continue;
            }
            if self.pending.get(&path) == Some(&meta.len()) {
                self.pending.remove(&path);
                self.seen.insert(path.clone(), stamp);
                ready.push(path);
            } else {
                self.pending.insert(path, meta.len());
            }
        }
        Ok(ready)
    }
}
