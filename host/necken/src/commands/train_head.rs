//! `necken train-head`: fit a style head on stored tracks with known styles, and optionally a
//! window model on window-length excerpts for the daemon's live windows.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::process::ExitCode;

use necken_core::head::{embedding_network, StyleHead, WindowModel};
use necken_core::style::Style;
use necken_core::vector::has_bar_pattern;
use necken_core::{codec, features};
use necken_store::ArtifactStore;

use super::models::load_head_file;
use super::{CliResult, Context};
use crate::calibrate::{self, accuracy};
use crate::labels::{read_all_labels, stem_of};
use crate::train::{classes_of, fit_linear_correction, fit_linear_head, new_head, TrainConfig};
use crate::train_mlp::{fit_averaged, MlpConfig};

/// Arguments of `necken train-head`.
#[derive(clap::Args)]
pub struct Args {
    /// CSV with `clip` (file stem) and `style` columns, e.g. a generator's labels.csv.
    #[arg(long, required_unless_present = "track_model")]
    labels: Vec<PathBuf>,
    /// Keep the track model (and its calibration) of this head file instead of training one
    /// from `--labels`: only the window model (`--windows`) is trained.
    #[arg(long, conflicts_with_all = ["labels", "calibrate"], requires = "windows")]
    track_model: Option<PathBuf>,
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
    /// Labels of window-length excerpts (analyzed as the daemon's live windows are) to train
    /// the head's window model on: the live windows then read it instead of the track model
    /// (`NKHEAD04`). Without them windows read the track model.
    #[arg(long)]
    windows: Vec<PathBuf>,
    /// Hidden ReLU units of the track model: 0 = linear (softmax regression); more = a
    /// network (`--l2` its weight penalty).
    #[arg(long, default_value_t = 0, conflicts_with = "track_model")]
    hidden: usize,
    /// Hidden ReLU units of the window model: 0 = the track model corrected linearly on the
    /// excerpts; more = a network of its own over the excerpts (`--l2` its weight penalty).
    #[arg(long, default_value_t = 0, requires = "windows")]
    window_hidden: usize,
    /// Passes over the examples when a model is a network.
    #[arg(long, default_value_t = 200)]
    net_epochs: usize,
    /// Seed of a network's initial weights and shuffles.
    #[arg(long, default_value_t = 1)]
    net_seed: u64,
    /// Networks to train per model (seeds `--net-seed` and up) and average into one: a
    /// single net's wrong-but-sure answers depend on its seed more than its right ones do.
    #[arg(long, default_value_t = 1)]
    nets: usize,
}

/// Feature vectors of the stored tracks each label list names.
#[derive(Default)]
struct Examples {
    tracks: Vec<(Vec<f32>, Style)>,
    validation: Vec<(Vec<f32>, Style)>,
    window_validation: Vec<(Vec<f32>, Style)>,
    windows: Vec<(Vec<f32>, Style)>,
    /// The embedding networks of every labelled track (`None` = without an embedding).
    networks: BTreeSet<Option<String>>,
    skipped: usize,
}

