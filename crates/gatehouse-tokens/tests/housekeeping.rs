//! The cleanup jobs on every storage backend at hand: each removes exactly the rows past its
//! boundary, one second either side, in batches, and never a row that still protects
//! something.

#![allow(
    clippy::unwrap_used,
    reason = "scenarios and helpers run only under #[test]: a failed unwrap is a failed test"
)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use gatehouse_diesel::DieselStore;
use gatehouse_domain::memory::MemoryStore;
use gatehouse_domain::{
    AdminId, ConsumerId, CustomerId, FixedClock, NewAdminUser, NewConsumer, NewCustomer, NewToken,
    Nonce, NonceOutcome, Random, Sealed, SequenceRandom, Store, TokenKind, TokenOwner,
    TokenRevocation, UserRevocation, UserType,
};
use gatehouse_tokens::crypto::CryptKeys;
use gatehouse_tokens::housekeeping::{
    delete_expired_lockouts, delete_expired_revocations, delete_expired_user_tokens,
    delete_old_nonces, delete_old_request_tokens, run_all, CleanupReport, HousekeepingSettings,
};
use gatehouse_tokens::jwt::EXPIRED_TOKEN;
use gatehouse_tokens::password::PasswordParams;
use gatehouse_tokens::revocation::REVOKED_TOKEN;
use gatehouse_tokens::users::{CustomerAccount, TokenSettings, UserTokenService};
use gatehouse_tokens::Context;

const NOW: i64 = 1_700_000_000;

struct Rows {
    store: Arc<dyn Store>,
    random: SequenceRandom,
}

impl Rows {
    fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            random: SequenceRandom::new(5),
        }
    }

    fn admin(&self) -> AdminId {
        let username = self.random.credential(8);
        self.store
            .create_admin(NewAdminUser {
                email: format!("{username}@example.com"),
                username,
                password_hash: "$argon2id$unused".into(),
                is_active: true,
                created_at: NOW,
            })
            .unwrap()
            .id
    }

    fn customer(&self) -> CustomerId {
        self.store
            .create_customer(NewCustomer {
                email: format!("{}@example.com", self.random.credential(8)),
                firstname: "Ann".into(),
                lastname: "Lee".into(),
                password_hash: "$argon2id$unused".into(),
                is_active: true,
                created_at: NOW,
            })
            .unwrap()
            .id
    }

    fn consumer(&self) -> ConsumerId {
        self.store
            .create_consumer(NewConsumer {
                name: "Integration1".into(),
                key: gatehouse_domain::ConsumerKey::generate(&self.random),
                sealed_secret: Sealed::from_bytes(vec![1]),
                callback_url: None,
                rejected_callback_url: None,
                created_at: NOW,
            })
            .unwrap()
            .id
    }

    fn token(&self, owner: TokenOwner, kind: TokenKind, created_at: i64) {
        self.store
            .create_token(NewToken {
                owner,
                kind,
                token_digest: gatehouse_domain::Digest::from_hex(self.random.credential(64)),
                sealed_secret: Sealed::from_bytes(vec![2]),
                verifier_digest: None,
                callback_url: "oob".into(),
                authorized: false,
                created_at,
            })
            .unwrap();
    }

    fn nonce(&self, consumer_id: ConsumerId, timestamp: i64) {
        let nonce = Nonce::generate(&self.random);
        assert_eq!(
            self.store
                .record_nonce(consumer_id, &nonce, timestamp)
                .unwrap(),
            NonceOutcome::Recorded
        );
    }
}

fn settings() -> HousekeepingSettings {
    HousekeepingSettings::default()
}

// ---------------------------------------------------------------------------------------------
// One job at a time, at its boundary.

fn opaque_user_tokens_expire_after_their_lifetimes(store: Arc<dyn Store>) {
    let rows = Rows::new(store.clone());
    let admin = TokenOwner::Admin(rows.admin());
    let customer = TokenOwner::Customer(rows.customer());
    let consumer = TokenOwner::Consumer(rows.consumer());
    rows.token(admin, TokenKind::Access, NOW - 4 * 3600);
    rows.token(admin, TokenKind::Access, NOW - 4 * 3600 - 1);
    rows.token(customer, TokenKind::Access, NOW - 3600);
    rows.token(customer, TokenKind::Access, NOW - 3600 - 1);
    rows.token(customer, TokenKind::Access, NOW - 3600 - 2);
    // Integration access tokens never expire.
    rows.token(consumer, TokenKind::Access, NOW - 400 * 24 * 3600);

    let removed = delete_expired_user_tokens(store.as_ref(), &settings(), NOW).unwrap();

    assert_eq!(removed, (1, 2));
    assert_eq!(
        delete_expired_user_tokens(store.as_ref(), &settings(), NOW).unwrap(),
        (0, 0)
    );
    // One second later the tokens at the boundary go too.
    assert_eq!(
        delete_expired_user_tokens(store.as_ref(), &settings(), NOW + 1).unwrap(),
        (1, 1)
    );
}

