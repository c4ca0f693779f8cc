//! The migrations and `src/schema.rs` against real databases: every backend migrates up, all
//! the way down and up again, and its migrated tables match `schema.rs` column for column
//! (the drift check: it fails as soon as a migration and the generated schema disagree).

// Helpers are test code too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;

use diesel::sql_types::{BigInt, Text};
use diesel::SqliteConnection;
use diesel::{Connection, MysqlConnection, PgConnection, QueryableByName, RunQueryDsl};

use gatehouse_diesel::{Backend, DieselStore};
use gatehouse_domain::repository::IntegrationRepository;
use gatehouse_domain::StorageError;

use support::TestDatabase;

/// A column as a table holds it: its diesel type and whether it may be NULL.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    sql_type: String,
    nullable: bool,
}

/// Table name → column name → column.
type Tables = BTreeMap<String, BTreeMap<String, Column>>;

/// The migration names of a backend, from its folder, in the order they apply.
fn migration_names(backend: Backend) -> Vec<String> {
    let folder = format!(
        "{}/../../migrations/{}",
        env!("CARGO_MANIFEST_DIR"),
        match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
        }
    );
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .expect("the migrations folder exists")
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Up, down, up, and up again as a no-op.
fn migrations_round_trip(database: &TestDatabase, backend: Backend) {
    let store = database.store();
    let names = migration_names(backend);
    assert!(names.len() >= 4, "{names:?}");

    assert_eq!(store.run_pending_migrations().unwrap(), names);
    assert_eq!(store.list_integrations().unwrap(), vec![]);
    assert!(!migrated_tables(database, backend).is_empty());

    let mut reversed = names.clone();
    reversed.reverse();
    assert_eq!(store.revert_all_migrations().unwrap(), reversed);
    assert_eq!(
        migrated_tables(database, backend),
        Tables::new(),
        "every down.sql drops what its up.sql created"
    );
    assert!(matches!(
        store.list_integrations(),
        Err(StorageError::Internal(_))
    ));

    assert_eq!(store.run_pending_migrations().unwrap(), names);
    assert_eq!(
        store.run_pending_migrations().unwrap(),
        Vec::<String>::new(),
        "applying again is a no-op"
    );
    assert_eq!(store.list_integrations().unwrap(), vec![]);
}

/// Migrates up and compares every table with `schema.rs`.
fn schema_matches_migrations(database: &TestDatabase, backend: Backend) {
    let store: DieselStore = database.store();
    store.run_pending_migrations().unwrap();

    let generated = parse_schema(include_str!("../src/schema.rs"));
    let migrated = migrated_tables(database, backend);
    let differences = differences(&generated, &migrated, backend);
    assert!(
        differences.is_empty(),
        "src/schema.rs and the {backend} migrations disagree:\n{}",
        differences.join("\n")
    );
}

/// The tables of `schema.rs`, read from its `diesel::table!` blocks.
fn parse_schema(source: &str) -> Tables {
    let mut tables = Tables::new();
    let mut current: Option<String> = None;
    let mut sql_name: Option<String> = None;

    for line in source.lines().map(str::trim) {
        if let Some(name) = line.strip_suffix('{').map(str::trim) {
            // "table_name (primary, key) {" opens a table; "diesel::table! {" does not.
            if let Some((table, _keys)) = name.split_once(' ') {
                if !table.contains("::") {
                    current = Some(table.to_owned());
                    tables.insert(table.to_owned(), BTreeMap::new());
                }
            }
            continue;
        }
        if let Some(rename) = line
            .strip_prefix("#[sql_name = \"")
            .and_then(|rest| rest.strip_suffix("\"]"))
        {
            sql_name = Some(rename.to_owned());
            continue;
        }
        if line == "}" {
            current = None;
            continue;
        }
        let (Some(table), Some((field, sql_type))) = (&current, line.split_once(" -> ")) else {
            continue;
        };

        let sql_type = sql_type.trim_end_matches(',');
        let (sql_type, nullable) = match sql_type.strip_prefix("Nullable<") {
            Some(inner) => (inner.trim_end_matches('>'), true),
            None => (sql_type, false),
        };
        let column = sql_name.take().unwrap_or_else(|| field.to_owned());
        tables.get_mut(table).unwrap().insert(
            column,
            Column {
                sql_type: sql_type.to_owned(),
                nullable,
            },
        );
    }
    tables
}

