//! The integration service (behaviour.md §3): create, read, edit, delete, grants, and the
//! refusals worded as the reference words them.

// The cases are plain functions that `on_every_store!` wraps in one #[test] per backend;
// clippy exempts only #[test] bodies from `unwrap_used`, so the exemption is given here.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;

use gatehouse_acl::{Acl, Principal, ResourceTree, ROOT};
use gatehouse_domain::{
    ErrorClass, IntegrationId, IntegrationStatus, Nonce, SetupType, TokenKind, UserType,
};
use gatehouse_tokens::integration::{Activation, ResourceSelection};
use gatehouse_tokens::TokensError;

use support::http::FailingPoster;
use support::{assert_refused, input, Harness};

on_every_store!(
    create_links_a_consumer_named_after_the_integration,
    duplicate_names_are_refused,
    names_need_two_characters,
    missing_ids_are_not_found,
    update_saves_fields_and_replaces_resources,
    update_onto_a_taken_name_is_refused,
    unknown_resources_are_refused_before_anything_is_written,
    lookups_by_name_and_consumer,
    delete_removes_consumer_tokens_nonces_and_role,
    failed_post_reports_the_reference_message,
    endpoint_must_be_http,
);

fn create_links_a_consumer_named_after_the_integration(h: &Harness) {
    let integration = h.create_integration("Shipping Bridge", None);

    assert_eq!(integration.status, IntegrationStatus::Inactive);
    assert_eq!(integration.setup_type, SetupType::Manual);
    assert_eq!(integration.email, "shipping.bridge@example.com");
    let consumer_id = integration.consumer_id.expect("a consumer is linked");
    let consumer = h.store.consumer_by_id(consumer_id).unwrap().unwrap();
    assert_eq!(consumer.name, format!("Integration{}", integration.id));
    assert_eq!(consumer.key.as_str().len(), 32);
    assert!(consumer
        .key
        .as_str()
        .bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()));

    let details = h.integrations.details(integration.id).unwrap();
    assert_eq!(details.consumer_key, Some(consumer.key));
    assert_eq!(details.resources, ResourceSelection::All);
    assert_eq!(h.reload(integration.id), integration);
}

fn duplicate_names_are_refused(h: &Harness) {
    h.create_integration("Shipping Bridge", None);

    assert_refused(
        h.integrations
            .create(input("Shipping Bridge", None, ResourceSelection::All)),
        ErrorClass::Conflict,
        "The integration with name \"Shipping Bridge\" exists.",
    );
    assert_eq!(h.integrations.list().unwrap().len(), 1);
}

fn names_need_two_characters(h: &Harness) {
    assert_refused(
        h.integrations
            .create(input("  ", None, ResourceSelection::All)),
        ErrorClass::Input,
        "\"name\" is required. Enter and try again.",
    );
    assert_refused(
        h.integrations
            .create(input("x", None, ResourceSelection::All)),
        ErrorClass::Input,
        "Invalid value of \"x\" provided for the name field.",
    );

    let two = h
        .integrations
        .create(input("xy", None, ResourceSelection::All));
    assert_eq!(two.unwrap().name, "xy");
}

fn missing_ids_are_not_found(h: &Harness) {
    let missing = IntegrationId(4242);
    let text = "The integration with ID \"4242\" doesn't exist.";

    assert_refused(h.integrations.get(missing), ErrorClass::NotFound, text);
    assert_refused(
        h.integrations
            .update(missing, input("Renamed", None, ResourceSelection::All)),
        ErrorClass::NotFound,
        text,
    );
    assert_refused(h.integrations.delete(missing), ErrorClass::NotFound, text);
    assert_refused(
        h.integrations
            .activate(missing, &FailingPoster, "http://shop/"),
        ErrorClass::NotFound,
        text,
    );
}

fn update_saves_fields_and_replaces_resources(h: &Harness) {
    let created = h.create_integration("Shipping Bridge", None);
    let sales = vec!["Magento_Sales::sales".to_owned()];

    let mut changed = input(
        "Bridge Two",
        Some("https://bridge.example.com/hook"),
        ResourceSelection::Only(sales.clone()),
    );
    changed.identity_link_url = Some("https://bridge.example.com/login".into());
    let updated = h.integrations.update(created.id, changed).unwrap();

    assert_eq!(updated.name, "Bridge Two");
    assert_eq!(updated.consumer_id, created.consumer_id);
    assert_eq!(updated.status, created.status);
    let stored = h.reload(created.id);
    assert_eq!(
        stored.endpoint.as_deref(),
        Some("https://bridge.example.com/hook")
    );
    assert_eq!(
        stored.identity_link_url.as_deref(),
        Some("https://bridge.example.com/login")
    );
    assert_eq!(
        h.integrations.resources(created.id).unwrap(),
        ResourceSelection::Only(sales)
    );

    // Saving resources replaces the previous rules.
    let catalog = vec!["Magento_Catalog::products".to_owned()];
    h.integrations
        .update(
            created.id,
            input("Bridge Two", None, ResourceSelection::Only(catalog.clone())),
        )
        .unwrap();
    assert_eq!(
        h.integrations.resources(created.id).unwrap(),
        ResourceSelection::Only(catalog)
    );
    assert_eq!(h.reload(created.id).endpoint, None);
}

fn update_onto_a_taken_name_is_refused(h: &Harness) {
    h.create_integration("First", None);
    let second = h.create_integration("Second", None);

    assert_refused(
        h.integrations
            .update(second.id, input("First", None, ResourceSelection::All)),
        ErrorClass::Conflict,
        "The integration with name \"First\" exists.",
    );
    // Keeping one's own name is not a conflict.
    assert!(h
        .integrations
        .update(second.id, input("Second", None, ResourceSelection::All))
        .is_ok());
}

