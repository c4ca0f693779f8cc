//! Cases that every value comes back exactly as it was stored: times far in the future,
//! arbitrary sealed bytes, non-ASCII text, absent versus present optional fields, and flags.

use super::ok;
use super::samples::*;
use crate::entities::*;
use crate::repository::Store;
use crate::values::Sealed;

/// Times up to [`LATE_TIME`] (year 9999, past 2³² seconds) are stored and compared exactly in
/// every table that holds one.
pub fn large_timestamps_round_trip<S: Store>(store: &S) {
    // Rows created at the late time keep it, updated_at included.
    let consumer = ok(
        store.create_consumer(NewConsumer {
            created_at: LATE_TIME,
            ..sample_consumer(1)
        }),
        "create_consumer",
    );
    let read = ok(store.consumer_by_id(consumer.id), "consumer_by_id");
    assert_eq!(
        read.map(|row| (row.created_at, row.updated_at)),
        Some((LATE_TIME, LATE_TIME)),
        "a consumer keeps a late created_at and updated_at"
    );

    let touched = ok(store.create_consumer(sample_consumer(2)), "create_consumer");
    ok(
        store.touch_consumer(touched.id, LATE_TIME),
        "touch_consumer",
    );
    let read = ok(store.consumer_by_id(touched.id), "consumer_by_id");
    assert_eq!(read.map(|row| row.updated_at), Some(LATE_TIME));

    let token = NewToken {
        created_at: LATE_TIME,
        ..sample_token(TokenOwner::Consumer(consumer.id), TokenKind::Request, 1)
    };
    ok(store.create_token(token.clone()), "create_token");
    let read = ok(
        store.token_by_digest(&token.token_digest),
        "token_by_digest",
    );
    assert_eq!(
        read.map(|row| row.created_at),
        Some(LATE_TIME),
        "a token keeps a late time"
    );
    assert_eq!(
        ok(
            store.delete_consumer_tokens_created_before(TokenKind::Request, LATE_TIME, 10),
            "delete_consumer_tokens_created_before"
        ),
        0,
        "a token created at the late time is not before it"
    );

    let integration = ok(
        store.create_integration(NewIntegration {
            created_at: LATE_TIME,
            ..sample_integration(1, None)
        }),
        "create_integration",
    );
    let read = ok(store.integration_by_id(integration.id), "integration_by_id");
    assert_eq!(
        read.map(|row| (row.created_at, row.updated_at)),
        Some((LATE_TIME, LATE_TIME)),
        "an integration keeps a late time"
    );

    let admin = ok(
        store.create_admin(NewAdminUser {
            created_at: LATE_TIME,
            ..sample_admin(1)
        }),
        "create_admin",
    );
    let read = ok(store.admin_by_id(admin.id), "admin_by_id");
    assert_eq!(read.map(|row| row.created_at), Some(LATE_TIME));
    let customer = ok(
        store.create_customer(NewCustomer {
            created_at: LATE_TIME,
            ..sample_customer(1)
        }),
        "create_customer",
    );
    let read = ok(store.customer_by_id(customer.id), "customer_by_id");
    assert_eq!(read.map(|row| row.created_at), Some(LATE_TIME));

    // A nonce stamped one second before the late time is deleted by a cleanup at the late
    // time and not by one a second earlier: it was stored exactly.
    ok(
        store.record_nonce(consumer.id, &sample_nonce(1), LATE_TIME - 1),
        "record_nonce",
    );
    assert_eq!(
        ok(
            store.delete_nonces_before(LATE_TIME - 1, 10),
            "delete_nonces_before"
        ),
        0
    );
    assert_eq!(
        ok(
            store.delete_nonces_before(LATE_TIME, 10),
            "delete_nonces_before"
        ),
        1
    );

    ok(
        store.record_login_failure("late", UserType::Admin, SAMPLE_TIME, LATE_TIME),
        "record_login_failure",
    );
    let read = ok(
        store.login_failures("late", UserType::Admin),
        "login_failures",
    );
    assert_eq!(read.map(|row| row.lock_expires_at), Some(LATE_TIME));

    let revocation = UserRevocation {
        user_type: UserType::Customer,
        user_id: customer.id.0,
        revoke_before: LATE_TIME,
    };
    ok(store.revoke_user_tokens(revocation), "revoke_user_tokens");
    assert_eq!(
        ok(
            store.user_revocation(UserType::Customer, customer.id.0),
            "user_revocation"
        ),
        Some(LATE_TIME)
    );

    let revocation = TokenRevocation {
        token_id: "late-token".to_owned(),
        user_type: UserType::Admin,
        user_id: admin.id.0,
        expires_at: LATE_TIME,
    };
    ok(store.revoke_single_token(revocation), "revoke_single_token");
    assert_eq!(
        ok(
            store.delete_expired_token_revocations(LATE_TIME - 1, 10),
            "delete_expired_token_revocations"
        ),
        0,
        "a revocation expiring at the late time outlives the second before"
    );
    assert_eq!(
        ok(
            store.delete_expired_token_revocations(LATE_TIME, 10),
            "delete_expired_token_revocations"
        ),
        1
    );
}

