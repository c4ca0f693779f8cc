//! [`DieselStore`]: the connection pool, its settings, migrations, and the one place where a
//! repository call gets a connection and has its failure translated.

use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use diesel::r2d2::R2D2Connection;
use diesel::result::Error as DieselError;

use gatehouse_domain::repository::{NonceOutcome, StorageResult, StoreHealth};

use crate::connection::{AnyConnection, Backend, ConnectionManager, DatabaseUrl};
use crate::error::{is_connection_lost, is_retryable, pool_error, storage_error, Error, Rules};
use crate::group_commit::GroupCommit;
use crate::migrations;
use crate::repositories::QueuedNonce;

/// How many times a statement the database rolled back for a deadlock or a serialization
/// failure is run again before the caller is told the store is unavailable.
const RETRIES: u32 = 8;

/// Connection pool settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    /// Most connections open at once. A `sqlite::memory:` store always has exactly one.
    pub pool_size: u32,
    /// How long a repository call waits for a connection before it fails with
    /// [`StorageError::Unavailable`](gatehouse_domain::StorageError::Unavailable).
    pub connection_timeout: Duration,
    /// Connections kept open while idle; `None` keeps `pool_size` of them. Fewer makes the
    /// pool open connections on demand instead.
    pub min_idle: Option<u32>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            pool_size: 10,
            connection_timeout: Duration::from_secs(5),
            min_idle: None,
        }
    }
}

/// A snapshot of the connection pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    /// Connections open, idle or in use.
    pub connections: u32,
    /// Connections open and not in use.
    pub idle: u32,
    /// The most connections the pool opens.
    pub max_size: u32,
}

/// Storage on SQLite, PostgreSQL or MySQL/MariaDB: a pool of connections that implements
/// every repository trait. Cloning is cheap; clones share the pool.
#[derive(Clone)]
pub struct DieselStore {
    pool: r2d2::Pool<ConnectionManager>,
    backend: Backend,
    /// Lets one SQLite write at a time through, in this process; see [`DieselStore::write`].
    sqlite_writer: Arc<Mutex<()>>,
    /// Keeps the URL's backend and target for `Debug` without exposing credentials.
    url: Arc<DatabaseUrl>,
    /// Concurrent nonce records of this process, committed together.
    pub(crate) nonces: Arc<GroupCommit<QueuedNonce, StorageResult<NonceOutcome>>>,
}

