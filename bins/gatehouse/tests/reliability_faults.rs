//! Faults: the database going away under load, and the server killed mid-exchange.
//!
//! - A TCP proxy in the test stands between Gatehouse and the machine's shared PostgreSQL (or
//!   MariaDB) server, so "the database is unreachable" is one cut of the proxy: open
//!   connections are closed and new ones refused. Under load that must give 503 answers with a
//!   JSON message, each within the pool timeout and never a 500; once the proxy is restored,
//!   the same process serves again.
//! - `SIGKILL` in the middle of many token exchanges must leave every `oauth_token` row a
//!   whole verifier, request or access row, and each third party able to go on from what it
//!   was last told.

// Test code: a failed step stops the test with its cause, and the figures measured are
// printed for the reliability report.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod reliability;
mod support;

use std::net::{Ipv4Addr, SocketAddr};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use reliability::db::{Backend, TestDb};
use reliability::gatehouse::{
    login, nonce, Credentials, Endpoint, Exchange, Gatehouse, Node, Options, ADMIN, PASSWORD,
};
use reliability::http::Request;
use reliability::proxy::Proxy;

const SELF: &str = "/rest/V1/integration/self";
/// What the load calls the admin grid page.
const ADMIN_PAGE: &str = "admin page";
const POOL_TIMEOUT_SECS: u64 = 2;
/// How long the database stays away. Each client waits up to the pool timeout per request, and
/// only answers that arrive before the restore count as answered during the outage: four pool
/// timeouts leave every client at least two whole rounds inside it, whatever its phase.
const OUTAGE: Duration = Duration::from_secs(4 * POOL_TIMEOUT_SECS);

/// One answer seen by the load: when it was sent, how long it took, and what it was.
#[derive(Debug, Clone)]
struct Seen {
    sent: Instant,
    took: Duration,
    status: u16,
    json_message: bool,
    what: &'static str,
}

/// How the database goes away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// The server is down: connections close, new ones are refused.
    Down,
    /// The network is partitioned: nothing closes, nothing gets through.
    Silent,
}

#[test]
fn postgres_a_database_down_gives_503_and_service_resumes() {
    outage(Backend::Postgres, Fault::Down);
}

#[test]
fn mariadb_a_database_down_gives_503_and_service_resumes() {
    outage(Backend::Mysql, Fault::Down);
}

/// A database that stops answering without closing anything (a frozen server, a partition
/// that TCP keeps alive) must still give 503s within the pool timeout: every service call has
/// a deadline in the adapter (`service_deadline`, set to the pool timeout by the binary).
///
/// The blocking threads whose queries were in flight stay held until the driver gives up.
/// PostgreSQL connections carry keepalives of seconds (see gatehouse-diesel's
/// `tests/keepalive.rs`), which end them in a real partition, but not here: the proxy's own
/// kernel answers the probes. FIXME: MySQL connections have no such setting (diesel's MySQL URL
/// takes no timeout options); a long stall with many clients could hold all their threads.
#[test]
fn postgres_a_silent_database_gives_503_and_service_resumes() {
    outage(Backend::Postgres, Fault::Silent);
}

#[test]
fn mariadb_a_silent_database_gives_503_and_service_resumes() {
    outage(Backend::Mysql, Fault::Silent);
}

