//! Admin and customer tokens through [`UserTokenService`], on every storage backend at hand:
//! the messages and classes of behaviour.md §6, throttling, expiry, revocation and the
//! integration bearer tokens of §5, with a fixed clock on both sides of every boundary.
//!
//! Each scenario is a function taking a fresh store; `backend_tests!` runs all of them on
//! each backend.

#![allow(
    clippy::unwrap_used,
    reason = "scenarios and helpers run only under #[test]: a failed unwrap is a failed test"
)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gatehouse_acl::Principal;
use gatehouse_diesel::DieselStore;
use gatehouse_domain::memory::MemoryStore;
use gatehouse_domain::{
    AdminId, CustomerId, ErrorClass, FixedClock, IntegrationId, IntegrationStatus, NewConsumer,
    NewIntegration, NewRole, NewToken, Random, Sealed, SequenceRandom, SetupType, Store, TokenKind,
    TokenOwner, UserType,
};
use gatehouse_tokens::crypto::CryptKeys;
use gatehouse_tokens::events::{Event, Observer};
use gatehouse_tokens::jwt::{JwtAlgorithm, JwtCodec, UserTokenClaims, EXPIRED_TOKEN};
use gatehouse_tokens::password::PasswordParams;
use gatehouse_tokens::revocation::REVOKED_TOKEN;
use gatehouse_tokens::throttle::LockoutSettings;
use gatehouse_tokens::users::{
    AdminAccount, CustomerAccount, TokenSettings, UserTokenService, DUPLICATE_ADMIN,
    DUPLICATE_CUSTOMER, INTEGRATION_NOT_ACTIVE, NOT_AN_ACCESS_TOKEN, NO_SUCH_TOKEN,
    REVOKED_ACCESS_TOKEN, SIGN_IN_FAILED, TOKEN_HAS_NO_ID,
};
use gatehouse_tokens::{Context, TokensError};

const NOW: i64 = 1_700_000_000;
const CRYPT_KEY: &str = "0123456789abcdefghijklmnopqrstuv";
const PASSWORD: &str = "correct horse battery staple";

struct Harness {
    ctx: Context,
    clock: Arc<FixedClock>,
    service: UserTokenService,
}

impl Harness {
    fn new(store: Arc<dyn Store>) -> Self {
        Self::with(store, TokenSettings::default())
    }

    fn with(store: Arc<dyn Store>, settings: TokenSettings) -> Self {
        Self::with_key(store, settings, CRYPT_KEY)
    }

    fn with_key(store: Arc<dyn Store>, settings: TokenSettings, crypt_key: &str) -> Self {
        let clock = Arc::new(FixedClock::new(NOW));
        let ctx = Context {
            store,
            clock: clock.clone(),
            random: Arc::new(SequenceRandom::new(11)),
            keys: Arc::new(CryptKeys::parse(crypt_key).unwrap()),
        };
        let settings = TokenSettings {
            password: PasswordParams::INSECURE_FOR_TESTS,
            revocation_cache_ttl: Duration::ZERO,
            ..settings
        };
        let service = UserTokenService::new(ctx.clone(), settings).unwrap();
        Self {
            ctx,
            clock,
            service,
        }
    }

    /// Another process on the same store and keys, with its own clock and cache.
    fn replica(&self, settings: TokenSettings) -> UserTokenService {
        let settings = TokenSettings {
            password: PasswordParams::INSECURE_FOR_TESTS,
            ..settings
        };
        UserTokenService::new(self.ctx.clone(), settings).unwrap()
    }

    fn admin(&self, username: &str) -> AdminId {
        self.service
            .create_admin(AdminAccount {
                username,
                password: PASSWORD,
                email: &format!("{username}@example.com"),
            })
            .unwrap()
            .id
    }

    fn customer(&self, email: &str) -> CustomerId {
        self.service
            .create_customer(CustomerAccount {
                email,
                password: PASSWORD,
                firstname: "Ann",
                lastname: "Lee",
            })
            .unwrap()
            .id
    }

    fn codec(&self) -> JwtCodec {
        JwtCodec::new(&self.ctx.keys, JwtAlgorithm::Hs256)
    }
}

fn refusal(error: TokensError) -> (ErrorClass, String) {
    (error.class(), error.message().render())
}

