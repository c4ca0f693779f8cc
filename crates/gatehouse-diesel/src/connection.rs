//! Connections to the three backends: the `MultiConnection` enum every repository runs on,
//! the database URL forms, and the r2d2 manager that opens and prepares pooled connections.

use std::fmt;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::r2d2::R2D2Connection;
use diesel::{Connection, ConnectionError, MysqlConnection, PgConnection, SqliteConnection};

use crate::error::Error;

/// A connection to any of the supported databases. Diesel queries written against it run on
/// each backend; a `match` reaches the inner connection where a backend needs its own SQL.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    /// SQLite, the embedded default.
    Sqlite(SqliteConnection),
    /// PostgreSQL.
    Postgres(PgConnection),
    /// MySQL or MariaDB.
    Mysql(MysqlConnection),
}

impl AnyConnection {
    /// The backend this connection talks to.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
            Self::Mysql(_) => Backend::Mysql,
        }
    }
}

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// SQLite, a file on this machine.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    Mysql,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
            Self::Mysql => "mysql",
        })
    }
}

/// SQLite's in-memory database, as the `sqlite::memory:` URL asks for it.
const SQLITE_MEMORY: &str = ":memory:";

/// How long a SQLite connection waits for another writer before giving up, in milliseconds.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;

/// A parsed database URL: the backend, and what its driver is given to connect.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct DatabaseUrl {
    pub(crate) backend: Backend,
    /// The driver's connection string: a file path for SQLite, the URL itself otherwise.
    target: String,
}

impl DatabaseUrl {
    /// Recognises `sqlite://PATH` (also `sqlite:PATH` and `sqlite::memory:`),
    /// `postgres://…`, `postgresql://…` and `mysql://…`.
    pub(crate) fn parse(url: &str) -> Result<Self, Error> {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        let backend = match scheme {
            "sqlite" => Backend::Sqlite,
            "postgres" | "postgresql" => Backend::Postgres,
            "mysql" => Backend::Mysql,
            // Only the scheme is quoted: the rest of a URL may hold a password.
            other => {
                return Err(Error::UnsupportedUrl {
                    scheme: other.to_owned(),
                })
            }
        };

        let target = match backend {
            Backend::Sqlite => {
                let rest = &url["sqlite:".len()..];
                rest.strip_prefix("//").unwrap_or(rest).to_owned()
            }
            Backend::Postgres => with_postgres_keepalives(url),
            Backend::Mysql => url.to_owned(),
        };
        if target.is_empty() {
            return Err(Error::MissingSqlitePath);
        }
        Ok(Self { backend, target })
    }

    /// Whether this is SQLite's in-memory database, which lives only as long as its one
    /// connection.
    pub(crate) fn is_sqlite_memory(&self) -> bool {
        self.backend == Backend::Sqlite && self.target == SQLITE_MEMORY
    }

    /// Opens a connection and prepares it for use by the repositories.
    pub(crate) fn establish(&self) -> Result<AnyConnection, ConnectionError> {
        match self.backend {
            Backend::Sqlite => {
                let mut connection = SqliteConnection::establish(&self.target)?;
                prepare_sqlite(&mut connection)?;
                Ok(AnyConnection::Sqlite(connection))
            }
            Backend::Postgres => PgConnection::establish(&self.target).map(AnyConnection::Postgres),
            Backend::Mysql => MysqlConnection::establish(&self.target).map(AnyConnection::Mysql),
        }
    }
}

/// TCP keepalive settings libpq is given unless the URL sets its own: a connection whose
/// server has gone silent without closing it (a partition, a host that froze) is probed after
/// 10 s without traffic and declared dead after three unanswered probes 5 s apart. That frees a
/// thread waiting for a query's answer after about 25 s, where the system's default (two
/// hours before the first probe) would hold it. A server that answers slowly but is reachable
/// acknowledges the probes, so long queries are not cut short.
const POSTGRES_KEEPALIVES: [(&str, &str); 3] = [
    ("keepalives_idle", "10"),
    ("keepalives_interval", "5"),
    ("keepalives_count", "3"),
];

