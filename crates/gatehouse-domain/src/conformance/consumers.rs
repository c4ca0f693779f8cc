//! Cases for [`ConsumerRepository`](crate::ConsumerRepository), including the cascade of
//! `delete_consumer`.

use super::samples::*;
use super::{assert_conflict, ok, unknown_id};
use crate::entities::*;
use crate::ids::ConsumerId;
use crate::repository::Store;
use crate::values::ConsumerKey;

/// `create_consumer` stores every field, sets `updated_at = created_at`, and both lookups return
/// the row it returned.
pub fn consumer_round_trips<S: Store>(store: &S) {
    let new_consumer = NewConsumer {
        rejected_callback_url: Some("https://integration1.example.com/rejected".to_owned()),
        ..sample_consumer(1)
    };

    let created = ok(
        store.create_consumer(new_consumer.clone()),
        "create_consumer",
    );

    assert_eq!(
        created.name, new_consumer.name,
        "create_consumer keeps the name"
    );
    assert_eq!(
        created.key, new_consumer.key,
        "create_consumer keeps the key"
    );
    assert_eq!(
        created.sealed_secret, new_consumer.sealed_secret,
        "create_consumer keeps the sealed secret byte for byte"
    );
    assert_eq!(created.callback_url, new_consumer.callback_url);
    assert_eq!(
        created.rejected_callback_url,
        new_consumer.rejected_callback_url
    );
    assert_eq!(created.created_at, new_consumer.created_at);
    assert_eq!(
        created.updated_at, new_consumer.created_at,
        "a new consumer's updated_at equals its created_at"
    );

    let by_id = ok(store.consumer_by_id(created.id), "consumer_by_id");
    assert_eq!(
        by_id.as_ref(),
        Some(&created),
        "consumer_by_id returns the stored row"
    );
    let by_key = ok(store.consumer_by_key(&created.key), "consumer_by_key");
    assert_eq!(
        by_key.as_ref(),
        Some(&created),
        "consumer_by_key returns the stored row"
    );

    // A second consumer is a different row with its own fields.
    let other = ok(store.create_consumer(sample_consumer(2)), "create_consumer");
    assert_ne!(other.id, created.id, "each consumer gets its own id");
    assert_eq!(
        other.rejected_callback_url, None,
        "an absent URL stays absent"
    );
    let by_key = ok(store.consumer_by_key(&other.key), "consumer_by_key");
    assert_eq!(
        by_key,
        Some(other),
        "consumer_by_key finds the second consumer"
    );
}

/// Lookups of an id or key nobody has return `None`, not an error.
pub fn consumer_lookups_miss_unknown<S: Store>(store: &S) {
    let created = ok(store.create_consumer(sample_consumer(1)), "create_consumer");

    let unknown = ConsumerId(unknown_id(created.id.0));
    assert_eq!(
        ok(store.consumer_by_id(unknown), "consumer_by_id"),
        None,
        "consumer_by_id of an unknown id is None"
    );
    assert_eq!(
        ok(
            store.consumer_by_key(&sample_consumer_key(2)),
            "consumer_by_key"
        ),
        None,
        "consumer_by_key of an unknown key is None"
    );
}

/// A second consumer with a taken key is refused with `Conflict { what: "consumer key" }`, and
/// the first is left as it was.
pub fn consumer_key_is_unique<S: Store>(store: &S) {
    let first = ok(store.create_consumer(sample_consumer(1)), "create_consumer");

    let duplicate = NewConsumer {
        name: "Integration99".to_owned(),
        ..sample_consumer(1)
    };
    assert_conflict(
        store.create_consumer(duplicate),
        "consumer key",
        "create_consumer with a taken key",
    );

    let by_key = ok(store.consumer_by_key(&first.key), "consumer_by_key");
    assert_eq!(
        by_key,
        Some(first),
        "the refused insert leaves the first consumer unchanged"
    );
}

/// Keys are compared exactly: a key differing only in letter case is another key.
pub fn consumer_key_lookup_is_exact<S: Store>(store: &S) {
    let lower = ConsumerKey::parse("abcdefghijklmnopqrstuvwxyz012345")
        .expect("32 letters and digits are a valid key");
    let upper = ConsumerKey::parse("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345")
        .expect("32 letters and digits are a valid key");
    let created = ok(
        store.create_consumer(NewConsumer {
            key: lower,
            ..sample_consumer(1)
        }),
        "create_consumer",
    );

    assert_eq!(
        ok(store.consumer_by_key(&upper), "consumer_by_key"),
        None,
        "consumer_by_key must not match a key differing in letter case"
    );

    let other = ok(
        store.create_consumer(NewConsumer {
            key: upper.clone(),
            ..sample_consumer(2)
        }),
        "create_consumer with a key differing only in case",
    );
    assert_ne!(other.id, created.id);
    assert_eq!(
        ok(store.consumer_by_key(&upper), "consumer_by_key"),
        Some(other),
        "each case variant of a key finds its own consumer"
    );
}