fn outage(backend: Backend, fault: Fault) {
    let Some(db) = TestDb::create(backend, "outage") else {
        return;
    };
    let proxy = Proxy::start(SocketAddr::from((Ipv4Addr::LOCALHOST, db.server_port())));
    // Eight blocking threads, four per worker, for five clients: no request waits for a
    // thread, so an answer's latency is the pool's alone.
    let options = Options {
        pool_size: 8,
        pool_timeout_secs: POOL_TIMEOUT_SECS,
        database_url: Some(db.url_through(Some(proxy.port))),
        ..Options::default()
    };
    let gatehouse = Gatehouse::new(&db, &options);
    gatehouse.create_admin(ADMIN, PASSWORD);
    let mut node = gatehouse.serve();
    let pid = node.server.pid();
    let admin = node.admin_token(ADMIN, PASSWORD);
    let credentials = node.activated_integration(&admin, "Outage");

    // Arrange: five clients calling signed, bearer-free and login routes and an admin page
    // (whose session cookie is the admin token) in a loop.
    let stop = AtomicBool::new(false);
    let seen = Mutex::new(Vec::<Seen>::new());
    let session = format!("gatehouse_admin={admin}");
    let (cut_at, restored_at) = thread::scope(|scope| {
        for client in 0..5 {
            let (node, credentials, stop, seen) = (&node, &credentials, &stop, &seen);
            let session = &session;
            scope.spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let (what, request) = match client {
                        0 | 1 => ("signed call", node.signed_get(SELF, credentials, &nonce())),
                        2 => ("readiness", Request::get("/ready")),
                        3 => ("admin login", login("admin", ADMIN, PASSWORD)),
                        _ => (
                            ADMIN_PAGE,
                            Request::get("/admin/integrations").header("Cookie", session),
                        ),
                    };
                    let sent = Instant::now();
                    let answer = request.try_send(&node.address, Duration::from_secs(20));
                    let took = sent.elapsed();
                    // A transport failure counts as status 0: never an acceptable answer.
                    let (status, json_message) = match answer {
                        Ok(response) => (
                            response.status,
                            response.media_type() == "application/json"
                                && response.json()["message"].is_string(),
                        ),
                        Err(error) => {
                            eprintln!("{what}: no answer after {took:.2?}: {error}");
                            (0, false)
                        }
                    };
                    seen.lock().unwrap().push(Seen {
                        sent,
                        took,
                        status,
                        json_message,
                        what,
                    });
                    thread::sleep(Duration::from_millis(50));
                }
            });
        }

        // Act: healthy, then cut for OUTAGE, then restored.
        thread::sleep(Duration::from_millis(1500));
        match fault {
            Fault::Down => proxy.cut(),
            Fault::Silent => proxy.stall(),
        }
        let cut_at = Instant::now();
        thread::sleep(OUTAGE);
        let restored_at = Instant::now();
        proxy.restore();
        wait_for_service(&node, &credentials, restored_at);
        thread::sleep(Duration::from_millis(1500));
        stop.store(true, Ordering::SeqCst);
        (cut_at, restored_at)
    });
    let seen = seen.into_inner().unwrap();

    // Assert: never a 500; every request sent during the outage answered within the pool
    // timeout (and slack for a loaded machine), those answered before the restore with 503 and
    // a JSON message; after it, 200s from the same process.
    let timeline: Vec<String> = seen
        .iter()
        .map(|seen| {
            let at = seen.sent.saturating_duration_since(cut_at).as_secs_f64()
                - cut_at.saturating_duration_since(seen.sent).as_secs_f64();
            format!(
                "{at:+.2}s {} {} in {:.2?}",
                seen.what, seen.status, seen.took
            )
        })
        .collect();
    let timeline = timeline.join("\n");
    let server_faults: Vec<&Seen> = seen
        .iter()
        .filter(|seen| seen.status >= 500 && seen.status != 503)
        .collect();
    assert!(
        server_faults.is_empty(),
        "5xx other than 503: {server_faults:?}"
    );
    let before: Vec<&Seen> = seen
        .iter()
        .filter(|seen| seen.sent + seen.took < cut_at)
        .collect();
    assert!(
        !before.is_empty() && before.iter().all(|seen| seen.status == 200),
        "healthy first"
    );

    let limit = Duration::from_secs(POOL_TIMEOUT_SECS) + Duration::from_millis(1500);
    let sent_during: Vec<&Seen> = seen
        .iter()
        .filter(|seen| seen.sent >= cut_at && seen.sent < restored_at)
        .collect();
    let slowest = sent_during
        .iter()
        .map(|seen| seen.took)
        .max()
        .unwrap_or_default();
    assert!(
        slowest <= limit,
        "during the outage a request took {slowest:.2?}, over the pool timeout of \
         {POOL_TIMEOUT_SECS} s (times from the cut):\n{timeline}"
    );
    let during: Vec<&Seen> = sent_during
        .into_iter()
        .filter(|seen| seen.sent + seen.took < restored_at)
        .collect();
    assert!(
        during.len() >= 6,
        "the load went on during the outage:\n{timeline}"
    );
    for seen in &during {
        assert_eq!(seen.status, 503, "during the outage: {seen:?}");
        // Admin pages answer with an HTML page; the API with its JSON body.
        assert!(
            seen.json_message || seen.what == ADMIN_PAGE,
            "a 503 carries a JSON message: {seen:?}"
        );
    }

    let recovered = seen
        .iter()
        .filter(|seen| seen.sent >= restored_at && seen.status == 200)
        .map(|seen| seen.sent + seen.took)
        .min()
        .expect("a request succeeded after the restore");
    let recovery = recovered.duration_since(restored_at);
    let settled_after = recovered + Duration::from_millis(500);
    let after: Vec<&Seen> = seen
        .iter()
        .filter(|seen| seen.sent >= settled_after)
        .collect();
    assert!(
        !after.is_empty() && after.iter().all(|seen| seen.status == 200),
        "{after:?}"
    );
    assert!(
        node.server.is_running() && node.server.pid() == pid,
        "no restart was needed"
    );

    let mut latencies: Vec<Duration> = during.iter().map(|seen| seen.took).collect();
    latencies.sort_unstable();
    let by_route = |what: &str| during.iter().filter(|seen| seen.what == what).count();
    eprintln!(
        "{} {fault:?}: outage of {OUTAGE:?}, pool timeout {POOL_TIMEOUT_SECS} s: {} answers, all 503 \
         (signed {}, readiness {}, login {}, admin page {}); latency min {:.2?} median {:.2?} max {:.2?}; \
         first 200 {recovery:.2?} after the restore",
        backend.label(),
        during.len(),
        by_route("signed call"),
        by_route("readiness"),
        by_route("admin login"),
        by_route(ADMIN_PAGE),
        latencies[0],
        latencies[latencies.len() / 2],
        slowest,
    );
    assert!(
        recovery < Duration::from_secs(10),
        "service resumed {recovery:?} after the restore"
    );
    assert!(
        by_route(ADMIN_PAGE) > 0,
        "the admin pages were answered during the outage too:\n{timeline}"
    );
}

