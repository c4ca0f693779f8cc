//! `gatehouse-load`: a closed-loop HTTP load generator for a running gatehouse server on
//! loopback.
//!
//! It signs in as an existing admin (user name and password from the environment), creates and
//! activates an integration through the API, then drives three routes in turn, each with
//! `--connections` keep-alive connections (one thread each) for a warm-up and a measured
//! window:
//!
//! - `health`: `GET /health`, no credentials;
//! - `bearer`: `GET /rest/V1/integration/self` with the admin's JWT;
//! - `oauth`: the same route signed with the integration's OAuth 1.0a credentials
//!   (HMAC-SHA256), a fresh nonce and timestamp on every request, so each one records a nonce.
//!
//! Every answer completed in the window is timed (from just before the request is written to
//! the last body byte read) and kept; percentiles are taken from the sorted samples. Around the
//! window it reads from `/proc` the CPU time of the server, of itself, of the database
//! processes it is given and of the whole machine, and the server's peak RSS (`VmHWM`).
//! Optionally it then sends a burst of simultaneous admin logins and reports the peak RSS again.
//! It prints one markdown table row per route, then the targets, on standard output.
//! Credentials, tokens and nonces are never printed.

// A command-line tool: the terminal is its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod http;
mod stats;

use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, ensure, Context as _};
use clap::{Parser, ValueEnum};
use serde_json::{json, Value};

use gatehouse_oauth1::{SignatureMethod, Signer};

use crate::http::Connection;
use crate::stats::Summary;

/// The route every authenticated measurement calls.
const SELF_PATH: &str = "/rest/V1/integration/self";

/// Drive a running gatehouse server on loopback and print requests per second and latency
/// percentiles per route as markdown table rows.
///
/// The admin's credentials come from GATEHOUSE_LOAD_ADMIN_USER and
/// GATEHOUSE_LOAD_ADMIN_PASSWORD.
#[derive(Debug, Parser)]
#[command(name = "gatehouse-load")]
struct Args {
    /// The server's base URL, `http://127.0.0.1:PORT` (loopback only).
    #[arg(long)]
    base_url: String,
    /// Concurrent keep-alive connections, one client thread each.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Warm-up before each measured window, in seconds (not recorded).
    #[arg(long, default_value_t = 3)]
    warmup: u64,
    /// Measured window per route, in seconds.
    #[arg(long, default_value_t = 15)]
    duration: u64,
    /// The routes to run, in order.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "health,bearer,oauth"
    )]
    routes: Vec<Route>,
    /// The server's process id, for its CPU time and peak memory (VmHWM).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Database server processes (for instance PostgreSQL's backends of the server's pool),
    /// whose CPU time is reported as the database's.
    #[arg(long, value_delimiter = ',')]
    database_pids: Vec<u32>,
    /// A label for the first column (the storage backend).
    #[arg(long, default_value = "-")]
    label: String,
    /// Print the table header first.
    #[arg(long)]
    header: bool,
    /// After the routes, this many admin logins at once (each an Argon2id verification), to
    /// see their effect on the server's memory; 0 for none.
    #[arg(long, default_value_t = 0)]
    login_burst: usize,
    /// Report on standard error when, in the window, answers slower than this many
    /// milliseconds completed (at most 20 of them).
    #[arg(long)]
    slow_ms: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Route {
    /// `GET /health`.
    Health,
    /// `GET /rest/V1/integration/self` with a bearer token.
    Bearer,
    /// `GET /rest/V1/integration/self`, OAuth-signed.
    Oauth,
}

impl Route {
    fn describe(self) -> &'static str {
        match self {
            Self::Health => "`GET /health`",
            Self::Bearer => "bearer `GET /rest/V1/integration/self`",
            Self::Oauth => "OAuth-signed `GET /rest/V1/integration/self`",
        }
    }
}

/// What the client threads need to build requests.
struct Target {
    addr: SocketAddr,
    host: String,
    base_url: String,
    bearer: Option<String>,
    oauth: Option<OAuthCredentials>,
    /// The admin login request; it holds the password, so it is never printed.
    login: Option<Vec<u8>>,
}

