//! Track identity and metadata.

use std::fmt;

use necken_core::artifact::Profile;
use necken_core::classify::Tags;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A track id: the first 16 bytes of the SHA-256 of the audio file's bytes (for live segments,
/// of the segment's 16-bit PCM). The same file always gets the same id, wherever it lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TrackId(pub [u8; 16]);

impl TrackId {
    /// The id of some content.
    pub fn of_content(bytes: &[u8]) -> TrackId {
        let d = Sha256::digest(bytes);
        let mut id = [0u8; 16];
        id.copy_from_slice(&d[..16]);
        TrackId(id)
    }

    /// The id of a file's content, read in pieces (a long recording is never held in memory).
    pub fn of_file(path: &std::path::Path) -> std::io::Result<TrackId> {
        let mut hasher = Sha256::new();
        std::io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
        let mut id = [0u8; 16];
        id.copy_from_slice(&hasher.finalize()[..16]);
        Ok(TrackId(id))
    }

    /// Parses 32 hex digits.
    pub fn from_hex(s: &str) -> Option<TrackId> {
        if s.len() != 32 {
            return None;
        }
        let mut id = [0u8; 16];
        for (i, b) in id.iter_mut().enumerate() {
            *b = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(TrackId(id))
    }
}

impl fmt::Display for TrackId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// What is known about a track besides its artifacts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrackMeta {
    /// The track's id.
    pub id: TrackId,
    /// Path of the source file (or a segment name for live audio).
    pub source_path: String,
    /// Title/artist/album tags when known.
    pub tags: Tags,
    /// Duration in seconds.
    pub duration_s: f32,
    /// Unix time of the analysis.
    pub analyzed_at: u64,
    /// Fingerprint of the decoded audio (see `Provenance::audio_fingerprint`).
    pub audio_fingerprint: [u8; 8],
    /// Artifact profile.
    pub profile: Profile,
    /// Sequence number of the last write of this track (set by the store).
    pub seq: u64,
}

impl TrackMeta {
    /// The metadata of artifacts about to be stored: duration, analysis time, fingerprint and
    /// profile come from the artifacts; the store sets the sequence number when it writes.
    pub fn from_artifacts(
        id: TrackId,
        source_path: String,
        tags: Tags,
        artifacts: &necken_core::artifact::RawArtifacts,
    ) -> TrackMeta {
        TrackMeta {
            id,
            source_path,
            tags,
            duration_s: artifacts.audio_stats.as_ref().map_or(0.0, |s| s.duration_s),
            analyzed_at: artifacts.provenance.analyzed_at,
            audio_fingerprint: artifacts.provenance.audio_fingerprint,
            profile: artifacts.profile,
            seq: 0,
        }
    }
}

/// A stored track: metadata plus the encoded artifact record.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackRecord {
    /// Metadata.
    pub meta: TrackMeta,
    /// The artifact record (decode with `necken_core::codec::decode`).
    pub artifacts: Vec<u8>,
}
