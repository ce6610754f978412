//! The dance styles necken tells apart, and keyword classification from tags.

use serde::{Deserialize, Serialize};

/// A Swedish folk-dance style.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Style {
    /// Polska (3/4, uneven beats).
    Polska,
    /// Slängpolska (3/4, even sixteenths).
    Slangpolska,
    /// Hambo (3/4, long accented first beat).
    Hambo,
    /// Vals (3/4, even).
    Vals,
    /// Mazurka (3/4, accent on 2 or 3).
    Mazurka,
    /// Menuett (3/4).
    Menuett,
    /// Polka (2/4).
    Polka,
    /// Schottis (4/4, dotted).
    Schottis,
    /// Snoa (2/4, walking).
    Snoa,
    /// Gånglåt or marsch (2/4 or 4/4).
    GanglatMarsch,
    /// Engelska or reel (2/2).
    Engelska,
    /// No style could be decided.
    Unknown,
}

/// Every style, `Unknown` last.
pub const ALL_STYLES: [Style; 12] = [
    Style::Polska,
    Style::Slangpolska,
    Style::Hambo,
    Style::Vals,
    Style::Mazurka,
    Style::Menuett,
    Style::Polka,
    Style::Schottis,
    Style::Snoa,
    Style::GanglatMarsch,
    Style::Engelska,
    Style::Unknown,
];

impl Style {
    /// Beats per bar this dance's binary bars are conventionally written in: 4 for schottis
    /// and for gånglåtar and marches (most are written in 4/4), 2 for polka, snoa and engelska
    /// (2/2, two half-note beats). A 4/4 schottis bar (bass on 1 and 3, chords on 2 and 4) and
    /// two 2/4 bars sound the same to every rhythmic cue, so the bar length is a matter of the
    /// dance's notation. `None` for the ternary dances and `Unknown`.
    pub fn binary_meter(self) -> Option<u8> {
        match self {
            Style::Schottis | Style::GanglatMarsch => Some(4),
            Style::Polka | Style::Snoa | Style::Engelska => Some(2),
            _ => None,
        }
    }

    /// Beats per bar to name a tracked bar of `tracked` beats by: the dance's
    /// [`binary_meter`](Style::binary_meter) when the tracked bar is binary, `None` otherwise
    /// (a ternary bar, or a dance without a binary convention, keeps the tracker's reading).
    pub fn notated_meter(self, tracked: u8) -> Option<u8> {
        if tracked.is_multiple_of(2) {
            self.binary_meter()
        } else {
            None
        }
    }

    /// Canonical lower-case name ("slängpolska", "gånglåt/marsch", ...).
    pub fn name(self) -> &'static str {
        match self {
            Style::Polska => "polska",
            Style::Slangpolska => "slängpolska",
            Style::Hambo => "hambo",
            Style::Vals => "vals",
            Style::Mazurka => "mazurka",
            Style::Menuett => "menuett",
            Style::Polka => "polka",
            Style::Schottis => "schottis",
            Style::Snoa => "snoa",
            Style::GanglatMarsch => "gånglåt/marsch",
            Style::Engelska => "engelska",
            Style::Unknown => "unknown",
        }
    }

    /// Parses a canonical name, an ASCII spelling or a corpus label (`ganglat_marsch`,
    /// `engelska_reel`, `slangpolska`), case-insensitively.
    pub fn from_name(name: &str) -> Option<Style> {
        let n = name.trim().to_lowercase();
        let style = match n.as_str() {
            "polska" => Style::Polska,
            "slängpolska" | "slangpolska" => Style::Slangpolska,
            "hambo" => Style::Hambo,
            "vals" | "waltz" => Style::Vals,
            "mazurka" => Style::Mazurka,
            "menuett" => Style::Menuett,
            "polka" => Style::Polka,
            "schottis" => Style::Schottis,
            "snoa" => Style::Snoa,
            "gånglåt/marsch" | "ganglat_marsch" | "gånglåt" | "ganglat" | "marsch" => {
                Style::GanglatMarsch
            }
            "engelska" | "engelska_reel" | "reel" => Style::Engelska,
            "unknown" => Style::Unknown,
            _ => return None,
        };
        Some(style)
    }

    /// True for the three-beat dances.
    pub fn is_ternary(self) -> bool {
        matches!(
            self,
            Style::Polska
                | Style::Slangpolska
                | Style::Hambo
                | Style::Vals
                | Style::Mazurka
                | Style::Menuett
        )
    }
}

/// A keyword that names a style in a title, album or artist tag.
struct Keyword {
    word: &'static str,
    style: Style,
    sub_style: Option<&'static str>,
}