/// The four credentials of the activated integration. Never printed.
struct OAuthCredentials {
    consumer_key: String,
    consumer_secret: String,
    token: String,
    token_secret: String,
}

/// What one route's run measured.
struct RouteResult {
    route: Route,
    summary: Summary,
    failures: u64,
    server_cpu_us_per_request: Option<f64>,
    client_cpu_us_per_request: Option<f64>,
    database_cpu_us_per_request: Option<f64>,
    /// CPU used by every other process during the window, in cores.
    others_cores: Option<f64>,
    server_hwm_kib: Option<u64>,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(2),
        Err(error) => {
            eprintln!("gatehouse-load: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs every route; `Ok(false)` when some request failed.
fn run(args: Args) -> anyhow::Result<bool> {
    ensure!(args.connections > 0, "--connections must be at least 1");
    ensure!(args.duration > 0, "--duration must be at least 1");
    let mut target = target(&args.base_url)?;

    if args.login_burst > 0 || args.routes.iter().any(|route| *route != Route::Health) {
        set_up_credentials(&mut target).context("setting up the admin and the integration")?;
    }
    for &route in &args.routes {
        check_once(&target, route).with_context(|| format!("first request of {route:?}"))?;
    }

    if args.header {
        println!(
            "| backend | route | requests/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms \
             | failed | CPU µs/req server | client | database | other processes' CPU, cores \
             | server VmHWM MB |"
        );
        println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    }

    let target = Arc::new(target);
    let server_pid = args.server_pid.map(|pid| pid.to_string());
    let database_pids: Vec<String> = args.database_pids.iter().map(u32::to_string).collect();
    let mut results = Vec::new();
    for &route in &args.routes {
        eprintln!(
            "gatehouse-load: {route:?}: {} connections, {} s warm-up, {} s measured",
            args.connections, args.warmup, args.duration
        );
        let result = measure(&args, &target, route, server_pid.as_deref(), &database_pids);
        print_row(&args.label, &result);
        results.push(result);
    }
    let burst = match args.login_burst {
        0 => None,
        logins => Some(login_burst(&target, logins, server_pid.as_deref())?),
    };
    print_targets(&args.label, &results, burst.as_ref());
    Ok(results.iter().all(|result| result.failures == 0))
}

/// Parses and checks the base URL: plain HTTP to a loopback address.
fn target(base_url: &str) -> anyhow::Result<Target> {
    let base_url = base_url.trim_end_matches('/').to_owned();
    let Some(host) = base_url.strip_prefix("http://") else {
        bail!("--base-url must start with http://");
    };
    ensure!(!host.contains('/'), "--base-url must have no path");
    let addr = host
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {host}"))?
        .next()
        .with_context(|| format!("{host} has no address"))?;
    ensure!(
        addr.ip().is_loopback(),
        "--base-url must be a loopback address: this tool only loads a local server"
    );
    Ok(Target {
        addr,
        host: host.to_owned(),
        base_url,
        bearer: None,
        oauth: None,
        login: None,
    })
}

/// Signs in as the admin, creates an integration and activates it.
fn set_up_credentials(target: &mut Target) -> anyhow::Result<()> {
    let username = std::env::var("GATEHOUSE_LOAD_ADMIN_USER")
        .context("GATEHOUSE_LOAD_ADMIN_USER is not set")?;
    let password = std::env::var("GATEHOUSE_LOAD_ADMIN_PASSWORD")
        .context("GATEHOUSE_LOAD_ADMIN_PASSWORD is not set")?;
    let mut connection = Connection::new(target.addr);

    let login = json!({"username": username, "password": password}).to_string();
    let login = http::post_json(
        &target.host,
        "/rest/V1/integration/admin/token",
        None,
        &login,
    );
    let token = call_json(&mut connection, &login).context("admin login")?;
    target.login = Some(login);
    let token = token
        .as_str()
        .context("the admin login did not answer a token")?
        .to_owned();
    let bearer = format!("Bearer {token}");

    // A name of its own, so that the tool can run again against the same database.
    let tag = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis())
        .unwrap_or_default();
    let integration = json!({
        "name": format!("Load benchmark {tag}-{}", std::process::id()),
        "email": "load-bench@example.com",
        "resources": ["Magento_Sales::sales"],
    })
    .to_string();
    let created = call_json(
        &mut connection,
        &http::post_json(
            &target.host,
            "/rest/V1/integrations",
            Some(&bearer),
            &integration,
        ),
    )
    .context("creating the integration")?;
    let id = created["id"]
        .as_i64()
        .context("the created integration has no id")?;

    let activation = call_json(
        &mut connection,
        &http::post_json(
            &target.host,
            &format!("/rest/V1/integrations/{id}/activate"),
            Some(&bearer),
            "",
        ),
    )
    .context("activating the integration")?;
    let field = |name: &str| -> anyhow::Result<String> {
        activation[name]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("the activation answer has no {name}"))
    };
    target.oauth = Some(OAuthCredentials {
        consumer_key: field("consumer_key")?,
        consumer_secret: field("consumer_secret")?,
        token: field("access_token")?,
        token_secret: field("access_token_secret")?,
    });
    target.bearer = Some(bearer);
    Ok(())
}

/// Sends a request that must succeed with a JSON body.
fn call_json(connection: &mut Connection, request: &[u8]) -> anyhow::Result<Value> {
    let answer = connection.exchange(request)?;
    // The body of a refusal is the server's message, which holds no credential.
    ensure!(
        answer.is_success(),
        "HTTP {}: {}",
        answer.status,
        String::from_utf8_lossy(&answer.body)
    );
    Ok(serde_json::from_slice(&answer.body)?)
}

/// One request of `route`, which must answer 2xx (and, for the authenticated routes, a caller
/// who is not a guest).
fn check_once(target: &Target, route: Route) -> anyhow::Result<()> {
    let mut connection = Connection::new(target.addr);
    let mut nonces = NonceSource::new(u32::MAX);
    let body = call_json(&mut connection, &request(target, route, &mut nonces))?;
    if route != Route::Health {
        let user_type = body["user_type"].as_i64().unwrap_or(0);
        let expected = if route == Route::Oauth { 1 } else { 2 };
        ensure!(
            user_type == expected,
            "the caller is user type {user_type}, not {expected}"
        );
    }
    Ok(())
}

/// Unique nonces without a random source: a per-run tag, the thread, a counter.
struct NonceSource {
    prefix: String,
    next: u64,
}

impl NonceSource {
    fn new(thread: u32) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos())
            .unwrap_or_default();
        Self {
            prefix: format!("{nanos:x}{:x}t{thread:x}n", std::process::id()),
            next: 0,
        }
    }

    fn next(&mut self) -> String {
        self.next += 1;
        format!("{}{:x}", self.prefix, self.next)
    }
}

