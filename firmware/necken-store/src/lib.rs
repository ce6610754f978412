//! # necken-store
//!
//! Where analyzed tracks live: metadata and the compact artifact record of each track, keyed by
//! a content hash, with a per-write sequence number for incremental sync. [`ArtifactStore`] is
//! the interface callers use; [`SledStore`] implements it on sled.
#![warn(missing_docs)]

mod outbox;
pub mod retention;
mod sled_store;
pub mod sync;
mod track;

pub use outbox::Outbox;
pub use retention::{Retention, RetentionReport};
pub use sled_store::{SledStore, StoreConfig};
pub use track::{TrackId, TrackMeta, TrackRecord};

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The storage engine failed.
    #[error("store: {0}")]
    Engine(String),
    /// A stored record does not decode.
    #[error("store: track {id}: {problem}")]
    Corrupt {
        /// The track.
        id: String,
        /// What is wrong.
        problem: String,
    },
}

/// The operations callers need; swap the engine by implementing this.
pub trait ArtifactStore {
    /// Writes a track's metadata and artifacts atomically, durably (flushed before returning),
    /// and returns the sequence number of this write. Re-writing an id replaces it.
    fn put(&self, meta: &TrackMeta, artifacts: &[u8]) -> Result<u64, StoreError>;
    /// Reads one track.
    fn get(&self, id: &TrackId) -> Result<Option<TrackRecord>, StoreError>;
    /// True when the id is stored.
    fn contains(&self, id: &TrackId) -> Result<bool, StoreError>;
    /// Replaces a track's artifact bytes (e.g. after migration) as a new write.
    fn replace_artifacts(&self, id: &TrackId, artifacts: &[u8]) -> Result<u64, StoreError>;
    /// Visits every track in id order; stops at the first error from `f`.
    fn for_each(
        &self,
        f: &mut dyn FnMut(TrackRecord) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
    /// Visits tracks written after sequence number `after`, in write order.
    fn changes_since(
        &self,
        after: u64,
        f: &mut dyn FnMut(TrackRecord) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
    /// Number of tracks.
    fn len(&self) -> usize;
    /// True when empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Bytes the store occupies on disk.
    fn size_on_disk(&self) -> Result<u64, StoreError>;
    /// Removes a track durably; false when it was not stored.
    fn remove(&self, id: &TrackId) -> Result<bool, StoreError>;
    /// Records that every write up to sequence number `seq` has been copied off the device
    /// (a host pulled it): retention removes such tracks first.
    fn mark_pulled(&self, seq: u64) -> Result<(), StoreError>;
    /// The highest sequence number recorded by [`ArtifactStore::mark_pulled`] (0 = none).
    fn pulled_through(&self) -> Result<u64, StoreError>;
    /// The sequence number of the latest stored write (0 for an empty store).
    fn last_seq(&self) -> Result<u64, StoreError>;
    /// A small named value the store keeps for its user (a host's pull position per device,
    /// a pushed style head), or `None`.
    fn setting(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Sets (or with `None` removes) a named value, durably.
    fn set_setting(&self, key: &str, value: Option<&[u8]>) -> Result<(), StoreError>;
    /// The durable queue of outgoing messages kept with the tracks (bounded to `capacity`,
    /// oldest dropped first), so that a message accepted before a crash is sent after it.
    fn message_queue(
        &self,
        capacity: usize,
    ) -> Result<std::sync::Arc<dyn MessageQueue + Send + Sync>, StoreError>;
}

/// A durable, bounded first-in-first-out queue of messages waiting for delivery.
pub trait MessageQueue {
    /// Appends the message `make` builds from its queue key (keys increase for the life of
    /// the store, across restarts, so a message can carry its key as an id), durably before
    /// returning; returns how many old messages were dropped to stay within the capacity.
    fn push_keyed(&self, make: &mut dyn FnMut(u64) -> Vec<u8>) -> Result<usize, StoreError>;
    /// Up to `limit` messages in queue order whose key is greater than `after` (all when
    /// `None`).
    fn peek(&self, after: Option<u64>, limit: usize) -> Result<Vec<(u64, Vec<u8>)>, StoreError>;
    /// Removes a delivered message, durably.
    fn remove(&self, key: u64) -> Result<(), StoreError>;
    /// Messages waiting.
    fn len(&self) -> usize;
    /// True when nothing waits.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
