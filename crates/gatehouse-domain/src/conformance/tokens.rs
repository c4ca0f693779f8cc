//! Cases for [`TokenRepository`](crate::TokenRepository): the `oauth_token` rows of consumers,
//! admins and customers, their conversions and their housekeeping.

use super::samples::*;
use super::{assert_any_conflict, assert_conflict, assert_missing_reference, ok, unknown_id};
use crate::entities::*;
use crate::ids::{AdminId, ConsumerId, CustomerId, TokenId};
use crate::repository::Store;

/// `create_token` stores every field with `revoked = false`, for each kind of owner, and
/// `token_by_digest` returns the row it returned.
pub fn token_round_trips<S: Store>(store: &S) {
    let consumer = ok(store.create_consumer(sample_consumer(1)), "create_consumer");
    let admin = ok(store.create_admin(sample_admin(1)), "create_admin");
    let customer = ok(store.create_customer(sample_customer(1)), "create_customer");

    let new_tokens = [
        NewToken {
            callback_url: "https://integration1.example.com/oauth/callback".to_owned(),
            ..sample_token(TokenOwner::Consumer(consumer.id), TokenKind::Verifier, 1)
        },
        sample_token(TokenOwner::Admin(admin.id), TokenKind::Access, 2),
        sample_token(TokenOwner::Customer(customer.id), TokenKind::Access, 3),
    ];

    let mut ids = Vec::new();
    for new_token in new_tokens {
        let created = ok(store.create_token(new_token.clone()), "create_token");

        let expected = Token {
            id: created.id,
            owner: new_token.owner,
            kind: new_token.kind,
            token_digest: new_token.token_digest.clone(),
            sealed_secret: new_token.sealed_secret,
            verifier_digest: new_token.verifier_digest,
            callback_url: new_token.callback_url,
            revoked: false,
            authorized: new_token.authorized,
            created_at: new_token.created_at,
        };
        assert_eq!(
            created, expected,
            "create_token stores every field, not revoked"
        );
        assert_eq!(
            ok(
                store.token_by_digest(&new_token.token_digest),
                "token_by_digest"
            ),
            Some(expected),
            "token_by_digest returns the stored row"
        );
        ids.push(created.id);
    }

    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "each token gets its own id");
}

/// Lookups of a digest nobody has, and of a consumer without tokens, return `None`.
pub fn token_lookups_miss_unknown<S: Store>(store: &S) {
    let with_token = ok(store.create_consumer(sample_consumer(1)), "create_consumer");
    let without_token = ok(store.create_consumer(sample_consumer(2)), "create_consumer");
    ok(
        store.create_token(sample_token(
            TokenOwner::Consumer(with_token.id),
            TokenKind::Access,
            1,
        )),
        "create_token",
    );

    assert_eq!(
        ok(store.token_by_digest(&sample_digest(2)), "token_by_digest"),
        None,
        "token_by_digest of an unknown digest is None"
    );
    assert_eq!(
        ok(
            store.token_by_consumer(without_token.id),
            "token_by_consumer"
        ),
        None,
        "token_by_consumer of a consumer without tokens is None"
    );
    let unknown = ConsumerId(unknown_id(without_token.id.0));
    assert_eq!(
        ok(store.token_by_consumer(unknown), "token_by_consumer"),
        None
    );
}

/// A second token with a taken digest is refused with `Conflict { what: "token" }`, whoever
/// owns either token, and the first is left as it was.
pub fn token_digest_is_unique<S: Store>(store: &S) {
    let consumer = ok(store.create_consumer(sample_consumer(1)), "create_consumer");
    let admin = ok(store.create_admin(sample_admin(1)), "create_admin");
    let first = ok(
        store.create_token(sample_token(
            TokenOwner::Consumer(consumer.id),
            TokenKind::Access,
            1,
        )),
        "create_token",
    );

    assert_conflict(
        store.create_token(sample_token(
            TokenOwner::Consumer(consumer.id),
            TokenKind::Request,
            1,
        )),
        "token",
        "create_token with a taken digest",
    );
    assert_conflict(
        store.create_token(sample_token(
            TokenOwner::Admin(admin.id),
            TokenKind::Access,
            1,
        )),
        "token",
        "create_token of an admin with a consumer token's digest",
    );

    assert_eq!(
        ok(
            store.token_by_digest(&first.token_digest),
            "token_by_digest"
        ),
        Some(first),
        "the refused inserts leave the first token unchanged"
    );
}

