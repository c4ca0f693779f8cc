//! Cases for [`AdminRepository`](crate::AdminRepository) and
//! [`CustomerRepository`](crate::CustomerRepository).

use super::samples::*;
use super::{assert_conflict, ok, unknown_id};
use crate::entities::*;
use crate::ids::{AdminId, CustomerId};
use crate::repository::Store;

/// `create_admin` stores every field; lookups by id and username return it; `set_admin_active`
/// flips the flag and reports whether the admin exists.
pub fn admin_round_trips_and_toggles_active<S: Store>(store: &S) {
    let new_admin = sample_admin(1);
    let created = ok(store.create_admin(new_admin.clone()), "create_admin");
    let expected = AdminUser {
        id: created.id,
        username: new_admin.username.clone(),
        email: new_admin.email,
        password_hash: new_admin.password_hash,
        is_active: new_admin.is_active,
        created_at: new_admin.created_at,
    };
    assert_eq!(created, expected, "create_admin stores every field");
    assert_eq!(
        ok(store.admin_by_id(created.id), "admin_by_id"),
        Some(expected.clone())
    );
    assert_eq!(
        ok(
            store.admin_by_username(&new_admin.username),
            "admin_by_username"
        ),
        Some(expected.clone())
    );
    let other = ok(store.create_admin(sample_admin(2)), "create_admin");
    assert_ne!(other.id, created.id, "each admin gets its own id");

    assert!(ok(
        store.set_admin_active(created.id, false),
        "set_admin_active"
    ));
    assert_eq!(
        ok(store.admin_by_id(created.id), "admin_by_id"),
        Some(AdminUser {
            is_active: false,
            ..expected.clone()
        }),
        "set_admin_active(false) deactivates and changes nothing else"
    );
    assert_eq!(
        ok(store.admin_by_id(other.id), "admin_by_id").map(|admin| admin.is_active),
        Some(true),
        "set_admin_active leaves other admins alone"
    );
    assert!(ok(
        store.set_admin_active(created.id, true),
        "set_admin_active"
    ));
    assert_eq!(
        ok(store.admin_by_id(created.id), "admin_by_id"),
        Some(expected)
    );

    let unknown = AdminId(unknown_id(created.id.0.max(other.id.0)));
    assert!(
        !ok(store.set_admin_active(unknown, false), "set_admin_active"),
        "set_admin_active of an unknown admin returns false"
    );
    assert_eq!(ok(store.admin_by_id(unknown), "admin_by_id"), None);
    assert_eq!(
        ok(store.admin_by_username("nobody"), "admin_by_username"),
        None
    );
}

/// A second admin with a taken username is refused with `Conflict { what: "admin username" }`.
pub fn admin_username_is_unique<S: Store>(store: &S) {
    let first = ok(store.create_admin(sample_admin(1)), "create_admin");

    let duplicate = NewAdminUser {
        email: "another.address@example.com".to_owned(),
        ..sample_admin(1)
    };
    assert_conflict(
        store.create_admin(duplicate),
        "admin username",
        "create_admin with a taken username",
    );
    assert_eq!(
        ok(
            store.admin_by_username(&first.username),
            "admin_by_username"
        ),
        Some(first),
        "the refused insert leaves the first admin unchanged"
    );
}

/// `create_customer` stores every field; lookups by id and email return it;
/// `set_customer_active` flips the flag and reports whether the customer exists.
pub fn customer_round_trips_and_toggles_active<S: Store>(store: &S) {
    let new_customer = NewCustomer {
        is_active: false,
        ..sample_customer(1)
    };
    let created = ok(
        store.create_customer(new_customer.clone()),
        "create_customer",
    );
    let expected = Customer {
        id: created.id,
        email: new_customer.email.clone(),
        firstname: new_customer.firstname,
        lastname: new_customer.lastname,
        password_hash: new_customer.password_hash,
        is_active: false,
        created_at: new_customer.created_at,
    };
    assert_eq!(
        created, expected,
        "create_customer stores every field, inactive included"
    );
    assert_eq!(
        ok(store.customer_by_id(created.id), "customer_by_id"),
        Some(expected.clone())
    );
    assert_eq!(
        ok(
            store.customer_by_email(&new_customer.email),
            "customer_by_email"
        ),
        Some(expected.clone())
    );
    let other = ok(store.create_customer(sample_customer(2)), "create_customer");
    assert_ne!(other.id, created.id, "each customer gets its own id");

    assert!(ok(
        store.set_customer_active(created.id, true),
        "set_customer_active"
    ));
    assert_eq!(
        ok(store.customer_by_id(created.id), "customer_by_id"),
        Some(Customer {
            is_active: true,
            ..expected.clone()
        }),
        "set_customer_active(true) activates and changes nothing else"
    );
    assert!(ok(
        store.set_customer_active(created.id, false),
        "set_customer_active"
    ));
    assert_eq!(
        ok(store.customer_by_id(created.id), "customer_by_id"),
        Some(expected)
    );
    assert_eq!(
        ok(store.customer_by_id(other.id), "customer_by_id").map(|customer| customer.is_active),
        Some(true),
        "set_customer_active leaves other customers alone"
    );

    let unknown = CustomerId(unknown_id(created.id.0.max(other.id.0)));
    assert!(
        !ok(
            store.set_customer_active(unknown, true),
            "set_customer_active"
        ),
        "set_customer_active of an unknown customer returns false"
    );
    assert_eq!(ok(store.customer_by_id(unknown), "customer_by_id"), None);
    assert_eq!(
        ok(
            store.customer_by_email("nobody@example.com"),
            "customer_by_email"
        ),
        None
    );
}

/// A second customer with a taken email is refused with
/// `Conflict { what: "customer email" }`.
pub fn customer_email_is_unique<S: Store>(store: &S) {
    let first = ok(store.create_customer(sample_customer(1)), "create_customer");

    let duplicate = NewCustomer {
        firstname: "Someone".to_owned(),
        lastname: "Else".to_owned(),
        ..sample_customer(1)
    };
    assert_conflict(
        store.create_customer(duplicate),
        "customer email",
        "create_customer with a taken email",
    );
    assert_eq!(
        ok(store.customer_by_email(&first.email), "customer_by_email"),
        Some(first),
        "the refused insert leaves the first customer unchanged"
    );
}
