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

    /// The head as the live windows read it: its last layer divided by the window
    /// temperature, so that a window's probabilities are as calibrated as a track's.
    pub fn for_windows(&self) -> StyleHead {
        let mut head = self.clone();
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
mod tests {
    use super::*;
    use crate::vector::{FEATURE_DIM, FEATURE_VERSION};

    pub(crate) fn tiny_head() -> StyleHead {
        let classes = vec![Style::Polska, Style::Polka];
        let mut weights = vec![0f32; 2 * FEATURE_DIM];
        // Ternary confidence (dim 213) votes polska, against polka.
        weights[213] = 4.0;
        weights[FEATURE_DIM + 213] = -4.0;
        StyleHead {
            id: "test".into(),
            feature_version: FEATURE_VERSION,
            classes,
            feature_mean: vec![0.0; FEATURE_DIM],
            feature_scale: vec![1.0; FEATURE_DIM],
            layers: vec![Dense {
                inputs: FEATURE_DIM as u32,
                outputs: 2,
                weights,
                bias: vec![0.0, 0.0],
                relu: false,
            }],
            trained_on: "hand-made".into(),
            embedding_model: None,
            window_temperature: 1.0,
        }
    }

    /// Windows read with the window temperature: the same order of styles, less sure when it
    /// is above 1; the temperature survives the file; a `NKHEAD02` head reads windows as
    /// tracks; a temperature that is no positive number is refused.
    #[test]
    fn windows_are_read_with_the_window_temperature() {
        let mut head = tiny_head();
        head.window_temperature = 2.0;
        let back = StyleHead::from_bytes(&head.to_bytes()).unwrap();
        assert_eq!(back.window_temperature, 2.0);
        let mut x = vec![0f32; FEATURE_DIM];
        x[213] = 0.5;
        let (track, window) = (back.predict(&x), back.for_windows().predict(&x));
        assert_eq!(track[0].0, window[0].0);
        assert!(
            window[0].1 < track[0].1 && window[0].1 > 0.5,
            "{track:?} {window:?}"
        );
        assert_eq!(back.for_windows().window_temperature, 1.0);
        let v10 = StyleHead::from_bytes(include_bytes!("../../../models/style-head-v10.nkhead"));
        let v10 = v10.unwrap();
        assert_eq!(v10.window_temperature, 1.0);
        assert_eq!(v10.for_windows().layers, v10.layers);
        // The default head was calibrated on window-length excerpts: less sure on them.
        let v13 = StyleHead::from_bytes(include_bytes!("../../../models/style-head-v13.nkhead"));
        let v13 = v13.unwrap();
        assert!(
            (v13.window_temperature - 1.667).abs() < 0.001,
            "{}",
            v13.window_temperature
        );
        head.window_temperature = 0.0;
        assert!(matches!(
            StyleHead::from_bytes(&head.to_bytes()),
            Err(HeadError::Shape(_))
        ));
    }

    #[test]
    fn head_file_round_trips_and_predicts() {
        let head = tiny_head();
        let back = StyleHead::from_bytes(&head.to_bytes()).unwrap();
        let mut x = vec![0f32; FEATURE_DIM];
        x[213] = 0.9;
        let p = back.predict(&x);
        assert_eq!(p[0].0, Style::Polska);
        assert!(p[0].1 > 0.9, "{p:?}");
    }

    #[test]
    fn the_bundled_heads_say_whether_they_need_an_embedding() {
        let v1 = StyleHead::from_bytes(include_bytes!("../../../models/style-head-v1.nkhead"));
        let v2 = StyleHead::from_bytes(include_bytes!("../../../models/style-head-v2.nkhead"));
        assert!(!v1.unwrap().expects_embedding());
        assert!(v2.unwrap().expects_embedding());
    }

    /// `NKHEAD01` heads name `embed-cnn-v1` when they read an embedding; v4 (`NKHEAD02`) names
    /// its own network; a head reads tracks of its network (int8 or float) and tracks without
    /// an embedding, never another network's.
    #[test]
    fn heads_name_the_embedding_network_they_read() {
        let v1 = StyleHead::from_bytes(include_bytes!("../../../models/style-head-v1.nkhead"));
        let v3 = StyleHead::from_bytes(include_bytes!("../../../models/style-head-v3.nkhead"));
        let v4 = StyleHead::from_bytes(include_bytes!("../../../models/style-head-v4.nkhead"));
        let (v1, v3, v4) = (v1.unwrap(), v3.unwrap(), v4.unwrap());
        assert_eq!(v1.embedding_model, None);
        assert_eq!(v3.embedding_model.as_deref(), Some("embed-cnn-v1"));
        assert_eq!(v4.embedding_model.as_deref(), Some("embed-cnn-v2"));
        assert!(v4.reads(Some("embed-cnn-v2")) && v4.reads(Some("embed-cnn-v2-int8")));
        assert!(v4.reads(None));
        assert!(!v4.reads(Some("embed-cnn-v1")) && !v3.reads(Some("embed-cnn-v2-int8")));
        assert!(v1.reads(Some("embed-cnn-v2")));
        // Written again, a v1-format head keeps what it was read as.
        assert_eq!(StyleHead::from_bytes(&v3.to_bytes()).unwrap(), v3);
    }

    /// A version-1 head (226 dimensions) reads the start of today's vector, which is its own
    /// layout: the mean bar after it changes nothing for it.
    #[test]
    fn a_version_one_head_reads_its_prefix_of_the_version_two_vector() {
        let v4 = StyleHead::from_bytes(include_bytes!("../../../models/style-head-v4.nkhead"));
        let v4 = v4.unwrap();
        assert_eq!(v4.feature_version, 1);
        let a = crate::synth::synthetic_artifacts(
            Style::Mazurka,
            90.0,
            crate::artifact::Profile::Standard,
            11,
        );
        let mut f = crate::features::derive(&a);
        assert_eq!(f.feature_vector.len(), FEATURE_DIM);
        assert_eq!(
            f.feature_vector[FEATURE_DIM - 1],
            1.0,
            "the mean bar is flagged"
        );
        let with_bar = v4.predict(&f.feature_vector);
        let prefix = v4.predict(&f.feature_vector[..crate::vector::V1_DIM]);
        f.feature_vector[crate::vector::V1_DIM..]
            .iter_mut()
            .for_each(|v| *v = 7.0);
        assert_eq!(with_bar, prefix);
        assert_eq!(v4.predict(&f.feature_vector), prefix);
    }

    /// The default head learned from tracks with a mean bar; a track stored without one is read
    /// with the head's training means there, not with zeros.
    #[test]
    fn a_track_without_a_mean_bar_is_read_with_the_heads_means_there() {
        let head = StyleHead::from_bytes(include_bytes!("../../../models/style-head-v10.nkhead"));
        let head = head.unwrap();
        assert_eq!(head.feature_version, 2);
        assert!(head.expects_bar_pattern());
        let mut a = crate::synth::synthetic_artifacts(
            Style::Hambo,
            90.0,
            crate::artifact::Profile::Standard,
            4,
        );
        a.bar_pattern = None;
        let x = crate::features::derive(&a).feature_vector;
        assert_eq!(x[BAR_FLAG], 0.0);
        let mut at_means = x.clone();
        at_means[V1_DIM..].copy_from_slice(&head.feature_mean[V1_DIM..]);
        let (absent, means) = (head.predict(&x), head.predict(&at_means));
        for ((s1, p1), (s2, p2)) in absent.iter().zip(&means) {
            assert_eq!(s1, s2);
            assert!((p1 - p2).abs() < 1e-5, "{absent:?} {means:?}");
        }
    }

    #[test]
    fn corrupt_or_mismatched_heads_are_refused() {
        let bytes = tiny_head().to_bytes();
        assert_eq!(
            StyleHead::from_bytes(&bytes[..bytes.len() - 1]),
            Err(HeadError::Checksum)
        );
        assert_eq!(StyleHead::from_bytes(b"garbage"), Err(HeadError::BadMagic));
        let mut old = tiny_head();
        old.feature_version = 0;
        assert!(matches!(
            StyleHead::from_bytes(&old.to_bytes()),
            Err(HeadError::FeatureVersion { found: 0, .. })
        ));
        let mut bad = tiny_head();
        bad.layers[0].bias.pop();
        assert!(matches!(
            StyleHead::from_bytes(&bad.to_bytes()),
            Err(HeadError::Shape(_))
        ));
    }
}
