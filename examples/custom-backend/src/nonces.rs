//! [`NonceRepository`] for [`TableStore`]: the atomic check-and-insert that stops replayed
//! requests, and the timestamp index that housekeeping deletes by.

use std::collections::hash_map::Entry;

use gatehouse_domain::{ConsumerId, Nonce, NonceOutcome, NonceRepository, StorageResult};

use crate::store::{missing, read, write, TableStore};

impl NonceRepository for TableStore {
    fn record_nonce(
        &self,
        consumer_id: ConsumerId,
        nonce: &Nonce,
        timestamp: i64,
    ) -> StorageResult<NonceOutcome> {
        // The foreign key: the consumer's table stays locked until the nonce is in.
        let consumers = read(&self.consumers);
        if !consumers.table.rows.contains_key(&consumer_id) {
            return Err(missing("consumer"));
        }
        let mut nonces = write(&self.nonces);

        // One map operation under the write lock decides: of any number of racing calls with
        // the same pair, exactly one finds the slot vacant.
        let key = (consumer_id, nonce.as_str().to_owned());
        match nonces.by_key.entry(key) {
            Entry::Occupied(_) => Ok(NonceOutcome::AlreadyUsed),
            Entry::Vacant(slot) => {
                slot.insert(timestamp);
                nonces
                    .by_time
                    .insert((timestamp, consumer_id, nonce.as_str().to_owned()));
                Ok(NonceOutcome::Recorded)
            }
        }
    }

    fn delete_nonces_before(&self, timestamp: i64, limit: usize) -> StorageResult<usize> {
        let mut nonces = write(&self.nonces);

        // The index is ordered by timestamp, so the doomed rows are its first entries.
        let doomed: Vec<(i64, ConsumerId, String)> = nonces
            .by_time
            .iter()
            .take_while(|(recorded, _, _)| *recorded < timestamp)
            .take(limit)
            .cloned()
            .collect();

        for (recorded, consumer_id, nonce) in &doomed {
            nonces
                .by_time
                .remove(&(*recorded, *consumer_id, nonce.clone()));
            nonces.by_key.remove(&(*consumer_id, nonce.clone()));
        }
        Ok(doomed.len())
    }
}
