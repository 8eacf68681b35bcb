//! Changes to a community's wiki: create a page, edit it (refused as a
//! conflict when the page moved on since the revision the editor started
//! from — the caller shows both texts), restore a revision (a new revision
//! with the old text), delete a page (moderators). Each asks the policy
//! and writes the page and its revision in one transaction.

use super::{MAX_BODY_BYTES, MAX_TITLE_CHARS, Page};
use crate::accounts::User;
use crate::accounts::ops::audit_in;
use crate::actor::Actor;
use crate::communities::access::Loaded;
use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::library::ops::invalid;
use crate::policy::Action;
use crate::state::AppState;

/// What a page form carries.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct Values {
    pub title: String,
    pub body: String,
    /// The parent page's slug ('' at the top).
    pub parent: String,
    /// A short note on the change.
    pub note: String,
    /// The revision the edit started from (0 when creating).
    pub base_revision: i64,
}

/// What saving an edit did.
#[derive(Debug)]
pub enum Saved {
    Page(Page),
    /// Someone saved the page since `base_revision`: nothing was written;
    /// the page as it is now.
    Conflict(Page),
}

/// The community at `slug` if `viewer` (signed in or not) may read its
/// wiki and files; `NotFound` otherwise.
pub async fn open(state: &AppState, viewer: Option<&User>, slug: &str) -> AppResult<Loaded> {
    let l = crate::communities::access::load(state, viewer, slug).await?;
    if !crate::policy::can(
        viewer,
        Action::ViewCommunitySpace {
            c: &l.facts,
            m: l.m,
        },
    ) {
        return Err(AppError::NotFound);
    }
    Ok(l)
}

/// As `open`, for an acting party (the instance reads everything).
async fn open_for(state: &AppState, actor: &Actor, slug: &str) -> AppResult<Loaded> {
    match actor {
        Actor::Person(u) => open(state, Some(u), slug).await,
        // A remote account reads as anyone outside (the policy grants it
        // nothing here).
        Actor::Remote(_) => open(state, None, slug).await,
        Actor::System { .. } => {
            let c = crate::communities::by_slug(&state.db, slug)
                .await?
                .ok_or(AppError::NotFound)?;
            Ok(Loaded::new(c, None))
        }
    }
}

/// As `open`, and the actor may write there.
pub(crate) async fn open_for_actor(
    state: &AppState,
    actor: &Actor,
    slug: &str,
) -> AppResult<Loaded> {
    open_for(state, actor, slug).await
}

pub async fn writable(state: &AppState, actor: &Actor, slug: &str) -> AppResult<Loaded> {
    let l = open_for(state, actor, slug).await?;
    if !actor.may(Action::EditCommunitySpace {
        c: &l.facts,
        m: l.m,
    }) {
        return Err(AppError::Forbidden);
    }
    Ok(l)
}

/// A page of a community `viewer` may read.
pub async fn page(
    state: &AppState,
    viewer: Option<&User>,
    slug: &str,
    page: &str,
) -> AppResult<(Loaded, Page)> {
    let l = open(state, viewer, slug).await?;
    let p = super::by_slug(&state.db, l.c.id, page)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((l, p))
}

struct Checked {
    title: String,
    body: String,
    parent_id: Option<i64>,
    note: String,
}

async fn check(
    state: &AppState,
    community_id: i64,
    v: &Values,
    editing: Option<&Page>,
) -> AppResult<Checked> {
    let mut errs = Vec::new();
    let title = v.title.trim().to_string();
    if title.is_empty() {
        errs.push(("title", "wiki-title-required"));
    } else if title.chars().count() > MAX_TITLE_CHARS {
        errs.push(("title", "wiki-title-too-long"));
    }
    let body = v.body.replace("\r\n", "\n");
    if body.len() > MAX_BODY_BYTES {
        errs.push(("body", "wiki-body-too-long"));
    }
    let note = v.note.trim().chars().take(300).collect::<String>();
    let mut parent_id = None;
    let parent = v.parent.trim();
    if !parent.is_empty() {
        let nodes = super::tree(&state.db, community_id).await?;
        match nodes.iter().find(|n| n.slug == parent) {
            None => errs.push(("parent", "wiki-parent-unknown")),
            Some(n) => {
                // Not itself nor one of its own descendants.
                let cycle = editing.is_some_and(|p| {
                    n.id == p.id
                        || super::ancestors(&nodes, Some(n.id))
                            .iter()
                            .any(|a| a.id == p.id)
                });
                if cycle {
                    errs.push(("parent", "wiki-parent-cycle"));
                } else {
                    parent_id = Some(n.id);
                }
            }
        }
    }
    if !errs.is_empty() {
        return Err(invalid(errs));
    }
    Ok(Checked {
        title,
        body,
        parent_id,
        note,
    })
}