/// `url` with each of [`POSTGRES_KEEPALIVES`] its query does not set appended.
fn with_postgres_keepalives(url: &str) -> String {
    let query = url.split_once('?').map_or("", |(_, query)| query);
    let sets = |name: &str| {
        query
            .split('&')
            .any(|pair| pair.split_once('=').map_or(pair, |(key, _)| key) == name)
    };
    let mut target = url.to_owned();
    for (name, value) in POSTGRES_KEEPALIVES {
        if sets(name) {
            continue;
        }
        target.push(if target.contains('?') { '&' } else { '?' });
        target.push_str(name);
        target.push('=');
        target.push_str(value);
    }
    target
}

impl fmt::Debug for DatabaseUrl {
    /// Shows the backend only: the URL may carry a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseUrl")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// Sets the per-connection SQLite options every repository relies on.
fn prepare_sqlite(connection: &mut SqliteConnection) -> Result<(), ConnectionError> {
    // The busy timeout comes first, so that switching to WAL waits for other connections
    // instead of failing while one of them writes.
    let pragmas = format!(
        "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};
         PRAGMA journal_mode = WAL;
         PRAGMA foreign_keys = ON;"
    );
    connection
        .batch_execute(&pragmas)
        .map_err(ConnectionError::CouldntSetupConfiguration)
}

/// How long a connection that last answered is lent out again without a liveness check.
///
/// r2d2 can check every connection on checkout with a `SELECT 1`; on the signed route, with
/// six store calls per request, those checks were a third of the server's CPU on PostgreSQL
/// (docs/benchmarks.md). A connection that answered this recently is lent unchecked instead;
/// should the server have closed it meanwhile, [`DieselStore::run`](crate::DieselStore)
/// notices on first use, drops it and runs the call again on another connection.
pub(crate) const TRUSTED_AFTER_ANSWER: Duration = Duration::from_secs(1);

/// A pooled connection, and what the pool knows of its health.
pub(crate) struct Pooled {
    pub(crate) connection: AnyConnection,
    /// When it last answered a statement (or was opened); `None` after a failure, so that it
    /// is checked before it is lent again.
    answered_at: Option<Instant>,
    /// Whether this checkout skipped the liveness check.
    lent_unchecked: bool,
    /// The connection failed in a way that means it is gone: the pool must drop it.
    lost: bool,
}

impl Pooled {
    fn new(connection: AnyConnection) -> Self {
        Self {
            connection,
            answered_at: Some(Instant::now()),
            lent_unchecked: false,
            lost: false,
        }
    }

    /// Notes that the connection just answered.
    pub(crate) fn answered(&mut self) {
        self.answered_at = Some(Instant::now());
    }

    /// Notes that a statement failed: the connection is checked before its next use.
    pub(crate) fn failed(&mut self) {
        self.answered_at = None;
    }

    /// Notes that the connection is gone; the pool drops it when it comes back.
    pub(crate) fn lost(&mut self) {
        self.lost = true;
        self.answered_at = None;
    }

    /// Whether this checkout lent the connection without a liveness check.
    pub(crate) fn lent_unchecked(&self) -> bool {
        self.lent_unchecked
    }
}

/// Opens pooled connections for one database URL.
#[derive(Debug)]
pub(crate) struct ConnectionManager {
    url: DatabaseUrl,
}

impl ConnectionManager {
    pub(crate) fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = Pooled;
    type Error = ConnectionError;

    fn connect(&self) -> Result<Pooled, ConnectionError> {
        self.url.establish().map(Pooled::new)
    }

    /// Called on every checkout: a connection that answered within [`TRUSTED_AFTER_ANSWER`]
    /// is lent as it is, any other one must answer a ping first.
    fn is_valid(&self, pooled: &mut Pooled) -> Result<(), ConnectionError> {
        let recent = pooled
            .answered_at
            .is_some_and(|at| at.elapsed() < TRUSTED_AFTER_ANSWER);
        pooled.lent_unchecked = recent;
        if recent {
            return Ok(());
        }
        pooled
            .connection
            .ping()
            .map_err(ConnectionError::CouldntSetupConfiguration)?;
        pooled.answered();
        Ok(())
    }

    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        pooled.lost || pooled.connection.is_broken()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_backend() {
        let sqlite = DatabaseUrl::parse("sqlite:///var/lib/gatehouse.db").unwrap();
        assert_eq!(sqlite.backend, Backend::Sqlite);
        assert_eq!(sqlite.target, "/var/lib/gatehouse.db");

        let relative = DatabaseUrl::parse("sqlite://gatehouse.db").unwrap();
        assert_eq!(relative.target, "gatehouse.db");

        let memory = DatabaseUrl::parse("sqlite::memory:").unwrap();
        assert!(memory.is_sqlite_memory());

        for url in ["postgres://u@h/db", "postgresql://u@h/db"] {
            let parsed = DatabaseUrl::parse(url).unwrap();
            assert_eq!(parsed.backend, Backend::Postgres);
            assert_eq!(
                parsed.target,
                format!("{url}?keepalives_idle=10&keepalives_interval=5&keepalives_count=3")
            );
        }
        assert_eq!(
            DatabaseUrl::parse("mysql://root@127.0.0.1/x")
                .unwrap()
                .backend,
            Backend::Mysql
        );
    }

