//! The instances we know (`ap_instances`, by host with its port): the
//! administrator's allow and block lists, and how delivery to each goes —
//! the dead-instance circuit breaker.
//!
//! - Blocked: nothing is delivered to it, its inbox POSTs are refused
//!   (403) before anything is fetched, its actors are not fetched, our
//!   members cannot follow its groups. Blocking also drops its followers.
//! - Allow-list mode: as soon as one instance is `allowed`, only allowed
//!   instances federate (the others are treated as blocked).
//! - Circuit breaker: consecutive failed deliveries are counted; once an
//!   instance has failed for [`DEAD_AFTER`] without one success, new
//!   deliveries to it fail at once (no network) until it is heard from
//!   again (an inbox POST from it, or a delivery that goes through).

use crate::db::{Db, now};

/// How long an instance may fail every delivery before it is treated as
/// dead (Lemmy: three days without contact).
pub const DEAD_AFTER: i64 = 2 * 86_400;

/// One instance as the admin page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub host: String,
    pub state: String,
    pub reason: String,
    pub failures: i64,
    pub failing_since: Option<i64>,
    pub last_error: String,
    pub last_success_at: Option<i64>,
    pub last_seen_at: Option<i64>,
    /// Deliveries waiting in the queue for it.
    pub queued: i64,
    /// Deliveries that failed for good (kept 30 days).
    pub failed: i64,
    /// Remote followers of our communities on it.
    pub followers: i64,
}

impl Instance {
    /// `dead` while the circuit breaker is open.
    pub fn dead(&self, at: i64) -> bool {
        self.failing_since.is_some_and(|s| at - s >= DEAD_AFTER)
    }
}

/// The host of a URL (with its port when it has one), lower-case.
pub fn host(url: &str) -> String {
    super::host_of(url).to_ascii_lowercase()
}

/// May we talk to `host` at all (not blocked; allowed when in allow-list mode)?
pub async fn permitted(db: &Db, host: &str) -> Result<bool, sqlx::Error> {
    let host = host.to_ascii_lowercase();
    let (blocked, allowed, any_allowed): (i64, i64, i64) = sqlx::query_as(
        "SELECT \
           (SELECT COUNT(*) FROM ap_instances WHERE host = $1 AND state = 'blocked'), \
           (SELECT COUNT(*) FROM ap_instances WHERE host = $1 AND state = 'allowed'), \
           (SELECT COUNT(*) FROM ap_instances WHERE state = 'allowed')",
    )
    .bind(&host)
    .fetch_one(&db.pool)
    .await?;
    Ok(blocked == 0 && (any_allowed == 0 || allowed > 0))
}

