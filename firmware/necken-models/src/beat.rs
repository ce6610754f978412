//! The beat/downbeat activation network, whole-piece and streamed.
//!
//! A model file holds one causal network (output `activation`), or two over the same input:
//! the causal one, which streams, and an offline one that also hears the future (second
//! output, `offline`), which whole pieces use. The daemon streams the first for its live
//! beats and runs the second over each stored segment; a file through `necken analyze` only
//! needs the second.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use necken_rhythm::learned::{BeatActivationModel, StreamingBeatActivation};
use tract_onnx::prelude::*;
use tract_pulse::internal::{PulsedModel, PulsedModelExt};

use crate::{checked, Checked, ModelError, ModelFile};

/// The beat/downbeat activation network.
pub struct BeatNet {
    /// The whole-piece plan, optimized on first use: a daemon without an offline network
    /// only streams, and the optimized plan costs megabytes it would never use.
    plan: std::sync::OnceLock<Arc<TypedRunnableModel>>,
    /// The causal network's graph with its symbolic frame axis, kept to make streams from.
    typed: TypedModel,
    /// The offline network's graph, when the file has one.
    offline: Option<TypedModel>,
    bands: usize,
    path: PathBuf,
    id: String,
    sha256_prefix: [u8; 8],
}

impl BeatNet {
    /// Band count of the input.
    pub const BANDS: usize = 71;

    /// Loads and checks the model.
    pub fn load(path: &Path) -> Result<BeatNet, ModelError> {
        Self::open(&ModelFile::Path(path.to_path_buf()))
    }

    /// Loads and checks the model from a file or the built-in copy.
    pub fn open(file: &ModelFile) -> Result<BeatNet, ModelError> {
        let Checked {
            path,
            bytes,
            id,
            sha256_prefix,
        } = checked(file)?;
        let path = path.as_path();
        let invalid = |e: TractError| ModelError::Invalid {
            path: path.to_path_buf(),
            problem: format!("{e:#}"),
        };
        let both = crate::elu::onnx()
            .model_for_read(&mut &bytes[..])
            .and_then(|m| m.into_typed())
            .and_then(|m| m.into_decluttered())
            .map_err(invalid)?;
        let outputs = both.output_outlets().map_err(invalid)?.to_vec();
        if outputs.is_empty() || outputs.len() > 2 {
            return Err(ModelError::Invalid {
                path: path.to_path_buf(),
                problem: format!(
                    "{} outputs; a beat network has one (causal) or two (causal, offline)",
                    outputs.len()
                ),
            });
        }
        // Each network alone, so that streaming never computes the offline one.
        let only = |outlet| {
            both.clone()
                .with_output_outlets(&[outlet])
                .and_then(|m| m.into_compact())
                .map_err(invalid)
        };
        let typed = only(outputs[0])?;
        let offline = outputs.get(1).map(|&o| only(o)).transpose()?;
        Ok(BeatNet {
            plan: std::sync::OnceLock::new(),
            typed,
            offline,
            bands: Self::BANDS,
            path: path.to_path_buf(),
            id,
            sha256_prefix,
        })
    }

    /// The model file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether whole pieces get an offline network's output, which hears the future (and so
    /// differs from the stream's).
    pub fn looks_ahead(&self) -> bool {
        self.offline.is_some()
    }

    /// A causal stream of this network with tract's pulsed execution: the graph is rewritten
    /// to take `pulse` frames per call and to keep the dilated convolutions' history itself,
    /// so each frame is computed once and the output equals the whole-piece run. A pulse of 1
    /// gives each frame's probabilities as soon as it arrives; larger pulses cost less CPU
    /// (tract's per-call overhead dominates at this model size) but hold frames back up to
    /// `pulse − 1` frames.
    pub fn stream(&self, pulse: usize) -> Result<BeatNetStream, ModelError> {
        self.pulsed(&self.typed, pulse)
    }

    /// The offline network run frame by frame, when the file has one: its output comes as
    /// far behind the input as the network looks ahead (5.1 s for beat-tcn-v3), and a
    /// piece's last frames hear silence after it rather than the whole-piece run's edge.
    /// Memory is the network's look-back and look-ahead, whatever the piece's length.
    pub fn stream_offline(&self, pulse: usize) -> Option<Result<BeatNetStream, ModelError>> {
        self.offline.as_ref().map(|g| self.pulsed(g, pulse))
    }

    fn pulsed(&self, graph: &TypedModel, pulse: usize) -> Result<BeatNetStream, ModelError> {
        let pulse = pulse.max(1);
        let invalid = |e: TractError| ModelError::Invalid {
            path: self.path.clone(),
            problem: format!("streaming: {e:#}"),
        };
        let frames = graph.symbols.sym("frames");
        let pulsed = PulsedModel::new(graph, frames, &pulse.to_dim()).map_err(invalid)?;
        let delay = pulsed
            .output_fact(0)
            .map_err(invalid)?
            .stream
            .as_ref()
            .map_or(0, |s| s.delay);
        let plan = pulsed
            .into_typed()
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(invalid)?;
        let state = TypedSimpleState::new(&plan).map_err(invalid)?;
        Ok(BeatNetStream {
            state,
            input: Vec::with_capacity(pulse * self.bands),
            pulse,
            bands: self.bands,
            skip: delay,
            taken: 0,
            given: 0,
            path: self.path.clone(),
        })
    }