fn sign_in_failed() -> (ErrorClass, String) {
    (ErrorClass::Authentication, SIGN_IN_FAILED.to_owned())
}

fn revoked() -> (ErrorClass, String) {
    (ErrorClass::Authentication, REVOKED_TOKEN.to_owned())
}

// ---------------------------------------------------------------------------------------------
// Logins.

fn admin_login_issues_a_jwt_for_the_admin(store: Arc<dyn Store>) {
    let harness = Harness::new(store);
    let admin_id = harness.admin("alice");

    let token = harness
        .service
        .issue_admin_token("alice", PASSWORD)
        .unwrap();

    let claims = harness.codec().read(&token, NOW).unwrap();
    assert_eq!(claims.user_type, UserType::Admin);
    assert_eq!(claims.user_id, admin_id.0);
    assert_eq!(claims.issued_at, NOW);
    assert_eq!(claims.expires_at, NOW + 3600);
    assert_eq!(claims.token_id.as_deref().map(str::len), Some(32));
    assert_eq!(
        harness.service.authenticate_bearer(&token).unwrap(),
        Principal::Admin(admin_id)
    );
}

fn customer_login_issues_a_jwt_and_tells_observers(store: Arc<dyn Store>) {
    #[derive(Default)]
    struct Recorder(Mutex<Vec<(String, String)>>);
    impl Observer for Recorder {
        fn on_event(&self, event: &Event) {
            let Event::CustomerLogin(customer) = event else {
                return;
            };
            self.0
                .lock()
                .unwrap()
                .push((event.name().to_owned(), customer.email.clone()));
        }
    }

    let harness = Harness::new(store);
    let customer_id = harness.customer("ann@example.com");
    let recorder = Arc::new(Recorder::default());
    harness.service.events().register(recorder.clone());

    let token = harness
        .service
        .issue_customer_token("ann@example.com", PASSWORD)
        .unwrap();

    assert_eq!(
        harness.service.authenticate_bearer(&token).unwrap(),
        Principal::Customer(customer_id)
    );
    let claims = harness.codec().read(&token, NOW).unwrap();
    assert_eq!(claims.user_type, UserType::Customer);
    assert_eq!(
        *recorder.0.lock().unwrap(),
        vec![("customer_login".to_owned(), "ann@example.com".to_owned())]
    );

    // A failed login tells nobody.
    assert!(harness
        .service
        .issue_customer_token("ann@example.com", "wrong")
        .is_err());
    assert_eq!(recorder.0.lock().unwrap().len(), 1);
}

fn missing_fields_are_input_errors_username_first(store: Arc<dyn Store>) {
    let harness = Harness::new(store);
    let rendered = |error: TokensError| -> (ErrorClass, String, Vec<String>) {
        let TokensError::InputErrors(messages) = &error else {
            panic!("expected input errors, got {error:?}");
        };
        let messages = messages.iter().map(|message| message.render()).collect();
        (error.class(), error.message().render(), messages)
    };

    let both = harness.service.issue_admin_token("", "").unwrap_err();
    let TokensError::InputErrors(templates) = &both else {
        panic!("expected input errors");
    };
    assert_eq!(
        templates[0].template,
        "\"%fieldName\" is required. Enter and try again."
    );
    assert_eq!(
        templates[0].parameters,
        vec![("fieldName".into(), "username".to_owned())]
    );
    assert_eq!(
        rendered(both),
        (
            ErrorClass::Input,
            "One or more input exceptions have occurred.".to_owned(),
            vec![
                "\"username\" is required. Enter and try again.".to_owned(),
                "\"password\" is required. Enter and try again.".to_owned(),
            ]
        )
    );

    let password_only = harness
        .service
        .issue_customer_token("ann@example.com", "")
        .unwrap_err();
    assert_eq!(
        rendered(password_only).2,
        vec!["\"password\" is required. Enter and try again."]
    );
    let username_only = harness
        .service
        .issue_customer_token("", PASSWORD)
        .unwrap_err();
    assert_eq!(
        rendered(username_only).2,
        vec!["\"username\" is required. Enter and try again."]
    );

    // Missing fields are not login failures: nothing is counted.
    assert!(harness
        .ctx
        .store
        .login_failures("", UserType::Admin)
        .unwrap()
        .is_none());
}

