//! Several replicas on one database (design decisions 6 and 9): three `gatehouse serve`
//! processes share a PostgreSQL (or MariaDB) database behind one public URL, as behind a load
//! balancer. A nonce accepted by one is refused by the others, even when the same request
//! reaches all three at once; failed logins spread over the replicas lock the account at the
//! same count as on one; `gatehouse cleanup` run by three processes at once removes each
//! expired row exactly once, without an error; and an integration reauthorized through one
//! replica loses its old token there at once and on the others within the credential cache's
//! time-to-live.

// Test code: a failed step stops the test with its cause, and the figures measured are
// printed for the reliability report.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod reliability;
mod support;

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use reliability::db::{Backend, TestDb};
use reliability::gatehouse::{login, nonce, now, Gatehouse, Node, Options, ADMIN, PASSWORD};

const PUBLIC_URL: &str = "http://gatehouse.test/";
const SELF: &str = "/rest/V1/integration/self";
const NONCE_USED: &str = "The nonce is already being used by the consumer with ID %1";
const SIGN_IN_FAILED: &str = "The account sign-in was incorrect or your account is disabled \
                              temporarily. Please wait and try again later.";

/// Three replicas with small pools: the machine's database server is shared with other tests.
fn replicas(db: &TestDb) -> (Gatehouse<'_>, Vec<Node>) {
    let options = Options {
        pool_size: 3,
        public_base_url: Some(PUBLIC_URL.to_owned()),
        ..Options::default()
    };
    let gatehouse = Gatehouse::new(db, &options);
    gatehouse.cli(&["migrate"]);
    gatehouse.create_admin(ADMIN, PASSWORD);
    let nodes = (0..3).map(|_| gatehouse.serve()).collect();
    (gatehouse, nodes)
}

#[test]
fn postgres_a_nonce_accepted_by_one_replica_is_refused_by_the_others() {
    nonce_is_shared(Backend::Postgres);
}

#[test]
fn mariadb_a_nonce_accepted_by_one_replica_is_refused_by_the_others() {
    nonce_is_shared(Backend::Mysql);
}

fn nonce_is_shared(backend: Backend) {
    let Some(db) = TestDb::create(backend, "replica_nonce") else {
        return;
    };
    let (_gatehouse, nodes) = replicas(&db);
    let admin = nodes[0].admin_token(ADMIN, PASSWORD);
    let credentials = nodes[1].activated_integration(&admin, "Replicated nonces");

    // One after another: each replica in turn accepts a request the other two then refuse.
    for first in 0..3 {
        let request = nodes[first].signed_get(SELF, &credentials, &nonce());
        let accepted = nodes[first].send(&request);
        assert_eq!(accepted.status, 200, "replica {first}: {}", accepted.text());
        assert_eq!(
            accepted.json()["user_type"],
            1,
            "the caller is the integration"
        );
        for other in (0..3).filter(|other| *other != first) {
            let replayed = nodes[other].send(&request);
            assert_eq!(
                replayed.status, 401,
                "replica {other} accepted a replay from {first}"
            );
            assert_eq!(
                replayed.problem(),
                NONCE_USED,
                "replica {other}: {}",
                replayed.text()
            );
        }
    }

    // At once: the same request reaches the three replicas together; exactly one accepts it.
    let mut winners = [0u32; 3];
    for _ in 0..15 {
        let request = nodes[0].signed_get(SELF, &credentials, &nonce());
        let start = Barrier::new(3);
        let statuses: Vec<u16> = thread::scope(|scope| {
            let sends: Vec<_> = nodes
                .iter()
                .map(|node| {
                    let (request, start) = (&request, &start);
                    scope.spawn(move || {
                        start.wait();
                        node.send(request).status
                    })
                })
                .collect();
            sends.into_iter().map(|send| send.join().unwrap()).collect()
        });
        let accepted: Vec<usize> = (0..3).filter(|index| statuses[*index] == 200).collect();
        assert_eq!(
            accepted.len(),
            1,
            "exactly one replica accepts a nonce: {statuses:?}"
        );
        assert_eq!(
            statuses.iter().filter(|status| **status == 401).count(),
            2,
            "{statuses:?}"
        );
        winners[accepted[0]] += 1;
    }
    eprintln!(
        "{}: concurrent replays, requests accepted per replica: {winners:?}",
        backend.label()
    );

    let nonces = db.count("oauth_nonce", "");
    assert_eq!(nonces, 3 + 15, "one nonce row per accepted request");
}

