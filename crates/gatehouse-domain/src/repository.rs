//! The storage contract. Each trait covers one role; a backend implements all of them and is
//! then a [`Store`].
//!
//! Every method is synchronous and may block on I/O; async callers run them on a blocking pool.
//! Guarantees that correctness depends on (atomic check-and-insert, atomic upserts, conversions
//! in one transaction) are stated on each method and must be provided by the backend itself,
//! not by a lock in the calling process: several Gatehouse processes may share one database.
//!
//! Storage sees digests and sealed bytes, never a usable credential.
//!
//! Housekeeping deletes take a `limit` and return how many rows they removed; callers repeat
//! them until fewer than `limit` come back, so that no single statement holds a long lock.

use crate::entities::*;
use crate::error::StorageError;
use crate::ids::*;
use crate::values::{ConsumerKey, Digest, Nonce};

/// Shorthand for repository results.
pub type StorageResult<T> = Result<T, StorageError>;

/// OAuth consumers.
pub trait ConsumerRepository {
    /// Inserts a consumer with `updated_at = created_at`.
    ///
    /// Fails with [`StorageError::Conflict`] (`what: "consumer key"`) when the key exists.
    fn create_consumer(&self, consumer: NewConsumer) -> StorageResult<Consumer>;

    /// The consumer with this id.
    fn consumer_by_id(&self, id: ConsumerId) -> StorageResult<Option<Consumer>>;

    /// The consumer with this key. Must be served by an index.
    fn consumer_by_key(&self, key: &ConsumerKey) -> StorageResult<Option<Consumer>>;

    /// Sets `updated_at`, which restarts the token-exchange window. Returns whether the consumer
    /// exists.
    fn touch_consumer(&self, id: ConsumerId, updated_at: i64) -> StorageResult<bool>;

    /// Deletes the consumer and, in the same transaction, everything that refers to it: its
    /// tokens, its nonces and its integration. Returns whether it existed.
    fn delete_consumer(&self, id: ConsumerId) -> StorageResult<bool>;
}

/// `oauth_token` rows: OAuth verifier, request and access tokens, and opaque bearer tokens.
pub trait TokenRepository {
    /// Inserts a token. Fails with [`StorageError::Conflict`] (`what: "token"`) when the digest
    /// exists, and [`StorageError::MissingReference`] when the owner does not exist.
    fn create_token(&self, token: NewToken) -> StorageResult<Token>;

    /// The token whose value has this digest. Must be served by an index.
    fn token_by_digest(&self, digest: &Digest) -> StorageResult<Option<Token>>;

    /// The OAuth token row of a consumer (there is at most one per consumer in practice; when
    /// there are several, the newest).
    fn token_by_consumer(&self, consumer_id: ConsumerId) -> StorageResult<Option<Token>>;

    /// Moves the row one stage on, atomically: the update applies only if the row still has
    /// kind `expected`, so two concurrent conversions of one row cannot both succeed.
    ///
    /// Returns the updated row, or `None` if the row is gone or no longer of kind `expected`.
    /// Fails with [`StorageError::Conflict`] if the new digest exists already.
    fn convert_token(
        &self,
        id: TokenId,
        expected: TokenKind,
        into: TokenConversion,
    ) -> StorageResult<Option<Token>>;

    /// Marks the token revoked. Returns whether it existed.
    fn revoke_token_row(&self, id: TokenId) -> StorageResult<bool>;

    /// Deletes every token of the consumer; returns how many.
    fn delete_tokens_of_consumer(&self, consumer_id: ConsumerId) -> StorageResult<usize>;

    /// Deletes up to `limit` opaque bearer tokens of `user_type` (admin or customer) created
    /// before `created_before`.
    fn delete_user_tokens_created_before(
        &self,
        user_type: UserType,
        created_before: i64,
        limit: usize,
    ) -> StorageResult<usize>;

    /// Deletes up to `limit` consumer tokens of kind `kind` (request or verifier) created
    /// before `created_before`. Access tokens of integrations never expire and are never
    /// deleted here.
    fn delete_consumer_tokens_created_before(
        &self,
        kind: TokenKind,
        created_before: i64,
        limit: usize,
    ) -> StorageResult<usize>;
}