async fn touch(db: &Db, host: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO ap_instances (host, updated_at) VALUES ($1, $2) ON CONFLICT (host) DO NOTHING",
    )
    .bind(host.to_ascii_lowercase())
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// An activity came from `host`: it is alive.
pub async fn seen(db: &Db, host: &str) -> Result<(), sqlx::Error> {
    touch(db, host).await?;
    sqlx::query(
        "UPDATE ap_instances SET last_seen_at = $2, failing_since = NULL, failures = 0 WHERE host = $1",
    )
    .bind(host.to_ascii_lowercase())
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// A delivery to `host` went through.
pub async fn delivered(db: &Db, host: &str) -> Result<(), sqlx::Error> {
    touch(db, host).await?;
    sqlx::query(
        "UPDATE ap_instances SET last_success_at = $2, failing_since = NULL, failures = 0 WHERE host = $1",
    )
    .bind(host.to_ascii_lowercase())
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// A delivery to `host` failed with `error`.
pub async fn failed(db: &Db, host: &str, error: &str) -> Result<(), sqlx::Error> {
    touch(db, host).await?;
    let t = now();
    sqlx::query(
        "UPDATE ap_instances SET failures = failures + 1, \
         failing_since = COALESCE(failing_since, $2), last_error = $3, updated_at = $2 WHERE host = $1",
    )
    .bind(host.to_ascii_lowercase())
    .bind(t)
    .bind(crate::accounts::truncate(error, 500))
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Is the circuit breaker open for `host`?
pub async fn dead(db: &Db, host: &str) -> Result<bool, sqlx::Error> {
    let since: Option<Option<i64>> =
        sqlx::query_scalar("SELECT failing_since FROM ap_instances WHERE host = $1")
            .bind(host.to_ascii_lowercase())
            .fetch_optional(&db.pool)
            .await?;
    Ok(since.flatten().is_some_and(|s| now() - s >= DEAD_AFTER))
}

/// The administrator's decision about `host`: `allowed`, `blocked`, or
/// `""` (none). Blocking drops the host's followers of our communities
/// and the waiting deliveries to it.
pub async fn set_state(db: &Db, host: &str, state: &str, reason: &str) -> Result<(), sqlx::Error> {
    let host = host.trim().to_ascii_lowercase();
    touch(db, &host).await?;
    sqlx::query("UPDATE ap_instances SET state = $2, reason = $3, updated_at = $4 WHERE host = $1")
        .bind(&host)
        .bind(state)
        .bind(crate::accounts::truncate(reason.trim(), 500))
        .bind(now())
        .execute(&db.pool)
        .await?;
    if state == "blocked" {
        for prefix in [format!("https://{host}/"), format!("http://{host}/")] {
            let like = format!("{}%", prefix.replace('%', "\\%").replace('_', "\\_"));
            sqlx::query("DELETE FROM ap_followers WHERE actor LIKE $1 ESCAPE '\\'")
                .bind(&like)
                .execute(&db.pool)
                .await?;
        }
    }
    Ok(())
}

/// Every instance known, the blocked and failing ones first.
pub async fn list(db: &Db) -> Result<Vec<Instance>, sqlx::Error> {
    let rows: Vec<(
        String,
        String,
        String,
        i64,
        Option<i64>,
        String,
        Option<i64>,
        Option<i64>,
    )> = sqlx::query_as(
        "SELECT host, state, reason, failures, failing_since, last_error, last_success_at, \
         last_seen_at FROM ap_instances ORDER BY (state = 'blocked') DESC, failures DESC, host",
    )
    .fetch_all(&db.pool)
    .await?;
    // Queue depth per host: the deliveries' inboxes, read from their payloads.
    let jobs: Vec<(String, Option<i64>)> =
        sqlx::query_as("SELECT payload, failed_at FROM jobs WHERE queue = 'federation'")
            .fetch_all(&db.pool)
            .await?;
    let mut queued = std::collections::HashMap::<String, (i64, i64)>::new();
    for (payload, failed_at) in jobs {
        let inbox = serde_json::from_str::<serde_json::Value>(&payload)
            .ok()
            .and_then(|v| v.get("inbox").and_then(|i| i.as_str()).map(host))
            .unwrap_or_default();
        let e = queued.entry(inbox).or_default();
        if failed_at.is_some() {
            e.1 += 1;
        } else {
            e.0 += 1;
        }
    }
    let followers: Vec<String> = sqlx::query_scalar("SELECT actor FROM ap_followers")
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                host,
                state,
                reason,
                failures,
                failing_since,
                last_error,
                last_success_at,
                last_seen_at,
            )| {
                let (q, f) = queued.get(&host).copied().unwrap_or_default();
                let n = followers.iter().filter(|a| self::host(a) == host).count() as i64;
                Instance {
                    host,
                    state,
                    reason,
                    failures,
                    failing_since,
                    last_error,
                    last_success_at,
                    last_seen_at,
                    queued: q,
                    failed: f,
                    followers: n,
                }
            },
        )
        .collect())
}

/// How long a peer remembered as cavage-only is spared the RFC 9421 knock.
pub const CAVAGE_RECHECK_AFTER: i64 = 30 * 86_400;

/// The signature scheme to sign requests to `host` with first: the one it
/// is known to accept, or RFC 9421 when not known (or when it was last
/// found cavage-only more than [`CAVAGE_RECHECK_AFTER`] ago).
pub async fn signature_scheme(
    db: &Db,
    host: &str,
) -> Result<crate::federation::httpsig::Scheme, sqlx::Error> {
    use crate::federation::httpsig::Scheme;
    let row: Option<(String, Option<i64>)> =
        sqlx::query_as("SELECT sig_scheme, sig_scheme_at FROM ap_instances WHERE host = $1")
            .bind(host.to_ascii_lowercase())
            .fetch_optional(&db.pool)
            .await?;
    Ok(match row {
        Some((s, at)) if s == "cavage" && at.is_some_and(|t| now() - t < CAVAGE_RECHECK_AFTER) => {
            Scheme::Cavage
        }
        _ => Scheme::Rfc9421,
    })
}

/// `host` accepted (or signed with) `scheme`.
pub async fn set_signature_scheme(
    db: &Db,
    host: &str,
    scheme: crate::federation::httpsig::Scheme,
) -> Result<(), sqlx::Error> {
    touch(db, host).await?;
    sqlx::query("UPDATE ap_instances SET sig_scheme = $2, sig_scheme_at = $3 WHERE host = $1")
        .bind(host.to_ascii_lowercase())
        .bind(scheme.as_str())
        .bind(now())
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// What is remembered of `host`'s signature scheme (`""` when nothing).
pub async fn known_signature_scheme(db: &Db, host: &str) -> Result<String, sqlx::Error> {
    let s: Option<String> =
        sqlx::query_scalar("SELECT sig_scheme FROM ap_instances WHERE host = $1")
            .bind(host.to_ascii_lowercase())
            .fetch_optional(&db.pool)
            .await?;
    Ok(s.unwrap_or_default())
}