/// NeckenML's seed keyword table (dansbart.se), matched as lower-case substrings.
const KEYWORDS: &[Keyword] = &[
    kw("hambo", Style::Hambo, None),
    kw("hambor", Style::Hambo, None),
    kw("hamburska", Style::Hambo, Some("Hamburska")),
    kw("polska", Style::Polska, None),
    kw("gammelpols", Style::Polska, None),
    kw("hoppvals", Style::Polska, None),
    kw("bondpolska", Style::Polska, Some("Bondpolska")),
    kw("bingsjöpolska", Style::Polska, Some("Bingsjö")),
    kw("orsakorspolska", Style::Polska, Some("Orsa")),
    kw("rättvikspolska", Style::Polska, Some("Rättvik")),
    kw("bodapolska", Style::Polska, Some("Boda")),
    kw("rörospols", Style::Polska, Some("Røros")),
    kw("springlek", Style::Polska, Some("Springlek")),
    kw("finnskogspols", Style::Polska, Some("Finnskog")),
    kw("pols", Style::Polska, Some("Pols")),
    kw("slängpolska", Style::Slangpolska, None),
    kw("släng", Style::Slangpolska, None),
    kw("schottis", Style::Schottis, None),
    kw("rheinlender", Style::Schottis, Some("Reinländer")),
    kw("reinländer", Style::Schottis, Some("Reinländer")),
    kw("reinlender", Style::Schottis, Some("Reinländer")),
    kw("snoa", Style::Snoa, None),
    kw("gånglåt", Style::GanglatMarsch, None),
    kw("marsch", Style::GanglatMarsch, Some("Marsch")),
    kw("brudmarsch", Style::GanglatMarsch, Some("Marsch")),
    kw("polka", Style::Polka, None),
    kw("polkett", Style::Polka, None),
    kw("engelska", Style::Engelska, None),
    kw("reel", Style::Engelska, None),
    kw("anglais", Style::Engelska, None),
    kw("vals", Style::Vals, None),
    kw("waltz", Style::Vals, None),
    kw("brudvals", Style::Vals, None),
    kw("walz", Style::Vals, None),
    kw("stigvals", Style::Vals, Some("Stigvals")),
    kw("mazurka", Style::Mazurka, None),
    kw("masurka", Style::Mazurka, None),
    kw("menuett", Style::Menuett, None),
];

const fn kw(word: &'static str, style: Style, sub_style: Option<&'static str>) -> Keyword {
    Keyword {
        word,
        style,
        sub_style,
    }
}

/// A style found in a tag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeywordMatch {
    /// The style.
    pub style: Style,
    /// Sub-style, when the keyword names one.
    pub sub_style: Option<&'static str>,
    /// The keyword that matched.
    pub keyword: &'static str,
    /// Which tag matched: "title", "album" or "artist".
    pub field: &'static str,
}

/// Looks for a style keyword in the title, then the album, then the artist; the longest
/// keyword wins within a tag (so "slängpolska" beats "polska" and "pols").
pub fn classify_by_keywords(
    title: Option<&str>,
    album: Option<&str>,
    artist: Option<&str>,
) -> Option<KeywordMatch> {
    for (field, text) in [("title", title), ("album", album), ("artist", artist)] {
        let Some(text) = text else { continue };
        let lower = text.to_lowercase();
        let best = KEYWORDS
            .iter()
            .filter(|k| lower.contains(k.word))
            .max_by_key(|k| k.word.chars().count());
        if let Some(k) = best {
            return Some(KeywordMatch {
                style: k.style,
                sub_style: k.sub_style,
                keyword: k.word,
                field,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_keyword_wins_and_title_comes_first() {
        let m =
            classify_by_keywords(Some("Slängpolska efter Byss-Calle"), Some("Vals"), None).unwrap();
        assert_eq!(m.style, Style::Slangpolska);
        assert_eq!(m.field, "title");
        let m = classify_by_keywords(Some("Låt nr 3"), Some("Hambor från Orsa"), None).unwrap();
        assert_eq!(m.style, Style::Hambo);
        assert_eq!(m.field, "album");
        let m = classify_by_keywords(Some("Bingsjöpolska"), None, None).unwrap();
        assert_eq!(m.sub_style, Some("Bingsjö"));
        assert!(classify_by_keywords(Some("Untitled"), None, Some("Someone")).is_none());
    }

    #[test]
    fn names_round_trip() {
        for s in ALL_STYLES {
            assert_eq!(Style::from_name(s.name()), Some(s));
        }
        assert_eq!(Style::from_name("engelska_reel"), Some(Style::Engelska));
    }
}