/// The request bytes of `route`; a signed one gets a fresh nonce and timestamp.
fn request(target: &Target, route: Route, nonces: &mut NonceSource) -> Vec<u8> {
    match (route, &target.bearer, &target.oauth) {
        (Route::Bearer, Some(bearer), _) => http::get(&target.host, SELF_PATH, Some(bearer)),
        (Route::Oauth, _, Some(credentials)) => {
            let timestamp = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|elapsed| elapsed.as_secs())
                .unwrap_or_default();
            let header = Signer::new(
                credentials.consumer_key.as_str(),
                credentials.consumer_secret.as_str(),
                SignatureMethod::HmacSha256,
                nonces.next(),
                i64::try_from(timestamp).unwrap_or(i64::MAX),
            )
            .token(
                credentials.token.as_str(),
                credentials.token_secret.as_str(),
            )
            .authorization_header(
                "GET",
                &format!("{}{SELF_PATH}", target.base_url),
                None,
            );
            http::get(&target.host, SELF_PATH, Some(&header))
        }
        _ => http::get(&target.host, "/health", None),
    }
}

/// What one client thread saw in the measured window.
#[derive(Default)]
struct ThreadTally {
    latencies_us: Vec<u32>,
    failures: u64,
    /// (completion time since the window started, latency) of the slow answers.
    slow: Vec<(Duration, Duration)>,
}

