//! An in-memory [`Store`]: every repository trait, held in process memory.
//!
//! [`MemoryStore`] is meant for tests and small single-process deployments, and it is the
//! worked example for anyone writing a storage backend of their own. Each trait method below
//! says in a comment how it meets the contract written on the trait; a database backend meets
//! the same contracts with constraints and transactions instead.
//!
//! # How the contracts are met
//!
//! - **Atomicity.** One [`Mutex`] guards every table. Each method takes it once, checks, then
//!   writes, and releases it on return, so a check-and-insert (nonces, unique names), an upsert
//!   (failure counters), a conversion that must still find the expected kind, and a cascade
//!   (deleting a consumer) are each one indivisible step, as a transaction would be.
//! - **Unique constraints** are checked before the insert and reported as
//!   [`StorageError::Conflict`] with the `what` the traits document: `"consumer key"`,
//!   `"token"` (also when a conversion's new digest is taken), `"integration name"` (also on
//!   update), `"admin username"`, `"customer email"` and `"role"`. An integration's consumer is
//!   unique as in the database schema, reported as `"integration consumer"`.
//! - **Foreign keys** are checked the same way and reported as
//!   [`StorageError::MissingReference`]: a token's owner (`"consumer"`, `"admin"` or
//!   `"customer"`), a nonce's consumer and an integration's consumer (`"consumer"`), and the
//!   role whose resources are replaced (`"role"`).
//! - **Cascades.** [`ConsumerRepository::delete_consumer`] removes the consumer's tokens, its
//!   nonces and its integration under the same lock; [`AclRepository::delete_role`] removes the
//!   role's rules.
//! - **Ids** count up from 1 per table and are never reused, like auto-increment columns.
//! - **Indexes.** The lookups the traits say must be served by an index (consumer by key, token
//!   by digest, integration by consumer) have a map of their own, kept in step with the table
//!   on every write. Other lookups scan, which is cheap at the sizes this store is meant for.
//! - **Housekeeping** deletes remove at most `limit` rows, lowest key first, and report how
//!   many they removed.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::entities::*;
use crate::error::StorageError;
use crate::ids::*;
use crate::repository::*;
use crate::values::{ConsumerKey, Digest, Nonce};

/// A thread-safe store that keeps every table in memory and forgets it when dropped.
///
/// It implements every repository trait, so it is a [`Store`]. Share it between threads
/// behind an `Arc`. It serves one process only: two processes cannot share it, which is the
/// one guarantee of the traits it cannot give ("across processes").
///
/// ```
/// use gatehouse_domain::memory::MemoryStore;
/// use gatehouse_domain::{NonceOutcome, NonceRepository, ConsumerRepository, ConsumerKey};
/// use gatehouse_domain::{NewConsumer, Nonce, Sealed};
///
/// let store = MemoryStore::new();
/// let consumer = store.create_consumer(NewConsumer {
///     name: "Integration1".to_owned(),
///     key: ConsumerKey::parse("0123456789abcdefghijklmnopqrstuv")?,
///     sealed_secret: Sealed::from_bytes(vec![1, 2, 3]),
///     callback_url: None,
///     rejected_callback_url: None,
///     created_at: 1_700_000_000,
/// })?;
///
/// let nonce = Nonce::parse("a nonce")?;
/// assert_eq!(store.record_nonce(consumer.id, &nonce, 1_700_000_000)?, NonceOutcome::Recorded);
/// assert_eq!(store.record_nonce(consumer.id, &nonce, 1_700_000_000)?, NonceOutcome::AlreadyUsed);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Default)]
pub struct MemoryStore {
    tables: Mutex<Tables>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the one lock that makes every method atomic.
    fn tables(&self) -> MutexGuard<'_, Tables> {
        // The lock is poisoned only if a thread panicked while holding it. Every method here
        // checks everything before its first write and calls nothing that panics between its
        // first and last write, so the tables behind a poisoned lock are still consistent;
        // refusing them would turn one panic elsewhere into a failure of every later call.
        self.tables.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for MemoryStore {
    /// Row counts only: the tables hold nonces, digests and password hashes, which must not
    /// reach a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tables = self.tables();
        f.debug_struct("MemoryStore")
            .field("consumers", &tables.consumers.len())
            .field("tokens", &tables.tokens.len())
            .field("nonces", &tables.nonces.len())
            .field("integrations", &tables.integrations.len())
            .field("login_failures", &tables.login_failures.len())
            .field("user_revocations", &tables.user_revocations.len())
            .field("token_revocations", &tables.token_revocations.len())
            .field("admins", &tables.admins.len())
            .field("customers", &tables.customers.len())
            .field("roles", &tables.roles.len())
            .finish()
    }
}