async fn add_revision(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    actor: &Actor,
    page_id: i64,
    c: &Checked,
    restored_from: Option<i64>,
    t: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO wiki_revisions (page_id, title, body, note, restored_from, author_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(page_id)
    .bind(&c.title)
    .bind(&c.body)
    .bind(&c.note)
    .bind(restored_from)
    .bind(actor.audit_id())
    .bind(t)
    .fetch_one(&mut **tx)
    .await
}

/// Create a page; its slug comes from the title (made unique in the community).
pub async fn create(state: &AppState, actor: &Actor, slug: &str, v: &Values) -> AppResult<Page> {
    let l = writable(state, actor, slug).await?;
    let c = check(state, l.c.id, v, None).await?;
    let base = super::slug_for(&c.title);
    let mut page_slug = base.clone();
    let mut n = 1;
    while super::by_slug(&state.db, l.c.id, &page_slug)
        .await?
        .is_some()
    {
        n += 1;
        page_slug = format!("{base}-{n}");
    }
    let t = now();
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO wiki_pages (community_id, parent_id, slug, title, body, revision_id, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $7) RETURNING id",
    )
    .bind(l.c.id)
    .bind(c.parent_id)
    .bind(&page_slug)
    .bind(&c.title)
    .bind(&c.body)
    .bind(actor.audit_id())
    .bind(t)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| match crate::db::is_unique_violation(&e) {
        true => invalid(vec![("title", "wiki-title-taken")]),
        false => e.into(),
    })?;
    let rev = add_revision(&mut tx, actor, id, &c, None, t).await?;
    sqlx::query("UPDATE wiki_pages SET revision_id = $1 WHERE id = $2")
        .bind(rev)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit_in(
        &mut tx,
        actor,
        "wiki_page_created",
        None,
        &format!("{} {}", l.c.slug, page_slug),
    )
    .await?;
    tx.commit().await?;
    super::by_slug(&state.db, l.c.id, &page_slug)
        .await?
        .ok_or(AppError::NotFound)
}

/// Write `c` as the page's next revision if the page is still at `base`.
async fn save(
    state: &AppState,
    actor: &Actor,
    l: &Loaded,
    p: &Page,
    c: &Checked,
    base: i64,
    restored_from: Option<i64>,
) -> AppResult<Saved> {
    let t = now();
    let mut tx = state.db.begin().await?;
    let rev = add_revision(&mut tx, actor, p.id, c, restored_from, t).await?;
    // The guard and the write are one statement: two editors who started
    // from the same revision cannot both win.
    let done = sqlx::query(
        "UPDATE wiki_pages SET title = $1, body = $2, parent_id = $3, revision_id = $4, updated_at = $5 \
         WHERE id = $6 AND revision_id = $7",
    )
    .bind(&c.title)
    .bind(&c.body)
    .bind(c.parent_id)
    .bind(rev)
    .bind(t)
    .bind(p.id)
    .bind(base)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if done == 0 {
        tx.rollback().await?;
        let now_page = super::by_slug(&state.db, l.c.id, &p.slug)
            .await?
            .ok_or(AppError::NotFound)?;
        return Ok(Saved::Conflict(now_page));
    }
    let what = if restored_from.is_some() {
        "wiki_page_restored"
    } else {
        "wiki_page_edited"
    };
    audit_in(
        &mut tx,
        actor,
        what,
        None,
        &format!("{} {} {rev}", l.c.slug, p.slug),
    )
    .await?;
    tx.commit().await?;
    Ok(Saved::Page(
        super::by_slug(&state.db, l.c.id, &p.slug)
            .await?
            .ok_or(AppError::NotFound)?,
    ))
}

/// Edit a page (its address stays; the title may change).
pub async fn edit(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    page: &str,
    v: &Values,
) -> AppResult<Saved> {
    let l = writable(state, actor, slug).await?;
    let p = super::by_slug(&state.db, l.c.id, page)
        .await?
        .ok_or(AppError::NotFound)?;
    let c = check(state, l.c.id, v, Some(&p)).await?;
    if v.base_revision != p.revision_id {
        return Ok(Saved::Conflict(p));
    }
    save(state, actor, &l, &p, &c, v.base_revision, None).await
}

/// Restore revision `rev` of a page: a new revision with its title and text.
pub async fn restore(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    page: &str,
    rev: i64,
) -> AppResult<Page> {
    let l = writable(state, actor, slug).await?;
    let p = super::by_slug(&state.db, l.c.id, page)
        .await?
        .ok_or(AppError::NotFound)?;
    let revs = super::revisions(&state.db, p.id).await?;
    let r = revs
        .iter()
        .find(|r| r.id == rev)
        .ok_or(AppError::NotFound)?;
    let c = Checked {
        title: r.title.clone(),
        body: r.body.clone(),
        parent_id: p.parent_id,
        note: String::new(),
    };
    match save(state, actor, &l, &p, &c, p.revision_id, Some(rev)).await? {
        Saved::Page(p) => Ok(p),
        Saved::Conflict(_) => Err(AppError::Conflict {
            code: "wiki_conflict",
            message_key: "wiki-conflict-title",
        }),
    }
}

/// Delete a page and its revisions (moderators); its children move up to the top.
pub async fn delete(state: &AppState, actor: &Actor, slug: &str, page: &str) -> AppResult<()> {
    let l = open_for(state, actor, slug).await?;
    if !actor.may(Action::ModerateCommunitySpace {
        c: &l.facts,
        m: l.m,
    }) {
        return Err(AppError::Forbidden);
    }
    let p = super::by_slug(&state.db, l.c.id, page)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE wiki_pages SET parent_id = NULL WHERE parent_id = $1")
        .bind(p.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM wiki_revisions WHERE page_id = $1")
        .bind(p.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM wiki_pages WHERE id = $1")
        .bind(p.id)
        .execute(&mut *tx)
        .await?;
    audit_in(
        &mut tx,
        actor,
        "wiki_page_deleted",
        None,
        &format!("{} {}", l.c.slug, p.slug),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
