//! How the store fails: a database that is down is `Unavailable` (never a panic), bad
//! settings are refused at `connect`, and refusals by the database carry the right names.

// Helpers are test code too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use diesel::{Connection, MysqlConnection, PgConnection, RunQueryDsl};

use gatehouse_diesel::{Backend, DieselStore, Error, StoreOptions};
use gatehouse_domain::repository::*;
use gatehouse_domain::*;

use support::TestStore;

fn sample_consumer(key: &str) -> NewConsumer {
    NewConsumer {
        name: "Integration1".to_owned(),
        key: ConsumerKey::parse(key).unwrap(),
        sealed_secret: Sealed::from_bytes(vec![1, 2, 3]),
        callback_url: None,
        rejected_callback_url: None,
        created_at: 1_700_000_000,
    }
}

fn sample_integration(name: &str, consumer_id: Option<ConsumerId>) -> NewIntegration {
    NewIntegration {
        name: name.to_owned(),
        email: "ops@example.com".to_owned(),
        endpoint: None,
        identity_link_url: None,
        status: IntegrationStatus::Inactive,
        setup_type: SetupType::Manual,
        consumer_id,
        created_at: 1_700_000_000,
    }
}

fn assert_unavailable<T: std::fmt::Debug>(result: StorageResult<T>, call: &str) {
    match result {
        Err(error @ StorageError::Unavailable(_)) => {
            assert_eq!(error.class(), ErrorClass::Unavailable, "{call}");
        }
        other => panic!("{call}: expected Unavailable, got {other:?}"),
    }
}

#[test]
fn a_database_that_is_down_is_unavailable() {
    let timeout = Duration::from_millis(300);
    let store = support::unreachable_store(timeout);
    assert_eq!(store.backend(), Backend::Postgres);

    let started = Instant::now();
    assert_unavailable(store.ping(), "ping");
    assert_unavailable(
        store.consumer_by_key(&ConsumerKey::parse("k".repeat(32).as_str()).unwrap()),
        "consumer_by_key",
    );
    assert_unavailable(
        store.record_nonce(ConsumerId(1), &Nonce::parse("n").unwrap(), 1),
        "record_nonce",
    );
    assert_unavailable(
        store.record_login_failure("admin", UserType::Admin, 1, 2),
        "record_login_failure",
    );
    assert_unavailable(store.delete_nonces_before(1, 10), "delete_nonces_before");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "each call gives up after the connection timeout, took {:?}",
        started.elapsed()
    );

    assert!(matches!(
        store.run_pending_migrations(),
        Err(Error::Unreachable(_))
    ));
}

#[test]
fn bad_settings_are_refused_at_connect() {
    assert!(matches!(
        DieselStore::connect("oracle://scott:tiger@db/orcl", 4),
        Err(Error::UnsupportedUrl { scheme }) if scheme == "oracle"
    ));
    assert!(matches!(
        DieselStore::connect("sqlite://", 4),
        Err(Error::MissingSqlitePath)
    ));
    assert!(matches!(
        DieselStore::connect("sqlite::memory:", 0),
        Err(Error::PoolSettings(_))
    ));
    let no_timeout = StoreOptions {
        connection_timeout: Duration::ZERO,
        ..StoreOptions::default()
    };
    assert!(matches!(
        DieselStore::connect_with("sqlite::memory:", &no_timeout),
        Err(Error::PoolSettings(_))
    ));

    // More idle connections than the pool holds is not an error: the pool keeps them all.
    let generous = StoreOptions {
        pool_size: 2,
        min_idle: Some(50),
        ..StoreOptions::default()
    };
    let store = DieselStore::connect_with("sqlite::memory:", &generous).unwrap();
    store.ping().unwrap();
}

#[test]
fn an_in_memory_sqlite_store_keeps_its_data_between_calls() {
    let store = DieselStore::connect("sqlite::memory:", 8).unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    store.run_pending_migrations().unwrap();

    let key = "m".repeat(32);
    let created = store.create_consumer(sample_consumer(&key)).unwrap();
    let found = store
        .consumer_by_key(&ConsumerKey::parse(&key).unwrap())
        .unwrap();
    assert_eq!(found, Some(created));
}

