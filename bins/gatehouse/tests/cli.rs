//! The command line as a user meets it: help on every level, one-line errors with a non-zero
//! exit, user management, integration listing, and `sign` producing headers the verifier
//! accepts.

mod support;

use gatehouse_oauth1::{
    check_protocol, verify_signature, Endpoint, OAuthRequest, Policy, RequestParts,
};
use support::{run, Scratch};

#[test]
fn every_level_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["admin", "--help"],
        vec!["admin", "create", "--help"],
        vec!["admin", "deactivate", "--help"],
        vec!["customer", "create", "--help"],
        vec!["customer", "deactivate", "--help"],
        vec!["integration", "list", "--help"],
        vec!["integration", "show", "--help"],
        vec!["cleanup", "--help"],
        vec!["sign", "--help"],
    ] {
        let (ok, stdout, _) = run(&args, "");
        assert!(ok, "{args:?} --help failed");
        assert!(stdout.contains("Usage: gatehouse"), "{args:?}: {stdout}");
    }
}

#[test]
fn configuration_errors_are_one_line_naming_the_setting() {
    let scratch = Scratch::new("cli-config");
    let config = scratch.path.join("gatehouse.toml");
    std::fs::write(&config, "[oauth]\ntimestamp_windw_secs = 5\n").unwrap();

    let (ok, _, stderr) = run(&["migrate", "--config", config.to_str().unwrap()], "");
    assert!(!ok);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("gatehouse: "), "{stderr}");
    assert!(stderr.contains("timestamp_windw_secs"), "{stderr}");

    let (ok, _, stderr) = run(&["migrate", "--database-url", "redis://localhost"], "");
    assert!(!ok);
    assert!(stderr.contains("database.url"), "{stderr}");
}

#[test]
fn admins_and_customers_are_managed_from_the_command_line() {
    let scratch = Scratch::new("cli-users");
    let database = scratch.sqlite_url();
    let db = ["--database-url", database.as_str()];

    let create = [
        "admin",
        "create",
        "--username",
        "ops",
        "--email",
        "ops@example.com",
    ];
    let (ok, stdout, stderr) = run(&[&create[..], &["--password-stdin"], &db].concat(), "pw\n");
    assert!(ok, "{stderr}");
    assert!(stdout.contains("created admin ops"), "{stdout}");
    assert!(
        scratch.key_file().exists(),
        "the first start writes the crypt key file"
    );

    // The same name again is refused, with the reason on one line.
    let (ok, _, stderr) = run(&[&create[..], &["--password", "x"], &db].concat(), "");
    assert!(!ok);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");

    let (ok, stdout, stderr) = run(
        &[&["admin", "deactivate", "--username", "ops"][..], &db].concat(),
        "",
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("deactivated admin ops"), "{stdout}");

    let (ok, _, stderr) = run(
        &[&["admin", "deactivate", "--username", "nobody"][..], &db].concat(),
        "",
    );
    assert!(!ok, "deactivating an unknown admin fails");
    assert!(!stderr.is_empty());

    let customer = [
        "customer",
        "create",
        "--email",
        "c@example.com",
        "--firstname",
        "C",
    ];
    let (ok, stdout, stderr) = run(
        &[&customer[..], &["--password-stdin"], &db].concat(),
        "pw\n",
    );
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("created customer c@example.com"),
        "{stdout}"
    );

    let (ok, stdout, _) = run(&[&["integration", "list", "--json"][..], &db].concat(), "");
    assert!(ok);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&stdout).unwrap(),
        serde_json::json!([])
    );

    let (ok, stdout, _) = run(&[&["cleanup"][..], &db].concat(), "");
    assert!(ok);
    assert!(stdout.contains("total: 0"), "{stdout}");
}

#[test]
fn sign_prints_a_header_the_verifier_accepts() {
    let url = "http://127.0.0.1:8080/rest/V1/integration/self?q=two%20words&r=1";
    let (ok, stdout, stderr) = run(
        &[
            "sign",
            url,
            "--consumer-key",
            "abcdefghijklmnopqrstuvwxyz012345",
            "--consumer-secret",
            "consumer-secret",
            "--token",
            "0123456789abcdefghijklmnopqrstuv",
            "--token-secret",
            "token-secret",
        ],
        "",
    );
    assert!(ok, "{stderr}");
    let header = stdout.trim().strip_prefix("Authorization: ").unwrap();

    let parts = RequestParts {
        method: "GET",
        base_uri: "http://127.0.0.1:8080/rest/V1/integration/self",
        query: "q=two%20words&r=1",
        authorization: Some(header),
        content_type: None,
        body: b"",
    };
    let policy = Policy::default();
    let request = OAuthRequest::collect(&parts).unwrap();
    let params = check_protocol(&request, Endpoint::Resource, &policy).unwrap();
    verify_signature(
        &request,
        &parts,
        &params,
        "consumer-secret",
        Some("token-secret"),
        &policy,
    )
    .unwrap();
    assert!(verify_signature(
        &request,
        &parts,
        &params,
        "consumer-secret",
        Some("wrong"),
        &policy
    )
    .is_err());
}