/// CPU seconds used so far by the server, this client, the database processes and the whole
/// machine.
struct CpuSnapshot {
    server: Option<f64>,
    client: Option<f64>,
    database: Option<f64>,
    machine: Option<f64>,
}

impl CpuSnapshot {
    fn take(server_pid: Option<&str>, database_pids: &[String]) -> Self {
        let database = if database_pids.is_empty() {
            None
        } else {
            // A backend that ended counts as zero from then on; good enough over a window.
            Some(
                database_pids
                    .iter()
                    .filter_map(|pid| stats::process_cpu_seconds(pid))
                    .sum(),
            )
        };
        Self {
            server: server_pid.and_then(stats::process_cpu_seconds),
            client: stats::process_cpu_seconds("self"),
            database,
            machine: stats::machine_busy_seconds(),
        }
    }
}

/// Runs `route` on every connection for the warm-up and the window, then summarises.
fn measure(
    args: &Args,
    target: &Arc<Target>,
    route: Route,
    server_pid: Option<&str>,
    database_pids: &[String],
) -> RouteResult {
    let warmup = Duration::from_secs(args.warmup);
    let window = Duration::from_secs(args.duration);
    // Every thread opens its connection first, then all start together.
    let begin = Instant::now() + Duration::from_millis(500);
    let window_start = begin + warmup;
    let window_end = window_start + window;

    let threads: Vec<_> = (0..args.connections)
        .map(|index| {
            let target = Arc::clone(target);
            let slow = args.slow_ms.map(Duration::from_millis);
            thread::spawn(move || {
                let window = (window_start, window_end);
                client_thread(&target, route, index, begin, window, slow)
            })
        })
        .collect();

    // Counters around the window only.
    sleep_until(window_start);
    let before = CpuSnapshot::take(server_pid, database_pids);
    sleep_until(window_end);
    let after = CpuSnapshot::take(server_pid, database_pids);

    let mut latencies = Vec::new();
    let mut failures = 0;
    let mut slow = Vec::new();
    for handle in threads {
        match handle.join() {
            Ok(tally) => {
                latencies.extend_from_slice(&tally.latencies_us);
                failures += tally.failures;
                slow.extend(tally.slow);
            }
            Err(_) => failures += 1,
        }
    }
    if args.slow_ms.is_some() {
        slow.sort();
        eprintln!("gatehouse-load: {route:?}: {} slow answers", slow.len());
        for (at, latency) in slow.iter().take(20) {
            eprintln!(
                "  completed {:.3} s into the window after {:.1} ms",
                at.as_secs_f64(),
                latency.as_secs_f64() * 1000.0
            );
        }
    }
    let summary = stats::summarize(latencies, window);

    let used = |before: Option<f64>, after: Option<f64>| Some(after? - before?);
    let server = used(before.server, after.server);
    let client = used(before.client, after.client);
    let database = used(before.database, after.database);
    let per_request = |seconds: Option<f64>| {
        let seconds = seconds?;
        (summary.count > 0).then(|| seconds * 1e6 / summary.count as f64)
    };
    let others_cores = used(before.machine, after.machine).map(|machine| {
        let ours = server.unwrap_or(0.0) + client.unwrap_or(0.0) + database.unwrap_or(0.0);
        ((machine - ours) / window.as_secs_f64()).max(0.0)
    });
    RouteResult {
        route,
        summary,
        failures,
        server_cpu_us_per_request: per_request(server),
        client_cpu_us_per_request: per_request(client),
        database_cpu_us_per_request: per_request(database),
        others_cores,
        server_hwm_kib: server_pid.and_then(|pid| stats::process_memory_kib(pid, "VmHWM")),
    }
}

