//! Storage: one portable SQL layer over SQLite (embedded default) and
//! PostgreSQL (scale), through sqlx's `Any` driver.
//!
//! Rules that keep one set of queries valid on both engines (see ARCHITECTURE.md):
//! - placeholders are `$1, $2…` (SQLite accepts them too);
//! - every integer column is BIGINT and flags are BIGINT 0/1 (the `Any` driver
//!   decodes integers portably, booleans not);
//! - times are Unix seconds (`i64`), computed in Rust, never `now()` in SQL;
//! - migrations are plain SQL with two tokens, `{{PK}}` and `{{BLOB}}`, expanded
//!   per engine, and rare engine-only blocks (`--@sqlite` / `--@postgres` …
//!   `--@end`, used for full-text search structures).

use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

/// Migrations, in order. Never edit one that has shipped: add a new one.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../../../migrations/0001_foundation.sql"),
    ),
    (
        2,
        "communities",
        include_str!("../../../migrations/0002_communities.sql"),
    ),
    (
        3,
        "search",
        include_str!("../../../migrations/0003_search.sql"),
    ),
    (4, "oidc", include_str!("../../../migrations/0004_oidc.sql")),
    (
        5,
        "second_factor",
        include_str!("../../../migrations/0005_second_factor.sql"),
    ),
    (
        6,
        "oidc_tools",
        include_str!("../../../migrations/0006_oidc_tools.sql"),
    ),
    (
        7,
        "passkeys",
        include_str!("../../../migrations/0007_passkeys.sql"),
    ),
    (
        8,
        "listing_indexes",
        include_str!("../../../migrations/0008_listing_indexes.sql"),
    ),
    (
        9,
        "search_filters",
        include_str!("../../../migrations/0009_search_filters.sql"),
    ),
    (
        10,
        "territories",
        include_str!("../../../migrations/0010_territories.sql"),
    ),
    (
        11,
        "privacy",
        include_str!("../../../migrations/0011_privacy.sql"),
    ),
    (
        12,
        "oidc_hardening",
        include_str!("../../../migrations/0012_oidc_hardening.sql"),
    ),
    (
        13,
        "first_hour",
        include_str!("../../../migrations/0013_first_hour.sql"),
    ),
    (
        14,
        "territories_more",
        include_str!("../../../migrations/0014_territories_more.sql"),
    ),
    (
        15,
        "organisations",
        include_str!("../../../migrations/0015_organisations.sql"),
    ),
    (
        16,
        "limits",
        include_str!("../../../migrations/0016_limits.sql"),
    ),
    (
        17,
        "events",
        include_str!("../../../migrations/0017_events.sql"),
    ),
    (
        18,
        "notification_prefs",
        include_str!("../../../migrations/0018_notification_prefs.sql"),
    ),
    (
        19,
        "newsletter",
        include_str!("../../../migrations/0019_newsletter.sql"),
    ),
    (
        20,
        "federation",
        include_str!("../../../migrations/0020_federation.sql"),
    ),
    (
        21,
        "library",
        include_str!("../../../migrations/0021_library.sql"),
    ),
    (
        22,
        "data_rights",
        include_str!("../../../migrations/0022_data_rights.sql"),
    ),
    (
        23,
        "search_vocab",
        include_str!("../../../migrations/0023_search_vocab.sql"),
    ),
    (
        24,
        "drafts",
        include_str!("../../../migrations/0024_drafts.sql"),
    ),
    (
        25,
        "event_import",
        include_str!("../../../migrations/0025_event_import.sql"),
    ),
    (
        26,
        "mail_in_push",
        include_str!("../../../migrations/0026_mail_in_push.sql"),
    ),
    (
        27,
        "news_feeds",
        include_str!("../../../migrations/0027_news_feeds.sql"),
    ),
    (
        28,
        "federation_content",
        include_str!("../../../migrations/0028_federation_content.sql"),
    ),
    (
        29,
        "wiki_files",
        include_str!("../../../migrations/0029_wiki_files.sql"),
    ),
    (
        30,
        "deletion_health",
        include_str!("../../../migrations/0030_deletion_health.sql"),
    ),
    (
        31,
        "rate_limit_sliding",
        include_str!("../../../migrations/0031_rate_limit_sliding.sql"),
    ),
    (
        34,
        "notification_events",
        include_str!("../../../migrations/0034_notification_events.sql"),
    ),
    (
        36,
        "newsletter_send_state",
        include_str!("../../../migrations/0036_newsletter_send_state.sql"),
    ),
    (
        37,
        "newsletter_import_proposals",
        include_str!("../../../migrations/0037_newsletter_import_proposals.sql"),
    ),
    (
        38,
        "signature_scheme",
        include_str!("../../../migrations/0038_signature_scheme.sql"),
    ),
    (
        40,
        "library_search",
        include_str!("../../../migrations/0040_library_search.sql"),
    ),
    (
        41,
        "link_checks",
        include_str!("../../../migrations/0041_link_checks.sql"),
    ),
    (
        45,
        "content_version",
        include_str!("../../../migrations/0045_content_version.sql"),
    ),
    (
        46,
        "content_version_members",
        include_str!("../../../migrations/0046_content_version_members.sql"),
    ),
    (
        48,
        "event_details",
        include_str!("../../../migrations/0048_event_details.sql"),
    ),
    (
        51,
        "newsletter_item_kinds",
        include_str!("../../../migrations/0051_newsletter_item_kinds.sql"),
    ),
    (
        52,
        "newsletter_schedule",
        include_str!("../../../migrations/0052_newsletter_schedule.sql"),
    ),
    (
        53,
        "newsletter_clicks",
        include_str!("../../../migrations/0053_newsletter_clicks.sql"),
    ),
    (
        57,
        "term_tags",
        include_str!("../../../migrations/0057_term_tags.sql"),
    ),
    (
        58,
        "publication_links",
        include_str!("../../../migrations/0058_publication_links.sql"),
    ),
    (
        60,
        "portability",
        include_str!("../../../migrations/0060_portability.sql"),
    ),
    (
        61,
        "event_image",
        include_str!("../../../migrations/0061_event_image.sql"),
    ),
    (
        63,
        "newsletter_owners",
        include_str!("../../../migrations/0063_newsletter_owners.sql"),
    ),
    (
        64,
        "news_place_feeds",
        include_str!("../../../migrations/0064_news_place_feeds.sql"),
    ),
    (
        66,
        "community_blocks",
        include_str!("../../../migrations/0066_community_blocks.sql"),
    ),
    (
        67,
        "gone_actors",
        include_str!("../../../migrations/0067_gone_actors.sql"),
    ),
    (
        69,
        "import_aliases",
        include_str!("../../../migrations/0069_import_aliases.sql"),
    ),
    (
        70,
        "import_runs",
        include_str!("../../../migrations/0070_import_runs.sql"),
    ),
    (
        72,
        "content_version_event_tags",
        include_str!("../../../migrations/0072_content_version_event_tags.sql"),
    ),
    (
        75,
        "rsvp_join_ids",
        include_str!("../../../migrations/0075_rsvp_join_ids.sql"),
    ),
    (
        79,
        "search_recent",
        include_str!("../../../migrations/0079_search_recent.sql"),
    ),
    (
        80,
        "remote_events",
        include_str!("../../../migrations/0080_remote_events.sql"),
    ),
    (
        81,
        "remote_event_media",
        include_str!("../../../migrations/0081_remote_event_media.sql"),
    ),
    (
        85,
        "search_gin_pending",
        include_str!("../../../migrations/0085_search_gin_pending.sql"),
    ),
];

