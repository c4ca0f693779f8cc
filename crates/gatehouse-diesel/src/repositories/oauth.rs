//! OAuth consumers, tokens and nonces.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{BigInt, SmallInt, Text};

use gatehouse_domain::repository::{
    ConsumerRepository, NonceOutcome, NonceRepository, NonceUse, StorageResult, TokenRepository,
};
use gatehouse_domain::{
    Consumer, ConsumerId, ConsumerKey, Digest, NewConsumer, NewToken, Nonce, StorageError, Token,
    TokenConversion, TokenId, TokenKind, TokenOwner, UserType,
};

use super::limit_bind;
use crate::connection::AnyConnection;
use crate::dialect;
use crate::error::Rules;
use crate::rows::{
    user_type_code, ConsumerRow, NewConsumerRow, NewNonceRow, NewTokenRow, TokenRow,
};
use crate::schema::{oauth_consumer, oauth_nonce, oauth_token};
use crate::store::DieselStore;

const CONSUMER_RULES: Rules = Rules {
    unique: &[("", "consumer key")],
    reference: "consumer",
};

const NONCE_RULES: Rules = Rules {
    unique: &[],
    reference: "consumer",
};

/// The rules of a token insert or conversion; the reference is named after the owner.
fn token_rules(owner: Option<TokenOwner>) -> Rules {
    Rules {
        unique: &[("", "token")],
        reference: match owner {
            Some(TokenOwner::Consumer(_)) | None => "consumer",
            Some(TokenOwner::Admin(_)) => "admin",
            Some(TokenOwner::Customer(_)) => "customer",
        },
    }
}

impl ConsumerRepository for DieselStore {
    fn create_consumer(&self, consumer: NewConsumer) -> StorageResult<Consumer> {
        let row = NewConsumerRow {
            created_at: consumer.created_at,
            updated_at: consumer.created_at,
            name: &consumer.name,
            key: consumer.key.as_str(),
            secret: consumer.sealed_secret.as_bytes(),
            callback_url: consumer.callback_url.as_deref(),
            rejected_callback_url: consumer.rejected_callback_url.as_deref(),
        };

        // The key is unique, so reading the row back by key finds the one just inserted.
        let created = self.write(CONSUMER_RULES, |connection| {
            connection.transaction(|connection| {
                diesel::insert_into(oauth_consumer::table)
                    .values(&row)
                    .execute(connection)?;
                oauth_consumer::table
                    .filter(oauth_consumer::key.eq(row.key))
                    .select(ConsumerRow::as_select())
                    .get_result(connection)
            })
        })?;
        created.into_domain()
    }

    fn consumer_by_id(&self, id: ConsumerId) -> StorageResult<Option<Consumer>> {
        let found = self.run(Rules::NONE, |connection| {
            oauth_consumer::table
                .find(id.0)
                .select(ConsumerRow::as_select())
                .get_result(connection)
                .optional()
        })?;
        found.map(ConsumerRow::into_domain).transpose()
    }

    fn consumer_by_key(&self, key: &ConsumerKey) -> StorageResult<Option<Consumer>> {
        let found = self.run(Rules::NONE, |connection| {
            oauth_consumer::table
                .filter(oauth_consumer::key.eq(key.as_str()))
                .select(ConsumerRow::as_select())
                .get_result(connection)
                .optional()
        })?;
        found.map(ConsumerRow::into_domain).transpose()
    }

    fn touch_consumer(&self, id: ConsumerId, updated_at: i64) -> StorageResult<bool> {
        let updated = self.write(Rules::NONE, |connection| {
            diesel::update(oauth_consumer::table.find(id.0))
                .set(oauth_consumer::updated_at.eq(updated_at))
                .execute(connection)
        })?;
        Ok(updated > 0)
    }

    fn delete_consumer(&self, id: ConsumerId) -> StorageResult<bool> {
        // The foreign keys cascade to tokens, nonces and the integration, within the same
        // statement and so the same transaction.
        let deleted = self.write(Rules::NONE, |connection| {
            diesel::delete(oauth_consumer::table.find(id.0)).execute(connection)
        })?;
        Ok(deleted > 0)
    }
}

