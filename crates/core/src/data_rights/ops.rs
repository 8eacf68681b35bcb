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
    let id = insert_queued(&mut tx, target.id, t).await?;
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

/// The person with the most publications and replies (the benchmark's
/// subject): id, publications, replies. One grouped pass over each table.
pub async fn most_active(db: &Db) -> Result<Option<(i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a, CAST(SUM(np) AS BIGINT) AS np, CAST(SUM(nr) AS BIGINT) AS nr FROM ( \
           SELECT author_id AS a, COUNT(*) AS np, 0 AS nr FROM publications \
           WHERE author_id IS NOT NULL GROUP BY author_id \
           UNION ALL \
           SELECT author_id AS a, 0 AS np, COUNT(*) AS nr FROM replies \
           WHERE author_id IS NOT NULL GROUP BY author_id \
         ) t GROUP BY a ORDER BY CAST(SUM(np) AS BIGINT) + CAST(SUM(nr) AS BIGINT) DESC, a LIMIT 1",
    )
    .fetch_optional(&db.pool)
    .await
}

/// What building one archive took (`build_now`).
#[derive(Debug, Clone)]
pub struct Measured {
    pub export_id: i64,
    pub size: i64,
    pub items: i64,
    pub peak_buffer: i64,
}

/// Build an archive of `target` at once, in this process, without e-mail
/// (the command line: `passerelles admin data-export`, which measures it).
/// The instance only (`Administer`); audited. The archive is then
/// downloadable by its owner like any other, or removed with `discard`.
pub async fn build_now(state: &AppState, actor: &Actor, target: &User) -> AppResult<Measured> {
    if !actor.may(Action::Administer) {
        return Err(AppError::Forbidden);
    }
    let t = now();
    let mut tx = state.db.begin().await?;
    let id = insert_queued(&mut tx, target.id, t).await?;
    audit_in(&mut tx, actor, "data_export_built", Some(target.id), "").await?;
    tx.commit().await?;
    let files = state.config.data_dir.to_string_lossy().into_owned();
    build(
        &state.db,
        id,
        &state.config.public_url(),
        &state.instance_name(),
        Some(&files),
    )
    .await
    .map_err(AppError::Internal)?;
    let (size, items, peak_buffer): (i64, i64, i64) =
        sqlx::query_as("SELECT size, items, peak_buffer FROM data_exports WHERE id = $1")
            .bind(id)
            .fetch_one(&state.db.pool)
            .await?;
    Ok(Measured {
        export_id: id,
        size,
        items,
        peak_buffer,
    })
}

/// A new archive of `user_id`, queued (its build comes after).
async fn insert_queued(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user_id: i64,
    t: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO data_exports (user_id, status, requested_at) VALUES ($1, 'queued', $2) RETURNING id",
    )
    .bind(user_id)
    .bind(t)
    .fetch_one(&mut **tx)
    .await
}

/// Remove an archive and its bytes.
pub async fn discard(db: &Db, export_id: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM data_export_chunks WHERE export_id = $1")
        .bind(export_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM data_exports WHERE id = $1")
        .bind(export_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Build the archive and mark it ready: its owner and when, or `None` when
/// there was nothing to do (ready, failed, purged, or a later attempt took
/// over).
async fn build(
    db: &Db,
    export_id: i64,
    base_url: &str,
    instance: &str,
    files_dir: Option<&str>,
) -> anyhow::Result<Option<(User, i64)>> {
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
        return Ok(None); // ready, failed or purged already
    };
    let user_id: i64 = row.try_get("user_id")?;
    let attempt: i64 = row.try_get("attempt")?;
    sqlx::query("DELETE FROM data_export_chunks WHERE export_id = $1 AND attempt < $2")
        .bind(export_id)
        .bind(attempt)
        .execute(&db.pool)
        .await?;
    let Some(user) = crate::accounts::by_id(db, user_id).await? else {
        return Ok(None);
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
        return Ok(None); // a later attempt took over
    }
    Ok(Some((user, t)))
}

async fn build_and_announce(
    db: &Db,
    export_id: i64,
    base_url: &str,
    instance: &str,
    files_dir: Option<&str>,
) -> anyhow::Result<()> {
    let Some((user, t)) = build(db, export_id, base_url, instance, files_dir).await? else {
        return Ok(());
    };
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
