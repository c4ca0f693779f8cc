//! The migrations of each backend, embedded in the binary, and running them.
//!
//! The three folders hold the same migration names, so a database of any backend is at the
//! same schema version after the same names ran.

use diesel::backend::Backend;
use diesel::migration::{Migration, MigrationSource};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::connection::AnyConnection;
use crate::error::Error;

const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const MYSQL: EmbeddedMigrations = embed_migrations!("../../migrations/mysql");

/// Applies every migration not applied yet, oldest first; returns their names.
pub(crate) fn run_pending(connection: &mut AnyConnection) -> Result<Vec<String>, Error> {
    match connection {
        AnyConnection::Sqlite(connection) => run_pending_from(connection, SQLITE),
        AnyConnection::Postgres(connection) => run_pending_from(connection, POSTGRES),
        AnyConnection::Mysql(connection) => run_pending_from(connection, MYSQL),
    }
}

/// Reverts every applied migration, newest first; returns their names.
pub(crate) fn revert_all(connection: &mut AnyConnection) -> Result<Vec<String>, Error> {
    match connection {
        AnyConnection::Sqlite(connection) => revert_all_from(connection, SQLITE),
        AnyConnection::Postgres(connection) => revert_all_from(connection, POSTGRES),
        AnyConnection::Mysql(connection) => revert_all_from(connection, MYSQL),
    }
}

fn run_pending_from<DB: Backend>(
    harness: &mut impl MigrationHarness<DB>,
    source: EmbeddedMigrations,
) -> Result<Vec<String>, Error> {
    let pending = harness
        .pending_migrations(source)
        .map_err(Error::Migration)?;
    let names = pending
        .iter()
        .map(|migration| migration.name().to_string())
        .collect();

    harness.run_migrations(&pending).map_err(Error::Migration)?;
    Ok(names)
}

fn revert_all_from<DB: Backend>(
    harness: &mut impl MigrationHarness<DB>,
    source: EmbeddedMigrations,
) -> Result<Vec<String>, Error> {
    // The harness reports versions; the names are looked up in the source.
    let known = MigrationSource::<DB>::migrations(&source).map_err(Error::Migration)?;
    let reverted = harness
        .revert_all_migrations(source)
        .map_err(Error::Migration)?;

    let names = reverted
        .iter()
        .map(|version| {
            known
                .iter()
                .find(|migration| migration.name().version() == *version)
                .map_or_else(
                    || version.to_string(),
                    |migration| migration.name().to_string(),
                )
        })
        .collect();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(source: EmbeddedMigrations) -> Vec<String> {
        MigrationSource::<diesel::sqlite::Sqlite>::migrations(&source)
            .unwrap()
            .iter()
            .map(|migration| migration.name().to_string())
            .collect()
    }

    #[test]
    fn every_backend_has_the_same_migrations() {
        let [sqlite, postgres, mysql] = [names(SQLITE), names(POSTGRES), names(MYSQL)];
        assert!(sqlite.len() >= 4, "{sqlite:?}");
        assert_eq!(sqlite, postgres);
        assert_eq!(sqlite, mysql);
    }
}
