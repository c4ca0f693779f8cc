//! The conformance suite of the repository traits: one test per behaviour the traits promise,
//! written once and run against every backend.
//!
//! Each case is a plain function taking a fresh store, `fn case<S: Store>(store: &S)`, that
//! panics with a message naming the broken promise when the backend breaks it. The
//! concurrency cases take `Arc<S>` and race threads against each other.
//!
//! # Running it against a backend
//!
//! Turn on the `conformance` feature in the backend's `[dev-dependencies]`:
//!
//! ```toml
//! [dev-dependencies]
//! gatehouse-domain = { workspace = true, features = ["conformance"] }
//! ```
//!
//! then, in an integration test (for example `tests/conformance.rs`), invoke
//! [`store_conformance_tests!`](crate::store_conformance_tests) with an expression that builds a
//! fresh, empty store. It expands to one `#[test]` per case, named after the case, and
//! evaluates the expression once in each test:
//!
//! ```
//! # mod my_backend {
//! #     pub struct MyStore;
//! #     impl MyStore {
//! #         pub fn connect(_url: &str) -> Result<gatehouse_domain::memory::MemoryStore, String> {
//! #             Ok(gatehouse_domain::memory::MemoryStore::new())
//! #         }
//! #     }
//! # }
//! # mod my_test_support {
//! #     pub fn create_empty_database() -> String {
//! #         "sqlite::memory:".to_owned()
//! #     }
//! # }
//! // A fresh database per test: the store owns whatever must live as long as the test.
//! fn fresh_store() -> impl gatehouse_domain::Store + 'static {
//!     my_backend::MyStore::connect(&my_test_support::create_empty_database())
//!         .expect("the test database is reachable")
//! }
//!
//! gatehouse_domain::store_conformance_tests!(fresh_store());
//! # fn main() {}
//! ```
//!
//! To run the suite against several backends from one file, invoke the macro once per module:
//! `mod sqlite { gatehouse_domain::store_conformance_tests!(super::sqlite_store()); }`.
//!
//! # What the cases assume
//!
//! The store is fresh for each case, and a case counts only rows it created itself. No case
//! assumes particular id values: ids are only compared with each other, and "unknown" ids are
//! taken well above the ones the case was given. `StorageError::Conflict` must carry the
//! `what` a trait documents; where a trait names no `what` (a conversion to a taken digest, an
//! update to a taken name) any conflict passes, and so does any `what` of a
//! `StorageError::MissingReference`.
//!
//! Text is compared exactly: a nonce or a consumer key that differs only in letter case or in a
//! trailing space is a different value. Resources come back in byte order (`String`'s `Ord`),
//! whatever the database's collation. Sealed bytes are arbitrary binary.
//!
//! # Failing output
//!
//! The cases panic through `assert!` and friends, with a message saying which promise failed;
//! panicking is what this module is for, which is why it is compiled only with its feature.

use std::fmt::Debug;

use crate::error::StorageError;
use crate::repository::StorageResult;

mod acl;
mod concurrency;
mod consumers;
mod health;
mod integrations;
mod login_failures;
mod nonces;
mod revocations;
mod round_trips;
mod samples;
mod tokens;
mod users;

pub use acl::*;
pub use concurrency::*;
pub use consumers::*;
pub use health::*;
pub use integrations::*;
pub use login_failures::*;
pub use nonces::*;
pub use revocations::*;
pub use round_trips::*;
pub use samples::*;
pub use tokens::*;
pub use users::*;

