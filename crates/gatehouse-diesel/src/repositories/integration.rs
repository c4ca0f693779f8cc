//! Integrations.

use diesel::prelude::*;

use gatehouse_domain::repository::{IntegrationRepository, StorageResult};
use gatehouse_domain::{ConsumerId, Integration, IntegrationId, NewIntegration};

use crate::error::Rules;
use crate::rows::{IntegrationFields, IntegrationRow};
use crate::schema::integration;
use crate::store::DieselStore;

/// An integration has two unique rules: its name, and its consumer (one integration per
/// consumer). Every backend's message names the column or the index, which both contain
/// `consumer_id`.
const INTEGRATION_RULES: Rules = Rules {
    unique: &[
        ("consumer_id", "integration consumer"),
        ("", "integration name"),
    ],
    reference: "consumer",
};

impl IntegrationRepository for DieselStore {
    fn create_integration(&self, new: NewIntegration) -> StorageResult<Integration> {
        let fields = IntegrationFields {
            name: &new.name,
            email: &new.email,
            endpoint: new.endpoint.as_deref(),
            identity_link_url: new.identity_link_url.as_deref(),
            status: i16::from(new.status.code()),
            setup_type: i16::from(new.setup_type.code()),
            consumer_id: new.consumer_id.map(|id| id.0),
            updated_at: new.created_at,
        };

        // The name is unique, so reading the row back by name finds the one just inserted.
        let created = self.write(INTEGRATION_RULES, |connection| {
            connection.transaction(|connection| {
                diesel::insert_into(integration::table)
                    .values((&fields, integration::created_at.eq(new.created_at)))
                    .execute(connection)?;
                integration::table
                    .filter(integration::name.eq(fields.name))
                    .select(IntegrationRow::as_select())
                    .get_result(connection)
            })
        })?;
        created.into_domain()
    }

    fn integration_by_id(&self, id: IntegrationId) -> StorageResult<Option<Integration>> {
        let found = self.run(Rules::NONE, |connection| {
            integration::table
                .find(id.0)
                .select(IntegrationRow::as_select())
                .get_result(connection)
                .optional()
        })?;
        found.map(IntegrationRow::into_domain).transpose()
    }

    fn integration_by_name(&self, name: &str) -> StorageResult<Option<Integration>> {
        let found = self.run(Rules::NONE, |connection| {
            integration::table
                .filter(integration::name.eq(name))
                .select(IntegrationRow::as_select())
                .get_result(connection)
                .optional()
        })?;
        found.map(IntegrationRow::into_domain).transpose()
    }

    fn integration_by_consumer(
        &self,
        consumer_id: ConsumerId,
    ) -> StorageResult<Option<Integration>> {
        let found = self.run(Rules::NONE, |connection| {
            integration::table
                .filter(integration::consumer_id.eq(consumer_id.0))
                .select(IntegrationRow::as_select())
                .get_result(connection)
                .optional()
        })?;
        found.map(IntegrationRow::into_domain).transpose()
    }

    fn list_integrations(&self) -> StorageResult<Vec<Integration>> {
        let rows = self.run(Rules::NONE, |connection| {
            integration::table
                .order(integration::integration_id.asc())
                .select(IntegrationRow::as_select())
                .load(connection)
        })?;
        rows.into_iter().map(IntegrationRow::into_domain).collect()
    }

    fn update_integration(&self, changed: &Integration) -> StorageResult<bool> {
        let fields = IntegrationFields {
            name: &changed.name,
            email: &changed.email,
            endpoint: changed.endpoint.as_deref(),
            identity_link_url: changed.identity_link_url.as_deref(),
            status: i16::from(changed.status.code()),
            setup_type: i16::from(changed.setup_type.code()),
            consumer_id: changed.consumer_id.map(|id| id.0),
            updated_at: changed.updated_at,
        };

        let updated = self.write(INTEGRATION_RULES, |connection| {
            diesel::update(integration::table.find(changed.id.0))
                .set(&fields)
                .execute(connection)
        })?;
        Ok(updated > 0)
    }

    fn delete_integration(&self, id: IntegrationId) -> StorageResult<bool> {
        let deleted = self.write(Rules::NONE, |connection| {
            diesel::delete(integration::table.find(id.0)).execute(connection)
        })?;
        Ok(deleted > 0)
    }
}
