//! A whole file through the engine, recording only: what `necken analyze` stores.

use std::path::Path;
use std::time::Instant;

use necken_analysis::{
    decode_file, AnalysisError, AnalysisOptions, AudioSink, DecodeInfo, StageTimes,
};
use necken_core::artifact::RawArtifacts;
use necken_core::classify::Tags;
use necken_store::TrackId;

use crate::{Engine, EngineEvent, EngineSettings, Models, Segment, SourceInfo};

/// Frames per network inference for whole files: large enough that tract's per-call cost
/// vanishes, small enough that its intermediate tensors stay a few hundred kilobytes. The
/// network's output is the same at any pulse (the daemon's live pulse is 4).
const FILE_PULSE: usize = 500;

/// The result of analyzing one file.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// The raw artifacts.
    pub artifacts: RawArtifacts,
    /// Their record as it is to be stored.
    pub record: Vec<u8>,
    /// Tags read from the file.
    pub tags: Tags,
    /// Decoder facts.
    pub decode: DecodeInfo,
    /// Time per stage.
    pub times: StageTimes,
}

/// Feeds decoded audio to a recording engine.
struct RecordingSink<'a> {
    options: &'a AnalysisOptions,
    source: SourceInfo,
    engine: Option<Engine>,
    segment: Option<Box<Segment>>,
}

impl AudioSink for RecordingSink<'_> {
    fn start(&mut self, sample_rate: u32, channels: usize) -> Result<(), String> {
        let o = self.options;
        let settings = EngineSettings::recording(o.profile, o.net_share, FILE_PULSE);
        let models = Models {
            style: None,
            beat: o.beat_model.clone(),
            embed: o.embedding_model.clone(),
        };
        let mut engine = Engine::new(settings, models, self.source.clone(), sample_rate, channels)?;
        engine.options.tracker = o.tracker.clone();
        self.engine = Some(engine);
        Ok(())
    }

    fn samples(&mut self, interleaved: &[f32]) {
        if let Some(engine) = &mut self.engine {
            engine.push(interleaved, &mut |e| record(&mut self.segment, e));
        }
    }
}

fn record(segment: &mut Option<Box<Segment>>, event: EngineEvent) {
    if let EngineEvent::Segment(s) = event {
        *segment = Some(s);
    }
}

/// Analyzes one audio file: decoded and fed to the engine as `neckend --input` feeds it, the
/// whole file one segment. A network that fails is an error here (the daemon stores the track
/// without it and logs why). Errors name the file.
pub fn analyze_file(path: &Path, options: &AnalysisOptions) -> Result<Analysis, AnalysisError> {
    let start = Instant::now();
    let mut sink = RecordingSink {
        options,
        source: SourceInfo {
            name: path.display().to_string(),
            // The caller names the track (its content id); the engine only carries it.
            file: Some((TrackId([0; 16]), Tags::default())),
        },
        engine: None,
        segment: None,
    };
    let info = decode_file(path, &mut sink)?;
    let Some(mut engine) = sink.engine.take() else {
        return Err(AnalysisError::new(path, "the decoder gave no audio"));
    };
    engine.set_tags(info.tags.clone());
    engine.finish(&mut |e| record(&mut sink.segment, e));
    let segment = sink
        .segment
        .ok_or_else(|| AnalysisError::new(path, "no audio was recorded"))?;
    if let Some(failure) = segment.failures.first() {
        return Err(AnalysisError::new(path, failure.clone()));
    }
    let mut times = segment.times.clone();
    let t = &times;
    let measured = t.resample + t.spectrum + t.network + t.embedding;
    let analysis = t.activation + t.tracking + t.stats;
    times.decode = start.elapsed().saturating_sub(measured + analysis);
    Ok(Analysis {
        artifacts: segment.artifacts,
        record: segment.record,
        tags: info.tags.clone(),
        decode: info,
        times,
    })
}
