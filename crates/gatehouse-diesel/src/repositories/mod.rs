//! The repository traits of `gatehouse-domain`, implemented on [`DieselStore`](crate::DieselStore).
//!
//! Each method is one statement or one transaction, run through
//! [`DieselStore::run`](crate::DieselStore), which translates failures into
//! [`StorageError`](gatehouse_domain::StorageError).
//!
//! SQLite detail: a transaction that writes starts with its write, never with a read. A
//! deferred SQLite transaction that read first cannot wait for the write lock (it fails at
//! once with "database is locked"), while one that writes first waits up to the busy timeout.

mod acl;
mod integration;
mod login;
mod oauth;
mod revocation;
mod users;

/// A batch size as SQL binds it; sizes beyond `i64::MAX` mean "no limit" anyway.
fn limit_bind(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}
