//! Helpers of the reliability tests (`tests/reliability_*.rs`): fresh databases and SQL
//! against them, a raw HTTP client, Gatehouse deployments and OAuth flows, a cuttable TCP proxy
//! and process memory readings.

// Not every test file uses every helper; a failed set-up step stops the test with its cause.
#![allow(dead_code, clippy::unwrap_used, clippy::print_stderr)]

pub mod db;
pub mod gatehouse;
pub mod http;
pub mod proxy;

/// Resident memory of process `pid` in KiB: (current `VmRSS`, peak `VmHWM`).
pub fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in /proc/{pid}/status"))
    };
    (field("VmRSS:"), field("VmHWM:"))
}