/// An optional double for a statement, as text: bind it to
/// `CAST($n AS DOUBLE PRECISION)`. sqlx 0.9's Any driver sends a `None`
/// `f64` to PostgreSQL as a `float4` NULL (its `Real`/`Double` null kinds
/// are swapped), so the statement prepared on that connection expects
/// `float4` and a later `Some(f64)` on it fails with "incorrect binary data
/// format". Text has one type whether present or not; the cast is exact
/// (Rust prints the shortest string that reads back to the same double).
pub fn f64_param(v: Option<f64>) -> Option<String> {
    v.filter(|x| x.is_finite()).map(|x| x.to_string())
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A PostgreSQL URL naming this machine (`localhost`, `127.0.0.1`, `::1`)
/// or a Unix socket, without an `sslmode` of its own, gets
/// `sslmode=disable`. sqlx's default (`prefer`) encrypts every statement and
/// row over the loopback, which cost 7 % of PostgreSQL's CPU and 4 % of the
/// app's on a community page (BENCHMARKS.md, "Where a community page's CPU
/// goes on PostgreSQL") and protects nothing that does not leave the
/// machine. A remote host keeps the driver's default, and an explicit
/// `sslmode` is always kept.
pub fn local_without_tls(url: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    let Some(rest) = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
    else {
        return Cow::Borrowed(url);
    };
    let (authority, query) = match rest.find('?') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let params: Vec<(&str, &str)> = query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect();
    if params
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("sslmode"))
    {
        return Cow::Borrowed(url);
    }
    // user:password@host:port/dbname → host (a bracketed IPv6 address, or
    // the part before the port).
    let hostport = authority.split('/').next().unwrap_or("");
    let hostport = hostport.rsplit_once('@').map_or(hostport, |(_, h)| h);
    let host = if let Some(v6) = hostport.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        hostport.split(':').next().unwrap_or("")
    };
    // A `host=` parameter overrides the authority's (a socket directory
    // starts with '/').
    let host = params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("host"))
        .map_or(host, |(_, v)| *v);
    let local = host.is_empty()
        || host.starts_with('/')
        || host.starts_with("%2F")
        || host.starts_with("%2f")
        || host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !local {
        return Cow::Borrowed(url);
    }
    let sep = if query.is_some() { "&" } else { "?" };
    Cow::Owned(format!("{url}{sep}sslmode=disable"))
}