/// Every table, and the indexes and id counters that go with them.
///
/// The index maps are private to the `insert_*` / `remove_*` helpers below: nothing else
/// writes the consumer, token or integration tables, so the indexes cannot drift.
#[derive(Default)]
struct Tables {
    consumers: BTreeMap<ConsumerId, Consumer>,
    consumer_ids_by_key: HashMap<ConsumerKey, ConsumerId>,
    tokens: BTreeMap<TokenId, Token>,
    token_ids_by_digest: HashMap<Digest, TokenId>,
    /// Keyed like the `oauth_nonce` primary key; the value is the request's timestamp.
    nonces: BTreeMap<(ConsumerId, String), i64>,
    integrations: BTreeMap<IntegrationId, Integration>,
    integration_ids_by_consumer: HashMap<ConsumerId, IntegrationId>,
    login_failures: BTreeMap<(String, UserType), LoginFailures>,
    /// The watermark (`revoke_before`) per user.
    user_revocations: BTreeMap<(UserType, i64), i64>,
    token_revocations: BTreeMap<String, TokenRevocation>,
    admins: BTreeMap<AdminId, AdminUser>,
    customers: BTreeMap<CustomerId, Customer>,
    roles: BTreeMap<RoleId, Role>,
    /// A role's allowed resources; a set, so duplicates collapse and reads come out sorted.
    role_resources: BTreeMap<RoleId, BTreeSet<String>>,
    last_ids: LastIds,
}

/// The last id handed out per table; 0 until the first insert, so ids start at 1.
#[derive(Default)]
struct LastIds {
    consumer: i64,
    token: i64,
    integration: i64,
    admin: i64,
    customer: i64,
    role: i64,
}

/// Hands out the id after `last`.
fn next_id(last: &mut i64) -> i64 {
    *last += 1;
    *last
}

fn conflict(what: &'static str) -> StorageError {
    StorageError::Conflict { what }
}

fn missing(what: &'static str) -> StorageError {
    StorageError::MissingReference { what }
}

/// Removes up to `limit` entries of `table` that `doomed` selects, lowest key first, and
/// returns how many it removed.
fn remove_up_to<K: Ord + Clone, V>(
    table: &mut BTreeMap<K, V>,
    limit: usize,
    doomed: impl Fn(&V) -> bool,
) -> usize {
    let keys: Vec<K> = table
        .iter()
        .filter(|(_, row)| doomed(row))
        .take(limit)
        .map(|(key, _)| key.clone())
        .collect();

    for key in &keys {
        table.remove(key);
    }
    keys.len()
}

impl Tables {
    fn insert_consumer(&mut self, consumer: Consumer) {
        self.consumer_ids_by_key
            .insert(consumer.key.clone(), consumer.id);
        self.consumers.insert(consumer.id, consumer);
    }

    fn remove_consumer(&mut self, id: ConsumerId) -> Option<Consumer> {
        let consumer = self.consumers.remove(&id)?;
        self.consumer_ids_by_key.remove(&consumer.key);
        Some(consumer)
    }

    fn insert_token(&mut self, token: Token) {
        self.token_ids_by_digest
            .insert(token.token_digest.clone(), token.id);
        self.tokens.insert(token.id, token);
    }

    fn remove_token(&mut self, id: TokenId) -> Option<Token> {
        let token = self.tokens.remove(&id)?;
        self.token_ids_by_digest.remove(&token.token_digest);
        Some(token)
    }

    /// Removes up to `limit` tokens that `doomed` selects, lowest id first.
    fn remove_tokens_up_to(&mut self, limit: usize, doomed: impl Fn(&Token) -> bool) -> usize {
        let ids: Vec<TokenId> = self
            .tokens
            .values()
            .filter(|token| doomed(token))
            .take(limit)
            .map(|token| token.id)
            .collect();

        for id in &ids {
            self.remove_token(*id);
        }
        ids.len()
    }

