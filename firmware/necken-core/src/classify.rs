//! The style decision: a keyword in the tags first, then the style head.

use serde::Serialize;

use crate::features::DerivedFeatures;
use crate::head::StyleHead;
use crate::style::{classify_by_keywords, KeywordMatch, Style};

/// Confidence given to a keyword match (NeckenML's convention).
pub const KEYWORD_CONFIDENCE: f32 = 0.98;
/// Below this top probability the head's answer is reported as `Unknown`.
pub const MIN_MODEL_CONFIDENCE: f32 = 0.4;

/// Title/artist/album tags of a track.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tags {
    /// Track title.
    pub title: Option<String>,
    /// Artist.
    pub artist: Option<String>,
    /// Album.
    pub album: Option<String>,
}

/// What decided the style.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DecisionSource {
    /// A keyword in the tags.
    Metadata,
    /// The style head.
    Model,
    /// Nothing could decide (no keyword, no head).
    None,
}

/// The outcome for one track.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Classification {
    /// The decided style.
    pub style: Style,
    /// Sub-style from the keyword table.
    pub sub_style: Option<&'static str>,
    /// Confidence of the decision, 0..=1.
    pub confidence: f32,
    /// What decided.
    pub source: DecisionSource,
    /// The keyword that matched, if any.
    pub keyword: Option<KeywordMatch>,
    /// The head's top style (`Unknown` when below [`MIN_MODEL_CONFIDENCE`]); `None` without a head.
    pub ml_suggested_style: Option<Style>,
    /// The head's top probability; `None` without a head.
    pub ml_confidence: Option<f32>,
    /// Every class probability from the head, highest first.
    pub probabilities: Vec<(Style, f32)>,
}

/// Decides the style of a track. A head trained on another embedding network than the track's
/// is left out, as if there were none ([`StyleHead::reads`]).
pub fn classify(f: &DerivedFeatures, tags: &Tags, head: Option<&StyleHead>) -> Classification {
    // A head trained on another network's embedding does not classify this track.
    let head = head.filter(|h| h.reads(f.embedding_model.as_deref()));
    let mut probabilities = head
        .map(|h| h.predict(&f.feature_vector))
        .unwrap_or_default();
    probabilities.sort_by(|a, b| b.1.total_cmp(&a.1));
    let top = probabilities.first().copied();
    let ml_suggested_style = top.map(|(s, p)| {
        if p >= MIN_MODEL_CONFIDENCE {
            s
        } else {
            Style::Unknown
        }
    });
    let ml_confidence = top.map(|(_, p)| p);
    let keyword = classify_by_keywords(
        tags.title.as_deref(),
        tags.album.as_deref(),
        tags.artist.as_deref(),
    );
    let (style, sub_style, confidence, source) = match (&keyword, ml_suggested_style) {
        (Some(k), _) => (
            k.style,
            k.sub_style,
            KEYWORD_CONFIDENCE,
            DecisionSource::Metadata,
        ),
        (None, Some(s)) => (s, None, ml_confidence.unwrap_or(0.0), DecisionSource::Model),
        (None, None) => (Style::Unknown, None, 0.0, DecisionSource::None),
    };
    Classification {
        style,
        sub_style,
        confidence,
        source,
        keyword,
        ml_suggested_style,
        ml_confidence,
        probabilities,
    }
}