impl TokenRepository for DieselStore {
    fn create_token(&self, token: NewToken) -> StorageResult<Token> {
        let (consumer_id, admin_id, customer_id) = match token.owner {
            TokenOwner::Consumer(id) => (Some(id.0), None, None),
            TokenOwner::Admin(id) => (None, Some(id.0), None),
            TokenOwner::Customer(id) => (None, None, Some(id.0)),
        };
        let row = NewTokenRow {
            consumer_id,
            admin_id,
            customer_id,
            type_: token.kind.as_str(),
            token: token.token_digest.as_hex(),
            secret: token.sealed_secret.as_bytes(),
            verifier: token.verifier_digest.as_ref().map(Digest::as_hex),
            callback_url: &token.callback_url,
            revoked: false,
            authorized: token.authorized,
            user_type: user_type_code(token.owner.user_type()),
            created_at: token.created_at,
        };

        // The digest is unique, so reading the row back by digest finds the one just inserted.
        let created = self.write(token_rules(Some(token.owner)), |connection| {
            connection.transaction(|connection| {
                diesel::insert_into(oauth_token::table)
                    .values(&row)
                    .execute(connection)?;
                oauth_token::table
                    .filter(oauth_token::token.eq(row.token))
                    .select(TokenRow::as_select())
                    .get_result(connection)
            })
        })?;
        created.into_domain()
    }

    fn token_by_digest(&self, digest: &Digest) -> StorageResult<Option<Token>> {
        let found = self.run(Rules::NONE, |connection| {
            oauth_token::table
                .filter(oauth_token::token.eq(digest.as_hex()))
                .select(TokenRow::as_select())
                .get_result(connection)
                .optional()
        })?;
        found.map(TokenRow::into_domain).transpose()
    }

    fn token_by_consumer(&self, consumer_id: ConsumerId) -> StorageResult<Option<Token>> {
        let found = self.run(Rules::NONE, |connection| {
            oauth_token::table
                .filter(oauth_token::consumer_id.eq(consumer_id.0))
                .order((
                    oauth_token::created_at.desc(),
                    oauth_token::entity_id.desc(),
                ))
                .select(TokenRow::as_select())
                .first(connection)
                .optional()
        })?;
        found.map(TokenRow::into_domain).transpose()
    }

    fn convert_token(
        &self,
        id: TokenId,
        expected: TokenKind,
        into: TokenConversion,
    ) -> StorageResult<Option<Token>> {
        let converted = self.write(token_rules(None), |connection| {
            connection.transaction(|connection| {
                // The kind in the WHERE clause makes the update the arbiter: of two
                // concurrent conversions of one row, the second finds no row to change.
                let updated = diesel::update(
                    oauth_token::table
                        .find(id.0)
                        .filter(oauth_token::type_.eq(expected.as_str())),
                )
                .set((
                    oauth_token::type_.eq(into.kind.as_str()),
                    oauth_token::token.eq(into.token_digest.as_hex()),
                    oauth_token::secret.eq(into.sealed_secret.as_bytes()),
                    oauth_token::authorized.eq(into.authorized),
                ))
                .execute(connection)?;
                if updated != 1 {
                    return Ok(None);
                }

                oauth_token::table
                    .find(id.0)
                    .select(TokenRow::as_select())
                    .get_result(connection)
                    .optional()
            })
        })?;
        converted.map(TokenRow::into_domain).transpose()
    }

    fn revoke_token_row(&self, id: TokenId) -> StorageResult<bool> {
        let updated = self.write(Rules::NONE, |connection| {
            diesel::update(oauth_token::table.find(id.0))
                .set(oauth_token::revoked.eq(true))
                .execute(connection)
        })?;
        Ok(updated > 0)
    }

    fn delete_tokens_of_consumer(&self, consumer_id: ConsumerId) -> StorageResult<usize> {
        self.write(Rules::NONE, |connection| {
            diesel::delete(oauth_token::table.filter(oauth_token::consumer_id.eq(consumer_id.0)))
                .execute(connection)
        })
    }

