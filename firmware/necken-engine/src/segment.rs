//! Segments: opened when music starts (or a file begins), closed at silence, at the end of
//! the source or at the longest segment, with their full artifacts.

use necken_analysis::{analyze_frames, attach_embeddings, EmbedRun, StageTimes};
use necken_core::codec;
use necken_core::notation::interpret;
use necken_rhythm::frontend::FrameFeatures;
use necken_rhythm::learned::StreamingBeatActivation;
use necken_rhythm::FRAME_RATE;
use necken_store::TrackId;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

use super::{Engine, EngineEvent, Segment};

/// Frames per offline-network inference (1 s): tract's per-call cost vanishes, and the output
/// waits for the network's look-ahead (5 s) anyway.
const OFFLINE_PULSE: usize = 100;

pub(super) struct OpenSegment {
    pub(super) start_frame: u64,
    pub(super) frames: Vec<FrameFeatures>,
    /// The network's probabilities for `frames` (empty without a network).
    pub(super) net: Vec<[f32; 2]>,
    /// The beat model's offline network over the segment's frames as they come (none when
    /// the model has no offline network, or after it failed), and its output so far.
    pub(super) offline: Option<Box<dyn StreamingBeatActivation>>,
    pub(super) offline_out: Vec<[f32; 2]>,
    /// Time spent in the offline network so far.
    pub(super) offline_time: Duration,
    /// The embedding network over the segment's mel patches (none without a network).
    pub(super) embed: Option<EmbedRun>,
    pub(super) part: u32,
    /// What failed while it was recorded.
    pub(super) failures: Vec<String>,
}

impl OpenSegment {
    /// Feeds a recorded frame's bands to the offline network's run; a failure is noted once
    /// and ends the run (the stream's output is used when the segment closes).
    pub(super) fn feed_offline(&mut self, source: &str, bands: Option<&[f32]>) {
        let Some(run) = self.offline.as_mut() else {
            return;
        };
        let t = Instant::now();
        let result = match bands {
            Some(b) => run.push(b, &mut self.offline_out),
            None => Err("a frame came without bands".into()),
        };
        self.offline_time += t.elapsed();
        if let Err(e) = result {
            self.offline = None;
            self.note_failure(source, format!("offline beat network: {e}"));
        }
    }

    /// Logs what failed while the segment was recorded, and keeps it for the record.
    pub(super) fn note_failure(&mut self, source: &str, what: String) {
        log::error!("{source}: {what}");
        self.failures.push(what);
    }
}