/// Waits (up to 20 s) until a signed call succeeds again.
fn wait_for_service(node: &Node, credentials: &Credentials, since: Instant) {
    while since.elapsed() < Duration::from_secs(20) {
        let request = node.signed_get(SELF, credentials, &nonce());
        let answer = request.try_send(&node.address, Duration::from_secs(20));
        if answer.is_ok_and(|response| response.status == 200) {
            return;
        }
        thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn sqlite_a_sigkill_during_token_exchanges_leaves_whole_rows() {
    killed_mid_exchange(Backend::Sqlite);
}

#[test]
fn postgres_a_sigkill_during_token_exchanges_leaves_whole_rows() {
    killed_mid_exchange(Backend::Postgres);
}

#[test]
fn mariadb_a_sigkill_during_token_exchanges_leaves_whole_rows() {
    killed_mid_exchange(Backend::Mysql);
}

/// What one third party was last told before the kill.
#[derive(Debug, Clone)]
enum Told {
    /// Only the verifier (its request-token call got no answer, or was never made).
    Verifier { key: String, secret: String },
    /// A request token (its access-token call got no answer).
    Request(Exchange),
    /// An access token.
    Access(Credentials),
}

impl Told {
    fn consumer_key(&self) -> &str {
        match self {
            Self::Verifier { key, .. } => key,
            Self::Request(exchange) => &exchange.consumer_key,
            Self::Access(credentials) => &credentials.consumer_key,
        }
    }
}

const PARTIES: usize = 24;

fn killed_mid_exchange(backend: Backend) {
    let Some(db) = TestDb::create(backend, "sigkill") else {
        return;
    };
    let gatehouse = Gatehouse::new(
        &db,
        &Options {
            pool_size: 4,
            ..Options::default()
        },
    );
    gatehouse.create_admin(ADMIN, PASSWORD);
    let mut node = gatehouse.serve();
    let admin = node.admin_token(ADMIN, PASSWORD);
    let pid = node.server.pid();
    let endpoint = Endpoint::start();
    let posted: Vec<_> = (0..PARTIES)
        .map(|index| node.post_verifier(&admin, &endpoint, &format!("Killed {index}")))
        .collect();

    // Act: every third party runs both exchange steps at once; the server is killed once
    // three quarters of all the steps have been answered, with many still in flight.
    let answered = Arc::new(AtomicUsize::new(0));
    let told: Vec<Told> = thread::scope(|scope| {
        let parties: Vec<_> = posted
            .iter()
            .map(|form| {
                let (node, answered) = (&node, Arc::clone(&answered));
                scope.spawn(move || exchange_until_killed(node, form, &answered))
            })
            .collect();
        let deadline = Instant::now() + Duration::from_secs(20);
        while answered.load(Ordering::SeqCst) < PARTIES + PARTIES / 2 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(1));
        }
        // SIGKILL: no shutdown code runs, in-flight transactions are simply cut.
        let killed = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .unwrap();
        assert!(killed.success(), "kill -KILL {pid}");
        parties
            .into_iter()
            .map(|party| party.join().unwrap())
            .collect()
    });
    node.server.kill();

    // Assert 1: every integration token row is whole: one per consumer, a known kind, a
    // 64-hex token digest, a sealed secret, a verifier digest while one is still needed, and
    // `authorized` exactly on access rows.
    let kind = db.quote("type");
    let broken = [
        (
            "of an unknown kind",
            format!("{kind} NOT IN ('verifier', 'request', 'access')"),
        ),
        ("without a 64-hex token", "LENGTH(token) <> 64".to_owned()),
        ("without a secret", "LENGTH(secret) = 0".to_owned()),
        (
            "without their verifier",
            format!(
                "{kind} IN ('verifier', 'request') \
                 AND (verifier IS NULL OR LENGTH(verifier) <> 64)"
            ),
        ),
        (
            "authorized but not access, or access but not authorized",
            format!(
                "({kind} = 'access' AND authorized = FALSE) \
                 OR ({kind} <> 'access' AND authorized = TRUE)"
            ),
        ),
        ("revoked", "revoked = TRUE".to_owned()),
    ];
    for (what, condition) in &broken {
        let rows = db.count("oauth_token", &format!("user_type = 1 AND ({condition})"));
        assert_eq!(rows, 0, "integration token rows {what}");
    }
    let per_consumer = db.number(&format!(
        "SELECT {} AS n FROM (SELECT consumer_id FROM oauth_token WHERE user_type = 1 \
         GROUP BY consumer_id HAVING COUNT(*) <> 1) doubled",
        db.int("COUNT(*)")
    ));
    assert_eq!(per_consumer, 0, "exactly one token row per consumer");
    assert_eq!(
        db.count("oauth_token", "user_type = 1"),
        i64::try_from(PARTIES).unwrap()
    );

    // Assert 2: after a restart, each third party goes on from what it was last told.
    let node = gatehouse.serve();
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    for party in &told {
        let row = stored_kind(&db, party.consumer_key());
        let outcome = resume(&node, party, &row);
        *outcomes
            .entry(format!("told {}, row {row}: {outcome}", told_name(party)))
            .or_default() += 1;
    }
    // The access step marks the integration Active before it converts the token row, so a
    // kill between the two writes leaves a request token the third party can still exchange,
    // never an access token nobody was told under an inactive integration.
    let inactive = db.count(
        "oauth_token t JOIN integration i ON i.consumer_id = t.consumer_id",
        &format!("t.{kind} = 'access' AND i.status <> 1"),
    );
    eprintln!(
        "{}: after SIGKILL mid-exchange: {outcomes:?}; access rows under an inactive \
         integration: {inactive}",
        backend.label()
    );
    assert_eq!(
        inactive, 0,
        "an access token under an integration that is not Active"
    );
}

