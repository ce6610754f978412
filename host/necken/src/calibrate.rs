//! Honest confidence for a style head: temperature scaling fitted on held-out clips, and the
//! reliability table that shows whether a stated confidence means what it says.
//!
//! A linear head trained to convergence on separable training data is over-confident: on
//! clips unlike its training set (a hall) it says 0.95 and is wrong half the time. Dividing
//! the logits by one temperature fitted on validation clips keeps every decision (the order
//! of the classes never changes) and makes the probabilities usable for a threshold.

use necken_core::head::StyleHead;
use necken_core::style::Style;

/// Confidence bins of the reliability table: `[0, 0.4)`, `[0.4, 0.6)`, `[0.6, 0.8)`,
/// `[0.8, 0.9)`, `[0.9, 1]`.
pub const BIN_EDGES: [f32; 6] = [0.0, 0.4, 0.6, 0.8, 0.9, 1.0001];

/// One row of a reliability table.
#[derive(Clone, Debug, PartialEq)]
pub struct Bin {
    /// Lower edge.
    pub from: f32,
    /// Upper edge (exclusive).
    pub to: f32,
    /// Answers in the bin.
    pub count: usize,
    /// Of them right.
    pub right: usize,
    /// Mean stated confidence in the bin.
    pub mean_confidence: f64,
}

/// The head's top style and probability for each example, and whether it is right.
fn answers(head: &StyleHead, examples: &[(Vec<f32>, Style)]) -> Vec<(f32, bool)> {
    examples
        .iter()
        .filter_map(|(x, truth)| {
            head.predict(x)
                .into_iter()
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(s, p)| (p, s == *truth))
        })
        .collect()
}

/// The share of labelled examples whose most probable style is their label.
pub fn accuracy(head: &StyleHead, examples: &[(Vec<f32>, Style)]) -> f64 {
    let right = answers(head, examples).iter().filter(|(_, r)| *r).count();
    right as f64 / examples.len().max(1) as f64
}

/// The reliability table of `head` on labelled examples.
pub fn reliability(head: &StyleHead, examples: &[(Vec<f32>, Style)]) -> Vec<Bin> {
    let answers = answers(head, examples);
    BIN_EDGES
        .windows(2)
        .map(|e| {
            let inside: Vec<&(f32, bool)> = answers
                .iter()
                .filter(|(p, _)| *p >= e[0] && *p < e[1])
                .collect();
            Bin {
                from: e[0],
                to: e[1].min(1.0),
                count: inside.len(),
                right: inside.iter().filter(|(_, r)| *r).count(),
                mean_confidence: inside.iter().map(|(p, _)| *p as f64).sum::<f64>()
                    / inside.len().max(1) as f64,
            }
        })
        .collect()
}

/// Mean negative log-likelihood of the true styles (classes the head lacks count as
/// probability 1e-6).
fn nll(head: &StyleHead, examples: &[(Vec<f32>, Style)]) -> f64 {
    examples
        .iter()
        .map(|(x, truth)| {
            let p = head
                .predict(x)
                .into_iter()
                .find(|(s, _)| s == truth)
                .map_or(1e-6, |(_, p)| p as f64);
            -p.max(1e-6).ln()
        })
        .sum::<f64>()
        / examples.len().max(1) as f64
}

/// Fits and sets the head's window temperature on held-out window-length examples, after its
/// track calibration (which stays in the last layer), on the model the windows read (the
/// window model when the head has one): what the live windows then read is
/// [`StyleHead::for_windows`]. Returns the temperature.
pub fn calibrate_windows(head: &mut StyleHead, windows: &[(Vec<f32>, Style)]) -> f64 {
    head.window_temperature = 1.0;
    let t = fit_temperature(&head.for_windows(), windows);
    head.window_temperature = t as f32;
    t
}

/// The temperature in `[0.2, 50]` that minimizes the validation NLL (golden-section search on
/// its logarithm; the NLL is unimodal in it).
pub fn fit_temperature(head: &StyleHead, validation: &[(Vec<f32>, Style)]) -> f64 {
    let cost = |log_t: f64| {
        let mut h = head.clone();
        h.divide_logits(log_t.exp());
        nll(&h, validation)
    };
    let golden = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (0.2f64.ln(), 50f64.ln());
    let mut c = b - golden * (b - a);
    let mut d = a + golden * (b - a);
    let (mut fc, mut fd) = (cost(c), cost(d));
    for _ in 0..40 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - golden * (b - a);
            fc = cost(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + golden * (b - a);
            fd = cost(d);
        }
    }
    ((a + b) / 2.0).exp()
}