fn wrong_password_unknown_user_and_inactive_account_are_refused_alike(store: Arc<dyn Store>) {
    let harness = Harness::new(store);
    harness.admin("alice");
    harness.customer("ann@example.com");
    harness.admin("idle");
    harness.service.deactivate_admin("idle").unwrap();

    let refusals = [
        harness.service.issue_admin_token("alice", "wrong"),
        harness.service.issue_admin_token("nobody", PASSWORD),
        harness.service.issue_admin_token("idle", PASSWORD),
        // An admin's name is no customer, and the other way round.
        harness.service.issue_customer_token("alice", PASSWORD),
        harness
            .service
            .issue_admin_token("ann@example.com", PASSWORD),
        harness
            .service
            .issue_customer_token("ann@example.com", "wrong"),
    ];

    for refused in refusals {
        assert_eq!(refusal(refused.unwrap_err()), sign_in_failed());
    }
    assert_eq!(
        harness
            .ctx
            .store
            .login_failures("nobody", UserType::Admin)
            .unwrap()
            .map(|failures| failures.failures_count),
        Some(1)
    );
}

fn inactive_customer_cannot_log_in(store: Arc<dyn Store>) {
    let harness = Harness::new(store);
    harness.customer("ann@example.com");
    harness
        .service
        .deactivate_customer("ann@example.com")
        .unwrap();

    let refused = harness
        .service
        .issue_customer_token("ann@example.com", PASSWORD)
        .unwrap_err();

    assert_eq!(refusal(refused), sign_in_failed());
}

// ---------------------------------------------------------------------------------------------
// Throttling.

fn lockout_refuses_correct_credentials_until_it_expires(store: Arc<dyn Store>) {
    let harness = Harness::new(store);
    harness.admin("alice");

    for _ in 0..6 {
        let refused = harness
            .service
            .issue_admin_token("alice", "wrong")
            .unwrap_err();
        assert_eq!(refusal(refused), sign_in_failed());
    }

    // Locked from the sixth failure until now + 1800, exclusive.
    harness.clock.set(NOW + 1799);
    let refused = harness
        .service
        .issue_admin_token("alice", PASSWORD)
        .unwrap_err();
    assert_eq!(refusal(refused), sign_in_failed());

    harness.clock.set(NOW + 1800);
    assert!(harness.service.issue_admin_token("alice", PASSWORD).is_ok());
}

fn success_before_the_limit_resets_the_count(store: Arc<dyn Store>) {
    let harness = Harness::new(store);
    harness.admin("alice");

    for _ in 0..5 {
        assert!(harness.service.issue_admin_token("alice", "wrong").is_err());
    }
    assert!(harness.service.issue_admin_token("alice", PASSWORD).is_ok());
    assert!(harness
        .ctx
        .store
        .login_failures("alice", UserType::Admin)
        .unwrap()
        .is_none());

    for _ in 0..5 {
        assert!(harness.service.issue_admin_token("alice", "wrong").is_err());
    }
    assert!(harness.service.issue_admin_token("alice", PASSWORD).is_ok());
}

fn lockout_is_counted_per_user_name_and_user_type(store: Arc<dyn Store>) {
    let settings = TokenSettings {
        lockout: LockoutSettings {
            max_failures: 2,
            timeout_secs: 60,
        },
        ..TokenSettings::default()
    };
    let harness = Harness::with(store, settings);
    harness.admin("shared@example.com");
    harness.admin("bob");
    harness.customer("shared@example.com");

    for _ in 0..2 {
        assert!(harness
            .service
            .issue_admin_token("shared@example.com", "wrong")
            .is_err());
    }

    assert_eq!(
        refusal(
            harness
                .service
                .issue_admin_token("shared@example.com", PASSWORD)
                .unwrap_err()
        ),
        sign_in_failed()
    );
    assert!(harness
        .service
        .issue_customer_token("shared@example.com", PASSWORD)
        .is_ok());
    assert!(harness.service.issue_admin_token("bob", PASSWORD).is_ok());

    // The configured timeout applies: locked at +59, free at +60.
    harness.clock.set(NOW + 59);
    assert!(harness
        .service
        .issue_admin_token("shared@example.com", PASSWORD)
        .is_err());
    harness.clock.set(NOW + 60);
    assert!(harness
        .service
        .issue_admin_token("shared@example.com", PASSWORD)
        .is_ok());
}