/// What differs between the schema and a migrated database, one line per difference.
fn differences(generated: &Tables, migrated: &Tables, backend: Backend) -> Vec<String> {
    let mut found = Vec::new();
    for (table, columns) in generated {
        let Some(migrated_columns) = migrated.get(table) else {
            found.push(format!("table {table} is in schema.rs only"));
            continue;
        };
        for (name, column) in columns {
            match migrated_columns.get(name) {
                None => found.push(format!("column {table}.{name} is in schema.rs only")),
                Some(actual) if !compatible(column, actual, backend) => found.push(format!(
                    "column {table}.{name}: schema.rs has {column:?}, the database {actual:?}"
                )),
                Some(_) => {}
            }
        }
        for name in migrated_columns.keys() {
            if !columns.contains_key(name) {
                found.push(format!("column {table}.{name} is in the database only"));
            }
        }
    }
    for table in migrated.keys() {
        if !generated.contains_key(table) {
            found.push(format!("table {table} is in the database only"));
        }
    }
    found
}

/// Whether a database column can be read and written as the schema says.
fn compatible(generated: &Column, migrated: &Column, backend: Backend) -> bool {
    if generated.nullable != migrated.nullable {
        return false;
    }
    // MySQL keeps the nonce in VARBINARY so that it compares byte for byte, trailing spaces
    // included; it is written as text.
    if backend == Backend::Mysql && migrated.sql_type == "Binary|Text" {
        return generated.sql_type == "Binary" || generated.sql_type == "Text";
    }
    generated.sql_type == migrated.sql_type
}

#[derive(QueryableByName)]
struct InformationColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    column_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    declared: String,
    #[diesel(sql_type = BigInt)]
    notnull: i64,
    #[diesel(sql_type = BigInt)]
    pk: i64,
}

/// The Gatehouse tables of a migrated database, typed as `diesel print-schema` would type
/// them (SQLite's `INTEGER PRIMARY KEY` as `BigInt`, as `diesel.toml` asks).
fn migrated_tables(database: &TestDatabase, backend: Backend) -> Tables {
    let url = database.url();
    let mut tables = Tables::new();
    let mut add = |table: String, column: String, sql_type: &str, nullable: bool| {
        tables.entry(table).or_default().insert(
            column,
            Column {
                sql_type: sql_type.to_owned(),
                nullable,
            },
        );
    };

    match backend {
        Backend::Sqlite => {
            let mut connection =
                SqliteConnection::establish(url.trim_start_matches("sqlite://")).unwrap();
            let columns: Vec<SqliteColumn> = diesel::sql_query(
                "SELECT m.name AS table_name, c.name AS name, c.type AS declared, \
                        c.\"notnull\" AS \"notnull\", c.pk AS pk \
                 FROM sqlite_master AS m, pragma_table_info(m.name) AS c \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
                   AND m.name <> '__diesel_schema_migrations'",
            )
            .load(&mut connection)
            .unwrap();
            for column in columns {
                let declared = column.declared.to_uppercase();
                let sql_type = match declared.as_str() {
                    "INTEGER" if column.pk == 1 => "BigInt",
                    "BIGINT" => "BigInt",
                    "SMALLINT" => "SmallInt",
                    "INTEGER" => "Integer",
                    "BLOB" => "Binary",
                    "BOOLEAN" => "Bool",
                    text if text == "TEXT" || text.starts_with("VARCHAR") => "Text",
                    other => panic!("unexpected sqlite type {other}"),
                };
                let nullable = column.notnull == 0 && column.pk == 0;
                add(column.table_name, column.name, sql_type, nullable);
            }
        }
        Backend::Postgres => {
            let mut connection = PgConnection::establish(&url).unwrap();
            let columns: Vec<InformationColumn> = diesel::sql_query(
                "SELECT table_name::text AS table_name, column_name::text AS column_name, \
                        data_type::text AS data_type, udt_name::text AS column_type, \
                        is_nullable::text AS is_nullable \
                 FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'",
            )
            .load(&mut connection)
            .unwrap();
            for column in columns {
                let sql_type = match column.data_type.as_str() {
                    "bigint" => "BigInt",
                    "smallint" => "SmallInt",
                    "integer" => "Integer",
                    "character varying" | "text" => "Text",
                    "bytea" => "Binary",
                    "boolean" => "Bool",
                    other => panic!("unexpected postgres type {other} ({})", column.column_type),
                };
                add(
                    column.table_name,
                    column.column_name,
                    sql_type,
                    column.is_nullable == "YES",
                );
            }
        }
        Backend::Mysql => {
            let mut connection = MysqlConnection::establish(&url).unwrap();
            let columns: Vec<InformationColumn> = diesel::sql_query(
                "SELECT CAST(table_name AS CHAR) AS table_name, \
                        CAST(column_name AS CHAR) AS column_name, \
                        CAST(data_type AS CHAR) AS data_type, \
                        CAST(column_type AS CHAR) AS column_type, \
                        CAST(is_nullable AS CHAR) AS is_nullable \
                 FROM information_schema.columns \
                 WHERE table_schema = DATABASE() \
                   AND table_name <> '__diesel_schema_migrations'",
            )
            .load(&mut connection)
            .unwrap();
            for column in columns {
                let sql_type = match (column.data_type.as_str(), column.column_type.as_str()) {
                    ("bigint", _) => "BigInt",
                    ("smallint", _) => "SmallInt",
                    ("int", _) => "Integer",
                    ("tinyint", "tinyint(1)") => "Bool",
                    ("varchar" | "text", _) => "Text",
                    ("blob", _) => "Binary",
                    ("varbinary", _) => "Binary|Text",
                    (other, full) => panic!("unexpected mysql type {other} ({full})"),
                };
                add(
                    column.table_name,
                    column.column_name,
                    sql_type,
                    column.is_nullable == "YES",
                );
            }
        }
    }
    tables
}

