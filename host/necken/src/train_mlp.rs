//! Fitting a one-hidden-layer (ReLU) network over the standardized feature vector, for a
//! head's track or window model: where a model is unsure between neighbouring dances (a
//! polska's and a mazurka's uneven bars lie on all sides of the even bar) a linear model
//! cannot draw the line.
//!
//! Mini-batch Adam on the L2-regularized cross-entropy, in f32, from a seeded Glorot-uniform
//! start and a seeded shuffle: the same examples, settings and seed give the same bytes.

use necken_core::head::Dense;
use necken_core::style::Style;
use necken_core::vector::FEATURE_DIM;

use crate::train::{standardization, standardized};

/// Settings of a network fit.
#[derive(Clone, Copy)]
pub struct MlpConfig {
    /// Hidden ReLU units.
    pub hidden: usize,
    /// Passes over the examples.
    pub epochs: usize,
    /// Examples per Adam step.
    pub batch: usize,
    /// Adam learning rate.
    pub learning_rate: f32,
    /// L2 penalty on the weights (biases are free), in the units of the linear fit's `l2`:
    /// the gradient of the mean loss gets `l2 · w`.
    pub l2: f32,
    /// Seed of the initial weights and of the shuffles.
    pub seed: u64,
}

/// A small deterministic generator (SplitMix64): the fit must not depend on a crate's stream.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// Weights, biases and Adam's moments of one layer (`outputs × inputs`, row-major).
struct Layer {
    inputs: usize,
    outputs: usize,
    w: Vec<f32>,
    b: Vec<f32>,
    gw: Vec<f32>,
    gb: Vec<f32>,
    moments: [Vec<f32>; 4],
}

impl Layer {
    fn glorot(inputs: usize, outputs: usize, rng: &mut SplitMix) -> Layer {
        let limit = (6.0 / (inputs + outputs) as f32).sqrt();
        let w = (0..inputs * outputs)
            .map(|_| (rng.unit() * 2.0 - 1.0) * limit)
            .collect();
        let zeros = |n| vec![0f32; n];
        Layer {
            inputs,
            outputs,
            w,
            b: zeros(outputs),
            gw: zeros(inputs * outputs),
            gb: zeros(outputs),
            moments: [
                zeros(inputs * outputs),
                zeros(inputs * outputs),
                zeros(outputs),
                zeros(outputs),
            ],
        }
    }

    /// `out[r] = b + W·x[r]` for the rows of `x`.
    fn forward(&self, x: &[f32], out: &mut Vec<f32>) {
        let rows = x.len() / self.inputs;
        out.clear();
        for r in 0..rows {
            let xr = &x[r * self.inputs..(r + 1) * self.inputs];
            for o in 0..self.outputs {
                let wo = &self.w[o * self.inputs..(o + 1) * self.inputs];
                out.push(self.b[o] + dot(wo, xr));
            }
        }
    }

    /// Accumulates the gradients for upstream gradients `g` (rows × outputs) at inputs `x`,
    /// and writes the gradient with respect to `x` into `gx` when asked.
    fn backward(&mut self, x: &[f32], g: &[f32], gx: Option<&mut Vec<f32>>) {
        let rows = x.len() / self.inputs;
        self.gw.iter_mut().for_each(|v| *v = 0.0);
        self.gb.iter_mut().for_each(|v| *v = 0.0);
        for r in 0..rows {
            let xr = &x[r * self.inputs..(r + 1) * self.inputs];
            for o in 0..self.outputs {
                let go = g[r * self.outputs + o];
                self.gb[o] += go;
                axpy(&mut self.gw[o * self.inputs..(o + 1) * self.inputs], go, xr);
            }
        }
        if let Some(gx) = gx {
            gx.clear();
            gx.resize(x.len(), 0.0);
            for r in 0..rows {
                let gxr = &mut gx[r * self.inputs..(r + 1) * self.inputs];
                for o in 0..self.outputs {
                    let go = g[r * self.outputs + o];
                    axpy(gxr, go, &self.w[o * self.inputs..(o + 1) * self.inputs]);
                }
            }
        }
    }

    /// One Adam step (step ≥ 1) with the L2 penalty on the weights.
    fn adam(&mut self, step: i32, config: &MlpConfig) {
        let (beta1, beta2, eps) = (0.9f32, 0.999f32, 1e-8f32);
        let lr = config.learning_rate * (1.0 - beta2.powi(step)).sqrt() / (1.0 - beta1.powi(step));
        let [mw, vw, mb, vb] = &mut self.moments;
        for ((w, g), (m, v)) in self.w.iter_mut().zip(&self.gw).zip(mw.iter_mut().zip(vw)) {
            let g = g + config.l2 * *w;
            *m = beta1 * *m + (1.0 - beta1) * g;
            *v = beta2 * *v + (1.0 - beta2) * g * g;
            *w -= lr * *m / (v.sqrt() + eps);
        }
        for ((b, g), (m, v)) in self.b.iter_mut().zip(&self.gb).zip(mb.iter_mut().zip(vb)) {
            *m = beta1 * *m + (1.0 - beta1) * g;
            *v = beta2 * *v + (1.0 - beta2) * g * g;
            *b -= lr * *m / (v.sqrt() + eps);
        }
    }

