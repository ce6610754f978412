//! `necken train-head`: fit a style head on stored tracks with known styles.

use std::path::PathBuf;
use std::process::ExitCode;

use necken_core::head::embedding_network;
use necken_core::vector::has_bar_pattern;
use necken_core::{codec, features};
use necken_store::ArtifactStore;

use super::{CliResult, Context};
use crate::calibrate;
use crate::labels::{read_all_labels, stem_of};
use crate::train::{fit_linear_head, TrainConfig};

/// Arguments of `necken train-head`.
#[derive(clap::Args)]
pub struct Args {
    /// CSV with `clip` (file stem) and `style` columns, e.g. a generator's labels.csv.
    #[arg(long, required = true)]
    labels: Vec<PathBuf>,
    /// Where to write the head (`.nkhead`).
    #[arg(long)]
    out: PathBuf,
    /// Head id written into the file.
    #[arg(long, default_value = "necken-style-head")]
    id: String,
    /// What the data was, for the model card and reports.
    #[arg(long, default_value = "")]
    trained_on: String,
    /// Gradient steps.
    #[arg(long, default_value_t = 3000)]
    steps: usize,
    /// L2 penalty on the weights (larger = smoother head, less fitted to the training clips).
    #[arg(long, default_value_t = 1e-3)]
    l2: f64,
    /// Held-out labels (same CSV form) to fit the head's temperature on: tracks matching them
    /// are left out of training, and the reliability table before and after is printed.
    #[arg(long)]
    calibrate: Vec<PathBuf>,
    /// Held-out labels of window-length excerpts (analyzed as the daemon's live windows are):
    /// after the track temperature, the window temperature is fitted on them, so that a
    /// window's confidence is as honest as a track's. Left out of training too.
    #[arg(long)]
    calibrate_windows: Vec<PathBuf>,
}

/// Fits a linear head on every stored track whose file stem has a label.
pub fn run(ctx: &Context, args: Args) -> CliResult<ExitCode> {
    let labels = read_all_labels(&args.labels)?;
    let held_out = read_all_labels(&args.calibrate)?;
    let window_held_out = read_all_labels(&args.calibrate_windows)?;
    let store = ctx.open_existing_store()?;
    let mut examples = Vec::new();
    let mut validation = Vec::new();
    let mut window_validation = Vec::new();
    let mut skipped = 0usize;
    let mut networks = std::collections::BTreeSet::new();
    store.for_each(&mut |rec| {
        let stem = stem_of(&rec.meta.source_path);
        let Ok(a) = codec::decode(&rec.artifacts) else {
            skipped += 1;
            return Ok(());
        };
        if held_out.contains_key(&stem)
            || window_held_out.contains_key(&stem)
            || labels.contains_key(&stem)
        {
            let network = a
                .embedding
                .as_ref()
                .map(|e| embedding_network(&e.model).to_string());
            networks.insert(network);
        }
        if let Some(&style) = held_out.get(&stem) {
            validation.push((features::derive(&a).feature_vector, style));
        } else if let Some(&style) = window_held_out.get(&stem) {
            window_validation.push((features::derive(&a).feature_vector, style));
        } else if let Some(&style) = labels.get(&stem) {
            examples.push((features::derive(&a).feature_vector, style));
        } else {
            skipped += 1;
        }
        Ok(())
    })?;
    if examples.is_empty() {
        return Err("no stored track matches a label (labels are matched by file stem)".into());
    }
    let config = TrainConfig {
        steps: args.steps,
        l2: args.l2,
        ..TrainConfig::default()
    };
    // A head reads one embedding network's vectors: tracks embedded by several (or some
    // without one) would train it on a mixture no track will ever look like.
    if networks.len() > 1 {
        let names: Vec<String> = networks
            .iter()
            .map(|n| n.clone().unwrap_or_else(|| "none".into()))
            .collect();
        return Err(format!(
            "the labelled tracks were embedded by different networks ({}): train a head on \
             tracks analyzed with one",
            names.join(", ")
        )
        .into());
    }
    // Tracks stored before schema 3 have no mean bar: a head trained on a mixture learns the
    // absence itself as a cue, which says nothing about the dance.
    let without_bar = examples.iter().filter(|(x, _)| !has_bar_pattern(x)).count();
    if without_bar > 0 && without_bar < examples.len() {
        eprintln!(
            "necken: {without_bar} of {} labelled track(s) have no mean bar (stored before \
             schema 3): analyze their audio again (`necken analyze --force`) so that every \
             track has one",
            examples.len()
        );
    }
    let mut head = fit_linear_head(&examples, &config, &args.id, &args.trained_on)?;
    head.embedding_model = networks.into_iter().next().flatten();
    if !args.calibrate.is_empty() {
        if validation.is_empty() {
            return Err("no stored track matches a --calibrate label".into());
        }
        let before = calibrate::reliability(&head, &validation);
        let t = calibrate::fit_temperature(&head, &validation);
        head.divide_logits(t);
        let after = calibrate::reliability(&head, &validation);
        eprint!(
            "{}{}",
            calibrate::format_table(
                &format!("held out ({} tracks), uncalibrated", validation.len()),
                &before
            ),
            calibrate::format_table(&format!("held out, temperature {t:.3}"), &after)
        );
    }
    if !args.calibrate_windows.is_empty() {
        if window_validation.is_empty() {
            return Err("no stored track matches a --calibrate-windows label".into());
        }
        let before = calibrate::reliability(&head, &window_validation);
        let t = calibrate::calibrate_windows(&mut head, &window_validation);
        let after = calibrate::reliability(&head.for_windows(), &window_validation);
        eprint!(
            "{}{}",
            calibrate::format_table(
                &format!(
                    "held-out windows ({} tracks), the track calibration",
                    window_validation.len()
                ),
                &before
            ),
            calibrate::format_table(&format!("held-out windows, temperature {t:.3}"), &after)
        );
    }
    let correct = examples
        .iter()
        .filter(|(x, s)| {
            head.predict(x)
                .into_iter()
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(c, _)| c == *s)
                .unwrap_or(false)
        })
        .count();
    std::fs::write(&args.out, head.to_bytes())
        .map_err(|e| format!("{}: {e}", args.out.display()))?;
    eprintln!(
        "trained {} on {} tracks ({} skipped without label), {} classes; training accuracy {:.3}; wrote {}",
        args.id,
        examples.len(),
        skipped,
        head.classes.len(),
        correct as f64 / examples.len() as f64,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
