//! The shape of [`TableStore`]: one table per repository role, each behind a lock of its own,
//! with the indexes that serve its lookups, and the rule that keeps several locks deadlock-free.
//!
//! # Lock order
//!
//! A method that needs several tables locks them in the order their fields are declared in
//! [`TableStore`], and never in any other order:
//!
//! `admins` → `customers` → `consumers` → `tokens` → `nonces` → `integrations` → `roles` →
//! `login_failures` → `user_revocations` → `token_revocations`.
//!
//! Two threads that each hold one lock and wait for the other's can only arise when they lock
//! in opposite orders; one order for everyone rules that out. The tables that refer to others
//! (tokens to their owner, nonces and integrations to their consumer) come after what they
//! refer to, so a foreign-key check takes the referenced table first, as it must.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use gatehouse_domain::{
    AdminId, AdminUser, Consumer, ConsumerId, ConsumerKey, Customer, CustomerId, Digest,
    Integration, IntegrationId, LoginFailures, Role, RoleId, StorageError, StorageResult,
    StoreHealth, Token, TokenId, TokenRevocation, UserType,
};

/// A storage backend that keeps each table in memory behind its own read-write lock.
///
/// Unlike a store with one lock for everything, readers of a table never wait for each other,
/// and writers of different tables never wait for each other either: a login (admins) does not
/// queue behind a signed request recording its nonce (nonces). The price is the lock order
/// above, which every method that spans tables follows.
///
/// It serves one process: like any in-memory store it cannot give the traits' "across
/// processes" guarantees, and it forgets everything when dropped.
///
/// ```
/// use example_custom_backend::TableStore;
/// use gatehouse_domain::{AdminRepository, NewAdminUser};
///
/// let store = TableStore::new();
/// let admin = store.create_admin(NewAdminUser {
///     username: "root".to_owned(),
///     email: "root@example.com".to_owned(),
///     password_hash: "$argon2id$v=19$...".to_owned(),
///     is_active: true,
///     created_at: 1_700_000_000,
/// })?;
/// assert_eq!(store.admin_by_username("root")?, Some(admin));
/// assert_eq!(store.row_counts().admins, 1);
/// # Ok::<(), gatehouse_domain::StorageError>(())
/// ```
#[derive(Default)]
pub struct TableStore {
    pub(crate) admins: RwLock<Admins>,
    pub(crate) customers: RwLock<Customers>,
    pub(crate) consumers: RwLock<Consumers>,
    pub(crate) tokens: RwLock<Tokens>,
    pub(crate) nonces: RwLock<Nonces>,
    pub(crate) integrations: RwLock<Integrations>,
    pub(crate) roles: RwLock<Roles>,
    pub(crate) login_failures: RwLock<BTreeMap<(String, UserType), LoginFailures>>,
    /// The revocation watermark per user.
    pub(crate) user_revocations: RwLock<BTreeMap<(UserType, i64), i64>>,
    pub(crate) token_revocations: RwLock<BTreeMap<String, TokenRevocation>>,
}

/// How many rows each table holds: what [`TableStore`] shows of itself, since its rows hold
/// digests, nonces and password hashes that must never reach a log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowCounts {
    /// Admin users.
    pub admins: usize,
    /// Customers.
    pub customers: usize,
    /// OAuth consumers.
    pub consumers: usize,
    /// Token rows of every kind and owner.
    pub tokens: usize,
    /// Used nonces.
    pub nonces: usize,
    /// Integrations.
    pub integrations: usize,
    /// ACL roles.
    pub roles: usize,
    /// Failed-login counters.
    pub login_failures: usize,
    /// Per-user revocation watermarks.
    pub user_revocations: usize,
    /// Single revoked tokens.
    pub token_revocations: usize,
}

impl TableStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of rows in each table, as one consistent snapshot: every table's read lock
    /// is taken in the lock order and held until all are counted, so no multi-table write is
    /// seen half done.
    pub fn row_counts(&self) -> RowCounts {
        let admins = read(&self.admins);
        let customers = read(&self.customers);
        let consumers = read(&self.consumers);
        let tokens = read(&self.tokens);
        let nonces = read(&self.nonces);
        let integrations = read(&self.integrations);
        let roles = read(&self.roles);
        let login_failures = read(&self.login_failures);
        let user_revocations = read(&self.user_revocations);
        let token_revocations = read(&self.token_revocations);

        RowCounts {
            admins: admins.table.rows.len(),
            customers: customers.table.rows.len(),
            consumers: consumers.table.rows.len(),
            tokens: tokens.table.rows.len(),
            nonces: nonces.by_key.len(),
            integrations: integrations.table.rows.len(),
            roles: roles.table.rows.len(),
            login_failures: login_failures.len(),
            user_revocations: user_revocations.len(),
            token_revocations: token_revocations.len(),
        }
    }
}

impl fmt::Debug for TableStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TableStore")
            .field(&self.row_counts())
            .finish()
    }
}

impl StoreHealth for TableStore {
    /// Memory is always there to answer.
    fn ping(&self) -> StorageResult<()> {
        Ok(())
    }
}

/// Takes `lock` for reading.
///
/// A lock is poisoned when a thread panicked while holding it for writing. Every write in this
/// crate checks everything it refuses on before it changes anything, and nothing between its
/// first and last change can panic, so the table behind a poisoned lock is still consistent:
/// refusing it would turn one panic elsewhere into a failure of every later call.
pub(crate) fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

/// Takes `lock` for writing; see [`read`] about poisoning.
pub(crate) fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

/// The refusal of a unique rule, named as the traits document.
pub(crate) fn conflict(what: &'static str) -> StorageError {
    StorageError::Conflict { what }
}