/// A token whose consumer, admin or customer does not exist is refused with
/// `MissingReference`, and stores nothing.
pub fn token_owner_must_exist<S: Store>(store: &S) {
    let consumer = ok(store.create_consumer(sample_consumer(1)), "create_consumer");
    let admin = ok(store.create_admin(sample_admin(1)), "create_admin");
    let customer = ok(store.create_customer(sample_customer(1)), "create_customer");

    let orphans = [
        TokenOwner::Consumer(ConsumerId(unknown_id(consumer.id.0))),
        TokenOwner::Admin(AdminId(unknown_id(admin.id.0))),
        TokenOwner::Customer(CustomerId(unknown_id(customer.id.0))),
    ];
    for (n, owner) in (1..).zip(orphans) {
        assert_missing_reference(
            store.create_token(sample_token(owner, TokenKind::Access, n)),
            &format!("create_token for the unknown owner {owner:?}"),
        );
        assert_eq!(
            ok(store.token_by_digest(&sample_digest(n)), "token_by_digest"),
            None,
            "a refused token is not stored"
        );
    }

    // The refused digests are still free.
    ok(
        store.create_token(sample_token(
            TokenOwner::Consumer(consumer.id),
            TokenKind::Access,
            1,
        )),
        "create_token with a digest an orphan was refused",
    );
}

/// `token_by_consumer` returns the consumer's newest token (latest `created_at`, then the one
/// inserted last), never another consumer's.
pub fn token_by_consumer_returns_newest<S: Store>(store: &S) {
    let consumer = ok(store.create_consumer(sample_consumer(1)), "create_consumer");
    let other = ok(store.create_consumer(sample_consumer(2)), "create_consumer");
    let owner = TokenOwner::Consumer(consumer.id);

    let tokens = [
        (TokenKind::Access, SAMPLE_TIME - 200),
        (TokenKind::Verifier, SAMPLE_TIME),
        (TokenKind::Request, SAMPLE_TIME),
    ];
    let mut newest = None;
    for (n, (kind, created_at)) in (1..).zip(tokens) {
        let token = NewToken {
            created_at,
            ..sample_token(owner, kind, n)
        };
        newest = Some(ok(store.create_token(token), "create_token"));
    }
    // Another consumer's token, newer than all of them, must not be picked.
    let newer_elsewhere = NewToken {
        created_at: SAMPLE_TIME + 500,
        ..sample_token(TokenOwner::Consumer(other.id), TokenKind::Access, 10)
    };
    let other_token = ok(store.create_token(newer_elsewhere), "create_token");

    assert_eq!(
        ok(store.token_by_consumer(consumer.id), "token_by_consumer"),
        newest,
        "token_by_consumer returns the newest token of that consumer"
    );
    assert_eq!(
        ok(store.token_by_consumer(other.id), "token_by_consumer"),
        Some(other_token)
    );
}

/// `convert_token` moves a row verifier → request → access: it changes the kind, digest,
/// sealed secret and authorized flag, keeps the id and every other field, and the old digest
/// no longer finds the row.
pub fn convert_token_moves_one_stage<S: Store>(store: &S) {
    let consumer = ok(store.create_consumer(sample_consumer(1)), "create_consumer");
    let verifier = ok(
        store.create_token(sample_token(
            TokenOwner::Consumer(consumer.id),
            TokenKind::Verifier,
            1,
        )),
        "create_token",
    );

    let mut current = verifier.clone();
    for (n, (expected, into)) in (2..).zip([
        (TokenKind::Verifier, TokenKind::Request),
        (TokenKind::Request, TokenKind::Access),
    ]) {
        let conversion = sample_conversion(into, n);
        let converted = ok(
            store.convert_token(current.id, expected, conversion.clone()),
            "convert_token",
        )
        .unwrap_or_else(|| panic!("convert_token of a {expected:?} row must succeed"));

        let wanted = Token {
            kind: conversion.kind,
            token_digest: conversion.token_digest.clone(),
            sealed_secret: conversion.sealed_secret,
            authorized: conversion.authorized,
            ..verifier.clone()
        };
        assert_eq!(
            converted, wanted,
            "convert_token {expected:?} → {into:?} returns the new row"
        );
        assert_eq!(
            ok(
                store.token_by_digest(&conversion.token_digest),
                "token_by_digest"
            ),
            Some(wanted),
            "the new digest finds the converted row"
        );
        assert_eq!(
            ok(
                store.token_by_digest(&current.token_digest),
                "token_by_digest"
            ),
            None,
            "the old digest no longer finds the row"
        );
        current = converted;
    }
}

