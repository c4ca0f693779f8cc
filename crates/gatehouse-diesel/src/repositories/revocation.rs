//! Bearer-token revocations: per-user watermarks (`jwt_auth_revoked`) and single tokens
//! (`jwt_auth_revoked_token`).

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{BigInt, SmallInt};

use gatehouse_domain::repository::{RevocationRepository, StorageResult};
use gatehouse_domain::{TokenRevocation, UserRevocation, UserType};

use super::limit_bind;
use crate::dialect;
use crate::error::Rules;
use crate::rows::{user_type_code, NewTokenRevocationRow};
use crate::schema::{jwt_auth_revoked, jwt_auth_revoked_token};
use crate::store::DieselStore;

impl RevocationRepository for DieselStore {
    fn revoke_user_tokens(&self, revocation: UserRevocation) -> StorageResult<()> {
        let sql = dialect::REVOKE_USER_TOKENS.sql(self.backend());
        self.write(Rules::NONE, |connection| {
            diesel::sql_query(sql)
                .bind::<SmallInt, _>(user_type_code(revocation.user_type))
                .bind::<BigInt, _>(revocation.user_id)
                .bind::<BigInt, _>(revocation.revoke_before)
                .execute(connection)
        })?;
        Ok(())
    }

    fn user_revocation(&self, user_type: UserType, user_id: i64) -> StorageResult<Option<i64>> {
        self.run(Rules::NONE, |connection| {
            jwt_auth_revoked::table
                .find((user_type_code(user_type), user_id))
                .select(jwt_auth_revoked::revoke_before)
                .get_result(connection)
                .optional()
        })
    }

    fn revoke_single_token(&self, revocation: TokenRevocation) -> StorageResult<()> {
        let row = NewTokenRevocationRow {
            token_id: &revocation.token_id,
            user_type_id: user_type_code(revocation.user_type),
            user_id: revocation.user_id,
            expires_at: revocation.expires_at,
        };

        // A second revocation of the same token finds the first one's row: that is success.
        self.write(Rules::NONE, |connection| {
            match diesel::insert_into(jwt_auth_revoked_token::table)
                .values(&row)
                .execute(connection)
            {
                Ok(_) | Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                    Ok(())
                }
                Err(error) => Err(error),
            }
        })
    }

    fn is_token_revoked(&self, token_id: &str) -> StorageResult<bool> {
        let found = self.run(Rules::NONE, |connection| {
            jwt_auth_revoked_token::table
                .find(token_id)
                .select(jwt_auth_revoked_token::token_id)
                .first::<String>(connection)
                .optional()
        })?;
        Ok(found.is_some())
    }

    fn delete_user_revocations_before(
        &self,
        revoke_before: i64,
        limit: usize,
    ) -> StorageResult<usize> {
        if limit == 0 {
            return Ok(0);
        }

        let sql = dialect::DELETE_USER_REVOCATIONS.sql(self.backend());
        self.write(Rules::NONE, |connection| {
            diesel::sql_query(sql)
                .bind::<BigInt, _>(revoke_before)
                .bind::<BigInt, _>(limit_bind(limit))
                .execute(connection)
        })
    }

    fn delete_expired_token_revocations(&self, now: i64, limit: usize) -> StorageResult<usize> {
        if limit == 0 {
            return Ok(0);
        }

        let sql = dialect::DELETE_EXPIRED_TOKEN_REVOCATIONS.sql(self.backend());
        self.write(Rules::NONE, |connection| {
            diesel::sql_query(sql)
                .bind::<BigInt, _>(now)
                .bind::<BigInt, _>(limit_bind(limit))
                .execute(connection)
        })
    }
}
