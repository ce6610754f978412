//! # neckend
//!
//! The board daemon. Audio comes from a capture device (cpal/ALSA, through a lock-free ring
//! filled by the audio callback) or from files; the [`engine`] tracks beats as they happen,
//! classifies a rolling window with hysteresis, and cuts the stream into segments whose
//! artifacts go to the same sled store `necken` reads. [`mqtt`] publishes status, style, beats
//! and track summaries with Home Assistant discovery, queueing durable messages in the store
//! while the broker is away.
#![warn(missing_docs)]

#[cfg(feature = "live")]
pub mod alsa_devices;
pub mod args;
#[cfg(feature = "live")]
pub mod capture;
pub mod config;
pub mod daemon;
pub use necken_engine as engine;
#[cfg(test)]
mod engine_tests;
pub mod files;
mod live;
pub mod messages;
pub mod models;
pub mod mqtt;
mod outputs;
pub use necken_engine::{music, smoother, tune_change};

/// Entry point shared by the `neckend` binary and the test harness's copy of it.
pub fn main() -> std::process::ExitCode {
    use clap::Parser;
    env_logger::Builder::from_env(
        env_logger::Env::default().default_filter_or("info,symphonia=warn"),
    )
    .init();
    let args = daemon::Args::parse();
    match daemon::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("neckend: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