/// Expands to one `#[test]` per conformance case, each running the case against a fresh store
/// built by the given expression.
///
/// The expression is evaluated once per test, inside the test. Plain cases borrow the store;
/// the concurrency cases wrap it in an `Arc`, so the store type must be `'static`.
///
/// ```
/// // The in-memory store passes the whole suite:
/// gatehouse_domain::store_conformance_tests!(gatehouse_domain::memory::MemoryStore::new());
/// # fn main() {}
/// ```
///
/// See the [`conformance`](crate::conformance) module for how a backend's tests use it.
#[macro_export]
macro_rules! store_conformance_tests {
    ($make_store:expr $(,)?) => {
        $crate::store_conformance_tests!(@cases ($make_store)
            borrowed [
                consumer_round_trips,
                consumer_lookups_miss_unknown,
                consumer_key_is_unique,
                consumer_key_lookup_is_exact,
                touch_consumer_sets_updated_at,
                delete_consumer_cascades,
                token_round_trips,
                token_lookups_miss_unknown,
                token_digest_is_unique,
                token_owner_must_exist,
                token_by_consumer_returns_newest,
                convert_token_moves_one_stage,
                convert_token_requires_expected_kind,
                convert_token_refuses_taken_digest,
                revoke_token_row_marks_revoked,
                delete_tokens_of_consumer_removes_only_its_tokens,
                delete_user_tokens_honours_type_boundary_and_limit,
                delete_consumer_tokens_spares_access_tokens,
                nonce_is_recorded_once_per_consumer,
                nonces_compare_exactly,
                record_nonces_answers_each_record,
                delete_nonces_before_honours_boundary_and_limit,
                integration_round_trips,
                integration_lookups_miss_unknown,
                integration_name_is_unique,
                update_integration_saves_every_field_but_id_and_created_at,
                update_integration_refuses_taken_name,
                list_integrations_orders_by_id,
                delete_integration_keeps_consumer,
                login_failures_count_within_lock,
                login_failures_restart_when_lock_lapses,
                reset_login_failures_forgets_one_user,
                delete_expired_login_failures_honours_boundary_and_limit,
                user_revocation_watermark_only_rises,
                token_revocation_is_idempotent,
                delete_user_revocations_honours_boundary_and_limit,
                delete_expired_token_revocations_honours_boundary_and_limit,
                admin_round_trips_and_toggles_active,
                admin_username_is_unique,
                customer_round_trips_and_toggles_active,
                customer_email_is_unique,
                role_round_trips,
                role_is_unique_per_user,
                replace_role_resources_dedups_and_sorts,
                delete_role_removes_rules,
                ping_succeeds,
                large_timestamps_round_trip,
                binary_text_and_flags_round_trip,
            ]
            shared [
                concurrent_nonce_records_admit_one,
                concurrent_nonce_records_get_their_own_answers,
                concurrent_login_failures_all_count,
                concurrent_conversions_admit_one,
                concurrent_consumer_creates_admit_one,
                concurrent_role_reads_see_whole_lists,
            ]
        );
    };
    (@cases ($make_store:expr) borrowed [$($borrowed:ident,)*] shared [$($shared:ident,)*]) => {
        $(
            #[test]
            fn $borrowed() {
                let store = $make_store;
                $crate::conformance::$borrowed(&store);
            }
        )*
        $(
            #[test]
            fn $shared() {
                let store = ::std::sync::Arc::new($make_store);
                $crate::conformance::$shared(store);
            }
        )*
    };
}

/// The value of a call that must succeed; panics naming the call otherwise.
#[track_caller]
fn ok<T>(result: StorageResult<T>, call: &str) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("{call} failed: {error} ({error:?})"),
    }
}

/// Asserts that a call failed with `Conflict { what }`.
#[track_caller]
fn assert_conflict<T: Debug>(result: StorageResult<T>, what: &str, call: &str) {
    match result {
        Err(StorageError::Conflict { what: actual }) => assert_eq!(
            actual, what,
            "{call}: the conflict must name the unique rule {what:?}"
        ),
        other => panic!("{call}: expected Conflict {{ what: {what:?} }}, got {other:?}"),
    }
}

/// Asserts that a call failed with a `Conflict`, whatever rule it names.
#[track_caller]
fn assert_any_conflict<T: Debug>(result: StorageResult<T>, call: &str) {
    assert!(
        matches!(result, Err(StorageError::Conflict { .. })),
        "{call}: expected a Conflict, got {result:?}"
    );
}

/// Asserts that a call failed with a `MissingReference`.
#[track_caller]
fn assert_missing_reference<T: Debug>(result: StorageResult<T>, call: &str) {
    assert!(
        matches!(result, Err(StorageError::MissingReference { .. })),
        "{call}: expected a MissingReference, got {result:?}"
    );
}

/// An id no row has: far above `known`, the largest id the case was given.
fn unknown_id(known: i64) -> i64 {
    known + 1_000_000
}
