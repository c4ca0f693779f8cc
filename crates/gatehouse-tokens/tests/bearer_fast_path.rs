//! The storage-free bearer check, [`UserTokenService::authenticate_bearer_cached`]: whenever it
//! answers, it answers exactly as [`UserTokenService::authenticate_bearer`] does, and it
//! declines (`None`) whenever an answer would need storage.

#![allow(
    clippy::unwrap_used,
    reason = "scenarios and helpers run only under #[test]: a failed unwrap is a failed test"
)]

use std::sync::Arc;
use std::time::Duration;

use gatehouse_acl::Principal;
use gatehouse_domain::memory::MemoryStore;
use gatehouse_domain::{
    AdminId, Clock, CustomerId, ErrorClass, FixedClock, SequenceRandom, Store, UserType,
};
use gatehouse_tokens::crypto::CryptKeys;
use gatehouse_tokens::jwt::{
    JwtAlgorithm, JwtCodec, UserTokenClaims, EXPIRED_TOKEN, UNREADABLE_TOKEN,
};
use gatehouse_tokens::password::PasswordParams;
use gatehouse_tokens::revocation::REVOKED_TOKEN;
use gatehouse_tokens::users::{CustomerAccount, TokenSettings, UserTokenService, NO_SUCH_TOKEN};
use gatehouse_tokens::{Context, TokensError};

const NOW: i64 = 1_700_000_000;
const CRYPT_KEY: &str = "0123456789abcdefghijklmnopqrstuv";

struct Harness {
    ctx: Context,
    clock: Arc<FixedClock>,
    service: UserTokenService,
}

impl Harness {
    fn new() -> Self {
        Self::with(TokenSettings::default())
    }

    fn with(settings: TokenSettings) -> Self {
        let clock = Arc::new(FixedClock::new(NOW));
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let ctx = Context {
            store,
            clock: clock.clone(),
            random: Arc::new(SequenceRandom::new(7)),
            keys: Arc::new(CryptKeys::parse(CRYPT_KEY).unwrap()),
        };
        let settings = TokenSettings {
            password: PasswordParams::INSECURE_FOR_TESTS,
            ..settings
        };
        let service = UserTokenService::new(ctx.clone(), settings).unwrap();
        Self {
            ctx,
            clock,
            service,
        }
    }

    /// Another process on the same store: its own revocation cache.
    fn replica(&self) -> UserTokenService {
        let settings = TokenSettings {
            password: PasswordParams::INSECURE_FOR_TESTS,
            ..TokenSettings::default()
        };
        UserTokenService::new(self.ctx.clone(), settings).unwrap()
    }

    /// A token of customer 5 issued now, with `jti` as its token id.
    fn token(&self, jti: Option<&str>) -> String {
        self.service.codec().issue(&UserTokenClaims {
            user_type: UserType::Customer,
            user_id: 5,
            issued_at: self.clock.now(),
            expires_at: self.clock.now() + 3600,
            token_id: jti.map(str::to_owned),
        })
    }

    /// The cached answer, which must be there, and the storage-backed one, asked second so
    /// that the cached one could not profit from the storage read.
    fn both(
        &self,
        token: &str,
    ) -> (
        Result<Principal, TokensError>,
        Result<Principal, TokensError>,
    ) {
        let cached = self
            .service
            .authenticate_bearer_cached(token)
            .expect("the cache answers");
        let stored = self.service.authenticate_bearer(token);
        (cached, stored)
    }
}

/// The outcome as it can be compared: the principal, or the refusal's class and message.
fn outcome(result: &Result<Principal, TokensError>) -> Result<Principal, (ErrorClass, String)> {
    match result {
        Ok(principal) => Ok(principal.clone()),
        Err(error) => Err((error.class(), error.message().render())),
    }
}

fn refused(message: &str) -> Result<Principal, (ErrorClass, String)> {
    Err((ErrorClass::Authentication, message.to_owned()))
}

#[test]
fn a_valid_token_gets_the_same_principal_once_the_cache_is_warm() {
    let harness = Harness::new();
    let token = harness.token(Some("jti-1"));

    // Cold: the revocation state is in storage only.
    assert!(harness.service.authenticate_bearer_cached(&token).is_none());
    harness.service.authenticate_bearer(&token).unwrap();

    let (cached, stored) = harness.both(&token);
    assert_eq!(outcome(&cached), Ok(Principal::Customer(CustomerId(5))));
    assert_eq!(outcome(&cached), outcome(&stored));
}

#[test]
fn a_token_issued_by_login_is_answered_from_the_cache() {
    let harness = Harness::new();
    let customer = harness
        .service
        .create_customer(CustomerAccount {
            email: "ann@example.com",
            password: "correct horse battery staple",
            firstname: "Ann",
            lastname: "Lee",
        })
        .unwrap();
    let token = harness
        .service
        .issue_customer_token("ann@example.com", "correct horse battery staple")
        .unwrap();
    harness.service.authenticate_bearer(&token).unwrap();

    let (cached, stored) = harness.both(&token);
    assert_eq!(outcome(&cached), Ok(Principal::Customer(customer.id)));
    assert_eq!(outcome(&cached), outcome(&stored));
}

