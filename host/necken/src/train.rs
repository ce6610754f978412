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
    let classes = classes_of(examples)?;
    let (d, k) = (FEATURE_DIM, classes.len());
    let (mean, scale) = standardization(examples);
    let (xs, ys) = standardized(examples, &mean, &scale, &classes)?;
    let (w, b) = fit_softmax(&xs, &ys, k, None, config);
    let layer = Dense {
        inputs: d as u32,
        outputs: k as u32,
        weights: w.iter().map(|&v| v as f32).collect(),
        bias: b.iter().map(|&v| v as f32).collect(),
        relu: false,
    };
    let to_f32 = |v: Vec<f64>| v.into_iter().map(|x| x as f32).collect();
    Ok(new_head(
        id,
        trained_on,
        classes,
        (to_f32(mean), to_f32(scale)),
        vec![layer],
    ))
}

/// The styles present in the examples, in order (at least two).
pub(crate) fn classes_of(examples: &[(Vec<f32>, Style)]) -> Result<Vec<Style>, String> {
    let mut classes: Vec<Style> = examples.iter().map(|e| e.1).collect();
    classes.sort();
    classes.dedup();
    if classes.len() < 2 {
        return Err("need examples of at least two styles".into());
    }
    Ok(classes)
}

/// A head of the current feature version over `classes`, reading its inputs through the
/// standardization `(mean, scale)` and `layers`, not yet calibrated.
pub(crate) fn new_head(
    id: &str,
    trained_on: &str,
    classes: Vec<Style>,
    (feature_mean, feature_scale): (Vec<f32>, Vec<f32>),
    layers: Vec<Dense>,
) -> StyleHead {
    StyleHead {
        id: id.to_string(),
        feature_version: FEATURE_VERSION,
        classes,
        feature_mean,
        feature_scale,
        layers,
        trained_on: trained_on.to_string(),
        // The caller knows which embedding network the examples came from.
        embedding_model: None,
        // Windows read as tracks until the caller calibrates them.
        window_temperature: 1.0,
        window_model: None,
    }
}

/// A linear model over `head`'s classes fitted on `examples` as a correction of `head`: its
/// logits are added to the head's own (the L2 penalty pulls the correction, not the model,
/// towards zero), and the sum is folded into one layer over the examples' standardization.
/// For a window model: what a track model learned from many tunes stays, and what windows
/// need differently is learned from the excerpts. Returns the mean, scale and layer.
pub fn fit_linear_correction(
    examples: &[(Vec<f32>, Style)],
    head: &StyleHead,
    config: &TrainConfig,
) -> Result<(Vec<f32>, Vec<f32>, Dense), String> {
    let [base] = head.layers.as_slice() else {
        return Err("a correction needs a linear (one-layer) head".into());
    };
    let d = FEATURE_DIM;
    if head.feature_version != FEATURE_VERSION {
        return Err(format!(
            "the head reads feature version {}, the excerpts have version {FEATURE_VERSION}",
            head.feature_version
        ));
    }
    let (mean, scale) = standardization(examples);
    let (xs, ys) = standardized(examples, &mean, &scale, &head.classes)?;
    let k = head.classes.len();
    // The head's weights over this standardization: x = z·scale + mean.
    let mut w0 = vec![0f64; k * d];
    let mut b0 = vec![0f64; k];
    for c in 0..k {
        b0[c] = f64::from(base.bias[c]);
        for j in 0..d {
            let wt = f64::from(base.weights[c * d + j]);
            let (mt, st) = (
                f64::from(head.feature_mean[j]),
                f64::from(head.feature_scale[j]),
            );
            w0[c * d + j] = wt * scale[j] / st;
            b0[c] += wt * (mean[j] - mt) / st;
        }
    }
    let offsets: Vec<Vec<f64>> = xs.iter().map(|x| logits(&w0, &b0, x, d)).collect();
    let (w, b) = fit_softmax(&xs, &ys, k, Some(&offsets), config);
    let layer = Dense {
        inputs: d as u32,
        outputs: k as u32,
        weights: w.iter().zip(&w0).map(|(a, z)| (a + z) as f32).collect(),
        bias: b.iter().zip(&b0).map(|(a, z)| (a + z) as f32).collect(),
        relu: false,
    };
    let to_f32 = |v: Vec<f64>| v.into_iter().map(|x| x as f32).collect();
    Ok((to_f32(mean), to_f32(scale), layer))
}

/// Per-feature mean and standard deviation of the examples (a constant feature, e.g. the
/// embedding while no model runs, keeps scale 1).
pub(crate) fn standardization(examples: &[(Vec<f32>, Style)]) -> (Vec<f64>, Vec<f64>) {
    let n = examples.len().max(1) as f64;
    let d = FEATURE_DIM;
    let mut mean = vec![0f64; d];
    for (x, _) in examples {
        for (m, v) in mean.iter_mut().zip(x) {
            *m += *v as f64 / n;
        }
    }
    let mut var = vec![0f64; d];
    for (x, _) in examples {
        for ((s, v), m) in var.iter_mut().zip(x).zip(&mean) {
            *s += (*v as f64 - m).powi(2) / n;
        }
    }
    let scale = var
        .iter()
        .map(|v| if v.sqrt() > 1e-9 { v.sqrt() } else { 1.0 })
        .collect();
    (mean, scale)
}