fn sleep_until(deadline: Instant) {
    let now = Instant::now();
    if deadline > now {
        thread::sleep(deadline - now);
    }
}

/// One connection's closed loop: a request, its answer, the next request.
fn client_thread(
    target: &Target,
    route: Route,
    index: usize,
    begin: Instant,
    (window_start, window_end): (Instant, Instant),
    slow: Option<Duration>,
) -> ThreadTally {
    let mut connection = Connection::new(target.addr);
    let mut nonces = NonceSource::new(u32::try_from(index).unwrap_or(u32::MAX));
    let mut tally = ThreadTally::default();
    // A failed connect is retried in the loop and counted there.
    let _ = connection.connect();
    sleep_until(begin);

    loop {
        let bytes = request(target, route, &mut nonces);
        let sent = Instant::now();
        if sent >= window_end {
            break;
        }
        let outcome = connection.exchange(&bytes);
        let done = Instant::now();
        let in_window = done >= window_start && done < window_end;
        match outcome {
            Ok(answer) if answer.is_success() => {
                if in_window {
                    let latency = done - sent;
                    tally
                        .latencies_us
                        .push(u32::try_from(latency.as_micros()).unwrap_or(u32::MAX));
                    if slow.is_some_and(|slow| latency > slow) {
                        tally.slow.push((done - window_start, latency));
                    }
                }
            }
            Ok(_) => {
                if in_window {
                    tally.failures += 1;
                }
            }
            Err(_) => {
                if in_window {
                    tally.failures += 1;
                }
                // Do not spin on a refused connection.
                thread::sleep(Duration::from_millis(5));
            }
        }
    }
    tally
}

fn ms(micros: u32) -> String {
    format!("{:.2}", f64::from(micros) / 1000.0)
}

fn optional(value: Option<f64>, digits: usize, suffix: &str) -> String {
    match value {
        Some(value) => format!("{value:.digits$}{suffix}"),
        None => "n/a".to_owned(),
    }
}

fn print_row(label: &str, result: &RouteResult) {
    let summary = &result.summary;
    println!(
        "| {label} | {} | {:.0} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        result.route.describe(),
        summary.per_second,
        ms(summary.p50_us),
        ms(summary.p90_us),
        ms(summary.p99_us),
        ms(summary.p999_us),
        ms(summary.max_us),
        result.failures,
        optional(result.server_cpu_us_per_request, 0, ""),
        optional(result.client_cpu_us_per_request, 0, ""),
        optional(result.database_cpu_us_per_request, 0, ""),
        optional(result.others_cores, 2, ""),
        optional(result.server_hwm_kib.map(|kib| kib as f64 / 1024.0), 1, ""),
    );
}

/// What a burst of simultaneous logins did to the server's memory.
struct LoginBurst {
    logins: usize,
    elapsed: Duration,
    hwm_before_kib: Option<u64>,
    hwm_after_kib: Option<u64>,
    rss_later_kib: Option<u64>,
}

/// `logins` admin logins at once, one connection each; every one must succeed.
fn login_burst(
    target: &Arc<Target>,
    logins: usize,
    server_pid: Option<&str>,
) -> anyhow::Result<LoginBurst> {
    eprintln!("gatehouse-load: {logins} admin logins at once");
    let hwm_before_kib = server_pid.and_then(|pid| stats::process_memory_kib(pid, "VmHWM"));
    let barrier = Arc::new(std::sync::Barrier::new(logins));
    let started = Instant::now();
    let threads: Vec<_> = (0..logins)
        .map(|_| {
            let target = Arc::clone(target);
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || -> anyhow::Result<()> {
                let mut connection = Connection::new(target.addr);
                connection.connect()?;
                let login = target.login.as_deref().context("no login request")?;
                barrier.wait();
                call_json(&mut connection, login).map(drop)
            })
        })
        .collect();
    for handle in threads {
        match handle.join() {
            Ok(outcome) => outcome.context("a login of the burst")?,
            Err(_) => bail!("a login thread panicked"),
        }
    }
    let elapsed = started.elapsed();
    let hwm_after_kib = server_pid.and_then(|pid| stats::process_memory_kib(pid, "VmHWM"));
    thread::sleep(Duration::from_secs(1));
    Ok(LoginBurst {
        logins,
        elapsed,
        hwm_before_kib,
        hwm_after_kib,
        rss_later_kib: server_pid.and_then(|pid| stats::process_memory_kib(pid, "VmRSS")),
    })
}