fn told_name(told: &Told) -> &'static str {
    match told {
        Told::Verifier { .. } => "verifier",
        Told::Request(_) => "request token",
        Told::Access(_) => "access token",
    }
}

/// The request-token step then the access-token step, until an answer fails to arrive.
fn exchange_until_killed(
    node: &Node,
    form: &std::collections::HashMap<String, String>,
    answered: &AtomicUsize,
) -> Told {
    let (key, secret, verifier) = (
        form["oauth_consumer_key"].clone(),
        form["oauth_consumer_secret"].clone(),
        form["oauth_verifier"].clone(),
    );
    let timeout = Duration::from_secs(20);
    let told_verifier = Told::Verifier {
        key: key.clone(),
        secret: secret.clone(),
    };

    let request = node.request_token_request(&key, &secret, &nonce());
    let Ok(response) = request.try_send(&node.address, timeout) else {
        return told_verifier;
    };
    answered.fetch_add(1, Ordering::SeqCst);
    assert_eq!(response.status, 200, "request token: {}", response.text());
    let token = response.form();
    let exchange = Exchange {
        consumer_key: key,
        consumer_secret: secret,
        verifier,
        request_token: token["oauth_token"].clone(),
        request_secret: token["oauth_token_secret"].clone(),
    };

    let request = node.access_token_request(&exchange, &nonce());
    let Ok(response) = request.try_send(&node.address, timeout) else {
        return Told::Request(exchange);
    };
    answered.fetch_add(1, Ordering::SeqCst);
    assert_eq!(response.status, 200, "access token: {}", response.text());
    let token = response.form();
    Told::Access(Credentials {
        consumer_key: exchange.consumer_key,
        consumer_secret: exchange.consumer_secret,
        token: token["oauth_token"].clone(),
        token_secret: token["oauth_token_secret"].clone(),
    })
}

