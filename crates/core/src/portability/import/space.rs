//! A community's wiki pages and the files of its space.

use super::{Maps, Tx, free, mapped, record};
use crate::portability::Outcome;

pub(super) async fn wiki(
    tx: &mut Tx,
    src: &str,
    w: &crate::portability::WikiPage,
    maps: &Maps,
) -> anyhow::Result<Outcome> {
    if let Some(id) = mapped(tx, src, "wiki", &w.id).await? {
        return Ok(Outcome::Unchanged(id));
    }
    let Some(cid) = maps.communities.get(&w.community).copied() else {
        return Ok(Outcome::Skipped("its community was not imported".into()));
    };
    if w.title.trim().is_empty() || w.slug.trim().is_empty() {
        return Ok(Outcome::Skipped("no title".into()));
    }
    let slug = free(
        tx,
        "SELECT id FROM wiki_pages WHERE slug = $1 AND community_id = $2",
        &w.slug,
        Some(cid),
    )
    .await?;
    let author = w.author.as_ref().and_then(|a| maps.users.get(a).copied());
    let parent = w.parent.as_ref().and_then(|p| maps.wiki.get(p).copied());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO wiki_pages (community_id, parent_id, slug, title, body, revision_id, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8) RETURNING id",
    )
    .bind(cid)
    .bind(parent)
    .bind(&slug)
    .bind(&w.title)
    .bind(&w.body)
    .bind(author)
    .bind(w.created_at)
    .bind(w.updated_at)
    .fetch_one(&mut **tx)
    .await?;
    let rev: i64 = if w.revisions.is_empty() {
        // An archive of version 1 or another platform: the current text
        // becomes the page's first revision.
        sqlx::query_scalar(
            "INSERT INTO wiki_revisions (page_id, title, body, note, author_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(id)
        .bind(&w.title)
        .bind(&w.body)
        .bind("import")
        .bind(author)
        .bind(w.updated_at)
        .fetch_one(&mut **tx)
        .await?
    } else {
        revisions(tx, id, w, maps).await?
    };
    sqlx::query("UPDATE wiki_pages SET revision_id = $1 WHERE id = $2")
        .bind(rev)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    record(tx, src, "wiki", &w.id, id).await?;
    Ok(Outcome::Imported(id))
}

/// Every revision of an imported page, oldest first, each author mapped as
/// a publication's; a restore names the new id of the revision it restored.
/// The id of the last one (the page's current revision).
async fn revisions(
    tx: &mut Tx,
    page_id: i64,
    w: &crate::portability::WikiPage,
    maps: &Maps,
) -> Result<i64, sqlx::Error> {
    let mut ids: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
    let mut last = 0;
    for r in &w.revisions {
        let from = r.restored_from.as_deref().and_then(|f| ids.get(f).copied());
        last = sqlx::query_scalar(
            "INSERT INTO wiki_revisions (page_id, title, body, note, restored_from, author_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(page_id)
        .bind(&r.title)
        .bind(&r.body)
        .bind(&r.note)
        .bind(from)
        .bind(r.author.as_ref().and_then(|a| maps.users.get(a).copied()))
        .bind(r.created_at)
        .fetch_one(&mut **tx)
        .await?;
        ids.insert(r.id.as_str(), last);
    }
    Ok(last)
}

pub(super) async fn file(
    tx: &mut Tx,
    src: &str,
    f: &crate::portability::File,
    maps: &Maps,
    bytes: Vec<u8>,
    store: Option<std::sync::Arc<dyn crate::library::storage::BlobStore>>,
) -> anyhow::Result<Outcome> {
    if let Some(id) = mapped(tx, src, "file", &f.id).await? {
        return Ok(Outcome::Unchanged(id));
    }
    let Some(cid) = maps.communities.get(&f.community).copied() else {
        return Ok(Outcome::Skipped("its community was not imported".into()));
    };
    // The folders, made on the way down when missing.
    let mut folder = 0i64;
    for name in f.folder.split('/').filter(|s| !s.is_empty()) {
        let parent = (folder != 0).then_some(folder);
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM space_folders WHERE community_id = $1 AND name = $2 \
             AND COALESCE(parent_id, 0) = $3",
        )
        .bind(cid)
        .bind(name)
        .bind(folder)
        .fetch_optional(&mut **tx)
        .await?;
        folder = match found {
            Some(id) => id,
            None => sqlx::query_scalar(
                "INSERT INTO space_folders (community_id, parent_id, name, created_by, created_at) \
                     VALUES ($1, $2, $3, NULL, $4) RETURNING id",
            )
            .bind(cid)
            .bind(parent)
            .bind(name)
            .bind(f.created_at)
            .fetch_one(&mut **tx)
            .await?,
        };
    }
    if let Some(store) = store {
        crate::library::files::put_blob(store, bytes).await?;
    }
    let version: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM space_files WHERE community_id = $1 AND folder_id = $2 AND name = $3",
    )
    .bind(cid)
    .bind(folder)
    .bind(&f.name)
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO space_files (community_id, folder_id, name, version, content_type, sha256, size, uploaded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(cid)
    .bind(folder)
    .bind(&f.name)
    .bind(version)
    .bind(&f.content_type)
    .bind(&f.sha256)
    .bind(f.size)
    .bind(f.uploaded_by.as_ref().and_then(|u| maps.users.get(u).copied()))
    .bind(f.created_at)
    .fetch_one(&mut **tx)
    .await?;
    record(tx, src, "file", &f.id, id).await?;
    Ok(Outcome::Imported(id))
}
