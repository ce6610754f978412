//! The style head: feature normalization plus a small MLP (or a linear layer), loaded from a
//! model file at run time.
//!
//! The file format (`.nkhead`) and its checks are in `head/file.rs`.

use serde::{Deserialize, Serialize};

use crate::style::Style;
use crate::vector::{has_bar_pattern, BAR_FLAG, V1_DIM};

mod file;
pub use file::HeadError;

/// One dense layer: `out = W · in + b`, row-major `W` of `outputs × inputs`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dense {
    /// Input width.
    pub inputs: u32,
    /// Output width.
    pub outputs: u32,
    /// Row-major weights.
    pub weights: Vec<f32>,
    /// Biases.
    pub bias: Vec<f32>,
    /// Apply ReLU after this layer (never on the last).
    pub relu: bool,
}

/// A trained style head.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StyleHead {
    /// Human-readable id, e.g. `necken-style-head-v1`.
    pub id: String,
    /// Feature-vector version the head was trained on.
    pub feature_version: u32,
    /// Output classes in order.
    pub classes: Vec<Style>,
    /// Per-feature mean subtracted before the first layer.
    pub feature_mean: Vec<f32>,
    /// Per-feature scale divided after subtracting the mean (never 0).
    pub feature_scale: Vec<f32>,
    /// The layers; the last one's outputs are class logits.
    pub layers: Vec<Dense>,
    /// How it was trained (data, date), for reports.
    pub trained_on: String,
    /// The embedding network whose vectors it was trained on (`embed-cnn-v2`), `None` when it
    /// was trained without one. A track embedded by another network is not this head's to
    /// classify: the embeddings live in different spaces ([`StyleHead::reads`]).
    pub embedding_model: Option<String>,
    /// The temperature the live windows' logits are divided by, after the track calibration
    /// folded into the last layer (1 = windows read as tracks). A 6-12 s window says less than
    /// a whole track, so a head calibrated on tracks is surer on windows than it is right;
    /// `necken train-head --calibrate-windows` fits this on window-length excerpts.
    pub window_temperature: f32,
    /// The live windows' own model, when the head was trained on window-length excerpts too
    /// (`necken train-head --windows`; `NKHEAD04`); `None` = windows are read by the track
    /// model above.
    pub window_model: Option<WindowModel>,
}

/// A second model over the same classes that the live windows read instead of the track
/// model: the first 6-12 s of a tune in a hall say less, and differently, than a whole track
/// (tempo and bar statistics from a few bars, an embedding averaged over a few patches), so
/// a model trained on such excerpts reads them better than one trained on tracks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowModel {
    /// Per-feature mean subtracted before the first layer.
    pub feature_mean: Vec<f32>,
    /// Per-feature scale divided after subtracting the mean (never 0).
    pub feature_scale: Vec<f32>,
    /// The layers; the last one's outputs are logits of the head's classes.
    pub layers: Vec<Dense>,
    /// What its excerpts were, for reports.
    pub trained_on: String,
}

/// The network an embedding model id names: its int8 variant reads as the float network.
pub fn embedding_network(model_id: &str) -> &str {
    model_id.strip_suffix("-int8").unwrap_or(model_id)
}

impl StyleHead {
    /// Whether this head can classify a track whose embedding came from `track_embedding`
    /// (a model id; `None` = the track has no embedding). A head names the network it was
    /// trained with, and a track embedded by another one would give it vectors from another
    /// space, so confident nonsense. A track without an embedding is still read, as before.
    pub fn reads(&self, track_embedding: Option<&str>) -> bool {
        match (&self.embedding_model, track_embedding) {
            (Some(head), Some(track)) => embedding_network(head) == embedding_network(track),
            _ => true,
        }
    }

    /// True when the head was trained on vectors with an embedding (the training mean of the
    /// `has_embedding` flag is above one half): without an embedding network its inputs are
    /// unlike anything it saw.
    pub fn expects_embedding(&self) -> bool {
        let flag = crate::vector::EMBEDDING_DIM
            + crate::vector::TAIL_NAMES
                .iter()
                .position(|n| *n == "has_embedding")
                .expect("the layout names has_embedding");
        self.trained_with(flag)
    }

    /// True when the head was trained on vectors with a mean bar (the training mean of the
    /// `has_bar_pattern` flag is above one half).
    pub fn expects_bar_pattern(&self) -> bool {
        self.trained_with(BAR_FLAG)
    }

    /// Whether most of the training vectors had presence flag `flag` set.
    fn trained_with(&self, flag: usize) -> bool {
        self.feature_mean.get(flag).is_some_and(|m| *m > 0.5)
    }

    /// The head as the live windows read it: its window model when it has one, and the last
    /// layer divided by the window temperature, so that a window's probabilities are as
    /// calibrated as a track's.
    pub fn for_windows(&self) -> StyleHead {
        let mut head = self.clone();
        if let Some(w) = head.window_model.take() {
            head.feature_mean = w.feature_mean;
            head.feature_scale = w.feature_scale;
            head.layers = w.layers;
        }
        head.divide_logits(f64::from(self.window_temperature));
        head.window_temperature = 1.0;
        head
    }

    /// Divides the logits by the temperature `t` (folded into the last layer; computed in
    /// f64, which rounds an f32 divisor's quotient exactly as f32 division would).
    pub fn divide_logits(&mut self, t: f64) {
        let last = self.layers.last_mut().expect("a validated head has layers");
        for v in last.weights.iter_mut().chain(last.bias.iter_mut()) {
            *v = (f64::from(*v) / t) as f32;
        }
    }

    /// Class probabilities (softmax) for a feature vector of [`crate::vector::FEATURE_DIM`]
    /// values (a head of an older feature version reads the start of it, its own layout).
    ///
    /// A track without a mean bar (stored before schema 3, or imported) read by a head trained
    /// on tracks with one has its mean-bar dimensions read as the head's training means: they
    /// then move no class, and the head decides on the rest of the vector. Read as stored
    /// (zeros, far from every training track) they would move it to confident nonsense.
    pub fn predict(&self, features: &[f32]) -> Vec<(Style, f32)> {
        let neutral = self.expects_bar_pattern() && !has_bar_pattern(features);
        let mut x: Vec<f32> = features
            .iter()
            .zip(self.feature_mean.iter().zip(&self.feature_scale))
            .enumerate()
            .map(|(i, (v, (m, s)))| {
                if neutral && i >= V1_DIM {
                    0.0
                } else {
                    (v - m) / s
                }
            })
            .collect();
        let mut y = Vec::new();
        for l in &self.layers {
            y.clear();
            for o in 0..l.outputs as usize {
                let row = &l.weights[o * l.inputs as usize..(o + 1) * l.inputs as usize];
                let mut acc = l.bias[o];
                for (w, xi) in row.iter().zip(&x) {
                    acc += w * xi;
                }
                y.push(if l.relu { acc.max(0.0) } else { acc });
            }
            std::mem::swap(&mut x, &mut y);
        }
        let max = x.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let exps: Vec<f32> = x.iter().map(|v| (v - max).exp()).collect();
        let sum: f32 = exps.iter().sum();
        self.classes
            .iter()
            .zip(exps)
            .map(|(&c, e)| (c, e / sum))
            .collect()
    }
}

#[cfg(test)]
mod tests;
