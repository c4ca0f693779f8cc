//! Storage throughput on each backend, through the repository traits: nonce check-and-record
//! per second (one thread, then several), access-token lookups by digest per second, and
//! deleting a large number of expired tokens in bounded batches (total time and the longest
//! single statement).
//!
//! `cargo bench -p gatehouse-diesel --bench storage [-- sqlite postgres mysql]`
//!
//! Sizes come from the environment: `GATEHOUSE_BENCH_NONCES` (default 20000),
//! `GATEHOUSE_BENCH_LOOKUPS` (20000), `GATEHOUSE_BENCH_EXPIRED` (1000000),
//! `GATEHOUSE_BENCH_BATCH` (10000), `GATEHOUSE_BENCH_THREADS` (8). Servers as for the tests
//! (`GATEHOUSE_TEST_POSTGRES_URL`, `GATEHOUSE_TEST_MYSQL_URL`); each run uses a fresh
//! database and drops it afterwards.

// A benchmark's output is its result; a failed setup step is a failed run.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use diesel::{Connection, MysqlConnection, PgConnection, RunQueryDsl, SqliteConnection};

use gatehouse_diesel::Backend;
use gatehouse_domain::repository::*;
use gatehouse_domain::*;

use support::TestStore;

/// The created_at of every expired token, far in the past.
const LONG_AGO: i64 = 1_000_000_000;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn digest(index: usize) -> Digest {
    Digest::from_hex(format!("{index:064x}"))
}

