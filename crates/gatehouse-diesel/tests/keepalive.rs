//! PostgreSQL connections carry TCP keepalives of seconds, not the system's two hours, so a
//! server that goes silent without closing its connections does not hold a thread for good.
//! Read off the kernel's own socket timers with `ss`, for this process's connections.

// Helpers are test code too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use std::process::Command;

use gatehouse_domain::repository::StoreHealth;

/// The seconds left on the keepalive timer of each TCP connection of this process, as `ss`
/// shows them (`timer:(keepalive,9.5sec,0)`, `…,119min,0)`, `…,900ms,0)`).
fn keepalive_timers() -> Option<Vec<f64>> {
    let output = Command::new("ss").args(["-tnopH"]).output().ok()?;
    let own = format!("pid={},", std::process::id());
    let timers = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| line.contains(&own))
        .filter_map(|line| line.split("timer:(keepalive,").nth(1))
        .filter_map(|rest| rest.split(',').next())
        .map(|left| {
            let number = |suffix: &str| left.strip_suffix(suffix)?.parse::<f64>().ok();
            number("min")
                .map(|minutes| minutes * 60.0)
                .or_else(|| number("sec"))
                .or_else(|| number("ms").map(|ms| ms / 1000.0))
                .unwrap_or(f64::INFINITY)
        })
        .collect();
    Some(timers)
}

#[test]
fn postgres_connections_probe_a_silent_server_within_seconds() {
    let Some(test) = support::fresh_postgres() else {
        return;
    };
    // The pool's connections are open and idle once a query has gone through.
    test.store.ping().unwrap();

    let Some(timers) = keepalive_timers() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "`ss` (iproute2) is required under CI"
        );
        eprintln!("SKIPPED: `ss` is not installed here");
        return;
    };
    // Without the settings the first probe is two hours away (`119min`).
    assert!(
        timers.iter().any(|&left| left <= 10.0),
        "no connection of this process has a keepalive due within 10 s: {timers:?}"
    );
}
