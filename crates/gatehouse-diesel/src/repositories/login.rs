//! Failed-login counters (`oauth_token_request_log`).

use diesel::prelude::*;
use diesel::sql_types::{BigInt, SmallInt, Text};

use gatehouse_domain::repository::{LoginFailureRepository, StorageResult};
use gatehouse_domain::{LoginFailures, StorageError, UserType};

use super::limit_bind;
use crate::dialect;
use crate::error::Rules;
use crate::rows::{user_type_code, LoginFailuresRow};
use crate::schema::oauth_token_request_log as log_table;
use crate::store::DieselStore;

impl LoginFailureRepository for DieselStore {
    fn login_failures(
        &self,
        user_name: &str,
        user_type: UserType,
    ) -> StorageResult<Option<LoginFailures>> {
        let found = self.run(Rules::NONE, |connection| {
            log_table::table
                .filter(log_table::user_name.eq(user_name))
                .filter(log_table::user_type.eq(user_type_code(user_type)))
                .select(LoginFailuresRow::as_select())
                .get_result(connection)
                .optional()
        })?;
        found.map(LoginFailuresRow::into_domain).transpose()
    }

    fn record_login_failure(
        &self,
        user_name: &str,
        user_type: UserType,
        now: i64,
        lock_expires_at: i64,
    ) -> StorageResult<u32> {
        let sql = dialect::RECORD_LOGIN_FAILURE.sql(self.backend());
        let code = user_type_code(user_type);

        // The upsert counts atomically; the read that follows is in the same transaction,
        // after the upsert locked the row, so it sees this call's count and no later one.
        let count = self.write(Rules::NONE, |connection| {
            connection.transaction(|connection| {
                diesel::sql_query(sql)
                    .bind::<Text, _>(user_name)
                    .bind::<SmallInt, _>(code)
                    .bind::<BigInt, _>(lock_expires_at)
                    .bind::<BigInt, _>(now)
                    .execute(connection)?;
                log_table::table
                    .filter(log_table::user_name.eq(user_name))
                    .filter(log_table::user_type.eq(code))
                    .select(log_table::failures_count)
                    .first::<i32>(connection)
            })
        })?;
        u32::try_from(count).map_err(|_| StorageError::internal("stored failure count is negative"))
    }

    fn reset_login_failures(&self, user_name: &str, user_type: UserType) -> StorageResult<()> {
        self.write(Rules::NONE, |connection| {
            diesel::delete(
                log_table::table
                    .filter(log_table::user_name.eq(user_name))
                    .filter(log_table::user_type.eq(user_type_code(user_type))),
            )
            .execute(connection)
        })?;
        Ok(())
    }

    fn delete_expired_login_failures(&self, now: i64, limit: usize) -> StorageResult<usize> {
        if limit == 0 {
            return Ok(0);
        }

        let sql = dialect::DELETE_EXPIRED_LOGIN_FAILURES.sql(self.backend());
        self.write(Rules::NONE, |connection| {
            diesel::sql_query(sql)
                .bind::<BigInt, _>(now)
                .bind::<BigInt, _>(limit_bind(limit))
                .execute(connection)
        })
    }
}
