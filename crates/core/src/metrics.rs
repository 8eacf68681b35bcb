//! Prometheus text metrics, kept in-process (each node exposes its own;
//! Prometheus aggregates). Nothing here affects correctness.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// SQL statements executed by this process, counted from sqlx's own
/// statement log events when `PASSERELLES_COUNT_SQL=1` (benchmarks and the
/// statements-per-page tests); zero otherwise.
pub static SQL_STATEMENTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Statements slower than `Db::SLOW_STATEMENT` (sqlx logs them at WARN),
/// counted whatever `PASSERELLES_COUNT_SQL` says.
pub static SQL_SLOW_STATEMENTS: AtomicU64 = AtomicU64::new(0);

/// A tracing layer that counts sqlx statement events (target `sqlx::query`).
pub struct SqlCounter;

/// A tracing layer that counts the slow-statement events: sqlx's statement
/// events at WARN (target `sqlx::query`). Install it with a filter that lets
/// only those through.
pub struct SlowSqlCounter;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for SlowSqlCounter {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if event.metadata().target() == "sqlx::query"
            && *event.metadata().level() <= tracing::Level::WARN
        {
            SQL_SLOW_STATEMENTS.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for SqlCounter {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if event.metadata().target() == "sqlx::query" {
            SQL_STATEMENTS.fetch_add(1, Ordering::Relaxed);
        }
    }
}

const BUCKETS_MS: [f64; 10] = [
    1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 1000.0, 5000.0,
];

#[derive(Clone, Default)]
pub struct Metrics(Arc<Counters>);

#[derive(Default)]
struct Counters {
    by_class: [AtomicU64; 6], // 1xx..5xx, index by status/100
    buckets: [AtomicU64; 10],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Metrics {
    pub fn record(&self, _method: &str, status: u16, elapsed: Duration) {
        let c = &self.0;
        let class = usize::from(status / 100).min(5);
        c.by_class[class].fetch_add(1, Ordering::Relaxed);
        c.count.fetch_add(1, Ordering::Relaxed);
        c.sum_micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
        let ms = elapsed.as_secs_f64() * 1000.0;
        for (i, b) in BUCKETS_MS.iter().enumerate() {
            if ms <= *b {
                c.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Render in the Prometheus text exposition format.
    pub fn render(&self, extra: &[(&str, &str, i64)]) -> String {
        let c = &self.0;
        let mut out = String::new();
        out.push_str("# HELP passerelles_http_requests_total HTTP requests by status class.\n");
        out.push_str("# TYPE passerelles_http_requests_total counter\n");
        for class in 1..=5 {
            out.push_str(&format!(
                "passerelles_http_requests_total{{class=\"{class}xx\"}} {}\n",
                c.by_class[class].load(Ordering::Relaxed)
            ));
        }
        out.push_str("# HELP passerelles_http_request_duration_seconds Request latency.\n");
        out.push_str("# TYPE passerelles_http_request_duration_seconds histogram\n");
        for (i, b) in BUCKETS_MS.iter().enumerate() {
            out.push_str(&format!(
                "passerelles_http_request_duration_seconds_bucket{{le=\"{}\"}} {}\n",
                b / 1000.0,
                c.buckets[i].load(Ordering::Relaxed)
            ));
        }
        let count = c.count.load(Ordering::Relaxed);
        out.push_str(&format!(
            "passerelles_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}\n"
        ));
        out.push_str(&format!(
            "passerelles_http_request_duration_seconds_sum {}\n",
            c.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        ));
        out.push_str(&format!(
            "passerelles_http_request_duration_seconds_count {count}\n"
        ));
        out.push_str("# HELP passerelles_sql_statements_total SQL statements run (only counted with PASSERELLES_COUNT_SQL=1).\n");
        out.push_str("# TYPE passerelles_sql_statements_total counter\n");
        out.push_str(&format!(
            "passerelles_sql_statements_total {}\n",
            SQL_STATEMENTS.load(Ordering::Relaxed)
        ));
        out.push_str(&format!(
            "# HELP passerelles_sql_slow_statements_total SQL statements slower than {} ms (each is also logged at WARN).\n\
             # TYPE passerelles_sql_slow_statements_total counter\n\
             passerelles_sql_slow_statements_total {}\n",
            crate::db::Db::SLOW_STATEMENT.as_millis(),
            SQL_SLOW_STATEMENTS.load(Ordering::Relaxed)
        ));
        for (name, help, value) in extra {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n"
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts() {
        let m = Metrics::default();
        m.record("GET", 200, Duration::from_millis(3));
        m.record("GET", 404, Duration::from_millis(30));
        let text = m.render(&[("passerelles_users", "Local accounts.", 7)]);
        assert!(text.contains("passerelles_http_requests_total{class=\"2xx\"} 1"));
        assert!(text.contains("passerelles_http_requests_total{class=\"4xx\"} 1"));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"+Inf\"} 2"));
        assert!(text.contains("passerelles_users 7"));
    }

    /// A statement over `Db::SLOW_STATEMENT` on a real database reaches the
    /// slow-statement counter (and so /metrics); fast ones do not. Its own
    /// process under nextest, so the global subscriber is this test's.
    #[tokio::test]
    async fn slow_statements_are_counted() {
        use sqlx::Executor;
        use tracing_subscriber::prelude::*;
        let layer = SlowSqlCounter.with_filter(
            tracing_subscriber::filter::Targets::new()
                .with_target("sqlx::query", tracing::Level::WARN),
        );
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
            .expect("first subscriber");
        let dir = std::env::temp_dir().join(format!("pslow-{}", std::process::id()));
        let url = format!("sqlite://{}/slow.db?mode=rwc", dir.display());
        let db = crate::db::Db::connect(&url, 2).await.expect("connect");
        let before = SQL_SLOW_STATEMENTS.load(Ordering::Relaxed);
        db.pool.execute("SELECT 1").await.expect("fast");
        assert_eq!(
            SQL_SLOW_STATEMENTS.load(Ordering::Relaxed),
            before,
            "a fast statement is not slow"
        );
        let started = std::time::Instant::now();
        db.pool
            .execute(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000000) \
                 SELECT COUNT(*) FROM c",
            )
            .await
            .expect("slow");
        assert!(
            started.elapsed() >= crate::db::Db::SLOW_STATEMENT,
            "the statement really was slow"
        );
        assert_eq!(SQL_SLOW_STATEMENTS.load(Ordering::Relaxed), before + 1);
        assert!(Metrics::default().render(&[]).contains(&format!(
            "passerelles_sql_slow_statements_total {}",
            before + 1
        )));
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// User and system CPU seconds of this process so far (Linux
/// `/proc/self/stat`; 0 elsewhere). For the measuring commands and
/// benchmarks.
pub fn process_cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks: f64 = fields.get(11).and_then(|u| u.parse().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|s| s.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

/// A memory figure of this process in MiB from `/proc/self/status`
/// (`"VmRSS:"`, `"VmHWM:"`); 0 where unknown.
pub fn process_mib(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

/// Reset this process's peak resident memory (`VmHWM`) to the current one
/// (Linux: `echo 5 > /proc/self/clear_refs`); false where it cannot.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}
