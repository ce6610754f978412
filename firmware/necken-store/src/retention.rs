//! A bounded store: at most `max_tracks` tracks and `max_bytes` of records, so that a board's
//! SD card never fills. When over, the oldest writes go first, and among them those already
//! pulled off the device ([`ArtifactStore::mark_pulled`]) before those that were not: a track
//! only the device holds is dropped only when the pulled ones are not enough (and that is
//! reported, so the daemon can say so).

use crate::{ArtifactStore, StoreError, TrackId};

/// Limits; `None` = unbounded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Retention {
    /// Most tracks kept.
    pub max_tracks: Option<usize>,
    /// Most bytes of records (artifacts plus metadata) kept. sled's files take more than this
    /// on disk (it is log-structured and reclaims space lazily): see docs/reliability.md.
    pub max_bytes: Option<u64>,
}

/// What one enforcement did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// Tracks removed that had been pulled.
    pub removed_pulled: Vec<TrackId>,
    /// Tracks removed that had not been pulled (only the device had them).
    pub removed_unpulled: Vec<TrackId>,
    /// Tracks and record bytes left.
    pub tracks: usize,
    /// See `tracks`.
    pub bytes: u64,
}

/// Bytes a track's metadata takes besides its artifact record, roughly (id, path, tags).
pub const META_ESTIMATE: u64 = 96;

impl Retention {
    /// True when neither limit is set.
    pub fn is_unbounded(&self) -> bool {
        self.max_tracks.is_none() && self.max_bytes.is_none()
    }

    /// True when `tracks` tracks with `bytes` of records exceed a limit.
    pub fn exceeded(&self, tracks: usize, bytes: u64) -> bool {
        self.max_tracks.is_some_and(|m| tracks > m) || self.max_bytes.is_some_and(|m| bytes > m)
    }

    /// The bytes a record counts for: its artifacts, its source path and [`META_ESTIMATE`].
    pub fn record_bytes(artifacts: usize, source_path: &str) -> u64 {
        artifacts as u64 + source_path.len() as u64 + META_ESTIMATE
    }

    /// The bytes every record of the store counts for (reads them all: call it rarely).
    pub fn stored_bytes(store: &dyn ArtifactStore) -> Result<u64, StoreError> {
        let mut total = 0;
        store.changes_since(0, &mut |r| {
            total += Retention::record_bytes(r.artifacts.len(), &r.meta.source_path);
            Ok(())
        })?;
        Ok(total)
    }

    /// Removes tracks until the store is within the limits (see the module documentation).
    pub fn enforce(&self, store: &dyn ArtifactStore) -> Result<RetentionReport, StoreError> {
        let mut report = RetentionReport::default();
        if self.is_unbounded() {
            report.tracks = store.len();
            return Ok(report);
        }
        let pulled = store.pulled_through()?;
        // Oldest write first: (seq, id, bytes).
        let mut tracks = Vec::new();
        store.changes_since(0, &mut |r| {
            let bytes = Retention::record_bytes(r.artifacts.len(), &r.meta.source_path);
            tracks.push((r.meta.seq, r.meta.id, bytes));
            Ok(())
        })?;
        let mut count = tracks.len();
        let mut bytes: u64 = tracks.iter().map(|t| t.2).sum();
        let over = |count: usize, bytes: u64| self.exceeded(count, bytes);
        for only_pulled in [true, false] {
            for &(seq, id, size) in &tracks {
                if !over(count, bytes) {
                    break;
                }
                // The second pass sees only unpulled tracks, so nothing is visited twice.
                if (seq <= pulled) != only_pulled {
                    continue;
                }
                if store.remove(&id)? {
                    count -= 1;
                    bytes -= size;
                    if only_pulled {
                        report.removed_pulled.push(id);
                    } else {
                        report.removed_unpulled.push(id);
                    }
                }
            }
        }
        report.tracks = count;
        report.bytes = bytes;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SledStore, StoreConfig, TrackMeta};
    use necken_core::artifact::Profile;

    fn meta(id: u8) -> TrackMeta {
        TrackMeta {
            id: TrackId([id; 16]),
            source_path: format!("live:hw:1,0#{id}"),
            tags: Default::default(),
            duration_s: 180.0,
            analyzed_at: 1,
            audio_fingerprint: [id; 8],
            profile: Profile::Standard,
            seq: 0,
        }
    }

    fn ids(store: &SledStore) -> Vec<u8> {
        let mut out = Vec::new();
        store
            .changes_since(0, &mut |r| {
                out.push(r.meta.id.0[0]);
                Ok(())
            })
            .unwrap();
        out
    }

    #[test]
    fn oldest_pulled_tracks_go_first_then_the_oldest_unpulled() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(&dir.path().join("s"), &StoreConfig::default()).unwrap();
        let mut seqs = Vec::new();
        for id in 1..=10u8 {
            seqs.push(store.put(&meta(id), &vec![id; 1000]).unwrap());
        }
        // A host pulled tracks 1..=4; track 6 is written again (now the newest).
        store.mark_pulled(seqs[3]).unwrap();
        store.put(&meta(6), &[6; 1000]).unwrap();
        let keep6 = Retention {
            max_tracks: Some(6),
            max_bytes: None,
        };
        let r = keep6.enforce(&store).unwrap();
        assert_eq!(r.removed_pulled.len(), 4);
        assert!(r.removed_unpulled.is_empty());
        assert_eq!(ids(&store), vec![5, 7, 8, 9, 10, 6]);
        // Nothing pulled is left: the oldest unpulled go, and the report says so.
        let keep3 = Retention {
            max_tracks: Some(3),
            max_bytes: None,
        };
        let r = keep3.enforce(&store).unwrap();
        assert_eq!(
            r.removed_unpulled,
            vec![TrackId([5; 16]), TrackId([7; 16]), TrackId([8; 16])]
        );
        assert_eq!(ids(&store), vec![9, 10, 6]);
        // A byte budget for about two records.
        let bytes = Retention {
            max_tracks: None,
            max_bytes: Some(2 * (1000 + 96 + 14) + 10),
        };
        let r = bytes.enforce(&store).unwrap();
        assert_eq!(r.tracks, 2);
        assert_eq!(ids(&store), vec![10, 6]);
        assert!(store.get(&TrackId([9; 16])).unwrap().is_none());
        // The mark survives a reopen and never goes back.
        drop(store);
        let store = SledStore::open(&dir.path().join("s"), &StoreConfig::default()).unwrap();
        assert_eq!(store.pulled_through().unwrap(), seqs[3]);
        store.mark_pulled(1).unwrap();
        assert_eq!(store.pulled_through().unwrap(), seqs[3]);
    }
}
