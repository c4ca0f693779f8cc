//! Cases for [`StoreHealth`](crate::StoreHealth).

use super::ok;
use super::samples::sample_admin;
use crate::repository::Store;

/// A fresh, reachable store answers `ping`, and still does after serving a write and a read.
pub fn ping_succeeds<S: Store>(store: &S) {
    ok(store.ping(), "ping of a fresh store");

    let admin = ok(store.create_admin(sample_admin(1)), "create_admin");
    ok(store.admin_by_id(admin.id), "admin_by_id");

    ok(store.ping(), "ping after a write and a read");
}