/// What happened when a nonce was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceOutcome {
    /// First use: the nonce is now recorded.
    Recorded,
    /// This consumer has used this nonce before.
    AlreadyUsed,
}

/// One use of a nonce, for [`NonceRepository::record_nonces`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonceUse {
    /// The consumer whose request carried the nonce.
    pub consumer_id: ConsumerId,
    /// The nonce.
    pub nonce: Nonce,
    /// The request's `oauth_timestamp`.
    pub timestamp: i64,
}

/// Used nonces (`oauth_nonce`).
pub trait NonceRepository {
    /// Records that `consumer_id` used `nonce` in a request stamped `timestamp`.
    ///
    /// Atomic check-and-insert keyed by (nonce, consumer): of any number of concurrent calls
    /// with the same pair, across processes, exactly one returns [`NonceOutcome::Recorded`].
    /// A nonce used by another consumer does not count.
    fn record_nonce(
        &self,
        consumer_id: ConsumerId,
        nonce: &Nonce,
        timestamp: i64,
    ) -> StorageResult<NonceOutcome>;

    /// Records several nonces, answering each as [`NonceRepository::record_nonce`] would, in
    /// order: one record's repeat or failure is its own, never another's. When one call holds
    /// the same pair twice, the first is `Recorded`.
    ///
    /// A store may commit the records together, to pay for one commit instead of one each; the
    /// default records them one by one.
    fn record_nonces(&self, records: &[NonceUse]) -> Vec<StorageResult<NonceOutcome>> {
        records
            .iter()
            .map(|record| self.record_nonce(record.consumer_id, &record.nonce, record.timestamp))
            .collect()
    }

    /// Deletes up to `limit` nonces whose timestamp is before `timestamp`.
    fn delete_nonces_before(&self, timestamp: i64, limit: usize) -> StorageResult<usize>;
}

/// Integrations.
pub trait IntegrationRepository {
    /// Inserts an integration with `updated_at = created_at`.
    ///
    /// Fails with [`StorageError::Conflict`] (`what: "integration name"`) when the name
    /// exists.
    fn create_integration(&self, integration: NewIntegration) -> StorageResult<Integration>;

    /// The integration with this id.
    fn integration_by_id(&self, id: IntegrationId) -> StorageResult<Option<Integration>>;

    /// The integration with this name.
    fn integration_by_name(&self, name: &str) -> StorageResult<Option<Integration>>;

    /// The integration of this consumer. Must be served by an index.
    fn integration_by_consumer(
        &self,
        consumer_id: ConsumerId,
    ) -> StorageResult<Option<Integration>>;

    /// Every integration, ordered by id.
    fn list_integrations(&self) -> StorageResult<Vec<Integration>>;

    /// Saves every field but `id` and `created_at`. Returns whether the row exists.
    /// Fails with [`StorageError::Conflict`] when the new name is taken.
    fn update_integration(&self, integration: &Integration) -> StorageResult<bool>;

    /// Deletes the integration (not its consumer). Returns whether it existed.
    fn delete_integration(&self, id: IntegrationId) -> StorageResult<bool>;
}

/// Failed-login counters (`oauth_token_request_log`).
pub trait LoginFailureRepository {
    /// The counter of this user name and type, expired or not.
    fn login_failures(
        &self,
        user_name: &str,
        user_type: UserType,
    ) -> StorageResult<Option<LoginFailures>>;

    /// Counts one failure and returns the new count, atomically (an upsert): under any number
    /// of concurrent calls, across processes, the final count equals the number of calls.
    ///
    /// When the row's `lock_expires_at` is at or before `now`, the count starts again at 1.
    /// Either way `lock_expires_at` becomes `lock_expires_at`.
    fn record_login_failure(
        &self,
        user_name: &str,
        user_type: UserType,
        now: i64,
        lock_expires_at: i64,
    ) -> StorageResult<u32>;

    /// Forgets the failures of this user name and type (after a successful login).
    fn reset_login_failures(&self, user_name: &str, user_type: UserType) -> StorageResult<()>;

    /// Deletes up to `limit` counters whose `lock_expires_at` is at or before `now`.
    fn delete_expired_login_failures(&self, now: i64, limit: usize) -> StorageResult<usize>;
}

