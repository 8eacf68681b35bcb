//! Data rights (issue 20, C24; Québec's Law 25): "download my data".
//!
//! A person asks for an archive (`ops::request_export`); the job queue
//! builds it (`archive::build`, streamed: JSON written item by item into a
//! deflating ZIP writer, the output stored as ~1 MiB chunks in
//! `data_export_chunks`, so memory stays bounded whatever the number of
//! items, and any node serves the download); an e-mail announces it with a
//! link valid 7 days; the download streams the chunks back in order.
//! Archives expire and are purged by the hourly maintenance.
//!
//! The archive's layout and JSON schema: `docs/data-export/` (versioned).

pub mod archive;
pub mod consents;
pub mod deletion;
mod html;
pub mod ops;
pub mod sections;
pub mod zip;

use sqlx::Row;

use crate::db::{Db, now};

/// How long a ready archive can be downloaded.
pub const VALID_SECS: i64 = 7 * 86400;
/// Archives one person may ask for per rolling 24 hours (failed ones do not count).
pub const PER_DAY: i64 = 2;
/// Size of a stored piece of an archive.
pub const CHUNK: usize = 1024 * 1024;
/// Version of the archive's JSON schema (`docs/data-export/schema-v1.json`).
pub const SCHEMA_VERSION: i64 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Queued,
    Building,
    Ready,
    Failed,
    /// Ready once, past its 7 days.
    Expired,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Building => "building",
            Status::Ready => "ready",
            Status::Failed => "failed",
            Status::Expired => "expired",
        }
    }
}

/// One archive asked for, as its owner sees it.
#[derive(Debug, Clone)]
pub struct Export {
    pub id: i64,
    pub user_id: i64,
    pub status: Status,
    pub requested_at: i64,
    pub ready_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub size: i64,
    pub items: i64,
    pub peak_buffer: i64,
    pub attempt: i64,
}

impl Export {
    fn from_row(r: &sqlx::any::AnyRow, t: i64) -> Result<Export, sqlx::Error> {
        let expires_at: Option<i64> = r.try_get("expires_at")?;
        let status = match r.try_get::<String, _>("status")?.as_str() {
            "ready" if expires_at.is_some_and(|e| e <= t) => Status::Expired,
            "ready" => Status::Ready,
            "building" => Status::Building,
            "failed" => Status::Failed,
            _ => Status::Queued,
        };
        Ok(Export {
            id: r.try_get("id")?,
            user_id: r.try_get("user_id")?,
            status,
            requested_at: r.try_get("requested_at")?,
            ready_at: r.try_get("ready_at")?,
            expires_at,
            size: r.try_get("size")?,
            items: r.try_get("items")?,
            peak_buffer: r.try_get("peak_buffer")?,
            attempt: r.try_get("attempt")?,
        })
    }

    /// The file name offered to the browser.
    pub fn file_name(&self, username: &str) -> String {
        let day = time::OffsetDateTime::from_unix_timestamp(self.ready_at.unwrap_or(0))
            .map(|d| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()))
            .unwrap_or_default();
        let safe: String = username
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("passerelles-{safe}-{day}.zip")
    }
}

const COLUMNS: &str =
    "id, user_id, status, requested_at, ready_at, expires_at, size, items, peak_buffer, attempt";

/// A person's archives, newest first (the last 10).
pub async fn list(db: &Db, user_id: i64) -> Result<Vec<Export>, sqlx::Error> {
    let t = now();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM data_exports WHERE user_id = $1 ORDER BY id DESC LIMIT 10"
    )))
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(|r| Export::from_row(r, t)).collect()
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Export>, sqlx::Error> {
    let t = now();
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM data_exports WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| Export::from_row(&r, t)).transpose()
}

/// Piece `seq` of a ready archive (`None` after the last).
pub async fn chunk(
    db: &Db,
    export_id: i64,
    attempt: i64,
    seq: i64,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT bytes FROM data_export_chunks WHERE export_id = $1 AND attempt = $2 AND seq = $3",
    )
    .bind(export_id)
    .bind(attempt)
    .bind(seq)
    .fetch_optional(&db.pool)
    .await
}

/// Forget archives past their 7 days (their bytes) and requests older than
/// 30 days (maintenance).
pub async fn purge(db: &Db) -> Result<(), sqlx::Error> {
    let t = now();
    sqlx::query(
        "DELETE FROM data_export_chunks WHERE export_id IN \
         (SELECT id FROM data_exports WHERE expires_at IS NOT NULL AND expires_at <= $1)",
    )
    .bind(t)
    .execute(&db.pool)
    .await?;
    sqlx::query("DELETE FROM data_exports WHERE requested_at < $1")
        .bind(t - 30 * 86400)
        .execute(&db.pool)
        .await?;
    Ok(())
}
