//! [`RevocationRepository`] for [`TableStore`]: per-user watermarks that only rise, and single
//! revoked tokens kept until they would have expired anyway.

use gatehouse_domain::{
    RevocationRepository, StorageResult, TokenRevocation, UserRevocation, UserType,
};

use crate::store::{read, remove_up_to, write, TableStore};

impl RevocationRepository for TableStore {
    fn revoke_user_tokens(&self, revocation: UserRevocation) -> StorageResult<()> {
        let mut watermarks = write(&self.user_revocations);

        // A late write with a lower watermark must not re-admit tokens revoked since.
        let watermark = watermarks
            .entry((revocation.user_type, revocation.user_id))
            .or_insert(revocation.revoke_before);
        *watermark = (*watermark).max(revocation.revoke_before);
        Ok(())
    }

    fn user_revocation(&self, user_type: UserType, user_id: i64) -> StorageResult<Option<i64>> {
        Ok(read(&self.user_revocations)
            .get(&(user_type, user_id))
            .copied())
    }

    fn revoke_single_token(&self, revocation: TokenRevocation) -> StorageResult<()> {
        // The first record of a token stays; recording it again changes nothing.
        write(&self.token_revocations)
            .entry(revocation.token_id.clone())
            .or_insert(revocation);
        Ok(())
    }

    fn is_token_revoked(&self, token_id: &str) -> StorageResult<bool> {
        Ok(read(&self.token_revocations).contains_key(token_id))
    }

    fn delete_user_revocations_before(
        &self,
        revoke_before: i64,
        limit: usize,
    ) -> StorageResult<usize> {
        let mut watermarks = write(&self.user_revocations);
        Ok(remove_up_to(&mut watermarks, limit, |watermark| {
            *watermark < revoke_before
        }))
    }

    fn delete_expired_token_revocations(&self, now: i64, limit: usize) -> StorageResult<usize> {
        let mut revocations = write(&self.token_revocations);
        Ok(remove_up_to(&mut revocations, limit, |revocation| {
            revocation.expires_at <= now
        }))
    }
}