/// The refusal of a reference to a row that does not exist.
pub(crate) fn missing(what: &'static str) -> StorageError {
    StorageError::MissingReference { what }
}

/// Rows keyed by an id that counts up from 1 and is never reused, like an auto-increment
/// primary key.
pub(crate) struct Table<Id, Row> {
    pub(crate) rows: BTreeMap<Id, Row>,
    last_id: i64,
}

impl<Id, Row> Default for Table<Id, Row> {
    fn default() -> Self {
        Self {
            rows: BTreeMap::new(),
            last_id: 0,
        }
    }
}

impl<Id: Ord + Copy + From<i64>, Row> Table<Id, Row> {
    /// The id of the next row. Ids of deleted rows are not handed out again.
    pub(crate) fn next_id(&mut self) -> Id {
        self.last_id += 1;
        Id::from(self.last_id)
    }

    /// The ids of up to `limit` rows that `doomed` selects, lowest id first: what a batched
    /// housekeeping delete removes.
    pub(crate) fn select_ids(&self, limit: usize, doomed: impl Fn(&Row) -> bool) -> Vec<Id> {
        self.rows
            .iter()
            .filter(|(_, row)| doomed(row))
            .take(limit)
            .map(|(id, _)| *id)
            .collect()
    }
}

/// Removes up to `limit` entries of `map` that `doomed` selects, lowest key first; returns
/// how many it removed.
pub(crate) fn remove_up_to<K: Ord + Clone, V>(
    map: &mut BTreeMap<K, V>,
    limit: usize,
    doomed: impl Fn(&V) -> bool,
) -> usize {
    let keys: Vec<K> = map
        .iter()
        .filter(|(_, value)| doomed(value))
        .take(limit)
        .map(|(key, _)| key.clone())
        .collect();

    for key in &keys {
        map.remove(key);
    }
    keys.len()
}

/// Admin users, with a unique index on the username.
#[derive(Default)]
pub(crate) struct Admins {
    pub(crate) table: Table<AdminId, AdminUser>,
    pub(crate) by_username: HashMap<String, AdminId>,
}

/// Customers, with a unique index on the email.
#[derive(Default)]
pub(crate) struct Customers {
    pub(crate) table: Table<CustomerId, Customer>,
    pub(crate) by_email: HashMap<String, CustomerId>,
}

/// OAuth consumers, with a unique index on the key.
#[derive(Default)]
pub(crate) struct Consumers {
    pub(crate) table: Table<ConsumerId, Consumer>,
    pub(crate) by_key: HashMap<ConsumerKey, ConsumerId>,
}

/// Token rows, with a unique index on the token digest.
#[derive(Default)]
pub(crate) struct Tokens {
    pub(crate) table: Table<TokenId, Token>,
    pub(crate) by_digest: HashMap<Digest, TokenId>,
}

impl Tokens {
    /// Inserts `token`, keeping the digest index in step.
    pub(crate) fn insert(&mut self, token: Token) {
        self.by_digest.insert(token.token_digest.clone(), token.id);
        self.table.rows.insert(token.id, token);
    }

    /// Removes the rows `ids`, keeping the digest index in step; returns how many existed.
    pub(crate) fn remove(&mut self, ids: &[TokenId]) -> usize {
        let mut removed = 0;
        for id in ids {
            if let Some(token) = self.table.rows.remove(id) {
                self.by_digest.remove(&token.token_digest);
                removed += 1;
            }
        }
        removed
    }
}

/// Used nonces, as the `oauth_nonce` table is laid out: a primary key on (consumer, nonce),
/// and an index on the timestamp so that housekeeping finds the oldest without a scan.
#[derive(Default)]
pub(crate) struct Nonces {
    /// (consumer, nonce) → the request's timestamp.
    pub(crate) by_key: HashMap<(ConsumerId, String), i64>,
    /// The same rows ordered by timestamp.
    pub(crate) by_time: BTreeSet<(i64, ConsumerId, String)>,
}

/// Integrations, with unique indexes on the name and on the consumer.
#[derive(Default)]
pub(crate) struct Integrations {
    pub(crate) table: Table<IntegrationId, Integration>,
    pub(crate) by_name: HashMap<String, IntegrationId>,
    pub(crate) by_consumer: HashMap<ConsumerId, IntegrationId>,
}

impl Integrations {
    /// Inserts `integration`, keeping both indexes in step.
    pub(crate) fn insert(&mut self, integration: Integration) {
        self.by_name
            .insert(integration.name.clone(), integration.id);
        if let Some(consumer_id) = integration.consumer_id {
            self.by_consumer.insert(consumer_id, integration.id);
        }
        self.table.rows.insert(integration.id, integration);
    }

    /// Removes the integration `id`, keeping both indexes in step.
    pub(crate) fn remove(&mut self, id: IntegrationId) -> Option<Integration> {
        let integration = self.table.rows.remove(&id)?;
        self.by_name.remove(&integration.name);
        if let Some(consumer_id) = integration.consumer_id {
            self.by_consumer.remove(&consumer_id);
        }
        Some(integration)
    }
}

/// ACL roles and their rules. Both live behind one lock, so replacing a role's rules is one
/// step that no reader can see half done.
#[derive(Default)]
pub(crate) struct Roles {
    pub(crate) table: Table<RoleId, Role>,
    /// The unique rule "one role per user".
    pub(crate) by_user: HashMap<(UserType, i64), RoleId>,
    /// A role's allowed resources; a set, so duplicates collapse and reads come out sorted.
    pub(crate) rules: HashMap<RoleId, BTreeSet<String>>,
}
