//! The pictures of one track: envelope with beat and bar grid, tempo over time, the mean bar,
//! and style probabilities over time (the head on 20-second excerpts of the artifacts).

use std::collections::BTreeMap;
use std::path::Path;

use necken_core::classify::classify;
use necken_core::head::StyleHead;
use necken_core::style::{Style, ALL_STYLES};
use necken_core::{codec, excerpt::excerpt, features, notation::interpret};
use necken_store::TrackRecord;
use plotters::prelude::*;

use super::charts;

/// Style-over-time windows.
const WINDOW_S: f64 = 20.0;
const HOP_S: f64 = 5.0;

/// The pictures of one track (the mean bar's when the track has one); returns their names.
pub(super) fn pictures(
    dir: &Path,
    rec: &TrackRecord,
    head: &StyleHead,
) -> Result<Vec<String>, String> {
    let a = codec::decode(&rec.artifacts).map_err(|e| e.to_string())?;
    let reading = interpret(&a, &rec.meta.tags, Some(head));
    let beats = reading
        .artifacts
        .beats
        .clone()
        .unwrap_or(necken_core::artifact::BeatTrack {
            times: Vec::new(),
            numbers: Vec::new(),
            alternate_numbers: None,
        });
    let duration = a
        .audio_stats
        .as_ref()
        .map_or(0.0, |s| s.duration_s as f64)
        .max(beats.times.last().copied().unwrap_or(0.0));
    let envelope: Vec<(f64, f64)> = match a.dynamics.as_ref() {
        Some(d) => match &d.envelope {
            Some(s) => s
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| (i as f64 * s.hop_s as f64, *v as f64))
                .collect(),
            // The standard profile keeps the energy at each beat, not the whole envelope.
            None => beats
                .times
                .iter()
                .zip(&d.beat_energy)
                .map(|(t, e)| (*t, (*e as f64).sqrt()))
                .collect(),
        },
        None => Vec::new(),
    };
    let id = rec.meta.id.to_string();
    let short = &id[..12];
    let c = &reading.classification;
    let title = format!(
        "{short}: {} {}, beats and bars",
        c.style.name(),
        reading.features.meter.as_deref().unwrap_or("")
    );
    let bars = beats.bar_times();
    let mut names = Vec::new();
    names.push(picture!(dir, format!("{short}-rhythm"), |root| {
        charts::rhythm(&root, &title, duration, &envelope, &beats.times, &bars)
    }));
    let tempo_points = tempo_curve(&beats.times);
    let title = format!("{short}: tempo");
    let bpm = reading.features.tempo_bpm;
    names.push(picture!(dir, format!("{short}-tempo"), |root| {
        charts::tempo(&root, &title, duration, &tempo_points, bpm)
    }));
    if let Some(bar) = a.bar_pattern.as_ref().filter(|b| b.bins > 0) {
        let bins = bar.bins as usize;
        let bands: Vec<(&str, Vec<(f64, f64)>)> = ["bass", "middle", "treble"]
            .into_iter()
            .zip(bar.values.chunks(bins))
            .map(|(name, values)| {
                let points = values
                    .iter()
                    .enumerate()
                    .map(|(k, v)| (k as f64 / bins as f64, *v as f64))
                    .collect();
                (name, points)
            })
            .collect();
        let starts: Vec<f64> = reading
            .features
            .beat_shares
            .as_deref()
            .unwrap_or(&[])
            .iter()
            .scan(0.0, |at, share| {
                let start = *at;
                *at += share;
                Some(start)
            })
            .collect();
        let title = format!("{short}: the mean bar ({} bars)", bar.bars);
        names.push(picture!(dir, format!("{short}-bar"), |root| {
            charts::mean_bar(&root, &title, &bands, &starts)
        }));
    }
    let lines = style_lines(&a, &rec.meta.tags, head, duration);
    // Excerpts keep no mean bar (it is an average over the whole piece): a head that reads one
    // decides these windows without it.
    let without = if head.expects_bar_pattern() {
        ", excerpts without the mean bar"
    } else {
        ""
    };
    let title = format!("{short}: style probabilities by {}{without}", head.id);
    names.push(picture!(dir, format!("{short}-styles"), |root| {
        charts::styles_over_time(&root, &title, duration, &lines)
    }));
    Ok(names)
}

/// Tempo at each beat: 60 over the median of the five intervals around it.
fn tempo_curve(times: &[f64]) -> Vec<(f64, f64)> {
    let ibis: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    (0..ibis.len())
        .filter_map(|i| {
            let lo = i.saturating_sub(2);
            let mut w: Vec<f64> = ibis[lo..(i + 3).min(ibis.len())].to_vec();
            w.sort_by(|a, b| a.total_cmp(b));
            let m = w[w.len() / 2];
            (m > 0.0).then(|| (times[i + 1], 60.0 / m))
        })
        .collect()
}

/// Per style that reaches 0.15 somewhere: its probability in each 20 s window (every 5 s).
fn style_lines(
    a: &necken_core::artifact::RawArtifacts,
    tags: &necken_core::classify::Tags,
    head: &StyleHead,
    duration: f64,
) -> Vec<(String, Vec<(f64, f64)>)> {
    let mut per: BTreeMap<Style, Vec<(f64, f64)>> = BTreeMap::new();
    let mut end = WINDOW_S.min(duration);
    while end <= duration + 1e-6 && duration > 0.0 {
        let part = excerpt(a, (end - WINDOW_S).max(0.0), end);
        let c = classify(&features::derive(&part), tags, Some(head));
        for s in ALL_STYLES {
            let p = c
                .probabilities
                .iter()
                .find(|(x, _)| *x == s)
                .map_or(0.0, |(_, p)| *p as f64);
            per.entry(s).or_default().push((end, p));
        }
        end += HOP_S;
    }
    per.into_iter()
        .filter(|(_, v)| v.iter().any(|p| p.1 >= 0.15))
        .map(|(s, v)| (s.name().to_string(), v))
        .collect()
}
