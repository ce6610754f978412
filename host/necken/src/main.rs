//! `necken`: the host tool. Thin wiring of the libraries to the command line; every command
//! lives in its own module under `commands/`.

mod broker;
mod calibrate;
mod commands;
mod labels;
mod output;
mod report;
mod train;
mod train_mlp;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Analyze Swedish folk-dance music and work with stored artifacts.
#[derive(Parser)]
#[command(name = "necken", version, about)]
struct Cli {
    /// The track store (a sled directory; created when missing).
    #[arg(
        long,
        global = true,
        default_value = "necken.sled",
        env = "NECKEN_STORE"
    )]
    store: PathBuf,
    /// Board profile whose `[store]` section sizes the store cache.
    #[arg(long, global = true)]
    board: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyze audio files into the store.
    Analyze(commands::analyze::Args),
    /// Analyze the audio files under folders that have no artifacts yet.
    Backfill(commands::backfill::Args),
    /// List (and with --fix re-analyze) tracks whose audio file changed since analysis.
    Stale(commands::stale::Args),
    /// Import NeckenML raw_artifacts JSON files into the store.
    Import(commands::import::Args),
    /// Export stored tracks.
    Export(commands::export::Args),
    /// Re-compute derived features and styles of every stored track, without audio.
    Reanalyze(commands::reanalyze::Args),
    /// Rewrite stored records of older schema versions in the current version.
    Migrate,
    /// Track count, store size and artifact sizes.
    Stats(commands::stats::Args),
    /// Fit a style head on stored tracks with known styles.
    TrainHead(commands::train_head::Args),
    /// Compare two style heads on every stored track (agreement, changes, accuracy).
    Ab(commands::ab::Args),
    /// Copy a device's new stored tracks into this store over MQTT (resumable).
    Pull(commands::pull::Args),
    /// Send a style head to a device; it uses it from the next window and keeps it.
    PushModel(commands::push_model::Args),
    /// List the neckend devices on a broker (online/offline, model, tracks, last seen).
    Devices(commands::devices::Args),
    /// Pictures (PNG and SVG) of tracks and of the store, with an index.html.
    Report(report::Args),
    /// Benchmarks.
    #[command(subcommand)]
    Bench(commands::bench::Which),
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = Cli::parse();
    let ctx = commands::Context {
        store_path: cli.store,
        board: cli.board,
    };
    let result = match cli.command {
        Command::Analyze(a) => commands::analyze::run(&ctx, a),
        Command::Backfill(a) => commands::backfill::run(&ctx, a),
        Command::Stale(a) => commands::stale::run(&ctx, a),
        Command::Import(a) => commands::import::run(&ctx, a),
        Command::Export(a) => commands::export::run(&ctx, a),
        Command::Reanalyze(a) => commands::reanalyze::run(&ctx, a),
        Command::Migrate => commands::migrate::run(&ctx),
        Command::Stats(a) => commands::stats::run(&ctx, a),
        Command::TrainHead(a) => commands::train_head::run(&ctx, a),
        Command::Ab(a) => commands::ab::run(&ctx, a),
        Command::Pull(a) => commands::pull::run(&ctx, a),
        Command::PushModel(a) => commands::push_model::run(&ctx, a),
        Command::Devices(a) => commands::devices::run(&ctx, a),
        Command::Report(a) => report::run(&ctx, a),
        Command::Bench(w) => commands::bench::run(w),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("necken: {e}");
            ExitCode::from(2)
        }
    }
}