#[test]
fn postgres_reauthorizing_reaches_every_replica_within_the_cache_ttl() {
    reauthorize_is_shared(Backend::Postgres);
}

#[test]
fn mariadb_reauthorizing_reaches_every_replica_within_the_cache_ttl() {
    reauthorize_is_shared(Backend::Mysql);
}

/// `oauth.credential_cache_ttl_ms` as the replicas run with it (the default).
const CREDENTIAL_CACHE_TTL: Duration = Duration::from_secs(2);

fn reauthorize_is_shared(backend: Backend) {
    let Some(db) = TestDb::create(backend, "replica_reauth") else {
        return;
    };
    let (_gatehouse, nodes) = replicas(&db);
    let admin = nodes[0].admin_token(ADMIN, PASSWORD);
    let id = nodes[0].create_integration(&admin, "Reauthorized", None);
    let answer = nodes[0].activate(&admin, id);
    let field = |name: &str| answer[name].as_str().unwrap().to_owned();
    let old = reliability::gatehouse::Credentials {
        consumer_key: field("consumer_key"),
        consumer_secret: field("consumer_secret"),
        token: field("access_token"),
        token_secret: field("access_token_secret"),
    };

    // Every replica has served the old token, so every one holds it in its cache.
    for node in &nodes {
        let served = node.send(&node.signed_get(SELF, &old, &nonce()));
        assert_eq!(served.status, 200, "{}", served.text());
    }

    // Activating an Active integration reauthorizes it: the old token is deleted.
    let reauthorized_at = Instant::now();
    let renewed = nodes[0].activate(&admin, id);
    assert_ne!(renewed["access_token"].as_str().unwrap(), old.token);

    // The replica that made the change refuses the old token at once.
    let refused = nodes[0].send(&nodes[0].signed_get(SELF, &old, &nonce()));
    assert_eq!(refused.status, 401, "{}", refused.text());
    assert_eq!(refused.problem(), "Specified token does not exist");

    // The others refuse it once their cache entry has expired, and never later than that.
    for (index, node) in nodes.iter().enumerate().skip(1) {
        let refused_after = loop {
            let answer = node.send(&node.signed_get(SELF, &old, &nonce()));
            if answer.status == 401 {
                assert_eq!(answer.problem(), "Specified token does not exist");
                break reauthorized_at.elapsed();
            }
            assert_eq!(answer.status, 200, "replica {index}: {}", answer.text());
            assert!(
                reauthorized_at.elapsed() < CREDENTIAL_CACHE_TTL + Duration::from_secs(1),
                "replica {index} still accepts the old token after the cache's time-to-live"
            );
            thread::sleep(Duration::from_millis(50));
        };
        eprintln!(
            "{}: replica {index} refused the old token {refused_after:.2?} after the reauthorization",
            backend.label()
        );
    }
}

#[test]
fn postgres_failed_logins_spread_over_replicas_lock_at_the_same_count() {
    lockout_is_shared(Backend::Postgres);
}

#[test]
fn mariadb_failed_logins_spread_over_replicas_lock_at_the_same_count() {
    lockout_is_shared(Backend::Mysql);
}

fn lockout_is_shared(backend: Backend) {
    let Some(db) = TestDb::create(backend, "replica_lockout") else {
        return;
    };
    let (gatehouse, nodes) = replicas(&db);
    for user in ["spread-five", "spread-six", "single-five", "single-six"] {
        gatehouse.create_admin(user, PASSWORD);
    }
    let failures = |user: &str| {
        let condition = format!("user_name = '{user}' AND user_type = 2");
        let sql = format!(
            "SELECT {} AS n FROM oauth_token_request_log WHERE {condition}",
            db.int("failures_count")
        );
        if db.count("oauth_token_request_log", &condition) == 0 {
            0
        } else {
            db.number(&sql)
        }
    };
    let fail = |user: &str, attempts: usize, spread: bool| {
        for attempt in 0..attempts {
            let node = &nodes[if spread { attempt % 3 } else { 0 }];
            let refused = node.send(&login("admin", user, "wrong password"));
            assert_eq!(refused.status, 401, "{user}: {}", refused.text());
            assert_eq!(refused.problem(), SIGN_IN_FAILED);
        }
    };

    // Five failures, spread or not, leave the account open; a success clears the counter.
    for (user, spread) in [("spread-five", true), ("single-five", false)] {
        fail(user, 5, spread);
        assert_eq!(
            failures(user),
            5,
            "{user}: every replica counts in the one row"
        );
        let accepted = nodes[2].send(&login("admin", user, PASSWORD));
        assert_eq!(
            accepted.status,
            200,
            "{user} is not locked after 5: {}",
            accepted.text()
        );
        assert_eq!(failures(user), 0, "{user}: a success clears the counter");
    }

    // Six failures lock the account on every replica, spread or not.
    for (user, spread) in [("spread-six", true), ("single-six", false)] {
        fail(user, 6, spread);
        assert_eq!(failures(user), 6, "{user}: six failures counted");
        for (index, node) in nodes.iter().enumerate() {
            let refused = node.send(&login("admin", user, PASSWORD));
            assert_eq!(refused.status, 401, "{user} is locked on replica {index}");
            assert_eq!(refused.problem(), SIGN_IN_FAILED);
        }
    }
    eprintln!(
        "{}: lockout after 6 failures spread over 3 replicas, as on one",
        backend.label()
    );
}

