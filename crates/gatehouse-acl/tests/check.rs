//! Who may use what: each kind of caller against the built-in tree.

use gatehouse_acl::{Acl, AclError, Principal, ResourceTree, ANONYMOUS, ROOT, SELF};
use gatehouse_domain::{AdminId, CustomerId, ErrorClass, IntegrationId, SetupType};

fn acl() -> Acl {
    Acl::new(ResourceTree::builtin())
}

fn integration(resources: &[&str]) -> Principal {
    Principal::Integration {
        integration_id: IntegrationId(5),
        resources: resources.iter().map(|id| id.to_string()).collect(),
        setup_type: SetupType::Manual,
    }
}

#[test]
fn admin_may_use_everything() {
    let acl = acl();
    let admin = Principal::Admin(AdminId(1));

    for resource in [
        ROOT,
        "Magento_Sales::sales_order",
        "Magento_Integration::tokens",
        ANONYMOUS,
    ] {
        assert!(acl.is_allowed(&admin, resource), "{resource}");
    }
}

#[test]
fn customer_may_use_only_self_and_anonymous() {
    let acl = acl();
    let customer = Principal::Customer(CustomerId(2));

    assert!(acl.is_allowed(&customer, SELF));
    assert!(acl.is_allowed(&customer, ANONYMOUS));
    for resource in [
        ROOT,
        "Magento_Backend::admin",
        "Magento_Customer::manage",
        "Vendor_X::y",
    ] {
        assert!(!acl.is_allowed(&customer, resource), "{resource}");
    }
}

#[test]
fn guest_may_use_only_anonymous() {
    let acl = acl();

    assert!(acl.is_allowed(&Principal::Guest, ANONYMOUS));
    assert!(!acl.is_allowed(&Principal::Guest, SELF));
    assert!(!acl.is_allowed(&Principal::Guest, "Magento_Cart::cart"));
    assert!(!acl.is_allowed(&Principal::Guest, ROOT));
}

#[test]
fn integration_grant_covers_the_resource_and_its_descendants() {
    let acl = acl();
    let sales = integration(&["Magento_Sales::sales_operation"]);

    // The granted resource and everything under it.
    assert!(acl.is_allowed(&sales, "Magento_Sales::sales_operation"));
    assert!(acl.is_allowed(&sales, "Magento_Sales::sales_order"));
    assert!(acl.is_allowed(&sales, "Magento_Sales::actions_view"));
    for descendant in acl.tree().descendants("Magento_Sales::sales_operation") {
        assert!(acl.is_allowed(&sales, descendant), "{descendant}");
    }

    // Not its parents, not its siblings' branches, not self; anonymous always.
    assert!(!acl.is_allowed(&sales, "Magento_Sales::sales"));
    assert!(!acl.is_allowed(&sales, ROOT));
    assert!(!acl.is_allowed(&sales, "Magento_Catalog::products"));
    assert!(!acl.is_allowed(&sales, SELF));
    assert!(acl.is_allowed(&sales, ANONYMOUS));
}

#[test]
fn integration_with_a_leaf_grant_gets_only_the_leaf() {
    let acl = acl();
    let leaf = integration(&["Magento_Sales::actions_view"]);

    assert!(acl.is_allowed(&leaf, "Magento_Sales::actions_view"));
    assert!(!acl.is_allowed(&leaf, "Magento_Sales::actions_edit"));
    assert!(!acl.is_allowed(&leaf, "Magento_Sales::sales_order"));
}

#[test]
fn integration_with_no_grant_gets_only_anonymous() {
    let acl = acl();
    let nothing = integration(&[]);

    assert!(acl.is_allowed(&nothing, ANONYMOUS));
    assert!(!acl.is_allowed(&nothing, "Magento_Backend::dashboard"));
}

#[test]
fn root_grant_covers_all_but_self() {
    let acl = acl();
    let all = integration(&[ROOT]);

    for resource in acl.tree().ids() {
        assert!(acl.is_allowed(&all, resource), "{resource}");
    }
    assert!(acl.is_allowed(&all, "Vendor_Unlisted::thing"));
    assert!(!acl.is_allowed(&all, SELF));
}

#[test]
fn authorize_names_every_route_resource() {
    let acl = acl();
    let integrations_only = integration(&["Magento_Integration::integrations"]);
    let required = [
        "Magento_Integration::integrations",
        "Magento_Integration::tokens",
    ];

    assert!(acl
        .authorize(&integrations_only, &["Magento_Integration::integrations"])
        .is_ok());
    assert!(!acl.is_allowed_all(&integrations_only, &required));

    let error = acl
        .authorize(&integrations_only, &required)
        .expect_err("tokens is not granted");
    assert!(matches!(error, AclError::Denied { .. }));
    assert_eq!(error.class(), ErrorClass::Authorization);
    let message = error.message();
    assert_eq!(
        message.template,
        "The consumer isn't authorized to access %resources."
    );
    assert_eq!(
        message.parameters,
        vec![(
            "resources".into(),
            "Magento_Integration::integrations, Magento_Integration::tokens".to_string()
        )]
    );
}

#[test]
fn a_config_integration_may_use_each_ancestor_of_its_resources_alone() {
    let acl = acl();
    let tree = acl.tree();
    let declared = "Magento_Sales::sales_order";
    let ancestors = tree.ancestors(declared);
    assert!(ancestors.len() >= 2, "{ancestors:?}");
    let config = Principal::Integration {
        integration_id: IntegrationId(5),
        resources: vec![declared.to_owned()],
        setup_type: SetupType::ConfigFile,
    };
    let manual = integration(&[declared]);

    for principal in [&config, &manual] {
        assert!(acl.is_allowed(principal, declared));
        for below in tree.descendants(declared) {
            assert!(acl.is_allowed(principal, below), "{below}");
        }
    }
    // The ancestors from `Magento_Backend::admin` down, as the reference adds them for
    // config-declared resources (Gatehouse's root above them, every resource, stays closed);
    // a manual grant does not open them.
    assert_eq!(ancestors[..2], [ROOT, "Magento_Backend::admin"]);
    for ancestor in &ancestors[1..] {
        assert!(acl.is_allowed(&config, ancestor), "{ancestor}");
        assert!(!acl.is_allowed(&manual, ancestor), "{ancestor}");
    }
    // An ancestor is open by itself, not what lies under it: the declared resource's siblings
    // and the rest of the tree stay closed.
    let parent = ancestors[ancestors.len() - 1];
    let siblings: Vec<&str> = tree
        .descendants(parent)
        .into_iter()
        .filter(|id| *id != declared && !tree.ancestors(id).contains(&declared))
        .collect();
    assert!(!siblings.is_empty(), "{parent} has other children");
    for other in siblings
        .into_iter()
        .chain(["Magento_Catalog::products", ROOT, SELF])
    {
        assert!(!acl.is_allowed(&config, other), "{other}");
    }
}
