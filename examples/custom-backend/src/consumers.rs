//! [`ConsumerRepository`] for [`TableStore`]: the `consumers` table, and the cascade that
//! deleting a consumer starts across four tables.

use gatehouse_domain::{
    Consumer, ConsumerId, ConsumerKey, ConsumerRepository, NewConsumer, StorageResult, TokenOwner,
};

use crate::store::{conflict, read, write, TableStore};

impl ConsumerRepository for TableStore {
    fn create_consumer(&self, consumer: NewConsumer) -> StorageResult<Consumer> {
        let mut consumers = write(&self.consumers);

        // The check and the insert happen under one write lock: two racing creates of one key
        // cannot both find it free.
        if consumers.by_key.contains_key(&consumer.key) {
            return Err(conflict("consumer key"));
        }

        let row = Consumer {
            id: consumers.table.next_id(),
            name: consumer.name,
            key: consumer.key,
            sealed_secret: consumer.sealed_secret,
            callback_url: consumer.callback_url,
            rejected_callback_url: consumer.rejected_callback_url,
            created_at: consumer.created_at,
            updated_at: consumer.created_at,
        };
        consumers.by_key.insert(row.key.clone(), row.id);
        consumers.table.rows.insert(row.id, row.clone());
        Ok(row)
    }

    fn consumer_by_id(&self, id: ConsumerId) -> StorageResult<Option<Consumer>> {
        Ok(read(&self.consumers).table.rows.get(&id).cloned())
    }

    fn consumer_by_key(&self, key: &ConsumerKey) -> StorageResult<Option<Consumer>> {
        // Served by the key index, as the trait requires; the key compares exactly.
        let consumers = read(&self.consumers);
        let found = consumers
            .by_key
            .get(key)
            .and_then(|id| consumers.table.rows.get(id));
        Ok(found.cloned())
    }

    fn touch_consumer(&self, id: ConsumerId, updated_at: i64) -> StorageResult<bool> {
        let mut consumers = write(&self.consumers);
        let Some(consumer) = consumers.table.rows.get_mut(&id) else {
            return Ok(false);
        };
        consumer.updated_at = updated_at;
        Ok(true)
    }

    fn delete_consumer(&self, id: ConsumerId) -> StorageResult<bool> {
        // Every table of the cascade is locked, in the lock order, before anything changes:
        // nobody can see the consumer gone and its tokens still there, or slip a new token in
        // between.
        let mut consumers = write(&self.consumers);
        let mut tokens = write(&self.tokens);
        let mut nonces = write(&self.nonces);
        let mut integrations = write(&self.integrations);

        let Some(consumer) = consumers.table.rows.remove(&id) else {
            return Ok(false);
        };
        consumers.by_key.remove(&consumer.key);

        let owner = TokenOwner::Consumer(id);
        let doomed = tokens
            .table
            .select_ids(usize::MAX, |token| token.owner == owner);
        tokens.remove(&doomed);

        nonces
            .by_key
            .retain(|(consumer_id, _), _| *consumer_id != id);
        nonces
            .by_time
            .retain(|(_, consumer_id, _)| *consumer_id != id);

        if let Some(integration_id) = integrations.by_consumer.get(&id).copied() {
            integrations.remove(integration_id);
        }
        Ok(true)
    }
}
