//! Runs the real `gatehouse` binary for end-to-end tests: CLI commands, and `serve` on port 0
//! with its log captured.

// Test plumbing: a failed step should stop the test with its cause, which is what unwrap does.
#![allow(dead_code, clippy::unwrap_used, clippy::print_stderr)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The binary under test, built by cargo for this test target.
pub const BINARY: &str = env!("CARGO_BIN_EXE_gatehouse");

/// A scratch directory removed when dropped.
pub struct Scratch {
    pub path: PathBuf,
}

impl Scratch {
    pub fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "gatehouse-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&path).unwrap();
        Self { path }
    }

    pub fn sqlite_url(&self) -> String {
        format!("sqlite://{}", self.path.join("gatehouse.db").display())
    }

    pub fn key_file(&self) -> PathBuf {
        self.path.join("gatehouse.db.key")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Runs a CLI command to completion, feeding `stdin`; returns (status ok, stdout, stderr).
pub fn run(args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(BINARY)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the gatehouse binary starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A running `gatehouse serve`, killed when dropped.
pub struct Server {
    child: Child,
    /// The base URL it announced, ending in `/`.
    pub base_url: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `gatehouse serve --bind 127.0.0.1:0` with `args` and waits until it listens.
    pub fn start(args: &[&str], rust_log: &str) -> Self {
        let mut child = Command::new(BINARY)
            .arg("serve")
            .args(["--bind", "127.0.0.1:0"])
            .args(args)
            .env("RUST_LOG", rust_log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("gatehouse serve starts");

        let log = Arc::new(Mutex::new(String::new()));
        let (found, announced) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        let sink = Arc::clone(&log);
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.split("listening on ").nth(1) {
                    let url = rest
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    let _ = found.send(url);
                }
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });

        let deadline = Instant::now() + Duration::from_secs(60);
        let base_url = loop {
            if let Ok(url) = announced.recv_timeout(Duration::from_millis(200)) {
                break url;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "gatehouse serve exited with {status}:\n{}",
                    log.lock().unwrap()
                );
            }
            assert!(Instant::now() < deadline, "gatehouse serve did not start");
        };
        Self {
            child,
            base_url,
            log,
        }
    }

    /// Everything the server logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// The server's process id, for `/proc/<pid>/status`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// `http://HOST:PORT/` where the server really listens, from the listener's own start-up
    /// line (the announced base URL is the configured public one when `server.public_base_url`
    /// is set). Needs `info` logging; waits up to 30 s for the line.
    pub fn listen_address(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let log = self.log();
            let found = log
                .lines()
                .find_map(|line| line.split("listening on: ").nth(1));
            if let Some(address) = found {
                return format!("http://{}/", address.trim());
            }
            assert!(
                Instant::now() < deadline,
                "the listener did not log its address:\n{log}"
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the server at once with SIGKILL, as a crash or the OOM killer would, and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether `python3` can import every module in `modules`.
pub fn python_has(modules: &[&str]) -> bool {
    let script = format!("import {}", modules.join(", "));
    Command::new("python3")
        .args(["-c", &script])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Skips the calling test when a tool is missing, except under CI where it must be there.
pub fn require_or_skip(available: bool, what: &str) -> bool {
    if available {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{what} is required under CI"
    );
    eprintln!("SKIPPED: {what} is not installed here; run scripts/setup to install it");
    false
}

/// The path of a file beside this test.
pub fn test_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(relative)
}