#[test]
fn an_admin_token_is_an_admin_principal() {
    let harness = Harness::new();
    let token = harness.service.codec().issue(&UserTokenClaims {
        user_type: UserType::Admin,
        user_id: 9,
        issued_at: NOW,
        expires_at: NOW + 60,
        token_id: None,
    });
    harness.service.authenticate_bearer(&token).unwrap();

    let (cached, stored) = harness.both(&token);
    assert_eq!(outcome(&cached), Ok(Principal::Admin(AdminId(9))));
    assert_eq!(outcome(&cached), outcome(&stored));
}

#[test]
fn a_user_revoked_by_watermark_is_refused_alike() {
    let harness = Harness::new();
    let token = harness.token(Some("jti-1"));
    harness.service.authenticate_bearer(&token).unwrap();

    // Revoked in this process: the cache knows at once, token id or not.
    harness.service.revoke_user(UserType::Customer, 5).unwrap();

    let (cached, stored) = harness.both(&token);
    assert_eq!(outcome(&cached), refused(REVOKED_TOKEN));
    assert_eq!(outcome(&cached), outcome(&stored));

    // A token issued after the watermark is still accepted by both.
    harness.clock.advance(1);
    let fresh = harness.token(Some("jti-2"));
    harness.service.authenticate_bearer(&fresh).unwrap();
    let (cached, stored) = harness.both(&fresh);
    assert_eq!(outcome(&cached), Ok(Principal::Customer(CustomerId(5))));
    assert_eq!(outcome(&cached), outcome(&stored));
}

#[test]
fn a_watermark_written_elsewhere_is_answered_once_read() {
    let harness = Harness::new();
    let token = harness.token(None);
    harness
        .replica()
        .revoke_user(UserType::Customer, 5)
        .unwrap();

    // Only storage knows yet.
    assert!(harness.service.authenticate_bearer_cached(&token).is_none());
    let stored = harness.service.authenticate_bearer(&token);
    assert_eq!(outcome(&stored), refused(REVOKED_TOKEN));

    let (cached, stored) = harness.both(&token);
    assert_eq!(outcome(&cached), refused(REVOKED_TOKEN));
    assert_eq!(outcome(&cached), outcome(&stored));
}

#[test]
fn a_revoked_token_id_is_refused_alike_and_spares_the_others() {
    let harness = Harness::new();
    let revoked = harness.token(Some("jti-revoked"));
    let other = harness.token(Some("jti-other"));
    assert!(harness.service.revoke_token(&revoked).unwrap());

    // The token id is cached as revoked, but the user's watermark has not been read yet.
    assert!(harness
        .service
        .authenticate_bearer_cached(&revoked)
        .is_none());
    harness.service.authenticate_bearer(&other).unwrap();

    let (cached, stored) = harness.both(&revoked);
    assert_eq!(outcome(&cached), refused(REVOKED_TOKEN));
    assert_eq!(outcome(&cached), outcome(&stored));

    let (cached, stored) = harness.both(&other);
    assert_eq!(outcome(&cached), Ok(Principal::Customer(CustomerId(5))));
    assert_eq!(outcome(&cached), outcome(&stored));
}

#[test]
fn a_token_id_revoked_elsewhere_is_answered_once_read() {
    let harness = Harness::new();
    let token = harness.token(Some("jti-1"));
    assert!(harness.replica().revoke_token(&token).unwrap());

    assert!(harness.service.authenticate_bearer_cached(&token).is_none());
    let stored = harness.service.authenticate_bearer(&token);
    assert_eq!(outcome(&stored), refused(REVOKED_TOKEN));

    let (cached, stored) = harness.both(&token);
    assert_eq!(outcome(&cached), refused(REVOKED_TOKEN));
    assert_eq!(outcome(&cached), outcome(&stored));
}

#[test]
fn an_expired_token_is_refused_alike_without_storage() {
    let harness = Harness::new();
    let token = harness.token(Some("jti-1"));

    // Accepted up to and including the second `exp`…
    harness.clock.advance(3600);
    harness.service.authenticate_bearer(&token).unwrap();
    let (cached, stored) = harness.both(&token);
    assert_eq!(outcome(&cached), Ok(Principal::Customer(CustomerId(5))));
    assert_eq!(outcome(&cached), outcome(&stored));

    // …and refused from the next one, cache warm or cold.
    harness.clock.advance(1);
    let (cached, stored) = harness.both(&token);
    assert_eq!(outcome(&cached), refused(EXPIRED_TOKEN));
    assert_eq!(outcome(&cached), outcome(&stored));

    let cold = Harness::new();
    cold.clock.advance(3601);
    let (cached, stored) = cold.both(&token);
    assert_eq!(outcome(&cached), refused(EXPIRED_TOKEN));
    assert_eq!(outcome(&cached), outcome(&stored));
}

