//! # necken-rhythm
//!
//! The rhythm DSP of necken, pure and allocation-aware so that it can run on a board:
//!
//! 1. [`frontend::SpectralFrontEnd`] turns 16 kHz mono samples, pushed in any chunk size, into
//!    100 frames/s of log-frequency filterbank flux and frame energy.
//! 2. [`activation::Activations`] normalizes the flux into beat and downbeat activations.
//! 3. [`tracker::BarPointerTracker`] decodes beats, downbeats and meter jointly with a
//!    probabilistic bar-pointer model over 2/4, 3/4 and 4/4.
//! 4. [`learned`] is where a beat network (run by `necken-models`) mixes into the activations.
//! 5. [`mel`] is the embedding network's log-mel front end.
//! 6. [`onsets::pick_onsets`] and [`sections::bar_sections`] give onsets and sections,
//!    [`bar_pattern::mean_bar`] the mean bar as heard (onsets per band through the bar).
#![warn(missing_docs)]

pub mod activation;
pub mod alternate;
pub mod bar_pattern;
pub mod frontend;
pub mod learned;
pub mod mel;
pub mod onsets;
pub mod sections;
pub mod streaming;
pub mod tracker;

/// Sample rate the front end expects, Hz.
pub const ANALYSIS_RATE: u32 = 16_000;
/// Hop between frames in samples (10 ms).
pub const HOP: usize = 160;
/// Frames per second.
pub const FRAME_RATE: f32 = ANALYSIS_RATE as f32 / HOP as f32;
