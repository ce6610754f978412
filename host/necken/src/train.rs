//! Fitting a linear (softmax-regression) style head on labelled feature vectors.
//!
//! Small enough to write out: standardize each feature, then full-batch gradient descent with
//! Adam on the L2-regularized cross-entropy. Deterministic (no random initialization).

use necken_core::head::{Dense, StyleHead};
use necken_core::style::Style;
use necken_core::vector::{FEATURE_DIM, FEATURE_VERSION};

/// Training settings.
pub struct TrainConfig {
    /// Gradient steps.
    pub steps: usize,
    /// Adam learning rate.
    pub learning_rate: f64,
    /// L2 penalty on the weights.
    pub l2: f64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            steps: 3000,
            learning_rate: 0.02,
            l2: 1e-3,
        }
    }
}

/// Fits a head on `(features, style)` examples; classes are the styles present, in order.
pub fn fit_linear_head(
    examples: &[(Vec<f32>, Style)],
    config: &TrainConfig,
    id: &str,
    trained_on: &str,
) -> Result<StyleHead, String> {
    let mut classes: Vec<Style> = examples.iter().map(|e| e.1).collect();
    classes.sort();
    classes.dedup();
    if classes.len() < 2 {
        return Err("need examples of at least two styles".into());
    }
    let n = examples.len() as f64;
    let d = FEATURE_DIM;
    let mut mean = vec![0f64; d];
    for (x, _) in examples {
        for (m, v) in mean.iter_mut().zip(x) {
            *m += *v as f64 / n;
        }
    }
    let mut scale = vec![0f64; d];
    for (x, _) in examples {
        for ((s, v), m) in scale.iter_mut().zip(x).zip(&mean) {
            *s += (*v as f64 - m).powi(2) / n;
        }
    }
    // A constant feature (e.g. the embedding while no model runs) keeps scale 1.
    let scale: Vec<f64> = scale
        .iter()
        .map(|v| if v.sqrt() > 1e-9 { v.sqrt() } else { 1.0 })
        .collect();
    let xs: Vec<Vec<f64>> = examples
        .iter()
        .map(|(x, _)| {
            x.iter()
                .zip(mean.iter().zip(&scale))
                .map(|(v, (m, s))| (*v as f64 - m) / s)
                .collect()
        })
        .collect();
    let ys: Vec<usize> = examples
        .iter()
        .map(|e| {
            classes
                .iter()
                .position(|c| *c == e.1)
                .expect("class listed")
        })
        .collect();
    let k = classes.len();
    let mut w = vec![0f64; k * d];
    let mut b = vec![0f64; k];
    let (mut mw, mut vw) = (vec![0f64; k * d], vec![0f64; k * d]);
    let (mut mb, mut vb) = (vec![0f64; k], vec![0f64; k]);
    let (beta1, beta2, eps): (f64, f64, f64) = (0.9, 0.999, 1e-8);
    for step in 1..=config.steps {
        let mut gw = vec![0f64; k * d];
        let mut gb = vec![0f64; k];
        for (x, &y) in xs.iter().zip(&ys) {
            let logits: Vec<f64> = (0..k)
                .map(|c| {
                    b[c] + w[c * d..(c + 1) * d]
                        .iter()
                        .zip(x)
                        .map(|(a, b)| a * b)
                        .sum::<f64>()
                })
                .collect();
            let max = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let exps: Vec<f64> = logits.iter().map(|l| (l - max).exp()).collect();
            let z: f64 = exps.iter().sum();
            for c in 0..k {
                let g = exps[c] / z - if c == y { 1.0 } else { 0.0 };
                gb[c] += g / n;
                for (gwi, xi) in gw[c * d..(c + 1) * d].iter_mut().zip(x) {
                    *gwi += g * xi / n;
                }
            }
        }
        for (g, wi) in gw.iter_mut().zip(&w) {
            *g += config.l2 * wi;
        }
        let lr = config.learning_rate * (1.0 - beta2.powi(step as i32)).sqrt()
            / (1.0 - beta1.powi(step as i32));
        for i in 0..k * d {
            mw[i] = beta1 * mw[i] + (1.0 - beta1) * gw[i];
            vw[i] = beta2 * vw[i] + (1.0 - beta2) * gw[i] * gw[i];
            w[i] -= lr * mw[i] / (vw[i].sqrt() + eps);
        }
        for c in 0..k {
            mb[c] = beta1 * mb[c] + (1.0 - beta1) * gb[c];
            vb[c] = beta2 * vb[c] + (1.0 - beta2) * gb[c] * gb[c];
            b[c] -= lr * mb[c] / (vb[c].sqrt() + eps);
        }
    }
    Ok(StyleHead {
        id: id.to_string(),
        feature_version: FEATURE_VERSION,
        classes,
        feature_mean: mean.iter().map(|&m| m as f32).collect(),
        feature_scale: scale.iter().map(|&s| s as f32).collect(),
        layers: vec![Dense {
            inputs: d as u32,
            outputs: k as u32,
            weights: w.iter().map(|&v| v as f32).collect(),
            bias: b.iter().map(|&v| v as f32).collect(),
            relu: false,
        }],
        trained_on: trained_on.to_string(),
        // The caller knows which embedding network the examples came from.
        embedding_model: None,
        // Windows read as tracks until the caller calibrates them.
        window_temperature: 1.0,
    })
}