/// Bearer-token revocations, per user (`jwt_auth_revoked`) and per token.
pub trait RevocationRepository {
    /// Raises the user's watermark to `revoke_before`; a lower value never lowers it.
    fn revoke_user_tokens(&self, revocation: UserRevocation) -> StorageResult<()>;

    /// The user's watermark, if any.
    fn user_revocation(&self, user_type: UserType, user_id: i64) -> StorageResult<Option<i64>>;

    /// Records one revoked token. Recording it twice is not an error.
    fn revoke_single_token(&self, revocation: TokenRevocation) -> StorageResult<()>;

    /// Whether the token with this id claim is revoked.
    fn is_token_revoked(&self, token_id: &str) -> StorageResult<bool>;

    /// Deletes up to `limit` watermarks set before `revoke_before` (every token they cover has
    /// expired by then).
    fn delete_user_revocations_before(
        &self,
        revoke_before: i64,
        limit: usize,
    ) -> StorageResult<usize>;

    /// Deletes up to `limit` token revocations whose token expired at or before `now`.
    fn delete_expired_token_revocations(&self, now: i64, limit: usize) -> StorageResult<usize>;
}

/// Admin users.
pub trait AdminRepository {
    /// Inserts an admin. Fails with [`StorageError::Conflict`] (`what: "admin username"`) when
    /// the username exists.
    fn create_admin(&self, admin: NewAdminUser) -> StorageResult<AdminUser>;

    /// The admin with this id.
    fn admin_by_id(&self, id: AdminId) -> StorageResult<Option<AdminUser>>;

    /// The admin with this username.
    fn admin_by_username(&self, username: &str) -> StorageResult<Option<AdminUser>>;

    /// Sets the active flag. Returns whether the admin exists.
    fn set_admin_active(&self, id: AdminId, active: bool) -> StorageResult<bool>;
}

/// Customers.
pub trait CustomerRepository {
    /// Inserts a customer. Fails with [`StorageError::Conflict`] (`what: "customer email"`)
    /// when the email exists.
    fn create_customer(&self, customer: NewCustomer) -> StorageResult<Customer>;

    /// The customer with this id.
    fn customer_by_id(&self, id: CustomerId) -> StorageResult<Option<Customer>>;

    /// The customer with this email.
    fn customer_by_email(&self, email: &str) -> StorageResult<Option<Customer>>;

    /// Sets the active flag. Returns whether the customer exists.
    fn set_customer_active(&self, id: CustomerId, active: bool) -> StorageResult<bool>;
}

/// ACL roles and their allow rules (`authorization_role`, `authorization_rule`).
pub trait AclRepository {
    /// Inserts a role. Fails with [`StorageError::Conflict`] (`what: "role"`) when the user
    /// already has one.
    fn create_role(&self, role: NewRole) -> StorageResult<Role>;

    /// The role of this user, if any.
    fn role_for_user(&self, user_type: UserType, user_id: i64) -> StorageResult<Option<Role>>;

    /// Replaces the role's allowed resources with `resources`, in one transaction: a reader
    /// sees the old list or the new one, never a mix. Duplicates in `resources` are stored
    /// once.
    fn replace_role_resources(&self, role_id: RoleId, resources: &[String]) -> StorageResult<()>;

    /// The role's allowed resources, sorted.
    fn role_resources(&self, role_id: RoleId) -> StorageResult<Vec<String>>;

    /// Deletes the role and its rules. Returns whether it existed.
    fn delete_role(&self, role_id: RoleId) -> StorageResult<bool>;
}

/// Reachability, for readiness checks.
pub trait StoreHealth {
    /// Succeeds when the store can serve a query now.
    fn ping(&self) -> StorageResult<()>;
}

/// A complete storage backend: every repository role, shareable between threads.
pub trait Store:
    ConsumerRepository
    + TokenRepository
    + NonceRepository
    + IntegrationRepository
    + LoginFailureRepository
    + RevocationRepository
    + AdminRepository
    + CustomerRepository
    + AclRepository
    + StoreHealth
    + Send
    + Sync
{
}

impl<T> Store for T where
    T: ConsumerRepository
        + TokenRepository
        + NonceRepository
        + IntegrationRepository
        + LoginFailureRepository
        + RevocationRepository
        + AdminRepository
        + CustomerRepository
        + AclRepository
        + StoreHealth
        + Send
        + Sync
{
}