    fn insert_integration(&mut self, integration: Integration) {
        if let Some(consumer_id) = integration.consumer_id {
            self.integration_ids_by_consumer
                .insert(consumer_id, integration.id);
        }
        self.integrations.insert(integration.id, integration);
    }

    fn remove_integration(&mut self, id: IntegrationId) -> Option<Integration> {
        let integration = self.integrations.remove(&id)?;
        if let Some(consumer_id) = integration.consumer_id {
            self.integration_ids_by_consumer.remove(&consumer_id);
        }
        Some(integration)
    }

    /// The foreign-key and unique checks on an integration's consumer, for the integration
    /// `id` (`None` for one not inserted yet).
    fn check_integration_consumer(
        &self,
        consumer_id: Option<ConsumerId>,
        id: Option<IntegrationId>,
    ) -> StorageResult<()> {
        let Some(consumer_id) = consumer_id else {
            return Ok(());
        };

        if !self.consumers.contains_key(&consumer_id) {
            return Err(missing("consumer"));
        }
        match self.integration_ids_by_consumer.get(&consumer_id) {
            Some(holder) if Some(*holder) != id => Err(conflict("integration consumer")),
            _ => Ok(()),
        }
    }

    /// The foreign-key check on a token's owner.
    fn check_token_owner(&self, owner: TokenOwner) -> StorageResult<()> {
        let (exists, what) = match owner {
            TokenOwner::Consumer(id) => (self.consumers.contains_key(&id), "consumer"),
            TokenOwner::Admin(id) => (self.admins.contains_key(&id), "admin"),
            TokenOwner::Customer(id) => (self.customers.contains_key(&id), "customer"),
        };
        if exists {
            Ok(())
        } else {
            Err(missing(what))
        }
    }
}

impl ConsumerRepository for MemoryStore {
    fn create_consumer(&self, consumer: NewConsumer) -> StorageResult<Consumer> {
        let mut tables = self.tables();

        if tables.consumer_ids_by_key.contains_key(&consumer.key) {
            return Err(conflict("consumer key"));
        }

        let row = Consumer {
            id: ConsumerId(next_id(&mut tables.last_ids.consumer)),
            name: consumer.name,
            key: consumer.key,
            sealed_secret: consumer.sealed_secret,
            callback_url: consumer.callback_url,
            rejected_callback_url: consumer.rejected_callback_url,
            created_at: consumer.created_at,
            updated_at: consumer.created_at,
        };
        tables.insert_consumer(row.clone());
        Ok(row)
    }

    fn consumer_by_id(&self, id: ConsumerId) -> StorageResult<Option<Consumer>> {
        Ok(self.tables().consumers.get(&id).cloned())
    }

    fn consumer_by_key(&self, key: &ConsumerKey) -> StorageResult<Option<Consumer>> {
        let tables = self.tables();
        let found = tables
            .consumer_ids_by_key
            .get(key)
            .and_then(|id| tables.consumers.get(id));
        Ok(found.cloned())
    }

    fn touch_consumer(&self, id: ConsumerId, updated_at: i64) -> StorageResult<bool> {
        let mut tables = self.tables();
        let Some(consumer) = tables.consumers.get_mut(&id) else {
            return Ok(false);
        };
        consumer.updated_at = updated_at;
        Ok(true)
    }

    fn delete_consumer(&self, id: ConsumerId) -> StorageResult<bool> {
        let mut tables = self.tables();
        if tables.remove_consumer(id).is_none() {
            return Ok(false);
        }

        // The cascade runs under the same lock as the delete, so nobody sees a token, nonce or
        // integration whose consumer is gone.
        tables.remove_tokens_up_to(usize::MAX, |token| token.owner == TokenOwner::Consumer(id));
        tables
            .nonces
            .retain(|(consumer_id, _), _| *consumer_id != id);
        if let Some(integration_id) = tables.integration_ids_by_consumer.get(&id).copied() {
            tables.remove_integration(integration_id);
        }
        Ok(true)
    }
}