impl Db {
    /// A statement slower than this is logged and counted (see `connect`).
    pub const SLOW_STATEMENT: std::time::Duration = std::time::Duration::from_millis(50);

    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            anyhow::bail!("unsupported database URL (use sqlite://… or postgres://…)");
        };
        if backend == Backend::Sqlite {
            // Before the first connection opens: the search's ranking
            // function (`search::rank`).
            crate::search::rank::register();
        }
        if backend == Backend::Sqlite
            && let Some(path) = sqlite_path(url)
            && let Some(parent) = std::path::Path::new(&path).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create the data folder {}", parent.display()))?;
        }
        // The slow-statement log: a statement over 50 ms is logged at WARN
        // (target `sqlx::query`) and counted in
        // `passerelles_sql_slow_statements_total` (metrics.rs), so a
        // benchmark run ends by reading that it stayed at zero (issue 21).
        let url = &*local_without_tls(url);
        let opts: AnyConnectOptions = url
            .parse::<AnyConnectOptions>()
            .context("invalid database URL")?
            .log_slow_statements(log::LevelFilter::Warn, Self::SLOW_STATEMENT);
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite {
                max_connections.max(2)
            } else {
                max_connections
            })
            .min_connections(0)
            // No ping before every acquisition: it was a round trip to the
            // connection's thread (SQLite) or to the server (PostgreSQL) per
            // statement; a connection found broken by its query is closed
            // and the request answered 503 (tests/it/operations.rs).
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(5))
            .idle_timeout(Duration::from_secs(300))
            // A SQLite connection opened while its file could not be
            // written (read-only or immutable file, full disk) stays
            // read-only for good: SQLite fell back to opening the file
            // read-only. While the database refuses writes, and for a moment
            // after, released connections are closed rather than kept, so
            // the pool opens writable ones once the file is writable again
            // (tests/it/faults.rs: the server recovers by itself).
            .after_release(move |_conn, _meta| {
                Box::pin(async move { Ok(backend != Backend::Sqlite || !recent_outage()) })
            })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; \
                             PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000; \
                             PRAGMA analysis_limit=1000;",
                        )
                        .await?;
                    } else {
                        // No JIT compilation: our statements are short
                        // index-driven reads and writes, and the JIT added
                        // 60–160 ms to searches whose estimated cost crossed
                        // `jit_above_cost` (a member's zero-hit search went
                        // from 165 ms to 2.3 ms without it; issue 21,
                        // BENCHMARKS.md). Per session, so no server setting
                        // or role change is needed.
                        conn.execute("SET jit = off").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(opts)
            .await
            .with_context(|| {
                format!(
                    "cannot connect to the database at {}",
                    crate::config::redact_url(url)
                )
            })?;
        Ok(Db { pool, backend })
    }

    /// Start a write transaction. On SQLite it takes the write lock at
    /// BEGIN (`BEGIN IMMEDIATE`): a deferred transaction that reads and then
    /// writes fails at once with SQLITE_BUSY_SNAPSHOT (517) when another
    /// connection committed in between, which `busy_timeout` cannot wait
    /// out; an immediate one waits its turn instead. Read-only work uses the
    /// pool directly.
    ///
    /// A connection whose COMMIT failed (read-only file, full disk) can be
    /// left counting itself inside a transaction — SQLite rolled it back on
    /// its own, so the ROLLBACK queued when the transaction dropped fails
    /// too — and every later BEGIN on it would be refused: such a
    /// connection is closed and another taken.
    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        use sqlx::{Connection, SqlSafeStr};
        let mut conn = self.pool.acquire().await?;
        for _ in 0..self.pool.options().get_max_connections() {
            if !conn.is_in_transaction() {
                break;
            }
            conn.close_on_drop();
            drop(conn);
            conn = self.pool.acquire().await?;
        }
        let statement = match self.backend {
            Backend::Sqlite => Some("BEGIN IMMEDIATE".into_sql_str()),
            Backend::Postgres => None,
        };
        sqlx::Transaction::begin(conn, statement).await
    }

    /// Apply pending migrations. On PostgreSQL an advisory lock makes several
    /// nodes starting together take turns.
    pub async fn migrate(&self) -> anyhow::Result<usize> {
        let mut conn = self.pool.acquire().await?;
        if self.backend == Backend::Postgres {
            conn.execute("SELECT pg_advisory_lock(7273747576)").await?;
        }
        let result = async {
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations \
                 (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
            )
            .await?;
            let mut applied = 0;
            for (version, name, sql) in MIGRATIONS {
                let done: Option<i64> =
                    sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                        .bind(*version)
                        .fetch_optional(&mut *conn)
                        .await?;
                if done.is_some() {
                    continue;
                }
                let sql = self.expand(sql);
                conn.execute(match self.backend {
                    Backend::Sqlite => "BEGIN IMMEDIATE",
                    Backend::Postgres => "BEGIN",
                })
                .await?;
                let step = async {
                    conn.execute(sqlx::AssertSqlSafe(sql.as_str())).await?;
                    sqlx::query(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    )
                    .bind(*version)
                    .bind(*name)
                    .bind(now())
                    .execute(&mut *conn)
                    .await?;
                    anyhow::Ok(())
                }
                .await;
                match step {
                    Ok(()) => {
                        conn.execute("COMMIT").await?;
                        applied += 1;
                        tracing::info!(version, name, "migration applied");
                    }
                    Err(e) => {
                        let _ = conn.execute("ROLLBACK").await;
                        return Err(e.context(format!("migration {version} ({name}) failed")));
                    }
                }
            }
            anyhow::Ok(applied)
        }
        .await;
        if self.backend == Backend::Postgres {
            let _ = conn.execute("SELECT pg_advisory_unlock(7273747576)").await;
        }
        result
    }

    fn expand(&self, sql: &str) -> String {
        let (pk, blob) = match self.backend {
            Backend::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB"),
            Backend::Postgres => (
                "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                "BYTEA",
            ),
        };
        let sql = sql.replace("{{PK}}", pk).replace("{{BLOB}}", blob);
        // Engine-specific blocks: `--@sqlite` / `--@postgres` … `--@end`.
        let mut out = String::with_capacity(sql.len());
        let mut keep = true;
        for line in sql.lines() {
            match line.trim() {
                "--@sqlite" => keep = self.backend == Backend::Sqlite,
                "--@postgres" => keep = self.backend == Backend::Postgres,
                "--@end" => keep = true,
                _ if keep => {
                    out.push_str(line);
                    out.push('\n');
                }
                _ => {}
            }
        }
        out
    }

    /// A cheap round trip, for `/healthz`.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query_scalar::<_, i64>("SELECT 1")
            .fetch_one(&self.pool)
            .await
            .map(|_| ())
    }
}