fn customer_lockout(store: Arc<dyn Store>) {
    let harness = Harness::new(store);
    harness.customer("ann@example.com");

    for _ in 0..6 {
        assert!(harness
            .service
            .issue_customer_token("ann@example.com", "wrong")
            .is_err());
    }

    let refused = harness
        .service
        .issue_customer_token("ann@example.com", PASSWORD)
        .unwrap_err();
    assert_eq!(refusal(refused), sign_in_failed());
}

// ---------------------------------------------------------------------------------------------
// Expiry and settings.

fn token_expires_after_its_ttl(store: Arc<dyn Store>) {
    let harness = Harness::new(store);
    harness.admin("alice");
    let token = harness
        .service
        .issue_admin_token("alice", PASSWORD)
        .unwrap();

    harness.clock.set(NOW + 3600);
    assert!(harness.service.authenticate_bearer(&token).is_ok());

    harness.clock.set(NOW + 3601);
    let expired = harness.service.authenticate_bearer(&token).unwrap_err();
    assert_eq!(
        refusal(expired),
        (ErrorClass::Authentication, EXPIRED_TOKEN.to_owned())
    );
}

fn ttl_and_algorithm_follow_the_settings(store: Arc<dyn Store>) {
    let settings = TokenSettings {
        admin_ttl_mins: 5,
        customer_ttl_mins: 0,
        jwt_alg: JwtAlgorithm::Hs512,
        ..TokenSettings::default()
    };
    let harness = Harness::with(store, settings);
    harness.admin("alice");
    harness.customer("ann@example.com");

    let admin_token = harness
        .service
        .issue_admin_token("alice", PASSWORD)
        .unwrap();
    let customer_token = harness
        .service
        .issue_customer_token("ann@example.com", PASSWORD)
        .unwrap();

    let codec = JwtCodec::new(&harness.ctx.keys, JwtAlgorithm::Hs512);
    assert_eq!(
        codec.read(&admin_token, NOW).unwrap().expires_at,
        NOW + 5 * 60
    );
    // A lifetime of zero or less means 30 minutes.
    assert_eq!(
        codec.read(&customer_token, NOW).unwrap().expires_at,
        NOW + 30 * 60
    );
    // A service configured for HS256 refuses HS512 tokens.
    let hs256 = harness.replica(TokenSettings::default());
    assert!(hs256.authenticate_bearer(&admin_token).is_err());
    assert!(harness.service.authenticate_bearer(&admin_token).is_ok());
}

fn reference_tokens_without_jti_are_accepted(store: Arc<dyn Store>) {
    let harness = Harness::new(store);
    let admin_id = harness.admin("alice");
    let token = harness.codec().issue(&UserTokenClaims {
        user_type: UserType::Admin,
        user_id: admin_id.0,
        issued_at: NOW,
        expires_at: NOW + 3600,
        token_id: None,
    });

    assert_eq!(
        harness.service.authenticate_bearer(&token).unwrap(),
        Principal::Admin(admin_id)
    );

    // Under the watermark they are revoked with their user.
    harness.clock.set(NOW + 10);
    harness
        .service
        .revoke_user(UserType::Admin, admin_id.0)
        .unwrap();
    assert_eq!(
        refusal(harness.service.authenticate_bearer(&token).unwrap_err()),
        revoked()
    );
}