impl TokenRepository for MemoryStore {
    fn create_token(&self, token: NewToken) -> StorageResult<Token> {
        let mut tables = self.tables();

        if tables.token_ids_by_digest.contains_key(&token.token_digest) {
            return Err(conflict("token"));
        }
        tables.check_token_owner(token.owner)?;

        let row = Token {
            id: TokenId(next_id(&mut tables.last_ids.token)),
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
        tables.insert_token(row.clone());
        Ok(row)
    }

    fn token_by_digest(&self, digest: &Digest) -> StorageResult<Option<Token>> {
        let tables = self.tables();
        let found = tables
            .token_ids_by_digest
            .get(digest)
            .and_then(|id| tables.tokens.get(id));
        Ok(found.cloned())
    }

    fn token_by_consumer(&self, consumer_id: ConsumerId) -> StorageResult<Option<Token>> {
        // "Newest" is the latest creation time; of rows created in the same second, the one
        // inserted last.
        let tables = self.tables();
        let newest = tables
            .tokens
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
        let mut guard = self.tables();
        let tables = &mut *guard;

        // Checking the kind and updating under one lock is what a database does with
        // `UPDATE .. WHERE id = ? AND type = ?`: of two racing conversions, one finds the row
        // already moved on.
        let Some(token) = tables.tokens.get_mut(&id) else {
            return Ok(None);
        };
        if token.kind != expected {
            return Ok(None);
        }
        if let Some(holder) = tables.token_ids_by_digest.get(&into.token_digest) {
            if *holder != id {
                return Err(conflict("token"));
            }
        }

        tables.token_ids_by_digest.remove(&token.token_digest);
        tables
            .token_ids_by_digest
            .insert(into.token_digest.clone(), id);
        token.kind = into.kind;
        token.token_digest = into.token_digest;
        token.sealed_secret = into.sealed_secret;
        token.authorized = into.authorized;
        Ok(Some(token.clone()))
    }

    fn revoke_token_row(&self, id: TokenId) -> StorageResult<bool> {
        let mut tables = self.tables();
        let Some(token) = tables.tokens.get_mut(&id) else {
            return Ok(false);
        };
        token.revoked = true;
        Ok(true)
    }

    fn delete_tokens_of_consumer(&self, consumer_id: ConsumerId) -> StorageResult<usize> {
        let mut tables = self.tables();
        let owner = TokenOwner::Consumer(consumer_id);
        Ok(tables.remove_tokens_up_to(usize::MAX, |token| token.owner == owner))
    }

    fn delete_user_tokens_created_before(
        &self,
        user_type: UserType,
        created_before: i64,
        limit: usize,
    ) -> StorageResult<usize> {
        // Only admins and customers hold opaque bearer tokens; OAuth rows are never touched.
        if !matches!(user_type, UserType::Admin | UserType::Customer) {
            return Ok(0);
        }

        let mut tables = self.tables();
        Ok(tables.remove_tokens_up_to(limit, |token| {
            token.owner.user_type() == user_type && token.created_at < created_before
        }))
    }

    fn delete_consumer_tokens_created_before(
        &self,
        kind: TokenKind,
        created_before: i64,
        limit: usize,
    ) -> StorageResult<usize> {
        // Integrations' access tokens never expire, whatever the caller asks.
        if kind == TokenKind::Access {
            return Ok(0);
        }

        let mut tables = self.tables();
        Ok(tables.remove_tokens_up_to(limit, |token| {
            matches!(token.owner, TokenOwner::Consumer(_))
                && token.kind == kind
                && token.created_at < created_before
        }))
    }
}

impl NonceRepository for MemoryStore {
    fn record_nonce(
        &self,
        consumer_id: ConsumerId,
        nonce: &Nonce,
        timestamp: i64,
    ) -> StorageResult<NonceOutcome> {
        let mut tables = self.tables();
        if !tables.consumers.contains_key(&consumer_id) {
            return Err(missing("consumer"));
        }

        // The check and the insert are one map operation under the lock: a primary key's
        // refusal, in memory.
        match tables
            .nonces
            .entry((consumer_id, nonce.as_str().to_owned()))
        {
            Entry::Occupied(_) => Ok(NonceOutcome::AlreadyUsed),
            Entry::Vacant(slot) => {
                slot.insert(timestamp);
                Ok(NonceOutcome::Recorded)
            }
        }
    }

