//! A durable, bounded first-in-first-out queue of messages waiting for delivery (the daemon's
//! MQTT messages while the broker is unreachable). It lives in the store's sled database, so a
//! message accepted before a crash or restart is still there afterwards.
//!
//! Drop policy: when the queue holds `capacity` messages, pushing another removes the oldest
//! one (and reports it), so a long outage keeps the most recent messages.

use crate::{MessageQueue, StoreError};

fn engine(e: impl std::fmt::Display) -> StoreError {
    StoreError::Engine(e.to_string())
}

/// The queue; cheap to clone (sled trees are shared handles).
#[derive(Clone)]
pub struct Outbox {
    db: sled::Db,
    tree: sled::Tree,
    capacity: usize,
}

impl Outbox {
    pub(crate) fn open(db: &sled::Db, capacity: usize) -> Result<Outbox, StoreError> {
        Ok(Outbox {
            db: db.clone(),
            tree: db.open_tree("outbox").map_err(engine)?,
            capacity: capacity.max(1),
        })
    }

    /// Appends a message and flushes it to disk before returning; returns how many old
    /// messages were dropped to stay within the capacity.
    pub fn push(&self, message: &[u8]) -> Result<usize, StoreError> {
        self.push_keyed(&mut |_| message.to_vec())
    }
}

impl MessageQueue for Outbox {
    fn push_keyed(&self, make: &mut dyn FnMut(u64) -> Vec<u8>) -> Result<usize, StoreError> {
        let id = self.db.generate_id().map_err(engine)?;
        self.tree
            .insert(id.to_be_bytes(), make(id))
            .map_err(engine)?;
        let mut dropped = 0;
        while self.tree.len() > self.capacity {
            match self.tree.pop_min().map_err(engine)? {
                Some(_) => dropped += 1,
                None => break,
            }
        }
        self.db.flush().map_err(engine)?;
        Ok(dropped)
    }

    fn peek(&self, after: Option<u64>, limit: usize) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let iter = match after {
            Some(k) => self.tree.range((k + 1).to_be_bytes()..),
            None => self.tree.iter(),
        };
        iter.take(limit)
            .map(|r| {
                let (k, v) = r.map_err(engine)?;
                let key =
                    u64::from_be_bytes(k.as_ref().try_into().map_err(|_| {
                        StoreError::Engine(format!("outbox key of {} bytes", k.len()))
                    })?);
                Ok((key, v.to_vec()))
            })
            .collect()
    }

    fn remove(&self, key: u64) -> Result<(), StoreError> {
        self.tree.remove(key.to_be_bytes()).map_err(engine)?;
        self.db.flush().map_err(engine)?;
        Ok(())
    }

    fn len(&self) -> usize {
        self.tree.len()
    }
}

#[cfg(test)]
mod tests {
    use crate::{MessageQueue, SledStore, StoreConfig};

    #[test]
    fn survives_reopen_keeps_order_and_drops_the_oldest_when_full() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sled");
        {
            let store = SledStore::open(&path, &StoreConfig::default()).unwrap();
            let q = store.outbox(3).unwrap();
            for i in 0..5u8 {
                let dropped = q.push(&[i]).unwrap();
                assert_eq!(dropped, usize::from(i >= 3));
            }
            assert_eq!(q.len(), 3);
        }
        let store = SledStore::open(&path, &StoreConfig::default()).unwrap();
        let q = store.outbox(3).unwrap();
        let items = q.peek(None, 10).unwrap();
        let bodies: Vec<u8> = items.iter().map(|(_, v)| v[0]).collect();
        assert_eq!(bodies, vec![2, 3, 4]);
        let after_first = q.peek(Some(items[0].0), 10).unwrap();
        assert_eq!(after_first.len(), 2);
        q.remove(items[1].0).unwrap();
        let rest: Vec<u8> = q
            .peek(None, 10)
            .unwrap()
            .iter()
            .map(|(_, v)| v[0])
            .collect();
        assert_eq!(rest, vec![2, 4]);
    }
}