/// Sealed bytes (zero bytes, `0xff`, invalid UTF-8, trailing spaces), non-ASCII text, `None`
/// versus `Some` in optional fields, and both values of every flag and status come back
/// exactly.
pub fn binary_text_and_flags_round_trip<S: Store>(store: &S) {
    // Every byte value once, rotated to end on a space, which a text or fixed-width column
    // would trim.
    let mut every_byte: Vec<u8> = (0..=255u8).collect();
    every_byte.rotate_left(0x21);
    let consumer = NewConsumer {
        name: "Intégration ünïcode".to_owned(),
        sealed_secret: Sealed::from_bytes(every_byte.clone()),
        callback_url: None,
        rejected_callback_url: Some(
            "https://example.com/rejected?reason=a%20b&x=1#frag".to_owned(),
        ),
        ..sample_consumer(1)
    };
    let created = ok(store.create_consumer(consumer.clone()), "create_consumer");
    let read = ok(store.consumer_by_id(created.id), "consumer_by_id")
        .expect("the consumer was just created");
    assert_eq!(
        read.sealed_secret.as_bytes(),
        every_byte.as_slice(),
        "sealed bytes come back byte for byte"
    );
    assert_eq!(
        read.name, consumer.name,
        "non-ASCII text comes back unchanged"
    );
    assert_eq!(read.callback_url, None, "an absent callback stays absent");
    assert_eq!(read.rejected_callback_url, consumer.rejected_callback_url);

    // A consumer token without a verifier digest, authorized early, then revoked.
    let mut trailing_space = sample_sealed(2).as_bytes().to_vec();
    trailing_space.extend_from_slice(b"  ");
    let token = NewToken {
        sealed_secret: Sealed::from_bytes(trailing_space.clone()),
        verifier_digest: None,
        authorized: true,
        ..sample_token(TokenOwner::Consumer(created.id), TokenKind::Request, 2)
    };
    let stored = ok(store.create_token(token.clone()), "create_token");
    let read = ok(
        store.token_by_digest(&token.token_digest),
        "token_by_digest",
    )
    .expect("the token was just created");
    assert_eq!(
        read.sealed_secret.as_bytes(),
        trailing_space.as_slice(),
        "trailing spaces stay"
    );
    assert_eq!(
        read.verifier_digest, None,
        "an absent verifier digest stays absent"
    );
    assert!(read.authorized && !read.revoked);
    ok(store.revoke_token_row(stored.id), "revoke_token_row");
    let read = ok(
        store.token_by_digest(&token.token_digest),
        "token_by_digest",
    )
    .expect("a revoked token is still stored");
    assert!(
        read.revoked && read.authorized,
        "flags are stored independently"
    );

    // Every status and setup type, and optional URLs each way round.
    let shapes = [
        (IntegrationStatus::Inactive, SetupType::Manual, None, None),
        (
            IntegrationStatus::Active,
            SetupType::ConfigFile,
            Some("https://a.example.com/endpoint"),
            None,
        ),
        (
            IntegrationStatus::Reset,
            SetupType::ConfigFile,
            None,
            Some("https://a.example.com/identity?ünï=1"),
        ),
    ];
    for (n, (status, setup_type, endpoint, identity_link_url)) in (10..).zip(shapes) {
        let integration = NewIntegration {
            status,
            setup_type,
            endpoint: endpoint.map(str::to_owned),
            identity_link_url: identity_link_url.map(str::to_owned),
            ..sample_integration(n, None)
        };
        let created = ok(
            store.create_integration(integration.clone()),
            "create_integration",
        );
        let read = ok(store.integration_by_id(created.id), "integration_by_id")
            .expect("the integration was just created");
        assert_eq!(
            (
                read.status,
                read.setup_type,
                read.endpoint,
                read.identity_link_url
            ),
            (
                integration.status,
                integration.setup_type,
                integration.endpoint,
                integration.identity_link_url
            ),
            "status, setup type and optional URLs come back as stored"
        );
    }

    let inactive_admin = NewAdminUser {
        is_active: false,
        ..sample_admin(1)
    };
    let created = ok(store.create_admin(inactive_admin), "create_admin");
    let read = ok(store.admin_by_id(created.id), "admin_by_id");
    assert_eq!(
        read.map(|admin| admin.is_active),
        Some(false),
        "an inactive admin stays so"
    );

    let customer = sample_customer(1);
    let created = ok(store.create_customer(customer.clone()), "create_customer");
    let read = ok(
        store.customer_by_email(&customer.email),
        "customer_by_email",
    )
    .expect("the customer was just created");
    assert_eq!(
        (read.firstname, read.lastname),
        (customer.firstname, customer.lastname),
        "non-ASCII names come back unchanged"
    );
    assert_eq!(read.id, created.id);
}
