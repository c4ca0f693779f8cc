//! The statements whose SQL differs between backends, written once per backend.
//!
//! Everything else is built with diesel's query builder and runs unchanged on all three.
//! What differs:
//! - upserts: `ON CONFLICT … DO UPDATE` (SQLite, PostgreSQL) against
//!   `ON DUPLICATE KEY UPDATE` (MySQL);
//! - bounded deletes: SQLite and PostgreSQL delete the keys a `LIMIT`ed sub-select found,
//!   while MySQL cannot `LIMIT` a sub-select of the table it deletes from, and instead takes
//!   `ORDER BY … LIMIT` on the `DELETE` itself;
//! - placeholders: `$1, $2, …` on PostgreSQL, `?` elsewhere.
//!
//! Each statement's binds are listed in its documentation, in order; every backend's text
//! takes the same binds in the same order, so one bind chain serves all three.

use crate::connection::Backend;

/// One statement in each backend's dialect.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Statement {
    sqlite: &'static str,
    postgres: &'static str,
    mysql: &'static str,
}

impl Statement {
    /// The text for `backend`.
    pub(crate) fn sql(&self, backend: Backend) -> &'static str {
        match backend {
            Backend::Sqlite => self.sqlite,
            Backend::Postgres => self.postgres,
            Backend::Mysql => self.mysql,
        }
    }
}

/// Counts one login failure, restarting at 1 when the previous lock has expired.
/// Binds: user_name (Text), user_type (SmallInt), lock_expires_at (BigInt), now (BigInt).
///
/// MySQL applies assignments left to right: `failures_count` is computed from the old
/// `lock_expires_at` before that column is overwritten.
pub(crate) const RECORD_LOGIN_FAILURE: Statement = Statement {
    sqlite: "INSERT INTO oauth_token_request_log \
                 (user_name, user_type, failures_count, lock_expires_at) \
             VALUES (?, ?, 1, ?) \
             ON CONFLICT (user_name, user_type) DO UPDATE SET \
                 failures_count = CASE \
                     WHEN oauth_token_request_log.lock_expires_at <= ? THEN 1 \
                     ELSE oauth_token_request_log.failures_count + 1 END, \
                 lock_expires_at = excluded.lock_expires_at",
    postgres: "INSERT INTO oauth_token_request_log \
                   (user_name, user_type, failures_count, lock_expires_at) \
               VALUES ($1, $2, 1, $3) \
               ON CONFLICT (user_name, user_type) DO UPDATE SET \
                   failures_count = CASE \
                       WHEN oauth_token_request_log.lock_expires_at <= $4 THEN 1 \
                       ELSE oauth_token_request_log.failures_count + 1 END, \
                   lock_expires_at = excluded.lock_expires_at",
    mysql: "INSERT INTO oauth_token_request_log \
                (user_name, user_type, failures_count, lock_expires_at) \
            VALUES (?, ?, 1, ?) \
            ON DUPLICATE KEY UPDATE \
                failures_count = CASE \
                    WHEN lock_expires_at <= ? THEN 1 \
                    ELSE failures_count + 1 END, \
                lock_expires_at = VALUES(lock_expires_at)",
};

/// Raises a user's revocation watermark, never lowering it.
/// Binds: user_type_id (SmallInt), user_id (BigInt), revoke_before (BigInt).
pub(crate) const REVOKE_USER_TOKENS: Statement = Statement {
    sqlite: "INSERT INTO jwt_auth_revoked (user_type_id, user_id, revoke_before) \
             VALUES (?, ?, ?) \
             ON CONFLICT (user_type_id, user_id) DO UPDATE SET \
                 revoke_before = MAX(jwt_auth_revoked.revoke_before, excluded.revoke_before)",
    postgres: "INSERT INTO jwt_auth_revoked (user_type_id, user_id, revoke_before) \
               VALUES ($1, $2, $3) \
               ON CONFLICT (user_type_id, user_id) DO UPDATE SET \
                   revoke_before = \
                       GREATEST(jwt_auth_revoked.revoke_before, excluded.revoke_before)",
    mysql: "INSERT INTO jwt_auth_revoked (user_type_id, user_id, revoke_before) \
            VALUES (?, ?, ?) \
            ON DUPLICATE KEY UPDATE \
                revoke_before = GREATEST(revoke_before, VALUES(revoke_before))",
};

/// Deletes a batch of opaque bearer tokens of one user type created before a time.
/// Binds: user_type (SmallInt), created_before (BigInt), limit (BigInt).
pub(crate) const DELETE_USER_TOKENS: Statement = Statement {
    sqlite: "DELETE FROM oauth_token WHERE entity_id IN (\
                 SELECT entity_id FROM oauth_token \
                 WHERE user_type = ? AND created_at < ? LIMIT ?)",
    postgres: "DELETE FROM oauth_token WHERE entity_id IN (\
                   SELECT entity_id FROM oauth_token \
                   WHERE user_type = $1 AND created_at < $2 LIMIT $3)",
    mysql: "DELETE FROM oauth_token \
            WHERE user_type = ? AND created_at < ? \
            ORDER BY user_type, created_at LIMIT ?",
};

