//! The sled implementation of [`ArtifactStore`].

use std::path::Path;

use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;

use crate::outbox::Outbox;
use crate::{ArtifactStore, StoreError, TrackId, TrackMeta, TrackRecord};

/// Store settings, normally from the board profile.
#[derive(Clone, Debug)]
pub struct StoreConfig {
    /// Page-cache budget in bytes (sled's `cache_capacity`).
    pub cache_capacity_bytes: u64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            cache_capacity_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Version byte in front of every stored metadata value.
const META_FORMAT: u8 = 1;

/// Key in the `state` tree of the highest sequence number pulled off the device.
const PULLED_THROUGH: &[u8] = b"pulled_through";

/// A sled database with five trees: `meta` (id → metadata), `artifacts` (id → record),
/// `seq` (big-endian sequence number → id), `state` (the store's own marks) and `settings`
/// (its user's named values).
pub struct SledStore {
    db: sled::Db,
    meta: sled::Tree,
    artifacts: sled::Tree,
    seq: sled::Tree,
    state: sled::Tree,
    settings: sled::Tree,
}

fn engine(e: impl std::fmt::Display) -> StoreError {
    StoreError::Engine(e.to_string())
}

impl SledStore {
    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: &Path, config: &StoreConfig) -> Result<SledStore, StoreError> {
        let open = || {
            sled::Config::new()
                .path(path)
                .cache_capacity(config.cache_capacity_bytes)
                .open()
        };
        // Another process holding the store (a daemon, or one that is just exiting: sled's
        // flusher releases the file lock a moment after the handle is dropped) gets two
        // seconds before this is an error.
        let mut attempt = 0;
        let db = loop {
            match open() {
                Err(sled::Error::Io(e))
                    if e.to_string().contains("could not acquire lock") && attempt < 20 =>
                {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                other => break other,
            }
        }
        .map_err(|e| StoreError::Engine(format!("cannot open {}: {e}", path.display())))?;
        let meta = db.open_tree("meta").map_err(engine)?;
        let artifacts = db.open_tree("artifacts").map_err(engine)?;
        let seq = db.open_tree("seq").map_err(engine)?;
        let state = db.open_tree("state").map_err(engine)?;
        let settings = db.open_tree("settings").map_err(engine)?;
        Ok(SledStore {
            db,
            meta,
            artifacts,
            seq,
            state,
            settings,
        })
    }

    fn decode_meta(id: &[u8], bytes: &[u8]) -> Result<TrackMeta, StoreError> {
        let corrupt = |problem: String| StoreError::Corrupt {
            id: id.iter().map(|b| format!("{b:02x}")).collect(),
            problem,
        };
        match bytes.split_first() {
            Some((&META_FORMAT, rest)) => {
                postcard::from_bytes(rest).map_err(|e| corrupt(format!("metadata: {e}")))
            }
            Some((v, _)) => Err(corrupt(format!("unknown metadata format {v}"))),
            None => Err(corrupt("empty metadata".into())),
        }
    }

    fn encode_meta(meta: &TrackMeta) -> Vec<u8> {
        let mut out = vec![META_FORMAT];
        out.extend(postcard::to_stdvec(meta).expect("metadata always encodes"));
        out
    }

    fn record(&self, id: &[u8], meta_bytes: &[u8]) -> Result<TrackRecord, StoreError> {
        let meta = Self::decode_meta(id, meta_bytes)?;
        let artifacts =
            self.artifacts
                .get(id)
                .map_err(engine)?
                .ok_or_else(|| StoreError::Corrupt {
                    id: meta.id.to_string(),
                    problem: "metadata without artifacts".into(),
                })?;
        Ok(TrackRecord {
            meta,
            artifacts: artifacts.to_vec(),
        })
    }

    fn write(&self, meta: &TrackMeta, artifacts: &[u8], durable: bool) -> Result<u64, StoreError> {
        let seq = self.db.generate_id().map_err(engine)? + 1;
        let mut meta = meta.clone();
        meta.seq = seq;
        let meta_bytes = Self::encode_meta(&meta);
        let key = meta.id.0;
        let result: Result<(), TransactionError<StoreError>> =
            (&self.meta, &self.artifacts, &self.seq).transaction(|(m, a, s)| {
                if let Some(old) = m.get(key)? {
                    let old = Self::decode_meta(&key, &old)
                        .map_err(ConflictableTransactionError::Abort)?;
                    s.remove(&old.seq.to_be_bytes())?;
                }
                m.insert(&key, meta_bytes.as_slice())?;
                a.insert(&key, artifacts)?;
                s.insert(&seq.to_be_bytes(), &key)?;
                Ok(())
            });
        match result {
            Ok(()) => {}
            Err(TransactionError::Abort(e)) => return Err(e),
            Err(TransactionError::Storage(e)) => return Err(engine(e)),
        }
        if durable {
            self.db.flush().map_err(engine)?;
        }
        Ok(seq)
    }

    /// Bulk loading: like [`ArtifactStore::put`] (atomic) but not flushed; call
    /// [`SledStore::flush`] before reporting the batch done.
    pub fn put_batch(&self, meta: &TrackMeta, artifacts: &[u8]) -> Result<u64, StoreError> {
        self.write(meta, artifacts, false)
    }

    /// The durable message queue kept in the same database (see [`Outbox`]).
    pub fn outbox(&self, capacity: usize) -> Result<Outbox, StoreError> {
        Outbox::open(&self.db, capacity)
    }

    /// Makes every earlier write durable.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map(|_| ()).map_err(engine)
    }
}