#[test]
fn postgres_concurrent_cleanup_removes_each_row_once() {
    cleanup_is_shared(Backend::Postgres);
}

#[test]
fn mariadb_concurrent_cleanup_removes_each_row_once() {
    cleanup_is_shared(Backend::Mysql);
}

// Expired rows of each kind; each kind also gets `CURRENT` rows that must survive.
const ADMIN_TOKENS: i64 = 2_000;
const LOCKOUTS: i64 = 6_000;
const NONCES: i64 = 20_000;
const REQUEST_TOKENS: i64 = 4_000;
const WATERMARKS: i64 = 3_000;
const TOKEN_REVOCATIONS: i64 = 3_000;
const CURRENT: i64 = 5;

/// What each housekeeping job must remove: (line label in `gatehouse cleanup`'s report, rows).
/// With batches of 1000 rows, each job runs many statements, so the three processes overlap.
const EXPIRED: [(&str, i64); 7] = [
    ("expired admin tokens", ADMIN_TOKENS),
    ("expired customer tokens", 0),
    ("expired lockouts", LOCKOUTS),
    ("old nonces", NONCES),
    ("old request tokens", REQUEST_TOKENS),
    ("expired user revocations", WATERMARKS),
    ("expired token revocations", TOKEN_REVOCATIONS),
];

