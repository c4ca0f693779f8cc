//! Cases for [`RevocationRepository`](crate::RevocationRepository): per-user watermarks and
//! per-token revocations of bearer tokens.

use super::ok;
use super::samples::*;
use crate::entities::{TokenRevocation, UserRevocation, UserType};
use crate::repository::Store;

/// A token revocation of `token_id`, owned by admin 1, expiring at `expires_at`.
fn token_revocation(token_id: &str, expires_at: i64) -> TokenRevocation {
    TokenRevocation {
        token_id: token_id.to_owned(),
        user_type: UserType::Admin,
        user_id: 1,
        expires_at,
    }
}

/// The watermark of a user only rises: a lower `revoke_before` never lowers it. Each user type
/// and id has its own.
pub fn user_revocation_watermark_only_rises<S: Store>(store: &S) {
    let revoke = |user_type, user_id, revoke_before| {
        let revocation = UserRevocation {
            user_type,
            user_id,
            revoke_before,
        };
        ok(store.revoke_user_tokens(revocation), "revoke_user_tokens");
    };
    let watermark =
        |user_type, user_id| ok(store.user_revocation(user_type, user_id), "user_revocation");

    assert_eq!(
        watermark(UserType::Admin, 7),
        None,
        "a user never revoked has no watermark"
    );

    revoke(UserType::Admin, 7, SAMPLE_TIME);
    assert_eq!(watermark(UserType::Admin, 7), Some(SAMPLE_TIME));

    revoke(UserType::Admin, 7, SAMPLE_TIME - 50);
    assert_eq!(
        watermark(UserType::Admin, 7),
        Some(SAMPLE_TIME),
        "a lower revoke_before does not lower the watermark"
    );

    revoke(UserType::Admin, 7, SAMPLE_TIME + 50);
    assert_eq!(
        watermark(UserType::Admin, 7),
        Some(SAMPLE_TIME + 50),
        "a higher revoke_before raises the watermark"
    );

    assert_eq!(
        watermark(UserType::Customer, 7),
        None,
        "the same id of another user type has its own watermark"
    );
    assert_eq!(
        watermark(UserType::Admin, 8),
        None,
        "another user has its own watermark"
    );
}

/// A revoked token is revoked, others are not, and recording it twice is no error and keeps
/// one record.
pub fn token_revocation_is_idempotent<S: Store>(store: &S) {
    let revoked = |token_id| ok(store.is_token_revoked(token_id), "is_token_revoked");
    assert!(!revoked("jti-1"), "a token never revoked is not revoked");

    let revocation = token_revocation("jti-1", SAMPLE_TIME + 3_600);
    ok(
        store.revoke_single_token(revocation.clone()),
        "revoke_single_token",
    );
    assert!(revoked("jti-1"), "revoke_single_token revokes the token");
    ok(
        store.revoke_single_token(revocation),
        "revoke_single_token of a token already revoked",
    );
    assert!(revoked("jti-1"));
    assert!(
        !revoked("jti-2"),
        "revoking one token leaves the others valid"
    );

    assert_eq!(
        ok(
            store.delete_expired_token_revocations(LATE_TIME, 100),
            "delete_expired_token_revocations"
        ),
        1,
        "a token revoked twice is recorded once"
    );
    assert!(!revoked("jti-1"), "a deleted revocation no longer revokes");
}

/// `delete_user_revocations_before` deletes at most `limit` watermarks set strictly before the
/// boundary, and keeps the others.
pub fn delete_user_revocations_honours_boundary_and_limit<S: Store>(store: &S) {
    let boundary = SAMPLE_TIME;
    let rows = [
        (UserType::Admin, 1, boundary - 86_400),
        (UserType::Admin, 2, boundary - 1),
        (UserType::Customer, 1, boundary - 1),
        (UserType::Customer, 2, boundary),
        (UserType::Admin, 3, boundary + 1),
    ];
    for (user_type, user_id, revoke_before) in rows {
        let revocation = UserRevocation {
            user_type,
            user_id,
            revoke_before,
        };
        ok(store.revoke_user_tokens(revocation), "revoke_user_tokens");
    }

    let delete = |limit| {
        ok(
            store.delete_user_revocations_before(boundary, limit),
            "delete_user_revocations_before",
        )
    };
    assert_eq!(delete(2), 2, "at most `limit` watermarks are deleted");
    assert_eq!(delete(2), 1, "the rest go in the next batch");
    assert_eq!(delete(2), 0, "then nothing is left before the boundary");

    for (user_type, user_id, revoke_before) in rows {
        let kept = ok(store.user_revocation(user_type, user_id), "user_revocation");
        let expected = (revoke_before >= boundary).then_some(revoke_before);
        assert_eq!(
            kept, expected,
            "the watermark of {user_type:?} {user_id} is deleted exactly when it is before the \
             boundary"
        );
    }
}

/// `delete_expired_token_revocations` deletes at most `limit` revocations whose token expired
/// at or before `now`, and keeps the others.
pub fn delete_expired_token_revocations_honours_boundary_and_limit<S: Store>(store: &S) {
    let now = SAMPLE_TIME;
    let rows = [
        ("expired-long-ago", now - 86_400),
        ("expired-just-now", now - 1),
        ("expires-at-now", now),
        ("expires-later", now + 1),
    ];
    for (token_id, expires_at) in rows {
        ok(
            store.revoke_single_token(token_revocation(token_id, expires_at)),
            "revoke_single_token",
        );
    }

    let delete = |limit| {
        ok(
            store.delete_expired_token_revocations(now, limit),
            "delete_expired_token_revocations",
        )
    };
    assert_eq!(delete(2), 2, "at most `limit` revocations are deleted");
    assert_eq!(delete(2), 1, "the rest go in the next batch");
    assert_eq!(delete(2), 0, "then no expired revocation is left");

    for (token_id, expires_at) in rows {
        assert_eq!(
            ok(store.is_token_revoked(token_id), "is_token_revoked"),
            expires_at > now,
            "the revocation of {token_id:?} is deleted exactly when its token expired at or \
             before now"
        );
    }
}
