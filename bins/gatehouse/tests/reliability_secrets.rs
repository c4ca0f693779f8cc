//! Secrets at rest (behaviour.md §8, design decision 2): after a full OAuth handshake, a
//! direct activation, signed calls and admin and customer logins, a dump of the database holds
//! none of the credentials in clear: no consumer secret, token, token secret, verifier,
//! password or bearer token. Nor does the server's debug log.
//!
//! On SQLite the dump is the raw bytes of the database file and its write-ahead log, read
//! while the server runs and again after it is killed; on PostgreSQL it is every row of every
//! table as text (`bytea` columns as hex, so hex is searched as well).

// Test code: a failed step stops the test with its cause, and the figures measured are
// printed for the reliability report.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod reliability;
mod support;

use std::fs;

use reliability::db::{Backend, TestDb};
use reliability::gatehouse::{
    login, nonce, Credentials, Endpoint, Gatehouse, Options, ADMIN, PASSWORD,
};

const CUSTOMER: &str = "secret-shopper@example.com";
const CUSTOMER_PASSWORD: &str = "customer password 9f3k2";
const SELF: &str = "/rest/V1/integration/self";

/// Everything a third party, an admin and a customer were given or chose, and the consumer
/// keys (stored in clear by design, so they prove the dump is searched at all).
struct Handled {
    secrets: Vec<(&'static str, String)>,
    consumer_keys: Vec<String>,
}

/// Runs every credential-producing flow against `db` through the real server.
fn handle_credentials(db: &TestDb) -> (Handled, support::Server) {
    let gatehouse = Gatehouse::new(db, &Options::default());
    gatehouse.create_admin(ADMIN, PASSWORD);
    let (created, _, stderr) = gatehouse.try_cli(
        &[
            "customer",
            "create",
            "--email",
            CUSTOMER,
            "--password-stdin",
        ],
        &format!("{CUSTOMER_PASSWORD}\n"),
    );
    assert!(created, "customer create: {stderr}");
    let node = gatehouse.serve_logging("debug");

    // Bearer tokens.
    let admin = node.admin_token(ADMIN, PASSWORD);
    let customer = node.send(&login("customer", CUSTOMER, CUSTOMER_PASSWORD));
    assert_eq!(customer.status, 200, "customer login: {}", customer.text());
    let customer = customer.json().as_str().unwrap().to_owned();

    // The full handshake through an endpoint, then a signed call.
    let endpoint = Endpoint::start();
    let exchange = node.start_exchange(&admin, &endpoint, "Secrets exchange");
    let access = node.send(&node.access_token_request(&exchange, &nonce()));
    assert_eq!(access.status, 200, "access token: {}", access.text());
    let access = access.form();
    let exchanged = Credentials {
        consumer_key: exchange.consumer_key.clone(),
        consumer_secret: exchange.consumer_secret.clone(),
        token: access["oauth_token"].clone(),
        token_secret: access["oauth_token_secret"].clone(),
    };
    let call = node.send(&node.signed_get(SELF, &exchanged, &nonce()));
    assert_eq!(call.status, 200, "signed call: {}", call.text());

    // A direct activation, then a signed call.
    let direct = node.activated_integration(&admin, "Secrets direct");
    let call = node.send(&node.signed_get(SELF, &direct, &nonce()));
    assert_eq!(call.status, 200, "signed call: {}", call.text());

    let secrets = vec![
        ("admin password", PASSWORD.to_owned()),
        ("customer password", CUSTOMER_PASSWORD.to_owned()),
        ("admin JWT", admin),
        ("customer JWT", customer),
        (
            "exchanged consumer secret",
            exchange.consumer_secret.clone(),
        ),
        ("verifier", exchange.verifier.clone()),
        ("request token", exchange.request_token.clone()),
        ("request token secret", exchange.request_secret.clone()),
        ("exchanged access token", exchanged.token),
        ("exchanged access token secret", exchanged.token_secret),
        ("direct consumer secret", direct.consumer_secret.clone()),
        ("direct access token", direct.token.clone()),
        ("direct access token secret", direct.token_secret.clone()),
    ];
    let handled = Handled {
        secrets,
        consumer_keys: vec![exchange.consumer_key, direct.consumer_key],
    };
    (handled, node.server)
}

/// The places in `dump` (raw bytes) where a credential appears, by name.
fn found(dump: &[u8], secrets: &[(&'static str, String)]) -> Vec<&'static str> {
    let contains = |needle: &[u8]| dump.windows(needle.len()).any(|window| window == needle);
    secrets
        .iter()
        .filter(|(_, secret)| {
            let hex: String = secret.bytes().map(|byte| format!("{byte:02x}")).collect();
            contains(secret.as_bytes()) || contains(hex.as_bytes())
        })
        .map(|(name, _)| *name)
        .collect()
}

/// The database file and its write-ahead log and journal, as they are on disk now.
fn sqlite_files(db: &TestDb) -> Vec<u8> {
    let mut dump = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        if let Ok(bytes) = fs::read(format!("{}{suffix}", db.name)) {
            dump.extend_from_slice(&bytes);
        }
    }
    dump
}

#[test]
fn sqlite_files_hold_no_credential_in_clear() {
    let db = TestDb::create(Backend::Sqlite, "secrets").unwrap();
    let (handled, mut server) = handle_credentials(&db);

    // While the server runs (the write-ahead log holds the latest pages), then after a kill.
    let running = sqlite_files(&db);
    server.kill();
    let killed = sqlite_files(&db);

    for dump in [&running, &killed] {
        assert!(dump.len() > 4096, "the database files were read");
        for key in &handled.consumer_keys {
            let present = dump
                .windows(key.len())
                .any(|window| window == key.as_bytes());
            assert!(
                present,
                "the dump is searched: consumer keys are stored in clear"
            );
        }
        let leaked = found(dump, &handled.secrets);
        assert!(
            leaked.is_empty(),
            "credentials in clear in the SQLite files: {leaked:?}"
        );
    }
    let leaked = found(server.log().as_bytes(), &handled.secrets);
    assert!(
        leaked.is_empty(),
        "credentials in the server's debug log: {leaked:?}"
    );
    assert!(
        server.log().contains("/oauth/token/access"),
        "the debug log covers the requests"
    );
}

#[test]
fn postgres_tables_hold_no_credential_in_clear() {
    let Some(db) = TestDb::create(Backend::Postgres, "secrets") else {
        return;
    };
    let (handled, server) = handle_credentials(&db);

    let mut dump = String::new();
    let tables = db.tables();
    for table in &tables {
        for row in db.lines(&format!("SELECT CAST(t AS TEXT) AS v FROM \"{table}\" t")) {
            dump.push_str(&row);
            dump.push('\n');
        }
    }

    assert!(tables.len() >= 10, "every table was dumped: {tables:?}");
    for key in &handled.consumer_keys {
        assert!(
            dump.contains(key.as_str()),
            "the dump is searched: consumer keys are in clear"
        );
    }
    let leaked = found(dump.as_bytes(), &handled.secrets);
    assert!(
        leaked.is_empty(),
        "credentials in clear in the PostgreSQL tables: {leaked:?}"
    );
    let leaked = found(server.log().as_bytes(), &handled.secrets);
    assert!(
        leaked.is_empty(),
        "credentials in the server's debug log: {leaked:?}"
    );
}