fn cleanup_is_shared(backend: Backend) {
    let Some(db) = TestDb::create(backend, "replica_cleanup") else {
        return;
    };
    let gatehouse = Gatehouse::new(
        &db,
        &Options {
            pool_size: 2,
            ..Options::default()
        },
    );
    gatehouse.cli(&["migrate"]);
    gatehouse.create_admin(ADMIN, PASSWORD);
    let now = now();
    insert_rows(&db, now);

    // Act: three processes run every job at once.
    let started = Instant::now();
    let config = gatehouse.config.display().to_string();
    let processes: Vec<_> = (0..3)
        .map(|_| {
            Command::new(support::BINARY)
                .args(["cleanup", "--config", &config])
                .env("RUST_LOG", "warn")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = processes
        .into_iter()
        .map(|child| child.wait_with_output().unwrap())
        .collect();
    let elapsed = started.elapsed();

    // Assert: each succeeded quietly, and together they removed every expired row once.
    let mut removed: HashMap<String, i64> = HashMap::new();
    let mut per_process = Vec::new();
    for output in &outputs {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "cleanup failed: {stderr}");
        assert!(stderr.trim().is_empty(), "cleanup complained: {stderr}");
        let report: HashMap<String, i64> = stdout
            .lines()
            .filter_map(|line| line.split_once(": "))
            .map(|(label, count)| (label.to_owned(), count.trim().parse().unwrap()))
            .collect();
        for (label, count) in &report {
            *removed.entry(label.clone()).or_default() += count;
        }
        per_process.push(report["total"]);
    }
    eprintln!(
        "{}: three concurrent cleanups in {elapsed:.1?} removed {per_process:?}",
        backend.label()
    );
    for (label, expected) in EXPIRED {
        assert_eq!(
            removed.get(label).copied(),
            Some(expected),
            "{label}, all processes together"
        );
    }
    let total: i64 = EXPIRED.iter().map(|(_, rows)| rows).sum();
    assert_eq!(removed["total"], total);

    // Nothing expired is left, nothing current was touched.
    let kept = [
        ("oauth_nonce", CURRENT),
        ("oauth_token_request_log", CURRENT),
        ("oauth_token", CURRENT + CURRENT + 3),
        ("jwt_auth_revoked", CURRENT),
        ("jwt_auth_revoked_token", CURRENT),
    ];
    for (table, rows) in kept {
        assert_eq!(
            db.count(table, ""),
            rows,
            "{table} keeps exactly its current rows"
        );
    }
}

/// Inserts the expired rows of [`EXPIRED`] and [`CURRENT`] current ones of each kind, which
/// must survive; integration access tokens, which never expire, too.
fn insert_rows(db: &TestDb, now: i64) {
    let (key, kind, timestamp) = (db.quote("key"), db.quote("type"), db.quote("timestamp"));
    let secret = db.blob(&[0x5e; 40]);
    db.execute(&format!(
        "INSERT INTO oauth_consumer (created_at, updated_at, name, {key}, secret) \
         VALUES ({now}, {now}, 'Integration1', 'cleanupconsumerkey00000000000000', {secret})"
    ));
    let consumer = db.number(&format!(
        "SELECT {} AS n FROM oauth_consumer",
        db.int("MAX(entity_id)")
    ));
    let admin = db.number(&format!(
        "SELECT {} AS n FROM admin_user",
        db.int("MAX(user_id)")
    ));

    // Each kind: expired rows first, then current ones, told apart by their number.
    let rows = |expired: i64, row: &dyn Fn(i64, bool) -> String| -> Vec<String> {
        (0..expired + CURRENT)
            .map(|number| row(number, number < expired))
            .collect()
    };
    let tokens = |owner: &str, owner_id: i64, user_type: i64, token_kind: &str| {
        let columns = format!(
            "oauth_token ({owner}, {kind}, token, secret, callback_url, user_type, created_at)"
        );
        let (secret, kind_code) = (secret.clone(), u8::from(token_kind == "access"));
        let token_kind = token_kind.to_owned();
        let token_row = move |number: i64, created: i64| {
            let digest = format!("{user_type:02x}{kind_code:02x}{number:060x}");
            format!(
                "({owner_id}, '{token_kind}', '{digest}', {secret}, 'oob', {user_type}, {created})"
            )
        };
        (columns, token_row)
    };

    let mut tables = vec![
        (
            format!("oauth_nonce (nonce, {timestamp}, consumer_id)"),
            rows(NONCES, &|number, old| {
                let at = if old { now - 4000 } else { now };
                format!("('nonce{number}', {at}, {consumer})")
            }),
        ),
        (
            "oauth_token_request_log (user_name, user_type, failures_count, lock_expires_at)"
                .to_owned(),
            rows(LOCKOUTS, &|number, old| {
                let expires = if old { now - 100 } else { now + 1000 };
                format!("('user{number}', 2, 3, {expires})")
            }),
        ),
        (
            "jwt_auth_revoked (user_type_id, user_id, revoke_before)".to_owned(),
            rows(WATERMARKS, &|number, old| {
                let before = if old { now - 2 * 3600 } else { now };
                format!("(3, {number}, {before})")
            }),
        ),
        (
            "jwt_auth_revoked_token (token_id, user_type_id, user_id, expires_at)".to_owned(),
            rows(TOKEN_REVOCATIONS, &|number, old| {
                let expires = if old { now - 100 } else { now + 3600 };
                format!("('jti{number}', 2, {admin}, {expires})")
            }),
        ),
    ];

    let (columns, request) = tokens("consumer_id", consumer, 1, "request");
    let created = |old: bool| if old { now - 3 * 3600 } else { now };
    tables.push((
        columns,
        rows(REQUEST_TOKENS, &|number, old| request(number, created(old))),
    ));
    let (columns, access) = tokens("consumer_id", consumer, 1, "access");
    tables.push((
        columns,
        (0..3)
            .map(|number| access(number, now - 3 * 3600))
            .collect(),
    ));
    let (columns, admin_token) = tokens("admin_id", admin, 2, "access");
    let created = |old: bool| if old { now - 5 * 3600 } else { now };
    tables.push((
        columns,
        rows(ADMIN_TOKENS, &|number, old| {
            admin_token(number, created(old))
        }),
    ));

    for (table, rows) in tables {
        for chunk in rows.chunks(1000) {
            db.execute(&format!("INSERT INTO {table} VALUES {}", chunk.join(", ")));
        }
    }
}