fn lockouts_are_deleted_once_expired(store: Arc<dyn Store>) {
    store
        .record_login_failure("expired", UserType::Admin, NOW - 10, NOW)
        .unwrap();
    store
        .record_login_failure("current", UserType::Admin, NOW - 10, NOW + 1)
        .unwrap();

    assert_eq!(
        delete_expired_lockouts(store.as_ref(), &settings(), NOW).unwrap(),
        1
    );

    assert!(store
        .login_failures("expired", UserType::Admin)
        .unwrap()
        .is_none());
    assert!(store
        .login_failures("current", UserType::Admin)
        .unwrap()
        .is_some());
    assert_eq!(
        delete_expired_lockouts(store.as_ref(), &settings(), NOW + 1).unwrap(),
        1
    );
}

fn nonces_go_once_their_timestamp_is_outside_the_window(store: Arc<dyn Store>) {
    let rows = Rows::new(store.clone());
    let consumer = rows.consumer();
    rows.nonce(consumer, NOW - 600);
    rows.nonce(consumer, NOW - 601);
    rows.nonce(consumer, NOW - 5000);
    rows.nonce(consumer, NOW + 600);

    assert_eq!(
        delete_old_nonces(store.as_ref(), &settings(), NOW).unwrap(),
        2
    );
    assert_eq!(
        delete_old_nonces(store.as_ref(), &settings(), NOW + 1).unwrap(),
        1
    );
    assert_eq!(
        delete_old_nonces(store.as_ref(), &settings(), NOW + 1).unwrap(),
        0
    );
}

fn request_tokens_go_after_two_hours_and_nothing_else_does(store: Arc<dyn Store>) {
    let rows = Rows::new(store.clone());
    let owner = TokenOwner::Consumer(rows.consumer());
    rows.token(owner, TokenKind::Request, NOW - 7200);
    rows.token(owner, TokenKind::Request, NOW - 7201);
    rows.token(owner, TokenKind::Verifier, NOW - 90_000);
    rows.token(owner, TokenKind::Access, NOW - 90_000);

    assert_eq!(
        delete_old_request_tokens(store.as_ref(), &settings(), NOW).unwrap(),
        1
    );
    assert_eq!(
        delete_old_request_tokens(store.as_ref(), &settings(), NOW + 1).unwrap(),
        1
    );
    assert_eq!(
        delete_old_request_tokens(store.as_ref(), &settings(), NOW + 90_000).unwrap(),
        0
    );
}

fn revocations_go_once_they_cover_only_expired_tokens(store: Arc<dyn Store>) {
    for (user_id, revoke_before) in [(1, NOW - 3600), (2, NOW - 3601)] {
        store
            .revoke_user_tokens(UserRevocation {
                user_type: UserType::Admin,
                user_id,
                revoke_before,
            })
            .unwrap();
    }
    for (token_id, expires_at) in [("current", NOW), ("expired", NOW - 1)] {
        store
            .revoke_single_token(TokenRevocation {
                token_id: token_id.into(),
                user_type: UserType::Customer,
                user_id: 3,
                expires_at,
            })
            .unwrap();
    }

    assert_eq!(
        delete_expired_revocations(store.as_ref(), &settings(), NOW).unwrap(),
        (1, 1)
    );

    assert_eq!(
        store.user_revocation(UserType::Admin, 1).unwrap(),
        Some(NOW - 3600)
    );
    assert_eq!(store.user_revocation(UserType::Admin, 2).unwrap(), None);
    assert!(store.is_token_revoked("current").unwrap());
    assert!(!store.is_token_revoked("expired").unwrap());
    assert_eq!(
        delete_expired_revocations(store.as_ref(), &settings(), NOW + 1).unwrap(),
        (1, 1)
    );
}

fn jobs_work_through_many_batches(store: Arc<dyn Store>) {
    let rows = Rows::new(store.clone());
    let consumer = rows.consumer();
    for offset in 0..25 {
        rows.nonce(consumer, NOW - 1000 - offset);
    }
    let small_batches = HousekeepingSettings {
        batch_size: 4,
        ..settings()
    };

    assert_eq!(
        delete_old_nonces(store.as_ref(), &small_batches, NOW).unwrap(),
        25
    );
}

// ---------------------------------------------------------------------------------------------
// Everything together.