    fn delete_user_tokens_created_before(
        &self,
        user_type: UserType,
        created_before: i64,
        limit: usize,
    ) -> StorageResult<usize> {
        // Only admins and customers have opaque bearer tokens; integration tokens never expire.
        if !matches!(user_type, UserType::Admin | UserType::Customer) || limit == 0 {
            return Ok(0);
        }

        let sql = dialect::DELETE_USER_TOKENS.sql(self.backend());
        self.write(Rules::NONE, |connection| {
            diesel::sql_query(sql)
                .bind::<SmallInt, _>(user_type_code(user_type))
                .bind::<BigInt, _>(created_before)
                .bind::<BigInt, _>(limit_bind(limit))
                .execute(connection)
        })
    }

    fn delete_consumer_tokens_created_before(
        &self,
        kind: TokenKind,
        created_before: i64,
        limit: usize,
    ) -> StorageResult<usize> {
        if kind == TokenKind::Access || limit == 0 {
            return Ok(0);
        }

        let sql = dialect::DELETE_CONSUMER_TOKENS.sql(self.backend());
        self.write(Rules::NONE, |connection| {
            diesel::sql_query(sql)
                .bind::<SmallInt, _>(user_type_code(UserType::Integration))
                .bind::<Text, _>(kind.as_str())
                .bind::<BigInt, _>(created_before)
                .bind::<BigInt, _>(limit_bind(limit))
                .execute(connection)
        })
    }
}

/// A nonce waiting for its turn in the group commit (see [`crate::group_commit`]).
#[derive(Debug, Clone)]
pub(crate) struct QueuedNonce {
    consumer_id: i64,
    nonce: String,
    timestamp: i64,
}

impl QueuedNonce {
    fn row(&self) -> NewNonceRow<'_> {
        NewNonceRow {
            nonce: &self.nonce,
            timestamp: self.timestamp,
            consumer_id: self.consumer_id,
        }
    }
}

/// Inserts one nonce; the primary key (nonce, consumer_id) refuses the second use, on every
/// backend and across processes.
///
/// PostgreSQL aborts the whole transaction on a unique violation, so there the insert skips
/// the conflict and an insert of no row means "already used"; SQLite and MySQL abort only the
/// statement, and the violation itself says so. Any other failure (a consumer that is gone)
/// stays an error.
fn insert_nonce(
    connection: &mut AnyConnection,
    nonce: &QueuedNonce,
) -> Result<NonceOutcome, DieselError> {
    let inserted = match connection {
        AnyConnection::Postgres(connection) => diesel::insert_into(oauth_nonce::table)
            .values(nonce.row())
            .on_conflict_do_nothing()
            .execute(connection),
        connection => diesel::insert_into(oauth_nonce::table)
            .values(nonce.row())
            .execute(connection),
    };
    match inserted {
        Ok(0) => Ok(NonceOutcome::AlreadyUsed),
        Ok(_) => Ok(NonceOutcome::Recorded),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            Ok(NonceOutcome::AlreadyUsed)
        }
        Err(error) => Err(error),
    }
}

/// Inserts a batch of nonces with one statement, on PostgreSQL: a round trip and a plan for
/// the whole batch instead of one per nonce. `RETURNING` names the rows the statement
/// inserted; a nonce it skipped was already used. When one batch holds the same nonce twice,
/// the first is the one recorded.
fn insert_nonces_at_once(
    connection: &mut diesel::PgConnection,
    batch: &[QueuedNonce],
) -> Result<Vec<NonceOutcome>, DieselError> {
    // In key order, as the other backends' batches, for the same reason.
    let mut rows: Vec<NewNonceRow<'_>> = batch.iter().map(QueuedNonce::row).collect();
    rows.sort_unstable_by(|a, b| (a.consumer_id, a.nonce).cmp(&(b.consumer_id, b.nonce)));
    let inserted: Vec<(i64, String)> = diesel::insert_into(oauth_nonce::table)
        .values(&rows)
        .on_conflict_do_nothing()
        .returning((oauth_nonce::consumer_id, oauth_nonce::nonce))
        .get_results(connection)?;

    let mut inserted: std::collections::HashSet<(i64, String)> = inserted.into_iter().collect();
    Ok(batch
        .iter()
        .map(|queued| {
            // `remove`: a second use of the same nonce within the batch was not recorded.
            if inserted.remove(&(queued.consumer_id, queued.nonce.clone())) {
                NonceOutcome::Recorded
            } else {
                NonceOutcome::AlreadyUsed
            }
        })
        .collect())
}

