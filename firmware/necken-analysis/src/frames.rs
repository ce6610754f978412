//! Tracking, onsets, dynamics and sections over front-end frames → raw artifacts: the one
//! analysis of whole files, live segments and the daemon's rolling windows.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use necken_core::artifact::*;
use necken_core::features::BEAT_WINDOW_S;
use necken_core::vector::{PATTERN_BANDS, PATTERN_BINS};
use necken_rhythm::activation::Activations;
use necken_rhythm::bar_pattern::{mean_bar, BANDS, BINS};
use necken_rhythm::frontend::{FrameFeatures, SpectralFrontEnd, COARSE_BANDS};
use necken_rhythm::learned::mix_activations;
use necken_rhythm::onsets::pick_onsets;
use necken_rhythm::sections::bar_sections;
use necken_rhythm::tracker::BarPointerTracker;
use necken_rhythm::{ANALYSIS_RATE, FRAME_RATE};

use crate::pipeline::{AnalysisOptions, StageTimes};
use crate::stats::SourceStats;

// The style head's layout takes the mean bar as the analysis makes it.
const _: () = assert!(BINS == PATTERN_BINS && BANDS == PATTERN_BANDS);

/// Fewest onsets for which beat tracking is attempted; below it the piece has no beats.
const MIN_ONSETS: usize = 8;

/// Facts about the source audio measured during decoding.
#[derive(Clone, Debug)]
pub struct SourceFacts {
    /// Source sample rate, Hz.
    pub sample_rate: u32,
    /// Duration, seconds.
    pub duration_s: f64,
    /// Integrated loudness, LUFS.
    pub loudness_lufs: Option<f32>,
    /// RMS of the mono mix.
    pub rms: f32,
    /// Zero crossings per sample.
    pub zcr: f32,
    /// Audio fingerprint.
    pub fingerprint: [u8; 8],
}

/// Analyzes 16 kHz mono samples already in memory (tests, generated audio).
pub fn analyze_samples(samples_16k: &[f32], options: &AnalysisOptions) -> RawArtifacts {
    let mut fe = SpectralFrontEnd::new();
    let mut frames = Vec::new();
    fe.push(samples_16k, &mut |f| frames.push(f));
    fe.finish(&mut |f| frames.push(f));
    let mut stats = SourceStats::new(ANALYSIS_RATE, 1);
    stats.add(samples_16k, samples_16k);
    let source = SourceFacts {
        sample_rate: ANALYSIS_RATE,
        duration_s: samples_16k.len() as f64 / ANALYSIS_RATE as f64,
        loudness_lufs: stats.loudness_lufs(),
        rms: stats.rms(),
        zcr: stats.zcr(),
        fingerprint: stats.fingerprint(),
    };
    analyze_frames(&frames, None, &source, options, &mut StageTimes::default())
}

fn frame_time(f: usize) -> f64 {
    f as f64 / FRAME_RATE as f64
}

