//! Integration grants against the in-memory store.

use gatehouse_acl::{Acl, AclError, Grants, Principal, ResourceTree, ROOT};
use gatehouse_domain::memory::MemoryStore;
use gatehouse_domain::{AclRepository, ErrorClass, IntegrationId, SetupType, UserType};

const ID: IntegrationId = IntegrationId(42);

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|id| id.to_string()).collect()
}

#[test]
fn grant_all_creates_the_role_and_holds_the_root() {
    let store = MemoryStore::new();
    let tree = ResourceTree::builtin();
    let grants = Grants::new(&store, &tree);

    grants.grant_all(ID).expect("granted");

    let role = store
        .role_for_user(UserType::Integration, ID.0)
        .expect("readable")
        .expect("role created");
    assert_eq!(role.name, "42");
    assert_eq!(role.user_type, UserType::Integration);
    assert_eq!(grants.resources_of(ID).expect("readable"), vec![ROOT]);
    assert!(grants.is_granted_all(ID).expect("readable"));
}

#[test]
fn saving_resources_replaces_the_previous_grant() {
    let store = MemoryStore::new();
    let tree = ResourceTree::builtin();
    let grants = Grants::new(&store, &tree);

    grants.grant_all(ID).expect("granted");
    grants
        .grant(
            ID,
            &ids(&[
                "Magento_Sales::sales",
                "Magento_Cart::cart",
                "Magento_Cart::cart",
            ]),
        )
        .expect("granted");
    assert_eq!(
        grants.resources_of(ID).expect("readable"),
        ids(&["Magento_Cart::cart", "Magento_Sales::sales"])
    );
    assert!(!grants.is_granted_all(ID).expect("readable"));

    grants
        .grant(ID, &ids(&["Magento_Catalog::products"]))
        .expect("granted");
    assert_eq!(
        grants.resources_of(ID).expect("readable"),
        ids(&["Magento_Catalog::products"])
    );

    grants.grant(ID, &[]).expect("an empty grant is allowed");
    assert!(grants.resources_of(ID).expect("readable").is_empty());
    assert!(store
        .role_for_user(UserType::Integration, ID.0)
        .expect("readable")
        .is_some());
}

#[test]
fn unknown_resource_ids_are_refused_and_nothing_changes() {
    let store = MemoryStore::new();
    let tree = ResourceTree::builtin();
    let grants = Grants::new(&store, &tree);
    grants
        .grant(ID, &ids(&["Magento_Sales::sales"]))
        .expect("granted");

    let error = grants
        .grant(
            ID,
            &ids(&[
                "Magento_Cart::cart",
                "Vendor_Nope::x",
                "self",
                "Vendor_Nope::x",
            ]),
        )
        .expect_err("unknown ids");

    match &error {
        AclError::UnknownResources { ids } => assert_eq!(ids, &["Vendor_Nope::x", "self"]),
        other => panic!("unexpected error {other:?}"),
    }
    assert_eq!(error.class(), ErrorClass::Input);
    assert_eq!(
        error.to_string(),
        "unknown acl resources: Vendor_Nope::x, self"
    );
    assert_eq!(
        grants.resources_of(ID).expect("readable"),
        ids(&["Magento_Sales::sales"])
    );
}

#[test]
fn remove_deletes_the_role() {
    let store = MemoryStore::new();
    let tree = ResourceTree::builtin();
    let grants = Grants::new(&store, &tree);
    grants.grant_all(ID).expect("granted");
    grants.grant_all(IntegrationId(43)).expect("granted");

    assert!(grants.remove(ID).expect("removed"));
    assert!(!grants.remove(ID).expect("already gone"));

    assert!(store
        .role_for_user(UserType::Integration, ID.0)
        .expect("readable")
        .is_none());
    assert!(grants.resources_of(ID).expect("readable").is_empty());
    assert!(!grants.is_granted_all(ID).expect("readable"));
    assert!(grants
        .is_granted_all(IntegrationId(43))
        .expect("other untouched"));
}

#[test]
fn stored_grant_drives_the_check() {
    let store = MemoryStore::new();
    let acl = Acl::new(ResourceTree::builtin());
    let grants = Grants::new(&store, acl.tree());
    grants
        .grant(ID, &ids(&["Magento_Integration::extensions"]))
        .expect("granted");

    let principal = grants.principal(ID, SetupType::Manual).expect("readable");
    assert_eq!(
        principal,
        Principal::Integration {
            integration_id: ID,
            resources: ids(&["Magento_Integration::extensions"]),
            setup_type: SetupType::Manual,
        }
    );
    assert!(acl.is_allowed(&principal, "Magento_Integration::integrations"));
    assert!(!acl.is_allowed(&principal, "Magento_Sales::sales"));
}
