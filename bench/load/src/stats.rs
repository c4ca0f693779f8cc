//! Latency percentiles from every recorded sample (sorted, nearest rank), and the process and
//! machine CPU counters read from `/proc`.

use std::fs;
use std::time::Duration;

/// Linux reports `/proc` CPU times in ticks of 1/100 s (`USER_HZ`) on every common architecture.
const TICKS_PER_SECOND: f64 = 100.0;

/// The figures of one measured window.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    /// Successful (2xx) answers completed in the window.
    pub count: usize,
    /// `count` per second of window.
    pub per_second: f64,
    /// Median latency, microseconds.
    pub p50_us: u32,
    /// 90th percentile, microseconds.
    pub p90_us: u32,
    /// 99th percentile, microseconds.
    pub p99_us: u32,
    /// 99.9th percentile, microseconds.
    pub p999_us: u32,
    /// Slowest answer, microseconds.
    pub max_us: u32,
}

/// Summarises the latencies (microseconds) of the answers completed during `window`.
pub fn summarize(mut samples: Vec<u32>, window: Duration) -> Summary {
    samples.sort_unstable();
    let seconds = window.as_secs_f64().max(f64::MIN_POSITIVE);
    Summary {
        count: samples.len(),
        per_second: samples.len() as f64 / seconds,
        p50_us: percentile(&samples, 0.50),
        p90_us: percentile(&samples, 0.90),
        p99_us: percentile(&samples, 0.99),
        p999_us: percentile(&samples, 0.999),
        max_us: samples.last().copied().unwrap_or(0),
    }
}

/// The nearest-rank percentile `q` (0 < q ≤ 1) of sorted samples; 0 when there are none.
pub fn percentile(sorted: &[u32], q: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// CPU seconds (user + system) used so far by process `pid` ("self" for this one).
pub fn process_cpu_seconds(pid: &str) -> Option<f64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; the fields that follow it are plain numbers. After
    // `)` come field 3 (state) onwards, so utime (14) and stime (15) are the 12th and 13th.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some((user + system) as f64 / TICKS_PER_SECOND)
}

/// A `Vm…:` line of `/proc/<pid>/status`, in kibibytes (for instance `VmHWM`, the peak
/// resident set size).
pub fn process_memory_kib(pid: &str, field: &str) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// CPU seconds all CPUs together have spent busy (not idle, not waiting for I/O), from the
/// first line of `/proc/stat`.
pub fn machine_busy_seconds() -> Option<f64> {
    let stat = fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let values: Vec<u64> = line
        .split_whitespace()
        .map(|value| value.parse().unwrap_or(0))
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let total: u64 = values.iter().take(8).sum();
    let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
    Some(total.saturating_sub(idle) as f64 / TICKS_PER_SECOND)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&samples, 0.50), 50);
        assert_eq!(percentile(&samples, 0.99), 99);
        assert_eq!(percentile(&samples, 0.999), 100);
        assert_eq!(percentile(&[7], 0.5), 7);
        assert_eq!(percentile(&[], 0.5), 0);
    }

    #[test]
    fn a_summary_counts_per_second() {
        let summary = summarize(vec![300, 100, 200, 400], Duration::from_secs(2));
        assert_eq!(summary.count, 4);
        assert!((summary.per_second - 2.0).abs() < 1e-9);
        assert_eq!(summary.p50_us, 200);
        assert_eq!(summary.max_us, 400);
    }

    #[test]
    fn this_process_is_readable() {
        assert!(process_cpu_seconds("self").is_some());
        assert!(process_memory_kib("self", "VmHWM").unwrap() > 0);
        assert!(machine_busy_seconds().unwrap() > 0.0);
    }
}