    fn dense(&self, relu: bool) -> Dense {
        Dense {
            inputs: self.inputs as u32,
            outputs: self.outputs as u32,
            weights: self.w.clone(),
            bias: self.b.clone(),
            relu,
        }
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight partial sums let the compiler vectorize without reassociating one long chain.
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

fn axpy(y: &mut [f32], a: f32, x: &[f32]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += a * x;
    }
}

/// A fitted network: the examples' standardization and its two layers (hidden with ReLU,
/// then the logits).
#[derive(Debug, PartialEq)]
pub struct FittedNet {
    /// Per-feature mean of the examples.
    pub mean: Vec<f32>,
    /// Per-feature standard deviation (1 for a constant feature).
    pub scale: Vec<f32>,
    /// Hidden layer, then the logit layer.
    pub layers: Vec<Dense>,
}

/// Examples standardized once for every net fitted on them.
struct Standardized {
    mean: Vec<f32>,
    scale: Vec<f32>,
    xs: Vec<Vec<f32>>,
    ys: Vec<usize>,
}

impl Standardized {
    fn of(examples: &[(Vec<f32>, Style)], classes: &[Style]) -> Result<Standardized, String> {
        if examples.is_empty() {
            return Err("a network needs examples".into());
        }
        let (mean, scale) = standardization(examples);
        let (xs, ys) = standardized(examples, &mean, &scale, classes)?;
        let to_f32 = |v: Vec<f64>| v.into_iter().map(|x| x as f32).collect::<Vec<f32>>();
        Ok(Standardized {
            mean: to_f32(mean),
            scale: to_f32(scale),
            xs: xs.into_iter().map(to_f32).collect(),
            ys,
        })
    }
}

/// Fits one network of `k` classes on standardized examples.
fn fit_standardized(
    data: &Standardized,
    k: usize,
    config: &MlpConfig,
) -> Result<FittedNet, String> {
    if config.hidden == 0 || config.batch == 0 {
        return Err("a network needs hidden units and a batch size".into());
    }
    let (xs, ys) = (&data.xs, &data.ys);
    let d = FEATURE_DIM;
    let mut rng = SplitMix(config.seed);
    let mut hidden = Layer::glorot(d, config.hidden, &mut rng);
    let mut out = Layer::glorot(config.hidden, k, &mut rng);
    let mut order: Vec<usize> = (0..xs.len()).collect();
    let (mut xb, mut h, mut logits, mut g, mut gh) = (vec![], vec![], vec![], vec![], vec![]);
    let mut step = 0;
    for _ in 0..config.epochs {
        // Fisher-Yates with the seeded generator.
        for i in (1..order.len()).rev() {
            order.swap(i, (rng.next() % (i as u64 + 1)) as usize);
        }
        for batch in order.chunks(config.batch) {
            let n = batch.len() as f32;
            xb.clear();
            batch.iter().for_each(|&i| xb.extend_from_slice(&xs[i]));
            hidden.forward(&xb, &mut h);
            h.iter_mut().for_each(|v| *v = v.max(0.0));
            out.forward(&h, &mut logits);
            // Softmax cross-entropy: the gradient is (p − onehot) / n.
            g.clear();
            for (r, &i) in batch.iter().enumerate() {
                let l = &logits[r * k..(r + 1) * k];
                let max = l.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
                let z: f32 = l.iter().map(|v| (v - max).exp()).sum();
                for (c, v) in l.iter().enumerate() {
                    let p = (v - max).exp() / z;
                    g.push((p - if c == ys[i] { 1.0 } else { 0.0 }) / n);
                }
            }
            out.backward(&h, &g, Some(&mut gh));
            // Through the ReLU: no gradient where the unit was off.
            gh.iter_mut().zip(&h).for_each(|(gv, hv)| {
                if *hv <= 0.0 {
                    *gv = 0.0
                }
            });
            hidden.backward(&xb, &gh, None);
            step += 1;
            hidden.adam(step, config);
            out.adam(step, config);
        }
    }
    Ok(FittedNet {
        mean: data.mean.clone(),
        scale: data.scale.clone(),
        layers: vec![hidden.dense(true), out.dense(false)],
    })
}

/// `count` networks fitted from seeds `config.seed` and up, averaged into one
/// ([`average_nets`]); one net when `count` is 1 (its layers unchanged).
pub fn fit_averaged(
    examples: &[(Vec<f32>, Style)],
    classes: &[Style],
    config: &MlpConfig,
    count: usize,
) -> Result<FittedNet, String> {
    let data = Standardized::of(examples, classes)?;
    let nets = (config.seed..)
        .take(count.max(1))
        .map(|seed| {
            fit_standardized(&data, classes.len(), &MlpConfig { seed, ..*config }).map(|n| n.layers)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(FittedNet {
        mean: data.mean,
        scale: data.scale,
        layers: average_nets(&nets)?,
    })
}

/// One network whose logits are the mean of `nets`' (each a hidden ReLU layer and a logit
/// layer over the same inputs): their hidden units side by side, the logit layer reading all
/// of them, each net's weights divided by the count. Averaging nets from other seeds evens
/// out what one seed's start and shuffles happened to learn.
pub fn average_nets(nets: &[Vec<Dense>]) -> Result<Vec<Dense>, String> {
    let count = nets.len() as f32;
    let mut hidden: Option<Dense> = None;
    let mut logit_rows: Vec<Vec<f32>> = vec![];
    let mut bias: Vec<f32> = vec![];
    for net in nets {
        let [h, o] = net.as_slice() else {
            return Err("averaging needs nets of two layers".into());
        };
        let merged = hidden.get_or_insert_with(|| Dense {
            inputs: h.inputs,
            outputs: 0,
            weights: vec![],
            bias: vec![],
            relu: true,
        });
        if h.inputs != merged.inputs || o.inputs != h.outputs {
            return Err("averaged nets must read the same inputs".into());
        }
        merged.outputs += h.outputs;
        merged.weights.extend_from_slice(&h.weights);
        merged.bias.extend_from_slice(&h.bias);
        logit_rows.resize(o.outputs as usize, vec![]);
        bias.resize(o.outputs as usize, 0.0);
        for (c, row) in o.weights.chunks(o.inputs as usize).enumerate() {
            logit_rows[c].extend(row.iter().map(|w| w / count));
            bias[c] += o.bias[c] / count;
        }
    }
    let hidden = hidden.ok_or("no nets to average")?;
    let out = Dense {
        inputs: hidden.outputs,
        outputs: logit_rows.len() as u32,
        weights: logit_rows.concat(),
        bias,
        relu: false,
    };
    Ok(vec![hidden, out])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::test_noise;

    /// Two styles told apart only by the product of two features' signs (XOR): no linear
    /// model can, a network with hidden units must. A few more features are noise, the rest
    /// constant.
    fn xor_examples(n: usize, seed: u64) -> Vec<(Vec<f32>, Style)> {
        let mut noise = test_noise(seed);
        (0..n)
            .map(|_| {
                let mut x = vec![0f32; FEATURE_DIM];
                x[10..20].iter_mut().for_each(|v| *v = noise());
                let (a, b) = (noise() * 2.0, noise() * 2.0);
                x[3] = a;
                x[7] = b;
                x[necken_core::vector::BAR_FLAG] = 1.0;
                let style = if (a > 0.0) == (b > 0.0) {
                    Style::Polska
                } else {
                    Style::Polka
                };
                (x, style)
            })
            .collect()
    }

    #[test]
    fn a_network_learns_what_a_linear_head_cannot_and_repeats_itself() {
        let train = xor_examples(2000, 11);
        let held = xor_examples(500, 12);
        let linear =
            crate::train::fit_linear_head(&train, &crate::train::TrainConfig::default(), "t", "")
                .unwrap();
        let classes = linear.classes.clone();
        let config = MlpConfig {
            hidden: 16,
            epochs: 40,
            batch: 64,
            learning_rate: 0.01,
            l2: 1e-4,
            seed: 3,
        };
        let fitted = fit_averaged(&train, &classes, &config, 1).unwrap();
        let mut net = linear.clone();
        (net.feature_mean, net.feature_scale, net.layers) = (
            fitted.mean.clone(),
            fitted.scale.clone(),
            fitted.layers.clone(),
        );
        let (lin, mlp) = (
            crate::calibrate::accuracy(&linear, &held),
            crate::calibrate::accuracy(&net, &held),
        );
        assert!(lin < 0.65 && mlp > 0.9, "linear {lin}, network {mlp}");
        let again = fit_averaged(&train, &classes, &config, 1).unwrap();
        assert_eq!(again, fitted);
        let layers = fitted.layers;

        // Averaged with a net from another seed: logits are exactly the mean of the two.
        let other = fit_averaged(&train, &classes, &MlpConfig { seed: 4, ..config }, 1)
            .unwrap()
            .layers;
        let averaged = average_nets(&[layers.clone(), other.clone()]).unwrap();
        // Logits up to a constant: log-probabilities against the first class's.
        let logits_of = |layers: &[Dense], x: &[f32]| {
            let mut h = net.clone();
            h.layers = layers.to_vec();
            let p = h.predict(x);
            (p[1].1.ln() - p[0].1.ln()) as f64
        };
        for (x, _) in held.iter().take(20) {
            let (a, b) = (logits_of(&layers, x), logits_of(&other, x));
            let m = logits_of(&averaged, x);
            assert!((m - (a + b) / 2.0).abs() < 1e-3, "{m} {a} {b}");
        }
    }
}