/// Deletes a batch of consumer tokens of one kind created before a time.
/// Binds: user_type (SmallInt, always the integration's), type (Text), created_before
/// (BigInt), limit (BigInt).
pub(crate) const DELETE_CONSUMER_TOKENS: Statement = Statement {
    sqlite: "DELETE FROM oauth_token WHERE entity_id IN (\
                 SELECT entity_id FROM oauth_token \
                 WHERE user_type = ? AND \"type\" = ? AND created_at < ? LIMIT ?)",
    postgres: "DELETE FROM oauth_token WHERE entity_id IN (\
                   SELECT entity_id FROM oauth_token \
                   WHERE user_type = $1 AND \"type\" = $2 AND created_at < $3 LIMIT $4)",
    mysql: "DELETE FROM oauth_token \
            WHERE user_type = ? AND `type` = ? AND created_at < ? \
            ORDER BY user_type, created_at LIMIT ?",
};

/// Deletes a batch of nonces stamped before a time.
/// Binds: timestamp (BigInt), limit (BigInt).
pub(crate) const DELETE_NONCES: Statement = Statement {
    sqlite: "DELETE FROM oauth_nonce WHERE rowid IN (\
                 SELECT rowid FROM oauth_nonce WHERE \"timestamp\" < ? LIMIT ?)",
    postgres: "DELETE FROM oauth_nonce WHERE (nonce, consumer_id) IN (\
                   SELECT nonce, consumer_id FROM oauth_nonce \
                   WHERE \"timestamp\" < $1 LIMIT $2)",
    mysql: "DELETE FROM oauth_nonce WHERE `timestamp` < ? ORDER BY `timestamp` LIMIT ?",
};

/// Deletes a batch of login-failure counters whose lock has expired.
/// Binds: now (BigInt), limit (BigInt).
pub(crate) const DELETE_EXPIRED_LOGIN_FAILURES: Statement = Statement {
    sqlite: "DELETE FROM oauth_token_request_log WHERE log_id IN (\
                 SELECT log_id FROM oauth_token_request_log \
                 WHERE lock_expires_at <= ? LIMIT ?)",
    postgres: "DELETE FROM oauth_token_request_log WHERE log_id IN (\
                   SELECT log_id FROM oauth_token_request_log \
                   WHERE lock_expires_at <= $1 LIMIT $2)",
    mysql: "DELETE FROM oauth_token_request_log \
            WHERE lock_expires_at <= ? ORDER BY lock_expires_at LIMIT ?",
};

/// Deletes a batch of user revocation watermarks set before a time.
/// Binds: revoke_before (BigInt), limit (BigInt).
pub(crate) const DELETE_USER_REVOCATIONS: Statement = Statement {
    sqlite: "DELETE FROM jwt_auth_revoked WHERE rowid IN (\
                 SELECT rowid FROM jwt_auth_revoked WHERE revoke_before < ? LIMIT ?)",
    postgres: "DELETE FROM jwt_auth_revoked WHERE (user_type_id, user_id) IN (\
                   SELECT user_type_id, user_id FROM jwt_auth_revoked \
                   WHERE revoke_before < $1 LIMIT $2)",
    mysql: "DELETE FROM jwt_auth_revoked \
            WHERE revoke_before < ? ORDER BY revoke_before LIMIT ?",
};

/// Deletes a batch of single-token revocations whose token has expired.
/// Binds: now (BigInt), limit (BigInt).
pub(crate) const DELETE_EXPIRED_TOKEN_REVOCATIONS: Statement = Statement {
    sqlite: "DELETE FROM jwt_auth_revoked_token WHERE token_id IN (\
                 SELECT token_id FROM jwt_auth_revoked_token WHERE expires_at <= ? LIMIT ?)",
    postgres: "DELETE FROM jwt_auth_revoked_token WHERE token_id IN (\
                   SELECT token_id FROM jwt_auth_revoked_token \
                   WHERE expires_at <= $1 LIMIT $2)",
    mysql: "DELETE FROM jwt_auth_revoked_token \
            WHERE expires_at <= ? ORDER BY expires_at LIMIT ?",
};

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: &[Statement] = &[
        RECORD_LOGIN_FAILURE,
        REVOKE_USER_TOKENS,
        DELETE_USER_TOKENS,
        DELETE_CONSUMER_TOKENS,
        DELETE_NONCES,
        DELETE_EXPIRED_LOGIN_FAILURES,
        DELETE_USER_REVOCATIONS,
        DELETE_EXPIRED_TOKEN_REVOCATIONS,
    ];

    /// Every dialect takes the same number of binds, so one bind chain fits all three.
    #[test]
    fn dialects_take_the_same_binds() {
        for statement in ALL {
            let question_marks = |sql: &str| sql.matches('?').count();
            let numbered = (1..=9)
                .filter(|n| statement.postgres.contains(&format!("${n}")))
                .count();
            assert_eq!(
                question_marks(statement.sqlite),
                numbered,
                "{}",
                statement.sqlite
            );
            assert_eq!(
                question_marks(statement.mysql),
                numbered,
                "{}",
                statement.mysql
            );
            assert_eq!(
                question_marks(statement.postgres),
                0,
                "{}",
                statement.postgres
            );
        }
    }
}
