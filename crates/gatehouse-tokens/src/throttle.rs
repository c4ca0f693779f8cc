//! Login throttling per user name and user type, as the reference does it: each failed login
//! counts, a success forgets the count, and once the unexpired failures reach the maximum even
//! correct credentials are refused until the lock expires.
//!
//! The counter lives in storage ([`LoginFailureRepository`]), whose upsert is atomic, so every
//! Gatehouse process sharing a database counts together (design decision 6).
//!
//! User names are counted case-insensitively: the reference's table has a case-insensitive
//! unique key on MySQL, so `Alice` and `alice` share one counter there too, and a caller cannot
//! dodge the lock by changing case.

use gatehouse_domain::{LoginFailureRepository, StorageError, UserType};

/// When logins of one user name are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutSettings {
    /// Failures after which logins are refused (`lockout.max_failures`, default 6). Zero turns
    /// the lock off; failures are still counted.
    pub max_failures: u32,
    /// How long failures are remembered after the last one, and so how long a lock lasts
    /// (`lockout.timeout_secs`, default 1800).
    pub timeout_secs: i64,
}

impl Default for LockoutSettings {
    fn default() -> Self {
        Self {
            max_failures: 6,
            timeout_secs: 1800,
        }
    }
}

/// Counts failed logins and says when a user name is locked out.
#[derive(Debug, Clone)]
pub struct LoginThrottle {
    settings: LockoutSettings,
}

impl LoginThrottle {
    /// A throttle with `settings`.
    pub fn new(settings: LockoutSettings) -> Self {
        Self { settings }
    }

    /// The settings in force.
    pub fn settings(&self) -> LockoutSettings {
        self.settings
    }

    /// Whether logins of `user_name` as `user_type` are refused at `now`: the failures counted
    /// have reached the maximum and their lock has not expired (it expires at
    /// `lock_expires_at`, inclusive).
    pub fn is_locked_out(
        &self,
        store: &(impl LoginFailureRepository + ?Sized),
        user_name: &str,
        user_type: UserType,
        now: i64,
    ) -> Result<bool, StorageError> {
        if self.settings.max_failures == 0 {
            return Ok(false);
        }

        let failures = store.login_failures(&throttle_key(user_name), user_type)?;
        Ok(failures.is_some_and(|failures| {
            failures.lock_expires_at > now && failures.failures_count >= self.settings.max_failures
        }))
    }

    /// Counts one failure at `now`, pushing the lock expiry to `now + timeout`. Returns the new
    /// count.
    pub fn record_failure(
        &self,
        store: &(impl LoginFailureRepository + ?Sized),
        user_name: &str,
        user_type: UserType,
        now: i64,
    ) -> Result<u32, StorageError> {
        store.record_login_failure(
            &throttle_key(user_name),
            user_type,
            now,
            now.saturating_add(self.settings.timeout_secs),
        )
    }

    /// Forgets the failures of `user_name` as `user_type`, after a successful login.
    pub fn reset(
        &self,
        store: &(impl LoginFailureRepository + ?Sized),
        user_name: &str,
        user_type: UserType,
    ) -> Result<(), StorageError> {
        store.reset_login_failures(&throttle_key(user_name), user_type)
    }
}

/// The name a counter is kept under.
fn throttle_key(user_name: &str) -> String {
    user_name.to_lowercase()
}

#[cfg(test)]
mod tests {
    use gatehouse_domain::memory::MemoryStore;

    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn throttle(max_failures: u32) -> LoginThrottle {
        LoginThrottle::new(LockoutSettings {
            max_failures,
            timeout_secs: 1800,
        })
    }

    #[test]
    fn locks_at_the_maximum_until_the_expiry() {
        let store = MemoryStore::new();
        let throttle = throttle(3);

        for _ in 0..2 {
            throttle
                .record_failure(&store, "alice", UserType::Admin, NOW)
                .unwrap();
        }
        assert!(!throttle
            .is_locked_out(&store, "alice", UserType::Admin, NOW)
            .unwrap());

        assert_eq!(
            throttle
                .record_failure(&store, "alice", UserType::Admin, NOW)
                .unwrap(),
            3
        );
        assert!(throttle
            .is_locked_out(&store, "alice", UserType::Admin, NOW + 1799)
            .unwrap());
        assert!(!throttle
            .is_locked_out(&store, "alice", UserType::Admin, NOW + 1800)
            .unwrap());
    }

    #[test]
    fn counts_per_user_name_and_type_ignoring_case() {
        let store = MemoryStore::new();
        let throttle = throttle(1);

        throttle
            .record_failure(&store, "Alice", UserType::Admin, NOW)
            .unwrap();

        assert!(throttle
            .is_locked_out(&store, "aLICE", UserType::Admin, NOW)
            .unwrap());
        assert!(!throttle
            .is_locked_out(&store, "alice", UserType::Customer, NOW)
            .unwrap());
        assert!(!throttle
            .is_locked_out(&store, "bob", UserType::Admin, NOW)
            .unwrap());
    }

    #[test]
    fn reset_forgets_failures() {
        let store = MemoryStore::new();
        let throttle = throttle(1);
        throttle
            .record_failure(&store, "alice", UserType::Customer, NOW)
            .unwrap();

        throttle.reset(&store, "ALICE", UserType::Customer).unwrap();

        assert!(!throttle
            .is_locked_out(&store, "alice", UserType::Customer, NOW)
            .unwrap());
    }

    #[test]
    fn zero_maximum_never_locks() {
        let store = MemoryStore::new();
        let throttle = throttle(0);
        for _ in 0..10 {
            throttle
                .record_failure(&store, "alice", UserType::Admin, NOW)
                .unwrap();
        }

        assert!(!throttle
            .is_locked_out(&store, "alice", UserType::Admin, NOW)
            .unwrap());
    }
}
