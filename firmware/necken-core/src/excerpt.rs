//! A stretch of a track's artifacts as if it were a track of its own, so that features and
//! styles can be derived over time from the store alone (`necken report`'s style-over-time).

use crate::artifact::{
    ActivationFunction, AudioStats, BeatTrack, Dynamics, Embedding, Profile, RawArtifacts, Series,
    VocalScores,
};

/// The artifacts of `[from_s, to_s)`, times shifted to start at 0. Whole-track values that
/// cannot be cut (loudness, zero-crossing rate) are kept; series values and beats outside the
/// stretch are dropped; the embedding's mean becomes the mean of the segments inside it.
pub fn excerpt(a: &RawArtifacts, from_s: f64, to_s: f64) -> RawArtifacts {
    let inside = |t: f64| t >= from_s && t < to_s;
    let beats = a.beats.as_ref().map(|b| {
        let keep: Vec<usize> = (0..b.times.len()).filter(|&i| inside(b.times[i])).collect();
        BeatTrack {
            times: keep.iter().map(|&i| b.times[i] - from_s).collect(),
            numbers: keep.iter().map(|&i| b.numbers[i]).collect(),
            alternate_numbers: b
                .alternate_numbers
                .as_ref()
                .map(|alt| keep.iter().filter_map(|&i| alt.get(i).copied()).collect()),
        }
    });
    let kept_beats: Vec<usize> = a.beats.as_ref().map_or(Vec::new(), |b| {
        (0..b.times.len()).filter(|&i| inside(b.times[i])).collect()
    });
    let mut rhythm = a.rhythm.clone();
    rhythm.beat_count = kept_beats.len() as u32;
    if let Some(b) = &beats {
        let mut ibis = b.intervals();
        if !ibis.is_empty() {
            ibis.sort_by(|x, y| x.total_cmp(y));
            let m = ibis[ibis.len() / 2];
            rhythm.tempo_bpm = (m > 0.0).then(|| (60.0 / m) as f32);
        }
    }
    let embedding = a.embedding.as_ref().map(|e| {
        let segments = e.segments.as_ref().map(|s| cut(s, from_s, to_s));
        let mean = match &segments {
            Some(s) if !s.values.is_empty() => {
                let mut m = vec![0f32; e.mean.len()];
                for v in &s.values {
                    for (acc, x) in m.iter_mut().zip(v) {
                        *acc += x / s.values.len() as f32;
                    }
                }
                m
            }
            _ => e.mean.clone(),
        };
        Embedding {
            model: e.model.clone(),
            mean,
            segments,
        }
    });
    let vocal = a.vocal.as_ref().map(|v| {
        let segments = v.segments.as_ref().map(|s| cut(s, from_s, to_s));
        let (instrumental, vocal) = match &segments {
            Some(s) if !s.values.is_empty() => {
                let n = s.values.len() as f32;
                (
                    s.values.iter().map(|p| p[0]).sum::<f32>() / n,
                    s.values.iter().map(|p| p[1]).sum::<f32>() / n,
                )
            }
            _ => (v.instrumental, v.vocal),
        };
        VocalScores {
            instrumental,
            vocal,
            segments,
        }
    });
    let dynamics = a.dynamics.as_ref().map(|d| Dynamics {
        beat_energy: kept_beats
            .iter()
            .filter_map(|&i| d.beat_energy.get(i).copied())
            .collect(),
        envelope: d.envelope.as_ref().map(|s| cut(s, from_s, to_s)),
    });
    let activation = a.activation.as_ref().map(|f| {
        let frame = |t: f64| ((t * f.frame_rate_hz as f64).max(0.0) as usize).min(f.beat.len());
        let (i, j) = (frame(from_s), frame(to_s));
        ActivationFunction {
            frame_rate_hz: f.frame_rate_hz,
            beat: f.beat[i..j].to_vec(),
            downbeat: f.downbeat[i..j.min(f.downbeat.len())].to_vec(),
        }
    });
    let duration = a
        .audio_stats
        .as_ref()
        .map_or(to_s, |s| (s.duration_s as f64).min(to_s))
        - from_s;
    let onsets = a.onsets.as_ref().map(|o| {
        o.iter()
            .filter(|&&t| inside(t))
            .map(|t| t - from_s)
            .collect::<Vec<_>>()
    });
    let audio_stats = a.audio_stats.as_ref().map(|s| AudioStats {
        duration_s: duration.max(0.0) as f32,
        // Only the full profile keeps every onset; a standard record's are the swing
        // onsets, whose count is not the rate, so the excerpt keeps the track's rate.
        onset_rate: match &onsets {
            Some(o) if duration > 0.0 && a.profile == Profile::Full => {
                (o.len() as f64 / duration) as f32
            }
            _ => s.onset_rate,
        },
        ..s.clone()
    });
    RawArtifacts {
        profile: a.profile,
        rhythm,
        beats,
        activation,
        embedding,
        vocal,
        audio_stats,
        onsets,
        dynamics,
        structure: None,
        // A mean bar cannot be cut to a span: it is an average over the whole piece.
        bar_pattern: None,
        provenance: a.provenance.clone(),
    }
}

/// The values of a series whose time lies in `[from_s, to_s)`, the first at time 0.
fn cut<T: Clone>(s: &Series<T>, from_s: f64, to_s: f64) -> Series<T> {
    let hop = s.hop_s.max(1e-6) as f64;
    let first = (from_s / hop).ceil().max(0.0) as usize;
    let end = ((to_s / hop).ceil().max(0.0) as usize).min(s.values.len());
    Series {
        hop_s: s.hop_s,
        values: s.values.get(first..end.max(first)).unwrap_or(&[]).to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::Profile;
    use crate::style::Style;
    use crate::synth::synthetic_artifacts;

    #[test]
    fn an_excerpt_keeps_what_lies_inside_and_shifts_it_to_zero() {
        let a = synthetic_artifacts(Style::Polska, 120.0, Profile::Full, 3);
        let e = excerpt(&a, 30.0, 50.0);
        let b = e.beats.as_ref().unwrap();
        let all = a.beats.as_ref().unwrap();
        let expected = all
            .times
            .iter()
            .filter(|&&t| (30.0..50.0).contains(&t))
            .count();
        assert!(expected > 10);
        assert_eq!(b.times.len(), expected);
        assert_eq!(e.rhythm.beat_count as usize, expected);
        assert!(b.times.iter().all(|&t| (0.0..20.0).contains(&t)));
        assert_eq!(b.numbers.len(), b.times.len());
        let d = e.dynamics.as_ref().unwrap();
        assert_eq!(d.beat_energy.len(), expected);
        assert!((e.audio_stats.as_ref().unwrap().duration_s - 20.0).abs() < 1e-3);
        let tempo = e.rhythm.tempo_bpm.unwrap();
        let whole = a.rhythm.tempo_bpm.unwrap();
        assert!((tempo - whole).abs() / whole < 0.1, "{tempo} vs {whole}");
        // The features of an excerpt derive like any track's.
        let f = crate::features::derive(&e);
        assert!(f.tempo_bpm.is_some());
        // The whole stretch is the track itself, beats and all.
        let same = excerpt(&a, 0.0, 1e9);
        assert_eq!(same.beats, a.beats);
    }
}