/// The kind of the token row of the consumer `key`.
fn stored_kind(db: &TestDb, key: &str) -> String {
    let sql = format!(
        "SELECT {} AS v FROM oauth_token t JOIN oauth_consumer c ON t.consumer_id = c.entity_id \
         WHERE c.{} = '{key}'",
        db.text(&format!("t.{}", db.quote("type"))),
        db.quote("key")
    );
    let kinds = db.lines(&sql);
    assert_eq!(kinds.len(), 1, "one row for {key}");
    kinds[0].clone()
}

/// Goes on after the restart from what `told` holds, given the `row` kind stored; returns
/// what happened. Panics when a third party is stuck although the row says it should not be.
fn resume(node: &Node, told: &Told, row: &str) -> &'static str {
    match (told, row) {
        // Answered: the row must say so, and the access token must work.
        (Told::Access(credentials), "access") => {
            let call = node.send(&node.signed_get(SELF, credentials, &nonce()));
            assert_eq!(
                call.status,
                200,
                "an issued access token works: {}",
                call.text()
            );
            "access token works"
        }
        // The access step never ran or was rolled back: it can run again now.
        (Told::Request(exchange), "request") => {
            let response = node.send(&node.access_token_request(exchange, &nonce()));
            assert_eq!(
                response.status,
                200,
                "the access step resumes: {}",
                response.text()
            );
            "access step resumed"
        }
        // The access step committed but its answer was lost: the request token is spent.
        (Told::Request(exchange), "access") => {
            let response = node.send(&node.access_token_request(exchange, &nonce()));
            assert_eq!(response.status, 401, "a spent request token is refused");
            "answer lost, token spent"
        }
        (Told::Verifier { key, secret, .. }, "verifier") => {
            let response = node.send(&node.request_token_request(key, secret, &nonce()));
            assert_eq!(
                response.status,
                200,
                "the request step resumes: {}",
                response.text()
            );
            "request step resumed"
        }
        (Told::Verifier { key, secret, .. }, "request") => {
            let response = node.send(&node.request_token_request(key, secret, &nonce()));
            assert_eq!(response.status, 401, "a spent verifier is refused");
            "answer lost, verifier spent"
        }
        (told, row) => panic!("told {} but the row is {row}", told_name(told)),
    }
}