/// `touch_consumer` sets `updated_at` (leaving `created_at`) and reports whether the consumer
/// exists.
pub fn touch_consumer_sets_updated_at<S: Store>(store: &S) {
    let created = ok(store.create_consumer(sample_consumer(1)), "create_consumer");
    let later = created.created_at + 3_600;

    assert!(
        ok(store.touch_consumer(created.id, later), "touch_consumer"),
        "touch_consumer of an existing consumer returns true"
    );
    let touched = ok(store.consumer_by_id(created.id), "consumer_by_id")
        .expect("the touched consumer still exists");
    assert_eq!(touched.updated_at, later, "touch_consumer sets updated_at");
    assert_eq!(
        touched.created_at, created.created_at,
        "touch_consumer keeps created_at"
    );
    assert_eq!(
        touched,
        Consumer {
            updated_at: later,
            ..created.clone()
        },
        "touch_consumer changes nothing else"
    );

    let unknown = ConsumerId(unknown_id(created.id.0));
    assert!(
        !ok(store.touch_consumer(unknown, later), "touch_consumer"),
        "touch_consumer of an unknown consumer returns false"
    );
}

/// `delete_consumer` removes the consumer with its tokens, nonces and integration, and nothing
/// that belongs to anyone else.
pub fn delete_consumer_cascades<S: Store>(store: &S) {
    let doomed = ok(store.create_consumer(sample_consumer(1)), "create_consumer");
    let kept = ok(store.create_consumer(sample_consumer(2)), "create_consumer");
    let admin = ok(store.create_admin(sample_admin(1)), "create_admin");

    let doomed_tokens = [
        sample_token(TokenOwner::Consumer(doomed.id), TokenKind::Access, 1),
        sample_token(TokenOwner::Consumer(doomed.id), TokenKind::Request, 2),
    ];
    for token in doomed_tokens.iter().cloned() {
        ok(store.create_token(token), "create_token");
    }
    let kept_token = ok(
        store.create_token(sample_token(
            TokenOwner::Consumer(kept.id),
            TokenKind::Access,
            3,
        )),
        "create_token",
    );
    let admin_token = ok(
        store.create_token(sample_token(
            TokenOwner::Admin(admin.id),
            TokenKind::Access,
            4,
        )),
        "create_token",
    );
    for n in 1..=3 {
        ok(
            store.record_nonce(doomed.id, &sample_nonce(n), SAMPLE_TIME),
            "record_nonce",
        );
    }
    ok(
        store.record_nonce(kept.id, &sample_nonce(1), SAMPLE_TIME),
        "record_nonce",
    );
    let doomed_integration = ok(
        store.create_integration(sample_integration(1, Some(doomed.id))),
        "create_integration",
    );
    let kept_integration = ok(
        store.create_integration(sample_integration(2, Some(kept.id))),
        "create_integration",
    );

    assert!(
        ok(store.delete_consumer(doomed.id), "delete_consumer"),
        "delete_consumer of an existing consumer returns true"
    );

    assert_eq!(ok(store.consumer_by_id(doomed.id), "consumer_by_id"), None);
    assert_eq!(
        ok(store.consumer_by_key(&doomed.key), "consumer_by_key"),
        None
    );
    for token in &doomed_tokens {
        assert_eq!(
            ok(
                store.token_by_digest(&token.token_digest),
                "token_by_digest"
            ),
            None,
            "delete_consumer deletes the consumer's tokens"
        );
    }
    assert_eq!(
        ok(store.token_by_consumer(doomed.id), "token_by_consumer"),
        None
    );
    assert_eq!(
        ok(
            store.integration_by_id(doomed_integration.id),
            "integration_by_id"
        ),
        None,
        "delete_consumer deletes the consumer's integration"
    );
    assert_eq!(
        ok(
            store.integration_by_consumer(doomed.id),
            "integration_by_consumer"
        ),
        None
    );

    // Everything of the other consumer and of the admin survives.
    assert_eq!(
        ok(store.consumer_by_id(kept.id), "consumer_by_id"),
        Some(kept.clone())
    );
    assert_eq!(
        ok(
            store.token_by_digest(&kept_token.token_digest),
            "token_by_digest"
        ),
        Some(kept_token)
    );
    assert_eq!(
        ok(
            store.token_by_digest(&admin_token.token_digest),
            "token_by_digest"
        ),
        Some(admin_token)
    );
    assert_eq!(
        ok(
            store.integration_by_id(kept_integration.id),
            "integration_by_id"
        ),
        Some(kept_integration)
    );

    // Only the other consumer's nonce is left to delete: the doomed consumer's went with it.
    assert_eq!(
        ok(
            store.delete_nonces_before(LATE_TIME, 100),
            "delete_nonces_before"
        ),
        1,
        "delete_consumer deletes the consumer's nonces and only those"
    );

    assert!(
        !ok(store.delete_consumer(doomed.id), "delete_consumer"),
        "deleting a consumer twice returns false the second time"
    );
}
