//! Cases for [`IntegrationRepository`](crate::IntegrationRepository).

use super::samples::*;
use super::{assert_any_conflict, assert_conflict, ok, unknown_id};
use crate::entities::*;
use crate::ids::{ConsumerId, IntegrationId};
use crate::repository::Store;

/// `create_integration` stores every field with `updated_at = created_at`, and the lookups by
/// id, name and consumer return the row it returned.
pub fn integration_round_trips<S: Store>(store: &S) {
    let consumer = ok(store.create_consumer(sample_consumer(1)), "create_consumer");

    let linked = NewIntegration {
        identity_link_url: Some("https://integration1.example.com/identity".to_owned()),
        status: IntegrationStatus::Active,
        setup_type: SetupType::ConfigFile,
        ..sample_integration(1, Some(consumer.id))
    };
    let created = ok(
        store.create_integration(linked.clone()),
        "create_integration",
    );
    let expected = Integration {
        id: created.id,
        name: linked.name.clone(),
        email: linked.email,
        endpoint: linked.endpoint,
        identity_link_url: linked.identity_link_url,
        status: linked.status,
        setup_type: linked.setup_type,
        consumer_id: linked.consumer_id,
        created_at: linked.created_at,
        updated_at: linked.created_at,
    };
    assert_eq!(
        created, expected,
        "create_integration stores every field, updated_at = created_at"
    );

    assert_eq!(
        ok(store.integration_by_id(created.id), "integration_by_id"),
        Some(expected.clone())
    );
    assert_eq!(
        ok(
            store.integration_by_name(&linked.name),
            "integration_by_name"
        ),
        Some(expected.clone())
    );
    assert_eq!(
        ok(
            store.integration_by_consumer(consumer.id),
            "integration_by_consumer"
        ),
        Some(expected)
    );

    // An integration before its consumer exists: no consumer, no endpoint.
    let unlinked = NewIntegration {
        endpoint: None,
        ..sample_integration(2, None)
    };
    let created = ok(
        store.create_integration(unlinked.clone()),
        "create_integration",
    );
    assert_eq!(
        created.consumer_id, None,
        "an integration may have no consumer yet"
    );
    assert_eq!(created.endpoint, None);
    assert_eq!(created.identity_link_url, None);
    assert_eq!(created.status, IntegrationStatus::Inactive);
    assert_eq!(created.setup_type, SetupType::Manual);
    assert_eq!(
        ok(store.integration_by_id(created.id), "integration_by_id"),
        Some(created)
    );
}

/// Lookups of an unknown id, name or consumer return `None`.
pub fn integration_lookups_miss_unknown<S: Store>(store: &S) {
    let consumer = ok(store.create_consumer(sample_consumer(1)), "create_consumer");
    let created = ok(
        store.create_integration(sample_integration(1, None)),
        "create_integration",
    );

    let unknown = IntegrationId(unknown_id(created.id.0));
    assert_eq!(
        ok(store.integration_by_id(unknown), "integration_by_id"),
        None
    );
    assert_eq!(
        ok(
            store.integration_by_name("Integration 2"),
            "integration_by_name"
        ),
        None
    );
    assert_eq!(
        ok(
            store.integration_by_consumer(consumer.id),
            "integration_by_consumer"
        ),
        None,
        "a consumer without an integration has none"
    );
    let unknown = ConsumerId(unknown_id(consumer.id.0));
    assert_eq!(
        ok(
            store.integration_by_consumer(unknown),
            "integration_by_consumer"
        ),
        None
    );
}

/// A second integration with a taken name is refused with
/// `Conflict { what: "integration name" }`, and the first is left as it was.
pub fn integration_name_is_unique<S: Store>(store: &S) {
    let first = ok(
        store.create_integration(sample_integration(1, None)),
        "create_integration",
    );

    let duplicate = NewIntegration {
        email: "someone.else@example.com".to_owned(),
        ..sample_integration(1, None)
    };
    assert_conflict(
        store.create_integration(duplicate),
        "integration name",
        "create_integration with a taken name",
    );

    assert_eq!(
        ok(store.list_integrations(), "list_integrations"),
        vec![first],
        "the refused insert stores nothing"
    );
}

