//! Cases for [`AclRepository`](crate::AclRepository): roles and their allowed resources.

use super::samples::*;
use super::{assert_conflict, ok, unknown_id};
use crate::entities::*;
use crate::ids::RoleId;
use crate::repository::Store;

/// Owned resource ids from string literals.
fn resources(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|id| (*id).to_owned()).collect()
}

/// `create_role` stores every field and `role_for_user` finds it by user type and id only; a
/// new role has no resources.
pub fn role_round_trips<S: Store>(store: &S) {
    let new_role = sample_role(UserType::Integration, 42);
    let created = ok(store.create_role(new_role.clone()), "create_role");
    let expected = Role {
        id: created.id,
        name: new_role.name,
        user_type: new_role.user_type,
        user_id: new_role.user_id,
    };
    assert_eq!(created, expected, "create_role stores every field");

    let find = |user_type, user_id| ok(store.role_for_user(user_type, user_id), "role_for_user");
    assert_eq!(find(UserType::Integration, 42), Some(expected));
    assert_eq!(
        find(UserType::Admin, 42),
        None,
        "another user type has no role"
    );
    assert_eq!(
        find(UserType::Integration, 43),
        None,
        "another user has no role"
    );

    assert_eq!(
        ok(store.role_resources(created.id), "role_resources"),
        Vec::<String>::new(),
        "a new role allows nothing"
    );
}

/// A second role for the same user is refused with `Conflict { what: "role" }`; the same id of
/// another user type may have one.
pub fn role_is_unique_per_user<S: Store>(store: &S) {
    let first = ok(
        store.create_role(sample_role(UserType::Integration, 7)),
        "create_role",
    );

    let duplicate = NewRole {
        name: "another name".to_owned(),
        ..sample_role(UserType::Integration, 7)
    };
    assert_conflict(
        store.create_role(duplicate),
        "role",
        "create_role for a user who has one",
    );
    assert_eq!(
        ok(
            store.role_for_user(UserType::Integration, 7),
            "role_for_user"
        ),
        Some(first.clone()),
        "the refused insert leaves the first role unchanged"
    );

    let admin_role = ok(
        store.create_role(sample_role(UserType::Admin, 7)),
        "create_role for the same id of another user type",
    );
    assert_ne!(admin_role.id, first.id, "each role gets its own id");
}

/// `replace_role_resources` replaces the whole list, stores duplicates once, and
/// `role_resources` reads it in byte order; other roles are untouched.
pub fn replace_role_resources_dedups_and_sorts<S: Store>(store: &S) {
    let role = ok(
        store.create_role(sample_role(UserType::Integration, 1)),
        "create_role",
    );
    let other = ok(
        store.create_role(sample_role(UserType::Integration, 2)),
        "create_role",
    );
    let read = |role_id| ok(store.role_resources(role_id), "role_resources");

    let other_grant = resources(&["Magento_Backend::all"]);
    ok(
        store.replace_role_resources(other.id, &other_grant),
        "replace_role_resources",
    );

    let grant = resources(&[
        "Vendor_a::x",
        "Magento_Sales::sales",
        "Vendor_B::y",
        "Magento_Backend::all",
        "Magento_Sales::sales",
        "Magento_Sales::actions",
    ]);
    ok(
        store.replace_role_resources(role.id, &grant),
        "replace_role_resources",
    );
    assert_eq!(
        read(role.id),
        resources(&[
            "Magento_Backend::all",
            "Magento_Sales::actions",
            "Magento_Sales::sales",
            "Vendor_B::y",
            "Vendor_a::x",
        ]),
        "resources come back once each, sorted by byte order"
    );

    ok(
        store.replace_role_resources(role.id, &resources(&["Magento_Customer::manage"])),
        "replace_role_resources",
    );
    assert_eq!(
        read(role.id),
        resources(&["Magento_Customer::manage"]),
        "a replacement drops every earlier resource"
    );

    ok(
        store.replace_role_resources(role.id, &[]),
        "replace_role_resources",
    );
    assert_eq!(
        read(role.id),
        Vec::<String>::new(),
        "an empty replacement allows nothing"
    );

    assert_eq!(
        read(other.id),
        other_grant,
        "other roles keep their resources"
    );
    let unknown = RoleId(unknown_id(role.id.0.max(other.id.0)));
    assert_eq!(
        read(unknown),
        Vec::<String>::new(),
        "an unknown role allows nothing"
    );
}

/// `delete_role` deletes the role and its rules, and reports whether it existed; a new role for
/// the same user starts without resources.
pub fn delete_role_removes_rules<S: Store>(store: &S) {
    let role = ok(
        store.create_role(sample_role(UserType::Integration, 1)),
        "create_role",
    );
    let other = ok(
        store.create_role(sample_role(UserType::Integration, 2)),
        "create_role",
    );
    let grant = resources(&["Magento_Sales::sales", "Magento_Catalog::products"]);
    ok(
        store.replace_role_resources(role.id, &grant),
        "replace_role_resources",
    );
    ok(
        store.replace_role_resources(other.id, &grant),
        "replace_role_resources",
    );

    assert!(
        ok(store.delete_role(role.id), "delete_role"),
        "delete_role of an existing role returns true"
    );
    assert_eq!(
        ok(
            store.role_for_user(UserType::Integration, 1),
            "role_for_user"
        ),
        None
    );
    assert_eq!(
        ok(store.role_resources(role.id), "role_resources"),
        Vec::<String>::new(),
        "delete_role deletes the role's rules"
    );
    assert!(
        !ok(store.delete_role(role.id), "delete_role"),
        "deleting a role twice returns false the second time"
    );

    // Even if the backend hands the old id out again, no old rule may come back with it.
    let recreated = ok(
        store.create_role(sample_role(UserType::Integration, 1)),
        "create_role after delete_role",
    );
    assert_eq!(
        ok(store.role_resources(recreated.id), "role_resources"),
        Vec::<String>::new(),
        "a re-created role starts without resources"
    );

    let mut sorted_grant = grant;
    sorted_grant.sort();
    assert_eq!(
        ok(store.role_resources(other.id), "role_resources"),
        sorted_grant,
        "delete_role keeps other roles' rules"
    );
}
