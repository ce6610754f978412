//! Binary bars named by the dance's notation, as a derivation from raw artifacts.
//!
//! The tracker tells binary from ternary bars reliably, but a 4/4 schottis bar (bass on 1 and
//! 3, chords on 2 and 4, chords changing every half bar) sounds like two 2/4 bars to every
//! rhythmic cue it has, and whether a march is written in 2/4 or 4/4 is the composer's choice.
//! So analysis keeps both binary readings ([`BeatTrack::alternate_numbers`]) and which one a
//! dance is written in is a convention of the dance ([`Style::binary_meter`]): once a style
//! is decided, [`notated`] swaps in the reading of the dance's meter. Ternary bars and dances
//! without a binary convention keep the tracker's reading. Nothing here needs the audio, so a
//! new style head re-decides the bars of every stored track.

use std::borrow::Cow;

use crate::artifact::RawArtifacts;
use crate::classify::{classify, Classification, Tags};
use crate::features::{derive, DerivedFeatures};
use crate::head::StyleHead;
use crate::style::Style;

/// The other binary meter: 4 for 2, 2 for 4, `None` for ternary (or unknown) bars.
pub fn other_binary_meter(meter: u8) -> Option<u8> {
    match meter {
        2 => Some(4),
        4 => Some(2),
        _ => None,
    }
}

/// `artifacts` with the bars of `style`'s notation: when the dance is written in the other
/// binary meter than the tracker chose, the meter and beat numbers are swapped with the
/// alternate reading (which then holds the tracker's). Borrowed unchanged otherwise, and when
/// the artifacts hold no alternate reading (imports, schema-1 records) with beats to swap.
pub fn notated(artifacts: &RawArtifacts, style: Style) -> Cow<'_, RawArtifacts> {
    let Some(tracked) = artifacts.rhythm.beats_per_bar else {
        return Cow::Borrowed(artifacts);
    };
    let Some(meter) = style.notated_meter(tracked).filter(|&m| m != tracked) else {
        return Cow::Borrowed(artifacts);
    };
    if other_binary_meter(tracked) != Some(meter) {
        return Cow::Borrowed(artifacts);
    }
    let swappable = match &artifacts.beats {
        Some(b) => b
            .alternate_numbers
            .as_ref()
            .is_some_and(|alt| alt.len() == b.numbers.len()),
        // The minimal profile keeps no beats: only the meter is named.
        None => true,
    };
    if !swappable {
        return Cow::Borrowed(artifacts);
    }
    let mut out = artifacts.clone();
    out.rhythm.beats_per_bar = Some(meter);
    if let Some(b) = &mut out.beats {
        if let Some(alt) = &mut b.alternate_numbers {
            std::mem::swap(&mut b.numbers, alt);
        }
    }
    Cow::Owned(out)
}

/// What a style head makes of raw artifacts: the classification (decided on the tracker's
/// reading), the artifacts with the dance's bars, and the features derived from those.
#[derive(Clone, Debug)]
pub struct Interpretation<'a> {
    /// The style decision.
    pub classification: Classification,
    /// The artifacts as the dance is notated ([`notated`]).
    pub artifacts: Cow<'a, RawArtifacts>,
    /// Features of [`Interpretation::artifacts`].
    pub features: DerivedFeatures,
}

/// Derives, classifies and names the bars: the one interpretation of raw artifacts shared by
/// analysis, the daemon and re-analysis (features are derived a second time only for the
/// tracks whose bars the notation changes).
pub fn interpret<'a>(
    artifacts: &'a RawArtifacts,
    tags: &Tags,
    head: Option<&StyleHead>,
) -> Interpretation<'a> {
    let features = derive(artifacts);
    let classification = classify(&features, tags, head);
    let notated = notated(artifacts, classification.style);
    let features = match &notated {
        Cow::Borrowed(_) => features,
        Cow::Owned(a) => derive(a),
    };
    Interpretation {
        classification,
        artifacts: notated,
        features,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::BeatTrack;
    use crate::synth;

    fn binary(tracked: u8, alternate: Option<Vec<u8>>) -> RawArtifacts {
        let mut a =
            synth::synthetic_artifacts(Style::Polka, 30.0, crate::artifact::Profile::Standard, 1);
        let n = 16;
        a.rhythm.beats_per_bar = Some(tracked);
        a.beats = Some(BeatTrack {
            times: (0..n).map(|i| i as f64 * 0.5).collect(),
            numbers: (0..n).map(|i| (i % tracked as usize) as u8 + 1).collect(),
            alternate_numbers: alternate,
        });
        a
    }

    #[test]
    fn a_schottis_tracked_in_two_gets_its_four_four_bars_and_back() {
        let four: Vec<u8> = (0..16).map(|i| (i % 4) as u8 + 1).collect();
        let a = binary(2, Some(four.clone()));
        let n = notated(&a, Style::Schottis);
        assert_eq!(n.rhythm.beats_per_bar, Some(4));
        let b = n.beats.as_ref().unwrap();
        assert_eq!(b.numbers, four);
        assert_eq!(
            b.alternate_numbers.as_ref().unwrap(),
            &a.beats.as_ref().unwrap().numbers
        );
        // A polka keeps 2/4 (borrowed, unchanged); the swapped record swaps back.
        assert!(matches!(notated(&a, Style::Polka), Cow::Borrowed(_)));
        assert_eq!(notated(&n, Style::Polka).as_ref(), &a);
    }

    #[test]
    fn ternary_bars_undecided_styles_and_old_records_keep_the_trackers_reading() {
        let a = binary(3, None);
        assert!(matches!(notated(&a, Style::Schottis), Cow::Borrowed(_)));
        let a = binary(2, Some((0..16).map(|i| (i % 4) as u8 + 1).collect()));
        assert!(matches!(notated(&a, Style::Vals), Cow::Borrowed(_)));
        assert!(matches!(notated(&a, Style::Unknown), Cow::Borrowed(_)));
        let old = binary(2, None);
        assert!(matches!(notated(&old, Style::Schottis), Cow::Borrowed(_)));
        let mut minimal = binary(2, None);
        minimal.beats = None;
        assert_eq!(
            notated(&minimal, Style::Schottis).rhythm.beats_per_bar,
            Some(4)
        );
    }
}
