//! Binary bars settled by the dance's notation.
//!
//! The tracker tells binary from ternary bars reliably, but a 4/4 schottis bar (bass on 1 and
//! 3, chords on 2 and 4, chords changing every half bar) sounds like two 2/4 bars to every
//! rhythmic cue it has, and whether a march is written in 2/4 or 4/4 is the composer's choice.
//! Which one a dance is written in is a convention of the dance
//! ([`Style::binary_meter`](necken_core::style::Style::binary_meter)), so once the artifacts
//! are complete the style head classifies them and, when it hears a dance conventionally
//! written in the other binary meter, the beats are tracked again with only that meter's bar
//! patterns (the tracker's own choice of phase within the longer bar). Ternary bars and
//! undecided styles keep the tracker's reading.

use necken_core::artifact::{ModelRef, RawArtifacts};
use necken_core::classify::{classify, Tags};
use necken_core::features::derive;
use necken_core::head::StyleHead;
use necken_rhythm::frontend::FrameFeatures;
use sha2::{Digest, Sha256};

use crate::pipeline::{analyze_frames, AnalysisOptions, SourceFacts, StageTimes};

/// The binary meter the dance heard in `artifacts` is written in, when that differs from the
/// tracker's binary bar; `None` to keep the tracker's reading.
pub fn meter_to_settle(artifacts: &RawArtifacts, tags: &Tags, head: &StyleHead) -> Option<u8> {
    let tracked = artifacts.rhythm.beats_per_bar?;
    if !tracked.is_multiple_of(2) {
        // Not worth classifying: only binary bars are settled.
        return None;
    }
    let style = classify(&derive(artifacts), tags, Some(head)).style;
    style.notated_meter(tracked).filter(|&m| m != tracked)
}

/// Applies [`meter_to_settle`] with `options.style_head`: re-tracks `frames` (and `net`, the
/// beat network's output for them) with only the bar patterns of the dance's meter. The
/// embedding and vocal scores, which do not depend on the beats, carry over; the provenance
/// adds the head that decided.
pub fn settle_binary_meter(
    mut artifacts: RawArtifacts,
    frames: &[FrameFeatures],
    net: Option<&[[f32; 2]]>,
    source: &SourceFacts,
    tags: &Tags,
    options: &AnalysisOptions,
) -> RawArtifacts {
    let Some(head) = &options.style_head else {
        return artifacts;
    };
    let Some(meter) = meter_to_settle(&artifacts, tags, head) else {
        return artifacts;
    };
    let mut forced = options.clone();
    forced.tracker.patterns.retain(|p| p.meter() == meter);
    if forced.tracker.patterns.is_empty() {
        log::warn!("no {meter}-beat bar pattern to settle the meter with");
        return artifacts;
    }
    let mut settled = analyze_frames(frames, net, source, &forced, &mut StageTimes::default());
    if settled.rhythm.beats_per_bar != Some(meter) {
        return artifacts;
    }
    settled.embedding = artifacts.embedding.take();
    settled.vocal = artifacts.vocal.take();
    settled.provenance.models = std::mem::take(&mut artifacts.provenance.models);
    settled.provenance.models.push(ModelRef {
        id: head.id.clone(),
        sha256_prefix: Sha256::digest(head.to_bytes())[..8]
            .try_into()
            .expect("8 bytes"),
    });
    settled
}