fn megabytes(kib: Option<u64>) -> String {
    optional(kib.map(|kib| kib as f64 / 1024.0), 1, " MB")
}

/// The targets, each marked met or missed.
fn print_targets(label: &str, results: &[RouteResult], burst: Option<&LoginBurst>) {
    let find = |route: Route| results.iter().find(|result| result.route == route);
    let verdict = |met: bool| if met { "met" } else { "**missed**" };
    let mut lines = Vec::new();

    if let Some(health) = find(Route::Health) {
        let base = health.summary.per_second.max(f64::MIN_POSITIVE);
        for (route, share, name) in [
            (Route::Bearer, 0.5, "bearer"),
            (Route::Oauth, 0.25, "signed"),
        ] {
            if let Some(result) = find(route) {
                let ratio = result.summary.per_second / base;
                lines.push(format!(
                    "{name} ≥ {share} × /health: {ratio:.2} × — {}",
                    verdict(ratio >= share)
                ));
            }
        }
    }
    for result in results {
        lines.push(format!(
            "p99 < 10 ms, {}: {} ms — {}",
            result.route.describe(),
            ms(result.summary.p99_us),
            verdict(result.summary.p99_us < 10_000)
        ));
    }
    if let Some(peak) = results
        .iter()
        .filter_map(|result| result.server_hwm_kib)
        .max()
    {
        let megabytes = peak as f64 / 1024.0;
        lines.push(format!(
            "peak memory < 100 MB: {megabytes:.1} MB — {}",
            verdict(megabytes < 100.0)
        ));
    }
    if let Some(burst) = burst {
        let peak = burst.hwm_after_kib.map(|kib| kib as f64 / 1024.0);
        lines.push(format!(
            "then {} admin logins at once (Argon2id) took {:.2} s: VmHWM {} before, {} after \
             (peak memory < 100 MB — {}); VmRSS 1 s later {}",
            burst.logins,
            burst.elapsed.as_secs_f64(),
            megabytes(burst.hwm_before_kib),
            megabytes(burst.hwm_after_kib),
            peak.map_or("n/a", |peak| verdict(peak < 100.0)),
            megabytes(burst.rss_later_kib),
        ));
    }
    let failures: u64 = results.iter().map(|result| result.failures).sum();
    if failures > 0 {
        lines.push(format!(
            "**{failures} requests failed** (non-2xx or I/O errors)"
        ));
    }

    println!();
    println!("Targets ({label}):");
    println!();
    for line in lines {
        println!("- {line}");
    }
    println!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_targets_are_accepted() {
        assert!(target("http://127.0.0.1:8080").is_ok());
        assert!(target("http://127.0.0.1:8080/").is_ok());
        assert!(target("http://192.0.2.1:80").is_err());
        assert!(target("https://127.0.0.1:8080").is_err());
        assert!(target("http://127.0.0.1:8080/x").is_err());
    }

    #[test]
    fn nonces_do_not_repeat() {
        let mut a = NonceSource::new(1);
        let mut b = NonceSource::new(2);
        let first = a.next();
        assert_ne!(first, a.next());
        assert_ne!(first, b.next());
        assert!(first.len() <= 255);
    }

    #[test]
    fn the_cli_parses() {
        let args = Args::try_parse_from([
            "gatehouse-load",
            "--base-url",
            "http://127.0.0.1:1",
            "--routes",
            "health,oauth",
        ])
        .unwrap();
        assert_eq!(args.routes, vec![Route::Health, Route::Oauth]);
        assert_eq!(args.connections, 64);
    }
}