    fn delete_nonces_before(&self, timestamp: i64, limit: usize) -> StorageResult<usize> {
        let mut tables = self.tables();
        Ok(remove_up_to(&mut tables.nonces, limit, |recorded| {
            *recorded < timestamp
        }))
    }
}

impl IntegrationRepository for MemoryStore {
    fn create_integration(&self, integration: NewIntegration) -> StorageResult<Integration> {
        let mut tables = self.tables();

        let name_taken = tables
            .integrations
            .values()
            .any(|existing| existing.name == integration.name);
        if name_taken {
            return Err(conflict("integration name"));
        }
        tables.check_integration_consumer(integration.consumer_id, None)?;

        let row = Integration {
            id: IntegrationId(next_id(&mut tables.last_ids.integration)),
            name: integration.name,
            email: integration.email,
            endpoint: integration.endpoint,
            identity_link_url: integration.identity_link_url,
            status: integration.status,
            setup_type: integration.setup_type,
            consumer_id: integration.consumer_id,
            created_at: integration.created_at,
            updated_at: integration.created_at,
        };
        tables.insert_integration(row.clone());
        Ok(row)
    }

    fn integration_by_id(&self, id: IntegrationId) -> StorageResult<Option<Integration>> {
        Ok(self.tables().integrations.get(&id).cloned())
    }

    fn integration_by_name(&self, name: &str) -> StorageResult<Option<Integration>> {
        let tables = self.tables();
        let found = tables
            .integrations
            .values()
            .find(|integration| integration.name == name);
        Ok(found.cloned())
    }

    fn integration_by_consumer(
        &self,
        consumer_id: ConsumerId,
    ) -> StorageResult<Option<Integration>> {
        let tables = self.tables();
        let found = tables
            .integration_ids_by_consumer
            .get(&consumer_id)
            .and_then(|id| tables.integrations.get(id));
        Ok(found.cloned())
    }

    fn list_integrations(&self) -> StorageResult<Vec<Integration>> {
        // The table is keyed by id, so its natural order is the contract's.
        Ok(self.tables().integrations.values().cloned().collect())
    }

    fn update_integration(&self, integration: &Integration) -> StorageResult<bool> {
        let mut tables = self.tables();

        let Some(current) = tables.integrations.get(&integration.id) else {
            return Ok(false);
        };
        let created_at = current.created_at;

        let name_taken = tables
            .integrations
            .values()
            .any(|other| other.id != integration.id && other.name == integration.name);
        if name_taken {
            return Err(conflict("integration name"));
        }
        tables.check_integration_consumer(integration.consumer_id, Some(integration.id))?;

        // Re-inserting through the helpers keeps the by-consumer index right when the
        // consumer changes.
        tables.remove_integration(integration.id);
        tables.insert_integration(Integration {
            created_at,
            ..integration.clone()
        });
        Ok(true)
    }

    fn delete_integration(&self, id: IntegrationId) -> StorageResult<bool> {
        Ok(self.tables().remove_integration(id).is_some())
    }
}

impl LoginFailureRepository for MemoryStore {
    fn login_failures(
        &self,
        user_name: &str,
        user_type: UserType,
    ) -> StorageResult<Option<LoginFailures>> {
        let tables = self.tables();
        let key = (user_name.to_owned(), user_type);
        Ok(tables.login_failures.get(&key).cloned())
    }

    fn record_login_failure(
        &self,
        user_name: &str,
        user_type: UserType,
        now: i64,
        lock_expires_at: i64,
    ) -> StorageResult<u32> {
        let mut tables = self.tables();
        let key = (user_name.to_owned(), user_type);

        // Read and write under one lock: the upsert. A lapsed lock starts the count again.
        let failures_count = match tables.login_failures.get(&key) {
            Some(row) if row.lock_expires_at > now => row.failures_count.saturating_add(1),
            _ => 1,
        };

        let row = LoginFailures {
            user_name: user_name.to_owned(),
            user_type,
            failures_count,
            lock_expires_at,
        };
        tables.login_failures.insert(key, row);
        Ok(failures_count)
    }

    fn reset_login_failures(&self, user_name: &str, user_type: UserType) -> StorageResult<()> {
        let mut tables = self.tables();
        tables
            .login_failures
            .remove(&(user_name.to_owned(), user_type));
        Ok(())
    }

