//! Operations of "download my data": ask for an archive (pages and API),
//! build it (the job queue), open it for download.

use sqlx::Row;

use super::{Export, PER_DAY, Status, VALID_SECS};
use crate::accounts::User;
use crate::accounts::ops::audit_in;
use crate::actor::Actor;
use crate::db::{Db, now};
use crate::error::{AppError, AppResult};
use crate::i18n::{Arg, Lang};
use crate::jobs::{Job, Queue};
use crate::policy::Action;
use crate::state::AppState;

/// Ask for an archive of `target`'s data (the person themselves). At most
/// one in the making and [`PER_DAY`] per rolling day; queued for the job
/// worker, which sends an e-mail when it is ready.
pub async fn request_export(state: &AppState, actor: &Actor, target: &User) -> AppResult<i64> {
    if !actor.may(Action::EditAccount { target }) {
        return Err(AppError::Forbidden);
    }
    let t = now();
    let mut tx = state.db.begin().await?;
    let rows = sqlx::query(
        "SELECT status, requested_at FROM data_exports \
         WHERE user_id = $1 AND requested_at > $2 AND status <> 'failed' ORDER BY requested_at",
    )
    .bind(target.id)
    .bind(t - 86400)
    .fetch_all(&mut *tx)
    .await?;
    let mut first = None;
    for r in &rows {
        let status: String = r.try_get("status")?;
        if status == "queued" || status == "building" {
            return Err(AppError::Conflict {
                code: "export_in_progress",
                message_key: "data-export-in-progress",
            });
        }
        first.get_or_insert(r.try_get::<i64, _>("requested_at")?);
    }
    if rows.len() as i64 >= PER_DAY {
        let retry_after = first.map(|f| f + 86400 - t).unwrap_or(86400).max(1);
        return Err(AppError::TooManyRequests { retry_after });
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO data_exports (user_id, status, requested_at) VALUES ($1, 'queued', $2) RETURNING id",
    )
    .bind(target.id)
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    audit_in(&mut tx, actor, "data_export_requested", Some(target.id), "").await?;
    tx.commit().await?;
    let job = Job::DataExport {
        export_id: id,
        base_url: state.config.public_url(),
        instance: state.instance_name(),
        files_dir: Some(state.config.data_dir.to_string_lossy().into_owned()),
    };
    state
        .jobs
        .push(&state.db, &job, Some(&format!("data-export:{id}")))
        .await?;
    Ok(id)
}

/// A ready archive its owner may download now; anyone else, or once
/// expired, `NotFound` (an id is no oracle).
pub async fn open_download(db: &Db, viewer: &User, id: i64) -> AppResult<Export> {
    match super::get(db, id).await? {
        Some(e) if e.user_id == viewer.id && e.status == Status::Ready => Ok(e),
        _ => Err(AppError::NotFound),
    }
}

/// The job: build the archive, mark it ready, send the e-mail. An error
/// marks it failed (the person may ask again; it does not count).
pub async fn run_job(
    db: &Db,
    export_id: i64,
    base_url: &str,
    instance: &str,
    files_dir: Option<&str>,
) -> Result<(), String> {
    match build_and_announce(db, export_id, base_url, instance, files_dir).await {
        Ok(()) => Ok(()),
        Err(e) => {
            let msg = format!("{e:#}");
            let _ =
                sqlx::query("UPDATE data_exports SET status = 'failed', error = $1 WHERE id = $2")
                    .bind(&msg)
                    .bind(export_id)
                    .execute(&db.pool)
                    .await;
            Err(msg)
        }
    }
}

async fn build_and_announce(
    db: &Db,
    export_id: i64,
    base_url: &str,
    instance: &str,
    files_dir: Option<&str>,
) -> anyhow::Result<()> {
    // A new attempt number: chunks of an earlier try (a crash, a job
    // claimed twice) are never mixed with these.
    let Some(row) = sqlx::query(
        "UPDATE data_exports SET status = 'building', attempt = attempt + 1 \
         WHERE id = $1 AND status IN ('queued', 'building') RETURNING user_id, attempt",
    )
    .bind(export_id)
    .fetch_optional(&db.pool)
    .await?
    else {
        return Ok(()); // ready, failed or purged already
    };
    let user_id: i64 = row.try_get("user_id")?;
    let attempt: i64 = row.try_get("attempt")?;
    sqlx::query("DELETE FROM data_export_chunks WHERE export_id = $1 AND attempt < $2")
        .bind(export_id)
        .bind(attempt)
        .execute(&db.pool)
        .await?;
    let Some(user) = crate::accounts::by_id(db, user_id).await? else {
        return Ok(());
    };
    let store = files_dir.map(|d| {
        std::sync::Arc::new(crate::library::storage::LocalStore::new(
            std::path::Path::new(d).join("library"),
        )) as std::sync::Arc<dyn crate::library::storage::BlobStore>
    });
    let built =
        super::archive::build(db, &user, export_id, attempt, base_url, instance, store).await?;
    let t = now();
    let done = sqlx::query(
        "UPDATE data_exports SET status = 'ready', ready_at = $1, expires_at = $2, size = $3, \
         items = $4, peak_buffer = $5 WHERE id = $6 AND attempt = $7",
    )
    .bind(t)
    .bind(t + VALID_SECS)
    .bind(built.size as i64)
    .bind(built.items)
    .bind(built.peak_buffer as i64)
    .bind(export_id)
    .bind(attempt)
    .execute(&db.pool)
    .await?
    .rows_affected();
    if done != 1 {
        return Ok(()); // a later attempt took over
    }
    let Some(to) = user.email.clone().filter(|e| !e.is_empty()) else {
        return Ok(());
    };
    let lang = Lang::from_code(&user.locale).unwrap_or_default();
    let link = format!("{base_url}/settings/data/exports/{export_id}");
    let c = crate::emails::compose(
        lang,
        "data-export-ready",
        &[
            ("name", Arg::Str(user.username.clone())),
            ("link", Arg::Str(link)),
            (
                "date",
                Arg::Str(crate::i18n::format_datetime(lang, t + VALID_SECS)),
            ),
            ("instance", Arg::Str(instance.to_string())),
        ],
    );
    Queue::default()
        .push(
            db,
            &Job::Mail {
                to,
                subject: c.subject,
                text: c.text,
                html: Some(c.html),
                lang: lang.code().to_string(),
                headers: Vec::new(),
            },
            None,
        )
        .await?;
    Ok(())
}
