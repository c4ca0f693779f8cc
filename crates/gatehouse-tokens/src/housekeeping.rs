//! The cleanup jobs (behaviour.md §7), as plain functions returning how many rows they removed.
//!
//! Each job deletes in batches of [`HousekeepingSettings::batch_size`] rows until a batch comes
//! back short, so no single statement holds a long lock. The jobs are idempotent and safe to
//! run on every replica at once (design decision 9): two replicas deleting the same rows
//! simply share the work.
//!
//! | job | removes |
//! |---|---|
//! | [`delete_expired_user_tokens`] | opaque admin tokens older than 4 h, customer tokens older than 1 h |
//! | [`delete_expired_lockouts`] | failure counters whose lock expired (`lock_expires_at ≤ now`) |
//! | [`delete_old_nonces`] | nonces whose timestamp can no longer be accepted (`< now − window`) |
//! | [`delete_old_request_tokens`] | request tokens created more than 120 min ago |
//! | [`delete_expired_revocations`] | watermarks older than the longest JWT lifetime, and token revocations of expired tokens |

use std::fmt;

use gatehouse_domain::{StorageError, StorageResult, Store, TokenKind, UserType};

use crate::error::TokensError;
use crate::users::TokenSettings;
use crate::Context;

/// Default rows per delete statement.
pub const DEFAULT_BATCH_SIZE: usize = 1000;

/// How old things may get before the jobs remove them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HousekeepingSettings {
    /// Opaque admin tokens created longer ago than this are deleted (default 4 h).
    pub admin_token_lifetime_secs: i64,
    /// Opaque customer tokens created longer ago than this are deleted (default 1 h).
    pub customer_token_lifetime_secs: i64,
    /// The accepted OAuth timestamp difference (`oauth.timestamp_window_secs`, default
    /// 600 s); a nonce is kept as long as its timestamp could be accepted.
    pub nonce_window_secs: i64,
    /// Request tokens created longer ago than this are deleted (default 120 min).
    pub request_token_lifetime_secs: i64,
    /// The longest JWT lifetime (default 60 min): a watermark older than this covers only
    /// expired tokens.
    pub longest_jwt_ttl_secs: i64,
    /// Rows per delete statement (default 1000).
    pub batch_size: usize,
}

impl Default for HousekeepingSettings {
    fn default() -> Self {
        Self::new(&TokenSettings::default(), 600)
    }
}

impl HousekeepingSettings {
    /// The settings that follow from the token settings and the OAuth timestamp window.
    pub fn new(tokens: &TokenSettings, timestamp_window_secs: i64) -> Self {
        Self {
            admin_token_lifetime_secs: tokens
                .admin_opaque_token_lifetime_hours
                .saturating_mul(3600),
            customer_token_lifetime_secs: tokens
                .customer_opaque_token_lifetime_hours
                .saturating_mul(3600),
            nonce_window_secs: timestamp_window_secs,
            request_token_lifetime_secs: 120 * 60,
            longest_jwt_ttl_secs: tokens.longest_jwt_ttl_secs(),
            batch_size: DEFAULT_BATCH_SIZE,
        }
    }
}

/// How many rows each job removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CleanupReport {
    /// Opaque admin tokens past their lifetime.
    pub expired_admin_tokens: usize,
    /// Opaque customer tokens past their lifetime.
    pub expired_customer_tokens: usize,
    /// Failure counters whose lock expired.
    pub expired_lockouts: usize,
    /// Nonces outside the timestamp window.
    pub old_nonces: usize,
    /// Request tokens older than 120 minutes.
    pub old_request_tokens: usize,
    /// Per-user watermarks covering only expired tokens.
    pub expired_user_revocations: usize,
    /// Per-token revocations of expired tokens.
    pub expired_token_revocations: usize,
}

impl CleanupReport {
    /// Rows removed by all jobs together.
    pub fn total(&self) -> usize {
        self.expired_admin_tokens
            + self.expired_customer_tokens
            + self.expired_lockouts
            + self.old_nonces
            + self.old_request_tokens
            + self.expired_user_revocations
            + self.expired_token_revocations
    }
}

impl fmt::Display for CleanupReport {
    /// One line per job, `label: count`, for the command line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines = [
            ("expired admin tokens", self.expired_admin_tokens),
            ("expired customer tokens", self.expired_customer_tokens),
            ("expired lockouts", self.expired_lockouts),
            ("old nonces", self.old_nonces),
            ("old request tokens", self.old_request_tokens),
            ("expired user revocations", self.expired_user_revocations),
            ("expired token revocations", self.expired_token_revocations),
        ];
        for (label, count) in lines {
            writeln!(f, "{label}: {count}")?;
        }
        write!(f, "total: {}", self.total())
    }
}

/// Deletes opaque admin and customer tokens older than their lifetimes. Returns (admin,
/// customer) counts.
pub fn delete_expired_user_tokens(
    store: &dyn Store,
    settings: &HousekeepingSettings,
    now: i64,
) -> StorageResult<(usize, usize)> {
    let admin = drain(settings.batch_size, |limit| {
        store.delete_user_tokens_created_before(
            UserType::Admin,
            now.saturating_sub(settings.admin_token_lifetime_secs),
            limit,
        )
    })?;
    let customer = drain(settings.batch_size, |limit| {
        store.delete_user_tokens_created_before(
            UserType::Customer,
            now.saturating_sub(settings.customer_token_lifetime_secs),
            limit,
        )
    })?;
    Ok((admin, customer))
}

/// Deletes failure counters whose lock expired at or before `now`.
pub fn delete_expired_lockouts(
    store: &dyn Store,
    settings: &HousekeepingSettings,
    now: i64,
) -> StorageResult<usize> {
    drain(settings.batch_size, |limit| {
        store.delete_expired_login_failures(now, limit)
    })
}