/// The table as text, with the share of all answers that are wrong at confidence ≥ 0.8.
pub fn format_table(title: &str, bins: &[Bin]) -> String {
    let total: usize = bins.iter().map(|b| b.count).sum();
    let mut out = format!("{title}\nconfidence   answers  right  stated\n");
    for b in bins {
        out += &format!(
            "[{:.1}, {:.1}) {:>9} {:>6.3} {:>7.3}\n",
            b.from,
            b.to,
            b.count,
            b.right as f64 / b.count.max(1) as f64,
            b.mean_confidence
        );
    }
    let confident_wrong: usize = bins
        .iter()
        .filter(|b| b.from >= 0.8)
        .map(|b| b.count - b.right)
        .sum();
    out += &format!(
        "wrong with confidence >= 0.8: {confident_wrong}/{total} = {:.3}\n",
        confident_wrong as f64 / total.max(1) as f64
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::{fit_linear_head, TrainConfig};
    use necken_core::vector::FEATURE_DIM;

    /// Two styles told apart by one noisy feature: the training set is separable, the
    /// validation set (same distribution, other draws) overlaps, so the trained head is
    /// over-confident there.
    fn examples(seed: u64, n: usize) -> Vec<(Vec<f32>, Style)> {
        let mut noise = crate::train::test_noise(seed);
        (0..n)
            .map(|i| {
                let style = if i % 2 == 0 {
                    Style::Polska
                } else {
                    Style::Polka
                };
                let sign = if style == Style::Polska { 1.0 } else { -1.0 };
                let mut x: Vec<f32> = (0..FEATURE_DIM).map(|_| noise()).collect();
                x[0] = sign * 0.3 + noise() * 1.2;
                (x, style)
            })
            .collect()
    }

    #[test]
    fn temperature_keeps_decisions_and_lowers_validation_loss() {
        let train = examples(1, 60);
        let valid = examples(2, 400);
        let head = fit_linear_head(&train, &TrainConfig::default(), "t", "").unwrap();
        let t = fit_temperature(&head, &valid);
        assert!(t > 1.5, "an over-fitted head needs cooling, got T = {t}");
        let mut calibrated = head.clone();
        calibrated.divide_logits(t);
        assert!(nll(&calibrated, &valid) < nll(&head, &valid));
        let before = answers(&head, &valid);
        let after = answers(&calibrated, &valid);
        let top = |h: &StyleHead, x: &[f32]| {
            h.predict(x)
                .into_iter()
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap()
                .0
        };
        for (x, _) in &valid {
            assert_eq!(top(&head, x), top(&calibrated, x));
        }
        let confident = |a: &[(f32, bool)]| a.iter().filter(|(p, _)| *p >= 0.8).count();
        assert!(confident(&after) < confident(&before));
    }

    /// Windows hear less than tracks: noisier draws of the same styles. Their temperature is
    /// fitted on top of the track calibration, leaves the track reading alone, and makes the
    /// windows' probabilities less sure and better (lower loss) without changing a decision.
    #[test]
    fn windows_get_their_own_temperature_over_the_track_calibration() {
        let mut head = fit_linear_head(&examples(1, 60), &TrainConfig::default(), "t", "").unwrap();
        let tracks = examples(2, 400);
        let track_t = fit_temperature(&head, &tracks);
        head.divide_logits(track_t);
        let windows: Vec<_> = examples(5, 400)
            .into_iter()
            .zip(examples(6, 400))
            .map(|((mut x, s), (noise, _))| {
                x[0] += noise[1] * 3.0;
                (x, s)
            })
            .collect();
        let track_layers = head.layers.clone();
        let t = calibrate_windows(&mut head, &windows);
        assert!(t > 1.05, "noisier windows need cooling, got T = {t}");
        assert_eq!(head.layers, track_layers);
        let for_windows = head.for_windows();
        assert!(nll(&for_windows, &windows) < nll(&head, &windows));
        let confident = |h: &StyleHead| {
            answers(h, &windows)
                .iter()
                .filter(|(p, _)| *p >= 0.8)
                .count()
        };
        assert!(confident(&for_windows) < confident(&head));
    }

    #[test]
    fn the_table_counts_every_answer_once() {
        let valid = examples(3, 50);
        let head = fit_linear_head(&examples(4, 40), &TrainConfig::default(), "t", "").unwrap();
        let bins = reliability(&head, &valid);
        assert_eq!(bins.iter().map(|b| b.count).sum::<usize>(), 50);
        assert!(format_table("x", &bins).contains("wrong with confidence >= 0.8"));
    }
}
