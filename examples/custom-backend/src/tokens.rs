//! [`TokenRepository`] for [`TableStore`]: the `tokens` table, its digest index, the foreign
//! key to the token's owner, and the single-winner conversion of the token exchange.

use gatehouse_domain::{
    ConsumerId, Digest, NewToken, StorageResult, Token, TokenConversion, TokenId, TokenKind,
    TokenOwner, TokenRepository, UserType,
};

use crate::store::{conflict, missing, read, write, TableStore};

impl TableStore {
    /// Inserts `token` once its owner is known to exist; the caller holds the owner's table.
    fn insert_token(&self, token: NewToken) -> StorageResult<Token> {
        let mut tokens = write(&self.tokens);

        if tokens.by_digest.contains_key(&token.token_digest) {
            return Err(conflict("token"));
        }

        let row = Token {
            id: tokens.table.next_id(),
            owner: token.owner,
            kind: token.kind,
            token_digest: token.token_digest,
            sealed_secret: token.sealed_secret,
            verifier_digest: token.verifier_digest,
            callback_url: token.callback_url,
            revoked: false,
            authorized: token.authorized,
            created_at: token.created_at,
        };
        tokens.insert(row.clone());
        Ok(row)
    }
}

impl TokenRepository for TableStore {
    fn create_token(&self, token: NewToken) -> StorageResult<Token> {
        // The foreign key: a read lock on the owner's table, held until the token is in, so
        // the owner cannot be deleted in between. Every owner table comes before `tokens` in
        // the lock order.
        match token.owner {
            TokenOwner::Admin(id) => {
                let admins = read(&self.admins);
                if !admins.table.rows.contains_key(&id) {
                    return Err(missing("admin"));
                }
                self.insert_token(token)
            }
            TokenOwner::Customer(id) => {
                let customers = read(&self.customers);
                if !customers.table.rows.contains_key(&id) {
                    return Err(missing("customer"));
                }
                self.insert_token(token)
            }
            TokenOwner::Consumer(id) => {
                let consumers = read(&self.consumers);
                if !consumers.table.rows.contains_key(&id) {
                    return Err(missing("consumer"));
                }
                self.insert_token(token)
            }
        }
    }

    fn token_by_digest(&self, digest: &Digest) -> StorageResult<Option<Token>> {
        let tokens = read(&self.tokens);
        let found = tokens
            .by_digest
            .get(digest)
            .and_then(|id| tokens.table.rows.get(id));
        Ok(found.cloned())
    }

    fn token_by_consumer(&self, consumer_id: ConsumerId) -> StorageResult<Option<Token>> {
        // The newest is the latest creation time; among rows of the same second, the latest
        // inserted, which has the highest id.
        let tokens = read(&self.tokens);
        let newest = tokens
            .table
            .rows
            .values()
            .filter(|token| token.owner == TokenOwner::Consumer(consumer_id))
            .max_by_key(|token| (token.created_at, token.id));
        Ok(newest.cloned())
    }

    fn convert_token(
        &self,
        id: TokenId,
        expected: TokenKind,
        into: TokenConversion,
    ) -> StorageResult<Option<Token>> {
        let mut guard = write(&self.tokens);
        let tokens = &mut *guard;

        // Checking the kind and changing it under one write lock is this store's
        // `UPDATE … WHERE id = ? AND type = ?`: of two racing conversions, the second finds
        // the row already moved on and gets `None`.
        let Some(token) = tokens.table.rows.get_mut(&id) else {
            return Ok(None);
        };
        if token.kind != expected {
            return Ok(None);
        }
        if let Some(holder) = tokens.by_digest.get(&into.token_digest) {
            if *holder != id {
                return Err(conflict("token"));
            }
        }

        tokens.by_digest.remove(&token.token_digest);
        tokens.by_digest.insert(into.token_digest.clone(), id);
        token.kind = into.kind;
        token.token_digest = into.token_digest;
        token.sealed_secret = into.sealed_secret;
        token.authorized = into.authorized;
        Ok(Some(token.clone()))
    }

    fn revoke_token_row(&self, id: TokenId) -> StorageResult<bool> {
        let mut tokens = write(&self.tokens);
        let Some(token) = tokens.table.rows.get_mut(&id) else {
            return Ok(false);
        };
        token.revoked = true;
        Ok(true)
    }

    fn delete_tokens_of_consumer(&self, consumer_id: ConsumerId) -> StorageResult<usize> {
        let mut tokens = write(&self.tokens);
        let owner = TokenOwner::Consumer(consumer_id);
        let doomed = tokens
            .table
            .select_ids(usize::MAX, |token| token.owner == owner);
        Ok(tokens.remove(&doomed))
    }

    fn delete_user_tokens_created_before(
        &self,
        user_type: UserType,
        created_before: i64,
        limit: usize,
    ) -> StorageResult<usize> {
        // Only admins and customers hold opaque bearer tokens: asking for any other user type
        // must not touch the integrations' OAuth rows.
        if !matches!(user_type, UserType::Admin | UserType::Customer) {
            return Ok(0);
        }

        let mut tokens = write(&self.tokens);
        let doomed = tokens.table.select_ids(limit, |token| {
            token.owner.user_type() == user_type && token.created_at < created_before
        });
        Ok(tokens.remove(&doomed))
    }

    fn delete_consumer_tokens_created_before(
        &self,
        kind: TokenKind,
        created_before: i64,
        limit: usize,
    ) -> StorageResult<usize> {
        // An integration's access token never expires, whatever the caller asks for.
        if kind == TokenKind::Access {
            return Ok(0);
        }

        let mut tokens = write(&self.tokens);
        let doomed = tokens.table.select_ids(limit, |token| {
            matches!(token.owner, TokenOwner::Consumer(_))
                && token.kind == kind
                && token.created_at < created_before
        });
        Ok(tokens.remove(&doomed))
    }
}