/// The standardized vectors and class indices of the examples.
pub(crate) fn standardized(
    examples: &[(Vec<f32>, Style)],
    mean: &[f64],
    scale: &[f64],
    classes: &[Style],
) -> Result<(Vec<Vec<f64>>, Vec<usize>), String> {
    let xs = examples
        .iter()
        .map(|(x, _)| {
            x.iter()
                .zip(mean.iter().zip(scale))
                .map(|(v, (m, s))| (*v as f64 - m) / s)
                .collect()
        })
        .collect();
    let ys = examples
        .iter()
        .map(|e| {
            classes
                .iter()
                .position(|c| *c == e.1)
                .ok_or_else(|| format!("an example is {:?}, a style the head does not have", e.1))
        })
        .collect::<Result<_, _>>()?;
    Ok((xs, ys))
}

/// `b + W·x` for a row-major `W` of `b.len() × d`.
fn logits(w: &[f64], b: &[f64], x: &[f64], d: usize) -> Vec<f64> {
    (0..b.len())
        .map(|c| {
            b[c] + w[c * d..(c + 1) * d]
                .iter()
                .zip(x)
                .map(|(a, b)| a * b)
                .sum::<f64>()
        })
        .collect()
}

/// Softmax regression by full-batch Adam on the L2-regularized cross-entropy, from zero
/// weights (deterministic); `offsets` are logits added to the model's before the softmax.
fn fit_softmax(
    xs: &[Vec<f64>],
    ys: &[usize],
    k: usize,
    offsets: Option<&[Vec<f64>]>,
    config: &TrainConfig,
) -> (Vec<f64>, Vec<f64>) {
    let d = FEATURE_DIM;
    let n = xs.len().max(1) as f64;
    let mut w = vec![0f64; k * d];
    let mut b = vec![0f64; k];
    let (mut mw, mut vw) = (vec![0f64; k * d], vec![0f64; k * d]);
    let (mut mb, mut vb) = (vec![0f64; k], vec![0f64; k]);
    let (beta1, beta2, eps): (f64, f64, f64) = (0.9, 0.999, 1e-8);
    for step in 1..=config.steps {
        let mut gw = vec![0f64; k * d];
        let mut gb = vec![0f64; k];
        for (i, (x, &y)) in xs.iter().zip(ys).enumerate() {
            let mut l = logits(&w, &b, x, d);
            if let Some(o) = offsets {
                l.iter_mut().zip(&o[i]).for_each(|(a, o)| *a += o);
            }
            let max = l.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let exps: Vec<f64> = l.iter().map(|v| (v - max).exp()).collect();
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
    (w, b)
}

/// Deterministic noise in [-0.5, 0.5) for the tests' synthetic feature vectors (a linear
/// congruential generator from `seed`).
#[cfg(test)]
pub(crate) fn test_noise(seed: u64) -> impl FnMut() -> f32 {
    let mut state = seed;
    move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as f64 / (1u64 << 31) as f64 - 0.5) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::accuracy;

    /// Two styles told apart by feature `cue` (plus a shift of every feature by `shift`, so
    /// that the standardizations of two sets differ), deterministic noise elsewhere.
    fn examples(cue: usize, shift: f32, n: usize) -> Vec<(Vec<f32>, Style)> {
        let mut noise = test_noise(cue as u64 + 7);
        (0..n)
            .map(|i| {
                let style = [Style::Polska, Style::Polka][i % 2];
                let sign = if style == Style::Polska { 1.0 } else { -1.0 };
                let mut x: Vec<f32> = (0..FEATURE_DIM).map(|_| noise() + shift).collect();
                x[cue] = sign + noise() * 0.5 + shift;
                // Every track and window has a mean bar (the head reads those without one
                // otherwise).
                x[necken_core::vector::BAR_FLAG] = 1.0;
                (x, style)
            })
            .collect()
    }

    /// Folded over the excerpts' standardization, a correction of zero (no steps) reads
    /// exactly as the track model; a fitted one learns what the excerpts need (here another
    /// feature carries the style).
    #[test]
    fn a_correction_starts_from_the_track_model_and_learns_the_excerpts() {
        let tracks = examples(3, 0.0, 200);
        let head = fit_linear_head(&tracks, &TrainConfig::default(), "t", "").unwrap();
        let windows = examples(5, 0.7, 200);
        let held = TrainConfig {
            steps: 0,
            ..TrainConfig::default()
        };
        // The head read by a fitted correction instead of its own model.
        let corrected_by = |config: &TrainConfig| {
            let (mean, scale, layer) = fit_linear_correction(&windows, &head, config).unwrap();
            let mut h = head.clone();
            (h.feature_mean, h.feature_scale) = (mean, scale);
            h.layers = vec![layer];
            h
        };
        let folded = corrected_by(&held);
        for (x, _) in windows.iter().take(20) {
            for ((s1, p1), (s2, p2)) in head.predict(x).iter().zip(folded.predict(x)) {
                assert_eq!(*s1, s2);
                assert!((p1 - p2).abs() < 1e-5, "{p1} {p2}");
            }
        }
        let before = accuracy(&head, &windows);
        let after = accuracy(&corrected_by(&TrainConfig::default()), &windows);
        assert!(before < 0.7 && after > 0.95, "{before} -> {after}");
    }
}