impl DieselStore {
    /// Records a batch of nonces in one transaction, so that they share one commit. When the
    /// transaction fails as a whole, each nonce is recorded again on its own, so that one
    /// caller's failure never becomes another's.
    fn commit_nonces(&self, batch: &[QueuedNonce]) -> Vec<StorageResult<NonceOutcome>> {
        if batch.len() > 1 {
            // Inserting in key order makes two processes' overlapping batches take their
            // locks in the same order, which spares them a deadlock.
            let mut order: Vec<usize> = (0..batch.len()).collect();
            order.sort_unstable_by(|&a, &b| {
                (batch[a].consumer_id, &batch[a].nonce)
                    .cmp(&(batch[b].consumer_id, &batch[b].nonce))
            });
            let together = self.write(NONCE_RULES, |connection| match connection {
                AnyConnection::Postgres(connection) => insert_nonces_at_once(connection, batch),
                connection => connection.transaction(|connection| {
                    let mut outcomes = vec![NonceOutcome::AlreadyUsed; batch.len()];
                    for &index in &order {
                        outcomes[index] = insert_nonce(connection, &batch[index])?;
                    }
                    Ok(outcomes)
                }),
            });
            match together {
                Ok(outcomes) => return outcomes.into_iter().map(Ok).collect(),
                // Unreachable for one is unreachable for all: trying each again would make the
                // last caller wait one connection timeout per nonce before it.
                Err(StorageError::Unavailable(cause)) => {
                    let shared = cause.to_string();
                    let mut errors = vec![StorageError::Unavailable(cause)];
                    errors.extend(
                        (1..batch.len()).map(|_| StorageError::Unavailable(shared.clone().into())),
                    );
                    return errors.into_iter().map(Err).collect();
                }
                Err(_) => {}
            }
        }
        batch
            .iter()
            .map(|nonce| self.write(NONCE_RULES, |connection| insert_nonce(connection, nonce)))
            .collect()
    }
}

impl NonceRepository for DieselStore {
    /// Concurrent calls of one process share a transaction (group commit: the first caller
    /// commits for those who arrived meanwhile); each nonce is still its own insert, answered by
    /// the database.
    fn record_nonce(
        &self,
        consumer_id: ConsumerId,
        nonce: &Nonce,
        timestamp: i64,
    ) -> StorageResult<NonceOutcome> {
        let queued = QueuedNonce {
            consumer_id: consumer_id.0,
            nonce: nonce.as_str().to_owned(),
            timestamp,
        };
        self.nonces
            .submit(queued, |batch| self.commit_nonces(batch))
    }

    /// The records share one transaction (PostgreSQL: one statement).
    fn record_nonces(&self, records: &[NonceUse]) -> Vec<StorageResult<NonceOutcome>> {
        let batch: Vec<QueuedNonce> = records
            .iter()
            .map(|record| QueuedNonce {
                consumer_id: record.consumer_id.0,
                nonce: record.nonce.as_str().to_owned(),
                timestamp: record.timestamp,
            })
            .collect();
        batch
            .chunks(crate::group_commit::MAX_BATCH)
            .flat_map(|chunk| self.commit_nonces(chunk))
            .collect()
    }

    fn delete_nonces_before(&self, timestamp: i64, limit: usize) -> StorageResult<usize> {
        if limit == 0 {
            return Ok(0);
        }

        let sql = dialect::DELETE_NONCES.sql(self.backend());
        self.write(Rules::NONE, |connection| {
            diesel::sql_query(sql)
                .bind::<BigInt, _>(timestamp)
                .bind::<BigInt, _>(limit_bind(limit))
                .execute(connection)
        })
    }
}
