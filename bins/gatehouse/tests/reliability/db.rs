//! Fresh databases for the reliability tests: a uniquely named PostgreSQL or MariaDB database,
//! dropped when the test ends, or a SQLite file in a scratch directory; and plain SQL against
//! it, to arrange rows and to read what Gatehouse stored.
//!
//! Every query opens its own connection: the tests read after the fact, and a fresh
//! connection sees exactly what the server committed.

use std::sync::atomic::{AtomicU64, Ordering};

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::{
    Connection, MysqlConnection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection,
};

use crate::support::Scratch;

/// The PostgreSQL server of the machine (trust authentication).
pub const POSTGRES_SERVER: &str = "postgres://postgres@127.0.0.1:5432";

/// The MariaDB server of the machine (root without a password).
pub const MYSQL_SERVER: &str = "mysql://root@127.0.0.1:3306";

/// A database kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MariaDB or MySQL.
    Mysql,
}

impl Backend {
    /// A short name for database names and messages.
    pub fn label(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
            Self::Mysql => "mysql",
        }
    }
}

/// A database of its own for one test.
pub struct TestDb {
    /// Its kind.
    pub backend: Backend,
    /// The database name (PostgreSQL, MariaDB) or file path (SQLite).
    pub name: String,
    /// Where the SQLite file lives (and the config and scratch files of any backend).
    pub scratch: Scratch,
}

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    v: String,
}

enum Open {
    Postgres(PgConnection),
    Mysql(MysqlConnection),
    Sqlite(SqliteConnection),
}

/// Runs `$body` with `$connection` bound to whichever connection `$open` holds.
macro_rules! with_connection {
    ($open:expr, $connection:ident => $body:expr) => {
        match $open {
            Open::Postgres($connection) => $body,
            Open::Mysql($connection) => $body,
            Open::Sqlite($connection) => $body,
        }
    };
}

impl TestDb {
    /// A fresh database of `backend`, named after `label`. `None`, after a loud SKIPPED line,
    /// when the server is unreachable outside CI; under CI that fails the test instead.
    pub fn create(backend: Backend, label: &str) -> Option<TestDb> {
        let name = unique_name(&format!("ghrel_{label}_{}", backend.label()));
        let scratch = Scratch::new(&name);

        let created = match backend {
            Backend::Sqlite => {
                let path = scratch.path.join("gatehouse.db");
                return Some(TestDb {
                    backend,
                    name: path.display().to_string(),
                    scratch,
                });
            }
            Backend::Postgres => PgConnection::establish(&format!("{POSTGRES_SERVER}/postgres"))
                .map_err(|error| error.to_string())
                .and_then(|mut server| {
                    diesel::sql_query(format!("CREATE DATABASE {name}"))
                        .execute(&mut server)
                        .map_err(|error| error.to_string())
                }),
            Backend::Mysql => MysqlConnection::establish(&format!("{MYSQL_SERVER}/mysql"))
                .map_err(|error| error.to_string())
                .and_then(|mut server| {
                    diesel::sql_query(format!("CREATE DATABASE {name} CHARACTER SET utf8mb4"))
                        .execute(&mut server)
                        .map_err(|error| error.to_string())
                }),
        };
        match created {
            Ok(_) => Some(TestDb {
                backend,
                name,
                scratch,
            }),
            Err(error) => {
                skip_unreachable(backend, &error);
                None
            }
        }
    }

    /// The URL Gatehouse is given.
    pub fn url(&self) -> String {
        self.url_through(None)
    }

    /// The URL through a proxy listening on `port` instead of the server's own port.
    pub fn url_through(&self, port: Option<u16>) -> String {
        match self.backend {
            Backend::Sqlite => format!("sqlite://{}", self.name),
            Backend::Postgres => {
                format!(
                    "postgres://postgres@127.0.0.1:{}/{}",
                    port.unwrap_or(5432),
                    self.name
                )
            }
            Backend::Mysql => {
                format!(
                    "mysql://root@127.0.0.1:{}/{}",
                    port.unwrap_or(3306),
                    self.name
                )
            }
        }
    }

    /// The server's own address (not for SQLite).
    pub fn server_port(&self) -> u16 {
        match self.backend {
            Backend::Postgres => 5432,
            Backend::Mysql => 3306,
            Backend::Sqlite => panic!("a SQLite database has no server"),
        }
    }

    fn open(&self) -> Open {
        let url = self.url();
        match self.backend {
            Backend::Postgres => Open::Postgres(PgConnection::establish(&url).unwrap()),
            Backend::Mysql => Open::Mysql(MysqlConnection::establish(&url).unwrap()),
            Backend::Sqlite => {
                let mut connection = SqliteConnection::establish(&self.name).unwrap();
                connection
                    .batch_execute("PRAGMA busy_timeout = 10000")
                    .unwrap();
                Open::Sqlite(connection)
            }
        }
    }