fn garbage_bearer_tokens_are_refused(store: Arc<dyn Store>) {
    let harness = Harness::new(store);

    for garbage in ["", "x", "a.b.c", "Bearer", &"z".repeat(32)] {
        let refused = harness.service.authenticate_bearer(garbage).unwrap_err();
        assert_eq!(refused.class(), ErrorClass::Authentication, "{garbage:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Revocation.

fn watermark_revokes_tokens_issued_at_or_before_it(store: Arc<dyn Store>) {
    let harness = Harness::new(store);
    let admin_id = harness.admin("alice");
    let issued_at_watermark = harness
        .service
        .issue_admin_token("alice", PASSWORD)
        .unwrap();

    harness
        .service
        .revoke_user(UserType::Admin, admin_id.0)
        .unwrap();
    harness.clock.set(NOW + 1);
    let issued_after = harness
        .service
        .issue_admin_token("alice", PASSWORD)
        .unwrap();

    // iat == revoke_before is revoked; iat == revoke_before + 1 is not.
    assert_eq!(
        refusal(
            harness
                .service
                .authenticate_bearer(&issued_at_watermark)
                .unwrap_err()
        ),
        revoked()
    );
    assert_eq!(
        harness.service.authenticate_bearer(&issued_after).unwrap(),
        Principal::Admin(admin_id)
    );
    assert_eq!(
        harness
            .ctx
            .store
            .user_revocation(UserType::Admin, admin_id.0)
            .unwrap(),
        Some(NOW)
    );
}

fn revoking_one_token_spares_the_others(store: Arc<dyn Store>) {
    let harness = Harness::new(store);
    harness.customer("ann@example.com");
    let first = harness
        .service
        .issue_customer_token("ann@example.com", PASSWORD)
        .unwrap();
    let second = harness
        .service
        .issue_customer_token("ann@example.com", PASSWORD)
        .unwrap();

    assert!(harness.service.revoke_token(&first).unwrap());

    assert_eq!(
        refusal(harness.service.authenticate_bearer(&first).unwrap_err()),
        revoked()
    );
    assert!(harness.service.authenticate_bearer(&second).is_ok());

    // The revocation lasts exactly as long as the token would have.
    let jti = harness.codec().read(&first, NOW).unwrap().token_id.unwrap();
    assert!(harness.ctx.store.is_token_revoked(&jti).unwrap());
}

fn revoking_expired_or_idless_tokens(store: Arc<dyn Store>) {
    let harness = Harness::new(store);
    let admin_id = harness.admin("alice");
    let token = harness
        .service
        .issue_admin_token("alice", PASSWORD)
        .unwrap();
    let without_id = harness.codec().issue(&UserTokenClaims {
        user_type: UserType::Admin,
        user_id: admin_id.0,
        issued_at: NOW,
        expires_at: NOW + 3600,
        token_id: None,
    });

    let refused = harness.service.revoke_token(&without_id).unwrap_err();
    assert_eq!(
        refusal(refused),
        (ErrorClass::Input, TOKEN_HAS_NO_ID.to_owned())
    );
    assert!(harness.service.revoke_token("not a token").is_err());

    harness.clock.set(NOW + 3601);
    assert!(!harness.service.revoke_token(&token).unwrap());
}

fn revocation_by_another_process_is_seen_within_the_cache_ttl(store: Arc<dyn Store>) {
    let harness = Harness::new(store);
    let admin_id = harness.admin("alice");
    let token = harness
        .service
        .issue_admin_token("alice", PASSWORD)
        .unwrap();
    let ttl = Duration::from_millis(200);
    let cached = harness.replica(TokenSettings {
        revocation_cache_ttl: ttl,
        ..TokenSettings::default()
    });
    assert!(cached.authenticate_bearer(&token).is_ok());

    harness
        .service
        .revoke_user(UserType::Admin, admin_id.0)
        .unwrap();

    // The writer sees it at once; the replica, once its cache entry is older than the ttl.
    assert!(harness.service.authenticate_bearer(&token).is_err());
    assert!(cached.authenticate_bearer(&token).is_ok());
    std::thread::sleep(ttl + Duration::from_millis(50));
    assert_eq!(
        refusal(cached.authenticate_bearer(&token).unwrap_err()),
        revoked()
    );
}

fn revocation_in_this_process_is_seen_at_once_despite_the_cache(store: Arc<dyn Store>) {
    let harness = Harness::new(store);
    harness.customer("ann@example.com");
    let service = harness.replica(TokenSettings {
        revocation_cache_ttl: Duration::from_secs(3600),
        ..TokenSettings::default()
    });
    let token = service
        .issue_customer_token("ann@example.com", PASSWORD)
        .unwrap();
    let other = service
        .issue_customer_token("ann@example.com", PASSWORD)
        .unwrap();
    assert!(service.authenticate_bearer(&token).is_ok());

    service.revoke_token(&token).unwrap();
    assert!(service.authenticate_bearer(&token).is_err());
    assert!(service.authenticate_bearer(&other).is_ok());

    let caller = service.authenticate_bearer(&other).unwrap();
    assert!(service.revoke_own_tokens(&caller).unwrap());
    assert!(service.authenticate_bearer(&other).is_err());
}

fn customer_revokes_own_tokens(store: Arc<dyn Store>) {
    let harness = Harness::new(store);
    let customer_id = harness.customer("ann@example.com");
    let other_id = harness.customer("bob@example.com");
    harness.admin("alice");
    let token = harness
        .service
        .issue_customer_token("ann@example.com", PASSWORD)
        .unwrap();
    let other = harness
        .service
        .issue_customer_token("bob@example.com", PASSWORD)
        .unwrap();
    let admin = harness
        .service
        .issue_admin_token("alice", PASSWORD)
        .unwrap();

    let caller = harness.service.authenticate_bearer(&token).unwrap();
    assert_eq!(caller, Principal::Customer(customer_id));
    assert!(harness.service.revoke_own_tokens(&caller).unwrap());

    assert_eq!(
        refusal(harness.service.authenticate_bearer(&token).unwrap_err()),
        revoked()
    );
    assert_eq!(
        harness.service.authenticate_bearer(&other).unwrap(),
        Principal::Customer(other_id)
    );

    // Only a customer may call it.
    let admin_caller = harness.service.authenticate_bearer(&admin).unwrap();
    for caller in [admin_caller, Principal::Guest] {
        let refused = harness.service.revoke_own_tokens(&caller).unwrap_err();
        assert_eq!(
            refusal(refused),
            (
                ErrorClass::Authorization,
                "The consumer isn't authorized to access self.".to_owned()
            )
        );
    }
}

fn deactivation_revokes_tokens(store: Arc<dyn Store>) {
    let harness = Harness::new(store);
    harness.admin("alice");
    harness.customer("ann@example.com");
    let admin_token = harness
        .service
        .issue_admin_token("alice", PASSWORD)
        .unwrap();
    let customer_token = harness
        .service
        .issue_customer_token("ann@example.com", PASSWORD)
        .unwrap();

    let admin = harness.service.deactivate_admin("alice").unwrap();
    let customer = harness
        .service
        .deactivate_customer("ann@example.com")
        .unwrap();

    assert!(!admin.is_active);
    assert!(!customer.is_active);
    assert!(
        !harness
            .ctx
            .store
            .admin_by_id(admin.id)
            .unwrap()
            .unwrap()
            .is_active
    );
    for token in [admin_token, customer_token] {
        assert_eq!(
            refusal(harness.service.authenticate_bearer(&token).unwrap_err()),
            revoked()
        );
    }
}

fn deactivating_unknown_users_is_not_found(store: Arc<dyn Store>) {
    let harness = Harness::new(store);

    let admin = harness.service.deactivate_admin("nobody").unwrap_err();
    let customer = harness
        .service
        .deactivate_customer("nobody@example.com")
        .unwrap_err();

    assert_eq!(
        refusal(admin),
        (
            ErrorClass::NotFound,
            "The admin user \"nobody\" doesn't exist.".to_owned()
        )
    );
    assert_eq!(
        refusal(customer),
        (
            ErrorClass::NotFound,
            "The customer with email \"nobody@example.com\" doesn't exist.".to_owned()
        )
    );
}

fn creating_duplicates_is_a_conflict(store: Arc<dyn Store>) {
    let harness = Harness::new(store);
    harness.admin("alice");
    harness.customer("ann@example.com");

    let admin = harness
        .service
        .create_admin(AdminAccount {
            username: "alice",
            password: "other",
            email: "other@example.com",
        })
        .unwrap_err();
    let customer = harness
        .service
        .create_customer(CustomerAccount {
            email: "ann@example.com",
            password: "other",
            firstname: "",
            lastname: "",
        })
        .unwrap_err();

    assert_eq!(
        refusal(admin),
        (ErrorClass::Conflict, DUPLICATE_ADMIN.to_owned())
    );
    assert_eq!(
        refusal(customer),
        (ErrorClass::Conflict, DUPLICATE_CUSTOMER.to_owned())
    );
}

fn created_accounts_store_only_an_argon2id_hash(store: Arc<dyn Store>) {
    let harness = Harness::new(store);

    let admin_id = harness.admin("alice");
    let missing = harness
        .service
        .create_admin(AdminAccount {
            username: "",
            password: "",
            email: "x@example.com",
        })
        .unwrap_err();

    let stored = harness.ctx.store.admin_by_id(admin_id).unwrap().unwrap();
    assert!(stored.password_hash.starts_with("$argon2id$"));
    assert!(!stored.password_hash.contains(PASSWORD));
    assert!(stored.is_active);
    assert_eq!(stored.created_at, NOW);
    let TokensError::InputErrors(messages) = missing else {
        panic!("expected input errors");
    };
    assert_eq!(messages.len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Integration access tokens as bearer tokens.

struct IntegrationFixture {
    integration_id: IntegrationId,
    token_value: String,
}

/// An integration with an access token (value known), in `status`, granted `resources`.
fn integration_with_access_token(
    harness: &Harness,
    status: IntegrationStatus,
    kind: TokenKind,
    resources: &[&str],
) -> IntegrationFixture {
    let store = harness.ctx.store.as_ref();
    let random = SequenceRandom::new(99);
    let consumer = store
        .create_consumer(NewConsumer {
            name: "Integration1".into(),
            key: gatehouse_domain::ConsumerKey::generate(&random),
            sealed_secret: Sealed::from_bytes(vec![1, 2, 3]),
            callback_url: None,
            rejected_callback_url: None,
            created_at: NOW,
        })
        .unwrap();
    let integration = store
        .create_integration(NewIntegration {
            name: "shop sync".into(),
            email: "sync@example.com".into(),
            endpoint: None,
            identity_link_url: None,
            status,
            setup_type: SetupType::Manual,
            consumer_id: Some(consumer.id),
            created_at: NOW,
        })
        .unwrap();
    let token_value = random.credential(32);
    store
        .create_token(NewToken {
            owner: TokenOwner::Consumer(consumer.id),
            kind,
            token_digest: harness.ctx.keys.digest(&token_value),
            sealed_secret: Sealed::from_bytes(vec![4, 5, 6]),
            verifier_digest: None,
            callback_url: "oob".into(),
            authorized: true,
            created_at: NOW,
        })
        .unwrap();
    let role = store
        .create_role(NewRole {
            name: integration.id.to_string(),
            user_type: UserType::Integration,
            user_id: integration.id.0,
        })
        .unwrap();
    let resources: Vec<String> = resources.iter().map(|id| (*id).to_owned()).collect();
    store.replace_role_resources(role.id, &resources).unwrap();

    IntegrationFixture {
        integration_id: integration.id,
        token_value,
    }
}

fn bearer_settings() -> TokenSettings {
    TokenSettings {
        enable_integration_as_bearer: true,
        ..TokenSettings::default()
    }
}

fn integration_bearer_needs_the_setting(store: Arc<dyn Store>) {
    let harness = Harness::new(store);
    let fixture = integration_with_access_token(
        &harness,
        IntegrationStatus::Active,
        TokenKind::Access,
        &["Magento_Catalog::products"],
    );

    let refused = harness
        .service
        .authenticate_bearer(&fixture.token_value)
        .unwrap_err();
    assert_eq!(
        refusal(refused),
        (ErrorClass::Authentication, NO_SUCH_TOKEN.to_owned())
    );

    let enabled = harness.replica(bearer_settings());
    assert_eq!(
        enabled.authenticate_bearer(&fixture.token_value).unwrap(),
        Principal::Integration {
            integration_id: fixture.integration_id,
            resources: vec!["Magento_Catalog::products".to_owned()],
            setup_type: SetupType::Manual,
        }
    );
}

fn integration_bearer_refusals(store: Arc<dyn Store>) {
    let harness = Harness::with(store, bearer_settings());
    let inactive = integration_with_access_token(
        &harness,
        IntegrationStatus::Inactive,
        TokenKind::Access,
        &[],
    );

    assert_eq!(
        refusal(
            harness
                .service
                .authenticate_bearer(&inactive.token_value)
                .unwrap_err()
        ),
        (
            ErrorClass::Authentication,
            INTEGRATION_NOT_ACTIVE.to_owned()
        )
    );
    assert_eq!(
        refusal(
            harness
                .service
                .authenticate_bearer("00000000000000000000000000000000")
                .unwrap_err()
        ),
        (ErrorClass::Authentication, NO_SUCH_TOKEN.to_owned())
    );
}

fn integration_request_token_is_not_a_bearer(store: Arc<dyn Store>) {
    let harness = Harness::with(store, bearer_settings());
    let fixture =
        integration_with_access_token(&harness, IntegrationStatus::Active, TokenKind::Request, &[]);

    let refused = harness
        .service
        .authenticate_bearer(&fixture.token_value)
        .unwrap_err();

    assert_eq!(
        refusal(refused),
        (ErrorClass::Authentication, NOT_AN_ACCESS_TOKEN.to_owned())
    );
}

fn revoked_integration_token_is_refused(store: Arc<dyn Store>) {
    let harness = Harness::with(store, bearer_settings());
    let fixture =
        integration_with_access_token(&harness, IntegrationStatus::Active, TokenKind::Access, &[]);
    let row = harness
        .ctx
        .store
        .token_by_digest(&harness.ctx.keys.digest(&fixture.token_value))
        .unwrap()
        .unwrap();
    harness.ctx.store.revoke_token_row(row.id).unwrap();

    let refused = harness
        .service
        .authenticate_bearer(&fixture.token_value)
        .unwrap_err();

    assert_eq!(
        refusal(refused),
        (ErrorClass::Authentication, REVOKED_ACCESS_TOKEN.to_owned())
    );
}

fn integration_token_is_found_after_key_rotation(store: Arc<dyn Store>) {
    let harness = Harness::new(store.clone());
    let fixture = integration_with_access_token(
        &harness,
        IntegrationStatus::Active,
        TokenKind::Access,
        &["Magento_Backend::all"],
    );
    let admin_id = harness.admin("alice");
    let admin_token = harness
        .service
        .issue_admin_token("alice", PASSWORD)
        .unwrap();

    let rotated = Harness::with_key(
        store,
        bearer_settings(),
        &format!("{CRYPT_KEY} 9z8y7x6w5v4u3t2s1r0q9p8o7n6m5l4k"),
    );

    assert_eq!(
        rotated
            .service
            .authenticate_bearer(&fixture.token_value)
            .unwrap(),
        Principal::Integration {
            integration_id: fixture.integration_id,
            resources: vec!["Magento_Backend::all".to_owned()],
            setup_type: SetupType::Manual,
        }
    );
    // Admin tokens signed before the rotation still verify, and new ones use the new entry.
    assert_eq!(
        rotated.service.authenticate_bearer(&admin_token).unwrap(),
        Principal::Admin(admin_id)
    );
    let new_token = rotated
        .service
        .issue_admin_token("alice", PASSWORD)
        .unwrap();
    assert!(harness.service.authenticate_bearer(&new_token).is_err());
}

// ---------------------------------------------------------------------------------------------
// Backends.

macro_rules! backend_tests {
    ($backend:ident => $make_store:expr) => {
        mod $backend {
            use super::*;

            backend_tests!(@tests $make_store;
                admin_login_issues_a_jwt_for_the_admin,
                customer_login_issues_a_jwt_and_tells_observers,
                missing_fields_are_input_errors_username_first,
                wrong_password_unknown_user_and_inactive_account_are_refused_alike,
                inactive_customer_cannot_log_in,
                lockout_refuses_correct_credentials_until_it_expires,
                success_before_the_limit_resets_the_count,
                lockout_is_counted_per_user_name_and_user_type,
                customer_lockout,
                token_expires_after_its_ttl,
                ttl_and_algorithm_follow_the_settings,
                reference_tokens_without_jti_are_accepted,
                garbage_bearer_tokens_are_refused,
                watermark_revokes_tokens_issued_at_or_before_it,
                revoking_one_token_spares_the_others,
                revoking_expired_or_idless_tokens,
                revocation_by_another_process_is_seen_within_the_cache_ttl,
                revocation_in_this_process_is_seen_at_once_despite_the_cache,
                customer_revokes_own_tokens,
                deactivation_revokes_tokens,
                deactivating_unknown_users_is_not_found,
                creating_duplicates_is_a_conflict,
                created_accounts_store_only_an_argon2id_hash,
                integration_bearer_needs_the_setting,
                integration_bearer_refusals,
                integration_request_token_is_not_a_bearer,
                revoked_integration_token_is_refused,
                integration_token_is_found_after_key_rotation,
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
        "gatehouse-tokens-users_service-{}-{}.db",
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
