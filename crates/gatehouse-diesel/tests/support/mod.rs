//! Fresh databases for the tests: a temporary SQLite file, or a uniquely named database on
//! the PostgreSQL or MariaDB server, dropped again when the test ends.
//!
//! Servers: `GATEHOUSE_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`)
//! and `GATEHOUSE_TEST_MYSQL_URL` (default `mysql://root@127.0.0.1:3306/test`) name a database
//! the tests connect to in order to create and drop their own. When a server cannot be
//! reached, a test fails if `CI` is set, and otherwise says loudly that it skipped itself.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use diesel::{Connection, MysqlConnection, PgConnection, RunQueryDsl};

use gatehouse_diesel::{Backend, DieselStore, StoreOptions};
use gatehouse_domain::repository::*;
use gatehouse_domain::*;

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
const DEFAULT_MYSQL_URL: &str = "mysql://root@127.0.0.1:3306/test";

/// Enough connections for the conformance suite's racing threads to really race.
pub const POOL_SIZE: u32 = 16;

/// A name no other test, in this process or another, is using.
fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    format!(
        "gh_test_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The admin URL of a server backend, from the environment or the default.
pub fn admin_url(backend: Backend) -> String {
    let (variable, default) = match backend {
        Backend::Postgres => ("GATEHOUSE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        Backend::Mysql => ("GATEHOUSE_TEST_MYSQL_URL", DEFAULT_MYSQL_URL),
        Backend::Sqlite => unreachable!("sqlite needs no server"),
    };
    std::env::var(variable).unwrap_or_else(|_| default.to_owned())
}

/// `url` with its database name replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let (before_query, query) = match url.split_once('?') {
        Some((before, query)) => (before, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority_start = before_query.find("://").map_or(0, |at| at + 3);
    let base = match before_query[authority_start..].find('/') {
        Some(slash) => &before_query[..authority_start + slash],
        None => before_query,
    };
    format!("{base}/{database}{query}")
}

/// Whether a missing server must fail the test rather than skip it.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| !value.is_empty() && value != "false")
}

/// Reports an unreachable server: a failure in CI, a loud skip elsewhere.
fn server_unreachable(backend: Backend, error: &dyn std::fmt::Display) {
    if in_ci() {
        panic!("the {backend} test server is unreachable and CI is set: {error}");
    }

    // Written to the stderr handle rather than with `eprintln!`, which the test harness
    // captures: the skip must be seen by whoever runs the tests.
    let _ = writeln!(
        std::io::stderr(),
        "\n**** SKIPPED: the {backend} test server is unreachable ({error}); \
         set CI=true to make this a failure ****\n"
    );
}

/// A database that exists for one test and is dropped when this value is.
#[derive(Debug)]
pub enum TestDatabase {
    /// A temporary directory holding one SQLite database.
    Sqlite(PathBuf),
    /// A database on a server, created through `admin_url`.
    Server {
        backend: Backend,
        admin_url: String,
        name: String,
    },
}

impl TestDatabase {
    /// A new, empty database; `None` when the server is unreachable outside CI.
    pub fn create(backend: Backend) -> Option<TestDatabase> {
        let name = unique_name();
        if backend == Backend::Sqlite {
            // A directory of its own: once it is removed, a connection the pool was still
            // opening in the background cannot create the file again.
            let directory = std::env::temp_dir().join(name);
            std::fs::create_dir(&directory).expect("the temporary directory is writable");
            return Some(TestDatabase::Sqlite(directory));
        }

        let admin_url = admin_url(backend);
        let created = match backend {
            Backend::Postgres => PgConnection::establish(&admin_url)
                .map_err(|error| error.to_string())
                .and_then(|mut admin| {
                    diesel::sql_query(format!("CREATE DATABASE {name}"))
                        .execute(&mut admin)
                        .map_err(|error| error.to_string())
                }),
            Backend::Mysql => MysqlConnection::establish(&admin_url)
                .map_err(|error| error.to_string())
                .and_then(|mut admin| {
                    diesel::sql_query(format!(
                        "CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
                    ))
                    .execute(&mut admin)
                    .map_err(|error| error.to_string())
                }),
            Backend::Sqlite => unreachable!(),
        };
        if let Err(error) = created {
            server_unreachable(backend, &error);
            return None;
        }
        Some(TestDatabase::Server {
            backend,
            admin_url,
            name,
        })
    }

    /// The URL a store connects to.
    pub fn url(&self) -> String {
        match self {
            Self::Sqlite(directory) => {
                format!("sqlite://{}", directory.join("gatehouse.db").display())
            }
            Self::Server {
                admin_url, name, ..
            } => with_database(admin_url, name),
        }
    }

    /// A store on this database, not migrated.
    pub fn store(&self) -> DieselStore {
        let options = StoreOptions {
            pool_size: POOL_SIZE,
            min_idle: Some(1),
            ..StoreOptions::default()
        };
        DieselStore::connect_with(&self.url(), &options).expect("the test url is valid")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self {
            Self::Sqlite(directory) => {
                let _ = std::fs::remove_dir_all(directory);
            }
            Self::Server {
                backend: Backend::Postgres,
                admin_url,
                name,
            } => {
                // FORCE ends the connections a pool may still hold.
                if let Ok(mut admin) = PgConnection::establish(admin_url) {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut admin);
                }
            }
            Self::Server {
                admin_url, name, ..
            } => {
                if let Ok(mut admin) = MysqlConnection::establish(admin_url) {
                    let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name}"))
                        .execute(&mut admin);
                }
            }
        }
    }
}