impl ArtifactStore for SledStore {
    fn put(&self, meta: &TrackMeta, artifacts: &[u8]) -> Result<u64, StoreError> {
        self.write(meta, artifacts, true)
    }

    fn get(&self, id: &TrackId) -> Result<Option<TrackRecord>, StoreError> {
        match self.meta.get(id.0).map_err(engine)? {
            Some(m) => Ok(Some(self.record(&id.0, &m)?)),
            None => Ok(None),
        }
    }

    fn contains(&self, id: &TrackId) -> Result<bool, StoreError> {
        self.meta.contains_key(id.0).map_err(engine)
    }

    fn replace_artifacts(&self, id: &TrackId, artifacts: &[u8]) -> Result<u64, StoreError> {
        let rec = self.get(id)?.ok_or_else(|| StoreError::Corrupt {
            id: id.to_string(),
            problem: "no such track".into(),
        })?;
        self.write(&rec.meta, artifacts, true)
    }

    fn for_each(
        &self,
        f: &mut dyn FnMut(TrackRecord) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        for item in self.meta.iter() {
            let (k, v) = item.map_err(engine)?;
            f(self.record(&k, &v)?)?;
        }
        Ok(())
    }

    fn changes_since(
        &self,
        after: u64,
        f: &mut dyn FnMut(TrackRecord) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let start = after.saturating_add(1).to_be_bytes();
        for item in self.seq.range(start..) {
            let (_, id) = item.map_err(engine)?;
            if let Some(m) = self.meta.get(&id).map_err(engine)? {
                f(self.record(&id, &m)?)?;
            }
        }
        Ok(())
    }

    fn len(&self) -> usize {
        self.meta.len()
    }

    fn size_on_disk(&self) -> Result<u64, StoreError> {
        self.db.size_on_disk().map_err(engine)
    }

    fn remove(&self, id: &TrackId) -> Result<bool, StoreError> {
        let key = id.0;
        let result: Result<bool, TransactionError<StoreError>> =
            (&self.meta, &self.artifacts, &self.seq).transaction(|(m, a, s)| {
                let Some(old) = m.remove(&key)? else {
                    return Ok(false);
                };
                let old =
                    Self::decode_meta(&key, &old).map_err(ConflictableTransactionError::Abort)?;
                s.remove(&old.seq.to_be_bytes())?;
                a.remove(&key)?;
                Ok(true)
            });
        let removed = match result {
            Ok(r) => r,
            Err(TransactionError::Abort(e)) => return Err(e),
            Err(TransactionError::Storage(e)) => return Err(engine(e)),
        };
        self.db.flush().map_err(engine)?;
        Ok(removed)
    }

    fn mark_pulled(&self, seq: u64) -> Result<(), StoreError> {
        let seq = seq.max(self.pulled_through()?);
        self.state
            .insert(PULLED_THROUGH, &seq.to_be_bytes())
            .map_err(engine)?;
        self.db.flush().map_err(engine)?;
        Ok(())
    }