#[test]
fn a_bad_signature_is_refused_alike_without_storage() {
    let harness = Harness::new();
    let token = harness.token(Some("jti-1"));
    harness.service.authenticate_bearer(&token).unwrap();

    // Another signature: the last part replaced by one of the same length.
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let forged_signature: String = signature
        .chars()
        .map(|c| if c == 'A' { 'B' } else { 'A' })
        .collect();
    let forged = format!("{signed}.{forged_signature}");

    let (cached, stored) = harness.both(&forged);
    assert_eq!(outcome(&cached).unwrap_err().1, UNREADABLE_TOKEN);
    assert_eq!(outcome(&cached), outcome(&stored));

    let cold = Harness::new();
    let (cached, stored) = cold.both(&forged);
    assert_eq!(outcome(&cached).unwrap_err().1, UNREADABLE_TOKEN);
    assert_eq!(outcome(&cached), outcome(&stored));
}

#[test]
fn a_token_of_another_key_is_refused_alike() {
    let harness = Harness::new();
    let other_keys = CryptKeys::parse("vutsrqponmlkjihgfedcba9876543210").unwrap();
    let foreign = JwtCodec::new(&other_keys, JwtAlgorithm::Hs256).issue(&UserTokenClaims {
        user_type: UserType::Customer,
        user_id: 5,
        issued_at: NOW,
        expires_at: NOW + 60,
        token_id: None,
    });

    let (cached, stored) = harness.both(&foreign);
    assert_eq!(outcome(&cached).unwrap_err().1, UNREADABLE_TOKEN);
    assert_eq!(outcome(&cached), outcome(&stored));
}

#[test]
fn opaque_tokens_are_answered_only_when_they_need_no_storage() {
    // Integration tokens not accepted: refused from memory, as by the storage path.
    let harness = Harness::new();
    let (cached, stored) = harness.both("abcdefghijklmnopqrstuvwxyz012345");
    assert_eq!(outcome(&cached), refused(NO_SUCH_TOKEN));
    assert_eq!(outcome(&cached), outcome(&stored));

    // Accepted: only storage knows the token.
    let harness = Harness::with(TokenSettings {
        enable_integration_as_bearer: true,
        ..TokenSettings::default()
    });
    assert!(harness
        .service
        .authenticate_bearer_cached("abcdefghijklmnopqrstuvwxyz012345")
        .is_none());
}

#[test]
fn a_cold_cache_declines() {
    let harness = Harness::new();

    assert!(harness
        .service
        .authenticate_bearer_cached(&harness.token(Some("jti-1")))
        .is_none());
    assert!(harness
        .service
        .authenticate_bearer_cached(&harness.token(None))
        .is_none());
}

#[test]
fn a_stale_cache_declines() {
    let ttl = Duration::from_millis(200);
    let harness = Harness::with(TokenSettings {
        revocation_cache_ttl: ttl,
        ..TokenSettings::default()
    });
    let token = harness.token(Some("jti-1"));
    harness.service.authenticate_bearer(&token).unwrap();
    assert!(harness.service.authenticate_bearer_cached(&token).is_some());

    std::thread::sleep(ttl + Duration::from_millis(50));

    assert!(harness.service.authenticate_bearer_cached(&token).is_none());
    // The storage path refreshes the cache, and the fast path answers again.
    harness.service.authenticate_bearer(&token).unwrap();
    assert!(harness.service.authenticate_bearer_cached(&token).is_some());
}

#[test]
fn a_cache_turned_off_always_declines() {
    let harness = Harness::with(TokenSettings {
        revocation_cache_ttl: Duration::ZERO,
        ..TokenSettings::default()
    });
    let token = harness.token(Some("jti-1"));
    harness.service.authenticate_bearer(&token).unwrap();

    assert!(harness.service.authenticate_bearer_cached(&token).is_none());
}

#[test]
fn the_cache_answers_within_its_time_to_live_as_the_storage_path_does() {
    // A revocation written by another process is seen by neither path until the entry
    // expires: the fast path keeps the cache's semantics, no more and no less.
    let ttl = Duration::from_millis(200);
    let harness = Harness::with(TokenSettings {
        revocation_cache_ttl: ttl,
        ..TokenSettings::default()
    });
    let token = harness.token(None);
    harness.service.authenticate_bearer(&token).unwrap();

    harness
        .replica()
        .revoke_user(UserType::Customer, 5)
        .unwrap();

    let (cached, stored) = harness.both(&token);
    assert_eq!(outcome(&cached), Ok(Principal::Customer(CustomerId(5))));
    assert_eq!(outcome(&cached), outcome(&stored));

    std::thread::sleep(ttl + Duration::from_millis(50));
    assert!(harness.service.authenticate_bearer_cached(&token).is_none());
    let stored = harness.service.authenticate_bearer(&token);
    assert_eq!(outcome(&stored), refused(REVOKED_TOKEN));
    let (cached, _) = harness.both(&token);
    assert_eq!(outcome(&cached), refused(REVOKED_TOKEN));
}
