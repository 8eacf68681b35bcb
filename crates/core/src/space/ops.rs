//! Changes to a community's file space: add a folder, upload files (a name
//! already in the folder becomes its next version) within the quota, delete
//! a file (moderators), set the quota (administrators). The bytes are put
//! in the blob store before the rows naming them are committed.

use super::SpaceFile;
use crate::accounts::ops::audit_in;
use crate::actor::Actor;
use crate::communities::access::Loaded;
use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::library::files as lf;
use crate::library::ops::invalid;
use crate::policy::Action;
use crate::publications::Upload;
use crate::state::AppState;
use crate::wiki::ops::{open_for_actor, writable};

/// A folder of the community (0, the root, always exists).
async fn folder_of(state: &AppState, l: &Loaded, folder: i64) -> AppResult<i64> {
    if folder == 0 {
        return Ok(0);
    }
    let ok: Option<i64> =
        sqlx::query_scalar("SELECT id FROM space_folders WHERE id = $1 AND community_id = $2")
            .bind(folder)
            .bind(l.c.id)
            .fetch_optional(&state.db.pool)
            .await?;
    ok.ok_or(AppError::NotFound)
}

fn check_name(name: &str) -> Result<String, &'static str> {
    let n = name.trim();
    if n.is_empty() {
        return Err("space-folder-required");
    }
    if n.chars().count() > 100
        || n.chars().any(|c| c.is_control() || c == '/' || c == '\\')
        || n == "."
        || n == ".."
    {
        return Err("space-folder-invalid");
    }
    Ok(n.to_string())
}