#[test]
fn sqlite_migrations_round_trip() {
    let database = TestDatabase::create(Backend::Sqlite).unwrap();
    migrations_round_trip(&database, Backend::Sqlite);
}

#[test]
fn postgres_migrations_round_trip() {
    let Some(database) = TestDatabase::create(Backend::Postgres) else {
        return;
    };
    migrations_round_trip(&database, Backend::Postgres);
}

#[test]
fn mysql_migrations_round_trip() {
    let Some(database) = TestDatabase::create(Backend::Mysql) else {
        return;
    };
    migrations_round_trip(&database, Backend::Mysql);
}

#[test]
fn sqlite_schema_matches_migrations() {
    let database = TestDatabase::create(Backend::Sqlite).unwrap();
    schema_matches_migrations(&database, Backend::Sqlite);
}

#[test]
fn postgres_schema_matches_migrations() {
    let Some(database) = TestDatabase::create(Backend::Postgres) else {
        return;
    };
    schema_matches_migrations(&database, Backend::Postgres);
}

#[test]
fn mysql_schema_matches_migrations() {
    let Some(database) = TestDatabase::create(Backend::Mysql) else {
        return;
    };
    schema_matches_migrations(&database, Backend::Mysql);
}

/// The drift check itself notices drift: a column added, removed, retyped or made nullable
/// on either side.
#[test]
fn drift_is_reported() {
    let database = TestDatabase::create(Backend::Sqlite).unwrap();
    database.store().run_pending_migrations().unwrap();
    let migrated = migrated_tables(&database, Backend::Sqlite);
    let schema = include_str!("../src/schema.rs");
    assert_eq!(
        differences(&parse_schema(schema), &migrated, Backend::Sqlite),
        Vec::<String>::new()
    );

    let retyped = schema.replace("failures_count -> Integer", "failures_count -> BigInt");
    let nullable = schema.replace(
        "revoke_before -> BigInt",
        "revoke_before -> Nullable<BigInt>",
    );
    let renamed = schema.replace("lock_expires_at -> BigInt", "locked_until -> BigInt");
    let removed_table = schema.replace("jwt_auth_revoked_token (token_id) {", "x_unused (id) {");
    for drifted in [retyped, nullable, renamed, removed_table] {
        assert_ne!(drifted, schema, "the edit applies to the current schema.rs");
        assert!(!differences(&parse_schema(&drifted), &migrated, Backend::Sqlite).is_empty());
    }
}