    fn delete_expired_login_failures(&self, now: i64, limit: usize) -> StorageResult<usize> {
        let mut tables = self.tables();
        Ok(remove_up_to(&mut tables.login_failures, limit, |row| {
            row.lock_expires_at <= now
        }))
    }
}

impl RevocationRepository for MemoryStore {
    fn revoke_user_tokens(&self, revocation: UserRevocation) -> StorageResult<()> {
        let mut tables = self.tables();
        let key = (revocation.user_type, revocation.user_id);

        // The watermark only rises: a late, lower write must not re-admit tokens.
        tables
            .user_revocations
            .entry(key)
            .and_modify(|watermark| *watermark = (*watermark).max(revocation.revoke_before))
            .or_insert(revocation.revoke_before);
        Ok(())
    }

    fn user_revocation(&self, user_type: UserType, user_id: i64) -> StorageResult<Option<i64>> {
        let tables = self.tables();
        Ok(tables.user_revocations.get(&(user_type, user_id)).copied())
    }

    fn revoke_single_token(&self, revocation: TokenRevocation) -> StorageResult<()> {
        // A second record of the same token changes nothing, like `INSERT .. DO NOTHING`.
        let mut tables = self.tables();
        tables
            .token_revocations
            .entry(revocation.token_id.clone())
            .or_insert(revocation);
        Ok(())
    }

    fn is_token_revoked(&self, token_id: &str) -> StorageResult<bool> {
        Ok(self.tables().token_revocations.contains_key(token_id))
    }

    fn delete_user_revocations_before(
        &self,
        revoke_before: i64,
        limit: usize,
    ) -> StorageResult<usize> {
        let mut tables = self.tables();
        Ok(remove_up_to(
            &mut tables.user_revocations,
            limit,
            |watermark| *watermark < revoke_before,
        ))
    }

    fn delete_expired_token_revocations(&self, now: i64, limit: usize) -> StorageResult<usize> {
        let mut tables = self.tables();
        Ok(remove_up_to(
            &mut tables.token_revocations,
            limit,
            |revocation| revocation.expires_at <= now,
        ))
    }
}

impl AdminRepository for MemoryStore {
    fn create_admin(&self, admin: NewAdminUser) -> StorageResult<AdminUser> {
        let mut tables = self.tables();

        let username_taken = tables
            .admins
            .values()
            .any(|existing| existing.username == admin.username);
        if username_taken {
            return Err(conflict("admin username"));
        }

        let row = AdminUser {
            id: AdminId(next_id(&mut tables.last_ids.admin)),
            username: admin.username,
            email: admin.email,
            password_hash: admin.password_hash,
            is_active: admin.is_active,
            created_at: admin.created_at,
        };
        tables.admins.insert(row.id, row.clone());
        Ok(row)
    }

    fn admin_by_id(&self, id: AdminId) -> StorageResult<Option<AdminUser>> {
        Ok(self.tables().admins.get(&id).cloned())
    }

    fn admin_by_username(&self, username: &str) -> StorageResult<Option<AdminUser>> {
        let tables = self.tables();
        let found = tables
            .admins
            .values()
            .find(|admin| admin.username == username);
        Ok(found.cloned())
    }

    fn set_admin_active(&self, id: AdminId, active: bool) -> StorageResult<bool> {
        let mut tables = self.tables();
        let Some(admin) = tables.admins.get_mut(&id) else {
            return Ok(false);
        };
        admin.is_active = active;
        Ok(true)
    }
}

impl CustomerRepository for MemoryStore {
    fn create_customer(&self, customer: NewCustomer) -> StorageResult<Customer> {
        let mut tables = self.tables();

        let email_taken = tables
            .customers
            .values()
            .any(|existing| existing.email == customer.email);
        if email_taken {
            return Err(conflict("customer email"));
        }

        let row = Customer {
            id: CustomerId(next_id(&mut tables.last_ids.customer)),
            email: customer.email,
            firstname: customer.firstname,
            lastname: customer.lastname,
            password_hash: customer.password_hash,
            is_active: customer.is_active,
            created_at: customer.created_at,
        };
        tables.customers.insert(row.id, row.clone());
        Ok(row)
    }

    fn customer_by_id(&self, id: CustomerId) -> StorageResult<Option<Customer>> {
        Ok(self.tables().customers.get(&id).cloned())
    }

    fn customer_by_email(&self, email: &str) -> StorageResult<Option<Customer>> {
        let tables = self.tables();
        let found = tables
            .customers
            .values()
            .find(|customer| customer.email == email);
        Ok(found.cloned())
    }