/// A migrated store on its own database; the database goes when the store does.
#[derive(Debug)]
pub struct TestStore {
    // Declared first, so the pool closes before the database is dropped.
    pub store: DieselStore,
    pub database: TestDatabase,
}

impl TestStore {
    /// A fresh, migrated store of `backend`; `None` when its server is unreachable outside CI.
    pub fn fresh(backend: Backend) -> Option<TestStore> {
        let database = TestDatabase::create(backend)?;
        let store = database.store();
        store
            .run_pending_migrations()
            .expect("the migrations apply to an empty database");
        Some(TestStore { store, database })
    }
}

/// A fresh SQLite store; SQLite needs no server, so there is always one.
pub fn fresh_sqlite() -> TestStore {
    TestStore::fresh(Backend::Sqlite).expect("sqlite needs no server")
}

/// A fresh PostgreSQL store, or `None` (after a loud skip message) without a server.
pub fn fresh_postgres() -> Option<TestStore> {
    TestStore::fresh(Backend::Postgres)
}

/// A fresh MySQL/MariaDB store, or `None` (after a loud skip message) without a server.
pub fn fresh_mysql() -> Option<TestStore> {
    TestStore::fresh(Backend::Mysql)
}

/// A store whose every connection attempt is refused: a PostgreSQL URL on a closed port,
/// with a short connection timeout.
pub fn unreachable_store(timeout: Duration) -> DieselStore {
    let options = StoreOptions {
        pool_size: 2,
        connection_timeout: timeout,
        ..StoreOptions::default()
    };
    DieselStore::connect_with("postgres://postgres@127.0.0.1:1/none", &options)
        .expect("the url is well formed")
}

/// Implements a repository trait on [`TestStore`] by handing every call to its store.
macro_rules! delegate {
    ($trait:ident { $(fn $method:ident(&self $(, $arg:ident: $type:ty)*) -> $output:ty;)* }) => {
        impl $trait for TestStore {
            $(
                fn $method(&self $(, $arg: $type)*) -> $output {
                    self.store.$method($($arg),*)
                }
            )*
        }
    };
}

delegate!(ConsumerRepository {
    fn create_consumer(&self, consumer: NewConsumer) -> StorageResult<Consumer>;
    fn consumer_by_id(&self, id: ConsumerId) -> StorageResult<Option<Consumer>>;
    fn consumer_by_key(&self, key: &ConsumerKey) -> StorageResult<Option<Consumer>>;
    fn touch_consumer(&self, id: ConsumerId, updated_at: i64) -> StorageResult<bool>;
    fn delete_consumer(&self, id: ConsumerId) -> StorageResult<bool>;
});