    /// Beat and downbeat probabilities for `frames` frames of `bands` (frame-major, 71 log
    /// band magnitudes each, as the front end computes them), from the offline network when
    /// the file has one. Memory grows with the piece: the daemon streams instead
    /// ([`BeatNet::stream`], [`BeatNet::stream_offline`]).
    pub fn activations(&self, bands: &[f32]) -> Result<Vec<[f32; 2]>, ModelError> {
        let frames = bands.len() / self.bands;
        if frames == 0 {
            return Ok(Vec::new());
        }
        let invalid = |e: TractError| ModelError::Invalid {
            path: self.path.clone(),
            problem: format!("{e:#}"),
        };
        let input = tract_ndarray::Array3::from_shape_vec(
            (1, frames, self.bands),
            bands[..frames * self.bands].to_vec(),
        )
        .map_err(|e| ModelError::Invalid {
            path: self.path.clone(),
            problem: e.to_string(),
        })?;
        let plan = match self.plan.get() {
            Some(plan) => plan.clone(),
            None => {
                let plan = self
                    .offline
                    .as_ref()
                    .unwrap_or(&self.typed)
                    .clone()
                    .into_optimized()
                    .and_then(|m| m.into_runnable())
                    .map_err(invalid)?;
                self.plan.get_or_init(|| plan).clone()
            }
        };
        let out = plan
            .run(tvec!(Tensor::from(input).into()))
            .map_err(invalid)?;
        let view = out[0].to_plain_array_view::<f32>().map_err(invalid)?;
        Ok(view
            .as_slice()
            .unwrap_or(&[])
            .chunks_exact(2)
            .map(|c| [c[0], c[1]])
            .collect())
    }
}

/// [`BeatNet`] run frame by frame (see [`BeatNet::stream`]).
pub struct BeatNetStream {
    state: TypedSimpleState,
    input: Vec<f32>,
    pulse: usize,
    bands: usize,
    /// Outputs still to drop: the pulsed graph's delay (0 for a causal network).
    skip: usize,
    taken: u64,
    given: u64,
    path: PathBuf,
}

impl BeatNetStream {
    /// Takes one frame of bands; appends the probabilities of the frames now complete.
    pub fn push(&mut self, bands: &[f32], out: &mut Vec<[f32; 2]>) -> Result<(), ModelError> {
        if bands.len() != self.bands {
            return Err(ModelError::Invalid {
                path: self.path.clone(),
                problem: format!(
                    "a frame has {} bands, the network takes {}",
                    bands.len(),
                    self.bands
                ),
            });
        }
        self.input.extend_from_slice(bands);
        self.taken += 1;
        if self.input.len() < self.pulse * self.bands {
            return Ok(());
        }
        let invalid = |e: TractError| ModelError::Invalid {
            path: self.path.clone(),
            problem: format!("{e:#}"),
        };
        let chunk =
            Tensor::from_shape(&[1, self.pulse, self.bands], &self.input).map_err(invalid)?;
        self.input.clear();
        let result = self.state.run(tvec!(chunk.into())).map_err(invalid)?;
        let view = result[0].to_plain_array_view::<f32>().map_err(invalid)?;
        for pair in view.as_slice().unwrap_or(&[]).chunks_exact(2) {
            if self.skip > 0 {
                self.skip -= 1;
                continue;
            }
            out.push([pair[0], pair[1]]);
            self.given += 1;
        }
        Ok(())
    }

    /// Frames taken whose probabilities are not out yet.
    pub fn pending(&self) -> usize {
        (self.taken - self.given) as usize
    }

    /// Frames still to push before the network runs again (the rest of its pulse; a graph
    /// with a delay gives nothing for its first runs).
    pub fn frames_until_run(&self) -> usize {
        self.pulse - self.input.len() / self.bands
    }

    /// The source ended: completes the last pulse (and an offline network's look-ahead) with
    /// silent frames (a causal network's earlier output cannot change), appends the
    /// probabilities of every frame taken and drops those of the padding.
    pub fn finish(&mut self, out: &mut Vec<[f32; 2]>) -> Result<(), ModelError> {
        let (target, before, first) = (self.taken, self.given, out.len());
        let silent = vec![0f32; self.bands];
        while self.given < target {
            self.push(&silent, out)?;
        }
        out.truncate(first + (target - before) as usize);
        self.taken = self.given;
        Ok(())
    }
}

impl BeatActivationModel for BeatNet {
    fn id(&self) -> &str {
        &self.id
    }

    fn sha256_prefix(&self) -> [u8; 8] {
        self.sha256_prefix
    }

    fn activations(&self, bands: &[f32]) -> Result<Vec<[f32; 2]>, String> {
        BeatNet::activations(self, bands).map_err(|e| e.to_string())
    }

    fn looks_ahead(&self) -> bool {
        BeatNet::looks_ahead(self)
    }

    fn stream_offline(
        &self,
        pulse: usize,
    ) -> Option<Result<Box<dyn StreamingBeatActivation>, String>> {
        BeatNet::stream_offline(self, pulse).map(|r| {
            r.map(|s| Box::new(s) as Box<dyn StreamingBeatActivation>)
                .map_err(|e| e.to_string())
        })
    }

    fn stream(&self, pulse: usize) -> Result<Box<dyn StreamingBeatActivation>, String> {
        BeatNet::stream(self, pulse)
            .map(|s| Box::new(s) as Box<dyn StreamingBeatActivation>)
            .map_err(|e| e.to_string())
    }
}

impl StreamingBeatActivation for BeatNetStream {
    fn push(&mut self, bands: &[f32], out: &mut Vec<[f32; 2]>) -> Result<(), String> {
        BeatNetStream::push(self, bands, out).map_err(|e| e.to_string())
    }

    fn pending(&self) -> usize {
        BeatNetStream::pending(self)
    }

    fn frames_until_run(&self) -> usize {
        BeatNetStream::frames_until_run(self)
    }

    fn finish(&mut self, out: &mut Vec<[f32; 2]>) -> Result<(), String> {
        BeatNetStream::finish(self, out).map_err(|e| e.to_string())
    }
}