fn run_all_reports_each_job_and_is_idempotent(store: Arc<dyn Store>) {
    let rows = Rows::new(store.clone());
    let consumer = rows.consumer();
    rows.token(
        TokenOwner::Admin(rows.admin()),
        TokenKind::Access,
        NOW - 5 * 3600,
    );
    rows.token(
        TokenOwner::Consumer(consumer),
        TokenKind::Request,
        NOW - 3 * 3600,
    );
    rows.nonce(consumer, NOW - 700);
    store
        .record_login_failure("someone", UserType::Customer, NOW - 2000, NOW - 200)
        .unwrap();
    let clock = Arc::new(FixedClock::new(NOW));
    let ctx = Context {
        store: store.clone(),
        clock,
        random: Arc::new(SequenceRandom::new(1)),
        keys: Arc::new(CryptKeys::parse("0123456789abcdefghijklmnopqrstuv").unwrap()),
    };

    let report = run_all(&ctx, &settings()).unwrap();

    assert_eq!(
        report,
        CleanupReport {
            expired_admin_tokens: 1,
            expired_customer_tokens: 0,
            expired_lockouts: 1,
            old_nonces: 1,
            old_request_tokens: 1,
            expired_user_revocations: 0,
            expired_token_revocations: 0,
        }
    );
    assert!(report.to_string().contains("old nonces: 1\n"));
    assert!(report.to_string().ends_with("total: 4"));
    assert_eq!(
        run_all(&ctx, &settings()).unwrap(),
        CleanupReport::default()
    );
}

fn cleanup_never_brings_a_revoked_token_back(store: Arc<dyn Store>) {
    let clock = Arc::new(FixedClock::new(NOW));
    let ctx = Context {
        store: store.clone(),
        clock: clock.clone(),
        random: Arc::new(SequenceRandom::new(2)),
        keys: Arc::new(CryptKeys::parse("0123456789abcdefghijklmnopqrstuv").unwrap()),
    };
    let tokens = TokenSettings {
        password: PasswordParams::INSECURE_FOR_TESTS,
        revocation_cache_ttl: Duration::ZERO,
        ..TokenSettings::default()
    };
    let service = UserTokenService::new(ctx.clone(), tokens.clone()).unwrap();
    let customer = service
        .create_customer(CustomerAccount {
            email: "ann@example.com",
            password: "pw",
            firstname: "Ann",
            lastname: "Lee",
        })
        .unwrap();
    let revoked_alone = service
        .issue_customer_token("ann@example.com", "pw")
        .unwrap();
    service.revoke_token(&revoked_alone).unwrap();
    clock.set(NOW + 1);
    let revoked_with_user = service
        .issue_customer_token("ann@example.com", "pw")
        .unwrap();
    service
        .revoke_user(UserType::Customer, customer.id.0)
        .unwrap();
    let settings = HousekeepingSettings::new(&tokens, 600);

    // Through the last second of validity the revocations stay and the tokens stay refused.
    clock.set(NOW + 3600);
    assert_eq!(run_all(&ctx, &settings).unwrap().total(), 0);
    assert_eq!(
        service
            .authenticate_bearer(&revoked_alone)
            .unwrap_err()
            .message()
            .render(),
        REVOKED_TOKEN
    );
    clock.set(NOW + 3601);
    let report = run_all(&ctx, &settings).unwrap();
    assert_eq!(report.expired_token_revocations, 1);
    assert_eq!(report.expired_user_revocations, 0);
    assert_eq!(
        service
            .authenticate_bearer(&revoked_with_user)
            .unwrap_err()
            .message()
            .render(),
        REVOKED_TOKEN
    );

    // Once both are refused for expiry alone, the revocations go.
    clock.set(NOW + 3602);
    assert_eq!(
        run_all(&ctx, &settings).unwrap().expired_user_revocations,
        1
    );
    for token in [&revoked_alone, &revoked_with_user] {
        assert_eq!(
            service
                .authenticate_bearer(token)
                .unwrap_err()
                .message()
                .render(),
            EXPIRED_TOKEN
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Backends.

macro_rules! backend_tests {
    ($backend:ident => $make_store:expr) => {
        mod $backend {
            use super::*;

            backend_tests!(@tests $make_store;
                opaque_user_tokens_expire_after_their_lifetimes,
                lockouts_are_deleted_once_expired,
                nonces_go_once_their_timestamp_is_outside_the_window,
                request_tokens_go_after_two_hours_and_nothing_else_does,
                revocations_go_once_they_cover_only_expired_tokens,
                jobs_work_through_many_batches,
                run_all_reports_each_job_and_is_idempotent,
                cleanup_never_brings_a_revoked_token_back,
            );
        }
    };
    (@tests $make_store:expr; $($scenario:ident),* $(,)?) => {
        $(
            #[test]
            fn $scenario() {
                let (store, _database) = $make_store;
                super::$scenario(store);
            }
        )*
    };
}

fn memory_store() -> (Arc<dyn Store>, Option<TempDatabase>) {
    (Arc::new(MemoryStore::new()), None)
}

/// A SQLite database file, deleted when dropped.
struct TempDatabase(PathBuf);

impl Drop for TempDatabase {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A fresh, migrated SQLite database in a temporary file.
fn sqlite_store() -> (Arc<dyn Store>, Option<TempDatabase>) {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "gatehouse-tokens-housekeeping-{}-{}.db",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let database = TempDatabase(path.clone());
    let store = DieselStore::connect(&format!("sqlite://{}", path.display()), 2).unwrap();
    store.run_pending_migrations().unwrap();
    (Arc::new(store), Some(database))
}

backend_tests!(memory => memory_store());
backend_tests!(sqlite => sqlite_store());
