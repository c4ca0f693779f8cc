//! The demo program itself: it runs Gatehouse's services on the custom backend and reports what
//! they stored.

use std::process::Command;

#[test]
fn the_demo_runs_the_services_on_the_custom_backend() {
    let output = Command::new(env!("CARGO_BIN_EXE_example-custom-backend"))
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();

    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("admin 1 logged in and was recognised by their token"),
        "{stdout}"
    );
    assert!(
        stdout.contains("integration 1 (\"Demo integration\") is Active"),
        "{stdout}"
    );
    // The activated integration left one consumer, its access token row and its role.
    for count in [
        "consumers: 1,",
        "tokens: 1,",
        "integrations: 1,",
        "roles: 1,",
    ] {
        assert!(stdout.contains(count), "{count} missing from {stdout}");
    }
}