/// Tracking, onsets, dynamics and sections over front-end frames → raw artifacts. Used for
/// whole files, for live segments and for the daemon's rolling classification windows.
///
/// `net`: the beat network's probabilities for these frames (from `options.beat_model`, run
/// whole or streamed), mixed into the activations and recorded in the provenance. Onsets stay
/// the DSP's.
pub fn analyze_frames(
    frames: &[FrameFeatures],
    net: Option<&[[f32; 2]]>,
    source: &SourceFacts,
    options: &AnalysisOptions,
    times: &mut StageTimes,
) -> RawArtifacts {
    let t = Instant::now();
    let dsp = Activations::from_frames(frames);
    let (mixed, model) = match (net, &options.beat_model) {
        (Some(net), Some(model)) if net.len() >= frames.len() => (
            Some(mix_activations(&dsp, net, options.net_share)),
            Some(ModelRef {
                id: model.id().to_string(),
                sha256_prefix: model.sha256_prefix(),
            }),
        ),
        (Some(net), _) => {
            log::error!(
                "beat network output ignored: {} frames for {} (or no model named)",
                net.len(),
                frames.len()
            );
            (None, None)
        }
        (None, _) => (None, None),
    };
    let act = mixed.as_ref().unwrap_or(&dsp);
    times.activation = t.elapsed();

    let t = Instant::now();
    let onset_frames = pick_onsets(&dsp.beat);
    let track = if onset_frames.len() >= MIN_ONSETS {
        BarPointerTracker::new(options.tracker.clone()).track(act)
    } else {
        Default::default()
    };
    times.tracking = t.elapsed();
    log::debug!(
        "tracker chose {} (meter posterior {:?}); pattern scores {:?}",
        track.pattern,
        track.meter_posterior,
        track.pattern_scores
    );

    let t = Instant::now();
    let beat_times: Vec<f64> = track.beat_frames.iter().map(|&f| frame_time(f)).collect();
    let tempo_bpm = match (beat_times.first(), beat_times.last()) {
        (Some(a), Some(b)) if beat_times.len() >= 2 && b > a => {
            Some((60.0 * (beat_times.len() - 1) as f64 / (b - a)) as f32)
        }
        _ => None,
    };
    let has_beats = !beat_times.is_empty();
    let standard = options.profile != Profile::Minimal;
    let full = options.profile == Profile::Full;
    let onsets: Vec<f64> = onset_frames.iter().map(|&f| frame_time(f)).collect();
    let energy: Vec<f32> = frames.iter().map(|f| f.energy).collect();
    let beat_window = (BEAT_WINDOW_S * FRAME_RATE as f64).round() as usize;
    let beat_energy: Vec<f32> = track
        .beat_frames
        .iter()
        .map(|&f| {
            let lo = f.saturating_sub(beat_window);
            let hi = (f + beat_window + 1).min(energy.len());
            energy[lo..hi].iter().sum::<f32>() / (hi - lo).max(1) as f32
        })
        .collect();
    let envelope = |hop_s: f32| {
        let per = ((hop_s * FRAME_RATE).round() as usize).max(1);
        Series {
            hop_s,
            values: energy
                .chunks(per)
                .map(|c| (c.iter().sum::<f32>() / c.len() as f32).sqrt())
                .collect(),
        }
    };
    let structure = if has_beats {
        let bars: Vec<usize> = track
            .beat_frames
            .iter()
            .zip(&track.beat_numbers)
            .filter(|(_, &n)| n == 1)
            .map(|(&f, _)| f)
            .collect();
        let fp: Vec<[f32; COARSE_BANDS]> = frames.iter().map(|f| f.coarse).collect();
        let (starts, labels) = bar_sections(&bars, &fp);
        (!starts.is_empty()).then(|| Structure {
            starts: starts.iter().map(|&f| frame_time(f)).collect(),
            labels,
        })
    } else {
        None
    };
    let bar_pattern = if standard && has_beats {
        mean_bar(frames, &track.beat_frames, &track.beat_numbers).map(|m| BarPattern {
            bars: m.bars,
            bins: BINS as u8,
            values: m.values,
        })
    } else {
        None
    };
    let artifacts = RawArtifacts {
        profile: options.profile,
        rhythm: RhythmSummary {
            tempo_bpm,
            beats_per_bar: has_beats.then_some(track.beats_per_bar),
            ternary_confidence: has_beats.then(|| track.ternary_probability()),
            beat_count: beat_times.len() as u32,
        },
        beats: (standard && has_beats).then(|| BeatTrack {
            times: beat_times.clone(),
            numbers: track.beat_numbers.clone(),
            alternate_numbers: track
                .alternate
                .as_ref()
                .and_then(|alt| alt.numbers_on(&track.beat_frames)),
        }),
        activation: full.then(|| ActivationFunction {
            frame_rate_hz: FRAME_RATE,
            beat: act.beat.clone(),
            downbeat: act.downbeat.clone(),
        }),
        // Filled by attach_embeddings when an embedding network ran: absent, not faked.
        embedding: None,
        vocal: None,
        audio_stats: Some(AudioStats {
            loudness_lufs: source.loudness_lufs,
            rms: source.rms,
            zcr: source.zcr,
            onset_rate: if source.duration_s > 0.0 {
                (onsets.len() as f64 / source.duration_s) as f32
            } else {
                0.0
            },
            duration_s: source.duration_s as f32,
        }),
        onsets: options.profile.onsets_to_store(&beat_times, onsets),
        dynamics: standard.then(|| Dynamics {
            beat_energy: if has_beats { beat_energy } else { Vec::new() },
            envelope: options.profile.envelope_hop_s().map(envelope),
        }),
        structure: if standard { structure } else { None },
        bar_pattern,
        provenance: Provenance {
            analyzer: concat!("necken ", env!("CARGO_PKG_VERSION")).into(),
            models: model.into_iter().collect(),
            source_sample_rate_hz: source.sample_rate,
            analysis_sample_rate_hz: ANALYSIS_RATE,
            frame_rate_hz: FRAME_RATE,
            analyzed_at: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            audio_fingerprint: source.fingerprint,
        },
    };
    times.stats = t.elapsed();
    artifacts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed_run::attach_embeddings;
    use necken_rhythm::learned::{EmbeddingModel, PatchEmbeddings};
    use necken_rhythm::mel::PATCH_HOP_S;

    struct Named;

    impl EmbeddingModel for Named {
        fn id(&self) -> &str {
            "embed-test"
        }
        fn sha256_prefix(&self) -> [u8; 8] {
            [1; 8]
        }
        fn dim(&self) -> usize {
            2
        }
        fn embed(&self, _: &[f32]) -> Result<PatchEmbeddings, String> {
            Err("not run here".into())
        }
    }

    #[test]
    fn embeddings_become_means_and_a_12_second_series_with_the_full_profile() {
        let patches = PatchEmbeddings {
            embeddings: (0..10).map(|k| vec![k as f32, 1.0]).collect(),
            vocal: (0..10)
                .map(|k| if k < 8 { [1.0, 0.0] } else { [0.0, 1.0] })
                .collect(),
        };
        let mut a = analyze_samples(&[0.0; 16_000], &AnalysisOptions::new(Profile::Full));
        attach_embeddings(&mut a, &Named, patches.clone());
        let e = a.embedding.as_ref().unwrap();
        assert!((e.mean[0] - 4.5).abs() < 1e-5 && (e.mean[1] - 1.0).abs() < 1e-5);
        let series = e.segments.as_ref().unwrap();
        assert!((series.hop_s - 4.0 * PATCH_HOP_S).abs() < 1e-6);
        assert_eq!(
            series.values,
            vec![vec![1.5, 1.0], vec![5.5, 1.0], vec![8.5, 1.0]]
        );
        let v = a.vocal.as_ref().unwrap();
        assert!((v.vocal - 0.2).abs() < 1e-6 && (v.instrumental - 0.8).abs() < 1e-6);
        assert_eq!(v.segments.as_ref().unwrap().values[2], [0.0, 1.0]);
        assert_eq!(a.provenance.models[0].id, "embed-test");

        let mut a = analyze_samples(&[0.0; 16_000], &AnalysisOptions::new(Profile::Standard));
        attach_embeddings(&mut a, &Named, patches);
        assert!(a.embedding.as_ref().unwrap().segments.is_none());
        assert!(a.vocal.as_ref().unwrap().segments.is_none());
    }

    #[test]
    fn in_memory_samples_are_analyzed_like_files() {
        // 20 s of 16 kHz audio: a 1 kHz click every 0.4 s (150 bpm).
        let rate = ANALYSIS_RATE as usize;
        let samples: Vec<f32> = (0..rate * 20)
            .map(|i| {
                let t = (i % (rate * 2 / 5)) as f32 / rate as f32;
                if t < 0.02 {
                    (std::f32::consts::TAU * 1000.0 * t).sin() * (1.0 - t / 0.02) * 0.7
                } else {
                    0.0
                }
            })
            .collect();
        let a = analyze_samples(&samples, &AnalysisOptions::new(Profile::Standard));
        let tempo = a.rhythm.tempo_bpm.expect("clicks have a tempo");
        assert!((tempo - 150.0).abs() < 2.0, "tempo {tempo}");
        let stats = a.audio_stats.unwrap();
        assert!((stats.duration_s - 20.0).abs() < 1e-3);
        assert_eq!(a.provenance.source_sample_rate_hz, ANALYSIS_RATE);
        // 50 clicks: the rate counts every onset; the standard profile keeps only the onsets
        // swing reads, and clicks on the beats leave none between them.
        assert!(stats.onset_rate >= 2.25, "onset rate {}", stats.onset_rate);
        assert_eq!(a.onsets, Some(Vec::new()));
    }
}
