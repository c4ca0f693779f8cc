//! Races the database must arbitrate (design decision 6), against the real server on each
//! backend: 50 concurrent wrong passwords for one user are all counted and lock the account;
//! concurrent exchanges of one verifier or one request token issue exactly one token.

// Test code: a failed step stops the test with its cause, and the figures measured are
// printed for the reliability report.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod reliability;
mod support;

use std::sync::Barrier;
use std::thread;
use std::time::Instant;

use reliability::db::{Backend, TestDb};
use reliability::gatehouse::{login, nonce, Endpoint, Gatehouse, Node, Options, ADMIN, PASSWORD};
use reliability::http::{Request, Response};

const SIGN_IN_FAILED: &str = "The account sign-in was incorrect or your account is disabled \
                              temporarily. Please wait and try again later.";
const RACER: &str = "racer";
const ATTEMPTS: usize = 50;

/// Sends every request at once (one thread each, released together); the answers in order.
fn all_at_once(node: &Node, requests: &[Request]) -> Vec<Response> {
    let start = Barrier::new(requests.len());
    thread::scope(|scope| {
        let sends: Vec<_> = requests
            .iter()
            .map(|request| {
                let start = &start;
                scope.spawn(move || {
                    start.wait();
                    node.send(request)
                })
            })
            .collect();
        sends.into_iter().map(|send| send.join().unwrap()).collect()
    })
}

/// The racer's failure count as stored, 0 without a row.
fn failures_count(db: &TestDb) -> i64 {
    let condition = format!("user_name = '{RACER}' AND user_type = 2");
    if db.count("oauth_token_request_log", &condition) == 0 {
        return 0;
    }
    let column = db.int("failures_count");
    db.number(&format!(
        "SELECT {column} AS n FROM oauth_token_request_log WHERE {condition}"
    ))
}

macro_rules! on_every_backend {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $scenario() { super::$scenario(super::Backend::Sqlite); })*
        }
        mod postgres {
            $(#[test] fn $scenario() { super::$scenario(super::Backend::Postgres); })*
        }
        mod mariadb {
            $(#[test] fn $scenario() { super::$scenario(super::Backend::Mysql); })*
        }
    };
}

on_every_backend!(
    fifty_concurrent_wrong_passwords_are_all_counted_and_lock_the_account,
    fifty_concurrent_wrong_passwords_lock_at_the_default_limit,
    concurrent_request_token_exchanges_issue_one_token,
    concurrent_access_token_exchanges_issue_one_token,
);

/// With the lock at 50, every one of 50 simultaneous failures passes the lock check, so each
/// must be counted: a lost update shows as a count under 50 and an account still open.
fn fifty_concurrent_wrong_passwords_are_all_counted_and_lock_the_account(backend: Backend) {
    let Some(db) = TestDb::create(backend, "race_counted") else {
        return;
    };
    let options = Options {
        max_failures: 50,
        ..Options::default()
    };
    let gatehouse = Gatehouse::new(&db, &options);
    gatehouse.create_admin(RACER, PASSWORD);
    let node = gatehouse.serve();

    // Act.
    let wrong: Vec<Request> = (0..ATTEMPTS)
        .map(|_| login("admin", RACER, "wrong"))
        .collect();
    let started = Instant::now();
    let answers = all_at_once(&node, &wrong);
    let elapsed = started.elapsed();

    // Assert: 50 refusals, 50 counted, and now even the right password is refused.
    for answer in &answers {
        assert_eq!(answer.status, 401, "{}", answer.text());
        assert_eq!(answer.problem(), SIGN_IN_FAILED);
    }
    assert_eq!(
        failures_count(&db),
        50,
        "every concurrent failure is counted once"
    );
    let locked = node.send(&login("admin", RACER, PASSWORD));
    assert_eq!(
        locked.status,
        401,
        "the account is locked: {}",
        locked.text()
    );
    assert_eq!(
        failures_count(&db),
        50,
        "a refused login of a locked account counts nothing"
    );
    eprintln!(
        "{}: {ATTEMPTS} concurrent failed logins in {elapsed:.1?}",
        backend.label()
    );
}

/// With the default lock at 6, attempts that find the account locked are refused without
/// being counted, so the count lands between 6 and 50; the account must end locked.
fn fifty_concurrent_wrong_passwords_lock_at_the_default_limit(backend: Backend) {
    let Some(db) = TestDb::create(backend, "race_default") else {
        return;
    };
    let gatehouse = Gatehouse::new(&db, &Options::default());
    gatehouse.create_admin(RACER, PASSWORD);
    let node = gatehouse.serve();

    let wrong: Vec<Request> = (0..ATTEMPTS)
        .map(|_| login("admin", RACER, "wrong"))
        .collect();
    let answers = all_at_once(&node, &wrong);

    assert!(
        answers.iter().all(|answer| answer.status == 401),
        "only refusals"
    );
    let counted = failures_count(&db);
    assert!((6..=50).contains(&counted), "{counted} failures counted");
    let locked = node.send(&login("admin", RACER, PASSWORD));
    assert_eq!(
        locked.status,
        401,
        "the account is locked: {}",
        locked.text()
    );
    eprintln!(
        "{}: {ATTEMPTS} concurrent failures, {counted} counted before the lock",
        backend.label()
    );
}

