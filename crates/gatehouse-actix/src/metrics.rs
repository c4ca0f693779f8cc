//! A small Prometheus registry: requests by route pattern, method and status, authentication
//! failures by scheme and reason, a latency histogram, and the connection pool's usage when the
//! store reports it. `GET /metrics` renders it in the Prometheus text format (version 0.0.4).
//!
//! Label values come from closed sets (route patterns of the route table, known methods,
//! fixed reason names), so a client cannot grow the registry without bound.

use std::collections::BTreeMap;
use std::fmt::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const LATENCY_BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// How full the store's connection pool is, for stores that can say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUsage {
    /// Connections open, idle or in use.
    pub connections: u32,
    /// Connections open and not in use.
    pub idle: u32,
    /// The most connections the pool opens.
    pub max_size: u32,
}

/// Reads the pool's usage when `/metrics` is scraped.
pub type PoolProbe = Arc<dyn Fn() -> PoolUsage + Send + Sync>;

/// The registry. Shared by every worker; recording takes one short lock or an atomic add.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<RequestKey, u64>>,
    auth_failures: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    latency: Histogram,
    pool: Option<PoolProbe>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RequestKey {
    route: String,
    method: &'static str,
    status: u16,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty registry that also reports the pool usage `probe` reads.
    pub fn with_pool_probe(probe: PoolProbe) -> Self {
        Self {
            pool: Some(probe),
            ..Self::default()
        }
    }

    /// Counts one answered request. `route` is the matched route pattern (or `unmatched`);
    /// methods outside the standard ones are counted as `OTHER`.
    pub fn record_request(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let key = RequestKey {
            route: route.to_owned(),
            method: known_method(method),
            status,
        };
        *lock(&self.requests).entry(key).or_insert(0) += 1;
        self.latency.observe(elapsed);
    }

    /// Counts one failed authentication. `scheme` is `oauth`, `bearer` or `password`; `reason`
    /// is a fixed name such as `invalid_signature`.
    pub fn record_auth_failure(&self, scheme: &'static str, reason: &'static str) {
        *lock(&self.auth_failures)
            .entry((scheme, reason))
            .or_insert(0) += 1;
    }

    /// The registry in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) -> fmt::Result {
        writeln!(
            out,
            "# HELP gatehouse_http_requests_total HTTP requests answered, by route pattern, \
             method and status."
        )?;
        writeln!(out, "# TYPE gatehouse_http_requests_total counter")?;
        for (key, count) in lock(&self.requests).iter() {
            writeln!(
                out,
                "gatehouse_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {count}",
                escape(&key.route),
                key.method,
                key.status
            )?;
        }

        writeln!(
            out,
            "# HELP gatehouse_auth_failures_total Failed authentications, by scheme and reason."
        )?;
        writeln!(out, "# TYPE gatehouse_auth_failures_total counter")?;
        for ((scheme, reason), count) in lock(&self.auth_failures).iter() {
            writeln!(
                out,
                "gatehouse_auth_failures_total{{scheme=\"{scheme}\",reason=\"{reason}\"}} {count}"
            )?;
        }

        self.latency
            .write(out, "gatehouse_http_request_duration_seconds")?;

        if let Some(probe) = &self.pool {
            let usage = probe();
            let gauges = [
                (
                    "connections",
                    "Connections open in the database pool.",
                    usage.connections,
                ),
                ("idle", "Idle connections in the database pool.", usage.idle),
                (
                    "max_size",
                    "Most connections the database pool opens.",
                    usage.max_size,
                ),
            ];
            for (name, help, value) in gauges {
                writeln!(out, "# HELP gatehouse_db_pool_{name} {help}")?;
                writeln!(out, "# TYPE gatehouse_db_pool_{name} gauge")?;
                writeln!(out, "gatehouse_db_pool_{name} {value}")?;
            }
        }
        Ok(())
    }
}

/// A fixed-bucket histogram of durations.
#[derive(Debug, Default)]
struct Histogram {
    /// Per bucket (not cumulative); the last one is `+Inf`.
    buckets: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    sum_micros: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let index = LATENCY_BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(LATENCY_BUCKETS.len());
        self.buckets[index].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn write(&self, out: &mut String, name: &str) -> fmt::Result {
        writeln!(
            out,
            "# HELP {name} Time from request to response, in seconds."
        )?;
        writeln!(out, "# TYPE {name} histogram")?;
        let mut cumulative = 0;
        for (index, bucket) in self.buckets.iter().enumerate() {
            cumulative += bucket.load(Ordering::Relaxed);
            match LATENCY_BUCKETS.get(index) {
                Some(bound) => writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}")?,
                None => writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}")?,
            }
        }
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1_000_000.0;
        writeln!(out, "{name}_sum {sum}")?;
        writeln!(out, "{name}_count {}", self.count.load(Ordering::Relaxed))
    }
}

/// The method as a label: the standard ones by name, anything else `OTHER`.
fn known_method(method: &str) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE",
    ];
    KNOWN
        .iter()
        .find(|known| **known == method)
        .copied()
        .unwrap_or("OTHER")
}

/// Escapes a label value: backslash, double quote and newline.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Locks a counter map; a panic while holding it leaves counts that are still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histogram() {
        let metrics = Metrics::new();
        metrics.record_request("/health", "GET", 200, Duration::from_millis(3));
        metrics.record_request("/health", "GET", 200, Duration::from_secs(5));
        metrics.record_request("/rest/V1/integrations", "BREW", 405, Duration::ZERO);
        metrics.record_auth_failure("oauth", "invalid_signature");

        let text = metrics.render();
        assert!(
            text.contains(
                "gatehouse_http_requests_total{route=\"/health\",method=\"GET\",status=\"200\"} 2"
            ),
            "{text}"
        );
        assert!(
            text.contains("method=\"OTHER\",status=\"405\"} 1"),
            "{text}"
        );
        assert!(text.contains(
            "gatehouse_auth_failures_total{scheme=\"oauth\",reason=\"invalid_signature\"} 1"
        ));
        assert!(text.contains("gatehouse_http_request_duration_seconds_bucket{le=\"0.005\"} 2"));
        assert!(text.contains("gatehouse_http_request_duration_seconds_bucket{le=\"2.5\"} 2"));
        assert!(text.contains("gatehouse_http_request_duration_seconds_bucket{le=\"+Inf\"} 3"));
        assert!(text.contains("gatehouse_http_request_duration_seconds_count 3"));
        assert!(!text.contains("gatehouse_db_pool"));
    }

    #[test]
    fn reports_the_pool_when_probed() {
        let metrics = Metrics::with_pool_probe(Arc::new(|| PoolUsage {
            connections: 3,
            idle: 1,
            max_size: 8,
        }));
        let text = metrics.render();
        assert!(text.contains("gatehouse_db_pool_connections 3"));
        assert!(text.contains("gatehouse_db_pool_idle 1"));
        assert!(text.contains("gatehouse_db_pool_max_size 8"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