/// `convert_token` returns `None`, changing nothing, when the row is of another kind than
/// `expected` or does not exist.
pub fn convert_token_requires_expected_kind<S: Store>(store: &S) {
    let consumer = ok(store.create_consumer(sample_consumer(1)), "create_consumer");
    let verifier = ok(
        store.create_token(sample_token(
            TokenOwner::Consumer(consumer.id),
            TokenKind::Verifier,
            1,
        )),
        "create_token",
    );

    for wrong_kind in [TokenKind::Request, TokenKind::Access] {
        let converted = ok(
            store.convert_token(
                verifier.id,
                wrong_kind,
                sample_conversion(TokenKind::Access, 2),
            ),
            "convert_token",
        );
        assert_eq!(
            converted, None,
            "convert_token expecting {wrong_kind:?} of a verifier row returns None"
        );
    }
    assert_eq!(
        ok(
            store.token_by_digest(&verifier.token_digest),
            "token_by_digest"
        ),
        Some(verifier.clone()),
        "a refused conversion leaves the row unchanged"
    );
    assert_eq!(
        ok(store.token_by_digest(&sample_digest(2)), "token_by_digest"),
        None,
        "a refused conversion stores no new digest"
    );

    let unknown = TokenId(unknown_id(verifier.id.0));
    let converted = ok(
        store.convert_token(
            unknown,
            TokenKind::Verifier,
            sample_conversion(TokenKind::Request, 3),
        ),
        "convert_token",
    );
    assert_eq!(
        converted, None,
        "convert_token of an unknown row returns None"
    );

    // Once converted, the row is no longer a verifier: a second identical conversion fails.
    let first = ok(
        store.convert_token(
            verifier.id,
            TokenKind::Verifier,
            sample_conversion(TokenKind::Request, 4),
        ),
        "convert_token",
    );
    assert!(
        first.is_some(),
        "the first conversion of the verifier row succeeds"
    );
    let second = ok(
        store.convert_token(
            verifier.id,
            TokenKind::Verifier,
            sample_conversion(TokenKind::Request, 5),
        ),
        "convert_token",
    );
    assert_eq!(second, None, "a row converts out of a kind only once");
    assert_eq!(
        ok(store.token_by_digest(&sample_digest(5)), "token_by_digest"),
        None
    );
}

/// `convert_token` to a digest another row holds fails with `Conflict` and changes neither row.
pub fn convert_token_refuses_taken_digest<S: Store>(store: &S) {
    let consumer = ok(store.create_consumer(sample_consumer(1)), "create_consumer");
    let other = ok(store.create_consumer(sample_consumer(2)), "create_consumer");
    let verifier = ok(
        store.create_token(sample_token(
            TokenOwner::Consumer(consumer.id),
            TokenKind::Verifier,
            1,
        )),
        "create_token",
    );
    let holder = ok(
        store.create_token(sample_token(
            TokenOwner::Consumer(other.id),
            TokenKind::Request,
            2,
        )),
        "create_token",
    );

    assert_any_conflict(
        store.convert_token(
            verifier.id,
            TokenKind::Verifier,
            sample_conversion(TokenKind::Request, 2),
        ),
        "convert_token to a taken digest",
    );

    assert_eq!(
        ok(
            store.token_by_digest(&verifier.token_digest),
            "token_by_digest"
        ),
        Some(verifier),
        "the refused conversion leaves the row unchanged"
    );
    assert_eq!(
        ok(
            store.token_by_digest(&holder.token_digest),
            "token_by_digest"
        ),
        Some(holder),
        "the refused conversion leaves the digest's holder unchanged"
    );
}