impl Engine {
    pub(super) fn open_segment(&mut self) {
        // Statistics restart with the segment.
        self.stream.take_facts();
        self.bar = 0;
        self.parts += 1;
        self.segment = Some(OpenSegment {
            start_frame: self.frame,
            frames: Vec::with_capacity(self.settings.window_frames * 2),
            net: Vec::new(),
            offline: None,
            offline_out: Vec::new(),
            offline_time: Duration::ZERO,
            embed: self.options.embedding_model.clone().map(|m| {
                // Live windows read the patches' results as they come; a recording can batch.
                let run = EmbedRun::new(m);
                if self.settings.live {
                    run.patch_by_patch()
                } else {
                    run
                }
            }),
            part: self.parts,
            failures: Vec::new(),
        });
        let offline = self
            .options
            .beat_model
            .as_ref()
            .and_then(|m| m.stream_offline(OFFLINE_PULSE));
        if let Some(seg) = &mut self.segment {
            match offline {
                Some(Ok(stream)) => seg.offline = Some(stream),
                Some(Err(e)) => {
                    seg.note_failure(&self.source.name, format!("offline beat network: {e}"))
                }
                None => {}
            }
        }
    }
    pub(super) fn close_segment(&mut self, emit: &mut dyn FnMut(EngineEvent)) {
        let Some(mut seg) = self.segment.take() else {
            return;
        };
        let file = self.source.file.clone();
        if file.is_none() && seg.frames.len() < self.settings.min_segment_frames {
            log::info!(
                "{}: dropped a {:.1} s segment (shorter than the minimum)",
                self.source.name,
                seg.frames.len() as f64 / FRAME_RATE as f64
            );
            return;
        }
        if file.is_some() && self.parts == 1 && seg.frames.len() < self.settings.min_file_frames {
            log::warn!(
                "{}: {:.1} s of audio is too short to store as a track (minimum {:.1} s, \
                 [segments] min_file_s); not stored",
                self.source.name,
                seg.frames.len() as f64 / FRAME_RATE as f64,
                self.settings.min_file_frames as f64 / FRAME_RATE as f64
            );
            return;
        }
        let mut facts = self.stream.take_facts();
        // Live segments are measured by their frames (the statistics restart at chunk
        // boundaries, the frames exactly).
        if file.is_none() {
            facts.duration_s = seg.frames.len() as f64 / FRAME_RATE as f64;
        }
        let (resample, spectrum) = self.stream.stage_times();
        let mut times = StageTimes {
            resample,
            spectrum,
            network: self.net_time,
            ..Default::default()
        };
        let offline = self.offline_net(&mut seg, &mut times);
        let net = offline.as_deref().or(seg_net(&seg.frames, &seg.net));
        let mut artifacts = analyze_frames(&seg.frames, net, &facts, &self.options, &mut times);
        // The engine reads no clock of its own.
        artifacts.provenance.analyzed_at = (self.settings.clock)();
        if let Some(run) = seg.embed.take() {
            let model = run.model().clone();
            match run.finish() {
                Ok((result, time)) => {
                    times.embedding = time;
                    attach_embeddings(&mut artifacts, model.as_ref(), result)
                }
                // Like a failing beat network: the track is stored without what the network
                // would give, and its provenance does not name it.
                Err(e) => seg.note_failure(&self.source.name, format!("embedding network: {e}")),
            }
        }
        let tags = self.source_tags();
        let (id, name) = match &file {
            Some((id, _)) if seg.part == 1 && self.parts == 1 => (*id, self.source.name.clone()),
            Some((id, _)) => {
                let mut h = Sha256::new();
                h.update(id.0);
                h.update(seg.part.to_le_bytes());
                (track_id(h), format!("{}#{}", self.source.name, seg.part))
            }
            None => {
                // A live segment is named by its audio (the statistics' fingerprint of the
                // segment's samples), when it ended and its part number.
                let mut h = Sha256::new();
                h.update(facts.fingerprint);
                h.update((self.settings.clock)().to_le_bytes());
                h.update(seg.part.to_le_bytes());
                (track_id(h), format!("{}#{}", self.source.name, seg.part))
            }
        };
        // The style is decided on the record as stored (quantized: 8-bit mean embedding, 12-bit
        // mean bar ...), as `necken reanalyze` can only decide it: on the full-precision values
        // a track near a threshold was named one thing when stored and another when read back.
        let record = codec::encode(&artifacts);
        let stored = codec::decode(&record).expect("a record this build encodes decodes");
        let reading = interpret(&stored, &tags, self.head());
        let (classification, beats_per_bar) = (
            reading.classification,
            reading.artifacts.rhythm.beats_per_bar,
        );
        emit(EngineEvent::Segment(Box::new(Segment {
            id,
            name,
            tags,
            artifacts,
            record,
            classification,
            beats_per_bar,
            start_s: seg.start_frame as f64 / FRAME_RATE as f64,
            head: self.head_id(),
            failures: seg.failures,
            times,
        })));
    }
}

impl Engine {
    /// The offline network's output for a closing segment's frames, when the beat model has
    /// one. A failure is noted (the live stream's output, if any, is used instead and the
    /// record says why).
    fn offline_net(&self, seg: &mut OpenSegment, times: &mut StageTimes) -> Option<Vec<[f32; 2]>> {
        let mut run = seg.offline.take()?;
        let mut out = std::mem::take(&mut seg.offline_out);
        let t = Instant::now();
        let result = run.finish(&mut out).map(|()| out);
        times.network += seg.offline_time + t.elapsed();
        match result {
            Ok(a) if a.len() == seg.frames.len() => Some(a),
            Ok(a) => {
                let what = format!(
                    "offline beat network: {} frames for {}",
                    a.len(),
                    seg.frames.len()
                );
                seg.note_failure(&self.source.name, what);
                None
            }
            Err(e) => {
                seg.note_failure(&self.source.name, format!("offline beat network: {e}"));
                None
            }
        }
    }
}

/// The network's output for a segment's frames when it covers all of them (a failed network
/// leaves the segment DSP-only, and its provenance says so).
pub(super) fn seg_net<'a>(frames: &[FrameFeatures], net: &'a [[f32; 2]]) -> Option<&'a [[f32; 2]]> {
    (!net.is_empty() && net.len() == frames.len()).then_some(net)
}
fn track_id(h: Sha256) -> TrackId {
    let d = h.finalize();
    let mut id = [0u8; 16];
    id.copy_from_slice(&d[..16]);
    TrackId(id)
}