    /// The one number `sql` selects as column `n` (cast it with [`TestDb::int`]).
    pub fn number(&self, sql: &str) -> i64 {
        let rows: Vec<Number> = with_connection!(&mut self.open(), connection => {
            diesel::sql_query(sql).load(connection)
        })
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
        assert_eq!(rows.len(), 1, "{sql} selects one row");
        rows[0].n
    }

    /// `SELECT COUNT(*)` of `table` with an optional `WHERE` condition.
    pub fn count(&self, table: &str, condition: &str) -> i64 {
        let filter = if condition.is_empty() {
            String::new()
        } else {
            format!(" WHERE {condition}")
        };
        self.number(&format!(
            "SELECT {} AS n FROM {table}{filter}",
            self.int("COUNT(*)")
        ))
    }

    /// The text column `v` of every row `sql` selects (cast it with [`TestDb::text`]).
    pub fn lines(&self, sql: &str) -> Vec<String> {
        let rows: Vec<Line> = with_connection!(&mut self.open(), connection => {
            diesel::sql_query(sql).load(connection)
        })
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
        rows.into_iter().map(|row| row.v).collect()
    }

    /// Runs statements that return no rows.
    pub fn execute(&self, sql: &str) {
        with_connection!(&mut self.open(), connection => connection.batch_execute(sql))
            .unwrap_or_else(|error| panic!("{:.200}: {error}", sql));
    }

    /// `expression` cast to a 64-bit integer in this backend's SQL.
    pub fn int(&self, expression: &str) -> String {
        match self.backend {
            Backend::Mysql => format!("CAST({expression} AS SIGNED)"),
            Backend::Postgres => format!("CAST({expression} AS BIGINT)"),
            Backend::Sqlite => format!("CAST({expression} AS INTEGER)"),
        }
    }

    /// `expression` cast to text in this backend's SQL.
    pub fn text(&self, expression: &str) -> String {
        match self.backend {
            Backend::Mysql => format!("CAST({expression} AS CHAR)"),
            Backend::Postgres | Backend::Sqlite => format!("CAST({expression} AS TEXT)"),
        }
    }

    /// `name` quoted as an identifier (`key`, `type` and `timestamp` are column names).
    pub fn quote(&self, name: &str) -> String {
        match self.backend {
            Backend::Mysql => format!("`{name}`"),
            Backend::Postgres | Backend::Sqlite => format!("\"{name}\""),
        }
    }

    /// A binary literal of `bytes`.
    pub fn blob(&self, bytes: &[u8]) -> String {
        let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        match self.backend {
            Backend::Postgres => format!("decode('{hex}', 'hex')"),
            Backend::Mysql | Backend::Sqlite => format!("X'{hex}'"),
        }
    }

    /// The user tables of the database.
    pub fn tables(&self) -> Vec<String> {
        let sql = match self.backend {
            Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT) AS v FROM information_schema.tables \
                 WHERE table_schema = 'public'"
                    .to_owned()
            }
            Backend::Mysql => format!(
                "SELECT CAST(table_name AS CHAR) AS v FROM information_schema.tables \
                 WHERE table_schema = '{}'",
                self.name
            ),
            Backend::Sqlite => {
                "SELECT name AS v FROM sqlite_master WHERE type = 'table'".to_owned()
            }
        };
        self.lines(&sql)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Best effort: a database left behind by a crashed test has a unique name anyway.
        match self.backend {
            Backend::Sqlite => {}
            Backend::Postgres => {
                if let Ok(mut server) =
                    PgConnection::establish(&format!("{POSTGRES_SERVER}/postgres"))
                {
                    let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
                    let _ = diesel::sql_query(drop).execute(&mut server);
                }
            }
            Backend::Mysql => {
                if let Ok(mut server) = MysqlConnection::establish(&format!("{MYSQL_SERVER}/mysql"))
                {
                    let drop = format!("DROP DATABASE IF EXISTS {}", self.name);
                    let _ = diesel::sql_query(drop).execute(&mut server);
                }
            }
        }
    }
}

/// Outside CI, prints a loud SKIPPED line; under CI, fails: the server must be there.
fn skip_unreachable(backend: Backend, error: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is required under CI and is unreachable: {error}",
        backend.label()
    );
    eprintln!(
        "\n*** SKIPPED: the {} server is unreachable ({error}); this test did not run ***\n",
        backend.label()
    );
}

/// A name no other test of any run uses: prefix, process id, a counter and the clock.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}