fn sqlite_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| path.to_string())
}

/// Is this error the database being unreachable (→ 503), rather than a bug?
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    let unavailable = matches!(
        e,
        sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed
            // The link broke mid-conversation (e.g. a proxy with no backend).
            | sqlx::Error::Protocol(_)
    ) || matches!(e, sqlx::Error::Database(d) if d.code().is_some_and(|c| unavailable_code(&c)));
    if unavailable {
        LAST_OUTAGE_MS.store(now_ms(), std::sync::atomic::Ordering::Relaxed);
    }
    unavailable
}

/// When this process last saw the database refuse (ms since the epoch).
static LAST_OUTAGE_MS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Did the database refuse within the last two seconds?
fn recent_outage() -> bool {
    now_ms() - LAST_OUTAGE_MS.load(std::sync::atomic::Ordering::Relaxed) < 2000
}

/// Database error codes that mean "cannot write (or answer) right now",
/// not "this request is wrong": PostgreSQL SQLSTATEs (five characters) and
/// SQLite result codes, extended ones included (their low byte is the
/// primary code).
fn unavailable_code(code: &str) -> bool {
    if code.len() == 5 {
        // admin/crash shutdown, cannot connect now, too many connections,
        // read-only (hot standby or default_transaction_read_only), disk full.
        return matches!(
            code,
            "57P01" | "57P02" | "57P03" | "53300" | "25006" | "53100"
        );
    }
    // SQLite: BUSY, LOCKED, READONLY, IOERR (e.g. EPERM/EIO on write), FULL, CANTOPEN.
    code.parse::<i64>()
        .is_ok_and(|c| matches!(c & 0xff, 5 | 6 | 8 | 10 | 13 | 14))
}