delegate!(TokenRepository {
    fn create_token(&self, token: NewToken) -> StorageResult<Token>;
    fn token_by_digest(&self, digest: &Digest) -> StorageResult<Option<Token>>;
    fn token_by_consumer(&self, consumer_id: ConsumerId) -> StorageResult<Option<Token>>;
    fn convert_token(
        &self,
        id: TokenId,
        expected: TokenKind,
        into: TokenConversion
    ) -> StorageResult<Option<Token>>;
    fn revoke_token_row(&self, id: TokenId) -> StorageResult<bool>;
    fn delete_tokens_of_consumer(&self, consumer_id: ConsumerId) -> StorageResult<usize>;
    fn delete_user_tokens_created_before(
        &self,
        user_type: UserType,
        created_before: i64,
        limit: usize
    ) -> StorageResult<usize>;
    fn delete_consumer_tokens_created_before(
        &self,
        kind: TokenKind,
        created_before: i64,
        limit: usize
    ) -> StorageResult<usize>;
});

delegate!(NonceRepository {
    fn record_nonce(
        &self,
        consumer_id: ConsumerId,
        nonce: &Nonce,
        timestamp: i64
    ) -> StorageResult<NonceOutcome>;
    fn delete_nonces_before(&self, timestamp: i64, limit: usize) -> StorageResult<usize>;
});

delegate!(IntegrationRepository {
    fn create_integration(&self, integration: NewIntegration) -> StorageResult<Integration>;
    fn integration_by_id(&self, id: IntegrationId) -> StorageResult<Option<Integration>>;
    fn integration_by_name(&self, name: &str) -> StorageResult<Option<Integration>>;
    fn integration_by_consumer(
        &self,
        consumer_id: ConsumerId
    ) -> StorageResult<Option<Integration>>;
    fn list_integrations(&self) -> StorageResult<Vec<Integration>>;
    fn update_integration(&self, integration: &Integration) -> StorageResult<bool>;
    fn delete_integration(&self, id: IntegrationId) -> StorageResult<bool>;
});

delegate!(LoginFailureRepository {
    fn login_failures(
        &self,
        user_name: &str,
        user_type: UserType
    ) -> StorageResult<Option<LoginFailures>>;
    fn record_login_failure(
        &self,
        user_name: &str,
        user_type: UserType,
        now: i64,
        lock_expires_at: i64
    ) -> StorageResult<u32>;
    fn reset_login_failures(&self, user_name: &str, user_type: UserType) -> StorageResult<()>;
    fn delete_expired_login_failures(&self, now: i64, limit: usize) -> StorageResult<usize>;
});

delegate!(RevocationRepository {
    fn revoke_user_tokens(&self, revocation: UserRevocation) -> StorageResult<()>;
    fn user_revocation(&self, user_type: UserType, user_id: i64) -> StorageResult<Option<i64>>;
    fn revoke_single_token(&self, revocation: TokenRevocation) -> StorageResult<()>;
    fn is_token_revoked(&self, token_id: &str) -> StorageResult<bool>;
    fn delete_user_revocations_before(
        &self,
        revoke_before: i64,
        limit: usize
    ) -> StorageResult<usize>;
    fn delete_expired_token_revocations(&self, now: i64, limit: usize) -> StorageResult<usize>;
});

delegate!(AdminRepository {
    fn create_admin(&self, admin: NewAdminUser) -> StorageResult<AdminUser>;
    fn admin_by_id(&self, id: AdminId) -> StorageResult<Option<AdminUser>>;
    fn admin_by_username(&self, username: &str) -> StorageResult<Option<AdminUser>>;
    fn set_admin_active(&self, id: AdminId, active: bool) -> StorageResult<bool>;
});

delegate!(CustomerRepository {
    fn create_customer(&self, customer: NewCustomer) -> StorageResult<Customer>;
    fn customer_by_id(&self, id: CustomerId) -> StorageResult<Option<Customer>>;
    fn customer_by_email(&self, email: &str) -> StorageResult<Option<Customer>>;
    fn set_customer_active(&self, id: CustomerId, active: bool) -> StorageResult<bool>;
});

delegate!(AclRepository {
    fn create_role(&self, role: NewRole) -> StorageResult<Role>;
    fn role_for_user(&self, user_type: UserType, user_id: i64) -> StorageResult<Option<Role>>;
    fn replace_role_resources(&self, role_id: RoleId, resources: &[String]) -> StorageResult<()>;
    fn role_resources(&self, role_id: RoleId) -> StorageResult<Vec<String>>;
    fn delete_role(&self, role_id: RoleId) -> StorageResult<bool>;
});

delegate!(StoreHealth {
    fn ping(&self) -> StorageResult<()>;
});