/// `update_integration` saves every field but `id` and `created_at`, and reports whether the
/// row exists.
pub fn update_integration_saves_every_field_but_id_and_created_at<S: Store>(store: &S) {
    let consumer = ok(store.create_consumer(sample_consumer(1)), "create_consumer");
    let created = ok(
        store.create_integration(sample_integration(1, None)),
        "create_integration",
    );

    let edited = Integration {
        id: created.id,
        name: "Renamed integration".to_owned(),
        email: "new.contact@example.com".to_owned(),
        endpoint: None,
        identity_link_url: Some("https://integration1.example.com/identity".to_owned()),
        status: IntegrationStatus::Reset,
        setup_type: SetupType::ConfigFile,
        consumer_id: Some(consumer.id),
        created_at: created.created_at - 86_400,
        updated_at: created.updated_at + 60,
    };
    assert!(
        ok(store.update_integration(&edited), "update_integration"),
        "update_integration of an existing row returns true"
    );

    let saved = Integration {
        created_at: created.created_at,
        ..edited.clone()
    };
    assert_eq!(
        ok(store.integration_by_id(created.id), "integration_by_id"),
        Some(saved.clone()),
        "update_integration saves every field but created_at"
    );
    assert_eq!(
        ok(
            store.integration_by_name(&created.name),
            "integration_by_name"
        ),
        None,
        "the old name no longer finds the row"
    );
    assert_eq!(
        ok(
            store.integration_by_name(&edited.name),
            "integration_by_name"
        ),
        Some(saved.clone())
    );
    assert_eq!(
        ok(
            store.integration_by_consumer(consumer.id),
            "integration_by_consumer"
        ),
        Some(saved),
        "the new consumer finds the row"
    );

    let unknown = Integration {
        id: IntegrationId(unknown_id(created.id.0)),
        name: "Nobody's integration".to_owned(),
        consumer_id: None,
        ..edited
    };
    assert!(
        !ok(store.update_integration(&unknown), "update_integration"),
        "update_integration of an unknown row returns false"
    );
    assert_eq!(
        ok(
            store.integration_by_name(&unknown.name),
            "integration_by_name"
        ),
        None,
        "updating an unknown row inserts nothing"
    );
}

/// `update_integration` to another row's name fails with `Conflict` and changes nothing; saving
/// a row under its own name is no conflict.
pub fn update_integration_refuses_taken_name<S: Store>(store: &S) {
    let first = ok(
        store.create_integration(sample_integration(1, None)),
        "create_integration",
    );
    let second = ok(
        store.create_integration(sample_integration(2, None)),
        "create_integration",
    );

    let clash = Integration {
        name: first.name.clone(),
        email: "changed@example.com".to_owned(),
        ..second.clone()
    };
    assert_any_conflict(
        store.update_integration(&clash),
        "update_integration to a taken name",
    );
    assert_eq!(
        ok(store.integration_by_id(second.id), "integration_by_id"),
        Some(second.clone()),
        "the refused update leaves the row unchanged"
    );
    assert_eq!(
        ok(store.integration_by_id(first.id), "integration_by_id"),
        Some(first)
    );

    let same_name = Integration {
        email: "changed@example.com".to_owned(),
        ..second.clone()
    };
    assert!(
        ok(
            store.update_integration(&same_name),
            "update_integration under its own name"
        ),
        "a row's own name is not a conflict"
    );
    assert_eq!(
        ok(store.integration_by_id(second.id), "integration_by_id"),
        Some(same_name)
    );
}

/// `list_integrations` returns every integration ordered by id, whatever the names.
pub fn list_integrations_orders_by_id<S: Store>(store: &S) {
    assert_eq!(
        ok(store.list_integrations(), "list_integrations"),
        Vec::new(),
        "a fresh store lists no integration"
    );

    // Names in reverse alphabetical order, so an order by name would show.
    let mut created = Vec::new();
    for (n, name) in (1..).zip(["Zulu", "Mike", "Alpha"]) {
        let new_integration = NewIntegration {
            name: name.to_owned(),
            ..sample_integration(n, None)
        };
        created.push(ok(
            store.create_integration(new_integration),
            "create_integration",
        ));
    }
    created.sort_by_key(|integration| integration.id);

    assert_eq!(
        ok(store.list_integrations(), "list_integrations"),
        created,
        "list_integrations returns every row ordered by id"
    );
}

/// `delete_integration` deletes the integration, not its consumer, and reports whether it
/// existed.
pub fn delete_integration_keeps_consumer<S: Store>(store: &S) {
    let consumer = ok(store.create_consumer(sample_consumer(1)), "create_consumer");
    let doomed = ok(
        store.create_integration(sample_integration(1, Some(consumer.id))),
        "create_integration",
    );
    let kept = ok(
        store.create_integration(sample_integration(2, None)),
        "create_integration",
    );

    assert!(
        ok(store.delete_integration(doomed.id), "delete_integration"),
        "delete_integration of an existing row returns true"
    );

    assert_eq!(
        ok(store.integration_by_id(doomed.id), "integration_by_id"),
        None
    );
    assert_eq!(
        ok(
            store.integration_by_name(&doomed.name),
            "integration_by_name"
        ),
        None
    );
    assert_eq!(
        ok(
            store.integration_by_consumer(consumer.id),
            "integration_by_consumer"
        ),
        None
    );
    assert_eq!(
        ok(store.consumer_by_id(consumer.id), "consumer_by_id"),
        Some(consumer),
        "delete_integration keeps the consumer"
    );
    assert_eq!(
        ok(store.list_integrations(), "list_integrations"),
        vec![kept],
        "delete_integration keeps the other integrations"
    );
    assert!(
        !ok(store.delete_integration(doomed.id), "delete_integration"),
        "deleting an integration twice returns false the second time"
    );
}
