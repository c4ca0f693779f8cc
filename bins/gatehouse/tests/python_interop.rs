//! The clients third parties really use, against the real binary: requests-oauthlib performs
//! the token exchange and signs calls with awkward query strings, PyJWT reads and mints admin
//! tokens. The server runs with debug logging, and afterwards its log must contain none of the
//! credentials the clients saw.

mod support;

use std::process::Command;

use support::{require_or_skip, run, Scratch, Server};

#[test]
fn python_clients_complete_the_handshake_and_nothing_secret_is_logged() {
    if !require_or_skip(
        support::python_has(&["oauthlib", "requests_oauthlib", "jwt", "requests"]),
        "python3 with oauthlib, requests-oauthlib, PyJWT and requests",
    ) {
        return;
    }
    let scratch = Scratch::new("python-interop");
    let database = scratch.sqlite_url();

    // Arrange: an admin, created through the CLI before the server starts.
    let (created, _, stderr) = run(
        &[
            "admin",
            "create",
            "--username",
            "interop-admin",
            "--email",
            "interop@example.com",
            "--password-stdin",
            "--database-url",
            &database,
        ],
        "correct horse battery staple\n",
    );
    assert!(created, "admin create failed: {stderr}");
    let server = Server::start(&["--database-url", &database], "debug");

    // Act: the Python clients drive the server.
    let output = Command::new("python3")
        .arg(support::test_file("interop/interop.py"))
        .args(["--base-url", &server.base_url])
        .args(["--admin-user", "interop-admin"])
        .args(["--admin-password", "correct horse battery staple"])
        .arg("--crypt-key-file")
        .arg(scratch.key_file())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the Python clients failed:\n{}\n--- server log ---\n{}",
        String::from_utf8_lossy(&output.stderr),
        server.log()
    );

    // Assert: no credential the clients handled appears in the server's debug log.
    let last_line = stdout.lines().last().unwrap_or_default();
    let report: serde_json::Value = serde_json::from_str(last_line).unwrap();
    let secrets: Vec<&str> = report["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|value| value.as_str())
        .collect();
    assert!(
        secrets.len() > 40,
        "the clients reported what they saw: {}",
        secrets.len()
    );
    let log = server.log();
    assert!(
        log.contains("/oauth/token/access"),
        "debug logging covers the requests"
    );
    for secret in secrets {
        assert!(
            !log.contains(secret),
            "the server log contains a credential: {secret:.6}…"
        );
    }
}