/// The consumer row of `key`: its id.
fn consumer_id(db: &TestDb, key: &str) -> i64 {
    let sql = format!(
        "SELECT {} AS n FROM oauth_consumer WHERE {} = '{key}'",
        db.int("entity_id"),
        db.quote("key")
    );
    db.number(&sql)
}

/// The kinds of the consumer's token rows.
fn token_kinds(db: &TestDb, consumer: i64) -> Vec<String> {
    let sql = format!(
        "SELECT {} AS v FROM oauth_token WHERE consumer_id = {consumer}",
        db.text(&db.quote("type"))
    );
    db.lines(&sql)
}

fn exchange_server(db: &TestDb) -> (Gatehouse<'_>, Node, String) {
    let gatehouse = Gatehouse::new(
        db,
        &Options {
            pool_size: 4,
            ..Options::default()
        },
    );
    gatehouse.create_admin(ADMIN, PASSWORD);
    let node = gatehouse.serve();
    let admin = node.admin_token(ADMIN, PASSWORD);
    (gatehouse, node, admin)
}

fn concurrent_request_token_exchanges_issue_one_token(backend: Backend) {
    let Some(db) = TestDb::create(backend, "race_request") else {
        return;
    };
    let (_gatehouse, node, admin) = exchange_server(&db);
    let endpoint = Endpoint::start();

    for round in 0..4 {
        let posted = node.post_verifier(&admin, &endpoint, &format!("Request race {round}"));
        let (key, secret) = (
            &posted["oauth_consumer_key"],
            &posted["oauth_consumer_secret"],
        );

        // Act: 16 signed requests, each with its own nonce, for the one verifier.
        let requests: Vec<Request> = (0..16)
            .map(|_| node.request_token_request(key, secret, &nonce()))
            .collect();
        let answers = all_at_once(&node, &requests);

        // Assert: one request token; the others refused because the row moved on.
        let issued: Vec<&Response> = answers
            .iter()
            .filter(|answer| answer.status == 200)
            .collect();
        assert_eq!(
            issued.len(),
            1,
            "one request token: {:?}",
            statuses(&answers)
        );
        for refused in answers.iter().filter(|answer| answer.status != 200) {
            assert_eq!(refused.status, 401, "{}", refused.text());
        }
        assert_eq!(token_kinds(&db, consumer_id(&db, key)), ["request"]);
        assert_eq!(issued[0].form()["oauth_token"].len(), 32);
    }
}

fn concurrent_access_token_exchanges_issue_one_token(backend: Backend) {
    let Some(db) = TestDb::create(backend, "race_access") else {
        return;
    };
    let (_gatehouse, node, admin) = exchange_server(&db);
    let endpoint = Endpoint::start();

    for round in 0..4 {
        let exchange = node.start_exchange(&admin, &endpoint, &format!("Access race {round}"));

        // Act: 16 signed requests, each with its own nonce, for the one request token.
        let requests: Vec<Request> = (0..16)
            .map(|_| node.access_token_request(&exchange, &nonce()))
            .collect();
        let answers = all_at_once(&node, &requests);

        // Assert: one access token, which works; the others refused.
        let issued: Vec<&Response> = answers
            .iter()
            .filter(|answer| answer.status == 200)
            .collect();
        assert_eq!(
            issued.len(),
            1,
            "one access token: {:?}",
            statuses(&answers)
        );
        for refused in answers.iter().filter(|answer| answer.status != 200) {
            assert_eq!(refused.status, 401, "{}", refused.text());
            // Before the winner's update the row is still a request token ("already being
            // used" once the update lands); after it, the token value is gone.
            let problem = refused.problem();
            assert!(
                [
                    "Token is already being used",
                    "Specified token does not exist"
                ]
                .contains(&problem.as_str()),
                "{problem}"
            );
        }
        assert_eq!(
            token_kinds(&db, consumer_id(&db, &exchange.consumer_key)),
            ["access"]
        );

        let form = issued[0].form();
        let credentials = reliability::gatehouse::Credentials {
            consumer_key: exchange.consumer_key.clone(),
            consumer_secret: exchange.consumer_secret.clone(),
            token: form["oauth_token"].clone(),
            token_secret: form["oauth_token_secret"].clone(),
        };
        let call = node.send(&node.signed_get("/rest/V1/integration/self", &credentials, &nonce()));
        assert_eq!(
            call.status,
            200,
            "the one access token works: {}",
            call.text()
        );
    }
}

fn statuses(answers: &[Response]) -> Vec<u16> {
    answers.iter().map(|answer| answer.status).collect()
}
