//! Config-file integrations (behaviour.md §3): start-up sync (create, unchanged, changed →
//! Reset), edits and deletes refused with the reference's words, and file errors.

// The cases are plain functions that `on_every_store!` wraps in one #[test] per backend;
// clippy exempts only #[test] bodies from `unwrap_used`, so the exemption is given here.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;

use std::path::PathBuf;

use gatehouse_acl::{Acl, Principal, ResourceTree, ROOT};
use gatehouse_domain::{ErrorClass, IntegrationStatus, SetupType};
use gatehouse_tokens::integration::{config_grant, ResourceSelection, SyncReport};
use gatehouse_tokens::integration_config::{load_integration_files, ConfigIntegration};
use gatehouse_tokens::TokensError;

use support::client::{Client, API_URL};
use support::{assert_refused, input, Harness};

on_every_store!(
    sync_creates_declared_integrations,
    sync_leaves_unchanged_integrations_alone,
    sync_resets_changed_integrations,
    config_integrations_cannot_be_edited_or_deleted,
    sync_takes_over_a_manual_integration_of_the_same_name,
    sync_refuses_unknown_resources,
    config_integrations_may_use_the_ancestors_of_their_resources,
);

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/integration")
        .join(name)
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|name| (*name).to_owned()).collect()
}

fn sync_creates_declared_integrations(h: &Harness) {
    let report = h
        .integrations
        .sync_config_files(&[fixture("integration.xml")])
        .unwrap();

    assert_eq!(
        report,
        SyncReport {
            created: names(&["Shipping Bridge", "Reporting"]),
            ..SyncReport::default()
        }
    );
    let bridge = h
        .integrations
        .find_by_name("Shipping Bridge")
        .unwrap()
        .unwrap();
    assert_eq!(bridge.setup_type, SetupType::ConfigFile);
    assert_eq!(bridge.status, IntegrationStatus::Inactive);
    assert_eq!(bridge.email, "ops@bridge.example.com");
    assert_eq!(
        bridge.endpoint.as_deref(),
        Some("https://bridge.example.com/activate")
    );
    assert_eq!(
        bridge.identity_link_url.as_deref(),
        Some("https://bridge.example.com/login")
    );
    assert!(bridge.consumer_id.is_some());

    let mut expected = names(&["Magento_Catalog::products", "Magento_Sales::sales_order"]);
    expected.sort();
    assert_eq!(
        h.integrations.resources(bridge.id).unwrap(),
        ResourceSelection::Only(expected)
    );
}

fn sync_leaves_unchanged_integrations_alone(h: &Harness) {
    let files = [fixture("integration.xml")];
    h.integrations.sync_config_files(&files).unwrap();
    let before = h.integrations.list().unwrap();
    h.clock.advance(3_600);

    let report = h.integrations.sync_config_files(&files).unwrap();

    assert_eq!(report.unchanged, names(&["Shipping Bridge", "Reporting"]));
    assert!(report.created.is_empty() && report.reset.is_empty());
    assert_eq!(h.integrations.list().unwrap(), before);
}

fn sync_resets_changed_integrations(h: &Harness) {
    h.integrations
        .sync_config_files(&[fixture("integration.xml")])
        .unwrap();
    let old_bridge = h
        .integrations
        .find_by_name("Shipping Bridge")
        .unwrap()
        .unwrap();
    let old_reporting = h.integrations.find_by_name("Reporting").unwrap().unwrap();

    let report = h
        .integrations
        .sync_config_files(&[fixture("integration_changed.xml")])
        .unwrap();

    assert_eq!(report.reset, names(&["Shipping Bridge"]));
    assert_eq!(report.unchanged, names(&["Reporting"]));
    let new_bridge = h
        .integrations
        .find_by_name("Shipping Bridge")
        .unwrap()
        .unwrap();
    assert_eq!(new_bridge.status, IntegrationStatus::Reset);
    assert_eq!(new_bridge.setup_type, SetupType::ConfigFile);
    assert_ne!(new_bridge.id, old_bridge.id);
    assert_ne!(new_bridge.consumer_id, old_bridge.consumer_id);
    assert_eq!(
        h.store
            .consumer_by_id(old_bridge.consumer_id.unwrap())
            .unwrap(),
        None,
        "the old consumer went with the old integration"
    );
    let ResourceSelection::Only(granted) = h.integrations.resources(new_bridge.id).unwrap() else {
        panic!("a config integration holds a list");
    };
    assert!(granted.contains(&"Magento_Customer::manage".to_owned()));
    assert_eq!(
        h.integrations.find_by_name("Reporting").unwrap().unwrap(),
        old_reporting
    );
}

fn config_integrations_cannot_be_edited_or_deleted(h: &Harness) {
    h.integrations
        .sync_config_files(&[fixture("integration.xml")])
        .unwrap();
    let bridge = h
        .integrations
        .find_by_name("Shipping Bridge")
        .unwrap()
        .unwrap();

    assert_refused(
        h.integrations
            .update(bridge.id, input("Renamed", None, ResourceSelection::All)),
        ErrorClass::Input,
        "The integrations created in the config file can't be edited.",
    );
    assert_refused(
        h.integrations.delete(bridge.id),
        ErrorClass::Input,
        "Uninstall the extension to remove integration 'Shipping Bridge'.",
    );
    assert_eq!(h.reload(bridge.id), bridge);
}

