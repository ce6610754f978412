//! The seam between the DSP and the learned models: beat/downbeat activations and the audio
//! embedding. The networks run with tract in `necken-models`, which implements these traits;
//! everything here and above stays free of tract, so the DSP crates build and test in seconds.

use crate::activation::Activations;

/// Share of the network in the activations the trackers see; the rest is the DSP activation.
/// Chosen on the network's validation clips (generated, seed 1), not on dev.
pub const DEFAULT_NET_SHARE: f32 = 0.5;

/// A beat/downbeat activation network over the front end's log bands
/// ([`crate::frontend::FrameFeatures::bands`]).
pub trait BeatActivationModel: Send + Sync {
    /// Model id, e.g. `beat-tcn-v1`.
    fn id(&self) -> &str;
    /// First 8 bytes of the SHA-256 of the model file (recorded in artifact provenance).
    fn sha256_prefix(&self) -> [u8; 8];
    /// Beat and downbeat probability per frame for a whole piece; `bands` is frame-major.
    /// From the offline network when the model has one ([`Self::looks_ahead`]).
    fn activations(&self, bands: &[f32]) -> Result<Vec<[f32; 2]>, String>;
    /// A causal stream of the model's causal network taking `pulse` frames per inference:
    /// small pulses for live audio (latency), large ones for files (memory stays bounded,
    /// speed near the whole-piece run).
    fn stream(&self, pulse: usize) -> Result<Box<dyn StreamingBeatActivation>, String>;
    /// Whether [`Self::activations`] come from an offline network that also hears the
    /// future, so that whole pieces are better served by it than by the stream (whose
    /// output then differs).
    fn looks_ahead(&self) -> bool {
        false
    }
    /// The offline network run frame by frame (its output that far behind its input), when
    /// the model has one.
    fn stream_offline(
        &self,
        _pulse: usize,
    ) -> Option<Result<Box<dyn StreamingBeatActivation>, String>> {
        None
    }
}

/// The network run frame by frame. Frames go in one at a time; the probabilities come out
/// in blocks (a "pulse" of frames), in order, each exactly what the same network's
/// whole-piece run gives (but for an offline network's last look-ahead, which hears silence
/// after the piece).
pub trait StreamingBeatActivation: Send {
    /// Takes one frame's bands; appends the probabilities of any frames now complete.
    fn push(&mut self, bands: &[f32], out: &mut Vec<[f32; 2]>) -> Result<(), String>;
    /// Frames taken whose probabilities are not out yet.
    fn pending(&self) -> usize;
    /// Frames still to push before the network runs again (the rest of its pulse).
    fn frames_until_run(&self) -> usize;
    /// The source ended: appends the probabilities of the frames still pending (the last
    /// pulse is completed with silent frames, which cannot change a causal network's earlier
    /// output).
    fn finish(&mut self, out: &mut Vec<[f32; 2]>) -> Result<(), String>;
}

/// What an embedding network gives for a batch of patches.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PatchEmbeddings {
    /// One embedding per patch, each [`EmbeddingModel::dim`] long.
    pub embeddings: Vec<Vec<f32>>,
    /// `[instrumental, vocal]` probabilities per patch (they sum to 1).
    pub vocal: Vec<[f32; 2]>,
}

/// An audio embedding network with an instrumental/vocal head, over log-mel patches
/// ([`crate::mel`]).
pub trait EmbeddingModel: Send + Sync {
    /// Model id, e.g. `embed-cnn-v1`.
    fn id(&self) -> &str;
    /// First 8 bytes of the SHA-256 of the model file (recorded in artifact provenance).
    fn sha256_prefix(&self) -> [u8; 8];
    /// Embedding length.
    fn dim(&self) -> usize;
    /// Runs `patches` (each [`crate::mel::MEL_BANDS`] × [`crate::mel::PATCH_FRAMES`] values,
    /// band-major, back to back).
    fn embed(&self, patches: &[f32]) -> Result<PatchEmbeddings, String>;
}

/// Mixes network probabilities into DSP activations: `share` of the network's (clamped to
/// 0..=1), the rest the DSP's. Harmonic change stays DSP.
pub fn mix_activations(dsp: &Activations, net: &[[f32; 2]], share: f32) -> Activations {
    let n = dsp.len().min(net.len());
    Activations {
        beat: (0..n).map(|i| mix(dsp.beat[i], net[i][0], share)).collect(),
        downbeat: (0..n)
            .map(|i| mix(dsp.downbeat[i], net[i][1], share))
            .collect(),
        harmonic: dsp.harmonic[..n].to_vec(),
    }
}

/// One activation value: `share` of the network's probability (clamped to 0..=1), the rest
/// the DSP's.
pub fn mix(dsp: f32, net: f32, share: f32) -> f32 {
    share * net.clamp(0.0, 1.0) + (1.0 - share) * dsp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixing_weights_the_network_by_its_share_and_keeps_harmonic_change() {
        let dsp = Activations {
            beat: vec![0.0, 1.0],
            downbeat: vec![0.2, 0.4],
            harmonic: vec![0.3, 0.6],
        };
        let m = mix_activations(&dsp, &[[1.0, 0.0], [0.0, 2.0]], 0.25);
        assert_eq!(m.beat, vec![0.25, 0.75]);
        assert!((m.downbeat[0] - 0.15).abs() < 1e-6 && (m.downbeat[1] - 0.55).abs() < 1e-6);
        assert_eq!(m.harmonic, dsp.harmonic);
    }
}