/// Deletes nonces whose timestamp is before `now − window`: such a timestamp is refused before
/// its nonce is looked at, so the row protects nothing any more (design decision 5).
pub fn delete_old_nonces(
    store: &dyn Store,
    settings: &HousekeepingSettings,
    now: i64,
) -> StorageResult<usize> {
    let oldest_acceptable = now.saturating_sub(settings.nonce_window_secs);
    drain(settings.batch_size, |limit| {
        store.delete_nonces_before(oldest_acceptable, limit)
    })
}

/// Deletes request tokens created more than the request token lifetime ago. Verifier tokens
/// and integrations' access tokens are never deleted here.
pub fn delete_old_request_tokens(
    store: &dyn Store,
    settings: &HousekeepingSettings,
    now: i64,
) -> StorageResult<usize> {
    let created_before = now.saturating_sub(settings.request_token_lifetime_secs);
    drain(settings.batch_size, |limit| {
        store.delete_consumer_tokens_created_before(TokenKind::Request, created_before, limit)
    })
}

/// Deletes revocations that protect nothing any more. Returns (watermarks, token revocations).
///
/// A token is accepted through the second `exp`. A watermark `w` covers tokens with
/// `iat ≤ w`, which expire by `w + longest ttl`; once `now` is past that, every one of them is
/// refused for expiry alone, so watermarks with `w < now − longest ttl` go. A token revocation
/// goes once its token is refused for expiry, that is when `exp < now`.
pub fn delete_expired_revocations(
    store: &dyn Store,
    settings: &HousekeepingSettings,
    now: i64,
) -> StorageResult<(usize, usize)> {
    let watermark_cutoff = now.saturating_sub(settings.longest_jwt_ttl_secs);
    let watermarks = drain(settings.batch_size, |limit| {
        store.delete_user_revocations_before(watermark_cutoff, limit)
    })?;

    // The repository deletes rows with `expires_at ≤` its argument.
    let expired_before = now.saturating_sub(1);
    let tokens = drain(settings.batch_size, |limit| {
        store.delete_expired_token_revocations(expired_before, limit)
    })?;
    Ok((watermarks, tokens))
}

/// Runs every job once at the context's "now".
pub fn run_all(
    ctx: &Context,
    settings: &HousekeepingSettings,
) -> Result<CleanupReport, TokensError> {
    let store = ctx.store.as_ref();
    let now = ctx.clock.now();

    let (expired_admin_tokens, expired_customer_tokens) =
        delete_expired_user_tokens(store, settings, now)?;
    let expired_lockouts = delete_expired_lockouts(store, settings, now)?;
    let old_nonces = delete_old_nonces(store, settings, now)?;
    let old_request_tokens = delete_old_request_tokens(store, settings, now)?;
    let (expired_user_revocations, expired_token_revocations) =
        delete_expired_revocations(store, settings, now)?;

    let report = CleanupReport {
        expired_admin_tokens,
        expired_customer_tokens,
        expired_lockouts,
        old_nonces,
        old_request_tokens,
        expired_user_revocations,
        expired_token_revocations,
    };
    log::info!("housekeeping removed {} rows", report.total());
    Ok(report)
}

/// Repeats `delete(limit)` until it removes fewer than `limit` rows; returns the total.
fn drain(
    limit: usize,
    mut delete: impl FnMut(usize) -> Result<usize, StorageError>,
) -> Result<usize, StorageError> {
    // A zero limit would never come back short; one row at a time still finishes.
    let limit = limit.max(1);
    let mut total = 0;
    loop {
        let removed = delete(limit)?;
        total += removed;
        if removed < limit {
            return Ok(total);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drain_repeats_until_a_short_batch() {
        let mut remaining = 2_500usize;
        let mut calls = 0;

        let total = drain(1000, |limit| {
            calls += 1;
            let removed = remaining.min(limit);
            remaining -= removed;
            Ok(removed)
        })
        .unwrap();

        assert_eq!(total, 2_500);
        assert_eq!(calls, 3);
    }

    #[test]
    fn drain_stops_on_an_exact_multiple_after_an_empty_batch() {
        let mut remaining = 2_000usize;
        let mut calls = 0;

        let total = drain(1000, |limit| {
            calls += 1;
            let removed = remaining.min(limit);
            remaining -= removed;
            Ok(removed)
        })
        .unwrap();

        assert_eq!(total, 2_000);
        assert_eq!(calls, 3);
    }

    #[test]
    fn drain_passes_errors_on() {
        let result = drain(10, |_| Err(StorageError::internal("down")));
        assert!(result.is_err());
    }

    #[test]
    fn defaults_follow_the_reference() {
        let settings = HousekeepingSettings::default();
        assert_eq!(settings.admin_token_lifetime_secs, 4 * 3600);
        assert_eq!(settings.customer_token_lifetime_secs, 3600);
        assert_eq!(settings.nonce_window_secs, 600);
        assert_eq!(settings.request_token_lifetime_secs, 7200);
        assert_eq!(settings.longest_jwt_ttl_secs, 3600);
        assert_eq!(settings.batch_size, 1000);
    }

    #[test]
    fn report_prints_one_line_per_job_and_a_total() {
        let report = CleanupReport {
            old_nonces: 3,
            expired_lockouts: 2,
            ..CleanupReport::default()
        };

        let printed = report.to_string();

        assert!(printed.contains("old nonces: 3\n"));
        assert!(printed.contains("expired lockouts: 2\n"));
        assert!(printed.ends_with("total: 5"));
        assert_eq!(printed.lines().count(), 8);
    }
}