    fn set_customer_active(&self, id: CustomerId, active: bool) -> StorageResult<bool> {
        let mut tables = self.tables();
        let Some(customer) = tables.customers.get_mut(&id) else {
            return Ok(false);
        };
        customer.is_active = active;
        Ok(true)
    }
}

impl AclRepository for MemoryStore {
    fn create_role(&self, role: NewRole) -> StorageResult<Role> {
        let mut tables = self.tables();

        let user_has_role = tables.roles.values().any(|existing| {
            existing.user_type == role.user_type && existing.user_id == role.user_id
        });
        if user_has_role {
            return Err(conflict("role"));
        }

        let row = Role {
            id: RoleId(next_id(&mut tables.last_ids.role)),
            name: role.name,
            user_type: role.user_type,
            user_id: role.user_id,
        };
        tables.roles.insert(row.id, row.clone());
        Ok(row)
    }

    fn role_for_user(&self, user_type: UserType, user_id: i64) -> StorageResult<Option<Role>> {
        let tables = self.tables();
        let found = tables
            .roles
            .values()
            .find(|role| role.user_type == user_type && role.user_id == user_id);
        Ok(found.cloned())
    }

    fn replace_role_resources(&self, role_id: RoleId, resources: &[String]) -> StorageResult<()> {
        let mut tables = self.tables();
        if !tables.roles.contains_key(&role_id) {
            return Err(missing("role"));
        }

        // The whole list is swapped in one assignment under the lock: a reader gets the old
        // set or the new one. The set drops duplicates.
        let resources: BTreeSet<String> = resources.iter().cloned().collect();
        tables.role_resources.insert(role_id, resources);
        Ok(())
    }

    fn role_resources(&self, role_id: RoleId) -> StorageResult<Vec<String>> {
        let tables = self.tables();
        let resources = tables
            .role_resources
            .get(&role_id)
            .map(|resources| resources.iter().cloned().collect())
            .unwrap_or_default();
        Ok(resources)
    }

    fn delete_role(&self, role_id: RoleId) -> StorageResult<bool> {
        let mut tables = self.tables();
        if tables.roles.remove(&role_id).is_none() {
            return Ok(false);
        }
        tables.role_resources.remove(&role_id);
        Ok(true)
    }
}

impl StoreHealth for MemoryStore {
    /// Memory is always reachable.
    fn ping(&self) -> StorageResult<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::thread;

    use super::*;
    use crate::values::Sealed;

    fn consumer(n: u8) -> NewConsumer {
        NewConsumer {
            name: format!("Integration{n}"),
            key: ConsumerKey::parse(&format!("{n:032}")).unwrap(),
            sealed_secret: Sealed::from_bytes(vec![n; 8]),
            callback_url: None,
            rejected_callback_url: None,
            created_at: 1_000,
        }
    }

    fn integration(name: &str, consumer_id: Option<ConsumerId>) -> NewIntegration {
        NewIntegration {
            name: name.to_owned(),
            email: "ops@example.com".to_owned(),
            endpoint: None,
            identity_link_url: None,
            status: IntegrationStatus::Inactive,
            setup_type: SetupType::Manual,
            consumer_id,
            created_at: 1_000,
        }
    }

    fn admin(username: &str) -> NewAdminUser {
        NewAdminUser {
            username: username.to_owned(),
            email: format!("{username}@example.com"),
            password_hash: "$argon2id$stub".to_owned(),
            is_active: true,
            created_at: 1_000,
        }
    }

    fn admin_token(admin_id: AdminId, digest: &str) -> NewToken {
        NewToken {
            owner: TokenOwner::Admin(admin_id),
            kind: TokenKind::Access,
            token_digest: Digest::from_hex(digest),
            sealed_secret: Sealed::from_bytes(vec![7; 4]),
            verifier_digest: None,
            callback_url: "oob".to_owned(),
            authorized: true,
            created_at: 1_000,
        }
    }

    #[test]
    fn ids_start_at_one_and_are_never_reused() {
        let store = MemoryStore::new();

        let first = store.create_consumer(consumer(1)).unwrap();
        let second = store.create_consumer(consumer(2)).unwrap();
        assert_eq!((first.id, second.id), (ConsumerId(1), ConsumerId(2)));

        assert!(store.delete_consumer(second.id).unwrap());
        let third = store.create_consumer(consumer(3)).unwrap();
        assert_eq!(third.id, ConsumerId(3));

        // Each table counts on its own.
        let admin = store.create_admin(admin("root")).unwrap();
        assert_eq!(admin.id, AdminId(1));
    }

