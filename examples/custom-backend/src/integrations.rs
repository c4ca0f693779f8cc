//! [`IntegrationRepository`] for [`TableStore`]: the `integrations` table with its unique
//! name, and its consumer, which must exist and belong to no other integration.

use gatehouse_domain::{
    ConsumerId, Integration, IntegrationId, IntegrationRepository, NewIntegration, StorageResult,
};

use crate::store::{conflict, missing, read, write, Consumers, Integrations, TableStore};

/// The foreign-key and unique checks on the consumer of the integration `id` (`None` for one
/// not inserted yet).
fn check_consumer(
    consumers: &Consumers,
    integrations: &Integrations,
    consumer_id: Option<ConsumerId>,
    id: Option<IntegrationId>,
) -> StorageResult<()> {
    let Some(consumer_id) = consumer_id else {
        return Ok(());
    };

    if !consumers.table.rows.contains_key(&consumer_id) {
        return Err(missing("consumer"));
    }
    match integrations.by_consumer.get(&consumer_id) {
        Some(holder) if Some(*holder) != id => Err(conflict("integration consumer")),
        _ => Ok(()),
    }
}

impl IntegrationRepository for TableStore {
    fn create_integration(&self, integration: NewIntegration) -> StorageResult<Integration> {
        let consumers = read(&self.consumers);
        let mut integrations = write(&self.integrations);

        if integrations.by_name.contains_key(&integration.name) {
            return Err(conflict("integration name"));
        }
        check_consumer(&consumers, &integrations, integration.consumer_id, None)?;

        let row = Integration {
            id: integrations.table.next_id(),
            name: integration.name,
            email: integration.email,
            endpoint: integration.endpoint,
            identity_link_url: integration.identity_link_url,
            status: integration.status,
            setup_type: integration.setup_type,
            consumer_id: integration.consumer_id,
            created_at: integration.created_at,
            updated_at: integration.created_at,
        };
        integrations.insert(row.clone());
        Ok(row)
    }

    fn integration_by_id(&self, id: IntegrationId) -> StorageResult<Option<Integration>> {
        Ok(read(&self.integrations).table.rows.get(&id).cloned())
    }

    fn integration_by_name(&self, name: &str) -> StorageResult<Option<Integration>> {
        let integrations = read(&self.integrations);
        let found = integrations
            .by_name
            .get(name)
            .and_then(|id| integrations.table.rows.get(id));
        Ok(found.cloned())
    }

    fn integration_by_consumer(
        &self,
        consumer_id: ConsumerId,
    ) -> StorageResult<Option<Integration>> {
        let integrations = read(&self.integrations);
        let found = integrations
            .by_consumer
            .get(&consumer_id)
            .and_then(|id| integrations.table.rows.get(id));
        Ok(found.cloned())
    }

    fn list_integrations(&self) -> StorageResult<Vec<Integration>> {
        // The table is keyed by id, so its own order is the one the trait asks for.
        let integrations = read(&self.integrations);
        Ok(integrations.table.rows.values().cloned().collect())
    }

    fn update_integration(&self, integration: &Integration) -> StorageResult<bool> {
        let consumers = read(&self.consumers);
        let mut integrations = write(&self.integrations);

        let Some(current) = integrations.table.rows.get(&integration.id) else {
            return Ok(false);
        };
        let created_at = current.created_at;

        let name_holder = integrations.by_name.get(&integration.name);
        if name_holder.is_some_and(|holder| *holder != integration.id) {
            return Err(conflict("integration name"));
        }
        check_consumer(
            &consumers,
            &integrations,
            integration.consumer_id,
            Some(integration.id),
        )?;

        // Out with the old row and in with the new, so the name and consumer indexes follow
        // a rename or a new consumer. `created_at` is the one field an update keeps.
        integrations.remove(integration.id);
        integrations.insert(Integration {
            created_at,
            ..integration.clone()
        });
        Ok(true)
    }

    fn delete_integration(&self, id: IntegrationId) -> StorageResult<bool> {
        Ok(write(&self.integrations).remove(id).is_some())
    }
}