fn sync_takes_over_a_manual_integration_of_the_same_name(h: &Harness) {
    let manual = h.create_integration("Reporting", None);

    let report = h
        .integrations
        .sync_config_files(&[fixture("integration.xml")])
        .unwrap();

    assert_eq!(report.reset, names(&["Reporting"]));
    let taken = h.integrations.find_by_name("Reporting").unwrap().unwrap();
    assert_ne!(taken.id, manual.id);
    assert_eq!(taken.setup_type, SetupType::ConfigFile);
    assert_eq!(taken.status, IntegrationStatus::Reset);
}

fn sync_refuses_unknown_resources(h: &Harness) {
    let result = h
        .integrations
        .sync_config_files(&[fixture("unknown_resource.xml")]);

    let Err(TokensError::Config(text)) = result else {
        panic!("expected a config error, got {result:?}");
    };
    assert_eq!(
        text,
        "config integration \"Dreamer\" asks for unknown acl resources: Vendor_Nowhere::thing"
    );
    assert!(h.integrations.list().unwrap().is_empty());
}

#[test]
fn file_errors_name_the_file() {
    let missing = fixture("no_such_file.xml");
    let Err(TokensError::Config(text)) = load_integration_files(&[&missing]) else {
        panic!("a missing file is a config error");
    };
    assert!(
        text.starts_with(&format!("{}: cannot read", missing.display())),
        "{text}"
    );

    let broken = fixture("broken.xml");
    let Err(TokensError::Config(text)) = load_integration_files(&[&broken]) else {
        panic!("a broken file is a config error");
    };
    assert!(
        text.starts_with(&format!("{}:4: malformed XML", broken.display())),
        "{text}"
    );
}

#[test]
fn files_merge_in_order() {
    let merged = load_integration_files(&[
        fixture("integration.xml"),
        fixture("integration_changed.xml"),
    ])
    .unwrap();

    assert_eq!(merged.len(), 2);
    assert_eq!(merged[0].name, "Shipping Bridge");
    assert_eq!(
        merged[0].resources,
        names(&[
            "Magento_Sales::sales_order",
            "Magento_Catalog::products",
            "Magento_Customer::manage"
        ])
    );
}

/// The reference adds the ancestors of config-declared resources to the grant: a signed call
/// by a config integration may use each of them by itself, but not what else lies under them.
fn config_integrations_may_use_the_ancestors_of_their_resources(h: &Harness) {
    h.integrations
        .sync_config_files(&[fixture("integration.xml")])
        .unwrap();
    let reporting = h.integrations.find_by_name("Reporting").unwrap().unwrap();
    let client = Client::activated(h, reporting.id);

    let principal = h
        .oauth
        .authenticate_signed(&client.sign_now(h, "GET", API_URL).parts())
        .unwrap();
    assert_eq!(
        principal,
        Principal::Integration {
            integration_id: reporting.id,
            resources: names(&["Magento_Sales::sales"]),
            setup_type: SetupType::ConfigFile,
        }
    );

    let acl = Acl::new(ResourceTree::builtin());
    // Declared, and what it covers.
    assert!(acl.is_allowed(&principal, "Magento_Sales::sales"));
    assert!(acl.is_allowed(&principal, "Magento_Sales::sales_order"));
    // Its ancestor, alone.
    assert!(acl.is_allowed(&principal, "Magento_Backend::admin"));
    assert!(!acl.is_allowed(&principal, "Magento_Catalog::products"));
    assert!(!acl.is_allowed(&principal, ROOT));
}

/// A manual integration with the same grant does not get the ancestors.
#[test]
fn a_manual_grant_leaves_ancestors_closed() {
    let tree = ResourceTree::builtin();
    let declared = ConfigIntegration {
        resources: names(&["Magento_Sales::sales_order"]),
        ..ConfigIntegration::named("Shipping Bridge")
    };
    let granted = config_grant(&tree, &declared).unwrap();
    assert_eq!(granted, names(&["Magento_Sales::sales_order"]));

    let acl = Acl::new(tree);
    let as_made = |setup_type| Principal::Integration {
        integration_id: gatehouse_domain::IntegrationId(1),
        resources: granted.clone(),
        setup_type,
    };
    let (config, manual) = (as_made(SetupType::ConfigFile), as_made(SetupType::Manual));
    for principal in [&config, &manual] {
        assert!(acl.is_allowed(principal, "Magento_Sales::sales_order"));
        assert!(acl.is_allowed(principal, "Magento_Sales::actions_view"));
        assert!(!acl.is_allowed(principal, "Magento_Catalog::products"));
    }
    assert!(acl.is_allowed(&config, "Magento_Sales::sales"));
    assert!(!acl.is_allowed(&manual, "Magento_Sales::sales"));
}