    #[test]
    fn postgres_urls_get_the_keepalives_they_do_not_set() {
        for (url, expected) in [
            (
                "postgres://u@h/db?sslmode=disable",
                "postgres://u@h/db?sslmode=disable&keepalives_idle=10&keepalives_interval=5\
                 &keepalives_count=3",
            ),
            (
                "postgres://u@h/db?keepalives_idle=60&keepalives_count=9",
                "postgres://u@h/db?keepalives_idle=60&keepalives_count=9&keepalives_interval=5",
            ),
            (
                "postgres://u@h/db?keepalives_idle=1&keepalives_interval=2&keepalives_count=3",
                "postgres://u@h/db?keepalives_idle=1&keepalives_interval=2&keepalives_count=3",
            ),
            // A name that merely starts like one of them is another parameter.
            (
                "postgres://u@h/db?keepalives=1&keepalives_idlex=1",
                "postgres://u@h/db?keepalives=1&keepalives_idlex=1&keepalives_idle=10\
                 &keepalives_interval=5&keepalives_count=3",
            ),
        ] {
            assert_eq!(DatabaseUrl::parse(url).unwrap().target, expected, "{url}");
        }
        // MySQL's driver takes no such setting in its URL; the URL is left as it is.
        let mysql = "mysql://root@127.0.0.1/x";
        assert_eq!(DatabaseUrl::parse(mysql).unwrap().target, mysql);
    }

    #[test]
    fn unknown_schemes_are_refused_without_quoting_the_url() {
        let error = DatabaseUrl::parse("redis://user:hunter2@host").unwrap_err();
        assert!(matches!(&error, Error::UnsupportedUrl { scheme } if scheme == "redis"));
        assert!(!error.to_string().contains("hunter2"));
        assert!(matches!(
            DatabaseUrl::parse("sqlite://"),
            Err(Error::MissingSqlitePath)
        ));
    }

    #[test]
    fn debug_hides_the_url() {
        let url = DatabaseUrl::parse("postgres://user:hunter2@host/db").unwrap();
        assert!(!format!("{url:?}").contains("hunter2"));
    }

    #[test]
    fn sqlite_connections_enforce_foreign_keys_and_use_wal() {
        let path = std::env::temp_dir().join(format!(
            "gatehouse-connection-test-{}.db",
            std::process::id()
        ));
        let url = DatabaseUrl::parse(&format!("sqlite://{}", path.display())).unwrap();
        let AnyConnection::Sqlite(mut connection) = url.establish().unwrap() else {
            panic!("not sqlite");
        };

        #[derive(diesel::QueryableByName)]
        struct Setting {
            #[diesel(sql_type = diesel::sql_types::Text)]
            value: String,
        }
        let read = |connection: &mut SqliteConnection, pragma: &str| {
            use diesel::RunQueryDsl;
            diesel::sql_query(format!("SELECT CAST({pragma} AS TEXT) AS value"))
                .get_result::<Setting>(connection)
                .unwrap()
                .value
        };
        assert_eq!(
            read(&mut connection, "(SELECT * FROM pragma_foreign_keys)"),
            "1"
        );
        assert_eq!(
            read(&mut connection, "(SELECT * FROM pragma_journal_mode)"),
            "wal"
        );
        assert_eq!(
            read(&mut connection, "(SELECT * FROM pragma_busy_timeout)"),
            "5000"
        );

        drop(connection);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