impl std::fmt::Debug for DieselStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DieselStore")
            .field("backend", &self.backend)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl DieselStore {
    /// A store for `url` (`sqlite://PATH`, `sqlite::memory:`, `postgres://…`,
    /// `postgresql://…` or `mysql://…`) with at most `pool_size` connections and the default
    /// connection timeout.
    ///
    /// Connections are opened in the background and on demand, so a database that is down
    /// now does not stop the store from being built: calls fail with
    /// [`StorageError::Unavailable`](gatehouse_domain::StorageError::Unavailable) until it is
    /// back. Only a malformed URL or pool size fails here.
    pub fn connect(url: &str, pool_size: u32) -> Result<DieselStore, Error> {
        let options = StoreOptions {
            pool_size,
            ..StoreOptions::default()
        };
        Self::connect_with(url, &options)
    }

    /// As [`DieselStore::connect`], with every pool setting given.
    pub fn connect_with(url: &str, options: &StoreOptions) -> Result<DieselStore, Error> {
        let url = DatabaseUrl::parse(url)?;
        let backend = url.backend;
        // r2d2 panics on these; they are refused as settings errors instead.
        if options.pool_size == 0 {
            return Err(Error::PoolSettings("the pool size must be at least 1"));
        }
        if options.connection_timeout.is_zero() {
            return Err(Error::PoolSettings(
                "the connection timeout must be positive",
            ));
        }

        let mut builder = r2d2::Pool::builder()
            .max_size(options.pool_size)
            .connection_timeout(options.connection_timeout)
            .min_idle(options.min_idle.map(|idle| idle.min(options.pool_size)));
        if url.is_sqlite_memory() {
            // An in-memory database lives as long as its connection: keep exactly one, forever.
            builder = builder
                .max_size(1)
                .min_idle(Some(1))
                .idle_timeout(None)
                .max_lifetime(None);
        }
        let pool = builder.build_unchecked(ConnectionManager::new(url.clone()));
        Ok(Self {
            pool,
            backend,
            sqlite_writer: Arc::new(Mutex::new(())),
            url: Arc::new(url),
            nonces: Arc::default(),
        })
    }

    /// The backend this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// How the connection pool is used right now, for metrics.
    pub fn pool_state(&self) -> PoolState {
        let state = self.pool.state();
        PoolState {
            connections: state.connections,
            idle: state.idle_connections,
            max_size: self.pool.max_size(),
        }
    }

    /// Applies the migrations not applied yet and returns their names, oldest first. Running
    /// it again applies nothing and returns an empty list.
    pub fn run_pending_migrations(&self) -> Result<Vec<String>, Error> {
        let mut connection = self.pool.get().map_err(Error::Unreachable)?;
        let applied = migrations::run_pending(&mut connection.connection)?;
        if !applied.is_empty() {
            log::info!(
                "applied {} database migrations on {}",
                applied.len(),
                self.backend
            );
        }
        Ok(applied)
    }

    /// Reverts every applied migration, newest first, and returns their names. This drops
    /// every Gatehouse table with its data; it exists for tests and for uninstalling.
    pub fn revert_all_migrations(&self) -> Result<Vec<String>, Error> {
        let mut connection = self.pool.get().map_err(Error::Unreachable)?;
        let reverted = migrations::revert_all(&mut connection.connection)?;
        log::info!(
            "reverted {} database migrations on {}",
            reverted.len(),
            self.backend
        );
        Ok(reverted)
    }

    /// As [`DieselStore::run`], for an operation that writes.
    ///
    /// On SQLite, writers of this process take turns on a mutex before they take a
    /// connection. The database still arbitrates every race (the mutex does not span
    /// processes, and nothing relies on it); it only spares concurrent writers SQLite's busy
    /// handler, which sleeps in steps of up to 100 ms while another connection writes.
    /// Measured with 8 threads recording nonces, that took throughput from about 500 to about
    /// 2000 inserts a second.
    pub(crate) fn write<T>(
        &self,
        rules: Rules,
        operation: impl FnMut(&mut AnyConnection) -> Result<T, DieselError>,
    ) -> StorageResult<T> {
        if self.backend != Backend::Sqlite {
            return self.run(rules, operation);
        }

        // The mutex guards no data, so a writer that panicked left nothing half-done in it.
        let _turn = self
            .sqlite_writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        self.run(rules, operation)
    }

    /// Runs `operation` on a pooled connection and translates its failure after `rules`.
    ///
    /// An operation the database rolled back whole for a deadlock or a serialization failure
    /// is run again, a few times: each operation is one statement or one transaction, so
    /// running it again cannot apply it twice.
    pub(crate) fn run<T>(
        &self,
        rules: Rules,
        mut operation: impl FnMut(&mut AnyConnection) -> Result<T, DieselError>,
    ) -> StorageResult<T> {
        let mut connection = self.pool.get().map_err(pool_error)?;

        let mut attempt = 0;
        let mut replaced = 0;
        loop {
            match operation(&mut connection.connection) {
                Ok(value) => {
                    connection.answered();
                    return Ok(value);
                }
                Err(error) if is_retryable(&error) && attempt < RETRIES => {
                    attempt += 1;
                    // A short, growing pause lets the transaction that won finish first.
                    thread::sleep(Duration::from_millis(u64::from(attempt) * 2));
                }
                Err(error) if is_connection_lost(&error) => {
                    connection.lost();
                    // A connection lent without a liveness check may have been closed by the
                    // server while it sat idle, before the statement was sent: the call runs
                    // again on another connection. The pool drops the dead one; once the live
                    // ones are exhausted a checked (pinged or new) connection comes, so a
                    // failure there is the database's, not a stale connection's.
                    if connection.lent_unchecked() && replaced <= self.pool.max_size() {
                        replaced += 1;
                        drop(connection);
                        connection = self.pool.get().map_err(pool_error)?;
                        continue;
                    }
                    return Err(storage_error(error, rules));
                }
                Err(error) => {
                    connection.failed();
                    return Err(storage_error(error, rules));
                }
            }
        }
    }
}

impl StoreHealth for DieselStore {
    fn ping(&self) -> StorageResult<()> {
        self.run(Rules::NONE, |connection| connection.ping().map(drop))
    }
}
