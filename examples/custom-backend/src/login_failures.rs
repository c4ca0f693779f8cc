//! [`LoginFailureRepository`] for [`TableStore`]: the failed-login counters, counted by an
//! atomic upsert.

use gatehouse_domain::{LoginFailureRepository, LoginFailures, StorageResult, UserType};

use crate::store::{read, remove_up_to, write, TableStore};

impl LoginFailureRepository for TableStore {
    fn login_failures(
        &self,
        user_name: &str,
        user_type: UserType,
    ) -> StorageResult<Option<LoginFailures>> {
        let failures = read(&self.login_failures);
        Ok(failures.get(&(user_name.to_owned(), user_type)).cloned())
    }

    fn record_login_failure(
        &self,
        user_name: &str,
        user_type: UserType,
        now: i64,
        lock_expires_at: i64,
    ) -> StorageResult<u32> {
        let mut failures = write(&self.login_failures);

        // Reading the old count and writing the new one under one write lock is the upsert:
        // no concurrent failure is lost. A lock that has lapsed starts the count again.
        let row = failures
            .entry((user_name.to_owned(), user_type))
            .or_insert_with(|| LoginFailures {
                user_name: user_name.to_owned(),
                user_type,
                failures_count: 0,
                lock_expires_at,
            });
        row.failures_count = if row.failures_count > 0 && row.lock_expires_at > now {
            row.failures_count.saturating_add(1)
        } else {
            1
        };
        row.lock_expires_at = lock_expires_at;
        Ok(row.failures_count)
    }

    fn reset_login_failures(&self, user_name: &str, user_type: UserType) -> StorageResult<()> {
        write(&self.login_failures).remove(&(user_name.to_owned(), user_type));
        Ok(())
    }

    fn delete_expired_login_failures(&self, now: i64, limit: usize) -> StorageResult<usize> {
        let mut failures = write(&self.login_failures);
        Ok(remove_up_to(&mut failures, limit, |row| {
            row.lock_expires_at <= now
        }))
    }
}