/// `revoke_token_row` marks the row revoked, touches no other row, and reports whether the row
/// exists; revoking twice is fine.
pub fn revoke_token_row_marks_revoked<S: Store>(store: &S) {
    let admin = ok(store.create_admin(sample_admin(1)), "create_admin");
    let target = ok(
        store.create_token(sample_token(
            TokenOwner::Admin(admin.id),
            TokenKind::Access,
            1,
        )),
        "create_token",
    );
    let bystander = ok(
        store.create_token(sample_token(
            TokenOwner::Admin(admin.id),
            TokenKind::Access,
            2,
        )),
        "create_token",
    );

    assert!(ok(store.revoke_token_row(target.id), "revoke_token_row"));
    let revoked = Token {
        revoked: true,
        ..target.clone()
    };
    assert_eq!(
        ok(
            store.token_by_digest(&target.token_digest),
            "token_by_digest"
        ),
        Some(revoked.clone()),
        "revoke_token_row sets revoked and nothing else"
    );
    assert_eq!(
        ok(
            store.token_by_digest(&bystander.token_digest),
            "token_by_digest"
        ),
        Some(bystander.clone()),
        "revoke_token_row leaves other rows alone"
    );

    assert!(
        ok(store.revoke_token_row(target.id), "revoke_token_row"),
        "revoking a revoked row still reports that it exists"
    );
    assert_eq!(
        ok(
            store.token_by_digest(&target.token_digest),
            "token_by_digest"
        ),
        Some(revoked)
    );

    let unknown = TokenId(unknown_id(target.id.0.max(bystander.id.0)));
    assert!(
        !ok(store.revoke_token_row(unknown), "revoke_token_row"),
        "revoke_token_row of an unknown row returns false"
    );
}

/// `delete_tokens_of_consumer` deletes every token of that consumer, whatever its kind or age,
/// returns how many, and leaves the consumer and everyone else's tokens.
pub fn delete_tokens_of_consumer_removes_only_its_tokens<S: Store>(store: &S) {
    let consumer = ok(store.create_consumer(sample_consumer(1)), "create_consumer");
    let other = ok(store.create_consumer(sample_consumer(2)), "create_consumer");
    let customer = ok(store.create_customer(sample_customer(1)), "create_customer");

    let owner = TokenOwner::Consumer(consumer.id);
    let kinds = [TokenKind::Verifier, TokenKind::Request, TokenKind::Access];
    for (n, kind) in (1..).zip(kinds) {
        ok(
            store.create_token(sample_token(owner, kind, n)),
            "create_token",
        );
    }
    let other_token = ok(
        store.create_token(sample_token(
            TokenOwner::Consumer(other.id),
            TokenKind::Access,
            10,
        )),
        "create_token",
    );
    let customer_token = ok(
        store.create_token(sample_token(
            TokenOwner::Customer(customer.id),
            TokenKind::Access,
            11,
        )),
        "create_token",
    );

    assert_eq!(
        ok(
            store.delete_tokens_of_consumer(consumer.id),
            "delete_tokens_of_consumer"
        ),
        3,
        "delete_tokens_of_consumer returns how many tokens it deleted"
    );

    assert_eq!(
        ok(store.token_by_consumer(consumer.id), "token_by_consumer"),
        None
    );
    for n in 1..=3 {
        assert_eq!(
            ok(store.token_by_digest(&sample_digest(n)), "token_by_digest"),
            None
        );
    }
    assert_eq!(
        ok(store.consumer_by_id(consumer.id), "consumer_by_id"),
        Some(consumer.clone()),
        "delete_tokens_of_consumer keeps the consumer"
    );
    assert_eq!(
        ok(
            store.token_by_digest(&other_token.token_digest),
            "token_by_digest"
        ),
        Some(other_token)
    );
    assert_eq!(
        ok(
            store.token_by_digest(&customer_token.token_digest),
            "token_by_digest"
        ),
        Some(customer_token)
    );
    assert_eq!(
        ok(
            store.delete_tokens_of_consumer(consumer.id),
            "delete_tokens_of_consumer"
        ),
        0,
        "nothing is left to delete the second time"
    );
}