    fn pulled_through(&self) -> Result<u64, StoreError> {
        Ok(match self.state.get(PULLED_THROUGH).map_err(engine)? {
            Some(v) => u64::from_be_bytes(v.as_ref().try_into().map_err(|_| {
                StoreError::Engine(format!("pulled-through mark of {} bytes", v.len()))
            })?),
            None => 0,
        })
    }

    fn last_seq(&self) -> Result<u64, StoreError> {
        match self.seq.last().map_err(engine)? {
            Some((k, _)) => Ok(u64::from_be_bytes(k.as_ref().try_into().map_err(|_| {
                StoreError::Engine(format!("sequence key of {} bytes", k.len()))
            })?)),
            None => Ok(0),
        }
    }

    fn setting(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .settings
            .get(key.as_bytes())
            .map_err(engine)?
            .map(|v| v.to_vec()))
    }

    fn set_setting(&self, key: &str, value: Option<&[u8]>) -> Result<(), StoreError> {
        match value {
            Some(v) => self.settings.insert(key.as_bytes(), v).map(|_| ()),
            None => self.settings.remove(key.as_bytes()).map(|_| ()),
        }
        .map_err(engine)?;
        self.db.flush().map_err(engine)?;
        Ok(())
    }

    fn message_queue(
        &self,
        capacity: usize,
    ) -> Result<std::sync::Arc<dyn crate::MessageQueue + Send + Sync>, StoreError> {
        Ok(std::sync::Arc::new(self.outbox(capacity)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use necken_core::artifact::Profile;
    use necken_core::classify::Tags;

    fn meta(id: u8) -> TrackMeta {
        TrackMeta {
            id: TrackId([id; 16]),
            source_path: format!("/music/{id}.flac"),
            tags: Tags {
                title: Some("Hambo".into()),
                ..Tags::default()
            },
            duration_s: 180.0,
            analyzed_at: 1,
            audio_fingerprint: [id; 8],
            profile: Profile::Standard,
            seq: 0,
        }
    }

    #[test]
    fn writes_are_durable_sequenced_and_replaceable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        let (s1, s2, s3);
        {
            let store = SledStore::open(&path, &StoreConfig::default()).unwrap();
            s1 = store.put(&meta(1), b"one").unwrap();
            s2 = store.put(&meta(2), b"two").unwrap();
            s3 = store.put(&meta(1), b"one again").unwrap();
            assert!(s1 < s2 && s2 < s3);
        }
        // Reopen: everything acknowledged is there.
        let store = SledStore::open(&path, &StoreConfig::default()).unwrap();
        assert_eq!(store.len(), 2);
        let rec = store.get(&TrackId([1; 16])).unwrap().unwrap();
        assert_eq!(rec.artifacts, b"one again");
        assert_eq!(rec.meta.seq, s3);
        assert_eq!(rec.meta.tags.title.as_deref(), Some("Hambo"));
        let mut since = Vec::new();
        store
            .changes_since(s1, &mut |r| {
                since.push(r.meta.id);
                Ok(())
            })
            .unwrap();
        assert_eq!(since, vec![TrackId([2; 16]), TrackId([1; 16])]);
        let mut later = Vec::new();
        store
            .changes_since(s2, &mut |r| {
                later.push(r.meta.seq);
                Ok(())
            })
            .unwrap();
        assert_eq!(later, vec![s3]);
        let s4 = store.put(&meta(3), b"three").unwrap();
        assert!(s4 > s3, "sequence numbers keep rising across reopen");
        assert_eq!(store.last_seq().unwrap(), s4);
        assert_eq!(store.setting("pull/hall1").unwrap(), None);
        store.set_setting("pull/hall1", Some(b"7")).unwrap();
        drop(store);
        let store = SledStore::open(&path, &StoreConfig::default()).unwrap();
        assert_eq!(
            store.setting("pull/hall1").unwrap().as_deref(),
            Some(&b"7"[..])
        );
        store.set_setting("pull/hall1", None).unwrap();
        assert_eq!(store.setting("pull/hall1").unwrap(), None);
    }
}
