//! This crate's own failures (opening a store, migrating it) and the one translation of
//! diesel and r2d2 failures into the domain's [`StorageError`].

use diesel::result::{DatabaseErrorInformation, DatabaseErrorKind, Error as DieselError};

use gatehouse_domain::StorageError;

/// Why a store could not be opened or migrated.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The URL names no supported backend.
    #[error(
        "unsupported database url scheme {scheme:?}: expected sqlite://, postgres://, \
         postgresql:// or mysql://"
    )]
    UnsupportedUrl {
        /// The scheme found (the rest of the URL is not repeated: it may hold a password).
        scheme: String,
    },
    /// A `sqlite://` URL without a path.
    #[error("sqlite url has no database path")]
    MissingSqlitePath,
    /// The pool settings cannot work (a pool of no connections, a timeout of zero).
    #[error("invalid connection pool settings: {0}")]
    PoolSettings(&'static str),
    /// No connection could be had within the connection timeout.
    #[error("database is unreachable")]
    Unreachable(#[source] r2d2::Error),
    /// A migration failed; the database is left as the failing migration found it.
    #[error("database migration failed")]
    Migration(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// How a repository names the rules its statements can break, so that a refusal by the
/// database becomes the right [`StorageError`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules {
    /// Unique rules, as (text that identifies the index in the database's message, what
    /// the rule is called). The first match wins; an empty needle matches any index.
    pub(crate) unique: &'static [(&'static str, &'static str)],
    /// What a refused foreign key refers to.
    pub(crate) reference: &'static str,
}

impl Rules {
    /// Statements that break no rule a caller could cause.
    pub(crate) const NONE: Rules = Rules {
        unique: &[],
        reference: "referenced row",
    };
}

/// Whether a failure is a deadlock or a serialization failure: the database rolled the
/// statement or transaction back whole, and running it again is safe and likely to work.
pub(crate) fn is_retryable(error: &DieselError) -> bool {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        // PostgreSQL reports deadlocks under their own SQLSTATE, which diesel does not map.
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            info.message().contains("deadlock detected")
        }
        _ => false,
    }
}

/// Translates a failed query, naming broken rules after `rules`.
pub(crate) fn storage_error(error: DieselError, rules: Rules) -> StorageError {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            let index = violated_index(info.as_ref());
            let what = rules
                .unique
                .iter()
                .find(|(needle, _)| index.contains(needle))
                .map(|(_, what)| *what);
            match what {
                Some(what) => StorageError::Conflict { what },
                None => StorageError::Internal(Box::new(DieselError::DatabaseError(
                    DatabaseErrorKind::UniqueViolation,
                    info,
                ))),
            }
        }
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
            StorageError::MissingReference {
                what: rules.reference,
            }
        }
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        ) => StorageError::Unavailable(Box::new(error)),
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, ref info)
            if is_unavailable_message(info.message()) =>
        {
            StorageError::Unavailable(Box::new(error))
        }
        other if is_retryable(&other) => StorageError::Unavailable(Box::new(other)),
        other => StorageError::Internal(Box::new(other)),
    }
}

/// The part of a unique violation that names the index or the columns, without the
/// offending value (which MySQL quotes first and which could contain anything).
fn violated_index(info: &dyn DatabaseErrorInformation) -> &str {
    // PostgreSQL names the constraint; MySQL ends with "for key 'name'"; SQLite ends with
    // "UNIQUE constraint failed: table.column, ...".
    if let Some(constraint) = info.constraint_name() {
        return constraint;
    }
    let message = info.message();
    ["for key ", "constraint failed: "]
        .iter()
        .find_map(|marker| {
            message
                .rfind(marker)
                .map(|at| &message[at + marker.len()..])
        })
        .unwrap_or(message)
}

/// Whether `error` says the connection itself is gone (closed by the server, or the server
/// is down), as opposed to a statement the database refused or a lock it timed out.
pub(crate) fn is_connection_lost(error: &DieselError) -> bool {
    const MARKERS: &[&str] = &[
        "server has gone away",
        "Lost connection to",
        "server closed the connection",
        "terminating connection",
        "connection to server",
    ];
    match error {
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        ) => true,
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            MARKERS.iter().any(|marker| info.message().contains(marker))
        }
        _ => false,
    }
}

/// Messages of the drivers that mean "the server cannot serve this now", which diesel
/// leaves unclassified.
fn is_unavailable_message(message: &str) -> bool {
    const MARKERS: &[&str] = &[
        // MySQL client errors 2002, 2003, 2006 and 2013.
        "Can't connect to",
        "server has gone away",
        "Lost connection to",
        // MySQL 1205: a row lock was held longer than innodb_lock_wait_timeout.
        "Lock wait timeout exceeded",
        // PostgreSQL when the server goes away mid-statement.
        "server closed the connection",
        "terminating connection",
        "could not connect to server",
        "connection to server",
        // SQLite when another writer held the lock past the busy timeout.
        "database is locked",
    ];
    MARKERS.iter().any(|marker| message.contains(marker))
}

/// A connection could not be had from the pool in time: the database is down or every
/// connection is busy.
pub(crate) fn pool_error(error: r2d2::Error) -> StorageError {
    StorageError::Unavailable(Box::new(error))
}