    #[test]
    fn nonce_of_unknown_consumer_is_a_missing_reference() {
        let store = MemoryStore::new();
        let nonce = Nonce::parse("n").unwrap();

        let outcome = store.record_nonce(ConsumerId(9), &nonce, 1_000);

        assert!(matches!(
            outcome,
            Err(StorageError::MissingReference { what: "consumer" })
        ));
    }

    #[test]
    fn integration_consumer_must_exist_and_be_unique() {
        let store = MemoryStore::new();
        let consumer = store.create_consumer(consumer(1)).unwrap();

        let dangling = store.create_integration(integration("a", Some(ConsumerId(99))));
        assert!(matches!(
            dangling,
            Err(StorageError::MissingReference { what: "consumer" })
        ));

        let first = store
            .create_integration(integration("a", Some(consumer.id)))
            .unwrap();
        let second = store.create_integration(integration("b", Some(consumer.id)));
        assert!(matches!(
            second,
            Err(StorageError::Conflict {
                what: "integration consumer"
            })
        ));

        // Saving the integration that holds the consumer is not a conflict with itself.
        let renamed = Integration {
            name: "renamed".to_owned(),
            ..first
        };
        assert!(store.update_integration(&renamed).unwrap());
    }

    #[test]
    fn update_moves_the_consumer_index() {
        let store = MemoryStore::new();
        let old_consumer = store.create_consumer(consumer(1)).unwrap();
        let new_consumer = store.create_consumer(consumer(2)).unwrap();
        let created = store
            .create_integration(integration("a", Some(old_consumer.id)))
            .unwrap();

        let moved = Integration {
            consumer_id: Some(new_consumer.id),
            ..created
        };
        assert!(store.update_integration(&moved).unwrap());

        assert_eq!(
            store.integration_by_consumer(old_consumer.id).unwrap(),
            None
        );
        assert_eq!(
            store.integration_by_consumer(new_consumer.id).unwrap(),
            Some(moved)
        );
    }

    #[test]
    fn replacing_resources_of_an_unknown_role_is_a_missing_reference() {
        let store = MemoryStore::new();

        let result = store.replace_role_resources(RoleId(5), &["Vendor_Module::thing".to_owned()]);

        assert!(matches!(
            result,
            Err(StorageError::MissingReference { what: "role" })
        ));
        assert!(store.role_resources(RoleId(5)).unwrap().is_empty());
    }

    #[test]
    fn token_tables_of_unknown_user_types_are_left_alone() {
        let store = MemoryStore::new();
        let admin = store.create_admin(admin("root")).unwrap();
        store.create_token(admin_token(admin.id, "aa")).unwrap();

        for user_type in [UserType::Integration, UserType::Guest] {
            let deleted = store
                .delete_user_tokens_created_before(user_type, i64::MAX, 10)
                .unwrap();
            assert_eq!(deleted, 0, "{user_type:?}");
        }
        let digest = Digest::from_hex("aa");
        assert!(store.token_by_digest(&digest).unwrap().is_some());
    }

    #[test]
    fn debug_output_shows_counts_not_contents() {
        let store = MemoryStore::new();
        let consumer = store.create_consumer(consumer(1)).unwrap();
        let nonce = Nonce::parse("secret-nonce-value").unwrap();
        store.record_nonce(consumer.id, &nonce, 1_000).unwrap();

        let printed = format!("{store:?}");

        assert!(printed.contains("nonces: 1"), "{printed}");
        assert!(!printed.contains("secret-nonce-value"), "{printed}");
    }

    #[test]
    fn a_poisoned_lock_does_not_break_the_store() {
        let store = Arc::new(MemoryStore::new());
        store.create_admin(admin("root")).unwrap();

        let holder = Arc::clone(&store);
        let panicked = thread::spawn(move || {
            let _guard = holder.tables.lock();
            panic!("a thread dies while holding the lock");
        })
        .join();
        assert!(panicked.is_err());
        assert!(store.tables.is_poisoned());

        assert!(store.admin_by_username("root").unwrap().is_some());
        store.create_admin(admin("second")).unwrap();
        assert!(store.admin_by_username("second").unwrap().is_some());
    }
}