/// `delete_user_tokens_created_before` deletes at most `limit` tokens of the given user type
/// created strictly before the boundary, and no token of another user type or of a consumer.
pub fn delete_user_tokens_honours_type_boundary_and_limit<S: Store>(store: &S) {
    let admin = ok(store.create_admin(sample_admin(1)), "create_admin");
    let customer = ok(store.create_customer(sample_customer(1)), "create_customer");
    let consumer = ok(store.create_consumer(sample_consumer(1)), "create_consumer");
    let boundary = SAMPLE_TIME;

    let admin_owner = TokenOwner::Admin(admin.id);
    let rows = [
        (admin_owner, boundary - 3_600),
        (admin_owner, boundary - 1),
        (admin_owner, boundary - 1),
        (admin_owner, boundary),
        (admin_owner, boundary + 1),
        (TokenOwner::Customer(customer.id), boundary - 1),
        (TokenOwner::Consumer(consumer.id), boundary - 1),
    ];
    for (n, (owner, created_at)) in (1..).zip(rows) {
        let token = NewToken {
            created_at,
            ..sample_token(owner, TokenKind::Access, n)
        };
        ok(store.create_token(token), "create_token");
    }

    let delete = |user_type, limit| {
        ok(
            store.delete_user_tokens_created_before(user_type, boundary, limit),
            "delete_user_tokens_created_before",
        )
    };
    assert_eq!(
        delete(UserType::Admin, 2),
        2,
        "at most `limit` tokens are deleted"
    );
    assert_eq!(
        delete(UserType::Admin, 2),
        1,
        "the rest go in the next batch"
    );
    assert_eq!(
        delete(UserType::Admin, 2),
        0,
        "then nothing is left before the boundary"
    );

    let present = |n| ok(store.token_by_digest(&sample_digest(n)), "token_by_digest").is_some();
    assert!(
        !present(1) && !present(2) && !present(3),
        "the admin tokens created before the boundary are gone"
    );
    assert!(present(4), "a token created at the boundary is kept");
    assert!(present(5), "a token created after the boundary is kept");
    assert!(present(6), "deleting admin tokens keeps customer tokens");
    assert!(present(7), "deleting admin tokens keeps consumer tokens");

    assert_eq!(
        delete(UserType::Customer, 10),
        1,
        "the customer's old token is deleted"
    );
    assert!(!present(6));
    assert!(
        present(4) && present(7),
        "deleting customer tokens keeps the others"
    );
}

/// `delete_consumer_tokens_created_before` deletes at most `limit` consumer tokens of the given
/// kind created strictly before the boundary, and never an access token.
pub fn delete_consumer_tokens_spares_access_tokens<S: Store>(store: &S) {
    let consumer = ok(store.create_consumer(sample_consumer(1)), "create_consumer");
    let admin = ok(store.create_admin(sample_admin(1)), "create_admin");
    let boundary = SAMPLE_TIME;

    let owner = TokenOwner::Consumer(consumer.id);
    let rows = [
        (owner, TokenKind::Request, boundary - 7_200),
        (owner, TokenKind::Request, boundary - 1),
        (owner, TokenKind::Request, boundary - 1),
        (owner, TokenKind::Request, boundary),
        (owner, TokenKind::Verifier, boundary - 1),
        (owner, TokenKind::Verifier, boundary - 1),
        (owner, TokenKind::Verifier, boundary),
        (owner, TokenKind::Access, boundary - 7_200),
        (
            TokenOwner::Admin(admin.id),
            TokenKind::Access,
            boundary - 7_200,
        ),
    ];
    for (n, (owner, kind, created_at)) in (1..).zip(rows) {
        let token = NewToken {
            created_at,
            ..sample_token(owner, kind, n)
        };
        ok(store.create_token(token), "create_token");
    }

    let delete = |kind, before, limit| {
        ok(
            store.delete_consumer_tokens_created_before(kind, before, limit),
            "delete_consumer_tokens_created_before",
        )
    };
    let present = |n| ok(store.token_by_digest(&sample_digest(n)), "token_by_digest").is_some();

    assert_eq!(
        delete(TokenKind::Request, boundary, 2),
        2,
        "at most `limit` tokens are deleted"
    );
    assert_eq!(
        delete(TokenKind::Request, boundary, 2),
        1,
        "the rest go in the next batch"
    );
    assert_eq!(delete(TokenKind::Request, boundary, 2), 0);
    assert!(
        !present(1) && !present(2) && !present(3),
        "old request tokens are gone"
    );
    assert!(
        present(4),
        "a request token created at the boundary is kept"
    );
    assert!(
        present(5) && present(6),
        "deleting request tokens keeps verifier tokens"
    );

    assert_eq!(
        delete(TokenKind::Verifier, boundary, 10),
        2,
        "old verifier tokens are deleted"
    );
    assert!(!present(5) && !present(6));
    assert!(
        present(7),
        "a verifier token created at the boundary is kept"
    );

    assert_eq!(
        delete(TokenKind::Access, LATE_TIME, 10),
        0,
        "access tokens are never deleted by age"
    );
    assert!(
        present(8),
        "an integration's access token survives housekeeping"
    );
    assert!(present(9), "an admin's token is not a consumer token");
}
