//! # Writing a storage backend for Gatehouse: a worked example
//!
//! Gatehouse's services never talk to a database directly. They talk to the repository traits
//! of `gatehouse-domain`, one trait per role, and anything that implements all of them is a
//! [`Store`](gatehouse_domain::Store) the services run on. This crate is such a backend,
//! [`TableStore`], written the way you would write yours, and this page is the walk through
//! it.
//!
//! `TableStore` keeps every table in memory, each behind a read-write lock of its own, with a
//! map per index. It is small enough to read in one sitting, and different on purpose from the
//! in-memory store Gatehouse ships (`gatehouse_domain::memory::MemoryStore`, one lock for
//! everything): the contracts below do not care how a backend meets them, only that it does.
//!
//! ## 1. Depend on the domain crate, and on its test suite for your tests
//!
//! ```toml
//! [dependencies]
//! gatehouse-domain = "…"
//!
//! [dev-dependencies]
//! gatehouse-domain = { version = "…", features = ["conformance"] }
//! ```
//!
//! ## 2. Implement every repository trait
//!
//! | trait | here | what it stores |
//! |---|---|---|
//! | `ConsumerRepository` | `consumers.rs` | OAuth consumers; deleting one cascades |
//! | `TokenRepository` | `tokens.rs` | verifier, request, access and bearer token rows |
//! | `NonceRepository` | `nonces.rs` | used nonces, against replay |
//! | `IntegrationRepository` | `integrations.rs` | integrations |
//! | `LoginFailureRepository` | `login_failures.rs` | failed-login counters |
//! | `RevocationRepository` | `revocations.rs` | revoked users and tokens |
//! | `AdminRepository`, `CustomerRepository` | `users.rs` | accounts |
//! | `AclRepository` | `acl.rs` | an integration's granted resources |
//! | `StoreHealth` | `store.rs` | reachability, for `/ready` |
//!
//! Every method is synchronous and may block: the HTTP layer runs them on a blocking pool. The
//! `Store` trait is implemented for you once every role is, provided the type is
//! `Send + Sync`.
//!
//! ## 3. Meet the contracts written on the traits
//!
//! The trait docs are the specification; the ones that shape a design are:
//!
//! - **Atomic steps.** Recording a nonce is a check-and-insert, counting a login failure is an
//!   upsert, converting a token is a compare-and-set on its kind, and deleting a consumer takes
//!   its tokens, nonces and integration with it. Each must be one indivisible step for every
//!   concurrent caller. A database gets that from constraints and transactions; `TableStore`
//!   gets it by doing each step under the write lock of its table, and by locking several
//!   tables in one fixed order when a step spans them (see `store.rs`).
//! - **Unique rules** answer [`StorageError::Conflict`](gatehouse_domain::StorageError) with
//!   the `what` each trait names (`"consumer key"`, `"token"`, `"integration name"`,
//!   `"admin username"`, `"customer email"`, `"role"`).
//! - **References** to rows that do not exist (a token's owner, a nonce's or an integration's
//!   consumer, the role whose rules are replaced) answer
//!   [`StorageError::MissingReference`](gatehouse_domain::StorageError).
//! - **Absence is not an error**: lookups answer `Ok(None)`, updates and deletes `Ok(false)`.
//! - **Ids** count up and are never reused; **text compares exactly** (no case folding, no
//!   trimming); **sealed secrets are arbitrary bytes**, not text.
//! - **Housekeeping deletes** remove at most `limit` rows and say how many they removed.
//! - **Storage never holds a usable credential**: only the digests and sealed bytes the
//!   services hand over. Never log them either; `TableStore`'s `Debug` shows row counts only.
//!
//! A real database backend must also hold these guarantees across processes: several
//! Gatehouse processes may share one database, so a lock in your process is not enough there.
//! An in-memory store serves one process and says so.
//!
//! ## 4. Run the conformance suite
//!
//! The suite is one test per promise of the traits. This crate runs it in
//! `tests/conformance.rs`, which is all it takes:
//!
//! ```
//! gatehouse_domain::store_conformance_tests!(example_custom_backend::TableStore::new());
//! # fn main() {}
//! ```
//!
//! The expression is evaluated once per test, so each test gets a fresh, empty store (for a
//! database: a fresh database or schema). Add tests of your own for what only your design can
//! get wrong; `tests/lock_order.rs` races a cascade against inserts that must not outlive it.
//!
//! ## 5. Hand it to the services
//!
//! ```
//! use std::sync::Arc;
//!
//! use example_custom_backend::TableStore;
//! use gatehouse_domain::{SystemClock, SystemRandom};
//! use gatehouse_tokens::crypto::CryptKeys;
//! use gatehouse_tokens::{Context, TokenSettings, UserTokenService};
//!
//! let context = Context {
//!     store: Arc::new(TableStore::new()),
//!     clock: Arc::new(SystemClock),
//!     random: Arc::new(SystemRandom::new()),
//!     keys: Arc::new(CryptKeys::parse("keep this crypt key with the data")?),
//! };
//! let users = UserTokenService::new(context, TokenSettings::default())?;
//! # Ok::<(), gatehouse_tokens::TokensError>(())
//! ```
//!
//! From there the services, the HTTP layer (`gatehouse_actix::Services`) and the housekeeping
//! jobs work on your backend exactly as on the shipped ones; `src/main.rs` runs a short demo.

mod acl;
mod consumers;
mod integrations;
mod login_failures;
mod nonces;
mod revocations;
mod store;
mod tokens;
mod users;

pub use store::{RowCounts, TableStore};