/// Fits a linear head on every stored track whose file stem has a label.
pub fn run(ctx: &Context, args: Args) -> CliResult<ExitCode> {
    let lists = [
        read_all_labels(&args.calibrate)?,
        read_all_labels(&args.calibrate_windows)?,
        read_all_labels(&args.labels)?,
        read_all_labels(&args.windows)?,
    ];
    let ex = gather(ctx, &lists)?;
    // A head reads one embedding network's vectors: tracks embedded by several (or some
    // without one) would train it on a mixture no track will ever look like.
    if ex.networks.len() > 1 {
        let names: Vec<String> = ex
            .networks
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
    let network = ex.networks.iter().next().cloned().flatten();
    let config = TrainConfig {
        steps: args.steps,
        l2: args.l2,
        ..TrainConfig::default()
    };
    let mut head = match &args.track_model {
        Some(path) => kept_track_model(path, &args, network.as_deref())?,
        None => track_model(&args, &ex, &config, network)?,
    };
    if !args.windows.is_empty() {
        head.window_model = Some(fit_window_model(&head, &ex.windows, &config, &args)?);
    }
    if !args.calibrate_windows.is_empty() {
        if ex.window_validation.is_empty() {
            return Err("no stored track matches a --calibrate-windows label".into());
        }
        let before = calibrate::reliability(&head, &ex.window_validation);
        let t = calibrate::calibrate_windows(&mut head, &ex.window_validation);
        let after = calibrate::reliability(&head.for_windows(), &ex.window_validation);
        eprint!(
            "{}{}",
            calibrate::format_table(
                &format!(
                    "held-out windows ({} tracks), the track model and calibration",
                    ex.window_validation.len()
                ),
                &before
            ),
            calibrate::format_table(&format!("held-out windows, temperature {t:.3}"), &after)
        );
    }
    if head.window_model.is_some() {
        eprintln!(
            "window model: {} excerpts, training accuracy {:.3}",
            ex.windows.len(),
            accuracy(&head.for_windows(), &ex.windows)
        );
    }
    std::fs::write(&args.out, head.to_bytes())
        .map_err(|e| format!("{}: {e}", args.out.display()))?;
    if let Some(path) = &args.track_model {
        eprintln!(
            "{}: the track model of {} kept, {} classes; wrote {}",
            args.id,
            path.display(),
            head.classes.len(),
            args.out.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "trained {} on {} tracks ({} skipped without label), {} classes; training accuracy {:.3}; wrote {}",
        args.id,
        ex.tracks.len(),
        ex.skipped,
        head.classes.len(),
        accuracy(&head, &ex.tracks),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Reads the store once: each stored track whose stem the lists name (held out, held-out
/// windows, tracks, windows — the first list naming it wins) becomes an example of that list.
fn gather(ctx: &Context, lists: &[HashMap<String, Style>; 4]) -> CliResult<Examples> {
    let store = ctx.open_existing_store()?;
    let mut ex = Examples::default();
    store.for_each(&mut |rec| {
        let stem = stem_of(&rec.meta.source_path);
        let Ok(a) = codec::decode(&rec.artifacts) else {
            ex.skipped += 1;
            return Ok(());
        };
        let Some((list, &style)) = lists
            .iter()
            .enumerate()
            .find_map(|(i, l)| l.get(&stem).map(|s| (i, s)))
        else {
            ex.skipped += 1;
            return Ok(());
        };
        let network = a
            .embedding
            .as_ref()
            .map(|e| embedding_network(&e.model).to_string());
        ex.networks.insert(network);
        let example = (features::derive(&a).feature_vector, style);
        match list {
            0 => ex.validation.push(example),
            1 => ex.window_validation.push(example),
            2 => ex.tracks.push(example),
            _ => ex.windows.push(example),
        }
        Ok(())
    })?;
    Ok(ex)
}

/// The track model fitted on the labelled tracks, calibrated on the held-out ones.
fn track_model(
    args: &Args,
    ex: &Examples,
    config: &TrainConfig,
    network: Option<String>,
) -> CliResult<StyleHead> {
    if ex.tracks.is_empty() {
        return Err("no stored track matches a label (labels are matched by file stem)".into());
    }
    // Tracks stored before schema 3 have no mean bar: a head trained on a mixture learns the
    // absence itself as a cue, which says nothing about the dance.
    let without_bar = ex
        .tracks
        .iter()
        .filter(|(x, _)| !has_bar_pattern(x))
        .count();
    if without_bar > 0 && without_bar < ex.tracks.len() {
        eprintln!(
            "necken: {without_bar} of {} labelled track(s) have no mean bar (stored before \
             schema 3): analyze their audio again (`necken analyze --force`) so that every \
             track has one",
            ex.tracks.len()
        );
    }
    let mut head = if args.hidden > 0 {
        let classes = classes_of(&ex.tracks)?;
        let config = net_config(args, args.hidden, config);
        let net = fit_averaged(&ex.tracks, &classes, &config, args.nets)?;
        let normalization = (net.mean, net.scale);
        new_head(
            &args.id,
            &args.trained_on,
            classes,
            normalization,
            net.layers,
        )
    } else {
        fit_linear_head(&ex.tracks, config, &args.id, &args.trained_on)?
    };
    head.embedding_model = network;
    if !args.calibrate.is_empty() {
        if ex.validation.is_empty() {
            return Err("no stored track matches a --calibrate label".into());
        }
        let before = calibrate::reliability(&head, &ex.validation);
        let t = calibrate::fit_temperature(&head, &ex.validation);
        head.divide_logits(t);
        let after = calibrate::reliability(&head, &ex.validation);
        eprint!(
            "{}{}",
            calibrate::format_table(
                &format!("held out ({} tracks), uncalibrated", ex.validation.len()),
                &before
            ),
            calibrate::format_table(&format!("held out, temperature {t:.3}"), &after)
        );
    }
    Ok(head)
}

/// The track model of an existing head file, as it was calibrated, under the new id; its
/// window model and temperature are trained again. The excerpts must be embedded by the
/// network the head reads.
fn kept_track_model(
    path: &std::path::Path,
    args: &Args,
    network: Option<&str>,
) -> CliResult<StyleHead> {
    let mut head = load_head_file(path)?;
    if let (Some(reads), Some(excerpts)) = (head.embedding_model.as_deref(), network) {
        if embedding_network(reads) != excerpts {
            return Err(format!(
                "{} reads {reads} embeddings, the excerpts were embedded by {excerpts}",
                path.display()
            )
            .into());
        }
    }
    head.trained_on = format!("track model of {}; {}", head.id, args.trained_on);
    head.id = args.id.clone();
    head.window_model = None;
    head.window_temperature = 1.0;
    Ok(head)
}

/// A network's settings from the arguments (`hidden` units; 200 examples a step, Adam at
/// 0.001, the linear fit's L2).
fn net_config(args: &Args, hidden: usize, config: &TrainConfig) -> MlpConfig {
    MlpConfig {
        hidden,
        epochs: args.net_epochs,
        batch: 200,
        learning_rate: 1e-3,
        l2: config.l2 as f32,
        seed: args.net_seed,
    }
}

/// The window model over the head's classes: the track model corrected on the
/// window-length excerpts ([`fit_linear_correction`]), or with `--window-hidden` a network
/// of its own ([`fit_averaged`]).
fn fit_window_model(
    head: &StyleHead,
    windows: &[(Vec<f32>, Style)],
    config: &TrainConfig,
    args: &Args,
) -> CliResult<WindowModel> {
    if windows.is_empty() {
        return Err("no stored track matches a --windows label".into());
    }
    if args.window_hidden > 0 {
        let mlp = net_config(args, args.window_hidden, config);
        let net = fit_averaged(windows, &head.classes, &mlp, args.nets)?;
        return Ok(WindowModel {
            feature_mean: net.mean,
            feature_scale: net.scale,
            layers: net.layers,
            trained_on: format!(
                "{} {}-unit ReLU network(s) averaged, on {} window-length excerpts ({} passes, \
                 L2 {}, seeds from {})",
                args.nets.max(1),
                mlp.hidden,
                windows.len(),
                mlp.epochs,
                config.l2,
                mlp.seed
            ),
        });
    }
    let (feature_mean, feature_scale, layer) = fit_linear_correction(windows, head, config)?;
    Ok(WindowModel {
        feature_mean,
        feature_scale,
        layers: vec![layer],
        trained_on: format!(
            "the track model corrected on {} window-length excerpts",
            windows.len()
        ),
    })
}
