//! The runs of imports (`import_runs`): who started what, when, how far it
//! got, and its report — the totals and every item skipped, with why.
//! The command line and the administration page (`/admin/imports`) write
//! them; the page lists them. A run is written as it goes (every few items),
//! so a run whose process stopped shows where it stopped; the import being
//! resumable, it is started again.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{Line, Outcome, Report};
use crate::actor::Actor;
use crate::db::{Db, now};

/// A run with no news for this long is shown as interrupted.
pub const STALE_AFTER: i64 = 10 * 60;

#[derive(Debug, Clone)]
pub struct Run {
    pub id: i64,
    /// community | discourse | humhub
    pub format: String,
    pub source: String,
    pub origin: String,
    pub file_name: String,
    pub archive_sha256: Option<String>,
    pub dry_run: bool,
    /// queued | running | done | failed (and, on reading, interrupted)
    pub status: String,
    pub actor: String,
    pub total: i64,
    pub done: i64,
    pub imported: i64,
    pub unchanged: i64,
    pub skipped: i64,
    pub lines: Vec<Skip>,
    pub error: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One item left out, and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Skip {
    pub kind: String,
    pub id: String,
    pub label: String,
    pub why: String,
}

impl Run {
    /// Percent done (0–100).
    pub fn percent(&self) -> i64 {
        if self.total <= 0 {
            if self.status == "done" { 100 } else { 0 }
        } else {
            (self.done * 100 / self.total).clamp(0, 100)
        }
    }
}

/// Start a run (before reading its input: `source` may come later).
pub async fn start(
    db: &Db,
    format: &str,
    file_name: &str,
    archive_sha256: Option<&str>,
    dry_run: bool,
    actor: &Actor,
) -> Result<i64, sqlx::Error> {
    let t = now();
    let (who, label) = match actor {
        Actor::Person(u) => (Some(u.id), u.username.clone()),
        _ => (None, "system:cli".to_string()),
    };
    sqlx::query_scalar(
        "INSERT INTO import_runs (format, file_name, archive_sha256, dry_run, status, started_by, actor, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7, $7) RETURNING id",
    )
    .bind(format)
    .bind(file_name)
    .bind(archive_sha256)
    .bind(i64::from(dry_run))
    .bind(who)
    .bind(label)
    .bind(t)
    .fetch_one(&db.pool)
    .await
}

/// The input is read: what it is, how many items.
pub async fn running(
    db: &Db,
    id: i64,
    source: &str,
    origin: &str,
    total: usize,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE import_runs SET status = 'running', source = $1, origin = $2, total = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(source)
    .bind(origin)
    .bind(total as i64)
    .bind(now())
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn progress(db: &Db, id: i64, done: usize) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE import_runs SET done = $1, updated_at = $2 WHERE id = $3")
        .bind(done as i64)
        .bind(now())
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The run is over: its totals and its skipped items (`pre`: what the
/// reader of another platform left out before the import).
pub async fn finish(db: &Db, id: i64, report: &Report, pre: &[Line]) -> Result<(), sqlx::Error> {
    let skips: Vec<Skip> = pre
        .iter()
        .chain(&report.lines)
        .filter_map(|l| match &l.outcome {
            Outcome::Skipped(why) => Some(Skip {
                kind: l.kind.to_string(),
                id: l.external_id.clone(),
                label: l.label.clone(),
                why: why.clone(),
            }),
            _ => None,
        })
        .collect();
    sqlx::query(
        "UPDATE import_runs SET status = 'done', done = total, imported = $1, unchanged = $2, skipped = $3, \
         lines = $4, updated_at = $5 WHERE id = $6",
    )
    .bind(report.imported() as i64)
    .bind(report.unchanged() as i64)
    .bind(skips.len() as i64)
    .bind(serde_json::to_string(&skips).unwrap_or_else(|_| "[]".into()))
    .bind(now())
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn fail(db: &Db, id: i64, error: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE import_runs SET status = 'failed', error = $1, updated_at = $2 WHERE id = $3",
    )
    .bind(error.chars().take(2000).collect::<String>())
    .bind(now())
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

const COLUMNS: &str = "id, format, source, origin, file_name, archive_sha256, dry_run, status, actor, total, done, \
     imported, unchanged, skipped, lines, error, created_at, updated_at";

fn from_row(r: &sqlx::any::AnyRow, with_lines: bool) -> Result<Run, sqlx::Error> {
    let mut status: String = r.try_get("status")?;
    let updated_at: i64 = r.try_get("updated_at")?;
    if matches!(status.as_str(), "queued" | "running") && now() - updated_at > STALE_AFTER {
        status = "interrupted".into();
    }
    let lines: String = r.try_get("lines")?;
    Ok(Run {
        id: r.try_get("id")?,
        format: r.try_get("format")?,
        source: r.try_get("source")?,
        origin: r.try_get("origin")?,
        file_name: r.try_get("file_name")?,
        archive_sha256: r.try_get("archive_sha256")?,
        dry_run: r.try_get::<i64, _>("dry_run")? != 0,
        status,
        actor: r.try_get("actor")?,
        total: r.try_get("total")?,
        done: r.try_get("done")?,
        imported: r.try_get("imported")?,
        unchanged: r.try_get("unchanged")?,
        skipped: r.try_get("skipped")?,
        lines: if with_lines {
            serde_json::from_str(&lines).unwrap_or_default()
        } else {
            Vec::new()
        },
        error: r.try_get("error")?,
        created_at: r.try_get("created_at")?,
        updated_at,
    })
}

/// The most recent runs, newest first (without their skipped items).
pub async fn recent(db: &Db, limit: i64) -> Result<Vec<Run>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM import_runs ORDER BY created_at DESC, id DESC LIMIT $1"
    )))
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(|r| from_row(r, false)).collect()
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Run>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM import_runs WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(|r| from_row(r, true)).transpose()
}
