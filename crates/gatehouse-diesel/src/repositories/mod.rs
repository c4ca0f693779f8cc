//! The repository traits of `gatehouse-domain`, implemented on [`DieselStore`](crate::DieselStore).
//!
//! Each method is one statement or one transaction, run through
//! [`DieselStore::run`](crate::DieselStore), which translates failures into
//! [`StorageError`](gatehouse_domain::StorageError).
//!
//! SQLite detail: a transaction that writes starts with its write, never with a read. A
//! deferred SQLite transaction that read first cannot wait for the write lock (it fails at
//! once with "database is locked"), while one that writes first waits up to the busy timeout.
//!
//! Look-ups by a unique key read with `get_result`, not `first`: `first` adds a bound
//! `LIMIT ?`, and SQLite re-prepares a statement whenever a bound `LIMIT` is bound again, so
//! diesel's statement cache never helped those look-ups (19 % of the server's CPU on the
//! signed route, docs/benchmarks.md). A unique key finds one row at most, so the limit was
//! never needed; `first` stays where the order picks one row of several.

mod acl;
mod integration;
mod login;
mod oauth;
mod revocation;
mod users;

pub(crate) use oauth::QueuedNonce;

/// A batch size as SQL binds it; sizes beyond `i64::MAX` mean "no limit" anyway.
fn limit_bind(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}
