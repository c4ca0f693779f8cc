//! Cases for [`LoginFailureRepository`](crate::LoginFailureRepository): the failed-login
//! counters behind login throttling.

use super::ok;
use super::samples::*;
use crate::entities::{LoginFailures, UserType};
use crate::repository::Store;

/// The lock window of the reference: 30 minutes.
const LOCK_SECONDS: i64 = 1_800;

/// Failures within the lock count up from 1 per user name and user type, and the row keeps the
/// latest `lock_expires_at`.
pub fn login_failures_count_within_lock<S: Store>(store: &S) {
    let record = |user_name, user_type, now| {
        ok(
            store.record_login_failure(user_name, user_type, now, now + LOCK_SECONDS),
            "record_login_failure",
        )
    };

    assert_eq!(
        ok(
            store.login_failures("alice", UserType::Admin),
            "login_failures"
        ),
        None,
        "a user who never failed has no counter"
    );
    assert_eq!(
        record("alice", UserType::Admin, SAMPLE_TIME),
        1,
        "the first failure counts 1"
    );
    assert_eq!(record("alice", UserType::Admin, SAMPLE_TIME + 10), 2);
    assert_eq!(record("alice", UserType::Admin, SAMPLE_TIME + 20), 3);

    assert_eq!(
        ok(
            store.login_failures("alice", UserType::Admin),
            "login_failures"
        ),
        Some(LoginFailures {
            user_name: "alice".to_owned(),
            user_type: UserType::Admin,
            failures_count: 3,
            lock_expires_at: SAMPLE_TIME + 20 + LOCK_SECONDS,
        }),
        "the counter holds the count and the latest lock expiry"
    );

    assert_eq!(
        record("alice", UserType::Customer, SAMPLE_TIME + 30),
        1,
        "the same name as another user type has its own counter"
    );
    assert_eq!(
        record("bob", UserType::Admin, SAMPLE_TIME + 30),
        1,
        "another name has its own counter"
    );
    assert_eq!(
        ok(
            store.login_failures("alice", UserType::Admin),
            "login_failures"
        )
        .map(|row| row.failures_count),
        Some(3),
        "other users' failures leave the counter alone"
    );
}

/// A failure when the row's lock expired starts the count again at 1; a lock expiring exactly
/// `now` counts as expired.
pub fn login_failures_restart_when_lock_lapses<S: Store>(store: &S) {
    let record = |now, lock_expires_at| {
        ok(
            store.record_login_failure("carol", UserType::Customer, now, lock_expires_at),
            "record_login_failure",
        )
    };
    let lock = SAMPLE_TIME + 100;

    assert_eq!(record(SAMPLE_TIME, lock), 1);
    assert_eq!(
        record(lock - 1, lock),
        2,
        "one second before the lock expires, it still counts"
    );
    assert_eq!(
        record(lock, lock + 100),
        1,
        "when lock_expires_at equals now the lock has expired and the count restarts"
    );
    assert_eq!(
        ok(
            store.login_failures("carol", UserType::Customer),
            "login_failures"
        ),
        Some(LoginFailures {
            user_name: "carol".to_owned(),
            user_type: UserType::Customer,
            failures_count: 1,
            lock_expires_at: lock + 100,
        }),
        "the restarted counter carries the new lock expiry"
    );
    assert_eq!(record(lock + 10, lock + 200), 2);
    assert_eq!(
        record(SAMPLE_TIME + 86_400, SAMPLE_TIME + 86_400 + LOCK_SECONDS),
        1,
        "a failure long after the lock lapsed counts 1"
    );
}

/// `reset_login_failures` forgets one user name and type only; resetting a user without
/// failures is fine.
pub fn reset_login_failures_forgets_one_user<S: Store>(store: &S) {
    let record = |user_name, user_type| {
        ok(
            store.record_login_failure(
                user_name,
                user_type,
                SAMPLE_TIME,
                SAMPLE_TIME + LOCK_SECONDS,
            ),
            "record_login_failure",
        )
    };
    record("dave", UserType::Admin);
    record("dave", UserType::Admin);
    record("dave", UserType::Customer);
    record("erin", UserType::Admin);

    ok(
        store.reset_login_failures("dave", UserType::Admin),
        "reset_login_failures",
    );

    assert_eq!(
        ok(
            store.login_failures("dave", UserType::Admin),
            "login_failures"
        ),
        None,
        "reset_login_failures forgets the counter"
    );
    let count = |user_name, user_type| {
        ok(store.login_failures(user_name, user_type), "login_failures")
            .map(|row| row.failures_count)
    };
    assert_eq!(
        count("dave", UserType::Customer),
        Some(1),
        "the other user type is kept"
    );
    assert_eq!(
        count("erin", UserType::Admin),
        Some(1),
        "other names are kept"
    );
    assert_eq!(
        record("dave", UserType::Admin),
        1,
        "after a reset the count starts at 1"
    );

    ok(
        store.reset_login_failures("nobody", UserType::Admin),
        "reset_login_failures of a user without failures",
    );
}

/// `delete_expired_login_failures` deletes at most `limit` counters whose lock expired at or
/// before `now`, and keeps the others.
pub fn delete_expired_login_failures_honours_boundary_and_limit<S: Store>(store: &S) {
    let now = SAMPLE_TIME;
    let rows = [
        ("expired-long-ago", now - 3_600),
        ("expired-just-now", now - 1),
        ("expires-at-now", now),
        ("expires-later", now + 1),
    ];
    for (user_name, lock_expires_at) in rows {
        ok(
            store.record_login_failure(user_name, UserType::Admin, now - 7_200, lock_expires_at),
            "record_login_failure",
        );
    }

    let delete = |limit| {
        ok(
            store.delete_expired_login_failures(now, limit),
            "delete_expired_login_failures",
        )
    };
    assert_eq!(delete(2), 2, "at most `limit` counters are deleted");
    assert_eq!(delete(2), 1, "the rest go in the next batch");
    assert_eq!(delete(2), 0, "then no expired counter is left");

    for (user_name, lock_expires_at) in rows {
        let kept = ok(
            store.login_failures(user_name, UserType::Admin),
            "login_failures",
        );
        assert_eq!(
            kept.is_some(),
            lock_expires_at > now,
            "the counter {user_name:?} is deleted exactly when its lock expired at or before now"
        );
    }
}