fn per_second(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

fn main() {
    let requested: Vec<String> = std::env::args()
        .skip(1)
        .filter(|argument| !argument.starts_with('-'))
        .collect();
    let wanted = |name: &str| requested.is_empty() || requested.iter().any(|r| r == name);

    for (name, backend) in [
        ("sqlite", Backend::Sqlite),
        ("postgres", Backend::Postgres),
        ("mysql", Backend::Mysql),
    ] {
        if !wanted(name) {
            continue;
        }
        let Some(store) = TestStore::fresh(backend) else {
            continue;
        };
        println!("== {name}");
        bench_nonces(&store);
        bench_lookups(&store);
        bench_expired_tokens(&store, backend);
    }
}

fn bench_nonces(store: &TestStore) {
    let count = setting("GATEHOUSE_BENCH_NONCES", 20_000);
    let threads = setting("GATEHOUSE_BENCH_THREADS", 8);
    let consumer = store
        .create_consumer(NewConsumer {
            name: "Integration1".to_owned(),
            key: ConsumerKey::parse(&"b".repeat(32)).unwrap(),
            sealed_secret: Sealed::from_bytes(vec![0; 60]),
            callback_url: None,
            rejected_callback_url: None,
            created_at: LONG_AGO,
        })
        .unwrap();

    let started = Instant::now();
    for index in 0..count {
        let nonce = Nonce::parse(&format!("single-{index:026}")).unwrap();
        let outcome = store.record_nonce(consumer.id, &nonce, LONG_AGO).unwrap();
        assert_eq!(outcome, NonceOutcome::Recorded);
    }
    let elapsed = started.elapsed();
    println!(
        "nonce check-and-record, 1 thread: {count} in {elapsed:.2?} = {:.0}/s",
        per_second(count, elapsed)
    );

    let shared = Arc::new(store.store.clone());
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|worker| {
            let store = Arc::clone(&shared);
            thread::spawn(move || {
                for index in (worker..count).step_by(threads) {
                    let nonce = Nonce::parse(&format!("shared-{index:026}")).unwrap();
                    store.record_nonce(consumer.id, &nonce, LONG_AGO).unwrap();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let elapsed = started.elapsed();
    println!(
        "nonce check-and-record, {threads} threads: {count} in {elapsed:.2?} = {:.0}/s",
        per_second(count, elapsed)
    );
}

fn bench_lookups(store: &TestStore) {
    let count = setting("GATEHOUSE_BENCH_LOOKUPS", 20_000);
    let tokens = 10_000;
    let consumer = store
        .create_consumer(NewConsumer {
            name: "Integration2".to_owned(),
            key: ConsumerKey::parse(&"l".repeat(32)).unwrap(),
            sealed_secret: Sealed::from_bytes(vec![0; 60]),
            callback_url: None,
            rejected_callback_url: None,
            created_at: LONG_AGO,
        })
        .unwrap();
    for index in 0..tokens {
        store
            .create_token(NewToken {
                owner: TokenOwner::Consumer(consumer.id),
                kind: TokenKind::Access,
                token_digest: digest(10_000_000 + index),
                sealed_secret: Sealed::from_bytes(vec![0; 60]),
                verifier_digest: None,
                callback_url: "oob".to_owned(),
                authorized: true,
                created_at: LONG_AGO,
            })
            .unwrap();
    }

    let started = Instant::now();
    for index in 0..count {
        // A multiplicative walk over the tokens, so lookups do not follow insertion order.
        let wanted = digest(10_000_000 + (index * 7919) % tokens);
        assert!(store.token_by_digest(&wanted).unwrap().is_some());
    }
    let elapsed = started.elapsed();
    println!(
        "access-token lookup by digest, 1 thread: {count} in {elapsed:.2?} = {:.0}/s",
        per_second(count, elapsed)
    );
}

fn bench_expired_tokens(store: &TestStore, backend: Backend) {
    let count = setting("GATEHOUSE_BENCH_EXPIRED", 1_000_000);
    let batch = setting("GATEHOUSE_BENCH_BATCH", 10_000);
    let customer = store
        .create_customer(NewCustomer {
            email: "bench@example.com".to_owned(),
            firstname: "Bench".to_owned(),
            lastname: "Mark".to_owned(),
            password_hash: "not a hash".to_owned(),
            is_active: true,
            created_at: LONG_AGO,
        })
        .unwrap();

    let started = Instant::now();
    insert_expired_tokens(store, backend, customer.id, count);
    println!(
        "setup: {count} expired customer tokens inserted in {:.2?}",
        started.elapsed()
    );

    let started = Instant::now();
    let mut deleted = 0;
    let mut statements = 0;
    let mut longest = Duration::ZERO;
    loop {
        let statement_started = Instant::now();
        let removed = store
            .delete_user_tokens_created_before(UserType::Customer, LONG_AGO + 1, batch)
            .unwrap();
        longest = longest.max(statement_started.elapsed());
        statements += 1;
        deleted += removed;
        if removed < batch {
            break;
        }
    }
    let elapsed = started.elapsed();
    assert_eq!(deleted, count);
    println!(
        "expired-token delete: {deleted} rows in {statements} batches of {batch}, \
         {elapsed:.2?} total = {:.0} rows/s, longest statement {longest:.2?}",
        per_second(deleted, elapsed)
    );
}

/// Inserts `count` customer tokens created long ago with multi-row statements, outside the
/// repositories (which insert one row at a time).
fn insert_expired_tokens(store: &TestStore, backend: Backend, customer: CustomerId, count: usize) {
    let url = store.database.url();
    let mut run: Box<dyn FnMut(&str)> = match backend {
        Backend::Sqlite => {
            let mut connection =
                SqliteConnection::establish(url.trim_start_matches("sqlite://")).unwrap();
            Box::new(move |sql| {
                diesel::sql_query(sql).execute(&mut connection).unwrap();
            })
        }
        Backend::Postgres => {
            let mut connection = PgConnection::establish(&url).unwrap();
            Box::new(move |sql| {
                diesel::sql_query(sql).execute(&mut connection).unwrap();
            })
        }
        Backend::Mysql => {
            let mut connection = MysqlConnection::establish(&url).unwrap();
            Box::new(move |sql| {
                diesel::sql_query(sql).execute(&mut connection).unwrap();
            })
        }
    };
    let (quote, secret) = match backend {
        Backend::Mysql => ('`', "X'00'"),
        Backend::Sqlite => ('"', "X'00'"),
        Backend::Postgres => ('"', "'\\x00'::bytea"),
    };

    let rows_per_statement = 2_000;
    for first in (0..count).step_by(rows_per_statement) {
        let values: Vec<String> = (first..count.min(first + rows_per_statement))
            .map(|index| {
                format!(
                    "({}, 'access', '{}', {secret}, 'oob', 3, {LONG_AGO})",
                    customer.0,
                    digest(index).as_hex()
                )
            })
            .collect();
        run(&format!(
            "INSERT INTO oauth_token (customer_id, {quote}type{quote}, token, secret, \
             callback_url, user_type, created_at) VALUES {}",
            values.join(", ")
        ));
    }
}