fn unknown_resources_are_refused_before_anything_is_written(h: &Harness) {
    let resources = ResourceSelection::Only(vec![
        "Magento_Sales::sales".to_owned(),
        "Vendor_Nowhere::thing".to_owned(),
    ]);

    let result = h
        .integrations
        .create(input("Shipping Bridge", None, resources));

    assert!(
        matches!(&result, Err(TokensError::Acl(_))),
        "expected an ACL refusal, got {result:?}"
    );
    assert_eq!(result.unwrap_err().class(), ErrorClass::Input);
    assert!(h.integrations.list().unwrap().is_empty());
}

fn lookups_by_name_and_consumer(h: &Harness) {
    let integration = h.create_integration("Shipping Bridge", None);
    let consumer_id = integration.consumer_id.unwrap();

    assert_eq!(
        h.integrations.find_by_name("Shipping Bridge").unwrap(),
        Some(integration.clone())
    );
    assert_eq!(h.integrations.find_by_name("Nobody").unwrap(), None);
    assert_eq!(
        h.integrations.find_by_consumer(consumer_id).unwrap(),
        Some(integration.clone())
    );
    assert_eq!(
        h.integrations.find_active_by_consumer(consumer_id).unwrap(),
        None
    );

    h.integrations
        .activate(integration.id, &FailingPoster, "http://shop/")
        .unwrap();
    assert_eq!(
        h.integrations
            .find_active_by_consumer(consumer_id)
            .unwrap()
            .map(|found| found.id),
        Some(integration.id)
    );
}

fn delete_removes_consumer_tokens_nonces_and_role(h: &Harness) {
    let integration = h.create_integration("Shipping Bridge", None);
    let consumer_id = integration.consumer_id.unwrap();
    let Activation::Activated { .. } = h
        .integrations
        .activate(integration.id, &FailingPoster, "http://shop/")
        .unwrap()
    else {
        panic!("an integration without endpoint is activated at once");
    };
    let nonce = Nonce::parse("a-nonce").unwrap();
    h.store
        .record_nonce(consumer_id, &nonce, support::START)
        .unwrap();
    // A bystander whose nonce must survive the deletion.
    let bystander = h.create_integration("Bystander", None);
    h.store
        .record_nonce(bystander.consumer_id.unwrap(), &nonce, support::START)
        .unwrap();
    assert!(h
        .store
        .role_for_user(UserType::Integration, integration.id.0)
        .unwrap()
        .is_some());

    let deleted = h.integrations.delete(integration.id).unwrap();

    assert_eq!(deleted.id, integration.id);
    assert_eq!(h.store.integration_by_id(integration.id).unwrap(), None);
    assert_eq!(h.store.consumer_by_id(consumer_id).unwrap(), None);
    assert_eq!(h.store.token_by_consumer(consumer_id).unwrap(), None);
    assert_eq!(
        h.store
            .role_for_user(UserType::Integration, integration.id.0)
            .unwrap(),
        None
    );
    // The nonce went with the consumer: only the bystander's is left to clean up.
    assert_eq!(h.store.delete_nonces_before(i64::MAX, 100).unwrap(), 1);
    assert!(h
        .store
        .consumer_by_id(bystander.consumer_id.unwrap())
        .unwrap()
        .is_some());
}

fn failed_post_reports_the_reference_message(h: &Harness) {
    let integration = h.create_integration("Shipping Bridge", Some("http://127.0.0.1:1/hook"));

    let result = h
        .integrations
        .activate(integration.id, &FailingPoster, "http://shop/");

    assert!(matches!(&result, Err(TokensError::EndpointPost(_))));
    assert_refused(
        result,
        ErrorClass::Unavailable,
        "The attempt to post data to consumer failed due to an unexpected error. \
         Please try again later.",
    );
    // The verifier row was made before the post; the integration stays Inactive.
    let token = h
        .store
        .token_by_consumer(integration.consumer_id.unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(token.kind, TokenKind::Verifier);
    assert_eq!(h.reload(integration.id).status, IntegrationStatus::Inactive);
}

fn endpoint_must_be_http(h: &Harness) {
    assert_refused(
        h.integrations.create(input(
            "Shipping Bridge",
            Some("file:///etc/passwd"),
            ResourceSelection::All,
        )),
        ErrorClass::Input,
        "Invalid value of \"file:///etc/passwd\" provided for the endpoint field.",
    );
}

#[test]
fn resource_grants_are_what_the_acl_checks() {
    let h = Harness::memory();
    let sales = ResourceSelection::Only(vec!["Magento_Sales::sales".to_owned()]);
    let integration = h
        .integrations
        .create(input("Shipping Bridge", None, sales))
        .unwrap();
    let acl = Acl::new(ResourceTree::builtin());
    let principal = Principal::Integration {
        integration_id: integration.id,
        resources: match h.integrations.resources(integration.id).unwrap() {
            ResourceSelection::All => vec![ROOT.to_owned()],
            ResourceSelection::Only(ids) => ids,
        },
        setup_type: integration.setup_type,
    };

    assert!(acl.is_allowed(&principal, "Magento_Sales::sales"));
    assert!(acl.is_allowed(&principal, "Magento_Sales::sales_order"));
    assert!(!acl.is_allowed(&principal, "Magento_Catalog::products"));
}
