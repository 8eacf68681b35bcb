//! Operations on the library: contribute a resource (into communities one
//! may post in and/or the instance library), edit it, add a file (a new
//! version under an existing name), remove it. Each validates, asks the
//! policy, writes in one transaction with an audit entry.

use super::{Checked, Loaded, Values, files};
use crate::accounts::User;
use crate::accounts::ops::audit_in;
use crate::actor::Actor;
use crate::communities::Community;
use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::policy::Action;
use crate::publications::Upload;
use crate::state::AppState;

pub fn invalid(errs: Vec<(&'static str, &'static str)>) -> AppError {
    AppError::Invalid {
        fields: errs
            .into_iter()
            .map(|(f, k)| (f.to_string(), k.to_string()))
            .collect(),
    }
}

/// Where a new resource goes.
#[derive(Debug, Clone, Default)]
pub struct Placement {
    /// Community slugs.
    pub communities: Vec<String>,
    /// The instance library.
    pub library: bool,
}

/// The resource `id` as the actor may see it (`NotFound` otherwise).
pub async fn load_for(state: &AppState, actor: &Actor, id: i64) -> AppResult<Loaded> {
    let l = super::load(&state.db, actor.user(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !actor.may(Action::ViewResource {
        r: &l.r.facts(),
        via: &l.via(),
    }) {
        return Err(AppError::NotFound);
    }
    Ok(l)
}

/// The resource's search entry, in the transaction that changed it; its
/// cited link registered for checking (`links`: the next hourly pass).
async fn index_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    state: &AppState,
    id: i64,
) -> Result<(), sqlx::Error> {
    crate::search::index_one(tx, state.db.backend, crate::search::Source::Resources, id).await?;
    let url: Option<String> = sqlx::query_scalar("SELECT source_url FROM resources WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(url) = url.filter(|u| !u.is_empty()) {
        super::links::register_in(tx, &url).await?;
    }
    Ok(())
}

struct Ready {
    name: String,
    content_type: &'static str,
    sha256: String,
    size: i64,
    text: Option<String>,
}

/// Check the uploads and put their bytes in the store (content-addressed:
/// a refused operation leaves at most unreferenced blobs, never a row
/// without its bytes).
async fn store_uploads(state: &AppState, uploads: Vec<Upload>) -> AppResult<Vec<Ready>> {
    let mut checked = Vec::new();
    for u in uploads {
        match files::check(&u.name, &u.bytes) {
            Ok((name, ct)) => checked.push((name, ct, u.bytes)),
            Err(key) => return Err(invalid(vec![("files", key)])),
        }
    }
    let store = super::storage::for_config(&state.config);
    let mut out = Vec::new();
    for (name, content_type, bytes) in checked {
        let bytes = std::sync::Arc::new(bytes);
        let text = files::text_of(&state.config, content_type, bytes.clone()).await;
        let bytes = std::sync::Arc::try_unwrap(bytes).unwrap_or_else(|b| (*b).clone());
        let (sha256, size) = files::put_blob(store.clone(), bytes).await?;
        out.push(Ready {
            name,
            content_type,
            sha256,
            size,
            text,
        });
    }
    Ok(out)
}

async fn write_links(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: i64,
    c: &Checked,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM resource_subjects WHERE resource_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for t in &c.subject_ids {
        sqlx::query("INSERT INTO resource_subjects (resource_id, term_id) VALUES ($1, $2)")
            .bind(id)
            .bind(t)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("DELETE FROM resource_territories WHERE resource_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for t in &c.territory_ids {
        sqlx::query("INSERT INTO resource_territories (resource_id, territory_id) VALUES ($1, $2)")
            .bind(id)
            .bind(t)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Contribute a resource with its files (a person's act, or the CLI's).
pub async fn create(
    state: &AppState,
    actor: &Actor,
    v: &Values,
    place: &Placement,
    uploads: Vec<Upload>,
) -> AppResult<Loaded> {
    let viewer = actor.user();
    let mut communities: Vec<Community> = Vec::new();
    for slug in &place.communities {
        let c = crate::communities::by_slug(&state.db, slug)
            .await?
            .ok_or(AppError::NotFound)?;
        let m = crate::communities::membership(&state.db, c.id, viewer).await?;
        if !actor.may(Action::PostInCommunity { c: &c.facts(), m }) {
            return Err(AppError::Forbidden);
        }
        if !communities.iter().any(|x| x.id == c.id) {
            communities.push(c);
        }
    }
    if place.library && !actor.may(Action::CurateLibrary) {
        return Err(AppError::Forbidden);
    }
    if communities.is_empty() && !place.library {
        return Err(invalid(vec![("communities", "library-place-required")]));
    }
    let c = super::check(&state.db, v).await?.map_err(invalid)?;
    if let Some(u) = viewer
        && let Err(retry_after) = crate::ratelimit::hit(
            &state.db,
            &format!("resource-create:{}", u.id),
            crate::ratelimit::Limit {
                max: 100,
                window_secs: 86400,
            },
        )
        .await?
    {
        return Err(AppError::TooManyRequests { retry_after });
    }
    let ready = store_uploads(state, uploads).await?;
    let t = now();
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO resources (kind, title, creators, publisher, issued, year, language, licence, source_url, \
         description, description_html, deadline, deadline_at, eligibility, amount, in_library, status, created_by, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 'visible', $17, $18, $18) \
         RETURNING id",
    )
    .bind(&c.kind)
    .bind(&c.title)
    .bind(&c.creators)
    .bind(&c.publisher)
    .bind(&c.issued)
    .bind(c.year)
    .bind(&c.language)
    .bind(&c.licence)
    .bind(&c.source_url)
    .bind(&c.description)
    .bind(&c.description_html)
    .bind(&c.deadline)
    .bind(c.deadline_at)
    .bind(&c.eligibility)
    .bind(&c.amount)
    .bind(if place.library { 1i64 } else { 0 })
    .bind(actor.audit_id())
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    for com in &communities {
        sqlx::query(
            "INSERT INTO resource_communities (resource_id, community_id, added_at) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(com.id)
        .bind(t)
        .execute(&mut *tx)
        .await?;
    }
    write_links(&mut tx, id, &c).await?;
    for f in &ready {
        files::insert_in(
            &mut tx,
            id,
            &f.name,
            f.content_type,
            &f.sha256,
            f.size,
            actor.audit_id(),
            f.text.as_deref(),
        )
        .await?;
    }
    index_in(&mut tx, state, id).await?;
    audit_in(
        &mut tx,
        actor,
        "resource_created",
        None,
        &format!("{id} {}", c.title),
    )
    .await?;
    tx.commit().await?;
    load_for(state, actor, id).await
}

async fn editable(state: &AppState, actor: &Actor, id: i64) -> AppResult<Loaded> {
    let l = load_for(state, actor, id).await?;
    if !actor.may(Action::EditResource {
        r: &l.r.facts(),
        via: &l.via(),
    }) {
        return Err(AppError::Forbidden);
    }
    Ok(l)
}

/// Edit a resource's metadata (its address does not change).
pub async fn update(state: &AppState, actor: &Actor, id: i64, v: &Values) -> AppResult<Loaded> {
    let l = editable(state, actor, id).await?;
    let c = super::check(&state.db, v).await?.map_err(invalid)?;
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "UPDATE resources SET kind = $1, title = $2, creators = $3, publisher = $4, issued = $5, year = $6, \
         language = $7, licence = $8, source_url = $9, description = $10, description_html = $11, deadline = $12, \
         deadline_at = $13, eligibility = $14, amount = $15, updated_at = $16 WHERE id = $17",
    )
    .bind(&c.kind)
    .bind(&c.title)
    .bind(&c.creators)
    .bind(&c.publisher)
    .bind(&c.issued)
    .bind(c.year)
    .bind(&c.language)
    .bind(&c.licence)
    .bind(&c.source_url)
    .bind(&c.description)
    .bind(&c.description_html)
    .bind(&c.deadline)
    .bind(c.deadline_at)
    .bind(&c.eligibility)
    .bind(&c.amount)
    .bind(now())
    .bind(l.r.id)
    .execute(&mut *tx)
    .await?;
    write_links(&mut tx, l.r.id, &c).await?;
    index_in(&mut tx, state, l.r.id).await?;
    audit_in(
        &mut tx,
        actor,
        "resource_edited",
        None,
        &format!("{} {}", l.r.id, c.title),
    )
    .await?;
    tx.commit().await?;
    load_for(state, actor, id).await
}

/// Add files to a resource: a name it already has becomes a new version.
pub async fn add_files(
    state: &AppState,
    actor: &Actor,
    id: i64,
    uploads: Vec<Upload>,
) -> AppResult<Vec<files::ResourceFile>> {
    let l = editable(state, actor, id).await?;
    if uploads.is_empty() {
        return Err(invalid(vec![("files", "library-file-required")]));
    }
    let ready = store_uploads(state, uploads).await?;
    let mut tx = state.db.begin().await?;
    let mut out = Vec::new();
    for f in &ready {
        out.push(
            files::insert_in(
                &mut tx,
                l.r.id,
                &f.name,
                f.content_type,
                &f.sha256,
                f.size,
                actor.audit_id(),
                f.text.as_deref(),
            )
            .await?,
        );
    }
    sqlx::query("UPDATE resources SET updated_at = $1 WHERE id = $2")
        .bind(now())
        .bind(l.r.id)
        .execute(&mut *tx)
        .await?;
    index_in(&mut tx, state, l.r.id).await?;
    audit_in(
        &mut tx,
        actor,
        "resource_files_added",
        None,
        &l.r.id.to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// Remove a resource (moderators, its contributor, administrators): it
/// disappears from every library; administrators still see it.
pub async fn remove(state: &AppState, actor: &Actor, id: i64) -> AppResult<()> {
    let l = editable(state, actor, id).await?;
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE resources SET status = 'removed', updated_at = $1 WHERE id = $2")
        .bind(now())
        .bind(l.r.id)
        .execute(&mut *tx)
        .await?;
    index_in(&mut tx, state, l.r.id).await?;
    audit_in(
        &mut tx,
        actor,
        "resource_removed",
        None,
        &l.r.id.to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The resource `id` as `viewer` (signed in or not) may read it; `NotFound`
/// otherwise, exactly as for an id that does not exist.
pub async fn read(state: &AppState, viewer: Option<&User>, id: i64) -> AppResult<Loaded> {
    let l = super::load(&state.db, viewer, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !l.visible_to(viewer) {
        return Err(AppError::NotFound);
    }
    Ok(l)
}

/// A file's bytes, through its resource (the policy first).
pub async fn file_bytes(
    state: &AppState,
    viewer: Option<&User>,
    id: i64,
    file_id: i64,
) -> AppResult<(files::ResourceFile, Vec<u8>)> {
    let l = read(state, viewer, id).await?;
    let f = files::one(&state.db, l.r.id, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = files::get_blob(super::storage::for_config(&state.config), f.sha256.clone())
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("blob {} missing", f.sha256)))?;
    Ok((f, bytes))
}