/// Is this error a unique-constraint violation (→ 409 or a form error)?
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailable_codes() {
        // SQLite: read-only (plain and extended), I/O error on write, disk full.
        for c in ["8", "264", "1032", "10", "778", "13", "5", "517"] {
            assert!(unavailable_code(c), "{c}");
        }
        // PostgreSQL: read-only transaction, disk full, shutdown.
        for c in ["25006", "53100", "57P01"] {
            assert!(unavailable_code(c), "{c}");
        }
        // Constraint violations and syntax errors are bugs or bad input, not outages.
        for c in ["2067", "19", "1", "23505", "42601", "23503"] {
            assert!(!unavailable_code(c), "{c}");
        }
    }

    #[test]
    fn sqlite_paths() {
        assert_eq!(
            sqlite_path("sqlite://data/p.db?mode=rwc").as_deref(),
            Some("data/p.db")
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }

    #[test]
    fn no_tls_on_this_machine_only() {
        for (url, want) in [
            (
                "postgres://postgres@127.0.0.1:5432/p",
                "postgres://postgres@127.0.0.1:5432/p?sslmode=disable",
            ),
            (
                "postgresql://u:pw@localhost/p?application_name=x",
                "postgresql://u:pw@localhost/p?application_name=x&sslmode=disable",
            ),
            (
                "postgres://[::1]:5433/p",
                "postgres://[::1]:5433/p?sslmode=disable",
            ),
            (
                "postgres:///p?host=/var/run/postgresql",
                "postgres:///p?host=/var/run/postgresql&sslmode=disable",
            ),
            // Kept: an explicit mode, a remote host, a socket override of a
            // remote-looking authority is still local; SQLite untouched.
            (
                "postgres://u@127.0.0.1/p?sslmode=require",
                "postgres://u@127.0.0.1/p?sslmode=require",
            ),
            (
                "postgres://u@db.example.org/p",
                "postgres://u@db.example.org/p",
            ),
            (
                "postgres://u@10.0.0.5:5432/p",
                "postgres://u@10.0.0.5:5432/p",
            ),
            (
                "postgres://u@db.example.org/p?host=10.1.1.1",
                "postgres://u@db.example.org/p?host=10.1.1.1",
            ),
            ("sqlite://data/p.db?mode=rwc", "sqlite://data/p.db?mode=rwc"),
        ] {
            assert_eq!(local_without_tls(url), want, "{url}");
        }
    }
}