/// An integration has two unique rules, and the conflict names the one that was broken.
fn integration_conflicts_name_their_rule(store: &TestStore) {
    let consumer = store
        .create_consumer(sample_consumer(&"c".repeat(32)))
        .unwrap();
    store
        .create_integration(sample_integration("First", Some(consumer.id)))
        .unwrap();

    let same_consumer = store.create_integration(sample_integration("Second", Some(consumer.id)));
    assert!(
        matches!(
            same_consumer,
            Err(StorageError::Conflict {
                what: "integration consumer"
            })
        ),
        "{same_consumer:?}"
    );

    // A name that mentions the other index must not confuse the translation.
    store
        .create_integration(sample_integration("integration_consumer_id_key", None))
        .unwrap();
    let same_name =
        store.create_integration(sample_integration("integration_consumer_id_key", None));
    assert!(
        matches!(
            same_name,
            Err(StorageError::Conflict {
                what: "integration name"
            })
        ),
        "{same_name:?}"
    );

    let missing_consumer =
        store.create_integration(sample_integration("Third", Some(ConsumerId(999_999))));
    assert!(
        matches!(
            missing_consumer,
            Err(StorageError::MissingReference { what: "consumer" })
        ),
        "{missing_consumer:?}"
    );
}

#[test]
fn sqlite_integration_conflicts_name_their_rule() {
    integration_conflicts_name_their_rule(&support::fresh_sqlite());
}

#[test]
fn postgres_integration_conflicts_name_their_rule() {
    if let Some(store) = support::fresh_postgres() {
        integration_conflicts_name_their_rule(&store);
    }
}

#[test]
fn mysql_integration_conflicts_name_their_rule() {
    if let Some(store) = support::fresh_mysql() {
        integration_conflicts_name_their_rule(&store);
    }
}

/// Connections the server closed are noticed and replaced: the next call succeeds.
#[test]
fn postgres_connections_closed_by_the_server_are_replaced() {
    let Some(store) = support::fresh_postgres() else {
        return;
    };
    store.ping().unwrap();

    let support::TestDatabase::Server {
        admin_url, name, ..
    } = &store.database
    else {
        unreachable!("a postgres database is a server database");
    };
    let mut admin = PgConnection::establish(admin_url).unwrap();
    diesel::sql_query(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
    ))
    .execute(&mut admin)
    .unwrap();

    assert_eq!(store.list_integrations().unwrap(), vec![]);
}

/// The same on MySQL/MariaDB, whose client reports a killed connection in its own words.
#[test]
fn mysql_connections_closed_by_the_server_are_replaced() {
    let Some(store) = support::fresh_mysql() else {
        return;
    };
    store.ping().unwrap();

    let support::TestDatabase::Server {
        admin_url, name, ..
    } = &store.database
    else {
        unreachable!("a mysql database is a server database");
    };
    let mut admin = MysqlConnection::establish(admin_url).unwrap();
    let ids: Vec<u64> = diesel::sql_query(format!(
        "SELECT id FROM information_schema.processlist WHERE db = '{name}'"
    ))
    .load::<ProcessId>(&mut admin)
    .unwrap()
    .into_iter()
    .map(|row| row.id)
    .collect();
    assert!(!ids.is_empty(), "the store holds connections to kill");
    for id in ids {
        diesel::sql_query(format!("KILL {id}"))
            .execute(&mut admin)
            .unwrap();
    }

    assert_eq!(store.list_integrations().unwrap(), vec![]);
}

/// A row of `information_schema.processlist`.
#[derive(diesel::QueryableByName)]
struct ProcessId {
    #[diesel(sql_type = diesel::sql_types::Unsigned<diesel::sql_types::BigInt>)]
    id: u64,
}

#[test]
fn test_database_urls_replace_the_path_only() {
    assert_eq!(
        support::with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        support::with_database("mysql://root@127.0.0.1:3306/test?ssl_mode=disabled", "x"),
        "mysql://root@127.0.0.1:3306/x?ssl_mode=disabled"
    );
    assert_eq!(
        support::with_database("postgres://h", "x"),
        "postgres://h/x"
    );
}