/// Add a folder under `parent` (0: the root).
pub async fn create_folder(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    parent: i64,
    name: &str,
) -> AppResult<i64> {
    let l = writable(state, actor, slug).await?;
    let parent = folder_of(state, &l, parent).await?;
    let name = check_name(name).map_err(|k| invalid(vec![("name", k)]))?;
    let taken: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM space_folders WHERE community_id = $1 AND COALESCE(parent_id, 0) = $2 AND name = $3",
    )
    .bind(l.c.id)
    .bind(parent)
    .bind(&name)
    .fetch_optional(&state.db.pool)
    .await?;
    if taken.is_some() {
        return Err(invalid(vec![("name", "space-folder-taken")]));
    }
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO space_folders (community_id, parent_id, name, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(l.c.id)
    .bind((parent != 0).then_some(parent))
    .bind(&name)
    .bind(actor.audit_id())
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    audit_in(
        &mut tx,
        actor,
        "space_folder_created",
        None,
        &format!("{} {id} {name}", l.c.slug),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Upload files into `folder` (0: the root), refused as a whole when they
/// would take the space over its quota.
pub async fn upload(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    folder: i64,
    uploads: Vec<Upload>,
) -> AppResult<Vec<SpaceFile>> {
    let l = writable(state, actor, slug).await?;
    let folder = folder_of(state, &l, folder).await?;
    if uploads.is_empty() {
        return Err(invalid(vec![("files", "library-file-required")]));
    }
    let mut checked = Vec::new();
    for u in uploads {
        match lf::check(&u.name, &u.bytes) {
            Ok((name, ct)) => checked.push((name, ct, u.bytes)),
            Err(key) => return Err(invalid(vec![("files", key)])),
        }
    }
    let adding: i64 = checked.iter().map(|(_, _, b)| b.len() as i64).sum();
    let (used, quota) = super::usage(&state.db.pool, l.c.id).await?;
    if used + adding > quota {
        return Err(invalid(vec![("files", "space-quota-exceeded")]));
    }
    let store = crate::library::storage::for_config(&state.config);
    let mut ready = Vec::new();
    for (name, ct, bytes) in checked {
        let (sha, size) = lf::put_blob(store.clone(), bytes).await?;
        ready.push((name, ct, sha, size));
    }
    let t = now();
    let mut tx = state.db.begin().await?;
    // Take the community's row first (a lock on PostgreSQL; SQLite's
    // writers are already serialised), then count again: two uploads at
    // once cannot both pass the quota.
    sqlx::query("UPDATE communities SET file_quota = file_quota WHERE id = $1")
        .bind(l.c.id)
        .execute(&mut *tx)
        .await?;
    let (used, quota) = super::usage(&mut *tx, l.c.id).await?;
    if used + adding > quota {
        tx.rollback().await?;
        return Err(invalid(vec![("files", "space-quota-exceeded")]));
    }
    let mut ids = Vec::new();
    for (name, ct, sha, size) in &ready {
        let version: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM space_files WHERE community_id = $1 AND folder_id = $2 AND name = $3",
        )
        .bind(l.c.id)
        .bind(folder)
        .bind(name)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO space_files (community_id, folder_id, name, version, content_type, sha256, size, uploaded_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(l.c.id)
        .bind(folder)
        .bind(name)
        .bind(version)
        .bind(*ct)
        .bind(sha)
        .bind(size)
        .bind(actor.audit_id())
        .bind(t)
        .fetch_one(&mut *tx)
        .await?;
        ids.push(id);
    }
    audit_in(
        &mut tx,
        actor,
        "space_files_added",
        None,
        &format!("{} {ids:?}", l.c.slug),
    )
    .await?;
    tx.commit().await?;
    let mut out = Vec::new();
    for id in ids {
        out.extend(super::file(&state.db, l.c.id, id).await?);
    }
    Ok(out)
}

/// A file's bytes, through its community (the policy first).
pub async fn file_bytes(
    state: &AppState,
    viewer: Option<&crate::accounts::User>,
    slug: &str,
    id: i64,
) -> AppResult<(SpaceFile, Vec<u8>)> {
    let l = crate::wiki::ops::open(state, viewer, slug).await?;
    let f = super::file(&state.db, l.c.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = lf::get_blob(
        crate::library::storage::for_config(&state.config),
        f.sha256.clone(),
    )
    .await?
    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("blob {} missing", f.sha256)))?;
    Ok((f, bytes))
}

/// Delete a file, every version of it (moderators). The bytes stay in the
/// store while another row (a resource, another community) names them.
pub async fn delete_file(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    id: i64,
) -> AppResult<SpaceFile> {
    let l = open_for_actor(state, actor, slug).await?;
    if !actor.may(Action::ModerateCommunitySpace {
        c: &l.facts,
        m: l.m,
    }) {
        return Err(AppError::Forbidden);
    }
    let f = super::file(&state.db, l.c.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = state.db.begin().await?;
    sqlx::query("DELETE FROM space_files WHERE community_id = $1 AND folder_id = $2 AND name = $3")
        .bind(l.c.id)
        .bind(f.folder_id)
        .bind(&f.name)
        .execute(&mut *tx)
        .await?;
    audit_in(
        &mut tx,
        actor,
        "space_file_deleted",
        None,
        &format!("{} {}", l.c.slug, f.name),
    )
    .await?;
    tx.commit().await?;
    Ok(f)
}

/// Set a community's quota in megabytes (`None`: the instance default).
pub async fn set_quota(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    megabytes: Option<i64>,
) -> AppResult<()> {
    let l = open_for_actor(state, actor, slug).await?;
    if !actor.may(Action::SetFileQuota) {
        return Err(AppError::Forbidden);
    }
    if megabytes.is_some_and(|m| !(0..=1_000_000).contains(&m)) {
        return Err(invalid(vec![("quota", "space-quota-invalid")]));
    }
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE communities SET file_quota = $1 WHERE id = $2")
        .bind(megabytes.map(|m| m * 1024 * 1024))
        .bind(l.c.id)
        .execute(&mut *tx)
        .await?;
    audit_in(
        &mut tx,
        actor,
        "space_quota_set",
        None,
        &format!(
            "{} {}",
            l.c.slug,
            megabytes
                .map(|m| format!("{m} MB"))
                .unwrap_or_else(|| "default".into())
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
